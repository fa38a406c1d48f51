"""simcore.io: round trip, provenance, atomic replace, damaged and truncated files."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import simcore as sc
from simcore import io


def _attrs(seed=7):
    return io.provenance(experiment="demo", seed=seed, temperature=300.0,
                         config_toml='n = 3\nname = "x"\n', started=io.now())


def _tree():
    return {
        "work": io.Data(np.linspace(0, 1e-20, 500), "J", "energies"),
        "times": io.Data(np.arange(10.0), "s"),
        "group": {"count": io.Data(np.arange(5), ""), "label": io.Data("hello")},
        "names": np.array(["a", "bb", "ccc"], dtype=object),
        "flags": np.array([True, False]),
        "scalar": io.Data(1.5e-21, "J"),
    }


def test_round_trip_and_provenance(tmp_path):
    path = io.write(tmp_path / "r.h5", _tree(), _attrs())
    res = io.read(path)
    assert np.array_equal(res["work"], np.linspace(0, 1e-20, 500))
    assert np.array_equal(res["group/count"], np.arange(5))
    assert str(res["group/label"][()]) == "hello"
    assert list(res["names"]) == ["a", "bb", "ccc"]
    assert res["flags"].dtype == bool
    assert res.unit("work") == "J" and res.unit("times") == "s"
    assert res.dataset_attrs["work"]["kT"] == pytest.approx(sc.kT(300.0))
    assert res.dataset_attrs["scalar"]["kT"] == pytest.approx(sc.kT(300.0))
    assert res.config == {"n": 3, "name": "x"}
    a = res.attrs
    for key in io.REQUIRED_ATTRS:
        assert key in a
    assert a["schema_version"] == io.SCHEMA_VERSION
    assert a["generator"] == sc.GENERATOR
    assert a["seed"] == 7 and a["temperature"] == 300.0
    assert a["git_commit"] == "unknown" or len(a["git_commit"].split("+")[0]) == 40
    assert res.group("group").keys() == {"count", "label"}


def test_time_series_chunked_and_compressed(tmp_path):
    path = io.write(tmp_path / "r.h5", _tree(), _attrs())
    with h5py.File(path) as f:
        assert f["work"].chunks is not None
        assert f["work"].compression == "gzip"
        assert f["times"].chunks is None  # short vectors stay contiguous


def test_exception_during_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = io.write(tmp_path / "r.h5", _tree(), _attrs(seed=1))
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(io.os, "replace", boom)
    with pytest.raises(RuntimeError):
        io.write(path, _tree(), _attrs(seed=2))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.h5"]


def test_exception_during_write_leaves_no_file(tmp_path):
    bad = {"ok": np.arange(3), "bad": np.array([object()])}
    with pytest.raises(ValueError):
        io.write(tmp_path / "r.h5", bad, _attrs())
    assert list(tmp_path.iterdir()) == []

    class Boom:
        def __array__(self, dtype=None, copy=None):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        io.write(tmp_path / "r.h5", {"x": Boom()}, _attrs())
    assert list(tmp_path.iterdir()) == []


def test_truncated_file_raises_clear_error(tmp_path):
    path = io.write(tmp_path / "r.h5", _tree(), _attrs())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(io.ResultFileError, match="damaged or truncated"):
        io.read(path)


def test_damaged_data_detected_by_checksum(tmp_path):
    path = io.write(tmp_path / "r.h5", {"x": io.Data(np.arange(8.0), "s")}, _attrs())
    with h5py.File(path, "r") as f:
        offset = f["x"].id.get_offset()
    raw = bytearray(path.read_bytes())
    raw[offset + 3] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(io.ResultFileError, match="damaged"):
        io.read(path)


def test_not_a_result_file(tmp_path):
    with pytest.raises(io.ResultFileError, match="no such file"):
        io.read(tmp_path / "missing.h5")
    (tmp_path / "junk.h5").write_text("not hdf5")
    with pytest.raises(io.ResultFileError, match="damaged or truncated"):
        io.read(tmp_path / "junk.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = 1
    with pytest.raises(io.ResultFileError, match="not a limsim result"):
        io.read(tmp_path / "other.h5")


def test_missing_provenance_is_refused(tmp_path):
    with pytest.raises(ValueError, match="root attributes missing"):
        io.write(tmp_path / "r.h5", _tree(), {"seed": 1})
    assert list(tmp_path.iterdir()) == []


def test_writable_folder(tmp_path):
    assert io.writable_folder(tmp_path / "new" / "deeper") == (tmp_path / "new" / "deeper")
    assert not (tmp_path / "new").exists()  # nothing created
    (tmp_path / "file").write_text("x")
    with pytest.raises(io.ResultFileError):
        io.writable_folder(tmp_path / "file" / "sub")


def test_atomic_path_replaces_only_on_success(tmp_path):
    dest = tmp_path / "report.md"
    assert io.write_text_atomic(dest, "first") == dest
    assert dest.read_text() == "first"
    seen = []
    for exc in (RuntimeError("disk on fire"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), io.atomic_path(dest) as tmp:
            seen.append(tmp)
            tmp.write_text("half")
            raise exc
        assert dest.read_text() == "first"  # the old file, whole
        assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]  # no leftover
    assert len(set(seen)) == 2 and all(t.parent == tmp_path for t in seen)
    assert all(io.is_temporary(t.name, "report.md") for t in seen)
    assert not io.is_temporary("report.md") and not io.is_temporary(".report.md.tmp", "index.md")
    io.write_text_atomic(dest, "second")
    assert dest.read_text() == "second"


def test_atomic_path_block_that_writes_nothing_raises_and_keeps_the_old_file(tmp_path):
    dest = tmp_path / "a.txt"
    io.write_text_atomic(dest, "kept")
    with pytest.raises(FileNotFoundError), io.atomic_path(dest):
        pass
    assert dest.read_text() == "kept" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]

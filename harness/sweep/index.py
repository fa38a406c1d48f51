"""The index of a sweep: every point's axes values, seed, status, error and scalar results.

``index.h5`` is rebuilt from the point records in point order after every sweep (so a resumed
sweep's index equals an uninterrupted one's) and written atomically, with a SHA-256 of its
content: ``load_index`` raises ``DamagedFileError`` for a file that is missing, truncated, not
an index or changed, and never returns half of one. Root attributes: ``format`` and
``format_version``, ``experiment``, ``root_seed``, ``spec`` (JSON) and its ``spec_sha256``,
``n_points``, ``complete``, ``content_sha256``; groups ``points/`` (index, seed, status, error,
file, file_sha256, file_size), ``axes/`` and ``results/``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from harness.sweep.records import PointRecord
from harness.sweep.spec import SweepSpec, column_kind
from simcore import io

#: Name and version of the index layout (root attributes of ``index.h5``).
INDEX_FORMAT = "limsim-sweep-index"
INDEX_VERSION = 1
INDEX_FILE = "index.h5"
POINTS_DIR = "points"


class DamagedFileError(OSError):
    """A sweep index or point file is truncated, corrupt or does not match its record."""

    def __init__(self, path: os.PathLike | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def sha256(path: os.PathLike | str) -> str:
    """SHA-256 of the file at ``path`` (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_problem(path: Path, size: int, digest: str) -> str:
    """Why ``path`` is not the file recorded (``size`` bytes, SHA-256 ``digest``), or ''
    when it is."""
    if not path.is_file():
        return "missing"
    actual = path.stat().st_size
    if actual != size:
        return f"size {actual} bytes, recorded {size} (truncated or changed)"
    if sha256(path) != digest:
        return "content does not match the recorded SHA-256"
    return ""


@dataclass(frozen=True, eq=False, kw_only=True)
class SweepIndex:
    """Every point of a sweep as a table: axes values, seed, status, error, scalar results.

    ``status`` is ``"ok"``, ``"failed"`` or ``"pending"`` (not finished yet); ``results[name]``
    is NaN where a point has no such result. ``file`` holds paths relative to ``directory``.
    Equality compares everything but ``file_sha256`` and ``file_size``, which describe bytes
    that may carry provenance differing between runs of the same sweep.
    """

    spec: SweepSpec
    index: np.ndarray
    seed: np.ndarray
    status: np.ndarray
    error: np.ndarray
    file: np.ndarray
    file_sha256: np.ndarray
    file_size: np.ndarray
    axes: dict[str, np.ndarray]
    results: dict[str, np.ndarray]
    directory: Path | None = None

    def __len__(self) -> int:
        return len(self.index)

    @property
    def experiment(self) -> str:
        return self.spec.experiment

    @property
    def complete(self) -> bool:
        """True when no point is pending (each is ok or failed)."""
        return not np.any(self.status == "pending")

    def count(self, status: str) -> int:
        return int(np.sum(self.status == status))

    def path(self, i: int) -> Path:
        """The file of point ``i``."""
        if self.directory is None:
            raise ValueError("this index was not read from a sweep directory")
        return self.directory / str(self.file[i])

    def columns(self) -> dict[str, np.ndarray]:
        """Flat table: index, seed, status, error, the axes, then the results."""
        return (
            {"index": self.index, "seed": self.seed, "status": self.status, "error": self.error}
            | self.axes
            | self.results
        )

    def check_files(self) -> None:
        """Raise ``DamagedFileError`` naming every ok point whose file is missing or changed."""
        bad = []
        for i in np.flatnonzero(self.status == "ok"):
            problem = file_problem(self.path(i), int(self.file_size[i]), str(self.file_sha256[i]))
            if problem:
                bad.append(f"{self.file[i]} ({problem})")
        if bad:
            raise DamagedFileError(
                self.directory or "",
                "damaged point files: " + "; ".join(bad) + "; rerun the sweep to recompute them",
            )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SweepIndex):
            return NotImplemented
        mine, theirs = self._compared(), other._compared()
        return (
            mine.keys() == theirs.keys()
            and all(_same_array(mine[k], theirs[k]) for k in mine)
            and self.spec == other.spec
        )

    def _compared(self) -> dict[str, np.ndarray]:
        skip = ("points/file_sha256", "points/file_size")
        return {
            k.removeprefix("points/"): v for k, v in _index_columns(self).items() if k not in skip
        }

    __hash__ = None  # type: ignore[assignment]


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return a.dtype.kind == b.dtype.kind and bool(np.array_equal(a, b))


def _axis_column(values: list) -> np.ndarray:
    kind = column_kind(values)
    if kind == "b":
        return np.array(values, dtype=bool)
    if kind == "i":
        return np.array(values, dtype=np.int64)
    if kind == "f":
        return np.array(values, dtype=np.float64)
    return np.array(values, dtype=object)


def build_index(
    spec: SweepSpec, records: Mapping[int, PointRecord], names: Sequence[str],
    directory: Path
) -> SweepIndex:
    n = spec.n_points
    values = spec.axis_values()
    status, error, sha, size = [], [], [], []
    result_names = sorted({k for r in records.values() for k in r.outcome.results})
    results = {k: np.full(n, np.nan) for k in result_names}
    for i in range(n):
        rec = records.get(i)
        status.append(rec.status if rec else "pending")
        error.append(rec.outcome.error if rec else "")
        sha.append(rec.outcome.sha256 if rec else "")
        size.append(rec.outcome.size if rec else 0)
        for k, v in (rec.outcome.results if rec else {}).items():
            results[k][i] = v
    return SweepIndex(
        spec=spec,
        index=np.arange(n, dtype=np.int64),
        seed=np.array([spec.seed_of(i) for i in range(n)], dtype=np.int64),
        status=np.array(status, dtype=object),
        error=np.array(error, dtype=object),
        file=np.array([f"{POINTS_DIR}/{name}.h5" for name in names], dtype=object),
        file_sha256=np.array(sha, dtype=object),
        file_size=np.array(size, dtype=np.int64),
        axes={k: _axis_column([v[k] for v in values]) for k in spec.keys},
        results=results,
        directory=directory,
    )


def _index_digest(spec_json: str, columns: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256(spec_json.encode())
    for name in sorted(columns):
        arr = columns[name]
        h.update(b"\0" + name.encode() + b"\0")
        if arr.dtype.kind in "OUS":
            h.update(json.dumps([str(x) for x in arr]).encode())
        else:
            h.update(arr.dtype.str.encode() + np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _index_columns(idx: SweepIndex) -> dict[str, np.ndarray]:
    out = {
        "points/index": idx.index,
        "points/seed": idx.seed,
        "points/status": idx.status,
        "points/error": idx.error,
        "points/file": idx.file,
        "points/file_sha256": idx.file_sha256,
        "points/file_size": idx.file_size,
    }
    out |= {f"axes/{k}": v for k, v in idx.axes.items()}
    out |= {f"results/{k}": v for k, v in idx.results.items()}
    return out


def write_index(idx: SweepIndex, path: os.PathLike | str) -> None:
    """Write ``idx`` to ``path`` atomically (temporary file, fsync, ``os.replace``)."""
    spec_json = json.dumps(idx.spec.to_dict())
    columns = _index_columns(idx)
    with io.atomic_path(path) as tmp, h5py.File(tmp, "w", track_order=True) as f:
        f.attrs["format"] = INDEX_FORMAT
        f.attrs["format_version"] = INDEX_VERSION
        f.attrs["experiment"] = idx.spec.experiment
        f.attrs["root_seed"] = idx.spec.seed
        f.attrs["spec"] = spec_json
        f.attrs["spec_sha256"] = idx.spec.fingerprint
        f.attrs["n_points"] = len(idx)
        f.attrs["complete"] = idx.complete
        f.attrs["content_sha256"] = _index_digest(spec_json, columns)
        for group in ("points", "axes", "results"):
            f.create_group(group, track_order=True)
        for name, arr in columns.items():
            if arr.dtype.kind == "O":
                f.create_dataset(name, data=arr.astype(str).tolist(), dtype=h5py.string_dtype())
            else:
                f.create_dataset(name, data=arr)


def load_index(path: os.PathLike | str) -> SweepIndex:
    """Read a sweep index (``index.h5``, or the sweep directory holding it).

    Raises ``DamagedFileError`` when the file is missing, truncated, not an index, or its content
    does not match the checksum written with it; nothing is half-read.
    """
    path = Path(path)
    if path.is_dir():
        path = path / INDEX_FILE
    if not path.is_file():
        raise DamagedFileError(path, "no sweep index here")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != INDEX_FORMAT:
                raise DamagedFileError(path, "not a limsim sweep index")
            version = int(f.attrs["format_version"])
            if version != INDEX_VERSION:
                raise DamagedFileError(
                    path, f"index format version {version}, this limsim reads {INDEX_VERSION}"
                )
            spec_json = str(f.attrs["spec"])
            expected = str(f.attrs["content_sha256"])
            columns: dict[str, np.ndarray] = {}
            for group in ("points", "axes", "results"):
                for name, ds in f[group].items():
                    if h5py.check_string_dtype(ds.dtype) is not None:
                        columns[f"{group}/{name}"] = np.array(ds.asstr()[()], dtype=object)
                    else:
                        columns[f"{group}/{name}"] = ds[()]
    except DamagedFileError:
        raise
    except Exception as exc:
        raise DamagedFileError(
            path,
            f"damaged or truncated sweep index ({exc}); rerun the "
            "sweep to rebuild it from its records",
        ) from None
    if _index_digest(spec_json, columns) != expected:
        raise DamagedFileError(
            path,
            "sweep index content does not match its checksum; rerun "
            "the sweep to rebuild it from its records",
        )
    spec = SweepSpec.from_dict(json.loads(spec_json))
    p = {k.split("/", 1)[1]: v for k, v in columns.items() if k.startswith("points/")}
    return SweepIndex(
        spec=spec,
        index=p["index"],
        seed=p["seed"],
        status=p["status"],
        error=p["error"],
        file=p["file"],
        file_sha256=p["file_sha256"],
        file_size=p["file_size"],
        axes={k: columns[f"axes/{k}"] for k in spec.keys},
        results={k.split("/", 1)[1]: v for k, v in columns.items() if k.startswith("results/")},
        directory=path.parent,
    )


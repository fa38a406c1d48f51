"""Every experiment runs with --smoke in seconds, writes its file, passes its checks, and its
figures are redrawn by ``limsim plot`` from the file alone."""

from __future__ import annotations

import pytest

from harness import registry
from harness.cli import main
from harness.registry import EXPERIMENTS
from simcore import io
from simcore.seeds import replay
from tests.smoke.on_disk import ON_DISK

#: The experiments whose result file lists its named seed streams (``seeds`` group).
SEEDED = (
    "landauer_erasure",
    "retention",
    "fluctuation_theorems",
    "update_wall",
    "consolidation_wall",
    "two_state_validity",
)


def test_every_experiment_on_disk_is_registered():
    assert len(ON_DISK) >= 8  # the discovery itself works
    assert sorted(registry.NAMES) == list(ON_DISK), "harness.registry.NAMES != experiments/"
    assert sorted(EXPERIMENTS) == list(ON_DISK)


@pytest.mark.parametrize("name", ON_DISK)
def test_smoke_run_and_redraw(name, tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["run", name, "--smoke", "--quiet", "--seed", "3", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0, text
    h5 = out / f"{name}.h5"
    res = io.read(h5)
    for attr in io.REQUIRED_ATTRS:
        assert attr in res.attrs
    assert res.attrs["experiment"] == name
    assert res.attrs["seed"] == 3
    assert res.attrs["smoke"]
    assert res.config["seed"] == 3
    assert all(res["checks/passed"])
    assert len(res["checks/passed"]) >= 3
    if name in SEEDED:
        assert int(res["seeds/root"]) == 3
        seeds = [int(s) for s in res["seeds/seed"]]
        assert len(set(seeds)) == len(seeds) == len(res["seeds/label"]) > 0
        for key, seed in zip(res["seeds/spawn_key"], seeds, strict=True):
            assert replay(3, [int(k) for k in key.split()]) == seed
    for key, value in res.data.items():
        if res.unit(key) == "J":
            assert res.dataset_attrs[key]["kT"] == pytest.approx(res.attrs["kT"])
            assert value.dtype.kind == "f"
    figures = sorted(p.name for p in out.glob("*.png"))
    assert figures
    report = (out / "report.md").read_text()
    assert "| key | check | simulated | reference | tolerance |" in report
    assert "**FAIL**" not in report
    for f in figures:
        assert f"]({f})" in report
    # redraw from the file alone, somewhere else
    again = tmp_path / "again"
    assert main(["plot", str(h5), "--out", str(again)]) == 0
    assert sorted(p.name for p in again.glob("*.png")) == figures
    assert sorted(p.name for p in again.glob("*.pdf")) == [f[:-4] + ".pdf" for f in figures]
    assert not list(out.glob(".*tmp"))

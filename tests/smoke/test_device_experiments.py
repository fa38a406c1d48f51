"""The bit experiments on every kind of device (ideal, MTJ, p-bit MTJ, RRAM, double well, a
device TOML file, a table), in smoke mode with few cells: they run, pass their checks, name the
device and all its parameters in the report and the file, and redraw from the file. FN-DAM and
multi-level cells, and the experiments that need an independent barrier control, are refused
(exit 2, naming ``device``) before anything is written."""

from __future__ import annotations

import pytest

from harness.cli import main
from simcore import io
from tests.conftest import KT

FEW = ["--set", "n_cells=4000"]
RETENTION_FEW = [*FEW, "--set", "array_cells=60000", "--set", "array_sizes=1,10,100",
                 "--set", "times_per_barrier=6"]


def _table_file(tmp_path):
    up = [60 * KT, 40 * KT, 0.0]  # out of level 0: falls as the control rises
    down = [0.0, 40 * KT, 60 * KT]  # out of level 1: rises
    p = tmp_path / "table.toml"
    p.write_text('model = "table"\ncontrol = [-1.0, 0.0, 1.0]\ncontrol_unit = "V"\n'
                 f"barrier_up = {up!r}\nbarrier_down = {down!r}\nattempt_frequency = 1e9\n")
    return str(p)


def _mtj_file(tmp_path):
    p = tmp_path / "mtj.toml"
    p.write_text('model = "mtj"\nthermal_stability = 45.0\ncritical_current = 40e-6\n'
                 "resistance_parallel = 3000.0\ntmr = 1.5\n")
    return str(p)


def _run(name, device, tmp_path, extra=()):
    out = tmp_path / f"{name}-run"
    rc = main(["run", name, "--smoke", "--quiet", "--seed", "11", "--out", str(out),
               "--set", f"device={device}", *extra])
    return rc, out


def _check_file(name, out, device):
    res = io.read(out / f"{name}.h5")
    assert all(res["checks/passed"])
    assert res.config["device"] == device
    assert str(res["device/key"]) == device
    assert any(k.startswith("device/parameters/") for k in res.data)
    report = (out / "report.md").read_text()
    assert "device " in report and "(" in report
    assert main(["plot", str(out / f"{name}.h5"), "--out", str(out / "redrawn")]) == 0
    return res


UPDATE_WALL_DEVICES = [
    pytest.param("stt_mram_10year", [], id="mtj"),
    pytest.param("hfox_rram", [], id="rram", marks=pytest.mark.slow),
    pytest.param("stochastic_mtj", [], id="pbit", marks=pytest.mark.slow),
    pytest.param("double_well_nanomagnet", ["--set", "write_times=1e-6,1e-5"],
                 id="double_well", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("device", "extra"), UPDATE_WALL_DEVICES)
def test_update_wall_on_a_device(device, extra, tmp_path, capsys):
    rc, out = _run("update_wall", device, tmp_path, [*FEW, "--set", "errors=0.1", *extra])
    assert rc == 0, capsys.readouterr()
    res = _check_file("update_wall", out, device)
    elec = res["static/electrical"]
    if device == "double_well_nanomagnet":
        assert all(e != e for e in elec)  # no electrical model: NaN, not a made-up number
    else:
        assert all(elec > 0)
        assert "elec/op" in (out / "report.md").read_text()


RETENTION_DEVICES = [
    pytest.param("hfox_rram", id="rram"),
    pytest.param("stt_mram_10year", id="mtj", marks=pytest.mark.slow),
    pytest.param("stochastic_mtj", id="pbit", marks=pytest.mark.slow),
    pytest.param("double_well_nanomagnet", id="double_well", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("device", RETENTION_DEVICES)
def test_retention_on_a_device(device, tmp_path, capsys):
    rc, out = _run("retention", device, tmp_path, RETENTION_FEW)
    assert rc == 0, capsys.readouterr()
    res = _check_file("retention", out, device)
    assert len(res["hold_temperature"]) == 3


def test_both_experiments_on_a_table_and_a_toml_file(tmp_path, capsys):
    table, mtj = _table_file(tmp_path), _mtj_file(tmp_path)
    rc, out = _run("update_wall", table, tmp_path / "t", [*FEW, "--set", "errors=0.1",
                                                          "--set", "write_times=1e-8"])
    assert rc == 0, capsys.readouterr()
    _check_file("update_wall", out, table)
    rc, out = _run("retention", mtj, tmp_path / "m", RETENTION_FEW)
    assert rc == 0, capsys.readouterr()
    res = _check_file("retention", out, mtj)
    assert float(res["device/parameters/tmr"]) == 1.5


@pytest.mark.slow
def test_table_retention_and_toml_update_wall(tmp_path, capsys):
    table, mtj = _table_file(tmp_path), _mtj_file(tmp_path)
    rc, out = _run("retention", table, tmp_path / "t", RETENTION_FEW)
    assert rc == 0, capsys.readouterr()
    _check_file("retention", out, table)
    rc, out = _run("update_wall", mtj, tmp_path / "m", [*FEW, "--set", "errors=0.1"])
    assert rc == 0, capsys.readouterr()
    _check_file("update_wall", out, mtj)


REFUSED = [
    ("update_wall", "fn_dam_synapse", "two-state"),
    ("retention", "fn_dam_synapse", "two-state"),
    ("consolidation_wall", "stt_mram_10year", "raising the barrier"),
    ("landauer_erasure", "hfox_rram", "two independent controls"),
    ("fluctuation_theorems", "stochastic_mtj", "barrier"),
    ("consolidation_wall", "fn_dam_synapse", "raising the barrier"),
]


@pytest.mark.parametrize(("name", "device", "why"), REFUSED)
def test_a_device_an_experiment_cannot_use_is_exit_2(name, device, why, tmp_path, capsys):
    out = tmp_path / "never"
    rc = main(["run", name, "--smoke", "--quiet", "--out", str(out), "--set", f"device={device}"])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"device='{device}'" in err and why in err
    assert not out.exists()


def test_a_multilevel_device_file_is_refused(tmp_path, capsys):
    p = tmp_path / "chain.toml"
    p.write_text('model = "mtj"\nthermal_stability = 40.0\nlevels = 4\n')
    rc = main(["run", "update_wall", "--smoke", "--quiet", "--out", str(tmp_path / "x"),
               "--set", f"device={p}"])
    err = capsys.readouterr().err
    assert rc == 2 and "MultiLevel" in err


def test_a_write_the_device_cannot_make_in_time_is_exit_2(tmp_path, capsys):
    rc = main(["run", "update_wall", "--smoke", "--quiet", "--out", str(tmp_path / "x"),
               "--set", "device=double_well_nanomagnet"])
    err = capsys.readouterr().err
    assert rc == 2 and "device='double_well_nanomagnet'" in err and "best pulse" in err

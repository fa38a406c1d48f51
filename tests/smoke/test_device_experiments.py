"""The bit experiments on every kind of device (ideal, MTJ, p-bit MTJ, RRAM, double well, a
device TOML file, a table, FN-DAM), in smoke mode with few cells: they run, pass their checks,
name the device and all its parameters in the report and the file, and redraw from the file;
their electrical energies match hand calculations. An FN-DAM cell runs in retention,
landauer_erasure (a reset pulse), consolidation_wall (consolidation by ageing) and update_wall
(a k-level update, its shot-noise precision), its figures against the Fowler–Nordheim closed
forms written out here; it is refused (exit 2, naming ``device``, before anything is written)
by fluctuation_theorems (no local detailed balance), as multi-level cells are by update_wall."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.cli import main
from simcore import ParameterError, io
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
    ("fluctuation_theorems", "fn_dam_synapse", "local detailed balance"),
]


@pytest.mark.parametrize(("name", "device", "why"), REFUSED)
def test_a_device_an_experiment_cannot_use_is_exit_2(name, device, why, tmp_path, capsys):
    out = tmp_path / "never"
    rc = main(["run", name, "--smoke", "--quiet", "--out", str(out), "--set", f"device={device}"])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"device='{device}'" in err and why in err
    assert not out.exists()


@pytest.mark.parametrize("short", ["1e-12", "1e-08"])
def test_an_fn_dam_reset_beyond_the_model_is_exit_2(short, tmp_path, capsys):
    """Resetting 64 levels in 10 ns needs hops faster than f0 = 1 GHz (the engine's Arrhenius
    rates never exceed f0), in 1 ps also V + V_p > β/5 = 36 V (the FN law's range): refused."""
    out = tmp_path / "never"
    rc = main(["run", "landauer_erasure", "--smoke", "--quiet", "--out", str(out), "--set",
               "device=fn_dam_synapse", "--set", f"durations={short},1e-7,1e-6"])
    err = capsys.readouterr().err
    assert rc == 2 and f"durations={short}" in err and "model's range" in err
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


# ---------------------------------------------------------------- the three one-control protocols
#: Durations of an erasure that every two-state preset can make at the quasi-static success
#: 1/(1 + e^-10) (an MTJ at |I| <= I_c0 with τ0 = 1 ns needs τ > 1e-8 s).
ERASE = ["--set", "durations=1e-7,3e-7,1e-6"]
#: Cells for the Crooks bins (at least 30 per bin in both directions).
CROOKS = ["--set", "n_cells=20000"]

def test_the_smoke_erasure_runs_on_every_preset(tmp_path):
    """``landauer_erasure --smoke`` with no durations set suits every preset it accepts (each
    runs and passes its checks; the figures are drawn for several devices above); a preset of
    a kind it refuses is refused naming ``device``."""
    from devices import cell
    from devices.presets import PRESETS
    from experiments.fn_dam_hold import is_fn_dam
    from harness import runner
    from harness.registry import experiment

    exp = experiment("landauer_erasure")
    for name, make in PRESETS.items():
        sets = [f"device={name}", "n_cells=4000"]
        dev = make()
        if not (cell.is_two_state(dev) or is_fn_dam(dev)):
            with pytest.raises(ParameterError, match=r"^device="):
                runner.resolve_config(exp, smoke=True, sets=sets)
            continue
        cfg = runner.resolve_config(exp, smoke=True, sets=sets)
        checks, _ = runner.simulate(exp, cfg, tmp_path / f"{name}.h5")
        assert checks and all(c["passed"] for c in checks), name


def test_an_erasure_too_short_for_the_device_names_the_shortest_duration(tmp_path, capsys):
    """An MTJ (b = 2, τ0 = 1 ns) erases fastest at I = -I_c0, where the barrier out of level 1
    vanishes: failure e^(-τ/τ0), so τ >= τ0 ln(1/ε) = 10.00005 ns for ε = 1/(1 + e^10), given
    as 1.01e-08 s (3 digits, rounded up); the default durations start at 10 ns. A failure the
    device cannot reach at any duration is refused naming ``tilt``."""
    rc = main(["run", "landauer_erasure", "--quiet", "--show-config",
               "--set", "device=stt_mram_10year"])
    err = capsys.readouterr().err
    assert rc == 2 and "durations=1e-08" in err and "1.01e-08 s or longer" in err
    rc = main(["run", "landauer_erasure", "--quiet", "--show-config", "--set",
               "device=stt_mram_10year", "--set", "durations=1.01e-8,1e-7,1e-6"])
    assert rc == 0, capsys.readouterr()
    soft = tmp_path / "soft.toml"  # Δ = 5: at best a stationary failure of about e^(-4Δ)
    soft.write_text('model = "mtj"\nthermal_stability = 5.0\n')
    rc = main(["run", "landauer_erasure", "--smoke", "--quiet", "--show-config",
               "--set", f"device={soft}", "--set", "tilt=25"])
    err = capsys.readouterr().err
    assert rc == 2 and "tilt=25.0" in err and "up to 1e+06 s" in err


def _erasure_misses_landauer(res, out):
    # a one-control device misses Landauer by far: its heat is many kT ln 2 at every duration
    assert all(res["device/erase/heat"] > 5 * res.attrs["kT"] * math.log(2))
    assert all(res["device/erase/electrical"] > 0)
    assert "cannot approach kT ln 2" in (out / "report.md").read_text()


def _copy_has_electrical(res, out):
    assert float(res["device/copy/electrical"]) > 0
    assert "meets t" in (out / "report.md").read_text()


def _drive_hops(res, out):
    # the drive makes hops: at least one expected hop in ten cells, each direction
    assert float(res["device/hops_forward"]) > 0.1
    assert float(res["device/hops_reverse"]) > 0.05


#: What each of the three one-control protocols must show on a device, and its settings.
ONE_CONTROL = {
    "landauer_erasure": ([*FEW, *ERASE], _erasure_misses_landauer),
    "consolidation_wall": (FEW, _copy_has_electrical),
    "fluctuation_theorems": (CROOKS, _drive_hops),
}

ONE_CONTROL_RUNS = [
    pytest.param("landauer_erasure", "stt_mram_10year", [], id="erasure-mtj"),
    pytest.param("landauer_erasure", "stochastic_mtj", [], id="erasure-pbit",
                 marks=pytest.mark.slow),
    pytest.param("landauer_erasure", "hfox_rram", [], id="erasure-rram", marks=pytest.mark.slow),
    pytest.param("consolidation_wall", "hfox_rram", [], id="consolidation-rram"),
    pytest.param("consolidation_wall", "stt_mram_10year", [], id="consolidation-mtj",
                 marks=pytest.mark.slow),
    pytest.param("consolidation_wall", "stochastic_mtj", [], id="consolidation-pbit",
                 marks=pytest.mark.slow),
    pytest.param("fluctuation_theorems", "stochastic_mtj", [], id="fluctuation-pbit"),
    pytest.param("fluctuation_theorems", "stt_mram_10year", [], id="fluctuation-mtj",
                 marks=pytest.mark.slow),
    pytest.param("fluctuation_theorems", "hfox_rram", ["--set", "tilt=-3"],
                 id="fluctuation-rram", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("name", "device", "extra"), ONE_CONTROL_RUNS)
def test_one_control_protocol_on_a_device(name, device, extra, tmp_path, capsys):
    settings, shows = ONE_CONTROL[name]
    rc, out = _run(name, device, tmp_path, [*settings, *extra])
    assert rc == 0, capsys.readouterr()
    shows(_check_file(name, out, device), out)


def _mtj_pulse_energy_by_hand(delta, i_c, current, width, r_p, tmr, f0=1e9):
    """I² [R_P (t - T_AP) + R_AP T_AP] for a pulse from (1/2, 1/2), Néel–Brown rates with
    b = 2 and T_AP the time in AP from the two-state relaxation, all written out here."""
    x = current / i_c
    k01 = f0 * math.exp(-delta * (1 - x) ** 2)
    k10 = f0 * math.exp(-delta * (1 + x) ** 2)
    r = k01 + k10
    pi1 = k01 / r
    t_ap = pi1 * width + (0.5 - pi1) * (1 - math.exp(-r * width)) / r
    return current**2 * (r_p * (width - t_ap) + r_p * (1 + tmr) * t_ap)


def test_erasure_electrical_energy_is_i2r_by_hand(tmp_path, capsys):
    """The MTJ TOML file's erasing pulses: I²R over the pulse with R_P/R_AP weighted by the
    time in each state (hand formula), and a current that does erase (hand rates)."""
    mtj = _mtj_file(tmp_path)  # Δ = 45, I_c0 = 40 µA, R_P = 3 kΩ, TMR = 1.5
    rc, out = _run("landauer_erasure", mtj, tmp_path, [*FEW, *ERASE])
    assert rc == 0, capsys.readouterr()
    res = _check_file("landauer_erasure", out, mtj)
    for tau, i, e in zip(res["duration"], res["device/erase/control"],
                         res["device/erase/electrical"], strict=True):
        assert -40e-6 <= i < 0  # negative current writes level 0 (P)
        assert e == pytest.approx(_mtj_pulse_energy_by_hand(45.0, 40e-6, i, tau, 3000.0, 1.5),
                                  rel=1e-9)
        # the pulse's exact failure from level 1 is the erasure's target e^-10/(1 + e^-10)
        k10 = 1e9 * math.exp(-45.0 * (1 + i / 40e-6) ** 2)
        k01 = 1e9 * math.exp(-45.0 * (1 - i / 40e-6) ** 2)
        r = k01 + k10
        fail = k01 / r + (1 - k01 / r) * math.exp(-r * tau)
        assert fail == pytest.approx(1 / (1 + math.exp(10)), rel=1e-6)


def test_consolidation_retention_of_the_device_by_hand(tmp_path, capsys):
    """The p-bit MTJ (Δ = 10, τ0 = 1 ns) holds a bit at ε = 1e-3 for
    -ln(1 - 2ε)/(2 k), k = 1e9 e^-10 /s: 22 ns, so it meets no target of a second."""
    rc, out = _run("consolidation_wall", "stochastic_mtj", tmp_path, FEW)
    assert rc == 0, capsys.readouterr()
    res = io.read(out / "consolidation_wall.h5")
    k = 1e9 * math.exp(-10.0)
    assert float(res["device/retention"]) == pytest.approx(-math.log(1 - 2e-3) / (2 * k),
                                                           rel=1e-9)
    assert "yes" not in (out / "report.md").read_text().split("meets t")[1]


def test_fluctuation_drive_tilts_the_pbit_by_hand(tmp_path, capsys):
    """The p-bit's last stair: E1 - E0 = -4 Δ kT I/I_c0 (b = 2) reaches -3 kT at
    I = 3 I_c0/(4 Δ) = 0.75 µA; the drive lasts 4/(2 f0 e^-Δ)."""
    rc, out = _run("fluctuation_theorems", "stochastic_mtj", tmp_path, CROOKS)
    assert rc == 0, capsys.readouterr()
    res = io.read(out / "fluctuation_theorems.h5")
    c = res["device/controls"]
    assert c[0] == 0.0
    assert c[-1] == pytest.approx(3 * 10e-6 / (4 * 10.0), rel=1e-9)
    assert np.all(np.diff(c) > 0)
    assert float(res["device/duration"]) == pytest.approx(4 / (2e9 * math.exp(-10.0)),
                                                          rel=1e-9)


FILES = {"table": _table_file, "toml": _mtj_file}


@pytest.mark.parametrize(("name", "kind"), [
    ("landauer_erasure", "table"), ("consolidation_wall", "toml"),
    ("fluctuation_theorems", "table"),
    pytest.param("landauer_erasure", "toml", marks=pytest.mark.slow),
    pytest.param("consolidation_wall", "table", marks=pytest.mark.slow),
    pytest.param("fluctuation_theorems", "toml", marks=pytest.mark.slow),
])
def test_one_control_protocol_on_a_device_file(name, kind, tmp_path, capsys):
    dev = FILES[kind](tmp_path)
    rc, out = _run(name, dev, tmp_path, ONE_CONTROL[name][0])
    assert rc == 0, capsys.readouterr()
    _check_file(name, out, dev)


def test_retention_on_fn_dam_books_q_v_per_electron(tmp_path, capsys):
    """FN-DAM held from age 0: the file's electrical energy per cell is C (V0² - V(t)²) with
    V(t) = β/ln(αβ t/C + e^(β/V0)) written out here, and W = Q = 0 (saddles only)."""
    rc, out = _run("retention", "fn_dam_synapse", tmp_path,
                   [*FEW, "--set", "times_per_barrier=4", "--set", "device_ages=1,1e6"])
    assert rc == 0, capsys.readouterr()
    res = _check_file("retention", out, "fn_dam_synapse")
    ages = res["fn_dam/age"]
    assert ages[0] == 1.0 and ages[-1] == 1e6
    v = 180.0 / np.log(3e-5 * 180.0 / 1e-12 * ages + math.exp(180.0 / 8.0))
    np.testing.assert_allclose(res["fn_dam/electrical"], 1e-12 * (64.0 - v**2), rtol=1e-12)
    electrons = 1e-12 * (8.0 - v) / 1.602176634e-19
    np.testing.assert_allclose(res["fn_dam/electrons"], electrons, rtol=1e-12)
    assert float(res["fn_dam/work"]) == 0.0 and float(res["fn_dam/heat"]) == 0.0


# ---------------------------------------------------------------- FN-DAM: reset and ageing by hand
#: The preset fn_dam_synapse written out: α (A/V²), β (V), C (F), V(0) (V), ΔV (V), M, f0 (Hz).
ALPHA, BETA, CAP, V0, DV, M, F0 = 3e-5, 180.0, 1e-12, 8.0, 1e-3, 64, 1e9
Q_E = 1.602176634e-19


def _v(t):
    """V(t) = β / ln(αβ t/C + e^(β/V0))."""
    return BETA / np.log(ALPHA * BETA / CAP * np.asarray(t) + math.exp(BETA / V0))


def _i(v):
    """Fowler–Nordheim current α V² e^(-β/V)."""
    return ALPHA * v * v * np.exp(-BETA / v)


def test_erasure_on_fn_dam_resets_to_level_0_by_hand(tmp_path, capsys):
    """The reset pulse at age 1 s: its energy is I_p (V + V_p) τ plus the other gate's leak
    C (V(1)² - V(1 + τ)²)/2, and the chain with hops down at Γ + (I_p - I)/(C ΔV) and up at
    Γ = I/(q N_e²), solved here by expm, leaves e^-10/(1 + e^-10) of a uniform value off 0."""
    from scipy.linalg import expm

    rc, out = _run("landauer_erasure", "fn_dam_synapse", tmp_path, [*FEW, *ERASE])
    assert rc == 0, capsys.readouterr()
    res = _check_file("landauer_erasure", out, "fn_dam_synapse")
    n_e = CAP * DV / Q_E
    v = float(_v(1.0))
    for tau, amp, elec in zip(res["duration"], res["device/reset/amplitude"],
                              res["device/reset/electrical_master"], strict=True):
        i_p = float(_i(v + amp))
        leak = 0.5 * CAP * (v**2 - float(_v(1.0 + tau)) ** 2)
        assert elec == pytest.approx(i_p * (v + amp) * tau + leak, rel=1e-9)
        gamma = float(_i(v)) / (Q_E * n_e**2)
        down = gamma + (i_p - float(_i(v))) / (CAP * DV)
        r = np.zeros((M, M))
        for k in range(M - 1):
            r[k, k + 1], r[k + 1, k] = gamma, down
        r -= np.diag(r.sum(axis=1))
        p0 = (np.full(M, 1.0 / M) @ expm(r * tau))[0]
        assert 1.0 - p0 == pytest.approx(1 / (1 + math.exp(10)), rel=1e-6)
    heat, kt = res["device/reset/heat"], res.attrs["kT"]
    assert all(heat > 100 * kt * math.log(M))  # far above Landauer's kT ln 64
    assert all(res["device/reset/electrical"] > 1e5 * heat)  # the electrons dissipate far more
    assert float(res["device/reset/bits"]) == 6.0
    assert "6 × kT ln 2" in (out / "report.md").read_text()


def test_consolidation_on_fn_dam_ages_to_the_target_by_hand(tmp_path, capsys):
    """Consolidation by ageing: from the age a in the file, a hold of t moves the value with
    the Skellam probability 1 - e^(-2h) I0(2h) = ε, h = C (V(a) - V(a + t))/(q N_e²); the
    ageing's leak is C (V(0)² - V(a)²); the update at age 0 moves one level, (I_p - I) w/(C ΔV)
    = 1, and costs I_p (V0 + V_p) w plus the other gate's leak; the cost per stored bit is
    (31.5 updates + leak)/6."""
    from scipy.special import ive

    rc, out = _run("consolidation_wall", "fn_dam_synapse", tmp_path, FEW)
    assert rc == 0, capsys.readouterr()
    res = _check_file("consolidation_wall", out, "fn_dam_synapse")
    n_e = CAP * DV / Q_E
    w, amp = float(res["device/update/width"]), float(res["device/update/amplitude"])
    assert (_i(V0 + amp) - _i(V0)) * w / (CAP * DV) == pytest.approx(1.0, rel=1e-9)
    update = _i(V0 + amp) * (V0 + amp) * w + 0.5 * CAP * (V0**2 - float(_v(w)) ** 2)
    assert float(res["device/update/electrical_closed_form"]) == pytest.approx(update, rel=1e-9)
    ages = res["device/ageing/age"]
    targets = res["device/ageing/retention_time"]
    assert np.all(ages > targets)  # the preset's fresh value moves within 1 s: it must age
    for a, t, hold, per_bit in zip(ages, targets, res["device/ageing/hold_energy"],
                                   res["device/ageing/per_bit"], strict=True):
        h = CAP * (float(_v(a)) - float(_v(a + t))) / (Q_E * n_e**2)
        assert 1.0 - ive(0, 2 * h) == pytest.approx(1e-3, rel=1e-8)
        assert hold == pytest.approx(CAP * (V0**2 - float(_v(a)) ** 2), rel=1e-9)
        assert per_bit == pytest.approx((31.5 * update + hold) / 6.0, rel=1e-9)
    assert "consolidates by ageing" in (out / "report.md").read_text()


def test_update_wall_on_fn_dam_is_charge_times_voltage_by_hand(tmp_path, capsys):
    """A step of k levels in τ_w at age 1 s: (I_p - I) τ_w/(C ΔV) = k, the electrical energy
    is I_p (V + V_p) τ_w plus the other gate's leak C (V(1)² - V(1 + τ_w)²)/2, and the shot
    noise of the Poisson electrons spreads the move by √(I_p τ_w/q + n_o)/N_e levels."""
    rc, out = _run("update_wall", "fn_dam_synapse", tmp_path, FEW)
    assert rc == 0, capsys.readouterr()
    res = _check_file("update_wall", out, "fn_dam_synapse")
    n_e = CAP * DV / Q_E
    v = float(_v(1.0))
    rows = zip(res["device/update/write_time"], res["device/update/levels"],
               res["device/update/amplitude"], res["device/update/electrical_master"],
               res["device/update/spread"], res["device/update/bits"],
               res["device/update/per_electron"], strict=True)
    for w, k, amp, elec, spread, bits, per_electron in rows:
        i_p = float(_i(v + amp))
        assert (i_p - float(_i(v))) * w / (CAP * DV) == pytest.approx(k, rel=1e-9)
        n_o = CAP * (v - float(_v(1.0 + w))) / Q_E
        by_hand = i_p * w * (v + amp) + 0.5 * CAP * (v**2 - float(_v(1.0 + w)) ** 2)
        assert elec == pytest.approx(by_hand, rel=1e-9)
        assert spread == pytest.approx(math.sqrt(i_p * w / Q_E + n_o) / n_e, rel=1e-9)
        assert bits == pytest.approx(math.log2(k / spread), rel=1e-12)
        assert per_electron == pytest.approx(Q_E * (v + amp), rel=1e-12)
    assert sorted(set(res["device/update/levels"])) == [1.0, 4.0]
    report = (out / "report.md").read_text()
    assert "shot noise" in report and "published: 5 fJ" in report


@pytest.mark.parametrize(("key", "value"), [("write_times", "1e-10"), ("update_levels", "20")])
def test_an_fn_dam_update_beyond_the_model_is_exit_2(key, value, tmp_path, capsys):
    """One level in 0.1 ns needs hops faster than f0 = 1 GHz; a step of 20 levels from the
    middle of 64 reaches the chain's end within 10 √20: both refused, naming the parameter."""
    out = tmp_path / "never"
    rc = main(["run", "update_wall", "--smoke", "--quiet", "--out", str(out), "--set",
               "device=fn_dam_synapse", "--set", f"{key}={value}"])
    err = capsys.readouterr().err
    assert rc == 2 and f"{key}=" in err and value in err
    assert not out.exists()

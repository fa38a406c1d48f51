"""Fitting a user's device: the fits recover known parameters within their stated
uncertainties (95 % intervals cover at a rate inside the exact binomial band of
``experiments.checks``, over many independent data sets), the example data set (the engine
measuring a known MTJ) is reproduced bit for bit and fitted back to its device, the fitted
device's TOML round-trips through ``devices.load_device``, and bad data is refused."""

import dataclasses
import math
import runpy
from pathlib import Path

import numpy as np
import pytest

from devices import MTJ, MultiLevel, TabulatedBit, load_device, preset
from devices.fit import (
    counts_from_probability,
    fit_arrhenius,
    fit_switching,
    read_columns,
    retention_from_counts,
    to_toml,
)
from experiments.checks import assemble, check, count_check
from simcore import ParameterError
from simcore.constants import K_B
from simcore.seeds import Seeds

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "device_data"
TRUE_BARRIER = 40.0 * K_B * 300.0  # J
TRUE_LOG_F0 = math.log(1e9)
TEMPERATURES = np.array([330.0, 350.0, 370.0, 390.0, 410.0])
# the switching design of the example data: currents (A) x widths around τ(I)
FRACTIONS = (0.5, 0.6, 0.7, 0.8)
FACTORS = (0.2, 0.5, 1.0, 2.0, 4.0)


def _coverage(key, covered, trials):
    return count_check(key, f"95 % interval covers the truth ({key})", covered, trials, 0.95)


def _assert_all(records):
    failed = [c for c in assemble(records) if not c["passed"]]
    assert not failed, failed


def _tau(temperature):
    return np.exp(TRUE_BARRIER / (K_B * temperature) - TRUE_LOG_F0)


def test_arrhenius_intervals_cover_with_known_errors():
    seeds = Seeds(61_001)
    trials, covered = 200, np.zeros(2, int)
    sigma = np.array([0.05, 0.1, 0.2, 0.1, 0.05])
    for i in range(trials):
        z = seeds.rng("arrhenius_weighted", i).standard_normal(TEMPERATURES.size)
        tau = _tau(TEMPERATURES) * np.exp(sigma * z)
        fit = fit_arrhenius(TEMPERATURES, tau, sigma_log=sigma)
        lo, hi = fit.interval("barrier")
        covered[0] += lo <= TRUE_BARRIER <= hi
        lo, hi = fit.interval("log_attempt_frequency")
        covered[1] += lo <= TRUE_LOG_F0 <= hi
    _assert_all([_coverage("barrier", covered[0], trials), _coverage("log_f0", covered[1], trials)])


def test_arrhenius_intervals_cover_without_errors():
    """Unweighted: the residual-scaled covariance with Student t (3 dof) intervals."""
    seeds = Seeds(61_002)
    trials, covered = 200, 0
    for i in range(trials):
        z = seeds.rng("arrhenius_unweighted", i).standard_normal(TEMPERATURES.size)
        fit = fit_arrhenius(TEMPERATURES, _tau(TEMPERATURES) * np.exp(0.3 * z))
        assert not fit.weighted and fit.dof == 3
        lo, hi = fit.interval("barrier")
        covered += lo <= TRUE_BARRIER <= hi
    _assert_all([_coverage("barrier", covered, trials)])


def test_arrhenius_from_array_reads_covers():
    """Counts of flipped bits (binomial with the symmetric bit's P) -> delta-method errors."""
    seeds = Seeds(61_003)
    windows = np.array([1e6, 1e5, 1e4, 3e3, 5e2])
    p = 0.5 * -np.expm1(-2.0 * windows / _tau(TEMPERATURES))
    trials, covered = 200, np.zeros(2, int)
    for i in range(trials):
        k = seeds.rng("arrhenius_counts", i).binomial(2000, p)
        tau, sig, cens = retention_from_counts(k, np.full(5, 2000), windows)
        fit = fit_arrhenius(TEMPERATURES, tau, sigma_log=sig, censored=cens)
        lo, hi = fit.interval("barrier")
        covered[0] += lo <= TRUE_BARRIER <= hi
        lo, hi = fit.interval("log_attempt_frequency")
        covered[1] += lo <= TRUE_LOG_F0 <= hi
    _assert_all([_coverage("barrier", covered[0], trials), _coverage("log_f0", covered[1], trials)])


def _switching_design(dev):
    """Currents (A), widths (s) and the model's switching probabilities of the design."""
    current, width = [], []
    for x in FRACTIONS:
        tau = dev.attempt_time * math.exp(dev.thermal_stability * (1.0 - x) ** dev.exponent)
        for f in FACTORS:
            current.append(x * dev.critical_current)
            width.append(f * tau)
    current, width = np.array(current), np.array(width)
    x = current / dev.critical_current
    tau = dev.attempt_time * np.exp(dev.thermal_stability * (1.0 - x) ** dev.exponent)
    return current, width, -np.expm1(-width / tau)


def test_switching_intervals_cover():
    dev = preset("stt_mram_pmtj_40nm")
    current, width, p = _switching_design(dev)
    truth = {
        "thermal_stability": dev.thermal_stability,
        "critical_current": dev.critical_current,
        "log_attempt_time": math.log(dev.attempt_time),
    }
    seeds = Seeds(61_004)
    trials, covered = 200, dict.fromkeys(truth, 0)
    for i in range(trials):
        k = seeds.rng("switching", i).binomial(1000, p)
        fit = fit_switching(current, width, k, np.full(k.size, 1000))
        for name, value in truth.items():
            lo, hi = fit.interval(name)
            covered[name] += lo <= value <= hi
    _assert_all([_coverage(name, c, trials) for name, c in covered.items()])


def test_switching_optimum_is_scipys():
    """Fisher scoring ends where SciPy's Nelder–Mead, started at the truth, ends (no better
    likelihood nearby)."""
    from scipy import optimize

    from devices.fit import _negative_log_likelihood

    dev = preset("stt_mram_pmtj_40nm")
    current, width, p = _switching_design(dev)
    k = Seeds(61_006).rng("switching_scipy").binomial(1000, p)
    m = np.full(k.size, 1000)
    fit = fit_switching(current, width, k, m)
    truth = np.array([dev.thermal_stability, dev.critical_current, math.log(dev.attempt_time)])
    scale = np.abs(truth)

    def nll(z):
        theta = z * scale
        if theta[1] <= current.max():
            return np.inf
        return _negative_log_likelihood(theta, current, width, k, m, 2.0)[0]

    ref = optimize.minimize(
        nll,
        np.ones(3),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000},
    )
    assert -fit.log_likelihood <= ref.fun + 1e-6
    np.testing.assert_allclose(
        [fit.thermal_stability, fit.critical_current, math.log(fit.attempt_time)],
        ref.x * scale,
        rtol=1e-4,
    )


def test_switching_with_fixed_attempt_time():
    dev = preset("stt_mram_pmtj_40nm")
    current, width, p = _switching_design(dev)
    k = Seeds(61_005).rng("switching_fixed").binomial(1000, p)
    fit = fit_switching(current, width, k, np.full(k.size, 1000), attempt_time=1e-9)
    assert fit.covariance.shape == (2, 2) and fit.attempt_time == pytest.approx(1e-9)
    se = fit.standard_errors
    # fixing τ0 shrinks Δ's error (Δ and ln τ0 trade off)
    free = fit_switching(current, width, k, np.full(k.size, 1000))
    assert se["thermal_stability"] < 0.75 * free.standard_errors["thermal_stability"]
    _assert_all(
        [
            check(
                "delta",
                "Δ",
                fit.thermal_stability,
                dev.thermal_stability,
                se=se["thermal_stability"],
            ),
            check(
                "ic0", "I_c0", fit.critical_current, dev.critical_current, se=se["critical_current"]
            ),
        ]
    )


def test_example_data_is_the_engine_measuring_the_preset(tmp_path):
    """The shipped CSV files are what the script makes (same seed, same numbers), and they
    fit back to the preset within the fits' errors (one fixed data set: 4 standard errors
    at a family-wise 1e-3 would also do; the checks use the family's own tolerance)."""
    script = runpy.run_path(str(EXAMPLE / "make_device_data.py"))
    for made in script["make"](tmp_path):
        assert made.read_text() == (EXAMPLE / made.name).read_text()
    dev = preset("stt_mram_pmtj_40nm")
    sw = read_columns(EXAMPLE / "mtj_switching.csv")
    fit = fit_switching(sw["current_A"], sw["pulse_width_s"], sw["switched"], sw["trials"])
    se = fit.standard_errors
    rt = read_columns(EXAMPLE / "mtj_retention.csv")
    tau, sig, cens = retention_from_counts(rt["flipped"], rt["cells"], rt["duration_s"])
    arr = fit_arrhenius(rt["temperature_K"], tau, sigma_log=sig, censored=cens)
    assert arr.censored == (0,) and arr.censored_margin[0] > 0  # the 300 K row: no flips
    assert fit.deviance < 40.0  # χ² with 17 dof: p ~ 1e-3
    _assert_all(
        [
            check(
                "sw_delta",
                "Δ",
                fit.thermal_stability,
                dev.thermal_stability,
                se=se["thermal_stability"],
            ),
            check(
                "sw_ic0",
                "I_c0",
                fit.critical_current,
                dev.critical_current,
                se=se["critical_current"],
            ),
            check(
                "sw_tau0",
                "ln τ0",
                math.log(fit.attempt_time),
                math.log(dev.attempt_time),
                se=se["log_attempt_time"],
            ),
            check("rt_barrier", "E_B", arr.barrier, dev.energy_barrier, se=arr.barrier_se),
            check(
                "rt_f0",
                "ln f0",
                math.log(arr.attempt_frequency),
                math.log(1e9),
                se=arr.log_frequency_se,
            ),
        ]
    )


def test_fitted_device_round_trips_through_toml(tmp_path):
    rt = read_columns(EXAMPLE / "mtj_retention.csv")
    tau, sig, cens = retention_from_counts(rt["flipped"], rt["cells"], rt["duration_s"])
    sw = read_columns(EXAMPLE / "mtj_switching.csv")
    sfit = fit_switching(sw["current_A"], sw["pulse_width_s"], sw["switched"], sw["trials"])
    dev = fit_arrhenius(rt["temperature_K"], tau, sigma_log=sig, censored=cens).device(
        critical_current=sfit.critical_current
    )
    path = tmp_path / "my_mtj.toml"
    text = to_toml(dev, path, comment="fitted\nE_B from retention, I_c0 from switching")
    assert text.startswith("# fitted\n") and 'model = "mtj"' in text
    assert load_device(path) == dev
    assert load_device(_write(tmp_path, sfit.device())) == sfit.device()
    table = TabulatedBit(
        control=[0.0, 1.0], barrier_up=[1e-19, 5e-20], barrier_down=[1e-19, 1.5e-19]
    )
    for other in (
        preset("hfox_rram"),
        preset("fn_dam_synapse"),
        preset("double_well_nanomagnet"),
        MultiLevel(device=preset("stochastic_mtj"), levels=4),
    ):
        assert load_device(_write(tmp_path, other)) == other
    back = load_device(_write(tmp_path, table))
    for f in dataclasses.fields(table):
        np.testing.assert_array_equal(getattr(back, f.name), getattr(table, f.name))
    with pytest.raises(ParameterError) as err:
        to_toml(object())
    assert err.value.name == "device"


def _write(tmp_path, dev):
    path = tmp_path / f"{type(dev).__name__}.toml"
    to_toml(dev, path)
    return path


def test_bad_data_is_refused():
    t = TEMPERATURES
    tau = _tau(t)
    cases = [
        (lambda: fit_arrhenius(t, -tau), "retention_time"),
        (lambda: fit_arrhenius(-t, tau), "temperature"),
        (lambda: fit_arrhenius(t[:2], tau[:2]), "retention_time"),
        (lambda: fit_arrhenius(t, tau[:4]), "retention_time"),
        (lambda: fit_arrhenius(np.full(5, 300.0), tau), "temperature"),
        (lambda: fit_arrhenius(t, tau, sigma_log=np.zeros(5)), "sigma_log"),
        (lambda: fit_arrhenius(t, tau, sigma_log=np.ones(4)), "sigma_log"),
        (lambda: fit_arrhenius(t, tau, censored=[1, 1, 1, 0, 0]), "retention_time"),
        (lambda: retention_from_counts([3], [10], [-1.0]), "duration"),
        (lambda: retention_from_counts([6], [10], [1.0]), "flipped"),
        (lambda: retention_from_counts([-1], [10], [1.0]), "flipped"),
        (lambda: counts_from_probability([0.5, 1.2], [10, 10]), "probability"),
        (lambda: counts_from_probability([-0.1], [10]), "probability"),
        (
            lambda: fit_switching([1e-5] * 4, [1e-9, -1e-9, 1e-9, 1e-9], [1] * 4, [2] * 4),
            "pulse_width",
        ),
        (lambda: fit_switching([1e-5, 2e-5, 3e-5], [1e-9] * 3, [1] * 3, [2] * 3), "current"),
        (lambda: fit_switching([1e-5, 1e-5, 2e-5, 2e-5], [1e-9] * 4, [1] * 4, [2] * 4), "current"),
        (
            lambda: fit_switching([1e-5, 2e-5, 3e-5, 4e-5], [1e-9] * 4, [3, 1, 1, 1], [2] * 4),
            "switched",
        ),
        (
            lambda: fit_switching([1e-5, 2e-5, 3e-5, 4e-5], [1e-9] * 4, [0, 2, 0, 2], [2] * 4),
            "switched",
        ),
        (lambda: fit_switching([1e-5, 2e-5, 3e-5, 4e-5], [1e-9] * 4, [1] * 4, [0] * 4), "trials"),
        (
            lambda: fit_switching(
                [1e-5, 2e-5, 3e-5, 4e-5], [1e-9] * 4, [1] * 4, [2] * 4, exponent=3.0
            ),
            "exponent",
        ),
    ]
    for call, name in cases:
        with pytest.raises(ParameterError) as err:
            call()
        assert err.value.name == name, (name, err.value)
    assert np.array_equal(counts_from_probability([0.0, 0.25, 1.0], [4, 4, 4]), [0, 1, 4])


def test_read_columns_refuses_bad_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,x\n")
    with pytest.raises(ParameterError) as err:
        read_columns(bad)
    assert err.value.name == "path"
    bad.write_text("a,b\n1\n")
    with pytest.raises(ParameterError):
        read_columns(bad)
    assert MTJ  # the fitted devices are MTJs


def test_the_docs_round_trip_snippet_runs(tmp_path, monkeypatch):
    """The Python snippet of docs/devices.md ('Fitting your own device') runs as written."""
    import shutil

    text = (EXAMPLE.parents[1] / "docs" / "devices.md").read_text(encoding="utf-8")
    section = text[text.index("## Fitting your own device") :]
    snippet = section[section.index("```python\n") + 10 :]
    snippet = snippet[: snippet.index("```")]
    shutil.copytree(EXAMPLE, tmp_path / "examples" / "device_data")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(snippet, "docs/devices.md", "exec"), namespace)
    assert isinstance(namespace["device"], MTJ)
    assert (tmp_path / "my_mtj.toml").exists()

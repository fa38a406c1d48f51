"""The checks' error control (``experiments.common``): family-wise tolerances, exact intervals
for counts, Bernstein's bound for lumpy sums, stable keys, and the refusal of checks that could
not fail (issue 16)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from experiments.checks import (
    FAMILY_ALPHA,
    assemble,
    bernstein_check,
    check,
    check_key,
    chernoff_check,
    count_check,
)
from harness.sweep.plots import value_text
from simcore.errors import ParameterError


def test_bonferroni_z_for_a_report_of_n_gaussian_checks():
    for n in (1, 10, 162):
        out = assemble([check(check_key("x", i), "x", 0.0, 0.0, se=1.0) for i in range(n)])
        z = stats.norm.isf(FAMILY_ALPHA / (2 * n))
        assert all(c["tolerance"] == pytest.approx(z) for c in out)
        assert all(c["level"] == pytest.approx(FAMILY_ALPHA / n) for c in out)
    # exact checks do not dilute the statistical ones
    out = assemble([check("a", "a", 0.0, 0.0, se=1.0), check("b", "b", 0.0, 0.0, tolerance=1e-9)])
    assert out[0]["tolerance"] == pytest.approx(stats.norm.isf(FAMILY_ALPHA / 2))
    assert out[1]["tolerance"] == 1e-9


def test_family_wise_rate_of_a_correct_simulation_is_below_alpha():
    # 200 reports of 50 Gaussian checks of a correct "simulation": the fraction of reports with
    # any failure is at most FAMILY_ALPHA (here 0 expected; 4 failures would be p < 1e-6)
    rng = np.random.default_rng(5)
    failed = 0
    for _ in range(200):
        se = rng.uniform(0.5, 2.0, 50)
        sim = rng.normal(0.0, se)
        out = assemble([check(check_key("c", i), "c", s, 0.0, se=e)
                        for i, (s, e) in enumerate(zip(sim, se, strict=True))])
        failed += not all(c["passed"] for c in out)
    assert failed <= 3
    # and a real deviation is still found: 8 standard errors fail
    out = assemble([check("c", "c", 8.0, 0.0, se=1.0)] + [check(check_key("d", i), "d", 0.0,
                                                                 0.0, se=1.0)
                                                           for i in range(100)])
    assert not out[0]["passed"]


def test_student_t_is_wider_than_gauss_for_few_samples():
    g, t = assemble([check("g", "g", 0, 0, se=1.0), check("t", "t", 0, 0, se=1.0, dof=3)])
    assert t["tolerance"] > 2 * g["tolerance"]
    assert t["tolerance"] == pytest.approx(stats.t.isf(FAMILY_ALPHA / 4, 3))


def test_clopper_pearson_interval_of_a_count():
    level = FAMILY_ALPHA
    lo, hi = stats.beta.ppf(level / 2, 3, 98), stats.beta.isf(level / 2, 4, 97)
    (c,) = assemble([count_check("k", "k", 3, 100, 0.03)])
    assert c["method"] == "clopper-pearson" and c["passed"]
    # two-sided: passes exactly when the reference lies in [lo, hi]
    for ref, ok in ((lo * 1.01, True), (lo * 0.99, False), (hi * 0.99, True), (hi * 1.01, False)):
        (c,) = assemble([count_check("k", "k", 3, 100, ref)])
        assert c["passed"] is ok, (ref, c)
    # zero events: no normal approximation, the interval is [0, 1 - (α/2)^(1/n)]
    (c,) = assemble([count_check("k", "k", 0, 1000, 0.004)])
    assert c["passed"] and c["tolerance"] == pytest.approx(1 - (level / 2) ** (1 / 1000))
    (c,) = assemble([count_check("k", "k", 0, 1000, 0.01)])
    assert not c["passed"]
    # one-sided "upper" (a bound from above): only the lower end of the interval matters
    (c,) = assemble([count_check("k", "k", 30, 100, 0.2, kind="upper")])
    assert c["passed"] is bool(stats.beta.ppf(level, 30, 71) <= 0.2)


def test_bernstein_holds_for_a_lumpy_sum_where_gauss_fails():
    # 10 writes, each costing 0 or 50 kT with probability 0.02: the sum is 0 or >= 50
    rng = np.random.default_rng(11)
    n, b, p = 10, 50.0, 0.02
    mean, sd = n * b * p, b * math.sqrt(n * p * (1 - p))
    sums = b * rng.binomial(n, p, 200_000)
    (c,) = assemble([bernstein_check("w", "w", 0.0, mean, sigma=sd, bound=b)])
    tol = c["tolerance"]
    assert np.mean(np.abs(sums - mean) > tol) <= FAMILY_ALPHA
    # a Gaussian tolerance of the same level is smaller than one lump: the sum of 2 lumps (a
    # 1.7e-2 event) would fail it
    (g,) = assemble([check("w", "w", 0.0, mean, se=sd)])
    assert g["tolerance"] < tol and np.mean(np.abs(sums - mean) > g["tolerance"]) > 1e-2


def _lumpy_cgf(n, b, p, lam):
    """ln E exp(λ S) of S = b Binomial(n, p)."""
    return n * np.logaddexp(math.log1p(-p), math.log(p) + lam * b)


def test_chernoff_is_valid_and_far_sharper_than_bernstein_for_a_lumpy_sum():
    # the same 10 writes of 0 or 50 kT: with the exact generating function the upper tolerance
    # lies between the exact quantile (2.8 lumps above the mean) and twice it, Bernstein's is
    # 5.6 lumps
    rng = np.random.default_rng(12)
    n, b, p = 10, 50.0, 0.02
    mean, sd = n * b * p, b * math.sqrt(n * p * (1 - p))
    lam = np.concatenate([-np.geomspace(1e-4, 1e2, 49)[::-1], np.geomspace(1e-4, 1e2, 49)])
    sums = b * rng.binomial(n, p, 200_000)
    dist = {"mean": mean, "lambdas": lam, "cgf": _lumpy_cgf(n, b, p, lam)}
    (up,) = assemble([chernoff_check("w", "w", mean + 1.0, mean, **dist)])
    (bern,) = assemble([bernstein_check("w", "w", mean + 1.0, mean, sigma=sd, bound=b)])
    assert up["method"] == "chernoff"
    assert np.mean(sums - mean > up["tolerance"]) <= FAMILY_ALPHA / 2
    exact = b * stats.binom.isf(FAMILY_ALPHA / 2, n, p)  # S > this has probability <= tail
    assert exact - mean <= up["tolerance"] < 2.0 * (exact - mean)
    assert up["tolerance"] < bern["tolerance"] / 1.5
    # below the mean the sum cannot go further than -mean: the tolerance says so
    (lo,) = assemble([chernoff_check("w", "w", 0.0, mean, **dist)])
    assert mean <= lo["tolerance"] < mean + 1.0 and lo["passed"]
    # a sum that exceeds every plausible value fails
    (bad,) = assemble([chernoff_check("w", "w", mean + 4 * b, mean, **dist)])
    assert not bad["passed"]


def test_chernoff_of_a_gaussian_sum_is_close_to_the_gaussian_quantile():
    sd = 3.0
    lam = np.concatenate([-np.geomspace(1e-3, 1e2, 21)[::-1], np.geomspace(1e-3, 1e2, 21)])
    (c,) = assemble([chernoff_check("g", "g", 10.0, 10.0, mean=10.0, lambdas=lam,
                                    cgf=10.0 * lam + 0.5 * sd**2 * lam**2)])
    z = stats.norm.isf(FAMILY_ALPHA / 2)
    assert z * sd <= c["tolerance"] <= 1.25 * z * sd


def test_chernoff_lower_check_against_a_bound_below_the_mean():
    lam = np.concatenate([-np.geomspace(1e-3, 1e2, 21)[::-1], np.geomspace(1e-3, 1e2, 21)])
    dist = {"mean": 100.0, "lambdas": lam, "cgf": 100.0 * lam + 0.5 * lam**2, "kind": "lower"}
    (far,) = assemble([chernoff_check("a", "a", 99.0, 50.0, **dist)])
    assert far["tolerance"] == 0.0 and far["passed"]  # the bound is 50 sd below the mean
    (near,) = assemble([chernoff_check("a", "a", 95.0, 99.0, **dist)])
    assert near["tolerance"] == pytest.approx(
        min((0.5 * lam[:21] ** 2 + math.log(1 / FAMILY_ALPHA)) / -lam[:21]) - 1.0)
    assert near["passed"] is bool(95.0 >= 99.0 - near["tolerance"])
    with pytest.raises(ValueError, match="cgf"):
        chernoff_check("a", "a", 0, 0, mean=0, lambdas=[0.0, 1.0], cgf=[0.0, 1.0])


def test_keys_hold_no_values_and_are_unique():
    assert check_key("flip_vs_master", 2, 5) == "flip_vs_master[2, 5]"
    for bad in ("t = 1.74e-06 s", "Flip", "flip-vs"):
        with pytest.raises(ValueError):
            check_key(bad)
    with pytest.raises(ValueError, match="repeated"):
        assemble([check("a", "first", 0, 0), check("a", "second", 0, 0)])


def test_a_check_that_cannot_fail_is_refused_naming_the_keys():
    with pytest.raises(ParameterError, match="barriers"):
        assemble([check("slope", "slope", -0.2, -1.0, se=3e5, informative=1.0,
                        keys=("barriers",))])
    # a rate over too few restarts: even 0 successes of 3 pass a one-sided test against 0.5
    with pytest.raises(ParameterError, match="ising_restarts"):
        assemble([count_check("rate", "rate", 0, 3, 0.5, kind="lower",
                              keys=("ising_restarts",))])
    (c,) = assemble([count_check("rate", "rate", 0, 64, 0.5, kind="lower",
                                 keys=("ising_restarts",))])
    assert not c["passed"]


def test_retention_with_equal_barriers_exits_2(tmp_path, capsys):
    from harness.cli import main

    rc = main(["run", "retention", "--smoke", "--quiet", "--set", "barriers=[10,10,10]",
               "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "barriers" in err


def test_retention_with_barriers_too_close_is_refused_after_the_run():
    from experiments import retention

    cfg = retention.Config().smoke()
    import dataclasses

    cfg = dataclasses.replace(cfg, n_cells=2000, barriers=(10.0, 10.01), times_per_barrier=3,
                              array_cells=20_000, array_sizes=(1,))
    with pytest.raises(ParameterError, match="barriers"):
        retention.checks(retention.run(cfg))


def test_legend_values_carry_units():
    assert value_text(1e10, "Hz") == "1e10 Hz"
    assert value_text(300.0, "K") == "300 K"
    assert value_text(3, "", "bits") == "bits = 3"


def test_lim_optimizer_refuses_too_few_restarts_to_test_the_rate(tmp_path, capsys):
    from harness.cli import main

    rc = main(["run", "lim_optimizer", "--smoke", "--quiet", "--set", "ising_restarts=5",
               "--out", str(tmp_path / "o")])
    assert rc == 2 and "ising_restarts" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()

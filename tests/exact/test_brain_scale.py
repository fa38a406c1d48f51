"""The brain-scale projection: the aggregated simulation of the matched bit model against its
exact per-iteration expectation, windowed integration against stepping every update, and the
first-order explanation of the ratio to ``energy_to_solution``. Seeds fixed, 4 standard errors."""

import dataclasses
import math

import numpy as np
import pytest

from experiments import brain_scale as bs
from simcore import lim
from simcore.seeds import Seeds

N_SIGMA = 4.0


def _config(**kw):
    return dataclasses.replace(bs.Config(), **kw)


@pytest.fixture(scope="module")
def single_thread():
    import numba

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(threads)


def test_wrong_fraction_recursion_matches_forward_iteration():
    """``wrong_after`` (backward, truncated) equals the forward recursion
    ``w_m = u_m + c_m w_{m-1}`` from ``w_0 = 0`` for the first iterations and far out."""
    model = bs.Model(_config(), 10**6, 500)
    w, forward = 0.0, []
    for m in range(1, 501):
        u, c = model._step_terms(float(m))
        w = float(u) + float(c) * w
        forward.append(w)
    np.testing.assert_allclose(model.wrong_after(np.arange(1, 501)), forward, rtol=1e-13)


def test_aggregate_iteration_mean_matches_the_exact_expectation(single_thread):
    """One iteration of the aggregated simulation, started with the exact off-target count
    ``Binomial(N·B, w_{n-1})`` and repeated with independent seeds: the mean update and hold work
    and the mean off-target count at the end agree with ``Model.expectation`` and
    ``N·B·w_n`` within 4 standard errors."""
    cfg = _config()
    model = bs.Model(cfg, 10**5, 10**4)
    rng = np.random.default_rng(5)
    reps = 150
    for n in (1, 300, 2000, 10**4):
        w_prev = float(model.wrong_after(n - 1.0)[0]) if n > 1 else 0.0
        got = np.empty((reps, 3))
        for r in range(reps):
            sim = bs.Simulation(model, Seeds(3).child("replica", n, r))
            wrong = int(rng.binomial(model.cells, w_prev))
            got[r] = sim.iterate(n, wrong)
        up, ho, _ = model.expectation(float(n))
        want = (float(up[0]), float(ho[0]), model.cells * float(model.wrong_after(n)[0]))
        for k in range(3):
            se = got[:, k].std(ddof=1) / math.sqrt(reps)
            assert abs(got[:, k].mean() - want[k]) <= N_SIGMA * se, (n, k)


def test_windowed_integration_agrees_with_stepping_every_update(single_thread):
    """A small point (N = 2000, 3000 iterations) both stepped through every update and
    integrated from 12 windows of 24 iterations: the two totals agree within their combined
    errors, and each agrees with the exact expectation of the bit model."""
    cfg = _config(sizes=(2000,), updates_top=3000, updates_exponent=0.0, reference_size=2000,
                  step_limit=5000, windows=12, window_length=24, seed=21)
    point = bs.run(cfg).points[0]
    s, w = point.stepped, point.windowed
    exact = point.exact.total
    assert w.starts.size >= 8
    assert abs(w.total - s.total) <= N_SIGMA * math.sqrt(
        s.sigma**2 + w.sigma**2 + w.integration**2)
    assert abs(s.total - exact) <= N_SIGMA * s.sigma
    assert abs(w.total - exact) <= N_SIGMA * math.hypot(w.sigma, w.integration)
    # the windows sample only a tenth of the iterations
    assert w.starts.size * cfg.window_length < 0.1 * point.iterations


def test_windowed_integration_at_brain_scale(single_thread):
    """N = 10^15, 10^13 updates per parameter from 16 windows: the simulated total agrees with
    the exact expectation within the sampling and integration errors, and the integration error
    (Richardson or the same quadrature on the exact ratio) is below 10^-4 of the total."""
    cfg = _config(sizes=(10**15,), windows=16, window_length=8, step_limit=0, seed=4)
    point = bs.run(cfg).points[0]
    w = point.windowed
    assert point.iterations == 10**13 and point.ops == 1e28
    exact = point.exact.total
    assert abs(w.total - exact) <= N_SIGMA * math.hypot(w.sigma, w.integration)
    assert w.integration < 1e-4 * exact
    assert w.total >= point.exact.bound


@pytest.mark.parametrize(("error", "update_time"), [(2.0**-8, 1e-8), (1e-3, 1e-7), (2.0**-4, 1e-8)])
def test_first_order_ratio_explains_the_bit_model(error, update_time):
    """Per iteration, exact bit model / estimate equals the first-order formula
    ``(1-P_f)/(1-ε) [1 + 2 w̄ (1-a)/a]/(1+2ε)`` within the stated ``4 ε²``, over the whole
    schedule (a from 1 to 1/11)."""
    cfg = _config(error=error, update_time=update_time)
    model = bs.Model(cfg, 10**6, 10**7)
    n = np.geomspace(10.0, 10**7, 60)
    up, ho, _ = model.expectation(n)
    ratio = (up + ho) / model.estimate(n)
    assert np.max(np.abs(ratio - model.first_order(n))) <= 4 * error**2
    # and the leading term: 1 + ε(1 - 4a + a²) within the write-failure gap |P_f - ε|
    a = model.activity(n)
    e = model.barrier(n)
    gap = np.abs(model.fail(model.tilt(e), e) - error) / (1 - error)
    lead = 1 + error * (1 - 4 * a + a * a)
    assert np.all(np.abs(ratio - lead) <= gap + 4 * error**2)


def test_model_total_is_the_sum_of_its_iterations():
    """``exact_total`` (Euler–Maclaurin beyond 2^20 iterations) against the term-by-term sum of
    ``expectation`` at 3·10^6 iterations."""
    model = bs.Model(_config(), 10**6, 3 * 10**6)
    total = model.exact_total()
    n = np.arange(1, model.n_iter + 1, dtype=np.float64)
    up, ho, _ = model.expectation(n)
    hold_end = model.final_expectation()[0]
    assert total.update == pytest.approx(up.sum(), rel=1e-11)
    assert total.hold - hold_end == pytest.approx(ho.sum(), rel=1e-11)


def test_estimate_per_iteration_is_energy_to_solutions_summand():
    cfg = _config()
    n_params, n_iter = 10**4, 5000
    model = bs.Model(cfg, n_params, n_iter)
    est = lim.energy_to_solution(
        "matched", n_params * n_iter, n_params, cfg.schedule, cfg.bits, scale=model.scale,
        update_time=cfg.update_time, error=cfg.error)
    per_iteration = model.estimate(np.arange(1, n_iter + 1, dtype=np.float64)).sum()
    assert per_iteration == pytest.approx(est.update + est.hold, rel=1e-12)


def test_streams_are_named_listed_and_replayable(single_thread):
    """The run's streams come from the root seed by named spawn keys; the result lists one per
    simulation and role, and iteration n of a role replays from its listed key followed by n."""
    from simcore.seeds import replay

    cfg = _config(sizes=(100,), updates_top=20, updates_exponent=0.0, reference_size=100,
                  step_limit=100, windows=4, window_length=2, seed=8)
    result = bs.run(cfg)
    table = result.seeds.table()
    sizes = range(len(cfg.ising_sizes))  # the measured Ising machine's couplings and stream
    assert {t.label for t in table} == {f"point[0]/{m}/{r}" for m in ("stepped", "windowed")
                                        for r in bs.ROLES} | {
        f"{name}[{i}]" for name in ("ising", "ising_machine") for i in sizes}
    assert len({t.seed for t in table}) == len(table)
    assert bs.data(result)["seeds"]["label"].value.tolist() == [t.label for t in table]
    sim = bs.Simulation(bs.Model(cfg, 100, 20), Seeds(8).child("point", 0).child("stepped"))
    key = next(t.spawn_key for t in table if t.label.endswith("/draws"))
    assert sim.seed("draws", 5) == replay(8, (*key, 5)) == Seeds(8).child("point", 0).child(
        "stepped").seed("draws", 5)
    assert isinstance(result, bs.Result) and bs.EXPERIMENT.run is bs.run

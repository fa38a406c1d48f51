"""The in-memory learner (``simcore.learner``) against truth no code under test wrote.

- the joint chain of a small coupled quadratic programme, built here by enumeration from the
  objective alone (each class's cells relax independently under their conditional energies with
  ``scipy.linalg.expm``): its stationary law is the Boltzmann distribution of the discretised
  objective at ``β`` (an exact identity), and the machine's sampled joint histogram after T
  iterations matches ``p0 P^T`` (chi-square);
- a separable programme under the rising barrier: every cell's occupancy after each iteration
  against ``simcore.master.propagate`` (binomial standard errors);
- the learning-rate law: on a linear objective the mean level change per iteration is Skellam's
  ``(k+ - k-) τ`` exactly, so the measured drift follows ``1/(1 + n/n0)``;
- the first law of the ledger through training, consolidation and holding;
- the same seed gives the same numbers for 1 and 2 threads.

Every statistical check is at a false-alarm rate of at most 1e-4 per test (Bonferroni over the
test's comparisons), for every seed.
"""

import itertools

import numba
import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
import scipy.stats

from simcore.errors import ParameterError
from simcore.learner import (
    GradientMachine,
    InverseSchedule,
    Quadratic,
    learning_rate,
    mean_drift,
)
from simcore.master import propagate
from tests.conftest import F0, KT, T

ALPHA = 1e-4


def _chain_qp():
    a = sp.diags([np.full(2, -0.5), np.array([1.0, 1.5, 1.2]), np.full(2, -0.5)], [-1, 0, 1])
    return Quadratic(a, np.array([0.4, -0.3, 0.2]))


def _cell_matrix(energies, barrier, window):
    """Exact one-window transition matrix of one cell: arrhenius rates over saddles ``barrier``
    above the mean of each pair (clamped at the higher well), ``expm`` of the generator."""
    m = energies.size
    k = np.zeros((m, m))
    for i in range(m - 1):
        s = max(0.5 * (energies[i] + energies[i + 1]) + barrier, energies[i], energies[i + 1])
        k[i, i + 1] = F0 * np.exp(-(s - energies[i]) / KT)
        k[i + 1, i] = F0 * np.exp(-(s - energies[i + 1]) / KT)
    k -= np.diag(k.sum(axis=1))
    return scipy.linalg.expm(k * window)


def _joint_chain(q, grid, classes, beta, barrier, window):
    """The sweep matrix over all M^N joint levels (row-stochastic) and the Boltzmann law."""
    n, m = q.n, grid.size
    states = np.array(list(itertools.product(range(m), repeat=n)))
    index = {tuple(s): i for i, s in enumerate(states)}
    f = q.value(grid[states])
    boltz = np.exp(-beta * (f - f.min()))
    boltz /= boltz.sum()
    sweep = np.eye(len(states))
    for idx in classes:
        tc = np.zeros((len(states), len(states)))
        for i, s in enumerate(states):
            # conditional energies of each active cell, by evaluating f itself
            per = []
            for j in idx:
                trial = np.repeat(grid[s][None], m, axis=0)
                trial[:, j] = grid
                per.append(_cell_matrix(beta * KT * q.value(trial), barrier, window)[s[j]])
            for targets in itertools.product(range(m), repeat=len(idx)):
                t = s.copy()
                t[list(idx)] = targets
                tc[i, index[tuple(t)]] += np.prod([p[k] for p, k in zip(per, targets, strict=True)])
        sweep = sweep @ tc
    return states, sweep, boltz


def _chi2_pvalue(counts, expected):
    small = expected < 5
    obs = np.append(counts[~small], counts[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    keep = exp > 0
    return scipy.stats.chisquare(obs[keep], exp[keep] * obs.sum() / exp[keep].sum()).pvalue


def test_joint_chain_is_boltzmann_and_matches_the_machine():
    q, m, beta, barrier, window, iters, reps = _chain_qp(), 4, 3.0, 1.0 * KT, 0.5 / F0, 6, 20000
    mach = GradientMachine(q, 3, levels=m, replicas=reps, seed=20261202, window=window,
                           temperature=T, attempt_frequency=F0, initial=[0, 3, 0])
    assert [c.tolist() for c in mach.classes] == [[0, 2], [1]]
    states, sweep, boltz = _joint_chain(q, mach.grid, mach.classes, beta, barrier, window)
    # exact identity: the Boltzmann law of the discretised objective is stationary
    np.testing.assert_allclose(boltz @ sweep, boltz, rtol=0, atol=1e-13)
    mach.train(InverseSchedule(beta=beta, barrier=barrier), iters)
    p = np.zeros(len(states))
    p[np.flatnonzero((states == [0, 3, 0]).all(axis=1))[0]] = 1.0
    for _ in range(iters):
        p = p @ sweep
    code = (mach.levels * m ** np.arange(2, -1, -1)).sum(axis=1)
    counts = np.bincount(code, minlength=len(states)).astype(float)
    assert _chi2_pvalue(counts, p * reps) > ALPHA
    # and long runs sample the Boltzmann law itself (p0 P^T within 1e-4 of it by then, a
    # fraction 1e-4 * reps = 2 of a count: far below the chi-square's resolution)
    mach.train(InverseSchedule(beta=beta, barrier=barrier), 60)
    assert np.abs(p @ np.linalg.matrix_power(sweep, 60) - boltz).max() < 1e-4
    code = (mach.levels * m ** np.arange(2, -1, -1)).sum(axis=1)
    counts = np.bincount(code, minlength=len(states)).astype(float)
    assert _chi2_pvalue(counts, boltz * reps) > ALPHA


def test_separable_programme_follows_the_master_equation():
    diag = np.array([1.0, 2.0, 0.7])
    q = Quadratic(sp.diags(diag), np.array([0.3, -0.5, 0.1]))
    m, beta, reps, iters = 8, 8.0, 20000, 12
    sched = InverseSchedule(beta=beta, barrier=0.5 * KT, n0=3.0)
    mach = GradientMachine(q, 3, levels=m, replicas=reps, seed=917364, window=2.0 / F0,
                           temperature=T, attempt_frequency=F0)
    assert len(mach.classes) == 1
    hist = np.empty((iters, reps, 3), dtype=np.int64)
    for i in range(iters):
        mach.train(sched, 1)
        hist[i] = mach.levels
    _, barriers = sched.controls(1, iters, KT)
    comparisons = iters * 3 * m
    z = scipy.stats.norm.isf(ALPHA / (2 * comparisons))
    for j in range(3):
        x = mach.grid
        e = beta * KT * (0.5 * diag[j] * x**2 - q.b[j] * x)
        e_steps = np.repeat(e[None], iters + 1, axis=0)
        b_steps = np.append(barriers[0], barriers)[:, None]
        s_steps = 0.5 * (e_steps[:, :-1] + e_steps[:, 1:]) + b_steps
        p0 = np.zeros(m)
        p0[(m - 1) // 2] = 1.0
        exact = propagate(p0, e_steps, s_steps, np.full(iters, 2.0 / F0), T, F0).history[1:]
        sim = np.stack([np.bincount(hist[i, :, j], minlength=m) / reps for i in range(iters)])
        se = np.sqrt(np.maximum(exact * (1 - exact), 1.0 / reps) / reps)
        assert np.all(np.abs(sim - exact) <= z * se), np.max(np.abs(sim - exact) / se)


class _Linear:
    """``f(θ) = c · Σ θ``: a constant gradient, a linear tilt."""

    def __init__(self, c):
        self.c = c

    def value(self, theta):
        return self.c * np.atleast_2d(theta).sum(axis=1)

    def gradient(self, theta):
        return np.full(np.atleast_2d(theta).shape, self.c)


def test_learning_rate_law_from_the_barrier_schedule():
    m, reps, iters, n0, c = 256, 40000, 16, 4.0, 1.0
    spacing = 2.0 / (m - 1)
    beta = 0.6 / spacing  # δ = βkTΔc = 0.6 kT per level
    b0, window = 0.5 * KT, 1.0 / F0
    mach = GradientMachine(_Linear(c), 1, levels=m, replicas=reps, seed=55501, window=window,
                           temperature=T, attempt_frequency=F0, initial=[128])
    sched = InverseSchedule(beta=beta, barrier=b0, n0=n0)
    _, barriers = sched.controls(1, iters, KT)
    delta = beta * KT * spacing * c
    mean, var = mean_drift(barriers, delta, KT, F0, window)
    z = scipy.stats.norm.isf(ALPHA / (2 * iters))
    prev = mach.levels[:, 0]
    measured = np.empty(iters)
    for i in range(iters):
        mach.train(sched, 1)
        cur = mach.levels[:, 0]
        assert cur.min() > 0 and cur.max() < m - 1  # never at a boundary: the chain is unbounded
        step = cur - prev
        measured[i] = step.mean()
        assert abs(measured[i] - mean[i]) <= z * np.sqrt(var[i] / reps)
        prev = cur
    # the derived law: drift_n / drift_1 = (1 + 1/n0) / (1 + n/n0), exactly for this chain
    n = np.arange(1, iters + 1)
    np.testing.assert_allclose(mean / mean[0], (1 + 1 / n0) / (1 + n / n0), rtol=1e-12)
    # and the learning rate is the small-tilt limit of the drift
    small = 1e-6 * KT
    eta = learning_rate(barriers, beta, spacing, F0, window, T)
    drift = mean_drift(barriers, small, KT, F0, window)[0] * spacing
    np.testing.assert_allclose(-drift / (small / (beta * KT * spacing)), eta, rtol=1e-6)


def test_first_law_of_the_ledger():
    mach = GradientMachine(_chain_qp(), 3, levels=8, replicas=300, seed=4242, window=3.0 / F0)
    mach.train(InverseSchedule(beta=10.0, barrier=0.0, n0=5.0), 20)
    mach.consolidate(30 * KT, 1e-6)
    mach.hold(1e-3)
    led = mach.ledger
    assert set(led) == {"update", "consolidate", "hold"}
    w = sum(v.work for v in led.values())
    q = sum(v.heat for v in led.values())
    scale = sum(abs(v.work) + abs(v.heat) for v in led.values())
    assert abs(mach.cell_energy() - (w - q)) <= 1e-12 * scale
    assert mach.cell_energy() == 0.0  # flat wells at the end
    assert led["hold"].changes == 0  # a 30 kT barrier holds all 900 cells for 1 ms


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 Numba threads")
def test_same_numbers_for_one_and_two_threads():
    q = Quadratic(sp.diags(np.linspace(0.5, 2.0, 64)), np.linspace(-0.5, 0.5, 64))
    saved = numba.get_num_threads()
    out = []
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            mach = GradientMachine(q, 64, levels=4, replicas=512, seed=77, window=2.0 / F0)
            r = mach.train(InverseSchedule(beta=5.0, barrier=0.0, n0=2.0), 3)
            out.append((mach.levels, r.work, r.heat, r.objective))
    finally:
        numba.set_num_threads(saved)
    for a, b in zip(*out, strict=True):
        np.testing.assert_array_equal(a, b)


def test_bad_input_is_refused():
    q = _chain_qp()
    with pytest.raises(ParameterError, match="levels"):
        GradientMachine(q, 3, levels=1)
    with pytest.raises(ParameterError, match="high"):
        GradientMachine(q, 3, low=1.0, high=1.0)
    with pytest.raises(ParameterError, match="classes"):
        GradientMachine(_Linear(1.0), 3, classes="colour")
    with pytest.raises(ParameterError, match="initial"):
        GradientMachine(q, 3, levels=4, initial=[0, 4, 1])
    with pytest.raises(ParameterError, match="matrix"):
        Quadratic(np.array([[1.0, 0.2], [0.1, 1.0]]), np.zeros(2))
    mach = GradientMachine(q, 3, levels=4)
    with pytest.raises(ParameterError, match="n0"):
        mach.train(InverseSchedule(beta=1.0, barrier=0.0, n0=0.0), 2)
    with pytest.raises(ParameterError, match="beta"):
        mach.train(InverseSchedule(beta=-1.0, barrier=0.0), 2)
    mach.train(InverseSchedule(beta=1.0, barrier=5 * KT), 1)
    with pytest.raises(ParameterError, match="barrier"):
        mach.consolidate(1 * KT, 1e-6)
    with pytest.raises(ParameterError, match="barrier"):
        mean_drift(0.1 * KT, 1.0 * KT, KT, F0, 1e-9)



def test_heat_check_is_sharp_and_holds_at_its_level_for_every_seed():
    """The learner's heat check (the martingale Chernoff bound of ``HeatOracle``, through the
    experiment's ``_heat_check``) on independent replicas, each with its own oracle and its
    own heat (``E(start) - E(end)`` of every window's fixed landscape, summing to the ledger's
    heat): (a) at a nominal family level α = 0.05 the share of replicas it rejects is at most α
    (one-sided Clopper-Pearson at 1e-4); (b) it rejects nearly every replica whose heat is
    shifted by 6 conditional standard deviations (it can fail); (c) its tolerance is within
    1.25× the Gaussian quantile at the same per-λ level and a quarter or less of the
    Bernstein/Freedman bound (span ``b``) it replaces."""
    from experiments.checks import assemble
    from experiments.lim_learner.results import _HEAT_TESTS, _heat_check
    from experiments.lim_learner.runs import HeatOracle

    reps, iters, alpha = 400, 8, 0.05
    mach = GradientMachine(_chain_qp(), 3, levels=8, replicas=reps, seed=8128, window=0.7 / F0,
                           temperature=T, attempt_frequency=F0)
    oracles = [HeatOracle(T, F0) for _ in range(reps)]
    heat = np.zeros(reps)
    windows = []

    def observe(levels, energies, saddles, window):
        c = levels.size // reps
        windows.append((levels.copy(), energies.copy()))
        for r, o in enumerate(oracles):
            sl = slice(r * c, (r + 1) * c)
            o(levels[sl], energies[sl], saddles[sl], window)

    sched = InverseSchedule(beta=12.0, barrier=0.0, n0=4.0)
    total = 0.0
    for _ in range(iters):
        windows.clear()
        res = mach.train(sched, 1, observer=observe)
        total += float(res.heat.sum())
        for (start, e), a in zip(windows, mach.arrays, strict=True):
            rows = np.arange(start.size)
            q = e[rows, start] - e[rows, a.state.astype(np.int64)]
            heat += q.reshape(reps, -1).sum(axis=1)
    assert abs(heat.sum() - total) <= 1e-9 * np.abs(heat).sum()

    def verdicts(shift):
        out, tol, gauss, bern = [], [], [], []
        z = scipy.stats.norm.isf(alpha / (2 * _HEAT_TESTS))  # the same per-λ level
        for r, o in enumerate(oracles):
            rec = o.record(heat[r] + shift * np.sqrt(o.var))
            (c,) = assemble([_heat_check("h", "h", rec, KT)], alpha=alpha)
            out.append(c["passed"])
            tol.append(c["tolerance"])
            sd, b = np.sqrt(o.var) / KT, o.span / KT
            gauss.append(z * sd)
            ln = np.log(2 * _HEAT_TESTS / alpha)
            bern.append(b * ln / 3 + np.sqrt((b * ln / 3) ** 2 + 2 * sd**2 * ln))
        return np.array(out), np.array(tol), np.array(gauss), np.array(bern)

    passed, tol, gauss, bern = verdicts(0.0)
    rejected = int(np.sum(~passed))
    assert scipy.stats.binomtest(rejected, reps, alpha, alternative="greater").pvalue > ALPHA
    # measured at seed 8128: 0 of 400 rejected, tolerance/Gauss 0.90, Bernstein/tolerance 8.8
    assert np.median(tol / gauss) < 1.25
    assert np.median(bern / tol) > 4.0
    shifted, *_ = verdicts(6.0)  # 99.5 % rejected at seed 8128
    assert np.mean(~shifted) > 0.9


def test_hold_changes_levels_with_the_master_equation_probability():
    """``GradientMachine.hold`` after consolidation: the share of parameters that changed
    level equals the flat chain's ``1 - P_kk`` (``scipy.linalg.expm`` here; the experiment's
    ``hold_expectation`` agrees), binomial standard errors at the 1e-4 level."""
    from experiments.lim_learner.runs import hold_expectation

    m, reps = 6, 3000
    q = Quadratic(sp.diags(np.ones(2)), np.zeros(2))
    mach = GradientMachine(q, 2, levels=m, replicas=reps, seed=606, window=1.0 / F0,
                           initial=[0, 2], temperature=T, attempt_frequency=F0)
    barrier, t = 18 * KT, 0.02
    mach.consolidate(barrier, 1e-12)
    start = mach.levels  # (nearly all [0, 2]: the raise itself may move a few)
    changed = mach.hold(t)
    p = 1.0 - np.diag(_cell_matrix(np.zeros(m), barrier, t))
    np.testing.assert_allclose(hold_expectation(np.arange(m), m, barrier, t, T, F0), p,
                               rtol=1e-9)
    assert p[0] < 0.6 * p[2]  # an edge level has one way out, an inner level two
    expected = p[start].sum()
    sd = np.sqrt(np.sum(p[start] * (1 - p[start])))
    assert abs(changed - expected) <= scipy.stats.norm.isf(ALPHA / 2) * sd
    assert mach.ledger["hold"].work == 0.0

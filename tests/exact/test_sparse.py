"""Rare-flip stepping (``kernels.sparse_shared``): its NumPy twin, thread, block and chunk
invariance, the dense/sparse switch, the per-cell first law, and its law against the exact
master equation."""

import math

import numba
import numpy as np
import pytest

import simcore as sc
from simcore import draws, engine, plan
from simcore.kernels import (
    Cells,
    GroupStreams,
    SparseSteps,
    sparse_shared,
    sparse_shared_serial,
    sparse_tables,
    tallies,
)
from simcore.master import transition_matrices
from simcore.propagator import step_tables
from simcore.rng import streams_of
from tests import naive
from tests.conftest import F0, KT, T, bit, chain

N_SIGMA = 4.5  # per check; a handful of checks per test


def _rare_probs(b, m, scale, seed):
    """Random propagators (B, M, M) with off-diagonal entries in [0, scale)."""
    r = np.random.default_rng(seed)
    p = r.uniform(0.0, scale, (b, m, m))
    for i in range(m):
        p[:, i, i] = 0.0
        p[:, i, i] = 1.0 - p[:, i].sum(axis=1)
    return p


def _kernel_run(kernel, state, bounds, probs, seed, step0, energies=None):
    b, m, _ = probs.shape
    g = bounds.size - 1
    log_stay = np.empty(b)
    accept = np.empty((b, m), dtype=np.uint64)
    jump = np.zeros((b, m, m - 1), dtype=np.uint64)
    sparse_tables(probs, log_stay, accept, jump)
    keys = np.empty(3, dtype=np.uint64)
    gammas = np.empty(3, dtype=np.uint64)
    streams_of(np.uint64(seed), np.uint64(draws.SPARSE.start), keys, gammas)
    counts = np.zeros((g, b, m), dtype=np.int64)
    changes = np.zeros((g, b), dtype=np.int64)
    work = np.zeros(state.size)
    heat = np.zeros(state.size)
    record = energies is not None
    kernel(
        cells=Cells(state=state, bounds=bounds),
        steps=SparseSteps(
            log_stay=log_stay,
            accept=accept,
            jump=jump,
            energies=energies if record else np.empty((0, 0)),
        ),
        streams=GroupStreams(keys=keys, gammas=gammas, step=step0),
        tallies=tallies(counts=counts, changes=changes, work=work, heat=heat, record=record),
    )
    return state, counts, changes, work, heat


@pytest.mark.parametrize("m", [2, 4])
@pytest.mark.parametrize("record", [False, True])
def test_sparse_kernel_matches_numpy_twin(m, record):
    n, b = 3001, 12
    bounds = np.array([0, 1000, 1001, 2500, n], dtype=np.int64)  # uneven, one of a single cell
    probs = _rare_probs(b, m, 0.02, seed=m)
    probs[3] = np.eye(m)  # a step where nothing can move
    state0 = np.random.default_rng(5).integers(0, m, n).astype(np.uint8)
    energies = np.random.default_rng(6).normal(0.0, KT, (b + 1, m)) if record else None
    want = naive.sparse_shared(state0, bounds, probs, 77, 900, energies)
    got = _kernel_run(sparse_shared_serial, state0.copy(), bounds, probs, 77, 900, energies)
    assert want[2].sum() > 200  # the test sees flips
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_array_equal(got[2], want[2])
    np.testing.assert_array_equal(got[3], want[3])
    np.testing.assert_array_equal(got[4], want[4])


def test_sparse_tables_match_numpy_twin():
    probs = _rare_probs(20, 5, 0.01, seed=9)
    b, m, _ = probs.shape
    log_stay = np.empty(b)
    accept = np.empty((b, m), dtype=np.uint64)
    jump = np.zeros((b, m, m - 1), dtype=np.uint64)
    sparse_tables(probs, log_stay, accept, jump)
    want = naive.sparse_tables(probs)
    np.testing.assert_array_equal(log_stay, want[0])
    np.testing.assert_array_equal(accept, want[1])
    np.testing.assert_array_equal(jump, want[2])


@pytest.mark.parametrize("record", [False, True])
def test_sparse_kernel_thread_invariant(record):
    # with record, the per-cell work and heat the thread pool writes are all there
    n, b, m = 200_000, 30, 3
    bounds = engine.group_bounds(n, 64)
    probs = _rare_probs(b, m, 0.003, seed=2)
    state0 = np.random.default_rng(3).integers(0, m, n).astype(np.uint8)
    energies = np.random.default_rng(4).normal(0.0, KT, (b + 1, m)) if record else None
    serial = _kernel_run(sparse_shared_serial, state0.copy(), bounds, probs, 4, 0, energies)
    if record:
        assert np.count_nonzero(serial[4]) > 10_000
    saved = numba.get_num_threads()
    try:
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(threads)
            par = _kernel_run(sparse_shared, state0.copy(), bounds, probs, 4, 0, energies)
            for a, z in zip(serial, par, strict=True):
                np.testing.assert_array_equal(a, z)
    finally:
        numba.set_num_threads(saved)


def test_rule_is_sparse_for_rare_flips_and_dense_otherwise():
    e, s = bit(22.0)
    m = 2
    probs = np.empty((3, m, m))
    th = np.empty((3, m, m - 1), dtype=np.uint64)
    dts = np.array([1e-3, 1e-7, 1e-12]) * math.exp(22.0) / F0
    step_tables(
        np.stack([e] * 3), np.stack([s] * 3), KT, F0, 0, dts, probs, th
    )  # escape 1 - exp(-f0 exp(-22) dt) at dt = (1e-3, 1e-7, 1e-12) / (f0 exp(-22))
    assert plan.sparse_steps(probs).tolist() == [True, True, True]
    probs[0] = [[0.9, 0.1], [0.0, 1.0]]
    probs[1] = [[1.0 - plan.SPARSE_ESCAPE, plan.SPARSE_ESCAPE], [0.0, 1.0]]
    probs[2] = [[1.0, 0.0], [0.5, 0.5]]
    assert plan.sparse_steps(probs).tolist() == [False, True, False]
    assert plan.runs_of(np.array([True, True, False, True])) == [
        (0, 2, True),
        (2, 3, False),
        (3, 4, True),
    ]


def test_runs_invariant_under_threads_blocks_and_chunks(monkeypatch):
    """A sparse hold (escape 2e-3) then a dense one (0.3): the same states in one run per hold
    on one thread, in halves and single steps on all threads, and in blocks of 7 steps."""
    n = 50_000
    dt = 2e-3 * math.exp(22.0) / F0
    rare, busy = bit(22.0, 0.5), bit(17.0, 1.0)

    def hold(landscape, steps):
        return sc.Protocol.ramp(landscape, landscape, steps * dt, "hold")

    def run(threads, split):
        saved = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            arr = sc.MemoryArray(n, seed=123)
            arr.prepare(np.array([0.7, 0.3]))
            if split:
                arr.run(hold(rare, 50), dt)
                arr.run(hold(rare, 50), dt)
                arr.run(hold(busy, 10), dt)  # (a run that starts elsewhere jumps first)
                for _ in range(10):
                    arr.step(*busy, dt, "hold")
            else:
                arr.run(hold(rare, 100), dt)
                arr.run(hold(busy, 20), dt)
            return arr.state.copy(), arr.result()
        finally:
            numba.set_num_threads(saved)

    whole, res = run(1, split=False)
    assert res.by_tag["hold"].changes * n > 5000
    split, _ = run(numba.config.NUMBA_NUM_THREADS, split=True)
    np.testing.assert_array_equal(whole, split)
    monkeypatch.setattr(engine, "_BLOCK_ENTRIES", 7 * (4 + 64 * 2))  # blocks of 7 steps
    blocks, _ = run(1, split=False)
    np.testing.assert_array_equal(whole, blocks)


def test_switch_never_mixes_streams():
    """A run whose steps cross the rule's bound: each dense step reads the dense stream and
    each sparse step the sparse streams, exactly as the two twins composed step by step."""
    n, m = 4000, 2
    dt = 1e-10
    # the barrier falls from 8 kT (escape 3e-5, sparse) to 0.5 kT (6e-2, dense)
    p = sc.Protocol.ramp(bit(8.0, 0.5), bit(0.5, 1.0), 40 * dt, "update")
    grid = p.grid(dt)
    e, s = grid.landscapes(0, grid.n_steps)
    b = grid.n_steps
    probs = np.empty((b, m, m))
    th = np.empty((b, m, m - 1), dtype=np.uint64)
    step_tables(e[1:], s[1:], KT, F0, 0, grid.durations, probs, th)
    mask = plan.sparse_steps(probs)
    assert mask.any() and not mask.all()
    arr = sc.MemoryArray(n, seed=31)
    arr.prepare(np.array([0.6, 0.4]))
    state = arr.state.copy()
    bounds = arr._core.bounds
    dense = sparse = 0
    for a, z, rare in plan.runs_of(mask):
        if rare:
            state = naive.sparse_shared(state, bounds, probs[a:z], 31, a)[0]
            sparse += z - a
        else:
            state = naive.run_shared(state, th[a:z], 31, a)[0]
            dense += z - a
    arr.run(p, dt)
    assert dense > 0 and sparse > 0
    np.testing.assert_array_equal(arr.state, state)


def test_first_law_per_cell_on_sparse_steps():
    n = 20_000
    dt = 1e-3 * math.exp(20.0) / F0
    p = sc.Protocol.ramp(bit(20.0, 0.0), bit(19.0, 2.0), 60 * dt, "hold").ramp_to(
        *bit(20.0, -1.0), 60 * dt, "update"
    )
    arr = sc.MemoryArray(n, seed=8)
    arr.prepare(np.array([0.5, 0.5]))
    plain = sc.MemoryArray(n, seed=8)
    plain.prepare(np.array([0.5, 0.5]))
    grid = p.grid(dt)
    e, _ = grid.landscapes(0, grid.n_steps)
    assert plan.sparse_steps(_probs_of(grid)).all()
    u0 = e[0][arr.state.astype(np.int64)]
    r = arr.run(p, dt, record_per_cell=True)
    plain.run(p, dt)
    np.testing.assert_array_equal(arr.state, plain.state)  # recording draws nothing
    u1 = e[-1][arr.state.astype(np.int64)]
    assert r.by_tag["hold"].changes * n > 300
    residual = (u1 - u0) - (r.work.per_cell - r.heat.per_cell)
    scale = np.abs(r.work.per_cell).max() + np.abs(r.heat.per_cell).max()
    assert np.max(np.abs(residual)) <= 8 * np.finfo(float).eps * scale
    # the per-cell sums are the group sums the counts give
    assert abs(r.work.per_cell.mean() - r.work.mean) <= 1e-9 * abs(r.work.mean)
    assert abs(r.heat.per_cell.mean() - r.heat.mean) <= 1e-9 * abs(r.heat.mean)


def _probs_of(grid, m=2, kinetics=0):
    e, s = grid.landscapes(0, grid.n_steps)
    b = grid.n_steps
    probs = np.empty((b, m, m))
    th = np.empty((b, m, m - 1), dtype=np.uint64)
    step_tables(e[1:], s[1:], KT, F0, kinetics, grid.durations, probs, th)
    return probs


@pytest.mark.parametrize(("m", "seed"), [(2, 2026), (3, 4051)])
def test_sparse_law_against_master_equation(m, seed):
    """Occupancy, level changes, work and heat of a slow ramp under a high barrier, within
    their sampling errors of the exact master equation of the same steps."""
    n = 2**17
    barrier = 21.0
    dt = 2e-3 * math.exp(barrier) / F0  # escape ~ 2e-3 .. 1e-2 per step
    e0, s0 = chain(m, 0.0, barrier)
    e1, s1 = chain(m, -2.0, barrier - 1.5)
    p = sc.Protocol.ramp((e0, s0), (e1, s1), 150 * dt, "hold")
    grid = p.grid(dt)
    probs = _probs_of(grid, m)
    assert plan.sparse_steps(probs).all()
    start = np.full(m, 1.0 / m)
    arr = sc.MemoryArray(n, m, seed=seed)
    arr.prepare(start)
    p_start = np.bincount(arr.state, minlength=m) / n  # condition on the sampled start
    r = arr.run(p, dt)
    e, s = grid.landscapes(0, grid.n_steps)
    mats = transition_matrices(e[1:], s[1:], grid.durations, T, F0)
    hist = np.empty((grid.n_steps + 1, m))
    hist[0] = p_start
    for k in range(grid.n_steps):
        hist[k + 1] = hist[k] @ mats[k]
    # occupancy: each cell's end level is independent given its start
    se = np.sqrt(hist[-1] * (1 - hist[-1]) / n)
    assert np.all(np.abs(r.occupancy - hist[-1]) <= N_SIGMA * se), (r.occupancy, hist[-1])
    # level changes: a sum over cells of independent counts X with Var X <= E X (1 + 2 P)
    # where P is the sum over steps of the largest escape probability
    escape = 1.0 - np.einsum("kii->ki", mats)
    mean_changes = n * np.sum(hist[:-1] * escape)
    p_sum = escape.max(axis=1).sum()
    got = r.by_tag["hold"].changes * n
    assert mean_changes > 2000
    assert abs(got - mean_changes) <= N_SIGMA * math.sqrt(mean_changes * (1 + 2 * p_sum))
    # work and heat: the ledger's group spread
    work = np.sum(hist[:-1] * (e[1:] - e[:-1]))
    heat = np.sum((hist[:-1] - hist[1:]) * e[1:])
    assert abs(r.work.mean - work) <= N_SIGMA * r.work.stderr + 1e-12 * KT
    assert abs(r.heat.mean - heat) <= N_SIGMA * r.heat.stderr + 1e-12 * KT

"""Same seed, same numbers: for any thread count, any split of a run, shared or per-cell path."""

import numba
import numpy as np
import pytest

import simcore as sc
from tests.conftest import F0, KT, bit, chain, erasure


@pytest.fixture
def threads():
    saved = numba.get_num_threads()
    yield
    numba.set_num_threads(saved)


def _run_with_threads(n_threads, m_levels, heterogeneous):
    numba.set_num_threads(n_threads)
    n = 50_001
    f0 = F0 * (1 + 0.5 * (np.arange(n) % 3)) if heterogeneous else F0
    arr = sc.MemoryArray(n, m_levels, attempt_frequency=f0, seed=99)
    e0, s0 = chain(m_levels, 0.0, 1.0)
    e1, s1 = chain(m_levels, -1.0, 0.5)
    p = sc.Protocol.ramp((e0, s0), (e1, s1), 4e-9, "update").hold(2e-9)
    r = arr.run(p, 2e-10, initial="equilibrium", record_per_cell=True)
    return arr.state.copy(), r.work.per_cell.copy(), r.heat.per_cell.copy(), r.work.mean


@pytest.mark.parametrize("m_levels,heterogeneous", [(2, False), (5, False), (2, True), (4, True)])
def test_one_and_two_threads_bit_identical(threads, m_levels, heterogeneous):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 Numba threads")
    a = _run_with_threads(1, m_levels, heterogeneous)
    b = _run_with_threads(2, m_levels, heterogeneous)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_fast_path_counts_match_per_cell_path():
    p = erasure(20e-9)
    a = sc.MemoryArray(30_000, seed=5)
    b = sc.MemoryArray(30_000, seed=5)
    ra = a.run(p, 1e-10, initial="equilibrium")
    rb = b.run(p, 1e-10, initial="equilibrium", record_per_cell=True)
    np.testing.assert_array_equal(a.state, b.state)
    assert ra.by_tag["erase"].changes == rb.by_tag["erase"].changes
    np.testing.assert_allclose(ra.work.mean, rb.work.mean, rtol=1e-12)
    np.testing.assert_allclose(rb.work.per_cell.mean(), rb.work.mean, rtol=1e-12)


def test_split_runs_equal_one_run():
    first = sc.Protocol.ramp(bit(10), bit(0, 3), 5e-9, "erase")
    second = sc.Protocol.ramp(bit(0, 3), bit(10, 3), 5e-9, "erase")
    a = sc.MemoryArray(20_000, seed=8, initial=[0.5, 0.5])
    b = sc.MemoryArray(20_000, seed=8, initial=[0.5, 0.5])
    ra = a.run(first.then(second), 1e-10)
    b.run(first, 1e-10)
    b.run(second, 1e-10)
    np.testing.assert_array_equal(a.state, b.state)
    assert a.step_count == b.step_count
    np.testing.assert_allclose(b.result().work.mean, ra.work.mean, rtol=1e-12)


@pytest.mark.parametrize("m_levels", [2, 3])
def test_step_loop_equals_run(m_levels):
    e0, s0 = chain(m_levels, 0.0, 2.0)
    e1, s1 = chain(m_levels, -1.5, 0.5)
    p = sc.Protocol.ramp((e0, s0), (e1, s1), 3e-9, "update")
    dt = 1e-10
    a = sc.MemoryArray(10_000, m_levels, seed=3, initial=0)
    ra = a.run(p, dt)
    b = sc.MemoryArray(10_000, m_levels, seed=3, initial=0)
    grid = p.grid(dt)
    e, s = grid.landscapes(0, grid.n_steps)
    b.step(e[0], s[0], 0.0, "update")  # set the first landscape (no time passes)
    b.step_count = 0
    for k in range(grid.n_steps):
        b.step(e[k + 1], s[k + 1], grid.durations[k], "update")
    np.testing.assert_array_equal(a.state, b.state)
    np.testing.assert_allclose(b.result().work.mean, ra.work.mean, rtol=1e-12)


def test_per_cell_bit_path_draws_what_shared_path_draws():
    # the same landscape given per cell (N, 2) must reproduce the shared kernel's states
    n = 20_000
    a = sc.MemoryArray(n, seed=12, initial=[0.5, 0.5])
    b = sc.MemoryArray(n, seed=12, initial=[0.5, 0.5])
    rs = np.random.default_rng(0)
    for _ in range(20):
        e, s = bit(rs.uniform(0, 5), rs.uniform(-3, 3))
        a.step(e, s, 1e-9)
        b.step(np.tile(e, (n, 1)), np.tile(s, (n, 1)), 1e-9)
    np.testing.assert_array_equal(a.state, b.state)
    np.testing.assert_allclose(
        a.result().heat.mean, b.result().heat.mean, rtol=1e-10, atol=1e-12 * KT
    )


def test_different_seeds_differ():
    p = erasure(10e-9)
    a = sc.MemoryArray(10_000, seed=1).run(p, 1e-10, initial=[0.5, 0.5])
    b = sc.MemoryArray(10_000, seed=2).run(p, 1e-10, initial=[0.5, 0.5])
    assert a.work.mean != b.work.mean

"""Same seed, same numbers: for any thread count, any split of a run, shared or per-cell path."""

import numba
import numpy as np
import pytest

import simcore as sc
from simcore import plan
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


def test_per_cell_bit_path_draws_what_shared_path_draws(monkeypatch):
    # the same landscape given per cell (N, 2) must reproduce the shared kernel's states (the
    # dense one: rare-flip shared steps read their own streams, simcore.plan.sparse_steps)
    monkeypatch.setattr(plan, "SPARSE_ESCAPE", -1.0)
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


def _tilted_cells(n, seed=0):
    """A per-cell landscape map: each cell's wells tilted by its own amount, saddles scaled."""
    rs = np.random.default_rng(seed)
    tilt = rs.normal(0, KT, n)
    scale = rs.uniform(0.8, 1.2, n)

    def cells(e, s):
        mid = 0.5 * (e[0] + e[1])
        return e + np.stack([-tilt / 2, tilt / 2], axis=1), mid + scale[:, None] * (s - mid)

    return cells


@pytest.mark.parametrize("kinetics,start", [("arrhenius", 4), ("glauber", 6)])
def test_per_cell_run_in_blocks_equals_step_loop(kinetics, start):
    # run() hands each stretch of steps under one landscape to the kernel as one block; that
    # must draw what one step() per grid step draws, with the same ledger (start = 6: the first
    # step already jumps, so its work is booked from the protocol's first landscape)
    n, dt = 4001, 2e-10
    f0 = F0 * np.linspace(0.5, 2.0, n)
    cells = _tilted_cells(n)
    p = (
        sc.Protocol.ramp(bit(start, start - 4), bit(4), 3e-9, "hold")
        .ramp_to(*bit(1, 1), 1e-9, "update")
        .hold(2.1e-9, "update")
        .then(sc.Protocol([0.0, 0.0], [bit(1, 1)[0], bit(2, -1)[0]], [[2 * KT]] * 2, ["update"]))
        .hold(1e-9, "consolidate")
    )
    a = sc.MemoryArray(n, attempt_frequency=f0, kinetics=kinetics, seed=21, initial=[0.6, 0.4])
    ra = a.run(p, dt, record_per_cell=True, record_history=True, cell_landscapes=cells)

    b = sc.MemoryArray(n, attempt_frequency=f0, kinetics=kinetics, seed=21, initial=[0.6, 0.4])
    grid = p.grid(dt)
    names, codes = grid.tag_codes()
    e, s = grid.landscapes(0, grid.n_steps)
    b.step(*cells(e[0], s[0]), 0.0, "hold")  # the first landscape, no time, no work
    b.step_count = 0
    b.reset_ledger()
    history = [b.occupancy()]
    for k in range(grid.n_steps):
        b.step(*cells(e[k + 1], s[k + 1]), grid.durations[k], names[codes[k]], record_per_cell=True)
        history.append(b.occupancy())
    rb = b.result()
    np.testing.assert_array_equal(a.state, b.state)
    assert a.step_count == b.step_count == grid.n_steps
    assert ra.first_step == 0 and ra.n_steps == grid.n_steps
    ra2 = a.run(p, dt, cell_landscapes=cells)  # a second run starts where the first ended
    assert ra2.first_step == grid.n_steps and a.step_count == 2 * grid.n_steps + 1
    np.testing.assert_array_equal(ra.history, np.array(history))
    np.testing.assert_allclose(ra.work.per_cell, rb.work.per_cell, rtol=1e-12, atol=1e-12 * KT)
    np.testing.assert_allclose(ra.heat.per_cell, rb.heat.per_cell, rtol=1e-12, atol=1e-12 * KT)
    for tag in names:
        ta, tb = ra.by_tag[tag], rb.by_tag[tag]
        assert ta.changes == tb.changes and ta.steps == tb.steps
        np.testing.assert_allclose(ta.work.mean, tb.work.mean, rtol=1e-10, atol=1e-12 * KT)
        np.testing.assert_allclose(ta.heat.mean, tb.heat.mean, rtol=1e-10, atol=1e-12 * KT)
    assert ra.by_tag["update"].changes > 0.05  # cells really moved
    if start != 4:
        assert abs(ra.by_tag["hold"].work.mean) > 0.1 * KT


def test_held_blocks_split_where_landscape_tag_or_duration_change():
    from simcore.cell_steps import held_blocks as _held_blocks

    p = (
        sc.Protocol.ramp(bit(4), bit(4), 1e-9, "hold")  # 10 steps, one landscape
        .ramp_to(*bit(2), 3e-10, "hold")  # 3 steps, each its own landscape
        .hold(5e-10, "update")  # same landscape as the ramp's end, new tag
        .hold(2.5e-10, "update")  # 2 steps of 1e-10, then one of 5e-11
    )
    grid = p.grid(1e-10)
    _, codes = grid.tag_codes()
    blocks = list(_held_blocks(grid, codes, max_steps=4))
    # 10 hold steps in blocks of at most 4, the ramp's 3 steps one by one, then 7 update steps
    # of 1e-10 (two holds under one landscape and tag are one stretch) and the short last one
    assert [(k0, k1) for k0, k1, _ in blocks] == [
        (0, 4), (4, 8), (8, 10), (10, 11), (11, 12), (12, 13), (13, 17), (17, 20), (20, 21),
    ]
    for k0, k1, dt in blocks:
        np.testing.assert_allclose(grid.durations[k0:k1], dt, rtol=1e-12)
    assert blocks[-1][2] == pytest.approx(5e-11, rel=1e-12)

"""The aggregated (count) engine: exact in distribution, any N up to 2**62."""

import numpy as np
import pytest

import simcore as sc
from tests.conftest import F0, KT, T, bit, chain, erasure, within


@pytest.mark.parametrize("n_cells", [10**5, 10**12, 10**18])
def test_erasure_mean_matches_master(n_cells):
    p = erasure(40e-9)
    r = sc.AggregateArray(n_cells, seed=3).run(p, 1e-10, initial=[0.5, 0.5])
    m = sc.solve_master(p, 1e-10, T, F0, initial=[0.5, 0.5])
    for name in ("work", "heat"):
        est = getattr(r, name)
        assert within(est.mean, est.stderr, getattr(m, name)), (name, est, getattr(m, name))
    se = np.sqrt(0.25 / n_cells + m.occupancy[0] * m.occupancy[1] / n_cells)
    assert np.all(np.abs(r.occupancy - m.occupancy) <= 4 * se + 1e-15)


def test_multilevel_mean_matches_master():
    e0, s0 = chain(6, 0.0, 1.0)
    e1, s1 = chain(6, -0.8, 0.3)
    p = sc.Protocol.ramp((e0, s0), (e1, s1), 20e-9, "update").hold(5e-9)
    r = sc.AggregateArray(10**9, 6, seed=4).run(p, 5e-10, initial="equilibrium")
    m = sc.solve_master(p, 5e-10, T, F0, initial="equilibrium")
    assert within(r.work.mean, r.work.stderr, m.work)
    assert within(r.heat.mean, r.heat.stderr, m.heat)
    assert np.allclose(r.occupancy, m.occupancy, atol=4 * np.sqrt(0.25 / 10**9))


def test_variance_matches_per_cell_engine():
    # 400 independent groups of 500 cells: the spread of the group means must be the per-cell
    # variance / 500, measured on the per-cell engine with per-cell work
    p = sc.Protocol.ramp(bit(4, 0), bit(1, 3), 10e-9, "erase").ramp_to(*bit(4, 3), 5e-9, "erase")
    n_g, g = 500, 400
    agg = sc.AggregateArray(n_g * g, groups=g, seed=5)
    agg.run(p, 2e-10, initial=[0.5, 0.5])
    work_means = agg.ledger.work["erase"] / n_g
    heat_means = agg.ledger.heat["erase"] / n_g
    cells = sc.MemoryArray(200_000, seed=6).run(p, 2e-10, initial=[0.5, 0.5], record_per_cell=True)
    tol = 4 * np.sqrt(2 / (g - 1))  # relative sd of a sample variance from g draws (normal)
    for means, per_cell in ((work_means, cells.work.per_cell), (heat_means, cells.heat.per_cell)):
        ratio = means.var(ddof=1) / (per_cell.var(ddof=1) / n_g)
        assert abs(ratio - 1) < tol, ratio
        # and the means agree with each other
        se = np.hypot(means.std(ddof=1) / np.sqrt(g), per_cell.std(ddof=1) / np.sqrt(per_cell.size))
        assert abs(means.mean() - per_cell.mean()) < 4 * se


def test_same_seed_same_counts_and_split_runs():
    p1 = sc.Protocol.ramp(bit(10), bit(0, 3), 5e-9, "erase")
    p2 = sc.Protocol.ramp(bit(0, 3), bit(10, 3), 5e-9, "erase")
    a = sc.AggregateArray(10**15, seed=8, initial=[0.5, 0.5])
    b = sc.AggregateArray(10**15, seed=8, initial=[0.5, 0.5])
    a.run(p1.then(p2), 1e-10)
    b.run(p1, 1e-10)
    b.run(p2, 1e-10)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert a.counts.sum() == 10**15
    c = sc.AggregateArray(10**15, seed=9, initial=[0.5, 0.5])
    c.run(p1.then(p2), 1e-10)
    assert not np.array_equal(a.counts, c.counts)


def test_engine_choice_and_refusals():
    assert isinstance(sc.memory_array(10**15), sc.AggregateArray)
    assert type(sc.memory_array(1000, per_cell=True)) is sc.MemoryArray
    assert type(sc.memory_array(1000, attempt_frequency=np.full(1000, F0))) is sc.MemoryArray
    agg = sc.AggregateArray(1000)
    p = sc.Protocol.constant(*bit(3), 1e-9)
    with pytest.raises(sc.ParameterError, match="record_per_cell"):
        agg.run(p, 1e-10, record_per_cell=True)
    with pytest.raises(sc.ParameterError, match="energies"):
        agg.step(np.zeros((1000, 2)), np.ones(1) * KT, 1e-10)
    with pytest.raises(sc.ParameterError, match="n_cells"):
        sc.AggregateArray(2**63)


def test_long_blocks_on_the_pool_draw_the_same_counts(monkeypatch):
    """Blocks of at least ``aggregate.PARALLEL_STEPS`` steps run their groups on the thread
    pool: one run of 1000 steps equals ten runs of 100 (serial blocks), count for count."""
    from simcore import kernels

    used = {"pool": 0, "serial": 0}
    for name, kind in (("counts_block", "pool"), ("counts_block_serial", "serial")):
        kernel = getattr(kernels, name)

        def spy(*args, kernel=kernel, kind=kind, **kwargs):
            used[kind] += 1
            return kernel(*args, **kwargs)

        monkeypatch.setattr(kernels, name, spy)
    steps = 1000
    a = sc.AggregateArray(10**12, seed=11, initial=[0.5, 0.5])
    a.run(sc.Protocol.constant(*bit(2, 1), steps * 1e-10, "w"), 1e-10)
    assert used["pool"] >= 1  # the long run took the pool path
    b = sc.AggregateArray(10**12, seed=11, initial=[0.5, 0.5])
    pool_before = used["pool"]
    for _ in range(10):
        b.run(sc.Protocol.constant(*bit(2, 1), steps // 10 * 1e-10, "w"), 1e-10)
    assert used["pool"] == pool_before and used["serial"] >= 10  # the short ones did not
    assert a.step_count == b.step_count == steps
    np.testing.assert_array_equal(a.counts, b.counts)
    # the same hops; the heat is summed per block, so in another order (round-off only)
    np.testing.assert_allclose(a.ledger.heat["w"], b.ledger.heat["w"], rtol=1e-13)

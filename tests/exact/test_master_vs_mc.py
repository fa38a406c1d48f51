"""Monte Carlo against the exact master equation of the same discretised protocol (4 stderr)."""

import numpy as np
import pytest

import simcore as sc
from tests.conftest import F0, KT, T, bit, chain, erasure, within

N = 100_000


def _compare(result, master, n_sigma=4.0):
    for name in ("work", "heat", "delta_u"):
        est, exact = getattr(result, name), getattr(master, name)
        assert within(est.mean, est.stderr, exact, n_sigma), (name, est, exact)
    for tag, tl in result.by_tag.items():
        mt = master.by_tag[tag]
        assert within(tl.work.mean, tl.work.stderr, mt.work, n_sigma), (tag, tl.work, mt.work)
        assert within(tl.heat.mean, tl.heat.stderr, mt.heat, n_sigma), (tag, tl.heat, mt.heat)
    se = np.sqrt(master.occupancy * (1 - master.occupancy) / result.n_cells)
    # the initial occupancy of a sampled start has its own binomial spread; add it
    se = np.sqrt(se**2 + master.initial_occupancy * (1 - master.initial_occupancy) / result.n_cells)
    assert np.all(np.abs(result.occupancy - master.occupancy) <= n_sigma * se + 1e-12)


def test_erasure_arrhenius():
    p = erasure(40e-9)
    arr = sc.MemoryArray(N, temperature=T, attempt_frequency=F0, seed=1)
    r = arr.run(p, 1e-10, initial="equilibrium")
    m = sc.solve_master(p, 1e-10, T, F0, initial="equilibrium")
    assert m.occupancy[0] > 0.95  # it is an erasure
    assert m.work > KT * np.log(2) * 0.5
    _compare(r, m)


def test_erasure_glauber():
    # glauber cells have no barrier to hold a bit: erase by tilting and keep the tilt
    p = sc.Protocol.ramp(bit(0), bit(0, 8), 20e-9, "erase").hold(5e-9)
    arr = sc.MemoryArray(N, kinetics="glauber", seed=11)
    r = arr.run(p, 1e-10, initial="equilibrium")
    m = sc.solve_master(p, 1e-10, T, F0, "glauber", initial="equilibrium")
    assert m.occupancy[0] > 0.99
    _compare(r, m)


def test_write_by_tilt_with_lowered_barrier():
    p = (
        sc.Protocol.ramp(bit(30), bit(5, -6), 5e-9, "update")
        .hold(10e-9, "update")
        .ramp_to(*bit(30, -6), 5e-9, "update")
        .ramp_to(*bit(30), 2e-9, "hold")
    )
    arr = sc.MemoryArray(N, seed=2)
    r = arr.run(p, 2e-10, initial=0)
    m = sc.solve_master(p, 2e-10, T, F0, initial=0)
    assert m.occupancy[1] > 0.5
    _compare(r, m)


def test_hold_relaxation_from_nonequilibrium_start():
    p = sc.Protocol.constant(*bit(8, 1.5), 200e-9, "hold")
    arr = sc.MemoryArray(N, seed=3)
    r = arr.run(p, 1e-9, initial=[0.2, 0.8], record_history=True)
    m = sc.solve_master(p, 1e-9, T, F0, initial=[0.2, 0.8])
    _compare(r, m)
    se = np.sqrt(m.history[:, 1] * (1 - m.history[:, 1]) / N + 0.16 / N)
    assert np.all(np.abs(r.history[:, 1] - m.history[:, 1]) <= 4 * se)


def test_barrier_ramps_do_no_work():
    p = sc.Protocol.ramp(bit(20, 2), bit(1, 2), 10e-9, "update").ramp_to(*bit(20, 2), 10e-9, "hold")
    arr = sc.MemoryArray(20_000, seed=4)
    r = arr.run(p, 1e-10, initial=[0.5, 0.5], record_per_cell=True)
    assert np.all(r.work.per_cell == 0.0)
    m = sc.solve_master(p, 1e-10, T, F0, initial=[0.5, 0.5])
    assert m.work == 0.0
    assert within(r.heat.mean, r.heat.stderr, m.heat)


@pytest.mark.parametrize("m_levels", [4, 16])
def test_multilevel_chain(m_levels):
    e0, s0 = chain(m_levels, 0.0, 1.0)
    e1, s1 = chain(m_levels, -1.0, 1.0)
    p = sc.Protocol.ramp((e0, s0), (e1, s1), 20e-9, "update").hold(10e-9)
    arr = sc.MemoryArray(50_000, m_levels, seed=5)
    r = arr.run(p, 5e-10, initial="equilibrium")
    m = sc.solve_master(p, 5e-10, T, F0, initial="equilibrium")
    _compare(r, m)


def test_per_cell_tilts_and_attempt_frequencies():
    # two populations with different tilts and attempt frequencies, stepped with per-cell arrays
    n = 40_000
    half = n // 2
    f0 = np.where(np.arange(n) < half, F0, 3 * F0)
    tilt = np.where(np.arange(n) < half, -3.0, 2.0)
    arr = sc.MemoryArray(n, attempt_frequency=f0, seed=6, initial=0)
    dt, steps = 1e-10, 60
    sad = np.full((n, 1), 6 * KT)
    arr.step(np.zeros((n, 2)), sad, dt, "hold", record_per_cell=True)
    for k in range(1, steps + 1):
        e = np.stack([-tilt * KT * k / steps / 2, tilt * KT * k / steps / 2], axis=1)
        arr.step(e, sad, dt, "update", record_per_cell=True)
    res = arr.result()
    for sel, f, t in ((slice(0, half), F0, -3.0), (slice(half, n), 3 * F0, 2.0)):
        p = sc.Protocol.constant(*bit(6, 0), dt, "hold").ramp_to(*bit(6, t), steps * dt, "update")
        m = sc.solve_master(p, dt, T, f, initial=0)
        w = res.work.per_cell[sel]
        assert within(w.mean(), w.std(ddof=1) / np.sqrt(w.size), m.work)
        q = res.heat.per_cell[sel]
        assert within(q.mean(), q.std(ddof=1) / np.sqrt(q.size), m.heat)
        occ = arr.state[sel].mean()
        assert within(occ, np.sqrt(m.occupancy[1] * m.occupancy[0] / w.size), m.occupancy[1])


def test_per_cell_multilevel_steps_match_master():
    # heterogeneous path for M > 2 (exact jumps within the step) against the master equation
    n, m_levels = 20_000, 5
    f0 = np.full(n, F0)
    f0[0] = F0 * 1.0000001  # forces the per-cell path
    arr = sc.MemoryArray(n, m_levels, attempt_frequency=f0, seed=7, initial=2)
    e0, s0 = chain(m_levels, 0.0, 0.5)
    e1, s1 = chain(m_levels, 0.7, 0.5)
    p = sc.Protocol.ramp((e0, s0), (e1, s1), 5e-9, "update").hold(3e-9)
    r = arr.run(p, 5e-10, initial=2)
    m = sc.solve_master(p, 5e-10, T, F0, initial=2)
    _compare(r, m)

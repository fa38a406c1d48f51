"""The exact identities of THEORY.md section 4, on the Monte Carlo engine and the master
equation."""

import numpy as np
import pytest

import simcore as sc
from simcore.landscape import boltzmann, entropy, free_energy
from tests.conftest import F0, KT, T, bit, chain, erasure, within


def _energy_of_states(state, energies):
    return np.asarray(energies)[state.astype(np.int64)]


@pytest.mark.parametrize("m_levels", [2, 5])
def test_first_law_per_cell_to_roundoff(m_levels):
    e0, s0 = chain(m_levels, 0.3, 2.0)
    e1, s1 = chain(m_levels, -0.8, 0.5)
    p = sc.Protocol.ramp((e0, s0), (e1, s1), 10e-9, "update").ramp_to(e0, s0, 7e-9, "erase")
    arr = sc.MemoryArray(20_000, m_levels, seed=1, initial="equilibrium" if False else 0)
    arr.prepare(boltzmann(e0, KT))
    u0 = _energy_of_states(arr.state, e0)
    r = arr.run(p, 3e-10, record_per_cell=True)
    u1 = _energy_of_states(arr.state, e0)
    residual = (u1 - u0) - (r.work.per_cell - r.heat.per_cell)
    scale = np.abs(r.work.per_cell).max() + np.abs(r.heat.per_cell).max()
    n_steps = r.n_steps
    assert np.max(np.abs(residual)) <= 4 * n_steps * np.finfo(float).eps * scale


def test_first_law_per_cell_heterogeneous_steps():
    n = 5000
    rs = np.random.default_rng(2)
    arr = sc.MemoryArray(n, attempt_frequency=F0 * rs.lognormal(0, 1, n), seed=2)
    e_first = rs.normal(0, KT, (n, 2))
    arr.step(e_first, np.full((n, 1), 3 * KT), 1e-9, "hold", record_per_cell=True)
    u0 = e_first[np.arange(n), 0]
    e = e_first
    for _ in range(30):
        e = e + rs.normal(0, 0.3 * KT, (n, 2))
        arr.step(e, np.full((n, 1), 2 * KT), 1e-9, "update", record_per_cell=True)
    u1 = e[np.arange(n), arr.state.astype(int)]
    res = arr.result()
    np.testing.assert_allclose(u1 - u0, res.work.per_cell - res.heat.per_cell, atol=1e-12 * KT)


@pytest.mark.parametrize("kinetics", ["arrhenius", "glauber"])
def test_frozen_landscape_relaxes_to_boltzmann(kinetics):
    e, s = chain(4, -0.7, 1.0)
    p = sc.Protocol.constant(e, s, 1e-6, "hold")
    m = sc.solve_master(p, 1e-7, T, F0, kinetics, initial=0)
    pi = boltzmann(e, KT)
    np.testing.assert_allclose(m.occupancy, pi, rtol=1e-10)
    n = 200_000
    arr = sc.MemoryArray(n, 4, kinetics=kinetics, seed=3)
    r = arr.run(p, 1e-7, initial=0)
    assert np.all(np.abs(r.occupancy - pi) <= 4 * np.sqrt(pi * (1 - pi) / n))


def test_bit_relaxation_closed_form():
    e, s = bit(5, 1.2)
    up, down = sc.pair_rates(e, s, KT, F0)
    r_rate = up[0] + down[0]
    pi1 = up[0] / r_rate
    p = sc.Protocol.constant(e, s, 5 / r_rate, "hold")
    dt = 0.05 / r_rate
    m = sc.solve_master(p, dt, T, F0, initial=1)
    closed = pi1 + (1 - pi1) * np.exp(-r_rate * m.times)
    np.testing.assert_allclose(m.history[:, 1], closed, rtol=1e-12)
    # the symmetric pair relaxes at twice the one-way escape rate
    e_sym, s_sym = bit(5)
    up_s, _ = sc.pair_rates(e_sym, s_sym, KT, F0)
    m_sym = sc.solve_master(
        sc.Protocol.constant(e_sym, s_sym, 1e-6, "hold"), 1e-8, T, F0, initial=1
    )
    np.testing.assert_allclose(
        m_sym.history[:, 1], 0.5 + 0.5 * np.exp(-2 * up_s[0] * m_sym.times), rtol=1e-12
    )
    n = 100_000
    arr = sc.MemoryArray(n, seed=4, initial=1)
    mc = arr.run(p, dt, record_history=True)
    se = np.sqrt(closed * (1 - closed) / n)
    assert np.all(np.abs(mc.history[:, 1] - closed) <= 4 * se + 1e-12)


def test_second_law_and_heat_form():
    rs = np.random.default_rng(5)
    for trial in range(20):
        knots = np.cumsum(rs.uniform(1e-9, 2e-8, 4))
        e = rs.normal(0, 3 * KT, (5, 3))
        s = np.maximum(e[:, :-1], e[:, 1:]) + rs.uniform(0, 5 * KT, (5, 2))
        p = sc.Protocol(np.concatenate([[0], knots]), e, s, "update")
        p0 = rs.dirichlet(np.ones(3))
        m = sc.solve_master(p, 1e-9, T, F0, initial=p0)
        assert m.work >= m.delta_f_neq - 1e-12 * KT, trial
        assert m.entropy_production >= -1e-12
    # cycle (ΔU = 0 needs equal end energies): heat >= kT ΔH
    p = erasure(30e-9)
    m = sc.solve_master(p, 1e-10, T, F0, initial=[0.5, 0.5])
    assert m.heat >= KT * (entropy(m.initial_occupancy) - entropy(m.occupancy)) - 1e-12 * KT


def test_jarzynski_per_cell():
    # small dissipation so exp(-W/kT) has a well-behaved variance
    p = sc.Protocol.ramp(bit(2, 0), bit(2, 1.5), 6e-9, "update").ramp_to(*bit(1, 2.5), 4e-9)
    n = 200_000
    arr = sc.MemoryArray(n, seed=6)
    r = arr.run(p, 2e-10, initial="equilibrium", record_per_cell=True)
    x = np.exp(-r.work.per_cell / KT)
    expected = np.exp(-(free_energy(p.end[0], KT) - free_energy(p.start[0], KT)) / KT)
    assert within(x.mean(), x.std(ddof=1) / np.sqrt(n), expected, roundoff=0.0)
    # and not trivially: the mean work exceeds ΔF by many standard errors
    d_f = free_energy(p.end[0], KT) - free_energy(p.start[0], KT)
    assert r.work.mean - d_f > 10 * r.work.stderr


def test_moving_saddles_only_does_no_work_multilevel():
    e, s_lo = chain(6, 0.4, 0.2)
    _, s_hi = chain(6, 0.4, 9.0)
    p = sc.Protocol.ramp((e, s_hi), (e, s_lo), 5e-9, "update").ramp_to(e, s_hi, 5e-9)
    arr = sc.MemoryArray(10_000, 6, seed=7)
    r = arr.run(p, 1e-10, initial=[0.5, 0, 0, 0, 0, 0.5], record_per_cell=True)
    assert np.all(r.work.per_cell == 0.0)
    assert sc.solve_master(p, 1e-10, T, F0, initial=0).work == 0.0

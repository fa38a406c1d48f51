"""Rates obey detailed balance; barriers set speed, never equilibrium; probabilities stay in
[0, 1]."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import simcore as sc
from simcore.landscape import kinetics_code
from simcore.propagator import bit_flip_probabilities, level_propagator
from tests.conftest import F0, KT

energy = st.floats(-30.0, 30.0)


@settings(max_examples=200, deadline=None)
@given(e0=energy, e1=energy, s=energy, kinetics=st.sampled_from(["arrhenius", "glauber"]))
def test_detailed_balance(e0, e1, s, kinetics):
    up, down = sc.pair_rates(np.array([e0, e1]) * KT, np.array([s]) * KT, KT, F0, kinetics)
    np.testing.assert_allclose(up[0] / down[0], np.exp(-(e1 - e0)), rtol=1e-9)


@settings(max_examples=100, deadline=None)
@given(e0=energy, e1=energy, s=st.floats(0, 30), ds=st.floats(0.01, 10))
def test_rates_fall_as_barrier_rises(e0, e1, s, ds):
    top = max(e0, e1)
    e = np.array([e0, e1]) * KT
    lo = sc.pair_rates(e, np.array([top + s]) * KT, KT, F0)
    hi = sc.pair_rates(e, np.array([top + s + ds]) * KT, KT, F0)
    assert hi[0][0] < lo[0][0] and hi[1][0] < lo[1][0]


@settings(max_examples=100, deadline=None)
@given(
    e=st.lists(energy, min_size=2, max_size=6),
    barrier=st.floats(0, 40),
    log_dt=st.floats(-15, 3),
    kinetics=st.sampled_from(["arrhenius", "glauber"]),
)
def test_propagator_is_a_stochastic_matrix(e, barrier, log_dt, kinetics):
    e = np.array(e) * KT
    s = np.maximum(e[:-1], e[1:]) + barrier * KT
    m = e.size
    p = np.empty((m, m))
    dt = 10.0**log_dt
    if m == 2:
        p01, p10 = bit_flip_probabilities(e[0], e[1], s[0], KT, F0, kinetics_code(kinetics), dt)
        assert 0 <= p01 <= 1 and 0 <= p10 <= 1
    level_propagator(e, s, KT, F0, kinetics_code(kinetics), dt, p)
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)


def test_rare_transitions_keep_relative_precision():
    # three levels, short step: P(0 -> 2) = k01 k12 dt^2 / 2 to leading order, ~1e-30 here
    e = np.array([0.0, 0.0, 0.0])
    s = np.array([20.0, 20.0]) * KT
    k = F0 * np.exp(-20.0)
    dt = 1e-9
    p = np.empty((3, 3))
    level_propagator(e, s, KT, F0, 0, dt, p)
    np.testing.assert_allclose(p[0, 2], (k * dt) ** 2 / 2, rtol=1e-6)
    np.testing.assert_allclose(p[0, 1], k * dt, rtol=1e-6)


def test_glauber_rate_is_total_pair_rate():
    up, down = sc.pair_rates(np.array([0.0, 1.3 * KT]), np.array([0.0]), KT, 2e9, "glauber")
    np.testing.assert_allclose(up + down, 2e9)


def test_thermodynamic_helpers():
    e = np.array([0.0, 1.0]) * KT
    pi = sc.boltzmann(e, KT)
    np.testing.assert_allclose(pi, [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))])
    np.testing.assert_allclose(sc.free_energy(e, KT), -KT * np.log(1 + np.exp(-1)))
    np.testing.assert_allclose(sc.nonequilibrium_free_energy(pi, e, KT), sc.free_energy(e, KT))
    np.testing.assert_allclose(sc.entropy([0.5, 0.5]), np.log(2))
    assert np.isclose(sc.kT(300.0), 4.1419e-21, rtol=1e-4)

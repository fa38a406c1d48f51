"""Closed forms and identities of ``simcore.bounds``, and the errors it raises."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simcore as sc
from simcore import bounds

T = 300.0
KT = sc.kT(T)
F0 = 1e9


def test_landauer_limits_and_symmetry():
    assert bounds.landauer_erasure(1.0, T) == pytest.approx(KT * math.log(2), rel=1e-15)
    assert bounds.landauer_erasure(0.5, T) == pytest.approx(0.0, abs=1e-30)
    p = np.array([0.6, 0.9, 0.999])
    np.testing.assert_allclose(bounds.landauer_erasure(p, T), bounds.landauer_erasure(1 - p, T))


def test_second_law_is_free_energy_difference():
    e0, e1 = np.array([0.0, 0.0]), np.array([-KT, 2 * KT])
    p0, p1 = np.array([0.5, 0.5]), sc.boltzmann(e1, KT)
    expected = sc.free_energy(e1, KT) - (-KT * math.log(2))
    assert bounds.second_law(p0, p1, e0, e1, T) == pytest.approx(expected, rel=1e-12)


def test_speed_limit_value():
    assert bounds.speed_limit([1, 0], [0, 1], 4.0, T) == pytest.approx(KT * 4 / 8)


def test_retention_numbers_from_theory():
    ten_years = 10 * sc.YEAR
    e_b = bounds.retention_barrier(ten_years, 1 - 1 / math.e, F0, T)
    assert e_b / KT == pytest.approx(math.log(F0 * ten_years), rel=1e-12)
    assert e_b / KT == pytest.approx(40.29, abs=0.01)
    for n in (1, 1000, 1e9):
        b = bounds.retention_barrier(ten_years, 1e-3, F0, T, n_cells=n)
        back = bounds.retention_time(b, 1e-3, F0, T, n_cells=n)
        assert back == pytest.approx(ten_years, rel=1e-12)
        failure = bounds.retention_error(b, ten_years, F0, T, n_cells=n)
        assert failure == pytest.approx(1e-3, rel=1e-9)
    # more cells need a higher barrier, by about kT ln N for small errors
    b1 = bounds.retention_barrier(ten_years, 1e-3, F0, T)
    b2 = bounds.retention_barrier(ten_years, 1e-3, F0, T, n_cells=1e6)
    assert (b2 - b1) / KT == pytest.approx(math.log(1e6), abs=1e-3)


def test_friction_tensor_matches_two_level_closed_form():
    for kinetics in ("arrhenius", "glauber"):
        for tilt in (-3.0, 0.0, 1.5):
            e, s = sc.bit_landscape(2 * KT, tilt * KT)
            zeta = bounds.friction(e, s, T, F0, kinetics)
            z_bit = bounds.bit_friction(tilt * KT, T, F0, kinetics, 2 * KT)
            # tilt moves E1 by +1/2 and E0 by -1/2: ζ_tilt = v^T ζ v with v = (-1/2, 1/2)
            v = np.array([-0.5, 0.5])
            assert v @ zeta @ v == pytest.approx(z_bit, rel=1e-10)
            np.testing.assert_allclose(zeta @ np.ones(2), 0.0, atol=1e-12 * abs(z_bit))


def test_friction_tensor_m_level_properties():
    e = np.array([0.0, 1.0, -0.5, 2.0]) * KT
    s = np.array([3.0, 2.5, 4.0]) * KT
    zeta = bounds.friction(e, s, T, F0, "arrhenius")
    np.testing.assert_allclose(zeta, zeta.T, rtol=1e-12)
    w = np.linalg.eigvalsh(zeta)
    assert w.min() > -1e-12 * w.max()
    np.testing.assert_allclose(zeta @ np.ones(4), 0.0, atol=1e-10 * w.max())


def test_glauber_length_integral_matches_closed_form():
    protocol = bounds.geodesic_erasure_protocol(1e-3, 1e-6, T, F0, n_knots=513)
    numeric = bounds.thermodynamic_length(protocol, T, F0, "glauber", n_points=4097)
    closed = bounds.glauber_bit_length(0.5, 1e-3, F0, T)
    assert numeric == pytest.approx(closed, rel=1e-4)
    excess = bounds.slow_driving_excess(protocol, T, F0, "glauber", n_points=4097)
    # along the geodesic the slow-driving excess is L²/τ (constant speed)
    assert excess == pytest.approx(closed**2 / 1e-6, rel=2e-4)
    assert bounds.geodesic_erasure_excess(1e-3, 1e-6, F0, T) == pytest.approx(closed**2 / 1e-6)
    small = bounds.geodesic_erasure_excess(1e-12, 1.0, 1.0, T)
    assert small == pytest.approx(math.pi**2 / 4 * KT, rel=1e-5)


def test_arrhenius_geodesic_has_constant_speed():
    p = bounds.geodesic_bit_protocol(0.5, 0.01, 1e-6, T, F0, "arrhenius", 0.0, n_knots=129)
    e = p.energies
    tilt = e[:, 1] - e[:, 0]
    root = np.sqrt(bounds.bit_friction(0.5 * (tilt[1:] + tilt[:-1]), T, F0, "arrhenius", 0.0))
    speed = root * np.abs(np.diff(tilt))
    assert speed.std() / speed.mean() < 1e-3
    assert sc.boltzmann(e[-1], KT)[1] == pytest.approx(0.01, rel=1e-12)


def test_static_write_tilt_estimate_and_exact():
    e_b = 40 * KT
    tilt = bounds.static_write_tilt(e_b, 1e-8, 1e-3, F0, T)
    e_w = bounds.write_barrier(1e-8, 1e-3, F0, T)
    assert tilt == pytest.approx(e_b - e_w)
    exact = bounds.static_write_tilt(e_b, 1e-8, 1e-3, F0, T, exact=True)
    assert bounds.static_write_error(exact, e_b, 1e-8, F0, T) == pytest.approx(1e-3, rel=1e-8)
    assert abs(exact - tilt) < 1e-3 * KT
    # a low barrier is written by the equilibrium condition alone
    low = bounds.static_write_tilt(0.0, 1.0, 1e-3, F0, T)
    assert low == pytest.approx(KT * math.log(999))
    assert bounds.static_write_cost(e_b, 1e-8, 1e-3, F0, T) == pytest.approx(tilt * (1 - 1e-3))


def test_raise_error_limits():
    k = bounds.escape_rate(10 * KT, F0, T)
    flat = bounds.raise_error(10 * KT, 10 * KT, 1e-6, F0, T)
    assert flat == pytest.approx(-math.expm1(-k * 1e-6))
    rising = bounds.raise_error(10 * KT, 20 * KT, 1e-6, F0, T)
    assert 0 < rising < bounds.raise_error(10 * KT, 10 * KT, 1e-6, F0, T)


def test_energy_to_solution_structure():
    common = dict(ops=1e7, n_params=1e4, schedule="inverse", precision=8)
    out = {a: bounds.energy_to_solution(a, **common) for a in bounds.ARCHITECTURES}
    for r in out.values():
        assert r.total == pytest.approx(r.update + r.consolidation + r.hold)
        assert r.landauer == pytest.approx(1e7 * 8 * KT * math.log(2))
        assert r.hardware == pytest.approx(1e7 * bounds.HARDWARE_ENERGY_PER_OP)
        assert r.n_iterations == 1000 and r.bits == 8
    assert out["ideal"].total < out["matched"].total < out["static"].total
    assert out["ideal"].consolidation == 0.0 and out["ideal"].hold == 0.0
    # the ideal optimiser pays Landauer plus the geodesic excess per changed bit
    per_bit = bounds.landauer_erasure(1 - 2.0**-8, T) + bounds.geodesic_erasure_excess(
        2.0**-8, 1e-8, F0, T)
    assert out["ideal"].update == pytest.approx(out["ideal"].changed_bits * per_bit)
    # precision as a resolution
    assert bounds.energy_to_solution("static", precision=1e-3, ops=1e4, n_params=10).bits == 10
    hw = bounds.energy_to_solution("static", hardware_energy_per_op=2e-12, **common).hardware
    assert hw == pytest.approx(2e-5)


def test_energy_to_solution_iteration_count():
    # 1e28 // 1e15 is 10^13 - 1 in floating point; the quotient within 1e-12 of an integer counts
    assert bounds.energy_to_solution("ideal", 1e28, 1e15).n_iterations == 10**13
    assert bounds.energy_to_solution("ideal", 10**28, 10**15).n_iterations == 10**13
    assert bounds.energy_to_solution("ideal", 10**28 - 1, 10**15).n_iterations == 10**13 - 1
    assert bounds.energy_to_solution("ideal", 2.5e4, 1e4).n_iterations == 2
    with pytest.raises(sc.ParameterError):
        bounds.energy_to_solution("ideal", 2.0**54, 1)


@pytest.mark.parametrize("schedule", bounds.SCHEDULES)
def test_schedule_index_inverts_the_log_activity(schedule):
    n = np.array([1.0, 37.5, 1e6, 1e13])
    la = bounds.log_schedule_activity(n, schedule, 1e3)
    np.testing.assert_allclose(np.exp(la), bounds.schedule_activity(n, schedule, 1e3),
                               rtol=1e-12)
    np.testing.assert_allclose(bounds.schedule_index(la, schedule, 1e3), n, rtol=1e-9)


def test_matched_kinks_where_the_barrier_meets_the_cap():
    cap = 30 * KT
    (n,) = bounds.matched_kinks(10**6, "exponential", 1e3, 1e-8, 1e-3, F0, T, cap)
    assert bounds.matched_barrier(n, "exponential", 1e3, 1e-8, 1e-3, F0, T) == pytest.approx(cap)
    assert bounds.matched_kinks(10, "exponential", 1e3, 1e-8, 1e-3, F0, T, cap) == []


def test_matched_barrier_follows_log_schedule():
    e0 = bounds.retention_barrier(1e-9, 1e-3, F0, T)
    n = np.array([0.0, 10.0, 100.0])
    got = bounds.matched_barrier(n, "inverse", 10.0, 1e-9, 1e-3, F0, T)
    np.testing.assert_allclose(got, e0 + KT * np.log1p(n / 10.0), rtol=1e-12)
    got = bounds.matched_barrier(n, "exponential", 10.0, 1e-9, 1e-3, F0, T)
    np.testing.assert_allclose(got, e0 + KT * n / 10.0, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: bounds.landauer_erasure(1.5, T), "success_probability"),
        (lambda: bounds.landauer_erasure(0.9, -1.0), "temperature"),
        (lambda: bounds.speed_limit([1, 0], [0, 1], 0.0, T), "activity"),
        (lambda: bounds.speed_limit([1, 0.2], [0, 1], 1.0, T), "p_initial"),
        (lambda: bounds.retention_barrier(1.0, 0.0, F0, T), "error"),
        (lambda: bounds.retention_barrier(1.0, 0.1, F0, T, n_cells=0), "n_cells"),
        (lambda: bounds.retention_barrier(-1.0, 0.1, F0, T), "hold_time"),
        (lambda: bounds.retention_time(40 * KT, 0.1, -F0, T), "attempt_frequency"),
        (lambda: bounds.static_write_cost(40 * KT, 0.0, 0.1, F0, T), "write_time"),
        (lambda: bounds.geodesic_erasure_excess(1.0, 1.0, 1.0, T), "p_end"),
        (lambda: bounds.geodesic_erasure_excess(0.1, 0.0, 1.0, T), "duration"),
        (lambda: bounds.geodesic_bit_protocol(0.5, 0.1, 1.0, T, F0, "fermi"), "kinetics"),
        (lambda: bounds.energy_to_solution("brain", 1e4, 10), "architecture"),
        (lambda: bounds.energy_to_solution("static", 1e4, 10, "cosine"), "schedule"),
        (lambda: bounds.energy_to_solution("static", 1, 10), "ops"),
        (lambda: bounds.energy_to_solution("static", 1e4, 10, precision=0), "precision"),
        (lambda: bounds.energy_to_solution("static", 1e4, 10, precision=1.5), "precision"),
        (lambda: bounds.energy_to_solution("static", 1e4, 10, consolidation_interval=0),
         "consolidation_interval"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(sc.ParameterError) as info:
        call()
    assert info.value.name == name


@settings(max_examples=50, deadline=None)
@given(
    hold=st.floats(1e-6, 1e10), err=st.floats(1e-12, 0.9), n=st.floats(1, 1e12),
    f0=st.floats(1e6, 1e12),
)
def test_retention_round_trip(hold, err, n, f0):
    b = bounds.retention_barrier(hold, err, f0, T, n_cells=n)
    assert bounds.retention_time(b, err, f0, T, n_cells=n) == pytest.approx(hold, rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(tilt=st.floats(0, 80), barrier=st.floats(0, 80), tw=st.floats(1e-12, 1e3))
def test_static_write_error_is_a_probability(tilt, barrier, tw):
    p = bounds.static_write_error(tilt * KT, barrier * KT, tw, F0, T)
    assert 0.0 <= p <= 1.0
    # a larger tilt never writes worse
    assert bounds.static_write_error((tilt + 1) * KT, barrier * KT, tw, F0, T) <= p + 1e-15

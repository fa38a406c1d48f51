"""Double well: geometry, the exact two-level reduction, quadrature, and the Langevin kernel
against its slow NumPy twin on the same random numbers."""

import math

import numpy as np
import pytest
from scipy import integrate

from devices import DoubleWell
from devices.double_well import LANGEVIN_DRAWS
from simcore import ParameterError, boltzmann, kT, pair_rates
from simcore.rng import uniform

KT = kT(300.0)


def well(n_kt=5.0):
    return DoubleWell(barrier=n_kt * KT, half_width=1e-9, friction=1e-12)


def test_untilted_landscape_is_the_bit_landscape_and_f0_is_kramers():
    dw = well(10.0)
    e, s = dw.landscape(0.0, 300.0)
    np.testing.assert_allclose(e, [0.0, 0.0], atol=1e-12 * KT)
    np.testing.assert_allclose(s, [10.0 * KT], rtol=1e-12)
    expected = math.sqrt(32.0) * dw.barrier / (2 * math.pi * dw.friction * dw.half_width**2)
    assert dw.attempt_frequency == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("force_fraction", [-0.3, 0.1, 0.5])
def test_engine_rates_of_the_landscape_are_the_kramers_rates(force_fraction):
    dw = well(8.0)
    force = force_fraction * dw.critical_force
    e, s = dw.landscape(force, 300.0)
    up, down = pair_rates(e, s, KT, dw.attempt_frequency)
    k01, k10 = dw.kramers_rates(300.0, force)
    assert up[0] == pytest.approx(k01, rel=1e-10)
    assert down[0] == pytest.approx(k10, rel=1e-10)
    # stationary points are where U' = 0
    for x in dw.stationary_points(force):
        u = x / dw.half_width
        du = 4 * dw.barrier * u * (u * u - 1) / dw.half_width - force
        assert abs(du) < 1e-9 * dw.barrier / dw.half_width


def test_two_level_equilibrium_matches_the_harmonic_well_populations():
    dw = well(12.0)
    force = 0.05 * dw.critical_force
    e, _ = dw.landscape(force, 300.0)
    # continuum: ratio of well partition functions by direct integration
    x = np.linspace(-3e-9, 3e-9, 400_001)
    w = np.exp(-(dw.potential(x, force) - dw.potential(x, force).min()) / KT)
    xb = dw.stationary_points(force)[1]
    p1 = np.trapezoid(w[x > xb], x[x > xb]) / np.trapezoid(w, x)
    # harmonic reduction is exact up to O(kT/E_B) anharmonic corrections (both wells alike)
    assert boltzmann(e, KT)[1] == pytest.approx(p1, rel=2.0 / 12.0)


def test_quadrature_matches_scipy_nested_quad_at_a_low_barrier():
    dw = well(2.0)
    t = dw.mean_first_passage_time(-1e-9, 1e-9, 300.0, 0.1 * dw.critical_force)
    n_b, phi = 2.0, 0.1 * dw.critical_force * 1e-9 / KT

    def bu(u):
        return n_b * (u * u - 1) ** 2 - phi * u

    def inner(y):
        return integrate.quad(lambda z: math.exp(-bu(z)), -np.inf, y, epsabs=0, epsrel=1e-12)[0]

    outer = integrate.quad(lambda y: math.exp(bu(y)) * inner(y), -1.0, 1.0, epsrel=1e-10)[0]
    assert t == pytest.approx(dw.friction * 1e-18 / KT * outer, rel=1e-6)


@pytest.mark.parametrize("n_kt", [5.0, 10.0, 20.0, 40.0])
def test_kramers_is_the_laplace_asymptote_of_the_exact_mfpt(n_kt):
    """T k = 1 + (3/8) kT/E_B + O((kT/E_B)^2) (Laplace corrections, docs/devices.md)."""
    dw = well(n_kt)
    t = dw.mean_first_passage_time(-1e-9, 1e-9, 300.0)
    k01, _ = dw.kramers_rates(300.0)
    eps = 1.0 / n_kt
    rel = t * k01 - 1.0
    assert 0 < rel <= eps  # Kramers within its O(kT/E_B) error, and from below
    assert abs(rel - 0.375 * eps) <= eps**2  # the leading correction is 3/8 kT/E_B


def _naive_first_passage(n_b, phi, u0, u1, ds, max_pairs, seed, n):
    """Slow NumPy twin of the Euler–Maruyama kernel, all particles in lockstep."""
    u = np.full(n, u0)
    steps = np.full(n, -1)
    cells = np.arange(n)
    for j in range(max_pairs):
        a = uniform(seed, j, cells, LANGEVIN_DRAWS[0])
        b = uniform(seed, j, cells, LANGEVIN_DRAWS[1])
        r = np.sqrt(-2.0 * np.log(1.0 - a))
        for z, k in (
            (r * np.cos(2 * np.pi * b), 2 * j + 1),
            (r * np.sin(2 * np.pi * b), 2 * j + 2),
        ):
            live = steps < 0
            u = np.where(live, u - (4 * n_b * u * (u * u - 1) - phi) * ds + np.sqrt(2 * ds) * z, u)
            steps[live & (u >= u1)] = k
        if np.all(steps >= 0):
            break
    return steps


def test_langevin_kernel_matches_its_numpy_twin():
    dw = well(1.0)
    dt = dw.time_unit * 0.05
    times = dw.langevin_first_passage(-1e-9, 1e-9, n_particles=64, dt=dt, seed=7, max_time=1e3 * dt)
    ds = dt * KT / (dw.friction * dw.half_width**2)
    steps = _naive_first_passage(1.0, 0.0, -1.0, 1.0, ds, 500, 7, 64)
    expected = np.where(steps < 0, np.inf, steps * dt)
    assert np.sum(np.isfinite(expected)) > 32
    np.testing.assert_array_equal(times, expected)


def test_langevin_replays_one_particle_and_ignores_batch_size():
    dw = well(2.0)
    a = dw.langevin_first_passage(-1e-9, 1e-9, n_particles=40, seed=3)
    b = dw.langevin_first_passage(-1e-9, 1e-9, n_particles=10, seed=3)
    np.testing.assert_array_equal(a[:10], b)
    assert not np.array_equal(a, dw.langevin_first_passage(-1e-9, 1e-9, n_particles=40, seed=4))


@pytest.mark.parametrize(
    "field, value",
    [("barrier", -1e-21), ("barrier", 0.0), ("friction", -1.0), ("half_width", float("nan"))],
)
def test_bad_parameters_raise_naming_the_parameter(field, value):
    kwargs = {"barrier": KT, "half_width": 1e-9, "friction": 1e-12, field: value}
    with pytest.raises(ParameterError) as err:
        DoubleWell(**kwargs)
    assert err.value.name == field


def test_force_beyond_the_critical_force_is_refused():
    dw = well(5.0)
    with pytest.raises(ParameterError) as err:
        dw.landscape(1.01 * dw.critical_force)
    assert err.value.name == "force"

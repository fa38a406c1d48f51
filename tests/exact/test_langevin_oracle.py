"""The Fokker–Planck (SqRA) oracle against closed forms as its grid is refined: Boltzmann
occupancy, the quasi-static ΔF of a barrier raise (quadrature), the exact mean first-passage
time that ``devices.DoubleWell`` integrates, and Jarzynski's equality for a fast raise."""

import numpy as np
import pytest

import simcore as sc
from devices import DoubleWell
from simcore import fokker_planck as fp
from simcore.langevin import PolynomialProtocol, TabulatedProtocol, quartic_coefficients

KT = sc.kT(300.0)
X0 = 1e-9
ZETA = 1e-12
TW10 = ZETA / (8 * 10 * KT / X0**2)


def _boltzmann_right(protocol, t):
    """P(x > 0) and ⟨x⟩ of the Boltzmann density by quadrature."""
    import scipy.integrate as si

    lo, hi = fp.equilibrium_range(protocol, KT, t, 60.0)
    u0 = protocol.potential(np.linspace(lo, hi, 2001), t).min()

    def w(x):
        return float(np.exp(-(protocol.potential(x, t) - u0) / KT))

    z = sum(si.quad(w, a, b, epsrel=1e-12)[0] for a, b in [(lo, 0.0), (0.0, hi)])
    right = si.quad(w, 0.0, hi, epsrel=1e-12)[0]
    mean = sum(si.quad(lambda x: x * w(x), a, b, epsrel=1e-12)[0] for a, b in
               [(lo, 0.0), (0.0, hi)])
    return right / z, mean / z


def test_relaxation_reaches_boltzmann_and_converges_with_the_grid():
    """An asymmetric, tilted well (a cubic term) held for 10^5 relaxation times from one well:
    the density is the grid's Boltzmann law, whose occupancy and mean converge to quadrature."""
    cubic = np.array([0, 0, 0, 0.3 * KT / X0**3, 0])
    c = quartic_coefficients(3 * KT, X0, 0.5 * KT / X0) + cubic
    p = PolynomialProtocol.constant(c, 1e5 * TW10, "hold")
    right_q, mean_q = _boltzmann_right(p, 0.0)
    errors = []
    for n in (101, 201, 401):
        o = fp.solve_fokker_planck(p, 1e5 * TW10, friction=ZETA, initial=-X0,
                                   grid=(-2.5 * X0, 2.5 * X0, n))
        u = p.potential(o.nodes)
        pi = np.exp(-(u - u.min()) / KT)
        np.testing.assert_allclose(o.density, pi / pi.sum(), rtol=1e-8, atol=1e-14)
        right = o.density[o.nodes > 0].sum() + 0.5 * o.density[o.nodes == 0].sum()
        errors.append((abs(right - right_q), abs(o.mean_position[-1] - mean_q) / X0))
    errors = np.array(errors)
    # the occupancy (a step function of x on the grid) converges at second order; the mean of
    # a smooth, decaying density is a Riemann sum with spectral accuracy
    np.testing.assert_allclose(errors[:-1, 0] / errors[1:, 0], 4.0, rtol=0.05)
    assert errors[-1, 0] < 1e-6
    assert np.all(errors[:, 1] < 1e-9)


def test_quasi_static_barrier_raise_costs_the_free_energy_change():
    """10 -> 82 kT: ΔF ≈ 1.07 kT (the wells narrow; the two-level model books it as free).
    The oracle's mean work approaches ΔF as the raise slows, the excess falling like 1/duration,
    and never below it (second law)."""
    p = PolynomialProtocol.ramp(quartic_coefficients(10 * KT, X0),
                                quartic_coefficients(82 * KT, X0), 1.0)
    d_f = fp.free_energy(p, 1.0) - fp.free_energy(p, 0.0)
    assert d_f / KT == pytest.approx(0.5 * np.log(8.2), abs=0.05)  # harmonic wells: ½ ln(κ'/κ)
    excess = []
    for duration in (20 * TW10, 40 * TW10):
        p = PolynomialProtocol.ramp(quartic_coefficients(10 * KT, X0),
                                    quartic_coefficients(82 * KT, X0), duration)
        o = fp.solve_fokker_planck(p, 0.1 * TW10, friction=ZETA, grid=(-1.8 * X0, 1.8 * X0, 361))
        assert o.delta_f == pytest.approx(d_f, abs=1e-4 * KT)
        excess.append(o.total_work - d_f)
    assert excess[0] > excess[1] > 0
    assert excess[0] / excess[1] == pytest.approx(2.0, rel=0.15)
    assert excess[1] < 0.05 * KT


@pytest.mark.parametrize(("barrier", "tilt"), [(4.0, 0.0), (3.5, 1.0)])
def test_mean_first_passage_time_converges_to_the_exact_integral(barrier, tilt):
    dw = DoubleWell(barrier=barrier * KT, half_width=X0, friction=ZETA)
    force = dw.force_for_tilt(tilt * KT)
    xl, _, xr = dw.stationary_points(force)
    p = PolynomialProtocol.constant(quartic_coefficients(barrier * KT, X0, force), 1.0)
    exact = dw.mean_first_passage_time(xl, X0, force=force, points=400_001)
    errors = []
    for n in (601, 1201, 2401):  # x = X0 is a node of each grid
        t = fp.first_passage_time(p, xl, X0, friction=ZETA, grid=(-3 * X0, 3 * X0, n))
        errors.append(abs(t / exact - 1))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 1e-4
    # and downhill, mirrored
    back = fp.first_passage_time(p, xr, -X0, friction=ZETA, grid=(-3 * X0, 3 * X0, 2401))
    assert back == pytest.approx(dw.mean_first_passage_time(xr, -X0, force=force), rel=1e-3)


def test_jarzynski_for_a_fast_raise_is_exact_on_every_grid():
    p = PolynomialProtocol.ramp(quartic_coefficients(10 * KT, X0),
                                quartic_coefficients(40 * KT, X0), TW10)
    d_f = fp.free_energy(p, TW10) - fp.free_energy(p, 0.0)
    for n in (221, 441):
        o = fp.solve_fokker_planck(p, 0.05 * TW10, friction=ZETA,
                                   grid=(-2.2 * X0, 2.2 * X0, n))
        assert -KT * np.log(o.jarzynski) == pytest.approx(o.delta_f, abs=1e-9 * KT)
        assert o.delta_f == pytest.approx(d_f, abs=1e-6 * KT)
        assert o.total_work > d_f + 0.05 * KT  # a fast raise dissipates
        assert o.total_work - o.total_heat == pytest.approx(
            (o.density @ p.potential(o.nodes, TW10)) - _mean_u0(p, o.nodes), abs=1e-9 * KT)


def _mean_u0(p, nodes):
    u = p.potential(nodes, 0.0)
    w = np.exp(-(u - u.min()) / KT)
    return (w / w.sum()) @ u


def test_tabulated_potential_gives_the_polynomial_result():
    c10, c2 = quartic_coefficients(10 * KT, X0), quartic_coefficients(2 * KT, X0)
    poly = PolynomialProtocol([0, 3 * TW10, 6 * TW10], [c10, c2, c10], ["lower", "raise"])
    xs = np.linspace(-2.5 * X0, 2.5 * X0, 1001)
    tab = TabulatedProtocol(poly.times, xs, [poly.potential(xs, t) for t in poly.times],
                            poly.tags)
    grid = (-2.5 * X0, 2.5 * X0, 241)
    a = fp.solve_fokker_planck(poly, 0.02 * TW10, friction=ZETA, grid=grid)
    b = fp.solve_fokker_planck(tab, 0.02 * TW10, friction=ZETA, grid=grid)
    for tag in ("lower", "raise"):
        assert b.work[tag] == pytest.approx(a.work[tag], abs=1e-6 * KT)


def test_oracle_bad_input():
    p = PolynomialProtocol.constant(quartic_coefficients(4 * KT, X0), TW10)
    with pytest.raises(sc.ParameterError, match="grid"):
        fp.solve_fokker_planck(p, TW10, friction=ZETA, grid=(1.0, 0.0, 10))
    with pytest.raises(sc.ParameterError, match="grid"):
        fp.solve_fokker_planck(p, TW10, friction=ZETA, grid=[0.0, 1.0, 3.0])
    with pytest.raises(sc.ParameterError, match="initial"):
        fp.solve_fokker_planck(p, TW10, friction=ZETA, initial=10 * X0, grid=101)
    with pytest.raises(sc.ParameterError, match="friction"):
        fp.solve_fokker_planck(p, TW10, friction=0.0)
    with pytest.raises(sc.ParameterError, match="target"):
        fp.first_passage_time(p, -X0, -X0, friction=ZETA)

"""``simcore.lim``: the architectures' schedules, writes and raises against the closed forms of
THEORY.md sections 5 and 6, written out here independently of ``simcore.bounds``."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

import simcore as sc
from simcore import bounds, lim
from simcore.master import propagate

T = 300.0
KT = sc.kT(T)
F0 = 1e9
EPS = 1e-3
TAU = 1e-8
RETENTION = 10 * sc.YEAR


def _arch(architecture, **kw):
    args = dict(architecture=architecture, schedule="inverse", scale=10.0, update_time=TAU,
                error=EPS, attempt_frequency=F0, temperature=T, retention=RETENTION,
                n_cells=1e6, consolidation_interval=10)
    args.update(kw)
    return lim.Architecture(**args)


def _retention(t, eps, n=1.0):
    """THEORY 5.4: ``kT ln(f0 t / -ln(1 - ε_c))`` with ``ε_c = 1 - (1 - ε)^{1/N}``."""
    eps_c = -math.expm1(math.log1p(-eps) / n)  # 1 - (1 - ε)^{1/N} without cancellation
    return KT * math.log(F0 * t / -math.log1p(-eps_c))


@pytest.mark.parametrize(("schedule", "closed"), [
    ("inverse", lambda x: math.log(1.0 + x)),
    ("exponential", lambda x: x),
    ("logarithmic", lambda x: math.log(1.0 + x / math.e)),
])
def test_matched_barrier_is_the_retention_barrier_of_the_schedule(schedule, closed):
    """THEORY 6: ``b(n) = E_0 + kT ln(1 + n/n0)`` for the 1/n learning rate (and the other
    schedules' ``-kT ln a_n``), ``E_0`` the retention barrier of one update time, capped at E_L."""
    e0 = _retention(TAU, EPS)
    for n in (0.0, 1.0, 7.5, 300.0):
        got = lim.matched_barrier(n, schedule, 10.0, TAU, EPS, F0, T)
        assert got == pytest.approx(e0 + KT * closed(n / 10.0), rel=1e-13)
    cap = e0 + 5 * KT
    assert lim.matched_barrier(1e6, schedule, 10.0, TAU, EPS, F0, T, cap) == cap
    arch = _arch("matched", schedule=schedule)
    n = np.array([1.0, 30.0, 1e9])
    expected = np.minimum([e0 + KT * closed(x / 10.0) for x in n], _retention(RETENTION, EPS, 1e6))
    np.testing.assert_allclose(arch.barrier(n), expected, rtol=1e-13)
    assert arch.barrier(1e9) == pytest.approx(arch.long_barrier, rel=1e-15)


def test_the_architectures_rest_barriers():
    """Static rests at ``E_S = retention(K τ_u)``, ideal at ``E_L = retention(t, ε, N)``."""
    static, ideal = _arch("static"), _arch("ideal")
    assert static.barrier(5.0) == pytest.approx(_retention(10 * TAU, EPS), rel=1e-13)
    assert ideal.barrier(5.0) == pytest.approx(_retention(RETENTION, EPS, 1e6), rel=1e-12)
    assert np.shape(static.barrier(np.ones(3))) == (3,)
    assert static.kinks(10**6) == [] and ideal.kinks(10**6) == []


def test_tilt_write_is_the_update_wall_of_theory_5_5():
    """At a retention barrier the write tilt is ``E_B - kT ln(f0 τ_w / ln(1/ε))`` (THEORY 5.5), the
    cost per changed bit that tilt times ``1 - ε``, and the write one piece of τ_u."""
    arch = _arch("matched")
    e_b = arch.long_barrier
    tilt = e_b - KT * math.log(F0 * TAU / math.log(1.0 / EPS))
    assert arch.write_tilt(e_b) == pytest.approx(tilt, rel=1e-13)
    assert arch.write_cost(e_b) == pytest.approx(tilt * (1 - EPS), rel=1e-13)
    ((lift, saddle, dt),) = arch.write_pieces(e_b)
    assert (lift, saddle, dt) == pytest.approx((tilt, e_b, TAU), rel=1e-13)
    # a low barrier: the lifted well must still hold at most ε in equilibrium
    low = 2 * KT
    assert arch.write_tilt(low) == pytest.approx(KT * math.log((1 - EPS) / EPS), rel=1e-13)


def test_ideal_write_is_the_geodesic_and_costs_landauer_plus_its_excess():
    """THEORY 5.3: the glauber geodesic is linear in ``arcsin sqrt(p)``; its K pieces end at
    ``kT ln((1-ε)/ε)`` and the barrier returns with the tilt on. The cost is Landauer's
    ``kT[ln 2 + (1-ε) ln(1-ε) + ε ln ε]`` plus ``4 (π/4 - arcsin sqrt ε)² kT/(f0 τ)``."""
    arch = _arch("ideal")
    k = 16
    pieces = arch.write_pieces(arch.long_barrier, k)
    assert len(pieces) == k + 1
    theta = math.pi / 4 + (math.asin(math.sqrt(1 - EPS)) - math.pi / 4) * np.arange(1, k + 1) / k
    p = np.sin(theta) ** 2
    np.testing.assert_allclose([s for s, _, _ in pieces[:-1]], KT * np.log(p / (1 - p)),
                               rtol=1e-11)
    assert all(b == 0.0 and dt == pytest.approx(TAU / k) for _, b, dt in pieces[:-1])
    assert pieces[-1] == (pytest.approx(KT * math.log((1 - EPS) / EPS), rel=1e-14),
                          arch.long_barrier, 0.0)
    landauer = KT * (math.log(2) + (1 - EPS) * math.log(1 - EPS) + EPS * math.log(EPS))
    excess = 4 * (math.pi / 4 - math.asin(math.sqrt(EPS))) ** 2 * KT / (F0 * TAU)
    assert arch.write_cost(arch.long_barrier) == pytest.approx(landauer + excess, rel=1e-12)


def test_raise_pieces_carry_the_hazard_of_the_linear_ramp():
    """THEORY 5.6: the constant pieces of the in-place raise lose, to first passage, exactly what
    the linear ramp loses: ``Σ f0 (τ/P) e^{-B_k/kT} = ∫_0^τ f0 e^{-E(t)/kT} dt`` (quadrature),
    each piece's barrier inside its interval; the raise's cost is those losses rewritten at
    E_L: ``(1 - e^{-hazard}) δ(E_L)(1 - ε)``."""
    arch = _arch("matched")
    start, end = arch.base_barrier, arch.long_barrier
    pieces = arch.raise_pieces(start)
    assert len(pieces) == lim.RAISE_PIECES
    hazard = sum(F0 * dt * math.exp(-b / KT) for b, dt in pieces)
    unit, _ = quad(lambda u: math.exp(-(end - start) * u / KT), 0.0, 1.0, epsabs=0,
                   epsrel=1e-13, points=np.linspace(0, 1, 33)[1:-1], limit=400)
    ramp = F0 * TAU * math.exp(-start / KT) * unit
    assert hazard == pytest.approx(ramp, rel=1e-10)
    edges = np.linspace(start, end, lim.RAISE_PIECES + 1)
    barriers = np.array([b for b, _ in pieces])
    assert np.all((barriers >= edges[:-1]) & (barriers <= edges[1:]))
    cost = -math.expm1(-ramp) * arch.write_tilt(end) * (1 - EPS)
    assert arch.raise_cost(start) == pytest.approx(cost, rel=1e-9)
    assert bounds.ramp_hazard(start, end, TAU, F0, T) == pytest.approx(ramp, rel=1e-10)
    # no rise: constant barrier
    np.testing.assert_allclose(lim.raise_barriers(start, start, T), start, rtol=1e-15)


def test_hold_error_is_the_bit_relaxation_of_the_master_equation():
    """THEORY 4: a symmetric bit relaxes at twice the escape rate, ``(1 - e^{-2kt})/2``; the
    engine's exact propagation of the held bit agrees."""
    barrier = 12 * KT
    t = np.array([1e-4, 1e-3, 1e-2]) / (F0 * math.exp(-12))
    e, s = sc.bit_landscape(barrier, 0.0)
    for ti in t:
        p = propagate([1.0, 0.0], np.stack([e, e]), np.stack([s, s]), [ti], T, F0).occupancy
        assert bounds.hold_error(barrier, ti, F0, T) == pytest.approx(p[1], rel=1e-12)


def test_energy_to_solution_is_built_from_the_architecture():
    """Per changed bit the estimate pays ``Architecture.write_cost`` of the resting barrier: the
    static update wall is ``changed bits × write_cost(E_S)``, the ideal one
    ``changed bits × write_cost(E_L)``; the matched consolidation is ``raise_cost`` of the last
    barrier; ``bounds.energy_to_solution`` is this one."""
    assert bounds.energy_to_solution is lim.energy_to_solution
    kw = dict(update_time=TAU, temperature=T, attempt_frequency=F0, error=EPS,
              retention=RETENTION, consolidation_interval=10, scale=10.0)
    cells = 1000 * 4
    for name, barrier in (("static", "short_barrier"), ("ideal", "long_barrier")):
        est = lim.energy_to_solution(name, 1000 * 50, 1000, "inverse", 4, **kw)
        arch = _arch(name, n_cells=cells)
        assert est.update == pytest.approx(
            est.changed_bits * arch.write_cost(getattr(arch, barrier)), rel=1e-12)
    est = lim.energy_to_solution("matched", 1000 * 50, 1000, "inverse", 4, **kw)
    arch = _arch("matched", n_cells=cells)
    assert est.barrier_final == pytest.approx(arch.barrier(50.0), rel=1e-15)
    assert est.consolidation == pytest.approx(cells * arch.raise_cost(est.barrier_final),
                                              rel=1e-12)


@pytest.mark.parametrize(("kw", "name"), [
    ({"architecture": "hybrid"}, "architecture"),
    ({"schedule": "cosine"}, "schedule"),
    ({"error": 1.0}, "error"),
    ({"update_time": 0.0}, "update_time"),
    ({"consolidation_interval": 0}, "consolidation_interval"),
    ({"scale": -1.0}, "scale"),
])
def test_bad_architectures_name_the_parameter(kw, name):
    args = {"architecture": "matched", **kw}
    with pytest.raises(sc.ParameterError, match=name):
        _arch(**args)


def test_bad_write_and_raise_arguments_name_the_parameter():
    with pytest.raises(sc.ParameterError, match="substeps"):
        lim.geodesic_write_tilts(EPS, 0, T)
    with pytest.raises(sc.ParameterError, match="pieces"):
        lim.raise_barriers(0.0, KT, T, pieces=0)
    with pytest.raises(sc.ParameterError, match="error"):
        lim.ideal_write_cost(0.0, TAU, F0, T)
    with pytest.raises(sc.ParameterError, match="hardware_energy_per_op"):
        lim.energy_to_solution("ideal", 1e6, 1e3, hardware_energy_per_op=-1.0)

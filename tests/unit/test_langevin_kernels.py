"""The continuous engine's kernels against their NumPy twins (bit-identical), across thread
counts, and its input checks; the ziggurat normals against their twin and the normal law."""

import math

import numba
import numpy as np
import pytest
from scipy import stats

import simcore as sc
from simcore.langevin import (
    ParticleArray,
    PolynomialProtocol,
    TabulatedProtocol,
    harmonic_coefficients,
    quartic_coefficients,
)
from simcore.langevin import normal as nm
from simcore.langevin.integrators import BLOCK
from tests import naive_langevin as naive

KT = sc.kT(300.0)
X0 = 1e-9
ZETA = 1e-12
TAU = ZETA / (8 * 4 * KT / X0**2)  # well relaxation time of a 4 kT quartic well
N = BLOCK + 45  # two blocks, the second partial


def _erase_like():
    """Lower the barrier, tilt, raise and untilt (tags), with an instantaneous jump."""
    c = [quartic_coefficients(b * KT, X0, f * KT / X0) for b, f in
         [(4, 0), (1, 0), (1, 2), (4, 2), (4, 0)]]
    p = PolynomialProtocol([0, 5 * TAU, 10 * TAU, 15 * TAU, 20 * TAU], [*c[:4], c[3]],
                           ["erase", "erase", "erase", "hold"])
    return p.then(PolynomialProtocol([0.0, 0.0, 3 * TAU], [c[3], c[4], c[4]], "reset"))


def _tabulated():
    xs = np.linspace(-2.5 * X0, 2.5 * X0, 201)
    p = _erase_like()
    vals = np.array([p.potential(xs, t) for t in p.times])
    return TabulatedProtocol(p.times, xs, vals, p.tags)


@pytest.mark.parametrize("integrator", ["euler", "mala"])
@pytest.mark.parametrize("kind", ["polynomial", "tabulated"])
def test_overdamped_kernel_matches_twin(integrator, kind):
    p = _erase_like() if kind == "polynomial" else _tabulated()
    x0 = np.linspace(-1.5, 1.5, N) * X0
    arr = ParticleArray(N, friction=ZETA, integrator=integrator, seed=7)
    arr.run(p, 0.3 * TAU, initial=x0)  # a first run moves the step counter on
    start = arr.positions.copy()
    r = arr.run(p, 0.3 * TAU)
    step0 = arr.step_count - r.n_steps
    x, w, q, acc = naive.overdamped(p, 0.3 * TAU, start, friction=ZETA, kT=KT, seed=7,
                                    step0=step0, mala=integrator == "mala")
    np.testing.assert_array_equal(r.positions, x)
    names = list(r.work)
    assert names == ["erase", "hold", "reset"]
    for i, t in enumerate(names):
        np.testing.assert_array_equal(r.work[t].per_cell, w[i])
        np.testing.assert_array_equal(r.heat[t].per_cell, q[i])
    assert r.first_law_residual < 1e-9 * KT
    if integrator == "mala":
        assert 0.5 < r.acceptance < 1.0
        moving = np.count_nonzero(p.grid(0.3 * TAU).durations > 0)
        assert r.acceptance == pytest.approx(acc.sum() / (moving * N))


def test_underdamped_kernel_matches_twin():
    p = _erase_like()
    mass = ZETA * TAU  # γ τ = 1: neither limit
    arr = ParticleArray(N, friction=ZETA, mass=mass, seed=3)
    r = arr.run(p, 0.2 * TAU, initial=np.linspace(-1, 1, N) * X0, velocity="maxwell")
    fresh = ParticleArray(N, friction=ZETA, mass=mass, seed=3)
    vstart = fresh.sample_maxwell()
    x, v, w, q = naive.underdamped(p, 0.2 * TAU, np.linspace(-1, 1, N) * X0, vstart,
                                   friction=ZETA, mass=mass, kT=KT, seed=3)
    np.testing.assert_array_equal(r.positions, x)
    np.testing.assert_array_equal(r.velocities, v)
    for i, t in enumerate(r.work):
        np.testing.assert_array_equal(r.work[t].per_cell, w[i])
        np.testing.assert_array_equal(r.heat[t].per_cell, q[i])
    assert r.first_law_residual < 1e-9 * KT


@pytest.mark.parametrize("mass", [None, ZETA * TAU])
def test_same_numbers_for_one_and_two_threads(mass):
    p = _erase_like()
    before = numba.get_num_threads()
    out = []
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            arr = ParticleArray(3 * BLOCK + 5, friction=ZETA, mass=mass, seed=11)
            r = arr.run(p, 0.3 * TAU, initial="equilibrium",
                        velocity=None if mass is None else "maxwell")
            out.append((r.positions, r.total_work.per_cell, r.total_heat.per_cell))
    finally:
        numba.set_num_threads(before)
    for a, b in zip(out[0], out[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_particle_replays_alone():
    """Particle p's numbers are keyed by (seed, step, p): its trajectory does not depend on how
    many particles run with it (the first BLOCK + 3 of a larger array equal a small array)."""
    p = _erase_like()
    big = ParticleArray(2 * BLOCK, friction=ZETA, seed=5).run(p, 0.3 * TAU, initial=0.0)
    small = ParticleArray(BLOCK + 3, friction=ZETA, seed=5).run(p, 0.3 * TAU, initial=0.0)
    np.testing.assert_array_equal(big.positions[: BLOCK + 3], small.positions)


def test_zero_duration_segment_is_pure_work():
    c0, c1 = harmonic_coefficients(1.0), harmonic_coefficients(1.0, 0.5 * X0)
    p = PolynomialProtocol([0.0, 0.0], [c0, c1], "jump")
    r = ParticleArray(50, friction=ZETA, seed=1).run(p, TAU, initial=np.linspace(-1, 1, 50) * X0)
    x = np.linspace(-1, 1, 50) * X0
    np.testing.assert_array_equal(r.positions, x)
    np.testing.assert_allclose(r.work["jump"].per_cell, 0.5 * ((x - 0.5 * X0) ** 2 - x * x),
                               rtol=1e-12, atol=1e-30)
    assert np.all(r.heat["jump"].per_cell == 0.0)


def test_barrier_held_constant_does_no_work():
    c = quartic_coefficients(5 * KT, X0)
    p = PolynomialProtocol.constant(c, 20 * TAU, "hold")
    r = ParticleArray(100, friction=ZETA, seed=2).run(p, 0.5 * TAU, initial="equilibrium")
    assert np.all(r.work["hold"].per_cell == 0.0)


def test_normals_twin_and_rare_paths():
    keys, gammas = nm.slot_streams(9, nm.NOISE_SLOT)
    out = np.empty(100_000)
    nm.normals_into(keys, gammas, np.uint64(9), np.uint64(nm.LANGEVIN_DRAW), 12, out)
    twin = nm.normals_np(9, nm.NOISE_SLOT, 12, np.arange(out.size))
    np.testing.assert_array_equal(out, twin)
    r = sc.rng.uniform_bits(9, 12, np.arange(out.size), nm.LANGEVIN_DRAW)
    idx = (r & np.uint64(255)).astype(np.int64)
    rare = (r >> np.uint64(12)) >= nm.KI[idx]
    assert 200 < rare.sum() < 2000  # about 1 % take the slow path (wedges and tail)
    assert np.any(np.abs(out) > nm.ZIGGURAT_R)  # the tail is reached


def test_ziggurat_tables_are_consistent():
    # every layer has area v: x_i (f(x_{i-1}) - f(x_i)) for the top layer, v for the base
    x1 = nm.WI[1] * 2.0**52
    assert x1 * (1.0 - nm.FI[1]) == pytest.approx(nm.ZIGGURAT_V, rel=1e-9)
    r = nm.ZIGGURAT_R
    tail = math.sqrt(math.pi / 2) * math.erfc(r / math.sqrt(2))
    assert r * math.exp(-r * r / 2) + tail == pytest.approx(nm.ZIGGURAT_V, rel=1e-9)


def test_normals_follow_the_normal_law():
    keys, gammas = nm.slot_streams(2, nm.NOISE_SLOT)
    out = np.empty(400_000)
    nm.normals_into(keys, gammas, np.uint64(2), np.uint64(nm.LANGEVIN_DRAW), 0, out)
    assert stats.kstest(out, "norm").pvalue > 1e-3
    se = 1 / np.sqrt(out.size)
    assert abs(out.mean()) < 4 * se
    assert abs(out.var() - 1) < 4 * np.sqrt(2) * se
    beyond = np.mean(np.abs(out) > 3.0)
    p3 = 2 * stats.norm.sf(3.0)
    assert abs(beyond - p3) < 4 * np.sqrt(p3 / out.size)


def test_bad_input_is_a_parameter_error():
    c = quartic_coefficients(4 * KT, X0)
    p = PolynomialProtocol.constant(c, TAU)
    with pytest.raises(sc.ParameterError, match="n_particles"):
        ParticleArray(0, friction=ZETA)
    with pytest.raises(sc.ParameterError, match="friction"):
        ParticleArray(10, friction=-1.0)
    with pytest.raises(sc.ParameterError, match="integrator"):
        ParticleArray(10, friction=ZETA, integrator="baoab")
    with pytest.raises(sc.ParameterError, match="integrator"):
        ParticleArray(10, friction=ZETA, mass=1e-25, integrator="mala")
    arr = ParticleArray(10, friction=ZETA)
    with pytest.raises(sc.ParameterError, match="initial"):
        arr.run(p, TAU / 10, initial=np.zeros(3))
    with pytest.raises(sc.ParameterError, match="initial"):
        arr.run(p, TAU / 10, initial="boltzmann")
    with pytest.raises(sc.ParameterError, match="velocity"):
        arr.run(p, TAU / 10, velocity=1.0)
    with pytest.raises(sc.ParameterError, match="dt"):
        arr.run(p, 0.0)
    with pytest.raises(sc.ParameterError, match="protocol"):
        arr.run(sc.Protocol.constant([0, 0], [1], 1.0), TAU)
    with pytest.raises(sc.ParameterError, match="coefficients"):
        PolynomialProtocol([0, 1], [[1.0], [1.0]])
    with pytest.raises(sc.ParameterError, match="coefficients"):
        PolynomialProtocol([0, 1], [[1.0, np.nan], [1.0, 2.0]])
    with pytest.raises(sc.ParameterError, match="tags"):
        PolynomialProtocol([0, 1, 2], [c, c, c], ["a"])
    with pytest.raises(sc.ParameterError, match="times"):
        PolynomialProtocol([1, 0], [c, c])
    with pytest.raises(sc.ParameterError, match="positions"):
        TabulatedProtocol([0, 1], [0.0, 1.0, 3.0, 4.0], np.zeros((2, 4)))
    with pytest.raises(sc.ParameterError, match="protocol"):
        sc_eq = PolynomialProtocol.constant([0.0, 1.0], TAU)  # a pure tilt: not confining
        arr.run(sc_eq, TAU / 10, initial="equilibrium")

"""``propagator.to_threshold_bits`` gives exactly ``to_threshold``'s integer, and the kernels'
exponential helpers that avoid float-to-integer conversions give exactly the old values."""

import math

import numpy as np
import pytest

from simcore import expfun
from simcore._jit import jit
from simcore.propagator import to_threshold, to_threshold_bits


@jit
def _both(p, old, new):
    # two separate loops, so each is vectorised as a kernel's loop would be
    for i in range(p.shape[0]):
        old[i] = to_threshold(p[i])
    for i in range(p.shape[0]):
        new[i] = to_threshold_bits(p[i])


def _edge_cases():
    tiny = math.ulp(0.0)
    powers = [math.ldexp(1.0, k) for k in range(-1074, 1024)]
    near = []
    for x in [*powers, 1.0 - 2**-53, 0.5, 0.1, 1 / 3, 2.0**-64, 2.0**-63, 2.0**-11]:
        near += [x, np.nextafter(x, 0.0), np.nextafter(x, np.inf)]
    normal_min = 2.0**-1022
    special = [0.0, -0.0, tiny, 2 * tiny, normal_min, np.nextafter(normal_min, 0.0), 1.0, 2.0]
    special += [1e300, np.finfo(np.float64).max, np.inf, -np.inf, -1.0, -tiny, -1e300]
    return np.array([*special, 0.999999999999, *powers, *near])


def _random_probabilities(rs, n):
    # uniform in [0, 1), log-uniform over the whole double range, and uniform bits (any
    # exponent, sign and mantissa), so every shift count and both signs are met
    bits = rs.integers(0, 2**63, n, dtype=np.int64, endpoint=False).view(np.float64)
    bits = np.where(np.isnan(bits), 0.5, bits)
    signs = np.where(rs.random(n) < 0.1, -1.0, 1.0)
    return np.concatenate([rs.random(n), 10.0 ** rs.uniform(-330, 2, n), signs * bits])


def test_threshold_bits_is_the_same_integer():
    p = np.concatenate([_edge_cases(), _random_probabilities(np.random.default_rng(17), 10**6)])
    old = np.empty(p.size, dtype=np.uint64)
    new = np.empty(p.size, dtype=np.uint64)
    _both(p, old, new)
    np.testing.assert_array_equal(new, old)


@pytest.mark.parametrize(
    "p, expected",
    [
        (0.0, 0),
        (-0.0, 0),
        (-0.5, 0),
        (5e-324, 0),
        (2.0**-64, 1),
        (np.nextafter(2.0**-64, 0.0), 0),
        (2.0**-63 * 1.5, 3),
        (0.5, 2**63),
        (1.0 - 2**-53, 2**64 - 2**11),
        (1.0, 2**64 - 1),
        (np.inf, 2**64 - 1),
        (1e300, 2**64 - 1),
    ],
)
def test_threshold_bits_edge_values(p, expected):
    old = np.empty(1, dtype=np.uint64)
    new = np.empty(1, dtype=np.uint64)
    _both(np.array([p]), old, new)
    assert int(new[0]) == expected == int(old[0])


def test_threshold_bits_is_the_exact_floor():
    # against exact integer arithmetic, for probabilities in (0, 1): floor(p 2^64)
    rs = np.random.default_rng(3)
    p = np.concatenate([rs.random(2000), 10.0 ** rs.uniform(-25, 0, 2000)])
    p = p[(p > 0) & (p < 1)]
    old = np.empty(p.size, dtype=np.uint64)
    new = np.empty(p.size, dtype=np.uint64)
    _both(p, old, new)
    exact = [int(x * 2.0**64) for x in p.tolist()]  # a power-of-two scaling is exact
    assert new.tolist() == exact


@jit
def _pow2s(k_int, out_table, out_integral):
    for i in range(k_int.shape[0]):
        out_table[i] = expfun.pow2(k_int[i])
    for i in range(k_int.shape[0]):
        out_integral[i] = expfun._pow2_integral(np.float64(k_int[i]))


def test_pow2_of_an_integral_float_is_pow2():
    k = np.arange(-1022, 1024, dtype=np.int64)
    a, b = np.empty(k.size), np.empty(k.size)
    _pow2s(k, a, b)
    np.testing.assert_array_equal(b, a)
    np.testing.assert_array_equal(a, [math.ldexp(1.0, int(x)) for x in k])


@jit
def _phis(x, full, series):
    for i in range(x.shape[0]):
        full[i] = expfun.phi(x[i])
    for i in range(x.shape[0]):
        series[i] = expfun.phi_series(x[i])


def test_phi_series_is_phi_below_its_bound():
    rs = np.random.default_rng(5)
    top = expfun.PHI_SERIES_MAX
    x = np.concatenate(
        [[0.0, 5e-324, np.nextafter(top, 0.0)], rs.uniform(0, top, 10**5),
         10.0 ** rs.uniform(-300, -1, 10**5)]
    )
    x = x[x < top]
    full, series = np.empty(x.size), np.empty(x.size)
    _phis(x, full, series)
    # phi is phi_series below the bound by construction; what can fail: the NumPy twin, and the
    # series against an independent form, -expm1(-x)/x (each within 1 ulp: 2 ulp between them)
    np.testing.assert_array_equal(series, expfun.phi_np(x))
    ref = np.where(x > 0, -np.expm1(-x) / np.where(x > 0, x, 1.0), 1.0)
    np.testing.assert_allclose(series, ref, rtol=2 * np.finfo(float).eps, atol=0)
    np.testing.assert_array_equal(full, series)

"""``simcore.series.smooth_sum`` against closed forms and term-by-term sums."""

import math

import numpy as np
import pytest
from scipy.special import digamma

from simcore.series import EXACT_LIMIT, smooth_sum


def _harmonic(scale, last):
    """``Σ_{n=1}^{last} scale/(scale+n) = scale [ψ(scale+last+1) - ψ(scale+1)]``; for large
    arguments by the asymptotic series of ψ with the logarithms combined (no cancellation)."""
    if scale < 1e4:
        return scale * (digamma(scale + last + 1) - digamma(scale + 1))
    a, b = scale + 1.0, scale + last + 1.0
    return scale * (math.log1p(last / a) - (1 / b - 1 / a) / 2 - (1 / b**2 - 1 / a**2) / 12
                    + (1 / b**4 - 1 / a**4) / 120)


@pytest.mark.parametrize("last", [10**7, 10**10, 10**13])
@pytest.mark.parametrize("scale", [10.0, 1e5, 1e11])
def test_harmonic_and_geometric_sums(last, scale):
    v, e = smooth_sum(lambda n: scale / (scale + n), 1, last)
    want = _harmonic(scale, last)
    assert abs(v - want) <= e + 1e-14 * want
    assert e < 1e-13 * want
    v, e = smooth_sum(lambda n: np.exp(-n / scale), 1, last)
    want = math.exp(-1 / scale) * -math.expm1(-last / scale) / -math.expm1(-1 / scale)
    assert abs(v - want) <= e + 1e-14 * want


def test_kinks_are_summed_term_by_term():
    """A summand with a kink (|n - k|) is exact when the kink is declared, not otherwise."""
    k = 1234567.3
    last = 5 * 10**6

    def f(n):
        return np.abs(n - k) ** 1.5

    want = float(np.sum(f(np.arange(1, last + 1, dtype=np.float64))))
    v, e = smooth_sum(f, 1, last, breaks=[k])
    assert abs(v - want) <= e + 1e-13 * want
    assert e < 1e-12 * want


def test_small_ranges_are_exact_and_empty_ranges_zero():
    n = np.arange(5, EXACT_LIMIT + 5, dtype=np.float64)
    v, _ = smooth_sum(np.sqrt, 5, EXACT_LIMIT + 4)
    assert v == pytest.approx(np.sqrt(n).sum(), rel=1e-15)
    assert smooth_sum(np.sqrt, 7, 6) == (0.0, 0.0)
    with pytest.raises(ValueError):
        smooth_sum(np.sqrt, 0, 10)

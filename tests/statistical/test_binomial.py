"""The exact large-count binomial sampler of the aggregated engine."""

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from simcore import binomial, rng

ALPHA = 1e-4


def _draws(n, p, size, seed):
    key, gamma = rng.stream(seed, 2**61)
    return np.array([binomial.sample(n, p, key, gamma, s, 3) for s in range(size)])


@pytest.mark.parametrize(
    "n,p", [(7, 0.3), (40, 0.2), (1000, 0.5), (500, 0.93), (20_000, 0.011), (10**6, 0.2)]
)
def test_chi_square_against_exact_pmf(n, p):
    x = _draws(n, p, 30_000, seed=n)
    k = np.arange(n + 1)
    pmf = stats.binom.pmf(k, n, p)
    keep = pmf * x.size > 5
    observed = np.bincount(x, minlength=n + 1)
    expected = pmf * x.size
    chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    rest_o, rest_e = observed[~keep].sum(), expected[~keep].sum()
    if rest_e > 0:
        chi2 += (rest_o - rest_e) ** 2 / rest_e
    assert stats.chi2.sf(chi2, keep.sum() - (0 if rest_e > 0 else 1)) > ALPHA


@pytest.mark.parametrize("n,p", [(10**12, 0.7), (10**18, 0.3), (10**18, 3e-12), (2**62, 0.5)])
def test_huge_counts_mean_and_variance(n, p):
    x = _draws(n, p, 20_000, seed=17).astype(object)  # exact integer arithmetic
    mean = Fraction(int(sum(x)), len(x))
    var = n * p * (1 - p)
    z = float(mean - Fraction(n) * Fraction(p)) / math.sqrt(var / len(x))
    assert abs(z) < 4
    dev = np.array([float(v - mean) for v in x])
    ratio = dev.var() / var
    assert abs(ratio - 1) < 4 * math.sqrt(2 / len(x))
    # standardised draws are close to normal (Berry-Esseen: skewness / sqrt(npq) is tiny here)
    assert stats.kstest(dev / math.sqrt(var), "norm").pvalue > ALPHA


def _exact_log_ratio(n, p, m, d):
    # log f(m+d)/f(m) as a sum of exact rational factors, each turned into a log1p
    pf, qf = Fraction(p), 1 - Fraction(p)
    terms = []
    for j in range(1, abs(d) + 1):
        if d > 0:
            k = m + j
            r = Fraction(n - k + 1) * pf / (Fraction(k) * qf)
        else:
            k = m - j + 1
            r = Fraction(k) * qf / (Fraction(n - k + 1) * pf)
        terms.append(math.log1p(float(r - 1)))
    return math.fsum(terms)


@pytest.mark.parametrize("n,p", [(10**4, 0.3), (10**9, 0.45), (10**18, 0.3), (10**18, 2e-12)])
def test_log_pmf_ratio_is_accurate(n, p):
    m, r = binomial.centre(n, p)
    assert abs(float(Fraction(n) * Fraction(p) - m) - r) < 1e-12
    sd = math.sqrt(n * p * (1 - p))
    for d in (1, -1, 7, -7, int(min(sd, 3000)), -int(min(sd, 3000))):
        got = binomial.log_pmf_ratio(n, m, r, d, p, 1 - p)
        assert abs(got - _exact_log_ratio(n, p, m, d)) < 1e-9

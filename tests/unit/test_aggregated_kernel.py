"""The aggregated engine's kernel against a plain-Python twin, draw for draw.

The twin spreads the cells of each level with conditional binomials exactly as the kernel's
docstring says, computing each conditional probability where it is used and drawing with
``binomial.sample``; the kernel computes the conditionals once per block for all groups
(``conditionals``) and draws with ``binomial.sample_with``. They must give the same counts.
"""

import math
from fractions import Fraction

import numpy as np
import pytest

from simcore import binomial
from simcore.engine import GroupStreams
from simcore.kernels import aggregated


def twin(counts, probs, keys, gammas, step0):
    g_n, m = counts.shape
    b = probs.shape[0]
    counts = counts.copy()
    after = np.zeros((g_n, b, m), dtype=np.int64)
    changes = np.zeros((g_n, b), dtype=np.int64)
    for g in range(g_n):
        for k in range(b):
            new = np.zeros(m, dtype=np.int64)
            for i in range(m):
                n_rem = int(counts[g, i])
                row = probs[k, i]
                for j in range(m):
                    if j == i or n_rem == 0 or not row[j] > 0.0:
                        continue
                    # the diagonal plus the off-diagonals from j up, summed from the top
                    mass = row[i]
                    for jj in range(m - 1, j - 1, -1):
                        if jj != i:
                            mass += row[jj]
                    c = min(1.0, row[j] / mass)
                    x = int(binomial.sample(n_rem, c, keys[g], gammas[g], step0 + k, i * m + j))
                    new[j] += x
                    n_rem -= x
                    changes[g, k] += x
                new[i] += n_rem
            counts[g] = new
            after[g, k] = new
    return counts, after, changes


@pytest.mark.parametrize("m", [2, 3, 5])
@pytest.mark.parametrize("n", [7, 1000, 10**9, 10**15, 2**62])
def test_counts_block_equals_its_twin(m, n):
    rs = np.random.default_rng(m * 1000 + n % 997)
    g_n, b = 3, 40
    raw = rs.exponential(size=(b, m, m)) * np.exp(rs.uniform(-20, 0, size=(b, m, m)))
    raw[rs.random((b, m, m)) < 0.1] = 0.0  # some transitions impossible
    for i in range(m):
        raw[:, i, i] = rs.uniform(0.0, 2.0, b)
    raw[0, 0] = 0.0
    raw[0, 0, m - 1] = 1.0  # a certain move (conditional probability 1)
    probs = raw / raw.sum(axis=2, keepdims=True)
    counts = np.zeros((g_n, m), dtype=np.int64)
    counts[:, 0] = n // g_n
    counts[0, 0] += n % g_n
    keys = rs.integers(0, 2**63, g_n).astype(np.uint64)
    gammas = keys | np.uint64(1)
    want_counts, want_after, want_changes = twin(counts, probs, keys, gammas, 5)
    for kernel in (aggregated.counts_block, aggregated.counts_block_serial):
        got = counts.copy()
        after = np.empty((g_n, b, m), dtype=np.int64)
        changes = np.empty((g_n, b), dtype=np.int64)
        kernel(got, probs, GroupStreams(keys=keys, gammas=gammas, step=5), after, changes)
        np.testing.assert_array_equal(after, want_after)
        np.testing.assert_array_equal(changes, want_changes)
        np.testing.assert_array_equal(got, want_counts)
        assert (got.sum(axis=1) == counts.sum(axis=1)).all()


def test_log1p_minus_t_near_zero():
    # the series in exact rational arithmetic against the polynomial and the summed loop
    for t in (1e-9, -3e-7, 2.5e-5, -9.99e-4, 9.99e-4, 1.001e-3, -5e-3, 9.9e-3):
        ft = Fraction(t)
        exact = sum((-1) ** (k + 1) * ft**k / k for k in range(2, 40))
        got = binomial._g(t)
        assert abs(got - float(exact)) <= 4e-16 * abs(float(exact)), t
    assert math.isclose(binomial._g(0.5), math.log1p(0.5) - 0.5, rel_tol=1e-15)

"""The optimiser's write oracle gives every write's whole work distribution as its cumulant
generating function ``ln E exp(λ W)`` (issue 16: sharp energy checks): checked against the
explicit sum over level paths, against the oracle's own exact mean and variance, and finite at
every λ of the grid however large λ W is."""

from __future__ import annotations

import itertools

import numpy as np

import simcore as sc
from experiments.lim_optimizer.oracle import LAMBDAS_KT, WriteOracle, v_tilt
from simcore.master import transition_matrices

T, F0 = 300.0, 1e9
KT = sc.kT(T)
M = 4
PIECES = ((3 * KT, 12 * KT, 1e-9), (6 * KT, 8 * KT, 2e-9))
TARGETS = [0, 2]


def _by_paths(target: int, start: int, lam: np.ndarray) -> np.ndarray:
    """ln E exp(λ W) summed over every level path (j1 after piece 1, j2 after piece 2)."""
    e = [v_tilt(M, [target], p[0])[0] for p in PIECES]
    props = [transition_matrices(e[k][None], np.full((1, M - 1), PIECES[k][1]),
                                 np.array([PIECES[k][2]]), T, F0)[0] for k in range(2)]
    total = np.zeros(lam.size)
    for j1, j2 in itertools.product(range(M), repeat=2):
        prob = props[0][start, j1] * props[1][j1, j2]
        work = e[0][start] + (e[1][j1] - e[0][j1]) - e[1][j2]
        total += prob * np.exp(lam * work)
    return np.log(total)


def test_cgf_is_the_sum_over_level_paths():
    oracle = WriteOracle(M, T, F0)
    got = oracle.cgfs(PIECES, TARGETS)
    assert got.shape == (len(TARGETS), M, LAMBDAS_KT.size)
    small = np.abs(LAMBDAS_KT) <= 1.0  # where the plain sum does not overflow
    for u, t in enumerate(TARGETS):
        for start in range(M):
            want = _by_paths(t, start, LAMBDAS_KT[small] / KT)
            np.testing.assert_allclose(got[u, start, small], want, rtol=1e-9, atol=1e-12)


def test_cgf_agrees_with_the_exact_mean_and_variance_and_stays_finite():
    oracle = WriteOracle(M, T, F0)
    mean, second, _ = oracle.tables(PIECES, TARGETS)
    k = oracle.cgfs(PIECES, TARGETS)
    assert np.all(np.isfinite(k))
    i = int(np.flatnonzero(LAMBDAS_KT > 0)[0])  # the smallest λ > 0 and its mirror i - 1
    lam = LAMBDAS_KT[i]
    np.testing.assert_allclose((k[..., i] - k[..., i - 1]) / (2 * lam), mean / KT,
                               rtol=1e-6, atol=1e-8)
    var = (second - mean**2) / KT**2
    np.testing.assert_allclose((k[..., i] + k[..., i - 1]) / lam**2, var, rtol=1e-4, atol=1e-6)
    # at the largest λ, K(λ)/λ tends to the largest work a path can do (J -> kT): never above
    top = k[..., -1] / LAMBDAS_KT[-1]
    assert np.all(top <= oracle.spans(PIECES, TARGETS).max() / KT + mean.max() / KT + 1)

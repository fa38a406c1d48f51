"""The digits objective of ``experiments.lim_learner`` against finite differences, and the
heat oracle against a direct enumeration of one window."""

import numpy as np
import scipy.linalg

from experiments.lim_learner.runs import HeatOracle
from experiments.lim_learner.tasks import Softmax
from tests.conftest import F0, KT, T


def test_softmax_gradient_and_curvature_match_finite_differences():
    rng = np.random.default_rng(31337)
    x = np.hstack([rng.random((40, 5)), np.ones((40, 1))])
    obj = Softmax(x, rng.integers(0, 3, 40), 3, 0.01)
    theta = rng.normal(0, 0.5, (2, obj.n))
    g, h = obj.gradient(theta), obj.curvature(theta)
    eps = 1e-5
    for j in (0, 7, obj.n - 1):
        e = np.zeros(obj.n)
        e[j] = eps
        fp, f0, fm = obj.value(theta + e), obj.value(theta), obj.value(theta - e)
        np.testing.assert_allclose(g[:, j], (fp - fm) / (2 * eps), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(h[:, j], (fp - 2 * f0 + fm) / eps**2, rtol=1e-4, atol=1e-6)


def test_heat_oracle_is_the_exact_conditional_mean_of_one_window():
    e = np.array([[0.0, 1.0, -0.5, 2.0]]) * KT
    s = np.array([[3.0, 2.5, 3.5]]) * KT
    tau = 2.0 / F0
    oracle = HeatOracle(T, F0)
    oracle(np.array([1]), e, s, tau)
    k = np.zeros((4, 4))
    for i in range(3):
        k[i, i + 1] = F0 * np.exp(-(s[0, i] - e[0, i]) / KT)
        k[i + 1, i] = F0 * np.exp(-(s[0, i] - e[0, i + 1]) / KT)
    k -= np.diag(k.sum(axis=1))
    p = scipy.linalg.expm(k * tau)[1]
    q = e[0, 1] - e[0]
    assert abs(oracle.mean - p @ q) <= 1e-12 * KT
    assert abs(oracle.var - (p @ q**2 - (p @ q) ** 2)) <= 1e-12 * KT**2
    assert oracle.span == np.max(np.abs(q - p @ q))

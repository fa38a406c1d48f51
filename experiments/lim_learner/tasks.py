"""The learner's tasks: the optimiser experiment's sparse quadratic programme (same instances) and
multinomial logistic regression on scikit-learn's ``load_digits`` (1797 8x8 images of handwritten
digits, UCI; shipped inside scikit-learn), with the float64 gradient baselines."""

from __future__ import annotations

import numpy as np

from simcore.errors import ParameterError


class Softmax:
    """Mean cross-entropy of a linear softmax classifier plus ``½ λ ‖W‖²`` (problem units).

    ``theta`` (R, K·D) holds R weight matrices W (K, D), row-major; ``x`` (n, D) the features
    (the last a constant 1: the bias), ``y`` (n,) the labels in [0, K).
    """

    def __init__(self, x, y, n_classes: int, l2: float):
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.int64)
        if self.x.ndim != 2 or self.y.shape != (self.x.shape[0],):
            raise ParameterError("x", x, "features (n, D) with labels (n,)")
        self.k, self.d = int(n_classes), self.x.shape[1]
        self.n = self.k * self.d
        self.l2 = float(l2)
        self.onehot = np.eye(self.k)[self.y]
        self.x2 = self.x**2

    def _probs(self, theta):
        w = np.atleast_2d(theta).reshape(-1, self.k, self.d)
        z = np.einsum("nd,rkd->rnk", self.x, w)
        z -= z.max(axis=2, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=2, keepdims=True)
        return w, z, p

    def value(self, theta) -> np.ndarray:
        w, z, _ = self._probs(theta)
        logp = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
        ce = -np.mean(np.sum(self.onehot[None] * logp, axis=2), axis=1)
        return ce + 0.5 * self.l2 * np.sum(w**2, axis=(1, 2))

    def gradient(self, theta) -> np.ndarray:
        w, _, p = self._probs(theta)
        g = np.einsum("rnk,nd->rkd", p - self.onehot[None], self.x) / self.x.shape[0]
        return (g + self.l2 * w).reshape(w.shape[0], -1)

    def curvature(self, theta) -> np.ndarray:
        w, _, p = self._probs(theta)
        h = np.einsum("rnk,nd->rkd", p * (1 - p), self.x2) / self.x.shape[0]
        return (h + self.l2).reshape(w.shape[0], -1)

    def accuracy(self, theta, x, y) -> np.ndarray:
        """Fraction of ``(x, y)`` classified correctly by each row of ``theta``: (R,)."""
        w = np.atleast_2d(theta).reshape(-1, self.k, self.d)
        pred = np.argmax(np.einsum("nd,rkd->rnk", x, w), axis=2)
        return np.mean(pred == np.asarray(y)[None], axis=1)


def digits(rng: np.random.Generator, test_fraction: float):
    """``load_digits`` scaled to [0, 1] with a bias feature, split at random by ``rng``:
    ``(x_train, y_train, x_test, y_test)``."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = np.hstack([data.data / 16.0, np.ones((data.data.shape[0], 1))])
    y = data.target.astype(np.int64)
    order = rng.permutation(x.shape[0])
    n_test = int(np.rint(test_fraction * x.shape[0]))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def float_descent(objective, theta0, iterations, eta0, n0, low, high, rng=None, batch=None):
    """Float64 (stochastic) gradient descent with ``η_n = η0/(1 + n/n0)`` and the parameters
    clipped to ``[low, high]``, the machine's range; with ``batch`` a minibatch of that many
    training samples drawn from ``rng`` per update. Returns the parameters after each iteration,
    (S+1, N)."""
    theta = np.array(theta0, dtype=np.float64)
    out = np.empty((iterations + 1, theta.size))
    out[0] = theta
    full = objective
    for n in range(1, iterations + 1):
        if batch is not None:
            idx = rng.choice(full.x.shape[0], size=batch, replace=False)
            part = Softmax(full.x[idx], full.y[idx], full.k, full.l2)
            g = part.gradient(theta)[0]
        else:
            g = full.gradient(theta)[0]
        theta = np.clip(theta - eta0 / (1.0 + n / n0) * g, low, high)
        out[n] = theta
    return out

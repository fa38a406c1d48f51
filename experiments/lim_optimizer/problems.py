"""The optimiser's problems with exact references: a sparse convex quadratic programme (optimum
known by construction) and Ising instances (ground state by brute force, or planted)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse

from experiments.lim_optimizer.config import BRUTE_FORCE_MAX
from simcore.errors import ParameterError


@dataclass(frozen=True)
class Quadratic:
    """``f(x) = ½ xᵀAx - bᵀx`` with A sparse, symmetric and strictly diagonally dominant
    (``A_ii - Σ_j |A_ij| = 1``, so every eigenvalue is in ``[1, 1 + 2 max_i r_i]``, Gershgorin),
    optimum ``x*`` drawn in ``[-0.9, 0.9]^N``, inside every parameter's range ``[-1, 1]``."""

    matrix: sparse.csr_matrix
    b: np.ndarray
    optimum: np.ndarray
    lipschitz: float

    def objective(self, x):
        return 0.5 * x @ (self.matrix @ x) - self.b @ x


def quadratic_instance(n: int, rng: np.random.Generator, degree: int = 4) -> Quadratic:
    """A random instance of ``n`` parameters with ``degree`` off-diagonal couplings per row,
    drawn from ``rng`` (the run's ``instance`` stream)."""
    if n < 2:
        raise ParameterError("n", n, "at least 2 parameters")
    rows = np.repeat(np.arange(n), degree)
    cols = rng.integers(0, n, rows.size)
    keep = rows != cols
    vals = rng.uniform(-1.0, 1.0, rows.size) / degree
    off = sparse.coo_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    off = 0.5 * (off + off.T)
    r = np.asarray(abs(off).sum(axis=1)).ravel()
    a = (off + sparse.diags(1.0 + r)).tocsr()
    x_star = rng.uniform(-0.9, 0.9, n)
    return Quadratic(a, a @ x_star, x_star, float(np.max(1.0 + 2.0 * r)))


@dataclass(frozen=True)
class Ising:
    """``E(s) = -½ sᵀJs`` with known ground-state energy: brute force (Sherrington–Kirkpatrick
    ±1/√N couplings) up to ``BRUTE_FORCE_MAX`` spins, planted (``J_ij = w_ij ξ_i ξ_j``, w > 0 on a
    random graph, ground state ±ξ) above."""

    couplings: sparse.csr_matrix
    ground_energy: float
    kind: str

    def energy(self, s):
        return -0.5 * s @ (self.couplings @ s)


def _brute_force(j: np.ndarray) -> float:
    n = j.shape[0]
    best = math.inf
    free = n - 1  # s_0 = +1 by the global flip symmetry
    chunk = 1 << min(free, 16)
    for start in range(0, 1 << free, chunk):
        codes = np.arange(start, min(start + chunk, 1 << free))
        s = np.ones((codes.size, n))
        s[:, 1:] = 2.0 * ((codes[:, None] >> np.arange(free)) & 1) - 1.0
        best = min(best, float(np.min(-0.5 * np.einsum("ki,ij,kj->k", s, j, s))))
    return best


def ising_instance(n: int, rng: np.random.Generator, degree: int = 3) -> Ising:
    """An instance of ``n`` spins drawn from ``rng`` (the run's ``instance`` stream): brute force
    up to ``BRUTE_FORCE_MAX`` spins, planted with mean degree ``degree`` above."""
    if n < 2:
        raise ParameterError("n", n, "at least 2 spins")
    if n <= BRUTE_FORCE_MAX:
        upper = np.triu(rng.choice([-1.0, 1.0], (n, n)), 1) / math.sqrt(n)
        j = upper + upper.T
        return Ising(sparse.csr_matrix(j), _brute_force(j), "brute force")
    m = degree * n // 2
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    a, b = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    pairs = np.unique(a * n + b)
    a, b = pairs // n, pairs % n
    w = rng.uniform(0.5, 1.5, a.size)
    xi = rng.choice([-1.0, 1.0], n)
    upper = sparse.coo_matrix((w * xi[a] * xi[b], (a, b)), shape=(n, n))
    return Ising((upper + upper.T).tocsr(), -float(w.sum()), "planted")

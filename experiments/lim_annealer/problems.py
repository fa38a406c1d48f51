"""Ising instances with exact ground states: ±1 spin glasses solved by brute force (N <= 24) and
frustrated-loop instances on a periodic square lattice with a planted ground state (any N).

Planting (I. Hen, J. Job, T. Albash, T. F. Rønnow, M. Troyer and D. A. Lidar, Phys. Rev. A 92,
042325 (2015), doi:10.1103/PhysRevA.92.042325): ``H = Σ_loops H_ℓ`` with
``H_ℓ = -Σ_{(ij) ∈ ℓ} J^ℓ_ij σ_i σ_j``, ``J^ℓ = +1`` on every edge of the loop ℓ but one, which
has ``-1``. The product of a loop's couplings is -1, so every configuration leaves at least one
of its bonds unsatisfied: ``H_ℓ >= -(L_ℓ - 2)``, with equality at ``σ = +1`` (only the ``-1`` bond
broken). All-up minimises every term at once, hence the sum: ``E_0 = -Σ_ℓ (L_ℓ - 2)``. A gauge
``J_ij -> ξ_i ξ_j J_ij`` (ξ = ±1 random) hides the planted state, which becomes ``±ξ``. The
couplings stay integers (a table kernel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse

from simcore.errors import ParameterError

#: Largest instance solved by brute force (2^(N-1) configurations).
BRUTE_FORCE_MAX = 24


@dataclass(frozen=True)
class Instance:
    """``H(σ) = -½ σᵀJσ`` (problem units) with its exact ground-state energy ``ground_energy``;
    ``ground_state`` (N,) int8 one ground state; ``kind`` ``"brute force"`` or ``"planted"``;
    ``loops`` the planted loops' lengths (empty for brute force)."""

    couplings: sparse.csr_matrix
    ground_energy: float
    ground_state: np.ndarray
    kind: str
    loops: np.ndarray

    @property
    def n(self) -> int:
        return self.couplings.shape[0]

    def energy(self, spins) -> np.ndarray:
        """``H`` of each row of ``spins`` (R, N), problem units."""
        s = np.atleast_2d(np.asarray(spins, dtype=np.float64))
        return -0.5 * np.einsum("ri,ri->r", s, (self.couplings @ s.T).T)


def _configurations(n: int, start: int, stop: int) -> np.ndarray:
    """Spins (stop - start, n) of the codes ``start..stop-1`` with ``σ_0 = +1``."""
    codes = np.arange(start, stop, dtype=np.int64)
    s = np.ones((codes.size, n))
    s[:, 1:] = 2.0 * ((codes[:, None] >> np.arange(n - 1)) & 1) - 1.0
    return s


def spectrum(couplings) -> np.ndarray:
    """Energies (2^(N-1),) of every configuration with ``σ_0 = +1`` (the global flip doubles
    each), problem units; N <= 20.

    Raises
    ------
    ParameterError
        For N outside [2, 20].
    """
    j = np.asarray(sparse.csr_matrix(couplings).toarray())
    n = j.shape[0]
    if not 2 <= n <= 20:
        raise ParameterError("couplings", f"N = {n}", "2 <= N <= 20 spins for a spectrum")
    s = _configurations(n, 0, 1 << (n - 1))
    return -0.5 * np.einsum("ki,ki->k", s, s @ j)


def brute_force(couplings) -> tuple[float, np.ndarray]:
    """Exact ground-state energy and one ground state (int8, ``σ_0 = +1``) by enumeration of
    all 2^(N-1) configurations in blocks of 2^16.

    Raises
    ------
    ParameterError
        For N outside [2, ``BRUTE_FORCE_MAX``].
    """
    j = np.asarray(sparse.csr_matrix(couplings).toarray())
    n = j.shape[0]
    if not 2 <= n <= BRUTE_FORCE_MAX:
        raise ParameterError("couplings", f"N = {n}", f"2 <= N <= {BRUTE_FORCE_MAX} spins")
    best, state = math.inf, None
    total = 1 << (n - 1)
    for start in range(0, total, 1 << 16):
        s = _configurations(n, start, min(start + (1 << 16), total))
        e = -0.5 * np.einsum("ki,ki->k", s, s @ j)
        k = int(np.argmin(e))
        if e[k] < best:
            best, state = float(e[k]), s[k].astype(np.int8)
    return best, state


def spin_glass(n: int, rng: np.random.Generator, density: float = 1.0) -> Instance:
    """A ±1 spin glass on ``n`` spins (each pair coupled with probability ``density``, the sign
    fair), ground state by brute force.

    Parameters
    ----------
    n : int
        Spins, in [2, ``BRUTE_FORCE_MAX``].
    rng : numpy.random.Generator
        The instance stream.
    density : float
        Fraction of the pairs coupled, in (0, 1].

    Returns
    -------
    Instance

    Raises
    ------
    ParameterError
        For ``n`` or ``density`` out of range.
    """
    if not 2 <= n <= BRUTE_FORCE_MAX:
        raise ParameterError("n", n, f"2 <= n <= {BRUTE_FORCE_MAX} spins (brute force)")
    if not 0 < density <= 1:
        raise ParameterError("density", density, "in (0, 1]")
    sign = rng.choice([-1.0, 1.0], (n, n))
    keep = rng.random((n, n)) < density
    upper = np.triu(sign * keep, 1)
    j = sparse.csr_matrix(upper + upper.T)
    e0, s0 = brute_force(j)
    return Instance(j, e0, s0, "brute force", np.zeros(0, dtype=np.int64))


def _loop(side: int, start: int, rng: np.random.Generator) -> list[int]:
    """A random walk on the periodic ``side × side`` lattice from ``start`` without immediate
    backtracking, cut at its first revisit: the sites of a simple cycle (length >= 4)."""
    seen = {start: 0}
    path = [start]
    prev = -1
    moves = np.array([[0, 1], [0, -1], [1, 0], [-1, 0]])
    while True:
        r, c = divmod(path[-1], side)
        while True:
            dr, dc = moves[rng.integers(4)]
            nxt = ((r + dr) % side) * side + (c + dc) % side
            if nxt != prev:
                break
        if nxt in seen:
            return path[seen[nxt]:]
        prev = path[-1]
        seen[nxt] = len(path)
        path.append(nxt)


def planted(side: int, rng: np.random.Generator, density: float = 0.5) -> Instance:
    """Frustrated-loop instance on the periodic ``side × side`` lattice (N = side², module
    docstring): ``round(density N)`` loops, gauge-hidden planted ground state.

    Parameters
    ----------
    side : int
        Lattice side, >= 4 (N = side²).
    rng : numpy.random.Generator
        The instance stream.
    density : float
        Loops per spin α, in (0, 4].

    Returns
    -------
    Instance
        With ``ground_energy = -Σ (L_ℓ - 2)`` and ``ground_state = ξ``.

    Raises
    ------
    ParameterError
        For ``side`` or ``density`` out of range.
    """
    if side < 4:
        raise ParameterError("side", side, "a lattice side >= 4")
    if not 0 < density <= 4:
        raise ParameterError("density", density, "loops per spin in (0, 4]")
    n = side * side
    n_loops = max(1, round(density * n))
    rows, cols, vals, lengths = [], [], [], []
    for _ in range(n_loops):
        sites = _loop(side, int(rng.integers(n)), rng)
        a = np.asarray(sites)
        b = np.roll(a, -1)
        v = np.ones(a.size)
        v[rng.integers(a.size)] = -1.0
        rows.append(a)
        cols.append(b)
        vals.append(v)
        lengths.append(a.size)
    a, b, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    xi = rng.choice(np.array([-1, 1], dtype=np.int8), n)
    v = v * xi[a] * xi[b]
    j = sparse.coo_matrix((v, (a, b)), shape=(n, n)).tocsr()
    j = (j + j.T).tocsr()
    j.eliminate_zeros()
    lengths = np.asarray(lengths, dtype=np.int64)
    return Instance(j, -float(np.sum(lengths - 2)), xi, "planted", lengths)

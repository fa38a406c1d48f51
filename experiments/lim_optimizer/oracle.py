"""Exact statistics of the optimiser's writes, from the cell's master equation.

Every write is, given the level the optimiser read, an open-loop protocol on one cell, so its
exact mean work, second moment, cumulant generating function ``ln E exp(λW)`` on the grid
``LAMBDAS_KT`` (the whole work distribution, in the form a Chernoff bound of a sum of writes
needs: ``experiments.checks.chernoff_check``), final distribution and a rigorous lower bound
``ΔF_neq + kT L1²/(2 𝒜_cap)`` (second law with the Shiraishi–Funo–Saito speed limit, PRL 121,
070601 (2018), doi:10.1103/PhysRevLett.121.070601) follow from the exact one-step propagators of
``simcore.master.transition_matrices``.
"""

from __future__ import annotations

import numpy as np

import simcore as sc
from simcore.master import transition_matrices

#: The grid of λ (per kT) on which every write's cumulant generating function is given: 25
#: log-spaced values per sign over 1e-4 .. 1e2 per kT (four per decade: a Chernoff tolerance
#: taken at the best grid point is within about 4 % of the one at the best λ).
LAMBDAS_KT = np.concatenate([-np.geomspace(1e-4, 1e2, 25)[::-1], np.geomspace(1e-4, 1e2, 25)])


def v_tilt(n_levels: int, targets, slope) -> np.ndarray:
    """Well energies (J) that lift level i by ``slope·|i - target|``: (len(targets), M)."""
    i = np.arange(n_levels)
    return np.abs(i[None, :] - np.asarray(targets)[:, None]) * float(slope)


class WriteOracle:
    """Exact statistics of one write, given the level read before it: the cell starts in level ℓ
    of the rest landscape (flat wells), goes through ``pieces`` ``(slope, saddle, dt)`` of
    v-tilted landscapes towards ``target`` and drops back to flat wells. For every ℓ: mean work,
    second moment, and the rigorous bound ``ΔF_neq + kT L1²/(2 𝒜_cap)`` with
    ``ΔF_neq = -kT H(p_final)`` (flat wells at both ends) and ``𝒜_cap = Σ dt max_i R_i``.

    Parameters
    ----------
    n_levels : int
        Levels M of the cell.
    temperature : float
        T (K).
    attempt_frequency : float
        f0 (Hz, arrhenius).
    """

    def __init__(self, n_levels, temperature, attempt_frequency):
        self.m = n_levels
        self.temperature = temperature
        self.kT = sc.kT(temperature)
        self.f0 = attempt_frequency
        self._cache: dict = {}

    def tables(self, pieces, targets):
        """``(mean, second moment, bound)``, each (len(targets), M) in J / J² / J: row u for a
        write towards ``targets[u]``, column ℓ for the level read before it."""
        rows = self._rows(pieces, targets)
        return tuple(np.stack([r[k] for r in rows]) for k in range(3))

    def cgfs(self, pieces, targets) -> np.ndarray:
        """Cumulant generating functions ``ln E[exp(λ W)]`` of the work W of one write towards
        each of ``targets``, for each level ℓ read before it, at ``λ = LAMBDAS_KT / kT``:
        shape (len(targets), M, len(LAMBDAS_KT)), dimensionless. The sum of independent writes
        has the sum of their functions."""
        return np.stack([r[4] for r in self._rows(pieces, targets)])

    def spans(self, pieces, targets) -> np.ndarray:
        """Range (J) the work of one write towards each of ``targets`` can take, whatever
        path the cell follows: ``Σ_pieces (max_i ΔE_i - min_i ΔE_i)`` over the landscape
        changes; shape (len(targets),). A write's work lies within it of its mean."""
        return np.array([r[3] for r in self._rows(pieces, targets)])

    def _rows(self, pieces, targets):
        missing = [int(t) for t in targets if (pieces, int(t)) not in self._cache]
        if missing:
            self._compute(pieces, np.array(missing))
        return [self._cache[(pieces, int(t))] for t in targets]

    def _compute(self, pieces, targets):
        m, kT, k = self.m, self.kT, targets.size
        # m0[u, ℓ, j] = P(level j | start ℓ), m1 = E[W 1{j}], m2 = E[W² 1{j}] (generating
        # function of the work, propagated with the same matrices)
        m0 = np.broadcast_to(np.eye(m), (k, m, m)).copy()
        m1 = np.zeros((k, m, m))
        m2 = np.zeros((k, m, m))
        cap = np.zeros(k)
        span = np.zeros(k)
        e_prev = np.zeros((k, m))
        # E[exp(λ W) 1{j}] = exp(log_g[λ, u, ℓ] + lg[λ, u, ℓ, j]), each row's largest lg kept
        # at 0, so that neither a large nor a small λ W over- or underflows a row
        lam = LAMBDAS_KT / kT
        with np.errstate(divide="ignore"):
            lg = np.broadcast_to(np.log(np.eye(m)), (lam.size, k, m, m)).copy()
        log_g = np.zeros((lam.size, k, m))
        for slope, saddle, dt in (*pieces, (0.0, 0.0, 0.0)):
            e = v_tilt(m, targets, slope)
            de = (e - e_prev)[:, None, :]
            span += np.ptp(de[:, 0, :], axis=1)
            m2 += 2.0 * m1 * de + m0 * de**2
            m1 += m0 * de
            lg += lam[:, None, None, None] * (e - e_prev)[None, :, None, :]  # λ ΔE_j
            top = lg.max(axis=3)
            lg -= top[..., None]
            log_g += top
            if dt > 0:
                s = np.full((k, m - 1), saddle)
                prop = transition_matrices(e, s, np.full(k, dt), self.temperature, self.f0)
                m0, m1, m2 = m0 @ prop, m1 @ prop, m2 @ prop
                with np.errstate(divide="ignore"):
                    lg = np.log(np.maximum(np.exp(lg) @ prop[None], 0.0))
                gen = sc.generator(e, s, kT, self.f0)
                cap += dt * np.max(-np.diagonal(gen, axis1=1, axis2=2), axis=1)
            e_prev = e
        log_g += np.log(np.exp(lg).sum(axis=3))
        p = np.clip(m0, 0.0, 1.0)
        l1 = np.abs(p - np.eye(m)).sum(axis=2)
        bound = -kT * sc.entropy(p) + kT * l1**2 / (2.0 * cap[:, None])
        for i, t in enumerate(targets):
            self._cache[(pieces, int(t))] = (m1[i].sum(axis=1), m2[i].sum(axis=1), bound[i],
                                             float(span[i]), log_g[:, i, :].T.copy())

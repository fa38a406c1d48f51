"""Level and saddle energies, the two kinetics, and rates that obey detailed balance.

A landscape of ``M`` levels is a pair ``(energies (M,), saddles (M-1,))`` in J; ``saddles[i]``
is the saddle between levels ``i`` and ``i+1``. Transitions only connect neighbouring levels.

Kinetics (THEORY.md section 1):

- ``arrhenius`` (Kramers / Néel–Brown): ``k(i->j) = f0 exp(-(S_eff - E_i)/kT)`` with
  ``S_eff = max(S, E_i, E_j)``; see H. A. Kramers, Physica 7, 284 (1940),
  doi:10.1016/S0031-8914(40)90098-2.
- ``glauber`` (constant total pair rate Γ, here the attempt frequency):
  ``k(i->j) = Γ / (1 + exp((E_j - E_i)/kT))``; R. J. Glauber, J. Math. Phys. 4, 294 (1963),
  doi:10.1063/1.1703954.

Both satisfy ``k(i->j)/k(j->i) = exp(-(E_j - E_i)/kT)`` at every instant.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logsumexp

from simcore.errors import ParameterError, finite_array, one_of

KINETICS = ("arrhenius", "glauber")
KINETICS_CODE = {"arrhenius": 0, "glauber": 1}
MAX_LEVELS = 256


def kinetics_code(kinetics: str) -> int:
    """Integer code of a kinetics name, as the kernels use it."""
    return KINETICS_CODE[one_of("kinetics", kinetics, KINETICS)]


def check_levels(n_levels: object) -> int:
    if isinstance(n_levels, bool) or not isinstance(n_levels, int | np.integer):
        raise ParameterError("n_levels", n_levels, f"an integer in [2, {MAX_LEVELS}]")
    if not 2 <= int(n_levels) <= MAX_LEVELS:
        raise ParameterError("n_levels", n_levels, f"an integer in [2, {MAX_LEVELS}]")
    return int(n_levels)


def check_landscape(energies, saddles, n_levels: int, lead: tuple[int, ...] = ()):
    """Validate and return ``(energies, saddles)`` as float64 arrays of shapes
    ``lead + (M,)`` and ``lead + (M-1,)``."""
    e = finite_array("energies", energies, (*lead, n_levels))
    s = finite_array("saddles", saddles, (*lead, n_levels - 1))
    return e, s


def bit_landscape(barrier: float, tilt: float = 0.0):
    """A bit: wells at ``-tilt/2`` (level 0) and ``+tilt/2`` (level 1), saddle at ``barrier``.

    ``barrier`` is measured from the mean of the two wells, in J. Returns ``(energies, saddles)``.
    """
    return np.array([-0.5 * tilt, 0.5 * tilt]), np.array([float(barrier)])


def pair_rates(energies, saddles, kT: float, attempt_frequency, kinetics: str = "arrhenius"):
    """Rates ``(up, down)`` of every neighbouring pair, in 1/s.

    ``up[..., i] = k(i -> i+1)`` and ``down[..., i] = k(i+1 -> i)``; arrays broadcast over
    leading axes (steps or cells); ``attempt_frequency`` broadcasts against ``energies[..., 0]``.
    """
    e = np.asarray(energies, dtype=np.float64)
    s = np.asarray(saddles, dtype=np.float64)
    f0 = np.asarray(attempt_frequency, dtype=np.float64)[..., None]
    lo, hi = e[..., :-1], e[..., 1:]
    code = kinetics_code(kinetics)
    if code == 0:
        s_eff = np.maximum(s, np.maximum(lo, hi))
        return f0 * np.exp(-(s_eff - lo) / kT), f0 * np.exp(-(s_eff - hi) / kT)
    return f0 * expit(-(hi - lo) / kT), f0 * expit(-(lo - hi) / kT)


def generator(energies, saddles, kT: float, attempt_frequency, kinetics: str = "arrhenius"):
    """Rate matrix ``K`` with ``K[..., i, j] = k(i -> j)`` and rows summing to zero (1/s)."""
    up, down = pair_rates(energies, saddles, kT, attempt_frequency, kinetics)
    m = up.shape[-1] + 1
    k = np.zeros((*up.shape[:-1], m, m))
    idx = np.arange(m - 1)
    k[..., idx, idx + 1] = up
    k[..., idx + 1, idx] = down
    k[..., np.arange(m), np.arange(m)] = -k.sum(axis=-1)
    return k


def boltzmann(energies, kT: float):
    """Equilibrium occupancy ``π_i ∝ exp(-E_i/kT)`` over the last axis."""
    x = -np.asarray(energies, dtype=np.float64) / kT
    return np.exp(x - logsumexp(x, axis=-1, keepdims=True))


def free_energy(energies, kT: float):
    """Equilibrium free energy ``F_eq = -kT ln Σ exp(-E_i/kT)`` in J."""
    return -kT * logsumexp(-np.asarray(energies, dtype=np.float64) / kT, axis=-1)


def entropy(p):
    """Shannon entropy ``H(p) = -Σ p ln p`` in nats, over the last axis."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return terms.sum(axis=-1)


def nonequilibrium_free_energy(p, energies, kT: float):
    """``F_neq = Σ p_i E_i - kT H(p)`` in J."""
    return np.sum(np.asarray(p) * np.asarray(energies), axis=-1) - kT * entropy(p)

"""The electrical ledger: energy a device draws from its supply, booked per tag beside the
thermodynamic W and Q.

A device's protocol segment draws power ``P_i`` (W) from its supply while a cell sits in level
``i`` (an MTJ's ``I² R_P`` / ``I² R_AP``, an RRAM's ``V²/R_HRS`` / ``V²/R_LRS``, an FN-DAM
pair's tunnelling ``2 I V``, the same in every level). ``powers`` gives one row ``(M,)`` per
protocol segment; a segment that draws power must hold its landscape constant.

The engine steps a cell by a jump of the landscape (work) and then an exact relaxation over the
step (docs/engine.md). Over a step of ``dt`` in a constant landscape with rate matrix ``R`` the
expected time a cell starting in ``i`` spends in ``j`` is ``T_ij = [∫_0^dt exp(R s) ds]_ij``
(the upper-right block of ``exp([[R, 1], [0, 0]] dt)``, C. Van Loan, IEEE Trans. Autom. Control
23, 395 (1978), doi:10.1109/TAC.1978.1101743), so the step's expected electrical energy from
level ``i`` is ``e_i = Σ_j T_ij P_j``. Booked per tag:

- master: ``Σ_k p(t_k) · e^(k)``, with the master equation's occupancy at each step's start:
  the exact expectation (for a rectangular pulse, the devices' ``write_energy``);
- Monte Carlo: ``Σ_k n(t_k) · e^(k) / N`` with the cells' occupancy at each step's start, the
  conditional expectation of each cell's energy given its level at the start of every step
  (unbiased; summable over tags like W and Q). Its standard error is exact for one step that
  draws power and, for several, the bound ``Σ_k sd_k / sqrt(N)`` (Minkowski: the standard
  deviation of a sum is at most the sum of the standard deviations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError


@dataclass(frozen=True)
class ElectricalTag:
    """Electrical energy of one tag (J per cell): Monte Carlo ``mean`` ± ``stderr`` and the
    master equation's exact ``master``."""

    mean: float
    stderr: float
    master: float


def rate_matrix(energies, saddles, temperature: float, attempt_frequency: float) -> np.ndarray:
    """Generator ``R`` (M, M) (1/s; rows sum to 0) of the chain ``energies`` (M,), ``saddles``
    (M-1,) (J) with Arrhenius rates ``f0 exp(-(S_i - E_j)/kT)`` over saddle i from its wells."""
    kt = thermal_energy(temperature)
    e = np.asarray(energies, dtype=np.float64)
    s = np.asarray(saddles, dtype=np.float64)
    m = e.size
    r = np.zeros((m, m))
    for i in range(m - 1):
        r[i, i + 1] = attempt_frequency * np.exp(-(s[i] - e[i]) / kt)
        r[i + 1, i] = attempt_frequency * np.exp(-(s[i] - e[i + 1]) / kt)
    r[np.diag_indices(m)] = -r.sum(axis=1)
    return r


def time_in_levels(rates: np.ndarray, dt: float) -> np.ndarray:
    """``T = ∫_0^dt exp(R s) ds`` (M, M) in s: expected time in ``j`` from ``i`` (Van Loan)."""
    m = rates.shape[0]
    block = np.zeros((2 * m, 2 * m))
    block[:m, :m] = rates * dt
    block[:m, m:] = np.eye(m) * dt
    return expm(block)[:m, m:]


def book(protocol, powers, dt: float, temperature: float, attempt_frequency: float,
         mc_history: np.ndarray, master_history: np.ndarray, n_cells: int
         ) -> dict[str, ElectricalTag]:
    """The electrical ledger of a run of ``protocol`` with step ``dt`` (s).

    Parameters
    ----------
    protocol : simcore.Protocol
    powers : array_like, shape (segments, M)
        Power drawn per level in each protocol segment (W).
    dt : float
        The run's time step (s).
    temperature, attempt_frequency : float
        The run's (K, Hz); Arrhenius kinetics.
    mc_history, master_history : ndarray, shape (steps + 1, M)
        Occupancies at the step boundaries (``record_history``), Monte Carlo and exact.
    n_cells : int
        Cells of the Monte Carlo run.

    Returns
    -------
    dict
        ``{tag: ElectricalTag}`` for every tag of the protocol (J per cell).

    Raises
    ------
    ParameterError
        ``powers`` of the wrong shape, negative or non-finite, or drawn in a segment whose
        landscape changes.
    """
    grid = protocol.grid(dt)
    p = np.asarray(powers, dtype=np.float64)
    n_seg, m = len(protocol.tags), protocol.n_levels
    if p.shape != (n_seg, m) or not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ParameterError("powers", powers,
                             f"finite powers >= 0 (W) of shape ({n_seg}, {m}): one per level"
                             " per segment")
    e, s = protocol.energies, protocol.saddles
    changing = np.any(e[1:] != e[:-1], axis=1) | np.any(s[1:] != s[:-1], axis=1)
    if np.any(changing & np.any(p > 0, axis=1)):
        raise ParameterError("powers", powers, "power drawn only in segments whose landscape"
                             " is constant")
    names, codes = grid.tag_codes()
    out = {name: [0.0, 0.0, 0.0, 0] for name in names}  # mc, master, sum of sd, steps
    cache: dict[tuple[int, float], np.ndarray] = {}
    for k, (seg, length) in enumerate(zip(grid.segment, grid.durations, strict=True)):
        if length <= 0 or not np.any(p[seg] > 0):
            continue
        key = (int(seg), float(length))
        if key not in cache:
            rates = rate_matrix(e[seg], s[seg], temperature, attempt_frequency)
            cache[key] = time_in_levels(rates, float(length)) @ p[seg]
        per_level = cache[key]
        row = out[names[codes[k]]]
        mean_k = float(mc_history[k] @ per_level)
        row[0] += mean_k
        row[1] += float(master_history[k] @ per_level)
        row[2] += float(np.sqrt(max(mc_history[k] @ (per_level - mean_k) ** 2, 0.0)))
        row[3] += 1
    return {name: ElectricalTag(mean=v[0], stderr=v[2] / np.sqrt(n_cells), master=v[1])
            for name, v in out.items()}


def total(ledger: dict[str, ElectricalTag]) -> ElectricalTag:
    """The ledger summed over tags (standard errors added: the same bound)."""
    return ElectricalTag(mean=sum(t.mean for t in ledger.values()),
                         stderr=sum(t.stderr for t in ledger.values()),
                         master=sum(t.master for t in ledger.values()))

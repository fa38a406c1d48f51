"""``solve_master``: the exact ensemble evolution of the same discretised protocol.

``p_{k+1} = p_k exp(K(λ_{k+1}) dt_k)`` with the work and heat steps of THEORY.md section 2, so
the Monte Carlo engine must agree with it in the mean for every protocol and every ``dt``
(no noise, no time-step error relative to the engine). It also gives the expected dynamical
activity (jumps per cell) ``𝒜 = Σ_k p_k ∫_0^{dt_k} exp(K s) ds R`` with ``R`` the escape rates,
computed with the block-matrix formula of C. Van Loan, IEEE Trans. Autom. Control 23, 395 (1978),
doi:10.1109/TAC.1978.1101743.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from simcore.accounting import expected_energy
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, positive
from simcore.landscape import boltzmann, generator, kinetics_code, nonequilibrium_free_energy
from simcore.propagator import step_tables
from simcore.protocol import Protocol


@dataclass(frozen=True)
class MasterTag:
    """Expected work, heat, ΔU (J per cell) and activity (jumps per cell) of one tag."""

    work: float
    heat: float
    delta_u: float
    activity: float
    steps: int
    duration: float


@dataclass(frozen=True)
class MasterResult:
    work: float
    heat: float
    delta_u: float
    activity: float
    by_tag: dict[str, MasterTag]
    occupancy: np.ndarray
    initial_occupancy: np.ndarray
    history: np.ndarray
    times: np.ndarray
    work_per_step: np.ndarray
    heat_per_step: np.ndarray
    activity_per_step: np.ndarray
    delta_f_neq: float
    kT: float

    @property
    def entropy_production(self) -> float:
        """``Σ_tot = (⟨W⟩ - ΔF_neq)/kT`` (dimensionless, >= 0)."""
        return (self.work - self.delta_f_neq) / self.kT


def _initial_occupancy(initial, energies0, kT):
    m = energies0.shape[0]
    if isinstance(initial, str):
        if initial != "equilibrium":
            raise ParameterError(
                "initial", initial, 'a level, a probability vector or "equilibrium"'
            )
        return boltzmann(energies0, kT)
    if isinstance(initial, int | np.integer) and not isinstance(initial, bool):
        if not 0 <= initial < m:
            raise ParameterError("initial", initial, f"a level in [0, {m})")
        p = np.zeros(m)
        p[int(initial)] = 1.0
        return p
    p = np.asarray(initial, dtype=np.float64)
    if p.shape != (m,) or np.any(~np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1) > 1e-9:
        raise ParameterError("initial", initial, f"a probability vector of length {m}")
    return p / p.sum()


def _step_activity(p, energies, saddles, kT, f0, kinetics, dt):
    """Expected jumps per cell within one step of duration ``dt`` from occupancy ``p``."""
    k = generator(energies, saddles, kT, f0, kinetics)
    esc = -np.diag(k)
    if dt == 0 or not np.any(esc > 0):
        return 0.0
    m = k.shape[0]
    if m == 2:
        r = esc.sum()
        pi1 = esc[0] / r
        x = r * dt
        frac = -np.expm1(-x) / x if x > 1e-12 else 1.0
        p1 = pi1 * dt + (p[1] - pi1) * dt * frac  # ∫ p1(s) ds
        return float((dt - p1) * esc[0] + p1 * esc[1])
    big = np.zeros((m + 1, m + 1))
    big[:m, :m] = k * dt
    big[:m, m] = esc * dt
    return float(p @ expm(big)[:m, m])


def solve_master(
    protocol: Protocol,
    dt: float,
    temperature: float,
    attempt_frequency: float,
    kinetics: str = "arrhenius",
    initial="equilibrium",
) -> MasterResult:
    """Exact mean work, heat, occupancy history and activity of ``protocol`` on step ``dt`` (s)."""
    if not isinstance(protocol, Protocol):
        raise ParameterError("protocol", protocol, "a simcore.Protocol")
    dt = positive("dt", dt)
    kT = thermal_energy(temperature)
    f0 = positive("attempt_frequency", attempt_frequency)
    kin = kinetics_code(kinetics)
    grid = protocol.grid(dt)
    energies, saddles = grid.landscapes(0, grid.n_steps)
    p0 = _initial_occupancy(initial, energies[0], kT)
    m = protocol.n_levels
    s_total = grid.n_steps
    durations = grid.durations
    probs = np.empty((s_total, m, m))
    thresholds = np.empty((s_total, m, m - 1), dtype=np.uint64)
    step_tables(energies[1:], saddles[1:], kT, f0, kin, durations, probs, thresholds)
    history = np.empty((s_total + 1, m))
    history[0] = p0
    activity = np.empty(s_total)
    for k in range(s_total):
        activity[k] = _step_activity(
            history[k], energies[k + 1], saddles[k + 1], kT, f0, kinetics, durations[k]
        )
        history[k + 1] = history[k] @ probs[k]
    work_k, heat_k = expected_energy(history[:-1], history[1:], energies)
    names, codes = grid.tag_codes()
    by_tag = {}
    for t, name in enumerate(names):
        mask = codes == t
        w, q = float(work_k[mask].sum()), float(heat_k[mask].sum())
        by_tag[name] = MasterTag(
            w, q, w - q, float(activity[mask].sum()), int(mask.sum()), float(durations[mask].sum())
        )
    w, q = float(work_k.sum()), float(heat_k.sum())
    f_start = nonequilibrium_free_energy(p0, energies[0], kT)
    f_end = nonequilibrium_free_energy(history[-1], energies[-1], kT)
    return MasterResult(
        work=w,
        heat=q,
        delta_u=w - q,
        activity=float(activity.sum()),
        by_tag=by_tag,
        occupancy=history[-1].copy(),
        initial_occupancy=p0,
        history=history,
        times=grid.times,
        work_per_step=work_k,
        heat_per_step=heat_k,
        activity_per_step=activity,
        delta_f_neq=float(f_end - f_start),
        kT=kT,
    )

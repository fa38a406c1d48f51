"""``solve_master``: the exact ensemble evolution of the same discretised protocol.

``p_{k+1} = p_k exp(K(λ_{k+1}) dt_k)`` with the work and heat steps of THEORY.md section 2, so
the Monte Carlo engine must agree with it in the mean for every protocol and every ``dt``
(no noise, no time-step error relative to the engine). It also gives the expected dynamical
activity (jumps per cell) ``𝒜 = Σ_k p_k ∫_0^{dt_k} exp(K s) ds R`` with ``R`` the escape rates,
computed with the block-matrix formula of C. Van Loan, IEEE Trans. Autom. Control 23, 395 (1978),
doi:10.1109/TAC.1978.1101743.

This is the one master-equation propagation of the project: :func:`transition_matrices` gives the
exact one-step propagators ``exp(K dt)`` of ``simcore.propagator`` (the engine's own, accurate
entry by entry where SciPy's ``expm`` is not, ``docs/engine.md``), :func:`propagate` carries an
occupancy (or a batch of them) through a sequence of landscapes with the mean work and heat of
every step, :func:`propagate_bit` is its closed-form two-level twin for long bit protocols, and
:func:`solve_master` is ``propagate`` of a ``Protocol``. The experiments and ``simcore.optimal``
call these instead of writing their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from simcore.accounting import expected_energy
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, positive
from simcore.landscape import (
    boltzmann,
    generator,
    kinetics_code,
    nonequilibrium_free_energy,
    pair_rates,
)
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
    # ∫_0^dt e^{Ks} ds R is not an exponential of K alone, so the propagator (uniformisation of
    # exp(K dt)) cannot give it; Van Loan's block exponential does. SciPy's expm is accurate here
    # to its norm-wise error (~4e-6 relative at Λ dt = 1e12, docs/engine.md), which the activity
    # (a sum of non-negative terms, used only as the speed limit's denominator) tolerates;
    # two levels use the closed form above.
    big = np.zeros((m + 1, m + 1))
    big[:m, :m] = k * dt
    big[:m, m] = esc * dt
    return float(p @ expm(big)[:m, m])


def _landscapes(energies, saddles, durations):
    e = np.asarray(energies, dtype=np.float64)
    s = np.asarray(saddles, dtype=np.float64)
    d = np.asarray(durations, dtype=np.float64)
    if e.ndim != 2 or e.shape[1] < 2 or not np.all(np.isfinite(e)):
        raise ParameterError("energies", energies, "finite energies (J), shape (steps, M >= 2)")
    if s.shape != (e.shape[0], e.shape[1] - 1) or not np.all(np.isfinite(s)):
        shape = (e.shape[0], e.shape[1] - 1)
        raise ParameterError("saddles", saddles, f"finite saddles (J), shape {shape}")
    return e, s, d


def transition_matrices(energies, saddles, durations, temperature, attempt_frequency,
                        kinetics="arrhenius"):
    """Exact one-step propagators ``P_k = exp(K(E_k, S_k) dt_k)`` (``simcore.propagator``).

    Parameters
    ----------
    energies : array_like, shape (S, M)
        Level energies (J) of each landscape.
    saddles : array_like, shape (S, M-1)
        Saddle energies (J).
    durations : array_like, shape (S,)
        How long each landscape is held (s), >= 0.
    temperature : float
        T (K).
    attempt_frequency : float
        f0 (arrhenius) or the pair rate Γ (glauber), Hz.
    kinetics : {"arrhenius", "glauber"}

    Returns
    -------
    ndarray, shape (S, M, M)
        ``P[k, i, j]``: probability of level j after step k from level i; rows sum to 1.

    Raises
    ------
    ParameterError
        For shapes that do not match, non-finite energies, negative durations or a
        non-positive temperature or frequency.
    """
    e, s, d = _landscapes(energies, saddles, durations)
    if d.shape != (e.shape[0],) or not np.all(np.isfinite(d)) or np.any(d < 0):
        raise ParameterError("durations", durations, f"{e.shape[0]} finite durations >= 0 (s)")
    kT = thermal_energy(temperature)
    f0 = positive("attempt_frequency", attempt_frequency)
    m = e.shape[1]
    probs = np.empty((e.shape[0], m, m))
    thresholds = np.empty((e.shape[0], m, m - 1), dtype=np.uint64)
    step_tables(np.ascontiguousarray(e), np.ascontiguousarray(s), kT, f0,
                kinetics_code(kinetics), np.ascontiguousarray(d), probs, thresholds)
    return probs


@dataclass(frozen=True)
class Propagation:
    """Occupancies and expected energies of a sequence of landscapes (J per cell).

    ``history`` (S+1, ..., M): the occupancy at every knot (index 0 the initial one);
    ``work_per_step``, ``heat_per_step`` (S, ...): the mean work of the jump to landscape k+1
    and the mean heat of the relaxation that follows (THEORY 2)."""

    history: np.ndarray
    work_per_step: np.ndarray
    heat_per_step: np.ndarray

    @property
    def occupancy(self) -> np.ndarray:
        """The final occupancy (..., M)."""
        return self.history[-1]

    @property
    def work(self):
        """Total mean work (J per cell), shaped like the batch."""
        return self.work_per_step.sum(axis=0)

    @property
    def heat(self):
        """Total mean heat (J per cell), shaped like the batch."""
        return self.heat_per_step.sum(axis=0)


def _energy_steps(history, energies):
    """Mean work and heat of every step (THEORY 2) for a batch of occupancies."""
    e = energies.reshape(energies.shape[:1] + (1,) * (history.ndim - 2) + energies.shape[1:])
    work = np.sum(history[:-1] * (e[1:] - e[:-1]), axis=-1)
    heat = np.sum((history[:-1] - history[1:]) * e[1:], axis=-1)
    return work, heat


def propagate(initial, energies, saddles, durations, temperature, attempt_frequency,
              kinetics="arrhenius") -> Propagation:
    """Carry occupancy ``initial`` through the landscapes of THEORY 2: step k jumps from
    landscape k to k+1 (work) and relaxes in it for ``durations[k]`` (heat), with the exact
    propagators of :func:`transition_matrices`.

    Parameters
    ----------
    initial : array_like, shape (..., M)
        Occupancy (or a batch of occupancies) in landscape 0; each sums to 1.
    energies : array_like, shape (S+1, M)
        Level energies (J) at the knots; knot 0 is the start.
    saddles : array_like, shape (S+1, M-1)
        Saddle energies (J) at the knots.
    durations : array_like, shape (S,)
        How long landscape k+1 is held (s), >= 0.
    temperature, attempt_frequency, kinetics
        As for :func:`transition_matrices`.

    Returns
    -------
    Propagation
        The occupancy at every knot and the mean work and heat of every step.

    Raises
    ------
    ParameterError
        For shapes that do not match, or an initial occupancy that is not a distribution.
    """
    e, s, _ = _landscapes(energies, saddles, durations)
    p0 = np.asarray(initial, dtype=np.float64)
    if (p0.shape[-1:] != e.shape[1:] or np.any(~np.isfinite(p0)) or np.any(p0 < 0)
            or not np.allclose(p0.sum(axis=-1), 1.0, atol=1e-9)):
        raise ParameterError("initial", initial, f"occupancies (..., {e.shape[1]}) summing to 1")
    probs = transition_matrices(e[1:], s[1:], durations, temperature, attempt_frequency,
                                kinetics)
    history = np.empty((probs.shape[0] + 1, *p0.shape))
    history[0] = p0
    for k in range(probs.shape[0]):
        history[k + 1] = history[k] @ probs[k]
    work, heat = _energy_steps(history, e)
    return Propagation(history, work, heat)


def propagate_bit(initial, energies, saddles, durations, temperature, attempt_frequency,
                  kinetics="arrhenius") -> Propagation:
    """:func:`propagate` for two levels by the closed form of ``simcore.propagator``
    (``P(0->1) = k01 dt φ(r dt)``), vectorised over the steps: equal to ``propagate`` to
    round-off and about ten times faster for long protocols (the optimiser of
    ``simcore.optimal`` evaluates thousands). Arguments as for :func:`propagate`, ``M = 2`` and
    one occupancy of shape (2,)."""
    e, s, d = _landscapes(energies, saddles, durations)
    p0 = np.asarray(initial, dtype=np.float64)
    if e.shape[1] != 2 or p0.shape != (2,):
        raise ParameterError("energies", energies, "two levels (use propagate for more)")
    up, down = pair_rates(e[1:], s[1:], thermal_energy(temperature),
                          positive("attempt_frequency", attempt_frequency), kinetics)
    x = (up[:, 0] + down[:, 0]) * d
    with np.errstate(invalid="ignore", divide="ignore"):
        ph = np.where(x > 0, -np.expm1(-x) / np.where(x > 0, x, 1.0), 1.0)
    p01 = (up[:, 0] * d * ph).tolist()
    p10 = (down[:, 0] * d * ph).tolist()
    p1 = [0.0] * (len(p01) + 1)
    q = p1[0] = float(p0[1])
    for k in range(len(p01)):
        q = (1.0 - q) * p01[k] + q * (1.0 - p10[k])
        p1[k + 1] = q
    history = np.empty((len(p1), 2))
    history[:, 1] = p1
    history[:, 0] = 1.0 - history[:, 1]
    work, heat = expected_energy(history[:-1], history[1:], e)
    return Propagation(history, work, heat)


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
    kinetics_code(kinetics)  # validated before any work
    grid = protocol.grid(dt)
    energies, saddles = grid.landscapes(0, grid.n_steps)
    p0 = _initial_occupancy(initial, energies[0], kT)
    durations = grid.durations
    prop = propagate(p0, energies, saddles, durations, temperature, f0, kinetics)
    history = prop.history
    activity = np.array([
        _step_activity(history[k], energies[k + 1], saddles[k + 1], kT, f0, kinetics,
                       durations[k]) for k in range(grid.n_steps)])
    work_k, heat_k = prop.work_per_step, prop.heat_per_step
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

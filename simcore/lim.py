"""The learning-in-memory architectures and their schedules: one home for THEORY.md section 6.

Z. Chen, F. Ahsan, J. Leugering, G. Cauwenberghs and S. Chakrabartty, "Estimation of
energy-dissipation lower-bounds for neuromorphic learning-in-memory", arXiv:2402.14878, ask what an
optimiser with local, parallel updates must dissipate when the barriers of its memories follow the
optimisation. This module holds the three architectures of THEORY.md section 6 (``static``,
``matched``, ``ideal``) as one value, :class:`Architecture`, built on the bounds of section 5
(``simcore.bounds``):

- the convergence schedule ``a_n`` (:func:`schedule_activity`) and the matched barrier schedule
  ``b(n) = E_0 - kT ln a_n`` capped at the long-term barrier (:func:`matched_barrier`);
- the write of a changed bit: a tilt-only write over the resting barrier
  (``bounds.static_write_tilt``, one piece of ``τ_u``) or, for ``ideal``, the glauber geodesic
  in pieces (:func:`geodesic_write_tilts`), with their expected costs
  (:meth:`Architecture.write_cost`);
- consolidation: a copy into the long-term memory (static) or the barrier raised in place in
  constant pieces with the escape hazard of the linear ramp (:func:`raise_barriers`, matched);
- the estimate :func:`energy_to_solution` (J, whole optimiser, by wall), whose every term is one of
  the above (derivation: ``docs/theory.md``, "Energy-to-solution").

``bounds.energy_to_solution`` and the other section-6 names of ``simcore.bounds`` are these; the
optimiser experiment (``experiments.lim_optimizer``) and the brain-scale experiment
(``experiments.brain_scale``) take their barriers, tilts, write pieces and raise pieces from
:class:`Architecture`, so the simulated machines and the estimate share every formula.

Units: energies in J, times in s, frequencies in Hz; ``n`` counts iterations (updates of every
parameter) from 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from simcore.bounds import (
    consolidation_raise_cost,
    geodesic_bit_protocol,
    geodesic_erasure_excess,
    landauer_erasure,
    ramp_hazard,
    retention_barrier,
    static_write_cost,
    static_write_tilt,
    write_barrier,
)
from simcore.constants import LN2
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, one_of, positive
from simcore.series import smooth_sum
from simcore.well_modulation import (
    kramers_attempt_frequency,
    quasi_static_free_energy_change,
    sudden_change_work,
)

__all__ = [
    "ARCHITECTURES",
    "HARDWARE_ENERGY_PER_OP",
    "MODULATIONS",
    "RAISE_PIECES",
    "SCHEDULES",
    "Architecture",
    "EnergyToSolution",
    "check_estimate_range",
    "energy_to_solution",
    "geodesic_write_tilts",
    "ideal_write_cost",
    "log_schedule_activity",
    "matched_barrier",
    "matched_kinks",
    "raise_barriers",
    "schedule_activity",
    "schedule_index",
]

ARCHITECTURES = ("static", "matched", "ideal")
SCHEDULES = ("inverse", "exponential", "logarithmic")
#: Constant pieces of the matched architecture's in-place barrier raise.
RAISE_PIECES = 8
#: How barrier modulation is paid (issue 15): ``free`` (the two-state model: moving saddles does
#: no work), ``quasi_static`` (the quartic well's entropic ΔF, the least work of each change) or
#: ``sudden`` (every barrier step instantaneous, the other extreme of speed).
MODULATIONS = ("free", "quasi_static", "sudden")


def check_estimate_range(update_time, error, attempt_frequency):
    """Refuse parameters outside the range where the energy-to-solution estimate is derived.

    The estimate books every write as reaching failure ``error`` within ``update_time``. A
    tilt-only write cannot beat the largest escape rate f0 (the saddle clamps at the lifted
    well), so it fails with probability at least ``e^{-f0 τ_u}``; the write barrier
    ``kT ln(f0 τ_u / ln(1/ε))`` is then negative and the estimate's numbers come from a regime
    where its assumption is false. The edge is therefore ``f0 τ_u >= ln(1/ε)`` (which also
    covers the weaker ``ln(1/2ε)`` a symmetric relaxation at rate 2 f0 would give), and a write
    of failure ``ε >= 1/2`` is no write (``kT ln((1-ε)/ε) <= 0``).

    Parameters
    ----------
    update_time : float
        τ_u (s), > 0.
    error : float
        ε, in (0, 1/2).
    attempt_frequency : float
        f0 (Hz), > 0 (the rate of the fastest write).

    Returns
    -------
    float
        ``f0 τ_u / ln(1/ε)`` (>= 1), the margin.

    Raises
    ------
    ParameterError
        Naming ``update_time`` and the limit ``τ_u >= ln(1/ε)/f0`` when it is violated, or
        ``error`` outside (0, 1/2).
    """
    tau = positive("update_time", update_time)
    f0 = positive("attempt_frequency", attempt_frequency)
    eps = _error(error)
    if eps >= 0.5:
        raise ParameterError("error", error, "a failure probability in (0, 1/2): a write to"
                             " failure >= 1/2 is no write")
    need = math.log(1.0 / eps)
    if f0 * tau < need:
        raise ParameterError(
            "update_time", update_time,
            f"τ_u >= ln(1/ε)/f0 = {need / f0:.4g} s (f0 τ_u = {f0 * tau:.4g} < ln(1/ε) ="
            f" {need:.4g}: a tilt-only write fails with probability >= e^(-f0 τ_u) ="
            f" {math.exp(-f0 * tau):.3g} > ε = {eps:.3g}, outside the estimate's range)")
    return f0 * tau / need


def _error(value) -> float:
    try:
        eps = float(value)
    except (TypeError, ValueError):
        raise ParameterError("error", value, "a probability in the open interval (0, 1)") from None
    if not 0.0 < eps < 1.0:
        raise ParameterError("error", value, "a probability in the open interval (0, 1)")
    return eps


def _scalar(out):
    out = np.asarray(out)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- schedules
def schedule_activity(n, schedule, scale):
    """Probability that a parameter's stored value changes at update ``n`` (1, 2, ...) under a
    convergence ``schedule`` with time constant ``scale`` (updates):

    - ``inverse`` (learning rate ∝ 1/n): ``1/(1 + n/scale)``;
    - ``exponential`` (linear convergence): ``exp(-n/scale)``;
    - ``logarithmic`` annealing (temperature ``θ_0/ln(e + n/scale)``, moves of depth θ_0 accepted
      with ``e^{1-θ_0/θ_n}``): ``e/(e + n/scale)``.
    The stored value then has to be held for ``1/a_n`` updates, which sets the matched barrier.

    Parameters
    ----------
    n : float or array_like
        Update index (real values allowed).
    schedule : {"inverse", "exponential", "logarithmic"}
        The convergence schedule.
    scale : float
        Its time constant n0 (updates), > 0.

    Returns
    -------
    float or ndarray
        ``a_n`` in (0, 1], shaped like ``n``.

    Raises
    ------
    ParameterError
        For a schedule not listed or a non-positive scale.
    """
    one_of("schedule", schedule, SCHEDULES)
    s = positive("scale", scale)
    x = np.asarray(n, dtype=np.float64) / s
    if schedule == "inverse":
        return 1.0 / (1.0 + x)
    if schedule == "exponential":
        return np.exp(-x)
    return math.e / (math.e + x)


def matched_barrier(n, schedule, scale, update_time, error, attempt_frequency, temperature,
                    cap=math.inf):
    """Barrier ``b(n)`` (J) of a learning-in-memory cell at update ``n``: the retention barrier for
    the time ``update_time / a_n`` until the optimiser next changes the value
    (``schedule_activity``), ``E_0 - kT ln a_n`` with ``E_0 = retention_barrier(update_time,
    error)``, i.e. ``E_0 + kT ln(1 + n/scale)`` for the inverse schedule (THEORY 6) and
    ``E_0 + kT n/scale`` for the exponential one; at most ``cap`` (J, the long-term barrier).

    Parameters
    ----------
    n : float or array_like
        Update index (>= 0; real values allowed).
    schedule : {"inverse", "exponential", "logarithmic"}
        Convergence schedule of the activity ``a_n``.
    scale : float
        Time constant n0 of the schedule (updates), > 0.
    update_time : float
        Duration τ_u of one update (s), > 0.
    error : float
        Failure probability ε of a hold for ``update_time``, in (0, 1).
    attempt_frequency, temperature : float
        f0 (Hz) and T (K), > 0.
    cap : float, optional
        Largest barrier (J); default no cap.

    Returns
    -------
    float or ndarray
        ``min(E_0 - kT ln a_n, cap)`` (J), shaped like ``n``; computed from ``ln a_n``, so the
        exponential schedule never underflows.

    Raises
    ------
    ParameterError
        For a schedule not listed, or a non-positive scale, time, frequency or temperature.
    """
    e0 = retention_barrier(update_time, error, attempt_frequency, temperature)
    return _scalar(_capped(e0, thermal_energy(temperature),
                           log_schedule_activity(n, schedule, scale), cap))


def _capped(e0, k_t, log_activity, cap):
    """``min(E_0 - kT ln a_n, cap)``: the matched barrier from its parts (J)."""
    return np.minimum(e0 - k_t * log_activity, cap)


def log_schedule_activity(n, schedule, scale):
    """``ln a_n`` of ``schedule_activity`` without underflow (the exponential schedule's
    ``a_n = e^{-n/scale}`` is 0 in float64 beyond n ≈ 745 scale, its logarithm is not).

    Parameters and errors as for :func:`schedule_activity`; returns ``ln a_n`` (<= 0 for
    n >= 0), shaped like ``n``."""
    one_of("schedule", schedule, SCHEDULES)
    x = np.asarray(n, dtype=np.float64) / positive("scale", scale)
    if schedule == "inverse":
        return -np.log1p(x)
    if schedule == "exponential":
        return -x
    return -np.log1p(x / math.e)


def schedule_index(log_activity, schedule, scale):
    """The (real) update index n at which ``ln a_n = log_activity`` (<= 0): the inverse of
    ``log_schedule_activity``.

    Parameters
    ----------
    log_activity : float or array_like
        ``ln a_n`` (<= 0).
    schedule, scale
        As for :func:`schedule_activity`.

    Returns
    -------
    float or ndarray
        The update index n (real), shaped like ``log_activity``.
    """
    one_of("schedule", schedule, SCHEDULES)
    s = positive("scale", scale)
    la = np.asarray(log_activity, dtype=np.float64)
    if schedule == "inverse":
        out = s * np.expm1(-la)
    elif schedule == "exponential":
        out = -s * la
    else:
        out = s * math.e * np.expm1(-la)
    return float(out) if out.ndim == 0 else out


def matched_kinks(n_iterations, schedule, scale, update_time, error, attempt_frequency,
                  temperature, cap):
    """Update indices (real, inside ``(1, n_iterations)``) where the matched architecture's cost
    per changed bit has a kink: its barrier reaches ``cap`` (J), or the tilt of
    ``static_write_tilt`` switches branch. Between them every per-iteration term of
    ``energy_to_solution`` is an analytic function of n.

    Parameters
    ----------
    n_iterations : int
        Iterations of the run.
    schedule, scale, update_time, error, attempt_frequency, temperature
        As for :func:`matched_barrier`.
    cap : float
        The long-term barrier E_L (J).

    Returns
    -------
    list of float
        The kinks, increasing.
    """
    k_t = thermal_energy(temperature)
    eps = _error(error)
    e0 = retention_barrier(update_time, eps, attempt_frequency, temperature)
    e_w = write_barrier(update_time, eps, attempt_frequency, temperature)
    out = []
    for e in (cap, e_w, e_w + k_t * math.log((1 - eps) / eps)):
        if e0 < e <= cap:
            n = schedule_index(-(e - e0) / k_t, schedule, scale)
            if 1.0 < n < n_iterations:
                out.append(n)
    return sorted(out)


# --------------------------------------------------------------------------- writes and raises
def geodesic_write_tilts(error, substeps, temperature):
    """Lifts (J) of the wrong level during the ``substeps`` equal pieces of an ideal write: the
    glauber bit geodesic (``bounds.geodesic_bit_protocol``) from occupancy 1/2 of the target to
    ``1 - error``, sampled at the right end of each piece; the last one holds the written state
    at failure ``error``.

    Parameters
    ----------
    error : float
        Failure probability ε of the write, in (0, 1).
    substeps : int
        Pieces K of the write (>= 1).
    temperature : float
        T (K).

    Returns
    -------
    ndarray, shape (substeps,)
        ``kT ln(p_k/(1 - p_k))`` with ``arcsin sqrt(p_k)`` linear in k (J), increasing to
        ``kT ln((1-ε)/ε)``.

    Raises
    ------
    ParameterError
        For ``error`` outside (0, 1) or ``substeps`` < 1.
    """
    eps = _error(error)
    if isinstance(substeps, bool) or not isinstance(substeps, int | np.integer) or substeps < 1:
        raise ParameterError("substeps", substeps, "an integer >= 1 (pieces of a write)")
    # the glauber geodesic does not depend on the rate: any duration and rate give the tilts
    path = geodesic_bit_protocol(0.5, eps, 1.0, temperature, 1.0, "glauber",
                                 n_knots=int(substeps) + 1)
    return path.energies[1:, 1] - path.energies[1:, 0]


def raise_barriers(barrier_start, barrier_end, temperature, pieces=RAISE_PIECES):
    """Constant barriers (J) of a barrier raise from ``barrier_start`` to ``barrier_end`` in
    ``pieces`` equal pieces: piece k carries the escape hazard of the linear ramp over its
    interval (``bounds.ramp_hazard``), ``B_k = E_{k-1} - kT ln[kT (1 - e^{-ΔE/kT})/ΔE]``, so the
    pieces lose, to first passage, exactly the bits the linear raise of
    ``bounds.raise_error`` loses.

    Parameters
    ----------
    barrier_start, barrier_end : float
        Barrier (J) before and after the raise.
    temperature : float
        T (K).
    pieces : int, optional
        Number of constant pieces (default ``RAISE_PIECES``).

    Returns
    -------
    ndarray, shape (pieces,)
        The barrier of each piece (J), each held for ``duration / pieces``.

    Raises
    ------
    ParameterError
        For a non-positive temperature or ``pieces`` < 1.
    """
    if isinstance(pieces, bool) or not isinstance(pieces, int | np.integer) or pieces < 1:
        raise ParameterError("pieces", pieces, "an integer >= 1")
    k_t = thermal_energy(temperature)
    edges = np.linspace(float(barrier_start), float(barrier_end), int(pieces) + 1)
    # hazard of a unit-rate, unit-time ramp over each piece, relative to its start: the shape
    # factor of bounds.ramp_hazard (f0 = 1 Hz, duration = 1 s, start barrier 0)
    shape = np.asarray(ramp_hazard(0.0, np.diff(edges), 1.0, 1.0, temperature))
    return edges[:-1] - k_t * np.log(shape)


def ideal_write_cost(error, write_time, attempt_frequency, temperature):
    """Expected cost (J) of an ideal write of a changed bit: erasure to failure ``error``
    (``bounds.landauer_erasure(1 - ε)``) plus the least slow-driving excess of the glauber
    geodesic at the fastest rate f0 in ``write_time`` (``bounds.geodesic_erasure_excess``).
    Estimate (THEORY 5.1 and 5.3).

    Parameters
    ----------
    error : float
        Failure probability ε, in (0, 1).
    write_time : float
        Duration τ_u of the write (s).
    attempt_frequency, temperature : float
        f0 (Hz), T (K).

    Returns
    -------
    float
        Heat per changed bit (J).
    """
    eps = _error(error)
    return float(landauer_erasure(1.0 - eps, temperature)) + float(
        geodesic_erasure_excess(eps, write_time, attempt_frequency, temperature))


# --------------------------------------------------------------------------- architectures
@dataclass(frozen=True, kw_only=True)
class Architecture:
    """One learning-in-memory architecture of THEORY 6 for a memory of ``n_cells`` bits.

    Parameters
    ----------
    architecture : {"static", "matched", "ideal"}
        ``static``: updates go to a short-term memory at the fixed barrier ``E_S`` by tilt-only
        writes and are copied every ``consolidation_interval`` iterations into a long-term memory
        at ``E_L``; ``matched``: one memory whose barrier follows ``matched_barrier(n)`` capped at
        ``E_L``, consolidated by raising its barrier in place; ``ideal``: cells rest at ``E_L``
        and a write drops the barrier, tilts along the geodesic and raises the barrier with the
        tilt still on.
    schedule : {"inverse", "exponential", "logarithmic"}
        Convergence schedule of the activity ``a_n``.
    scale : float
        Its time constant n0 (iterations), > 0.
    update_time : float
        Duration τ_u of one update (s): every write and every hold step lasts this long.
    error : float
        Failure probability ε of every write and every hold, in (0, 1).
    attempt_frequency : float
        f0 (Hz, arrhenius).
    temperature : float
        T (K).
    retention : float
        How long the solution is kept (s); sets ``E_L``.
    n_cells : float
        Bits the whole memory holds (N·B); ``E_L`` keeps all of them with failure ε.
    consolidation_interval : int
        Iterations K between the static architecture's copies; sets ``E_S``.
    modulation : {"free", "quasi_static", "sudden"}
        How barrier changes are paid (``MODULATIONS``; :meth:`modulation_cost`): ``free`` (the
        two-state model, default), or in a quartic double well at fixed width
        (``simcore.well_modulation``) at the least (quasi-static ΔF) or instantly.
    modulation_floor : float or None
        Lowest barrier (J) of the ideal write's barrier cycle in a quartic well (its barrier 0
        is a flat potential); default 1 kT.
    reference_barrier : float or None
        With a value (J), the attempt frequency follows the quartic well's curvature:
        ``f0(E) = attempt_frequency · E / reference_barrier`` (Kramers,
        ``well_modulation.kramers_attempt_frequency``) at every barrier a cell rests at, is
        written over or is raised to, self-consistently in the retention barriers, and at
        ``modulation_floor`` for the ideal write; None (default): f0 fixed.

    Raises
    ------
    ParameterError
        For an architecture or schedule not listed, or a value outside its range.
    """

    architecture: str
    schedule: str = "inverse"
    scale: float = 1.0
    update_time: float
    error: float
    attempt_frequency: float
    temperature: float
    retention: float
    n_cells: float = 1.0
    consolidation_interval: int = 1
    modulation: str = "free"
    modulation_floor: float | None = None
    reference_barrier: float | None = None

    def __post_init__(self):
        one_of("architecture", self.architecture, ARCHITECTURES)
        one_of("schedule", self.schedule, SCHEDULES)
        one_of("modulation", self.modulation, MODULATIONS)
        for name in ("scale", "update_time", "attempt_frequency", "temperature", "retention"):
            positive(name, getattr(self, name))
        for name in ("modulation_floor", "reference_barrier"):
            if getattr(self, name) is not None:
                positive(name, getattr(self, name))
        _error(self.error)
        k = self.consolidation_interval
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ParameterError("consolidation_interval", k, "an integer >= 1 (iterations)")

    @property
    def kramers(self) -> bool:
        """Whether the attempt frequency follows the barrier (``reference_barrier`` set)."""
        return self.reference_barrier is not None

    @cached_property
    def floor(self) -> float:
        """Lowest barrier (J) of the ideal write's cycle in a quartic well."""
        return self.kT if self.modulation_floor is None else float(self.modulation_floor)

    def attempt_at(self, barrier):
        """Attempt frequency (Hz) at ``barrier`` (J): f0 (a float), or ``f0 E/E_ref`` with
        ``reference_barrier`` (shaped like ``barrier``)."""
        if not self.kramers:
            return self.attempt_frequency
        return kramers_attempt_frequency(barrier, self.reference_barrier,
                                         self.attempt_frequency)

    def _hold_barrier(self, base):
        """The retention barrier (J) whose fixed-f0 value is ``base`` (J, array or float):
        ``base`` itself, or with ``reference_barrier`` the root of
        ``E = base + kT ln(E / E_ref)`` (f0 ∝ E), by fixed point (contraction kT/E)."""
        if not self.kramers:
            return base
        b = np.asarray(base, dtype=np.float64)
        e = np.maximum(b, self.kT)
        for _ in range(200):
            new = b + self.kT * np.log(e / self.reference_barrier)
            if not np.all(new > 0):
                raise ParameterError("reference_barrier", self.reference_barrier,
                                     "a reference barrier at which every retention barrier"
                                     " stays > 0 (f0 ∝ E has no positive root)")
            done = np.all(np.abs(new - e) <= 1e-14 * new)
            e = new
            if done:
                break
        return _scalar(e)

    @cached_property
    def kT(self) -> float:
        """Thermal energy kT (J)."""
        return thermal_energy(self.temperature)

    @cached_property
    def long_barrier(self) -> float:
        """``E_L = retention_barrier(retention, ε, n_cells)`` (J): holds the solution."""
        return float(self._hold_barrier(float(retention_barrier(
            self.retention, self.error, self.attempt_frequency, self.temperature,
            n_cells=self.n_cells))))

    @cached_property
    def short_barrier(self) -> float:
        """``E_S = retention_barrier(K τ_u, ε)`` (J): the static short-term memory's barrier."""
        return float(self._hold_barrier(float(retention_barrier(
            self.consolidation_interval * self.update_time, self.error, self.attempt_frequency,
            self.temperature))))

    @cached_property
    def _base_fixed(self) -> float:
        return float(retention_barrier(self.update_time, self.error, self.attempt_frequency,
                                       self.temperature))

    @cached_property
    def base_barrier(self) -> float:
        """``E_0 = retention_barrier(τ_u, ε)`` (J): the matched barrier at ``a_n = 1``."""
        return float(self._hold_barrier(self._base_fixed))

    def activity(self, n):
        """``a_n`` (``schedule_activity``) at iteration(s) ``n``."""
        return schedule_activity(n, self.schedule, self.scale)

    def barrier(self, n):
        """Barrier (J) at which the updated memory rests during iteration(s) ``n``: ``E_S``
        (static), ``min(b(n), E_L)`` (matched, ``matched_barrier``) or ``E_L`` (ideal); shaped
        like ``n``."""
        if self.architecture == "matched":
            la = log_schedule_activity(n, self.schedule, self.scale)
            if self.kramers:
                held = self._hold_barrier(self._base_fixed - self.kT * np.asarray(la))
                return _scalar(np.minimum(held, self.long_barrier))
            return _scalar(_capped(self.base_barrier, self.kT, la, self.long_barrier))
        e = self.short_barrier if self.architecture == "static" else self.long_barrier
        return _scalar(np.full(np.shape(n), e))

    def kinks(self, n_iterations):
        """Iterations where the per-iteration cost is not analytic (``matched_kinks``; none for
        the static and ideal architectures, whose cost per changed bit is one constant)."""
        if self.architecture != "matched":
            return []
        if self.kramers:
            return self._kramers_kinks(n_iterations)
        return matched_kinks(n_iterations, self.schedule, self.scale, self.update_time,
                             self.error, self.attempt_frequency, self.temperature,
                             self.long_barrier)

    def _kramers_kinks(self, n_iterations):
        """``matched_kinks`` with f0 ∝ E: the barriers where the cap is met or the write tilt
        ``max(E - E_w(E), kT ln((1-ε)/ε), 0)`` switches branch (``E_w`` at f0(E)), found in
        barrier space and mapped to n through ``E - kT ln(E/E_ref) = base - kT ln a_n``."""
        from scipy.optimize import brentq

        k_t, eps = self.kT, self.error

        def excess(e):  # E - E_w(E): increasing for E > kT
            return e - float(write_barrier(self.update_time, eps, self.attempt_at(e),
                                           self.temperature))

        targets = [self.long_barrier]
        for g in (0.0, k_t * math.log((1 - eps) / eps)):
            lo, hi = self.base_barrier, self.long_barrier
            if excess(lo) < g < excess(hi):
                targets.append(brentq(lambda e, g=g: excess(e) - g, lo, hi, xtol=1e-15 * hi))
        out = []
        for e in targets:
            if self.base_barrier < e <= self.long_barrier:
                la = -(e - k_t * math.log(e / self.reference_barrier) - self._base_fixed) / k_t
                n = schedule_index(la, self.schedule, self.scale)
                if 1.0 < n < n_iterations:
                    out.append(n)
        return sorted(out)

    def write_tilt(self, barrier):
        """Tilt δ (J) of a tilt-only write over ``barrier`` (J) within τ_u at failure ε
        (``bounds.static_write_tilt``, THEORY 5.5); broadcasts."""
        return static_write_tilt(barrier, self.update_time, self.error,
                                 self.attempt_at(barrier), self.temperature)

    def write_pieces(self, barrier, substeps=32):
        """The write of a changed bit into a memory resting at ``barrier`` (J), as
        ``((lift, saddle, duration), ...)`` (J, J, s): the wrong levels are lifted by ``lift``
        per level of distance from the target while the saddles sit at ``saddle``, then dropped.

        Static and matched (and the static long-term copy): one piece, the tilt of
        ``write_tilt(barrier)`` for τ_u over the unchanged barrier. Ideal: the barrier dropped
        to 0, ``substeps`` pieces of τ_u/K along ``geodesic_write_tilts``, then the barrier
        raised back to ``barrier`` with the last tilt still on (a zero-duration piece, which
        costs no work)."""
        if self.architecture != "ideal":
            return ((float(self.write_tilt(barrier)), float(barrier), self.update_time),)
        tilts = geodesic_write_tilts(self.error, substeps, self.temperature)
        dt = self.update_time / len(tilts)
        out = tuple((float(s), 0.0, dt) for s in tilts)
        return (*out, (float(tilts[-1]), float(barrier), 0.0))

    def write_cost(self, barrier):
        """Expected cost (J) of a changed bit written into a memory resting at ``barrier``:
        ``bounds.static_write_cost`` (static, matched) or ``ideal_write_cost`` (ideal)."""
        if self.architecture == "ideal":
            rate = self.attempt_at(self.floor) if self.kramers else self.attempt_frequency
            return ideal_write_cost(self.error, self.update_time, rate, self.temperature)
        return static_write_cost(barrier, self.update_time, self.error, self.attempt_at(barrier),
                                 self.temperature)

    def raise_pieces(self, barrier_start):
        """The matched consolidation: the barrier raised in place from ``barrier_start`` to
        ``E_L`` within τ_u, as ``RAISE_PIECES`` ``(saddle, duration)`` pieces (J, s) of
        ``raise_barriers`` (saddles only: no work, THEORY 4)."""
        dt = self.update_time / RAISE_PIECES
        return tuple((float(b), dt) for b in raise_barriers(barrier_start, self.long_barrier,
                                                            self.temperature))

    def raise_cost(self, barrier_start):
        """Expected cost (J per bit) of the in-place raise from ``barrier_start`` to ``E_L`` in
        τ_u: the bits lost while raising, rewritten at ``E_L``
        (``bounds.consolidation_raise_cost``)."""
        # with f0 ∝ E the hazard is bounded above by f0(E_L) over the ramp (E_L is its top)
        return float(consolidation_raise_cost(barrier_start, self.long_barrier, self.update_time,
                                              self.update_time, self.error,
                                              self.attempt_at(self.long_barrier),
                                              self.temperature))

    def modulation_cost(self, barrier_final):
        """Work (J) of moving the barriers (``modulation``): ``(once, per_write)``, paid once per
        cell over the run and per changed bit.

        ``free``: (0, 0), the two-state model. In a quartic double well at fixed width
        (``simcore.well_modulation``): matched cells rise from ``barrier(1)`` to
        ``barrier_final`` over the run, slowly (quasi-statically), then to ``E_L`` in the
        consolidation: once ``ΔF(barrier(1) -> E_L)`` (``quasi_static``) or
        ``ΔF(barrier(1) -> barrier_final)`` plus the instant step to ``E_L`` (``sudden``);
        static barriers never move (0, 0); the ideal write cycles ``E_L -> floor -> E_L``,
        which costs nothing quasi-statically (a closed cycle, symmetric wells) and the two
        instant steps' work, the particle equilibrated at each (``sudden``, per changed bit).
        Finite-speed costs lie between the two (the continuous engine measures them).
        """
        if self.modulation == "free" or self.architecture == "static":
            return 0.0, 0.0
        t = self.temperature
        if self.architecture == "ideal":
            if self.modulation == "quasi_static":
                return 0.0, 0.0
            e_l, lo = self.long_barrier, self.floor
            return 0.0, sudden_change_work(e_l, lo, t) + sudden_change_work(lo, e_l, t)
        start = float(self.barrier(1.0))
        if self.modulation == "quasi_static":
            return quasi_static_free_energy_change(start, self.long_barrier, t), 0.0
        slow = quasi_static_free_energy_change(start, float(barrier_final), t)
        step = (sudden_change_work(float(barrier_final), self.long_barrier, t)
                if barrier_final < self.long_barrier else 0.0)
        return slow + step, 0.0


# --------------------------------------------------------------------------- 6 energy-to-solution
@dataclass(frozen=True)
class EnergyToSolution:
    """Energy (J, whole optimiser) by wall, with the reference lines. ``total`` is the sum of
    the walls (``update``, ``consolidation``, ``hold`` and ``modulation``, the barrier
    modulation's work, 0 unless asked for); ``landauer`` (the paper-style adiabatic line
    OPS·B·kT ln 2) and ``hardware`` are reference lines, not part of it; ``information`` is this
    model's own Landauer bound, ``changed_bits · landauer_erasure(1 - ε)`` (the information
    actually changed).
    ``sum_error`` (J) bounds the error of the sums over iterations in ``total`` (0 when every
    term was summed one by one; see ``simcore.series.smooth_sum``)."""

    architecture: str
    update: float
    consolidation: float
    hold: float
    landauer: float
    hardware: float
    n_iterations: int
    bits: int
    error: float
    changed_bits: float
    barrier_long: float
    barrier_final: float
    sum_error: float = 0.0
    modulation: float = 0.0
    temperature: float = 300.0

    @property
    def total(self) -> float:
        return self.update + self.consolidation + self.hold + self.modulation

    @property
    def information(self) -> float:
        """Landauer's bound for the information this model changes (J): every changed bit's
        old value erased and the new one written to failure ε, ``changed_bits ·
        landauer_erasure(1 - ε)`` (``kT ln 2`` less the binary entropy of ε per bit); a lower
        bound of every architecture's ``update`` wall, unlike ``landauer``."""
        return self.changed_bits * float(landauer_erasure(1.0 - self.error, self.temperature))


#: Default energy per parameter update of conventional digital hardware (J): about 10 pJ for
#: reading a 32-bit word from a small SRAM, one floating-point multiply-add and the write-back
#: at 45 nm (M. Horowitz, ISSCC 2014, doi:10.1109/ISSCC.2014.6757323).
HARDWARE_ENERGY_PER_OP = 1e-11
#: Largest iteration count: every iteration index is exact in float64.
_MAX_ITERATIONS = 2**53
#: Inner sums of a consolidation window are evaluated as (points × K) arrays up to this K.
_WINDOW_TERMS = 4096


_PRECISION = "bits (an integer in [1, 64]) or a resolution in [2^-64, 1)"


def _precision_bits(precision) -> int:
    if isinstance(precision, bool):
        raise ParameterError("precision", precision, _PRECISION)
    if isinstance(precision, int | np.integer):
        if not 1 <= int(precision) <= 64:
            raise ParameterError("precision", precision, _PRECISION)
        return int(precision)
    try:
        x = float(precision)
    except (TypeError, ValueError):
        raise ParameterError("precision", precision, _PRECISION) from None
    if not (math.isfinite(x) and 2.0**-64 <= x < 1):
        raise ParameterError("precision", precision, _PRECISION)
    return max(1, math.ceil(-math.log2(x) - 1e-12))


def _iteration_count(ops, n_params, ops_f: float, n_par: float) -> int:
    """``ops // n_params``; a float quotient within 1e-12 of an integer is that integer
    (``1e28 / 1e15`` is 10^13 although ``1e28 // 1e15`` is 10^13 - 1 in floating point)."""
    exact = (int, np.integer)
    if isinstance(ops, exact) and isinstance(n_params, exact):
        return int(ops) // int(n_params)
    q = ops_f / n_par
    r = round(q)
    return int(r) if abs(q - r) <= 1e-12 * q else math.floor(q)


def _window_change(j, every: int, schedule: str, scale: float):
    """Probability that a bit differs from its last copy after consolidation window ``j``
    (iterations ``(j-1)K + 1 ... jK``; real j allowed): ``[1 - Π (1 - a_n)]/2``."""
    j = np.atleast_1d(np.asarray(j, dtype=np.float64))
    out = np.empty(j.size)

    def log_keep(n):
        return np.log1p(-np.minimum(schedule_activity(n, schedule, scale), 1 - 1e-16))

    if every <= _WINDOW_TERMS:
        i = np.arange(1, every + 1, dtype=np.float64)
        rows = max(1, 2**20 // every)
        for s in range(0, j.size, rows):
            n = (j[s : s + rows, None] - 1.0) * every + i
            out[s : s + rows] = -0.5 * np.expm1(log_keep(n).sum(axis=1))
    else:
        for k, jk in enumerate(j):
            start = (jk - 1.0) * every
            total, _ = smooth_sum(lambda i, start=start: log_keep(start + i), 1, every)
            out[k] = -0.5 * math.expm1(total)
    return out


def energy_to_solution(architecture, ops, n_params, schedule="inverse", precision=8, *,
                       scale=None, update_time=1e-8, temperature=300.0, attempt_frequency=1e9,
                       error=None, retention=10 * 365.25 * 86400.0, consolidation_interval=100,
                       hardware_energy_per_op=HARDWARE_ENERGY_PER_OP, modulation="free",
                       modulation_floor=None, reference_barrier=None):
    """Energy-to-solution estimate (J) of an optimiser with local, parallel updates whose
    parameters live in barrier memories (THEORY 6, after arXiv:2402.14878).

    The optimiser makes ``ops`` parameter updates on ``n_params`` parameters, i.e.
    ``n = ops // n_params`` parallel iterations of duration ``update_time`` (s). Each parameter is
    ``B`` bits (``precision``: bits as an int, or a resolution in (0, 1) giving
    ``B = ceil(log2(1/precision))``); at iteration n it changes with probability ``a_n``
    (``schedule_activity`` with time constant ``scale``, default ``n/10`` iterations) and then
    rewrites its B bits, each differing from the old one with probability 1/2, so ``a_n B/2`` bits
    change per parameter. Every bit is written within ``update_time`` and held with failure
    ``error`` (default ``2^-B``); the solution is then kept for ``retention`` (s) by an array whose
    failure probability is ``error``, which needs the long-term barrier
    ``E_L = retention_barrier(retention, error, n_cells=n_params·B)``.

    Architectures (terms traced to THEORY 5 in ``docs/theory.md``):

    - ``static``: updates go to a short-term memory of barrier
      ``E_S = retention_barrier(consolidation_interval·update_time, error)`` by tilt-only writes
      (``static_write_cost(E_S)`` per changed bit); every ``consolidation_interval`` iterations the
      bits changed since the last copy are copied into the long-term memory
      (``static_write_cost(E_L)`` each); hold: every short-term window loses a bit with
      probability ``error``, rewritten at ``static_write_cost(E_S)``.
    - ``matched``: one memory per parameter whose barrier follows ``matched_barrier(n)`` (capped
      at E_L); a changed bit costs ``static_write_cost(E(n))``; consolidation happens in place by
      raising the barrier from ``E(n)`` to E_L in ``update_time`` (``consolidation_raise_cost``);
      hold: each held value is lost with probability ``error`` and rewritten at the current cost.
    - ``ideal``: full control of barrier and tilt; a changed bit is erased and set along the
      glauber geodesic at the fastest rate f0 (``landauer_erasure(1 - error)`` +
      ``geodesic_erasure_excess(error, update_time, f0)``); raising the barrier with the tilt
      still on loses nothing, so consolidation and hold are free.

    Barrier modulation (issue 15, off by default): ``modulation`` books the work of moving the
    barriers in a quartic double well (:meth:`Architecture.modulation_cost`, the ``modulation``
    wall) and ``reference_barrier`` lets the attempt frequency follow the barrier's curvature
    (Kramers, ``f0 E/E_ref``); both leave the defaults' numbers unchanged.

    Reference lines: ``landauer = ops · B · kT ln 2`` (the paper-style adiabatic line; not a
    bound of this model, whose architectures pay only for changed bits); ``information`` (a
    property: ``changed_bits · landauer_erasure(1 - ε)``, the true lower bound of this model);
    ``hardware = ops · hardware_energy_per_op`` (J per parameter update of digital hardware, default
    ``HARDWARE_ENERGY_PER_OP`` = 10 pJ; ``simcore.references`` has named lines per FLOP).

    Range: ``check_estimate_range`` (``f0 τ_u >= ln(1/ε)``, ``ε < 1/2``) and, with
    ``reference_barrier``, the same for the ideal write's rate f0(floor); the default
    ``update_time`` is 10 ns (it was 1 ns, outside the range at ε = 2^-8).

    Sums over iterations are taken term by term up to 2^20 iterations (consolidation windows)
    and beyond by the Euler–Maclaurin formula of ``simcore.series.smooth_sum`` (every summand is
    an analytic function of n between the ``matched_kinks``), for any count up to 2^53;
    ``sum_error`` bounds the error (J), about 1e-15 of the total. Every cost and barrier above is
    that of :class:`Architecture` (``write_cost``, ``barrier``, ``raise_cost``).

    Parameters
    ----------
    architecture : {"static", "matched", "ideal"}
    ops : float
        Parameter updates of the whole run (OPS), >= ``n_params``.
    n_params : float
        Parameters N (a whole number).
    schedule : {"inverse", "exponential", "logarithmic"}, optional
    precision : int or float, optional
        Bits B per parameter (int in [1, 64]) or a resolution in [2^-64, 1).
    scale : float, optional
        n0 (iterations); default ``max(1, n_iter/10)``.
    update_time : float, optional
        τ_u (s), default 10 ns; ``f0 τ_u >= ln(1/ε)``.
    temperature : float, optional
        T (K).
    attempt_frequency : float, optional
        f0 (Hz).
    error : float, optional
        ε in (0, 1/2); default ``2^-B`` (B >= 2).
    retention : float, optional
        How long the solution is kept (s).
    consolidation_interval : int, optional
        K (iterations, static).
    hardware_energy_per_op : float, optional
        J per parameter update of digital hardware (reference line).
    modulation : {"free", "quasi_static", "sudden"}, optional
        How barrier changes are paid (``MODULATIONS``); default ``free``.
    modulation_floor : float, optional
        Lowest barrier (J) of the ideal write's cycle in a quartic well; default 1 kT.
    reference_barrier : float, optional
        Barrier (J) at which ``attempt_frequency`` is quoted when f0 follows the curvature;
        default None (f0 fixed).

    Returns
    -------
    EnergyToSolution
        Energies by wall (J, whole optimiser) with the reference lines.

    Raises
    ------
    ParameterError
        For any argument outside its range (named with its value and the range), including
        ``update_time`` below ``ln(1/ε)/f0`` (``check_estimate_range``).
    """
    arch = one_of("architecture", architecture, ARCHITECTURES)
    one_of("schedule", schedule, SCHEDULES)
    ops_f = positive("ops", ops)
    n_par = positive("n_params", n_params)
    if n_par != math.floor(n_par):
        raise ParameterError("n_params", n_params, "a whole number of parameters >= 1")
    n_iter = _iteration_count(ops, n_params, ops_f, n_par)
    if not 1 <= n_iter <= _MAX_ITERATIONS:
        raise ParameterError(
            "ops", ops, "between n_params and 2^53 × n_params updates"
        )
    bits = _precision_bits(precision)
    eps = 2.0**-bits if error is None else _error(error)
    sc = max(1.0, n_iter / 10.0) if scale is None else positive("scale", scale)
    tau = positive("update_time", update_time)
    k_t = thermal_energy(temperature)
    f0 = positive("attempt_frequency", attempt_frequency)
    hold_for = positive("retention", retention)
    every = consolidation_interval
    if isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1:
        raise ParameterError("consolidation_interval", every, "an integer >= 1 (iterations)")
    every = int(every)
    try:
        per_op = float(hardware_energy_per_op)
    except (TypeError, ValueError):
        raise ParameterError("hardware_energy_per_op", hardware_energy_per_op,
                             "a finite energy >= 0 (J)") from None
    if not (math.isfinite(per_op) and per_op >= 0):
        raise ParameterError("hardware_energy_per_op", hardware_energy_per_op,
                             "a finite energy >= 0 (J)")
    check_estimate_range(tau, eps, f0)
    cells = n_par * bits
    memory = Architecture(architecture=arch, schedule=schedule, scale=sc, update_time=tau,
                          error=eps, attempt_frequency=f0, temperature=temperature,
                          retention=hold_for, n_cells=cells, consolidation_interval=every,
                          modulation=modulation, modulation_floor=modulation_floor,
                          reference_barrier=reference_barrier)
    if memory.kramers and arch == "ideal":
        check_estimate_range(tau, eps, float(memory.attempt_at(memory.floor)))
    e_long = memory.long_barrier
    landauer = ops_f * bits * k_t * LN2
    hardware = ops_f * float(per_op)
    consolidation = hold = 0.0
    e_final = e_long

    changed, err = smooth_sum(memory.activity, 1, n_iter)
    if arch == "static":
        c_short = memory.write_cost(memory.short_barrier)
        c_long = memory.write_cost(e_long)
        full, rest = divmod(n_iter, every)
        consolidation, err_c = smooth_sum(
            lambda j: _window_change(j, every, schedule, sc), 1, full)
        if rest:
            tail = np.arange(full * every + 1, n_iter + 1, dtype=np.float64)
            keep = np.log1p(-np.minimum(memory.activity(tail), 1 - 1e-16)).sum()
            consolidation += -0.5 * math.expm1(keep)
        consolidation *= c_long
        update = changed * 0.5 * c_short
        hold = math.ceil(n_iter / every) * eps * c_short
        err = err * 0.5 * c_short + err_c * c_long
    elif arch == "matched":

        def cost(n):
            return memory.activity(n) * memory.write_cost(memory.barrier(n))

        weighted, err_w = smooth_sum(cost, 1, n_iter, breaks=memory.kinks(n_iter))
        update, hold = 0.5 * weighted, eps * weighted
        e_final = float(memory.barrier(n_iter))
        consolidation = memory.raise_cost(e_final)
        err = err_w * (0.5 + eps)
    else:
        per_bit = memory.write_cost(e_long)
        update = 0.5 * changed * per_bit
        err = 0.5 * err * per_bit
    once, per_write = memory.modulation_cost(e_final)
    modulation_work = once + 0.5 * changed * per_write
    scale_up = cells  # every term above is per bit of one parameter
    return EnergyToSolution(
        architecture=arch,
        update=update * scale_up,
        consolidation=consolidation * scale_up,
        hold=hold * scale_up,
        landauer=landauer,
        hardware=hardware,
        n_iterations=n_iter,
        bits=bits,
        error=eps,
        changed_bits=0.5 * changed * scale_up,
        barrier_long=float(e_long),
        barrier_final=float(e_final),
        sum_error=float(err * scale_up),
        modulation=float(modulation_work * scale_up),
        temperature=float(temperature),
    )

from simcore.ising import IsingMachine, LinearBeta, Logarithmic, NeuroSA, Static  # noqa: E402, F401
from simcore.learner import (  # noqa: E402, F401
    LEARNER_TAGS,
    GradientMachine,
    InverseSchedule,
    LearnerResult,
    Quadratic,
    learning_rate,
    mean_drift,
)

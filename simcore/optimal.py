"""Least-work protocols of a memory cell, found numerically on the engine's exact dynamics.

Given a cell (levels, kinetics, T, f0), an initial and a target occupancy, a duration and the
allowed ranges of tilt and barrier, ``optimal_protocol`` finds the schedule of least mean work.
The tilts and the barrier are clamped cubic B-splines in time whose control points are the
optimisation variables (a curve lies inside the convex hull of its control points, so box bounds
on the control points are exactly the allowed ranges); the pinned start and end landscapes are
joined to the spline by instantaneous jumps, which optimal finite-time protocols need
(T. Schmiedl and U. Seifert, PRL 98, 108301 (2007), doi:10.1103/PhysRevLett.98.108301;
M. Esposito, R. Kawai, K. Lindenberg and C. Van den Broeck, EPL 89, 20003 (2010),
doi:10.1209/0295-5075/89/20003). Each candidate is evaluated with the exact discretised master
equation of THEORY.md section 2 (the arithmetic of ``simcore.solve_master``, to round-off) and the
optimum is reported from ``solve_master`` itself; SciPy's L-BFGS-B (or SLSQP under a final-error
constraint) minimises it. In the slow limit the optimum approaches the geodesic of
``simcore.bounds.geodesic_bit_protocol`` (D. A. Sivak and G. E. Crooks, PRL 108, 190602 (2012),
doi:10.1103/PhysRevLett.108.190602). Method and measured numbers: ``docs/optimal.md``.

Landscape convention (``simcore.bit_landscape`` for M = 2): the controls are the ``M-1`` tilts
``x_i = E_{i+1} - E_i`` and one barrier ``b``; energies are centred (``Σ E_i = 0``) and saddle i
sits ``b`` above the mean of wells i and i+1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import BSpline
from scipy.optimize import minimize

from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, one_of, positive, positive_int
from simcore.landscape import KINETICS, MAX_LEVELS, free_energy
from simcore.master import MasterResult, propagate, propagate_bit, solve_master
from simcore.protocol import Protocol, check_tag

__all__ = [
    "OptimalProtocol",
    "control_landscape",
    "equilibrium_tilts",
    "optimal_protocol",
]

_MAX_STEPS = 200_000
_FD_STEP = 1e-6  # central-difference step of the control points, in kT


@dataclass(frozen=True)
class OptimalProtocol:
    """Result of ``optimal_protocol``; energies in J per cell, exact (``solve_master``).

    ``protocol``: the optimal schedule (knots on the step grid, jumps at the pinned ends);
    ``work``: its mean work; ``delta_f_neq``, ``excess_work = work - delta_f_neq`` (kT times the
    entropy production); ``delta_f_eq`` between the start and end landscapes and
    ``equilibrium_excess_work = work - delta_f_eq`` (the slow-driving convention of
    ``simcore.bounds``); ``final_occupancy``, ``final_error = ½ Σ|p(τ) - target|``; ``activity``
    (expected jumps per cell); ``tilts`` (K, M-1) and ``barrier`` (K,) control curves at the knots;
    ``control_points`` (M-1 tilt channels, then the barrier channel) in J; and the optimiser's
    ``success``, ``status``, ``message``, ``n_iterations``, ``n_evaluations``, ``method``.
    """

    protocol: Protocol
    dt: float
    work: float
    delta_f_neq: float
    excess_work: float
    delta_f_eq: float
    equilibrium_excess_work: float
    final_occupancy: np.ndarray
    target: np.ndarray
    final_error: float
    activity: float
    tilts: np.ndarray
    barrier: np.ndarray
    control_points: np.ndarray
    master: MasterResult
    success: bool
    status: int
    message: str
    n_iterations: int
    n_evaluations: int
    method: str


# --------------------------------------------------------------------------- landscapes
def control_landscape(tilts, barrier):
    """Energies (..., M) and saddles (..., M-1) in J from tilts ``x_i = E_{i+1} - E_i`` (..., M-1)
    and a barrier (...,) above the mean of neighbouring wells; energies centred to zero mean.
    For one tilt this is ``simcore.bit_landscape(barrier, tilt)``."""
    x = np.asarray(tilts, dtype=np.float64)
    b = np.asarray(barrier, dtype=np.float64)
    e = np.concatenate([np.zeros((*x.shape[:-1], 1)), np.cumsum(x, axis=-1)], axis=-1)
    e = e - e.mean(axis=-1, keepdims=True)
    s = 0.5 * (e[..., :-1] + e[..., 1:]) + b[..., None]
    return e, s


def equilibrium_tilts(occupancy, temperature):
    """Tilts (M-1,) in J in which ``occupancy`` (all entries > 0) is the Boltzmann distribution:
    ``x_i = -kT ln(p_{i+1}/p_i)``."""
    p = _distribution("occupancy", occupancy, None)
    if np.any(p <= 0):
        raise ParameterError("occupancy", occupancy, "all levels occupied (p_i > 0)")
    return -thermal_energy(temperature) * np.diff(np.log(p))


# --------------------------------------------------------------------------- validation
def _distribution(name, value, m):
    try:
        p = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a probability vector") from None
    if p.ndim != 1 or p.size < 2 or (m is not None and p.size != m):
        raise ParameterError(name, value, f"a probability vector of length {m or '>= 2'}")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
        raise ParameterError(name, value, "probabilities in [0, 1] summing to 1")
    return p / p.sum()


def _range(name, value):
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a pair (low, high) of energies in J") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ParameterError(name, value, "a finite pair (low, high) with low <= high, in J")
    return lo, hi


def _pinned(name, value, shape, bounds):
    """``None`` (free) or a value of ``shape`` inside ``bounds``."""
    if value is None:
        return None
    try:
        v = np.broadcast_to(np.asarray(value, dtype=np.float64), shape).copy()
    except (TypeError, ValueError):
        raise ParameterError(name, value, f"None (free) or energies of shape {shape}") from None
    lo, hi = bounds
    if not np.all(np.isfinite(v)) or np.any(v < lo) or np.any(v > hi):
        raise ParameterError(name, value, f"None (free) or energies in [{lo:.6g}, {hi:.6g}] J")
    return v


def _n_steps(duration, dt):
    n = round(duration / dt)
    if n < 1 or abs(n * dt - duration) > 1e-9 * duration or n > _MAX_STEPS:
        raise ParameterError(
            "dt", dt, f"a divisor of duration={duration!r} giving 1 to {_MAX_STEPS} steps"
        )
    return n


# --------------------------------------------------------------------------- the evaluator
class _Problem:
    """Maps control points (kT units) to the knot arrays of a protocol and evaluates it with the
    exact discretised master equation (the arithmetic of ``solve_master``)."""

    def __init__(self, *, m, kinetics, temperature, f0, p0, target, tau, n_steps,
                 tilt_range, barrier_range, start, end, n_controls, jumps, tag):
        self.m, self.kinetics, self.f0 = m, kinetics, f0
        self.temperature = temperature
        self.k_t = k_t = thermal_energy(temperature)
        self.p0, self.target, self.tag = p0, target, tag
        self.dt = tau / n_steps
        u = np.arange(n_steps + 1) / n_steps
        inner = np.linspace(0.0, 1.0, n_controls - 2)
        knots = np.concatenate([[0.0] * 3, inner, [1.0] * 3])
        basis = BSpline.design_matrix(u, knots, 3).toarray()
        # the barrier of glauber kinetics sets no rate: it is held, not optimised
        self.with_barrier = kinetics != "glauber" and barrier_range[0] < barrier_range[1]
        n_ch = m if self.with_barrier else m - 1
        ranges = [tilt_range] * (m - 1) + [barrier_range] * (n_ch - (m - 1))
        (x0, b0), (x1, b1) = start, end
        starts = list(x0) + ([b0] if self.with_barrier else [])
        ends = list(x1) if x1 is not None else [None] * (m - 1)
        ends += [b1] if self.with_barrier else []
        # free control points and their bounds (kT); pinned ones are fixed when jumps are off
        self.fixed = np.full((n_ch, n_controls), np.nan)
        guess = np.empty((n_ch, n_controls))
        lows, highs = np.empty(n_ch), np.empty(n_ch)
        for c in range(n_ch):
            lo, hi = ranges[c]
            a = starts[c] if starts[c] is not None else lo
            b = ends[c] if ends[c] is not None else a
            guess[c] = np.linspace(a, b, n_controls)
            lows[c], highs[c] = lo, hi
            if not jumps:
                if starts[c] is not None:
                    self.fixed[c, 0] = starts[c]
                if ends[c] is not None:
                    self.fixed[c, -1] = ends[c]
        self.free = np.isnan(self.fixed)
        self.x0 = guess[self.free] / k_t
        lo_full = np.broadcast_to(lows[:, None], self.fixed.shape)[self.free] / k_t
        hi_full = np.broadcast_to(highs[:, None], self.fixed.shape)[self.free] / k_t
        self.bounds = list(zip(lo_full, hi_full, strict=True))
        self.n_ch, self.n_controls, self.basis = n_ch, n_controls, basis
        self.fixed_barrier = b0 if b0 is not None else barrier_range[0]
        self.start_tilts = np.asarray(x0)
        self.end_tilt = None if x1 is None else np.asarray(x1)
        self.end_barrier = b1 if self.with_barrier else self.fixed_barrier
        self.jump_start = jumps
        self.jump_end = jumps and (x1 is not None or (self.with_barrier and b1 is not None))
        self.times = np.concatenate(
            [[0.0] if self.jump_start else [], u * tau, [tau] if self.jump_end else []])
        self.durations = np.diff(self.times)
        self.n_evaluations = 0

    def controls(self, z):
        """Control points (n_ch, n_controls) in J from the free variables ``z`` (kT)."""
        c = self.fixed.copy()
        c[self.free] = np.asarray(z) * self.k_t
        return c

    def curves(self, z):
        """Tilts (K, M-1) and barrier (K,) at the knots, including the pinned end landscapes."""
        values = self.basis @ self.controls(z).T  # (n_steps + 1, n_ch)
        tilts = values[:, : self.m - 1]
        barrier = values[:, -1] if self.with_barrier else np.full(values.shape[0],
                                                                    self.fixed_barrier)
        if self.jump_start:
            tilts = np.vstack([self.start_tilts, tilts])
            barrier = np.concatenate([[self.fixed_barrier], barrier])
        if self.jump_end:
            end_t = self.end_tilt if self.end_tilt is not None else tilts[-1]
            end_b = self.end_barrier if self.end_barrier is not None else barrier[-1]
            tilts = np.vstack([tilts, end_t])
            barrier = np.concatenate([barrier, [end_b]])
        return tilts, barrier

    def knots(self, z):
        tilts, barrier = self.curves(z)
        e, s = control_landscape(tilts, barrier)
        return e, s

    def evaluate(self, z):
        """``(work, final occupancy)`` of the candidate, J per cell."""
        self.n_evaluations += 1
        e, s = self.knots(z)
        # bits: the closed-form twin of simcore.master.propagate (equal to round-off, tested),
        # ten times faster for the thousands of candidates an optimisation evaluates
        step = propagate_bit if self.m == 2 else propagate
        out = step(self.p0, e, s, self.durations, self.temperature, self.f0, self.kinetics)
        return float(out.work), out.occupancy.copy()

    def error(self, p):
        return 0.5 * float(np.abs(p - self.target).sum())

    def protocol(self, z):
        e, s = self.knots(z)
        return Protocol(self.times, e, s, [self.tag] * (self.times.size - 1))


class _Objective:
    """Objective (work in kT plus an optional error penalty) and the error constraint, with
    central-difference gradients computed once per point and shared."""

    def __init__(self, problem, error_cost, max_error):
        self.problem, self.error_cost, self.max_error = problem, error_cost, max_error
        self._key = None

    def _values(self, z):
        w, p = self.problem.evaluate(z)
        err = self.problem.error(p)
        f = w / self.problem.k_t + (0.0 if self.error_cost is None else self.error_cost * err)
        g = 0.0 if self.max_error is None else (self.max_error - err) / self.max_error
        return f, g

    def _update(self, z):
        z = np.asarray(z, dtype=np.float64)
        if self._key is not None and np.array_equal(z, self._key):
            return
        f, g = self._values(z)
        df, dg = np.empty(z.size), np.empty(z.size)
        for i in range(z.size):
            zp, zm = z.copy(), z.copy()
            zp[i] += _FD_STEP
            zm[i] -= _FD_STEP
            fp, gp = self._values(zp)
            fm, gm = self._values(zm)
            df[i] = (fp - fm) / (2 * _FD_STEP)
            dg[i] = (gp - gm) / (2 * _FD_STEP)
        self._key, self.f, self.g, self.df, self.dg = z.copy(), f, g, df, dg

    def at(self, name):
        """The function ``z -> self.<name>`` at ``z`` (``f``, ``df``, ``g`` or ``dg``), for SciPy:
        every one shares the values and gradients of the last point."""

        def value(z):
            self._update(z)
            return getattr(self, name)

        return value


# --------------------------------------------------------------------------- the optimiser
def optimal_protocol(*, n_levels=2, kinetics="glauber", temperature, attempt_frequency,
                     initial, target, duration, dt, tilt_range, barrier_range=(0.0, 0.0),
                     start_tilt="equilibrium", end_tilt="equilibrium", start_barrier=None,
                     end_barrier=None, max_error=None, error_cost=None, n_controls=10,
                     jumps=True, maxiter=300, tol=1e-12, tag="update"):
    """Protocol of least mean work (J per cell) taking a cell from ``initial`` towards ``target``
    occupancy in ``duration`` (s), evaluated exactly on the step grid ``dt`` (s, a divisor of
    the duration).

    Cell: ``n_levels`` M, ``kinetics`` ('glauber' or 'arrhenius'), ``temperature`` (K),
    ``attempt_frequency`` (Hz; Γ for glauber). Controls (J): M-1 tilts ``E_{i+1} - E_i`` within
    ``tilt_range`` and a barrier within ``barrier_range`` (``control_landscape``; ignored by
    glauber kinetics), each a clamped cubic B-spline in time with ``n_controls`` control points.

    Ends: ``start_tilt`` / ``end_tilt`` are tilts (scalar or (M-1,)), ``'equilibrium'`` (the tilts
    in which ``initial`` / ``target`` is Boltzmann) or ``None`` (free); ``start_barrier`` /
    ``end_barrier`` are a barrier or ``None`` (free). With ``jumps`` the pinned landscapes are
    reached by instantaneous jumps at t = 0 and t = τ (free spline end values); without, the
    spline starts and ends at them.

    Final error ``½ Σ|p(τ) - target|``: ``max_error`` makes it a constraint (SLSQP),
    ``error_cost`` (kT per unit error) a penalty (L-BFGS-B); with neither, only the work counts.
    ``maxiter`` and ``tol`` go to the SciPy optimiser. Returns an ``OptimalProtocol``.
    """
    m = positive_int("n_levels", n_levels, MAX_LEVELS)
    if m < 2:
        raise ParameterError("n_levels", n_levels, f"an integer in [2, {MAX_LEVELS}]")
    one_of("kinetics", kinetics, KINETICS)
    k_t = thermal_energy(temperature)
    f0 = positive("attempt_frequency", attempt_frequency)
    tau = positive("duration", duration)
    n_steps = _n_steps(tau, positive("dt", dt))
    p0 = _distribution("initial", initial, m)
    p_star = _distribution("target", target, m)
    tilt_rng = _range("tilt_range", tilt_range)
    barrier_rng = _range("barrier_range", barrier_range)
    x0 = _end_tilt("start_tilt", start_tilt, p0, "initial", m, tilt_rng, temperature)
    if x0 is None:
        raise ParameterError("start_tilt", start_tilt, "tilts in J or 'equilibrium'")
    x1 = _end_tilt("end_tilt", end_tilt, p_star, "target", m, tilt_rng, temperature)
    b0 = _pinned("start_barrier", start_barrier, (), barrier_rng)
    b1 = _pinned("end_barrier", end_barrier, (), barrier_rng)
    if max_error is not None and error_cost is not None:
        raise ParameterError("error_cost", error_cost, "None when max_error is given")
    if max_error is not None:
        max_error = float(max_error) if _is_number(max_error) else max_error
        if not (_is_number(max_error) and 0 < max_error < 1):
            raise ParameterError("max_error", max_error, "a probability in (0, 1) or None")
    if error_cost is not None:
        error_cost = positive("error_cost", error_cost)
    n_ctl = positive_int("n_controls", n_controls, 64)
    if n_ctl < 4:
        raise ParameterError("n_controls", n_controls, "an integer in [4, 64]")
    if not isinstance(jumps, bool):
        raise ParameterError("jumps", jumps, "True or False")
    n_iter = positive_int("maxiter", maxiter)
    tol = positive("tol", tol)
    check_tag(tag)

    problem = _Problem(
        m=m, kinetics=kinetics, temperature=temperature, f0=f0, p0=p0, target=p_star,
        tau=tau, n_steps=n_steps,
        tilt_range=tilt_rng, barrier_range=barrier_rng,
        start=(x0, None if b0 is None else float(b0)),
        end=(x1, None if b1 is None else float(b1)), n_controls=n_ctl, jumps=jumps, tag=tag)
    objective = _Objective(problem, error_cost, max_error)
    if max_error is None:
        method, extra = "L-BFGS-B", {"options": {"maxiter": n_iter, "ftol": tol, "gtol": 1e-9}}
    else:
        method, extra = "SLSQP", {
            "constraints": [{"type": "ineq", "fun": objective.at("g"), "jac": objective.at("dg")}],
            "options": {"maxiter": n_iter, "ftol": tol}}
    opt = minimize(objective.at("f"), problem.x0, jac=objective.at("df"), method=method,
                   bounds=problem.bounds, **extra)
    z = np.clip(opt.x, [b[0] for b in problem.bounds], [b[1] for b in problem.bounds])
    protocol = problem.protocol(z)
    exact = solve_master(protocol, problem.dt, temperature, f0, kinetics, initial=p0)
    tilts, barrier = problem.curves(z)
    e_start, e_end = protocol.start[0], protocol.end[0]
    delta_f_eq = free_energy(e_end, k_t) - free_energy(e_start, k_t)
    return OptimalProtocol(
        protocol=protocol,
        dt=problem.dt,
        work=exact.work,
        delta_f_neq=exact.delta_f_neq,
        excess_work=exact.work - exact.delta_f_neq,
        delta_f_eq=float(delta_f_eq),
        equilibrium_excess_work=float(exact.work - delta_f_eq),
        final_occupancy=exact.occupancy,
        target=p_star,
        final_error=problem.error(exact.occupancy),
        activity=exact.activity,
        tilts=tilts,
        barrier=barrier,
        control_points=problem.controls(z),
        master=exact,
        success=bool(opt.success),
        status=int(opt.status),
        message=str(opt.message),
        n_iterations=int(getattr(opt, "nit", 0)),
        n_evaluations=problem.n_evaluations,
        method=method,
    )


def _is_number(x):
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)


def _end_tilt(name, value, p, p_name, m, bounds, temperature):
    if isinstance(value, str):
        if value != "equilibrium":
            raise ParameterError(name, value, "tilts in J, 'equilibrium' or None")
        if np.any(p <= 0):
            raise ParameterError(
                name, value, f"explicit tilts: {p_name} has an empty level, so no landscape "
                "holds it in equilibrium")
        value = equilibrium_tilts(p, temperature)
    return _pinned(name, value, (m - 1,), bounds)

"""Analytic bounds and estimates of THEORY.md sections 5 and 6, as plain SI functions.

Every function says whether it is a **rigorous bound** (never beaten, by the master equation or by
Monte Carlo beyond its error), an **achievable bound** (rigorous and approached by a named
protocol), or an **estimate** (an asymptotic or design formula with a stated error). The
derivations are in ``docs/theory.md``; the tests in ``tests/exact/test_bounds.py`` confront each one
with ``solve_master`` and ``MemoryArray``.

Sources: R. Landauer, IBM J. Res. Dev. 5, 183 (1961), doi:10.1147/rd.53.0183; M. Esposito and
C. Van den Broeck, EPL 95, 40004 (2011), doi:10.1209/0295-5075/95/40004 (second law with F_neq);
N. Shiraishi, K. Funo and K. Saito, PRL 121, 070601 (2018), doi:10.1103/PhysRevLett.121.070601
(speed limit); D. A. Sivak and G. E. Crooks, PRL 108, 190602 (2012),
doi:10.1103/PhysRevLett.108.190602 (thermodynamic length); K. Proesmans, J. Ehrich and
J. Bechhoefer, PRL 125, 100602 (2020), doi:10.1103/PhysRevLett.125.100602 (finite-time erasure);
Z. Chen, F. Ahsan, J. Leugering, G. Cauwenberghs and S. Chakrabartty, arXiv:2402.14878
(energy-to-solution of learning-in-memory).

Conventions: a bit has wells ``E0 = -tilt/2``, ``E1 = +tilt/2`` and saddle ``barrier`` measured from
the mean of the wells (``simcore.bit_landscape``); ``error`` is a probability in (0, 1);
``attempt_frequency`` is f0 (arrhenius) or the pair rate Γ (glauber), in Hz.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, logit

from simcore.constants import LN2
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, one_of, positive, positive_array
from simcore.landscape import (
    KINETICS,
    boltzmann,
    entropy,
    generator,
    nonequilibrium_free_energy,
    pair_rates,
)
from simcore.protocol import Protocol
from simcore.series import smooth_sum

__all__ = [
    "ARCHITECTURES",
    "HARDWARE_ENERGY_PER_OP",
    "SCHEDULES",
    "EnergyToSolution",
    "activity_cap",
    "barrier_speed_limit",
    "bit_friction",
    "consolidation_copy_cost",
    "consolidation_raise_cost",
    "energy_to_solution",
    "escape_rate",
    "friction",
    "geodesic_bit_excess",
    "geodesic_bit_protocol",
    "geodesic_erasure_excess",
    "geodesic_erasure_protocol",
    "glauber_bit_length",
    "landauer_erasure",
    "log_schedule_activity",
    "matched_barrier",
    "matched_kinks",
    "raise_error",
    "retention_barrier",
    "retention_error",
    "retention_time",
    "schedule_activity",
    "schedule_index",
    "second_law",
    "slow_driving_excess",
    "speed_limit",
    "static_write_cost",
    "static_write_error",
    "static_write_tilt",
    "thermodynamic_length",
    "write_barrier",
]

ARCHITECTURES = ("static", "matched", "ideal")
SCHEDULES = ("inverse", "exponential", "logarithmic")


# --------------------------------------------------------------------------- validation
def _array(name: str, value, allowed: str, ok) -> np.ndarray | float:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed) from None
    if arr.size == 0 or not np.all(np.isfinite(arr)) or not np.all(ok(arr)):
        raise ParameterError(name, value, allowed)
    return float(arr) if arr.ndim == 0 else arr


def _probability(name: str, value, closed: bool = False):
    if closed:
        return _array(name, value, "probabilities in [0, 1]", lambda a: (a >= 0) & (a <= 1))
    return _array(
        name, value, "probabilities in the open interval (0, 1)", lambda a: (a > 0) & (a < 1)
    )


def _positive(name: str, value):
    arr = positive_array(name, value)
    return float(arr) if arr.ndim == 0 else arr


def _energy(name: str, value):
    return _array(name, value, "finite energies (J)", lambda a: np.ones(a.shape, bool))


def _nonnegative(name: str, value):
    return _array(name, value, "finite values >= 0", lambda a: a >= 0)


def _distribution(name: str, value) -> np.ndarray:
    p = np.asarray(_probability(name, value, closed=True), dtype=np.float64)
    if p.ndim == 0 or p.shape[-1] < 2 or not np.allclose(p.sum(axis=-1), 1.0, atol=1e-9):
        raise ParameterError(
            name, value, "probability vectors (last axis, length >= 2) summing to 1"
        )
    return p


def _n_cells(n_cells) -> float:
    if isinstance(n_cells, bool):
        raise ParameterError("n_cells", n_cells, "a number of cells >= 1")
    try:
        n = float(n_cells)
    except (TypeError, ValueError):
        raise ParameterError("n_cells", n_cells, "a number of cells >= 1") from None
    if not (math.isfinite(n) and n >= 1):
        raise ParameterError("n_cells", n_cells, "a number of cells >= 1")
    return n


def _per_cell_error(error, n_cells):
    """Per-cell failure probability that gives an array of ``n_cells`` failure ``error``:
    ``1 - (1 - error)^(1/N)``, computed without cancellation."""
    return -np.expm1(np.log1p(-error) / n_cells)


# --------------------------------------------------------------------------- 5.1 Landauer
def landauer_erasure(success_probability, temperature):
    """Least mean heat (J) to erase an unbiased bit so that it ends in the target state with
    ``success_probability`` P: ``kT [ln 2 + P ln P + (1-P) ln(1-P)]``.

    Achievable bound: the heat form of the second law, ``⟨Q⟩ >= kT [H(p0) - H(pτ)]`` over a cycle
    (ΔU = 0), reached by quasi-static protocols. P in [0, 1]; P = 1/2 gives 0, P -> 1 gives
    kT ln 2.
    """
    p = _probability("success_probability", success_probability, closed=True)
    k_t = thermal_energy(temperature)
    h = entropy(np.stack([np.asarray(p), 1.0 - np.asarray(p)], axis=-1))
    out = k_t * (LN2 - h)
    return float(out) if np.ndim(out) == 0 else out


def second_law(p_initial, p_final, energies_initial, energies_final, temperature):
    """``ΔF_neq = F_neq(p_final, E_final) - F_neq(p_initial, E_initial)`` in J, the least mean
    work of any protocol that takes occupancy ``p_initial`` in landscape ``energies_initial`` to
    ``p_final`` in ``energies_final`` (rigorous; achievable quasi-statically with instantaneous
    quenches at both ends). ``F_neq = Σ p E - kT H(p)``. Arrays broadcast over leading axes."""
    p0 = _distribution("p_initial", p_initial)
    p1 = _distribution("p_final", p_final)
    e0 = np.asarray(_energy("energies_initial", energies_initial))
    e1 = np.asarray(_energy("energies_final", energies_final))
    if e0.shape[-1:] != p0.shape[-1:]:
        raise ParameterError(
            "energies_initial", energies_initial, f"{p0.shape[-1]} levels like p_initial"
        )
    if e1.shape[-1:] != p1.shape[-1:]:
        raise ParameterError(
            "energies_final", energies_final, f"{p1.shape[-1]} levels like p_final"
        )
    k_t = thermal_energy(temperature)
    out = nonequilibrium_free_energy(p1, e1, k_t) - nonequilibrium_free_energy(p0, e0, k_t)
    return float(out) if np.ndim(out) == 0 else out


# --------------------------------------------------------------------------- 5.2 speed limit
def speed_limit(p_initial, p_final, activity, temperature):
    """Least dissipated work ``kT L1² / (2 𝒜)`` (J) of any protocol that moves the occupancy from
    ``p_initial`` to ``p_final`` with ``activity`` 𝒜 expected jumps per cell, ``L1 = Σ|Δp_i|``.

    Rigorous bound on ``⟨W⟩ - ΔF_neq = kT Σ_tot`` (Shiraishi, Funo & Saito 2018); it holds exactly
    in the engine's discrete time because the work steps leave p unchanged and produce no entropy.
    """
    p0 = _distribution("p_initial", p_initial)
    p1 = _distribution("p_final", p_final)
    if p0.shape[-1] != p1.shape[-1]:
        raise ParameterError("p_final", p_final, f"{p0.shape[-1]} levels like p_initial")
    a = _positive("activity", activity)
    l1 = np.abs(p1 - p0).sum(axis=-1)
    out = thermal_energy(temperature) * l1**2 / (2.0 * np.asarray(a))
    return float(out) if np.ndim(out) == 0 else out


def activity_cap(protocol, dt, temperature, attempt_frequency, kinetics="arrhenius"):
    """Largest possible activity (jumps per cell) of ``protocol`` on step ``dt``:
    ``Σ_k dt_k max_i R_i(λ_{k+1})`` with ``R_i`` the escape rate of level i. Rigorous upper bound
    on 𝒜 for every initial occupancy, so ``speed_limit(..., activity_cap(...))`` bounds the
    dissipation of the whole protocol from its barriers alone."""
    if not isinstance(protocol, Protocol):
        raise ParameterError("protocol", protocol, "a simcore.Protocol")
    one_of("kinetics", kinetics, KINETICS)
    grid = protocol.grid(positive("dt", dt))
    e, s = grid.landscapes(0, grid.n_steps)
    k = generator(e[1:], s[1:], thermal_energy(temperature), positive("attempt_frequency",
                  attempt_frequency), kinetics)
    escape = -np.diagonal(k, axis1=-2, axis2=-1)
    return float(np.sum(grid.durations * escape.max(axis=-1)))


def barrier_speed_limit(p_initial, p_final, duration, barrier, attempt_frequency, temperature):
    """Least dissipated work (J) of an arrhenius protocol of ``duration`` whose barrier, seen from
    any occupied well, never falls below ``barrier`` (J): ``kT L1² e^{E_B/kT} / (2 z f0 τ)`` with
    ``z = min(2, M-1)`` neighbours. Rigorous (speed limit with 𝒜 <= z f0 e^{-E_B/kT} τ)."""
    p0 = _distribution("p_initial", p_initial)
    tau = _positive("duration", duration)
    e_b = _energy("barrier", barrier)
    f0 = _positive("attempt_frequency", attempt_frequency)
    k_t = thermal_energy(temperature)
    z = min(2, p0.shape[-1] - 1)
    cap = z * np.asarray(f0) * np.exp(-np.asarray(e_b) / k_t) * np.asarray(tau)
    return speed_limit(p0, p_final, cap, temperature)


# --------------------------------------------------------------------------- 5.3 friction
def bit_friction(tilt, temperature, attempt_frequency, kinetics="glauber", barrier=0.0):
    """Friction ``ζ = π1 (1 - π1) / (kT r)`` (s/J) of a bit driven by its tilt (``E1 - E0``),
    with ``r = k01 + k10`` at that tilt and saddle ``barrier`` (ignored by glauber kinetics).
    The slow-driving excess work of a tilt schedule is ``∫ ζ (d tilt/dt)² dt``."""
    x = np.asarray(_energy("tilt", tilt))
    k_t = thermal_energy(temperature)
    f0 = _positive("attempt_frequency", attempt_frequency)
    one_of("kinetics", kinetics, KINETICS)
    b = np.asarray(_energy("barrier", barrier))
    x, b = np.broadcast_arrays(x, b)
    e = np.stack([-0.5 * x, 0.5 * x], axis=-1)
    up, down = pair_rates(e, b[..., None], k_t, f0, kinetics)
    r = (up + down)[..., 0]
    pi1 = expit(-x / k_t)
    out = pi1 * (1.0 - pi1) / (k_t * r)
    return float(out) if out.ndim == 0 else out


def friction(energies, saddles, temperature, attempt_frequency, kinetics="arrhenius"):
    """Friction tensor ``ζ_ij`` (s/J) of an M-level cell with respect to its level energies:
    ``ζ = β diag(π) ∫(e^{Kt} - Π) dt`` (the fundamental matrix of the generator K) with
    ``Π = 1 π^T`` (Sivak & Crooks 2012: ``ζ_ij = β ∫ ⟨δn_i(t) δn_j(0)⟩ dt``). Symmetric, positive
    semi-definite, with the uniform shift as null vector. Broadcasts over leading axes."""
    k_t = thermal_energy(temperature)
    f0 = _positive("attempt_frequency", attempt_frequency)
    e = np.asarray(_energy("energies", energies))
    s = np.asarray(_energy("saddles", saddles))
    if e.ndim == 0 or e.shape[-1] < 2 or s.shape[-1:] != (e.shape[-1] - 1,):
        raise ParameterError("saddles", saddles, "M-1 saddles for M >= 2 levels")
    k = generator(e, s, k_t, f0, kinetics)
    pi = boltzmann(e, k_t)
    # ∫(e^{Kt} - Π) dt = (cΠ - K)^{-1} - Π/c for any c > 0; c = the largest escape rate keeps
    # the matrix well conditioned (c = 1 would lose the 1/r part to round-off)
    c = np.max(-np.diagonal(k, axis1=-2, axis2=-1), axis=-1)[..., None, None]
    big_pi = np.broadcast_to(pi[..., None, :], k.shape)
    z = np.linalg.inv(c * big_pi - k)
    zeta = pi[..., :, None] * (z - big_pi / c) / k_t
    return 0.5 * (zeta + np.swapaxes(zeta, -1, -2))


def _sampled(protocol, n_points):
    """Landscapes of ``protocol`` on ``n_points`` evenly spaced times plus every knot."""
    if not isinstance(protocol, Protocol):
        raise ParameterError("protocol", protocol, "a simcore.Protocol")
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 2:
        raise ParameterError("n_points", n_points, "an integer >= 2")
    grid = protocol.grid(protocol.duration / (n_points - 1)) if protocol.duration > 0 else None
    if grid is None:
        raise ParameterError("protocol", protocol, "a protocol of positive duration")
    e, s = grid.landscapes(0, grid.n_steps)
    return grid.times, e, s


def thermodynamic_length(protocol, temperature, attempt_frequency, kinetics="arrhenius",
                         n_points=2049):
    """Thermodynamic length ``L = ∫ sqrt(dE^T ζ dE)`` (J^{1/2} s^{1/2}) of the landscape path of
    ``protocol`` (midpoint rule on ``n_points``); ``L²/τ`` is the least slow-driving excess work
    of any schedule along that path in time τ (Sivak & Crooks 2012)."""
    _, e, s = _sampled(protocol, n_points)
    de = np.diff(e, axis=0)
    zeta = friction(0.5 * (e[1:] + e[:-1]), 0.5 * (s[1:] + s[:-1]), temperature,
                    attempt_frequency, kinetics)
    q = np.einsum("ki,kij,kj->k", de, zeta, de)
    return float(np.sum(np.sqrt(np.maximum(q, 0.0))))


def slow_driving_excess(protocol, temperature, attempt_frequency, kinetics="arrhenius",
                        n_points=2049):
    """Estimate (J) of the excess work ``⟨W⟩ - ΔF_eq`` of ``protocol`` to leading order in slow
    driving: ``∫ dE/dt^T ζ dE/dt dt``; exact as τ -> ∞ with relative error O(τ_relax/τ), and
    ``>= L²/τ`` by Cauchy–Schwarz. Instantaneous jumps of level energies give ``inf``."""
    t, e, s = _sampled(protocol, n_points)
    de = np.diff(e, axis=0)
    dt = np.diff(t)
    zeta = friction(0.5 * (e[1:] + e[:-1]), 0.5 * (s[1:] + s[:-1]), temperature,
                    attempt_frequency, kinetics)
    q = np.einsum("ki,kij,kj->k", de, zeta, de)
    if np.any((dt == 0) & (q > 0)):
        return math.inf
    return float(np.sum(np.where(dt > 0, q / np.where(dt > 0, dt, 1.0), 0.0)))


def glauber_bit_length(p_start, p_end, rate, temperature):
    """Thermodynamic length (J^{1/2} s^{1/2}) of a glauber bit driven by its tilt from
    equilibrium occupancy ``p_start`` of level 1 to ``p_end``:
    ``2 sqrt(kT/Γ) |arcsin sqrt(p_end) - arcsin sqrt(p_start)|`` (closed form of
    ``∫ sqrt(ζ) d tilt`` with ``ζ = π1(1-π1)/(kT Γ)``)."""
    a = _probability("p_start", p_start)
    b = _probability("p_end", p_end)
    gamma = _positive("rate", rate)
    k_t = thermal_energy(temperature)
    out = 2.0 * np.sqrt(k_t / np.asarray(gamma)) * np.abs(
        np.arcsin(np.sqrt(b)) - np.arcsin(np.sqrt(a))
    )
    return float(out) if np.ndim(out) == 0 else out


def geodesic_erasure_excess(error, duration, rate, temperature):
    """Least slow-driving excess work (J) of a glauber bit erased by its tilt from p1 = 1/2 to
    p1 = ``error`` in ``duration``: ``4 (π/4 - arcsin sqrt(error))² kT/(Γ τ)``
    (-> π²/4 kT/(Γτ) as error -> 0). Estimate: leading term of the slow-driving expansion,
    reached by ``geodesic_erasure_protocol`` with a correction O(kT/(Γτ)²); not a bound at short
    τ (an instantaneous quench costs finite excess)."""
    length = glauber_bit_length(0.5, error, rate, temperature)
    tau = _positive("duration", duration)
    out = np.asarray(length) ** 2 / np.asarray(tau)
    return float(out) if np.ndim(out) == 0 else out


def geodesic_bit_excess(p_start, p_end, duration, rate, temperature):
    """Excess work (J) of the glauber geodesic ``geodesic_bit_protocol(p_start, p_end, τ)`` to
    second order in slow driving: ``L²/τ + c₂/τ²`` with
    ``c₂ = 4 kT Δθ² [ln(sin 2θ_a / sin 2θ_b) - 1] / Γ²``, ``θ = arcsin sqrt(p)``,
    ``Δθ = θ_b - θ_a``.
    From ``p1 = π1 - π1'/Γ + π1''/Γ² + (π1'(0)/Γ) e^{-Γt} + ...`` (adiabatic expansion of
    ``dp1/dt = Γ(π1 - p1)`` plus the start-up transient); the remainder is O(kT/(Γτ)³).
    Estimate (asymptotic), used to show that the slow-driving error falls like 1/τ²."""
    length = glauber_bit_length(p_start, p_end, rate, temperature)
    tau = np.asarray(_positive("duration", duration))
    gamma = np.asarray(_positive("rate", rate))
    k_t = thermal_energy(temperature)
    th_a = np.arcsin(np.sqrt(np.asarray(p_start, dtype=np.float64)))
    th_b = np.arcsin(np.sqrt(np.asarray(p_end, dtype=np.float64)))
    c2 = 4 * k_t * (th_b - th_a) ** 2 * (np.log(np.sin(2 * th_a) / np.sin(2 * th_b)) - 1) / gamma**2
    out = np.asarray(length) ** 2 / tau + c2 / tau**2
    return float(out) if out.ndim == 0 else out


def _tilt_of(p1, k_t):
    """Tilt ``E1 - E0`` (J) whose equilibrium occupancy of level 1 is ``p1``."""
    return -k_t * logit(p1)


def geodesic_bit_protocol(p_start, p_end, duration, temperature, attempt_frequency,
                          kinetics="glauber", barrier=0.0, n_knots=257, tag="update"):
    """Protocol (tilt only, saddle fixed at ``barrier``) that moves a bit from equilibrium
    occupancy ``p_start`` of level 1 to ``p_end`` along its geodesic: constant speed in
    thermodynamic length, so its slow-driving excess is ``L²/τ`` (least for this duration).

    Glauber uses the closed form ``arcsin sqrt(π1(t))`` linear in t; arrhenius inverts the
    numerically integrated length. ``n_knots`` linear pieces approximate the curve (relative
    excess error O(n_knots^-2))."""
    a = float(_probability("p_start", p_start))
    b = float(_probability("p_end", p_end))
    tau = positive("duration", duration)
    k_t = thermal_energy(temperature)
    f0 = positive("attempt_frequency", attempt_frequency)
    one_of("kinetics", kinetics, KINETICS)
    e_b = float(_energy("barrier", barrier))
    if isinstance(n_knots, bool) or not isinstance(n_knots, int) or n_knots < 2:
        raise ParameterError("n_knots", n_knots, "an integer >= 2")
    u = np.linspace(0.0, 1.0, n_knots)
    if kinetics == "glauber":
        th = np.arcsin(np.sqrt(a)) + (np.arcsin(np.sqrt(b)) - np.arcsin(np.sqrt(a))) * u
        tilt = _tilt_of(np.sin(th) ** 2, k_t)
    else:
        x = np.linspace(_tilt_of(a, k_t), _tilt_of(b, k_t), 64 * n_knots + 1)
        root = np.sqrt(bit_friction(x, temperature, f0, kinetics, e_b))
        ell = np.concatenate([[0.0], np.cumsum(0.5 * (root[1:] + root[:-1]) * np.abs(np.diff(x)))])
        tilt = np.interp(u * ell[-1], ell, x)
    tilt[0], tilt[-1] = _tilt_of(a, k_t), _tilt_of(b, k_t)
    energies = np.stack([-0.5 * tilt, 0.5 * tilt], axis=-1)
    saddles = np.full((n_knots, 1), e_b)
    return Protocol(u * tau, energies, saddles, [tag] * (n_knots - 1))


def geodesic_erasure_protocol(error, duration, temperature, rate, n_knots=257, tag="erase"):
    """Glauber geodesic erasure from p1 = 1/2 (no tilt) to p1 = ``error``: the protocol that
    approaches ``geodesic_erasure_excess`` as ``duration`` grows. Ends tilted (the tilt holds the
    erased state; a barrier device would now raise its barrier, which costs no work)."""
    return geodesic_bit_protocol(0.5, error, duration, temperature, rate, "glauber", 0.0,
                                 n_knots, tag)


# --------------------------------------------------------------------------- 5.4 retention
def escape_rate(barrier, attempt_frequency, temperature):
    """Arrhenius escape rate ``f0 exp(-E_B/kT)`` (1/s) over a barrier ``E_B`` seen from a well."""
    e_b = np.asarray(_energy("barrier", barrier))
    out = np.asarray(_positive("attempt_frequency", attempt_frequency)) * np.exp(
        -e_b / thermal_energy(temperature)
    )
    return float(out) if out.ndim == 0 else out


def retention_barrier(hold_time, error, attempt_frequency, temperature, n_cells=1):
    """Least barrier (J) that holds ``n_cells`` bits for ``hold_time`` with probability at most
    ``error`` that any cell ever leaves its well: ``kT ln(f0 t / -ln(1 - ε_c))`` with per-cell
    ``ε_c = 1 - (1 - error)^(1/N)``. Rigorous for first passage (escape probability
    ``1 - exp(-f0 e^{-E_B/kT} t)``); the probability of *being* in the wrong well at t,
    ``(1 - exp(-2 k t))/2``, is smaller, so the barrier is sufficient for it too.
    ≈ 40.3 kT for 10 years at 1 GHz and ε = 1 - 1/e."""
    t = _positive("hold_time", hold_time)
    eps = _probability("error", error)
    f0 = _positive("attempt_frequency", attempt_frequency)
    n = _n_cells(n_cells)
    eps_c = _per_cell_error(np.asarray(eps), n)
    out = thermal_energy(temperature) * np.log(np.asarray(f0) * np.asarray(t) / -np.log1p(-eps_c))
    return float(out) if out.ndim == 0 else out


def retention_time(barrier, error, attempt_frequency, temperature, n_cells=1):
    """Longest hold (s) of ``n_cells`` bits behind ``barrier`` (J) with failure probability at most
    ``error``: ``-ln(1 - ε_c) e^{E_B/kT} / f0``; inverse of ``retention_barrier``."""
    eps = _probability("error", error)
    n = _n_cells(n_cells)
    eps_c = _per_cell_error(np.asarray(eps), n)
    out = -np.log1p(-eps_c) / np.asarray(escape_rate(barrier, attempt_frequency, temperature))
    return float(out) if out.ndim == 0 else out


def retention_error(barrier, hold_time, attempt_frequency, temperature, n_cells=1):
    """Probability that at least one of ``n_cells`` bits escapes its well during ``hold_time``:
    ``1 - exp(-N f0 e^{-E_B/kT} t)``."""
    t = _positive("hold_time", hold_time)
    n = _n_cells(n_cells)
    out = -np.expm1(-n * np.asarray(escape_rate(barrier, attempt_frequency, temperature)) * t)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- 5.5 static write
def write_barrier(write_time, error, attempt_frequency, temperature):
    """Barrier (J) that a cell crosses within ``write_time`` with failure probability ``error``:
    ``kT ln(f0 τ_w / ln(1/ε))`` (escape rate ``ln(1/ε)/τ_w``)."""
    tw = _positive("write_time", write_time)
    eps = _probability("error", error)
    f0 = _positive("attempt_frequency", attempt_frequency)
    out = thermal_energy(temperature) * np.log(np.asarray(f0) * np.asarray(tw) / -np.log(eps))
    return float(out) if np.ndim(out) == 0 else out


def static_write_error(tilt, barrier, write_time, attempt_frequency, temperature):
    """Exact failure probability of a tilt-only write over a static barrier (arrhenius): the
    source well is lifted by ``tilt`` (J) for ``write_time`` while the saddle stays ``barrier``
    above the unlifted wells, then dropped. ``P_fail = π_s + (1 - π_s) e^{-rτ}`` with
    ``π_s = 1/(1 + e^{tilt/kT})``, ``r = f0 (e^{-(E_B - tilt)/kT} + e^{-E_B/kT})``
    (the barrier from the source is clamped at 0 when ``tilt > barrier``)."""
    d = np.asarray(_nonnegative("tilt", tilt))
    e_b = np.asarray(_nonnegative("barrier", barrier))
    tw = _positive("write_time", write_time)
    f0 = np.asarray(_positive("attempt_frequency", attempt_frequency))
    k_t = thermal_energy(temperature)
    s_eff = np.maximum(e_b, d)
    r = f0 * (np.exp(-(s_eff - d) / k_t) + np.exp(-s_eff / k_t))
    pi_s = expit(-d / k_t)
    out = pi_s + (1.0 - pi_s) * np.exp(-r * np.asarray(tw))
    return float(out) if out.ndim == 0 else out


def static_write_tilt(barrier, write_time, error, attempt_frequency, temperature, exact=False):
    """Tilt (J) that writes a bit over the static ``barrier`` within ``write_time`` with failure
    ``error`` (THEORY 5.5). Estimate (``exact=False``): ``max(E_B - E_w, kT ln((1-ε)/ε))`` with
    ``E_w = write_barrier(...)``: the lift must lower the barrier seen from the source to E_w, and
    the lifted well must hold at most ε in equilibrium; its failure differs from ε by
    O(e^{-tilt/kT}) + O(f0 τ_w e^{-E_B/kT}). ``exact=True`` solves ``static_write_error = ε``
    (scalars only)."""
    e_b = np.asarray(_nonnegative("barrier", barrier))
    eps = np.asarray(_probability("error", error))
    k_t = thermal_energy(temperature)
    e_w = np.asarray(write_barrier(write_time, eps, attempt_frequency, temperature))
    est = np.maximum(e_b - e_w, k_t * np.log((1.0 - eps) / eps))
    est = np.maximum(est, 0.0)
    if not exact:
        return float(est) if est.ndim == 0 else est
    if est.ndim != 0:
        raise ParameterError("exact", exact, "False for array arguments (the root is scalar)")
    eps_f = float(eps)

    def gap(d):
        return static_write_error(d, float(e_b), write_time, attempt_frequency, temperature) - eps_f

    hi = max(float(est), k_t) * 2 + float(e_b) + 60 * k_t
    if gap(0.0) <= 0:
        return 0.0
    if gap(hi) > 0:
        raise ParameterError("error", error, "a failure probability a tilt can reach in write_time")
    return float(brentq(gap, 0.0, hi, xtol=1e-12 * k_t, rtol=1e-14))


def static_write_cost(barrier, write_time, error, attempt_frequency, temperature):
    """Mean heat (J) per bit changed by a tilt-only write over a static barrier: the tilt of
    ``static_write_tilt`` times the success probability ``1 - ε`` (the lifted source is dropped
    onto the target on every success; a failure gives its lift back). Estimate (THEORY 5.5), the
    update wall: ≈ E_B - kT ln(f0 τ_w / ln(1/ε)) for a retention barrier."""
    d = np.asarray(static_write_tilt(barrier, write_time, error, attempt_frequency, temperature))
    out = d * (1.0 - np.asarray(error))
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- 5.6 consolidation
def consolidation_copy_cost(barrier, write_time, error, attempt_frequency, temperature,
                            changed_fraction=0.5):
    """Mean heat (J per bit copied) of copying a value from a fast memory into a slow one whose
    barrier stays ``barrier``: ``changed_fraction`` × ``static_write_cost`` (each bit that differs
    from the slow memory's old content is a static write). Estimate (THEORY 5.6)."""
    c = _probability("changed_fraction", changed_fraction, closed=True)
    out = np.asarray(c) * np.asarray(
        static_write_cost(barrier, write_time, error, attempt_frequency, temperature)
    )
    return float(out) if out.ndim == 0 else out


def raise_error(barrier_start, barrier_end, duration, attempt_frequency, temperature):
    """Probability that a bit escapes its well while its barrier rises linearly from
    ``barrier_start`` to ``barrier_end`` in ``duration`` (no tilt, arrhenius):
    ``1 - exp(-f0 τ kT (e^{-E_a/kT} - e^{-E_b/kT}) / (E_b - E_a))`` (→ ``1 - e^{-k τ}`` at equal
    barriers). Exact for first passage in continuous time."""
    e_a = np.asarray(_energy("barrier_start", barrier_start))
    e_b = np.asarray(_energy("barrier_end", barrier_end))
    tau = np.asarray(_positive("duration", duration))
    f0 = np.asarray(_positive("attempt_frequency", attempt_frequency))
    k_t = thermal_energy(temperature)
    x = (e_b - e_a) / k_t
    # ∫_0^1 e^{-(a + x u)} du = e^{-a} (1 - e^{-x})/x, with the x -> 0 limit kept exact
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(np.abs(x) > 1e-12, -np.expm1(-x) / np.where(x == 0, 1.0, x), 1.0)
    hazard = f0 * tau * np.exp(-e_a / k_t) * shape
    out = -np.expm1(-hazard)
    return float(out) if out.ndim == 0 else out


def consolidation_raise_cost(barrier_start, barrier_end, duration, write_time, error,
                             attempt_frequency, temperature):
    """Mean energy (J per bit) of consolidating in place: raising the barrier costs no work
    (THEORY 4), so the price is the bits lost while raising (``raise_error``), each rewritten by
    a static write at the final barrier within ``write_time`` at failure ``error``. Estimate."""
    p = np.asarray(raise_error(barrier_start, barrier_end, duration, attempt_frequency,
                               temperature))
    out = p * np.asarray(static_write_cost(barrier_end, write_time, error, attempt_frequency,
                                           temperature))
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- 6 energy-to-solution
@dataclass(frozen=True)
class EnergyToSolution:
    """Energy (J, whole optimiser) by wall, with the reference lines. ``total`` is the sum of
    the three walls; ``landauer`` and ``hardware`` are reference lines, not part of it.
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

    @property
    def total(self) -> float:
        return self.update + self.consolidation + self.hold


#: Default energy per parameter update of conventional digital hardware (J): about 10 pJ for
#: reading a 32-bit word from a small SRAM, one floating-point multiply-add and the write-back
#: at 45 nm (M. Horowitz, ISSCC 2014, doi:10.1109/ISSCC.2014.6757323).
HARDWARE_ENERGY_PER_OP = 1e-11
#: Largest iteration count: every iteration index is exact in float64.
_MAX_ITERATIONS = 2**53
#: Inner sums of a consolidation window are evaluated as (points × K) arrays up to this K.
_WINDOW_TERMS = 4096


def schedule_activity(n, schedule, scale):
    """Probability that a parameter's stored value changes at update ``n`` (1, 2, ...) under a
    convergence ``schedule`` with time constant ``scale`` (updates):

    - ``inverse`` (learning rate ∝ 1/n): ``1/(1 + n/scale)``;
    - ``exponential`` (linear convergence): ``exp(-n/scale)``;
    - ``logarithmic`` annealing (temperature ``θ_0/ln(e + n/scale)``, moves of depth θ_0 accepted
      with ``e^{1-θ_0/θ_n}``): ``e/(e + n/scale)``.
    The stored value then has to be held for ``1/a_n`` updates, which sets the matched barrier."""
    one_of("schedule", schedule, SCHEDULES)
    s = positive("scale", scale)
    x = np.asarray(n, dtype=np.float64) / s
    if schedule == "inverse":
        return 1.0 / (1.0 + x)
    if schedule == "exponential":
        return np.exp(-x)
    return math.e / (math.e + x)


def matched_barrier(n, schedule, scale, update_time, error, attempt_frequency, temperature):
    """Barrier (J) of a learning-in-memory cell at update ``n``: the retention barrier for the
    time ``update_time / a_n`` until the optimiser next changes the value (``schedule_activity``),
    i.e. ``E_0 + kT ln(1 + n/scale)`` for the inverse schedule (THEORY 6) and ``E_0 + kT n/scale``
    for the exponential one, with ``E_0 = retention_barrier(update_time, error)``."""
    a = schedule_activity(n, schedule, scale)
    return retention_barrier(positive("update_time", update_time) / a, error, attempt_frequency,
                             temperature)


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


def log_schedule_activity(n, schedule, scale):
    """``ln a_n`` of ``schedule_activity`` without underflow (the exponential schedule's
    ``a_n = e^{-n/scale}`` is 0 in float64 beyond n ≈ 745 scale, its logarithm is not)."""
    one_of("schedule", schedule, SCHEDULES)
    x = np.asarray(n, dtype=np.float64) / positive("scale", scale)
    if schedule == "inverse":
        return -np.log1p(x)
    if schedule == "exponential":
        return -x
    return -np.log1p(x / math.e)


def schedule_index(log_activity, schedule, scale):
    """The (real) update index n at which ``ln a_n = log_activity`` (<= 0): the inverse of
    ``log_schedule_activity``."""
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


def _matched_barrier_log(n, schedule, scale, update_time, error, attempt_frequency, temperature,
                         cap):
    """``min(matched_barrier(n), cap)`` (J), from ``ln a_n`` so that it never underflows."""
    e0 = retention_barrier(update_time, error, attempt_frequency, temperature)
    e_n = e0 - thermal_energy(temperature) * log_schedule_activity(n, schedule, scale)
    return np.minimum(e_n, cap)


def matched_kinks(n_iterations, schedule, scale, update_time, error, attempt_frequency,
                  temperature, cap):
    """Update indices (real, inside ``(1, n_iterations)``) where the matched architecture's cost
    per changed bit has a kink: its barrier reaches ``cap`` (J), or the tilt of
    ``static_write_tilt`` switches branch. Between them every per-iteration term of
    ``energy_to_solution`` is an analytic function of n."""
    k_t = thermal_energy(temperature)
    eps = float(_probability("error", error))
    e0 = retention_barrier(update_time, eps, attempt_frequency, temperature)
    e_w = write_barrier(update_time, eps, attempt_frequency, temperature)
    out = []
    for e in (cap, e_w, e_w + k_t * math.log((1 - eps) / eps)):
        if e0 < e <= cap:
            n = schedule_index(-(e - e0) / k_t, schedule, scale)
            if 1.0 < n < n_iterations:
                out.append(n)
    return sorted(out)


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
                       scale=None, update_time=1e-9, temperature=300.0, attempt_frequency=1e9,
                       error=None, retention=10 * 365.25 * 86400.0, consolidation_interval=100,
                       hardware_energy_per_op=HARDWARE_ENERGY_PER_OP):
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

    Reference lines: ``landauer = ops · B · kT ln 2``; ``hardware = ops ·
    hardware_energy_per_op`` (J per parameter update of digital hardware, default
    ``HARDWARE_ENERGY_PER_OP`` = 10 pJ).

    Sums over iterations are taken term by term up to 2^20 iterations (consolidation windows)
    and beyond by the Euler–Maclaurin formula of ``simcore.series.smooth_sum`` (every summand is
    an analytic function of n between the ``matched_kinks``), for any count up to 2^53;
    ``sum_error`` bounds the error (J), about 1e-15 of the total.
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
    eps = 2.0**-bits if error is None else float(_probability("error", error))
    sc = max(1.0, n_iter / 10.0) if scale is None else positive("scale", scale)
    tau = positive("update_time", update_time)
    k_t = thermal_energy(temperature)
    f0 = positive("attempt_frequency", attempt_frequency)
    hold_for = positive("retention", retention)
    every = consolidation_interval
    if isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1:
        raise ParameterError("consolidation_interval", every, "an integer >= 1 (iterations)")
    every = int(every)
    per_op = _nonnegative("hardware_energy_per_op", hardware_energy_per_op)
    cells = n_par * bits
    e_long = retention_barrier(hold_for, eps, f0, temperature, n_cells=cells)
    landauer = ops_f * bits * k_t * LN2
    hardware = ops_f * float(per_op)
    consolidation = hold = 0.0
    e_final = e_long

    def activity(n):
        return schedule_activity(n, schedule, sc)

    changed, err = smooth_sum(activity, 1, n_iter)
    if arch == "static":
        e_short = retention_barrier(every * tau, eps, f0, temperature)
        c_short = static_write_cost(e_short, tau, eps, f0, temperature)
        c_long = static_write_cost(e_long, tau, eps, f0, temperature)
        full, rest = divmod(n_iter, every)
        consolidation, err_c = smooth_sum(
            lambda j: _window_change(j, every, schedule, sc), 1, full)
        if rest:
            tail = np.arange(full * every + 1, n_iter + 1, dtype=np.float64)
            keep = np.log1p(-np.minimum(activity(tail), 1 - 1e-16)).sum()
            consolidation += -0.5 * math.expm1(keep)
        consolidation *= c_long
        update = changed * 0.5 * c_short
        hold = math.ceil(n_iter / every) * eps * c_short
        err = err * 0.5 * c_short + err_c * c_long
    elif arch == "matched":
        kinks = matched_kinks(n_iter, schedule, sc, tau, eps, f0, temperature, e_long)

        def cost(n):
            e_n = _matched_barrier_log(n, schedule, sc, tau, eps, f0, temperature, e_long)
            return activity(n) * static_write_cost(e_n, tau, eps, f0, temperature)

        weighted, err_w = smooth_sum(cost, 1, n_iter, breaks=kinks)
        update, hold = 0.5 * weighted, eps * weighted
        e_final = float(_matched_barrier_log(n_iter, schedule, sc, tau, eps, f0, temperature,
                                             e_long))
        consolidation = consolidation_raise_cost(e_final, e_long, tau, tau, eps, f0, temperature)
        err = err_w * (0.5 + eps)
    else:
        per_bit = landauer_erasure(1.0 - eps, temperature) + geodesic_erasure_excess(
            eps, tau, f0, temperature)
        update = 0.5 * changed * per_bit
        err = 0.5 * err * per_bit
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
    )

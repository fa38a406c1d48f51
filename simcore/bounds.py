"""Analytic bounds and estimates of THEORY.md section 5, as plain SI functions.

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

Section 6 (the learning-in-memory architectures, their schedules and ``energy_to_solution``) lives
in ``simcore.lim``, built on these functions; its public names are also reachable here
(``bounds.energy_to_solution`` is ``lim.energy_to_solution``), forwarded on first use so that
``simcore.lim`` can import this module without a cycle.

Conventions: a bit has wells ``E0 = -tilt/2``, ``E1 = +tilt/2`` and saddle ``barrier`` measured from
the mean of the wells (``simcore.bit_landscape``); ``error`` is a probability in (0, 1);
``attempt_frequency`` is f0 (arrhenius) or the pair rate Γ (glauber), in Hz.
"""

from __future__ import annotations

import math

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

__all__ = [
    "activity_cap",
    "barrier_speed_limit",
    "bit_friction",
    "consolidation_copy_cost",
    "consolidation_raise_cost",
    "escape_rate",
    "friction",
    "geodesic_bit_excess",
    "geodesic_bit_protocol",
    "geodesic_erasure_excess",
    "geodesic_erasure_protocol",
    "glauber_bit_length",
    "hold_error",
    "landauer_erasure",
    "raise_error",
    "ramp_hazard",
    "retention_barrier",
    "retention_error",
    "retention_time",
    "second_law",
    "slow_driving_excess",
    "speed_limit",
    "static_write_cost",
    "static_write_error",
    "static_write_tilt",
    "thermodynamic_length",
    "write_barrier",
]

#: The names of THEORY.md section 6 that ``simcore.lim`` defines and this module forwards.
_SECTION_6 = ("ARCHITECTURES", "HARDWARE_ENERGY_PER_OP", "MODULATIONS", "SCHEDULES",
              "EnergyToSolution", "check_estimate_range", "energy_to_solution",
              "log_schedule_activity", "matched_barrier", "matched_kinks", "schedule_activity",
              "schedule_index")


def __getattr__(name: str):
    """``bounds.energy_to_solution`` and the other section-6 names: those of ``simcore.lim``."""
    if name in _SECTION_6:
        from simcore import lim

        return getattr(lim, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def hold_error(barrier, hold_time, attempt_frequency, temperature):
    """Probability that a bit held behind ``barrier`` (J, no tilt) for ``hold_time`` (s) is
    found in the other well: ``(1 - e^{-2 k t})/2`` with ``k = escape_rate(barrier)`` (bit
    relaxation, THEORY 4: a symmetric pair relaxes at twice the escape rate). Exact; smaller
    than the first-passage ``retention_error`` of one cell."""
    t = np.asarray(_positive("hold_time", hold_time))
    out = -0.5 * np.expm1(-2.0 * np.asarray(escape_rate(barrier, attempt_frequency,
                                                        temperature)) * t)
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


def ramp_hazard(barrier_start, barrier_end, duration, attempt_frequency, temperature):
    """Escape hazard (expected first-passage escapes, dimensionless) of a bit whose barrier
    rises linearly from ``barrier_start`` to ``barrier_end`` (J) in ``duration`` (s), no tilt,
    arrhenius: ``f0 τ e^{-E_a/kT} (1 - e^{-x})/x`` with ``x = (E_b - E_a)/kT``
    (→ ``f0 τ e^{-E_a/kT}`` at equal barriers). Exact; broadcasts."""
    e_a = np.asarray(_energy("barrier_start", barrier_start))
    e_b = np.asarray(_energy("barrier_end", barrier_end))
    tau = np.asarray(_positive("duration", duration))
    f0 = np.asarray(_positive("attempt_frequency", attempt_frequency))
    k_t = thermal_energy(temperature)
    x = (e_b - e_a) / k_t
    # ∫_0^1 e^{-(a + x u)} du = e^{-a} (1 - e^{-x})/x, with the x -> 0 limit kept exact
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(np.abs(x) > 1e-12, -np.expm1(-x) / np.where(x == 0, 1.0, x), 1.0)
    out = f0 * tau * np.exp(-e_a / k_t) * shape
    return float(out) if out.ndim == 0 else out


def raise_error(barrier_start, barrier_end, duration, attempt_frequency, temperature):
    """Probability that a bit escapes its well while its barrier rises linearly from
    ``barrier_start`` to ``barrier_end`` in ``duration`` (no tilt, arrhenius):
    ``1 - exp(-f0 τ kT (e^{-E_a/kT} - e^{-E_b/kT}) / (E_b - E_a))`` (→ ``1 - e^{-k τ}`` at equal
    barriers), i.e. ``1 - exp(-ramp_hazard)``. Exact for first passage in continuous time."""
    hazard = np.asarray(ramp_hazard(barrier_start, barrier_end, duration, attempt_frequency,
                                    temperature))
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

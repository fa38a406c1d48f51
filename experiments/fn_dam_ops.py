"""FN-DAM in ``landauer_erasure``, ``consolidation_wall`` and ``update_wall``: a reset pulse,
the cell's own ageing as its consolidation, and k-level updates, each with the model's W and Q
beside the electrical energy its electrons dissipate.

An FN-DAM cell (``devices.FowlerNordheimDAM``) stores one of ``M`` levels of ``N_e`` electrons;
its only control is a program pulse (amplitude ``V_p`` on one gate of the pair) that drifts the
value by ``(I_p - I)/(C ΔV)`` levels/s, and its hold barrier rises on its own log clock.

Erasure (:func:`erase`): resetting an unknown stored value (uniform over the ``M`` levels:
``log2 M`` bits) to the known level 0 by one rectangular downward pulse of duration τ at age
:data:`ERASE_AGE`. The chain's end level 0 is the reset reference (the value cannot fall below
the cell's lowest level). The amplitude is solved (Brent, on the logarithm) so that the exact
chain (``expm`` of its generator) leaves a fraction ``error`` of the cells off level 0. The
Landauer bound for the ``M``-level value is ``kT [ln M - H(p_end)]`` (``log2 M`` times
``kT ln 2`` for a sure reset): the two-level bound ``kT ln 2`` is per bit of it. The model's W
and Q are those of its effective chain (saddles ``kT ln(f0/rate)``), which the engine books;
the electrical energy is ``q (V + V_p)`` per electron through the pulsed gate plus ``q V`` per
electron the other gate leaks (``injection_energy`` + ``tunnelling_energy(gates=1)``), the same
in every level. All of it is dissipated, so it is the device's real heat; it exceeds the model's
Q by orders of magnitude: the effective chain's reverse hops are the other gate's electrons, not
reversed injections (FN emission over a barrier of eV is one-way), so Q of the chain is not the
heat of the electrons.

Consolidation (:func:`consolidate`): the FN-DAM cannot raise its barrier on command; it
consolidates by ageing. Held from age ``a`` for ``t``, its value moves with the Skellam
probability ``1 - exp(-2h) I_0(2h)``, ``h = hops(a, a + t)``, which falls as the cell ages. The
age ``a(t)`` at which it reaches ``ε`` is solved from that closed form and the hold from ``a``
to ``a + t`` is run (Monte Carlo and master equation) to check it. The cost of a value
consolidated for ``t`` is the programming (``(M - 1)/2`` one-level updates on average, from the
reset level to a uniform value) plus the energy the pair's leak dissipates over the ageing,
``C (V(0)² - V(a)²)``; per stored bit it is that over ``log2 M``. The one-level update
(amplitude solved so that ``update_size = 1`` in ``write_time`` at age 0) is run too, for its
W and Q beside its injection energy.

Update wall (:func:`update`): a step of ``k`` levels in τ_w at :data:`UPDATE_AGE`, the amplitude
solved as for the one-level update. Its precision is set by electron shot noise: the pulsed
gate's ``I_p τ_w/q`` and the other gate's leak are Poisson counts, so the move spreads by
``√(n_p + n_o)/N_e`` levels (:func:`shot_noise_spread`), drawn as electron counts beside the
chain (whose own spread is that of whole levels, ``√k``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm
from scipy.optimize import brentq
from scipy.special import ive

import simcore as sc
from devices import ideal
from experiments.checks import check, check_key, count_check
from experiments.electrical import rate_matrix
from experiments.results import Simulated, simulate
from simcore.constants import Q_E

#: Age (s) of the cell when it is erased: the preset's log clock starts near 1 s (t0 = k0/k1).
ERASE_AGE = 1.0
#: The Fowler–Nordheim law ``α V² exp(-β/V)`` is a strong-barrier form: pulses are limited to
#: tunnelling voltages with ``β/(V + V_p) >= MIN_FN_EXPONENT``.
MIN_FN_EXPONENT = 5.0
#: Decades of age beyond the time constant the ageing search tries before it refuses.
MAX_AGE_DECADES = 200
#: The level a reset writes (the chain's lowest).
RESET_LEVEL = 0


def max_amplitude(dev, age: float) -> float:
    """Largest pulse amplitude (V) at ``age`` within the model's range: the FN law's
    (:data:`MIN_FN_EXPONENT`) and the engine's, a hop rate in the pulse's direction at most
    the attempt frequency f0 (a saddle at or above its well: Arrhenius rates never exceed
    f0)."""
    top = dev.beta / MIN_FN_EXPONENT - float(dev.voltage(age))
    f0 = dev.attempt_frequency
    if float(dev.program_rate(age, top)) <= f0:
        return top
    return float(brentq(lambda a: math.log(float(dev.program_rate(age, a)) / f0), 1e-12 * top,
                        top, xtol=1e-13 * top, rtol=4 * np.finfo(float).eps))


def pulse_landscape(dev, age: float, amplitude: float, direction: int, temperature: float):
    """The chain during a pulse (``FowlerNordheimDAM.update_landscape``)."""
    return dev.update_landscape(age, amplitude, direction, temperature)


def pulse_energy(dev, age: float, amplitude: float, width: float) -> float:
    """Electrical energy (J per cell) of a pulse: the pulsed gate's ``I_p (V + V_p) w`` and
    the other gate's leak over the pulse."""
    return float(dev.injection_energy(age, amplitude, width)
                 + dev.tunnelling_energy(age, age + width, gates=1))


def reset_failure(dev, age: float, amplitude: float, duration: float,
                  temperature: float) -> float:
    """Exact fraction of cells not in level 0 after a downward pulse of ``amplitude`` V and
    ``duration`` s at ``age``, from a uniform value: ``1 - [u expm(R τ)]_0``."""
    e, s = pulse_landscape(dev, age, amplitude, -1, temperature)
    r = rate_matrix(e, s, temperature, dev.attempt_frequency)
    p = np.full(dev.levels, 1.0 / dev.levels) @ expm(r * duration)
    return float(max(1.0 - p[RESET_LEVEL], 0.0))


def reset_amplitude(dev, age: float, duration: float, error: float, temperature: float,
                    name: str = "durations") -> float:
    """Amplitude (V) of the downward pulse of ``duration`` s at ``age`` that resets a uniform
    value to level 0 with failure ``error`` (Brent on the logarithm of :func:`reset_failure`).

    Raises
    ------
    simcore.ParameterError
        (``name``) when no amplitude within the model's range (:func:`max_amplitude`) resets
        within ``error`` in ``duration``.
    """
    top = max_amplitude(dev, age)
    goal = math.log(error)

    def f(a):
        return math.log(max(reset_failure(dev, age, a, duration, temperature), 1e-300)) - goal

    if f(top) > 0:
        raise sc.ParameterError(
            name, duration, f"durations in which an FN-DAM reset pulse within the model's range"
            f" (V + V_p <= β/{MIN_FN_EXPONENT:g} = {dev.beta / MIN_FN_EXPONENT:g} V, hop rate <="
            f" f0 = {dev.attempt_frequency:g} Hz) leaves at most {error:g} of the cells off"
            " level 0")
    lo = 1e-6 * top
    if f(lo) <= 0:
        return lo
    return float(brentq(f, lo, top, xtol=1e-12 * top, rtol=4 * np.finfo(float).eps))


def update_amplitude(dev, age: float, width: float, levels: float = 1.0,
                     name: str = "write_time") -> float:
    """Amplitude (V) of a pulse of ``width`` s at ``age`` whose expected update is ``levels``
    levels (``update_size``, the mean drift away from the chain's ends).

    Raises
    ------
    simcore.ParameterError
        (``name``) when that needs an amplitude beyond :func:`max_amplitude`.
    """
    top = max_amplitude(dev, age)

    def f(a):
        return math.log(float(dev.update_size(age, a, width)) / levels)

    if f(top) < 0:
        raise sc.ParameterError(
            name, width, f"a pulse width in which an FN-DAM update of {levels:g} level(s) stays"
            f" in the model's range (V + V_p <= β/{MIN_FN_EXPONENT:g} ="
            f" {dev.beta / MIN_FN_EXPONENT:g} V, hop rate <= f0 = {dev.attempt_frequency:g} Hz)")
    return float(brentq(f, 1e-9 * top, top, xtol=1e-13 * top, rtol=4 * np.finfo(float).eps))


def pulse_protocol(dev, age: float, amplitude: float, direction: int, duration: float,
                   temperature: float, tag: str):
    """``(protocol, powers)``: the hold landscape at ``age`` (flat), a jump to the pulse's
    chain, ``duration`` s of it, a jump back (``devices.ideal.pulse``); the electrical power is
    :func:`pulse_energy` over ``duration``, the same in every level."""
    rest = dev.hold_landscape(float(dev.hop_rate(age)), temperature)
    during = pulse_landscape(dev, age, amplitude, direction, temperature)
    protocol = ideal.pulse(rest, during, duration, tag)
    powers = np.zeros((3, dev.levels))
    powers[1] = pulse_energy(dev, age, amplitude, duration) / duration
    return protocol, powers


def landauer_levels(occupancy, temperature: float) -> float:
    """``kT [ln M - H(p)]`` (J): the generalised Landauer bound of resetting a uniform
    ``M``-level value to the occupancy ``p``."""
    p = np.asarray(occupancy, dtype=np.float64)
    return sc.kT(temperature) * (math.log(p.size) - float(sc.entropy(p)))


# ---------------------------------------------------------------------------- erasure
@dataclass(frozen=True, kw_only=True, eq=False)
class FnDamErasure:
    """A reset of a uniform FN-DAM value to level 0 at one duration.

    Attributes
    ----------
    duration, age, amplitude : float
        Pulse duration τ (s), the cell's age at the pulse (s), the amplitude V_p (V).
    failure : float
        Exact fraction off level 0 after it (``expm`` of the chain's generator).
    electrical : float
        Closed-form electrical energy per cell (J), :func:`pulse_energy`.
    sim : Simulated
        The pulse from a uniform value (stream ``device_erase[i]``), with its ledger.
    """

    duration: float
    age: float
    amplitude: float
    failure: float
    electrical: float
    sim: Simulated


def erase(cfg, dev, duration: float, error: float, seed: int, progress: bool) -> FnDamErasure:
    """Reset ``cfg.n_cells`` uniform values to level 0 in ``duration`` s at :data:`ERASE_AGE`
    (``cfg`` at the device's attempt frequency)."""
    t = cfg.temperature
    amp = reset_amplitude(dev, ERASE_AGE, duration, error, t)
    protocol, powers = pulse_protocol(dev, ERASE_AGE, amp, -1, duration, t, "erase")
    sim = simulate(cfg, protocol, duration, np.full(dev.levels, 1.0 / dev.levels), seed,
                   progress=progress, powers=powers)
    return FnDamErasure(duration=duration, age=ERASE_AGE, amplitude=amp,
                        failure=reset_failure(dev, ERASE_AGE, amp, duration, t),
                        electrical=pulse_energy(dev, ERASE_AGE, amp, duration), sim=sim)


def erase_checks(i: int, e: FnDamErasure, kT: float, temperature: float) -> list[dict]:
    """W and Q vs master (Gaussian), reset success vs master (Clopper–Pearson), master
    failure vs the chain's ``expm`` (round-off), second law and M-level Landauer (one-sided),
    electrical ledger vs :func:`pulse_energy` (round-off) and MC vs master."""
    r, m = e.sim.mc, e.sim.master
    t = f"τ = {e.duration:.3g} s"
    out = [check(check_key(f"fn_dam_{name}_vs_master", i), f"FN-DAM reset: {name} vs master, {t}",
                 getattr(r, name).mean / kT, getattr(m, name) / kT,
                 se=getattr(r, name).stderr / kT, tolerance=1e-12, unit="kT")
           for name in ("work", "heat")]
    out += [
        count_check(check_key("fn_dam_reset_vs_master", i),
                    f"FN-DAM reset: fraction on level 0 vs master, {t}",
                    r.occupancy[RESET_LEVEL] * r.n_cells, r.n_cells, m.occupancy[RESET_LEVEL]),
        check(check_key("fn_dam_failure_vs_chain", i),
              f"FN-DAM reset: master failure vs expm of the chain, {t}",
              1.0 - m.occupancy[RESET_LEVEL], e.failure, tolerance=1e-8 * e.failure + 1e-14),
        check(check_key("fn_dam_second_law", i), f"FN-DAM reset: work >= ΔF_neq, {t}",
              r.work.mean / kT, m.delta_f_neq / kT, se=r.work.stderr / kT, kind="lower",
              unit="kT"),
        check(check_key("fn_dam_heat_above_landauer", i),
              f"FN-DAM reset: heat >= kT [ln M - H(p_end)] at the MC occupancy, {t}",
              r.heat.mean / kT, landauer_levels(r.occupancy, temperature) / kT,
              se=r.heat.stderr / kT, kind="lower", unit="kT"),
    ]
    el = e.sim.electrical_total()
    fj = 1e15
    out += [
        check(check_key("fn_dam_electrical_vs_closed_form", i),
              f"FN-DAM reset: electrical ledger (master) vs charge × voltage, {t}",
              el.master * fj, e.electrical * fj, tolerance=1e-9 * e.electrical * fj, unit="fJ"),
        check(check_key("fn_dam_electrical_mc_vs_master", i),
              f"FN-DAM reset: electrical ledger, Monte Carlo vs master, {t}", el.mean * fj,
              el.master * fj, tolerance=1e-12 * el.master * fj, unit="fJ"),
    ]
    return out


# ---------------------------------------------------------------------------- consolidation
def moved_probability(dev, age: float, hold: float) -> float:
    """Skellam probability that the value has moved after a hold of ``hold`` s from ``age``:
    ``1 - exp(-2h) I_0(2h)``, ``h = hops(age, age + hold)``."""
    h = float(dev.hops(age, age + hold))
    return float(1.0 - ive(0, 2.0 * h))


def ageing_for_retention(dev, retention: float, error: float) -> float:
    """The age ``a`` (s) from which a hold of ``retention`` s moves the value with probability
    ``error`` (0 when a fresh cell already holds that long; Brent on ``ln a``)."""
    if moved_probability(dev, 0.0, retention) <= error:
        return 0.0

    def f(log_a):
        return math.log(moved_probability(dev, math.exp(log_a), retention)) - math.log(error)

    lo, hi = math.log(1e-9 * dev.time_constant), math.log(dev.time_constant)
    for _ in range(MAX_AGE_DECADES):
        if f(hi) <= 0:
            break
        lo, hi = hi, hi + math.log(10.0)
    else:
        raise sc.ParameterError("retention_times", retention, "targets an FN-DAM cell reaches"
                                f" at ε = {error:g} within 10^{MAX_AGE_DECADES} time constants")
    if f(lo) <= 0:
        return math.exp(lo)
    return math.exp(brentq(f, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps))


@dataclass(frozen=True, kw_only=True, eq=False)
class FnDamAgeing:
    """The ageing that consolidates an FN-DAM value for one retention target.

    Attributes
    ----------
    retention, age : float
        Target t (s) and the age a (s) from which a hold of t moves the value with
        probability ε.
    moved : float
        Skellam ``1 - exp(-2h) I_0(2h)`` of the hold [a, a + t] (= ε unless a = 0).
    hold_energy : float
        ``C (V(0)² - V(a)²)`` (J per cell): the pair's leak over the ageing.
    sim : Simulated
        The hold from a to a + t at the middle level (stream ``fn_dam_age[i]``).
    """

    retention: float
    age: float
    moved: float
    hold_energy: float
    sim: Simulated


@dataclass(frozen=True, kw_only=True, eq=False)
class FnDamConsolidation:
    """An FN-DAM value programmed at age 0 and consolidated by ageing.

    Attributes
    ----------
    amplitude, width : float
        The one-level update pulse at age 0: V_p (V) with ``update_size = 1`` in ``width`` s.
    update_electrical : float
        Its electrical energy per cell (J), :func:`pulse_energy`.
    update : Simulated
        That pulse from the middle level (stream ``fn_dam_update``), with its ledger.
    program_levels : float
        Mean updates to program a uniform value from the reset level, ``(M - 1)/2``.
    ageings : tuple of FnDamAgeing
        One per retention target.
    bits : float
        ``log2 M``, the bits a value stores.
    """

    amplitude: float
    width: float
    update_electrical: float
    update: Simulated
    program_levels: float
    ageings: tuple
    bits: float

    @property
    def program_energy(self) -> float:
        """Electrical energy (J) to program a uniform value: ``program_levels`` updates."""
        return self.program_levels * self.update_electrical

    def per_bit(self, ageing: FnDamAgeing) -> float:
        """Electrical energy per stored bit (J) of a value consolidated for its target."""
        return (self.program_energy + ageing.hold_energy) / self.bits


def consolidate(cfg, dev, seeds, progress: bool) -> FnDamConsolidation:
    """The one-level update at age 0 and the ageing hold of every retention target
    (``cfg`` at the device's attempt frequency)."""
    t = cfg.temperature
    width = cfg.write_time
    amp = update_amplitude(dev, 0.0, width)
    protocol, powers = pulse_protocol(dev, 0.0, amp, 1, width, t, "update")
    start = dev.levels // 2
    update = simulate(cfg, protocol, width, start, seeds.seed("fn_dam_update"),
                      progress=progress, powers=powers)
    rows = []
    for i, t_ret in enumerate(cfg.retention_times):
        age = ageing_for_retention(dev, t_ret, cfg.error)
        hold = dev.hold_protocol(age, age + t_ret, segments=8, temperature=t, tag="consolidate")
        sim = simulate(cfg, hold, t_ret, start, seeds.seed("fn_dam_age", i), progress=progress)
        rows.append(FnDamAgeing(retention=t_ret, age=age,
                                moved=moved_probability(dev, age, t_ret),
                                hold_energy=float(dev.tunnelling_energy(0.0, age)), sim=sim))
    return FnDamConsolidation(amplitude=amp, width=width,
                              update_electrical=pulse_energy(dev, 0.0, amp, width),
                              update=update, program_levels=(dev.levels - 1) / 2,
                              ageings=tuple(rows), bits=math.log2(dev.levels))


def consolidation_checks(c: FnDamConsolidation, kT: float, error: float) -> list[dict]:
    """The update: mean shift vs ``update_size = 1`` (MC: Gaussian; master: round-off, away
    from the ends), heat vs master (Gaussian), electrical ledger vs :func:`pulse_energy`. Each
    ageing: master moved fraction vs the Skellam closed form (round-off) and vs ε (it was
    solved for it), Monte Carlo vs master (Clopper–Pearson)."""
    u, n = c.update, c.update.mc.n_cells
    x = np.arange(u.mc.occupancy.size) - u.mc.occupancy.size // 2
    mean_mc, mean_ex = float(u.mc.occupancy @ x), float(u.master.occupancy @ x)
    var_mc = float(u.mc.occupancy @ x**2) - mean_mc**2
    el = u.electrical_total()
    out = [
        check("fn_dam_update_mean", "FN-DAM update: mean shift vs update_size = 1 level",
              mean_mc, 1.0, se=math.sqrt(max(var_mc, 1e-300) / n), unit="levels"),
        check("fn_dam_update_master_mean", "FN-DAM update: master mean shift vs update_size",
              mean_ex, 1.0, tolerance=1e-9, unit="levels"),
        check("fn_dam_update_heat_vs_master", "FN-DAM update: heat vs master",
              u.mc.heat.mean / kT, u.master.heat / kT, se=u.mc.heat.stderr / kT,
              tolerance=1e-12, unit="kT"),
        check("fn_dam_update_electrical", "FN-DAM update: electrical ledger (master) vs charge"
              " × voltage", el.master * 1e15, c.update_electrical * 1e15,
              tolerance=1e-9 * c.update_electrical * 1e15, unit="fJ"),
    ]
    for i, a in enumerate(c.ageings):
        tag = f"t = {a.retention:.3g} s from age {a.age:.3g} s"
        r, m = a.sim.mc, a.sim.master
        start = r.occupancy.size // 2
        moved_ex = 1.0 - m.occupancy[start]
        out += [
            check(check_key("fn_dam_ageing_vs_skellam", i),
                  f"FN-DAM ageing: master moved vs 1 - exp(-2h) I0(2h), {tag}", moved_ex,
                  a.moved, tolerance=1e-8 * a.moved + 1e-14),
            check(check_key("fn_dam_ageing_meets_error", i),
                  f"FN-DAM ageing: moved <= ε at the solved age, {tag}", moved_ex, error,
                  tolerance=1e-8 * error, kind="upper"),
            count_check(check_key("fn_dam_ageing_vs_master", i),
                        f"FN-DAM ageing: moved Monte Carlo vs master, {tag}",
                        (1.0 - r.occupancy[start]) * r.n_cells, r.n_cells, moved_ex),
        ]
    return out


# ---------------------------------------------------------------------------- update wall
#: Age (s) of the cell when ``update_wall`` updates it (that of an erased cell in use).
UPDATE_AGE = ERASE_AGE
#: Standard deviations of the chain's spread a step keeps from the chain's top end (the update
#: starts at the middle level), so that the chain's mean is the step to round-off.
STEP_MARGIN = 10.0


def max_step(dev) -> float:
    """Largest update step (levels) from the middle level that keeps :data:`STEP_MARGIN`
    standard deviations (``√k``, the chain's whole-level spread) below the top level."""
    room = dev.levels - 1 - dev.levels // 2
    return (math.sqrt(STEP_MARGIN**2 / 4 + room) - STEP_MARGIN / 2) ** 2


def require_steps(dev, steps, name: str = "update_levels") -> None:
    """Refuse a step beyond :func:`max_step`.

    Raises
    ------
    simcore.ParameterError
        (``name``) for a step <= 0 or above :func:`max_step` levels.
    """
    top = max_step(dev)
    for k in steps:
        if not 0 < k <= top:
            raise sc.ParameterError(name, k, f"update steps in (0, {top:.4g}] levels for an"
                                    f" FN-DAM cell of {dev.levels} levels (the step plus"
                                    f" {STEP_MARGIN:g} √step from the middle level stays in"
                                    " the chain)")


def shot_noise_spread(dev, age: float, amplitude: float, width: float) -> float:
    """Standard deviation (levels) of the move of a pulse from electron shot noise: the pulsed
    gate emits a Poisson number of electrons with mean ``I_p w/q``, the other gate one with
    mean ``C (V(t) - V(t + w))/q``, so ``Var = (I_p w/q + n_o)/N_e²``."""
    n_p = float(dev.injection_charge(age, amplitude, width)) / Q_E
    n_o = float(dev.tunnelled_electrons(age, age + width))
    return math.sqrt(n_p + n_o) / dev.electrons_per_level


@dataclass(frozen=True, kw_only=True, eq=False)
class FnDamUpdate:
    """An update of an FN-DAM value by ``levels`` levels in ``write_time`` s.

    Attributes
    ----------
    write_time, levels, age, amplitude : float
        Pulse width τ_w (s), the intended step (levels), the cell's age (s), V_p (V).
    electrons, leak_electrons : float
        Mean electrons through the pulsed gate (``I_p τ_w/q``) and the other gate's leak.
    spread : float
        Shot-noise standard deviation of the move (levels), :func:`shot_noise_spread`.
    electron_moves : ndarray
        Per cell, the move (levels) of independent Poisson electron counts of those means
        (stream ``fn_dam_electrons[j,k]``).
    electrical : float
        Closed-form electrical energy per update (J), :func:`pulse_energy`.
    sim : Simulated
        The pulse on the effective chain from the middle level (stream ``fn_dam_update[j,k]``).
    """

    write_time: float
    levels: float
    age: float
    amplitude: float
    electrons: float
    leak_electrons: float
    spread: float
    electron_moves: np.ndarray
    electrical: float
    sim: Simulated

    @property
    def bits(self) -> float:
        """Precision of the step against its shot noise: ``log2(step/spread)`` bits."""
        return math.log2(self.levels / self.spread)

    def per_electron(self, dev) -> float:
        """Energy (J) each electron through the pulsed gate dissipates: ``q (V + V_p)``."""
        return Q_E * (float(dev.voltage(self.age)) + self.amplitude)


def update(cfg, dev, width: float, levels: float, seeds, j: int, k: int,
           progress: bool) -> FnDamUpdate:
    """Update ``cfg.n_cells`` values by ``levels`` levels in ``width`` s at
    :data:`UPDATE_AGE` (``cfg`` at the device's attempt frequency); the electron counts are
    drawn beside the chain."""
    age, t = UPDATE_AGE, cfg.temperature
    amp = update_amplitude(dev, age, width, levels, name="write_times")
    protocol, powers = pulse_protocol(dev, age, amp, 1, width, t, "update")
    sim = simulate(cfg, protocol, width, dev.levels // 2, seeds.seed("fn_dam_update", j, k),
                   progress=progress, powers=powers)
    n_p = float(dev.injection_charge(age, amp, width)) / Q_E
    n_o = float(dev.tunnelled_electrons(age, age + width))
    rng = np.random.default_rng(seeds.seed("fn_dam_electrons", j, k))
    moves = ((rng.poisson(n_p, cfg.n_cells) - rng.poisson(n_o, cfg.n_cells))
             / dev.electrons_per_level)
    return FnDamUpdate(write_time=width, levels=levels, age=age, amplitude=amp, electrons=n_p,
                       leak_electrons=n_o, spread=shot_noise_spread(dev, age, amp, width),
                       electron_moves=moves, electrical=pulse_energy(dev, age, amp, width),
                       sim=sim)


def update_checks(i: int, u: FnDamUpdate, dev, kT: float) -> list[dict]:
    """The chain's mean move vs the step (MC: Gaussian; master: round-off), its variance vs
    ``(Γ_up + Γ_down) τ_w`` (master, round-off), heat vs master (Gaussian), electrical ledger vs
    charge × voltage (round-off), and the electron counts' mean and spread vs the step and
    :func:`shot_noise_spread` (Gaussian)."""
    tag = f"τ_w = {u.write_time:.3g} s, step {u.levels:g}"
    r, m, n = u.sim.mc, u.sim.master, u.sim.mc.n_cells
    x = np.arange(r.occupancy.size) - r.occupancy.size // 2
    mean_mc, mean_ex = float(r.occupancy @ x), float(m.occupancy @ x)
    var_mc = float(r.occupancy @ x**2) - mean_mc**2
    var_ex = float(m.occupancy @ x**2) - mean_ex**2
    chain_var = (float(dev.program_rate(u.age, u.amplitude))
                 + float(dev.hop_rate(u.age))) * u.write_time
    d = u.electron_moves
    s2 = float(np.var(u.electron_moves, ddof=1))
    m4 = float(np.mean((u.electron_moves - u.electron_moves.mean()) ** 4))
    el = u.sim.electrical_total()
    fj = 1e15
    return [
        check(check_key("fn_dam_step_mean", i), f"FN-DAM update: chain mean move vs step, {tag}",
              mean_mc, u.levels, se=math.sqrt(max(var_mc, 1e-300) / n), unit="levels"),
        check(check_key("fn_dam_step_master_mean", i),
              f"FN-DAM update: master mean move vs step, {tag}", mean_ex, u.levels,
              tolerance=1e-9 * u.levels, unit="levels"),
        check(check_key("fn_dam_step_master_variance", i),
              f"FN-DAM update: master variance vs (Γ_up + Γ_down) τ_w, {tag}", var_ex,
              chain_var, tolerance=1e-8 * chain_var, unit="levels²"),
        check(check_key("fn_dam_step_heat_vs_master", i), f"FN-DAM update: heat vs master, {tag}",
              r.heat.mean / kT, m.heat / kT, se=r.heat.stderr / kT, tolerance=1e-12, unit="kT"),
        check(check_key("fn_dam_step_electrical", i),
              f"FN-DAM update: electrical ledger (master) vs charge × voltage, {tag}",
              el.master * fj, u.electrical * fj, tolerance=1e-9 * u.electrical * fj, unit="fJ"),
        check(check_key("fn_dam_shot_mean", i),
              f"FN-DAM update: electron-count mean move vs step, {tag}",
              float(u.electron_moves.mean()), u.levels, se=u.spread / math.sqrt(d.size),
              unit="levels"),
        check(check_key("fn_dam_shot_variance", i),
              f"FN-DAM update: electron-count variance vs shot noise, {tag}", s2, u.spread**2,
              se=math.sqrt(max(m4 - s2**2, 1e-300) / d.size), unit="levels²"),
    ]

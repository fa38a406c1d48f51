"""Fowler–Nordheim dynamic analog memory (FN-DAM): a floating gate that forgets on a log clock.

The floating-gate voltage ``V`` (V) of capacitance ``C`` (F) leaks through a tunnelling
junction by Fowler–Nordheim emission, ``I = α V² exp(-β/V)``:

    C dV/dt = -α V² exp(-β/V)      =>      V(t) = β / ln(k1 t + k0),
    k1 = α β / C,   k0 = exp(β / V(0)),

(substitute ``y = β/V``: ``d(e^y)/dt = k1``). The tunnelling rate ``exp(-β/V(t)) = 1/(k1 t + k0)``
therefore falls as ``1/t``: in Arrhenius terms the barrier seen by the stored charge grows as
``kT ln(k1 t + k0)``, the logarithmic (1/n learning-rate) schedule of THEORY.md section 6.

Memory-cell model used here (a modelling choice, documented in docs/devices.md): the stored
value is the difference of two such gates (the FN-DAM differential pair) quantised into
``levels`` levels of ``level_spacing`` volts, i.e. ``N_e = C ΔV / q`` electrons per level. The
charge is carried by electrons, not by levels: between ages ``t_a`` and ``t_b`` each gate sheds
a Poisson number of electrons with mean ``n = C (V(t_a) - V(t_b))/q``, independently, so the
mismatch drift cancels on average and the stored value spreads with the shot-noise variance

    Var = 2 n / N_e²   (levels²).

The engine's cell is a chain of integer levels; the hold is mapped onto it as a flat chain whose
hops each way have the rate ``Γ(t) = I(t) q/(C ΔV)² = I(t)/(q N_e²)``, so the expected hops each
way between ``t_a`` and ``t_b`` are exactly ``n/N_e²`` and the chain's mean (0) and variance
(``2n/N_e²``) are the shot-noise ones for any ``N_e`` (its higher cumulants are those of whole
levels: for ``N_e = 1`` a hop is one electron and the chain is the electron process itself).
The chain's saddle is ``S(t) = kT ln(f0/Γ(t))`` for the engine's attempt frequency ``f0``.

A program pulse of amplitude ``V_p`` on one side raises that side's tunnelling voltage to
``V + V_p`` and its current to ``I_p``, so the value drifts in the pulse's direction by
``(I_p - I)/(C ΔV)`` levels/s: the same pulse makes smaller updates as the device ages
(consolidation). The chain hops against the pulse at the hold rate ``Γ`` and with it at
``Γ + (I_p - I)/(C ΔV)``: the update's mean is exact, its spread is that of whole levels (exact
for ``N_e = 1``, above shot noise for ``N_e > 1``).

Energy: each electron that tunnels through a junction at voltage ``V`` dissipates ``qV``; with
``I dt = -C dV`` a gate's leak from ``t_a`` to ``t_b`` dissipates
``∫ I V dt = C (V(t_a)² - V(t_b)²)/2``, the energy its capacitor loses
(:meth:`FowlerNordheimDAM.tunnelling_energy`). A pulse dissipates its charge times its
tunnelling voltage, ``I_p (V + V_p) w`` (:meth:`FowlerNordheimDAM.injection_energy`).

Sources: L. Zhou and S. Chakrabartty, IEEE Trans. Electron Devices 64, 1254 (2017),
doi:10.1109/TED.2016.2645379 (FN floating-gate integrators, the closed form above);
D. Mehta, M. Rahman, K. Aono and S. Chakrabartty, Nat. Commun. 13, 1670 (2022),
doi:10.1038/s41467-022-29320-6 (FN-DAM synaptic array); M. Rahman, S. Bose and S. Chakrabartty,
Front. Neurosci. 16, 1050585 (2023), doi:10.3389/fnins.2022.1050585, arXiv:2206.14581
(FN-synapse consolidation); M. Lenzlinger and E. H. Snow, J. Appl. Phys. 40, 278 (1969),
doi:10.1063/1.1657043 (FN parameters of Si/SiO2); W. Schottky, Ann. Phys. 362, 541 (1918),
doi:10.1002/andp.19183622304 (shot noise: tunnelled charge is Poisson in electrons).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from devices.multilevel import chain_landscape
from devices.parameters import (
    device_model,
    quantity,
    require_fields,
    require_in,
    require_positive,
)
from simcore import Protocol
from simcore.constants import Q_E
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, positive_int
from simcore.landscape import check_levels


@device_model
class FowlerNordheimDAM:
    """FN-DAM floating gate (decay parameters) and its quantisation into an M-level cell.

    Parameters
    ----------
    alpha : float
        FN prefactor α (A/V²) of ``I = α V² exp(-β/V)``, > 0.
    beta : float
        FN exponent β (V), > 0.
    capacitance : float
        Floating-gate capacitance C (F), > 0.
    initial_voltage : float
        Floating-gate voltage V(0) (V) at age 0, > 0.
    level_spacing : float
        Voltage quantum ΔV (V) of one level, in ``[q/C, V(0))``: a level holds at least one
        electron.
    levels : int
        Number of levels M of the stored value.
    attempt_frequency : float
        Engine attempt frequency f0 (Hz) the barriers are referred to.

    Raises
    ------
    ParameterError
        Naming the first parameter outside its range.
    """

    alpha: float = quantity("A/V^2", "FN prefactor α of I = α V² exp(-β/V)")
    beta: float = quantity("V", "FN exponent β of I = α V² exp(-β/V)")
    capacitance: float = quantity("F", "floating-gate capacitance C")
    initial_voltage: float = quantity("V", "floating-gate voltage V(0) at t = 0")
    level_spacing: float = quantity("V", "voltage quantum ΔV of one level of the stored value")
    levels: int = quantity("1", "number of levels M of the stored value", default=2)
    attempt_frequency: float = quantity(
        "Hz", "engine attempt frequency f0 the barrier is referred to", default=1e9
    )

    def __post_init__(self):
        require_fields(self, "alpha", "beta", "capacitance", "initial_voltage", "level_spacing",
                       "attempt_frequency")
        check_levels(self.levels)
        if self.level_spacing >= self.initial_voltage:
            raise ParameterError(
                "level_spacing",
                self.level_spacing,
                f"a quantum below initial_voltage = {self.initial_voltage:g} V",
            )
        if self.capacitance * self.level_spacing < Q_E * (1.0 - 1e-12):
            raise ParameterError(
                "level_spacing",
                self.level_spacing,
                f"at least one electron per level: >= q/C = {Q_E / self.capacitance:g} V",
            )

    @property
    def n_levels(self) -> int:
        return int(self.levels)

    @property
    def k1(self) -> float:
        """``α β / C`` in 1/s."""
        return self.alpha * self.beta / self.capacitance

    @property
    def log_k0(self) -> float:
        """``ln k0 = β / V(0)``."""
        return self.beta / self.initial_voltage

    @property
    def time_constant(self) -> float:
        """``t0 = k0/k1`` (s): the age at which the log clock starts to tick."""
        return math.exp(self.log_k0) / self.k1

    @property
    def electrons_per_level(self) -> float:
        """``N_e = C ΔV / q``: electrons in one level of the stored value (>= 1)."""
        return self.capacitance * self.level_spacing / Q_E

    # ------------------------------------------------------------------ closed forms
    def log_clock(self, t):
        """``ln(k1 t + k0) = ln k0 + ln(1 + t/t0)`` for ages ``t`` (s) >= 0."""
        t = np.asarray(t, dtype=np.float64)
        if np.any(t < 0) or not np.all(np.isfinite(t)):
            raise ParameterError("t", t, "finite ages >= 0 (s)")
        return self.log_k0 + np.log1p(t / self.time_constant)

    def voltage(self, t):
        """Closed-form floating-gate voltage ``V(t) = β/ln(k1 t + k0)`` in V."""
        return self.beta / self.log_clock(t)

    def ode_rhs(self, t, v):
        """``dV/dt = -(α/C) V² exp(-β/V)`` (V/s), for direct integration."""
        v = np.asarray(v, dtype=np.float64)
        return -(self.alpha / self.capacitance) * v * v * np.exp(-self.beta / v)

    def current(self, t):
        """Tunnelling current ``I(t) = α V² exp(-β/V)`` in A."""
        v = self.voltage(t)
        return self.alpha * v * v * np.exp(-self.log_clock(t))

    def tunnelled_electrons(self, t_a, t_b):
        """Mean number of electrons one gate sheds between ages ``t_a`` and ``t_b`` (s):
        ``n = C (V(t_a) - V(t_b))/q`` (the integral of ``I/q``); the count is Poisson."""
        return self.capacitance * (self.voltage(t_a) - self.voltage(t_b)) / Q_E

    def shot_noise_variance(self, t_a, t_b):
        """Variance (levels²) of the change of the stored value between ages ``t_a`` and
        ``t_b`` (s) while holding, away from the chain's ends: the two gates' independent
        Poisson counts give ``2 n / N_e²``."""
        return 2.0 * self.tunnelled_electrons(t_a, t_b) / self.electrons_per_level**2

    def hop_rate(self, t):
        """``Γ(t) = I(t)/(q N_e²)``: the chain's hops per second in each direction while
        holding (shot-noise variance per unit time, half of it each way)."""
        return self.current(t) / (Q_E * self.electrons_per_level**2)

    def hops(self, t_a, t_b):
        """Expected hops each way between ages ``t_a`` and ``t_b`` (s): ``n/N_e²`` (the
        integral of :meth:`hop_rate`; half of :meth:`shot_noise_variance`)."""
        return self.tunnelled_electrons(t_a, t_b) / self.electrons_per_level**2

    def effective_barrier(self, t, temperature: float = 300.0):
        """``S(t) = kT ln(f0/Γ(t))`` in J: grows as ``kT ln(k1 t + k0)`` up to a slowly
        varying ``-2 kT ln V(t)`` term."""
        kt = thermal_energy(temperature)
        v = self.voltage(t)
        per_hop = Q_E * self.electrons_per_level**2
        return kt * (
            math.log(self.attempt_frequency * per_hop / self.alpha)
            - 2.0 * np.log(v)
            + self.log_clock(t)
        )

    def pulse_current(self, t, amplitude: float):
        """``I_p(t) = α (V + V_p)² exp(-β/(V + V_p))`` (A): the current of the side raised by
        a program pulse of ``amplitude`` V at age ``t`` (s)."""
        amplitude = require_positive("amplitude", amplitude, "V")
        v = self.voltage(t) + amplitude
        return self.alpha * v * v * np.exp(-self.beta / v)

    def update_rate(self, t, amplitude: float):
        """Drift (levels/s) of the stored value in the pulse's direction during a pulse of
        ``amplitude`` V at age ``t``: ``(I_p - I)/(C ΔV)``."""
        extra = self.pulse_current(t, amplitude) - self.current(t)
        return extra / (self.capacitance * self.level_spacing)

    def program_rate(self, t, amplitude: float):
        """The chain's hop rate (1/s) in the pulse's direction: ``Γ + (I_p - I)/(C ΔV)``, so
        that its drift is :meth:`update_rate` (against the pulse it hops at ``Γ``)."""
        return self.hop_rate(t) + self.update_rate(t, amplitude)

    def update_size(self, t, amplitude: float, width: float):
        """Expected change of the stored value (levels) from a pulse of ``amplitude`` V and
        ``width`` s applied at age ``t``, away from the chain's ends: ``(I_p - I) w/(C ΔV)``."""
        width = require_positive("width", width, "s")
        return self.update_rate(t, amplitude) * width

    # ------------------------------------------------------------------ electrical energy
    def tunnelling_energy(self, t_a, t_b, *, gates: int = 2):
        """Energy (J per cell) dissipated by the electrons that tunnel between ages ``t_a``
        and ``t_b`` (s) while holding.

        Parameters
        ----------
        t_a, t_b : float or array_like
            Ages (s), ``0 <= t_a <= t_b``; arrays broadcast.
        gates : int
            Gates that leak: 2 (the differential pair of one cell, default) or 1.

        Returns
        -------
        float or ndarray
            ``gates · ∫ q V(t) dN = gates · ∫ I V dt = gates · C (V(t_a)² - V(t_b)²)/2`` in J:
            each electron dissipates ``qV`` at the junction voltage it crosses.

        Raises
        ------
        ParameterError
            ``t`` for negative or non-finite ages, ``t_b`` before ``t_a``, ``gates`` not 1
            or 2.
        """
        if gates not in (1, 2) or isinstance(gates, bool):
            raise ParameterError("gates", gates, "1 or 2 (gates of the pair that leak)")
        va, vb = self.voltage(t_a), self.voltage(t_b)
        if np.any(vb > va):
            raise ParameterError("t_b", t_b, "ages >= t_a (s)")
        return gates * 0.5 * self.capacitance * (va - vb) * (va + vb)

    def injection_charge(self, t, amplitude: float, width: float):
        """Charge (C) through the pulsed gate during a pulse of ``amplitude`` V and ``width``
        s at age ``t`` (s): ``I_p(t) w`` (the pulse is short against the age)."""
        width = require_positive("width", width, "s")
        return self.pulse_current(t, amplitude) * width

    def injection_energy(self, t, amplitude: float, width: float):
        """Energy (J) an update dissipates at the pulsed gate: its charge times its tunnelling
        voltage, ``I_p (V(t) + V_p) w``.

        Parameters
        ----------
        t : float or array_like
            Age (s) at the pulse, >= 0.
        amplitude : float
            Pulse amplitude V_p (V), > 0.
        width : float
            Pulse width w (s), > 0, short against the age (V constant during the pulse).

        Returns
        -------
        float or ndarray
            J per update. The other gate's leak during the pulse is
            ``tunnelling_energy(t, t + w, gates=1)``.

        Raises
        ------
        ParameterError
            Naming ``t``, ``amplitude`` or ``width`` out of range.
        """
        charge = self.injection_charge(t, amplitude, width)
        return charge * (self.voltage(t) + amplitude)

    # ------------------------------------------------------------------ landscapes
    def hold_landscape(self, rate: float, temperature: float = 300.0):
        """Flat chain whose every hop has rate ``rate`` (1/s)."""
        kt = thermal_energy(temperature)
        b = kt * math.log(self.attempt_frequency / require_positive("rate", rate, "1/s"))
        return chain_landscape(b, b, self.levels)

    def update_landscape(self, t: float, amplitude: float, direction: int, temperature=300.0):
        """Chain during a program pulse at age ``t``: hops in ``direction`` (+1 up, -1 down)
        at :meth:`program_rate`, against it at :meth:`hop_rate`."""
        if direction not in (1, -1):
            raise ParameterError("direction", direction, "+1 (up) or -1 (down)")
        kt = thermal_energy(temperature)
        b_fast = kt * math.log(self.attempt_frequency / float(self.program_rate(t, amplitude)))
        b_slow = kt * math.log(self.attempt_frequency / float(self.hop_rate(t)))
        if direction == 1:
            return chain_landscape(b_fast, b_slow, self.levels)
        return chain_landscape(b_slow, b_fast, self.levels)

    def hold_protocol(self, start: float, end: float, *, segments: int = 16,
                      temperature: float = 300.0, tag: str = "hold") -> Protocol:
        """Hold from age ``start`` to ``end`` (s) as ``segments`` constant landscapes with
        boundaries geometric in ``k1 t + k0`` (equal barrier increments); each segment's rate is
        its mean hop rate, so the expected number of hops per segment (and the shot-noise
        variance) is exact."""
        bounds = self._hold_bounds(start, end, positive_int("segments", segments))
        out = None
        for a, b in itertools.pairwise(bounds):
            if b <= a:
                continue
            rate = float(self.hops(a, b)) / (b - a)
            e, s = self.hold_landscape(rate, temperature)
            seg = Protocol([a, b], [e, e], [s, s], [tag])
            out = seg if out is None else out.then(seg)
        return out

    def _hold_bounds(self, start, end, segments: int) -> np.ndarray:
        """Segment boundaries (s) from ``start`` to ``end``, equally spaced on the log clock."""
        start = require_in("start", start, 0.0, math.inf, "s")
        end = require_in("end", end, start, math.inf, "s", low_open=True)
        clock = np.linspace(float(self.log_clock(start)), float(self.log_clock(end)), segments + 1)
        bounds = self.time_constant * np.expm1(clock - self.log_k0)
        bounds[0], bounds[-1] = start, end
        return bounds

    def protocol(
        self,
        updates,
        *,
        end: float,
        amplitude: float,
        width: float,
        segments: int = 8,
        temperature: float = 300.0,
    ) -> Protocol:
        """Holds interleaved with program pulses, from age 0 to ``end`` (s).

        ``updates`` is a sequence of ``(age, direction)`` (s, ±1) in increasing age; each pulse
        lasts ``width`` s at ``amplitude`` V and is tagged "update"; holds are tagged "hold"
        and discretised by :meth:`hold_protocol` with ``segments`` pieces each."""
        width = require_positive("width", width, "s")
        t = 0.0
        out = None
        for age, direction in [*list(updates), (end, 0)]:
            age = float(age)
            if age < t:
                raise ParameterError(
                    "updates", updates, "pulses in increasing, non-overlapping ages"
                )
            if age > t:
                piece = self.hold_protocol(t, age, segments=segments, temperature=temperature)
                out = piece if out is None else out.then(piece)
            if direction == 0:
                break
            e, s = self.update_landscape(age, amplitude, direction, temperature)
            pulse = Protocol([age, age + width], [e, e], [s, s], ["update"])
            out = pulse if out is None else out.then(pulse)
            t = age + width
        if out is None:
            raise ParameterError("end", end, "an age > 0 (s)")
        return out

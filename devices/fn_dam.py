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
``levels`` levels of ``level_spacing`` volts. While holding, mismatch moves the value one level
up or down with equal rates ``Γ(t) = I(t)/(C ΔV)`` (the rate at which one side sheds one
quantum), i.e. a flat chain whose saddle is ``S(t) = kT ln(f0/Γ(t))`` for the engine's attempt
frequency ``f0``; the expected number of hops each way between ``t_a`` and ``t_b`` is exactly
``(V(t_a) - V(t_b))/ΔV``. A program pulse of amplitude ``V_p`` on one side raises that side's
tunnelling voltage to ``V + V_p``, so the value drifts in the pulse's direction at rate
``Γ_p - Γ`` with ``Γ_p = α (V + V_p)² exp(-β/(V + V_p))/(C ΔV)``: the same pulse makes smaller
updates as the device ages (consolidation).

Sources: L. Zhou and S. Chakrabartty, IEEE Trans. Electron Devices 64, 1254 (2017),
doi:10.1109/TED.2016.2645379 (FN floating-gate integrators, the closed form above);
D. Mehta, M. Rahman, K. Aono and S. Chakrabartty, Nat. Commun. 13, 1670 (2022),
doi:10.1038/s41467-022-29320-6 (FN-DAM synaptic array); M. Rahman, S. Bose and S. Chakrabartty,
Front. Neurosci. 16, 1050585 (2023), doi:10.3389/fnins.2022.1050585, arXiv:2206.14581
(FN-synapse consolidation); M. Lenzlinger and E. H. Snow, J. Appl. Phys. 40, 278 (1969),
doi:10.1063/1.1657043 (FN parameters of Si/SiO2).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from devices.multilevel import chain_landscape
from devices.parameters import device_model, quantity, require_in, require_positive
from simcore import Protocol
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, positive_int
from simcore.landscape import check_levels


@device_model
class FowlerNordheimDAM:
    """FN-DAM floating gate (decay parameters) and its quantisation into an M-level cell."""

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
        require_positive("alpha", self.alpha, "A/V^2")
        require_positive("beta", self.beta, "V")
        require_positive("capacitance", self.capacitance, "F")
        require_positive("initial_voltage", self.initial_voltage, "V")
        require_positive("level_spacing", self.level_spacing, "V")
        require_positive("attempt_frequency", self.attempt_frequency, "Hz")
        check_levels(self.levels)
        if self.level_spacing >= self.initial_voltage:
            raise ParameterError(
                "level_spacing",
                self.level_spacing,
                f"a quantum below initial_voltage = {self.initial_voltage:g} V",
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

    def hop_rate(self, t):
        """``Γ(t) = I(t)/(C ΔV)``: level hops per second in each direction while holding."""
        return self.current(t) / (self.capacitance * self.level_spacing)

    def hops(self, t_a, t_b):
        """Expected hops each way between ages ``t_a`` and ``t_b`` (s):
        ``(V(t_a) - V(t_b))/ΔV`` (the integral of :meth:`hop_rate`)."""
        return (self.voltage(t_a) - self.voltage(t_b)) / self.level_spacing

    def effective_barrier(self, t, temperature: float = 300.0):
        """``S(t) = kT ln(f0/Γ(t))`` in J: grows as ``kT ln(k1 t + k0)`` up to a slowly
        varying ``-2 kT ln V(t)`` term."""
        kt = thermal_energy(temperature)
        v = self.voltage(t)
        return kt * (
            math.log(self.attempt_frequency * self.capacitance * self.level_spacing / self.alpha)
            - 2.0 * np.log(v)
            + self.log_clock(t)
        )

    def program_rate(self, t, amplitude: float):
        """``Γ_p(t)``: hop rate (1/s) of the side raised by a program pulse of ``amplitude`` V."""
        amplitude = require_positive("amplitude", amplitude, "V")
        v = self.voltage(t) + amplitude
        return self.alpha * v * v * np.exp(-self.beta / v) / (self.capacitance * self.level_spacing)

    def update_size(self, t, amplitude: float, width: float):
        """Expected change of the stored value (levels) from a pulse of ``amplitude`` V and
        ``width`` s applied at age ``t``, away from the chain's ends: ``(Γ_p - Γ) width``."""
        width = require_positive("width", width, "s")
        return (self.program_rate(t, amplitude) - self.hop_rate(t)) * width

    # ------------------------------------------------------------------ landscapes
    def hold_landscape(self, rate: float, temperature: float = 300.0):
        """Flat chain whose every hop has rate ``rate`` (1/s)."""
        kt = thermal_energy(temperature)
        b = kt * math.log(self.attempt_frequency / require_positive("rate", rate, "1/s"))
        return chain_landscape(b, b, self.levels)

    def update_landscape(self, t: float, amplitude: float, direction: int, temperature=300.0):
        """Chain during a program pulse at age ``t``: hops in ``direction`` (+1 up, -1 down)
        at ``Γ_p``, against it at ``Γ``."""
        if direction not in (1, -1):
            raise ParameterError("direction", direction, "+1 (up) or -1 (down)")
        kt = thermal_energy(temperature)
        b_fast = kt * math.log(self.attempt_frequency / float(self.program_rate(t, amplitude)))
        b_slow = kt * math.log(self.attempt_frequency / float(self.hop_rate(t)))
        if direction == 1:
            return chain_landscape(b_fast, b_slow, self.levels)
        return chain_landscape(b_slow, b_fast, self.levels)

    def hold_protocol(
        self,
        start: float,
        end: float,
        *,
        segments: int = 16,
        temperature: float = 300.0,
        tag: str = "hold",
    ) -> Protocol:
        """Hold from age ``start`` to ``end`` (s) as ``segments`` constant landscapes with
        boundaries geometric in ``k1 t + k0`` (equal barrier increments); each segment's rate is
        its mean hop rate, so the expected number of hops per segment is exact."""
        start = require_in("start", start, 0.0, math.inf, "s")
        end = require_in("end", end, start, math.inf, "s", low_open=True)
        segments = positive_int("segments", segments)
        clock = np.linspace(float(self.log_clock(start)), float(self.log_clock(end)), segments + 1)
        bounds = self.time_constant * np.expm1(clock - self.log_k0)
        bounds[0], bounds[-1] = start, end
        out = None
        for a, b in itertools.pairwise(bounds):
            if b <= a:
                continue
            rate = float(self.hops(a, b)) / (b - a)
            e, s = self.hold_landscape(rate, temperature)
            seg = Protocol([a, b], [e, e], [s, s], [tag])
            out = seg if out is None else out.then(seg)
        return out

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

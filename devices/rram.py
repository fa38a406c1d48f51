"""Filamentary RRAM bit: field-lowered activation barriers for set and reset.

Two levels: 0 = high-resistance state (HRS, filament ruptured), 1 = low-resistance state (LRS).
Ionic hopping over an activation barrier ``E_a`` is lowered by the applied voltage ``V`` (V)
through ``γ q V`` (``γ`` dimensionless, absorbing the fraction of ``V`` that drops over one
hopping distance):

    E_set(V) = E_a,set - γ q V,          E_reset(V) = E_a,reset + γ q V,

so positive voltages set (0 -> 1) and negative ones reset (bipolar switching). The switching
time falls exponentially with voltage, ``t_set = exp((E_a,set - γ q V)/kT)/f0`` (the
"voltage-time dilemma"). The model needs both barriers >= 0: voltages beyond
``E_a,set/(γ q)`` or below ``-E_a,reset/(γ q)`` raise ParameterError.

Sources: D. Ielmini, IEEE Trans. Electron Devices 58, 4309 (2011), doi:10.1109/TED.2011.2167513;
S. Menzel et al., Adv. Funct. Mater. 21, 4487 (2011), doi:10.1002/adfm.201101117;
R. Waser, R. Dittmann, G. Staikov and K. Szot, Adv. Mater. 21, 2632 (2009),
doi:10.1002/adma.200900375.

Electrical energy of a set or reset pulse: ``V·I·t`` with the state's resistance, ``V²/R_HRS``
in level 0 and ``V²/R_LRS`` in level 1, integrated over the pulse with the exact two-state
occupancy (:meth:`RRAM.write_energy`); the defaults (100 kΩ and 10 kΩ, an on/off ratio of 10)
are representative of bipolar HfOx cells (Waser et al. 2009; Ielmini 2011), not a device fit.
"""

from __future__ import annotations

import math

import numpy as np

from devices.parameters import (
    TwoStateBarriers,
    device_model,
    quantity,
    require_fields,
    require_positive,
    two_state_occupancy,
)
from simcore.constants import Q_E
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError


@device_model
class RRAM(TwoStateBarriers):
    """Filament with voltage-lowered set and reset activation barriers."""

    set_barrier: float = quantity("J", "activation energy E_a,set of filament formation at V = 0")
    reset_barrier: float = quantity("J", "activation energy E_a,reset of rupture at V = 0")
    field_factor: float = quantity("1", "γ: barrier lowering per q·V", default=0.3)
    attempt_frequency: float = quantity("Hz", "ionic attempt frequency f0", default=1e13)
    resistance_high: float = quantity("Ohm", "resistance of the HRS (level 0)", default=1e5)
    resistance_low: float = quantity("Ohm", "resistance of the LRS (level 1)", default=1e4)

    n_levels = 2

    def __post_init__(self):
        require_fields(self, "set_barrier", "reset_barrier", strict=False)
        require_fields(self, "field_factor", "attempt_frequency", "resistance_high",
                       "resistance_low")

    @property
    def voltage_range(self) -> tuple[float, float]:
        """``(V_min, V_max)`` in V over which both barriers stay >= 0."""
        q = self.field_factor * Q_E
        return -self.reset_barrier / q, self.set_barrier / q

    @property
    def control_range(self) -> tuple[float, float]:
        """:attr:`voltage_range` (V), the controls of the model."""
        return self.voltage_range

    def check_voltage(self, voltage) -> np.ndarray:
        v = np.asarray(voltage, dtype=np.float64)
        lo, hi = self.voltage_range
        if not np.all(np.isfinite(v)) or np.any(v < lo) or np.any(v > hi):
            raise ParameterError(
                "voltage", voltage, f"a voltage in [{lo:.4g}, {hi:.4g}] V (both barriers >= 0)"
            )
        return v

    def barriers(self, voltage=0.0):
        """``(E_set(V), E_reset(V))`` in J."""
        v = self.check_voltage(voltage)
        q = self.field_factor * Q_E
        return self.set_barrier - q * v, self.reset_barrier + q * v

    def rates(self, voltage=0.0, temperature: float = 300.0):
        """``(k_set, k_reset)`` in 1/s."""
        return self._arrhenius_rates(voltage, temperature)

    def write_energy(self, voltage, duration, p1_start=0.0, temperature: float = 300.0):
        """Electrical energy ``∫ V I dt = V² ∫ dt / R(t)`` (J per cell) of a rectangular pulse
        of ``voltage`` (V) lasting ``duration`` (s), averaged over the exact two-state
        occupancy during the pulse: ``V² [(t - T_LRS)/R_HRS + T_LRS/R_LRS]`` with ``T_LRS =
        ∫ p1 dt``, from occupancy ``p1_start`` of the LRS at the pulse's start."""
        v = float(self.check_voltage(voltage))
        return self._pulse_energy(v, duration, p1_start, temperature)

    def power(self, voltage) -> tuple[float, float]:
        """Power ``(V²/R_HRS, V²/R_LRS)`` (W) drawn at ``voltage`` (V) in level 0 and 1."""
        v = float(self.check_voltage(voltage))
        return v * v / self.resistance_high, v * v / self.resistance_low

    def set_time(self, voltage, temperature: float = 300.0):
        """Mean time (s) to set (0 -> 1) at constant ``voltage`` (V): ``1/k_set``."""
        return 1.0 / self.rates(voltage, temperature)[0]

    def reset_time(self, voltage, temperature: float = 300.0):
        """Mean time (s) to reset (1 -> 0) at constant ``voltage`` (V): ``1/k_reset``."""
        return 1.0 / self.rates(voltage, temperature)[1]

    def set_voltage_for(self, set_time: float, temperature: float = 300.0) -> float:
        """Voltage (V) whose mean set time is ``set_time`` s:
        ``(E_a,set - kT ln(f0 t)) / (γ q)``."""
        set_time = require_positive("set_time", set_time, "s")
        v = self.set_barrier - thermal_energy(temperature) * math.log(
            self.attempt_frequency * set_time
        )
        return float(self.check_voltage(v / (self.field_factor * Q_E)))

    def switching_probability(self, voltage, pulse_width, temperature: float = 300.0, initial=0):
        """Probability of ending in the other state after a pulse of ``voltage`` (V) lasting
        ``pulse_width`` (s), from level ``initial`` (0: set, 1: reset); back-switching included."""
        k01, k10 = self.rates(voltage, temperature)
        if initial == 0:
            return two_state_occupancy(k01, k10, pulse_width, 0.0)
        if initial == 1:
            return 1.0 - two_state_occupancy(k01, k10, pulse_width, 1.0)
        raise ParameterError("initial", initial, "0 (HRS) or 1 (LRS)")

    def retention_time(self, temperature: float = 300.0) -> tuple[float, float]:
        """Mean lifetimes (s) of HRS and LRS at zero voltage: ``(1/k_set(0), 1/k_reset(0))``."""
        k01, k10 = self.rates(0.0, temperature)
        return 1.0 / float(k01), 1.0 / float(k10)

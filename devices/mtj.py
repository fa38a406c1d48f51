"""Magnetic tunnel junction (STT-MRAM bit) in the Néel–Brown thermal-activation picture.

Two levels: 0 = parallel (P), 1 = antiparallel (AP), of equal energy at zero current, separated
by the barrier ``E_B = Δ kT_ref`` (Δ = K_u V / kT_ref, the thermal stability factor) with attempt
time ``τ0 = 1/f0`` (about 1 ns). A spin-polarised current ``I`` (A) lowers the barrier out of the
state it destabilises and raises the other one:

    E_01(I) = E_B (1 - I/I_c0)^b,        E_10(I) = E_B (1 + I/I_c0)^b,

with ``I_c0`` the zero-temperature critical current and ``b = 2`` (Koch et al.) or ``b = 1``
(Li & Zhang) ; positive current writes 0 -> 1. The thermal model holds for ``|I| <= I_c0``;
above it the switching is precessional and out of this model's scope (ParameterError).

Sources: L. Néel, Ann. Géophys. 5, 99 (1949); W. F. Brown, Phys. Rev. 130, 1677 (1963),
doi:10.1103/PhysRev.130.1677; R. H. Koch, J. A. Katine and J. Z. Sun, Phys. Rev. Lett. 92,
088302 (2004), doi:10.1103/PhysRevLett.92.088302; Z. Li and S. Zhang, Phys. Rev. B 69, 134416
(2004), doi:10.1103/PhysRevB.69.134416; A. V. Khvalkovskiy et al., J. Phys. D 46, 074001 (2013),
doi:10.1088/0022-3727/46/7/074001 (retention and write-error-rate design rules).

Electrical energy of a write pulse: Joule heating ``I² R`` in the junction's resistance, ``R_P``
(level 0) or ``R_AP = R_P (1 + TMR)`` (level 1), integrated over the pulse with the exact
two-state occupancy (:meth:`MTJ.write_energy`); the defaults (R_P = 5 kΩ, TMR = 120 %) are
representative of CoFeB–MgO junctions of tens of nm (S. Ikeda et al., Nat. Mater. 9, 721
(2010), doi:10.1038/nmat2804, report a TMR above 120 %).

Spin-transfer torque is not conservative; the landscape here is the *effective* one that
reproduces the two Néel–Brown rates with detailed balance (wells ``∓(E_01 - E_10)/2``, saddle
``(E_01 + E_10)/2``), so the ledger books the current's drive as work on that landscape.

Closed forms (two-state master equation, back-switching included):
retention failure ``P(t) = (1 - exp(-2 t/τ))/2`` with ``τ = τ0 exp(Δ)``; switching probability
after a pulse of width ``t``: ``P_sw = π1 (1 - exp(-(k01 + k10) t))``. For ``k10 << k01`` this is
the familiar ``1 - exp(-t/τ0 · exp(-Δ (1 - I/I_c0)^b))``.
"""

from __future__ import annotations

import math

import numpy as np

from devices.parameters import (
    TwoStateBarriers,
    device_model,
    quantity,
    require_fields,
    require_in,
    two_state_occupancy,
)
from simcore.constants import K_B
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError


@device_model
class MTJ(TwoStateBarriers):
    """STT-MRAM bit: thermal stability, attempt time and spin-current barrier lowering."""

    thermal_stability: float = quantity("1", "Δ = E_B / (k_B T_ref)")
    reference_temperature: float = quantity(
        "K", "temperature T_ref at which Δ is quoted", default=300.0
    )
    attempt_time: float = quantity("s", "τ0 = 1/f0, Néel–Brown attempt time", default=1e-9)
    critical_current: float = quantity("A", "zero-temperature critical current I_c0", default=50e-6)
    exponent: float = quantity(
        "1", "barrier-lowering exponent b (2 default, 1 optional)", default=2.0
    )
    resistance_parallel: float = quantity(
        "Ohm", "resistance R_P of the parallel state (level 0)", default=5e3
    )
    tmr: float = quantity(
        "1", "tunnel magnetoresistance ratio (R_AP - R_P)/R_P", default=1.2
    )

    n_levels = 2

    def __post_init__(self):
        require_fields(self, "thermal_stability", "reference_temperature", "attempt_time",
                       "critical_current")
        require_in("exponent", self.exponent, 1.0, 2.0)
        require_fields(self, "resistance_parallel", "tmr")

    # ------------------------------------------------------------------ parameters
    @property
    def energy_barrier(self) -> float:
        """``E_B = Δ k_B T_ref`` in J (temperature independent: K_u V)."""
        return self.thermal_stability * K_B * self.reference_temperature

    @property
    def attempt_frequency(self) -> float:
        """``f0 = 1/τ0`` in Hz."""
        return 1.0 / self.attempt_time

    @property
    def resistance_antiparallel(self) -> float:
        """``R_AP = R_P (1 + TMR)`` in Ohm (level 1)."""
        return self.resistance_parallel * (1.0 + self.tmr)

    @property
    def control_range(self) -> tuple[float, float]:
        """``(-I_c0, I_c0)`` in A: the currents of the thermal model."""
        return -self.critical_current, self.critical_current

    def stability(self, temperature: float = 300.0) -> float:
        """``Δ(T) = E_B / kT`` at the simulation temperature."""
        return self.energy_barrier / thermal_energy(temperature)

    def check_current(self, current) -> np.ndarray:
        """``current`` (A) as an array if every ``|I| <= I_c0``, else ParameterError."""
        i = np.asarray(current, dtype=np.float64)
        if not np.all(np.isfinite(i)) or np.any(np.abs(i) > self.critical_current):
            raise ParameterError(
                "current",
                current,
                f"|I| <= critical_current = {self.critical_current:g} A (thermal regime)",
            )
        return i

    # ------------------------------------------------------------------ landscape
    def barriers(self, current=0.0):
        """``(E_01, E_10)`` in J at spin current ``current`` (A)."""
        x = self.check_current(current) / self.critical_current
        e = self.energy_barrier
        return e * (1.0 - x) ** self.exponent, e * (1.0 + x) ** self.exponent

    def rates(self, current=0.0, temperature: float = 300.0):
        """Néel–Brown rates ``(k01, k10)`` in 1/s."""
        return self._arrhenius_rates(current, temperature)

    # ------------------------------------------------------------------ electrical energy
    def write_energy(self, current, duration, p1_start=0.0, temperature: float = 300.0):
        """Joule energy ``I² ∫ R(t) dt`` (J per cell) of a rectangular pulse of ``current``
        (A) lasting ``duration`` (s), averaged over the exact two-state occupancy during the
        pulse: ``I² [R_P (t - T_AP) + R_AP T_AP]`` with ``T_AP = ∫ p1 dt`` the mean time in the
        antiparallel state, from occupancy ``p1_start`` of level 1 at the pulse's start."""
        i = float(self.check_current(current))
        return self._pulse_energy(i, duration, p1_start, temperature)

    def power(self, current) -> tuple[float, float]:
        """Joule power ``(I² R_P, I² R_AP)`` (W) drawn at ``current`` (A) in level 0 and 1."""
        i = float(self.check_current(current))
        return i * i * self.resistance_parallel, i * i * self.resistance_antiparallel

    # ------------------------------------------------------------------ closed forms
    def mean_dwell_time(self, temperature: float = 300.0) -> float:
        """Néel–Brown mean dwell time ``τ = τ0 exp(E_B/kT)`` in s (zero current)."""
        return self.attempt_time * math.exp(self.stability(temperature))

    def retention_failure(self, duration, temperature: float = 300.0):
        """Probability that a bit written to 0 reads 1 after ``duration`` s at zero current:
        ``(1 - exp(-2 t/τ))/2``."""
        t = np.asarray(duration, dtype=np.float64)
        return -0.5 * np.expm1(-2.0 * t / self.mean_dwell_time(temperature))

    def retention_time(self, error: float, temperature: float = 300.0) -> float:
        """Time (s) at which the retention failure probability reaches ``error`` (< 1/2)."""
        error = require_in("error", error, 0.0, 0.5, "", low_open=True, high_open=True)
        return -0.5 * self.mean_dwell_time(temperature) * math.log1p(-2.0 * error)

    def switching_probability(self, current, pulse_width, temperature: float = 300.0):
        """Probability of ending in 1 after a rectangular pulse of ``current`` (A) lasting
        ``pulse_width`` (s), starting from 0 (two-state master equation, back-switching
        included). Positive currents write 1."""
        k01, k10 = self.rates(current, temperature)
        return two_state_occupancy(k01, k10, pulse_width, 0.0)

    def write_error_rate(self, current, pulse_width, temperature: float = 300.0):
        """``1 - switching_probability``: probability that the write 0 -> 1 failed."""
        k01, k10 = self.rates(current, temperature)
        r = k01 + k10
        t = np.asarray(pulse_width, dtype=np.float64)
        # 1 - π1 (1 - e^{-rt}) = π0 + π1 e^{-rt}, without cancellation
        return (k10 + k01 * np.exp(-r * t)) / r

    def pulse_width_for(self, current: float, write_error: float, temperature: float = 300.0):
        """Pulse width (s) that writes 0 -> 1 with failure probability ``write_error``; raises
        if the current cannot reach it (``write_error`` below the stationary ``π0``)."""
        k01, k10 = (float(k) for k in self.rates(current, temperature))
        r = k01 + k10
        floor = k10 / r
        write_error = require_in("write_error", write_error, floor, 1.0, "", low_open=True)
        return -math.log((write_error * r - k10) / k01) / r

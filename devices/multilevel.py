"""Any two-level device as an M-level chain (an analog cell of log2 M bits).

The chain repeats the device's pair at every neighbouring pair of levels: with ``b_up`` and
``b_down`` the device's barriers out of level 0 and level 1 at the present control, level ``i``
sits at ``(i - (M-1)/2)(b_up - b_down)`` and saddle ``i`` at ``E_i + b_up``. Every up-step then
has rate ``f0 exp(-b_up/kT)`` and every down-step ``f0 exp(-b_down/kT)``, exactly as in the
two-level device (for M = 2 the landscape is the device's own), and detailed balance holds.

Precision is ``log2 M`` bits (THEORY.md section 7). A biased random walk on the chain has the
closed-form drift ``(k_up - k_down)`` levels per second and variance growth ``(k_up + k_down)``
per second away from the ends, which the tests use.
"""

from __future__ import annotations

import math

import numpy as np

from devices.parameters import Controlled, device_model, quantity
from simcore.errors import ParameterError
from simcore.landscape import MAX_LEVELS, check_levels


def chain_landscape(barrier_up: float, barrier_down: float, n_levels: int):
    """``(energies (M,), saddles (M-1,))`` in J of a uniform chain with barriers ``barrier_up``
    (i -> i+1) and ``barrier_down`` (i+1 -> i), centred on zero energy."""
    m = check_levels(n_levels)
    tilt = float(barrier_up) - float(barrier_down)
    energies = (np.arange(m) - 0.5 * (m - 1)) * tilt
    return energies, energies[:-1] + float(barrier_up)


def confining_landscape(target: float, stiffness: float, barrier: float, n_levels: int):
    """A chain pulled towards level ``target`` (may be fractional): ``E_i = κ (i - target)²/2``
    with ``κ = stiffness`` (J per level²) and every saddle ``barrier`` J above the higher of its
    two wells. Programming a multi-level cell to a value relaxes it to ``π_i ∝ exp(-E_i/kT)``."""
    m = check_levels(n_levels)
    if not (math.isfinite(stiffness) and stiffness >= 0):
        raise ParameterError("stiffness", stiffness, "a finite number >= 0 (J per level^2)")
    if not (math.isfinite(barrier) and barrier >= 0):
        raise ParameterError("barrier", barrier, "a finite number >= 0 (J)")
    i = np.arange(m, dtype=np.float64)
    energies = 0.5 * stiffness * (i - float(target)) ** 2
    return energies, np.maximum(energies[:-1], energies[1:]) + float(barrier)


@device_model
class MultiLevel(Controlled):
    """A two-level ``device`` repeated as a chain of ``levels`` levels."""

    device: object = quantity("", "a two-level device with landscape() and attempt_frequency")
    levels: int = quantity("1", "number of levels M (2 .. 256)", default=4)

    def __post_init__(self):
        check_levels(self.levels)
        if getattr(self.device, "n_levels", None) != 2 or not hasattr(self.device, "landscape"):
            raise ParameterError("device", self.device, "a two-level device with landscape()")
        if self.levels > MAX_LEVELS:  # pragma: no cover - check_levels already bounds it
            raise ParameterError("levels", self.levels, f"<= {MAX_LEVELS}")

    @property
    def n_levels(self) -> int:
        return int(self.levels)

    @property
    def precision_bits(self) -> float:
        """``log2 M`` bits stored per cell."""
        return math.log2(self.levels)

    @property
    def attempt_frequency(self) -> float:
        return self.device.attempt_frequency

    def barriers(self, control, temperature: float = 300.0) -> tuple[float, float]:
        """``(b_up, b_down)`` in J: the device's barriers out of its level 0 and level 1."""
        e, s = self.device.landscape(control, temperature)
        return float(s[0] - e[0]), float(s[0] - e[1])

    def landscape(self, control=0.0, temperature: float = 300.0):
        """Chain landscape at the device's ``control`` (its unit)."""
        return chain_landscape(*self.barriers(control, temperature), self.levels)

    def drift(self, control=0.0, temperature: float = 300.0) -> tuple[float, float]:
        """``(mean levels/s, variance levels²/s)`` of the walk away from the chain's ends."""
        from simcore.constants import kT as thermal_energy

        kt = thermal_energy(temperature)
        b_up, b_down = self.barriers(control, temperature)
        k_up = self.attempt_frequency * math.exp(-b_up / kt)
        k_down = self.attempt_frequency * math.exp(-b_down / kt)
        return k_up - k_down, k_up + k_down

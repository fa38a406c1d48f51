"""A two-level device defined by a measured table: barrier (or rate) against a control.

The user gives the control values (strictly increasing, in any unit; ``control_unit`` names it),
the barrier out of level 0 (``barrier_up``) and, optionally, out of level 1 (``barrier_down``,
default: the same, i.e. a symmetric bit), in J, and the attempt frequency. Between table points
the barriers are interpolated linearly, i.e. the rates log-linearly (``ln k`` is linear in the
barrier); outside the table the device refuses (ParameterError), never extrapolates.

:meth:`TabulatedBit.from_rates` converts measured rates (1/s) at a temperature to barriers,
``b = kT ln(f0/k)``, which needs every rate ``<= f0``. ``monotone`` optionally demands that
``barrier_up`` fall (``"decreasing"``, e.g. against write current or voltage) or rise with the
control, catching swapped or mis-sorted columns.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from devices.parameters import (
    Controlled,
    device_model,
    quantity,
    require_choice,
    require_positive,
    two_state_landscape,
)
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError

MONOTONE = ("none", "increasing", "decreasing")


def _column(name: str, values, n: int | None = None) -> tuple[float, ...]:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, values, "a 1-D list of numbers") from None
    if arr.ndim != 1 or arr.size < 2 or not np.all(np.isfinite(arr)):
        raise ParameterError(name, values, "a 1-D list of at least 2 finite numbers")
    if n is not None and arr.size != n:
        raise ParameterError(name, values, f"{n} values, one per control value")
    return tuple(float(x) for x in arr)


@device_model
class TabulatedBit(Controlled):
    """Bit whose barriers are interpolated from a table against a control."""

    control: tuple = quantity("control_unit", "control values, strictly increasing")
    barrier_up: tuple = quantity("J", "barrier out of level 0 at each control value")
    barrier_down: tuple | None = quantity(
        "J", "barrier out of level 1 at each control value (default: barrier_up)", default=None
    )
    attempt_frequency: float = quantity("Hz", "attempt frequency f0", default=1e9)
    control_unit: str = quantity("", "unit of the control column, e.g. 'A' or 'V'", default="")
    monotone: str = quantity(
        "", "'none', 'increasing' or 'decreasing' for barrier_up", default="none"
    )

    n_levels = 2

    def __post_init__(self):
        c = _column("control", self.control)
        if any(b <= a for a, b in itertools.pairwise(c)):
            raise ParameterError("control", self.control, "strictly increasing control values")
        up = _column("barrier_up", self.barrier_up, len(c))
        down = (
            up if self.barrier_down is None else _column("barrier_down", self.barrier_down, len(c))
        )
        for name, col in (("barrier_up", up), ("barrier_down", down)):
            if min(col) < 0:
                raise ParameterError(name, col, "barriers >= 0 J")
        require_positive("attempt_frequency", self.attempt_frequency, "Hz")
        require_choice("monotone", self.monotone, MONOTONE)
        d = np.diff(up)
        if (self.monotone == "increasing" and np.any(d < 0)) or (
            self.monotone == "decreasing" and np.any(d > 0)
        ):
            raise ParameterError("barrier_up", up, f"{self.monotone} values against control")
        object.__setattr__(self, "control", c)
        object.__setattr__(self, "barrier_up", up)
        object.__setattr__(self, "barrier_down", down)

    @classmethod
    def from_rates(
        cls,
        *,
        control,
        rate_up,
        rate_down=None,
        attempt_frequency: float = 1e9,
        temperature: float = 300.0,
        control_unit: str = "",
        monotone: str = "none",
    ) -> TabulatedBit:
        """Table of measured rates (1/s) at ``temperature`` (K) -> barriers ``kT ln(f0/k)``.
        ``monotone`` refers to the barrier (a rate rising with control is a barrier falling)."""
        f0 = require_positive("attempt_frequency", attempt_frequency, "Hz")
        kt = thermal_energy(temperature)

        def barriers(name, rates):
            r = np.asarray(_column(name, rates))
            if np.any(r <= 0) or np.any(r > f0):
                raise ParameterError(name, rates, f"rates in (0, attempt_frequency = {f0:g}] 1/s")
            return tuple(float(x) for x in kt * np.log(f0 / r))

        up = barriers("rate_up", rate_up)
        down = None if rate_down is None else barriers("rate_down", rate_down)
        return cls(
            control=_column("control", control),
            barrier_up=up,
            barrier_down=down,
            attempt_frequency=f0,
            control_unit=control_unit,
            monotone=monotone,
        )

    @property
    def control_range(self) -> tuple[float, float]:
        """The table's first and last control values (its unit)."""
        return self.control[0], self.control[-1]

    def barriers(self, control) -> tuple[float, float]:
        """Interpolated ``(barrier_up, barrier_down)`` in J at ``control``."""
        x = float(control)
        lo, hi = self.control[0], self.control[-1]
        if not (math.isfinite(x) and lo <= x <= hi):
            raise ParameterError(
                "control",
                control,
                f"a value within the table, [{lo:g}, {hi:g}] {self.control_unit}",
            )
        return (
            float(np.interp(x, self.control, self.barrier_up)),
            float(np.interp(x, self.control, self.barrier_down)),
        )

    def landscape(self, control=0.0, temperature: float = 300.0):
        """``(energies (2,), saddles (1,))`` in J at ``control``."""
        return two_state_landscape(*self.barriers(control))

    def rates(self, control, temperature: float = 300.0) -> tuple[float, float]:
        """``(k_up, k_down)`` in 1/s at ``control``."""
        kt = thermal_energy(temperature)
        up, down = self.barriers(control)
        return self.attempt_frequency * math.exp(-up / kt), self.attempt_frequency * math.exp(
            -down / kt
        )

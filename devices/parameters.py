"""Shared machinery of the device models: fields with units, validation, control schedules.

Every device is a frozen, keyword-only dataclass (``@device_model``) whose fields are declared
with :func:`quantity`, which stores the SI unit (and a one-line description) in the field's
metadata; :func:`units` reads them back (the HDF5 writer copies them to ``unit`` attributes).

A device turns one control value (a current, a voltage, a force, ...) into a landscape
``(energies (M,), saddles (M-1,))`` in J through its ``landscape(control, temperature)``
method. :class:`Controlled` builds :class:`simcore.Protocol` objects from that method, for a
piecewise-linear control schedule (``schedule``) or a train of rectangular pulses (``pulses``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import MISSING, dataclass, field, fields

import numpy as np

from simcore import Protocol
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, positive

#: Decorator for device parameter sets: frozen, keyword-only, slotted dataclasses.
device_model = dataclass(frozen=True, kw_only=True, slots=True)


def quantity(unit: str, doc: str = "", *, default=MISSING):
    """A dataclass field carrying its SI ``unit`` ("1" for dimensionless) and description."""
    meta = {"unit": unit, "doc": doc}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def units(model) -> dict[str, str]:
    """``{field name: unit}`` of a device class or instance."""
    return {f.name: f.metadata.get("unit", "") for f in fields(model)}


def as_dict(model) -> dict[str, object]:
    """The parameters of a device as a plain ``{name: value}`` dict (for TOML / HDF5)."""
    out: dict[str, object] = {}
    for f in fields(model):
        v = getattr(model, f.name)
        out[f.name] = v.tolist() if isinstance(v, np.ndarray) else v
    return out


# ---------------------------------------------------------------------- validation
def _number(name: str, value: object, allowed: str) -> float:
    if isinstance(value, bool):
        raise ParameterError(name, value, allowed)
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed) from None
    if not math.isfinite(x):
        raise ParameterError(name, value, allowed)
    return x


def require_positive(name: str, value: object, unit: str) -> float:
    """A finite number > 0 (in ``unit``), else ParameterError."""
    return _number_in(name, value, 0.0, math.inf, unit, low_open=True)


def require_nonnegative(name: str, value: object, unit: str) -> float:
    """A finite number >= 0 (in ``unit``), else ParameterError."""
    return _number_in(name, value, 0.0, math.inf, unit)


def _number_in(name, value, low, high, unit, *, low_open=False, high_open=False) -> float:
    lb = "(" if low_open else "["
    hb = ")" if high_open else "]"
    allowed = f"a finite number in {lb}{low:g}, {high:g}{hb} {unit}".rstrip()
    x = _number(name, value, allowed)
    if x < low or x > high or (low_open and x == low) or (high_open and x == high):
        raise ParameterError(name, value, allowed)
    return x


def require_fields(model, *names: str, strict: bool = True) -> None:
    """:func:`require_positive` (``strict``) or :func:`require_nonnegative` on each named field
    of a device, with the unit of its :func:`quantity` metadata ("1": dimensionless)."""
    check = require_positive if strict else require_nonnegative
    u = units(model)
    for name in names:
        check(name, getattr(model, name), "" if u[name] == "1" else u[name])


def require_in(name: str, value: object, low: float, high: float, unit: str = "", **kw) -> float:
    """A finite number in ``[low, high]`` (open ends with ``low_open``/``high_open``)."""
    return _number_in(name, value, low, high, unit, **kw)


def require_choice(name: str, value: object, choices: Iterable[object]) -> object:
    choices = tuple(choices)
    if value not in choices or isinstance(value, bool):
        raise ParameterError(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value


# ---------------------------------------------------------------------- two-state kinetics
def two_state_landscape(barrier_01: float, barrier_10: float):
    """Landscape of a bit whose escape barriers are ``barrier_01`` (0 -> 1) and ``barrier_10``
    (1 -> 0), in J: wells at ``∓(b01 - b10)/2`` and the saddle at ``(b01 + b10)/2``.

    With arrhenius kinetics the engine's rates are then exactly ``f0 exp(-b01/kT)`` and
    ``f0 exp(-b10/kT)`` (when both barriers are >= 0), and detailed balance fixes the level
    difference ``E1 - E0 = b01 - b10``.
    """
    tilt = barrier_01 - barrier_10
    return np.array([-0.5 * tilt, 0.5 * tilt]), np.array([0.5 * (barrier_01 + barrier_10)])


def two_state_occupancy(k01, k10, duration, p1_initial=0.0):
    """``p1(t) = π1 + (p1(0) - π1) exp(-(k01 + k10) t)`` for constant rates (1/s), t in s.

    THEORY.md section 4 (bit relaxation). Broadcasts over arrays.
    """
    k01 = np.asarray(k01, dtype=np.float64)
    k10 = np.asarray(k10, dtype=np.float64)
    r = k01 + k10
    pi1 = k01 / r
    return pi1 + (p1_initial - pi1) * np.exp(-r * np.asarray(duration, dtype=np.float64))


def two_state_occupancy_integral(k01, k10, duration, p1_initial=0.0):
    """``∫_0^t p1(s) ds`` (s) for constant rates (1/s): the time a cell spends in level 1,
    on average, during ``t`` s, ``π1 t + (p1(0) - π1)(1 - exp(-(k01 + k10) t))/(k01 + k10)``.

    Integral of :func:`two_state_occupancy`; broadcasts over arrays.
    """
    k01 = np.asarray(k01, dtype=np.float64)
    k10 = np.asarray(k10, dtype=np.float64)
    t = np.asarray(duration, dtype=np.float64)
    r = k01 + k10
    pi1 = k01 / r
    return pi1 * t + (p1_initial - pi1) * -np.expm1(-r * t) / r


# ---------------------------------------------------------------------- control schedules
@dataclass(frozen=True, slots=True)
class Pulse:
    """A rectangular control pulse: ``value`` (the device's control unit) held for ``duration``
    s, booked under ``tag``."""

    value: float
    duration: float
    tag: str = "update"


class Controlled:
    """Mixin for devices with a ``landscape(control, temperature)`` method."""

    __slots__ = ()

    def landscape(self, control, temperature: float):  # pragma: no cover - interface
        raise NotImplementedError

    def schedule(
        self,
        times: Sequence[float],
        controls: Sequence[float],
        tags: Sequence[str] | str = "update",
        *,
        temperature: float = 300.0,
    ) -> Protocol:
        """A Protocol whose knots are the landscapes at ``controls[k]`` at ``times[k]`` (s).

        The engine interpolates the *landscape* linearly between knots; since landscapes are
        nonlinear in most controls, sample a smooth control densely (a step-wise control, given
        as repeated knot times, is represented exactly).
        """
        times = np.asarray(times, dtype=np.float64)
        controls = np.asarray(controls, dtype=np.float64)
        if controls.shape != times.shape:
            raise ParameterError(
                "controls", controls, f"one control value per knot time (shape {times.shape})"
            )
        es, ss = zip(*(self.landscape(c, temperature) for c in controls), strict=True)
        return Protocol(times, np.array(es), np.array(ss), tags)

    def pulses(self, pulses: Sequence[Pulse], *, temperature: float = 300.0) -> Protocol:
        """Consecutive rectangular pulses; the control changes instantaneously between them
        (the jump is pure work, booked under the next pulse's tag)."""
        if not pulses:
            raise ParameterError("pulses", pulses, "at least one Pulse")
        out = None
        for p in pulses:
            if not isinstance(p, Pulse):
                raise ParameterError("pulses", p, "a sequence of devices.Pulse")
            positive("duration", p.duration)
            e, s = self.landscape(p.value, temperature)
            seg = Protocol.constant(e, s, p.duration, p.tag)
            out = seg if out is None else out.then(seg)
        return out


class TwoStateBarriers(Controlled):
    """Mixin for bit devices given by their escape barriers: ``barriers(control) -> (E_01,
    E_10)`` (J) at a control value in the device's unit; ``attempt_frequency`` (Hz)."""

    __slots__ = ()

    def landscape(self, control: float = 0.0, temperature: float = 300.0):
        """``(energies (2,), saddles (1,))`` in J at control ``control`` (the unit of the
        device's ``barriers``)."""
        b01, b10 = self.barriers(float(control))
        return two_state_landscape(float(b01), float(b10))

    def _pulse_energy(self, control: float, duration, p1_start: float, temperature: float):
        # ∫ P(level(t)) dt (J) of a rectangular pulse: the device's ``power(control)`` per
        # level weighted by the exact two-state time in each, from occupancy ``p1_start``
        t = require_positive("duration", duration, "s")
        k01, k10 = self.rates(control, temperature)
        t1 = float(two_state_occupancy_integral(k01, k10, t, p1_start))
        p0, p1 = self.power(control)
        return p0 * (t - t1) + p1 * t1

    def _arrhenius_rates(self, control, temperature: float):
        # f0 exp(-E_01/kT), f0 exp(-E_10/kT) (1/s) at ``control``
        kt = thermal_energy(temperature)
        b01, b10 = self.barriers(control)
        return self.attempt_frequency * np.exp(-b01 / kt), self.attempt_frequency * np.exp(
            -b10 / kt
        )

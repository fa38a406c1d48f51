"""What the bit experiments ask of a two-state device: its rest barriers, its rates at a
control value, the control that writes a level within a time, and the electrical energy of
that pulse.

A *two-state device* here is one with ``n_levels == 2``, a ``landscape(control, temperature)``
(J), an ``attempt_frequency`` (Hz) and a ``control_range`` (the controls where its model
holds): :class:`devices.MTJ`, :class:`devices.RRAM`, :class:`devices.DoubleWell` and
:class:`devices.TabulatedBit`. Control 0 is the device at rest (no current, no voltage, no
force); a table must contain it. Rates are Arrhenius over the device's effective landscape,
``f0 exp(-(S - E_i)/kT)``, exactly the engine's (THEORY.md section 4), so the closed forms here
are the exact two-state master equation of the protocols the experiments run.
"""

from __future__ import annotations

import math

import numpy as np

from devices.parameters import two_state_occupancy
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError

#: Controls sampled between rest and each end of the range before the root is refined.
SEARCH_POINTS = 256

#: The kinds of two-state device the bit experiments accept, by class name.
TWO_STATE_KINDS = ("MTJ", "RRAM", "DoubleWell", "TabulatedBit")


def kind(device) -> str:
    """The device's class name (``"MTJ"``, ``"IdealBit"``, ...)."""
    return type(device).__name__


def is_two_state(device) -> bool:
    """Whether ``device`` is a two-state device with a control (see module docstring)."""
    return kind(device) in TWO_STATE_KINDS


def require_two_state(device, name: str, experiment: str, why: str = "") -> None:
    """ParameterError naming ``device`` (the config key's value ``name``) unless the device
    is a two-state device; ``why`` says what ``experiment`` needs of it."""
    if not is_two_state(device):
        reason = why or "a two-state bit"
        raise ParameterError(
            "device", name,
            f"a device that {experiment} can run on ({reason}); a {kind(device)} is not:"
            f" accepted kinds are 'ideal' and {', '.join(TWO_STATE_KINDS)}")
    lo, hi = device.control_range
    if not lo <= 0.0 <= hi:
        raise ParameterError("device", name,
                             f"a device whose controls include 0 (rest); this one's run from"
                             f" {lo:g} to {hi:g}")


def write_landscape(device, control: float = 0.0, temperature: float = 300.0):
    """The landscape ``(energies, saddles)`` (J) of the device's write pulse at ``control``:
    its ``write_landscape`` where it has one (the ideal cell: level 1 lifted over a fixed
    saddle, the update wall's static write), else its ``landscape``."""
    method = getattr(device, "write_landscape", None) or device.landscape
    return method(control, temperature)


def barriers(device, control: float = 0.0, temperature: float = 300.0) -> tuple[float, float]:
    """``(E_01, E_10)`` in J: the saddle above level 0 and above level 1 at ``control`` (of
    :func:`write_landscape`)."""
    e, s = write_landscape(device, control, temperature)
    return float(s[0] - e[0]), float(s[0] - e[1])


def rates(device, control: float = 0.0, temperature: float = 300.0) -> tuple[float, float]:
    """Arrhenius rates ``(k01, k10)`` in 1/s at ``control``: ``f0 exp(-E_0i/kT)``."""
    kt = thermal_energy(temperature)
    b01, b10 = barriers(device, control, temperature)
    f0 = device.attempt_frequency
    return f0 * math.exp(-b01 / kt), f0 * math.exp(-b10 / kt)


def write_failure(device, control: float, duration: float, target: int = 0,
                  temperature: float = 300.0) -> float:
    """Probability that a cell starting in level ``1 - target`` is not in ``target`` after a
    rectangular pulse at ``control`` lasting ``duration`` s (back-switching included)."""
    k01, k10 = rates(device, control, temperature)
    p1 = float(two_state_occupancy(k01, k10, duration, 1.0 - target))
    return p1 if target == 0 else 1.0 - p1


def write_control(device, error: float, duration: float, *, target: int = 0,
                  temperature: float = 300.0, name: str = "") -> float:
    """The control (the device's unit) of a rectangular pulse of ``duration`` s that writes
    level ``target`` from the other level with failure probability ``error``.

    The failure is sampled at :data:`SEARCH_POINTS` controls from rest (0) to each end of
    ``control_range``; on the side that writes best, Brent's method refines the first control
    whose exact two-state failure reaches ``error`` (on its logarithm).

    Parameters
    ----------
    device : two-state device
    error : float
        Target failure probability, in (0, 1).
    duration : float
        Pulse duration (s).
    target : int
        Level written, 0 or 1.
    temperature : float
        Bath temperature (K).
    name : str
        The device's config key value, for the error message.

    Returns
    -------
    float
        The control value; 0 when rest alone already writes within ``error``.

    Raises
    ------
    simcore.ParameterError
        (``device``) when no control in range writes within ``error`` in ``duration``.
    """
    from scipy.optimize import brentq

    lo, hi = device.control_range
    goal = math.log(error)

    def log_fail(c):
        return math.log(max(write_failure(device, c, duration, target, temperature), 1e-300))

    if log_fail(0.0) <= goal:
        return 0.0
    # sample both directions from rest (a model's failure need not be monotone up to the end
    # of its range: a Kramers reduction degrades where a well merges with the barrier)
    sides = []
    for end in (lo, hi):
        grid = np.linspace(0.0, end, SEARCH_POINTS + 1)
        fails = np.array([log_fail(c) for c in grid])
        sides.append((float(fails.min()), grid, fails))
    best, grid, fails = min(sides, key=lambda side: side[0])
    if best > goal:
        c_best = float(grid[int(np.argmin(fails))])
        raise ParameterError(
            "device", name or kind(device),
            f"a device that writes level {target} with failure {error:g} within {duration:g} s;"
            f" its best pulse (control {c_best:g}) fails with probability {math.exp(best):.3g}"
            " (a longer write time or a larger failure may be reachable)")
    j = int(np.argmax(fails <= goal))  # the first grid point that writes well enough
    a, b = float(grid[j - 1]), float(grid[j])
    return float(brentq(lambda c: log_fail(c) - goal, a, b, xtol=1e-14 * abs(b),
                        rtol=4 * np.finfo(float).eps, maxiter=500))


def write_energy(device, control: float, duration: float, p1_start: float = 0.0,
                 temperature: float = 300.0) -> float:
    """Electrical energy (J per cell) of a rectangular pulse at ``control`` lasting
    ``duration`` s, from occupancy ``p1_start`` of level 1: the device's ``write_energy``
    (an MTJ's I²R, an RRAM's V·I·t, 0 for the ideal cell), NaN for a device without an
    electrical model (a double well driven by a force, a table without resistances)."""
    method = getattr(device, "write_energy", None)
    if method is None:
        return float("nan")
    return float(method(control, duration, p1_start, temperature))


def fn_dam_injection_energy(device, t_a: float, t_b: float, **kwargs) -> float:
    """Electrical energy (J per cell) an FN-DAM cell dissipates by tunnelling between ``t_a``
    and ``t_b`` (s): electrons tunnelled × q × V, ``FowlerNordheimDAM.tunnelling_energy(t_a,
    t_b, ...)`` (the FN-DAM retention run books it per age, ``experiments.fn_dam_hold``)."""
    return float(device.tunnelling_energy(t_a, t_b, **kwargs))


def write_cost(device, error: float, duration: float, temperature: float = 300.0,
               name: str = "") -> dict[str, float]:
    """Exact energies of the device's write of level 0 for a random old bit (1/2, 1/2): the
    ``update_wall`` static write without Monte Carlo.

    Parameters
    ----------
    device : two-state device or devices.IdealBit
        The ideal cell writes by its ``write_landscape`` (the update wall's static write: the
        control lifts level 1, in kT, over the fixed saddle ``barrier``) at its
        ``attempt_frequency``.
    error : float
        Failure probability of the write on a cell that starts in level 1.
    duration : float
        Pulse duration τ_w (s).
    temperature : float
        Bath temperature (K).
    name : str
        The device's config value, for error messages.

    Returns
    -------
    dict
        ``control`` (device unit); ``heat`` and ``electrical`` per operation (J per cell);
        ``changed`` (fraction of cells moved from 1 to 0); ``heat_per_bit`` and
        ``electrical_per_bit`` per changed cell (J). The heat is that of the hops at the
        pulse's level difference, ``(E1 - E0)(1/2 - p1)``; the jumps of the landscape are work.

    Raises
    ------
    simcore.ParameterError
        (``device``) when no pulse writes within ``error`` in ``duration``.
    """
    c = write_control(device, error, duration, temperature=temperature, name=name)
    e, _ = write_landscape(device, c, temperature)
    p1 = 0.5 * (write_failure(device, c, duration, 0, temperature)
                + 1.0 - write_failure(device, c, duration, 1, temperature))
    changed = 0.5 - p1
    heat = float(e[1] - e[0]) * changed
    elec = write_energy(device, c, duration, 0.5, temperature)
    return {"control": c, "heat": heat, "electrical": elec, "changed": changed,
            "heat_per_bit": heat / changed, "electrical_per_bit": elec / changed}

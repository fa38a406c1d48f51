"""The ``device`` config key of the bit and level experiments: what it names, how a run
describes its device, and how an experiment refuses one it cannot run on.

``device`` is ``"ideal"`` (the ideal two-state cell, :class:`devices.IdealBit`, the default:
default results do not change), a preset name (:data:`devices.PRESETS`) or the path of a device
TOML file (a model with parameters, a preset with overrides or a ``model = "table"``). The value
is checked with the config (``experiments.config.validate``), so an unknown name is refused,
with the list of names, before any work starts (exit 2 on the command line).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import devices
from devices import cell, ideal
from devices.cell import kind
from devices.parameters import as_dict, units
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError
from simcore.io import Data

IDEAL = devices.IDEAL


def resolve(key: str):
    """The device that the config value ``key`` names (``devices.device_from_key``)."""
    return devices.device_from_key(key)


def check_key(name: str, value) -> None:
    """Config check of a ``device`` key: ParameterError naming ``name`` with the allowed
    values unless ``value`` names a device."""
    try:
        devices.device_from_key(value)
    except ParameterError as exc:
        allowed = exc.allowed if exc.name == "device" else f"a valid device file ({exc})"
        raise ParameterError(name, value, allowed) from None


def parameters(device) -> list[tuple[str, object, str]]:
    """``(name, value, unit)`` of every parameter of ``device`` (tuples as lists)."""
    u = units(device)
    return [(k, v, u.get(k, "")) for k, v in as_dict(device).items()]


def parameter_texts(device) -> list[str]:
    """``"name = value unit"`` for every parameter of ``device``."""
    out = []
    for name, value, unit in parameters(device):
        if isinstance(value, list):
            text = "[" + ", ".join(f"{x:.4g}" for x in value) + "]"
        elif isinstance(value, float):
            text = f"{value:.6g}"
        else:
            text = str(value)
        out.append(f"{name} = {text}" + (f" {unit}" if unit and unit != "1" else ""))
    return out


def describe(key: str, device) -> str:
    """One line naming the device and all its parameters with units, for reports."""
    return f"device {key} ({kind(device)}): " + ", ".join(parameter_texts(device))


def tree(key: str, device) -> dict:
    """The ``device`` group of a result file: the config value, the model and every parameter
    as a dataset with its unit."""
    out = {"key": Data(key, "", "the config's device value"),
           "model": Data(kind(device), "", "device class")}
    params = {}
    for name, value, unit in parameters(device):
        if value is None:
            continue
        if isinstance(value, str):
            params[name] = Data(value, "", "")
        else:
            params[name] = Data(np.asarray(value, dtype=np.float64), unit, "")
    out["parameters"] = params
    return out


def require_arrhenius(key: str, kinetics: str) -> None:
    """ParameterError (``kinetics``) unless a run on the device ``key`` uses Arrhenius rates:
    a device's barriers and attempt frequency give its rates by the Arrhenius law."""
    if key != IDEAL and kinetics != "arrhenius":
        raise ParameterError("kinetics", kinetics,
                             f"'arrhenius' on a device (device = {key!r}: its rates are"
                             " Arrhenius over its barriers)")


def rest_barrier(device, temperature: float) -> float:
    """The mean of the device's two rest barriers ``(E_01 + E_10)/2`` in kT at
    ``temperature``: the barrier of the ideal cell that stands beside it."""
    b01, b10 = cell.barriers(device, 0.0, temperature)
    return 0.5 * (b01 + b10) / thermal_energy(temperature)


@dataclass(frozen=True, kw_only=True, eq=False)
class DeviceWrite:
    """The device's own write pulse of level 0 on a random old bit (1/2, 1/2).

    Attributes
    ----------
    control : float
        Control of the rectangular pulse (the device's unit), from ``cell.write_control``.
    duration : float
        Pulse duration (s).
    error : float
        Target failure on a cell that starts in level 1.
    tilt : float
        ``E1 - E0`` during the pulse (J).
    failure : float
        Exact two-state fraction of cells not in level 0 after the pulse.
    electrical : float
        Electrical energy of the pulse per cell (J; NaN without an electrical model).
    protocol : simcore.Protocol
        Rest, jump to the pulse's landscape, hold ``duration``, jump back.
    powers : ndarray or None
        Power per level (W) in each of the protocol's three segments (the electrical ledger's
        ``powers``), None for a device without an electrical model.
    """

    control: float
    duration: float
    error: float
    tilt: float
    failure: float
    electrical: float
    protocol: object
    powers: np.ndarray | None = None

    @property
    def changed(self) -> float:
        """Fraction of cells the pulse moved from level 1 to level 0, on average."""
        return 0.5 - self.failure

    @property
    def heat(self) -> float:
        """Exact mean heat per cell (J): the hops at the pulse's level difference,
        ``(E1 - E0)(1/2 - p1)``; the jumps of the landscape are pure work."""
        return self.tilt * self.changed


def device_write(device, key: str, error: float, duration: float, temperature: float,
                 tag: str) -> DeviceWrite:
    """The write pulse of level 0 that fails with probability ``error`` on a cell in level 1
    after ``duration`` s (``cell.write_control``), booked under ``tag``."""
    c = cell.write_control(device, error, duration, temperature=temperature, name=key)
    during = device.landscape(c, temperature)
    failure = 0.5 * (cell.write_failure(device, c, duration, 0, temperature)
                     + 1.0 - cell.write_failure(device, c, duration, 1, temperature))
    return DeviceWrite(
        control=c, duration=duration, error=error,
        tilt=float(during[0][1] - during[0][0]), failure=failure,
        electrical=cell.write_energy(device, c, duration, 0.5, temperature),
        protocol=ideal.pulse(device.landscape(0.0, temperature), during, duration, tag),
        powers=pulse_powers(device, c))


def pulse_powers(device, control: float) -> np.ndarray | None:
    """Powers per level (W) of ``ideal.pulse``'s three segments at ``control``: zero in the
    jumps, the device's ``power(control)`` during the hold; None without ``power``."""
    method = getattr(device, "power", None)
    if method is None:
        return None
    out = np.zeros((3, 2))
    out[1] = method(control)
    return out


def write_checks(index, label: str, write: DeviceWrite, sim, kT: float) -> list[dict]:
    """The device write's master failure against the exact two-state closed form (round-off),
    its Monte Carlo heat against ``write.heat`` (Gaussian) and, with an electrical model, the
    electrical ledger: master against the closed form ``write.electrical`` (round-off) and
    Monte Carlo against master (Gaussian), for ``sim`` (a ``results.Simulated`` of
    ``write.protocol`` from (1/2, 1/2))."""
    from experiments.checks import check, check_key

    r, m = sim.mc, sim.master
    out = [
        check(check_key("device_write_failure", index),
              f"device: master failure vs two-state closed form, {label}", m.occupancy[1],
              write.failure, tolerance=1e-9 * write.failure),
        check(check_key("device_heat_vs_tilt", index),
              f"device: heat = (E1 - E0)(1/2 - p1) per cell, {label}", r.heat.mean / kT,
              write.heat / kT, se=r.heat.stderr / kT, tolerance=1e-9, unit="kT"),
    ]
    if sim.electrical is None:
        return out
    e = sim.electrical_total()
    fj = 1e15
    return [
        *out,
        check(check_key("device_electrical_master_vs_closed_form", index),
              f"device: electrical ledger (master) vs closed-form pulse energy, {label}",
              e.master * fj, write.electrical * fj, tolerance=1e-7 * write.electrical * fj,
              unit="fJ"),
        check(check_key("device_electrical_vs_master", index),
              f"device: electrical ledger, Monte Carlo vs master, {label}", e.mean * fj,
              e.master * fj, se=e.stderr * fj, tolerance=1e-9 * e.master * fj, unit="fJ"),
    ]

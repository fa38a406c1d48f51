"""The ``device`` config key of the bit and level experiments: what it names, how a run
describes its device, and how an experiment refuses one it cannot run on.

``device`` is ``"ideal"`` (the ideal two-state cell, :class:`devices.IdealBit`, the default:
default results do not change), a preset name (:data:`devices.PRESETS`) or the path of a device
TOML file (a model with parameters, a preset with overrides or a ``model = "table"``). The value
is checked with the config (``experiments.config.validate``), so an unknown name is refused,
with the list of names, before any work starts (exit 2 on the command line).
"""

from __future__ import annotations

import numpy as np

import devices
from devices.cell import kind
from devices.parameters import as_dict, units
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


def refuse(key: str, experiment: str, why: str) -> None:
    """ParameterError (``device``) unless ``key`` is ``"ideal"``: ``experiment`` runs only on
    the ideal cell, for the reason ``why``."""
    if key != IDEAL:
        raise ParameterError("device", key,
                             f"'{IDEAL}': {experiment} cannot run on a device ({why})")


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

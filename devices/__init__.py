"""Device models: real controls (current, voltage, force, pulses) -> barrier landscapes.

Each model is a frozen, keyword-only dataclass with SI units in its field metadata
(:func:`devices.parameters.units`), validating its parameters on construction
(:class:`simcore.ParameterError`), with closed forms as methods and a ``landscape(control,
temperature)`` method from which ``schedule`` / ``pulses`` build :class:`simcore.Protocol`
objects. See docs/devices.md.
"""

from devices.double_well import DoubleWell
from devices.fn_dam import FowlerNordheimDAM
from devices.ideal import IdealBit
from devices.mtj import MTJ
from devices.multilevel import MultiLevel, chain_landscape, confining_landscape
from devices.parameters import Pulse, as_dict, two_state_landscape, two_state_occupancy, units
from devices.presets import IDEAL, PRESETS, device_from_dict, device_from_key, load_device, preset
from devices.rram import RRAM
from devices.table import TabulatedBit
from devices.variability import CellSpread, Variability, run_with_spread

__all__ = [
    "IDEAL",
    "MTJ",
    "PRESETS",
    "RRAM",
    "CellSpread",
    "DoubleWell",
    "FowlerNordheimDAM",
    "IdealBit",
    "MultiLevel",
    "Pulse",
    "TabulatedBit",
    "Variability",
    "as_dict",
    "chain_landscape",
    "confining_landscape",
    "device_from_dict",
    "device_from_key",
    "load_device",
    "preset",
    "run_with_spread",
    "two_state_landscape",
    "two_state_occupancy",
    "units",
]

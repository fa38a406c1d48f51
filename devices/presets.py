"""Named parameter sets for real technologies, and devices from TOML files.

Each preset is a function returning a device dataclass; its docstring cites where the numbers
come from. The numbers are *representative* of the cited work (rounded, at 300 K), meant as a
starting point, not as a fit to a particular wafer: override fields with
``dataclasses.replace(preset, field=value)``.

A TOML file names a model and its SI parameters::

    model = "mtj"                 # double_well | mtj | rram | fn_dam | table | preset
    thermal_stability = 60.0
    critical_current = 50e-6
    levels = 4                    # optional: wrap the bit as an M-level chain (MultiLevel)

or ``model = "preset"`` with ``name = "stt_mram_pmtj_40nm"`` (and optional overrides), or
``model = "table"`` with ``control``, ``barrier_up`` (J) or ``rate_up`` (1/s, with
``temperature``) columns (see :mod:`devices.table`). Files are read with :mod:`tomllib`.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path

from devices.double_well import DoubleWell
from devices.fn_dam import FowlerNordheimDAM
from devices.ideal import IdealBit
from devices.mtj import MTJ
from devices.multilevel import MultiLevel
from devices.rram import RRAM
from devices.table import TabulatedBit
from simcore.constants import EV
from simcore.errors import ParameterError


def stt_mram_pmtj_40nm() -> MTJ:
    """Perpendicular CoFeB–MgO MTJ of 40 nm diameter: Δ ≈ 40, I_c0 ≈ 49 µA, τ0 = 1 ns.

    S. Ikeda et al., "A perpendicular-anisotropy CoFeB–MgO magnetic tunnel junction",
    Nat. Mater. 9, 721 (2010), doi:10.1038/nmat2804.
    """
    return MTJ(thermal_stability=40.0, critical_current=49e-6, attempt_time=1e-9, exponent=2.0)


def stt_mram_10year() -> MTJ:
    """STT-MRAM bit designed for 10-year retention: Δ = 60, I_c0 = 50 µA, τ0 = 1 ns, b = 2.

    Design rule Δ >= 60 for 10-year retention of a large array at a small bit-failure rate:
    J. Hayakawa et al., IEEE Trans. Magn. 44, 1962 (2008), doi:10.1109/TMAG.2008.924545;
    A. V. Khvalkovskiy et al., J. Phys. D 46, 074001 (2013), doi:10.1088/0022-3727/46/7/074001.
    """
    return MTJ(thermal_stability=60.0, critical_current=50e-6, attempt_time=1e-9, exponent=2.0)


def stochastic_mtj() -> MTJ:
    """Low-barrier ("p-bit") MTJ that fluctuates thermally in nanoseconds to milliseconds:
    Δ = 10, τ0 = 1 ns, I_c0 = 10 µA.

    K. Y. Camsari, R. Faria, B. M. Sutton and S. Datta, Phys. Rev. X 7, 031014 (2017),
    doi:10.1103/PhysRevX.7.031014; W. A. Borders et al., Nature 573, 390 (2019),
    doi:10.1038/s41586-019-1557-9.
    """
    return MTJ(thermal_stability=10.0, critical_current=10e-6, attempt_time=1e-9, exponent=2.0)


def hfox_rram() -> RRAM:
    """HfOx filamentary RRAM: set and reset activation energies ≈ 1 eV, γ ≈ 0.3 (barrier
    lowering ≈ 0.3 eV per volt), f0 = 10^13 Hz (ionic hopping).

    D. Ielmini, IEEE Trans. Electron Devices 58, 4309 (2011), doi:10.1109/TED.2011.2167513;
    S. Menzel et al., Adv. Funct. Mater. 21, 4487 (2011), doi:10.1002/adfm.201101117.
    """
    return RRAM(
        set_barrier=1.0 * EV, reset_barrier=1.1 * EV, field_factor=0.3, attempt_frequency=1e13
    )


def fn_dam_synapse() -> FowlerNordheimDAM:
    """FN-DAM floating gate, illustrative order-of-magnitude parameters: β = 180 V (Si/SiO2
    B ≈ 2.5e10 V/m times a ≈ 7 nm tunnelling oxide), C = 1 pF, V(0) = 8 V, α = 3e-5 A/V² (so
    that the log clock starts after t0 = k0/k1 ≈ 1 s), 1 mV per level, 64 levels. The shape
    (V = β/ln(k1 t + k0)) is the cited model's; the absolute values are not a device fit.

    L. Zhou and S. Chakrabartty, IEEE Trans. Electron Devices 64, 1254 (2017),
    doi:10.1109/TED.2016.2645379; D. Mehta et al., Nat. Commun. 13, 1670 (2022),
    doi:10.1038/s41467-022-29320-6; M. Lenzlinger and E. H. Snow, J. Appl. Phys. 40, 278 (1969),
    doi:10.1063/1.1657043.
    """
    return FowlerNordheimDAM(
        alpha=3e-5,
        beta=180.0,
        capacitance=1e-12,
        initial_voltage=8.0,
        level_spacing=1e-3,
        levels=64,
    )


def double_well_nanomagnet() -> DoubleWell:
    """Symmetric quartic well with E_B = 40 kT(300 K), x0 = 1 nm and friction giving an
    attempt frequency of 1 GHz: the textbook retention cell of THEORY.md section 5.4.

    H. A. Kramers, Physica 7, 284 (1940), doi:10.1016/S0031-8914(40)90098-2.
    """
    from simcore.constants import kT

    e_b = 40.0 * kT(300.0)
    x0 = 1e-9
    # f0 = sqrt(32) E_B / (2π ζ x0²)  =>  ζ = sqrt(32) E_B / (2π f0 x0²)
    zeta = 32.0**0.5 * e_b / (2.0 * 3.141592653589793 * 1e9 * x0 * x0)
    return DoubleWell(barrier=e_b, half_width=x0, friction=zeta)


PRESETS: dict[str, Callable[[], object]] = {
    "stt_mram_pmtj_40nm": stt_mram_pmtj_40nm,
    "stt_mram_10year": stt_mram_10year,
    "stochastic_mtj": stochastic_mtj,
    "hfox_rram": hfox_rram,
    "fn_dam_synapse": fn_dam_synapse,
    "double_well_nanomagnet": double_well_nanomagnet,
}

#: Published electrical energies per write (J, what was written, source) for the presets whose
#: own cited source states one, checked against the stored source text; presets without an
#: entry have no figure in their sources (none is made up). The FN-DAM figure is that of the
#: arXiv version (arXiv:2104.05926, abstract) of the Nat. Commun. paper the preset cites.
PUBLISHED_WRITE_ENERGY: dict[str, tuple[float, str, str]] = {
    "fn_dam_synapse": (5e-15, "per memory update (as low as)",
                       "D. Mehta et al., Nat. Commun. 13, 1670 (2022), arXiv:2104.05926"),
}

MODELS: dict[str, type] = {
    "double_well": DoubleWell,
    "mtj": MTJ,
    "rram": RRAM,
    "fn_dam": FowlerNordheimDAM,
    "table": TabulatedBit,
}


def preset(name: str, **overrides):
    """The preset ``name`` (see :data:`PRESETS`), with fields replaced by ``overrides``."""
    if name not in PRESETS:
        raise ParameterError("name", name, "one of " + ", ".join(sorted(PRESETS)))
    base = PRESETS[name]()
    return dataclasses.replace(base, **overrides) if overrides else base


def device_from_dict(spec: Mapping[str, object]):
    """A device from a mapping with a ``model`` key and SI parameters (see module doc)."""
    spec = dict(spec)
    model = spec.pop("model", None)
    levels = (
        spec.pop("levels", None)
        if model in ("double_well", "mtj", "rram", "table", "preset")
        else None
    )
    if model == "preset":
        name = spec.pop("name", None)
        dev = preset(name, **spec) if isinstance(name, str) else preset(str(name))
    elif model == "table" and ("rate_up" in spec or "rate_down" in spec):
        dev = TabulatedBit.from_rates(**spec)
    elif model in MODELS:
        cls = MODELS[model]
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(spec) - names)
        if unknown:
            raise ParameterError(
                "parameters", unknown, f"fields of {cls.__name__}: {sorted(names)}"
            )
        dev = cls(**spec)
    else:
        raise ParameterError("model", model, "one of " + ", ".join([*MODELS, "preset"]))
    if levels is not None:
        dev = MultiLevel(device=dev, levels=levels)
    return dev


#: The config value that selects the ideal two-state cell (:class:`devices.ideal.IdealBit`).
IDEAL = "ideal"


def allowed_keys() -> str:
    """What a ``device`` config key may be, for error messages."""
    return (f"'{IDEAL}', a preset ({', '.join(PRESETS)}) or a path to a device TOML file"
            " (model = 'mtj' | 'rram' | 'double_well' | 'table' | 'preset' ...)")


def device_from_key(key: str):
    """The device a ``device`` config key names: ``"ideal"`` (:class:`IdealBit`), a preset
    name (:data:`PRESETS`) or the path of a device TOML file (:func:`load_device`).

    Parameters
    ----------
    key : str
        The config value.

    Returns
    -------
    device
        An :class:`IdealBit`, a preset's device or the file's device.

    Raises
    ------
    simcore.ParameterError
        ``device`` with the allowed names, for an unknown name or a missing file; a file's own
        errors name the file's parameter.
    """
    if not isinstance(key, str):
        raise ParameterError("device", key, allowed_keys())
    if key == IDEAL:
        return IdealBit()
    if key in PRESETS:
        return PRESETS[key]()
    path = Path(key)
    if key.endswith(".toml") and path.is_file():
        return load_device(path)
    raise ParameterError("device", key, allowed_keys())


def load_device(path: str | Path):
    """Read a device from a TOML file (see module docstring)."""
    with open(path, "rb") as fh:
        try:
            spec = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ParameterError("path", str(path), f"a valid TOML file ({exc})") from None
    return device_from_dict(spec)

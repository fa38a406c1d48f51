"""Experiment configurations: frozen dataclasses, TOML files and ``--set key=value`` overrides.

Each field may carry ``metadata={"unit": ..., "help": ...}``; the unit travels to output files.
Errors name the key, the value and what is allowed (``simcore.ParameterError``).
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from pathlib import Path

from simcore.errors import ParameterError


def field(
    default,
    unit: str = "",
    help: str = "",
    *,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    choices: tuple[str, ...] | None = None,
    check=None,
    **kwargs,
):
    """A dataclass field with its unit, a one-line description and its allowed range in the
    metadata: ``low``/``high`` bounds (``open_low`` excludes ``low``), a tuple of ``choices``
    or a ``check(name, value)`` that raises ``ParameterError``. A tuple-valued field applies
    them to every element."""
    meta = {
        "unit": unit,
        "help": help,
        "low": low,
        "high": high,
        "open_low": open_low,
        "choices": choices,
        "check": check,
    }
    return dataclasses.field(default=default, metadata=meta, **kwargs)


# The fields most experiments share, with one range each.
def n_cells_field(default: int, help: str = "cells per point", low: int = 100):
    return field(default, "", help, low=low, high=2**32)


#: Temperatures (K) where kT = k_B T and the energies built from it (tens to thousands of kT)
#: are normal doubles: far from the subnormal range (k_B T = 1.4e-323 J at 1e-300 K is 4 bits
#: of mantissa) and from overflow.
TEMPERATURE_RANGE = (1e-3, 1e5)
#: Attempt frequencies (Hz) whose rates, times steps and exponents stay normal doubles.
ATTEMPT_FREQUENCY_RANGE = (1e-3, 1e18)
#: Any other number with a unit must be 0 or of a magnitude in this range, so that products
#: and quotients of a few of them (energy / kT, rate * dt) stay normal doubles.
MAGNITUDE_RANGE = (1e-100, 1e100)


def temperature_field(default: float = 300.0):
    return field(default, "K", "bath temperature", low=TEMPERATURE_RANGE[0],
                 high=TEMPERATURE_RANGE[1])


def attempt_frequency_field(default: float = 1e9, help: str = "attempt frequency f0"):
    return field(default, "Hz", help, low=ATTEMPT_FREQUENCY_RANGE[0],
                 high=ATTEMPT_FREQUENCY_RANGE[1])


def kinetics_field(default: str = "arrhenius"):
    return field(default, "", "rate law", choices=("arrhenius", "glauber"))


def device_field(help: str = "the cell: 'ideal', a preset name or a device TOML file"):
    """The ``device`` key of the bit and level experiments (``experiments.device``): checked
    with the config, so an unknown device is refused before any work starts."""
    from experiments.device import IDEAL, check_key

    return field(IDEAL, "", help, check=check_key)


def seed_field(default: int = 1, high: int = 2**63 - 1):
    return field(default, "", "root seed", low=0, high=high)


@dataclasses.dataclass(frozen=True, kw_only=True)
class CellsConfig:
    """The fields every experiment on an array of bits has, with one range each.

    An experiment's ``Config`` subclasses this (frozen, keyword-only) and adds its own fields
    and ``smoke()``; it may redeclare ``n_cells`` with its own default and help text. Fields
    come in this order, then the subclass's.

    Attributes
    ----------
    n_cells : int
        Cells per simulated point.
    temperature : float
        Bath temperature (K).
    attempt_frequency : float
        Attempt frequency f0 (Hz).
    seed : int
        Root seed of the run; every stream comes from it by a named spawn key
        (``simcore.seeds.Seeds``).
    """

    n_cells: int = n_cells_field(100_000)
    temperature: float = temperature_field()
    attempt_frequency: float = attempt_frequency_field()
    seed: int = seed_field(1)

    def smoke(self):
        """A seconds-long variant (every experiment defines its own)."""
        raise NotImplementedError(f"{type(self).__name__}.smoke")


@dataclasses.dataclass(frozen=True, kw_only=True)
class KineticsConfig(CellsConfig):
    """:class:`CellsConfig` with a choice of rate law (``kinetics``: arrhenius or glauber)."""

    kinetics: str = kinetics_field()


def _allowed(meta) -> str:
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    low, high = meta.get("low"), meta.get("high")
    unit = f" {meta['unit']}" if meta.get("unit") else ""
    lo = None if low is None else (">" if meta.get("open_low") else ">=") + f" {low:g}"
    hi = None if high is None else f"<= {high:g}"
    return "a value " + " and ".join(x for x in (lo, hi) if x) + unit


def _check_range(name: str, value, meta) -> None:
    if meta.get("check") is not None:
        meta["check"](name, value)
    if meta.get("choices") and value not in meta["choices"]:
        raise ParameterError(name, value, _allowed(meta))
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            raise ParameterError(name, value, "a finite number")
        low, high = meta.get("low"), meta.get("high")
        too_low = low is not None and (value <= low if meta.get("open_low") else value < low)
        if too_low or (high is not None and value > high):
            raise ParameterError(name, value, _allowed(meta))
        lo, hi = MAGNITUDE_RANGE
        if meta.get("unit") and value != 0 and not lo <= abs(value) <= hi:
            raise ParameterError(name, value, f"0 or a magnitude from {lo:g} to {hi:g}"
                                 f" {meta['unit']} (where double arithmetic is sound)")


def validate(config):
    """Check every field of ``config`` against its range; returns ``config`` or raises
    ``ParameterError`` naming the first offending key."""
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        for v in value if isinstance(value, tuple) else (value,):
            _check_range(f.name, v, f.metadata)
    check = getattr(config, "check", None)
    if callable(check):
        check()
    return config


def allowed(config) -> dict[str, str]:
    """Key -> what ``validate`` allows for it (``"a value > 0 Hz"``), for every field of
    ``config`` that has a range or choices."""
    out = {}
    for f in dataclasses.fields(config):
        m = f.metadata
        if m.get("choices") or m.get("low") is not None or m.get("high") is not None:
            out[f.name] = _allowed(m)
    return out


def describe(config) -> list[tuple[str, object, str, str]]:
    """``(key, value, unit, help)`` for every field of ``config``."""
    return [
        (f.name, getattr(config, f.name), f.metadata.get("unit", ""), f.metadata.get("help", ""))
        for f in dataclasses.fields(config)
    ]


def _number(name: str, value, allowed: str) -> float:
    """``float(value)`` for a config number; booleans and non-numbers raise ``ParameterError``
    with ``allowed`` as the allowed range."""
    if isinstance(value, bool):
        raise ParameterError(name, value, allowed)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed) from None


def _coerce(name: str, value, target):
    origin = typing.get_origin(target)
    if origin is tuple:
        (item,) = {a for a in typing.get_args(target) if a is not Ellipsis}
        if isinstance(value, str):
            value = [v for v in value.strip("()[] ").split(",") if v.strip()]
        if not isinstance(value, list | tuple) or not value:
            raise ParameterError(name, value, "a non-empty list")
        return tuple(_coerce(name, v, item) for v in value)
    if target is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        raise ParameterError(name, value, "true or false")
    if target is int:
        f = _number(name, value, "an integer")
        if not f.is_integer():
            raise ParameterError(name, value, "an integer")
        if abs(f) < 2**53:
            return int(f)
        try:
            return int(str(value))
        except ValueError:
            return int(f)
    if target is float:
        x = _number(name, value, "a number")
        if x != x or x in (float("inf"), float("-inf")):
            raise ParameterError(name, value, "a finite number")
        return x
    if target is str:
        if not isinstance(value, str):
            raise ParameterError(name, value, "a string")
        return value
    raise TypeError(f"unsupported config field type {target!r}")


def apply(config, overrides: dict):
    """A copy of ``config`` with ``overrides`` (name -> value, strings allowed) applied."""
    hints = typing.get_type_hints(type(config))
    names = {f.name for f in dataclasses.fields(config)}
    changes = {}
    for key, value in overrides.items():
        if key not in names:
            raise ParameterError(key, value, "one of the config keys: " + ", ".join(sorted(names)))
        changes[key] = _coerce(key, value, hints[key])
    return validate(dataclasses.replace(config, **changes))


def parse_sets(items: list[str]) -> dict:
    out = {}
    for item in items:
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise ParameterError("--set", item, "key=value")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def load_toml(path: str | Path) -> dict:
    try:
        with open(path, "rb") as fh:
            table = tomllib.load(fh)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise ParameterError("--config", str(path), "an existing, readable TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError("--config", str(path), f"valid TOML ({exc})") from None
    for key, value in table.items():
        if isinstance(value, dict):
            raise ParameterError(key, value, "a flat table of config keys (no [sections])")
    return table


def to_toml(config) -> str:
    """The config as TOML text (for provenance in output files)."""
    lines = []
    for f in dataclasses.fields(config):
        v = getattr(config, f.name)
        lines.append(f"{f.name} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"


def to_toml_value(v) -> str:
    """One config value as TOML text (``1e-08``, ``"arrhenius"``, ``[1, 2]``)."""
    return _toml_value(v)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, tuple | list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)

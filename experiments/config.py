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


def field(default, unit: str = "", help: str = "", **kwargs):
    """A dataclass field with its unit and a one-line description in the metadata."""
    return dataclasses.field(default=default, metadata={"unit": unit, "help": help}, **kwargs)


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
        if isinstance(value, bool):
            raise ParameterError(name, value, "an integer")
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ParameterError(name, value, "an integer") from None
        if not f.is_integer():
            raise ParameterError(name, value, "an integer")
        return int(f) if abs(f) < 2**53 else int(str(value))
    if target is float:
        if isinstance(value, bool):
            raise ParameterError(name, value, "a number")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ParameterError(name, value, "a number") from None
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
    return dataclasses.replace(config, **changes)


def parse_sets(items: list[str]) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise ParameterError("--set", item, "key=value")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def load_toml(path: str | Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ParameterError("--config", str(path), "an existing TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError("--config", str(path), f"valid TOML ({exc})") from None


def to_toml(config) -> str:
    """The config as TOML text (for provenance in output files)."""
    lines = []
    for f in dataclasses.fields(config):
        v = getattr(config, f.name)
        lines.append(f"{f.name} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, tuple | list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)

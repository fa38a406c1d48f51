"""Sweep specs: an experiment, base config values, axes to scan and a root seed.

A spec is usually read from TOML (``load_spec``); the layout is in ``docs/sweeps.md`` and the
package docstring of ``harness.sweep``. The points are the cartesian product of the axes (the
first axis varies slowest); point ``i`` gets the config ``base | axis values`` and the seed
``seed_of(root, i)``, a pure function of the root seed and ``i``
(``numpy.random.SeedSequence(root).spawn(n)[i]``), so results do not depend on scheduling,
worker count or which points were run before. Every malformed spec raises ``ParameterError``
naming the offending field (``axes[1].values.barrier``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from simcore.errors import ParameterError

#: Spawn-key prefix of the random axes' streams; point seeds use the one-word key ``(index,)``.
_RANDOM_AXIS_KEY = 0x52414E44
_MAX_SEED = 2**63
_MAX_POINTS = 10**8

Scalar = bool | int | float | str


@dataclass(frozen=True, kw_only=True)
class Uniform:
    """Uniform samples in [low, high) (``scale="log"``: log-uniform; ``integer``: [low, high])."""

    low: float
    high: float
    scale: str = "linear"
    integer: bool = False

    def draw(self, u: np.ndarray) -> list[Scalar]:
        if self.integer:
            span = int(self.high) - int(self.low) + 1
            return [int(self.low) + min(int(x * span), span - 1) for x in u]
        if self.scale == "log":
            lo, hi = math.log(self.low), math.log(self.high)
            return [math.exp(lo + (hi - lo) * float(x)) for x in u]
        return [self.low + (self.high - self.low) * float(x) for x in u]

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.scale != "linear":
            out["scale"] = self.scale
        if self.integer:
            out["integer"] = True
        return out


@dataclass(frozen=True, kw_only=True)
class Choice:
    """Samples drawn with equal weight from ``choices``."""

    choices: tuple[Scalar, ...]

    def draw(self, u: np.ndarray) -> list[Scalar]:
        n = len(self.choices)
        return [self.choices[min(int(x * n), n - 1)] for x in u]

    def to_dict(self) -> dict:
        return {"choices": list(self.choices)}


@dataclass(frozen=True, kw_only=True)
class _Listed:
    """An axis given by lists of values per key (``grid`` or ``zip``)."""

    kind: ClassVar[str]
    values: tuple[tuple[str, tuple[Scalar, ...]], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.values)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "values": {k: list(v) for k, v in self.values}}


@dataclass(frozen=True, kw_only=True)
class Grid(_Listed):
    """Every combination of the keys' values (the first key varies slowest)."""

    kind: ClassVar[str] = "grid"

    def rows(self, root_seed: int, position: int) -> list[tuple[Scalar, ...]]:
        rows: list[tuple[Scalar, ...]] = [()]
        for _, values in self.values:
            rows = [(*row, v) for row in rows for v in values]
        return rows


@dataclass(frozen=True, kw_only=True)
class Zip(_Listed):
    """The keys' values walked together (all lists have the same length)."""

    kind: ClassVar[str] = "zip"

    def rows(self, root_seed: int, position: int) -> list[tuple[Scalar, ...]]:
        return list(zip(*(v for _, v in self.values), strict=True))


@dataclass(frozen=True, kw_only=True)
class Random:
    """``samples`` points, each key drawn independently from its distribution.

    The draws come from the raw output of PCG64 seeded by ``SeedSequence(root, spawn_key=
    (0x52414E44, position))`` (53-bit uniforms), which NumPy keeps stable across versions, so
    the same spec gives the same samples on any machine.
    """

    kind: ClassVar[str] = "random"
    samples: int
    values: tuple[tuple[str, Uniform | Choice], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.values)

    def rows(self, root_seed: int, position: int) -> list[tuple[Scalar, ...]]:
        seq = np.random.SeedSequence(root_seed, spawn_key=(_RANDOM_AXIS_KEY, position))
        bits = np.random.PCG64(seq)
        columns = []
        for _, dist in self.values:
            u = (bits.random_raw(self.samples) >> np.uint64(11)).astype(np.float64) * 2.0**-53
            columns.append(dist.draw(u))
        return list(zip(*columns, strict=True))

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "samples": self.samples,
            "values": {k: d.to_dict() for k, d in self.values},
        }


Axis = Grid | Zip | Random
_AXIS_KINDS: dict[str, type] = {"grid": Grid, "zip": Zip, "random": Random}


@dataclass(frozen=True, kw_only=True)
class SweepSpec:
    """What to sweep: an experiment, its base config values, the axes and the root seed.

    Build it with ``SweepSpec.from_dict`` (a TOML table) or ``load_spec(path)``; both raise
    ``ParameterError`` naming the offending field (``axes[1].values.barrier``).
    """

    experiment: str
    seed: int
    axes: tuple[Axis, ...]
    base: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self):
        if not isinstance(self.experiment, str) or not self.experiment:
            raise ParameterError("experiment", self.experiment, "a non-empty string")
        _check_root_seed(self.seed)
        if not isinstance(self.axes, tuple) or not self.axes:
            raise ParameterError("axes", self.axes, "a non-empty list of axis tables")
        for i, axis in enumerate(self.axes):
            if not isinstance(axis, Grid | Zip | Random):
                raise ParameterError(f"axes[{i}]", axis, "a Grid, Zip or Random axis")
        no_seed = "no 'seed' key: each point's seed is spawned from the sweep's root seed"
        if "seed" in dict(self.base):
            raise ParameterError("base.seed", dict(self.base)["seed"], no_seed)
        seen = {k for k, _ in self.base}
        for i, axis in enumerate(self.axes):
            for key in axis.keys:
                if key == "seed":
                    raise ParameterError(f"axes[{i}].values.seed", key, no_seed)
                if key in seen:
                    raise ParameterError(
                        f"axes[{i}].values.{key}", key, "a key that no other axis or base sets"
                    )
                seen.add(key)
        n = self.n_points
        if n > _MAX_POINTS:
            raise ParameterError("axes", f"{n} points", f"at most {_MAX_POINTS} points")

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, table: Mapping) -> SweepSpec:
        """A spec from a TOML-like mapping (see the module docstring for the layout)."""
        if not isinstance(table, Mapping):
            raise ParameterError("spec", table, "a table with experiment, seed and axes")
        allowed = ("experiment", "seed", "base", "axes")
        for key in table:
            if key not in allowed:
                raise ParameterError(str(key), table[key], "one of the keys " + ", ".join(allowed))
        for key in ("experiment", "seed", "axes"):
            if key not in table:
                raise ParameterError(key, None, f"a value (the spec has no '{key}')")
        base = table.get("base", {})
        if not isinstance(base, Mapping):
            raise ParameterError("base", base, "a table of config keys and values")
        base_items = tuple(
            (_check_key(f"base.{k}", k), _base_value(f"base.{k}", v)) for k, v in base.items()
        )
        axes = table["axes"]
        if not isinstance(axes, list | tuple) or not axes:
            raise ParameterError("axes", axes, "a non-empty list of axis tables ([[axes]])")
        parsed = tuple(_parse_axis(raw, f"axes[{i}]") for i, raw in enumerate(axes))
        return cls(experiment=table["experiment"], seed=table["seed"], axes=parsed, base=base_items)

    def to_dict(self) -> dict:
        """The TOML-like table this spec was read from (``from_dict(to_dict())`` is the same)."""
        return {
            "experiment": self.experiment,
            "seed": self.seed,
            "base": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.base},
            "axes": [axis.to_dict() for axis in self.axes],
        }

    # -- the points --------------------------------------------------------------------------

    @property
    def keys(self) -> tuple[str, ...]:
        """The scanned config keys, in axis order."""
        return tuple(k for axis in self.axes for k in axis.keys)

    @property
    def n_points(self) -> int:
        return math.prod(_axis_length(axis) for axis in self.axes)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the spec: equal specs, equal fingerprints."""
        text = json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def axis_values(self) -> list[dict[str, Scalar]]:
        """The scanned keys' values of every point, in point order."""
        per_axis = [axis.rows(self.seed, i) for i, axis in enumerate(self.axes)]
        rows: list[tuple[Scalar, ...]] = [()]
        for axis_rows in per_axis:
            rows = [row + r for row in rows for r in axis_rows]
        return [dict(zip(self.keys, row, strict=True)) for row in rows]

    def points(self) -> list[dict[str, Any]]:
        """Every point's full config overrides (base values, then the axes' values)."""
        base = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.base}
        return [base | values for values in self.axis_values()]

    def seed_of(self, index: int) -> int:
        """The seed of point ``index``."""
        return seed_of(self.seed, index)


def seed_of(root_seed: int, index: int) -> int:
    """Seed of point ``index``: 63 bits of ``SeedSequence(root_seed, spawn_key=(index,))``.

    ``SeedSequence(root).spawn(n)[index]`` is that same sequence; the value depends on nothing
    but the root seed and the index.
    """
    seq = np.random.SeedSequence(root_seed, spawn_key=(index,))
    return int(seq.generate_state(1, np.uint64)[0]) & (_MAX_SEED - 1)


def load_spec(path: os.PathLike | str) -> SweepSpec:
    """Read a sweep spec from a TOML file (``ParameterError`` naming ``file`` when it is missing
    or not TOML, or the offending field)."""
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except OSError as exc:
        raise ParameterError("file", str(path), f"a readable TOML file ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError("file", str(path), f"valid TOML ({exc})") from None
    return SweepSpec.from_dict(table)


def from_toml_text(text: str) -> SweepSpec:
    """A spec from TOML text."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError("spec", "the TOML text", f"valid TOML ({exc})") from None
    return SweepSpec.from_dict(table)


def _check_root_seed(seed: object) -> int:
    if (
        isinstance(seed, bool)
        or not isinstance(seed, int | np.integer)
        or not 0 <= int(seed) < _MAX_SEED
    ):
        raise ParameterError("seed", seed, "an integer in [0, 2**63)")
    return int(seed)


_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _check_key(where: str, key: object) -> str:
    if not isinstance(key, str) or not _KEY.match(key):
        raise ParameterError(where, key, "a config key (letters, digits, _ and dots)")
    return key


def _is_scalar(v: object) -> bool:
    return isinstance(v, bool | int | str) or (isinstance(v, float) and not math.isnan(v))


def _base_value(where: str, value: object):
    if _is_scalar(value):
        return value
    if isinstance(value, list | tuple) and all(_is_scalar(v) for v in value):
        return tuple(value)
    raise ParameterError(where, value, "a number, string, boolean or a list of them")


def _axis_length(axis: Axis) -> int:
    if isinstance(axis, Random):
        return axis.samples
    if isinstance(axis, Grid):
        return math.prod(len(v) for _, v in axis.values)
    return len(axis.values[0][1])


def _value_list(where: str, values: object) -> tuple[Scalar, ...]:
    allowed = "a non-empty list of numbers, strings or booleans (all of one kind)"
    if not isinstance(values, list | tuple) or not values:
        raise ParameterError(where, values, allowed)
    if not all(_is_scalar(v) and not (isinstance(v, float) and math.isinf(v)) for v in values):
        raise ParameterError(where, values, allowed)
    if column_kind(values) is None:
        raise ParameterError(where, values, allowed)
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool) and not -(2**63) <= v < 2**63:
            raise ParameterError(where, v, "integers that fit in 64 bits")
    return tuple(values)


def column_kind(values: Sequence) -> str | None:
    """'b', 'i', 'f' or 'U' for a homogeneous list (ints and floats mix as 'f'), else None."""
    if all(isinstance(v, bool) for v in values):
        return "b"
    if all(isinstance(v, str) for v in values):
        return "U"
    if any(isinstance(v, bool) for v in values) or not all(
        isinstance(v, int | float) for v in values
    ):
        return None
    return "i" if all(isinstance(v, int) for v in values) else "f"


def _parse_axis(raw: object, where: str) -> Axis:
    if not isinstance(raw, Mapping):
        raise ParameterError(where, raw, "a table with kind and values")
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in _AXIS_KINDS:
        raise ParameterError(f"{where}.kind", kind, "one of 'grid', 'zip', 'random'")
    allowed = ("kind", "values", "samples") if kind == "random" else ("kind", "values")
    for key in raw:
        if key not in allowed:
            raise ParameterError(
                f"{where}.{key}",
                raw[key],
                f"one of the keys of a {kind} axis: " + ", ".join(allowed),
            )
    values = raw.get("values")
    if not isinstance(values, Mapping) or not values:
        raise ParameterError(f"{where}.values", values, "a non-empty table of config keys")
    for key in values:
        _check_key(f"{where}.values.{key}", key)
    if kind == "random":
        samples = raw.get("samples")
        if (
            isinstance(samples, bool)
            or not isinstance(samples, int)
            or not 1 <= samples <= _MAX_POINTS
        ):
            raise ParameterError(f"{where}.samples", samples, f"an integer in [1, {_MAX_POINTS}]")
        dists = tuple((k, _parse_distribution(v, f"{where}.values.{k}")) for k, v in values.items())
        return Random(samples=samples, values=dists)
    lists = tuple((k, _value_list(f"{where}.values.{k}", v)) for k, v in values.items())
    if kind == "zip":
        n = len(lists[0][1])
        for k, v in lists[1:]:
            if len(v) != n:
                raise ParameterError(
                    f"{where}.values.{k}",
                    list(v),
                    f"a list of length {n}, like {where}.values.{lists[0][0]}",
                )
        return Zip(values=lists)
    return Grid(values=lists)


def _parse_distribution(raw: object, where: str) -> Uniform | Choice:
    if not isinstance(raw, Mapping):
        raise ParameterError(where, raw, "a table {low, high[, scale, integer]} or {choices}")
    if "choices" in raw:
        for key in raw:
            if key != "choices":
                raise ParameterError(f"{where}.{key}", raw[key], "no other key next to choices")
        return Choice(choices=_value_list(f"{where}.choices", raw["choices"]))
    for key in raw:
        if key not in ("low", "high", "scale", "integer"):
            raise ParameterError(f"{where}.{key}", raw[key], "one of low, high, scale, integer")
    integer = raw.get("integer", False)
    if not isinstance(integer, bool):
        raise ParameterError(f"{where}.integer", integer, "true or false")
    scale = raw.get("scale", "linear")
    if scale not in ("linear", "log"):
        raise ParameterError(f"{where}.scale", scale, "'linear' or 'log'")
    if integer and scale == "log":
        raise ParameterError(f"{where}.scale", scale, "'linear' when integer = true")
    bounds = []
    for name in ("low", "high"):
        v = raw.get(name)
        number = isinstance(v, int | float) and not isinstance(v, bool)
        if integer and not (
            isinstance(v, int) and not isinstance(v, bool) and -(2**62) <= v < 2**62
        ):
            raise ParameterError(f"{where}.{name}", v, "an integer (integer = true)")
        if not number or not math.isfinite(v):
            raise ParameterError(f"{where}.{name}", v, "a finite number")
        bounds.append(v)
    low, high = bounds
    if (high < low) if integer else not high > low:
        raise ParameterError(f"{where}.high", high, f"a number {'>=' if integer else '>'} low")
    if scale == "log" and not low > 0:
        raise ParameterError(f"{where}.low", low, "a number > 0 (scale = 'log')")
    if integer:
        return Uniform(low=low, high=high, integer=True)
    return Uniform(low=float(low), high=float(high), scale=scale)

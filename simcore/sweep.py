"""Parameter sweeps on Dask: many runs of one experiment, one seed and one file per point.

A sweep is a ``SweepSpec`` (an experiment name, base config values, axes to scan and a root seed),
usually read from TOML::

    experiment = "landauer_erasure"
    seed = 2024

    [base]
    n_cells = 100_000

    [[axes]]                       # cartesian product of its keys
    kind = "grid"
    values.barrier = [10.0, 20.0, 40.0]
    values.temperature = [300.0, 350.0]

    [[axes]]                       # keys walked together
    kind = "zip"
    values.duration = [1e-9, 1e-8]
    values.dt = [1e-11, 1e-10]

    [[axes]]                       # samples drawn from the root seed
    kind = "random"
    samples = 8
    values.tilt = { low = 2.0, high = 12.0 }
    values.f0 = { low = 1e8, high = 1e10, scale = "log" }
    values.n_levels = { low = 2, high = 4, integer = true }
    values.kinetics = { choices = ["arrhenius", "glauber"] }

The points are the cartesian product of the axes (the first axis varies slowest); point ``i``
gets the config ``base | axis values`` and the seed ``seed_of(root, i)``, a pure function of the
root seed and ``i`` (``numpy.random.SeedSequence(root).spawn(n)[i]``), so results do not depend on
scheduling, worker count or which points were run before.

``run_sweep(spec, run_point, out_dir)`` runs every point on Dask (an embedded local cluster, or an
existing one by address) and keeps in ``out_dir``::

    sweep.json                      the spec and its fingerprint (a directory holds one sweep)
    points/point-000042.h5          one file per point, written by ``run_point``
    records/point-000042.json       one record per finished point (status, results, checksum)
    index.h5                        every point's axes, seed, status, error and results

Contract for ``run_point(point: dict, seed: int, path: str) -> dict[str, float]``: a picklable
callable (simplest: a module-level function of a module installed on every worker). It runs one
point with ``seed`` and writes one HDF5 file at ``path`` atomically: it writes a temporary file
in the same directory and ``os.replace``-s it onto ``path`` as its last act, so ``path`` is never
half-written. It returns the point's scalar results (names without ``/``, values real numbers).
It may raise; the point is then recorded as failed with the error, and the sweep goes on.
``points/`` belongs to the sweep: anything there but the finished points' files is removed as a
partial leftover. ``out_dir`` must be on a filesystem that the workers and this process see at
the same path.

After ``run_point`` returns, the sweep checks that ``path`` exists and opens as HDF5 and records
its size and SHA-256. A rerun skips the points whose record says ok and whose file still matches
(resume); failed points are skipped unless ``retry_failed``; everything else runs. The index is
rebuilt from the records in point order, so a resumed sweep's index equals an uninterrupted one's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import signal
import sys
import threading
import time
import tomllib
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import h5py
import numpy as np

from simcore.errors import ParameterError

log = logging.getLogger(__name__)

#: Name and version of the index layout (root attributes of ``index.h5``).
INDEX_FORMAT = "limsim-sweep-index"
INDEX_VERSION = 1
SPEC_FILE = "sweep.json"
INDEX_FILE = "index.h5"
POINTS_DIR = "points"
RECORDS_DIR = "records"
LOCK_FILE = ".lock"

#: Spawn-key prefix of the random axes' streams; point seeds use the one-word key ``(index,)``.
_RANDOM_AXIS_KEY = 0x52414E44
_MAX_SEED = 2**63
_MAX_POINTS = 10**8
_POLL_S = 0.2

Scalar = bool | int | float | str
RunPoint = Callable[[dict, int, str], Mapping[str, float]]


class DamagedFileError(OSError):
    """A sweep index or point file is truncated, corrupt or does not match its record."""

    def __init__(self, path: os.PathLike | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class MemoryLimitError(ParameterError):
    """A point's estimated memory need exceeds the memory a worker has."""

    def __init__(self, index: int, point: Mapping, estimate: float, limit: float, where: str):
        self.name = "memory"
        self.value = estimate
        self.allowed = f"at most {limit:.0f} bytes"
        self.index, self.estimate, self.limit = index, estimate, limit
        keys = ", ".join(f"{k}={v!r}" for k, v in point.items())
        ValueError.__init__(
            self,
            f"point {index} needs an estimated {_bytes(estimate)}, more than the {_bytes(limit)} "
            f"{where}; refused before anything ran ({keys})",
        )


class SweepInterrupted(KeyboardInterrupt):
    """The sweep was stopped by a signal; finished points are kept and a rerun resumes."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"sweep interrupted by {signal.Signals(signum).name}")


# ----------------------------------------------------------------------------------- the spec


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
    if _column_kind(values) is None:
        raise ParameterError(where, values, allowed)
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool) and not -(2**63) <= v < 2**63:
            raise ParameterError(where, v, "integers that fit in 64 bits")
    return tuple(values)


def _column_kind(values: Sequence) -> str | None:
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


# ----------------------------------------------------------------------------- memory guard


def available_memory() -> int:
    """Bytes of memory available to new processes on this machine."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil comes with distributed
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def check_memory(
    points: Sequence[Mapping],
    estimate: Callable[[dict], float],
    limit: float,
    *,
    where: str = "available",
    indices: Sequence[int] | None = None,
) -> float:
    """The largest of ``estimate(point)`` (bytes); ``MemoryLimitError`` if one exceeds ``limit``.

    ``estimate`` may raise ``ParameterError`` for a malformed config: bad points are then refused
    before anything runs.
    """
    largest = 0.0
    indices = range(len(points)) if indices is None else indices
    for i, point in zip(indices, points, strict=True):
        need = estimate(dict(point))
        if (
            isinstance(need, bool)
            or not isinstance(need, int | float | np.integer | np.floating)
            or not math.isfinite(need)
            or need < 0
        ):
            raise ParameterError("memory_estimate", need, "a finite number of bytes >= 0")
        if need > limit:
            raise MemoryLimitError(i, point, float(need), float(limit), where)
        largest = max(largest, float(need))
    return largest


def _plan_local_workers(
    requested: int | None, n_todo: int, largest: float, available: float, cpus: int
) -> int:
    """Worker processes for the embedded cluster: one per core, fewer when memory is short."""
    if requested is not None:
        n = max(1, min(requested, n_todo))
        if largest > 0 and n * largest > available:
            raise ParameterError(
                "workers",
                requested,
                f"at most {max(1, int(available // largest))}: {n} points of up to "
                f"{_bytes(largest)} at once need more than the {_bytes(available)} available",
            )
        return n
    by_memory = int(available // largest) if largest > 0 else cpus
    return max(1, min(cpus, by_memory, n_todo))


def _bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if abs(n) < 1024 or unit == "EiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n:.0f} B"
        n /= 1024
    raise AssertionError  # pragma: no cover


# --------------------------------------------------------------------------- the point task


def _execute(
    run_point: RunPoint, point: dict, seed: int, path: str, threads: int | None = None
) -> dict:
    """Run one point on a worker; never raises (a failure is returned as a record).

    ``threads``: Numba threads for this point (the embedded cluster shares the cores among its
    workers; results do not depend on it, the time does).
    """
    try:
        if threads is not None:
            import numba

            numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        _remove(path)
        returned = run_point(dict(point), seed, path)
        results = _check_results(returned)
        size, digest = _verify_point_file(path)
        return {"status": "ok", "results": results, "sha256": digest, "size": size, "error": ""}
    except (Exception, SystemExit) as exc:
        _remove(path)
        return {
            "status": "failed",
            "results": {},
            "sha256": "",
            "size": 0,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }


def _check_results(returned: object) -> dict[str, float]:
    if not isinstance(returned, Mapping):
        raise TypeError(f"run_point returned {type(returned).__name__}, not a dict of floats")
    out = {}
    for name, value in returned.items():
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            raise TypeError(
                f"run_point returned a result named {name!r}; names are non-empty "
                "strings without '/'"
            )
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"run_point returned {name}={value!r}; results are real numbers")
        out[name] = float(value)
    return dict(sorted(out.items()))


def _verify_point_file(path: str) -> tuple[int, str]:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"run_point did not write its file {path}")
    try:
        with h5py.File(path, "r") as f:
            f.visit(lambda name: None)
    except Exception as exc:
        raise DamagedFileError(path, f"not a readable HDF5 file ({exc})") from None
    return os.path.getsize(path), _sha256(path)


# --------------------------------------------------------------------------------- the index


@dataclass(frozen=True, eq=False, kw_only=True)
class SweepIndex:
    """Every point of a sweep as a table: axes values, seed, status, error, scalar results.

    ``status`` is ``"ok"``, ``"failed"`` or ``"pending"`` (not finished yet); ``results[name]``
    is NaN where a point has no such result. ``file`` holds paths relative to ``directory``.
    Equality compares everything but ``file_sha256`` and ``file_size``, which describe bytes
    that may carry provenance differing between runs of the same sweep.
    """

    spec: SweepSpec
    index: np.ndarray
    seed: np.ndarray
    status: np.ndarray
    error: np.ndarray
    file: np.ndarray
    file_sha256: np.ndarray
    file_size: np.ndarray
    axes: dict[str, np.ndarray]
    results: dict[str, np.ndarray]
    directory: Path | None = None

    def __len__(self) -> int:
        return len(self.index)

    @property
    def experiment(self) -> str:
        return self.spec.experiment

    @property
    def complete(self) -> bool:
        """True when no point is pending (each is ok or failed)."""
        return not np.any(self.status == "pending")

    def count(self, status: str) -> int:
        return int(np.sum(self.status == status))

    def path(self, i: int) -> Path:
        """The file of point ``i``."""
        if self.directory is None:
            raise ValueError("this index was not read from a sweep directory")
        return self.directory / str(self.file[i])

    def columns(self) -> dict[str, np.ndarray]:
        """Flat table: index, seed, status, error, the axes, then the results."""
        return (
            {"index": self.index, "seed": self.seed, "status": self.status, "error": self.error}
            | self.axes
            | self.results
        )

    def check_files(self) -> None:
        """Raise ``DamagedFileError`` naming every ok point whose file is missing or changed."""
        bad = []
        for i in np.flatnonzero(self.status == "ok"):
            problem = _file_problem(self.path(i), int(self.file_size[i]), str(self.file_sha256[i]))
            if problem:
                bad.append(f"{self.file[i]} ({problem})")
        if bad:
            raise DamagedFileError(
                self.directory or "",
                "damaged point files: " + "; ".join(bad) + "; rerun the sweep to recompute them",
            )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SweepIndex):
            return NotImplemented
        mine, theirs = self._compared(), other._compared()
        return (
            mine.keys() == theirs.keys()
            and all(_same_array(mine[k], theirs[k]) for k in mine)
            and self.spec == other.spec
        )

    def _compared(self) -> dict[str, np.ndarray]:
        skip = ("points/file_sha256", "points/file_size")
        return {
            k.removeprefix("points/"): v for k, v in _index_columns(self).items() if k not in skip
        }

    __hash__ = None  # type: ignore[assignment]


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return a.dtype.kind == b.dtype.kind and bool(np.array_equal(a, b))


def _axis_column(values: list) -> np.ndarray:
    kind = _column_kind(values)
    if kind == "b":
        return np.array(values, dtype=bool)
    if kind == "i":
        return np.array(values, dtype=np.int64)
    if kind == "f":
        return np.array(values, dtype=np.float64)
    return np.array(values, dtype=object)


def _build_index(
    spec: SweepSpec, records: dict[int, dict], names: Sequence[str], directory: Path
) -> SweepIndex:
    n = spec.n_points
    values = spec.axis_values()
    status, error, sha, size = [], [], [], []
    result_names = sorted({k for r in records.values() for k in r["results"]})
    results = {k: np.full(n, np.nan) for k in result_names}
    for i in range(n):
        rec = records.get(i)
        status.append(rec["status"] if rec else "pending")
        error.append(rec["error"] if rec else "")
        sha.append(rec["sha256"] if rec else "")
        size.append(rec["size"] if rec else 0)
        for k, v in (rec["results"] if rec else {}).items():
            results[k][i] = v
    return SweepIndex(
        spec=spec,
        index=np.arange(n, dtype=np.int64),
        seed=np.array([spec.seed_of(i) for i in range(n)], dtype=np.int64),
        status=np.array(status, dtype=object),
        error=np.array(error, dtype=object),
        file=np.array([f"{POINTS_DIR}/{name}.h5" for name in names], dtype=object),
        file_sha256=np.array(sha, dtype=object),
        file_size=np.array(size, dtype=np.int64),
        axes={k: _axis_column([v[k] for v in values]) for k in spec.keys},
        results=results,
        directory=directory,
    )


def _index_digest(spec_json: str, columns: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256(spec_json.encode())
    for name in sorted(columns):
        arr = columns[name]
        h.update(b"\0" + name.encode() + b"\0")
        if arr.dtype.kind in "OUS":
            h.update(json.dumps([str(x) for x in arr]).encode())
        else:
            h.update(arr.dtype.str.encode() + np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _index_columns(idx: SweepIndex) -> dict[str, np.ndarray]:
    out = {
        "points/index": idx.index,
        "points/seed": idx.seed,
        "points/status": idx.status,
        "points/error": idx.error,
        "points/file": idx.file,
        "points/file_sha256": idx.file_sha256,
        "points/file_size": idx.file_size,
    }
    out |= {f"axes/{k}": v for k, v in idx.axes.items()}
    out |= {f"results/{k}": v for k, v in idx.results.items()}
    return out


def write_index(idx: SweepIndex, path: os.PathLike | str) -> None:
    """Write ``idx`` to ``path`` atomically (temporary file, fsync, ``os.replace``)."""
    spec_json = json.dumps(idx.spec.to_dict())
    columns = _index_columns(idx)
    with _atomic(path) as tmp, h5py.File(tmp, "w", track_order=True) as f:
        f.attrs["format"] = INDEX_FORMAT
        f.attrs["format_version"] = INDEX_VERSION
        f.attrs["experiment"] = idx.spec.experiment
        f.attrs["root_seed"] = idx.spec.seed
        f.attrs["spec"] = spec_json
        f.attrs["spec_sha256"] = idx.spec.fingerprint
        f.attrs["n_points"] = len(idx)
        f.attrs["complete"] = idx.complete
        f.attrs["content_sha256"] = _index_digest(spec_json, columns)
        for group in ("points", "axes", "results"):
            f.create_group(group, track_order=True)
        for name, arr in columns.items():
            if arr.dtype.kind == "O":
                f.create_dataset(name, data=arr.astype(str).tolist(), dtype=h5py.string_dtype())
            else:
                f.create_dataset(name, data=arr)


def load_index(path: os.PathLike | str) -> SweepIndex:
    """Read a sweep index (``index.h5``, or the sweep directory holding it).

    Raises ``DamagedFileError`` when the file is missing, truncated, not an index, or its content
    does not match the checksum written with it; nothing is half-read.
    """
    path = Path(path)
    if path.is_dir():
        path = path / INDEX_FILE
    if not path.is_file():
        raise DamagedFileError(path, "no sweep index here")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != INDEX_FORMAT:
                raise DamagedFileError(path, "not a limsim sweep index")
            version = int(f.attrs["format_version"])
            if version != INDEX_VERSION:
                raise DamagedFileError(
                    path, f"index format version {version}, this limsim reads {INDEX_VERSION}"
                )
            spec_json = str(f.attrs["spec"])
            expected = str(f.attrs["content_sha256"])
            columns: dict[str, np.ndarray] = {}
            for group in ("points", "axes", "results"):
                for name, ds in f[group].items():
                    if h5py.check_string_dtype(ds.dtype) is not None:
                        columns[f"{group}/{name}"] = np.array(ds.asstr()[()], dtype=object)
                    else:
                        columns[f"{group}/{name}"] = ds[()]
    except DamagedFileError:
        raise
    except Exception as exc:
        raise DamagedFileError(
            path,
            f"damaged or truncated sweep index ({exc}); rerun the "
            "sweep to rebuild it from its records",
        ) from None
    if _index_digest(spec_json, columns) != expected:
        raise DamagedFileError(
            path,
            "sweep index content does not match its checksum; rerun "
            "the sweep to rebuild it from its records",
        )
    spec = SweepSpec.from_dict(json.loads(spec_json))
    p = {k.split("/", 1)[1]: v for k, v in columns.items() if k.startswith("points/")}
    return SweepIndex(
        spec=spec,
        index=p["index"],
        seed=p["seed"],
        status=p["status"],
        error=p["error"],
        file=p["file"],
        file_sha256=p["file_sha256"],
        file_size=p["file_size"],
        axes={k: columns[f"axes/{k}"] for k in spec.keys},
        results={k.split("/", 1)[1]: v for k, v in columns.items() if k.startswith("results/")},
        directory=path.parent,
    )


# ---------------------------------------------------------------------------- the directory


class _SweepDir:
    """The files of one sweep in ``root``; every write is atomic."""

    def __init__(self, root: Path, spec: SweepSpec):
        self.root, self.spec = root, spec
        width = max(6, len(str(spec.n_points - 1)))
        self.names = [f"point-{i:0{width}d}" for i in range(spec.n_points)]
        self.points = root / POINTS_DIR
        self.records = root / RECORDS_DIR

    def point_path(self, i: int) -> Path:
        return self.points / f"{self.names[i]}.h5"

    def record_path(self, i: int) -> Path:
        return self.records / f"{self.names[i]}.json"

    def claim(self) -> None:
        """Create the directory or check it holds this same sweep; refuse anything else."""
        self.root.mkdir(parents=True, exist_ok=True)
        spec_file = self.root / SPEC_FILE
        mine = {"fingerprint": self.spec.fingerprint, "spec": self.spec.to_dict()}
        if spec_file.exists():
            try:
                theirs = json.loads(spec_file.read_text())["fingerprint"]
            except (OSError, ValueError, KeyError, TypeError):
                theirs = None
            if theirs != mine["fingerprint"]:
                raise ParameterError(
                    "out_dir",
                    str(self.root),
                    f"a new directory or one holding this same sweep (spec {SPEC_FILE} there "
                    f"has fingerprint {str(theirs)[:12]}, this spec {mine['fingerprint'][:12]})",
                )
        else:
            ours = (LOCK_FILE, f".{SPEC_FILE}.tmp-")  # the lock, a spec write cut short
            others = [p.name for p in self.root.iterdir() if not p.name.startswith(ours)]
            if others:
                raise ParameterError(
                    "out_dir",
                    str(self.root),
                    f"a new or empty directory (it holds {sorted(others)[:3]})",
                )
            _write_text(spec_file, json.dumps(mine, indent=1))
        self.points.mkdir(exist_ok=True)
        self.records.mkdir(exist_ok=True)

    def finished(self) -> dict[int, dict]:
        """Records of the points that need not run again; drop stale records and files."""
        points = self.spec.points()
        records = {}
        for i in range(self.spec.n_points):
            path, rec_path = self.point_path(i), self.record_path(i)
            rec = self._read_record(rec_path, i, points[i])
            if rec is not None and rec["status"] == "ok":
                problem = _file_problem(path, rec["size"], rec["sha256"])
                if problem:
                    log.warning("point %d: %s; it runs again", i, problem)
                    rec = None
            if rec is None:
                _remove(rec_path)
                _remove(path)
            else:
                records[i] = rec
        return records

    def _read_record(self, path: Path, i: int, point: dict) -> dict | None:
        if not path.exists():
            return None
        try:
            rec = json.loads(path.read_text())
            ok = (
                rec["index"] == i
                and rec["seed"] == self.spec.seed_of(i)
                and rec["point"] == point
                and rec["status"] in ("ok", "failed")
                and isinstance(rec["results"], dict)
                and isinstance(rec["error"], str)
            )
        except (OSError, ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            log.warning(
                "record %s is damaged or belongs to another sweep; the point runs again", path
            )
            return None
        return rec

    def write_record(self, i: int, point: dict, outcome: dict) -> dict:
        rec = {
            "index": i,
            "seed": self.spec.seed_of(i),
            "point": point,
            "file": f"{POINTS_DIR}/{self.names[i]}.h5",
        } | outcome
        _write_text(self.record_path(i), json.dumps(rec, indent=1))
        return rec

    def sweep_leftovers(self, recorded_ok: set[int]) -> None:
        """Remove partial files: in points/ every file but the ok points' (temporary files of
        run_point, files of points that did not finish), elsewhere our own temporary files."""
        keep = {f"{self.names[i]}.h5" for i in recorded_ok}
        for entry in self.points.iterdir():
            if entry.name not in keep and not entry.is_dir():
                _remove(entry)
        records = {f"{name}.json" for name in self.names}
        for entry in self.records.iterdir():
            if entry.name not in records and not entry.is_dir():
                _remove(entry)
        for entry in self.root.iterdir():
            if entry.name.startswith((f".{SPEC_FILE}.tmp-", f".{INDEX_FILE}.tmp-")):
                _remove(entry)

    def write_index(self, records: dict[int, dict]) -> SweepIndex:
        idx = _build_index(self.spec, records, self.names, self.root)
        write_index(idx, self.root / INDEX_FILE)
        return idx


@contextlib.contextmanager
def _lock(root: Path) -> Iterator[None]:
    """One sweep process per directory at a time."""
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ParameterError(
                "out_dir", str(root), "a directory no other running sweep is using"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def _atomic(path: os.PathLike | str) -> Iterator[str]:
    """Yield a temporary name next to ``path``; on success fsync it and move it onto ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        yield str(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        _remove(tmp)


def _write_text(path: Path, text: str) -> None:
    with _atomic(path) as tmp, open(tmp, "w") as f:
        f.write(text)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - some filesystems do not open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _remove(path: os.PathLike | str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _sha256(path: os.PathLike | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _file_problem(path: Path, size: int, sha256: str) -> str:
    """Why ``path`` is not the file recorded, or '' when it is."""
    if not path.is_file():
        return "missing"
    actual = path.stat().st_size
    if actual != size:
        return f"size {actual} bytes, recorded {size} (truncated or changed)"
    if _sha256(path) != sha256:
        return "content does not match the recorded SHA-256"
    return ""


# ----------------------------------------------------------------------------- the sweep


_SIGNALLED: list[int] = []


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``SweepInterrupted`` in the main thread, so the cleanup in
    ``run_sweep`` runs either way. The signal is also remembered: an exception raised while a
    finaliser or a Dask callback runs is dropped by Python, and the sweep's loop re-raises it
    (``_check_signals``) at its next turn; one dropped in a finaliser is not printed and the
    signal is sent again a moment later (as ``experiments.signals.interrupt_guard`` does: that
    module stays free of simcore's imports, so the two guards are separate)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        _SIGNALLED.append(signum)
        raise SweepInterrupted(signum)

    def unraisable(info):
        if isinstance(info.exc_value, SweepInterrupted) and len(_SIGNALLED) <= 5:
            again = threading.Timer(0.01, os.kill, (os.getpid(), info.exc_value.signum))
            again.daemon = True
            again.start()
            return
        previous_hook(info)

    _SIGNALLED.clear()
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        for s, h in previous.items():
            signal.signal(s, h)


def _check_signals() -> None:
    if _SIGNALLED:
        raise SweepInterrupted(_SIGNALLED[-1])


def run_sweep(
    spec: SweepSpec,
    run_point: RunPoint,
    out_dir: os.PathLike | str,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    memory_estimate: Callable[[dict], float] | None = None,
) -> SweepIndex:
    """Run every unfinished point of ``spec`` on Dask and return the sweep's index.

    - ``run_point(point, seed, path)``: see the module docstring for its contract.
    - ``scheduler``: address of a running Dask scheduler (``tcp://host:8786``); ``None`` starts
      an embedded local cluster of ``workers`` single-threaded processes (default: one per core,
      fewer when ``memory_estimate`` says the points would not fit in memory together).
    - ``retry_failed``: run the points recorded as failed again.
    - ``memory_estimate(point) -> bytes``: refuse the sweep up front (``MemoryLimitError``) when
      a point needs more than the machine has available (embedded cluster) or than a worker's
      memory limit (existing cluster). It may raise ``ParameterError`` for a malformed config.

    Points that raise are recorded as failed and the sweep goes on. On SIGINT or SIGTERM the
    workers are stopped, partial files removed, the index written with the unfinished points
    ``pending``, and ``SweepInterrupted`` (a ``KeyboardInterrupt``) is raised; a rerun
    resumes. A point that kills its worker again and again is recorded as failed.
    """
    if not isinstance(spec, SweepSpec):
        raise ParameterError("spec", spec, "a SweepSpec")
    if not callable(run_point):
        raise ParameterError("run_point", run_point, "a callable (point, seed, path) -> dict")
    if scheduler is not None and not (isinstance(scheduler, str) and scheduler):
        raise ParameterError("scheduler", scheduler, "a scheduler address like tcp://host:8786")
    if workers is not None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ParameterError("workers", workers, "an integer >= 1")
        if scheduler is not None:
            raise ParameterError(
                "workers",
                workers,
                "unset when a scheduler address is given (the cluster has its own workers)",
            )
    root = Path(out_dir).resolve()
    points = spec.points()

    client = None
    largest = 0.0
    if scheduler is None and memory_estimate is not None:
        largest = check_memory(
            points, memory_estimate, available_memory(), where="available on this machine"
        )

    from distributed import Client

    try:
        if scheduler is not None:
            client = Client(scheduler, set_as_default=False)
            if memory_estimate is not None:
                limits = [
                    w["memory_limit"]
                    for w in client.scheduler_info()["workers"].values()
                    if w.get("memory_limit")
                ]
                if limits:
                    check_memory(
                        points,
                        memory_estimate,
                        min(limits),
                        where="memory limit of a worker on the cluster",
                    )
        with _lock(root), _signals_interrupt():
            return _run(
                spec, run_point, root, points, client, workers, largest, retry_failed, progress
            )
    finally:
        if client is not None:
            client.close()


def _run(spec, run_point, root, points, client, workers, largest, retry_failed, progress):
    sweep = _SweepDir(root, spec)
    sweep.claim()
    records = sweep.finished()
    todo = [
        i
        for i in range(spec.n_points)
        if i not in records or (retry_failed and records[i]["status"] == "failed")
    ]
    sweep.sweep_leftovers({i for i, r in records.items() if r["status"] == "ok"})
    log.info("sweep %s: %d points, %d to run", root, spec.n_points, len(todo))
    if not todo:
        return sweep.write_index(records)

    own_cluster = None
    bar = None
    futures: dict = {}
    threads = None
    try:
        if client is None:
            from distributed import Client, LocalCluster

            cpus = (
                len(os.sched_getaffinity(0))
                if hasattr(os, "sched_getaffinity")
                else (os.cpu_count() or 1)
            )
            n = _plan_local_workers(workers, len(todo), largest, available_memory(), cpus)
            own_cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
                preload=[__name__],  # dask_setup below: Ctrl-C is the sweep's to handle
            )
            client = Client(own_cluster, set_as_default=False)
            threads = max(1, cpus // n)
            log.info("embedded Dask cluster: %d workers, dashboard %s", n, client.dashboard_link)
        from distributed import as_completed
        from tqdm import tqdm

        nonce = uuid.uuid4().hex[:8]
        for i in todo:
            fut = client.submit(
                _execute,
                run_point,
                points[i],
                spec.seed_of(i),
                str(sweep.point_path(i)),
                threads,
                key=f"limsim-point-{i}-{nonce}",
                pure=False,
            )
            futures[fut] = i
        failed = sum(1 for i, r in records.items() if r["status"] == "failed" and i not in todo)
        bar = tqdm(
            total=spec.n_points,
            initial=spec.n_points - len(todo),
            unit="point",
            desc="sweep",
            disable=not progress,
            dynamic_ncols=True,
        )
        pending = as_completed(list(futures), loop=client.loop)
        last = 0.0
        while not pending.is_empty():
            _check_signals()
            batch = pending.next_batch(block=False)
            for fut in batch:
                i = futures.pop(fut)
                outcome = _outcome(fut, sweep.point_path(i))
                if outcome is None:
                    continue
                records[i] = sweep.write_record(i, points[i], outcome)
                failed += outcome["status"] == "failed"
                if outcome["status"] == "failed":
                    log.warning("point %d failed: %s", i, outcome["error"])
                bar.update(1)
            now = time.monotonic()
            if batch or now - last > 1.0:
                last = now
                bar.set_postfix(running=_running(client, futures), failed=failed, refresh=True)
            if not batch:
                time.sleep(_POLL_S)
    finally:
        if bar is not None:
            bar.close()
        if futures:
            with contextlib.suppress(Exception):
                client.cancel(list(futures))
        if own_cluster is not None:
            with contextlib.suppress(Exception):
                client.close()
            with contextlib.suppress(Exception):
                own_cluster.close()
        sweep.sweep_leftovers({i for i, r in records.items() if r["status"] == "ok"})
        idx = sweep.write_index(records)
    if not idx.complete:
        log.warning(
            "sweep %s: %d points were lost by the cluster and are pending; rerun to finish them",
            root,
            idx.count("pending"),
        )
    return idx


def _outcome(fut, path: Path) -> dict | None:
    """The record of a finished future, or None when it was cancelled (the point stays
    pending)."""
    if fut.status == "finished":
        outcome = fut.result()
        if outcome["status"] == "ok" and not (
            path.is_file() and path.stat().st_size == outcome["size"]
        ):
            return {
                "status": "failed",
                "results": {},
                "sha256": "",
                "size": 0,
                "error": f"the file {path} written by a worker is not visible here: the "
                "sweep directory must be on a filesystem shared by the workers",
            }
        return outcome
    if fut.status == "error":
        exc = fut.exception()
        return {
            "status": "failed",
            "results": {},
            "sha256": "",
            "size": 0,
            "error": f"{type(exc).__name__}: {exc}",
        }
    return None


def dask_setup(worker) -> None:
    """Dask preload hook of the embedded cluster's worker processes: ignore SIGINT.

    A terminal's Ctrl-C reaches the whole process group; the sweep process alone handles it and
    stops its workers in order, instead of each worker dying with a traceback mid-point.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _running(client, futures: dict) -> int:
    keys = {f.key for f in futures}
    try:
        processing = client.processing()
    except Exception:
        return 0
    return sum(1 for tasks in processing.values() for k in tasks if k in keys)


__all__ = [
    "INDEX_FILE",
    "Choice",
    "DamagedFileError",
    "Grid",
    "MemoryLimitError",
    "Random",
    "SweepIndex",
    "SweepInterrupted",
    "SweepSpec",
    "Uniform",
    "Zip",
    "available_memory",
    "check_memory",
    "from_toml_text",
    "load_index",
    "load_spec",
    "run_sweep",
    "seed_of",
    "write_index",
]

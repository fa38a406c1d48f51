"""The one memory guard: refuse a run or a sweep up front when it would not fit in memory.

A run of experiment ``exp`` with config ``cfg`` needs ``BASE_MEMORY`` (interpreter, NumPy,
Numba, LLVM) plus ``exp.memory_estimate(cfg)`` bytes. ``limsim run`` and ``limsim suite`` check
that against what this machine has free now (``check_run``); a sweep checks every point against
the memory of the machine or of the smallest worker of its cluster (``check_points``) and plans
the embedded cluster's worker count from the largest point (``plan_local_workers``). A refusal is
a ``MemoryRefused`` (a ``ParameterError``) with the estimate, the limit and what to reduce.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from simcore.errors import ParameterError

#: Fixed overhead of a process running an experiment (interpreter, NumPy, Numba, LLVM, h5py,
#: Matplotlib), bytes: peak RSS of the smoke runs with few cells measured 250 to 380 MiB.
BASE_MEMORY = 400 * 2**20


class MemoryRefused(ParameterError):
    """A run's or a sweep point's estimated memory exceeds the limit; refused before it starts.

    Parameters
    ----------
    what : str
        What was refused (``"landauer_erasure"``, ``"point 8"``).
    estimate, limit : float
        The estimated need and the memory there is, bytes.
    where : str
        Where the limit comes from (``"available on this machine"``).
    hint : str
        What to reduce (``"reduce n_cells"``, or the point's config values).
    index : int or None
        The sweep point's index, ``None`` for a run.
    """

    def __init__(self, what: str, estimate: float, limit: float, where: str, hint: str,
                 index: int | None = None):
        self.name, self.value, self.allowed = "memory", estimate, f"at most {limit:.0f} bytes"
        self.estimate, self.limit, self.index = float(estimate), float(limit), index
        ValueError.__init__(
            self,
            f"memory: {what} needs an estimated {format_bytes(estimate)}, more than the"
            f" {format_bytes(limit)} {where}; refused before anything ran ({hint})",
        )


def format_bytes(n: float) -> str:
    """``n`` bytes in binary units with one decimal (``"2.0 GiB"``)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if abs(n) < 1024 or unit == "EiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n:.0f} B"
        n /= 1024
    raise AssertionError  # pragma: no cover


def available_memory() -> float:
    """Bytes of memory available to new processes on this machine."""
    try:
        import psutil

        return float(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil comes with distributed
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def _bytes_needed(need: object) -> float:
    if (
        isinstance(need, bool)
        or not isinstance(need, int | float | np.integer | np.floating)
        or not math.isfinite(need)
        or need < 0
    ):
        raise ParameterError("memory_estimate", need, "a finite number of bytes >= 0")
    return float(need)


def run_need(exp, cfg) -> float:
    """Upper estimate of the peak memory of one run, bytes.

    Parameters
    ----------
    exp : experiments.contract.Experiment
        The experiment.
    cfg : its Config
        A validated config.

    Returns
    -------
    float
        ``BASE_MEMORY + exp.memory_estimate(cfg)``.

    Raises
    ------
    ParameterError
        When the estimate is not a finite number of bytes >= 0.
    """
    return BASE_MEMORY + _bytes_needed(exp.memory_estimate(cfg))


def check_run(exp, cfg, available: float | None = None) -> float:
    """Refuse a run whose estimated memory exceeds what there is.

    Parameters
    ----------
    exp : experiments.contract.Experiment
        The experiment; its ``size_keys`` are named as what to reduce.
    cfg : its Config
        A validated config.
    available : float, optional
        The limit, bytes (default: what this machine has free now).

    Returns
    -------
    float
        The estimate, bytes (``run_need``).

    Raises
    ------
    MemoryRefused
        When the estimate exceeds the limit.
    """
    need = run_need(exp, cfg)
    limit = available_memory() if available is None else float(available)
    if need > limit:
        sizes = [k for k in exp.size_keys if hasattr(cfg, k)]
        hint = "reduce " + " or ".join(sizes) if sizes else "reduce the problem size"
        raise MemoryRefused(exp.name, need, limit, "available on this machine", hint)
    return need


def check_points(
    points: Sequence[Mapping],
    estimate: Callable[[dict], float],
    limit: float,
    *,
    where: str = "available",
    indices: Sequence[int] | None = None,
) -> float:
    """Refuse a sweep if one of its points would need more memory than ``limit``.

    Parameters
    ----------
    points : sequence of mappings
        The points' config overrides.
    estimate : callable
        ``estimate(point) -> bytes``; it may raise ``ParameterError`` for a malformed config,
        which then refuses the sweep before anything runs.
    limit : float
        Memory there is per point, bytes.
    where : str
        Where ``limit`` comes from, for the message.
    indices : sequence of int, optional
        The points' indices in the sweep (default ``0, 1, ...``).

    Returns
    -------
    float
        The largest estimate, bytes.

    Raises
    ------
    MemoryRefused
        For the first point over the limit (naming its index and config values).
    ParameterError
        When an estimate is not a finite number of bytes >= 0, or ``estimate`` raised it.
    """
    largest = 0.0
    indices = range(len(points)) if indices is None else indices
    for i, point in zip(indices, points, strict=True):
        need = _bytes_needed(estimate(dict(point)))
        if need > limit:
            keys = ", ".join(f"{k}={v!r}" for k, v in point.items())
            raise MemoryRefused(f"point {i}", need, float(limit), where, keys, index=i)
        largest = max(largest, need)
    return largest


def plan_local_workers(
    requested: int | None, n_todo: int, largest: float, available: float, cpus: int
) -> int:
    """Worker processes for an embedded cluster: one per core, fewer when memory is short.

    Parameters
    ----------
    requested : int or None
        Workers asked for (``--workers``); ``None``: as many as fit.
    n_todo : int
        Points left to run (never more workers than points).
    largest : float
        The largest point's estimated memory, bytes (0: unknown).
    available : float
        Memory available on this machine, bytes.
    cpus : int
        Cores this process may use.

    Returns
    -------
    int
        The number of workers, >= 1.

    Raises
    ------
    ParameterError
        Naming ``workers`` when ``requested`` points at once would not fit in memory.
    """
    if requested is not None:
        n = max(1, min(requested, n_todo))
        if largest > 0 and n * largest > available:
            raise ParameterError(
                "workers",
                requested,
                f"at most {max(1, int(available // largest))}: {n} points of up to "
                f"{format_bytes(largest)} at once need more than the {format_bytes(available)}"
                " available",
            )
        return n
    by_memory = int(available // largest) if largest > 0 else cpus
    return max(1, min(cpus, by_memory, n_todo))

"""What an experiment is: the contract between an experiment and the run harness.

Every experiment module (or package) defines one ``EXPERIMENT = Experiment(...)``. The harness
(command line, runner, suite, sweeps) only ever talks to that object, never to module
attributes looked up by name, so a missing piece is an error at import, not a surprise at run
time. The flow of one run (``shared/ARCHITECTURE.md``):

1. ``config()`` (the frozen ``Config`` dataclass; ``Config().smoke()`` gives a seconds-long
   variant) is resolved and validated by the harness;
2. ``run(cfg, progress)`` simulates in memory and returns the experiment's result dataclass,
   which carries the run's :class:`simcore.seeds.Seeds` as ``seeds``;
3. ``checks(result)`` compares simulated with reference values (``experiments.common.check``);
4. ``report(result)`` is the console summary; ``data(result)`` the HDF5 content (nested dicts
   of ``simcore.io.Data``, with a ``seeds`` group from ``experiments.common.seeds_tree``);
5. ``plot(res, outdir)`` draws every figure from a ``simcore.io.Result`` read back from disk
   (never from the in-memory result) and returns the figure stems.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from simcore.seeds import Seeds


@runtime_checkable
class Result(Protocol):
    """What every experiment's result dataclass has: the named streams of its run."""

    seeds: Seeds


#: Bytes per cell at the peak of a run whose arrays keep only their state (one byte per cell;
#: work and heat are tallied, not stored): measured 1.0 byte per cell of peak RSS over the
#: process's base (``MemoryArray`` of 5e7 and 2e8 cells: 212 and 355 MiB), so 2 is an upper
#: bound with a factor 2 to spare. The 48 used before was the per-cell-ledger figure, about 20
#: times too high for these runs (5e8 cells estimated at 22 GiB).
BYTES_PER_CELL = 2
#: Bytes per cell of an array run with ``record_per_cell=True`` (per-cell work and heat, float64,
#: and their temporaries): measured 51.5 bytes per cell (2e7 cells: 1.07 GiB peak over a 115
#: MiB base); 64 is the upper bound.
BYTES_PER_LEDGER_CELL = 64


def cells_memory(cfg) -> float:
    """The default memory estimate (bytes, without the process's fixed overhead):
    ``BYTES_PER_CELL`` per cell of ``cfg.n_cells``, for experiments whose arrays keep no
    per-cell arrays besides their state.

    Parameters
    ----------
    cfg : an experiment's Config
        With an ``n_cells`` field.

    Returns
    -------
    float
        Bytes.
    """
    return BYTES_PER_CELL * float(cfg.n_cells)


def ledger_memory(cfg, arrays: int = 1) -> float:
    """Memory estimate (bytes, without the fixed overhead) of an experiment that keeps the
    per-cell ledgers of ``arrays`` arrays of ``cfg.n_cells`` cells at once
    (``record_per_cell=True``): ``BYTES_PER_LEDGER_CELL`` per cell and array.

    Parameters
    ----------
    cfg : an experiment's Config
        With an ``n_cells`` field.
    arrays : int
        Arrays whose ledgers are held together (forward and reverse: 2).

    Returns
    -------
    float
        Bytes.
    """
    return BYTES_PER_LEDGER_CELL * float(arrays) * float(cfg.n_cells)


def config_cost(cfg) -> float | None:
    """The default cost estimate: cell-steps (cells times time steps) read from the config keys
    that set the step count, by the experiments' naming convention, or ``None`` when it cannot
    say (such a run is never refused for its cost).

    - ``durations`` (s) with ``steps_per_duration`` and optionally ``max_dt`` (s): each duration
      τ takes ``max(steps_per_duration, τ / max_dt)`` steps (``landauer_erasure``);
    - ``steps``: the steps of one task (a lower estimate: the experiment may run several tasks).

    Parameters
    ----------
    cfg : an experiment's Config
        A validated config, with an ``n_cells`` field (else ``None``).

    Returns
    -------
    float or None
        ``n_cells`` times the steps the config asks for.
    """
    n = getattr(cfg, "n_cells", None)
    if not isinstance(n, int | float) or isinstance(n, bool):
        return None
    durations = getattr(cfg, "durations", None)
    per = getattr(cfg, "steps_per_duration", None)
    if isinstance(durations, tuple) and isinstance(per, int):
        max_dt = getattr(cfg, "max_dt", None)
        steps = sum(max(per, math.ceil(t / max_dt)) if max_dt else per for t in durations)
        return float(n) * steps
    steps = getattr(cfg, "steps", None)
    if isinstance(steps, int) and not isinstance(steps, bool):
        return float(n) * steps
    return None


@dataclass(frozen=True, kw_only=True)
class Experiment:
    """One experiment as the harness sees it.

    Parameters
    ----------
    name : str
        The command-line name (``limsim run NAME``); equal to the module's name.
    summary : str
        One line for ``limsim list`` and the report's header.
    doc : str
        The report's description (the module docstring).
    config : type
        The frozen, keyword-only ``Config`` dataclass (fields with units; ``smoke()``).
    run : callable
        ``run(cfg, progress: bool) -> result dataclass`` (with a ``seeds`` attribute).
    checks, report, data : callable
        ``checks(result) -> list[dict]``, ``report(result) -> str``, ``data(result) -> dict``.
    plot : callable
        ``plot(res: simcore.io.Result, outdir: Path) -> list[str]`` (figure stems).
    memory_estimate : callable
        ``memory_estimate(cfg) -> float``, the peak bytes a run needs beyond the process's
        fixed overhead (default :func:`cells_memory`).
    size_keys : tuple of str
        The config keys that set a run's size, named when a run is refused for its memory.
    cost_estimate : callable
        ``cost_estimate(cfg) -> float or None``, the work of a run in cell-steps (cells times
        time steps; particle-steps for the continuous engine; an experiment whose work is
        another kind, e.g. the aggregated engine's, converts it to the cell-steps of equal CPU
        time), or ``None`` when it cannot say (default :func:`config_cost`). ``limsim run``
        prints it before the run and refuses a run above ``harness.cost.CELL_STEP_LIMIT``
        unless ``--force``.
    """

    name: str
    summary: str
    doc: str
    config: type
    run: Callable[..., Any]
    checks: Callable[[Any], list[dict]]
    report: Callable[[Any], str]
    data: Callable[[Any], dict]
    plot: Callable[..., list[str]]
    memory_estimate: Callable[[Any], float] = cells_memory
    size_keys: tuple[str, ...] = ("n_cells",)
    cost_estimate: Callable[[Any], float | None] = config_cost

    def __post_init__(self):
        for f in ("run", "checks", "report", "data", "plot", "memory_estimate", "cost_estimate"):
            if not callable(getattr(self, f)):
                raise TypeError(f"Experiment {self.name!r}: {f} must be callable")
        if not isinstance(self.config, type) or not hasattr(self.config, "smoke"):
            raise TypeError(f"Experiment {self.name!r}: config must be a Config class with smoke()")

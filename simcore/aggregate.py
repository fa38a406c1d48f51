"""``AggregateArray``: N identical cells as counts per level, at a cost independent of N.

For cells that share one landscape and one attempt frequency, only the counts per level matter
for array-level quantities. Each step the cells leaving each level are drawn from the multinomial
given by the exact propagator's row (``kernels.counts_block``, with the exact large-count binomial
sampler of ``simcore.binomial``); work and heat follow from the counts exactly as in
``MemoryArray``. The result is exact in distribution for every array-level quantity (mean, variance,
higher moments of total work, heat and occupancy), for N up to 2**62 cells.

The cells are split into ``groups`` independent sub-arrays (default 16) so that the standard
error of per-cell means comes from the spread between groups, as in ``MemoryArray``. There is no
per-cell state (``counts``, not ``state``): per-cell energies, per-cell landscapes and per-cell
attempt frequencies need ``MemoryArray``; ``simcore.memory_array`` picks the right engine.

The array is composed, not derived from ``MemoryArray``: the same core (``engine.ArrayCore``:
ledger, step counter, landscape, shared run loop) with the counts store ``engine.GroupCounts``.
"""

from __future__ import annotations

import numpy as np

from simcore import draws
from simcore.array import (
    ArrayFacade,
    MemoryArray,
    check_dt,
    make_core,
    physics_args,
    run_checked,
)
from simcore.backend import CpuBackend
from simcore.cell_steps import remember
from simcore.engine import PARALLEL_STEPS, GroupCounts
from simcore.errors import ParameterError, one_of, positive_int
from simcore.landscapes import IndexedLandscape, cell_landscape
from simcore.plan import block_kernel
from simcore.protocol import check_tag
from simcore.rng import MAX_STEPS

__all__ = ["PARALLEL_STEPS", "AggregateArray", "memory_array"]


class AggregateArray(ArrayFacade):
    """Identical cells held as counts per level: ``run``, ``step`` with shared landscapes,
    ``result``, ``occupancy``, ``prepare``, ``counts``; no per-cell state or results.

    Parameters
    ----------
    n_cells : int
        Number of cells N, in [1, 2**62].
    groups : int
        Independent sub-arrays G in [1, 1024] (``draws.MAX_GROUPS``), for the standard errors.
    n_levels, **physics
        As ``MemoryArray`` (``temperature``, ``attempt_frequency``, ``kinetics``, ``seed``,
        ``initial``, with its defaults: ``array.physics_args``); ``attempt_frequency`` one value
        for all cells.
    backend : str
        "cpu" (the only backend of the aggregated engine).

    Raises
    ------
    ParameterError
        Naming the first bad argument.
    """

    MAX_CELLS = 2**62

    def __init__(
        self,
        n_cells: int,
        n_levels: int = 2,
        *,
        groups: int = 16,
        backend: str = "cpu",
        **physics,
    ):
        g = positive_int("groups", groups, draws.MAX_GROUPS)
        one_of("backend", backend, ("cpu",))
        args = (n_cells, n_levels, *physics_args(physics))
        core, initial, bounds = make_core(*args, max_cells=self.MAX_CELLS, groups=g)
        cpu = CpuBackend(parallel=True)  # long blocks on the pool, short ones on the thread
        core.attach(bounds, cpu, GroupCounts(core.n_levels, bounds, cpu, core.seed))
        self._core = core
        if not core.homogeneous:
            raise ParameterError(
                "attempt_frequency",
                core.attempt_frequency,
                "one value for all cells (per-cell values need MemoryArray)",
            )
        self.prepare(initial)

    @property
    def counts(self) -> np.ndarray:
        """Cells of each group at each level, (G, M) int64 (write into it to set them)."""
        return self._core.store.counts

    def step(self, energies, saddles, dt, tag="update", *, record_per_cell=False):
        """One step of every cell under the shared landscape ``(energies (M,), saddles
        (M-1,))`` (J) for ``dt`` s, booked under ``tag``.

        Raises
        ------
        ParameterError
            Naming ``energies`` for a per-cell landscape, ``record_per_cell`` when True, and
            as ``MemoryArray.step`` otherwise.
        """
        if np.ndim(energies) != 1 or np.ndim(saddles) != 1:
            raise ParameterError(
                "energies",
                energies,
                "one landscape shared by all cells (per-cell needs MemoryArray)",
            )
        if record_per_cell:
            raise ParameterError("record_per_cell", True, "False for an AggregateArray")
        core = self._core
        new = cell_landscape(energies, saddles, core.n_levels, core.n_cells)
        dt = check_dt(dt)
        tag = check_tag(tag)
        if core.step_count + 1 >= MAX_STEPS:
            raise ParameterError("step", core.step_count, f"fewer than {MAX_STEPS} steps per array")
        assert not isinstance(core.landscape, IndexedLandscape)
        core.backend.require(block_kernel(core.n_levels, False))
        e_old = new.energies if core.landscape is None else core.landscape.energies
        core.step_shared(e_old, new.energies, new.saddles, dt, tag, False)
        remember(core, new.energies, new.saddles)
        core.step_count += 1

    def run(
        self,
        protocol,
        dt,
        initial=None,
        *,
        record_per_cell=False,
        record_history=False,
        progress=False,
        cell_landscapes=None,
    ):
        """``MemoryArray.run`` for a shared protocol (see there).

        Raises
        ------
        ParameterError
            Naming ``record_per_cell`` or ``cell_landscapes`` when given, and as
            ``MemoryArray.run`` otherwise.
        """
        if record_per_cell:
            raise ParameterError("record_per_cell", True, "False for an AggregateArray")
        if cell_landscapes is not None:
            raise ParameterError("cell_landscapes", cell_landscapes, "None for an AggregateArray")
        return run_checked(
            self,
            protocol,
            dt,
            initial,
            record_per_cell=False,
            record_history=record_history,
            progress=progress,
            cell_landscapes=None,
        )

    def __repr__(self) -> str:
        return (
            f"AggregateArray(n_cells={self.n_cells}, n_levels={self.n_levels},"
            f" T={self.temperature} K, kinetics={self.kinetics!r}, seed={self.seed},"
            f" groups={self.counts.shape[0]}, steps={self.step_count})"
        )


def memory_array(n_cells: int, n_levels: int = 2, *, per_cell: bool = False, **kwargs):
    """The engine that fits: ``AggregateArray`` for identical cells when no per-cell results are
    wanted (any N up to 2**62), else ``MemoryArray`` (N up to 2**32).

    Parameters
    ----------
    n_cells, n_levels, **kwargs
        As the arrays' constructors.
    per_cell : bool
        True when per-cell states or results are needed.

    Returns
    -------
    AggregateArray or MemoryArray
    """
    f0 = kwargs.get("attempt_frequency", 1e9)
    if per_cell or np.ndim(f0) > 0:
        return MemoryArray(n_cells, n_levels, **kwargs)
    return AggregateArray(n_cells, n_levels, **kwargs)

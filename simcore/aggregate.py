"""``AggregateArray``: N identical cells as counts per level, at a cost independent of N.

For cells that share one landscape and one attempt frequency, only the counts per level matter
for array-level quantities. Each step the cells leaving each level are drawn from the multinomial
given by the exact propagator's row (``kernels.counts_block``, with the exact large-count binomial
sampler of ``simcore.binomial``); work and heat follow from the counts exactly as in
``MemoryArray``. The result is exact in distribution for every array-level quantity (mean, variance,
higher moments of total work, heat and occupancy), for N up to 2**62 cells.

The cells are split into ``groups`` independent sub-arrays (default 16) so that the standard
error of per-cell means comes from the spread between groups, as in ``MemoryArray``. There is no
per-cell state: per-cell energies, per-cell landscapes and per-cell attempt frequencies need
``MemoryArray``; ``simcore.memory_array`` picks the right engine.
"""

from __future__ import annotations

import numpy as np

from simcore import kernels
from simcore.array import PREPARE_DRAW as PREPARE_DRAW_CELLS
from simcore.array import MemoryArray
from simcore.errors import ParameterError, positive_int
from simcore.rng import check_seed, streams_of

#: Steps per block from which the groups of a block run on the thread pool.
PARALLEL_STEPS = 256
#: Random streams of the aggregated engine (draw index of group g: base + g).
DYNAMICS_DRAW = 2**62
PREPARE_DRAW = 2**62 + 2**40


class AggregateArray(MemoryArray):
    """Identical cells held as counts per level; same interface as ``MemoryArray`` (``run``,
    ``step`` with shared landscapes, ``result``, ``occupancy``), without per-cell results."""

    MAX_CELLS = 2**62

    def __init__(self, n_cells: int, n_levels: int = 2, *, groups: int = 16, **kwargs):
        self._groups = positive_int("groups", groups, 1024)
        self._streams: dict = {}  # (seed, draw base, G) -> the groups' (keys, gammas)
        super().__init__(n_cells, n_levels, **kwargs)
        if not self.homogeneous:
            raise ParameterError(
                "attempt_frequency",
                kwargs.get("attempt_frequency"),
                "one value for all cells (per-cell values need MemoryArray)",
            )

    def _default_groups(self) -> int:
        return self._groups

    def _allocate(self) -> None:
        self.counts = np.zeros((self._bounds.size - 1, self.n_levels), dtype=np.int64)
        self.counts[:, 0] = np.diff(self._bounds)

    @property
    def state(self):
        raise AttributeError("an AggregateArray keeps counts per level (.counts), not cell states")

    @state.setter
    def state(self, value):
        raise AttributeError("an AggregateArray keeps counts per level (.counts), not cell states")

    def _group_counts(self) -> np.ndarray:
        return self.counts.copy()

    def prepare(self, initial) -> None:
        from simcore.array import _check_initial

        initial = _check_initial(initial, self.n_levels, allow_equilibrium=False)
        if isinstance(initial, int):
            self.counts[:] = 0
            self.counts[:, initial] = np.diff(self._bounds)
            return
        super().prepare(initial)

    def _sweep(self, probs, thresholds, step0, per_cell, draw=0):
        if per_cell is not None:
            raise ParameterError(
                "record_per_cell", True, "False for an AggregateArray (use MemoryArray)"
            )
        base = {0: DYNAMICS_DRAW, PREPARE_DRAW_CELLS: PREPARE_DRAW}[draw]
        g = self.counts.shape[0]
        keys, gammas = self._group_streams(base, g)
        b = probs.shape[0]
        after = np.empty((g, b, self.n_levels), dtype=np.int64)
        changes = np.empty((g, b), dtype=np.int64)
        # the pool costs 0.1-2 ms to wake: worth it for long blocks only (a step of 16 groups
        # of bits is ~1.5 us serially); the results are the same either way
        parallel = b >= PARALLEL_STEPS and g > 1
        block = kernels.counts_block if parallel else kernels.counts_block_serial
        block(self.counts, probs, keys, gammas, step0, after, changes)
        return after, changes

    def _group_streams(self, base: int, g: int) -> tuple[np.ndarray, np.ndarray]:
        """``(keys, gammas)`` (G,) of the groups' streams ``base + i``, computed once per seed
        (a run of single steps would otherwise derive G streams every step)."""
        key = (self.seed, base, g)
        if key not in self._streams:
            keys = np.empty(g, dtype=np.uint64)
            gammas = np.empty(g, dtype=np.uint64)
            check_seed(base + g - 1, "draw")
            streams_of(np.uint64(check_seed(self.seed)), np.uint64(base), keys, gammas)
            self._streams[key] = (keys, gammas)
        return self._streams[key]

    def step(self, energies, saddles, dt, tag="update", *, record_per_cell=False):
        if np.ndim(energies) != 1 or np.ndim(saddles) != 1:
            raise ParameterError(
                "energies",
                energies,
                "one landscape shared by all cells (per-cell needs MemoryArray)",
            )
        if record_per_cell:
            raise ParameterError("record_per_cell", True, "False for an AggregateArray")
        super().step(energies, saddles, dt, tag)

    def run(
        self, protocol, dt, initial=None, *, record_per_cell=False, cell_landscapes=None, **kwargs
    ):
        if record_per_cell:
            raise ParameterError("record_per_cell", True, "False for an AggregateArray")
        if cell_landscapes is not None:
            raise ParameterError("cell_landscapes", cell_landscapes, "None for an AggregateArray")
        return super().run(protocol, dt, initial, **kwargs)

    def __repr__(self) -> str:
        return (
            f"AggregateArray(n_cells={self.n_cells}, n_levels={self.n_levels},"
            f" T={self.temperature} K, kinetics={self.kinetics!r}, seed={self.seed},"
            f" groups={self.counts.shape[0]}, steps={self.step_count})"
        )


def memory_array(n_cells: int, n_levels: int = 2, *, per_cell: bool = False, **kwargs):
    """The engine that fits: ``AggregateArray`` for identical cells when no per-cell results are
    wanted (any N up to 2**62), else ``MemoryArray`` (N up to 2**32)."""
    f0 = kwargs.get("attempt_frequency", 1e9)
    if per_cell or np.ndim(f0) > 0:
        return MemoryArray(n_cells, n_levels, **kwargs)
    return AggregateArray(n_cells, n_levels, **kwargs)

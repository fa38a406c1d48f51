"""The plan: which kernel path a step or a run takes, from the landscape and the array.

One function per question, each a pure function of its inputs, so the choice ``MemoryArray``
used to make inline among six paths is written once and can be tested alone:

=========================================  ==========================  ============================
landscape (new; before)                    cells                       kernel
=========================================  ==========================  ============================
shared; shared or none                     shared f0, bits             ``bits_shared``
shared; shared or none                     shared f0, M levels         ``levels_shared``
shared, per-cell energies recorded         shared f0                   ``levels_shared_per_cell``
indexed (K <= 256)                         bits, or shared f0          ``bits_indexed`` /
                                                                       ``levels_indexed``
indexed (K > 256, or M levels, own f0)     expanded to per cell        as per cell
shared; indexed                            as indexed with one kind    as indexed
per cell, or own f0, or per-cell before    bits                        ``bits_heterogeneous``
per cell, or own f0, or per-cell before    M levels                    ``levels_step_heterogeneous``
=========================================  ==========================  ============================

Within a block of shared-landscape steps of ``MemoryArray`` each step is dense (the kernel of
the table, one uniform per cell) or sparse (``kernels.sparse_shared``: geometric skips to the
cells that flip), by ``sparse_steps``: a step is sparse when no level's escape probability
exceeds ``SPARSE_ESCAPE``. The rule reads only the step's propagator (the landscape, f0, T and
dt), never N, the thread count, the block or the chunk a step falls in, so a run gives the same
states however it is split. Preparation from a probability vector is always dense, and so are
the per-cell and indexed paths (a shared landscape given per cell, or as an indexed table of one
kind, draws what a dense shared step draws, not what a sparse one draws: the same law).

A run of a protocol with one landscape for all cells and a shared attempt frequency takes the
block path (``block_kernel``); a run with per-cell landscapes or attempt frequencies steps bit
cells in blocks of held landscapes (``bits_heterogeneous``) and M-level cells step by step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simcore.kernels.sparse import max_escape
from simcore.landscapes import IndexedLandscape, SharedLandscape

BITS_SHARED = "bits_shared"
LEVELS_SHARED = "levels_shared"
LEVELS_SHARED_PER_CELL = "levels_shared_per_cell"
BITS_PER_CELL = "bits_heterogeneous"
LEVELS_PER_CELL = "levels_step_heterogeneous"
BITS_INDEXED = "bits_indexed"
LEVELS_INDEXED = "levels_indexed"
#: The kernels of steps under one landscape for every cell (``ArrayCore.step_shared``).
SHARED_KERNELS = (BITS_SHARED, LEVELS_SHARED, LEVELS_SHARED_PER_CELL)


#: A step of cells under a shared landscape is stepped sparsely when every level's escape
#: probability is at most this. The dense bit kernel costs 0.6-1.2 ns per cell-step and a
#: sparse candidate 20-40 ns (two hashes, a log, a random access) on the AMD EPYC machine
#: (docs/performance.md), so the break-even is near 2**-5; below 2**-6 the sparse step is the
#: cheaper for bits and for M levels (whose dense step costs more).
SPARSE_ESCAPE = 2.0**-6


def sparse_steps(probs: np.ndarray) -> np.ndarray:
    """Which steps of a block of propagators ``probs`` (B, M, M) are stepped sparsely: (B,)
    bool, ``max_i sum_{j != i} probs[k, i, j] <= SPARSE_ESCAPE``."""
    escape = np.empty(probs.shape[0])
    max_escape(probs, escape)
    return escape <= SPARSE_ESCAPE


def runs_of(mask: np.ndarray) -> list[tuple[int, int, bool]]:
    """The maximal runs ``(start, stop, value)`` of equal entries of a 1-D bool array."""
    edges = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [mask.size]])
    return [(int(a), int(b), bool(mask[a])) for a, b in zip(starts, stops, strict=True)]


@dataclass(frozen=True)
class StepPlan:
    """The path of one step: ``kernel`` (a name of ``simcore.kernels``); ``expand``: an indexed
    landscape run as per-cell landscapes ``energies[kinds]``; ``one_kind``: a shared landscape
    after an indexed one, run as a table of one row."""

    kernel: str
    expand: bool = False
    one_kind: bool = False


def block_kernel(n_levels: int, record_per_cell: bool) -> str:
    """The kernel of a block of shared-landscape steps."""
    if record_per_cell:
        return LEVELS_SHARED_PER_CELL
    return BITS_SHARED if n_levels == 2 else LEVELS_SHARED


def per_cell_kernel(n_levels: int) -> str:
    """The kernel of a step under per-cell landscapes."""
    return BITS_PER_CELL if n_levels == 2 else LEVELS_PER_CELL


def indexed_plan(kinds: np.ndarray, n_levels: int, homogeneous: bool) -> StepPlan:
    """An indexed step: the indexed kernels for uint8 kinds (K <= 256) of bit cells or of cells
    with a shared attempt frequency; otherwise the per-cell path on the expanded landscapes
    (exact jumps per cell, the same draws)."""
    if kinds.dtype != np.uint8 or (n_levels > 2 and not homogeneous):
        return StepPlan(per_cell_kernel(n_levels), expand=True)
    return StepPlan(BITS_INDEXED if n_levels == 2 else LEVELS_INDEXED)


def step_plan(new, current, n_levels: int, homogeneous: bool, record_per_cell: bool) -> StepPlan:
    """The path of ``MemoryArray.step`` to landscape ``new`` from ``current`` (None before the
    first landscape); see the module's table."""
    if isinstance(new, IndexedLandscape):
        return indexed_plan(new.kinds, n_levels, homogeneous)
    if isinstance(current, IndexedLandscape) and isinstance(new, SharedLandscape):
        plan = indexed_plan(np.empty(0, dtype=np.uint8), n_levels, homogeneous)
        return StepPlan(plan.kernel, expand=plan.expand, one_kind=True)
    old_shared = current is None or current.cell_energies().ndim == 1
    if isinstance(new, SharedLandscape) and old_shared and homogeneous:
        return StepPlan(block_kernel(n_levels, record_per_cell))
    return StepPlan(per_cell_kernel(n_levels))


def run_kernel(n_levels: int, stepwise: bool, record_per_cell: bool) -> str:
    """The kernel a run needs: the block path for shared landscapes (``stepwise`` False), else
    the per-cell kernel (M-level steps under a landscape the cells share may take the shared
    path too; the per-cell one is the one a backend must run)."""
    if not stepwise:
        return block_kernel(n_levels, record_per_cell)
    return per_cell_kernel(n_levels)

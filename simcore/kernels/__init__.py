"""Numba kernels: advance cells through blocks of steps with the exact propagator.

One module per family:

- ``bundles``: the named bundles the arguments travel in (stream, cells, tallies, landscape);
- ``tiles``: the tile helpers the bit kernels inline, and the 512-bit compilation wrapper;
- ``bits_shared``, ``levels_shared``: every cell under one landscape, a block of steps;
- ``per_cell``: per-cell landscapes and attempt frequencies (``bits_heterogeneous``,
  ``levels_step_heterogeneous``) and per-cell energy records (``levels_shared_per_cell``);
- ``indexed``: cells that select rows of a small landscape table (``bits_indexed``,
  ``levels_indexed``, the per-kind tables, ``rough_level``/``exact_level``);
- ``counts``: level counts per group (``count_levels``) and ``all_finite``;
- ``aggregated``: the aggregated engine's ``counts_block``;
- ``sparse``: rare-flip steps under a shared landscape by geometric skips (``sparse_shared``).

Kernels take bundles of arrays and scalars, allocate nothing per step, raise nothing, print
nothing; the Python layer (``simcore.array`` through ``simcore.backend``) validates inputs first
and calls them with keywords. Each has a slow NumPy twin in ``tests/naive.py`` that the tests
compare against on the same random numbers. Every parallel kernel ``k`` has a serial variant
``k_serial`` compiled from the same source (``_jit.jit_pair``).

Parallel layout: cells are split into ``G`` fixed groups of contiguous indices (fixed by ``N``
alone, never by the thread count). ``prange`` runs over groups; each group is processed in a
fixed order, and array-level tallies are integer counts per group and step. Hence results are
bit-identical for any number of threads and any chunk size, and the spread between group means
gives the standard error without per-cell storage.

The step order is THEORY.md section 2: the landscape jumps (work), then the state evolves for
``dt`` under the new landscape with ``exp(K dt)`` (heat).
"""

from simcore.kernels.aggregated import counts_block, counts_block_serial
from simcore.kernels.bits_shared import (
    bits_shared,
    bits_shared_serial,
)
from simcore.kernels.bundles import (
    Before,
    Cells,
    GroupStreams,
    Indexed,
    PerCell,
    Rates,
    SharedSteps,
    Stream,
    Tallies,
    tallies,
)
from simcore.kernels.counts import all_finite, count_levels, count_levels_serial
from simcore.kernels.indexed import (
    bit_kind_escape,
    bit_kind_thresholds,
    bits_indexed,
    bits_indexed_serial,
    exact_level,
    levels_indexed,
    levels_indexed_serial,
    rough_level,
)
from simcore.kernels.levels_shared import levels_shared, levels_shared_serial
from simcore.kernels.per_cell import (
    bits_heterogeneous,
    bits_heterogeneous_serial,
    levels_shared_per_cell,
    levels_shared_per_cell_serial,
    levels_step_heterogeneous,
    levels_step_heterogeneous_serial,
)
from simcore.kernels.sparse import (
    SparseSteps,
    max_escape,
    sparse_shared,
    sparse_shared_serial,
    sparse_tables,
)
from simcore.kernels.tiles import HTILE, TILE

__all__ = [
    "HTILE",
    "TILE",
    "Before",
    "Cells",
    "GroupStreams",
    "Indexed",
    "PerCell",
    "Rates",
    "SharedSteps",
    "SparseSteps",
    "Stream",
    "Tallies",
    "all_finite",
    "bit_kind_escape",
    "bit_kind_thresholds",
    "bits_heterogeneous",
    "bits_heterogeneous_serial",
    "bits_indexed",
    "bits_indexed_serial",
    "bits_shared",
    "bits_shared_serial",
    "count_levels",
    "count_levels_serial",
    "counts_block",
    "counts_block_serial",
    "exact_level",
    "levels_indexed",
    "levels_indexed_serial",
    "levels_shared",
    "levels_shared_per_cell",
    "levels_shared_per_cell_serial",
    "levels_shared_serial",
    "levels_step_heterogeneous",
    "levels_step_heterogeneous_serial",
    "max_escape",
    "rough_level",
    "sparse_shared",
    "sparse_shared_serial",
    "sparse_tables",
    "tallies",
]

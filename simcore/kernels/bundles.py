"""The named bundles a kernel's arguments travel in (``typing.NamedTuple``, which Numba types
field by field).

A kernel takes a few bundles instead of 18-30 positional arrays, and the array layer builds them
with keywords, so a swapped pair (``work``/``heat``, ``e_old``/``e_new``) is a visible mistake in
one place rather than a silent one at a call site:

- ``Stream``: where the uniforms come from, ``(key, gamma)`` of ``rng.stream(seed, draw)`` and
  the index of the first step; ``seed`` for kernels that open further draws (the exact jumps).
- ``Cells``: the cells' levels ``state`` (N,) uint8 and the group bounds (G+1,) int64.
- ``Tallies``: what a kernel adds to: level counts (``ones`` of bit cells, or counts per level),
  level changes, each group's work and heat (J), each cell's work and heat (J, when ``record``).
  Entries a kernel does not fill are empty arrays (``tallies`` makes them).
- ``Rates``: the physics scalars of the rates, ``kT`` (J), the kinetics code and ``dt`` (s).
- ``SharedSteps``, ``PerCell``, ``Indexed``, ``Before``: the landscape, in the form of the kernel
  family that reads it (see each class).

A bundle's arrays must never be read in a ``prange`` body: under Numba 0.68 a kernel whose
``prange`` body read the arrays out of a NamedTuple (or that unpacked several array fields in
one statement, ``a, b = t.a, t.b``) lost the loop's writes to them, silently; the twin tests
caught it, and ``tests/unit/test_kernels_twin.py`` runs every kernel's parallel variant against
its serial one, and ``tests/unit/test_bundles_rule.py`` reads the rule off the kernels'
source. So a kernel does one of two things. It unpacks the fields into locals at its
top, one field per statement, before its ``prange`` loop, and its inlined group functions take
the arrays themselves (``levels_shared``, ``bits_indexed``, ``sparse_shared``); or its
``prange`` body only calls a group function compiled on its own (``@jit``, not inlined), which
takes the bundles and reads their fields, outside any ``prange`` (``bits_shared``,
``bits_heterogeneous``, ``levels_step_heterogeneous``, ``levels_indexed``). Either way the
generated inner loops are those of a function that takes the arrays as arguments: a group
function takes what its cell loops read into locals first (an array read out of a bundle inside
a cell loop cost ``levels_indexed`` about 10 ns per cell, measured).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

_EMPTY = np.empty(0)
_EMPTY_I = np.empty((0, 0), dtype=np.int64)


class Stream(NamedTuple):
    """A random stream: ``key``, ``gamma`` (uint64) of ``rng.stream(seed, draw)``, the first
    step index ``step`` of a block (int), and the ``seed`` (uint64) itself."""

    key: np.uint64
    gamma: np.uint64
    step: int
    seed: np.uint64


class GroupStreams(NamedTuple):
    """One stream per cell group (the aggregated engine): ``keys``, ``gammas`` (G,) uint64 and
    the first step index ``step``."""

    keys: np.ndarray
    gammas: np.ndarray
    step: int


class Cells(NamedTuple):
    """The cells: ``state`` (N,) uint8 levels, updated in place; ``bounds`` (G+1,) int64, group
    ``g`` holds cells ``bounds[g] .. bounds[g+1]-1``."""

    state: np.ndarray
    bounds: np.ndarray


class Tallies(NamedTuple):
    """What a kernel adds to (each kernel's docstring says which entries it fills).

    ``counts``: cells at level 1 (bit cells, (G, B)) or per level ((G, B, M), or (G, M) for a
    single step); ``changes``: level changes per group ((G, B) or (G,)); ``work_g``/``heat_g``
    (G,) group work and heat (J); ``work``/``heat`` (N,) per-cell work and heat (J), filled
    when ``record``.
    """

    counts: np.ndarray
    changes: np.ndarray
    work_g: np.ndarray
    heat_g: np.ndarray
    work: np.ndarray
    heat: np.ndarray
    record: bool


def tallies(counts, changes, work_g=_EMPTY, heat_g=_EMPTY, work=_EMPTY, heat=_EMPTY, record=False):
    """A ``Tallies`` bundle; the energy entries default to empty arrays (not filled)."""
    return Tallies(
        counts=counts,
        changes=changes,
        work_g=work_g,
        heat_g=heat_g,
        work=work,
        heat=heat,
        record=bool(record),
    )


class Rates(NamedTuple):
    """``kT`` (J), ``kinetics`` (``landscape.kinetics_code``) and the step duration ``dt`` (s)."""

    kT: float
    kinetics: int
    dt: float


class SharedSteps(NamedTuple):
    """A block of ``B`` steps under shared landscapes: ``thresholds`` (B, M, M-1) uint64 of
    ``propagator.level_thresholds``; ``energies`` (B+1, M) J, the landscape before the block
    and after each step (read only by the kernels that book per-cell energies; else (0, M))."""

    thresholds: np.ndarray
    energies: np.ndarray


class PerCell(NamedTuple):
    """Per-cell landscapes: ``e_old`` (N or 1, M) before the step or block, ``e_new`` (N or 1,
    M) and ``saddles`` (N or 1, M-1) the landscape it evolves under, ``f0`` (N or 1) Hz; a
    leading size of 1 means shared (read with stride 0). ``kept_energies`` (N, 2) and
    ``kept_saddles`` (N, 1), unless of length 0, receive each cell's new landscape (bit cells)."""

    e_old: np.ndarray
    e_new: np.ndarray
    saddles: np.ndarray
    f0: np.ndarray
    kept_energies: np.ndarray
    kept_saddles: np.ndarray


class Indexed(NamedTuple):
    """Indexed landscapes: cell ``i`` evolves under row ``kinds[i]`` (N,) of a table of K.

    Bit cells (tables by the code ``c = 2 k + s``): ``thresholds`` (2K,) uint64 (shared f0),
    ``escape`` (2K, 2) (per-cell f0, else (0, 2)), ``f0`` (N or 1) Hz, ``energies`` (2K,) J,
    ``flip_heat`` (2K,) J. M-level cells: ``thresholds`` (K, M, M-1), ``energies`` (K, M); the
    other entries unused. ``kinds_keep`` (N,) uint8, unless empty, receives a copy of ``kinds``.
    """

    kinds: np.ndarray
    thresholds: np.ndarray
    escape: np.ndarray
    f0: np.ndarray
    energies: np.ndarray
    flip_heat: np.ndarray
    kinds_keep: np.ndarray


class Before(NamedTuple):
    """The landscape before an indexed step, whose jump is booked as work: ``energies`` at row
    ``kinds[i]`` ((R, M), ``kinds`` of length 1: row 0 for every cell), or at row ``i`` ((N, M))
    when ``per_cell``. Bit kernels read ``energies`` flattened ((2R,) or (2N,))."""

    energies: np.ndarray
    kinds: np.ndarray
    per_cell: bool

"""M-level cells under a shared landscape: a block of steps, a threshold walk per cell-step.

A cell at level ``s`` moves to the level ``j`` whose band of ``propagator.level_thresholds``
row ``s`` holds its uniform (``j`` starts at ``s`` and walks down or up). The kernel decides
exactly that, in two passes per tile and step: every cell's uniform against its level's stay
band (``stay_bands``, a compact (4, M) table per step: no branches, vectorised), then the walk
for the cells that left it, one level from the compact table and the rare longer jumps from
the full (M, M-1) one (``level_walk``). Per-cell records (``tallies.record``) take the same
two passes, booking each cell's work before the step and the heat of each move in the walk.
"""

from __future__ import annotations

import sys

import numpy as np
from numba import prange

from simcore._jit import jit, jit_pair
from simcore.kernels.tiles import _S32, TILE
from simcore.rng import mix64

_TOP = np.uint64(0xFFFFFFFFFFFFFFFF)
# (low * _BYTE_INDEX) >> 56: the byte, 0-7 in memory order, of a word's lowest set flag `low`
_BYTE_INDEX = np.uint64(0x0001020304050607 if sys.byteorder == "little" else 0x0706050403020100)
_S56 = np.uint64(56)


@jit(inline="always")
def level_walk(th, s, top, u):
    """The level after a step of a cell at level ``s`` for the uniform ``u`` (uint64): the band
    of row ``s`` of ``th`` ((M, M-1) of ``propagator.level_thresholds``, ``top = M - 1``) that
    holds ``u``, found by walking down or up from ``s``."""
    j = s
    while j > 0 and u < th[s, j - 1]:
        j -= 1
    while j < top and u >= th[s, j]:
        j += 1
    return j


@jit
def stay_bands(thresholds, bands):
    """The thresholds around each level's diagonal, compact for the cache: a cell at level ``s``
    stays in step ``k`` iff ``bands[k, 0, s] <= u < bands[k, 1, s]`` (``th[s, s-1]``,
    ``th[s, s]``), and goes one level down (up) and no further iff also ``u >= bands[k, 2, s]``
    (``u < bands[k, 3, s]``), that is ``th[s, s-2]`` (``th[s, s+1]``). Past the bottom the
    bounds are 0; past the top 2**64 - 1, where the one uniform equal to it is simply walked
    in the full table (``level_walk``, which decides every case)."""
    m = thresholds.shape[1]
    for k in range(thresholds.shape[0]):
        th = thresholds[k]
        for s in range(m):
            bands[k, 0, s] = th[s, s - 1] if s > 0 else np.uint64(0)
            bands[k, 1, s] = th[s, s] if s < m - 1 else _TOP
            bands[k, 2, s] = th[s, s - 2] if s > 1 else np.uint64(0)
            bands[k, 3, s] = th[s, s + 1] if s < m - 2 else _TOP


@jit(inline="always")
def _one_level(th, band, s, top, u):
    """``level_walk(th, s, top, u)`` for a cell whose uniform left its stay band, read from
    ``band`` (``bands[k]``) when it moves by one level (the common case), else from ``th``."""
    if u < band[0, s]:
        if u >= band[2, s]:
            return s - 1
    elif u < band[3, s]:
        return s + 1
    return level_walk(th, s, top, u)


@jit(inline="always")
def _levels_shared_group(
    g, state, thresholds, bands, key, gamma, step0, bounds, counts, changes, record, energies,
    work, heat,
):
    # Two passes per tile and step: a straight-line pass hashes every cell and flags those whose
    # uniform leaves their level's stay band (no branches, vectorised); the walk then runs for
    # the flagged cells only, recomputing their uniform. The tile's occupancy is kept as
    # counts that the moves update, instead of one scattered increment per cell-step. With
    # ``record``, a pass books every cell's work (the landscape's jump at its level) before the
    # step and the walk books the heat of each move; a cell that stays releases no heat, so
    # nothing is added for it (the sums are those of a walk that adds E_s - E_s = 0 to every
    # cell: a +0.0 changes no finite sum, and the tallies start at +0.0).
    n_steps = thresholds.shape[0]
    m = thresholds.shape[1]
    top = m - 1
    occ = np.zeros(m, dtype=np.int64)
    words = np.zeros(TILE // 8, dtype=np.uint64)
    flags = words.view(np.uint8)  # 0 or 1 per cell, 8 to a word
    for t0 in range(bounds[g], bounds[g + 1], TILE):
        n = min(TILE, bounds[g + 1] - t0)
        cells = state[t0 : t0 + n]
        occ[:] = 0
        for i in range(n):
            occ[cells[i]] += 1
        flags[:] = 0
        n_words = (n + 7) // 8
        for k in range(n_steps):
            band = bands[k]
            lo = band[0]
            hi = band[1]
            th = thresholds[k]
            if record:
                e_old = energies[k]
                e_new = energies[k + 1]
                for i in range(n):
                    s = cells[i]
                    work[t0 + i] += e_new[s] - e_old[s]
            z0 = key + gamma * ((np.uint64(step0 + k) << _S32) + np.uint64(t0))
            z = z0
            for i in range(n):
                s = cells[i]
                u = mix64(z)
                z += gamma  # the counter of cell t0 + i, as an induction (no multiply)
                flags[i] = (u < lo[s]) | (u >= hi[s])
            nf = 0
            for w in range(n_words):
                x = words[w]
                while x:
                    # the lowest set flag of the word, 1 << 8 b, gives the cell's byte in the
                    # word through the top byte of a product (a shift by b bytes); then the
                    # flag is cleared
                    low = x & (~x + np.uint64(1))
                    x ^= low
                    i = 8 * w + np.int64((low * _BYTE_INDEX) >> _S56)
                    s = np.int64(cells[i])
                    j = _one_level(th, band, s, top, mix64(z0 + gamma * np.uint64(i)))
                    if j != s:
                        cells[i] = j
                        occ[s] -= 1
                        occ[j] += 1
                        nf += 1
                        if record:
                            heat[t0 + i] += energies[k + 1, s] - energies[k + 1, j]
            for j in range(m):
                counts[g, k, j] += occ[j]
            changes[g, k] += np.int64(nf)


def levels_shared(cells, steps, stream, tallies):
    """M-level cells under a shared landscape, a block of ``B`` steps.

    ``steps.thresholds`` (B, M, M-1) uint64 from ``propagator.level_thresholds``; step ``k``
    uses the uniforms of step ``stream.step + k``. Adds to ``tallies.counts`` (G, B, M) the
    occupancy of each level after each step and to ``tallies.changes`` (G, B) the number of
    cells that changed level. With ``tallies.record`` it also adds each cell's work and heat (J)
    to ``tallies.work``/``heat`` (N,) from ``steps.energies`` (B+1, M), the landscape before the
    block and after each step (the group energies are not filled); ``levels_shared_per_cell``
    is this kernel under the name the plan gives that path. Recording or not, the same states.
    """
    state = cells.state
    bounds = cells.bounds
    thresholds = steps.thresholds
    energies = steps.energies
    key = stream.key
    gamma = stream.gamma
    step0 = stream.step
    counts = tallies.counts
    changes = tallies.changes
    record = tallies.record
    work = tallies.work
    heat = tallies.heat
    bands = np.empty((thresholds.shape[0], 4, thresholds.shape[1]), dtype=np.uint64)
    stay_bands(thresholds, bands)
    # one group function, inlined twice with ``record`` a constant: the unrecorded loops carry
    # no test of it (a run-time flag cost them 4-6 %, measured)
    if record:
        for g in prange(bounds.shape[0] - 1):
            _levels_shared_group(
                g, state, thresholds, bands, key, gamma, step0, bounds, counts, changes, True,
                energies, work, heat,
            )
    else:
        for g in prange(bounds.shape[0] - 1):
            _levels_shared_group(
                g, state, thresholds, bands, key, gamma, step0, bounds, counts, changes, False,
                energies, work, heat,
            )


levels_shared, levels_shared_serial = jit_pair(levels_shared)

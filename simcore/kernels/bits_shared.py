"""Bit cells under a shared landscape: a block of steps, one hash and one compare per cell-step.

The landscape is the same for every cell, so a step is two thresholds (``stay0``, ``drop1``);
the cells of a tile stay in two L1 byte buffers through the whole block (``tiles``).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from simcore._jit import jit
from simcore.kernels.tiles import (
    _S32,
    _TILE_WORDS,
    TILE,
    _load_tile,
    _store_tile,
    _tile_tally,
    wide_pair,
)
from simcore.rng import mix64


@jit
def _bits_shared_group(g, cells, steps, stream, tallies):
    # a compiled function of its own (not inlined into the prange body), so it may read the
    # bundles' fields (see ``bundles``)
    state = cells.state
    lo = cells.bounds[g]
    hi = cells.bounds[g + 1]
    key = stream.key
    gamma = stream.gamma
    thresholds = steps.thresholds
    n_steps = thresholds.shape[0]
    words = np.zeros(2 * _TILE_WORDS, dtype=np.uint64)  # two tile buffers, read as bytes
    buf = words.view(np.uint8)
    for t0 in range(lo, hi, TILE):
        n = min(TILE, hi - t0)
        cur = _load_tile(state, t0, n, buf)
        for k in range(n_steps):
            z = key + gamma * ((np.uint64(stream.step + k) << _S32) + np.uint64(t0))
            stay0 = thresholds[k, 0, 0]
            drop1 = thresholds[k, 1, 0]
            s_in = buf[cur * TILE : cur * TILE + n]
            s_out = buf[(1 - cur) * TILE : (1 - cur) * TILE + n]
            for j in range(n):
                u = mix64(z)
                z += gamma  # the counter of cell t0 + j, as an induction (no multiply)
                # from 0 the cell flips iff u >= stay0; from 1 it stays iff u >= drop1
                s_out[j] = np.uint8(u >= (drop1 if s_in[j] else stay0))
            n1, nf = _tile_tally(words, cur, n)
            tallies.counts[g, k] += n1
            tallies.changes[g, k] += nf
            cur = 1 - cur
        _store_tile(state, t0, n, buf, cur)


def _bits_shared(cells, steps, stream, tallies):
    """Bit cells under a shared landscape, a block of ``B`` steps.

    ``steps.thresholds`` (B, 2, 1) uint64, the M = 2 case of ``propagator.level_thresholds``: a
    cell at 0 stays iff ``u < thresholds[k, 0, 0]``, a cell at 1 drops iff
    ``u < thresholds[k, 1, 0]`` (so this kernel draws exactly the states ``levels_shared`` would).
    Step ``k`` uses the uniforms of step ``stream.step + k``. Adds to ``tallies.counts`` (G, B)
    the number of cells at level 1 after each step, and to ``tallies.changes`` (G, B) the number
    of cells that changed level in each step.
    """
    for g in prange(cells.bounds.shape[0] - 1):
        _bits_shared_group(g, cells, steps, stream, tallies)


bits_shared, bits_shared_serial = wide_pair(_bits_shared)

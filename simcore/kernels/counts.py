"""Counting kernels: cells per level per group, and a parallel finiteness check."""

from __future__ import annotations

import numpy as np
from numba import prange

from simcore._jit import jit, jit_pair, pjit


@pjit
def all_finite(values):
    """True when every entry of the 1-D float array ``values`` is finite (no NaN, no inf)."""
    n = values.shape[0]
    parts = 64
    bad = np.zeros(parts, dtype=np.uint8)
    for c in prange(parts):
        flag = np.uint8(0)
        for i in range(n * c // parts, n * (c + 1) // parts):
            d = values[i] - values[i]  # NaN exactly when values[i] is NaN or infinite
            flag |= np.uint8(d != d)
        bad[c] = flag
    return not bad.any()


@jit(inline="always")
def _count_group(g, state, bounds, out):
    m = out.shape[1]
    tile = state[bounds[g] : bounds[g + 1]]
    if m == 2:  # a plain sum vectorises; a histogram scatter does not
        ones = np.int64(0)
        for j in range(tile.shape[0]):
            ones += np.int64(tile[j])
        out[g, 0] += tile.shape[0] - ones
        out[g, 1] += ones
    else:
        local = np.zeros(m, dtype=np.int64)
        for j in range(tile.shape[0]):
            local[tile[j]] += 1
        for i in range(m):
            out[g, i] += local[i]


def count_levels(state, bounds, out):
    """Add to ``out`` (G, M) the number of cells of each group at each level."""
    for g in prange(bounds.shape[0] - 1):
        _count_group(g, state, bounds, out)


count_levels, count_levels_serial = jit_pair(count_levels)

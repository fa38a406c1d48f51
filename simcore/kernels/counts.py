"""Counting kernels: cells per level per group, and a parallel finiteness check."""

from __future__ import annotations

import numpy as np
from numba import prange

from simcore._jit import jit, jit_pair, pjit

_EXPONENT = np.uint64(0x7FF0000000000000)
_EXPONENT_ONE = np.uint64(0x0010000000000000)
_S63 = np.uint64(63)


@pjit
def all_finite(values):
    """True when every entry of the 1-D float64 array ``values`` is finite (no NaN, no inf)."""
    # A NaN or an infinity is an exponent field of all ones; adding 1 to the masked field
    # carries into the sign bit exactly then. Integer ands, adds and ors vectorise on AVX2 as
    # on AVX-512 (a float test ``v - v != v - v`` did not: 2 ns per entry, now memory speed).
    bits = values.view(np.uint64)
    n = bits.shape[0]
    parts = 64
    bad = np.zeros(parts, dtype=np.uint64)
    for c in prange(parts):
        # a slice indexed from 0: a global index keeps a wraparound test per access, and the
        # loop then gathers
        part = bits[n * c // parts : n * (c + 1) // parts]
        acc = np.uint64(0)
        for i in range(part.shape[0]):
            acc |= (part[i] & _EXPONENT) + _EXPONENT_ONE
        bad[c] = acc >> _S63
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

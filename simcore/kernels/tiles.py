"""Tile helpers shared by the bit kernels (inlined into them), and the 512-bit compilation wrapper.

A tile is a stretch of one group's cells whose levels are copied into two small byte buffers
(read one, write the other, swap each step), so they stay in L1 while a kernel sweeps a block
of steps; the buffers are read as 64-bit words for the tallies (8 cells per word).
"""

from __future__ import annotations

import functools

import numpy as np

from simcore._jit import jit, jit_pair, wide_vectors

_S32 = np.uint64(32)

#: Cells per inner tile: the tile's states stay in L1 while the kernel sweeps a block of steps.
TILE = 8192
_TILE_WORDS = TILE // 8
#: Cells per tile of the per-cell kernel, whose tile also holds two uint64 thresholds per cell.
HTILE = 2048
_HTILE_WORDS = HTILE // 8
_M8 = np.uint64(0x00FF00FF00FF00FF)
_H16 = np.uint64(0x0001000100010001)
_S8 = np.uint64(8)
_S48 = np.uint64(48)


@jit(inline="always")
def _byte_sum(x):
    # the sum of the 8 bytes of x (each < 256): pairs into 16-bit lanes, then one multiply
    # adds the four lanes into the top 16 bits
    x = (x & _M8) + ((x >> _S8) & _M8)
    return (x * _H16) >> _S48


@jit(inline="always")
def _load_tile(state, t0, n, buf):
    # Copies the states of cells t0 .. t0+n into buffer 0 and zeroes the padding of both
    # buffers up to a whole word (the word tallies count it). Returns 0, the current buffer.
    half = buf.shape[0] // 2
    for j in range(n):
        buf[j] = state[t0 + j]
    for j in range(n, (n + 7) // 8 * 8):
        buf[j] = 0
        buf[half + j] = 0
    return 0


@jit(inline="always")
def _store_tile(state, t0, n, buf, cur):
    half = buf.shape[0] // 2
    for j in range(n):
        state[t0 + j] = buf[cur * half + j]


@jit(inline="always")
def _tile_tally(words, cur, n):
    """``(ones, changes)`` of a step that read buffer ``cur`` and wrote the other one.

    States are 0/1 bytes, so 8 cells are summed per 64-bit word: byte lanes are accumulated for
    up to 255 words (no carry between lanes), then added up. Exact integer counts.
    """
    half = words.shape[0] // 2
    w_in = words[cur * half : cur * half + (n + 7) // 8]
    w_out = words[(1 - cur) * half : (1 - cur) * half + (n + 7) // 8]
    n1 = np.uint64(0)
    nf = np.uint64(0)
    for c0 in range(0, w_in.shape[0], 255):
        acc1 = np.uint64(0)
        accf = np.uint64(0)
        for j in range(c0, min(c0 + 255, w_in.shape[0])):
            x = w_out[j]
            acc1 += x
            accf += x ^ w_in[j]
        n1 += _byte_sum(acc1)
        nf += _byte_sum(accf)
    return np.int64(n1), np.int64(nf)


def _wide(kernel):
    """``kernel`` compiled (on its first call) with 512-bit vectors where the CPU has them.

    The first call compiles the kernel for its argument types (or loads it from Numba's cache);
    the array layer passes C-contiguous arrays of fixed dtypes, so that is the only compilation.
    A later call with other types compiles at LLVM's own vector width: slower, same results.
    """
    warm = False

    @functools.wraps(kernel.py_func)
    def call(*args, **kwargs):
        nonlocal warm
        if warm:
            kernel(*args, **kwargs)
            return
        with wide_vectors():
            kernel(*args, **kwargs)
        warm = True

    call.__name__ = kernel.__name__.lstrip("_")
    call.kernel = kernel
    return call


def wide_pair(fn):
    """``(parallel, serial)`` of ``_jit.jit_pair(fn)``, each compiled with 512-bit vectors on its
    first call (``_wide``); the compiled kernels are their ``.kernel``."""
    parallel, serial = jit_pair(fn)
    return _wide(parallel), _wide(serial)


_L8 = np.uint64(0x0101010101010101)
_H7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_S7 = np.uint64(7)


@jit(inline="always")
def _count_code(words, n_words, code):
    """How many of the bytes in ``words[:n_words]`` (at most 255 words) equal ``code``: a
    zero-byte test per 64-bit word (exact), per-lane counts, then a byte sum."""
    pattern = np.uint64(code) * _L8
    acc = np.uint64(0)
    for w in range(n_words):
        x = words[w] ^ pattern
        t = ~(((x & _H7) + _H7) | x | _H7)  # 0x80 in the bytes of x that are 0
        acc += (t >> _S7) & _L8
    return np.int64(_byte_sum(acc))

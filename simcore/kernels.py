"""Numba kernels: advance cells through blocks of steps with the exact propagator.

Kernels take arrays and scalars, allocate nothing per step, raise nothing, print nothing; the
Python layer (``simcore.array``) validates inputs first. Each has a slow NumPy twin in
``tests/naive.py`` that the tests compare against on the same random numbers.

Parallel layout: cells are split into ``G`` fixed groups of contiguous indices (fixed by ``N``
alone, never by the thread count). ``prange`` runs over groups; each group is processed in a
fixed order, and array-level tallies are integer counts per group and step. Hence results are
bit-identical for any number of threads and any chunk size, and the spread between group means
gives the standard error without per-cell storage.

The step order is THEORY.md section 2: the landscape jumps (work), then the state evolves for
``dt`` under the new landscape with ``exp(K dt)`` (heat).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import prange

from simcore import binomial
from simcore._jit import jit, jit_pair, pjit, wide_vectors
from simcore.expfun import one_minus_exp, one_minus_exp_rough, phi
from simcore.propagator import _TWO64, _UMAX, rate_pair, to_threshold
from simcore.rng import bits, mix64, stream_of, to_unit

_S32 = np.uint64(32)
_S12 = np.uint64(12)
_FOUR = np.uint64(4)
_BELOW64 = 18446744073709549568.0  # the largest float64 below 2^64
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


@jit(inline="always")
def _bits_shared_group(g, state, thresholds, key, gamma, step0, bounds, ones, changes):
    n_steps = thresholds.shape[0]
    words = np.zeros(2 * _TILE_WORDS, dtype=np.uint64)  # two tile buffers, read as bytes
    buf = words.view(np.uint8)
    for t0 in range(bounds[g], bounds[g + 1], TILE):
        n = min(TILE, bounds[g + 1] - t0)
        cur = _load_tile(state, t0, n, buf)
        for k in range(n_steps):
            z = key + gamma * ((np.uint64(step0 + k) << _S32) + np.uint64(t0))
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
            ones[g, k] += n1
            changes[g, k] += nf
            cur = 1 - cur
        _store_tile(state, t0, n, buf, cur)


def _bits_shared(state, thresholds, key, gamma, step0, bounds, ones, changes):
    """Bit cells under a shared landscape, a block of ``B`` steps.

    ``thresholds`` (B, 2, 1) uint64, the M = 2 case of ``propagator.level_thresholds``: a cell
    at 0 stays iff ``u < thresholds[k, 0, 0]``, a cell at 1 drops iff ``u < thresholds[k, 1, 0]``
    (so this kernel draws exactly the states ``levels_shared`` would). Adds to ``ones`` (G, B)
    the number of cells at level 1 after each step, and to ``changes``
    (G, B) the number of cells that changed level in each step.
    """
    for g in prange(bounds.shape[0] - 1):
        _bits_shared_group(g, state, thresholds, key, gamma, step0, bounds, ones, changes)


_bits_shared, _bits_shared_serial = jit_pair(_bits_shared)
bits_shared = _wide(_bits_shared)
bits_shared_serial = _wide(_bits_shared_serial)


@jit(inline="always")
def _levels_shared_group(g, state, thresholds, key, gamma, step0, bounds, counts, changes):
    n_steps = thresholds.shape[0]
    top = thresholds.shape[1] - 1
    for t0 in range(bounds[g], bounds[g + 1], TILE):
        t1 = min(t0 + TILE, bounds[g + 1])
        for k in range(n_steps):
            base = key + gamma * (np.uint64(step0 + k) << _S32)
            th = thresholds[k]
            nf = 0
            for i in range(t0, t1):
                s = np.int64(state[i])
                u = mix64(base + gamma * np.uint64(i))
                j = s
                while j > 0 and u < th[s, j - 1]:
                    j -= 1
                while j < top and u >= th[s, j]:
                    j += 1
                state[i] = j
                counts[g, k, j] += 1
                nf += j != s
            changes[g, k] += np.int64(nf)


def levels_shared(state, thresholds, key, gamma, step0, bounds, counts, changes):
    """M-level cells under a shared landscape, a block of ``B`` steps.

    ``thresholds`` (B, M, M-1) uint64 from ``propagator.level_thresholds``. Adds to ``counts``
    (G, B, M) the occupancy of each level after each step and to ``changes`` (G, B) the number of
    cells that changed level.
    """
    for g in prange(bounds.shape[0] - 1):
        _levels_shared_group(g, state, thresholds, key, gamma, step0, bounds, counts, changes)


levels_shared, levels_shared_serial = jit_pair(levels_shared)


@jit(inline="always")
def _levels_per_cell_group(
    g, state, thresholds, energies, key, gamma, step0, bounds, counts, changes, work, heat
):
    n_steps = thresholds.shape[0]
    top = thresholds.shape[1] - 1
    for t0 in range(bounds[g], bounds[g + 1], TILE):
        t1 = min(t0 + TILE, bounds[g + 1])
        for k in range(n_steps):
            base = key + gamma * (np.uint64(step0 + k) << _S32)
            th = thresholds[k]
            e_old = energies[k]
            e_new = energies[k + 1]
            nf = 0
            for i in range(t0, t1):
                s = np.int64(state[i])
                u = mix64(base + gamma * np.uint64(i))
                j = s
                while j > 0 and u < th[s, j - 1]:
                    j -= 1
                while j < top and u >= th[s, j]:
                    j += 1
                state[i] = j
                work[i] += e_new[s] - e_old[s]
                heat[i] += e_new[s] - e_new[j]
                counts[g, k, j] += 1
                nf += j != s
            changes[g, k] += np.int64(nf)


def levels_shared_per_cell(
    state, thresholds, energies, key, gamma, step0, bounds, counts, changes, work, heat
):
    """``levels_shared`` that also adds each cell's work and heat (J) to ``work``/``heat`` (N,).

    ``energies`` (B+1, M): the landscape before the block, then after each step.
    """
    for g in prange(bounds.shape[0] - 1):
        _levels_per_cell_group(
            g, state, thresholds, energies, key, gamma, step0, bounds, counts, changes, work, heat
        )


levels_shared_per_cell, levels_shared_per_cell_serial = jit_pair(levels_shared_per_cell)


@jit(inline="always")
def _bit_thresholds(a0, a1, saddle, kT, f0, kinetics, dt):
    # (stay0, drop1) of one cell: the convention of propagator.level_thresholds, so the shared
    # and per-cell paths draw the same states for the same landscape
    k01, k10 = rate_pair(a0, a1, saddle, kT, f0, kinetics)
    ph = phi((k01 + k10) * dt)
    t01 = to_threshold(k01 * dt * ph)
    return (_UMAX - t01 if t01 > 0 else _UMAX), to_threshold(k10 * dt * ph)


def _bits_heterogeneous(
    state,
    e_old,
    e_new,
    saddles,
    f0,
    kT,
    kinetics,
    dt,
    key,
    gamma,
    step0,
    bounds,
    ones,
    changes,
    work_g,
    heat_g,
    work,
    heat,
    record,
    kept_energies,
    kept_saddles,
):
    """Bit cells with per-cell landscapes and attempt frequencies, a block of ``B`` steps of
    duration ``dt`` (s) under one per-cell landscape.

    ``e_old`` (N or 1, 2) is the landscape before the block, ``e_new`` (N or 1, 2),
    ``saddles`` (N or 1, 1) and ``f0`` (N or 1) the one every step of the block evolves under:
    a leading size of 1 means shared (read with stride 0). The first step books the jump from
    ``e_old`` as work; the others do none. Step ``k`` is step ``step0 + k`` of the random
    stream ``(key, gamma)``. Adds to ``ones``/``changes`` (G, B) the cells at 1 after each
    step and the level changes in each step, to ``work_g``/``heat_g`` (G,) each group's work
    and heat (J), and, when ``record``, to ``work``/``heat`` (N,) each cell's. Unless they have
    length 0, ``kept_energies`` (N, 2) and ``kept_saddles`` (N, 1) receive each cell's new
    landscape once the cell is done (they may be ``e_old`` itself): the caller keeps its copy of
    the landscape without a pass of its own.

    Each cell's two sampling thresholds are computed once per block (closed-form propagator,
    ``simcore.expfun`` exponentials, no libm), so a step costs a hash and a compare per cell, as
    in ``bits_shared``. The landscape is fixed within the block, so a cell's heat telescopes to
    ``E(x_first) - E(x_last)``: no float sum in the step loop.
    """
    n_steps = ones.shape[1]
    se = np.int64(e_old.shape[0] > 1)
    sn = np.int64(e_new.shape[0] > 1)
    ss = np.int64(saddles.shape[0] > 1)
    sf = np.int64(f0.shape[0] > 1)
    for g in prange(bounds.shape[0] - 1):
        words = np.zeros(2 * _HTILE_WORDS, dtype=np.uint64)
        buf = words.view(np.uint8)
        stay = np.empty(HTILE, dtype=np.uint64)
        drop = np.empty(HTILE, dtype=np.uint64)
        lo = np.empty(HTILE)
        hi = np.empty(HTILE)
        top = np.empty(HTILE)
        freq = np.empty(HTILE)
        w_acc = 0.0
        q_acc = 0.0
        for t0 in range(bounds[g], bounds[g + 1], HTILE):
            n = min(HTILE, bounds[g + 1] - t0)
            cur = _load_tile(state, t0, n, buf)
            for j in range(n):
                i = t0 + j
                lo[j] = e_new[i * sn, 0]
                hi[j] = e_new[i * sn, 1]
                top[j] = saddles[i * ss, 0]
                freq[j] = f0[i * sf]
            if dt > 0.0:
                # contiguous operands and branch-free arithmetic: this loop vectorises
                for j in range(n):
                    stay[j], drop[j] = _bit_thresholds(
                        lo[j], hi[j], top[j], kT, freq[j], kinetics, dt
                    )
            else:  # a jump without time: what _bit_thresholds gives for dt = 0
                for j in range(n):
                    stay[j] = _UMAX
                    drop[j] = np.uint64(0)
            st = stay[:n]
            dr = drop[:n]
            for k in range(n_steps):
                z = key + gamma * ((np.uint64(step0 + k) << _S32) + np.uint64(t0))
                s_in = buf[cur * HTILE : cur * HTILE + n]
                s_out = buf[(1 - cur) * HTILE : (1 - cur) * HTILE + n]
                for j in range(n):
                    u = mix64(z)
                    z += gamma
                    s_out[j] = np.uint8(u >= (dr[j] if s_in[j] else st[j]))
                n1, nf = _tile_tally(words, cur, n)
                ones[g, k] += n1
                changes[g, k] += nf
                cur = 1 - cur
            # work of the jump (first step) and heat, from the first and last state of each cell
            fin = buf[cur * HTILE : cur * HTILE + n]
            for j in range(n):
                i = t0 + j
                s = state[i]
                w = (hi[j] - e_old[i * se, 1]) if s else (lo[j] - e_old[i * se, 0])
                q = (hi[j] - lo[j]) * (np.float64(s) - np.float64(fin[j]))
                w_acc += w
                q_acc += q
                if record:
                    work[i] += w
                    heat[i] += q
                if kept_energies.shape[0] > 0:  # after the read of e_old[i]: may alias it
                    kept_energies[i, 0] = lo[j]
                    kept_energies[i, 1] = hi[j]
                if kept_saddles.shape[0] > 0:
                    kept_saddles[i, 0] = top[j]
                state[i] = fin[j]
        work_g[g] += w_acc
        heat_g[g] += q_acc


_bits_heterogeneous, _bits_heterogeneous_serial = jit_pair(_bits_heterogeneous)
bits_heterogeneous = _wide(_bits_heterogeneous)
bits_heterogeneous_serial = _wide(_bits_heterogeneous_serial)


#: Cells per tile of the indexed bit kernel (its tile buffers stay in L1).
ITILE = 1024


@jit
def bit_kind_thresholds(energies, saddles, kT, f0, kinetics, dt, out):
    """Per-kind sampling thresholds of bit landscapes ``energies`` (K, 2), ``saddles`` (K, 1)
    for a shared attempt frequency ``f0`` (Hz): ``out[k] = (stay0, drop1)`` (K, 2) uint64, the
    values ``bits_heterogeneous`` computes for a cell under landscape ``k``."""
    for k in range(energies.shape[0]):
        out[k, 0], out[k, 1] = _bit_thresholds(
            energies[k, 0], energies[k, 1], saddles[k, 0], kT, f0, kinetics, dt
        )


@jit
def bit_kind_escape(energies, saddles, kT, kinetics, dt, out):
    """Escape tables of bit landscapes (K, 2), (K, 1) for cells with their own attempt
    frequency: for the code ``c = 2 k + s`` of kind ``k`` and level ``s``, ``out[c] = (share,
    g dt)`` (2K, 2), where a cell of attempt frequency ``f0`` leaves level ``s`` at the rate
    ``share · f0 g`` and ``f0 g`` is the pair's relaxation rate ``k01 + k10`` (rates separable:
    ``k = f0 · a(landscape)``, ``propagator.rate_pair``'s factors). The cell then flips within
    ``dt`` with probability ``share · (1 - exp(-f0 g dt))``: one exponential per cell."""
    for k in range(energies.shape[0]):
        a01, a10 = rate_pair(energies[k, 0], energies[k, 1], saddles[k, 0], kT, 1.0, kinetics)
        total = a01 + a10
        for s in range(2):
            a_out = a10 if s else a01
            out[2 * k + s, 0] = a_out / total if total > 0.0 else 0.0
            out[2 * k + s, 1] = total * dt


@jit(inline="always")
def _level_threshold(s, p):
    # the threshold of a cell at level s whose flip probability is p: stay0 = 2^64-1 - ⌊p 2^64⌋
    # (s = 0: it flips iff u >= stay0) or drop1 = ⌊p 2^64⌋ (s = 1: it stays iff u >= drop1),
    # the convention of propagator.level_thresholds
    t = to_threshold(p)
    return t if s else (_UMAX - t if t > 0 else _UMAX)


@jit(inline="always")
def exact_level(share, x, s, u):
    """The level after a step of a bit cell at level ``s`` that leaves it with probability
    ``share · (1 - e^-x)``, for the uniform ``u`` (uint64): flip iff ``u`` falls in the flip
    band of ``_level_threshold``."""
    t = _level_threshold(s, share * one_minus_exp(x))
    return np.uint8(u >= t)


@jit(inline="always")
def rough_level(share, x, s, u):
    """``(level, unsure)``: ``exact_level`` decided from a rough threshold, certified.

    With ``v = u`` at level 1 and ``~u`` at level 0, the exact rule is: flip iff ``v < t``
    (level 1) or ``v <= t`` (level 0), ``t = floor(p 2^64)``. The rough ``ta`` from
    ``one_minus_exp_rough`` (relative error < 2^-16, so ``|t - ta| <= ta 2^-16 + 2``) decides
    ``v < ta``, which is the exact decision whenever ``|v - ta| > (ta >> 12) + 4``; otherwise
    ``unsure`` is 1 and the caller decides with ``exact_level`` (a fraction ~2^-11 p of cells).
    Half the arithmetic of the exact threshold, and the same levels."""
    pa = share * one_minus_exp_rough(x)
    ta = np.uint64(min(pa * _TWO64, _BELOW64))
    v = u if s else ~u
    d = ta - v if ta >= v else v - ta
    return s ^ np.uint8(v < ta), np.uint8(d <= (ta >> _S12) + _FOUR)


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


#: Most count passes (codes) per tile for which group energies come from per-code counts.
_COUNTED_CODES = 64


@jit(inline="always")
def _indexed_buffers():
    """The tile buffers of ``_bits_indexed_group`` (separate allocations, so LLVM knows they
    do not overlap and vectorises the loops over them): every entry read is written first in
    the same tile."""
    return (
        np.empty(ITILE, dtype=np.uint8),  # new levels
        np.empty(ITILE // 8, dtype=np.uint64),  # unsure flags, as bytes
        np.empty(ITILE, dtype=np.uint16),  # code 2 kind + level
        np.empty(ITILE, dtype=np.uint16),  # code of the landscape before
        np.empty(ITILE // 8, dtype=np.uint64),  # hop codes, as bytes
        np.empty(ITILE // 8, dtype=np.uint64),  # old codes, as bytes
        np.empty(ITILE, dtype=np.uint64),  # thresholds (shared f0)
        np.empty(2 * ITILE),  # (share, rate) of each cell's code (per-cell f0)
    )


@jit(inline="always")
def _bits_indexed_group(
    g,
    scratch,
    per_cell_f0,
    kos,
    n_codes,
    n_old,
    counted,
    z_step,
    state,
    kinds,
    thresholds,
    escape,
    f0,
    e_new,
    flip_heat,
    e_old,
    kinds_old,
    kinds_keep,
    old_per_cell,
    key,
    gamma,
    step,
    bounds,
    ones,
    changes,
    work_g,
    heat_g,
    work,
    heat,
    record,
):
    keep = kinds_keep.shape[0] > 0
    out, unsure_words, cb, co, hop_words, old_words, th, pair = scratch
    unsure = unsure_words.view(np.uint8)
    hop_codes = hop_words.view(np.uint8)  # 2 c + hop, for the counts
    old_codes = old_words.view(np.uint8)
    esc = escape.reshape(-1)
    n1 = np.int64(0)
    nf = np.int64(0)
    w_acc = 0.0
    q_acc = 0.0
    for h0 in range(bounds[g], bounds[g + 1], ITILE):
        n = min(ITILE, bounds[g + 1] - h0)
        # views: indices from 0 need no negative-index wraparound, so these loops vectorise
        sv = state[h0 : h0 + n]
        kv = kinds[h0 : h0 + n]
        # sv keeps the levels before the step until the tile's last loop writes the new ones
        for j in range(n):
            cb[j] = np.uint16(2 * np.int64(kv[j]) + np.int64(sv[j]))
        if not old_per_cell and kos:
            kov = kinds_old[h0 : h0 + n]
            for j in range(n):
                co[j] = np.uint16(2 * np.int64(kov[j]) + np.int64(sv[j]))
        elif not old_per_cell:
            for j in range(n):
                co[j] = np.uint16(2 * np.int64(kinds_old[0]) + np.int64(sv[j]))
        if keep:
            # the kinds kept for the next step (may be the buffer kinds_old reads, read above)
            kk = kinds_keep[h0 : h0 + n]
            for j in range(n):
                kk[j] = kv[j]
        z = key + gamma * (z_step + np.uint64(h0))
        if not per_cell_f0:
            for j in range(n):
                th[j] = thresholds[cb[j]]
            for j in range(n):
                u = mix64(z)
                z += gamma
                out[j] = np.uint8(u >= th[j])
        else:
            fv = f0[h0 : h0 + n]
            for j in range(n):
                c = 2 * np.int64(cb[j])
                pair[2 * j] = esc[c]
                pair[2 * j + 1] = esc[c + 1]
            # the flip decision from a rough threshold, certified: the exact threshold is
            # within (ta >> 12) + 4 of the rough one (one_minus_exp_rough is within 2^-16), so
            # a uniform outside that band decides as the exact one would; cells inside it
            # (a fraction ~2^-11 p) are decided again with the exact threshold
            for j in range(n):
                u = mix64(z)
                z += gamma
                out[j], unsure[j] = rough_level(pair[2 * j], fv[j] * pair[2 * j + 1], sv[j], u)
            n_unsure = 0
            for j in range(n):
                n_unsure += unsure[j]
            if n_unsure:
                # only the words of 8 cells that hold one (the rest of the tile is not touched)
                for w in range((n + 7) // 8):
                    if unsure_words[w]:
                        for j in range(8 * w, min(8 * w + 8, n)):
                            if unsure[j]:
                                u = mix64(key + gamma * (z_step + np.uint64(h0 + j)))
                                x = fv[j] * pair[2 * j + 1]
                                out[j] = exact_level(pair[2 * j], x, sv[j], u)
        if counted:
            # work and heat of the tile from per-code counts, summed in a fixed order
            for j in range(n):
                o = out[j]
                hop = o ^ sv[j]
                n1 += np.int64(o)
                nf += np.int64(hop)
                hop_codes[j] = np.uint8(2 * np.int64(cb[j]) + np.int64(hop))
                old_codes[j] = np.uint8(co[j])
                sv[j] = o
            n_words = (n + 7) // 8
            for j in range(n, 8 * n_words):
                hop_codes[j] = np.uint8(255)  # padding of the last word: a code no cell has
                old_codes[j] = np.uint8(255)
            # codes of zero energy add nothing: their counts are skipped (a rest landscape's)
            for c in range(n_codes):
                hops = np.int64(0)
                if e_new[c] != 0.0 or flip_heat[c] != 0.0:
                    hops = _count_code(hop_words, n_words, 2 * c + 1)
                if e_new[c] != 0.0:
                    cells = hops + _count_code(hop_words, n_words, 2 * c)
                    if cells:
                        w_acc += np.float64(cells) * e_new[c]
                if hops and flip_heat[c] != 0.0:
                    q_acc += np.float64(hops) * flip_heat[c]
            for c in range(n_old):
                if e_old[c] != 0.0:
                    cnt = _count_code(old_words, n_words, c)
                    if cnt:
                        w_acc -= np.float64(cnt) * e_old[c]
        else:
            ev = e_old[2 * h0 : 2 * (h0 + n)] if old_per_cell else e_old
            wv = work[h0 : h0 + n] if record else work
            hv = heat[h0 : h0 + n] if record else heat
            for j in range(n):
                c = cb[j]
                if old_per_cell:
                    w = e_new[c] - ev[2 * j + np.int64(sv[j])]
                else:
                    w = e_new[c] - e_old[co[j]]
                q = flip_heat[c] if out[j] != sv[j] else 0.0
                w_acc += w
                q_acc += q
                if record:
                    wv[j] += w
                    hv[j] += q
            for j in range(n):
                o = out[j]
                n1 += np.int64(o)
                nf += np.int64(o ^ sv[j])
                sv[j] = o
    ones[g, 0] += n1
    changes[g, 0] += nf
    work_g[g] += w_acc
    heat_g[g] += q_acc


def _bits_indexed(
    state,
    kinds,
    thresholds,
    escape,
    f0,
    e_new,
    flip_heat,
    e_old,
    kinds_old,
    kinds_keep,
    old_per_cell,
    key,
    gamma,
    step,
    bounds,
    ones,
    changes,
    work_g,
    heat_g,
    work,
    heat,
    record,
    runs,
):
    """One step of bit cells under indexed landscapes: cell ``i`` evolves under landscape
    ``kinds[i]`` of a table of K.

    Tables are indexed by the code ``c = 2 k + s`` of kind and level (a flattened (K, 2)). Shared
    attempt frequency (``escape`` of length 0): ``thresholds`` (2K,) uint64, the flattened
    ``bit_kind_thresholds`` (equal to the ones ``bits_heterogeneous`` computes per cell, so the same
    states as the expanded per-cell step). Per-cell ``f0`` (N,): ``escape`` (2K, 2) from
    ``bit_kind_escape`` and one ``1 - exp(-x)`` per cell; the flip probability is the same closed
    form as ``bits_heterogeneous``'s in another order of operations, so its threshold can differ in
    the last bits (a different state needs a uniform within ~2^-52 relative of the threshold). It is
    decided by ``rough_level`` (a cheaper exponential, certified), and again by ``exact_level`` for
    the few cells it is unsure of: the states of the exact threshold, at about half the arithmetic.
    Uniforms: the ``(seed, step, cell)`` ones of every kernel. ``e_new`` (2K,) the energies,
    ``flip_heat`` (2K,) the heat of a hop out of each code. The landscape before the step is
    ``e_old`` (2R,) at code ``2 kinds_old[i] + s`` (``kinds_old`` of length 1: row 0 for every
    cell), or ``e_old`` (2N,) at ``2 i + s`` when ``old_per_cell``; its jump is booked as work.
    ``kinds_keep`` (N,) uint8, or empty, receives a copy of ``kinds`` (the array's record of the
    landscape; it may be the buffer ``kinds_old`` is: each cell's old kind is read before it is
    overwritten). Adds to ``ones``/``changes`` (G, 1) the cells at 1 and the level changes, to
    ``work_g``/``heat_g`` (G,) each group's work and heat (J) and, when ``record``, to
    ``work``/``heat`` (N,) each cell's (the values ``bits_heterogeneous`` books). ``runs``: the
    groups are split into that many contiguous runs, one per thread (1 for
    ``bits_indexed_serial``), each with its own tile buffers; the results do not depend on it.

    Layout: table reads at a cell's code are scalar loops into tile buffers, so that the hash
    loop reads contiguous buffers only and vectorises; with few codes a tile's work and heat
    come from counts of each code (a byte compare per cell and code) instead of a float sum per
    cell: the same values up to round-off, in a fixed order.
    """
    per_cell_f0 = escape.shape[0] > 0
    kos = np.int64(kinds_old.shape[0] > 1)
    n_codes = e_new.shape[0]
    n_old = 0 if old_per_cell else e_old.shape[0]
    counted = not record and not old_per_cell and 2 * n_codes + n_old <= _COUNTED_CODES
    z_step = np.uint64(step) << _S32
    # the groups in ``runs`` contiguous runs (the caller's thread count, 1 on the calling
    # thread), each with its own tile buffers, allocated once per run and not per group; a
    # group's results do not depend on the run it is in
    n_groups = bounds.shape[0] - 1
    n_runs = max(1, min(n_groups, runs))
    for r in prange(n_runs):
        scratch = _indexed_buffers()
        for g in range(n_groups * r // n_runs, n_groups * (r + 1) // n_runs):
            _bits_indexed_group(
                g,
                scratch,
                per_cell_f0,
                kos,
                n_codes,
                n_old,
                counted,
                z_step,
                state,
                kinds,
                thresholds,
                escape,
                f0,
                e_new,
                flip_heat,
                e_old,
                kinds_old,
                kinds_keep,
                old_per_cell,
                key,
                gamma,
                step,
                bounds,
                ones,
                changes,
                work_g,
                heat_g,
                work,
                heat,
                record,
            )


_bits_indexed, _bits_indexed_serial = jit_pair(_bits_indexed)
bits_indexed = _wide(_bits_indexed)
bits_indexed_serial = _wide(_bits_indexed_serial)


@jit(inline="always")
def _levels_indexed_group(
    g,
    state,
    kinds,
    thresholds,
    e_new,
    e_old,
    kinds_old,
    old_per_cell,
    key,
    gamma,
    step,
    bounds,
    counts,
    changes,
    work_g,
    heat_g,
    work,
    heat,
    record,
):
    top = thresholds.shape[1] - 1
    kos = np.int64(kinds_old.shape[0] > 1)
    base = key + gamma * (np.uint64(step) << _S32)
    w_acc = 0.0
    q_acc = 0.0
    nf = 0
    for i in range(bounds[g], bounds[g + 1]):
        s = np.int64(state[i])
        k = np.int64(kinds[i])
        th = thresholds[k]
        u = mix64(base + gamma * np.uint64(i))
        j = s
        while j > 0 and u < th[s, j - 1]:
            j -= 1
        while j < top and u >= th[s, j]:
            j += 1
        r = i if old_per_cell else np.int64(kinds_old[i * kos])
        w = e_new[k, s] - e_old[r, s]
        q = e_new[k, s] - e_new[k, j]
        state[i] = j
        w_acc += w
        q_acc += q
        counts[g, j] += 1
        nf += j != s
        if record:
            work[i] += w
            heat[i] += q
    work_g[g] += w_acc
    heat_g[g] += q_acc
    changes[g] += nf


def levels_indexed(
    state,
    kinds,
    thresholds,
    e_new,
    e_old,
    kinds_old,
    old_per_cell,
    key,
    gamma,
    step,
    bounds,
    counts,
    changes,
    work_g,
    heat_g,
    work,
    heat,
    record,
):
    """One step of M-level cells under indexed landscapes with a shared attempt frequency: cell
    ``i`` samples its new level with ``thresholds[kinds[i]]`` ((K, M, M-1) from
    ``propagator.step_tables``) and the uniform ``levels_shared`` draws for it, so cells of a
    kind move exactly as a shared step under that kind's landscape would move them. ``e_new``
    (K, M); the old landscape and the tallies as in ``bits_indexed``, ``counts`` (G, M).
    """
    for g in prange(bounds.shape[0] - 1):
        _levels_indexed_group(
            g,
            state,
            kinds,
            thresholds,
            e_new,
            e_old,
            kinds_old,
            old_per_cell,
            key,
            gamma,
            step,
            bounds,
            counts,
            changes,
            work_g,
            heat_g,
            work,
            heat,
            record,
        )


levels_indexed, levels_indexed_serial = jit_pair(levels_indexed)


@jit
def _gillespie(s, e, sad, kT, f0, kinetics, dt, seed, key0, gamma0, step, cell):
    # Exact continuous-time jumps within dt under a fixed landscape. Draw d of the cell uses the
    # stream (seed, d): draw 0 decides whether and when the first jump happens, draw 1 its
    # direction, draw 2 the next jump, and so on; returns the final level.
    m = e.shape[0]
    t_left = dt
    d = 0
    while True:
        up = 0.0
        dn = 0.0
        if s < m - 1:
            up, _ = rate_pair(e[s], e[s + 1], sad[s], kT, f0, kinetics)
        if s > 0:
            _, dn = rate_pair(e[s - 1], e[s], sad[s - 1], kT, f0, kinetics)
        r = up + dn
        if r <= 0.0:
            return s
        if d == 0:
            key, gamma = key0, gamma0
        else:
            key, gamma = stream_of(seed, np.uint64(d))
        u = to_unit(bits(key, gamma, step, cell))
        # P(jump within t_left) = 1 - exp(-r t_left); the same uniform gives the jump time.
        if u >= -math.expm1(-r * t_left):
            return s
        t_left += math.log1p(-u) / r
        key, gamma = stream_of(seed, np.uint64(d + 1))
        v = to_unit(bits(key, gamma, step, cell))
        s = s + 1 if v * r < up else s - 1
        d += 2


def levels_step_heterogeneous(
    state,
    e_old,
    e_new,
    saddles,
    f0,
    kT,
    kinetics,
    dt,
    seed,
    step,
    bounds,
    work_g,
    heat_g,
    counts_g,
    changes_g,
    work,
    heat,
    record,
):
    """One step of M-level cells with per-cell landscapes (exact jump-by-jump within ``dt``).

    Shapes as ``bits_step_heterogeneous`` with M columns; ``counts_g`` (G, M). Draw ``d`` of a
    cell comes from the stream ``rng.stream_of(seed, d)``, so any number of jumps stays exact.
    """
    key0, gamma0 = stream_of(seed, np.uint64(0))
    se = e_old.shape[0] > 1
    sn = e_new.shape[0] > 1
    ss = saddles.shape[0] > 1
    sf = f0.shape[0] > 1
    for g in prange(bounds.shape[0] - 1):
        w_acc = 0.0
        q_acc = 0.0
        nf = 0
        for i in range(bounds[g], bounds[g + 1]):
            s = np.int64(state[i])
            en = e_new[i if sn else 0]
            w = en[s] - e_old[i if se else 0, s]
            j = _gillespie(
                s,
                en,
                saddles[i if ss else 0],
                kT,
                f0[i if sf else 0],
                kinetics,
                dt,
                seed,
                key0,
                gamma0,
                step,
                i,
            )
            q = en[s] - en[j]
            state[i] = j
            w_acc += w
            q_acc += q
            counts_g[g, j] += 1
            nf += j != s
            if record:
                work[i] += w
                heat[i] += q
        work_g[g] += w_acc
        heat_g[g] += q_acc
        changes_g[g] += nf


levels_step_heterogeneous, levels_step_heterogeneous_serial = jit_pair(
    levels_step_heterogeneous
)


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


@jit(inline="always")
def _counts_group(g, counts, probs, keys, gammas, step0, after, changes):
    m = counts.shape[1]
    new = np.zeros(m, dtype=np.int64)
    mass = np.zeros(m)
    for k in range(probs.shape[0]):
        step = step0 + k
        new[:] = 0
        moved = 0
        for i in range(m):
            n_rem = counts[g, i]
            if n_rem == 0:
                continue
            row = probs[k, i]
            # mass[j]: the diagonal plus the off-diagonals j' >= j, summed from the top so
            # that small tails keep their relative precision (no 1 - sum)
            acc = row[i]
            for j in range(m - 1, -1, -1):
                if j != i:
                    acc += row[j]
                mass[j] = acc
            for j in range(m):
                if j == i or n_rem == 0:
                    continue
                pj = row[j]
                if pj > 0.0:
                    x = binomial.sample(
                        n_rem, min(1.0, pj / mass[j]), keys[g], gammas[g], step, i * m + j
                    )
                    new[j] += x
                    n_rem -= x
                    moved += x
            new[i] += n_rem
        for i in range(m):
            counts[g, i] = new[i]
            after[g, k, i] = new[i]
        changes[g, k] = moved


def counts_block(counts, probs, keys, gammas, step0, after, changes):
    """Aggregated engine: advance level counts (G, M) through a block of steps.

    Each step, the cells of group ``g`` at level ``i`` are spread over the levels by one
    multinomial draw with the propagator row ``probs[k, i]`` (conditional binomials, the
    off-diagonal levels first, the remainder stays), which is exact in distribution. Group ``g``
    draws its uniforms from the stream ``(keys[g], gammas[g])`` at the step index and slot
    ``i * M + j``. Writes the counts after each step to ``after`` (G, B, M) and the level
    changes to ``changes`` (G, B). ``counts_block`` runs the groups on the thread pool (for long
    blocks), ``counts_block_serial`` on the calling thread: the same results.
    """
    for g in prange(counts.shape[0]):
        _counts_group(g, counts, probs, keys, gammas, step0, after, changes)


counts_block, counts_block_serial = jit_pair(counts_block)

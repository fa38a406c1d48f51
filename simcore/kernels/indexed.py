"""Kernels for indexed landscapes: cell ``i`` evolves under row ``kinds[i]`` of a small table.

Rates and thresholds are computed once per kind (``bit_kind_thresholds``, ``bit_kind_escape``),
so a bit cell costs a table lookup, or one exponential when its attempt frequency is its own
(decided by the certified ``rough_level``, and by ``exact_level`` where it is unsure). M-level
cells with a shared attempt frequency (``levels_indexed``) sample each kind's exact propagator.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from simcore._jit import jit, jit_pair
from simcore.expfun import one_minus_exp, one_minus_exp_rough
from simcore.kernels.levels_shared import level_walk
from simcore.kernels.per_cell import _bit_thresholds, book_group, book_move
from simcore.kernels.tiles import _S32, _count_code, wide_pair
from simcore.propagator import _TWO64, _UMAX, rate_pair, to_threshold
from simcore.rng import mix64

_S12 = np.uint64(12)
_FOUR = np.uint64(4)
_BELOW64 = 18446744073709549568.0  # the largest float64 below 2^64

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


#: Most count passes (codes) per tile for which group energies come from per-code counts.
_COUNTED_CODES = 64


@jit(inline="always")
def _indexed_buffers():
    """The tile buffers of a run of ``bits_indexed`` (separate allocations, so LLVM knows they
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


def _bits_indexed(cells, landscape, before, stream, tallies, runs):
    """One step of bit cells under indexed landscapes: cell ``i`` evolves under landscape
    ``kinds[i]`` of a table of K (``landscape``, an ``Indexed``).

    Tables are indexed by the code ``c = 2 k + s`` of kind and level (a flattened (K, 2)). Shared
    attempt frequency (``escape`` of length 0): ``thresholds`` (2K,) uint64, the flattened
    ``bit_kind_thresholds`` (equal to the ones ``bits_heterogeneous`` computes per cell, so the same
    states as the expanded per-cell step). Per-cell ``f0`` (N,): ``escape`` (2K, 2) from
    ``bit_kind_escape`` and one ``1 - exp(-x)`` per cell; the flip probability is the same closed
    form as ``bits_heterogeneous``'s in another order of operations, so its threshold can differ in
    the last bits (a different state needs a uniform within ~2^-52 relative of the threshold). It is
    decided by ``rough_level`` (a cheaper exponential, certified), and again by ``exact_level`` for
    the few cells it is unsure of: the states of the exact threshold, at about half the arithmetic.
    Uniforms: the ``(seed, step, cell)`` ones of every kernel. ``energies`` (2K,) the energies,
    ``flip_heat`` (2K,) the heat of a hop out of each code. The landscape before the step
    (``before``) is ``energies`` (2R,) at code ``2 kinds[i] + s`` (``kinds`` of length 1: row 0
    for every cell), or ``energies`` (2N,) at ``2 i + s`` when ``per_cell``; its jump is booked as
    work. ``kinds_keep`` (N,) uint8, or empty, receives a copy of ``kinds`` (the array's record of
    the landscape; it may be the buffer ``before.kinds`` is: each cell's old kind is read before
    it is overwritten). Adds to ``tallies.counts``/``changes`` (G, 1) the cells at 1 and the
    level changes, to ``work_g``/``heat_g`` (G,) each group's work and heat (J) and, when
    ``record``, to ``work``/``heat`` (N,) each cell's (the values ``bits_heterogeneous`` books).
    ``runs``: the groups are split into that many contiguous runs, one per thread (1 for
    ``bits_indexed_serial``), each with its own tile buffers; the results do not depend on it.

    Layout: table reads at a cell's code are scalar loops into tile buffers, so that the hash
    loop reads contiguous buffers only and vectorises; with few codes a tile's work and heat
    come from counts of each code (a byte compare per cell and code) instead of a float sum per
    cell: the same values up to round-off, in a fixed order.
    """
    state = cells.state
    bounds = cells.bounds
    kinds = landscape.kinds
    thresholds = landscape.thresholds
    escape = landscape.escape
    f0 = landscape.f0
    e_new = landscape.energies
    flip_heat = landscape.flip_heat
    kinds_keep = landscape.kinds_keep
    e_old = before.energies
    kinds_old = before.kinds
    old_per_cell = before.per_cell
    key = stream.key
    gamma = stream.gamma
    step = stream.step
    ones = tallies.counts
    changes = tallies.changes
    work_g = tallies.work_g
    heat_g = tallies.heat_g
    work = tallies.work
    heat = tallies.heat
    record = tallies.record
    per_cell_f0 = escape.shape[0] > 0
    kos = np.int64(kinds_old.shape[0] > 1)
    n_codes = e_new.shape[0]
    n_old = 0 if old_per_cell else e_old.shape[0]
    counted = not record and not old_per_cell and 2 * n_codes + n_old <= _COUNTED_CODES
    z_step = np.uint64(step) << _S32
    keep = kinds_keep.shape[0] > 0
    esc = escape.reshape(-1)
    # the groups in ``runs`` contiguous runs (the caller's thread count, 1 on the calling
    # thread), each with its own tile buffers, allocated once per run and not per group; a
    # group's results do not depend on the run it is in
    n_groups = bounds.shape[0] - 1
    n_runs = max(1, min(n_groups, runs))
    for r in prange(n_runs):
        scratch = _indexed_buffers()
        for g in range(n_groups * r // n_runs, n_groups * (r + 1) // n_runs):
            out, unsure_words, cb, co, hop_words, old_words, th, pair = scratch
            unsure = unsure_words.view(np.uint8)
            hop_codes = hop_words.view(np.uint8)  # 2 c + hop, for the counts
            old_codes = old_words.view(np.uint8)
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
                    # the kinds kept for the next step (may be the buffer kinds_old reads, read
                    # above)
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
                    # the flip decision from a rough threshold, certified: the exact threshold
                    # is within (ta >> 12) + 4 of the rough one (one_minus_exp_rough is within
                    # 2^-16), so a uniform outside that band decides as the exact one would;
                    # cells inside it (a fraction ~2^-11 p) are decided again with the exact one
                    for j in range(n):
                        u = mix64(z)
                        z += gamma
                        out[j], unsure[j] = rough_level(
                            pair[2 * j], fv[j] * pair[2 * j + 1], sv[j], u
                        )
                    n_unsure = 0
                    for j in range(n):
                        n_unsure += unsure[j]
                    if n_unsure:
                        # only the words of 8 cells that hold one (the rest of the tile is not
                        # touched)
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
                        # padding of the last word: a code no cell has
                        hop_codes[j] = np.uint8(255)
                        old_codes[j] = np.uint8(255)
                    # codes of zero energy add nothing: their counts are skipped (a rest
                    # landscape's)
                    for c in range(n_codes):
                        hops = np.int64(0)
                        if e_new[c] != 0.0 or flip_heat[c] != 0.0:
                            hops = _count_code(hop_words, n_words, 2 * c + 1)
                        if e_new[c] != 0.0:
                            n_at = hops + _count_code(hop_words, n_words, 2 * c)
                            if n_at:
                                w_acc += np.float64(n_at) * e_new[c]
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


bits_indexed, bits_indexed_serial = wide_pair(_bits_indexed)


@jit
def _levels_indexed_group(g, cells, landscape, before, stream, tallies):
    # a compiled function of its own (not inlined into the prange body), so it may read the
    # bundles' fields (see ``bundles``); the arrays the cell loop reads are locals (see
    # ``per_cell.book_move``)
    state = cells.state
    kinds = landscape.kinds
    thresholds = landscape.thresholds
    top = thresholds.shape[1] - 1
    e_new = landscape.energies
    e_old = before.energies
    kinds_old = before.kinds
    kos = np.int64(kinds_old.shape[0] > 1)
    old_per_cell = before.per_cell
    gamma = stream.gamma
    base = stream.key + gamma * (np.uint64(stream.step) << _S32)
    counts = tallies.counts
    record = tallies.record
    work = tallies.work
    heat = tallies.heat
    w_acc = 0.0
    q_acc = 0.0
    nf = 0
    for i in range(cells.bounds[g], cells.bounds[g + 1]):
        s = np.int64(state[i])
        k = np.int64(kinds[i])
        u = mix64(base + gamma * np.uint64(i))
        j = level_walk(thresholds[k], s, top, u)
        r = i if old_per_cell else np.int64(kinds_old[i * kos])
        w = e_new[k, s] - e_old[r, s]
        q = e_new[k, s] - e_new[k, j]
        book_move(g, i, j, w, q, state, counts, record, work, heat)
        w_acc += w
        q_acc += q
        nf += j != s
    book_group(tallies, g, w_acc, q_acc, nf)


def levels_indexed(cells, landscape, before, stream, tallies):
    """One step of M-level cells under indexed landscapes with a shared attempt frequency: cell
    ``i`` samples its new level with ``landscape.thresholds[kinds[i]]`` ((K, M, M-1) from
    ``propagator.step_tables``) and the uniform ``levels_shared`` draws for it, so cells of a
    kind move exactly as a shared step under that kind's landscape would move them.
    ``landscape.energies`` (K, M); the old landscape (``before``, 2-D rows) and the tallies as
    in ``bits_indexed``, ``tallies.counts`` (G, M), ``tallies.changes`` (G,).
    """
    for g in prange(cells.bounds.shape[0] - 1):
        _levels_indexed_group(g, cells, landscape, before, stream, tallies)


levels_indexed, levels_indexed_serial = jit_pair(levels_indexed)

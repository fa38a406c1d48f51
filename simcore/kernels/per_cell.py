"""Kernels for per-cell landscapes and attempt frequencies, and per-cell energy records.

- ``levels_shared_per_cell``: ``levels_shared`` recording each cell's work and heat (the same
  kernel, the plan's name for that path);
- ``bits_heterogeneous``: bit cells, each under its own landscape and attempt frequency, a
  block of steps under one per-cell landscape (thresholds once per cell and block);
- ``levels_step_heterogeneous``: M-level cells with per-cell landscapes, one step of exact
  continuous-time jumps (``_gillespie``), any number of jumps per step.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from simcore._jit import jit, jit_pair
from simcore.expfun import PHI_SERIES_MAX, phi, phi_series
from simcore.kernels.levels_shared import levels_shared, levels_shared_serial
from simcore.kernels.tiles import (
    _HTILE_WORDS,
    _S32,
    HTILE,
    _load_tile,
    _tile_tally,
    wide_pair,
)
from simcore.propagator import _UMAX, rate_pair, to_threshold_bits
from simcore.rng import bits, mix64, stream_of, to_unit

#: ``levels_shared`` with ``tallies.record`` books each cell's work and heat; the plan names that
#: path apart, so a backend that cannot record per-cell energies refuses it by name.
levels_shared_per_cell = levels_shared
levels_shared_per_cell_serial = levels_shared_serial


@jit(inline="always")
def _thresholds_of(k01, k10, dt, ph):
    # (stay0, drop1) from the rates and phi((k01 + k10) dt): the convention of
    # propagator.level_thresholds, so the shared and per-cell paths draw the same states for
    # the same landscape; built from the bits of the probabilities (the integers of
    # to_threshold, in vector code on AVX2 too); _UMAX - 0 is _UMAX, no special case
    return _UMAX - to_threshold_bits(k01 * dt * ph), to_threshold_bits(k10 * dt * ph)


@jit(inline="always")
def _bit_thresholds(a0, a1, saddle, kT, f0, kinetics, dt):
    # (stay0, drop1) of one cell
    k01, k10 = rate_pair(a0, a1, saddle, kT, f0, kinetics)
    return _thresholds_of(k01, k10, dt, phi((k01 + k10) * dt))


@jit(inline="always")
def _tile_thresholds(n, lo, hi, top, freq, kT, kinetics, dt, stay, drop):
    # the thresholds of a tile's n cells. Most blocks have short steps for every cell
    # ((k01 + k10) dt < PHI_SERIES_MAX, where phi is its series: the same value, no third
    # exponential and no division), so the series alone is tried first; a tile with a longer
    # step is done again with the full phi. Call it with kinetics a constant: a branch on it in
    # the loop body split the vector code and spilled its registers (AVX2 codegen: 18 -> 10 ns
    # per cell)
    n_long = 0
    for j in range(n):
        k01, k10 = rate_pair(lo[j], hi[j], top[j], kT, freq[j], kinetics)
        x = (k01 + k10) * dt
        stay[j], drop[j] = _thresholds_of(k01, k10, dt, phi_series(x))
        n_long += not (x < PHI_SERIES_MAX)  # NaN too: the full phi decides
    if n_long > 0:
        for j in range(n):
            stay[j], drop[j] = _bit_thresholds(lo[j], hi[j], top[j], kT, freq[j], kinetics, dt)


def _bits_heterogeneous(cells, landscape, rates, stream, tallies):
    """Bit cells with per-cell landscapes and attempt frequencies, a block of ``B`` steps of
    duration ``rates.dt`` (s) under one per-cell landscape.

    ``landscape`` (a ``PerCell``): ``e_old`` (N or 1, 2) is the landscape before the block,
    ``e_new`` (N or 1, 2), ``saddles`` (N or 1, 1) and ``f0`` (N or 1) the one every step of the
    block evolves under: a leading size of 1 means shared (read with stride 0). The first step
    books the jump from ``e_old`` as work; the others do none. Step ``k`` is step
    ``stream.step + k`` of the random stream. Adds to ``tallies.counts``/``tallies.changes``
    (G, B) the cells at 1 after each step and the level changes in each step, to
    ``tallies.work_g``/``heat_g`` (G,) each group's work and heat (J), and, when
    ``tallies.record``, to ``tallies.work``/``heat`` (N,) each cell's. Unless they have length 0,
    ``landscape.kept_energies`` (N, 2) and ``kept_saddles`` (N, 1) receive each cell's new
    landscape once the cell is done (they may be ``e_old`` itself): the caller keeps its copy of
    the landscape without a pass of its own.

    Each cell's two sampling thresholds are computed once per block (closed-form propagator,
    ``simcore.expfun`` exponentials, no libm), so a step costs a hash and a compare per cell, as
    in ``bits_shared``. The landscape is fixed within the block, so a cell's heat telescopes to
    ``E(x_first) - E(x_last)``: no float sum in the step loop.
    """
    for g in prange(cells.bounds.shape[0] - 1):
        _bits_heterogeneous_group(g, cells, landscape, rates, stream, tallies)


@jit
def _bits_heterogeneous_group(g, cells, landscape, rates, stream, tallies):
    # a compiled function of its own (not inlined into the prange body), so it may read the
    # bundles' fields (see ``bundles``); the arrays and scalars the cell loops read are locals
    # (see ``book_move``); a leading size of 1 is read with stride 0
    state = cells.state
    e_old = landscape.e_old
    se = np.int64(e_old.shape[0] > 1)
    e_new = landscape.e_new
    sn = np.int64(e_new.shape[0] > 1)
    saddles = landscape.saddles
    ss = np.int64(saddles.shape[0] > 1)
    f0 = landscape.f0
    sf = np.int64(f0.shape[0] > 1)
    kept_energies = landscape.kept_energies
    kept_saddles = landscape.kept_saddles
    kT = rates.kT
    kinetics = rates.kinetics
    dt = rates.dt
    gamma = stream.gamma
    record = tallies.record
    work = tallies.work
    heat = tallies.heat
    n_steps = tallies.counts.shape[1]
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
    for t0 in range(cells.bounds[g], cells.bounds[g + 1], HTILE):
        n = min(HTILE, cells.bounds[g + 1] - t0)
        # the tile's rows as views indexed from 0 (a shared row stays row 0): a global index
        # t0 + j keeps a wraparound test per access, and LLVM then leaves the loops scalar
        cell_state = state[t0 : t0 + n]
        en = e_new[t0 * sn : t0 * sn + n]
        eo = e_old[t0 * se : t0 * se + n]
        sd = saddles[t0 * ss : t0 * ss + n]
        fr = f0[t0 * sf : t0 * sf + n]
        cur = _load_tile(cell_state, 0, n, buf)
        for j in range(n):
            lo[j] = en[j * sn, 0]
            hi[j] = en[j * sn, 1]
            top[j] = sd[j * ss, 0]
            freq[j] = fr[j * sf]
        if dt > 0.0:
            # contiguous operands and branch-free arithmetic: these loops vectorise
            if kinetics == 0:
                _tile_thresholds(n, lo, hi, top, freq, kT, 0, dt, stay, drop)
            else:
                _tile_thresholds(n, lo, hi, top, freq, kT, 1, dt, stay, drop)
        else:  # a jump without time: what _bit_thresholds gives for dt = 0
            for j in range(n):
                stay[j] = _UMAX
                drop[j] = np.uint64(0)
        st = stay[:n]
        dr = drop[:n]
        for k in range(n_steps):
            z = stream.key + gamma * ((np.uint64(stream.step + k) << _S32) + np.uint64(t0))
            s_in = buf[cur * HTILE : cur * HTILE + n]
            s_out = buf[(1 - cur) * HTILE : (1 - cur) * HTILE + n]
            for j in range(n):
                u = mix64(z)
                z += gamma
                # the cell's threshold picked by a mask of its state, not a select of two
                # loads: the loop then vectorises on AVX2 too (it gathered lane by lane)
                mask = np.uint64(0) - np.uint64(s_in[j])
                s_out[j] = np.uint8(u >= st[j] ^ ((st[j] ^ dr[j]) & mask))
            n1, nf = _tile_tally(words, cur, n)
            tallies.counts[g, k] += n1
            tallies.changes[g, k] += nf
            cur = 1 - cur
        # work of the jump (first step) and heat, from the first and last state of each cell
        fin = buf[cur * HTILE : cur * HTILE + n]
        for j in range(n):
            c = cell_state[j]
            w = (hi[j] - eo[j * se, 1]) if c else (lo[j] - eo[j * se, 0])
            q = (hi[j] - lo[j]) * (np.float64(c) - np.float64(fin[j]))
            w_acc += w
            q_acc += q
            if record:
                work[t0 + j] += w
                heat[t0 + j] += q
        # after the reads of e_old, which the kept copy may alias; loops of their own, which
        # vectorise (the float sums above are a chain in cell order and stay scalar)
        if kept_energies.shape[0] > 0:
            ke = kept_energies[t0 : t0 + n]
            for j in range(n):
                ke[j, 0] = lo[j]
                ke[j, 1] = hi[j]
        if kept_saddles.shape[0] > 0:
            ks = kept_saddles[t0 : t0 + n]
            for j in range(n):
                ks[j, 0] = top[j]
        for j in range(n):
            cell_state[j] = fin[j]
    tallies.work_g[g] += w_acc
    tallies.heat_g[g] += q_acc


bits_heterogeneous, bits_heterogeneous_serial = wide_pair(_bits_heterogeneous)


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


@jit(inline="always")
def book_move(g, i, j, w, q, state, counts, record, work, heat):
    """Book cell ``i`` of group ``g`` moving to level ``j`` with work ``w`` and heat ``q`` (J):
    its new level in ``state``, the group's count of level ``j`` (``counts`` (G, M)) and, with
    ``record``, the cell's own ``work`` and ``heat`` (N,). The caller adds ``w``, ``q`` and the
    level change to the group's sums (``book_group``).

    The arrays come as locals of the caller, not in their ``Tallies``: read out of a bundle
    inside the cell loop they cost about 10 ns per cell, and so do the group's sums returned as
    a tuple (measured on ``levels_indexed``: 9.4 ns per cell with locals, one core)."""
    state[i] = j
    counts[g, j] += 1
    if record:
        work[i] += w
        heat[i] += q


@jit(inline="always")
def book_group(tallies, g, w_acc, q_acc, nf):
    """Add a group's work and heat (J) and level changes to ``tallies`` (``work_g``,
    ``heat_g``, ``changes`` (G,))."""
    tallies.work_g[g] += w_acc
    tallies.heat_g[g] += q_acc
    tallies.changes[g] += nf


@jit
def _levels_heterogeneous_group(g, cells, landscape, rates, stream, tallies):
    # a compiled function of its own (not inlined into the prange body), so it may read the
    # bundles' fields (see ``bundles``); the arrays the cell loop reads are locals (see
    # ``book_move``); a leading size of 1 is read with stride 0
    state = cells.state
    counts = tallies.counts
    record = tallies.record
    work = tallies.work
    heat = tallies.heat
    e_old = landscape.e_old
    se = e_old.shape[0] > 1
    e_new = landscape.e_new
    sn = e_new.shape[0] > 1
    saddles = landscape.saddles
    ss = saddles.shape[0] > 1
    f0 = landscape.f0
    sf = f0.shape[0] > 1
    w_acc = 0.0
    q_acc = 0.0
    nf = 0
    for i in range(cells.bounds[g], cells.bounds[g + 1]):
        s = np.int64(state[i])
        en = e_new[i if sn else 0]
        w = en[s] - e_old[i if se else 0, s]
        j = _gillespie(
            s,
            en,
            saddles[i if ss else 0],
            rates.kT,
            f0[i if sf else 0],
            rates.kinetics,
            rates.dt,
            stream.seed,
            stream.key,
            stream.gamma,
            stream.step,
            i,
        )
        q = en[s] - en[j]
        book_move(g, i, j, w, q, state, counts, record, work, heat)
        w_acc += w
        q_acc += q
        nf += j != s
    book_group(tallies, g, w_acc, q_acc, nf)


def levels_step_heterogeneous(cells, landscape, rates, stream, tallies):
    """One step of M-level cells with per-cell landscapes (exact jump-by-jump within
    ``rates.dt``).

    ``landscape`` as in ``bits_heterogeneous`` with M columns (``kept_*`` not read);
    ``tallies.counts`` (G, M), ``tallies.changes`` (G,). Draw ``d`` of a cell comes from the
    stream ``rng.stream_of(stream.seed, d)`` (draw 0 is ``(stream.key, stream.gamma)``), so any
    number of jumps stays exact.
    """
    for g in prange(cells.bounds.shape[0] - 1):
        _levels_heterogeneous_group(g, cells, landscape, rates, stream, tallies)


levels_step_heterogeneous, levels_step_heterogeneous_serial = jit_pair(levels_step_heterogeneous)

"""Kernels for per-cell landscapes and attempt frequencies, and per-cell energy records.

- ``levels_shared_per_cell``: ``levels_shared`` that also books each cell's work and heat;
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
from simcore.expfun import phi
from simcore.kernels.levels_shared import level_walk
from simcore.kernels.tiles import (
    _HTILE_WORDS,
    _S32,
    HTILE,
    TILE,
    _load_tile,
    _tile_tally,
    _wide,
)
from simcore.propagator import _UMAX, rate_pair, to_threshold
from simcore.rng import bits, mix64, stream_of, to_unit


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
                j = level_walk(th, s, top, u)
                state[i] = j
                work[i] += e_new[s] - e_old[s]
                heat[i] += e_new[s] - e_new[j]
                counts[g, k, j] += 1
                nf += j != s
            changes[g, k] += np.int64(nf)


def levels_shared_per_cell(cells, steps, stream, tallies):
    """``levels_shared`` that also adds each cell's work and heat (J) to ``tallies.work`` and
    ``tallies.heat`` (N,) (always: ``record`` is not read; the group energies are not filled).

    ``steps.energies`` (B+1, M): the landscape before the block, then after each step.
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
    work = tallies.work
    heat = tallies.heat
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
    state = cells.state
    bounds = cells.bounds
    e_old = landscape.e_old
    e_new = landscape.e_new
    saddles = landscape.saddles
    f0 = landscape.f0
    kept_energies = landscape.kept_energies
    kept_saddles = landscape.kept_saddles
    kT = rates.kT
    kinetics = rates.kinetics
    dt = rates.dt
    key = stream.key
    gamma = stream.gamma
    step0 = stream.step
    ones = tallies.counts
    changes = tallies.changes
    work_g = tallies.work_g
    heat_g = tallies.heat_g
    work = tallies.work
    heat = tallies.heat
    record = tallies.record
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


def levels_step_heterogeneous(cells, landscape, rates, stream, tallies):
    """One step of M-level cells with per-cell landscapes (exact jump-by-jump within
    ``rates.dt``).

    ``landscape`` as in ``bits_heterogeneous`` with M columns (``kept_*`` not read);
    ``tallies.counts`` (G, M), ``tallies.changes`` (G,). Draw ``d`` of a cell comes from the
    stream ``rng.stream_of(stream.seed, d)`` (draw 0 is ``(stream.key, stream.gamma)``), so any
    number of jumps stays exact.
    """
    state = cells.state
    bounds = cells.bounds
    e_old = landscape.e_old
    e_new = landscape.e_new
    saddles = landscape.saddles
    f0 = landscape.f0
    kT = rates.kT
    kinetics = rates.kinetics
    dt = rates.dt
    key0 = stream.key
    gamma0 = stream.gamma
    step = stream.step
    seed = stream.seed
    counts_g = tallies.counts
    changes_g = tallies.changes
    work_g = tallies.work_g
    heat_g = tallies.heat_g
    work = tallies.work
    heat = tallies.heat
    record = tallies.record
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


levels_step_heterogeneous, levels_step_heterogeneous_serial = jit_pair(levels_step_heterogeneous)

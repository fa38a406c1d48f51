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

import math

import numpy as np
from numba import prange

from simcore import binomial
from simcore._jit import jit, pjit, wide_vectors
from simcore.expfun import phi
from simcore.propagator import _UMAX, rate_pair, to_threshold
from simcore.rng import bits, mix64, stream_of, to_unit

_S32 = np.uint64(32)
#: Cells per inner tile: the tile's states stay in L1 while the kernel sweeps a block of steps.
TILE = 8192


def bits_shared(state, thresholds, key, gamma, step0, bounds, ones, changes):
    """``_bits_shared`` compiled (on its first call) with 512-bit vectors where the CPU has them."""
    global _bits_warm
    if _bits_warm:
        _bits_shared(state, thresholds, key, gamma, step0, bounds, ones, changes)
        return
    with wide_vectors():
        _bits_shared(state, thresholds, key, gamma, step0, bounds, ones, changes)
    _bits_warm = True


_bits_warm = False


@pjit
def _bits_shared(state, thresholds, key, gamma, step0, bounds, ones, changes):
    """Bit cells under a shared landscape, a block of ``B`` steps.

    ``thresholds`` (B, 2, 1) uint64, the M = 2 case of ``propagator.level_thresholds``: a cell
    at 0 stays iff ``u < thresholds[k, 0, 0]``, a cell at 1 drops iff ``u < thresholds[k, 1, 0]``
    (so this kernel draws exactly the states ``levels_shared`` would). Adds to ``ones`` (G, B)
    the number of cells at level 1 after each step, and to ``changes``
    (G, B) the number of cells that changed level in each step.
    """
    n_steps = thresholds.shape[0]
    for g in prange(bounds.shape[0] - 1):
        for t0 in range(bounds[g], bounds[g + 1], TILE):
            # a view indexed from 0 lets LLVM drop the negative-index check and vectorise
            tile = state[t0 : min(t0 + TILE, bounds[g + 1])]
            for k in range(n_steps):
                base = key + gamma * ((np.uint64(step0 + k) << _S32) + np.uint64(t0))
                stay0 = thresholds[k, 0, 0]
                drop1 = thresholds[k, 1, 0]
                n1 = np.uint64(0)
                nf = np.uint64(0)
                for j in range(tile.shape[0]):
                    s = tile[j]
                    u = mix64(base + gamma * np.uint64(j))
                    # from 0 the cell flips iff u >= stay0; from 1 it stays iff u >= drop1
                    s_new = np.uint8(u >= (drop1 if s else stay0))
                    tile[j] = s_new
                    n1 += np.uint64(s_new)
                    nf += np.uint64(s_new ^ s)
                ones[g, k] += np.int64(n1)
                changes[g, k] += np.int64(nf)


@pjit
def levels_shared(state, thresholds, key, gamma, step0, bounds, counts, changes):
    """M-level cells under a shared landscape, a block of ``B`` steps.

    ``thresholds`` (B, M, M-1) uint64 from ``propagator.level_thresholds``. Adds to ``counts``
    (G, B, M) the occupancy of each level after each step and to ``changes`` (G, B) the number of
    cells that changed level.
    """
    n_steps = thresholds.shape[0]
    top = thresholds.shape[1] - 1
    for g in prange(bounds.shape[0] - 1):
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


@pjit
def levels_shared_per_cell(
    state, thresholds, energies, key, gamma, step0, bounds, counts, changes, work, heat
):
    """``levels_shared`` that also adds each cell's work and heat (J) to ``work``/``heat`` (N,).

    ``energies`` (B+1, M): the landscape before the block, then after each step.
    """
    n_steps = thresholds.shape[0]
    top = thresholds.shape[1] - 1
    for g in prange(bounds.shape[0] - 1):
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


@pjit
def bits_step_heterogeneous(
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
    step,
    bounds,
    work_g,
    heat_g,
    ones_g,
    changes_g,
    work,
    heat,
    record,
):
    """One step of bit cells with per-cell landscapes and attempt frequencies.

    ``e_old``/``e_new`` (N or 1, 2), ``saddles`` (N or 1, 1), ``f0`` (N or 1): a leading size of
    1 means shared. Adds work and heat (J) per group to ``work_g``/``heat_g`` (G,), cells at 1 and
    changes per group to ``ones_g``/``changes_g`` (G,), and per cell to ``work``/``heat`` (N,)
    when ``record``. Shared arrays are read with stride 0; the exponentials are
    ``simcore.expfun``'s, so the numbers do not depend on the platform's libm.
    """
    se = np.int64(e_old.shape[0] > 1)
    sn = np.int64(e_new.shape[0] > 1)
    ss = np.int64(saddles.shape[0] > 1)
    sf = np.int64(f0.shape[0] > 1)
    base = key + gamma * (np.uint64(step) << _S32)
    for g in prange(bounds.shape[0] - 1):
        w_acc = 0.0
        q_acc = 0.0
        n1 = np.int64(0)
        nf = np.int64(0)
        start = bounds[g]
        tile = state[start : bounds[g + 1]]
        for j in range(tile.shape[0]):
            i = start + j
            s = tile[j]
            a0 = e_new[i * sn, 0]
            a1 = e_new[i * sn, 1]
            w = (a1 - e_old[i * se, 1]) if s else (a0 - e_old[i * se, 0])
            k01, k10 = rate_pair(a0, a1, saddles[i * ss, 0], kT, f0[i * sf], kinetics)
            ph = phi((k01 + k10) * dt)
            u = mix64(base + gamma * np.uint64(i))
            # the convention of propagator.level_thresholds, so shared and per-cell paths agree
            t01 = to_threshold(k01 * dt * ph)
            stay0 = _UMAX - t01 if t01 > 0 else _UMAX
            s_new = np.uint8(u >= (to_threshold(k10 * dt * ph) if s else stay0))
            q = (a1 - a0) * (np.float64(s) - np.float64(s_new))
            tile[j] = s_new
            w_acc += w
            q_acc += q
            n1 += np.int64(s_new)
            nf += np.int64(s_new ^ s)
            if record:
                work[i] += w
                heat[i] += q
        work_g[g] += w_acc
        heat_g[g] += q_acc
        ones_g[g] += n1
        changes_g[g] += nf


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


@pjit
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


@pjit
def count_levels(state, bounds, out):
    """Add to ``out`` (G, M) the number of cells of each group at each level."""
    m = out.shape[1]
    for g in prange(bounds.shape[0] - 1):
        tile = state[bounds[g] : bounds[g + 1]]
        if m == 2:  # a plain sum vectorises; a histogram scatter does not
            ones = np.int64(0)
            for j in range(tile.shape[0]):
                ones += np.int64(tile[j])
            out[g, 0] += tile.shape[0] - ones
            out[g, 1] += ones
            continue
        local = np.zeros(m, dtype=np.int64)
        for j in range(tile.shape[0]):
            local[tile[j]] += 1
        for i in range(m):
            out[g, i] += local[i]


@jit
def counts_block(counts, probs, keys, gammas, step0, after, changes):
    """Aggregated engine: advance level counts (G, M) through a block of steps.

    Each step, the cells of group ``g`` at level ``i`` are spread over the levels by one
    multinomial draw with the propagator row ``probs[k, i]`` (conditional binomials, the
    off-diagonal levels first, the remainder stays), which is exact in distribution. Group ``g``
    draws its uniforms from the stream ``(keys[g], gammas[g])`` at the step index and slot
    ``i * M + j``. Writes the counts after each step to ``after`` (G, B, M) and the level
    changes to ``changes`` (G, B).
    """
    n_groups, m = counts.shape
    new = np.zeros(m, dtype=np.int64)
    mass = np.zeros(m)
    for g in range(n_groups):
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

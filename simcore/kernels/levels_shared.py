"""M-level cells under a shared landscape: a block of steps, a threshold walk per cell-step.

A cell at level ``s`` moves to the level ``j`` whose band of ``propagator.level_thresholds``
row ``s`` holds its uniform (``j`` starts at ``s`` and walks down or up).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from simcore._jit import jit, jit_pair
from simcore.kernels.tiles import _S32, TILE
from simcore.rng import mix64


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


@jit(inline="always")
def _levels_shared_group(
    g, state, thresholds, key, gamma, step0, bounds, counts, changes, energies, work, heat, record
):
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
                j = level_walk(th, s, top, u)
                state[i] = j
                if record:
                    work[i] += energies[k + 1, s] - energies[k, s]
                    heat[i] += energies[k + 1, s] - energies[k + 1, j]
                counts[g, k, j] += 1
                nf += j != s
            changes[g, k] += np.int64(nf)


def levels_shared(cells, steps, stream, tallies):
    """M-level cells under a shared landscape, a block of ``B`` steps.

    ``steps.thresholds`` (B, M, M-1) uint64 from ``propagator.level_thresholds``; step ``k``
    uses the uniforms of step ``stream.step + k``. Adds to ``tallies.counts`` (G, B, M) the
    occupancy of each level after each step and to ``tallies.changes`` (G, B) the number of
    cells that changed level. With ``tallies.record`` it also adds each cell's work and heat (J)
    to ``tallies.work``/``heat`` (N,) from ``steps.energies`` (B+1, M), the landscape before the
    block and after each step (the group energies are not filled); ``levels_shared_per_cell``
    is this kernel under the name the plan gives that path.
    """
    state = cells.state
    bounds = cells.bounds
    thresholds = steps.thresholds
    key = stream.key
    gamma = stream.gamma
    step0 = stream.step
    energies = steps.energies
    counts = tallies.counts
    changes = tallies.changes
    work = tallies.work
    heat = tallies.heat
    # one loop per value of the flag, a constant in each: unrecorded, the booking compiles away
    if tallies.record:
        for g in prange(bounds.shape[0] - 1):
            _levels_shared_group(
                g, state, thresholds, key, gamma, step0, bounds, counts, changes, energies,
                work, heat, True,
            )
    else:
        for g in prange(bounds.shape[0] - 1):
            _levels_shared_group(
                g, state, thresholds, key, gamma, step0, bounds, counts, changes, energies,
                work, heat, False,
            )


levels_shared, levels_shared_serial = jit_pair(levels_shared)

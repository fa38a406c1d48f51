"""The aggregated engine's kernel: level counts per group advanced by exact multinomial draws.

Identical cells under a shared landscape need only their counts per level; each step the cells
leaving a level are drawn with the exact large-count binomial sampler of ``simcore.binomial``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from simcore import binomial
from simcore._jit import jit, jit_pair


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


def counts_block(counts, probs, streams, after, changes):
    """Aggregated engine: advance level counts (G, M) through a block of steps.

    Each step, the cells of group ``g`` at level ``i`` are spread over the levels by one
    multinomial draw with the propagator row ``probs[k, i]`` (conditional binomials, the
    off-diagonal levels first, the remainder stays), which is exact in distribution. Group ``g``
    draws its uniforms from the stream ``(streams.keys[g], streams.gammas[g])`` (a
    ``GroupStreams``) at the step index ``streams.step + k`` and slot
    ``i * M + j``. Writes the counts after each step to ``after`` (G, B, M) and the level
    changes to ``changes`` (G, B). ``counts_block`` runs the groups on the thread pool (for long
    blocks), ``counts_block_serial`` on the calling thread: the same results.
    """
    keys = streams.keys
    gammas = streams.gammas
    step0 = streams.step
    for g in prange(counts.shape[0]):
        _counts_group(g, counts, probs, keys, gammas, step0, after, changes)


counts_block, counts_block_serial = jit_pair(counts_block)

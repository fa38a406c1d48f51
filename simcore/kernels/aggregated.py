"""The aggregated engine's kernel: level counts per group advanced by exact multinomial draws.

Identical cells under a shared landscape need only their counts per level; each step the cells
leaving a level are drawn with the exact large-count binomial sampler of ``simcore.binomial``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from simcore import binomial
from simcore._jit import jit, jit_pair


@jit
def conditionals(probs, cond, lq):
    """The conditional binomial probabilities of every step's multinomial draws, shared by all
    groups: ``cond[k, i, j]`` for the cells at level ``i`` going to ``j != i`` given that they
    went to none of the off-diagonal levels before ``j`` (``probs[k, i, j]`` over the diagonal
    plus the off-diagonals from ``j`` up, summed from the top so that small tails keep their
    relative precision: no ``1 - sum``), 0 where ``probs[k, i, j]`` is not positive, and
    ``lq = binomial.log_q(cond)``."""
    m = probs.shape[1]
    for k in range(probs.shape[0]):
        for i in range(m):
            row = probs[k, i]
            acc = row[i]
            for j in range(m - 1, -1, -1):
                if j != i:
                    acc += row[j]
                    pj = row[j]
                    c = min(1.0, pj / acc) if pj > 0.0 else 0.0
                    cond[k, i, j] = c
                    lq[k, i, j] = binomial.log_q(c) if 0.0 < c < 1.0 else 0.0
                else:
                    cond[k, i, j] = 0.0
                    lq[k, i, j] = 0.0


@jit(inline="always")
def _counts_group(g, counts, cond, lq, keys, gammas, step0, after, changes):
    m = counts.shape[1]
    new = np.zeros(m, dtype=np.int64)
    key = keys[g]
    gamma = gammas[g]
    for k in range(cond.shape[0]):
        step = step0 + k
        new[:] = 0
        moved = 0
        for i in range(m):
            n_rem = counts[g, i]
            for j in range(m):
                if j == i or n_rem == 0:
                    continue
                c = cond[k, i, j]
                if c > 0.0:
                    x = binomial.sample_with(n_rem, c, lq[k, i, j], key, gamma, step, i * m + j)
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
    off-diagonal levels first, the remainder stays; ``conditionals``, once for all groups),
    which is exact in distribution. Group ``g``
    draws its uniforms from the stream ``(streams.keys[g], streams.gammas[g])`` (a
    ``GroupStreams``) at the step index ``streams.step + k`` and slot
    ``i * M + j``. Writes the counts after each step to ``after`` (G, B, M) and the level
    changes to ``changes`` (G, B). ``counts_block`` runs the groups on the thread pool (for long
    blocks), ``counts_block_serial`` on the calling thread: the same results.
    """
    keys = streams.keys
    gammas = streams.gammas
    step0 = streams.step
    cond = np.empty(probs.shape)
    lq = np.empty(probs.shape)
    conditionals(probs, cond, lq)
    for g in prange(counts.shape[0]):
        _counts_group(g, counts, cond, lq, keys, gammas, step0, after, changes)


counts_block, counts_block_serial = jit_pair(counts_block)

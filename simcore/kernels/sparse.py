"""Rare-flip stepping: a block of shared-landscape steps at a cost that follows the flips.

When every level's escape probability in a step is small, the cells that leave their level are
found by geometric skips over the cell index instead of one uniform per cell. Step ``k`` of
group ``g`` (cells ``bounds[g] .. bounds[g+1]-1``):

1. ``p_i = sum_{j != i} P[k, i, j]``, the escape probability of level ``i``, and
   ``p_max = max_i p_i`` (``sparse_tables``);
2. from cell ``c = bounds[g]``: the number of cells skipped before the next *candidate* is
   ``floor(log(u) / log(1 - p_max))`` with ``u`` in (0, 1] the uniform of ``(step, c)`` of the
   skip stream, a Geometric(p_max) count; the candidate is ``c + gap`` (none when that passes
   the group's end);
3. a candidate at level ``i`` leaves with probability ``p_i / p_max`` (the uniform of
   ``(step, candidate)`` of the accept stream against ``accept[k, i]``); its new level is drawn
   from ``P[k, i, j] / p_i`` over ``j != i`` (the uniform of ``(step, candidate)`` of the jump
   stream against ``jump[k, i]``; bit cells need no draw);
4. the search goes on from ``c = candidate + 1``.

Every cell of the group is a candidate independently with probability ``p_max`` (the gaps of a
Bernoulli(p_max) sequence are geometric and memoryless), and a candidate leaves level ``i`` with
``p_i / p_max``, so each cell leaves with ``p_i`` and lands at ``j`` with ``P[k, i, j]``,
independently of the others: the same Markov chain as the dense kernels (``bits_shared``,
``levels_shared``), an exact different sampling scheme. It reads other uniforms than the dense
kernels (the streams of ``simcore.draws.SPARSE``), so its states are not theirs; its law is.
The probabilities are resolved as the dense ones are, to double rounding: the geometric gap by
``log`` of a 53-bit uniform, acceptance and destination by 64-bit thresholds.

Each uniform is a pure function of ``(seed, step, cell)`` (the cell where the search stands or
the candidate), so results are independent of threads, of the tiling of a group, and of how a
run is split into calls. Groups (fixed by N) run on the thread pool.

With ``record``, each cell's work telescopes: a cell held at level ``x`` from landscape ``a``
to ``b`` does work ``E_x(b) - E_x(a)``; so the kernel books ``-E_{x_0}(0)`` for every cell at
the block's start, the heat ``E_x(k+1) - E_x'(k+1)`` (and the same amount of work) at each
flip, and ``E_{x_B}(B)`` at its end: exactly the dense kernels' per-cell sums (THEORY.md
section 2), summed in another order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from simcore._jit import jit, jit_pair
from simcore.propagator import to_threshold
from simcore.rng import bits

_UMAX = np.uint64(0xFFFFFFFFFFFFFFFF)
_S11 = np.uint64(11)
_TWO53_INV = 1.0 / 9007199254740992.0


class SparseSteps(NamedTuple):
    """The per-step tables of the sparse kernel (``sparse_tables``) and the landscape.

    ``log_stay`` (B,): ``log(1 - p_max)`` of each step (0 when nothing can move);
    ``accept`` (B, M) uint64: a candidate at level ``i`` leaves iff ``u < accept[k, i]``;
    ``jump`` (B, M, M-1) uint64: a leaving cell at ``i`` takes the ``d``-th level ``j != i``
    (in increasing order) for ``d = min{d : u < jump[k, i, d]}`` (or the last);
    ``energies`` (B+1, M) J, read when the tallies ``record``.
    """

    log_stay: np.ndarray
    accept: np.ndarray
    jump: np.ndarray
    energies: np.ndarray


@jit(inline="always")
def _escape(probs, k, i):
    """``sum_{j != i} probs[k, i, j]`` in increasing ``j`` (no ``1 - P_ii``: small escapes
    keep their relative precision; the same sum on every machine)."""
    esc = 0.0
    for j in range(probs.shape[2]):
        if j != i:
            esc += probs[k, i, j]
    return esc


@jit(inline="always")
def _max_escape(probs, k):
    p_max = 0.0
    for i in range(probs.shape[1]):
        p_max = max(p_max, _escape(probs, k, i))
    return p_max


@jit
def max_escape(probs, out):
    """``out[k] = max_i sum_{j != i} probs[k, i, j]``, the largest escape probability of each
    step of propagators ``probs`` (B, M, M)."""
    for k in range(probs.shape[0]):
        out[k] = _max_escape(probs, k)


@jit
def sparse_tables(probs, log_stay, accept, jump):
    """The sparse kernel's tables of propagators ``probs`` (B, M, M) into ``log_stay`` (B,),
    ``accept`` (B, M) and ``jump`` (B, M, M-1) (see ``SparseSteps``); returns nothing."""
    n_steps, m, _ = probs.shape
    for k in range(n_steps):
        p_max = _max_escape(probs, k)
        log_stay[k] = np.log1p(-min(p_max, 1.0)) if p_max > 0.0 else 0.0
        for i in range(m):
            esc = _escape(probs, k, i)
            if p_max <= 0.0:
                accept[k, i] = np.uint64(0)
            elif esc >= p_max:
                accept[k, i] = _UMAX  # always (the kernel tests u < UMAX or UMAX)
            else:
                accept[k, i] = to_threshold(esc / p_max)
            acc = 0.0
            d = 0
            for j in range(m):
                if j == i:
                    continue
                acc += probs[k, i, j]
                if d < m - 1:
                    jump[k, i, d] = _UMAX if esc <= 0.0 else to_threshold(acc / esc)
                d += 1
            for d in range(1, m - 1):  # monotone despite round-off
                if jump[k, i, d] < jump[k, i, d - 1]:
                    jump[k, i, d] = jump[k, i, d - 1]


@jit(inline="always")
def _unit_open(u):
    """A uint64 uniform as a double in (0, 1] with 53 random bits."""
    return np.float64((u >> _S11) + np.uint64(1)) * _TWO53_INV


@jit(inline="always")
def _sparse_group(
    g, state, bounds, log_stay, accept, jump, energies, keys, gammas, step0, counts, changes,
    record, work, heat,
):
    m = accept.shape[1]
    c0 = bounds[g]
    c1 = bounds[g + 1]
    n_steps = log_stay.shape[0]
    local = np.zeros(m, dtype=np.int64)
    for c in range(c0, c1):
        local[state[c]] += 1
        if record:
            work[c] -= energies[0, state[c]]
    for k in range(n_steps):
        step = np.uint64(step0 + k)
        moved = 0
        ls = log_stay[k]
        if ls < 0.0:
            c = c0
            while c < c1:
                u = _unit_open(bits(keys[0], gammas[0], step, np.uint64(c)))
                gap = np.log(u) / ls
                if gap >= np.float64(c1 - c):
                    break
                c += np.int64(gap)
                i = state[c]
                if bits(keys[1], gammas[1], step, np.uint64(c)) < accept[k, i] or (
                    accept[k, i] == _UMAX
                ):
                    if m == 2:
                        j = 1 - i
                    else:
                        v = bits(keys[2], gammas[2], step, np.uint64(c))
                        d = 0
                        while d < m - 2 and v >= jump[k, i, d]:
                            d += 1
                        j = d if d < i else d + 1
                    state[c] = np.uint8(j)
                    local[i] -= 1
                    local[j] += 1
                    moved += 1
                    if record:
                        q = energies[k + 1, i] - energies[k + 1, j]
                        heat[c] += q
                        work[c] += q
                c += 1
        for i in range(m):
            counts[g, k, i] += local[i]
        changes[g, k] += moved
    if record:
        for c in range(c0, c1):
            work[c] += energies[n_steps, state[c]]


def sparse_shared(cells, steps, streams, tallies):
    """Cells under a shared landscape, a block of ``B`` rare-flip steps (module docstring).

    ``cells`` a ``Cells`` bundle (levels (N,) uint8, group bounds (G+1,)); ``steps`` a
    ``SparseSteps``; ``streams`` a ``GroupStreams`` of the three streams of
    ``simcore.draws.SPARSE`` (skip, accept, jump) and the first step's index. Adds to
    ``tallies.counts`` (G, B, M) the cells of each group at each level after each step and to
    ``tallies.changes`` (G, B) the level changes; with ``tallies.record`` adds each cell's work
    and heat (J) to ``tallies.work``/``tallies.heat`` (N,). ``sparse_shared_serial`` runs the
    groups on the calling thread: the same results.
    """
    # the bundles are read here, one field per statement, never in the prange body
    # (simcore.kernels.bundles)
    state = cells.state
    bounds = cells.bounds
    log_stay = steps.log_stay
    accept = steps.accept
    jump = steps.jump
    energies = steps.energies
    keys = streams.keys
    gammas = streams.gammas
    step0 = streams.step
    counts = tallies.counts
    changes = tallies.changes
    record = tallies.record
    work = tallies.work
    heat = tallies.heat
    for g in prange(bounds.shape[0] - 1):
        _sparse_group(
            g, state, bounds, log_stay, accept, jump, energies, keys, gammas, step0, counts,
            changes, record, work, heat,
        )


sparse_shared, sparse_shared_serial = jit_pair(sparse_shared)

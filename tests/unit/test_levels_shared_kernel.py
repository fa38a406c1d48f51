"""``kernels.levels_shared`` against the NumPy twin across tiles, with long jumps and ties.

The kernel flags the cells whose uniform leaves their level's stay band, moves them by one
level from a compact copy of the thresholds around the diagonal, walks the full table for
longer jumps, and keeps each tile's occupancy as counts updated by the moves; the twin counts
the thresholds each uniform reaches. Several tiles per group (``TILE`` cells each), levels
from 3 to 40, and rows that send most cells several levels away.
"""

import numpy as np
import pytest

from simcore import kernels, rng
from simcore.kernels import Cells, SharedSteps, Stream, tallies
from simcore.kernels.tiles import TILE
from simcore.propagator import level_thresholds
from tests import naive


def _thresholds(m, b, rs):
    th = np.empty((b, m, m - 1), dtype=np.uint64)
    for k in range(b):
        p = rs.dirichlet(np.full(m, 0.3), size=m)
        if k % 3 == 0:
            p = 0.5 * p + 0.5 * np.eye(m) * (1 - 1e-3) + 0.5e-3 / m  # mostly staying
        p[0, -1] = 0.0  # a move that cannot happen (two equal thresholds)
        p /= p.sum(axis=1, keepdims=True)
        level_thresholds(p, th[k])
    return th


@pytest.mark.parametrize("record", [False, True])
@pytest.mark.parametrize("m", [3, 9, 40])
def test_levels_shared_across_tiles_equals_twin(m, record):
    # with record, each cell's work and heat too, to the bit (the same sums in the same order)
    rs = np.random.default_rng(m)
    g, b, seed, step0 = 3, 6, 21, 7
    n = 2 * g * TILE + 517  # two tiles and a part per group
    bounds = (np.arange(g + 1) * n) // g
    th = _thresholds(m, b, rs)
    energies = rs.normal(0.0, 1e-21, (b + 1, m)) if record else np.empty((0, m))
    state0 = rs.integers(0, m, n).astype(np.uint8)
    state0[: TILE // 2] = m - 1  # a run at the top level
    key, gamma = rng.stream(seed)
    ref_state, ref_occ, ref_w, ref_q = naive.run_shared(
        state0, th, seed, step0, energies if record else None
    )
    ref_changes = np.zeros(b, dtype=np.int64)
    now = state0
    for k in range(b):
        nxt = naive.run_shared(now, th[k : k + 1], seed, step0 + k)[0]
        ref_changes[k] = np.count_nonzero(nxt != now)
        now = nxt
    steps = SharedSteps(thresholds=th, energies=energies)
    stream = Stream(key=key, gamma=gamma, step=step0, seed=np.uint64(seed))
    for kernel in (kernels.levels_shared, kernels.levels_shared_serial):
        state = state0.copy()
        counts = np.zeros((g, b, m), dtype=np.int64)
        changes = np.zeros((g, b), dtype=np.int64)
        work, heat = (np.zeros(n), np.zeros(n)) if record else (np.empty(0), np.empty(0))
        out = tallies(counts=counts, changes=changes, work=work, heat=heat, record=record)
        kernel(cells=Cells(state=state, bounds=bounds), steps=steps, stream=stream, tallies=out)
        np.testing.assert_array_equal(state, ref_state)
        if record:
            assert np.count_nonzero(heat) > n // 10
            np.testing.assert_array_equal(work, ref_w)
            np.testing.assert_array_equal(heat, ref_q)
        np.testing.assert_array_equal(counts.sum(axis=0), ref_occ)
        np.testing.assert_array_equal(changes.sum(axis=0), ref_changes)
        for grp in range(g):
            here = np.bincount(state[bounds[grp] : bounds[grp + 1]], minlength=m)
            np.testing.assert_array_equal(counts[grp, -1], here)

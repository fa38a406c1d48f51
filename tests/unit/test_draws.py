"""The draw-index table (``simcore.draws``): disjoint ranges, used by every stream's owner."""

import itertools

import numpy as np
import pytest

import simcore as sc
from simcore import draws


def test_ranges_do_not_overlap():
    assert draws.overlapping() == []
    spans = sorted((r.start, r.stop) for r in draws.TABLE)
    for (_, stop), (start, _) in itertools.pairwise(spans):
        assert stop <= start
    assert all(0 <= r.start and r.stop <= 2**64 and r.size > 0 for r in draws.TABLE)


def test_overlap_is_detected():
    # the check can fail: the variability streams as they were (2**62 + k) hit the aggregate's
    old = draws.DrawRange("old variability", 2**62, 2)
    assert old.overlaps(draws.AGGREGATE_DYNAMICS)
    assert not old.overlaps(draws.CELL_PREPARE)


def test_index_outside_a_range_raises():
    assert draws.VARIABILITY[1] == draws.VARIABILITY.start + 1
    with pytest.raises(IndexError):
        draws.CELL_PREPARE[1]


def test_the_owners_use_the_table():
    from devices import double_well, variability

    assert variability.VARIABILITY_DRAW == draws.VARIABILITY.start
    assert double_well.LANGEVIN_DRAWS == (draws.LANGEVIN[0], draws.LANGEVIN[1])
    from simcore.langevin import normal

    assert normal.LANGEVIN_DRAW == draws.CONTINUOUS.start
    slots = (normal.NOISE_SLOT, normal.ACCEPT_SLOT, normal.POSITION_SLOT, normal.VELOCITY_SLOT)
    assert max(slots) < draws.CONTINUOUS_SLOTS and normal.SLOT == draws.CONTINUOUS_SLOT
    assert sc.AggregateArray(10, groups=draws.MAX_GROUPS).counts.shape[0] == 10
    with pytest.raises(sc.ParameterError):
        sc.AggregateArray(10**6, groups=draws.MAX_GROUPS + 1)


def test_preparation_reads_its_own_stream():
    # a prepared array and a stepped one with the same seed draw different numbers
    a = sc.MemoryArray(4096, seed=5, initial=[0.5, 0.5])
    b = sc.MemoryArray(4096, seed=5)
    e, s = sc.bit_landscape(0.0)
    b.step(e, s, 1.0)  # every cell ends at a fresh 50/50 draw of the dynamics stream
    assert not np.array_equal(a.state, b.state)

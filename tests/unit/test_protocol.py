"""Protocol construction, composition and the simulation grid."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import simcore as sc
from tests.conftest import bit


def test_grid_contains_every_knot_and_multiple_of_dt():
    p = sc.Protocol([0.0, 0.35, 1.0], [bit(1)[0]] * 3, [bit(1)[1]] * 3, ["a", "b"])
    g = p.grid(0.1)
    assert np.isclose(g.times, 0.35).sum() == 1
    assert np.allclose(g.times[[0, -1]], [0.0, 1.0])
    assert set(np.round(g.times, 9)) >= set(np.round(np.arange(11) * 0.1, 9))
    names, codes = g.tag_codes()
    assert names == ("a", "b")
    assert np.all(codes[g.times[1:] <= 0.35 + 1e-12] == 0)


def test_composition_reads_like_the_protocol():
    write = sc.Protocol.ramp(bit(20), bit(2, -4), 1e-9, "update")
    p = write.hold(5e-9, "hold").ramp_to(*bit(40), 1e-9, "consolidate")
    assert p.tags == ("update", "hold", "consolidate")
    assert np.isclose(p.duration, 7e-9)
    np.testing.assert_array_equal(p.end[1], bit(40)[1])
    twice = write.repeat(2)  # the jump back to the start is its own instantaneous segment
    assert twice.tags == ("update", "update", "update")
    assert np.isclose(twice.duration, 2e-9)
    assert (write + write).tags == twice.tags


def test_zero_duration_segment_is_pure_work():
    p = sc.Protocol.constant(*bit(5), 1e-9, "hold").jump_to(*bit(5, 4), "update")
    m = sc.solve_master(p, 1e-10, 300, 1e9, initial=[0.5, 0.5])
    assert np.isclose(m.by_tag["update"].work, 0.0, atol=1e-30)  # ±2 kT on each half
    assert m.by_tag["update"].heat == 0.0
    assert m.by_tag["update"].duration == 0.0


@settings(max_examples=50, deadline=None)
@given(
    knots=st.lists(st.floats(0.01, 3.0), min_size=1, max_size=5),
    dt=st.floats(0.005, 0.7),
)
def test_grid_is_increasing_and_covers_protocol(knots, dt):
    times = np.concatenate([[0.0], np.cumsum(knots)])
    k = times.size
    p = sc.Protocol(times, np.zeros((k, 2)), np.ones((k, 1)))
    g = p.grid(dt)
    assert np.all(np.diff(g.times) > 0)
    assert g.times[0] == times[0] and g.times[-1] == times[-1]
    assert np.all(np.diff(g.times) <= dt * (1 + 1e-9))
    for t in times:
        assert np.any(g.times == t)

"""``devices.cell.write_cost`` on the ideal cell: the update wall's static write (level 1
lifted by the tilt over a fixed saddle) against its two-state closed form written out here."""

from __future__ import annotations

import math

import pytest
from scipy.optimize import brentq

from devices import IdealBit, cell
from simcore.errors import ParameterError
from tests.conftest import KT


def _by_hand(barrier, duration, error, f0):
    """Tilt t (kT) whose pulse leaves a cell from level 1 in level 1 with probability
    ``error``, and the heat per operation t (1/2 - p1) (kT) on a random old bit: out of level
    0 over ``barrier``, out of level 1 over ``barrier - t`` (the saddle does not move)."""
    def occupancy(t, p1_start):
        k01, k10 = f0 * math.exp(-barrier), f0 * math.exp(-(barrier - t))
        r = k01 + k10
        return k01 / r + (p1_start - k01 / r) * math.exp(-r * duration)

    t = brentq(lambda t: math.log(occupancy(t, 1.0) / error), 0.0, barrier, xtol=1e-13)
    p1 = 0.5 * (occupancy(t, 1.0) + occupancy(t, 0.0))
    return t, t * (0.5 - p1), 0.5 - p1


@pytest.mark.parametrize("duration", [1e-8, 1e-6])
def test_write_cost_of_the_ideal_cell_is_the_static_write_closed_form(duration):
    got = cell.write_cost(IdealBit(barrier=40.0), 1e-3, duration)
    tilt, heat, changed = _by_hand(40.0, duration, 1e-3, 1e9)
    assert got["control"] == pytest.approx(tilt, rel=1e-10)
    assert got["heat"] / KT == pytest.approx(heat, rel=1e-9)
    assert got["changed"] == pytest.approx(changed, rel=1e-12)
    assert got["heat_per_bit"] / KT == pytest.approx(tilt, rel=1e-9)  # E1 - E0 per flip
    assert got["electrical"] == 0.0 and got["electrical_per_bit"] == 0.0


def test_the_ideal_write_follows_the_attempt_frequency():
    slow = cell.write_cost(IdealBit(barrier=30.0, attempt_frequency=1e7), 1e-2, 1e-6)
    tilt, heat, _ = _by_hand(30.0, 1e-6, 1e-2, 1e7)
    assert slow["heat"] / KT == pytest.approx(heat, rel=1e-9)
    assert slow["control"] == pytest.approx(tilt, rel=1e-10)


def test_a_write_the_ideal_cell_cannot_make_is_refused():
    # 1 ps at f0 = 1 GHz: even a barrier of 0 out of level 1 leaves e^-0.001 behind
    with pytest.raises(ParameterError, match="device"):
        cell.write_cost(IdealBit(barrier=40.0), 1e-3, 1e-12)
    with pytest.raises(ParameterError, match="attempt_frequency"):
        IdealBit(attempt_frequency=0.0)

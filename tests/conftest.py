"""Shared fixtures: physical scales at room temperature."""

import numpy as np
import pytest

import simcore as sc
from devices import ideal

T = 300.0
KT = sc.kT(T)
F0 = 1e9


@pytest.fixture
def kt():
    return KT


def bit(barrier_kT: float, tilt_kT: float = 0.0):
    """A bit landscape with barrier and tilt given in kT (``devices.ideal.bit`` at T)."""
    return ideal.bit(barrier_kT, tilt_kT, T)


def chain(m: int, tilt_kT: float, barrier_kT: float):
    """An M-level chain: levels tilted linearly by ``tilt_kT`` per level, saddles
    ``barrier_kT`` above the higher neighbour."""
    e = np.arange(m) * tilt_kT * KT
    s = np.maximum(e[:-1], e[1:]) + barrier_kT * KT
    return e, s


def erasure(duration: float, barrier_kT: float = 12.0, tilt_kT: float = 8.0):
    """Lower, tilt towards 0, raise, untilt: four ramps of ``duration``/4 each, tagged erase
    (``devices.ideal.four_ramp``)."""
    return ideal.four_ramp(barrier_kT, 0.0, tilt_kT, duration, "erase", T)


def within(mc, stderr, exact, n_sigma=4.0, roundoff=1e-12 * KT):
    """True when a Monte Carlo mean is within ``n_sigma`` standard errors of the exact value
    (plus a float round-off floor, for quantities that are exactly zero in expectation)."""
    return abs(mc - exact) <= n_sigma * stderr + roundoff

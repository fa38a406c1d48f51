"""The electrical ledger (experiments.electrical) against hand calculations: I²R t with the
device's resistance state during the pulse, the two-state time in each state written out here,
the same total for any time step, Monte Carlo against the exact expectation, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from devices import MTJ, RRAM, ideal
from experiments.device import pulse_powers
from experiments.electrical import book, time_in_levels
from experiments.results import simulate
from simcore import ParameterError, Protocol
from simcore.constants import EV

KT300 = 1.380649e-23 * 300.0


class _Cfg:
    n_cells = 20000
    temperature = 300.0
    attempt_frequency = 1e9
    kinetics = "arrhenius"


def _mtj_pulse(mtj, current, width):
    return ideal.pulse(mtj.landscape(0.0), mtj.landscape(current), width, "update")


def test_frozen_pulse_is_i2r_t_in_each_resistance_state():
    """A 60 kT MTJ at 1 µA for 10 ns cannot switch: I² R_P t in P, I² R_AP t in AP."""
    mtj = MTJ(thermal_stability=60.0, critical_current=50e-6, resistance_parallel=4e3, tmr=1.0)
    i, t = 1e-6, 1e-8
    cfg = _Cfg()
    for start, r in ((0, 4e3), (1, 8e3)):
        sim = simulate(cfg, _mtj_pulse(mtj, i, t), t, start, 5, powers=pulse_powers(mtj, i))
        e = sim.electrical["update"]
        assert e.master == pytest.approx(i * i * r * t, rel=1e-9)
        assert e.mean == pytest.approx(i * i * r * t, rel=1e-9)


def _time_in_ap(k01, k10, t, p1):
    r = k01 + k10
    pi1 = k01 / r
    return pi1 * t + (p1 - pi1) * (1 - math.exp(-r * t)) / r


@pytest.mark.parametrize("dt_fraction", [1.0, 0.1, 0.013])
def test_switching_pulse_by_hand_for_any_time_step(dt_fraction):
    """Δ = 40, I = -0.8 I_c0 from (1/2, 1/2): I² [R_P (t - T_AP) + R_AP T_AP], T_AP from the
    Néel–Brown rates; the same total whatever the step."""
    mtj = MTJ(thermal_stability=40.0, critical_current=50e-6)
    i, t = -40e-6, 3e-8
    k01 = 1e9 * math.exp(-40.0 * (1 - i / 50e-6) ** 2)
    k10 = 1e9 * math.exp(-40.0 * (1 + i / 50e-6) ** 2)
    t_ap = _time_in_ap(k01, k10, t, 0.5)
    hand = i * i * (5e3 * (t - t_ap) + 5e3 * 2.2 * t_ap)
    sim = simulate(_Cfg(), _mtj_pulse(mtj, i, t), t * dt_fraction, [0.5, 0.5], 7,
                   powers=pulse_powers(mtj, i))
    e = sim.electrical["update"]
    assert e.master == pytest.approx(hand, rel=1e-9)
    assert abs(e.mean - e.master) <= 5 * e.stderr + 1e-12 * hand
    assert e.stderr > 0


def test_rram_reset_pulse_is_v2_over_r_by_hand():
    """HfOx-like cell at -2.5 V for 20 ns from the LRS: V² [T_LRS/R_LRS + (t - T_LRS)/R_HRS]."""
    dev = RRAM(set_barrier=1.0 * EV, reset_barrier=1.1 * EV)
    v, t = -2.5, 2e-8
    k01 = 1e13 * math.exp(-(1.0 * EV + 0.3 * EV * 2.5) / KT300)
    k10 = 1e13 * math.exp(-(1.1 * EV - 0.3 * EV * 2.5) / KT300)
    t_lrs = _time_in_ap(k01, k10, t, 1.0)
    hand = v * v * (t_lrs / 1e4 + (t - t_lrs) / 1e5)
    cfg = _Cfg()
    cfg.attempt_frequency = 1e13
    p = ideal.pulse(dev.landscape(0.0), dev.landscape(v), t, "reset")
    sim = simulate(cfg, p, t, 1, 3, powers=pulse_powers(dev, v))
    assert sim.electrical["reset"].master == pytest.approx(hand, rel=1e-9)
    assert sim.electrical_total().master == pytest.approx(hand, rel=1e-9)


def test_time_in_levels_is_the_two_state_integral():
    k01, k10, t = 3e6, 1e6, 5e-7
    r = np.array([[-k01, k01], [k10, -k10]])
    got = time_in_levels(r, t)
    assert got[0, 1] == pytest.approx(_time_in_ap(k01, k10, t, 0.0), rel=1e-12)
    assert got[1, 1] == pytest.approx(_time_in_ap(k01, k10, t, 1.0), rel=1e-12)
    np.testing.assert_allclose(got.sum(axis=1), t, rtol=1e-12)


def test_bad_powers_are_refused():
    mtj = MTJ(thermal_stability=40.0)
    p = _mtj_pulse(mtj, 1e-6, 1e-8)
    h = np.zeros((4, 2))
    with pytest.raises(ParameterError, match="powers"):
        book(p, np.zeros((2, 2)), 1e-8, 300.0, 1e9, h, h, 10)
    with pytest.raises(ParameterError, match="powers"):
        book(p, -np.ones((3, 2)), 1e-8, 300.0, 1e9, h, h, 10)
    ramp = Protocol.ramp(mtj.landscape(0.0), mtj.landscape(1e-6), 1e-8, "update")
    with pytest.raises(ParameterError, match="constant"):
        book(ramp, np.ones((1, 2)), 1e-8, 300.0, 1e9, h[:2], h[:2], 10)

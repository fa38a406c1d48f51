"""FN-DAM: closed-form decay against direct ODE integration, the hold schedule's hop count and
bit relaxation against the engine, program-pulse update sizes (and their shrinking with age);
multi-level chains: drift and spread of the walk against the engine."""

import dataclasses
import itertools
import math

import numpy as np
import pytest
from scipy import integrate

from devices import MTJ, FowlerNordheimDAM, MultiLevel, preset
from simcore import MemoryArray, Protocol, solve_master


def fn_bit():
    """The preset floating gate as a bit: 1 mV (6242 electrons) per level, so that O(1)
    shot-noise hops happen within 100 s."""
    return dataclasses.replace(preset("fn_dam_synapse"), levels=2)


def _occupancy_from(level, proto, dev, m):
    """The master equation's occupancy (M,) at the end of ``proto`` (one constant segment) at
    300 K, every cell starting at ``level`` of ``m``."""
    start = np.zeros(m)
    start[level] = 1.0
    master = solve_master(proto, proto.duration, 300.0, dev.attempt_frequency, initial=start)
    return master.occupancy


def test_fn_decay_closed_form_against_solve_ivp():
    dev = preset("fn_dam_synapse")
    t_eval = np.concatenate([[0.0], np.logspace(-3, 7, 41)])
    sol = integrate.solve_ivp(
        dev.ode_rhs,
        (0.0, t_eval[-1]),
        [dev.initial_voltage],
        method="LSODA",
        t_eval=t_eval,
        rtol=1e-12,
        atol=1e-12,
    )
    assert sol.success
    np.testing.assert_allclose(sol.y[0], dev.voltage(t_eval), rtol=1e-8)
    # the effective barrier grows like kT ln(k1 t + k0), up to the slow -2 kT ln V term
    kt = 1.380649e-23 * 300.0
    b = dev.effective_barrier(t_eval) / kt
    per_hop = 1.602176634e-19 * dev.electrons_per_level**2  # C: one hop's charge, shot noise
    expected = np.log(dev.attempt_frequency * per_hop / dev.alpha)
    np.testing.assert_allclose(
        b, expected - 2 * np.log(dev.voltage(t_eval)) + dev.log_clock(t_eval)
    )
    assert np.all(np.diff(b) > 0)


def test_hops_are_the_integral_of_the_hop_rate():
    dev = preset("fn_dam_synapse")
    for a, b in ((0.0, 1.0), (10.0, 1e4), (1e4, 1e7)):
        quad = integrate.quad(
            dev.hop_rate,
            a,
            b,
            epsrel=1e-11,
            limit=200,
            points=None
            if b < 100
            else np.logspace(0, math.log10(b), 30)[np.logspace(0, math.log10(b), 30) > a],
        )[0]
        assert float(dev.hops(a, b)) == pytest.approx(quad, rel=1e-8)


def test_hold_schedule_relaxes_a_bit_exactly():
    """Symmetric bit under the log-clock barrier: p1(t) = (1 - exp(-2 hops(0, t)))/2."""
    dev = fn_bit()
    end = 100.0
    proto = dev.hold_protocol(0.0, end, segments=12)
    dt = end  # piecewise constant: the grid's knots make it exact for any dt
    master = solve_master(proto, dt, 300.0, dev.attempt_frequency, initial=0)
    closed = 0.5 * (1.0 - np.exp(-2.0 * dev.hops(0.0, master.times)))
    np.testing.assert_allclose(master.history[:, 1], closed, rtol=1e-9, atol=1e-14)
    assert master.activity == pytest.approx(float(dev.hops(0.0, end)), rel=1e-9)
    n = 20000
    arr = MemoryArray(n, 2, attempt_frequency=dev.attempt_frequency, seed=21)
    res = arr.run(proto, dt, initial=0)
    p = closed[-1]
    assert abs(res.occupancy[1] - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert res.work.mean == 0.0  # only barriers move while holding: no work


@pytest.mark.parametrize("age", [10.0, 1e4])
def test_program_pulse_moves_the_value_by_the_closed_form(age):
    dev = dataclasses.replace(preset("fn_dam_synapse"), level_spacing=0.05, levels=64)
    amplitude = 1.0
    width = 2.0 / float(dev.update_rate(age, amplitude))  # two levels
    e, s = dev.update_landscape(age, amplitude, +1)
    occupancy = _occupancy_from(32, Protocol.constant(e, s, width, "update"), dev, 64)
    moved = occupancy @ np.arange(64) - 32.0
    assert moved == pytest.approx(float(dev.update_size(age, amplitude, width)), rel=1e-9)


def test_same_pulse_makes_smaller_updates_as_the_device_ages():
    dev = preset("fn_dam_synapse")
    sizes = [float(dev.update_size(t, 0.5, 1e-3)) for t in (1.0, 1e2, 1e4, 1e6)]
    assert all(b < a for a, b in itertools.pairwise(sizes))
    proto = dev.protocol([(1.0, 1), (50.0, -1)], end=100.0, amplitude=0.5, width=1e-3)
    assert proto.duration == pytest.approx(100.0)  # pulses sit at absolute ages
    assert set(proto.tags) == {"hold", "update"}


@pytest.mark.parametrize("fraction", [0.0, 0.3])
def test_multilevel_walk_drift_and_spread(fraction):
    mtj = MTJ(thermal_stability=12.0, critical_current=50e-6)
    cell = MultiLevel(device=mtj, levels=64)
    assert cell.precision_bits == 6.0
    current = fraction * mtj.critical_current
    mean_rate, var_rate = cell.drift(current)
    duration = 6.0 / var_rate
    e, s = cell.landscape(current)
    proto = Protocol.constant(e, s, duration, "update")
    occupancy = _occupancy_from(24, proto, mtj, 64)
    x = np.arange(64)
    mean = occupancy @ x - 24
    var = occupancy @ x**2 - (occupancy @ x) ** 2
    assert mean == pytest.approx(mean_rate * duration, abs=1e-6)
    assert var == pytest.approx(var_rate * duration, rel=1e-6)
    n = 20000
    arr = MemoryArray(n, 64, attempt_frequency=mtj.attempt_frequency, seed=8)
    res = arr.run(proto, duration, initial=24)
    mc_mean = res.occupancy @ x - 24
    assert abs(mc_mean - mean) < 4 * math.sqrt(var / n)


def test_multilevel_of_two_levels_is_the_device():
    mtj = MTJ(thermal_stability=12.0)
    for current in (0.0, 20e-6):
        e2, s2 = MultiLevel(device=mtj, levels=2).landscape(current)
        e, s = mtj.landscape(current)
        np.testing.assert_allclose(e2, e, rtol=1e-12, atol=1e-30)
        np.testing.assert_allclose(s2, s, rtol=1e-12)


def test_fn_dam_bad_parameters():
    from simcore import ParameterError

    good = dict(alpha=1e-5, beta=180.0, capacitance=1e-12, initial_voltage=8.0, level_spacing=1e-3)
    for name, value in (("capacitance", -1e-12), ("beta", 0.0), ("level_spacing", 9.0)):
        with pytest.raises(ParameterError) as err:
            FowlerNordheimDAM(**{**good, name: value})
        assert err.value.name == name
    with pytest.raises(ParameterError):
        FowlerNordheimDAM(**good).voltage(-1.0)

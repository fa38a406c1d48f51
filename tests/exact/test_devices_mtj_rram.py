"""MTJ and RRAM closed forms against the engine: retention against Δ, switching probability
against pulse width and current (MemoryArray within 4 standard errors of a binomial
proportion; solve_master to round-off, since the protocols are piecewise constant)."""

import math

import numpy as np
import pytest

from devices import MTJ, RRAM, Pulse, preset
from simcore import MemoryArray, Protocol, kT, solve_master

N = 20000


def binomial_se(p, n=N):
    return math.sqrt(max(p * (1 - p), 1.0 / n) / n)


@pytest.mark.parametrize("delta", [2.0, 4.0, 6.0])
def test_retention_failure_against_memory_array_and_master(delta):
    mtj = MTJ(thermal_stability=delta)
    tau = mtj.mean_dwell_time()
    e, s = mtj.landscape(0.0)
    hold = Protocol.constant(e, s, 2.0 * tau, "hold")
    dt = tau / 5
    arr = MemoryArray(N, 2, attempt_frequency=mtj.attempt_frequency, seed=int(delta))
    res = arr.run(hold, dt, initial=0, record_history=True)
    master = solve_master(hold, dt, 300.0, mtj.attempt_frequency, initial=0)
    closed = mtj.retention_failure(res.times)
    np.testing.assert_allclose(master.history[:, 1], closed, rtol=1e-10, atol=1e-15)
    for p_mc, p in zip(res.history[:, 1], closed, strict=True):
        assert abs(p_mc - p) < 4 * binomial_se(p)


def test_retention_time_scales_as_exp_delta_and_is_exact_at_ten_years():
    base = MTJ(thermal_stability=40.0)
    ratio = MTJ(thermal_stability=41.0).retention_time(1e-3) / base.retention_time(1e-3)
    assert ratio == pytest.approx(math.e, rel=1e-12)
    ten_years = preset("stt_mram_10year")
    t = ten_years.retention_time(1e-4)
    e, s = ten_years.landscape(0.0)
    master = solve_master(Protocol.constant(e, s, t, "hold"), t, 300.0, 1e9, initial=0)
    assert master.occupancy[1] == pytest.approx(1e-4, rel=1e-9)
    assert t > 10 * 365.25 * 86400  # Δ = 60 keeps a bit 10 years at error 1e-4


@pytest.mark.parametrize("exponent", [2.0, 1.0])
@pytest.mark.parametrize("width_ns", [10.0, 60.0, 300.0])
def test_switching_probability_against_pulse_width(exponent, width_ns):
    mtj = MTJ(thermal_stability=20.0, critical_current=50e-6, exponent=exponent)
    current = 0.5 * mtj.critical_current if exponent == 2.0 else 0.75 * mtj.critical_current
    width = width_ns * 1e-9
    proto = mtj.pulses([Pulse(current, width, "update"), Pulse(0.0, 1e-9, "hold")])
    arr = MemoryArray(N, 2, attempt_frequency=mtj.attempt_frequency, seed=3)
    res = arr.run(proto, width, initial=0)
    p = float(mtj.switching_probability(current, width))
    hold_decay = float(mtj.retention_failure(1e-9))  # negligible at Δ = 20, kept for exactness
    assert abs(res.occupancy[1] - p) < 4 * binomial_se(p) + hold_decay
    assert set(res.by_tag) == {"update", "hold"}
    master = solve_master(proto, width, 300.0, mtj.attempt_frequency, initial=0)
    assert master.by_tag["update"].duration == pytest.approx(width)
    assert master.history[np.searchsorted(master.times, width), 1] == pytest.approx(p, rel=1e-10)


def test_write_error_rate_and_pulse_width_inverse_against_master():
    mtj = preset("stt_mram_pmtj_40nm")
    current = 0.7 * mtj.critical_current
    width = mtj.pulse_width_for(current, 1e-6)
    e, s = mtj.landscape(current)
    master = solve_master(Protocol.constant(e, s, width, "update"), width, 300.0, 1e9, initial=0)
    assert 1.0 - master.occupancy[1] == pytest.approx(1e-6, rel=1e-6)
    assert float(mtj.write_error_rate(current, width)) == pytest.approx(1e-6, rel=1e-9)
    # more current, shorter pulse for the same error
    assert mtj.pulse_width_for(0.8 * mtj.critical_current, 1e-6) < width


def test_rram_set_and_reset_pulses_against_memory_array():
    rram = preset("hfox_rram")
    v_set = rram.set_voltage_for(100e-9)
    assert rram.set_time(v_set) == pytest.approx(100e-9, rel=1e-12)
    for v, width, initial in ((v_set, 150e-9, 0), (-1.2 * v_set, 50e-9, 1)):
        proto = rram.pulses([Pulse(v, width, "update")])
        arr = MemoryArray(N, 2, attempt_frequency=rram.attempt_frequency, seed=17)
        res = arr.run(proto, width, initial=initial)
        p = float(rram.switching_probability(v, width, initial=initial))
        moved = res.occupancy[1 - initial]
        assert abs(moved - p) < 4 * binomial_se(p)
        assert 0.2 < p < 0.99


def test_rram_retention_is_long_at_zero_voltage():
    rram = preset("hfox_rram")
    hrs, lrs = rram.retention_time()
    kt = kT(300.0)
    assert hrs == pytest.approx(math.exp(rram.set_barrier / kt) / 1e13, rel=1e-12)
    assert min(hrs, lrs) > 3600.0


def test_rram_barrier_lowering_is_linear_in_voltage():
    rram = RRAM(set_barrier=1e-19, reset_barrier=1.2e-19, field_factor=0.25)
    b1, r1 = rram.barriers(0.5)
    b0, r0 = rram.barriers(0.0)
    assert b0 - b1 == pytest.approx(0.25 * 1.602176634e-19 * 0.5, rel=1e-12)
    assert r1 - r0 == pytest.approx(b0 - b1, rel=1e-12)

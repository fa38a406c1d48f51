"""Electrical energy of device write pulses against hand calculations and quadrature, and
the write control against the exact two-state failure it is solved from."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from devices import MTJ, RRAM, cell, preset, two_state_occupancy
from devices.parameters import two_state_occupancy_integral
from simcore.errors import ParameterError
from tests.conftest import T


def test_occupancy_integral_is_the_integral_of_the_occupancy():
    for k01, k10, t, p0 in ((3e6, 1e5, 2e-6, 0.0), (1e3, 4e4, 1e-4, 1.0), (5.0, 5.0, 0.3, 0.5)):
        num, _ = quad(lambda s, k01=k01, k10=k10, p0=p0: float(
            two_state_occupancy(k01, k10, s, p0)), 0.0, t, epsabs=0, epsrel=1e-12, limit=200)
        got = float(two_state_occupancy_integral(k01, k10, t, p0))
        assert got == pytest.approx(num, rel=1e-10)


def test_mtj_joule_energy_by_hand_when_nothing_switches():
    # Δ = 60 at 1 µA: the rates are ~1e-17 /s, so p1 stays at its start for 10 ns and the
    # energy is I² t (R_P p0 + R_AP p1) = 1e-12 A² · 1e-8 s · (0.5·5 kΩ + 0.5·11 kΩ) = 8e-17 J
    m = MTJ(thermal_stability=60.0, critical_current=50e-6, resistance_parallel=5e3, tmr=1.2)
    assert m.resistance_antiparallel == pytest.approx(11e3)
    assert m.write_energy(1e-6, 1e-8, 0.5, T) == pytest.approx(8e-17, rel=1e-12)
    assert m.write_energy(-1e-6, 1e-8, 0.0, T) == pytest.approx(5e-17, rel=1e-12)
    assert m.write_energy(0.0, 1e-8, 0.5, T) == 0.0


def test_mtj_energy_of_a_switching_pulse_matches_quadrature():
    m = preset("stochastic_mtj")
    i, t = 8e-6, 2e-8
    k01, k10 = m.rates(i, T)
    assert k01 * t > 1  # the pulse switches most cells: R changes during it

    def power(s):
        p1 = float(two_state_occupancy(k01, k10, s, 0.0))
        return i * i * (m.resistance_parallel * (1 - p1) + m.resistance_antiparallel * p1)

    num, _ = quad(power, 0.0, t, epsabs=0, epsrel=1e-12, limit=200)
    assert m.write_energy(i, t, 0.0, T) == pytest.approx(num, rel=1e-10)
    # bounded by the two resistances
    assert i * i * m.resistance_parallel * t < num < i * i * m.resistance_antiparallel * t


def test_rram_energy_by_hand_and_by_quadrature():
    r = RRAM(set_barrier=1.0 * 1.602176634e-19, reset_barrier=1.1 * 1.602176634e-19,
             resistance_high=1e5, resistance_low=1e4)
    # 0.1 V for 10 ns from the HRS: no switching, V² t / R_HRS = 0.01 · 1e-8 / 1e5 = 1e-15 J
    assert r.write_energy(0.1, 1e-8, 0.0, T) == pytest.approx(1e-15, rel=1e-9)
    assert r.write_energy(-0.1, 1e-8, 1.0, T) == pytest.approx(1e-14, rel=1e-9)
    v, t = 2.8, 1e-8
    k01, k10 = r.rates(v, T)

    def power(s):
        p1 = float(two_state_occupancy(k01, k10, s, 0.0))
        return v * v * ((1 - p1) / r.resistance_high + p1 / r.resistance_low)

    num, _ = quad(power, 0.0, t, epsabs=0, epsrel=1e-12, limit=200)
    assert k01 * t > 1
    assert r.write_energy(v, t, 0.0, T) == pytest.approx(num, rel=1e-10)


def test_devices_without_an_electrical_model_give_nan():
    assert math.isnan(cell.write_energy(preset("double_well_nanomagnet"), 0.0, 1e-8))


@pytest.mark.parametrize("name", ["stt_mram_10year", "stochastic_mtj", "hfox_rram"])
@pytest.mark.parametrize("error", [1e-1, 1e-3])
def test_write_control_gives_the_requested_failure(name, error):
    dev = preset(name)
    c = cell.write_control(dev, error, 1e-8, temperature=T)
    lo, hi = dev.control_range
    assert lo <= c <= 0.0 <= hi  # writing level 0 pushes the control negative
    assert cell.write_failure(dev, c, 1e-8, 0, T) == pytest.approx(error, rel=1e-9)
    c1 = cell.write_control(dev, error, 1e-8, target=1, temperature=T)
    assert c1 > 0
    assert cell.write_failure(dev, c1, 1e-8, 1, T) == pytest.approx(error, rel=1e-9)


def test_a_write_the_device_cannot_make_is_refused_naming_it():
    dw = preset("double_well_nanomagnet")  # 40 kT at 1 GHz: 10 ns is too short
    with pytest.raises(ParameterError, match="best pulse") as exc:
        cell.write_control(dw, 1e-3, 1e-8, temperature=T, name="double_well_nanomagnet")
    assert exc.value.name == "device"
    assert exc.value.value == "double_well_nanomagnet"
    c = cell.write_control(dw, 1e-2, 1e-6, temperature=T)
    assert cell.write_failure(dw, c, 1e-6, 0, T) == pytest.approx(1e-2, rel=1e-9)


def test_fn_dam_injection_energy_uses_tunnelling_energy():
    """Preset over [0, 1] s by hand: C (V0² - V1²), V1 = 180/ln(αβ/C + e^(β/V0)) V."""
    dev = preset("fn_dam_synapse")
    v1 = 180.0 / np.log(3e-5 * 180.0 / 1e-12 + np.exp(180.0 / 8.0))
    e = cell.fn_dam_injection_energy(dev, 0.0, 1.0)
    assert e == pytest.approx(1e-12 * (64.0 - v1 * v1), rel=1e-12)


@pytest.mark.parametrize("name", ["stt_mram_10year", "hfox_rram"])
def test_write_cost_heat_is_the_master_equation_heat_of_the_pulse(name):
    import simcore as sc
    from devices import ideal

    dev = preset(name)
    tw = 1e-8
    w = cell.write_cost(dev, 1e-3, tw, T)
    rest = dev.landscape(0.0, T)
    during = dev.landscape(w["control"], T)
    m = sc.solve_master(ideal.pulse(rest, during, tw), tw, T, dev.attempt_frequency,
                        "arrhenius", [0.5, 0.5])
    assert w["heat"] == pytest.approx(m.heat, rel=1e-9)
    assert 0.5 - m.occupancy[1] == pytest.approx(w["changed"], rel=1e-9)
    assert w["electrical"] == pytest.approx(dev.write_energy(w["control"], tw, 0.5, T))

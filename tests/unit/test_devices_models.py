"""Device parameter sets: units in metadata, frozen dataclasses, bad input, presets, tables,
TOML files, and control schedules -> Protocols."""

import dataclasses
import math

import numpy as np
import pytest

from devices import (
    MTJ,
    PRESETS,
    RRAM,
    DoubleWell,
    FowlerNordheimDAM,
    MultiLevel,
    Pulse,
    TabulatedBit,
    as_dict,
    device_from_dict,
    load_device,
    preset,
    units,
)
from simcore import EV, ParameterError, kT, pair_rates


def test_every_field_has_a_unit():
    for cls in (DoubleWell, MTJ, RRAM, FowlerNordheimDAM, TabulatedBit, MultiLevel):
        for f in dataclasses.fields(cls):
            assert "unit" in f.metadata, (cls.__name__, f.name)
    assert units(MTJ)["critical_current"] == "A"
    assert units(FowlerNordheimDAM)["capacitance"] == "F"


def test_models_are_frozen_and_keyword_only():
    mtj = MTJ(thermal_stability=40.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        mtj.thermal_stability = 1.0
    with pytest.raises(TypeError):
        MTJ(40.0)
    assert dataclasses.replace(mtj, thermal_stability=41.0).thermal_stability == 41.0


@pytest.mark.parametrize(
    "cls, kwargs, name",
    [
        (MTJ, {"thermal_stability": -1.0}, "thermal_stability"),
        (MTJ, {"thermal_stability": 40.0, "critical_current": 0.0}, "critical_current"),
        (MTJ, {"thermal_stability": 40.0, "exponent": 3.0}, "exponent"),
        (MTJ, {"thermal_stability": 40.0, "attempt_time": float("inf")}, "attempt_time"),
        (RRAM, {"set_barrier": -1e-19, "reset_barrier": 1e-19}, "set_barrier"),
        (
            RRAM,
            {"set_barrier": 1e-19, "reset_barrier": 1e-19, "field_factor": -0.1},
            "field_factor",
        ),
        (TabulatedBit, {"control": [0, 2, 1], "barrier_up": [1e-20] * 3}, "control"),
        (TabulatedBit, {"control": [0, 1], "barrier_up": [1e-20, -1e-20]}, "barrier_up"),
        (TabulatedBit, {"control": [0, 1, 2], "barrier_up": [1e-20, 2e-20]}, "barrier_up"),
        (
            TabulatedBit,
            {"control": [0, 1, 2], "barrier_up": [3e-20, 1e-20, 2e-20], "monotone": "decreasing"},
            "barrier_up",
        ),
    ],
)
def test_unphysical_parameters_raise_naming_them(cls, kwargs, name):
    with pytest.raises(ParameterError) as err:
        cls(**kwargs)
    assert err.value.name == name
    assert name in str(err.value)


def test_controls_beyond_the_model_raise():
    mtj = MTJ(thermal_stability=40.0, critical_current=50e-6)
    with pytest.raises(ParameterError) as err:
        mtj.landscape(60e-6)
    assert err.value.name == "current"
    rram = preset("hfox_rram")
    with pytest.raises(ParameterError) as err:
        rram.landscape(rram.voltage_range[1] * 1.01)
    assert err.value.name == "voltage"
    table = TabulatedBit(control=[0.0, 1.0], barrier_up=[2e-20, 1e-20])
    with pytest.raises(ParameterError) as err:
        table.landscape(1.5)
    assert err.value.name == "control"


def test_mtj_rates_and_landscape_agree_with_the_engine():
    mtj = MTJ(thermal_stability=30.0, critical_current=40e-6)
    kt = kT(300.0)
    for i in (-30e-6, 0.0, 25e-6, 40e-6):
        e, s = mtj.landscape(i)
        up, down = pair_rates(e, s, kt, mtj.attempt_frequency)
        k01, k10 = mtj.rates(i)
        assert up[0] == pytest.approx(float(k01), rel=1e-9)
        assert down[0] == pytest.approx(float(k10), rel=1e-9)
    # barrier lowering (1 - I/Ic0)^2: half the critical current leaves a quarter of the barrier
    b01, b10 = mtj.barriers(20e-6)
    assert float(b01) == pytest.approx(0.25 * mtj.energy_barrier)
    assert float(b10) == pytest.approx(2.25 * mtj.energy_barrier)


def test_schedule_and_pulses_build_tagged_protocols():
    mtj = MTJ(thermal_stability=40.0)
    p = mtj.schedule([0.0, 1e-9, 2e-9], [0.0, 30e-6, 0.0], ["update", "hold"])
    assert p.n_levels == 2 and p.tags == ("update", "hold")
    np.testing.assert_allclose(p.energies[1], mtj.landscape(30e-6)[0])
    q = mtj.pulses([Pulse(30e-6, 5e-9, "update"), Pulse(0.0, 1e-6, "hold")])
    assert q.duration == pytest.approx(5e-9 + 1e-6)
    assert set(q.tags) == {"update", "hold"}
    with pytest.raises(ParameterError):
        mtj.schedule([0.0, 1.0], [0.0], "update")


def test_table_from_rates_round_trips_and_interpolates_log_linearly():
    kt = kT(300.0)
    control = [0.0, 0.5, 1.0]
    rates = [1e2, 1e4, 1e8]
    t = TabulatedBit.from_rates(
        control=control,
        rate_up=rates,
        attempt_frequency=1e9,
        control_unit="V",
        monotone="decreasing",
    )
    for c, r in zip(control, rates, strict=True):
        assert t.rates(c)[0] == pytest.approx(r, rel=1e-12)
    assert t.rates(0.25)[0] == pytest.approx(1e3, rel=1e-12)  # geometric mean
    e, s = t.landscape(0.75)
    up, _ = pair_rates(e, s, kt, 1e9)
    assert up[0] == pytest.approx(1e6, rel=1e-12)
    with pytest.raises(ParameterError) as err:
        TabulatedBit.from_rates(control=control, rate_up=[1e2, 1e4, 1e10], attempt_frequency=1e9)
    assert err.value.name == "rate_up"


def test_presets_build_and_cite_sources():
    for name, fn in PRESETS.items():
        dev = fn()
        assert "doi:" in fn.__doc__, name
        assert as_dict(dev)
    assert preset("stt_mram_10year", thermal_stability=70.0).thermal_stability == 70.0
    with pytest.raises(ParameterError):
        preset("no_such_device")
    dw = preset("double_well_nanomagnet")
    assert dw.attempt_frequency == pytest.approx(1e9, rel=1e-12)


def test_devices_from_toml_files(tmp_path):
    f = tmp_path / "mtj.toml"
    f.write_text('model = "mtj"\nthermal_stability = 55.0\ncritical_current = 4e-5\nlevels = 8\n')
    dev = load_device(f)
    assert isinstance(dev, MultiLevel) and dev.n_levels == 8
    assert dev.device == MTJ(thermal_stability=55.0, critical_current=4e-5)
    g = tmp_path / "table.toml"
    g.write_text(
        'model = "table"\ncontrol_unit = "V"\ncontrol = [0.0, 1.0]\n'
        "rate_up = [1.0, 1e6]\nattempt_frequency = 1e9\ntemperature = 300.0\n"
    )
    table = load_device(g)
    assert table.rates(1.0)[0] == pytest.approx(1e6)
    h = tmp_path / "preset.toml"
    h.write_text('model = "preset"\nname = "hfox_rram"\nfield_factor = 0.2\n')
    assert load_device(h).field_factor == 0.2
    with pytest.raises(ParameterError) as err:
        device_from_dict({"model": "mtj", "thermal_stability": 40.0, "capacitance": 1.0})
    assert err.value.name == "parameters"
    with pytest.raises(ParameterError) as err:
        device_from_dict({"model": "sram"})
    assert err.value.name == "model"
    bad = tmp_path / "bad.toml"
    bad.write_text("model = \n")
    with pytest.raises(ParameterError):
        load_device(bad)


def test_rram_preset_is_in_electronvolts():
    rram = preset("hfox_rram")
    assert rram.set_barrier / EV == pytest.approx(1.0)
    assert math.isfinite(rram.voltage_range[1])

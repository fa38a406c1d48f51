"""The ``device`` config key and ``limsim devices``: an unknown device is exit 2 with the list
of names before any work starts, a broken device file names ``device``, and the listing shows
every preset with its parameters, units and sources."""

from __future__ import annotations

import dataclasses

import pytest

import devices
from experiments import config as cfgmod
from harness.cli import main
from harness.registry import EXPERIMENTS
from simcore.errors import ParameterError

BIT_EXPERIMENTS = ("update_wall", "retention", "consolidation_wall", "landauer_erasure",
                   "fluctuation_theorems")


@pytest.mark.parametrize("name", BIT_EXPERIMENTS)
def test_every_bit_experiment_has_the_device_key_defaulting_to_ideal(name):
    cfg = EXPERIMENTS[name].config()
    assert cfg.device == "ideal"
    assert cfgmod.validate(cfg.smoke()) is not None
    assert 'device = "ideal"' in cfgmod.to_toml(cfg)


@pytest.mark.parametrize("name", BIT_EXPERIMENTS)
def test_an_unknown_device_is_exit_2_with_the_names(name, tmp_path, capsys):
    out = tmp_path / "never"
    rc = main(["run", name, "--smoke", "--quiet", "--out", str(out),
               "--set", "device=stt_mram_11year"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "device='stt_mram_11year'" in err
    for preset in devices.PRESETS:
        assert preset in err
    assert not out.exists()


def test_a_broken_device_file_names_device(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('model = "mtj"\nthermal_stability = -3.0\n')
    cfg = EXPERIMENTS["update_wall"].config()
    with pytest.raises(ParameterError, match="thermal_stability") as exc:
        cfgmod.apply(cfg, {"device": str(p)})
    assert exc.value.name == "device"
    p.write_text("model = ")
    with pytest.raises(ParameterError, match="valid TOML") as exc:
        cfgmod.apply(cfg, {"device": str(p)})
    assert exc.value.name == "device"


def test_a_preset_file_with_overrides_is_accepted(tmp_path):
    p = tmp_path / "fast.toml"
    p.write_text('model = "preset"\nname = "stt_mram_10year"\nthermal_stability = 50.0\n')
    cfg = cfgmod.apply(EXPERIMENTS["update_wall"].config().smoke(), {"device": str(p)})
    assert cfg.device == str(p)
    assert dataclasses.replace(cfg, device="ideal").device == "ideal"


def test_limsim_devices_lists_presets_with_parameters_units_and_sources(capsys):
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    for name, make in devices.PRESETS.items():
        assert name in out
        dev = make()
        assert type(dev).__name__ in out
    for text in ("critical_current = 5e-05 A", "resistance_parallel = 5000 Ohm",
                 "set_barrier = 1.60218e-19 J", "doi:10.1038/nmat2804",
                 "doi:10.1109/TED.2011.2167513"):
        assert text in out

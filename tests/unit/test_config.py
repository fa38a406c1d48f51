"""Experiment configs: every field has a unit entry and a help line, defaults and smoke
variants validate, TOML round trip, range checks name the key."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from experiments import config as cfgmod
from harness.registry import EXPERIMENTS
from simcore.errors import ParameterError


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_defaults_and_smoke_validate_and_round_trip(name):
    exp = EXPERIMENTS[name]
    for cfg in (exp.config(), exp.config().smoke()):
        cfgmod.validate(cfg)
        back = cfgmod.apply(exp.config(), tomllib.loads(cfgmod.to_toml(cfg)))
        assert back == cfg
    for f in dataclasses.fields(exp.config):
        assert "unit" in f.metadata and f.metadata["help"], f.name
    assert "seed" in {f.name for f in dataclasses.fields(exp.config)}
    assert "temperature" in {f.name for f in dataclasses.fields(exp.config)}


def test_configs_are_frozen_and_keyword_only():
    cfg = EXPERIMENTS["landauer_erasure"].config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.n_cells = 3
    with pytest.raises(TypeError):
        EXPERIMENTS["landauer_erasure"].config(5)


@pytest.mark.parametrize(
    ("key", "value"),
    [("n_cells", "0"), ("n_cells", "1e99"), ("temperature", "-1"), ("temperature", "inf"),
     ("kinetics", "x"), ("seed", "-1"), ("durations", "[]"), ("durations", "a,b"),
     ("n_cells", "true")],
)
def test_out_of_range_names_the_key(key, value):
    cfg = EXPERIMENTS["landauer_erasure"].config()
    with pytest.raises(ParameterError) as info:
        cfgmod.apply(cfg, {key: value})
    assert info.value.name == key


def test_string_overrides_are_coerced():
    cfg = cfgmod.apply(EXPERIMENTS["landauer_erasure"].config(),
                       cfgmod.parse_sets(["n_cells=1e3", "durations=1e-8, 1e-7, 1e-6", "tilt=7"]))
    assert cfg.n_cells == 1000 and cfg.durations == (1e-8, 1e-7, 1e-6) and cfg.tilt == 7.0

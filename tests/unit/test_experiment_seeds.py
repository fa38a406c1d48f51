"""The five small experiments: ``run`` returns a frozen result dataclass that carries its named
streams, every stream's seed is replayed from the root and its spawn key alone, no two streams
of a run share a seed, and a sub-run replayed from its listed seed gives the same numbers."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest

from experiments import contract
from experiments.common import seeds_tree
from experiments.results import simulate
from simcore.seeds import Seeds, replay

ROOT = 2**40 + 7


def _module(name: str):
    return importlib.import_module(f"experiments.{name}")

#: Smoke configs with fewer cells (the streams a run uses do not depend on its cell count).
SMALL = {
    "landauer_erasure": {"n_cells": 2_000},
    "retention": {"n_cells": 1_000, "array_cells": 1_000, "array_sizes": (1, 10, 100)},
    "fluctuation_theorems": {"n_cells": 2_000},
    "update_wall": {"n_cells": 1_000},
    "consolidation_wall": {"n_cells": 1_000},
}


def _streams(name: str, cfg) -> list[str]:
    """The stream labels each experiment documents, in the order its run first uses them."""
    if name == "landauer_erasure":
        return [f"erase[{i}]" for i in range(len(cfg.durations))]
    if name == "retention":
        return [f"hold[{i}]" for i in range(len(cfg.barriers))] + ["array"]
    if name == "fluctuation_theorems":
        return ["forward", "reverse"]
    if name == "update_wall":
        return [f"{kind}[{j},{k}]" for j in range(len(cfg.write_times))
                for k in range(len(cfg.errors)) for kind in ("static_write", "lowered_write")]
    return [f"{kind}[{i}]" for i in range(len(cfg.retention_times)) for kind in ("copy", "raise")]


@pytest.fixture(scope="module")
def results():
    out = {}
    for name, small in SMALL.items():
        exp = _module(name).EXPERIMENT
        cfg = dataclasses.replace(exp.config().smoke(), seed=ROOT, **small)
        out[name] = (exp, cfg, exp.run(cfg, progress=False))
    return out


@pytest.mark.parametrize("name", sorted(SMALL))
def test_run_returns_a_frozen_result_dataclass(results, name):
    exp, cfg, result = results[name]
    assert exp.name == name and exp.run is _module(name).run
    assert dataclasses.is_dataclass(result) and not isinstance(result, type)
    assert type(result) is _module(name).Result
    assert isinstance(result, contract.Result)
    assert isinstance(result.seeds, Seeds) and result.seeds.root == ROOT
    assert result.config is cfg
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.seeds = Seeds(0)
    # the hooks read the dataclass
    assert all(c["passed"] in (True, False) for c in exp.checks(result))
    assert name in exp.report(result)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_listed_stream_replays_and_none_share_a_seed(results, name):
    _, cfg, result = results[name]
    table = result.seeds.table()
    assert [s.label for s in table] == _streams(name, cfg)
    for s in table:
        assert replay(ROOT, s.spawn_key) == s.seed, s.label
        assert s.seed != ROOT
    assert len({s.seed for s in table}) == len(table)
    assert len({s.spawn_key for s in table}) == len(table)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_the_file_lists_every_stream(results, name):
    exp, _, result = results[name]
    group = exp.data(result)["seeds"]
    expected = seeds_tree(result.seeds)
    assert group.keys() == expected.keys()
    table = result.seeds.table()
    assert int(group["root"].value) == ROOT
    assert list(group["label"].value) == [s.label for s in table]
    assert group["seed"].value.dtype == np.uint64
    for key, seed in zip(group["spawn_key"].value, group["seed"].value, strict=True):
        assert replay(ROOT, [int(k) for k in key.split()]) == int(seed)


def test_a_sub_run_replays_alone_from_its_listed_seed(results):
    """Rerun one duration of landauer_erasure from the seed in its table: same ledger."""
    _, cfg, result = results["landauer_erasure"]
    mod = _module("landauer_erasure")
    stream = result.seeds.table()[1]
    assert stream.label == "erase[1]"
    tau = cfg.durations[1]
    again = simulate(cfg, mod.protocol(cfg, tau), mod._dt(cfg, tau), [0.5, 0.5],
                     replay(ROOT, stream.spawn_key))
    done = result.erasures[1].sim.mc
    assert again.mc.heat.mean == done.heat.mean
    assert again.mc.work.mean == done.work.mean
    np.testing.assert_array_equal(again.mc.occupancy, done.occupancy)
    # a neighbouring stream gives other numbers (the seed matters)
    other = simulate(cfg, mod.protocol(cfg, tau), mod._dt(cfg, tau), [0.5, 0.5],
                     result.seeds.table()[0].seed)
    assert other.mc.heat.mean != done.heat.mean


def test_streams_differ_between_roots():
    a, b = Seeds(1), Seeds(2)
    assert a.seed("erase", 0) != b.seed("erase", 0)
    assert a.seed("erase", 0) != a.seed("erase", 1) != a.seed("hold", 0)

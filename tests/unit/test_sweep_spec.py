"""Sweep specs: expansion of grid, zip and random axes, point seeds, bad specs, memory guard.

None of these start Dask; the sweeps themselves are tested in tests/reproducibility/test_sweep.py.
"""

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.memory import MemoryRefused, check_points, plan_local_workers
from harness.sweep import SweepSpec, from_toml_text, load_spec, seed_of
from simcore.errors import ParameterError

TOML = """
experiment = "landauer_erasure"
seed = 2024

[base]
n_cells = 1000
initial = [0.5, 0.5]

[[axes]]
kind = "grid"
values.barrier = [10.0, 20.0, 40.0]
values.temperature = [300, 350]

[[axes]]
kind = "zip"
values.duration = [1e-9, 1e-8]
values.kinetics = ["arrhenius", "glauber"]

[[axes]]
kind = "random"
samples = 4
values.tilt = { low = 2.0, high = 12.0 }
values.f0 = { low = 1e8, high = 1e10, scale = "log" }
values.n_levels = { low = 2, high = 4, integer = true }
values.record = { choices = [true, false] }
"""


def spec_dict():
    return {
        "experiment": "toy",
        "seed": 1,
        "axes": [{"kind": "grid", "values": {"barrier": [10.0, 20.0]}}],
    }


def test_toml_spec_expands_to_the_cartesian_product_of_its_axes():
    spec = from_toml_text(TOML)
    assert spec.keys == (
        "barrier",
        "temperature",
        "duration",
        "kinetics",
        "tilt",
        "f0",
        "n_levels",
        "record",
    )
    assert spec.n_points == 3 * 2 * 2 * 4
    points = spec.points()
    assert len(points) == spec.n_points
    # the first axis varies slowest, the keys of a grid in the order written
    assert [(p["barrier"], p["temperature"]) for p in points[::8]] == [
        (10.0, 300),
        (10.0, 350),
        (20.0, 300),
        (20.0, 350),
        (40.0, 300),
        (40.0, 350),
    ]
    # zip walks its keys together
    assert {(p["duration"], p["kinetics"]) for p in points} == {
        (1e-9, "arrhenius"),
        (1e-8, "glauber"),
    }
    # the base is in every point, as TOML gave it
    assert all(p["n_cells"] == 1000 and p["initial"] == [0.5, 0.5] for p in points)
    # the random block repeats the same 4 samples under every grid/zip combination
    randoms = [tuple(p[k] for k in ("tilt", "f0", "n_levels", "record")) for p in points]
    assert randoms[:4] * 12 == randoms


def test_random_samples_are_reproducible_in_range_and_typed():
    a = from_toml_text(TOML).axis_values()
    b = from_toml_text(TOML).axis_values()
    assert a == b
    for p in a:
        assert 2.0 <= p["tilt"] < 12.0 and isinstance(p["tilt"], float)
        assert 1e8 <= p["f0"] < 1e10
        assert p["n_levels"] in (2, 3, 4) and type(p["n_levels"]) is int
        assert type(p["record"]) is bool
    other = from_toml_text(TOML.replace("seed = 2024", "seed = 2025")).axis_values()
    assert [p["tilt"] for p in other] != [p["tilt"] for p in a]


def test_random_samples_cover_their_distribution():
    spec = SweepSpec.from_dict(
        {
            "experiment": "toy",
            "seed": 3,
            "axes": [
                {
                    "kind": "random",
                    "samples": 4000,
                    "values": {
                        "u": {"low": 0.0, "high": 1.0},
                        "k": {"low": 1, "high": 3, "integer": True},
                        "g": {"low": 1.0, "high": 100.0, "scale": "log"},
                    },
                }
            ],
        }
    )
    values = spec.axis_values()
    u = np.array([p["u"] for p in values])
    k = np.array([p["k"] for p in values])
    g = np.array([p["g"] for p in values])
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / u.size)
    assert set(k) == {1, 2, 3} and all(abs(np.mean(k == j) - 1 / 3) < 0.03 for j in (1, 2, 3))
    assert abs(np.log10(g).mean() - 1.0) < 4 * 2 * math.sqrt(1 / 12 / g.size)
    assert np.corrcoef(u, np.log(g))[0, 1] ** 2 < 0.01  # the keys draw from separate numbers


def test_point_seeds_are_spawned_from_the_root_seed():
    spec = from_toml_text(TOML)
    spawned = np.random.SeedSequence(2024).spawn(spec.n_points)
    for i in (0, 1, 17, spec.n_points - 1):
        expected = int(spawned[i].generate_state(1, np.uint64)[0]) & (2**63 - 1)
        assert spec.seed_of(i) == seed_of(2024, i) == expected
    seeds = [spec.seed_of(i) for i in range(spec.n_points)]
    assert len(set(seeds)) == len(seeds) and all(0 <= s < 2**63 for s in seeds)


def test_dict_round_trip_and_fingerprint():
    spec = from_toml_text(TOML)
    again = SweepSpec.from_dict(copy.deepcopy(spec.to_dict()))
    assert again == spec and again.fingerprint == spec.fingerprint
    assert again.points() == spec.points()
    changed = dict(spec.to_dict(), seed=5)
    assert SweepSpec.from_dict(changed).fingerprint != spec.fingerprint


def test_int_and_float_values_may_mix_in_one_list():
    d = spec_dict()
    d["axes"][0]["values"]["barrier"] = [10, 12.5]
    assert [p["barrier"] for p in SweepSpec.from_dict(d).points()] == [10, 12.5]


def _with(path, value):
    """spec_dict() with ``value`` set at ``path`` (a tuple of keys and indices); a value of
    ``...`` deletes the entry."""
    d = spec_dict()
    target = d
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return d


BAD = [
    (_with(("axes", 0, "kind"), "spiral"), "axes[0].kind"),
    (_with(("axes", 0, "kind"), ...), "axes[0].kind"),
    (_with(("axes",), []), "axes"),
    (_with(("axes",), {"kind": "grid"}), "axes"),
    (_with(("axes",), ...), "axes"),
    (_with(("axes", 0), "barrier"), "axes[0]"),
    (_with(("axes", 0, "values"), {}), "axes[0].values"),
    (_with(("axes", 0, "values"), [10.0]), "axes[0].values"),
    (_with(("axes", 0, "values", "barrier"), []), "axes[0].values.barrier"),
    (_with(("axes", 0, "values", "barrier"), 10.0), "axes[0].values.barrier"),
    (_with(("axes", 0, "values", "barrier"), [10.0, "high"]), "axes[0].values.barrier"),
    (_with(("axes", 0, "values", "barrier"), [1.0, True]), "axes[0].values.barrier"),
    (_with(("axes", 0, "values", "barrier"), [1.0, float("nan")]), "axes[0].values.barrier"),
    (_with(("axes", 0, "values", "barrier"), [[1.0, 2.0]]), "axes[0].values.barrier"),
    (_with(("axes", 0, "values", "barrier"), [2**70]), "axes[0].values.barrier"),
    (_with(("axes", 0, "values", "bad key"), [1]), "axes[0].values.bad key"),
    (_with(("axes", 0, "samples"), 3), "axes[0].samples"),
    (_with(("seed",), "1"), "seed"),
    (_with(("seed",), -1), "seed"),
    (_with(("seed",), True), "seed"),
    (_with(("seed",), 2**63), "seed"),
    (_with(("seed",), ...), "seed"),
    (_with(("experiment",), ""), "experiment"),
    (_with(("experiment",), 3), "experiment"),
    (_with(("experiment",), ...), "experiment"),
    (_with(("base",), [1, 2]), "base"),
    (_with(("base",), {"n_cells": {"a": 1}}), "base.n_cells"),
    (_with(("base",), {"barrier": 1.0}), "axes[0].values.barrier"),
    (_with(("bogus",), 1), "bogus"),
    (_with(("base",), {"seed": 3}), "base.seed"),
    (_with(("axes", 0, "values", "seed"), [1, 2]), "axes[0].values.seed"),
]


def _zip(values):
    return _with(("axes",), [{"kind": "zip", "values": values}])


def _random(values, samples=4):
    return _with(("axes",), [{"kind": "random", "samples": samples, "values": values}])


BAD += [
    (_zip({"a": [1, 2], "b": [1, 2, 3]}), "axes[0].values.b"),
    (_random({"a": {"low": 1.0, "high": 2.0}}, samples=0), "axes[0].samples"),
    (_random({"a": {"low": 1.0, "high": 2.0}}, samples=2.0), "axes[0].samples"),
    (_random({"a": {"low": 1.0, "high": 2.0}}, samples=True), "axes[0].samples"),
    (_random({"a": [1.0, 2.0]}), "axes[0].values.a"),
    (_random({"a": {"low": 2.0, "high": 1.0}}), "axes[0].values.a.high"),
    (_random({"a": {"low": 1.0, "high": 1.0}}), "axes[0].values.a.high"),
    (_random({"a": {"low": "x", "high": 1.0}}), "axes[0].values.a.low"),
    (_random({"a": {"high": 1.0}}), "axes[0].values.a.low"),
    (_random({"a": {"low": 1.0, "high": float("inf")}}), "axes[0].values.a.high"),
    (_random({"a": {"low": 0.0, "high": 1.0, "scale": "log"}}), "axes[0].values.a.low"),
    (_random({"a": {"low": 1.0, "high": 2.0, "scale": "cubic"}}), "axes[0].values.a.scale"),
    (_random({"a": {"low": 1.0, "high": 2.0, "integer": True}}), "axes[0].values.a.low"),
    (_random({"a": {"low": 1, "high": 2, "integer": "yes"}}), "axes[0].values.a.integer"),
    (
        _random({"a": {"low": 1, "high": 9, "integer": True, "scale": "log"}}),
        "axes[0].values.a.scale",
    ),
    (_random({"a": {"low": 1.0, "high": 2.0, "step": 0.1}}), "axes[0].values.a.step"),
    (_random({"a": {"choices": []}}), "axes[0].values.a.choices"),
    (_random({"a": {"choices": [1, 2], "low": 1}}), "axes[0].values.a.low"),
    (
        _with(
            ("axes",),
            [{"kind": "grid", "values": {"a": [1]}}, {"kind": "zip", "values": {"a": [2]}}],
        ),
        "axes[1].values.a",
    ),
]


@pytest.mark.parametrize("table,field", BAD, ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD)])
def test_bad_spec_raises_parameter_error_naming_the_field(table, field):
    with pytest.raises(ParameterError) as info:
        SweepSpec.from_dict(table)
    assert info.value.name == field
    assert field in str(info.value)


def test_spec_that_is_not_a_table_and_invalid_toml():
    with pytest.raises(ParameterError) as info:
        SweepSpec.from_dict([1, 2])
    assert info.value.name == "spec"
    with pytest.raises(ParameterError):
        from_toml_text("experiment = ")


def test_load_spec_reads_toml_and_names_a_bad_file(tmp_path):
    good = tmp_path / "sweep.toml"
    good.write_text(TOML)
    assert load_spec(good) == from_toml_text(TOML)
    bad = tmp_path / "bad.toml"
    bad.write_text("experiment = \n")
    for path in (bad, tmp_path / "missing.toml", tmp_path):
        with pytest.raises(ParameterError) as info:
            load_spec(path)
        assert info.value.name == "file" and str(path) in str(info.value)


def test_too_many_points_are_refused():
    d = _with(("axes",), [{"kind": "grid", "values": {k: list(range(100)) for k in "abcde"}}])
    with pytest.raises(ParameterError) as info:
        SweepSpec.from_dict(d)
    assert info.value.name == "axes"


_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=4),
    st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=2), st.booleans()), max_size=3),
    st.dictionaries(
        st.text(max_size=6), st.one_of(st.integers(), st.floats(), st.text()), max_size=3
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    where=st.sampled_from(
        ["experiment", "seed", "base", "axes", "kind", "values", "samples", "value", "extra"]
    ),
    junk=_junk,
)
def test_malformed_specs_give_parameter_error_or_a_valid_spec(where, junk):
    d = {
        "experiment": "toy",
        "seed": 1,
        "base": {"n": 1},
        "axes": [{"kind": "random", "samples": 2, "values": {"a": {"low": 0.0, "high": 1.0}}}],
    }
    axis = d["axes"][0]
    if where in ("experiment", "seed", "base", "axes"):
        d[where] = junk
    elif where == "value":
        axis["values"]["a"] = junk
    elif where == "extra":
        axis["values"]["a"] = {"low": 0.0, "high": 1.0, "scale": junk}
    else:
        axis[where] = junk
    try:
        spec = SweepSpec.from_dict(d)
    except ParameterError as exc:
        assert exc.name and str(exc)
        return
    points = spec.points()
    assert len(points) == spec.n_points >= 1


def test_check_memory_refuses_with_estimate_and_limit():
    points = SweepSpec.from_dict(_with(("axes", 0, "values"), {"n_cells": [10, 10**9]})).points()
    estimate = lambda p: 16.0 * p["n_cells"]  # noqa: E731
    assert check_points(points, estimate, 1e12) == 16e9
    with pytest.raises(MemoryRefused) as info:
        check_points(points, estimate, 2 * 2**30, where="available on this machine")
    err = info.value
    assert isinstance(err, ParameterError) and err.index == 1
    assert err.estimate == 16e9 and err.limit == 2 * 2**30
    assert "14.9 GiB" in str(err) and "2.0 GiB available on this machine" in str(err)
    assert "n_cells=1000000000" in str(err)
    with pytest.raises(ParameterError) as info:
        check_points(points, lambda p: float("nan"), 1e12)
    assert info.value.name == "memory_estimate"


def test_local_workers_follow_cores_points_and_memory():
    gib = 2.0**30
    assert plan_local_workers(None, 100, 0.0, 8 * gib, cpus=4) == 4
    assert plan_local_workers(None, 3, 0.0, 8 * gib, cpus=4) == 3
    assert plan_local_workers(None, 100, 3 * gib, 8 * gib, cpus=4) == 2
    assert plan_local_workers(None, 100, 7 * gib, 8 * gib, cpus=4) == 1
    assert plan_local_workers(2, 100, 3 * gib, 8 * gib, cpus=4) == 2
    assert plan_local_workers(8, 1, 7 * gib, 8 * gib, cpus=4) == 1
    with pytest.raises(ParameterError) as info:
        plan_local_workers(3, 100, 3 * gib, 8 * gib, cpus=4)
    assert info.value.name == "workers" and "at most 2" in str(info.value)

"""The cost estimate is a hook of the experiment record (``Experiment.cost_estimate``): the
default reads the config's step keys; brain_scale (aggregated engine: cost set by the iterations
simulated, not by N) and two_state_validity (particle-steps of its Langevin runs) supply their
own; ``limsim run`` prints it and refuses a run above the limit unless ``--force``."""

from __future__ import annotations

import dataclasses
import math

import pytest

from experiments import contract
from experiments.brain_scale import ITERATION_CELL_STEPS, WINDOWED_POINT_CELL_STEPS
from harness import cost, runner
from harness.cli import main
from harness.registry import EXPERIMENTS, experiment


def _run(args, capsys):
    rc = main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_default_hook_reads_the_step_keys_and_says_nothing_without_them():
    exp = experiment("landauer_erasure")
    assert exp.cost_estimate is contract.config_cost
    cfg = runner.resolve_config(exp, smoke=True)
    assert exp.cost_estimate(cfg) == 20_000 * (400 + 400 + 500 + 1500)
    ret = experiment("retention")
    assert ret.cost_estimate(runner.resolve_config(ret, smoke=True)) is None
    assert cost.check_run(ret, runner.resolve_config(ret, smoke=True)) is None


def test_every_registered_experiment_has_a_working_hook():
    for name in EXPERIMENTS:
        exp = experiment(name)
        for cfg in (runner.resolve_config(exp, smoke=True), runner.resolve_config(exp)):
            c = exp.cost_estimate(cfg)
            assert c is None or c > 0, name


def test_brain_scale_counts_simulated_iterations_not_cells():
    exp = experiment("brain_scale")
    assert exp.cost_estimate is not contract.config_cost
    cfg = runner.resolve_config(exp, smoke=True)  # N = 100 stepped and windowed; 1e15 windowed
    n_small = cfg.iterations(100)
    windowed = cfg.windows * (cfg.window_length + cfg.burn_in)
    want = (n_small + 2 * windowed) * ITERATION_CELL_STEPS + 2 * WINDOWED_POINT_CELL_STEPS
    assert exp.cost_estimate(cfg) == pytest.approx(want)
    # N enters only through the iteration count: a larger N at a fixed count costs the same
    flat = dataclasses.replace(cfg, updates_exponent=0.0)
    bigger = dataclasses.replace(flat, sizes=(100, 10**12))
    assert exp.cost_estimate(bigger) == exp.cost_estimate(flat)


def test_two_state_validity_counts_particle_steps():
    exp = experiment("two_state_validity")
    cfg = runner.resolve_config(exp, smoke=True)
    # map point 1: E_B = 5 kT, 10 τ_low, steps of 0.02 τ_w: 10 * 5 / 1 / 0.02 = 2500 steps
    langevin = cfg.n_particles * 2500
    w = 10.0 * cfg.grid_points**2  # an oracle step: its eigendecomposition, O(nodes²)
    oracle = w * (2500 + cfg.steps_per_cycle * 6)
    # erasure: 3 x 400 oracle steps at each of 3 durations; its Langevin check at 1 τ_low in
    # steps of 0.02 τ_w(20 kT): 1 * 20 / 1 / 0.02 = 1000 steps, engine and oracle
    oracle += w * (3 * 400 * 3 + 1000)
    langevin += cfg.n_particles * 1000
    # underdamped erasures of 1, 3, 100 m/ζ at Q = 30: (d + 3) * 50 * 30 / 2π steps each
    langevin += cfg.n_particles * sum((d + 3) * 50 * 30 / (2 * math.pi) for d in (1, 3, 100))
    # the finite-speed raise 10 -> 40 kT in 0.1 τ_low: 0.1 * 40 / 1 / 0.02 = 200 steps, both
    langevin += cfg.n_particles * 200
    oracle += w * 200
    assert exp.cost_estimate(cfg) == pytest.approx(langevin + oracle)
    twice = dataclasses.replace(cfg, n_particles=2 * cfg.n_particles)
    assert exp.cost_estimate(twice) == pytest.approx(2 * langevin + oracle)


@pytest.mark.parametrize(("name", "sets"), [
    ("brain_scale", ["updates_exponent=0", "updates_top=10000000", "step_limit=10000000"]),
    ("two_state_validity", ["durations=[1000000.0]", "mc_points=[3]"]),
])
def test_a_run_too_costly_by_its_hook_is_refused_up_front(name, sets, tmp_path, capsys):
    args = ["run", name, "--out", str(tmp_path / "o")]
    for s in sets:
        args += ["--set", s]
    rc, out, err = _run(args, capsys)
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("limsim: error:"), err
    assert "cell-steps" in err and "--force" in err
    assert not (tmp_path / "o").exists()


def test_a_hook_returning_nonsense_is_a_type_error():
    exp = dataclasses.replace(experiment("landauer_erasure"), cost_estimate=lambda c: "lots")
    with pytest.raises(TypeError, match="cost_estimate"):
        cost.check_run(exp, runner.resolve_config(exp, smoke=True))
    with pytest.raises(TypeError, match="callable"):
        dataclasses.replace(exp, cost_estimate=3.0)

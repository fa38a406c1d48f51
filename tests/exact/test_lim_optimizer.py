"""The learning-in-memory optimiser of issue 7 (``experiments.lim_optimizer``), checked exactly.

Every write of the optimiser is, given the level it read, an open-loop protocol on one cell, so
the exact mean, variance and rigorous lower bound of each wall follow from the cell's master
equation (``WriteOracle``); the Monte Carlo ledger must agree within 4 standard deviations and never
fall below the bound by more than 4. The solutions must be real: the quadratic programme within
one level of its optimum, the small Ising instances at their brute-force ground state.
"""

import dataclasses
import math

import numpy as np
import pytest
from scipy.sparse.linalg import spsolve

from experiments import lim_optimizer as lim
from simcore import bounds
from simcore import lim as machines
from simcore.seeds import Seeds

N_SIGMA = 4.0
CFG = dataclasses.replace(lim.Config(), qp_iterations=60, record_per_cell=True)
ARCHS = machines.ARCHITECTURES


@pytest.fixture(scope="module")
def quadratic():
    return {a: lim.solve_quadratic(CFG, a, 24, 3, 1e-8, Seeds(5)) for a in ARCHS}


@pytest.fixture(scope="module")
def ising():
    return {a: lim.anneal_ising(CFG, a, 12, 1e-8, Seeds(9)) for a in ARCHS}


def _runs(quadratic, ising):
    return [*quadratic.values(), *ising.values()]


def test_quadratic_programme_reaches_one_level_of_its_optimum(quadratic):
    problem = lim.quadratic_instance(24, Seeds(5).rng("instance"))
    assert np.allclose(spsolve(problem.matrix.tocsc(), problem.b), problem.optimum)
    assert np.linalg.eigvalsh(problem.matrix.toarray()).min() >= 1.0 - 1e-12  # Gershgorin
    for run in quadratic.values():
        assert run.quality.residual_levels <= 1.0, run.architecture
        assert run.quality.rms_levels <= 1.0


def test_ising_machine_reaches_the_brute_force_ground_state(ising):
    for run in ising.values():
        assert run.quality.instance == "brute force"
        assert run.quality.gap <= 1e-12, run.architecture


def test_energy_by_wall_obeys_the_per_cell_first_law(quadratic, ising):
    """Every cell starts and ends in flat wells, so W - Q = ΔU = 0 per cell to round-off; the
    walls' works add up to the per-cell ledger's total."""
    for run in _runs(quadratic, ising):
        kT = run.kT
        assert run.first_law_cell <= 1e-9 * kT
        assert run.first_law_walls <= 1e-9 * kT * run.n
        for wall in lim.WALLS:
            v = run.walls[wall]
            assert abs(v.work - v.heat) <= 1e-9 * kT * run.n
        assert run.walls["hold"].work >= 0.0
    # no consolidation in place of the ideal memory; matched consolidates by raising only
    for arch, run in quadratic.items():
        if arch == "ideal":
            assert run.walls["consolidate"].work == 0.0


def test_simulated_energy_matches_exact_expectation_and_never_beats_the_bound(quadratic, ising):
    for run in _runs(quadratic, ising):
        floor = 1e-9 * run.kT * run.n
        for wall in (*lim.WALLS, "total"):
            v = run.total if wall == "total" else run.walls[wall]
            tol = N_SIGMA * v.sigma + floor
            assert abs(v.work - v.exact) <= tol, (run.architecture, wall)
            assert v.work >= v.bound - tol, (run.architecture, wall)


def test_tilt_write_cost_is_the_estimates_cost_per_changed_bit(ising):
    """Static and matched writes: the exact expectation per hop equals ``static_write_cost`` of
    the barrier within the estimate's stated error ``e^{-δ/kT} + ε f0 τ e^{-E/kT}`` on the
    failure probability (docs/theory.md section 5), so the whole ratio to
    ``energy_to_solution`` is the ratio of changed bits (for the static memory, whose cost per bit
    is one constant)."""
    cfg, tau = CFG, 1e-8
    f0, t, eps = cfg.attempt_frequency, cfg.temperature, cfg.error
    for arch in ("static", "matched"):
        run = ising[arch]
        e_top = run.barrier_long
        delta_top = bounds.static_write_tilt(e_top, tau, eps, f0, t)
        e_s = bounds.retention_barrier(cfg.consolidation_interval * tau, eps, f0, t)
        e_low = e_s if arch == "static" else machines.matched_barrier(
            1, "logarithmic", cfg.ising_scale, tau, eps, f0, t)
        d_low = bounds.static_write_tilt(e_low, tau, eps, f0, t)
        stated = math.exp(-d_low / run.kT) + eps * f0 * tau * math.exp(-e_low / run.kT)
        for wall in lim.WALLS:
            v = run.walls[wall]
            if v.hops == 0:
                continue
            # exact per write vs hops × δ(1 - ε): failures differ from ε by at most `stated`
            assert abs(v.exact - v.nominal) <= v.hops * delta_top * (stated + 1e-12)
        if arch == "static":
            up = run.walls["update"]
            ratio = up.work / up.estimate
            act = run.activity_ratio
            tol = act * (N_SIGMA * up.sigma / up.nominal + stated)
            assert abs(ratio - act) <= tol


def test_ideal_bit_write_approaches_landauer_plus_geodesic_excess():
    """Ideal bit writes of a slow optimiser: exact cost per write within the stated corrections
    of ``landauer_erasure(1-ε) + geodesic_erasure_excess``: start from a definite wrong state
    (the first tilt piece is paid in full), ``substeps`` pieces (excess O(1/substeps)) and the
    arrhenius pair rate at zero barrier between f0 and 2 f0. At f0 τ = 1000 the excess term is
    ≤ 0.003 kT; the piecewise tilt costs at most ``Σ Δs·Δp`` ≤ ``s_max/substeps``·1."""
    run = lim.anneal_ising(CFG, "ideal", 12, 1e-6, Seeds(9))
    v = run.walls["update"]
    kT, writes = run.kT, v.writes
    per_write = bounds.landauer_erasure(1 - CFG.error, CFG.temperature) + \
        bounds.geodesic_erasure_excess(CFG.error, 1e-6, CFG.attempt_frequency, CFG.temperature)
    assert machines.ideal_write_cost(CFG.error, 1e-6, CFG.attempt_frequency,
                                     CFG.temperature) == pytest.approx(per_write, rel=1e-15)
    s_max = math.log((1 - CFG.error) / CFG.error)
    exact = v.exact / writes / kT
    assert per_write / kT <= exact <= per_write / kT + s_max / CFG.substeps + 0.01
    assert abs(v.work - v.exact) <= N_SIGMA * v.sigma


def test_same_seed_gives_the_same_run():
    a = lim.solve_quadratic(CFG, "matched", 16, 2, 1e-8, Seeds(3))
    b = lim.solve_quadratic(CFG, "matched", 16, 2, 1e-8, Seeds(3))
    c = lim.solve_quadratic(CFG, "matched", 16, 2, 1e-8, Seeds(4))
    for wall in lim.WALLS:
        assert a.walls[wall].work == b.walls[wall].work
    assert a.quality == b.quality
    assert np.array_equal(a.activity, b.activity)
    assert not np.array_equal(a.activity, c.activity)


def test_experiment_interface_smoke():
    cfg = dataclasses.replace(
        lim.Config().smoke(), qp_sizes=(10,), qp_bits_scan=(2,), update_times=(1e-8,),
        qp_size=10, qp_bits=2, ising_sizes=(8,), ising_size=8, qp_iterations=40)
    result = lim.run(cfg)
    checks = lim.checks(result)
    assert checks and all(c["passed"] for c in checks), [c for c in checks if not c["passed"]]
    text = lim.report(result)
    assert "sim/est" in text and lim.NAME in text
    assert lim.EXPERIMENT.run is lim.run and lim.EXPERIMENT.size_keys == lim.SIZE_KEYS
    assert isinstance(result, lim.Result) and result.seeds.root == cfg.seed


def test_every_stream_is_named_and_listed():
    """The run's streams come from the root seed by named spawn keys, one table, all distinct;
    the result file lists them; a stream replays alone from its listed key."""
    from simcore.seeds import replay

    cfg = dataclasses.replace(
        lim.Config().smoke(), qp_sizes=(10,), qp_bits_scan=(2,), update_times=(1e-8,),
        qp_size=10, qp_bits=2, ising_sizes=(8,), ising_size=8, qp_iterations=5,
        ising_iterations=5, architectures=("static",))
    result = lim.run(cfg)
    table = result.seeds.table()
    labels = {t.label for t in table}
    # brute-force Ising: the independent restarts of the annealer have streams of their own
    assert labels == {f"{p}/{s}" for p in ("quadratic[10,2]", "ising[8,1]")
                      for s in ("instance", "cells", "long_term_cells")} | {
        "quadratic[10,2]/rounding", "ising[8,1]/moves"} | {
        f"ising[8,1]/restarts/{s}" for s in ("cells", "long_term_cells", "moves")}
    assert len({t.seed for t in table}) == len(table)
    assert all(replay(cfg.seed, t.spawn_key) == t.seed for t in table)
    tree = lim.data(result)["seeds"]
    assert list(tree["label"].value) == [t.label for t in table]


@pytest.mark.slow
def test_smoke_config_passes_its_checks():
    result = lim.run(lim.Config().smoke())
    assert all(c["passed"] for c in lim.checks(result))

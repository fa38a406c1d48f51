"""The annealer experiment's exact references: planted ground states against brute force, the
Boltzmann oracle against a closed form, and the machine's consolidation ledger."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from experiments.lim_annealer import (
    Config,
    brute_force,
    equilibrium_energy,
    planted,
    spectrum,
    spin_glass,
    write_through,
)
from experiments.lim_annealer.annealer import anneal
from simcore.errors import ParameterError
from simcore.lim import IsingMachine, LinearBeta
from simcore.seeds import Seeds


@pytest.mark.parametrize("seed", range(8))
def test_planted_state_is_a_ground_state(seed):
    """Brute force over all 2^15 states of a 4 x 4 frustrated-loop instance finds exactly the
    planted energy ``-Σ(L - 2)``, and the planted ξ has it (the test fails if a loop were not
    frustrated, or the gauge were applied to one end of a bond only)."""
    p = planted(4, np.random.default_rng(1000 + seed), density=1.0)
    e0, s0 = brute_force(p.couplings)
    assert e0 == p.ground_energy
    assert p.energy(p.ground_state)[0] == p.ground_energy
    assert p.energy(s0)[0] == e0
    assert np.all(p.loops >= 4)


def test_large_planted_instance_is_consistent():
    p = planted(32, np.random.default_rng(5))
    m = IsingMachine(p.couplings, replicas=1, seed=1)
    assert m.energies(p.ground_state)[0] == p.ground_energy == -float(np.sum(p.loops - 2))
    assert np.all(p.couplings.data == np.round(p.couplings.data))
    # no restart of a long anneal goes below the planted energy
    res = IsingMachine(p.couplings, replicas=8, seed=2).anneal(LinearBeta(0.1, 4.0), 200)
    assert np.all(res.energy[-1] >= p.ground_energy)


def test_brute_force_agrees_with_spectrum():
    g = spin_glass(12, np.random.default_rng(3), density=0.7)
    assert g.ground_energy == spectrum(g.couplings).min()
    assert g.energy(g.ground_state)[0] == g.ground_energy


@pytest.mark.parametrize("beta", [0.1, 0.7, 2.0])
def test_equilibrium_oracle_matches_ring_transfer_matrix(beta):
    """``<H> = -∂ ln Z/∂β`` with ``Z = (2 cosh β)^N + (2 sinh β)^N`` for a ring of N = 10."""
    n = 10
    i = np.arange(n)
    j = sp.coo_matrix((np.ones(n), (i, (i + 1) % n)), shape=(n, n))
    j = (j + j.T).tocsr()
    c, s = 2 * np.cosh(beta), 2 * np.sinh(beta)
    exact = -n * (c ** (n - 1) * s + s ** (n - 1) * c) / (c**n + s**n)
    mean, std = equilibrium_energy(j, beta)
    assert mean == pytest.approx(exact, rel=1e-12)
    assert std > 0


def test_consolidation_closes_the_ledger():
    """After ``consolidate`` the cells are untilted (``U = 0``), the spins unchanged, and over
    the machine's life ``ΣW = ΣQ`` per restart."""
    g = spin_glass(14, np.random.default_rng(4))
    m = IsingMachine(g.couplings, replicas=6, seed=9)
    res = m.anneal(LinearBeta(0.1, 3.0), 30)
    spins = m.spins.copy()
    u_end = m.cell_energy()
    assert np.any(u_end != 0)
    tot = m.consolidate()
    assert np.all(m.cell_energy() == 0) and np.all(m.spins == spins)
    assert tot.work == pytest.approx(-u_end.sum(), rel=1e-12)
    assert tot.heat == 0 and tot.changes == 0
    scale = np.abs(res.work).sum() + np.abs(res.heat).sum()
    per = res.work.sum(axis=0) - u_end - res.heat.sum(axis=0)
    assert np.max(np.abs(per)) <= 1e-12 * scale
    led = m.ledger
    assert led["consolidate"].work == pytest.approx(tot.work)
    with pytest.raises(ParameterError, match="tag"):
        m.consolidate(tag="")


def test_experiment_points_and_baseline():
    cfg = dataclasses.replace(Config().smoke(), restarts=32, baseline_restarts=2)
    p = planted(8, np.random.default_rng(2))
    pt = anneal(cfg, "speed", p, "linear", 40, 0.0, 17)
    assert pt.energy.shape == (32,) and np.all(pt.residual >= 0)
    assert pt.state_energy == pt.ground_energy
    assert abs(pt.total - pt.heat) <= 1e-9 * (abs(pt.work) + abs(pt.heat))  # ΔU = 0
    b = write_through(cfg, "matched", p, "linear", 10, 0, Seeds(1).child("baseline", 0))
    assert b.energy.shape == (2,) and np.all(b.energy >= p.ground_energy)
    assert b.walls["update"] > 0 and b.hops > 0


def test_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ParameterError, match="side"):
        planted(3, rng)
    with pytest.raises(ParameterError, match="density"):
        planted(8, rng, density=0.0)
    with pytest.raises(ParameterError, match="n"):
        spin_glass(25, rng)
    with pytest.raises(ParameterError, match="couplings"):
        spectrum(sp.csr_matrix((21, 21)))
    with pytest.raises(ParameterError, match="restarts"):
        dataclasses.replace(Config(), restarts=8).check()
    with pytest.raises(ParameterError, match="beta_min"):
        dataclasses.replace(Config(), beta_min=5.0).check()


def test_hold_flips_each_cell_with_the_master_equation_probability():
    """``IsingMachine.hold``: each untilted cell ends in the other well with the two-state
    master equation's probability (``scipy.linalg.expm`` of the generator, written here), the
    cells independent; the hold does no work and releases no heat; tilts must be off first."""
    import scipy.linalg
    import scipy.stats

    from tests.conftest import F0, KT

    g = spin_glass(16, np.random.default_rng(8))
    m = IsingMachine(g.couplings, replicas=2000, seed=31, attempt_frequency=F0)
    m.anneal(LinearBeta(0.1, 2.0), 5)
    with pytest.raises(ParameterError, match="tilt"):
        m.hold(1.0, 30 * KT)
    m.consolidate()
    spins = m.spins.copy()
    barrier, t = 20 * KT, 2e-1
    k = F0 * np.exp(-barrier / KT)
    exact = scipy.linalg.expm(np.array([[-k, k], [k, -k]]) * t)[0, 1]
    assert m.flip_probability(t, barrier) == pytest.approx(exact, rel=1e-12)
    errors = m.hold(t, barrier)
    flipped = m.spins != spins
    assert np.array_equal(errors, flipped.sum(axis=1))
    n = flipped.size
    z = scipy.stats.norm.isf(1e-4 / 2)
    assert abs(flipped.sum() - n * exact) <= z * np.sqrt(n * exact * (1 - exact))
    # independence across cells: the per-restart counts are binomial (chi-square, 1e-4)
    counts = np.bincount(errors, minlength=17)[:17]
    expected = 2000 * scipy.stats.binom.pmf(np.arange(17), 16, exact)
    keep = expected >= 5
    obs = np.append(counts[keep], counts[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    assert scipy.stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > 1e-4
    led = m.ledger["hold"]
    assert led.work == 0 and led.heat == 0 and led.changes == errors.sum()
    assert np.all(m.cell_energy() == 0)
    with pytest.raises(ParameterError, match="duration"):
        m.hold(0.0, barrier)
    with pytest.raises(ParameterError, match="barrier"):
        m.hold(1.0, -1.0)


def test_point_books_the_hold_and_the_controller_apart():
    """The experiment's point: E_L from ``retention_barrier``, the modulation work of the
    quartic wells >= 0 and rising with the hold barrier, the controller's MACs sweeps·nnz(J)
    at Horowitz's energies, none of them in the two-state total."""
    from simcore.bounds import retention_barrier
    from simcore.references import CONTROLLER_OPERATIONS
    from tests.conftest import KT

    cfg = dataclasses.replace(Config().smoke(), restarts=32)
    p = planted(8, np.random.default_rng(2))
    pt = anneal(cfg, "speed", p, "linear", 20, 0.0, 17)
    e_l = retention_barrier(cfg.retention, cfg.error, cfg.attempt_frequency, cfg.temperature,
                            n_cells=p.n)
    assert pt.hold_barrier == pytest.approx(e_l / KT, rel=1e-12)
    assert pt.hold == 0.0 and pt.hold_errors.shape == (len(cfg.hold_margins), 32)
    assert np.all(np.diff(pt.modulation[np.argsort(cfg.hold_margins)]) < 0)
    assert np.all(pt.modulation_sudden >= pt.modulation) and np.all(pt.modulation > 0)
    assert pt.macs == 20 * p.couplings.nnz
    per = 2 * CONTROLLER_OPERATIONS["sram-8kb-32bit-read"]
    per += CONTROLLER_OPERATIONS["fp32-multiply-accumulate"]
    assert pt.controller == pytest.approx(pt.macs * per, rel=1e-12)
    assert pt.total == pt.work + pt.consolidate
    with pytest.raises(ParameterError, match="hold_margins"):
        dataclasses.replace(Config(), hold_margins=(2.0, 4.0)).check()

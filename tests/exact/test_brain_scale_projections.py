"""brain_scale's projections (issue 19): the headline and its sensitivity are the estimate's,
the claims' verdicts follow their stated criteria, out-of-range configs are refused before any
work, and the measured machine's energy per update is its ledger's."""

import dataclasses
import math

import numpy as np
import pytest

import experiments.brain_scale as bs
import simcore as sc
from experiments.brain_scale import projections as pr
from experiments.config import validate
from simcore import lim
from simcore.seeds import Seeds


def test_headline_is_energy_to_solution_and_claims_follow_their_criteria():
    cfg = bs.Config()
    base = pr.evaluate(cfg)
    est = lim.energy_to_solution("matched", 1e28, 1e15, "inverse", 8, scale=1e12,
                                 update_time=cfg.update_time, error=cfg.error)
    assert base.matched == est.total and base.landauer == est.landauer
    assert base.gaps["h100"] == pytest.approx(math.log10(1e28 * 700 / 989e12 / est.total))
    assert base.claims == (1e8 <= est.total <= 1e9,
                           abs(math.log10(est.total / est.landauer)) <= 0.5,
                           6 <= base.gaps["h100"] <= 7)
    # one FLOP per update puts the H100 7.3 orders above the matched figure: claim 3 fails
    assert base.claims == (True, True, False)
    # a variation changes only its own assumption
    ten = pr.evaluate(cfg, "ops", 10.0, architectures=("matched",))
    again = lim.energy_to_solution("matched", 1e29, 1e15, "inverse", 8, scale=1e13,
                                   update_time=cfg.update_time, error=cfg.error)
    assert ten.matched == again.total
    fl = pr.evaluate(cfg, "flops_per_update", 0.1, architectures=("matched",))
    assert fl.matched == base.matched and fl.gaps["h100"] == pytest.approx(base.gaps["h100"] - 1)


def test_verdicts_list_every_variation_once_per_claim():
    sens = pr.sensitivity(bs.Config())
    evaluated = sum(c is not None for r in sens.rows for c in r[3:])
    assert evaluated + len(sens.refused) == 2 * len(pr.VARIATIONS)
    for i, (_key, _text, holds, gives, breaks) in enumerate(pr.verdicts(sens)):
        assert holds == sens.base.claims[i]
        assert len(gives) + len(breaks) == evaluated
        assert not set(gives) & set(breaks)


@pytest.mark.parametrize(("kw", "name"), [({"update_time": 1e-9}, "update_time"),
                                          ({"bits": 16, "error": 2.0**-16}, "update_time")])
def test_out_of_range_configs_are_refused_before_any_work(kw, name):
    with pytest.raises(sc.ParameterError, match=name):
        validate(dataclasses.replace(bs.Config(), **kw))


def test_measured_energy_per_update_is_the_ledgers_heat():
    cfg = dataclasses.replace(bs.Config(), ising_sizes=(16, 32), ising_replicas=4,
                              ising_sweeps=10)
    a = pr.measure_ising(cfg, Seeds(123))
    b = pr.measure_ising(cfg, Seeds(123))
    np.testing.assert_array_equal(a.energy, b.energy)
    # the same machine rebuilt by hand: heat of its ledger over replicas × spins × sweeps
    seeds = Seeds(123)
    n = 32
    j = np.where(seeds.rng("ising", 1).random(n) < 0.5, -1.0, 1.0)
    import scipy.sparse

    r, c = np.arange(n), (np.arange(n) + 1) % n
    mat = scipy.sparse.coo_matrix((np.r_[j, j], (np.r_[r, c], np.r_[c, r])), shape=(n, n))
    m = lim.IsingMachine(mat.tocsr(), replicas=4, seed=seeds.seed("ising_machine", 1))
    m.anneal(lim.LinearBeta(0.1, 3.0), 10)
    assert a.energy[1] == pytest.approx(m.ledger["update"].heat / (4 * n * 10), rel=1e-12)
    assert a.line.energy == pytest.approx(a.energy[-1] * pr.headline_ops(cfg))
    assert a.line.sigma >= a.sigma[-1] * pr.headline_ops(cfg)


def test_modulation_table_keeps_the_free_numbers():
    cfg = bs.Config()
    mod = pr.modulation(cfg)
    base = pr.evaluate(cfg)
    assert mod["free"]["matched"] == base.matched and mod["free"]["ideal"] == base.ideal
    assert mod["quasi_static"]["matched"] > base.matched
    assert mod["sudden"]["ideal"] > mod["quasi_static"]["ideal"] == base.ideal

"""``simcore.master``'s one propagation: ``transition_matrices``, ``propagate`` (batches) and the
closed-form bit twin ``propagate_bit``, against ``solve_master``, SciPy's ``expm`` where it is
accurate, and each other."""

import numpy as np
import pytest
from scipy.linalg import expm

import simcore as sc
from simcore.master import propagate, propagate_bit, transition_matrices

T = 300.0
KT = sc.kT(T)
F0 = 1e9


def _three_level(rng, steps):
    e = rng.uniform(-3, 3, (steps + 1, 3)) * KT
    s = np.max(np.stack([e[:, :-1], e[:, 1:]]), axis=0) + rng.uniform(0, 4, (steps + 1, 2)) * KT
    return e, s


def test_transition_matrices_are_the_exponential_of_the_generator():
    """Moderate rates (Λ dt <= 20), where ``expm`` is accurate: the same matrices to 1e-12, rows
    summing to 1."""
    rng = np.random.default_rng(2)
    e, s = _three_level(rng, 6)
    dts = rng.uniform(0.1, 20, 6) / F0
    probs = transition_matrices(e[1:], s[1:], dts, T, F0)
    for k in range(6):
        ref = expm(sc.generator(e[k + 1], s[k + 1], KT, F0) * dts[k])
        np.testing.assert_allclose(probs[k], ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(probs.sum(axis=2), 1.0, rtol=0, atol=1e-14)


def test_solve_master_is_propagate_of_the_protocol():
    rng = np.random.default_rng(3)
    e, s = _three_level(rng, 40)
    times = np.linspace(0, 40 / F0, 41)
    proto = sc.Protocol(times, e, s, ["a"] * 40)
    exact = sc.solve_master(proto, 1 / F0, T, F0, initial=0)
    grid = proto.grid(1 / F0)
    ee, ss = grid.landscapes(0, grid.n_steps)
    out = propagate([1.0, 0.0, 0.0], ee, ss, grid.durations, T, F0)
    np.testing.assert_array_equal(out.history, exact.history)
    np.testing.assert_array_equal(out.work_per_step, exact.work_per_step)
    assert out.work == exact.work and out.heat == exact.heat


def test_a_batch_propagates_like_its_rows():
    rng = np.random.default_rng(4)
    e, s = _three_level(rng, 12)
    dts = np.full(12, 2.0 / F0)
    batch = propagate(np.eye(3), e, s, dts, T, F0)
    assert batch.history.shape == (13, 3, 3) and batch.work.shape == (3,)
    for i in range(3):
        row = propagate(np.eye(3)[i], e, s, dts, T, F0)
        np.testing.assert_allclose(batch.history[:, i], row.history, rtol=1e-15, atol=1e-300)
        assert batch.work[i] == pytest.approx(row.work, rel=1e-14, abs=1e-14 * KT)
        assert batch.heat[i] == pytest.approx(row.heat, rel=1e-14, abs=1e-14 * KT)


@pytest.mark.parametrize("kinetics", ["arrhenius", "glauber"])
def test_bit_twin_agrees_with_the_tables(kinetics):
    rng = np.random.default_rng(5)
    tilt = rng.uniform(-6, 6, 201) * KT
    e = np.stack([-0.5 * tilt, 0.5 * tilt], axis=1)
    s = np.full((201, 1), 3 * KT)
    dts = rng.uniform(0, 5, 200) / F0
    a = propagate([0.3, 0.7], e, s, dts, T, F0, kinetics)
    b = propagate_bit([0.3, 0.7], e, s, dts, T, F0, kinetics)
    np.testing.assert_allclose(b.history, a.history, rtol=0, atol=1e-13)
    assert b.work == pytest.approx(a.work, rel=1e-12, abs=1e-13 * KT)
    assert b.heat == pytest.approx(a.heat, rel=1e-12, abs=1e-13 * KT)


def test_bad_input_names_the_parameter():
    e = np.zeros((3, 2))
    s = np.zeros((3, 1))
    with pytest.raises(sc.ParameterError, match="initial"):
        propagate([0.5, 0.6], e, s, [1e-9, 1e-9], T, F0)
    with pytest.raises(sc.ParameterError, match="saddles"):
        propagate([1.0, 0.0], e, np.zeros((3, 2)), [1e-9, 1e-9], T, F0)
    with pytest.raises(sc.ParameterError, match="durations"):
        transition_matrices(e, s, [1e-9, -1e-9, 0.0], T, F0)
    with pytest.raises(sc.ParameterError, match="energies"):
        propagate_bit([1.0, 0.0, 0.0], np.zeros((3, 3)), np.zeros((3, 2)), [1e-9, 1e-9], T, F0)

"""Variability: reproducible from the seed (same seed -> identical arrays, different seed ->
different, cell i independent of N), correct moments, and flowing into the engine per cell."""

import math

import numpy as np
import pytest

from devices import MTJ, Variability, run_with_spread
from devices.parameters import two_state_occupancy
from simcore import MemoryArray, ParameterError, Protocol, kT


@pytest.mark.parametrize("dist", ["normal", "lognormal"])
def test_same_seed_same_arrays_different_seed_different(dist):
    v = Variability(barrier_spread=0.1, barrier_distribution=dist, frequency_spread=0.5)
    a, b, c = v.sample(1000, seed=1), v.sample(1000, seed=1), v.sample(1000, seed=2)
    np.testing.assert_array_equal(a.barrier_scale, b.barrier_scale)
    np.testing.assert_array_equal(a.frequency_scale, b.frequency_scale)
    assert not np.any(a.barrier_scale == c.barrier_scale)
    assert not np.any(a.frequency_scale == c.frequency_scale)
    # counter-based: a cell's value does not depend on how many cells are drawn
    np.testing.assert_array_equal(v.sample(10, seed=1).barrier_scale, a.barrier_scale[:10])


@pytest.mark.parametrize("dist", ["normal", "lognormal"])
def test_spread_has_mean_one_and_the_requested_relative_sd(dist):
    n, sigma = 200_000, 0.2
    x = Variability(barrier_spread=sigma, barrier_distribution=dist).sample(n, seed=9).barrier_scale
    assert abs(x.mean() - 1.0) < 4 * sigma / math.sqrt(n)
    # sd of the sample sd ≈ sigma * sqrt((kurtosis - 1)/(4n)); lognormal kurtosis ≈ 3 + 16σ² ...
    assert x.std() == pytest.approx(sigma, rel=0.02)
    if dist == "lognormal":
        assert np.all(x > 0)


def test_landscapes_scale_the_barrier_above_the_well_mean():
    v = Variability(barrier_spread=0.1).sample(5, seed=3)
    e, s = np.array([-1.0, 1.0]), np.array([10.0])
    es, ss = v.landscapes(e, s)
    assert es.shape == (2,) and ss.shape == (5, 1)  # shared wells, per-cell saddles
    np.testing.assert_allclose(ss[:, 0], 10.0 * v.barrier_scale)


def test_run_with_spread_matches_the_per_cell_closed_form():
    mtj = MTJ(thermal_stability=8.0)
    n = 8000
    spread = Variability(barrier_spread=0.25, frequency_spread=0.3).sample(n, seed=4)
    f0 = spread.attempt_frequency(mtj.attempt_frequency)
    arr = MemoryArray(n, 2, attempt_frequency=f0, seed=12)
    e, s = mtj.landscape(0.0)
    duration = 1e-7
    res = run_with_spread(
        arr, Protocol.constant(e, s, duration, "hold"), duration / 4, spread, initial=0
    )
    k = f0 * np.exp(-mtj.energy_barrier * spread.barrier_scale / kT(300.0))
    p_cells = two_state_occupancy(k, k, duration, 0.0)
    p = p_cells.mean()
    se = math.sqrt(np.sum(p_cells * (1 - p_cells))) / n  # sum of independent Bernoullis
    assert abs(res.occupancy[1] - p) < 4 * se
    # spread matters: the homogeneous answer is measurably different
    k_hom = 1e9 * math.exp(-8.0)
    p_hom = float(two_state_occupancy(k_hom, k_hom, duration))
    assert abs(p - p_hom) > 4 * se
    assert res.work.mean == 0.0 and "hold" in res.by_tag


def test_bad_variability_raises():
    with pytest.raises(ParameterError) as err:
        Variability(barrier_spread=-0.1)
    assert err.value.name == "barrier_spread"
    with pytest.raises(ParameterError) as err:
        Variability(frequency_distribution="uniform")
    assert err.value.name == "frequency_distribution"
    with pytest.raises(ParameterError) as err:
        Variability(barrier_spread=0.5).sample(100_000, seed=0)  # normal goes negative
    assert err.value.name == "barrier_spread"

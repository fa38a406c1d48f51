"""A small statistical battery for the counter-based stream: uniformity, independence of
neighbouring cells, steps and draws, and of different seeds. Each test's significance is 1e-4,
so the battery as a whole gives a false alarm about once in a thousand runs (fixed seeds: never
flaky in CI)."""

import numpy as np
import pytest
from scipy import stats

from simcore import rng

ALPHA = 1e-4


def test_uniform_ks_over_cells_and_steps():
    u = rng.uniform(7, np.arange(200)[:, None], np.arange(2000)[None, :]).ravel()
    assert stats.kstest(u, "uniform").pvalue > ALPHA


@pytest.mark.parametrize("seed", [0, 1, 2**63 + 5])
def test_every_bit_is_fair(seed):
    b = rng.uniform_bits(seed, np.arange(64)[:, None], np.arange(4096)[None, :]).ravel()
    n = b.size
    ones = np.array([np.count_nonzero((b >> np.uint64(k)) & np.uint64(1)) for k in range(64)])
    z = (ones - n / 2) / np.sqrt(n / 4)
    # 64 bits: Bonferroni-corrected two-sided test at ALPHA
    assert np.max(np.abs(z)) < stats.norm.isf(ALPHA / 128)


def _pair_chi2(a, b, bins=16):
    h, _, _ = np.histogram2d(a, b, bins=bins, range=[[0, 1], [0, 1]])
    expected = a.size / bins**2
    chi2 = ((h - expected) ** 2 / expected).sum()
    return stats.chi2.sf(chi2, bins**2 - 1)


def test_neighbouring_cells_independent():
    u = rng.uniform(3, 5, np.arange(400_001))
    assert _pair_chi2(u[:-1], u[1:]) > ALPHA
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 4.5 / np.sqrt(u.size)


def test_neighbouring_steps_independent():
    u = rng.uniform(3, np.arange(201)[:, None], np.arange(2000)[None, :])
    a, b = u[:-1].ravel(), u[1:].ravel()
    assert _pair_chi2(a, b) > ALPHA
    assert abs(np.corrcoef(a, b)[0, 1]) < 4.5 / np.sqrt(a.size)


def test_step_and_cell_axes_do_not_alias():
    # the counter is step * 2**32 + cell: the last cell of one step sits next to the first cell
    # of the next step in the underlying sequence; make sure those are independent too
    steps = np.arange(100_000)
    a = rng.uniform(9, steps, 2**32 - 1)
    b = rng.uniform(9, steps + 1, 0)
    assert _pair_chi2(a, b) > ALPHA


def test_draws_and_seeds_independent():
    cells = np.arange(300_000)
    u0 = rng.uniform(11, 4, cells, draw=0)
    u1 = rng.uniform(11, 4, cells, draw=1)
    v0 = rng.uniform(12, 4, cells, draw=0)
    for a, b in ((u0, u1), (u0, v0)):
        assert _pair_chi2(a, b) > ALPHA
        assert abs(np.corrcoef(a, b)[0, 1]) < 4.5 / np.sqrt(cells.size)


def test_runs_up_and_down():
    # Wald-Wolfowitz runs test on the sign of successive differences along cells
    u = rng.uniform(21, 0, np.arange(200_000))
    signs = np.diff(u) > 0
    runs = 1 + np.count_nonzero(signs[1:] != signs[:-1])
    n = u.size
    mean = (2 * n - 1) / 3
    var = (16 * n - 29) / 90
    assert abs(runs - mean) / np.sqrt(var) < stats.norm.isf(ALPHA / 2)


def test_gap_between_small_values_is_geometric():
    # gaps between uniforms below 0.01 must be geometric (tests serial structure)
    u = rng.uniform(5, 2, np.arange(2_000_000))
    idx = np.flatnonzero(u < 0.01)
    gaps = np.diff(idx) - 1
    edges = np.array([0, 10, 30, 70, 140, 300, 600, np.inf])
    observed = np.histogram(gaps, bins=edges)[0]
    cdf = 1 - 0.99 ** (edges[1:])
    p = np.diff(np.concatenate([[0], cdf]))
    p[-1] = 1 - cdf[-2]
    expected = p * gaps.size
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert stats.chi2.sf(chi2, len(observed) - 1) > ALPHA


def test_threshold_resolution():
    assert rng.threshold(0.0) == 0
    assert rng.threshold(1.0) == np.uint64(2**64 - 1)
    assert rng.threshold(2.0**-64) == 1
    assert rng.threshold(0.5) == np.uint64(2**63)


def test_stream_rejects_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        rng.stream(-1)
    with pytest.raises(ValueError, match="seed"):
        rng.stream(1.5)


def test_streams_of_many_draws_equal_one_by_one():
    """``rng.streams_of`` (the aggregated engine's group streams in one call) gives the streams
    ``rng.stream`` derives one at a time."""
    keys = np.empty(20, dtype=np.uint64)
    gammas = np.empty(20, dtype=np.uint64)
    for seed, draw0 in ((0, 0), (12345, 2**62), (2**64 - 1, 2**62 + 2**40)):
        rng.streams_of(np.uint64(seed), np.uint64(draw0), keys, gammas)
        for i in range(20):
            assert (keys[i], gammas[i]) == rng.stream(seed, draw0 + i)

"""Every kernel against its slow NumPy twin on the same random numbers."""

import numpy as np
import pytest

from simcore import kernels, rng
from simcore.kernels import Cells, PerCell, Rates, SharedSteps, Stream, tallies
from simcore.kernels.tiles import HTILE
from simcore.landscape import kinetics_code
from simcore.propagator import (
    bit_flip_probabilities,
    level_propagator,
    level_thresholds,
    step_tables,
)
from tests import naive
from tests.conftest import F0, KT, chain


def _bounds(n, g=7):
    return (np.arange(g + 1) * n) // g


@pytest.mark.parametrize("kinetics", ["arrhenius", "glauber"])
@pytest.mark.parametrize("m", [2, 3, 6])
def test_level_propagator_matches_expm(m, kinetics):
    e, s = chain(m, -1.5, 2.0)
    for dt in (1e-12, 1e-9, 3e-8, 1e-5):
        p = np.empty((m, m))
        if m == 2:
            p01, p10 = bit_flip_probabilities(e[0], e[1], s[0], KT, F0, kinetics_code(kinetics), dt)
            p[:] = [[1 - p01, p01], [p10, 1 - p10]]
        else:
            level_propagator(e, s, KT, F0, kinetics_code(kinetics), dt, p)
        ref = naive.propagator(e, s, KT, F0, kinetics, dt)
        np.testing.assert_allclose(p, ref, rtol=1e-10, atol=1e-15)


def test_thresholds_match_twin():
    rs = np.random.default_rng(3)
    for m in (2, 3, 5):
        p = rs.dirichlet(np.ones(m), size=m)
        p[0, -1] = 1e-30  # a rare transition must keep its relative precision
        p[0] /= p[0].sum()
        th = np.empty((m, m - 1), dtype=np.uint64)
        level_thresholds(p, th)
        np.testing.assert_array_equal(th, naive.thresholds_from_propagator(p))


def _tables(m, n_steps, seed=0):
    rs = np.random.default_rng(seed)
    e = rs.normal(0, 2 * KT, (n_steps, m))
    s = np.maximum(e[:, :-1], e[:, 1:]) + rs.uniform(0, 3 * KT, (n_steps, m - 1))
    probs = np.empty((n_steps, m, m))
    th = np.empty((n_steps, m, m - 1), dtype=np.uint64)
    step_tables(e, s, KT, F0, 0, np.full(n_steps, 2e-9), probs, th)
    energies = np.vstack([rs.normal(0, KT, (1, m)), e])
    return th, energies


@pytest.mark.parametrize("m", [2, 3, 7])
def test_shared_kernels_match_twin(m):
    n, b, seed, step0 = 3001, 9, 11, 5
    th, energies = _tables(m, b)
    state0 = (np.arange(n) % m).astype(np.uint8)
    key, gamma = rng.stream(seed)
    bounds = _bounds(n)
    ref_state, ref_occ, ref_w, ref_q = naive.run_shared(state0, th, seed, step0, energies)

    for per_cell in (kernels.levels_shared_per_cell, kernels.levels_shared_per_cell_serial):
        state = state0.copy()
        counts = np.zeros((7, b, m), dtype=np.int64)
        changes = np.zeros((7, b), dtype=np.int64)
        work, heat = np.zeros(n), np.zeros(n)
        per_cell(
            cells=Cells(state=state, bounds=bounds),
            steps=SharedSteps(thresholds=th, energies=energies),
            stream=Stream(key=key, gamma=gamma, step=step0, seed=np.uint64(seed)),
            tallies=tallies(counts=counts, changes=changes, work=work, heat=heat, record=True),
        )
        np.testing.assert_array_equal(state, ref_state)
        np.testing.assert_array_equal(counts.sum(axis=0), ref_occ)
        np.testing.assert_allclose(work, ref_w, rtol=1e-12, atol=1e-35)
        np.testing.assert_allclose(heat, ref_q, rtol=1e-12, atol=1e-35)
        for count in (kernels.count_levels, kernels.count_levels_serial):
            now = np.zeros((7, m), dtype=np.int64)
            count(state, bounds, now)
            np.testing.assert_array_equal(now.sum(axis=0), ref_occ[-1])
            np.testing.assert_array_equal(now, counts[:, -1, :])

    # the parallel kernels and their serial variants (small arrays), the same states
    # (bits_shared for bit cells: it counts the cells at level 1)
    bit_kernels = (kernels.bits_shared, kernels.bits_shared_serial) if m == 2 else ()
    for shared in (kernels.levels_shared, kernels.levels_shared_serial, *bit_kernels):
        bit = shared in bit_kernels
        state = state0.copy()
        counted = np.zeros((7, b), dtype=np.int64) if bit else counts
        counted[:] = 0
        shared(
            cells=Cells(state=state, bounds=bounds),
            steps=SharedSteps(thresholds=th, energies=np.empty((0, m))),
            stream=Stream(key=key, gamma=gamma, step=step0, seed=np.uint64(seed)),
            tallies=tallies(counts=counted, changes=changes),
        )
        np.testing.assert_array_equal(state, ref_state)
        np.testing.assert_array_equal(counted.sum(axis=0), ref_occ[:, 1] if bit else ref_occ)


def _heterogeneous_inputs(n, m, seed=4):
    rs = np.random.default_rng(seed)
    e_old = rs.normal(0, 2 * KT, (n, m))
    e_new = rs.normal(0, 2 * KT, (n, m))
    sad = np.maximum(e_new[:, :-1], e_new[:, 1:]) + rs.uniform(0, 4 * KT, (n, m - 1))
    f0 = F0 * rs.lognormal(0, 0.5, n)
    state = rs.integers(0, m, n).astype(np.uint8)
    return state, e_old, e_new, sad, f0


def _run_bits_heterogeneous(
    state, e_old, e_new, sad, f0, kinetics, dt, seed, step0, n_steps, g, kept=None
):
    """The parallel kernel's results (state, tallies, energies); the serial variant (small
    arrays) is run too, on copies and without the kept landscape, and must agree exactly."""
    n = state.size
    key, gamma = rng.stream(seed)
    results = []
    for kernel in (kernels.bits_heterogeneous_serial, kernels.bits_heterogeneous):
        wg, qg = np.zeros(g), np.zeros(g)
        ones = np.zeros((g, n_steps), dtype=np.int64)
        ch = np.zeros((g, n_steps), dtype=np.int64)
        work, heat = np.zeros(n), np.zeros(n)
        out = state.copy()
        keep = kept if kernel is kernels.bits_heterogeneous else None
        kernel(
            cells=Cells(state=out, bounds=_bounds(n, g)),
            landscape=PerCell(
                e_old=e_old,
                e_new=e_new,
                saddles=sad,
                f0=f0,
                kept_energies=np.empty((0, 2)) if keep is None else keep[0],
                kept_saddles=np.empty((0, 1)) if keep is None else keep[1],
            ),
            rates=Rates(kT=KT, kinetics=kinetics_code(kinetics), dt=dt),
            stream=Stream(key=key, gamma=gamma, step=step0, seed=np.uint64(seed)),
            tallies=tallies(
                counts=ones, changes=ch, work_g=wg, heat_g=qg, work=work, heat=heat, record=True
            ),
        )
        results.append((out, ones, ch, wg, qg, work, heat))
    for x, y in zip(*results, strict=True):
        np.testing.assert_array_equal(x, y)
    return results[-1]


@pytest.mark.parametrize("kinetics", ["arrhenius", "glauber"])
@pytest.mark.parametrize("n,n_steps,g", [(2000, 1, 7), (5003, 13, 3), (20, 5, 2)])
def test_bits_heterogeneous_matches_twin(kinetics, n, n_steps, g):
    # groups longer than a tile (5003 / 3 > HTILE), ragged tile ends, one and many steps
    seed, step0 = 5, 17
    state, e_old, e_new, sad, f0 = _heterogeneous_inputs(n, 2)
    dt = 1e-9
    ref_state, ref_ones, ref_ch, ref_w, ref_q = naive.bits_heterogeneous(
        state, e_old, e_new, sad, f0, KT, kinetics, dt, seed, step0, n_steps
    )
    state1, ones, ch, wg, qg, work, heat = _run_bits_heterogeneous(
        state, e_old, e_new, sad, f0, kinetics, dt, seed, step0, n_steps, g
    )
    np.testing.assert_array_equal(state1, ref_state)
    np.testing.assert_array_equal(ones.sum(axis=0), ref_ones)
    np.testing.assert_array_equal(ch.sum(axis=0), ref_ch)
    assert ref_ch.sum() > n // 20  # real flips were compared
    np.testing.assert_allclose(work, ref_w, rtol=1e-12, atol=1e-35)
    np.testing.assert_allclose(heat, ref_q, rtol=1e-12, atol=1e-35)
    np.testing.assert_allclose(wg.sum(), ref_w.sum(), rtol=1e-12)
    np.testing.assert_allclose(qg.sum(), ref_q.sum(), rtol=1e-12, atol=1e-12 * KT)


@pytest.mark.parametrize("dt", [1e-11, 1e-9, 1e-6])
@pytest.mark.parametrize("one_fast", [False, True])
def test_bits_heterogeneous_short_and_long_steps(dt, one_fast):
    # a tile whose steps are all short ((k01 + k10) dt < PHI_SERIES_MAX: the series alone),
    # all long, or mixed; one_fast: a single fast cell makes its tile take the full phi
    n, n_steps, seed, step0 = 3 * HTILE + 17, 4, 9, 3
    state, e_old, e_new, sad, f0 = _heterogeneous_inputs(n, 2, seed=6)
    if one_fast:
        f0 = f0.copy()
        f0[HTILE + 5] = 1e14
    ref = naive.bits_heterogeneous(
        state, e_old, e_new, sad, f0, KT, "arrhenius", dt, seed, step0, n_steps
    )
    got = _run_bits_heterogeneous(
        state, e_old, e_new, sad, f0, "arrhenius", dt, seed, step0, n_steps, 2
    )
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1].sum(axis=0), ref[1])
    np.testing.assert_array_equal(got[2].sum(axis=0), ref[2])
    assert ref[2].sum() > 0


def test_bits_heterogeneous_block_equals_single_steps():
    # a block of B steps under one landscape draws what B one-step calls draw
    n, b, seed = 3001, 6, 2
    state, e_old, e_new, sad, f0 = _heterogeneous_inputs(n, 2, seed=1)
    block = _run_bits_heterogeneous(state, e_old, e_new, sad, f0, "arrhenius", 2e-9, seed, 40, b, 5)
    s = state
    work, heat = np.zeros(n), np.zeros(n)
    for k in range(b):
        s, ones, _, _, _, w, q = _run_bits_heterogeneous(
            s, e_old if k == 0 else e_new, e_new, sad, f0, "arrhenius", 2e-9, seed, 40 + k, 1, 5
        )
        work += w
        heat += q
        np.testing.assert_array_equal(ones[:, 0], block[1][:, k])
    np.testing.assert_array_equal(s, block[0])
    np.testing.assert_array_equal(work, block[5])
    np.testing.assert_allclose(heat, block[6], rtol=1e-12, atol=1e-35)


@pytest.mark.parametrize("over_old", [True, False])
def test_bits_heterogeneous_keeps_the_new_landscape(over_old):
    # the kernel copies each cell's new landscape out, also over e_old itself (read first)
    n = 3000
    state, e_old, e_new, sad, f0 = _heterogeneous_inputs(n, 2, seed=6)
    ref = _run_bits_heterogeneous(state, e_old, e_new, sad, f0, "arrhenius", 1e-9, 4, 9, 3, 5)
    old = e_old.copy()
    kept = (old if over_old else np.full((n, 2), np.nan), np.full((n, 1), np.nan))
    got = _run_bits_heterogeneous(state, old, e_new, sad, f0, "arrhenius", 1e-9, 4, 9, 3, 5, kept)
    for x, y in zip(ref, got, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(kept[0], e_new)
    np.testing.assert_array_equal(kept[1], sad)


def test_all_finite():
    x = np.random.default_rng(0).normal(size=100_003)
    assert kernels.all_finite(x)
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[77_777] = bad
        assert not kernels.all_finite(y)
    assert kernels.all_finite(np.empty(0))


def test_bits_heterogeneous_shared_rows_read_with_stride_zero():
    # (1, 2) energies, (1, 1) saddles and (1,) f0 mean "the same for every cell"
    n, seed = 1500, 3
    state, e_old, e_new, sad, f0 = _heterogeneous_inputs(n, 2, seed=2)
    full = _run_bits_heterogeneous(
        state,
        np.tile(e_old[:1], (n, 1)),
        np.tile(e_new[:1], (n, 1)),
        np.tile(sad[:1], (n, 1)),
        np.full(n, f0[0]),
        "glauber",
        1e-9,
        seed,
        0,
        4,
        7,
    )
    shared = _run_bits_heterogeneous(
        state, e_old[:1], e_new[:1], sad[:1], f0[:1], "glauber", 1e-9, seed, 0, 4, 7
    )
    for x, y in zip(full, shared, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("kinetics", ["arrhenius", "glauber"])
def test_gillespie_matches_twin(kinetics):
    n, m, seed, step = 300, 4, 8, 3
    state, e_old, e_new, sad, f0 = _heterogeneous_inputs(n, m, seed=9)
    dt = 3e-9  # several jumps per cell for the lowest barriers
    ref = naive.gillespie_step(state, e_new, sad, f0, KT, kinetics, dt, seed, step)
    g = 7
    # the parallel kernel and its serial variant (small arrays) draw the same jumps
    for kernel in (kernels.levels_step_heterogeneous, kernels.levels_step_heterogeneous_serial):
        out = state.copy()
        ch = np.zeros(g, dtype=np.int64)
        key, gamma = rng.stream(seed)
        kernel(
            cells=Cells(state=out, bounds=_bounds(n)),
            landscape=PerCell(
                e_old=e_old,
                e_new=e_new,
                saddles=sad,
                f0=f0,
                kept_energies=np.empty((0, 2)),
                kept_saddles=np.empty((0, 1)),
            ),
            rates=Rates(kT=KT, kinetics=kinetics_code(kinetics), dt=dt),
            stream=Stream(key=key, gamma=gamma, step=step, seed=np.uint64(seed)),
            tallies=tallies(
                counts=np.zeros((g, m), dtype=np.int64),
                changes=ch,
                work_g=np.zeros(g),
                heat_g=np.zeros(g),
                work=np.zeros(n),
                heat=np.zeros(n),
                record=False,
            ),
        )
        np.testing.assert_array_equal(out, ref)
        assert ch.sum() > n // 10  # the comparison exercised real jumps


def test_rng_kernel_matches_numpy():
    key, gamma = rng.stream(123, 4)
    cells = np.arange(0, 2**32, 2**20, dtype=np.uint64)
    got = np.array([rng.bits(key, gamma, 77, c) for c in cells], dtype=np.uint64)
    np.testing.assert_array_equal(got, rng.uniform_bits(123, 77, cells, draw=4))

"""Indexed landscapes (``MemoryArray.step(..., kinds=...)``): the same cells as the expanded
per-cell step, the master equation within 4 standard errors, the first law per cell, a ledger
that follows the array through indexed, per-cell and shared landscapes, and thread-count
independence."""

import numba
import numpy as np
import pytest
import scipy.linalg

import simcore as sc
from simcore.landscape import generator
from tests.conftest import F0, KT, chain, within


def _tables(rs, k, m):
    e = rs.normal(0, 1.5 * KT, (k, m))
    s = np.maximum(e[:, :-1], e[:, 1:]) + rs.uniform(0, 3 * KT, (k, m - 1))
    return e, s


def _pair(n, m, f0, seed=7):
    def make():
        return sc.MemoryArray(n, m, attempt_frequency=f0, seed=seed, initial=np.full(m, 1 / m))

    return make(), make()


@pytest.mark.parametrize(
    "m,per_cell",
    [(2, False), (2, True), (3, True), (5, True)],
)
def test_indexed_equals_expanded_per_cell_step(m, per_cell):
    """Bit cells, and M-level cells with per-cell attempt frequencies: the same states and the
    same per-cell work and heat as the per-cell step on the expanded landscapes. (Bit cells with
    per-cell f0 compute the same closed form in another order of operations: a state differs
    only when a uniform falls within rounding of its threshold, ~1e-16 per cell-step.)"""
    n = 4001
    rs = np.random.default_rng(m + 10 * per_cell)
    f0 = F0 * rs.lognormal(0, 0.4, n) if per_cell else F0
    a, b = _pair(n, m, f0)
    for step in range(5):
        e, s = _tables(rs, 4, m)
        kinds = rs.integers(0, 4, n)
        dt = (3e-9, 0.0, 1e-8, 2e-10, 5e-9)[step]
        a.step(e, s, dt, "w", kinds=kinds, record_per_cell=True)
        b.step(e[kinds], s[kinds], dt, "w", record_per_cell=True)
        np.testing.assert_array_equal(a.state, b.state)
    np.testing.assert_array_equal(a.ledger.work_cell, b.ledger.work_cell)
    np.testing.assert_array_equal(a.ledger.heat_cell, b.ledger.heat_cell)
    assert a.ledger.changes["w"] == b.ledger.changes["w"]
    np.testing.assert_allclose(a.ledger.work["w"], b.ledger.work["w"], rtol=1e-12, atol=1e-30)


@pytest.mark.parametrize("m", [3, 6])
def test_indexed_levels_shared_f0_move_like_shared_steps(m):
    """M-level cells with a shared attempt frequency sample each kind's exact propagator with the
    uniforms of a shared step: the cells of kind k end where a shared step under landscape k
    puts them."""
    n = 3001
    rs = np.random.default_rng(m)
    e, s = _tables(rs, 3, m)
    kinds = rs.integers(0, 3, n)
    a = sc.MemoryArray(n, m, seed=2, initial=np.full(m, 1 / m))
    start = a.state.copy()
    a.step(e, s, 4e-9, "w", kinds=kinds, record_per_cell=True)
    for k in range(3):
        b = sc.MemoryArray(n, m, seed=2, initial=np.full(m, 1 / m))
        np.testing.assert_array_equal(b.state, start)
        b.step(e[k], s[k], 4e-9, "w")
        np.testing.assert_array_equal(a.state[kinds == k], b.state[kinds == k])


def _exact_class(m, f0, landscapes, dts, p0):
    """Master equation of one class of cells: mean work and heat (J) and final occupancy."""
    p = p0.copy()
    w = q = 0.0
    e_prev = None
    for (e, s), dt in zip(landscapes, dts, strict=True):
        if e_prev is not None:
            w += p @ (e - e_prev)
        p_new = p @ scipy.linalg.expm(generator(e, s, KT, f0, "arrhenius") * dt)
        q += (p - p_new) @ e
        p, e_prev = p_new, e
    return w, q, p


@pytest.mark.parametrize("m,per_cell", [(2, True), (2, False), (3, False)])
def test_indexed_mc_matches_master_equation(m, per_cell):
    n = 60_000
    k_kinds = 3
    rs = np.random.default_rng(20 + m)
    tables = [_tables(rs, k_kinds, m) for _ in range(4)]
    dts = [0.0, 2e-9, 5e-9, 1e-9]  # the first step sets the landscape (no work)
    cells = np.arange(n)
    f_vals = np.array([F0, 3 * F0]) if per_cell else np.array([F0])
    f0 = f_vals[cells % f_vals.size] if per_cell else F0
    p0 = np.full(m, 1 / m)
    arr = sc.MemoryArray(n, m, attempt_frequency=f0, seed=9, initial=p0)
    for t, (e, s) in enumerate(tables):
        arr.step(e, s, dts[t], "w", kinds=(cells + t) % k_kinds)
    r = arr.result()
    # classes: cells with the same kind sequence and attempt frequency
    w_exact = q_exact = 0.0
    occ = np.zeros(m)
    for c in range(k_kinds):
        for fi, fv in enumerate(f_vals):
            members = (cells % k_kinds == c) & (cells % f_vals.size == fi)
            seq = [(e[(c + t) % k_kinds], s[(c + t) % k_kinds]) for t, (e, s) in enumerate(tables)]
            w, q, p = _exact_class(m, fv, seq, dts, p0)
            share = members.mean()
            w_exact += share * w
            q_exact += share * q
            occ += share * p
    assert within(r.work.mean, r.work.stderr, w_exact)
    assert within(r.heat.mean, r.heat.stderr, q_exact)
    np.testing.assert_allclose(arr.occupancy(), occ, atol=4 * np.sqrt(0.25 / n))


@pytest.mark.parametrize("m", [2, 4])
def test_first_law_per_cell_through_mixed_steps(m):
    """ΔU = W - Q per cell, to round-off, through indexed, per-cell, shared and run steps: every
    change of landscape books the jump from the one the array holds."""
    n = 2000
    rs = np.random.default_rng(m)
    f0 = F0 * rs.lognormal(0, 0.3, n)
    arr = sc.MemoryArray(n, m, attempt_frequency=f0, seed=5, initial=np.full(m, 1 / m))
    e0, s0 = chain(m, 0.0, 2.0)
    arr.step(e0, s0, 0.0, "w", record_per_cell=True)
    u_start = e0[arr.state]
    e, s = _tables(rs, 3, m)
    kinds = rs.integers(0, 3, n)
    arr.step(e, s, 2e-9, "w", kinds=kinds, record_per_cell=True)
    e2, s2 = _tables(rs, 2, m)
    kinds2 = rs.integers(0, 2, n)
    arr.step(e2, s2, 1e-9, "w", kinds=kinds2, record_per_cell=True)
    ec, sc_ = _tables(rs, n, m)
    arr.step(ec, sc_, 1e-9, "w", record_per_cell=True)  # per cell after indexed
    arr.step(e, s, 1e-9, "w", kinds=kinds, record_per_cell=True)  # indexed after per cell
    e1, s1 = chain(m, -0.5, 1.0)
    arr.step(e1, s1, 2e-9, "w", record_per_cell=True)  # shared after indexed
    arr.step(e2, s2, 1e-9, "w", kinds=kinds2, record_per_cell=True)  # indexed after shared
    e3, s3 = chain(m, 0.3, 1.0)
    r = arr.run(sc.Protocol.constant(e3, s3, 2e-9, "w"), 1e-9, record_per_cell=True)
    u_end = e3[arr.state]
    w = arr.ledger.work_cell
    q = arr.ledger.heat_cell
    np.testing.assert_allclose(u_end - u_start, w - q, rtol=0, atol=1e-12 * KT * 20)
    assert r.n_steps == 2


def test_shared_run_after_indexed_step_asks_for_initial():
    arr = sc.MemoryArray(100, seed=1)
    arr.step(np.zeros((2, 2)), np.ones((2, 1)) * KT, 1e-9, kinds=np.arange(100) % 2)
    e, s = chain(2, 0.0, 2.0)
    with pytest.raises(sc.ParameterError):
        arr.run(sc.Protocol.constant(e, s, 1e-9), 1e-9)


@pytest.fixture
def threads():
    saved = numba.get_num_threads()
    yield
    numba.set_num_threads(saved)


@pytest.mark.parametrize("m,per_cell", [(2, False), (2, True), (4, False), (3, True)])
def test_indexed_steps_thread_count_independent(threads, m, per_cell):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 Numba threads")
    out = []
    for n_threads in (1, 2):
        numba.set_num_threads(n_threads)
        n = 50_001
        rs = np.random.default_rng(1)
        f0 = F0 * rs.lognormal(0, 0.3, n) if per_cell else F0
        arr = sc.MemoryArray(n, m, attempt_frequency=f0, seed=99, initial=np.full(m, 1 / m))
        for _ in range(3):
            e, s = _tables(rs, 3, m)
            arr.step(e, s, 2e-9, "w", kinds=rs.integers(0, 3, n))
        r = arr.result()
        out.append(
            (
                arr.state.copy(),
                arr.ledger.work["w"].copy(),
                arr.ledger.heat["w"].copy(),
                r.work.mean,
            )
        )
    for x, y in zip(*out, strict=True):
        np.testing.assert_array_equal(x, y)

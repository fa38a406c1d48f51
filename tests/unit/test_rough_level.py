"""The certified rough decision of the per-cell-f0 indexed kernel (``kernels.rough_level``):
where it says it is sure it decides as the exact threshold does, for uniforms placed right at
the exact threshold; ``one_minus_exp_rough`` stays inside its stated error bound; and a kernel
step whose rough decisions needed the exact fallback still equals the NumPy twin."""

import numpy as np
from numba import njit as jit  # no cache: these call inline kernels of other modules

import simcore as sc
from simcore import kernels, rng
from simcore.expfun import ROUGH_REL_ERROR, one_minus_exp, one_minus_exp_rough
from simcore.propagator import to_threshold
from tests.conftest import F0, KT
from tests.unit.test_indexed_kernels import step_against_twin

UMAX = np.uint64(2**64 - 1)


@jit
def _decide(share, x, s, u, level, unsure, exact):
    for i in range(share.shape[0]):
        level[i], unsure[i] = kernels.rough_level(share[i], x[i], s[i], u[i])
        exact[i] = kernels.exact_level(share[i], x[i], s[i], u[i])


@jit
def _thresholds(share, x, out):
    for i in range(share.shape[0]):
        out[i] = to_threshold(share[i] * one_minus_exp(x[i]))


@jit
def _rough(x, out):
    for i in range(x.shape[0]):
        out[i] = one_minus_exp_rough(x[i])


def _rough_of(x):
    out = np.empty_like(x)
    _rough(x, out)
    return out


def _run(share, x, s, u):
    n = share.size
    level, unsure, exact = (np.empty(n, dtype=np.uint8) for _ in range(3))
    _decide(share, x, s.astype(np.uint8), u, level, unsure, exact)
    return level, unsure.astype(bool), exact


def test_one_minus_exp_rough_within_its_bound():
    rs = np.random.default_rng(0)
    x = np.concatenate(
        [
            np.exp(rs.uniform(np.log(1e-300), np.log(800.0), 400_000)),
            rs.uniform(0.0, 3.0, 200_000),
            # where k changes (x = (j + 1/2) ln2) and the ends
            np.outer(np.arange(12) + 0.5, [1 - 1e-15, 1.0, 1 + 1e-15]).ravel() * np.log(2),
            [0.0, 5e-324, 1e-310, 707.9, 708.0, 709.0, 1e300, np.inf],
        ]
    )
    got = np.empty_like(x)
    _rough(x, got)
    ref = -np.expm1(-x)
    assert np.all(got >= 0.0) and np.all(got <= 1.0 + 2.0**-52)
    assert got[x == 0.0][0] == 0.0
    pos = ref > 0
    rel = np.abs(got[pos] - ref[pos]) / ref[pos]
    assert rel.max() < ROUGH_REL_ERROR  # analytic bound 8.3e-6, 2^-16 = 1.5e-5


def test_rough_level_is_exact_wherever_it_is_sure():
    """Uniforms at and around the exact threshold t: within a few units, at relative offsets
    2^-8 ... 2^-24, and random; flip probabilities from 0 and below 2^-64 up to saturation."""
    rs = np.random.default_rng(1)
    m = 20_000
    share = np.concatenate([rs.uniform(0, 1, m - 4), [0.0, 1.0, 1.0, 0.5]])
    h = (m - 4) // 2
    x = np.concatenate(
        [
            np.exp(rs.uniform(np.log(1e-25), np.log(60.0), h)),
            rs.uniform(0.0, 8.0, m - 4 - h),  # |r| up to ln2/2: the rough one's worst
            [1.0, 0.0, 800.0, 1e-22],
        ]
    )
    t = np.empty(m, dtype=np.uint64)
    _thresholds(share, x, t)
    ta = np.minimum(share * _rough_of(x) * 2.0**64, 2.0**64 - 2048).astype(np.uint64)
    band = (ta >> np.uint64(12)) + np.uint64(4)
    tf = t.astype(np.float64)
    with np.errstate(over="ignore"):
        near = [t + np.uint64(k) for k in range(7)] + [t - np.uint64(k) for k in range(1, 7)]
    rel = {
        (e, sign): np.minimum(tf * (1 + sign * 2.0**-e), 2.0**64 - 4096).astype(np.uint64)
        for e in range(8, 25)
        for sign in (-1, 1)
    }
    random = rs.integers(0, 2**63, m, dtype=np.int64).view(np.uint64) * np.uint64(2)
    checked = 0
    with np.errstate(over="ignore"):
        edges = [ta + band + np.uint64(1), ta - band - np.uint64(1)]  # just outside the band
    for v in [*near, *rel.values(), *edges, random]:
        for s in (0, 1):
            level, unsure, exact = _run(share, x, np.full(m, s), v if s else ~v)
            assert np.array_equal(level[~unsure], exact[~unsure])
            checked += (~unsure).sum()
    assert checked > 10 * m
    # the band is narrow: 2^-10 away from a threshold that is not tiny, nothing is unsure
    big = (t > 2**20) & (t < 2**64 - 2**60)
    for e in (8, 9, 10):
        for sign in (-1, 1):
            v = rel[(e, sign)]
            for s in (0, 1):
                _, unsure, _ = _run(share, x, np.full(m, s), v if s else ~v)
                assert not unsure[big].any()


def test_random_uniforms_are_rarely_unsure():
    """Over uniform u the fallback fraction is about 2^-11 p (the band (t >> 12) + 4 each side)."""
    rs = np.random.default_rng(2)
    n = 1_000_000
    share, x = np.full(n, 0.7), np.full(n, 1.3)
    p = 0.7 * -np.expm1(-1.3)
    u = rs.integers(0, 2**63, n, dtype=np.int64).view(np.uint64) * np.uint64(2)
    _, unsure, _ = _run(share, x, rs.integers(0, 2, n), u)
    expected = n * p * 2.0**-11
    assert abs(unsure.sum() - expected) < 5 * np.sqrt(expected) + 5


def test_kernel_with_fallbacks_matches_twin():
    """A per-cell-f0 indexed step on 2^18 cells: some cells take the exact fallback (counted
    here on the kernel's own uniforms) and every state equals the twin's."""
    n = 2**18
    rs = np.random.default_rng(3)
    f0 = F0 * rs.lognormal(0, 0.5, n)
    arr = sc.MemoryArray(n, attempt_frequency=f0, seed=21, initial=[0.5, 0.5])
    e = np.array([[0.0, 0.0], [0.0, 3 * KT], [2 * KT, 0.0]])
    s = np.array([[12 * KT], [1 * KT], [0.5 * KT]])
    e_old = None
    for step in range(2):
        kinds = rs.integers(0, 3, n).astype(np.uint8)
        e_old = e[kinds] if e_old is None else e_old
        before, _, _ = step_against_twin(arr, e, s, 1e-9, kinds, f0, 21, step, e_old)
        # the cells whose rough decision was unsure, recomputed with the same inputs
        esc = np.empty((6, 2))
        kernels.bit_kind_escape(e, s, KT, 0, 1e-9, esc)
        code = 2 * kinds.astype(np.int64) + before
        u = rng.uniform_bits(21, step, np.arange(n))
        _, unsure, _ = _run(esc[code, 0], f0 * esc[code, 1], before, u)
        assert unsure.sum() > 0
        e_old = e[kinds]

"""Indexed landscapes (``MemoryArray.step(..., kinds=...)``): kernels against their NumPy twins
on the same random numbers, and bad input."""

import numpy as np
import pytest

import simcore as sc
from simcore import backend, kernels
from simcore.errors import ParameterError
from simcore.expfun import one_minus_exp, one_minus_exp_np
from simcore.landscape import kinetics_code
from simcore.propagator import step_tables
from tests import naive
from tests.conftest import F0, KT


def _table(rs, k, m):
    e = rs.normal(0, 2 * KT, (k, m))
    s = np.maximum(e[:, :-1], e[:, 1:]) + rs.uniform(0, 4 * KT, (k, m - 1))
    return e, s


def _f0(rs, n, per_cell):
    return F0 * rs.lognormal(0, 0.5, n) if per_cell else F0


def step_against_twin(arr, e, s, dt, kinds, f0, seed, step, e_old):
    """One indexed step of ``arr`` (Arrhenius) and of the NumPy twin from the same states:
    asserts the states are equal and returns the twin's per-cell work and heat."""
    before = arr.state.copy()
    arr.step(e, s, dt, "w", kinds=kinds)
    new, work, heat = naive.bits_indexed(
        before, kinds, e, s, f0, KT, "arrhenius", dt, seed, step, e_old
    )
    np.testing.assert_array_equal(arr.state, new)
    return before, work, heat


@pytest.mark.parametrize("kinetics", ["arrhenius", "glauber"])
@pytest.mark.parametrize("per_cell", [False, True])
@pytest.mark.parametrize("n", [1, 7, 3001])
@pytest.mark.parametrize("parallel", [False, True])
def test_bits_indexed_matches_twin(kinetics, per_cell, n, parallel, monkeypatch):
    # small arrays take the serial backend; parallel=True makes them take the thread pool's
    monkeypatch.setattr(backend, "PARALLEL_CELLS", 1 if parallel else backend.PARALLEL_CELLS)
    rs = np.random.default_rng(n)
    f0 = _f0(rs, n, per_cell)
    arr = sc.MemoryArray(n, attempt_frequency=f0, kinetics=kinetics, seed=11, initial=[0.5, 0.5])
    assert arr.engine_backend.parallel == parallel
    e_old = None
    total_w = total_q = np.zeros(n)
    for step, dt in enumerate((2e-9, 1e-10, 0.0, 5e-8)):
        e, s = _table(rs, 4, 2)
        kinds = rs.integers(0, 4, n).astype(np.int8 if step % 2 else np.uint8)
        e_old = e[kinds] if e_old is None else e_old
        before = arr.state.copy()
        arr.step(e, s, dt, "w", kinds=kinds, record_per_cell=True)
        new, work, heat = naive.bits_indexed(
            before, kinds, e, s, f0, KT, kinetics, dt, 11, step, e_old
        )
        total_w, total_q = total_w + work, total_q + heat  # the kernel's order of sums
        np.testing.assert_array_equal(arr.state, new)
        np.testing.assert_array_equal(arr.ledger.work_cell, total_w)
        np.testing.assert_array_equal(arr.ledger.heat_cell, total_q)
        e_old = e[kinds]


@pytest.mark.parametrize("per_cell", [False, True])
def test_bits_indexed_group_totals_from_counts(per_cell):
    """Without per-cell records the kernel books a tile's energies from per-code counts: the
    same totals as the twin's per-cell sums, to round-off."""
    n = 20_011
    rs = np.random.default_rng(5)
    f0 = _f0(rs, n, per_cell)
    arr = sc.MemoryArray(n, attempt_frequency=f0, seed=3, initial=[0.3, 0.7])
    e_old = None
    total_w = total_q = 0.0
    for step in range(3):
        e, s = _table(rs, 3, 2)
        e[0] = 0.0  # a rest row and a zero level: codes whose counts the kernel skips
        e[1, step % 2] = 0.0
        kinds = rs.integers(0, 3, n)
        e_old = e[kinds] if e_old is None else e_old
        _, work, heat = step_against_twin(arr, e, s, 3e-9, kinds, f0, 3, step, e_old)
        total_w += work.sum()
        total_q += heat.sum()
        e_old = e[kinds]
    scale = n * 10 * KT
    assert abs(arr.ledger.work["w"].sum() - total_w) < 1e-12 * scale
    assert abs(arr.ledger.heat["w"].sum() - total_q) < 1e-12 * scale


@pytest.mark.parametrize("m", [3, 6])
@pytest.mark.parametrize("parallel", [False, True])
def test_levels_indexed_matches_twin(m, parallel, monkeypatch):
    monkeypatch.setattr(backend, "PARALLEL_CELLS", 1 if parallel else backend.PARALLEL_CELLS)
    n = 2003
    rs = np.random.default_rng(m)
    arr = sc.MemoryArray(n, m, seed=4, initial=np.full(m, 1 / m))
    assert arr.engine_backend.parallel == parallel
    e_old = None
    total_w = total_q = np.zeros(n)
    for step, dt in enumerate((1e-9, 4e-9, 0.0)):
        e, s = _table(rs, 5, m)
        kinds = rs.integers(0, 5, n)
        probs = np.empty((5, m, m))
        th = np.empty((5, m, m - 1), dtype=np.uint64)
        step_tables(e, s, KT, F0, 0, np.full(5, dt), probs, th)
        e_old = e[kinds] if e_old is None else e_old
        before = arr.state.copy()
        arr.step(e, s, dt, "w", kinds=kinds, record_per_cell=True)
        new, work, heat = naive.levels_indexed(before, kinds, th, e, 4, step, e_old)
        total_w, total_q = total_w + work, total_q + heat
        np.testing.assert_array_equal(arr.state, new)
        np.testing.assert_array_equal(arr.ledger.work_cell, total_w)
        np.testing.assert_array_equal(arr.ledger.heat_cell, total_q)
        e_old = e[kinds]


def test_bit_kind_escape_is_the_closed_form():
    e = np.array([[0.0, 0.0], [0.0, 3 * KT], [-2 * KT, 1 * KT]])
    s = np.array([[5 * KT], [1 * KT], [0.5 * KT]])
    for kin in ("arrhenius", "glauber"):
        out = np.empty((6, 2))
        kernels.bit_kind_escape(e, s, KT, kinetics_code(kin), 1e-9, out)
        for k in range(3):
            up, down = naive.rates(e[k, 0], e[k, 1], s[k, 0], KT, F0, kin)
            r = up + down
            p01 = up / r * -np.expm1(-r * 1e-9)
            p10 = down / r * -np.expm1(-r * 1e-9)
            for c, p in ((2 * k, p01), (2 * k + 1, p10)):
                got = out[c, 0] * -np.expm1(-F0 * out[c, 1])
                assert got == pytest.approx(p, rel=1e-13)


def test_one_minus_exp_matches_expm1_and_twin():
    x = np.concatenate(
        [
            [0.0, 1e-300, 1e-20, 1e-8, 0.0999999, 0.1, 0.5, 1, 30, 700, 1e4],
            np.random.default_rng(0).uniform(0, 2, 1000),
        ]
    )
    got = np.array([one_minus_exp(v) for v in x])
    np.testing.assert_array_equal(got, one_minus_exp_np(x))
    np.testing.assert_allclose(got, -np.expm1(-x), rtol=3e-15, atol=0)


# ------------------------------------------------------------------ bad input
def _array(m=2):
    arr = sc.MemoryArray(10, m, seed=1, initial=1)
    arr.step(np.zeros(m), np.full(m - 1, KT), 1e-9)
    return arr


@pytest.mark.parametrize(
    "energies,saddles,kinds,name",
    [
        (np.zeros((3, 2)), np.zeros((3, 1)), np.arange(10) % 4, "kinds"),  # out of range
        (np.zeros((3, 2)), np.zeros((3, 1)), np.arange(10) - 1, "kinds"),  # negative
        (np.zeros((3, 2)), np.zeros((3, 1)), np.zeros(10), "kinds"),  # float kinds
        (np.zeros((3, 2)), np.zeros((3, 1)), np.zeros(10, dtype=bool), "kinds"),
        (np.zeros((3, 2)), np.zeros((3, 1)), np.zeros(9, dtype=int), "kinds"),  # shape
        (np.zeros((3, 2)), np.zeros((3, 1)), np.zeros((10, 1), dtype=int), "kinds"),
        (np.zeros((3, 3)), np.zeros((3, 1)), np.zeros(10, dtype=int), "energies"),
        (np.zeros(2), np.zeros(1), np.zeros(10, dtype=int), "energies"),  # not a table
        (np.zeros((0, 2)), np.zeros((0, 1)), np.zeros(10, dtype=int), "energies"),
        (np.zeros((3, 2)), np.zeros((2, 1)), np.zeros(10, dtype=int), "saddles"),
        (np.full((3, 2), np.nan), np.zeros((3, 1)), np.zeros(10, dtype=int), "energies"),
        (np.zeros((3, 2)), np.full((3, 1), np.inf), np.zeros(10, dtype=int), "saddles"),
    ],
)
def test_bad_indexed_input_raises_and_changes_nothing(energies, saddles, kinds, name):
    arr = _array()
    state = arr.state.copy()
    steps = arr.step_count
    with pytest.raises(ParameterError) as err:
        arr.step(energies, saddles, 1e-9, kinds=kinds)
    assert err.value.name == name
    if name == "kinds" and np.asarray(kinds).dtype.kind in "iu" and kinds.shape == (10,):
        assert "[0, 3)" in str(err.value)
    np.testing.assert_array_equal(arr.state, state)
    assert arr.step_count == steps
    assert arr.ledger.work == {} or all(np.all(w == 0) for w in arr.ledger.work.values())


def test_bits_indexed_same_results_for_any_split_into_runs(monkeypatch):
    """The groups run in ``runs`` contiguous runs (one per thread): 1, 3 or 64 runs, parallel
    or on the calling thread, the same states, counts and energies."""
    n = 5003
    rs = np.random.default_rng(9)
    f0 = _f0(rs, n, True)
    arr = sc.MemoryArray(n, attempt_frequency=f0, seed=2, initial=[0.5, 0.5])
    e, s = _table(rs, 3, 2)
    arr.step(e, s, 1e-9, "w", kinds=rs.integers(0, 3, n))
    compiled = (kernels.bits_indexed.kernel, kernels.bits_indexed_serial.kernel)
    calls = []
    monkeypatch.setattr(kernels, "bits_indexed_serial", lambda **kw: calls.append(kw))
    e, s = _table(rs, 3, 2)
    arr.step(e, s, 1e-9, "w", kinds=rs.integers(0, 3, n))
    (args,) = calls
    assert args["runs"] == 1  # a small array runs on the calling thread

    def copied(bundle):
        return bundle._replace(
            **{k: v.copy() for k, v in bundle._asdict().items() if isinstance(v, np.ndarray)}
        )

    outputs = []
    for kernel in compiled:
        for runs in (1, 3, 64):
            a = {k: copied(v) if hasattr(v, "_asdict") else v for k, v in args.items()}
            a["runs"] = runs
            kernel(**a)
            t = a["tallies"]
            kept = a["landscape"].kinds_keep
            outputs.append([a["cells"].state, kept, t.counts, t.changes, t.work_g, t.heat_g])
    for other in outputs[1:]:
        for x, y in zip(outputs[0], other, strict=True):
            np.testing.assert_array_equal(x, y)

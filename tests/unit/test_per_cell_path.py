"""The per-cell bit path of MemoryArray: input checks on large arrays, the kernel's in-place
copy of the landscape, and a caller changing its arrays between steps."""

import numpy as np
import pytest

import simcore as sc
from simcore.errors import ParameterError
from tests.conftest import F0, KT


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("which", ["energies", "saddles"])
def test_large_per_cell_landscape_with_non_finite_value_raises(bad, which):
    n = 20_000
    arr = sc.MemoryArray(n, attempt_frequency=F0 * np.ones(n), seed=1, initial=[0.5, 0.5])
    e, s = np.zeros((n, 2)), np.full((n, 1), 3 * KT)
    arr.step(e, s, 1e-9)
    before = arr.state.copy(), arr.step_count
    (e if which == "energies" else s)[n // 3, 0] = bad
    with pytest.raises(ParameterError, match=which):
        arr.step(e, s, 1e-9)
    np.testing.assert_array_equal(arr.state, before[0])
    assert arr.step_count == before[1]


def test_caller_reusing_its_arrays_does_not_change_the_books():
    # the array keeps its own copy of the landscape (written in place by the kernel), so a caller
    # that fills the same buffers for every step gets the work of the real jumps
    n, rs = 5000, np.random.default_rng(3)
    f0 = F0 * rs.lognormal(0, 0.3, n)
    tilts = [rs.normal(0, KT, (n, 2)) for _ in range(4)]
    sad = np.full((n, 1), 2 * KT)
    a = sc.MemoryArray(n, attempt_frequency=f0, seed=4, initial=[0.5, 0.5])
    b = sc.MemoryArray(n, attempt_frequency=f0, seed=4, initial=[0.5, 0.5])
    buf, sbuf = np.empty((n, 2)), np.empty((n, 1))
    for t in tilts:
        a.step(t.copy(), sad.copy(), 1e-9, record_per_cell=True)
        buf[:] = t
        sbuf[:] = sad
        b.step(buf, sbuf, 1e-9, record_per_cell=True)
    np.testing.assert_array_equal(a.state, b.state)
    np.testing.assert_array_equal(a.result().work.per_cell, b.result().work.per_cell)
    np.testing.assert_array_equal(a.result().heat.per_cell, b.result().heat.per_cell)
    # and the work is that of the jumps between the tilts
    assert a.result().work.mean != 0.0

"""The engine core's small parts: the plan (landscape -> kernel path), the backend chosen once,
the landscape values, and the aggregated array composed over the same core."""

import numpy as np
import pytest

import simcore as sc
from simcore import backend, plan
from simcore.landscapes import (
    IndexedLandscape,
    PerCellLandscape,
    SharedLandscape,
    cell_landscape,
    indexed_landscape,
)
from tests.conftest import KT

N, M = 10, 3


def _shared(m=M):
    return SharedLandscape(np.zeros(m), np.ones(m - 1))


def _per_cell(m=M):
    return PerCellLandscape(np.zeros((N, m)), np.ones(m - 1))


def _indexed(m=M, dtype=np.uint8):
    return IndexedLandscape(np.zeros((2, m)), np.ones((2, m - 1)), np.zeros(N, dtype=dtype))


@pytest.mark.parametrize(
    "new,current,m,homogeneous,record,kernel,expand,one_kind",
    [
        (_shared(2), None, 2, True, False, "bits_shared", False, False),
        (_shared(), _shared(), M, True, False, "levels_shared", False, False),
        (_shared(2), None, 2, True, True, "levels_shared_per_cell", False, False),
        (_shared(2), None, 2, False, False, "bits_heterogeneous", False, False),
        (_shared(), _per_cell(), M, True, False, "levels_step_heterogeneous", False, False),
        (_per_cell(2), _shared(2), 2, True, False, "bits_heterogeneous", False, False),
        (_indexed(2), None, 2, False, False, "bits_indexed", False, False),
        (_indexed(), None, M, True, False, "levels_indexed", False, False),
        (_indexed(), None, M, False, False, "levels_step_heterogeneous", True, False),
        (_indexed(2, np.int64), None, 2, True, False, "bits_heterogeneous", True, False),
        (_shared(2), _indexed(2), 2, True, False, "bits_indexed", False, True),
        (_shared(), _indexed(), M, False, False, "levels_step_heterogeneous", True, True),
        (_per_cell(2), _indexed(2), 2, True, False, "bits_heterogeneous", False, False),
    ],
)
def test_step_plan_table(new, current, m, homogeneous, record, kernel, expand, one_kind):
    got = plan.step_plan(new, current, m, homogeneous, record)
    assert got == plan.StepPlan(kernel, expand=expand, one_kind=one_kind)


def test_run_kernel():
    assert plan.run_kernel(2, False, False) == "bits_shared"
    assert plan.run_kernel(5, False, False) == "levels_shared"
    assert plan.run_kernel(2, False, True) == "levels_shared_per_cell"
    assert plan.run_kernel(2, True, False) == "bits_heterogeneous"
    assert plan.run_kernel(5, True, False) == "levels_step_heterogeneous"


def test_backend_chosen_once_by_size():
    small = sc.MemoryArray(backend.PARALLEL_CELLS - 1)
    large = sc.MemoryArray(backend.PARALLEL_CELLS)
    assert small.engine_backend == backend.CpuBackend(parallel=False)
    assert large.engine_backend == backend.CpuBackend(parallel=True)
    assert small.backend == large.backend == "cpu"
    from simcore import kernels

    assert small.engine_backend.kernel("bits_shared") is kernels.bits_shared_serial
    assert large.engine_backend.kernel("bits_shared") is kernels.bits_shared
    assert small.engine_backend.threads() == 1


def test_backend_refuses_what_it_does_not_run():
    cpu = backend.CpuBackend(parallel=True)
    with pytest.raises(sc.ParameterError) as err:
        cpu.kernel("no_such_kernel")
    assert err.value.name == "backend"
    cuda = backend.CudaBackend(host=cpu)
    for name in ("bits_heterogeneous", "bits_indexed", "levels_shared_per_cell", "counts_block"):
        with pytest.raises(sc.ParameterError, match="backend") as err:
            cuda.require(name)
        assert name in str(err.value) and "bits_shared" in str(err.value)
    cuda.require("bits_shared")
    assert cuda.kernel("count_levels") is cpu.kernel("count_levels")
    with pytest.raises(sc.ParameterError, match="backend"):
        sc.MemoryArray(10, backend="tpu")


def test_landscape_values_from_requests():
    e, s = np.zeros(2), np.ones(1) * KT
    assert isinstance(cell_landscape(e, s, 2, N), SharedLandscape)
    per = cell_landscape(np.zeros((N, 2)), s, 2, N)
    assert isinstance(per, PerCellLandscape) and per.cell_energies().shape == (N, 2)
    table = indexed_landscape(np.arange(6.0).reshape(3, 2), np.ones((3, 1)), [2, 0] * 5, 2, N)
    assert table.kinds.dtype == np.uint8
    np.testing.assert_array_equal(table.cell_energies()[0], [4.0, 5.0])
    many = indexed_landscape(np.zeros((300, 2)), np.ones((300, 1)), np.arange(N), 2, N)
    assert many.kinds.dtype == np.int64
    for bad, name in (
        ((np.zeros((N, 3)), s), "energies"),
        ((e, np.zeros((N + 1, 1))), "saddles"),
        ((np.array([0.0, np.nan]), s), "energies"),
    ):
        with pytest.raises(sc.ParameterError) as err:
            cell_landscape(*bad, 2, N)
        assert err.value.name == name
    with pytest.raises(AttributeError):
        table.kinds = None  # frozen


def test_the_array_keeps_its_landscape_as_one_value():
    arr = sc.MemoryArray(N, seed=1)
    assert arr._core.landscape is None
    e, s = sc.bit_landscape(20 * KT)
    arr.step(e, s, 1e-9)
    assert isinstance(arr._core.landscape, SharedLandscape)
    arr.step(np.tile(e, (N, 1)), s, 1e-9)
    assert isinstance(arr._core.landscape, PerCellLandscape)
    arr.step(np.stack([e, -e]), np.stack([s, s]), 1e-9, kinds=np.arange(N) % 2)
    assert isinstance(arr._core.landscape, IndexedLandscape)
    e[0] = 1.0  # the caller's arrays are not the array's
    arr.step(e, s, 1e-9)
    assert isinstance(arr._core.landscape, SharedLandscape)
    assert arr._core.landscape.energies[0] == 1.0 and arr._core.landscape.energies is not e


def test_aggregate_array_is_composed_and_has_counts_not_state():
    agg = sc.AggregateArray(10**6, seed=2, initial=[0.5, 0.5])
    assert not isinstance(agg, sc.MemoryArray)
    assert not hasattr(agg, "state")
    assert agg.counts.shape == (16, 2) and agg.counts.sum() == 10**6
    assert agg.ledger.work == {} and agg.step_count == 0
    e, s = sc.bit_landscape(5 * KT, 2 * KT)
    agg.step(e, s, 1e-9, "w")
    assert agg.step_count == 1 and "w" in agg.ledger.work
    with pytest.raises(sc.ParameterError, match="backend"):
        sc.AggregateArray(100, backend="cuda")


def test_aggregate_and_memory_array_share_the_run_loop():
    """The same shared protocol through both stores: the same occupancy to the aggregated
    engine's sampling error (a 4-sigma binomial bound), the same bookkeeping."""
    e0, s0 = sc.bit_landscape(1 * KT, 0.0)
    e1, s1 = sc.bit_landscape(1 * KT, 3 * KT)
    p = sc.Protocol.ramp((e0, s0), (e1, s1), 2e-8, "write").hold(2e-8)
    n = 40_000
    a = sc.MemoryArray(n, seed=3, initial=[0.5, 0.5])
    b = sc.AggregateArray(n, seed=3, initial=[0.5, 0.5])
    ra, rb = a.run(p, 1e-9), b.run(p, 1e-9)
    assert ra.n_steps == rb.n_steps and a.step_count == b.step_count
    p1 = ra.occupancy[1]
    assert abs(ra.occupancy[1] - rb.occupancy[1]) < 4 * np.sqrt(2 * p1 * (1 - p1) / n)
    assert set(ra.by_tag) == set(rb.by_tag) == {"write", "hold"}

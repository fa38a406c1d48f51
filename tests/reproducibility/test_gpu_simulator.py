"""The CUDA backend is bit-identical to the CPU kernels, checked under Numba's CUDA simulator.

The simulator must be switched on before numba is imported, so the GPU side runs in a child
process (``tests/gpu_check.py``); the CPU side runs here on the same cases.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simcore import gpu
from simcore.errors import ParameterError
from tests.gpu_check import make_cases, run_cpu

ROOT = Path(__file__).resolve().parents[2]
CASES = {case.name: case for case in make_cases()}


def _needs_numba_cuda():
    if importlib.util.find_spec("numba_cuda") is None:
        pytest.skip("numba-cuda is not installed")


def _under_simulator(*args):
    """``python -W error *args`` in a child process with Numba's CUDA simulator switched on
    (it must be on before numba is imported); returns the finished process."""
    _needs_numba_cuda()
    return subprocess.run(
        [sys.executable, "-W", "error", *args],
        cwd=ROOT,
        env={**os.environ, "NUMBA_ENABLE_CUDASIM": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """Every case's GPU results from one child process running the CUDA simulator."""
    out = tmp_path_factory.mktemp("gpu") / "gpu.npz"
    proc = _under_simulator("-m", "tests.gpu_check", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with np.load(out) as data:
        return dict(data)


@pytest.mark.parametrize("name", list(CASES))
def test_gpu_kernel_bit_identical_to_cpu(simulated, name):
    case = CASES[name]
    state, tally, changes = run_cpu(case)
    assert changes.sum() > case.changes.sum(), "a case where no cell moves proves little"
    np.testing.assert_array_equal(simulated[f"{name}/state"], state)
    np.testing.assert_array_equal(simulated[f"{name}/tally"], tally)
    np.testing.assert_array_equal(simulated[f"{name}/changes"], changes)


def test_import_needs_no_cuda():
    code = "import sys, simcore.gpu; assert 'numba.cuda' not in sys.modules, 'numba.cuda loaded'"
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def _launch(kernel, case, **launch):
    """``kernel`` (a ``simcore.gpu`` launcher) on copies of ``case``'s arrays from step 0."""
    kernel(
        case.state.copy(),
        case.thresholds,
        case.key,
        case.gamma,
        0,
        case.bounds,
        case.tally.copy(),
        case.changes.copy(),
        **launch,
    )


def test_without_numba_cuda_unavailable_and_raises(monkeypatch):
    case = CASES["levels-2"]
    monkeypatch.setattr(gpu, "installed", lambda: False)
    assert not gpu.available()
    with pytest.raises(gpu.CudaUnavailableError, match="numba-cuda"):
        _launch(gpu.levels_shared, case)


@pytest.mark.parametrize("tpb,cpt", [(48, 4), (2048, 1), (256, 0), (1024, 32), (True, 4)])
def test_bad_launch_shape_raises_before_any_cuda(tpb, cpt):
    case = CASES["bits-default-launch"]
    with pytest.raises(ParameterError):
        _launch(gpu.bits_shared, case, threads_per_block=tpb, cells_per_thread=cpt)


@pytest.mark.parametrize("bad", ["float-thresholds", "int32-tally", "short-state", "m5-bits"])
def test_bad_operands_raise_before_any_cuda(bad):
    case = CASES["bits-default-launch"]
    state, th, tally = case.state.copy(), case.thresholds, case.tally.copy()
    if bad == "float-thresholds":
        th = th.astype(np.float64)
    elif bad == "int32-tally":
        tally = tally.astype(np.int32)
    elif bad == "short-state":
        state = state[:-1]
    else:
        th = CASES["levels-5"].thresholds
    with pytest.raises(ParameterError):
        gpu.bits_shared(state, th, case.key, case.gamma, 0, case.bounds, tally, case.changes.copy())


_ARRAY_CHECK = """
import numpy as np, simcore as sc
kT = sc.kT(300.0)
for m in (2, 5):
    e0 = np.zeros(m); s0 = np.full(m - 1, 2 * kT)
    e1 = -np.arange(m) * 0.7 * kT; s1 = np.maximum(e1[:-1], e1[1:]) + kT
    p = sc.Protocol.ramp((e0, s0), (e1, s1), 3e-9, "update").hold(1e-9)
    runs = []
    for backend in ("cpu", "cuda"):
        arr = sc.MemoryArray(300, m, seed=4, backend=backend)
        r = arr.run(p, 1e-9, initial="equilibrium")
        runs.append((arr.state.copy(), r.work.mean, r.heat.mean, r.by_tag["update"].changes))
    assert np.array_equal(runs[0][0], runs[1][0]), m
    assert runs[0][1:] == runs[1][1:], (m, runs[0][1:], runs[1][1:])
print("identical")
"""


@pytest.mark.slow  # the simulator runs every CUDA thread of 64 groups as a Python thread: ~1 min
def test_memory_array_cuda_backend_is_bit_identical_under_simulator():
    proc = _under_simulator("-c", _ARRAY_CHECK)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "identical" in proc.stdout


def test_memory_array_cuda_backend_refused_without_device():
    if gpu.available():
        pytest.skip("a CUDA device or the simulator is available here")
    with pytest.raises(ParameterError, match="backend"):
        import simcore as sc

        sc.MemoryArray(10, backend="cuda")


_REFUSAL_CHECK = """
import numpy as np, simcore as sc
from simcore.errors import ParameterError
kT = sc.kT(300.0)
arr = sc.MemoryArray(50, seed=4, backend="cuda")
assert arr.engine_backend.name == "cuda"
e, s = sc.bit_landscape(10 * kT)
refused = []
for call in (
    lambda: arr.step(np.tile(e, (50, 1)), s, 1e-9),
    lambda: arr.step(np.stack([e, e]), np.stack([s, s]), 1e-9, kinds=np.zeros(50, dtype=int)),
    lambda: arr.step(e, s, 1e-9, record_per_cell=True),
    lambda: arr.run(
        sc.Protocol.constant(e, s, 1e-9, "w"), 1e-9, cell_landscapes=lambda e, s: (e, s)
    ),
    lambda: sc.MemoryArray(50, attempt_frequency=np.full(50, 1e9), backend="cuda").run(
        sc.Protocol.constant(e, s, 1e-9, "w"), 1e-9
    ),
):
    try:
        call()
    except ParameterError as err:
        refused.append(err.name == "backend" and "runs bits_shared" in str(err))
assert refused == [True] * 5, refused
assert arr.step_count == 0 and arr.ledger.work == {}
print("refused")
"""


def test_cuda_backend_refuses_per_cell_and_indexed_work_before_any():
    """``backend="cuda"`` runs shared-landscape steps only: a per-cell, indexed or per-cell-record
    request is a ParameterError naming the backend (it used to run on the CPU, silently), raised
    before any step is taken."""
    proc = _under_simulator("-c", _REFUSAL_CHECK)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "refused" in proc.stdout

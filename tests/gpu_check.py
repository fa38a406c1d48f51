"""Cases for the CUDA backend's identity check, and the process that runs them on the device.

``tests/reproducibility/test_gpu_simulator.py`` runs this module in a child process with Numba's
CUDA simulator switched on (``NUMBA_ENABLE_CUDASIM`` must be set before numba is imported, and
simcore imports numba, so the switch cannot be thrown inside the test process):

    NUMBA_ENABLE_CUDASIM=1 python -m tests.gpu_check OUT.npz     # GPU results of every case

and compares what it wrote with the CPU kernels run on the same cases in the test process. On a
machine with a GPU the same command, without the variable, runs the cases on the device.

    python -m tests.gpu_check --ptx

compiles the kernels to PTX for sm_90 without a GPU (needs NVVM and NVRTC, e.g. the
``nvidia-nvvm`` and ``nvidia-cuda-nvrtc`` wheels on the library path) and fails if any float64
instruction or local-memory access appears: a uint64 operand mixed with an int64 one would turn
the generator's arithmetic into float64, which the simulator (running on NumPy scalars) can miss.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from simcore import kernels, rng
from simcore.propagator import level_thresholds


@dataclass(frozen=True)
class Case:
    name: str
    levels: int  # 2 with bits=True uses the bit kernel
    bits: bool
    state: np.ndarray
    thresholds: np.ndarray
    key: np.uint64
    gamma: np.uint64
    step0: int
    bounds: np.ndarray
    tally: np.ndarray  # initial ``ones`` (G, B) or ``counts`` (G, B, M): kernels add to it
    changes: np.ndarray
    threads_per_block: int
    cells_per_thread: int
    on_device: bool = False


def _bounds(n: int, g: int) -> np.ndarray:
    return (np.arange(g + 1, dtype=np.int64) * n) // g


def _bit_thresholds(flips: np.ndarray) -> np.ndarray:
    """(B, 2, 1) thresholds from (B, 2) flip probabilities p01, p10."""
    th = np.empty((flips.shape[0], 2, 1), dtype=np.uint64)
    for k, (p01, p10) in enumerate(flips):
        level_thresholds(np.array([[1.0 - p01, p01], [p10, 1.0 - p10]]), th[k])
    return th


def _level_thresholds(rs, n_steps: int, m: int) -> np.ndarray:
    """(B, M, M-1) thresholds of random propagators: sparse, peaked and exactly-zero entries."""
    th = np.empty((n_steps, m, m - 1), dtype=np.uint64)
    for k in range(n_steps):
        p = rs.dirichlet(np.full(m, 0.3), size=m)
        p[np.arange(m), np.arange(m)] += 2.0 * (k % 3)  # some steps mostly stay
        p[rs.random((m, m)) < 0.2] = 0.0
        p[:, 0] += 1e-300  # no empty row
        level_thresholds(p / p.sum(axis=1, keepdims=True), th[k])
    return th


def _case(name, rs, n, g, th, tpb, cpt, step0=0, prefill=False, bits=None, on_device=False):
    n_steps, m = th.shape[0], th.shape[1]
    key, gamma = rng.stream(int(rs.integers(2**63)))
    shape = (g, n_steps) if bits or (bits is None and m == 2) else (g, n_steps, m)
    tally = rs.integers(0, 1000, shape) if prefill else np.zeros(shape, dtype=np.int64)
    changes = rs.integers(0, 1000, (g, n_steps)) if prefill else np.zeros((g, n_steps), np.int64)
    return Case(
        name,
        m,
        len(shape) == 2,
        rs.integers(0, m, n).astype(np.uint8),
        th,
        key,
        gamma,
        step0,
        _bounds(n, g),
        tally.astype(np.int64),
        changes.astype(np.int64),
        tpb,
        cpt,
        on_device,
    )


def _boundary_case(name: str, m: int, bits: bool) -> Case:
    """One step in which thresholds equal some cells' own uniforms exactly: ``u == threshold``
    must resolve as in the CPU kernel (``u < th`` moves down, ``u >= th`` moves up)."""
    n, seed, step0 = 32, 5, 3
    key, gamma = rng.stream(seed)
    u = [int(x) for x in rng.uniform_bits(seed, step0, np.arange(n))]
    state = (np.arange(n) % m).astype(np.uint8)
    th = np.empty((1, m, m - 1), dtype=np.uint64)
    umax = 2**64 - 1
    for s in range(m):
        lo, hi = sorted((u[s], u[s + m]))  # two cells that start at level s
        row = [0] * (m - 1)
        if 0 < s < m - 1:
            row[s - 1], row[s] = lo, hi
        elif s == 0:
            row[0] = lo
        else:
            row[m - 2] = hi
        below, above = row[s - 1] if s > 0 else 0, row[s] if s < m - 1 else umax
        for j in range(s - 1):
            row[j] = below * (j + 1) // s
        for j in range(s + 1, m - 1):
            row[j] = above + (umax - above) * (j - s) // (m - 1 - s)
        th[0, s] = row
    g, shape = 1, (1, 1) if bits else (1, 1, m)
    zeros = np.zeros(shape, dtype=np.int64)
    return Case(
        name,
        m,
        bits,
        state,
        th,
        key,
        gamma,
        step0,
        _bounds(n, g),
        zeros,
        np.zeros((1, 1), np.int64),
        32,
        1,
    )


def make_cases() -> list[Case]:
    """Small, deterministic cases: several blocks per group, partial blocks, uneven groups,
    more steps than one shared-memory chunk, extreme thresholds, host and device arrays."""
    rs = np.random.default_rng(20240611)
    edge = np.array([[0.0, 0.0], [1.0, 1.0], [1e-12, 1.0 - 1e-12], [0.5, 0.5]])
    bits40 = np.concatenate([edge, rs.uniform(0.0, 0.6, (36, 2))])
    return [
        # 3 uneven groups of 333/334 cells, 3 blocks each (the last partial), 2 tally chunks,
        # a step counter near 2**32, tallies that already hold counts
        _case("bits-chunks", rs, 1001, 3, _bit_thresholds(bits40), 32, 4, 4_000_000_000, True),
        _case("bits-default-launch", rs, 2500, 1, _bit_thresholds(bits40[:3]), 256, 8, 77),
        _case(
            "bits-device-arrays",
            rs,
            500,
            2,
            _bit_thresholds(bits40[4:7]),
            32,
            4,
            5,
            True,
            on_device=True,
        ),
        _case("levels-5", rs, 1000, 4, _level_thresholds(rs, 12, 5), 32, 4, 123, True),
        # M = 200: 20 steps per shared chunk, so 45 steps take 3 chunks
        _case("levels-200-chunks", rs, 300, 2, _level_thresholds(rs, 45, 200), 32, 2, 9),
        _case("levels-2", rs, 400, 2, _bit_thresholds(bits40[:4]), 32, 4, 11, bits=False),
        _boundary_case("bits-boundary", 2, True),
        _boundary_case("levels-boundary", 4, False),
    ]


def run_cpu(case: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CPU kernel on ``case``: (state, tally, changes) after it."""
    state, tally, changes = case.state.copy(), case.tally.copy(), case.changes.copy()
    kernel = kernels.bits_shared if case.bits else kernels.levels_shared
    kernel(
        cells=kernels.Cells(state=state, bounds=np.asarray(case.bounds, dtype=np.int64)),
        steps=kernels.SharedSteps(thresholds=case.thresholds, energies=np.empty((0, 0))),
        stream=kernels.Stream(key=case.key, gamma=case.gamma, step=case.step0, seed=np.uint64(0)),
        tallies=kernels.tallies(counts=tally, changes=changes),
    )
    return state, tally, changes


def run_gpu(case: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CUDA kernel on ``case`` (a device or the simulator): (state, tally, changes)."""
    from numba import cuda

    from simcore import gpu

    state, tally, changes = case.state.copy(), case.tally.copy(), case.changes.copy()
    if case.on_device:
        state, tally, changes = (cuda.to_device(a) for a in (state, tally, changes))
    kernel = gpu.bits_shared if case.bits else gpu.levels_shared
    kernel(
        state,
        case.thresholds,
        case.key,
        case.gamma,
        case.step0,
        case.bounds,
        tally,
        changes,
        threads_per_block=case.threads_per_block,
        cells_per_thread=case.cells_per_thread,
    )
    if case.on_device:
        cuda.synchronize()
        state, tally, changes = (a.copy_to_host() for a in (state, tally, changes))
    return state, tally, changes


def check_ptx(cells_per_thread: int = 8, cc: tuple[int, int] = (9, 0)) -> None:
    """Compile both kernels to PTX for ``cc`` without a device and check the generated code."""
    import numba.cuda.dispatcher as dispatcher
    from numba import cuda, types

    from simcore import gpu

    class _Device:  # a device dispatcher asks the current device for its compute capability
        compute_capability = cc

    dispatcher.get_current_device = _Device
    gpu.cuda = cuda
    gpu._kernel_cache.pop(cells_per_thread, None)
    saved, gpu._cuda = gpu._cuda, lambda: cuda
    try:
        bits_kernel, levels_kernel, _ = gpu._kernels(cells_per_thread)
    finally:
        gpu._cuda = saved
    u64, i64 = types.uint64, types.int64
    head = (types.uint8[::1], types.uint64[:, :, ::1], u64, u64, u64, i64[::1])
    sigs = {
        "bits": (bits_kernel, (*head, i64[:, ::1], i64[:, ::1])),
        "levels": (levels_kernel, (*head, i64[:, :, ::1], i64[:, ::1], i64)),
    }
    bad = []
    for name, (kernel, sig) in sigs.items():
        ptx, _ = cuda.compile_ptx(kernel.py_func, sig, cc=cc)
        lines = ptx.splitlines()
        f64 = [ln.strip() for ln in lines if "f64" in ln]
        local = [ln.strip() for ln in lines if "ld.local" in ln or "st.local" in ln]
        print(f"{name}: {len(lines)} PTX lines, {len(f64)} float64, {len(local)} local-memory")
        bad += [f"{name}: {ln}" for ln in f64 + local]
    if bad:
        raise SystemExit("unexpected instructions:\n" + "\n".join(bad[:20]))


def main(argv: list[str]) -> None:
    if argv == ["--ptx"]:
        check_ptx()
        return
    if len(argv) != 1:
        raise SystemExit(__doc__)
    from simcore import gpu

    if not gpu.available():
        raise SystemExit("simcore.gpu is not available (no numba-cuda, device or simulator)")
    out = {}
    for case in make_cases():
        for field, value in zip(("state", "tally", "changes"), run_gpu(case), strict=True):
            out[f"{case.name}/{field}"] = value
    np.savez(argv[0], **out)


if __name__ == "__main__":
    main(sys.argv[1:])

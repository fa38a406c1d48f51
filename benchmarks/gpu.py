"""GPU throughput of the CUDA kernels (``simcore.gpu``) and their identity with the CPU kernels.

    python -m benchmarks.gpu [--quick] [--json PATH] [--sizes 1e8 3e8 1e9] [--steps 64]

1. Identity: a 10^6-cell slice (64 groups as ``MemoryArray`` makes them, 64 steps of a ramp)
   through the CPU kernel and the GPU kernel; states and per-group, per-step tallies must be
   equal element for element (bits, and M = 5 and M = 16 levels). Exit status 1 if not.
2. Throughput of the bit kernel for N = 10^8 .. 10^9 cells: state, thresholds and tallies on the
   device, the JIT warmed and the array touched by one launch first, ``cuda.synchronize()``
   before reading the clock; best of ``--repeats`` launches of ``--steps`` steps each. Then
   M-level rows at 10^8 cells and, unless ``--quick``, a sweep of the launch shape
   (threads per block x cells per thread) at 10^8 cells.

Prints one table; ``--json`` also writes the rows. Exits 0 with a message where there is no GPU
(or only the simulator). Takes well under 3 minutes on an H200 (one run, fresh JIT included).
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import sys
import time

import numpy as np

from simcore import gpu, kernels, rng
from simcore.constants import kT as thermal_energy
from simcore.propagator import step_tables

TARGET = 5e10  # bit cell-steps per second (issue 6)
GROUPS = 64  # as simcore.array.GROUPS
T = 300.0
F0 = 1e9
DT = 1e-10
#: ``numba.cuda``, bound in ``main`` (a module global, as the CUDA simulator requires of kernels)
cuda = None


def ramp_thresholds(m: int, n_steps: int) -> np.ndarray:
    """(B, M, M-1) thresholds of a ramp from a flat landscape with 2 kT barriers to one tilted
    by 0.5 kT per level with 1 kT barriers (a few per cent of the cells move per step)."""
    kt = thermal_energy(T)
    x = np.linspace(0.0, 1.0, n_steps)[:, None]
    e = -x * np.arange(m) * 0.5 * kt
    s = np.maximum(e[:, :-1], e[:, 1:]) + (2.0 - x) * kt
    probs = np.empty((n_steps, m, m))
    th = np.empty((n_steps, m, m - 1), dtype=np.uint64)
    step_tables(e, s, kt, F0, 0, np.full(n_steps, DT), probs, th)
    return th


def bounds_of(n: int) -> np.ndarray:
    g = min(GROUPS, n)
    return (np.arange(g + 1, dtype=np.int64) * n) // g


def check_identity(n: int, n_steps: int) -> list[dict]:
    """CPU against GPU on the same inputs (host arrays); one row per kernel and side."""
    rows = []
    key, gamma = rng.stream(2024)
    init = np.random.default_rng(1)
    for m in (2, 5, 16):
        th = ramp_thresholds(m, n_steps)
        state0 = init.integers(0, m, n).astype(np.uint8)
        outs = []
        for side, kernel in (("cpu", _cpu(m)), ("gpu", _gpu(m))):
            _call(kernel, state0[:1000], th, key, gamma)  # JIT warm-up
            t = time.perf_counter()
            outs.append(_call(kernel, state0, th, key, gamma))
            rows.append({"check": f"M={m}", "side": side, "seconds": time.perf_counter() - t})
        same = all(np.array_equal(a, b) for a, b in zip(*outs, strict=True))
        rows.append(
            {"check": f"M={m}", "side": "both", "equal": same, "changes": int(outs[0][2].sum())}
        )
    return rows


def _call(kernel, state0, th, key, gamma):
    state = state0.copy()
    bounds = bounds_of(state.size)
    g, n_steps, m = bounds.size - 1, th.shape[0], th.shape[1]
    tally = np.zeros((g, n_steps) if m == 2 else (g, n_steps, m), dtype=np.int64)
    changes = np.zeros((g, n_steps), dtype=np.int64)
    kernel(state, th, key, gamma, 7, bounds, tally, changes)
    return state, tally, changes


def _cpu(m):
    """The CPU kernel with the CUDA launcher's positional signature (its bundles built here)."""
    kernel = kernels.bits_shared if m == 2 else kernels.levels_shared

    def call(state, th, key, gamma, step0, bounds, tally, changes):
        kernel(
            cells=kernels.Cells(state=state, bounds=bounds),
            steps=kernels.SharedSteps(thresholds=th, energies=np.empty((0, 0))),
            stream=kernels.Stream(key=key, gamma=gamma, step=step0, seed=np.uint64(0)),
            tallies=kernels.tallies(counts=tally, changes=changes),
        )

    return call


def _gpu(m):
    return gpu.bits_shared if m == 2 else gpu.levels_shared


def throughput(n, m, n_steps, repeats, tpb, cpt) -> dict:
    """Cell-steps per second of one kernel, everything on the device."""
    fill = _fill_kernel()
    state = cuda.device_array(n, dtype=np.uint8)
    fill[(n + 1023) // 1024, 1024](state, np.uint8(0))
    th = cuda.to_device(ramp_thresholds(m, n_steps))
    bounds = bounds_of(n)
    g = bounds.size - 1
    tally = cuda.to_device(np.zeros((g, n_steps) if m == 2 else (g, n_steps, m), np.int64))
    changes = cuda.to_device(np.zeros((g, n_steps), np.int64))
    key, gamma = rng.stream(7)
    kernel = _gpu(m)
    best = np.inf
    for r in range(repeats + 1):  # the first launch touches the pages and is not timed
        cuda.synchronize()
        t = time.perf_counter()
        kernel(
            state,
            th,
            key,
            gamma,
            r * n_steps,
            bounds,
            tally,
            changes,
            threads_per_block=tpb,
            cells_per_thread=cpt,
        )
        cuda.synchronize()
        if r:
            best = min(best, time.perf_counter() - t)
    rate = n * n_steps / best
    return {
        "kernel": "bits" if m == 2 else f"{m}-level",
        "cells": n,
        "levels": m,
        "steps": n_steps,
        "threads_per_block": tpb,
        "cells_per_thread": cpt,
        "seconds": best,
        "cell_steps_per_s": rate,
        "ns_per_cell_step": 1e9 / rate,
    }


@functools.cache
def _fill_kernel():
    @cuda.jit
    def fill(a, v):
        i = cuda.grid(1)
        if i < a.size:
            a[i] = v

    return fill


def _print_table(rows):
    print(
        f"{'kernel':>10} {'cells':>12} {'M':>4} {'steps':>6} {'tpb':>5} {'cpt':>4} "
        f"{'s/launch':>9} {'cell-steps/s':>13} {'ns/cell-step':>13} {'x target':>9}"
    )
    for r in rows:
        target = f"{r['cell_steps_per_s'] / TARGET:9.2f}" if r["levels"] == 2 else f"{'':9}"
        print(
            f"{r['kernel']:>10} {r['cells']:>12.3g} {r['levels']:>4} {r['steps']:>6} "
            f"{r['threads_per_block']:>5} {r['cells_per_thread']:>4} {r['seconds']:>9.4f} "
            f"{r['cell_steps_per_s']:>13.3e} {r['ns_per_cell_step']:>13.4f} {target}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.gpu", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--sizes", type=float, nargs="+", default=[1e8, 3e8, 1e9])
    ap.add_argument("--steps", type=int, default=64, help="steps per launch")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="skip the launch-shape sweep")
    ap.add_argument("--json", help="also write the rows to this file")
    args = ap.parse_args(argv)

    if not gpu.installed():
        print("benchmarks.gpu: numba-cuda is not installed (pip install numba-cuda); nothing to do")
        return 0
    if gpu.simulated():
        print("benchmarks.gpu: NUMBA_ENABLE_CUDASIM is set; timings need a real GPU, nothing to do")
        return 0
    if not gpu.available():
        print("benchmarks.gpu: no usable CUDA GPU on this machine; nothing to do")
        return 0
    global cuda
    from numba import cuda

    start = time.perf_counter()
    dev = cuda.get_current_device()
    name = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
    print(
        f"device: {name}, compute capability {dev.compute_capability}; "
        f"numba-cuda {_version('numba-cuda')}, numba {_version('numba')}, "
        f"python {platform.python_version()}"
    )

    identity = check_identity(10**6, 64)
    ok = True
    for r in identity:
        if r["side"] == "both":
            ok &= r["equal"]
            verdict = "bit-identical" if r["equal"] else "DIFFERENT"
            print(
                f"identity {r['check']}, 10^6 cells x 64 steps: {verdict} "
                f"({r['changes']} level changes)"
            )
        else:
            print(f"  {r['side']}: {r['seconds']:.3f} s (host arrays, transfers included)")

    rows = []
    tpb, cpt = gpu.THREADS_PER_BLOCK, gpu.CELLS_PER_THREAD
    throughput(10**6, 2, 4, 1, tpb, cpt)  # JIT and context warm-up
    for n in args.sizes:
        rows.append(throughput(int(n), 2, args.steps, args.repeats, tpb, cpt))
    for m in (4, 16):
        rows.append(throughput(10**8, m, max(4, args.steps // 4), args.repeats, tpb, cpt))
    if not args.quick:
        for shape_tpb in (128, 256, 512):
            for shape_cpt in (1, 2, 4, 8, 16):
                if shape_tpb * shape_cpt < 2**15:
                    rows.append(throughput(10**8, 2, args.steps, 2, shape_tpb, shape_cpt))
    _print_table(rows)
    print(f"total {time.perf_counter() - start:.1f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": name, "identity": identity, "rows": rows}, f, indent=1)
    if not ok:
        print("benchmarks.gpu: the GPU kernels differ from the CPU kernels", file=sys.stderr)
        return 1
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())

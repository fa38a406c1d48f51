"""Kernel benchmarks: each Numba path against a vectorised NumPy twin of the same physics,
run in the same process, JIT warmed first. Prints one table and optionally writes JSON.

Columns: kernel, cells, levels, threads, ns per cell-step (Numba), ns per cell-step (NumPy),
ratio NumPy/Numba, and for the memory rows the peak of the arrays allocated by the array and its
run (MB, traced); the JSON also has the process's peak resident size (which includes the
interpreter, NumPy, Numba and LLVM).

The NumPy twins are efficient: per-step flip probabilities are precomputed once per step (not per
cell), NumPy's own PCG64 generator draws the uniforms, states are uint8.

Per-cell rows (per-cell f0, lognormal σ = 0.3, and per-cell tilts, normal σ = kT, saddle 3 kT, as
an optimiser or a device spread gives): "held" runs a hold protocol through
``MemoryArray.run(cell_landscapes=...)`` (one landscape for all the row's steps: per-cell
thresholds once, then a hash and a compare per cell-step), its twin computes the per-cell flip
probabilities once too; "every step" calls ``MemoryArray.step`` with a new (N, 2) landscape every
step (thresholds, three exponentials per cell, every step), its twin recomputes them every step.
"indexed" (the optimiser's writes: a rest landscape and two tilts, new kinds and a new table every
step) calls ``MemoryArray.step(table, saddles, dt, kinds=...)``: rates once per kind, one
exponential per cell-step; its twin does the same with NumPy (per-kind tables, ``expm1`` per
cell); "shared f0, indexed" the same with one attempt frequency (a threshold per kind and level,
computed once per step; its twin looks up per-kind flip probabilities).
Numba figures are the best of three runs (five for the indexed rows): the machine is shared, so
the best is the least disturbed.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time

import numba
import numpy as np

import simcore as sc
from simcore.propagator import step_tables

T = 300.0
KT = sc.kT(T)
F0 = 1e9


def _bit(barrier, tilt=0.0):
    return sc.bit_landscape(barrier * KT, tilt * KT)


def _ramp_protocol(m: int, n_steps: int, dt: float) -> sc.Protocol:
    e0 = np.zeros(m)
    e1 = -np.arange(m) * 0.5 * KT
    s0 = np.maximum(e0[:-1], e0[1:]) + 2.0 * KT
    s1 = np.maximum(e1[:-1], e1[1:]) + 1.0 * KT
    return sc.Protocol.ramp((e0, s0), (e1, s1), n_steps * dt, "update")


def _best(fn, repeats: int) -> float:
    """The least of ``repeats`` calls of ``fn``, which returns the seconds of its timed part
    (setting up the array and its inputs is not timed)."""
    return min(fn() for _ in range(repeats))


#: Cells per slice of the NumPy twin's step on large arrays (its float64 uniforms of 10^9 cells
#: would need 8 GB); a slice is large enough that the per-call overhead does not count.
NUMPY_SLICE = 10**7


def _numpy_shared(n: int, m: int, protocol: sc.Protocol, dt: float) -> float:
    """Vectorised NumPy twin of a shared-landscape run: returns seconds. Bit arrays larger than
    ``NUMPY_SLICE`` cells are stepped a slice at a time (the same work, bounded memory)."""
    grid = protocol.grid(dt)
    e, s = grid.landscapes(0, grid.n_steps)
    probs = np.empty((grid.n_steps, m, m))
    th = np.empty((grid.n_steps, m, m - 1), dtype=np.uint64)
    gen = np.random.default_rng(1)
    state = np.zeros(n, dtype=np.uint8)
    t = time.perf_counter()
    step_tables(e[1:], s[1:], KT, F0, 0, grid.durations, probs, th)  # per-step, not per-cell
    if m == 2:
        flip = np.stack([probs[:, 0, 1], probs[:, 1, 0]], axis=1)
        for k in range(grid.n_steps):
            for a in range(0, n, NUMPY_SLICE):
                part = state[a : a + NUMPY_SLICE]
                u = gen.random(part.size)
                part ^= (u < flip[k][part]).astype(np.uint8)
                np.count_nonzero(part)
    else:
        cdf = np.cumsum(probs, axis=2)[:, :, :-1]
        for k in range(grid.n_steps):
            u = gen.random(n)
            state = (u[:, None] >= cdf[k][state]).sum(axis=1).astype(np.uint8)
            np.bincount(state, minlength=m)
    return time.perf_counter() - t


def _cells(n: int):
    """Per-cell attempt frequencies (lognormal, σ = 0.3) and tilts (normal, σ = kT), as an
    optimiser's or a device spread's: (f0 (N,), tilt (N,))."""
    rs = np.random.default_rng(2)
    return F0 * rs.lognormal(0, 0.3, n), rs.normal(0, KT, n)


def _numpy_heterogeneous(n: int, n_steps: int, dt: float, held: bool) -> float:
    """NumPy twin of per-cell bit steps (per-cell f0 and tilts, saddle 3 kT): per-cell flip
    probabilities once (``held``: one landscape for every step) or every step; returns seconds."""
    f0, tilt = _cells(n)
    gen = np.random.default_rng(3)
    state = np.zeros(n, dtype=np.uint8)
    barrier = 3 * KT

    def flip_probabilities(scale):
        e0, e1 = -scale * tilt / 2, scale * tilt / 2
        top = np.maximum(barrier, np.maximum(e0, e1))
        k01 = f0 * np.exp(-(top - e0) / KT)
        k10 = f0 * np.exp(-(top - e1) / KT)
        r = k01 + k10
        frac = -np.expm1(-r * dt) / r
        return k01 * frac, k10 * frac

    t = time.perf_counter()
    p01, p10 = flip_probabilities(1.0)
    for k in range(n_steps):
        if not held:
            p01, p10 = flip_probabilities(1.0 + 0.01 * (k % 2))
        u = gen.random(n)
        state ^= (u < np.where(state == 1, p10, p01)).astype(np.uint8)
        np.count_nonzero(state)
    return time.perf_counter() - t


def _indexed_table(scale: float = 1.0):
    """The optimiser's bit landscapes (``experiments/lim_optimizer/model.py``,
    ``Memory.write``): row 0 rests (flat wells, saddle 20 kT), row 1 + t tilts towards level t
    (``v_tilt``: the other level lifted by 4 kT) under a 1 kT saddle. ``scale`` varies the tilt
    from step to step."""
    e = np.array([[0.0, 0.0], [0.0, 4.0 * scale], [4.0 * scale, 0.0]]) * KT
    s = np.array([[20.0], [1.0], [1.0]]) * KT
    return e, s


def _kinds(n: int, n_steps: int) -> list[np.ndarray]:
    """A new selection every step: a quarter of the cells written (to a random level), the
    rest resting, as uint8 kinds (N,)."""
    rs = np.random.default_rng(4)
    out = []
    for _ in range(min(n_steps, 4)):
        k = np.zeros(n, dtype=np.uint8)
        written = rs.random(n) < 0.25
        k[written] = 1 + rs.integers(0, 2, written.sum())
        out.append(k)
    return out


def _numpy_indexed(n: int, n_steps: int, dt: float, per_cell: bool = True) -> float:
    """NumPy twin of indexed bit steps: per kind and level the share of the escape rate and the
    relaxation rate at f0 = 1 (computed once per step, K = 3); per cell one ``expm1`` of
    ``f0 g dt`` (per-cell f0) or a lookup of the kind's flip probability; returns seconds."""
    f0 = _cells(n)[0] if per_cell else F0
    kinds = _kinds(n, n_steps)
    gen = np.random.default_rng(3)
    state = np.zeros(n, dtype=np.uint8)
    t = time.perf_counter()
    for k in range(n_steps):
        e, s = _indexed_table(1.0 + 0.01 * (k % 2))
        top = np.maximum(s[:, 0], np.maximum(e[:, 0], e[:, 1]))
        a01 = np.exp(-(top - e[:, 0]) / KT)
        a10 = np.exp(-(top - e[:, 1]) / KT)
        g = a01 + a10
        share = np.stack([a01 / g, a10 / g], axis=1).ravel()  # code 2 kind + level
        rate = np.repeat(g * dt, 2)
        code = 2 * kinds[k % len(kinds)] + state
        if per_cell:
            p = share[code] * -np.expm1(-f0 * rate[code])
        else:
            p = (share * -np.expm1(-f0 * rate))[code]
        state ^= (gen.random(n) < p).astype(np.uint8)
        np.count_nonzero(state)
    return time.perf_counter() - t


def _numba_indexed(n: int, n_steps: int, dt: float, per_cell: bool = True) -> float:
    """Indexed bit steps, seconds: ``step(table, ..., kinds=...)`` with a new table and new kinds
    every step (per-cell f0: one exponential per cell-step; shared f0: a threshold lookup)."""
    f0 = _cells(n)[0] if per_cell else F0
    kinds = _kinds(n, n_steps)
    arr = sc.MemoryArray(n, temperature=T, attempt_frequency=f0, seed=1)
    tables = [_indexed_table(1.0), _indexed_table(1.01)]
    arr.step(*tables[0], dt, kinds=kinds[0])
    t = time.perf_counter()
    for k in range(n_steps):
        arr.step(*tables[k % 2], dt, kinds=kinds[k % len(kinds)])
    return time.perf_counter() - t


def _numba_shared(n: int, m: int, protocol: sc.Protocol, dt: float) -> float:
    arr = sc.MemoryArray(n, m, temperature=T, attempt_frequency=F0, seed=1)
    t = time.perf_counter()
    arr.run(protocol, dt)
    return time.perf_counter() - t


def _numba_heterogeneous(n: int, n_steps: int, dt: float, held: bool) -> float:
    """Per-cell bit steps, seconds. ``held``: ``run`` over a hold protocol with the per-cell
    tilts from ``cell_landscapes`` (one kernel call per run, thresholds once per cell);
    otherwise ``step`` with a new per-cell landscape every step (thresholds every step)."""
    f0, tilt = _cells(n)
    tilts = np.stack([-tilt / 2, tilt / 2], axis=1)
    arr = sc.MemoryArray(n, temperature=T, attempt_frequency=f0, seed=1)
    sad = np.full(1, 3 * KT)
    if held:
        hold = sc.Protocol.ramp(_bit(3.0), _bit(3.0), n_steps * dt, "hold")
        t = time.perf_counter()
        arr.run(hold, dt, cell_landscapes=lambda e, s: (tilts, s))
        return time.perf_counter() - t
    arr.step(tilts, sad, dt)
    other = 1.01 * tilts
    t = time.perf_counter()
    for k in range(n_steps):
        arr.step(other if k % 2 == 0 else tilts, sad, dt)
    return time.perf_counter() - t


def peak_memory_mb(n: int, n_steps: int = 16) -> tuple[float, float]:
    """Memory of a run of ``n`` bit cells in a fresh process: the peak of NumPy allocations
    traced during construction and run (MB), and the process's peak resident size (MB)."""
    code = f"""
import resource, tracemalloc, simcore as sc
kT = sc.kT(300.0)
p = sc.Protocol.ramp(sc.bit_landscape(3 * kT), sc.bit_landscape(2 * kT, kT), {n_steps} * 1e-10)
sc.MemoryArray(10, seed=1).run(p, 1e-10)
tracemalloc.start()
arr = sc.MemoryArray({n}, seed=1)
arr.run(p, 1e-10)
peak = tracemalloc.get_traced_memory()[1]
print(peak / 2**20, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    traced, rss = out.stdout.strip().splitlines()[-1].split()
    return float(traced), float(rss)


def run(quick: bool = True) -> list[dict]:
    dt = 1e-10
    rows = []
    threads = [t for t in (1, 2) if t <= numba.config.NUMBA_NUM_THREADS]
    saved = numba.get_num_threads()
    # warm the JIT of every path
    _numba_shared(1000, 2, _ramp_protocol(2, 4, dt), dt)
    _numba_shared(1000, 4, _ramp_protocol(4, 4, dt), dt)
    _numba_heterogeneous(1000, 2, dt, True)
    _numba_indexed(2**16, 2, dt)
    cases = []
    sizes = (10**5, 10**6, 10**7) if quick else (10**3, 10**5, 10**6, 10**7, 10**8, 10**9)
    for n in sizes:
        steps = max(20, min(2000, int(2e8 // n)))
        cases.append(("bits shared", n, 2, steps))
    for m, n in ((4, 10**6), (16, 10**6), (256, 10**6)):
        cases.append((f"{m}-level shared", n, m, (200 if m < 256 else 40) if quick else 1000))
    cases.append(("bits per-cell f0,tilt held", 10**6, 2, 20 if quick else 100))
    cases.append(("bits per-cell, every step", 10**6, 2, 10 if quick else 40))
    cases.append(("bits per-cell f0, indexed", 10**6, 2, 20 if quick else 100))
    cases.append(("bits shared f0, indexed", 10**6, 2, 20 if quick else 100))
    try:
        for kernel, n, m, steps in cases:
            cell_steps = n * steps
            per_cell = kernel.startswith("bits per-cell")
            held = kernel.endswith("held")
            indexed = kernel.endswith("indexed")
            if indexed:
                np_steps = max(2, steps // 4)
                pc = "per-cell" in kernel
                t_np = _numpy_indexed(n, np_steps, dt, pc) * steps / np_steps
            elif per_cell:
                np_steps = max(2, steps // 4)
                t_np = _numpy_heterogeneous(n, np_steps, dt, held) * steps / np_steps
            else:
                p = _ramp_protocol(m, steps, dt)
                np_steps = max(2, min(steps, int(5e7 // (n * (1 if m == 2 else m)))))
                t_np = _numpy_shared(n, m, _ramp_protocol(m, np_steps, dt), dt) * steps / np_steps
            for th in threads:
                numba.set_num_threads(th)
                if indexed:
                    t_nb = _best(lambda n=n, s=steps, pc=pc: _numba_indexed(n, s, dt, pc), 5)
                elif per_cell:
                    t_nb = _best(
                        lambda n=n, s=steps, h=held: _numba_heterogeneous(n, s, dt, h), 3
                    )
                else:
                    t_nb = _best(lambda n=n, m=m, p=p: _numba_shared(n, m, p, dt), 3)
                rows.append(
                    {
                        "kernel": kernel,
                        "cells": n,
                        "levels": m,
                        "threads": th,
                        "ns_per_cell_step": 1e9 * t_nb / cell_steps,
                        "numpy_ns_per_cell_step": 1e9 * t_np / cell_steps,
                        "ratio": t_np / t_nb,
                        "peak_mb": None,
                    }
                )
    finally:
        numba.set_num_threads(saved)
    for n in (10**7,) if quick else (10**7, 10**9):
        traced, rss = peak_memory_mb(n)
        rows.append(
            {
                "kernel": "bits shared, memory",
                "cells": n,
                "levels": 2,
                "threads": saved,
                "ns_per_cell_step": None,
                "numpy_ns_per_cell_step": None,
                "ratio": None,
                "peak_mb": traced,
                "peak_rss_mb": rss,
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    head = (
        f"{'kernel':28s} {'cells':>8s} {'M':>4s} {'thr':>3s} {'ns/cell-step':>12s}"
        f" {'NumPy ns':>9s} {'ratio':>7s} {'peak MB':>8s}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:

        def f(x, fmt):
            return format(x, fmt) if x is not None else "-"

        lines.append(
            f"{r['kernel']:28s} {r['cells']:8.0e} {r['levels']:4d} {r['threads']:3d}"
            f" {f(r['ns_per_cell_step'], '12.3f')} {f(r['numpy_ns_per_cell_step'], '9.2f')}"
            f" {f(r['ratio'], '7.1f')} {f(r['peak_mb'], '8.1f')}"
        )
    return "\n".join(lines)


def cpu() -> dict:
    """The CPU model and its vector extensions (from ``/proc/cpuinfo`` where it exists), which
    every figure is measured on."""
    model, flags = platform.processor() or platform.machine(), set()
    ids: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() in ("cpu family", "model") and key.strip() not in ids:
                    ids[key.strip()] = value.strip()
                elif key.strip() in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    if len(ids) == 2:  # x86: the family and model tell apart parts sold under one name
        model += f", family {ids['cpu family']} model {ids['model']}"
    wanted = ("avx2", "fma", "avx512f", "avx512dq", "asimd", "sve")
    return {"model": model, "vector": [f for f in wanted if f in flags],
            "cores": os.cpu_count()}


def codegen() -> dict:
    """What Numba generates code for (``simcore._jit.codegen_target``): the CPU name and where
    it comes from, the vector features of its feature string ("cpu default" when the string is
    empty: the named CPU's own), and whether the wide kernels are compiled with 512-bit loops."""
    from numba.core import config

    from simcore import _jit

    name, features = _jit.codegen_target()
    on = _jit.target_features(features)
    wanted = ("avx2", "fma", "avx512f", "avx512dq", "neon", "sve")
    set_by = [v for v, val in (("NUMBA_CPU_NAME", config.CPU_NAME),
                               ("NUMBA_CPU_FEATURES", config.CPU_FEATURES)) if val is not None]
    return {
        "cpu_name": name,
        "vector": [f for f in wanted if f in on] if features else ["cpu default"],
        "set_by": set_by or ["host"],
        "wide_512": _jit.WIDE_VECTORS,
    }


def main(quick: bool = True, json_path: str | None = None) -> int:
    from benchmarks import ising, langevin, rare

    info = cpu()
    print(f"CPU: {info['model']} ({', '.join(info['vector']) or 'no listed vector extensions'});"
          f" {info['cores']} cores; numba {numba.__version__}, numpy {np.__version__}")
    gen = codegen()
    print(f"code generation: {gen['cpu_name']} ({', '.join(gen['set_by'])}; features:"
          f" {', '.join(gen['vector']) or 'no listed vector extensions'});"
          f" 512-bit loops {'on' if gen['wide_512'] else 'off'}")
    rows = run(quick)
    print(table(rows))
    print()
    continuous = langevin.run(quick)
    print(langevin.table(continuous))
    print()
    ising.main(quick=True)
    print()
    engines = rare.main(quick)
    if json_path:
        meta = {
            "machine": platform.machine(),
            "processor": platform.processor(),
            "cpu": info,
            "codegen": gen,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "numba": numba.__version__,
            "quick": quick,
        }
        with open(json_path, "w") as fh:
            json.dump(
                {"meta": meta, "rows": rows, "langevin": continuous, "engines": engines},
                fh,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(quick="--full" not in sys.argv))

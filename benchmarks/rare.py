"""Benchmarks of the two engines whose cost does not follow N x steps: rare-flip stepping
(``kernels.sparse_shared``) and the aggregated engine (``AggregateArray``).

Rare flips: 2**25 bit cells (2**22 with ``quick``) through 10**4 steps of a slow ramp under a
28 -> 22 kT barrier (f0 = 1 GHz, dt = 10 us, escape 2e-10 .. 3e-6 per step), every step sparse
by the engine's own rule; the same array forced dense (``plan.SPARSE_ESCAPE`` below every
step's escape) for 20 steps in the same process, scaled to 10**4 steps. The flips counted are
checked against the exact expectation ``N sum_k sum_i p_i(k) escape_i(k)`` of the master
equation (with its standard deviation, ``tests/exact/test_sparse.py``'s bound).

Aggregated engine: 10**6 bit-cell steps (10**5 with ``quick``) of a 2 -> 1 kT ramp (dt =
0.1 ns, escape ~ 2e-2 per step) for N = 10**3 .. 10**18 (16 groups).

Times are CPU seconds of the process (all threads; ``time.process_time``) and wall seconds,
best of two runs: the machine is shared.
"""

from __future__ import annotations

import math
import time

import numpy as np

import simcore as sc
from simcore import plan
from simcore.master import transition_matrices

T = 300.0
KT = sc.kT(T)
F0 = 1e9


def _retention(n_steps: int, dt: float) -> sc.Protocol:
    return sc.Protocol.ramp(
        sc.bit_landscape(28 * KT, 0.0), sc.bit_landscape(22 * KT, 0.5 * KT), n_steps * dt, "hold"
    )


def _timed_run(n: int, protocol, dt: float, seed: int):
    arr = sc.MemoryArray(n, seed=seed)
    arr.prepare(np.array([0.5, 0.5]))
    start = np.bincount(arr.state, minlength=2) / n
    c, w = time.process_time(), time.perf_counter()
    res = arr.run(protocol, dt)
    return time.process_time() - c, time.perf_counter() - w, res, start


def expected_flips(protocol, dt: float, n: int, start) -> tuple[float, float]:
    """Mean level changes of ``n`` bit cells from occupancy ``start`` through ``protocol`` (the
    exact propagators), and a bound on their standard deviation (``Var <= E (1 + 2 P)``, ``P``
    the sum of the steps' largest escape probabilities)."""
    grid = protocol.grid(dt)
    e, s = grid.landscapes(0, grid.n_steps)
    mats = transition_matrices(e[1:], s[1:], grid.durations, T, F0)
    occ = np.asarray(start, dtype=float)
    mean = 0.0
    for k in range(grid.n_steps):
        escape = 1.0 - np.diag(mats[k])
        mean += float(occ @ escape)
        occ = occ @ mats[k]
    p_sum = float((1.0 - np.einsum("kii->ki", mats)).max(axis=1).sum())
    return n * mean, math.sqrt(n * mean * (1.0 + 2.0 * p_sum))


def rare_flips(quick: bool = True) -> dict:
    """The rare-flip figure: sparse and dense seconds for 10**4 steps, and the flip check."""
    n = 2**22 if quick else 2**25
    steps, dt = 10**4, 1e-5
    protocol = _retention(steps, dt)
    _timed_run(2**12, protocol, dt, 1)  # compile
    best = None
    for _ in range(2):
        cpu_s, wall_s, res, start = _timed_run(n, protocol, dt, 2026)
        if best is None or cpu_s < best[0]:
            best = (cpu_s, wall_s, res, start)
    cpu_s, wall_s, res, start = best
    flips = res.by_tag["hold"].changes * n
    mean, sd = expected_flips(protocol, dt, n, start)
    short = 20
    saved = plan.SPARSE_ESCAPE
    plan.SPARSE_ESCAPE = -1.0  # every step dense
    try:
        _timed_run(2**12, _retention(short, dt), dt, 1)
        dense = min(_timed_run(n, _retention(short, dt), dt, 2026)[0] for _ in range(2))
    finally:
        plan.SPARSE_ESCAPE = saved
    dense *= steps / short
    return {
        "cells": n,
        "steps": steps,
        "sparse_cpu_s": cpu_s,
        "sparse_wall_s": wall_s,
        "dense_cpu_s": dense,
        "ratio": dense / cpu_s,
        "flips": flips,
        "expected_flips": mean,
        "flips_sd": sd,
        "z": (flips - mean) / sd,
    }


def aggregated(quick: bool = True) -> list[dict]:
    """Seconds of the aggregated engine's steps for several N."""
    steps = 10**5 if quick else 10**6
    dt = 1e-10
    e0, e1 = np.zeros(2), np.array([0.0, -0.5 * KT])
    protocol = sc.Protocol.ramp(
        (e0, np.array([2.0 * KT])), (e1, np.array([1.0 * KT])), steps * dt, "update"
    )

    def once(n):
        arr = sc.AggregateArray(n, 2, seed=3)
        c, w = time.process_time(), time.perf_counter()
        arr.run(protocol, dt)
        return time.process_time() - c, time.perf_counter() - w

    sc.AggregateArray(10, 2).run(sc.Protocol.ramp((e0, [KT]), (e1, [KT]), 300 * dt), dt)
    rows = []
    for n in (10**3, 10**9, 10**15, 10**18):
        cpu_s, wall_s = min(once(n) for _ in range(2))
        rows.append({"cells": n, "steps": steps, "cpu_s": cpu_s, "wall_s": wall_s})
    return rows


def table(rare: dict, agg: list[dict]) -> str:
    lines = [
        f"rare flips: {rare['cells']} bit cells, {rare['steps']} steps of a 28 -> 22 kT ramp:"
        f" sparse {rare['sparse_cpu_s']:.2f} s CPU ({rare['sparse_wall_s']:.2f} s wall),"
        f" dense {rare['dense_cpu_s']:.1f} s CPU (x{rare['ratio']:.0f});"
        f" flips {rare['flips']:.0f}, exact {rare['expected_flips']:.0f}"
        f" +- {rare['flips_sd']:.0f} (z = {rare['z']:+.2f})",
        f"{'aggregated engine':20s} {'cells':>8s} {'steps':>8s} {'CPU s':>7s} {'wall s':>7s}",
    ]
    for r in agg:
        lines.append(
            f"{'':20s} {r['cells']:8.0e} {r['steps']:8.0e} {r['cpu_s']:7.2f} {r['wall_s']:7.2f}"
        )
    return "\n".join(lines)


def run(quick: bool = True) -> dict:
    """Both benchmarks: ``{"rare_flips": dict, "aggregated": [dict]}``."""
    return {"rare_flips": rare_flips(quick), "aggregated": aggregated(quick)}


def main(quick: bool = True) -> dict:
    out = run(quick)
    print(table(out["rare_flips"], out["aggregated"]))
    return out


if __name__ == "__main__":
    import sys

    main(quick="--full" not in sys.argv)

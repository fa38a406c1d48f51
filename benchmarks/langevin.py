"""Benchmark of the continuous engine: the overdamped quartic kernel (Euler–Maruyama with the
Sekimoto ledger) against a vectorised NumPy twin of the same physics, in the same process, JIT
warmed first. Prints one table and optionally writes JSON (``main(json_path=...)``).

Columns: integrator, particles, threads, ns per particle-step (Numba, wall clock, best of three
runs: the machine is shared), CPU ns per particle-step (all threads of the process, best of
three), ns per particle-step (NumPy twin, Euler rows), ratio NumPy/Numba. The
NumPy twin is efficient: NumPy's own PCG64 ziggurat normals, Horner's rule on whole arrays,
work and heat accumulated per particle, in place where NumPy allows it. MALA and BAOAB rows show
the other integrators' cost (no twin). The issue's target: at most 2 ns per particle-step on
2 cores and at least 10x the twin.
"""

from __future__ import annotations

import json
import platform
import sys
import time

import numba
import numpy as np

import simcore as sc
from simcore.langevin import ParticleArray, PolynomialProtocol, quartic_coefficients

T = 300.0
KT = sc.kT(T)
X0 = 1e-9
ZETA = 1e-12
TW = ZETA / (8 * 10 * KT / X0**2)  # well relaxation time of a 10 kT quartic well
DT = 0.01 * TW


def _protocol(n_steps: int) -> PolynomialProtocol:
    """A barrier lowered from 10 to 5 kT over ``n_steps`` steps (every step new coefficients)."""
    return PolynomialProtocol.ramp(quartic_coefficients(10 * KT, X0),
                                   quartic_coefficients(5 * KT, X0), n_steps * DT, "update")


def _numba(n: int, n_steps: int, threads: int, integrator: str, repeats: int = 3):
    """``(wall, cpu)`` ns per particle-step, each the best of ``repeats`` (CPU: all threads of
    the process, per particle-step; divide by the threads for a per-core figure)."""
    numba.set_num_threads(threads)
    mass = ZETA * TW / 30 if integrator == "baoab" else None
    p = _protocol(n_steps)
    best = cpu = np.inf
    for _ in range(repeats):
        arr = ParticleArray(n, friction=ZETA, mass=mass, integrator=integrator, seed=1)
        x0 = np.where(np.arange(n) % 2 == 0, -X0, X0)
        c = time.process_time()
        t = time.perf_counter()
        arr.run(p, DT, initial=x0)
        best = min(best, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    return best / (n * n_steps) * 1e9, cpu / (n * n_steps) * 1e9


def _numpy(n: int, n_steps: int) -> float:
    """Vectorised NumPy Euler–Maruyama with the same ledger: seconds per particle-step (ns)."""
    p = _protocol(n_steps)
    grid = p.grid(DT)
    coeffs = [p.coefficients_at(t) for t in grid.times]
    gen = np.random.default_rng(1)
    x = np.where(np.arange(n) % 2 == 0, -X0, X0).astype(np.float64)
    work = np.zeros(n)
    heat = np.zeros(n)
    mob = 1.0 / ZETA

    def horner(c, x):
        u = np.full_like(x, c[-1])
        du = np.zeros_like(x)
        for ci in c[-2::-1]:
            du *= x
            du += u
            u *= x
            u += ci
        return u, du

    t = time.perf_counter()
    u_now = horner(coeffs[0], x)[0]
    for k in range(grid.n_steps):
        h = grid.durations[k]
        u_mid, d_mid = horner(coeffs[k + 1], x)
        work += u_mid
        work -= u_now
        z = gen.standard_normal(n)
        z *= np.sqrt(2.0 * mob * KT * h)
        d_mid *= mob * h
        x -= d_mid
        x += z
        u_now = horner(coeffs[k + 1], x)[0]
        heat += u_mid
        heat -= u_now
    return (time.perf_counter() - t) / (n * grid.n_steps) * 1e9


def run(quick: bool = True) -> list[dict]:
    sizes = (100_000,) if quick else (10_000, 100_000, 1_000_000)
    n_steps = 200 if quick else 500
    max_threads = numba.config.NUMBA_NUM_THREADS
    threads = [t for t in (1, 2) if t <= max_threads]
    before = numba.get_num_threads()
    rows = []
    try:
        for integ in ("euler", "mala", "baoab"):  # warm the JIT (and the cache) first
            _numba(1000, 5, 1, integ, repeats=1)
            _numba(1000, 5, threads[-1], integ, repeats=1)
        for n in sizes:
            twin = _numpy(n, n_steps)
            for th in threads:
                for integ in ("euler", "mala", "baoab"):
                    ns, cpu = _numba(n, n_steps, th, integ)
                    rows.append({
                        "kernel": f"overdamped quartic, {integ}" if integ != "baoab"
                        else "underdamped quartic, baoab",
                        "particles": n, "threads": th, "ns_numba": ns, "cpu_ns_numba": cpu,
                        "ns_numpy": twin if integ == "euler" else None,
                        "ratio": twin / ns if integ == "euler" else None,
                    })
    finally:
        numba.set_num_threads(before)
    return rows


def table(rows: list[dict]) -> str:
    head = (f"{'kernel':<28} {'particles':>10} {'threads':>7} {'ns Numba':>9} {'CPU ns':>7}"
            f" {'ns NumPy':>9} {'ratio':>6}")
    lines = [head, "-" * len(head)]
    for r in rows:
        twin = "-" if r["ns_numpy"] is None else f"{r['ns_numpy']:9.2f}"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:6.1f}"
        lines.append(f"{r['kernel']:<28} {r['particles']:>10} {r['threads']:>7}"
                     f" {r['ns_numba']:9.2f} {r.get('cpu_ns_numba', float('nan')):7.2f}"
                     f" {twin:>9} {ratio:>6}")
    return "\n".join(lines)


def main(quick: bool = True, json_path: str | None = None) -> int:
    rows = run(quick)
    print(table(rows))
    if json_path:
        meta = {"machine": platform.machine(), "processor": platform.processor(),
                "python": platform.python_version(), "numpy": np.__version__,
                "numba": numba.__version__, "quick": quick}
        with open(json_path, "w") as fh:
            json.dump({"meta": meta, "rows": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(quick="--full" not in sys.argv))

"""The in-memory Ising machine's speed: spin updates per second on a periodic +-J lattice.

Each row runs ``IsingMachine.sample`` (JIT warmed, best of three: the machine is shared) and,
for the small lattices, the vectorised NumPy twin ``tests.naive.ising_sweeps`` (the same chain,
the same random numbers) in the same process. Columns: side L (N = L^2 spins), replicas,
threads, sweeps, spin updates per second (Numba), the same per CPU second, the NumPy twin's, and
the ratio. The last rows (not with ``--quick``) scale one replica to 10^7 spins, with the time to
build that machine and the process's peak memory. Run ``python benchmarks/ising.py [--quick]``
from the project root.
"""

from __future__ import annotations

import pathlib
import resource
import sys
import time

import numba
import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from simcore import draws
from simcore.lim import IsingMachine
from tests import naive


def lattice(side: int, seed: int = 1) -> sp.csr_matrix:
    """A periodic side x side lattice with couplings +-1 (problem units)."""
    idx = np.arange(side * side, dtype=np.int64).reshape(side, side)
    a = np.concatenate([idx.ravel(), idx.ravel()])
    b = np.concatenate([np.roll(idx, -1, axis=1).ravel(), np.roll(idx, -1, axis=0).ravel()])
    v = np.random.default_rng(seed).choice([-1.0, 1.0], size=a.size)
    j = sp.coo_matrix((v, (a, b)), shape=(side * side,) * 2)
    return (j + j.T).tocsr()


def numba_rate(j, replicas, threads, sweeps, beta=0.44, tries=3):
    """Spin updates per wall second and per CPU second (all threads' CPU time: on a shared
    machine the wall figure is noisy, the CPU figure is the per-core throughput)."""
    numba.set_num_threads(threads)
    m = IsingMachine(j, replicas=replicas, seed=1)
    m.sample(beta, 1)  # compile / warm
    best = cpu = np.inf
    for _ in range(tries):
        t, c = time.perf_counter(), time.process_time()
        m.sample(beta, sweeps)
        best = min(best, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    updates = sweeps * replicas * j.shape[0]
    return updates / best, updates / cpu


def numpy_rate(j, replicas, sweeps, beta=0.44):
    m = IsingMachine(j, replicas=replicas, seed=1)
    g = np.full(sweeps, beta * m.kT)
    b = np.zeros(sweeps)
    t = time.perf_counter()
    naive.ising_sweeps(
        m.couplings, m.fields, m.colours, m.spins, m.tilt, g, b, m.kT, m.f0, m.window, m.seed,
        0, draws.ISING[0],
    )  # fmt: skip
    return sweeps * replicas * j.shape[0] / (time.perf_counter() - t)


def main(quick: bool = False) -> None:
    from benchmarks.suite import cpu

    name = cpu()["model"]
    threads = numba.config.NUMBA_NUM_THREADS
    print(f"CPU: {name}; numba threads available: {threads}; numba {numba.__version__}")
    print(f"{'L':>6} {'replicas':>8} {'threads':>7} {'sweeps':>6} {'numba /s':>10} "
          f"{'/CPU-s':>10} {'numpy /s':>10} {'ratio':>7}")  # fmt: skip
    rows = [(256, 1, 10), (256, 2, 10), (256, 8, 5)]
    if not quick:
        rows.append((3163, 1, 3))  # 1.0e7 spins
    tables = {}
    for side, replicas, sweeps in rows:
        j = tables.setdefault(side, lattice(side))
        ref = numpy_rate(j, replicas, 2) if side <= 256 else float("nan")
        for t in sorted({1, min(2, threads)}):
            rate, per_cpu = numba_rate(j, replicas, t, sweeps)
            print(f"{side:>6} {replicas:>8} {t:>7} {sweeps:>6} {rate:>10.3g} {per_cpu:>10.3g} "
                  f"{ref:>10.3g} {rate / ref:>7.0f}")  # fmt: skip
    if not quick:
        side = rows[-1][0]
        t = time.perf_counter()
        IsingMachine(tables[side], seed=1)
        build = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
        print(f"N = {side * side:.2e}: machine built in {build:.1f} s; peak resident memory of "
              f"this process {peak:.2f} GiB")  # fmt: skip
    numba.set_num_threads(threads)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

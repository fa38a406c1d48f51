"""The two optimisers whose parameters live in the memory: gradient descent on the quadratic
programme and heat-bath annealing of the Ising machine, and the run over every scan point."""

from __future__ import annotations

import math
import time

import numpy as np

from experiments.common import bar
from experiments.lim_optimizer.config import NAME, WALLS, Config
from experiments.lim_optimizer.model import Memory
from experiments.lim_optimizer.problems import ising_instance, quadratic_instance
from experiments.lim_optimizer.results import Quality, Result, Row, Run, Wall
from simcore import lim
from simcore.errors import one_of
from simcore.seeds import Seeds


def _estimate(cfg, architecture, ops, n, schedule, bits, scale, update_time):
    return lim.energy_to_solution(
        architecture, ops, n, schedule, bits, scale=scale, update_time=update_time,
        temperature=cfg.temperature, attempt_frequency=cfg.attempt_frequency, error=cfg.error,
        retention=cfg.retention, consolidation_interval=cfg.consolidation_interval,
        hardware_energy_per_op=cfg.hardware_energy_per_op)


def _record(problem, architecture, n, bits, update_time, n_iter, schedule, scale, memory,
            cfg, quality, activity, seconds) -> Run:
    est = _estimate(cfg, architecture, n * n_iter, n, schedule, bits, scale, update_time)
    sim = memory.energies()
    cell_law, wall_law = memory.first_law()
    walls = {}
    for w in WALLS:
        book = memory.books[w]
        walls[w] = Wall(
            **sim[w], exact=book.exact, sigma=math.sqrt(book.variance), bound=book.bound,
            nominal=book.nominal, span=book.span, cgf=book.cgf.copy(),
            estimate=getattr(est, "consolidation" if w == "consolidate" else w),
            writes=book.writes, hops=book.hops)
    parts = walls.values()
    total = Wall(
        work=sum(v.work for v in parts), heat=sum(v.heat for v in parts),
        ledger_stderr=math.sqrt(sum(v.ledger_stderr**2 for v in parts)),
        exact=sum(v.exact for v in parts), sigma=math.sqrt(sum(v.sigma**2 for v in parts)),
        bound=sum(v.bound for v in parts), nominal=sum(v.nominal for v in parts),
        span=max(v.span for v in parts), cgf=sum(v.cgf for v in parts),
        estimate=sum(v.estimate for v in parts), writes=sum(v.writes for v in parts),
        hops=sum(v.hops for v in parts))
    return Run(
        problem=problem, architecture=architecture, n=n, bits=bits, update_time=update_time,
        iterations=n_iter, ops=n * n_iter, schedule=schedule, scale=scale, walls=walls,
        total=total, estimate=est, landauer=est.landauer, hardware=est.hardware,
        ratio=total.work / est.total, activity_ratio=walls["update"].hops / est.changed_bits,
        quality=quality, activity=activity, hold_losses=memory.hold_losses,
        raise_losses=memory.raise_losses, barrier_long=memory.e_long, first_law_cell=cell_law,
        first_law_walls=wall_law, kT=memory.kT, seconds=seconds)


def solve_quadratic(cfg: Config, architecture: str, n: int, bits: int, update_time: float,
                    seeds: Seeds) -> Run:
    """Gradient descent with learning rate ``η0/(1 + n/n0)`` (``η0 = 1/λ_max`` bound) and
    stochastic rounding onto the ``M = 2^bits`` levels spanning ``[-1, 1]``, parameters stored in
    M-level cells of ``architecture``. Quality: ``‖x - x*‖∞`` and the RMS distance in level
    spacings h (stochastic rounding leaves each parameter a random O(h) error, so the largest of
    N grows slowly with N; the RMS is the precision of the solution). Streams of ``seeds``:
    ``instance``, ``cells``, ``long_term_cells`` (static) and ``rounding``."""
    clock = time.perf_counter()
    problem = quadratic_instance(n, seeds.rng("instance"), cfg.qp_degree)
    m = 2**bits
    h = 2.0 / (m - 1)
    mem = Memory(architecture, n, m, bits, cfg, "inverse", cfg.qp_scale, update_time, seeds,
                 (m - 1) // 2)
    rng = seeds.rng("rounding")
    eta0 = 1.0 / problem.lipschitz
    intended = mem.read()
    f0 = problem.objective(-1.0 + h * intended)
    changed = np.zeros(cfg.qp_iterations)
    for it in range(1, cfg.qp_iterations + 1):
        mem.hold(intended, it)
        level = mem.read()
        grad = problem.matrix @ (-1.0 + h * level) - problem.b
        step = eta0 / (1.0 + it / cfg.qp_scale)
        target = np.floor(level - step * grad / h + rng.random(n))
        target = np.clip(target, 0, m - 1).astype(np.int64)
        changed[it - 1] = np.mean(target != level)
        mem.update(target, it)
        intended = target
    stored = mem.finish(intended, cfg.qp_iterations)
    x = -1.0 + h * stored
    f_star = problem.objective(problem.optimum)
    quality = Quality(
        instance="random PD",
        residual_levels=float(np.max(np.abs(x - problem.optimum)) / h),
        rms_levels=float(np.sqrt(np.mean((x - problem.optimum) ** 2)) / h),
        objective_gap=float((problem.objective(x) - f_star) / (f0 - f_star)),
    )
    return _record("quadratic", architecture, n, bits, update_time, cfg.qp_iterations,
                   "inverse", cfg.qp_scale, mem, cfg, quality, changed,
                   time.perf_counter() - clock)


def _anneal(cfg: Config, architecture: str, problem, n: int, update_time: float,
            seeds: Seeds, replicas: int = 1):
    """Anneal ``replicas`` independent copies of ``problem`` side by side (streams ``cells``,
    ``long_term_cells``, ``moves`` of ``seeds``); returns the memory, the stored spins
    (replicas, n) and the fraction of spins changed per iteration."""
    mem = Memory(architecture, n, 2, 1, cfg, "logarithmic", cfg.ising_scale, update_time, seeds,
                 np.array([0.5, 0.5]), replicas=replicas)
    rng = seeds.rng("moves")
    intended = mem.read()
    changed = np.zeros(cfg.ising_iterations)
    for it in range(1, cfg.ising_iterations + 1):
        mem.hold(intended, it)
        level = mem.read()
        spin = (2.0 * level - 1.0).reshape(replicas, n)
        local = (problem.couplings @ spin.T).T.ravel()
        theta = cfg.ising_theta0 / math.log(math.e + it / cfg.ising_scale)
        up = rng.random(n * replicas) < 0.5 * (1.0 + np.tanh(local / theta))
        proposed = rng.random(n * replicas) < cfg.ising_fraction
        target = np.where(proposed, up.astype(np.int64), level.astype(np.int64))
        changed[it - 1] = np.mean(target != level)
        mem.update(target, it)
        intended = target
    stored = mem.finish(intended, cfg.ising_iterations)
    return mem, (2.0 * stored - 1.0).reshape(replicas, n), changed


def anneal_ising(cfg: Config, architecture: str, n: int, update_time: float,
                 seeds: Seeds) -> Run:
    """Heat-bath annealing at temperature ``θ_n = θ0/ln(e + n/n0)`` (Geman & Geman's logarithmic
    schedule, the ``logarithmic`` schedule of energy_to_solution): each iteration reads the spins,
    proposes a random fraction of them, draws their new values from the local fields and writes
    the spins that change into bit cells. Quality: ``(E - E_0)/|E_0|``. On brute-force
    instances the annealer is also restarted ``ising_restarts`` times independently (replicas
    side by side, streams under ``seeds.child("restarts")``) and the restarts that reach the
    exact ground energy are counted. Streams of ``seeds``: ``instance``, ``cells``,
    ``long_term_cells`` (static) and ``moves``."""
    clock = time.perf_counter()
    problem = ising_instance(n, seeds.rng("instance"), cfg.ising_degree)
    mem, spins, changed = _anneal(cfg, architecture, problem, n, update_time, seeds)
    e = problem.energy(spins[0])
    restarts = successes = 0
    if problem.kind == "brute force":
        restarts = cfg.ising_restarts
        _, rs, _ = _anneal(cfg, architecture, problem, n, update_time,
                           seeds.child("restarts"), replicas=restarts)
        energies = np.array([problem.energy(s) for s in rs])
        # a configuration's energy is a sum of N²/2 couplings: round-off far below any gap
        successes = int(np.sum(energies - problem.ground_energy
                               <= 1e-9 * abs(problem.ground_energy)))
    quality = Quality(
        instance=problem.kind,
        energy=float(e),
        ground_energy=problem.ground_energy,
        gap=float((e - problem.ground_energy) / abs(problem.ground_energy)),
        restarts=restarts,
        successes=successes,
    )
    return _record("ising", architecture, n, 1, update_time, cfg.ising_iterations,
                   "logarithmic", cfg.ising_scale, mem, cfg, quality, changed,
                   time.perf_counter() - clock)


# --------------------------------------------------------------------------- experiment
def _points(cfg: Config):
    """(problem, scan, n, bits, update time) of the three scans of each problem, base point
    shared (simulated once, listed under every scan)."""
    out = []
    for scan, values in (("n", cfg.qp_sizes), ("bits", cfg.qp_bits_scan),
                         ("update_time", cfg.update_times)):
        for v in values:
            p = {"n": cfg.qp_size, "bits": cfg.qp_bits, "update_time": cfg.update_time, scan: v}
            out.append(("quadratic", scan, p["n"], p["bits"], p["update_time"]))
    for scan, values in (("n", cfg.ising_sizes), ("update_time", cfg.update_times)):
        for v in values:
            p = {"n": cfg.ising_size, "update_time": cfg.update_time, scan: v}
            out.append(("ising", scan, p["n"], 1, p["update_time"]))
    return out


def run(cfg: Config, progress: bool = False) -> Result:
    """Simulate every scan point for every architecture. Each (problem, N, B) draws its
    streams under ``seeds.child(problem, N, B)``, shared by the architectures and update times
    (the same instance, cells and moves: common random numbers for the comparison)."""
    for a in cfg.architectures:
        one_of("architectures", a, lim.ARCHITECTURES)
    seeds = Seeds(cfg.seed)
    done: dict = {}
    runs: list[Run] = []
    rows: list[Row] = []
    points = _points(cfg)
    b = bar(len(points) * len(cfg.architectures), NAME, progress)
    try:
        for problem, scan, n, bits, tau in points:
            for arch in cfg.architectures:
                key = (problem, n, bits, tau, arch)
                if key not in done:
                    streams = seeds.child(problem, n, bits)
                    if problem == "quadratic":
                        runs.append(solve_quadratic(cfg, arch, n, bits, tau, streams))
                    else:
                        runs.append(anneal_ising(cfg, arch, n, tau, streams))
                    done[key] = len(runs) - 1
                rows.append(Row(problem, scan, done[key]))
                b.update(1)
    finally:
        b.close()
    return Result(config=cfg, rows=tuple(rows), runs=tuple(runs), seeds=seeds)

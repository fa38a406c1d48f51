"""The annealer's result, its checks against independent truth, report and HDF5 content."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.stats

from experiments.checks import assemble, check, check_key, count_check
from experiments.common import energy, quantity, seeds_tree
from experiments.lim_annealer.annealer import Baseline, Equilibrium, Point, estimate
from experiments.lim_annealer.config import NAME, WALLS
from experiments.results import ResultBase

#: Round-off allowance of the exact identities, relative to the run's gross energy scale.
ROUND_OFF = 1e-9


@dataclass(frozen=True, kw_only=True, eq=False)
class Result(ResultBase):
    """The in-memory points (every scan), the equilibrium samples and the write-through
    baselines, with the run's config and named streams."""

    points: tuple[Point, ...]
    equilibria: tuple[Equilibrium, ...]
    baselines: tuple[Baseline, ...]

    def scan(self, name: str) -> list[Point]:
        return [p for p in self.points if p.scan == name]


def _cp(k: int, n: int, level: float = 0.999) -> tuple[float, float]:
    ci = scipy.stats.binomtest(k, n).proportion_ci(level)
    return float(ci.low), float(ci.high)


def checks(result: Result) -> list[dict]:
    cfg = result.config
    out = []
    for j, e in enumerate(result.equilibria):
        se = float(np.std(e.energy, ddof=1) / math.sqrt(e.energy.size))
        out.append(check(check_key("equilibrium_energy", j),
                         f"mean energy after {e.burn} sweeps at β = {e.beta:g}, N = {e.n} glass"
                         " vs exact enumeration", float(e.energy.mean()), e.exact, se=se,
                         unit="unit"))
    laws = [p.first_law / p.law_scale for p in result.points if p.law_scale > 0]
    laws += [e.first_law / e.law_scale for e in result.equilibria if e.law_scale > 0]
    out.append(check("first_law", "ΣW - ΣQ - ΔU of every restart (consolidated: ΔU = 0),"
                     " largest over runs, relative to Σ|W| + Σ|Q|", max(laws), 0.0,
                     tolerance=ROUND_OFF, kind="upper"))
    ident = max(p.heat_identity / p.law_scale for p in result.points if p.law_scale > 0)
    out.append(check("heat_identity", "per sweep Q = -g ΔH (every change of H is a hop),"
                     " largest over runs, relative to Σ|W| + Σ|Q|", ident, 0.0,
                     tolerance=ROUND_OFF, kind="upper"))
    for i, p in enumerate(result.scan("brute")):
        out.append(count_check(check_key("ground_state_rate", i),
                               f"restarts reaching the brute-force ground state, N = {p.n},"
                               f" {p.schedule} {p.sweeps} sweeps, >= {cfg.success:g}",
                               p.successes, p.energy.size, cfg.success, kind="lower",
                               keys=("restarts", "success")))
    res = [float(np.min(p.energy - p.ground_energy)) for p in result.points]
    res += [float(np.min(b.energy - result.points[b.point].ground_energy))
            for b in result.baselines]
    out.append(check("no_energy_below_ground", "lowest E - E_0 of every restart (machine and"
                     " write-through) against the exact ground energy", min(res), 0.0,
                     tolerance=1e-9, kind="lower", unit="unit"))
    gap = max(abs(p.state_energy - p.ground_energy) for p in result.points)
    out.append(check("ground_state_energy", "H of the stored ground state (brute force, or the"
                     " planted ξ) by the machine's energy kernel equals E_0 (-Σ(L-2) planted)",
                     gap, 0.0, tolerance=1e-9, kind="upper", unit="unit"))
    return assemble(out)


def _kt(x, kT):
    return x / kT


def e2s_rows(result: Result, point: Point):
    """(label, update, hold, consolidate, total) per solution (J) for the point: the machine,
    the estimates and the write-through baselines on its instance."""
    cfg = result.config
    rows = [("in-memory machine", point.work, point.hold, point.consolidate, point.total)]
    for arch in cfg.architectures:
        est = estimate(cfg, point, arch)
        if est is None:
            rows.append((f"estimate {arch} (refused)", math.nan, math.nan, math.nan, math.nan))
        else:
            rows.append((f"estimate {arch}", est.update, est.hold, est.consolidation,
                         est.total))
    idx = result.points.index(point)
    for b in result.baselines:
        if b.point == idx:
            w = b.walls
            rows.append((f"write-through {b.architecture}", w["update"], w["hold"],
                         w["consolidate"], sum(w.values())))
    return rows


def report(result: Result) -> str:
    cfg, kT = result.config, result.kT
    lines = [f"{NAME}: the cells' own hops anneal; energies per solution (one restart) in kT"
             f" (kT = {kT:.4g} J), problem energies in coupling units"]
    lines.append("equilibrium at constant β (enumerated glass):")
    for e in result.equilibria:
        se = np.std(e.energy, ddof=1) / math.sqrt(e.energy.size)
        lines.append(f"  N={e.n} β={e.beta:g}: <H> = {e.energy.mean():.4f} ± {se:.4f}"
                     f" (exact {e.exact:.4f})")
    lines.append("brute-forced glasses: restarts in a ground state (99.9 % Clopper-Pearson):")
    for p in result.scan("brute"):
        lo_, hi = _cp(p.successes, p.energy.size)
        lines.append(f"  N={p.n}: {p.successes}/{p.energy.size} [{lo_:.2f}, {hi:.2f}],"
                     f" residual/spin {p.residual.mean():.4f}")
    base = result.points[result.baselines[0].point] if result.baselines else None
    if base is not None:
        lines.append(f"energy to solution, planted N={base.n}, {base.schedule} {base.sweeps}"
                     f" sweeps, τ = {base.window:.3g} s (kT per solution; Landauer"
                     f" {base.sweeps * base.n * math.log(2):.4g}):")
        lines.append(f"  {'':28}{'update':>12}{'hold':>12}{'consolidate':>12}{'total':>12}")
        for label, *vals in e2s_rows(result, base):
            lines.append(f"  {label:28}" + "".join(f"{v / kT:12.4g}" for v in vals))
        res = " ".join(f"{b.architecture} {np.mean(b.energy - base.ground_energy) / base.n:.4f}"
                       for b in result.baselines)
        lines.append(f"  residual/spin: machine {base.residual.mean():.4f}; write-through {res}")
    head = (f"  {'':>10}{'time (s)':>10}{'W/N (kT)':>10}{'Q/N (kT)':>10}{'hops/N':>9}"
            f"{'resid/N':>9}{'±':>7}{'success':>9}{'matched/N':>11}")
    for scan, what in (("speed", "sweeps"), ("clock", "barrier"), ("size", "n"),
                       ("schedule", "schedule")):
        lines.append(f"trade-off: {scan} scan ({what}):")
        lines.append(head)
        for p in result.scan(scan):
            est = estimate(cfg, p, "matched")
            m = math.nan if est is None else est.total / kT / p.n
            r = p.residual
            lines.append(f"  {getattr(p, what)!s:>10}{p.sweeps * p.sweep_time / p.epsilon:10.3g}"
                         f"{p.total / kT / p.n:10.4g}{p.heat / kT / p.n:10.4g}"
                         f"{p.flips / p.n:9.3g}{r.mean():9.4f}"
                         f"{r.std(ddof=1) / math.sqrt(r.size):7.4f}"
                         f"{p.successes / r.size:9.3f}{m:11.4g}")
    lines.append("time = sweeps · colours · τ / ε (ε: share of a heat-bath move per window)")
    return "\n".join(lines)


def data(result: Result) -> dict:
    pts = result.points
    cfg = result.config

    def col(get, dtype=np.float64):
        return np.array([get(p) for p in pts], dtype=dtype)

    est = {}
    for arch in cfg.architectures:
        rows = [estimate(cfg, p, arch) for p in pts]
        est[arch] = {
            wall: energy(np.array([math.nan if e is None else getattr(e, attr) for e in rows]),
                         f"energy_to_solution {arch}: {wall} wall")
            for wall, attr in (("update", "update"), ("hold", "hold"),
                               ("consolidate", "consolidation"), ("total", "total"))
        }
    out = {
        "points": {
            "scan": quantity(col(lambda p: p.scan, object), "", "scan of the point"),
            "schedule": quantity(col(lambda p: p.schedule, object), "", "β schedule"),
            "n": quantity(col(lambda p: p.n, np.int64), "", "spins"),
            "colours": quantity(col(lambda p: p.colours, np.int64), "", "colour classes"),
            "sweeps": quantity(col(lambda p: p.sweeps, np.int64), "", "sweeps"),
            "barrier": quantity(col(lambda p: p.barrier), "kT", "barrier in a window"),
            "window": quantity(col(lambda p: p.window), "s", "window τ of a colour class"),
            "epsilon": quantity(col(lambda p: p.epsilon), "", "heat-bath share per window"),
            "time": quantity(col(lambda p: p.sweeps * p.sweep_time / p.epsilon), "s",
                             "anneal time in effective updates: sweeps·colours·τ/ε"),
            "ground_energy": quantity(col(lambda p: p.ground_energy), "unit", "exact E_0"),
            "energy": quantity(np.stack([p.energy for p in pts]), "unit",
                               "final problem energy of each restart (points, restarts)"),
            "work": energy(col(lambda p: p.work), "update wall work per solution"),
            "heat": energy(col(lambda p: p.heat), "update wall heat per solution"),
            "consolidate": energy(col(lambda p: p.consolidate), "untilt work per solution"),
            "hold": energy(col(lambda p: p.hold), "hold wall (held cells not evolved: 0)"),
            "total": energy(col(lambda p: p.total), "energy to solution per restart"),
            "flips": quantity(col(lambda p: p.flips), "", "hops per solution"),
            "seed": quantity(col(lambda p: p.seed, np.uint64), "", "machine seed"),
            "seconds": quantity(col(lambda p: p.seconds), "s", "CPU time"),
        },
        "estimate": est,
        "equilibrium": {
            "beta": quantity(np.array([e.beta for e in result.equilibria]), "1/unit"),
            "mean": quantity(np.array([e.energy.mean() for e in result.equilibria]), "unit"),
            "stderr": quantity(np.array([np.std(e.energy, ddof=1) / math.sqrt(e.energy.size)
                                         for e in result.equilibria]), "unit"),
            "exact": quantity(np.array([e.exact for e in result.equilibria]), "unit",
                              "Boltzmann mean by enumeration"),
        },
        "baseline": {
            "architecture": quantity(np.array([b.architecture for b in result.baselines],
                                              dtype=object), ""),
            "point": quantity(np.array([b.point for b in result.baselines], dtype=np.int64),
                              "", "index of the in-memory point on the same instance"),
            **{w: energy(np.array([b.walls[w] for b in result.baselines]),
                         f"write-through {w} wall per solution") for w in WALLS},
            "residual": quantity(np.array([
                np.mean(b.energy - pts[b.point].ground_energy) / pts[b.point].n
                for b in result.baselines]), "unit", "mean residual energy per spin"),
        },
        "seeds": seeds_tree(result.seeds),
    }
    return out

"""The annealer's result, its checks against independent truth, report and HDF5 content."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.stats

from experiments.checks import assemble, check, check_key, chernoff_check, count_check
from experiments.common import energy, quantity, seeds_tree
from experiments.lim_annealer.annealer import (
    Baseline,
    Equilibrium,
    Point,
    estimate,
    scrub_energy,
)
from experiments.lim_annealer.config import NAME, WALLS
from experiments.results import ResultBase

#: Round-off allowance of the exact identities, relative to the run's gross energy scale.
ROUND_OFF = 1e-9
#: The λ grid (1/error) of the retention-error counts' Chernoff checks: fixed, both signs.
HOLD_LAMBDAS = np.concatenate([-np.logspace(-3, 2, 41), np.logspace(-3, 2, 41)])


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
    for k, margin in enumerate(cfg.hold_margins):
        # errors: independent Bernoulli(p) per cell given the answer, Binomial per point
        trials = np.array([p.n * p.energy.size for p in result.points], dtype=np.float64)
        prob = np.array([p.hold_p[k] for p in result.points])
        count = float(sum(p.hold_errors[k].sum() for p in result.points))
        cgf = [float(np.sum(trials * np.log1p(prob * np.expm1(lam)))) for lam in HOLD_LAMBDAS]
        out.append(chernoff_check(
            check_key("retention_errors", k),
            f"spins flipped while holding {cfg.retention:.3g} s at E_L - {margin:g} kT, all"
            " points, vs exact N R (1 - e^{-2kt})/2 (binomial)", count, float(trials @ prob),
            mean=float(trials @ prob), lambdas=HOLD_LAMBDAS, cgf=cgf))
    k0 = cfg.hold_margins.index(0.0)
    failed = sum(int(np.sum(p.hold_errors[k0] > 0)) for p in result.points)
    runs = sum(p.energy.size for p in result.points)
    out.append(count_check("retention_target", f"restarts with any error after holding at E_L"
                           f" for {cfg.retention:.3g} s, at most ε = {cfg.error:g}", failed, runs,
                           cfg.error, kind="upper", keys=("error", "retention")))
    gap = max(abs(p.state_energy - p.ground_energy) for p in result.points)
    out.append(check("ground_state_energy", "H of the stored ground state (brute force, or the"
                     " planted ξ) by the machine's energy kernel equals E_0 (-Σ(L-2) planted)",
                     gap, 0.0, tolerance=1e-9, kind="upper", unit="unit"))
    return assemble(out)


def _kt(x, kT):
    return x / kT


def e2s_rows(result: Result, point: Point):
    """(label, update, hold, consolidate, total, modulation, controller) per solution (J) for
    the point: the machine, the estimates and the write-through baselines on its instance.
    ``total`` is the two-state walls' sum; ``modulation`` the quartic wells' quasi-static
    barrier work (the machine: raise to E_L; estimate: ``modulation="quasi_static"``; NaN for
    the write-through memory, whose model has none); ``controller`` the digital reads and
    multiply-accumulates of the local fields (the same sweeps × nnz(J) for the machine and the
    write-through annealer; NaN for the estimate, which has no controller line)."""
    cfg = result.config
    k0 = cfg.hold_margins.index(0.0)
    rows = [("in-memory machine", point.work, point.hold, point.consolidate, point.total,
             float(point.modulation[k0]), point.controller)]
    for arch in cfg.architectures:
        est = estimate(cfg, point, arch)
        mod = estimate(cfg, point, arch, "quasi_static")
        if est is None:
            rows.append((f"estimate {arch} (refused)", *([math.nan] * 6)))
        else:
            rows.append((f"estimate {arch}", est.update, est.hold, est.consolidation,
                         est.total, math.nan if mod is None else mod.modulation, math.nan))
    idx = result.points.index(point)
    for b in result.baselines:
        if b.point == idx:
            w = b.walls
            rows.append((f"write-through {b.architecture}", w["update"], w["hold"],
                         w["consolidate"], sum(w.values()), math.nan, point.controller))
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
        lines.append(f"  {'':28}{'update':>12}{'hold':>12}{'consolidate':>12}{'total':>12}"
                     f"{'modulation':>12} | {'controller':>11}")
        for label, *vals in e2s_rows(result, base):
            lines.append(f"  {label:28}" + "".join(f"{v / kT:12.4g}" for v in vals[:5])
                         + f" | {vals[5] / kT:11.4g}")
        lines.append("  total: two-state walls (ledger); modulation: quartic wells' barrier"
                     " work, quasi-static (not in total); controller: digital reads and"
                     " multiply-accumulates of the local fields, sweeps·nnz(J) ×"
                     f" {base.controller / max(base.macs, 1):.3g} J (Horowitz ISSCC 2014,"
                     " 45 nm), a separate line, not thermodynamic")
        res = " ".join(f"{b.architecture} {np.mean(b.energy - base.ground_energy) / base.n:.4f}"
                       for b in result.baselines)
        lines.append(f"  residual/spin: machine {base.residual.mean():.4f}; write-through {res}")
    if base is not None:
        lines.append(f"hold of the answer for {cfg.retention:.3g} s (planted N={base.n},"
                     f" E_L = {base.hold_barrier:.2f} kT for ε = {cfg.error:g}):")
        lines.append(f"  {'margin kT':>10}{'barrier kT':>11}{'errors/R':>10}{'exact':>10}"
                     f"{'raise kT':>10}{'sudden kT':>10}{'scrubs':>10}{'scrub J':>10}")
        scrub = scrub_energy(base)
        for k, margin in enumerate(base.margins):
            lines.append(f"  {margin:10g}{base.hold_barrier - margin:11.2f}"
                         f"{base.hold_errors[k].mean():10.4g}{base.n * base.hold_p[k]:10.4g}"
                         f"{base.modulation[k] / kT:10.4g}{base.modulation_sudden[k] / kT:10.4g}"
                         f"{base.scrubs[k]:10.3g}{scrub[k]:10.3g}")
        lines.append("  raise: quasi-static work of raising the N quartic wells from the anneal"
                     " barrier (>= 1 kT) to the hold barrier (two-state model: 0; the ledger's"
                     f" hold work {base.hold / kT:.3g} kT); scrubs: reads needed to keep the"
                     " answer to ε at that barrier instead (controller energy)")
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
        mods = [estimate(cfg, p, arch, "quasi_static") for p in pts]
        est[arch]["modulation"] = energy(
            np.array([math.nan if e is None else e.modulation for e in mods]),
            f"energy_to_solution {arch}: modulation (quasi-static quartic wells)")
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
            "hold_barrier": quantity(col(lambda p: p.hold_barrier), "kT",
                                     "E_L = retention_barrier(retention, error, N)"),
            "hold_errors": quantity(np.stack([p.hold_errors for p in pts]), "",
                                    "spins flipped in the hold (points, margins, restarts)"),
            "hold_p": quantity(np.stack([p.hold_p for p in pts]), "",
                               "exact flip probability per cell (points, margins)"),
            "modulation": energy(np.stack([p.modulation for p in pts]),
                                 "quasi-static raise of N quartic wells to each hold barrier"),
            "modulation_sudden": energy(np.stack([p.modulation_sudden for p in pts]),
                                        "instant raise of N quartic wells"),
            "scrubs": quantity(np.stack([p.scrubs for p in pts]), "",
                               "scrubs to keep the answer to ε at each hold barrier"),
            "macs": quantity(col(lambda p: p.macs), "", "controller multiply-accumulates"),
            "controller": energy(col(lambda p: p.controller),
                                 "controller reads + multiply-accumulates (Horowitz 2014)"),
            "seed": quantity(col(lambda p: p.seed, np.uint64), "", "machine seed"),
            "seconds": quantity(col(lambda p: p.seconds), "s", "CPU time"),
        },
        "estimate": est,
        "hold_margins": quantity(np.asarray(cfg.hold_margins, dtype=np.float64), "kT",
                                 "hold barriers below E_L"),
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

"""The optimiser experiment's results as dataclasses, and what is read from them: the checks,
the console report and the HDF5 content."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from experiments.checks import assemble, check, check_key, chernoff_check, count_check
from experiments.common import quantity, seeds_tree
from experiments.lim_optimizer.config import NAME, WALLS, Config
from experiments.lim_optimizer.oracle import LAMBDAS_KT
from simcore.lim import EnergyToSolution
from simcore.seeds import Seeds


@dataclass(frozen=True)
class Wall:
    """Energy of one wall (or of all, ``Run.total``) over a run, J for the whole optimiser.

    ``work``, ``heat``: Monte Carlo ledger; ``ledger_stderr``: its standard error; ``exact``: the
    sum of the writes' exact conditional means given the reads, ``sigma`` the square root of the
    sum of their variances; ``span``: the largest range one write's work can take (J);
    ``cgf``: the exact cumulant generating function ``ln E exp(λ W)`` of the summed work given
    the reads at ``λ = oracle.LAMBDAS_KT / kT`` (dimensionless, (L,));
    ``bound``: the sum of their rigorous lower bounds; ``nominal``: hops
    times the estimate's cost per changed bit at that barrier; ``estimate``: the wall of
    ``energy_to_solution``; ``writes``: cells written; ``hops``: level hops asked for."""

    work: float
    heat: float
    ledger_stderr: float
    exact: float
    sigma: float
    bound: float
    nominal: float
    estimate: float
    writes: int
    hops: int
    span: float = 0.0
    cgf: np.ndarray | None = None


@dataclass(frozen=True)
class Quality:
    """How good a run's solution is. Quadratic: ``rms_levels`` (RMS |x - x*| over the level
    spacing), ``residual_levels`` (‖x - x*‖∞ over it), ``objective_gap`` (relative to the start);
    Ising: ``energy``, ``ground_energy`` (coupling units) and ``gap = (E - E_0)/|E_0|``.
    ``instance``: "random PD", "brute force" or "planted"; brute force: ``successes`` of
    ``restarts`` independent restarts reached the ground energy. Fields not of the problem are
    NaN (0 for the counts)."""

    instance: str
    rms_levels: float = math.nan
    residual_levels: float = math.nan
    objective_gap: float = math.nan
    energy: float = math.nan
    ground_energy: float = math.nan
    gap: float = math.nan
    restarts: int = 0
    successes: int = 0


@dataclass(frozen=True, eq=False)
class Run:
    """One simulated optimisation (problem, architecture, N, B, τ_u).

    Sizes: ``n`` parameters, ``bits`` per parameter, ``iterations``, ``ops = n·iterations``;
    ``update_time`` (s); ``schedule`` and ``scale`` (iterations) of the estimate; energies (J,
    whole optimiser): ``walls`` by wall, ``total``, the ``estimate`` (``EnergyToSolution``) with
    its ``landauer`` and ``hardware`` lines; ``ratio`` = simulated total / estimate,
    ``activity_ratio`` = simulated hops / estimated changed bits; ``activity`` (iterations,):
    fraction of parameters changed per iteration; ``hold_losses``, ``raise_losses``: cells found
    off their value; ``barrier_long`` (J); ``first_law_cell``, ``first_law_walls`` (J, None
    without per-cell ledgers); ``kT`` (J); ``seconds`` (s, wall clock)."""

    problem: str
    architecture: str
    n: int
    bits: int
    update_time: float
    iterations: int
    ops: int
    schedule: str
    scale: float
    walls: dict[str, Wall]
    total: Wall
    estimate: EnergyToSolution
    landauer: float
    hardware: float
    ratio: float
    activity_ratio: float
    quality: Quality
    activity: np.ndarray
    hold_losses: int
    raise_losses: int
    barrier_long: float
    first_law_cell: float | None
    first_law_walls: float | None
    kT: float
    seconds: float


@dataclass(frozen=True)
class Row:
    """One point of a scan: which scan (``n``, ``bits`` or ``update_time``) and the index of
    its run in ``Result.runs`` (the base point is simulated once and listed in every scan)."""

    problem: str
    scan: str
    run_index: int


@dataclass(frozen=True, eq=False)
class Result:
    """Everything a run of the experiment produced: its config, the scans' rows, the simulated
    runs and the named random streams (``seeds``)."""

    config: Config
    rows: tuple[Row, ...]
    runs: tuple[Run, ...]
    seeds: Seeds


def _label(r: Run) -> str:
    return f"{r.problem} {r.architecture} N={r.n} B={r.bits} τ={r.update_time:.0e}"


def _key(i: int, r: Run, name: str, wall: str = "") -> str:
    """``problem_architecture_name[_wall][i]``, ``i`` the run's index in ``Result.runs``."""
    return check_key(f"{r.problem}_{r.architecture}_{name}" + (f"_{wall}" if wall else ""), i)


def checks(result: Result) -> list[dict]:
    """Per run and wall: Monte Carlo vs the exact expectation given the reads, and never below
    the rigorous bound (Chernoff's bound from the exact cumulant generating function of the sum
    of the writes, ``Wall.cgf``: sharp for a few lumpy, discrete writes); solutions within the
    requested precision (quadratic: RMS distance to the optimum within one level spacing, i.e.
    the solution carries the B bits of its cells); Ising, brute-force instances: the rate at
    which independent restarts reach the exact ground state is not below ``ising_success``
    (a one-sided Clopper–Pearson test). Family-wise over the report (``assemble``)."""
    cfg = result.config
    out = []
    for i, r in enumerate(result.runs):
        kT = r.kT
        label = _label(r)
        for wall in (*WALLS, "total"):
            v = r.total if wall == "total" else r.walls[wall]
            floor = 1e-9 * max(1, r.n)
            dist = {"mean": v.exact / kT, "lambdas": LAMBDAS_KT, "cgf": v.cgf,
                    "tolerance": floor, "unit": "kT"}
            out.append(chernoff_check(_key(i, r, "work_vs_exact", wall),
                                      f"{label} {wall}: work vs exact expectation",
                                      v.work / kT, v.exact / kT, **dist))
            out.append(chernoff_check(_key(i, r, "work_above_bound", wall),
                                      f"{label} {wall}: work >= rigorous bound", v.work / kT,
                                      v.bound / kT, kind="lower", **dist))
        q = r.quality
        if r.problem == "quadratic":
            out.append(check(_key(i, r, "rms_within_level"),
                             f"{label}: RMS |x - x*| within one level", q.rms_levels, 1.0,
                             kind="upper", unit="levels"))
        elif q.instance == "brute force" and q.restarts:  # planted: gap reported, not required
            out.append(count_check(_key(i, r, "ground_state_rate"),
                                   f"{label}: rate of restarts reaching the Ising ground state"
                                   f" ({q.successes} of {q.restarts}) >= {cfg.ising_success:g}",
                                   q.successes, q.restarts, cfg.ising_success, kind="lower",
                                   keys=("ising_restarts", "ising_success")))
    return assemble(out)


_RUN_FIELDS = ("n", "bits", "update_time", "iterations", "ops", "landauer", "hardware", "ratio",
               "activity_ratio", "hold_losses", "raise_losses", "barrier_long", "kT", "seconds")
_UNITS = {"update_time": "s", "landauer": "J", "hardware": "J", "barrier_long": "J", "kT": "J",
          "seconds": "s"}
_WALL_UNITS = {"work": "J", "heat": "J", "ledger_stderr": "J", "exact": "J", "sigma": "J",
               "span": "J", "bound": "J", "nominal": "J", "estimate": "J", "writes": "", "hops": ""}
_QUALITY = {"rms_levels": ("levels", "RMS |x - x*| over the level spacing (quadratic)"),
            "residual_levels": ("levels", "‖x - x*‖∞ over the level spacing (quadratic)"),
            "objective_gap": ("", "(f - f*)/(f_0 - f*) (quadratic)"),
            "gap": ("", "(E - E_0)/|E_0| (Ising)")}


def data(result: Result) -> dict:
    """HDF5 content: one entry per simulated run (``runs``), the scans as indices into it
    (``rows``), energies by wall in J for the whole optimiser, and the named random streams
    (``seeds``)."""
    runs = result.runs
    table = {
        "problem": quantity(np.array([r.problem for r in runs], dtype=object), ""),
        "architecture": quantity(np.array([r.architecture for r in runs], dtype=object), ""),
        "instance": quantity(np.array([r.quality.instance for r in runs], dtype=object), ""),
    }
    for k in _RUN_FIELDS:
        table[k] = quantity(np.array([getattr(r, k) for r in runs], dtype=np.float64),
                            _UNITS.get(k, ""))
    for k, (unit, text) in _QUALITY.items():
        table[k] = quantity(np.array([getattr(r.quality, k) for r in runs]), unit, text)
    for k in ("restarts", "successes"):
        table[k] = quantity(np.array([getattr(r.quality, k) for r in runs]), "",
                            "Ising, brute force: independent restarts of the annealer, and those"
                            " that reached the ground energy")
    table["estimate_changed_bits"] = quantity(
        np.array([r.estimate.changed_bits for r in runs]), "", "estimate's changed bits")
    table["walls"] = {
        wall: {k: quantity(np.array([getattr(r.total if wall == "total" else r.walls[wall], k)
                                     for r in runs], dtype=np.float64), u)
               for k, u in _WALL_UNITS.items()}
        for wall in (*WALLS, "total")}
    rows = result.rows
    return {
        "runs": table,
        "rows": {
            "scan": quantity(np.array([r.scan for r in rows], dtype=object), ""),
            "run": quantity(np.array([r.run_index for r in rows]), "", "index into runs"),
        },
        "seeds": seeds_tree(result.seeds),
    }


def _row_line(r: Run) -> str:
    kT, w, q = r.kT, r.walls, r.quality
    qual = f"{q.rms_levels:6.2f} lv" if r.problem == "quadratic" else f"{q.gap:9.2e}"
    return (
        f"{r.architecture:>8} {r.n:>6} {r.bits:>2} {r.update_time:8.0e}"
        f" {r.ops:9.3g} {w['update'].work:10.3e} {w['hold'].work:10.3e}"
        f" {w['consolidate'].work:10.3e} {r.total.work:10.3e}"
        f" {r.estimate.total:10.3e} {r.ratio:7.3f} {r.activity_ratio:6.3f}"
        f" {r.total.bound:10.3e} {r.landauer:10.3e} {r.hardware:9.2e} {qual}"
        f" {r.total.work / kT / r.ops:9.3g}"
    )


def report(result: Result) -> str:
    cfg = result.config
    head = (
        f"{'arch':>8} {'N':>6} {'B':>2} {'τ_u (s)':>8} {'OPS':>9} {'update J':>10}"
        f" {'hold J':>10} {'consol. J':>10} {'total J':>10} {'estimate':>10} {'sim/est':>7}"
        f" {'act.':>6} {'bound J':>10} {'Landauer':>10} {'hardware':>9} {'quality':>9}"
        f" {'kT/op':>9}"
    )
    lines = [
        f"{NAME}: T = {cfg.temperature:g} K, f0 = {cfg.attempt_frequency:g} Hz,"
        f" ε = {cfg.error:g}, retention {cfg.retention:.3g} s, K = {cfg.consolidation_interval}",
        "energies in J for the whole optimiser (Monte Carlo work = heat); estimate ="
        " lim.energy_to_solution; act. = simulated level hops / estimated changed bits;"
        " bound = Σ rigorous per-write bounds; quality = RMS |x - x*| (levels) or Ising gap",
    ]
    for problem, scans in (("quadratic", ("n", "bits", "update_time")),
                           ("ising", ("n", "update_time"))):
        for scan in scans:
            rows = [result.runs[r.run_index] for r in result.rows
                    if r.problem == problem and r.scan == scan]
            if not rows:
                continue
            lines += ["", f"{problem}, scan over {scan}:", head]
            lines += [_row_line(r) for r in rows]
    lines += ["", "simulated vs exact expectation given the reads (kT, all walls):"]
    for r in result.runs:
        t, kT = r.total, r.kT
        lines.append(
            f"  {r.problem:>9} {r.architecture:>8} N={r.n:<6} B={r.bits}"
            f" τ={r.update_time:.0e}: {t.work / kT:12.2f} vs {t.exact / kT:12.2f}"
            f" ± {t.sigma / kT:8.2f}; nominal {t.nominal / kT:12.2f};"
            f" hold losses {r.hold_losses}, raise losses {r.raise_losses}"
        )
    return "\n".join(lines)

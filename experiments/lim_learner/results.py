"""The learner experiment's result, checks, report and HDF5 content."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from experiments.checks import assemble, check, check_key, chernoff_check, count_check
from experiments.common import energy, quantity, seeds_tree
from experiments.lim_learner.config import ARCHITECTURES, NAME, WALLS
from experiments.lim_learner.runs import HEAT_LAMBDAS, DigitsRun, QPRun
from experiments.results import ResultBase

#: Round-off allowed in the first law, relative to the run's Σ|W| + Σ|Q|.
FIRST_LAW_RTOL = 1e-10


@dataclass(frozen=True, kw_only=True, eq=False)
class Result(ResultBase):
    runs: tuple[QPRun, ...]
    digits: DigitsRun


def _first_law(key, label, cell_energy, walls, scale):
    w = sum(walls.work.values())
    q = sum(walls.heat.values())
    return check(key, label, (cell_energy - (w - q)) / max(scale, 1e-300), 0.0,
                 tolerance=FIRST_LAW_RTOL, unit="of Σ|W|+|Q|")


#: λ values on each side of the heat checks' grid: the union bound's count.
_HEAT_TESTS = int(np.sum(HEAT_LAMBDAS > 0))
#: λ grid (1/parameter) of the hold-error counts' Chernoff checks.
_COUNT_LAMBDAS = np.concatenate([-np.logspace(-3, 2, 41), np.logspace(-3, 2, 41)])


def _heat_check(key, label, h, kT):
    """The ledger's heat against the sum of the windows' exact conditional means, by the
    martingale Chernoff bound of ``runs.HeatOracle`` (valid for every seed; the union over the
    λ of one side costs ``ln 57`` in the exponent)."""
    return chernoff_check(key, label, h["simulated"] / kT, h["mean"] / kT, mean=h["mean"] / kT,
                          lambdas=HEAT_LAMBDAS, cgf=h["cgf"], unit="kT", tests=_HEAT_TESTS,
                          tolerance=1e-9 * max(1.0, abs(h["mean"]) / kT))


def _hold_check(key, label, errors, p):
    """Parameters changed by the hold against the exact sum of independent Bernoulli(p_j)."""
    p = np.asarray(p, dtype=np.float64)
    cgf = [float(np.sum(np.log1p(p * np.expm1(lam)))) for lam in _COUNT_LAMBDAS]
    return chernoff_check(key, label, float(errors), float(p.sum()), mean=float(p.sum()),
                          lambdas=_COUNT_LAMBDAS, cgf=cgf)


def checks(result: Result) -> list[dict]:
    """First law of every machine's ledger (exact); the ledger's heat of the base programme and
    of the digits run against the exact conditional expectation of every window (the
    martingale Chernoff bound with the windows' exact conditional CGFs, ``runs.HeatOracle``);
    the parameters changed by the retention hold against their exact expectation (Chernoff,
    independent cells); the digits machine's held-out accuracy at least ``min_accuracy``
    (one-sided Clopper-Pearson over the test images)."""
    kT, cfg = result.kT, result.config
    out = []
    for i, r in enumerate(result.runs):
        out.append(_first_law(check_key("first_law", i),
                              f"first law ΔU = W - Q, quadratic N={r.n} B={r.bits} n0={r.scale:g}"
                              f" τ={r.update_time:g} s", r.cell_energy, r.walls, r.ledger_scale))
        if r.heat_oracle:
            out.append(_heat_check(check_key("heat_vs_oracle", i),
                                   f"update heat vs exact conditional mean, quadratic N={r.n}"
                                   f" B={r.bits}", r.heat_oracle, kT))
        out.append(_hold_check(check_key("hold_errors", i),
                               f"parameters changed holding {cfg.retention:.3g} s at"
                               f" {r.consolidated_barrier / kT:.1f} kT, quadratic N={r.n}"
                               f" B={r.bits}, vs exact Σ(1 - P_kk)", r.hold_errors,
                               r.hold_expected))
    d = result.digits
    out.append(_first_law("digits_first_law", "first law ΔU = W - Q, digits machine",
                          d.cell_energy, d.walls, d.ledger_scale))
    out.append(_heat_check("digits_heat_vs_oracle",
                           "digits: update heat vs exact conditional mean", d.heat_oracle, kT))
    out.append(_hold_check("digits_hold_errors", f"digits: weights changed holding"
                           f" {cfg.retention:.3g} s at {d.consolidated_barrier / kT:.1f} kT vs"
                           " exact Σ(1 - P_kk)", d.hold_errors, d.hold_expected))
    out.append(count_check("digits_accuracy",
                           f"digits: machine's held-out accuracy >= {cfg.min_accuracy:g}",
                           d.correct, d.n_test, cfg.min_accuracy, kind="lower",
                           keys=("min_accuracy",)))
    return assemble(out)


def _line(r: QPRun, kT: float) -> str:
    est = r.estimates
    sim = r.walls.total
    return (f"{r.label:>11} {r.n:>5} {r.bits:>2} {r.scale:6g} {r.update_time:8.0e}"
            f" {r.colours:>3} {r.barrier0 / kT:6.2f} {r.walls.heat['update']:10.3e}"
            f" {r.walls.work['update']:10.3e}"
            f" {r.walls.work['consolidate']:10.3e} {sim:10.3e}"
            f" {est['matched']['total']:10.3e} {sim / est['matched']['total']:8.3g}"
            f" {est['static']['total']:10.3e} {est['ideal']['total']:10.3e}"
            f" {r.write_through['total']:10.3e} {r.rms_levels:6.2f}"
            f" {r.write_through['rms_levels']:6.2f} {r.iterations_to_level:>5}"
            f" {r.consolidation_errors:>4}")


def e2s_rows(result: Result):
    """``(task, label, update, hold, consolidate, total, modulation, controller)`` (J) of the
    base programme and the digits run: the machine (walls from its ledger; modulation the
    quasi-static work of its quartic wells' barrier from b0 to the consolidated barrier, per
    bit; controller the reads + MACs of its gradients), the estimates (``modulation`` from
    ``energy_to_solution(..., modulation="quasi_static")``; no controller line) and the
    write-through optimiser (no modulation model; the same gradients' controller)."""
    out = []
    base = [r for r in result.runs if r.label == "base"]
    d = result.digits
    tasks = [(f"QP N={r.n} B={r.bits}", r.walls, r.estimates, r.write_through, None)
             for r in base]
    tasks.append((f"digits {d.n_params}×{d.bits}b", d.walls, d.estimates, None, d.wt_walls))
    for task, w, est, wt, wtw in tasks:
        out.append((task, "machine (sim)", w.work["update"], w.work["hold"],
                    w.work["consolidate"], w.total, w.modulation, w.controller))
        for a in ARCHITECTURES:
            e = est[a]
            out.append((task, f"estimate {a}", e["update"], e["hold"], e["consolidate"],
                        e["total"], e["modulation"], math.nan))
        if wt is not None:
            out.append((task, "write-through matched", wt["update"], wt["hold"],
                        wt["consolidate"], wt["total"], math.nan, wt["controller"]))
        else:
            out.append((task, "write-through matched", wtw.work["update"], wtw.work["hold"],
                        wtw.work["consolidate"], wtw.total, math.nan, wtw.controller))
    return out


def e2s_table(result: Result) -> list[str]:
    lines = [f"{'task':>16} {'':22} {'update':>10} {'hold':>10} {'consol.':>10} {'total':>10}"
             f" {'modulation':>10} | {'controller':>10}"]
    for task, label, *v in e2s_rows(result):
        lines.append(f"{task:>16} {label:22} " + " ".join(f"{x:10.3e}" for x in v[:5])
                     + f" | {v[5]:10.3e}")
    lines.append("total: the two-state walls; modulation (quartic wells, quasi-static) and the"
                 " controller (reads + multiply-accumulates at Horowitz ISSCC 2014 45 nm"
                 " energies: 5 pJ per 32-bit SRAM read, 4.6 pJ per FP32 MAC) are separate lines;"
                 " the estimate's hold is the rewrites of values lost while training, the"
                 " machine's the simulated retention hold (flat wells: no work)")
    return lines


def report(result: Result) -> str:
    kT, cfg = result.kT, result.config
    lines = [
        f"{NAME}: T = {cfg.temperature:g} K, f0 = {cfg.attempt_frequency:g} Hz, ε = {cfg.error:g},"
        f" retention {cfg.retention:.3g} s; β Δ² = {cfg.beta_levels:g}",
        "energies: work on the cells (J, whole memory) by the machine's ledger (update Q: the"
        " heat of learning; the update/consolidate split of the work depends on the tilt's"
        " zero, the total does not); estimates by"
        " lim.energy_to_solution (same OPS, N, n0, τ, bits); write-through = the lim_optimizer"
        " matched optimiser on the same instance",
        f"{'scan':>11} {'N':>5} {'B':>2} {'n0':>6} {'τ (s)':>8} {'col':>3} {'b0/kT':>6}"
        f" {'update Q':>10} {'update J':>10} {'consol. J':>10} {'machine J':>10}"
        f" {'matched':>10} {'sim/est':>8}"
        f" {'static':>10} {'ideal':>10} {'wr.-thr.':>10} {'rms lv':>6} {'wt rms':>6}"
        f" {'n_lvl':>5} {'lost':>4}",
    ]
    lines += [_line(r, kT) for r in result.runs]
    lines += ["", "energy to solution by wall (J, whole memory; sim = the machine's ledger):"]
    lines += e2s_table(result)
    lines += ["", f"hold of the consolidated solution for {cfg.retention:.3g} s (simulated,"
              " the engine's exact propagator) and the controller (not in the ledger):",
              f"{'scan':>11} {'N':>5} {'B':>2} {'E_L/kT':>7} {'changed':>7} {'exact':>8}"
              f" {'hold J':>10} {'MACs':>9} {'controller J':>12}"]
    for r in result.runs:
        lines.append(f"{r.label:>11} {r.n:>5} {r.bits:>2} {r.consolidated_barrier / kT:7.2f}"
                     f" {r.hold_errors:>7} {r.hold_expected.sum():8.3g}"
                     f" {r.walls.work['hold']:10.3e} {r.macs:9.3g} {r.walls.controller:12.3e}")
    d = result.digits
    lines.append(f"{'digits':>11} {d.n_params:>5} {d.bits:>2}"
                 f" {d.consolidated_barrier / kT:7.2f} {d.hold_errors:>7}"
                 f" {d.hold_expected.sum():8.3g} {d.walls.work['hold']:10.3e} {d.macs:9.3g}"
                 f" {d.walls.controller:12.3e}")
    lines += [
        "",
        f"digits (load_digits, {d.n_params} weights of {d.bits} bits, {d.n_train} train /"
        f" {d.n_test} test, b0 = {d.barrier0 / kT:.2f} kT): held-out accuracy and work (J)",
        f"{'iter':>6} {'machine':>8} {'work J':>10} {'float GD':>8} {'float SGD':>9}"
        f" {'wr.-thr.':>8} {'wt work J':>10}",
    ]
    for k, it in enumerate(d.checkpoints):
        lines.append(f"{it:6d} {d.machine_accuracy[k]:8.3f} {d.machine_work[k]:10.3e}"
                     f" {d.gd_accuracy[k]:8.3f} {d.sgd_accuracy[k]:9.3f}"
                     f" {d.wt_accuracy[k]:8.3f} {d.wt_work[k]:10.3e}")
    lines.append("digits machine by wall (J): " + ", ".join(
        f"{w} {d.walls.work[w]:.3e}" for w in WALLS) + "; write-through: " + ", ".join(
        f"{w} {d.wt_walls.work[w]:.3e}" for w in WALLS))
    lines.append("digits estimates (J): " + ", ".join(
        f"{a} {d.estimates[a]['total']:.3e}" for a in ARCHITECTURES)
        + f"; Landauer {d.estimates['matched']['landauer']:.3e},"
        f" hardware {d.estimates['matched']['hardware']:.3e}")
    return "\n".join(lines)


_RUN_FIELDS = {
    "n": ("", "parameters N"), "bits": ("", "bits per parameter"),
    "scale": ("", "learning-rate time constant n0 (iterations)"),
    "update_time": ("s", "window τ per parameter update"), "iterations": ("", "iterations"),
    "colours": ("", "colour classes (windows per iteration)"),
    "beta": ("1/unit", "β of the machine"), "barrier0": ("J", "b0 of the barrier schedule"),
    "eta0": ("unit", "initial learning rate η0 = 1/L"),
    "rms_levels": ("levels", "RMS |θ - θ*| after consolidation"),
    "gap": ("", "(f - f*)/(f0 - f*) after training"),
    "iterations_to_level": ("", "first iteration with f - f* <= ½ Δ² N (-1: never)"),
    "energy_to_level": ("J", "machine work up to iterations_to_level"),
    "consolidation_errors": ("", "parameters changed while the barrier was raised"),
    "hops": ("", "level changes during training"),
}


def data(result: Result) -> dict:
    runs = result.runs
    table = {"scan": quantity(np.array([r.label for r in runs], dtype=object), "")}
    for k, (unit, text) in _RUN_FIELDS.items():
        table[k] = quantity(np.array([getattr(r, k) for r in runs], dtype=np.float64), unit, text)
    table["work"] = {w: energy([r.walls.work[w] for r in runs], f"machine work, {w}")
                     for w in WALLS}
    table["heat"] = {w: energy([r.walls.heat[w] for r in runs], f"machine heat, {w}")
                     for w in WALLS}
    table["machine_total"] = energy([r.walls.total for r in runs], "machine work, all walls")
    table["modulation"] = energy([r.walls.modulation for r in runs],
                                 "quartic wells' quasi-static barrier work (not in the total)")
    table["controller"] = energy([r.walls.controller for r in runs],
                                 "controller reads + MACs (Horowitz 2014), not thermodynamic")
    table["macs"] = quantity(np.array([r.macs for r in runs]), "", "controller MACs")
    table["hold_errors"] = quantity(np.array([r.hold_errors for r in runs], dtype=np.float64),
                                    "", "parameters changed by the retention hold")
    table["hold_expected"] = quantity(np.array([r.hold_expected.sum() for r in runs]), "",
                                      "exact expectation of hold_errors")
    table["consolidated_barrier"] = energy([r.consolidated_barrier for r in runs],
                                           "barrier of the consolidation and hold")
    table["estimate"] = {a: {k: energy([r.estimates[a][k] for r in runs])
                             for k in ("update", "consolidate", "hold", "total", "landauer",
                                       "hardware", "modulation")} for a in ARCHITECTURES}
    table["write_through"] = {k: (energy([r.write_through[k] for r in runs]) if k not in
                                  ("rms_levels", "gap") else
                                  quantity(np.array([r.write_through[k] for r in runs]), ""))
                              for k in ("update", "hold", "consolidate", "total", "controller",
                                        "rms_levels", "gap")}
    table["objective"] = quantity(np.stack([r.objective for r in runs]), "unit",
                                  "f before and after each iteration")
    table["cumulative_work"] = energy(np.stack([r.cumulative_work for r in runs]),
                                      "machine work up to each iteration")
    d = result.digits
    dig = {
        "checkpoints": quantity(d.checkpoints, "", "iterations"),
        "machine_accuracy": quantity(d.machine_accuracy, "", "held-out accuracy"),
        "machine_work": energy(d.machine_work, "machine work up to the checkpoint"),
        "machine_loss": quantity(d.machine_loss, "unit", "training objective"),
        "gd_accuracy": quantity(d.gd_accuracy, "", "float64 gradient descent"),
        "sgd_accuracy": quantity(d.sgd_accuracy, "", "float64 minibatch SGD"),
        "wt_accuracy": quantity(d.wt_accuracy, "", "write-through matched optimiser"),
        "wt_work": energy(d.wt_work, "write-through work up to the checkpoint"),
        "work": {w: energy(d.walls.work[w]) for w in WALLS},
        "wt_work_walls": {w: energy(d.wt_walls.work[w]) for w in WALLS},
        "modulation": energy(d.walls.modulation, "quartic wells' quasi-static barrier work"),
        "controller": energy(d.walls.controller, "controller reads + MACs (Horowitz 2014)"),
        "wt_controller": energy(d.wt_walls.controller, "write-through controller"),
        "hold_errors": quantity(float(d.hold_errors), "", "weights changed by the hold"),
        "hold_expected": quantity(float(d.hold_expected.sum()), "", "exact expectation"),
        "estimate": {a: energy(d.estimates[a]["total"]) for a in ARCHITECTURES},
        "landauer": energy(d.estimates["matched"]["landauer"]),
        "hardware": energy(d.estimates["matched"]["hardware"]),
    }
    return {"runs": table, "digits": dig, "seeds": seeds_tree(result.seeds)}

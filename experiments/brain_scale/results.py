"""The brain-scale experiment's results as dataclasses, and what is read from them: the checks,
the console report and the HDF5 content."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from experiments.brain_scale.config import NAME, Config
from experiments.brain_scale.model import Exact, Model
from experiments.checks import assemble, check, check_key
from experiments.common import energy, quantity, seeds_tree
from simcore import lim
from simcore.lim import EnergyToSolution
from simcore.seeds import Seeds


@dataclass(frozen=True)
class End:
    """The end of a simulation (J, whole optimiser): ``hold`` of the last scrub, ``consolidate``
    of the rewrites after the raise, ``residual`` cells left off their target, ``lost`` cells
    lost while raising, and ``variance`` (J²) of these one-off terms (Poisson counts)."""

    hold: float
    consolidate: float
    residual: int
    lost: int
    variance: float


@dataclass(frozen=True)
class Stepped:
    """Every iteration simulated: ``total`` (J) with its standard error ``sigma`` (J),
    ``iterations`` (J, the iterations' part), ``ratio_mean`` (mean per-iteration ratio to the
    estimate), the ``end``; ``integration = 0`` (nothing is integrated)."""

    total: float
    sigma: float
    end: End
    iterations: float
    ratio_mean: float
    integration: float = 0.0


@dataclass(frozen=True, eq=False)
class Windowed:
    """Windows integrated against the estimate: ``total``, ``sigma`` (sampling) and
    ``integration`` (J, Richardson or shape error plus the sums' error); per window (arrays of
    the windows): ``starts``, ``nodes`` (centre, real n), ``ratio`` and ``ratio_se`` (to the
    estimate), ``mean_energy``, ``mean_estimate`` (J per iteration), ``model_ratio`` (the exact
    model's), ``weights`` (J); ``shape_error`` (J), ``iterations`` (J) and the ``end``."""

    total: float
    sigma: float
    integration: float
    end: End
    starts: np.ndarray
    nodes: np.ndarray
    ratio: np.ndarray
    ratio_se: np.ndarray
    mean_energy: np.ndarray
    mean_estimate: np.ndarray
    model_ratio: np.ndarray
    shape_error: float
    weights: np.ndarray
    iterations: float


@dataclass(frozen=True, eq=False)
class Point:
    """One point (N parameters, ``iterations`` updates each, ``ops`` = N × iterations).

    ``scale``: the schedule's n0 (iterations); ``estimate``: ``energy_to_solution`` by
    architecture; ``exact``: the bit model's expectation; ``first_order``: predicted
    simulated/estimate over the iterations; ``fail_gap``: largest ``|P_f - ε|/(1 - ε)``;
    ``barrier_first``, ``barrier_last``, ``barrier_long`` (J); ``kT`` (J); ``stepped`` and
    ``windowed`` (None where not run); ``first_law`` (J, largest ``|Σ Q - Σ W|``) over
    ``first_law_scale`` (J); ``method`` of the main result with its ``total``, ``sigma``,
    ``integration`` (J) and ``ratio`` to the matched estimate; ``seconds`` (wall clock)."""

    n: int
    iterations: int
    ops: float
    scale: float
    estimate: dict[str, EnergyToSolution]
    exact: Exact
    first_order: float
    fail_gap: float
    barrier_first: float
    barrier_last: float
    barrier_long: float
    kT: float
    stepped: Stepped | None
    windowed: Windowed | None
    first_law: float
    first_law_scale: float
    method: str
    total: float
    sigma: float
    integration: float
    ratio: float
    seconds: float

    @property
    def main(self) -> Stepped | Windowed:
        """The simulation the point reports (windowed where it ran)."""
        return self.windowed if self.windowed is not None else self.stepped


@dataclass(frozen=True, eq=False)
class Result:
    """A run of the experiment: its config, the points in order of N, and the named random
    streams (``seeds``)."""

    config: Config
    points: tuple[Point, ...]
    seeds: Seeds


def checks(result: Result) -> list[dict]:
    """Per point: simulated total vs the model's exact expectation (sampling and integration
    errors, plus the exact model's error); windowed vs stepped where both ran; simulated >= the
    rigorous bound; simulated/estimate over the iterations vs its first-order prediction within
    the stated O(ε²) error; first law over all writes. Family-wise over the report
    (``assemble``)."""
    out = []
    cfg = result.config
    eps = cfg.error
    for i, p in enumerate(result.points):
        label = f"N={p.n:.0e} n={p.iterations:.3g}"
        ex = p.exact
        scale = ex.total
        for method, r in (("stepped", p.stepped), ("windowed", p.windowed)):
            if r is None:
                continue
            out.append(check(check_key(f"{method}_vs_exact", i),
                             f"{label} {method}: total / exact expectation", r.total / scale,
                             1.0, se=math.hypot(r.sigma, r.integration) / scale,
                             tolerance=ex.error / scale))
        if p.stepped is not None and p.windowed is not None:
            s, w = p.stepped, p.windowed
            se = math.sqrt(s.sigma**2 + w.sigma**2 + w.integration**2)
            out.append(check(check_key("windowed_vs_stepped", i), f"{label}: windowed / stepped",
                             w.total / s.total, 1.0, se=se / s.total))
        se = math.hypot(p.sigma, p.integration)
        out.append(check(check_key("above_bound", i), f"{label}: total >= rigorous bound",
                         p.total / scale, ex.bound / scale, se=se / scale, kind="lower"))
        est = p.estimate["matched"]
        ratio_it = p.main.iterations / (est.update + est.hold)
        # stated error of the first-order ratio: terms of second order in w̄ ~ ε (docs)
        out.append(check(check_key("first_order_ratio", i),
                         f"{label}: sim/estimate (iterations) vs first-order ratio",
                         ratio_it, p.first_order, se=se / est.total, tolerance=4.0 * eps**2))
        out.append(check(check_key("first_law", i), f"{label}: first law Σ W = Σ Q",
                         p.first_law / p.first_law_scale, 0.0, tolerance=1e-9))
    return assemble(out)


def report(result: Result) -> str:
    cfg = result.config
    lines = [
        f"{NAME}: matched learning-in-memory, T = {cfg.temperature:g} K, f0 ="
        f" {cfg.attempt_frequency:g} Hz, τ_u = {cfg.update_time:g} s, B = {cfg.bits},"
        f" ε = {cfg.error:g}, schedule {cfg.schedule} (n0 = {cfg.scale_fraction:g} n_iter),"
        f" updates per parameter = {cfg.updates_top:g} (N/{cfg.reference_size:g})^"
        f"{cfg.updates_exponent:g}",
        "energies in J for the whole optimiser; sim = simulated matched total ± sampling error"
        " ± integration error; exact = expectation of the bit model; est = energy_to_solution",
        "",
        f"{'N':>8} {'n_iter':>9} {'OPS':>9} {'method':>8} {'sim (J)':>12} {'± samp':>9}"
        f" {'± int':>9} {'exact (J)':>12} {'est match':>11} {'sim/est':>9} {'1st order':>9}"
        f" {'est static':>11} {'est ideal':>11} {'Landauer':>10} {'hardware':>9}"
        f" {'bound':>10}",
    ]
    for p in result.points:
        e = p.estimate
        lines.append(
            f"{p.n:8.0e} {p.iterations:9.3g} {p.ops:9.2e} {p.method:>8}"
            f" {p.total:12.6e} {p.sigma:9.2e} {p.integration:9.2e}"
            f" {p.exact.total:12.6e} {e['matched'].total:11.5e} {p.ratio:9.6f}"
            f" {p.first_order:9.6f} {e['static'].total:11.4e} {e['ideal'].total:11.4e}"
            f" {e['matched'].landauer:10.3e} {e['matched'].hardware:9.2e}"
            f" {p.exact.bound:10.3e}")
    lines += ["", "windowed vs stepped (both simulated):"]
    for p in result.points:
        if p.stepped is not None and p.windowed is not None:
            s, w = p.stepped, p.windowed
            lines.append(
                f"  N={p.n:.0e}: windowed {w.total:.6e} ± {w.sigma:.2e} ± "
                f"{w.integration:.2e} vs stepped {s.total:.6e} ± {s.sigma:.2e}"
                f" (ratio {w.total / s.total:.5f})")
    top = result.points[-1]
    e = top.estimate
    lines += [
        "",
        f"closing note, N = {top.n:.0e}, OPS = {top.ops:.2e} ({top.iterations:.3g}"
        " updates per parameter):",
        f"  estimate: static {e['static'].total:.4e} J, matched {e['matched'].total:.4e} J,"
        f" ideal {e['ideal'].total:.4e} J; Landauer {e['matched'].landauer:.4e} J,"
        f" hardware {e['matched'].hardware:.3e} J",
        f"  simulated matched: {top.total:.6e} J ± {top.sigma:.1e} (sampling)"
        f" ± {top.integration:.1e} (integration); exact model {top.exact.total:.6e} J;"
        f" sim/est {top.ratio:.6f}",
        f"  ratios: static/matched {e['static'].total / e['matched'].total:.3f},"
        f" matched/ideal {e['matched'].total / e['ideal'].total:.3f},"
        f" static/ideal {e['static'].total / e['ideal'].total:.3f},"
        f" matched/Landauer {e['matched'].total / e['matched'].landauer:.3f},"
        f" hardware/matched {e['matched'].hardware / e['matched'].total:.3e}",
    ]
    return "\n".join(lines)


_POINT_FIELDS = {"n": "", "iterations": "", "ops": "", "scale": "", "total": "J", "sigma": "J",
                 "integration": "J", "ratio": "", "first_order": "", "fail_gap": "",
                 "barrier_first": "J", "barrier_last": "J", "barrier_long": "J", "seconds": "s"}


def data(result: Result) -> dict:
    """HDF5 content: one row per point (``points``), the estimates by architecture, the exact
    model, both simulations, every window (``windows``, with ``point`` indexing the rows) and
    the per-iteration curves of the largest point (``curve``), and the named random streams
    (``seeds``)."""
    pts = result.points
    cfg = result.config
    table = {k: quantity(np.array([getattr(p, k) for p in pts], dtype=np.float64), u)
             for k, u in _POINT_FIELDS.items()}
    table["method"] = quantity(np.array([p.method for p in pts], dtype=object), "")
    table["estimate"] = {
        a: {w: energy([getattr(p.estimate[a], w) for p in pts])
            for w in ("update", "hold", "consolidation", "total", "landauer", "hardware",
                      "sum_error")} for a in lim.ARCHITECTURES}
    table["exact"] = {k: energy([getattr(p.exact, k) for p in pts])
                      for k in ("total", "error", "update", "hold", "consolidate", "bound")}
    for method in ("stepped", "windowed"):
        sims = [getattr(p, method) for p in pts]
        table[method] = {k: energy([np.nan if s is None else getattr(s, k) for s in sims])
                         for k in ("total", "sigma", "integration")}
    rows = [(i, p.windowed) for i, p in enumerate(pts) if p.windowed is not None]
    windows = {
        "point": quantity(np.concatenate([np.full(w.starts.size, i) for i, w in rows])
                          if rows else np.zeros(0, int), "", "index into points"),
    }
    for k, u in (("starts", ""), ("nodes", ""), ("ratio", ""), ("ratio_se", ""),
                 ("model_ratio", ""), ("mean_energy", "J"), ("mean_estimate", "J"),
                 ("weights", "J")):
        windows[k] = quantity(np.concatenate([getattr(w, k) for _, w in rows]).astype(np.float64)
                              if rows else np.zeros(0), u)
    top = pts[-1]
    model = Model(cfg, top.n, top.iterations)
    n = np.unique(np.r_[np.geomspace(1.0, top.iterations, 400), float(top.iterations)])
    up, ho, bd = model.expectation(n)
    curve = {"n": quantity(n, "", "iteration index"),
             "estimate": energy(model.estimate(n), "estimate's energy per iteration"),
             "exact": energy(up + ho, "bit model's expected energy per iteration"),
             "bound": energy(bd, "rigorous bound per iteration"),
             "activity": quantity(model.activity(n), "", "a_n"),
             "barrier": energy(model.barrier(n), "matched barrier E(n)")}
    return {"points": table, "windows": windows, "curve": curve,
            "seeds": seeds_tree(result.seeds)}

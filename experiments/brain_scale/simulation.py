"""The aggregated simulation of the bit model: every update stepped, or exact windows at
log-spaced indices integrated against the estimate, and the run over every point."""

from __future__ import annotations

import math
import time

import numpy as np

import simcore as sc
from experiments.brain_scale import projections
from experiments.brain_scale.config import DENSE_FROM, NAME, Config
from experiments.brain_scale.model import Model
from experiments.brain_scale.results import End, Point, Result, Stepped, Windowed
from experiments.common import bar
from simcore import lim
from simcore.binomial import sample as binomial
from simcore.rng import stream
from simcore.seeds import Seeds, replay
from simcore.series import smooth_sum

#: The streams of one simulation: the binomial draws of an iteration and the aggregated arrays
#: of its writes (``update``, ``scrub``, ``rewrite``) and holds (``hold``, ``raise``).
ROLES = ("draws", "update", "scrub", "hold", "raise", "rewrite")


class Simulation:
    """The aggregated simulation of one point.

    Parameters
    ----------
    model : Model
        The bit model of the point.
    seeds : simcore.seeds.Seeds
        The simulation's streams (e.g. ``point[i]/stepped``). Each role of ``ROLES`` is one
        named stream, listed in the result file; iteration n of role ``r`` uses the seed
        ``seeds.seed(r, n)`` (the listed spawn key of ``r`` followed by n), derived here without
        listing the up to 10^5 iterations one by one.
    """

    def __init__(self, model: Model, seeds: Seeds):
        self.m = model
        self.seeds = seeds
        # every role is listed, used or not, so that the table of a run does not depend on luck
        self._keys = {r: tuple(seeds.sequence(r).spawn_key) for r in ROLES}
        cfg = model.cfg
        self._array_kwargs = {"temperature": cfg.temperature,
                              "attempt_frequency": cfg.attempt_frequency}
        self.work = {"update": 0.0, "hold": 0.0, "consolidate": 0.0}
        self.heat = 0.0
        self.writes = 0

    def seed(self, role: str, n: int) -> int:
        """The seed of iteration ``n`` of stream ``role`` (equal to ``seeds.seed(role, n)``)."""
        return replay(self.seeds.root, (*self._keys[role], int(n)))

    def _array(self, n_cells, level, n, role):
        return sc.AggregateArray(int(n_cells), seed=self.seed(role, n), initial=level,
                                 **self._array_kwargs)

    def write(self, count, barrier, tilt, n, role, tag) -> tuple[float, int]:
        """Write ``count`` cells from level 1 to level 0 over ``barrier`` with ``tilt`` for τ_u;
        returns (work in J, failures)."""
        if count <= 0:
            return 0.0, 0
        arr = self._array(count, 1, n, role)
        rest, s = np.zeros(2), np.array([barrier])
        arr.step(rest, s, 0.0, tag)  # the first landscape costs no work: start at rest
        arr.step(np.array([0.0, tilt]), s, self.m.cfg.update_time, tag)
        arr.step(rest, s, 0.0, tag)
        w = float(arr.ledger.work[tag].sum())
        self.heat += float(arr.ledger.heat[tag].sum())
        self.work[tag] += w
        self.writes += int(count)
        return w, int(arr.counts[:, 1].sum())

    def hold(self, count, barriers, n, role) -> int:
        """Hold ``count`` cells in level 0 through the constant ``barriers`` (τ_u in all);
        returns the number found in level 1."""
        if count <= 0:
            return 0
        arr = self._array(count, 0, n, role)
        dt = self.m.cfg.update_time / len(barriers)
        for b in barriers:
            arr.step(np.zeros(2), np.array([b]), dt, "hold")
        self.heat += float(arr.ledger.heat["hold"].sum())
        self.work["hold"] += float(arr.ledger.work["hold"].sum())
        return int(arr.counts[:, 1].sum())

    def iterate(self, n: int, wrong: int) -> tuple[float, float, int]:
        """Iteration n with ``wrong`` cells off their target at its start: returns
        (update work, hold work, cells off their target at its end)."""
        m = self.m
        key, gamma = stream(self.seed("draws", n))
        a = float(m.activity(float(n)))
        changed = int(binomial(np.int64(m.n_params), a, key, gamma, 0, 0))
        flipped = int(binomial(np.int64(changed * m.bits), 0.5, key, gamma, 0, 1))
        healed = int(binomial(np.int64(wrong), flipped / m.cells, key, gamma, 0, 2))
        upd, scrub = flipped - healed, wrong - healed
        e = float(m.barrier(float(n)))
        d = float(m.tilt(e))
        w_u, f_u = self.write(upd, e, d, n, "update", "update")
        w_s, f_s = self.write(scrub, e, d, n, "scrub", "hold")
        lost = self.hold(m.cells - upd - scrub, (e,), n, "hold")
        return w_u, w_s, f_u + f_s + lost

    def finish(self, wrong: int) -> End:
        """Last scrub at ``E(n_iter)``, raise in place to ``E_L``, rewrite the bits lost."""
        m = self.m
        n = m.n_iter + 1
        e = float(m.barrier(float(m.n_iter)))
        d = float(m.tilt(e))
        w_s, f_s = self.write(wrong, e, d, n, "scrub", "hold")
        lost = self.hold(m.cells - wrong, (e,), n, "hold")
        off = f_s + lost
        raised = self.hold(m.cells - off, tuple(m.raise_barriers(e)), n + 1, "raise")
        w_c, f_c = self.write(raised, m.e_long, m.tilt_long, n + 1, "rewrite", "consolidate")
        # variance of these one-off terms: Poisson counts of writes at a fixed cost each
        var = (wrong * d * d) + (raised * m.tilt_long**2)
        return End(hold=w_s, consolidate=w_c, residual=off + f_c, lost=raised, variance=var)


# --------------------------------------------------------------------------- one point
def _window_starts(n_iter: int, count: int, length: int, dense_from: float) -> np.ndarray:
    """Start indices of about ``count`` windows of ``length``: half log-spaced from 1 to
    ``n_iter - length + 1``, half log-spaced from ``dense_from`` (where the activity starts to
    change), no two overlapping (the first ones tile the start, the last one ends at n_iter)."""
    last = n_iter - length + 1
    wide = np.geomspace(1, last, count - count // 2)
    dense = np.geomspace(min(max(1.0, dense_from), last), last, count // 2)
    raw = np.unique(np.round(np.r_[wide, dense]).astype(np.int64))
    out: list[int] = []
    for s in raw:
        s = max(int(s), out[-1] + length if out else 1)
        if s > last:
            break
        out.append(s)
    if out[-1] != last:
        if last - out[-1] >= length:
            out.append(last)
        else:
            out[-1] = last
            if len(out) > 1 and out[-1] - out[-2] < length:
                out.pop(-2)
    return np.array(out, dtype=np.int64)


def _hat_weights(model: Model, nodes: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights ``w_k = Σ_n e_est(n) φ_k(n)`` of piecewise-linear interpolation in ln n between
    ``nodes`` (real indices, constant beyond the ends), and the error bound of these sums."""
    x = np.log(nodes)
    w = np.zeros(nodes.size)
    err = 0.0
    f = model.estimate
    kinks = model.kinks
    lo = 1
    first = math.floor(nodes[0])
    v, e = smooth_sum(f, lo, min(first, model.n_iter), breaks=kinks)
    w[0] += v
    err += e
    for k in range(nodes.size - 1):
        a, b = math.floor(nodes[k]) + 1, min(math.floor(nodes[k + 1]), model.n_iter)
        if b < a:
            continue
        span = x[k + 1] - x[k]

        def right(n, k=k, span=span):  # ln(n / node_k) without cancellation
            return f(n) * np.log1p((n - nodes[k]) / nodes[k]) / span

        v_all, e_all = smooth_sum(f, a, b, breaks=kinks)
        v_r, e_r = smooth_sum(right, a, b, breaks=kinks)
        w[k] += v_all - v_r
        w[k + 1] += v_r
        err += e_all + e_r
    last = math.floor(nodes[-1]) + 1
    v, e = smooth_sum(f, last, model.n_iter, breaks=kinks)
    w[-1] += v
    return w, err + e


def _stepped(model: Model, sim: Simulation) -> Stepped:
    """Every iteration simulated: total (J) and its standard error from successive
    differences of the per-iteration ratio to the estimate (robust to the smooth trend)."""
    n = np.arange(1, model.n_iter + 1, dtype=np.float64)
    est = model.estimate(n)
    energy_n = np.empty(model.n_iter)
    wrong = 0
    for i in range(model.n_iter):
        w_u, w_s, wrong = sim.iterate(i + 1, wrong)
        energy_n[i] = w_u + w_s
    end = sim.finish(wrong)
    r = energy_n / est
    var = float(np.sum(est[1:] ** 2 * np.diff(r) ** 2 / 2.0)) if r.size > 1 else 0.0
    var = var * model.n_iter / max(1, model.n_iter - 1) + end.variance
    total = float(energy_n.sum()) + end.hold + end.consolidate
    return Stepped(total=total, sigma=math.sqrt(var), end=end,
                   iterations=float(energy_n.sum()), ratio_mean=float(np.mean(r)))


def _windowed(model: Model, sim: Simulation, cfg: Config, exact_iterations: float) -> Windowed:
    """Windows at log-spaced indices, ratio to the estimate integrated over every iteration.
    The integration error is the larger of the Richardson estimate (every other window) and the
    error of the same quadrature on the exact model's ratio (``exact_iterations``: its sum)."""
    length = cfg.window_length
    starts = _window_starts(model.n_iter, cfg.windows, length, DENSE_FROM * model.scale)
    ratio = np.empty(starts.size)
    se = np.empty(starts.size)
    mean_energy = np.empty(starts.size)
    mean_est = np.empty(starts.size)
    wrong_end = 0
    for k, s in enumerate(starts):
        first = max(1, int(s) - cfg.burn_in)
        wrong = 0
        for n in range(first, int(s)):
            _, _, wrong = sim.iterate(n, wrong)
        n_win = np.arange(s, s + length, dtype=np.float64)
        est = model.estimate(n_win)
        got = np.empty(length)
        for i in range(length):
            w_u, w_s, wrong = sim.iterate(int(s) + i, wrong)
            got[i] = w_u + w_s
        r = got / est
        ratio[k] = got.sum() / est.sum()
        se[k] = math.sqrt(np.sum(np.diff(r) ** 2) / (2.0 * (length - 1)) / length)
        mean_energy[k] = got.mean()
        mean_est[k] = est.mean()
        wrong_end = wrong
    end = sim.finish(wrong_end)  # the last window ends at n_iter
    nodes = starts + 0.5 * (length - 1)
    weights, sum_err = _hat_weights(model, nodes)
    total_it = float(weights @ ratio)
    sigma = math.sqrt(float(np.sum((weights * se) ** 2)) + end.variance)
    half = np.unique(np.r_[np.arange(0, starts.size, 2), starts.size - 1])
    w_half, _ = _hat_weights(model, nodes[half])
    coarse = float(w_half @ ratio[half])
    # the same quadrature applied to the exact model's ratio, whose true sum is known
    model_ratio = np.array([
        np.sum(sum(model.expectation(np.arange(s, s + length, dtype=np.float64))[:2]))
        / np.sum(model.estimate(np.arange(s, s + length, dtype=np.float64))) for s in starts])
    shape_error = abs(float(weights @ model_ratio) - exact_iterations)
    integration = max(abs(total_it - coarse) / 3.0, shape_error) + sum_err
    return Windowed(total=total_it + end.hold + end.consolidate, sigma=sigma,
                    integration=integration, end=end, starts=starts, nodes=nodes, ratio=ratio,
                    ratio_se=se, mean_energy=mean_energy, mean_estimate=mean_est,
                    model_ratio=model_ratio, shape_error=shape_error, weights=weights,
                    iterations=total_it)


def simulate_point(cfg: Config, index: int, n_params: int, seeds: Seeds) -> Point:
    """Simulate point ``index`` (N = ``n_params``): stepped through every update where
    ``n_iter <= step_limit`` or the windows would cover every iteration, windowed otherwise;
    streams under ``seeds.child("point", index)`` (``stepped``, ``windowed``)."""
    clock = time.perf_counter()
    n_iter = cfg.iterations(n_params)
    model = Model(cfg, n_params, n_iter)
    ops = float(n_params) * n_iter
    est = {a: lim.energy_to_solution(
        a, n_params * n_iter, n_params, cfg.schedule, cfg.bits, scale=model.scale,
        update_time=cfg.update_time, temperature=cfg.temperature,
        attempt_frequency=cfg.attempt_frequency, error=cfg.error, retention=cfg.retention,
        consolidation_interval=cfg.consolidation_interval,
        hardware_energy_per_op=cfg.hardware_energy_per_op) for a in lim.ARCHITECTURES}
    exact = model.exact_total()
    grid = np.unique(np.r_[np.geomspace(1.0, n_iter, 256), float(n_iter)])
    e_grid = model.barrier(grid)
    gap = np.abs(model.fail(model.tilt(e_grid), e_grid) - cfg.error) / (1.0 - cfg.error)
    point_seeds = seeds.child("point", index)
    stepped = windowed = None
    first_law = scale = 0.0
    covered = cfg.windows * cfg.window_length >= n_iter
    if covered or n_iter <= cfg.step_limit:
        sim = Simulation(model, point_seeds.child("stepped"))
        stepped = _stepped(model, sim)
        first_law = abs(sim.heat - sum(sim.work.values()))
        scale = sum(sim.work.values())
    if not covered:
        sim = Simulation(model, point_seeds.child("windowed"))
        windowed = _windowed(model, sim, cfg, exact.update + exact.hold
                             - model.final_expectation()[0])
        first_law = max(first_law, abs(sim.heat - sum(sim.work.values())))
        scale = sum(sim.work.values())
    main = windowed if windowed is not None else stepped
    return Point(
        n=n_params, iterations=n_iter, ops=ops, scale=model.scale, estimate=est, exact=exact,
        first_order=model.first_order_total(), fail_gap=float(gap.max()),
        barrier_first=float(model.barrier(1.0)), barrier_last=float(model.barrier(float(n_iter))),
        barrier_long=model.e_long, kT=model.kT, stepped=stepped, windowed=windowed,
        first_law=first_law, first_law_scale=scale,
        method="windowed" if windowed is not None else "stepped", total=main.total,
        sigma=main.sigma, integration=main.integration, ratio=main.total / est["matched"].total,
        seconds=time.perf_counter() - clock)


# --------------------------------------------------------------------------- experiment
def run(cfg: Config, progress: bool = False) -> Result:
    """Simulate every point of ``cfg.sizes``; the streams come from ``Seeds(cfg.seed)``."""
    seeds = Seeds(cfg.seed)
    points = []
    b = bar(len(cfg.sizes), NAME, progress)
    try:
        for i, n in enumerate(cfg.sizes):
            points.append(simulate_point(cfg, i, int(n), seeds))
            b.update(1)
    finally:
        b.close()
    return Result(config=cfg, points=tuple(points), seeds=seeds,
                  projections=projections.project(cfg, seeds))

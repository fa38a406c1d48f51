"""Energy-to-solution of a learning-in-memory optimiser at brain scale (THEORY.md 6).

A bit-level model of the **matched** architecture (Z. Chen, F. Ahsan, J. Leugering,
G. Cauwenberghs and S. Chakrabartty, arXiv:2402.14878), with N parameters of B bits, i.e. N·B
identical bit cells, simulated with the aggregated engine (``simcore.AggregateArray``: counts per
level, exact in distribution, cost independent of N) for N up to 10^15 and up to 10^13 updates
per parameter (OPS up to 10^28). It is the model of ``bounds.energy_to_solution``:

- at iteration n each parameter changes with probability ``a_n = schedule_activity(n)`` and gets
  B fresh bits, each differing from the old one with probability 1/2 (drawn exactly: changed
  parameters ``P ~ Binomial(N, a_n)``, bits whose target flips ``F ~ Binomial(P·B, 1/2)``);
- the barrier is ``E(n) = min(matched_barrier(n), E_L)``; every bit off its target is written by
  a tilt-only write (lift the wrong well by ``δ = static_write_tilt(E(n), τ_u, ε)`` for ``τ_u``,
  saddle fixed, then drop it), all written cells mirrored into one array written from level 1 to
  level 0 (the bit is symmetric); bits whose target flipped are booked as ``update``;
- the other bits are held at ``E(n)`` for the same ``τ_u``; every bit found off its target at the
  end of an iteration (a held bit that flipped, or a write that failed) is rewritten in the next
  iteration (``hold``, the scrub);
- after the last iteration a last scrub, then the barrier is raised in place to ``E_L`` in
  ``τ_u`` (``RAISE_PIECES`` constant pieces, each with the escape hazard of the linear ramp) and
  the bits lost meanwhile are rewritten at ``E_L`` (``consolidate``).

Up to ``step_limit`` iterations every update is simulated. Beyond, exact windows of
``window_length`` consecutive iterations (after ``burn_in`` iterations from a clean state, which
the scrub forgets at a rate ε per iteration) are simulated at ``windows`` log-spaced indices; the
ratio of each window's energy to the estimate's per-iteration energy is interpolated linearly in
ln n and integrated against the estimate over every iteration (Euler–Maclaurin,
``simcore.series``). The sampling error comes from the windows' standard errors, the integration
error from the same integral on every other window (Richardson, second order). The exact
expectation of this model (a one-step recursion for the probability that a bit is off its
target, summed the same way), a rigorous lower bound (second law plus the speed limit of
Shiraishi, Funo and Saito, PRL 121, 070601 (2018), doi:10.1103/PhysRevLett.121.070601, per
write) and the estimates of ``bounds.energy_to_solution`` for static, matched and ideal, with the
Landauer and hardware lines, are drawn beside the simulated totals. docs/theory.md ("Brain-scale
projection") derives the ratio simulated/estimate.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

import simcore as sc
from experiments.common import bar, check, energy, figure, quantity
from experiments.config import field
from experiments.contract import Experiment
from simcore import bounds
from simcore.binomial import sample as binomial
from simcore.errors import ParameterError
from simcore.rng import stream
from simcore.series import smooth_sum

NAME = "brain_scale"
SUMMARY = (
    "matched learning-in-memory at N up to 10^15 parameters and 10^28 updates, simulated with the "
    "aggregated engine (windows + integration), against the energy_to_solution estimates"
)
N_SIGMA = 4.0
#: Constant pieces of the in-place barrier raise at the end.
RAISE_PIECES = 8
#: Half the windows are log-spaced from this fraction of the time constant n0 on, where the
#: activity a_n and with it the ratio to the estimate change.
DENSE_FROM = 1.0 / 30.0
_ROLES = {"draws": 0, "update": 1, "scrub": 2, "hold": 3, "raise": 4, "rewrite": 5}


@dataclass(frozen=True, kw_only=True)
class Config:
    temperature: float = field(300.0, "K", "bath temperature", low=0, open_low=True)
    attempt_frequency: float = field(1e9, "Hz", "attempt frequency f0 (arrhenius)", low=0,
                                     open_low=True)
    update_time: float = field(1e-8, "s", "update time τ_u of one iteration (f0 τ_u > ln 1/ε)",
                               low=0, open_low=True)
    bits: int = field(8, "", "bits per parameter B", low=1, high=16)
    error: float = field(2.0**-8, "", "write and hold failure ε (default 2^-B at B = 8)", low=0,
                         open_low=True, high=0.1)
    retention: float = field(10 * sc.YEAR, "s", "how long the solution must be kept", low=0,
                             open_low=True)
    schedule: str = field("inverse", "", "convergence schedule of the activity a_n",
                          choices=bounds.SCHEDULES)
    scale_fraction: float = field(0.1, "", "time constant n0 as a fraction of the iterations",
                                  low=0, open_low=True, high=1e3)
    consolidation_interval: int = field(100, "", "static estimate: iterations between copies",
                                        low=1)
    hardware_energy_per_op: float = field(bounds.HARDWARE_ENERGY_PER_OP, "J",
                                          "digital energy per parameter update", low=0)
    sizes: tuple[int, ...] = field(
        (10**3, 10**4, 10**5, 10**7, 10**9, 10**11, 10**13, 10**15), "",
        "numbers of parameters N", low=1, high=2**58)
    updates_top: float = field(
        1e13, "", "updates per parameter at reference_size (10^13: OPS = 10^28 at N = 10^15)",
        low=1, high=2**50)
    reference_size: float = field(1e15, "", "N at which a parameter gets updates_top updates",
                                  low=1)
    updates_exponent: float = field(
        0.8, "", "updates per parameter ∝ N^exponent (large-model training: more data and more "
        "optimiser steps for larger models; 0 = fixed count, 1 = OPS ∝ N²)", low=0, high=2)
    step_limit: int = field(100_000, "", "points with at most this many iterations are also "
                            "simulated at every update", low=0, high=10**7)
    windows: int = field(48, "", "windows per point (log-spaced in n)", low=4, high=4096)
    window_length: int = field(64, "", "iterations per window", low=2, high=10**6)
    burn_in: int = field(4, "", "iterations simulated before each window", low=0, high=1000)
    seed: int = field(11, "", "root seed", low=0, high=2**40)

    def smoke(self) -> Config:
        return dataclasses.replace(self, sizes=(100, 10**15), windows=10, window_length=8,
                                   step_limit=1000)

    def check(self) -> None:
        if len(set(self.sizes)) != len(self.sizes) or list(self.sizes) != sorted(self.sizes):
            raise ParameterError("sizes", self.sizes, "distinct sizes in increasing order")
        if max(self.sizes) * self.bits > 2**62:
            raise ParameterError("sizes", self.sizes, "N·B <= 2^62 cells")

    def iterations(self, n_params: int) -> int:
        """Updates per parameter at ``n_params``: ``updates_top (N/reference_size)^exponent``,
        at least 1."""
        x = self.updates_top * (n_params / self.reference_size) ** self.updates_exponent
        return max(1, round(x))


# --------------------------------------------------------------------------- the bit model
class Model:
    """Per-iteration physics and exact expectations of the bit model at one point (N, n_iter).
    Energies in J for the whole array of N·B cells."""

    def __init__(self, cfg: Config, n_params: int, n_iter: int):
        self.cfg = cfg
        self.n_params, self.n_iter, self.bits = int(n_params), int(n_iter), cfg.bits
        self.cells = self.n_params * self.bits
        self.scale = max(1.0, cfg.scale_fraction * n_iter)
        t, f0, eps, tau = cfg.temperature, cfg.attempt_frequency, cfg.error, cfg.update_time
        self.kT = sc.kT(t)
        self.e0 = bounds.retention_barrier(tau, eps, f0, t)
        self.e_long = bounds.retention_barrier(cfg.retention, eps, f0, t, n_cells=self.cells)
        self.kinks = bounds.matched_kinks(n_iter, cfg.schedule, self.scale, tau, eps, f0, t,
                                          self.e_long)
        self.tilt_long = bounds.static_write_tilt(self.e_long, tau, eps, f0, t)

    # per-iteration quantities (arrays over real n) ------------------------------------------
    def activity(self, n):
        return bounds.schedule_activity(n, self.cfg.schedule, self.scale)

    def barrier(self, n):
        la = bounds.log_schedule_activity(n, self.cfg.schedule, self.scale)
        return np.minimum(self.e0 - self.kT * la, self.e_long)

    def tilt(self, e):
        c = self.cfg
        return bounds.static_write_tilt(e, c.update_time, c.error, c.attempt_frequency,
                                        c.temperature)

    def fail(self, d, e):
        """Exact failure probability of the tilt write (``static_write_error``)."""
        c = self.cfg
        return bounds.static_write_error(d, e, c.update_time, c.attempt_frequency, c.temperature)

    def flip(self, e, duration=None):
        """Probability that a held bit is in the other well after ``duration`` (default τ_u)."""
        c = self.cfg
        tau = c.update_time if duration is None else duration
        k = c.attempt_frequency * np.exp(-np.asarray(e) / self.kT)
        return -0.5 * np.expm1(-2.0 * k * tau)

    def write_bound(self, d, e):
        """Rigorous least mean work (J) of one write from the wrong well to success ``1 - P_f``:
        ``ΔF_neq`` (flat wells at both ends) + ``barrier_speed_limit`` with the lowest barrier
        seen from an occupied well, ``max(E - δ, 0)``."""
        c = self.cfg
        p = np.asarray(self.fail(d, e))
        p0 = np.broadcast_to([0.0, 1.0], (*p.shape, 2))
        p1 = np.stack([1.0 - p, p], axis=-1)
        flat = np.zeros_like(p1)
        low = np.maximum(np.asarray(e) - np.asarray(d), 0.0)
        return np.asarray(bounds.second_law(p0, p1, flat, flat, c.temperature)) + np.asarray(
            bounds.barrier_speed_limit(p0, p1, c.update_time, low, c.attempt_frequency,
                                       c.temperature))

    def estimate(self, n):
        """The estimate's energy per iteration (J): ``N B a_n c_n (1/2 + ε)`` with
        ``c_n = static_write_cost(E(n))``: the summand of ``energy_to_solution`` (update + hold)."""
        c = self.cfg
        cost = bounds.static_write_cost(self.barrier(n), c.update_time, c.error,
                                        c.attempt_frequency, c.temperature)
        return self.cells * self.activity(n) * cost * (0.5 + c.error)

    def first_order(self, n):
        """The model's energy per iteration over the estimate's, to first order in the
        off-target probability ``w̄ = (a/2) P_f + (1 - a/2) h`` (P_f the exact write failure,
        h the flip probability of a held bit in τ_u; docs/theory.md, "Brain-scale projection"):
        ``(1 - P_f)/(1 - ε) · [1 + 2 w̄ (1 - a)/a] / (1 + 2ε)``, ≈ ``1 + ε(1 - 4a + a²)``."""
        a = self.activity(n)
        e = self.barrier(n)
        pf = self.fail(self.tilt(e), e)
        w = 0.5 * a * pf + (1.0 - 0.5 * a) * self.flip(e)
        eps = self.cfg.error
        return (1.0 - pf) / (1.0 - eps) * (1.0 + 2.0 * w * (1.0 - a) / a) / (1.0 + 2.0 * eps)

    def _step_terms(self, m):
        """``(u_m, c_m)`` of the recursion ``w_m = u_m + c_m w_{m-1}`` for the probability
        that a bit is off its target at the end of iteration m."""
        a = self.activity(m)
        e = self.barrier(m)
        pf = self.fail(self.tilt(e), e)
        h = self.flip(e)
        return 0.5 * a * pf + (1.0 - 0.5 * a) * h, (1.0 - a) * (pf - h)

    def wrong_after(self, m):
        """``w_m`` (``w_0 = 0``), summed backwards until the terms are below 1e-20."""
        m = np.atleast_1d(np.asarray(m, dtype=np.float64))
        out = np.zeros(m.size)
        weight = np.ones(m.size)
        for j in range(400):
            idx = m - j
            live = (idx >= 1.0) & (np.abs(weight) > 1e-20)
            if not live.any():
                break
            u, c = self._step_terms(np.where(live, idx, 1.0))
            out += np.where(live, weight * u, 0.0)
            weight = np.where(live, weight * c, 0.0)
        return out

    def expectation(self, n):
        """Exact expected ``(update, hold, bound)`` energies (J) of iteration(s) n."""
        n = np.atleast_1d(np.asarray(n, dtype=np.float64))
        w = self.wrong_after(n - 1.0)
        a = self.activity(n)
        e = self.barrier(n)
        d = self.tilt(e)
        per_write = d * (1.0 - self.fail(d, e))
        upd = self.cells * (1.0 - w) * 0.5 * a
        scrub = self.cells * w * (1.0 - 0.5 * a)
        return upd * per_write, scrub * per_write, (upd + scrub) * self.write_bound(d, e)

    def raise_barriers(self, start):
        """The ``RAISE_PIECES`` constant barriers (J) of the raise from ``start`` to ``E_L`` in
        τ_u: piece k has the escape hazard of the linear ramp over its interval,
        ``B_k = E_{k-1} - kT ln[kT (1 - e^{-ΔE/kT})/ΔE]``."""
        edges = np.linspace(start, self.e_long, RAISE_PIECES + 1)
        de = np.diff(edges)
        x = de / self.kT
        shape = np.where(x > 1e-12, -np.expm1(-x) / np.where(x > 0, x, 1.0), 1.0)
        return edges[:-1] - self.kT * np.log(shape)

    def final_expectation(self):
        """Exact expected ``(hold, consolidate, bound, residual wrong fraction)`` of the end:
        scrub at ``E(n_iter)``, raise to ``E_L``, rewrite the bits lost."""
        m = float(self.n_iter)
        w = float(self.wrong_after(m)[0])
        e = float(self.barrier(m)[0]) if np.ndim(self.barrier(m)) else float(self.barrier(m))
        d = float(self.tilt(e))
        pf = float(self.fail(d, e))
        hold = self.cells * w * d * (1.0 - pf)
        bound = self.cells * w * float(self.write_bound(d, e))
        w2 = w * pf + (1.0 - w) * float(self.flip(e))
        lost = 0.0
        for b in self.raise_barriers(e):
            lost = lost + (1.0 - 2.0 * lost) * float(self.flip(b, self.cfg.update_time /
                                                                RAISE_PIECES))
        pf_l = float(self.fail(self.tilt_long, self.e_long))
        n_rewrite = self.cells * (1.0 - w2) * lost
        consolidate = n_rewrite * self.tilt_long * (1.0 - pf_l)
        bound += n_rewrite * float(self.write_bound(self.tilt_long, self.e_long))
        residual = (w2 + (1.0 - w2) * lost * pf_l)
        return hold, consolidate, bound, residual

    def exact_total(self):
        """Exact expected total (J) of the model over every iteration and the end, with the
        error bound of the sums: ``(total, error, update, hold, consolidate, bound)``."""

        def part(k):
            return lambda n: self.expectation(n)[k]

        up, e_up = smooth_sum(part(0), 1, self.n_iter, breaks=self.kinks)
        ho, e_ho = smooth_sum(part(1), 1, self.n_iter, breaks=self.kinks)
        bd, _ = smooth_sum(part(2), 1, self.n_iter, breaks=self.kinks)
        f_hold, f_cons, f_bound, _ = self.final_expectation()
        total = up + ho + f_hold + f_cons
        return {"total": total, "error": e_up + e_ho, "update": up, "hold": ho + f_hold,
                "consolidate": f_cons, "bound": bd + f_bound}

    def first_order_total(self):
        """The first-order prediction of simulated/estimate over the iterations (the end, which
        the estimate books separately, excluded)."""
        est, _ = smooth_sum(self.estimate, 1, self.n_iter, breaks=self.kinks)
        fo, _ = smooth_sum(lambda n: self.estimate(n) * self.first_order(n), 1, self.n_iter,
                           breaks=self.kinks)
        return fo / est


# --------------------------------------------------------------------------- simulation
def _seed(*keys: int) -> int:
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(1, np.uint64)[0])


class Simulation:
    """The aggregated simulation of one point; ``run`` distinguishes independent replicas."""

    def __init__(self, model: Model, seed: int, point: int, run: int):
        self.m = model
        self.keys = (seed, point, run)
        cfg = model.cfg
        self._array_kwargs = {"temperature": cfg.temperature,
                              "attempt_frequency": cfg.attempt_frequency}
        self.work = {"update": 0.0, "hold": 0.0, "consolidate": 0.0}
        self.heat = 0.0
        self.writes = 0

    def _array(self, n_cells, level, n, role):
        return sc.AggregateArray(int(n_cells), seed=_seed(*self.keys, n, _ROLES[role]),
                                 initial=level, **self._array_kwargs)

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
        key, gamma = stream(_seed(*self.keys, n, _ROLES["draws"]))
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

    def finish(self, wrong: int) -> dict:
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
        return {"hold": w_s, "consolidate": w_c, "residual": off + f_c, "lost": raised,
                "variance": var}


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


def _stepped(model: Model, sim: Simulation) -> dict:
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
    var = var * model.n_iter / max(1, model.n_iter - 1) + end["variance"]
    total = float(energy_n.sum()) + end["hold"] + end["consolidate"]
    return {"total": total, "sigma": math.sqrt(var), "end": end,
            "iterations": float(energy_n.sum()), "ratio_mean": float(np.mean(r))}


def _windowed(model: Model, sim: Simulation, cfg: Config, exact_iterations: float) -> dict:
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
    sigma = math.sqrt(float(np.sum((weights * se) ** 2)) + end["variance"])
    half = np.unique(np.r_[np.arange(0, starts.size, 2), starts.size - 1])
    w_half, _ = _hat_weights(model, nodes[half])
    coarse = float(w_half @ ratio[half])
    # the same quadrature applied to the exact model's ratio, whose true sum is known
    model_ratio = np.array([
        np.sum(sum(model.expectation(np.arange(s, s + length, dtype=np.float64))[:2]))
        / np.sum(model.estimate(np.arange(s, s + length, dtype=np.float64))) for s in starts])
    shape_error = abs(float(weights @ model_ratio) - exact_iterations)
    integration = max(abs(total_it - coarse) / 3.0, shape_error) + sum_err
    return {"total": total_it + end["hold"] + end["consolidate"], "sigma": sigma,
            "integration": integration, "end": end, "starts": starts, "nodes": nodes,
            "ratio": ratio, "ratio_se": se, "mean_energy": mean_energy, "mean_estimate": mean_est,
            "model_ratio": model_ratio, "shape_error": shape_error,
            "weights": weights, "iterations": total_it}


def simulate_point(cfg: Config, index: int, n_params: int) -> dict:
    clock = time.perf_counter()
    n_iter = cfg.iterations(n_params)
    model = Model(cfg, n_params, n_iter)
    ops = float(n_params) * n_iter
    est = {a: bounds.energy_to_solution(
        a, n_params * n_iter, n_params, cfg.schedule, cfg.bits, scale=model.scale,
        update_time=cfg.update_time, temperature=cfg.temperature,
        attempt_frequency=cfg.attempt_frequency, error=cfg.error, retention=cfg.retention,
        consolidation_interval=cfg.consolidation_interval,
        hardware_energy_per_op=cfg.hardware_energy_per_op) for a in bounds.ARCHITECTURES}
    exact = model.exact_total()
    grid = np.unique(np.r_[np.geomspace(1.0, n_iter, 256), float(n_iter)])
    e_grid = model.barrier(grid)
    gap = np.abs(model.fail(model.tilt(e_grid), e_grid) - cfg.error) / (1.0 - cfg.error)
    out = {"n": n_params, "iterations": n_iter, "ops": ops, "scale": model.scale,
           "estimate": est, "exact": exact, "first_order": model.first_order_total(),
           "fail_gap": float(gap.max()),
           "barrier_first": float(model.barrier(1.0)), "barrier_last":
           float(model.barrier(float(n_iter))), "barrier_long": model.e_long, "kT": model.kT}
    covered = cfg.windows * cfg.window_length >= n_iter
    if covered or n_iter <= cfg.step_limit:
        sim = Simulation(model, cfg.seed, index, 0)
        out["stepped"] = _stepped(model, sim)
        out["first_law"] = abs(sim.heat - sum(sim.work.values()))
        out["first_law_scale"] = sum(sim.work.values())
    if not covered:
        sim = Simulation(model, cfg.seed, index, 1)
        out["windowed"] = _windowed(model, sim, cfg, exact["update"] + exact["hold"]
                                    - model.final_expectation()[0])
        out["first_law"] = max(out.get("first_law", 0.0), abs(sim.heat - sum(sim.work.values())))
        out["first_law_scale"] = sum(sim.work.values())
    main = out.get("windowed", out.get("stepped"))
    out["method"] = "windowed" if "windowed" in out else "stepped"
    out["total"] = main["total"]
    out["sigma"] = main["sigma"]
    out["integration"] = main.get("integration", 0.0)
    out["ratio"] = main["total"] / est["matched"].total
    out["seconds"] = time.perf_counter() - clock
    return out


# --------------------------------------------------------------------------- experiment
def run(cfg: Config, progress: bool = False) -> dict:
    points = []
    b = bar(len(cfg.sizes), NAME, progress)
    try:
        for i, n in enumerate(cfg.sizes):
            points.append(simulate_point(cfg, i, int(n)))
            b.update(1)
    finally:
        b.close()
    return {"config": cfg, "points": points}


def checks(result: dict) -> list[dict]:
    """Per point: simulated total vs the model's exact expectation (4 standard errors plus the
    integration error); windowed vs stepped where both ran; simulated >= the rigorous bound;
    simulated/estimate over the iterations vs its first-order prediction within the stated
    O(ε²) error;
    first law over all writes."""
    out = []
    cfg = result["config"]
    eps = cfg.error
    for p in result["points"]:
        label = f"N={p['n']:.0e} n={p['iterations']:.3g}"
        ex = p["exact"]
        scale = ex["total"]
        for method in ("stepped", "windowed"):
            if method not in p:
                continue
            r = p[method]
            tol = N_SIGMA * math.hypot(r["sigma"], r.get("integration", 0.0)) + ex["error"]
            out.append(check(f"{label} {method}: total / exact expectation", r["total"] / scale,
                             1.0, tol / scale, unit=""))
        if "stepped" in p and "windowed" in p:
            s, w = p["stepped"], p["windowed"]
            tol = N_SIGMA * math.sqrt(s["sigma"] ** 2 + w["sigma"] ** 2 + w["integration"] ** 2)
            out.append(check(f"{label}: windowed / stepped", w["total"] / s["total"], 1.0,
                             tol / s["total"]))
        tol = N_SIGMA * math.hypot(p["sigma"], p["integration"])
        out.append(check(f"{label}: total >= rigorous bound", p["total"] / scale,
                         ex["bound"] / scale, tol / scale, kind="lower"))
        est = p["estimate"]["matched"]
        main = p.get("windowed", p.get("stepped"))
        ratio_it = main["iterations"] / (est.update + est.hold)
        # stated error of the first-order ratio: terms of second order in w̄ ~ ε (docs)
        stated = 4.0 * eps**2
        tol = stated + N_SIGMA * math.hypot(p["sigma"], p["integration"]) / est.total
        out.append(check(f"{label}: sim/estimate (iterations) vs first-order ratio",
                         ratio_it, p["first_order"], tol))
        out.append(check(f"{label}: first law Σ W = Σ Q", p["first_law"] / p["first_law_scale"],
                         0.0, 1e-9))
    return out


def report(result: dict) -> str:
    cfg = result["config"]
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
    for p in result["points"]:
        e = p["estimate"]
        lines.append(
            f"{p['n']:8.0e} {p['iterations']:9.3g} {p['ops']:9.2e} {p['method']:>8}"
            f" {p['total']:12.6e} {p['sigma']:9.2e} {p['integration']:9.2e}"
            f" {p['exact']['total']:12.6e} {e['matched'].total:11.5e} {p['ratio']:9.6f}"
            f" {p['first_order']:9.6f} {e['static'].total:11.4e} {e['ideal'].total:11.4e}"
            f" {e['matched'].landauer:10.3e} {e['matched'].hardware:9.2e}"
            f" {p['exact']['bound']:10.3e}")
    lines += ["", "windowed vs stepped (both simulated):"]
    for p in result["points"]:
        if "stepped" in p and "windowed" in p:
            s, w = p["stepped"], p["windowed"]
            lines.append(
                f"  N={p['n']:.0e}: windowed {w['total']:.6e} ± {w['sigma']:.2e} ± "
                f"{w['integration']:.2e} vs stepped {s['total']:.6e} ± {s['sigma']:.2e}"
                f" (ratio {w['total'] / s['total']:.5f})")
    top = result["points"][-1]
    e = top["estimate"]
    lines += [
        "",
        f"closing note, N = {top['n']:.0e}, OPS = {top['ops']:.2e} ({top['iterations']:.3g}"
        " updates per parameter):",
        f"  estimate: static {e['static'].total:.4e} J, matched {e['matched'].total:.4e} J,"
        f" ideal {e['ideal'].total:.4e} J; Landauer {e['matched'].landauer:.4e} J,"
        f" hardware {e['matched'].hardware:.3e} J",
        f"  simulated matched: {top['total']:.6e} J ± {top['sigma']:.1e} (sampling)"
        f" ± {top['integration']:.1e} (integration); exact model {top['exact']['total']:.6e} J;"
        f" sim/est {top['ratio']:.6f}",
        f"  ratios: static/matched {e['static'].total / e['matched'].total:.3f},"
        f" matched/ideal {e['matched'].total / e['ideal'].total:.3f},"
        f" static/ideal {e['static'].total / e['ideal'].total:.3f},"
        f" matched/Landauer {e['matched'].total / e['matched'].landauer:.3f},"
        f" hardware/matched {e['matched'].hardware / e['matched'].total:.3e}",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- output
_POINT_FIELDS = {"n": "", "iterations": "", "ops": "", "scale": "", "total": "J", "sigma": "J",
                 "integration": "J", "ratio": "", "first_order": "", "fail_gap": "",
                 "barrier_first": "J", "barrier_last": "J", "barrier_long": "J", "seconds": "s"}


def data(result: dict) -> dict:
    """HDF5 content: one row per point (``points``), the estimates by architecture, the exact
    model, both simulations, every window (``windows``, with ``point`` indexing the rows) and
    the per-iteration curves of the largest point (``curve``)."""
    pts = result["points"]
    cfg = result["config"]
    table = {k: quantity(np.array([p[k] for p in pts], dtype=np.float64), u)
             for k, u in _POINT_FIELDS.items()}
    table["method"] = quantity(np.array([p["method"] for p in pts], dtype=object), "")
    table["estimate"] = {
        a: {w: energy([getattr(p["estimate"][a], w) for p in pts])
            for w in ("update", "hold", "consolidation", "total", "landauer", "hardware",
                      "sum_error")} for a in bounds.ARCHITECTURES}
    table["exact"] = {k: energy([p["exact"][k] for p in pts])
                      for k in ("total", "error", "update", "hold", "consolidate", "bound")}
    for method in ("stepped", "windowed"):
        table[method] = {
            "total": energy([p[method]["total"] if method in p else np.nan for p in pts]),
            "sigma": energy([p[method]["sigma"] if method in p else np.nan for p in pts]),
            "integration": energy([p[method].get("integration", 0.0) if method in p else np.nan
                                   for p in pts]),
        }
    rows = [(i, p["windowed"]) for i, p in enumerate(pts) if "windowed" in p]
    windows = {
        "point": quantity(np.concatenate([np.full(w["starts"].size, i) for i, w in rows])
                          if rows else np.zeros(0, int), "", "index into points"),
    }
    for k, u in (("starts", ""), ("nodes", ""), ("ratio", ""), ("ratio_se", ""),
                 ("model_ratio", ""), ("mean_energy", "J"), ("mean_estimate", "J"),
                 ("weights", "J")):
        windows[k] = quantity(np.concatenate([w[k] for _, w in rows]).astype(np.float64)
                              if rows else np.zeros(0), u)
    top = pts[-1]
    model = Model(cfg, top["n"], top["iterations"])
    n = np.unique(np.r_[np.geomspace(1.0, top["iterations"], 400), float(top["iterations"])])
    up, ho, bd = model.expectation(n)
    curve = {"n": quantity(n, "", "iteration index"),
             "estimate": energy(model.estimate(n), "estimate's energy per iteration"),
             "exact": energy(up + ho, "bit model's expected energy per iteration"),
             "bound": energy(bd, "rigorous bound per iteration"),
             "activity": quantity(model.activity(n), "", "a_n"),
             "barrier": energy(model.barrier(n), "matched barrier E(n)")}
    return {"points": table, "windows": windows, "curve": curve}


def plot(res, outdir) -> list[str]:
    """Energy-to-solution against N (simulated matched points on the estimates, the exact
    model, Landauer and hardware lines; ratio panel) and the per-iteration energy of the largest
    point with its windows, from the result file ``res``."""
    from pathlib import Path

    outdir = Path(outdir)
    pts = res.group("points")
    n = pts["n"]
    colours = {"static": "tab:red", "matched": "tab:blue", "ideal": "tab:green"}
    stems: list[str] = []
    with figure(outdir, "energy_vs_n", stems, size=(6.4, 8.4), nrows=3) as (_fig, axes):
        ax, ax1, ax2 = axes
        ops = pts["ops"]
        lines = [(res[f"points/estimate/{a}/total"], "-", colours[a], f"{a} estimate")
                 for a in bounds.ARCHITECTURES]
        lines += [(res["points/exact/total"], ":", "tab:blue", "matched bit model (exact)"),
                  (res["points/estimate/matched/landauer"], "--", "k", "Landauer"),
                  (res["points/estimate/matched/hardware"], "-.", "k", "digital hardware"),
                  (res["points/exact/bound"], "-", "0.5", "rigorous bound (matched model)")]
        err = N_SIGMA * np.hypot(pts["sigma"], pts["integration"])
        for axis, norm in ((ax, 1.0), (ax1, ops)):
            for y, style, colour, label in lines:
                axis.plot(n, y / norm, style, color=colour, label=label)
            axis.errorbar(n, pts["total"] / norm, yerr=err / norm, fmt="o", color="tab:blue",
                          mfc="none", label="matched simulated (± 4σ)")
            axis.set_xscale("log")
            axis.set_yscale("log")
        ax.set_ylabel("energy to solution (J)")
        ax.set_title("OPS = N × updates per parameter (10^28 at N = 10^15)")
        ax1.set_ylabel("energy per update (J)")
        ax1.legend(ncols=2, fontsize=7)
        est = res["points/estimate/matched/total"]
        ax2.errorbar(n, pts["total"] / est, yerr=err / est, fmt="o", color="tab:blue", mfc="none",
                     label="simulated / estimate (± 4σ, sampling and integration)")
        ax2.plot(n, res["points/exact/total"] / est, ":", color="tab:blue", lw=2,
                 label="exact bit model / estimate")
        ax2.plot(n, pts["first_order"], "-", color="tab:purple", lw=0.8,
                 label="first-order prediction (iterations only)")
        ax2.axhline(1.0, color="k", lw=0.8)
        ax2.set_xscale("log")
        ax2.set_xlabel("parameters N")
        ax2.set_ylabel("matched: simulated / estimate")
        ax2.legend(fontsize=7)
    curve = res.group("curve")
    win = res.group("windows")
    top = n.size - 1
    sel = win["point"].astype(int) == top
    with figure(outdir, "per_iteration_top", stems, size=(6.4, 6.4), nrows=2) as (_fig, axes):
        ax, ax2 = axes
        ax.plot(curve["n"], curve["estimate"], "-", color="tab:blue",
                label="estimate per iteration (integrand)")
        ax.plot(curve["n"], curve["exact"], ":", color="k", label="bit model, exact")
        ax.plot(curve["n"], curve["bound"], color="0.5", lw=1, label="rigorous bound")
        if sel.any():
            ax.plot(win["nodes"][sel], win["mean_energy"][sel], "o", color="tab:orange",
                    mfc="none", label="simulated windows (mean per iteration)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel("energy per iteration (J)")
        ax.set_title(f"N = {n[top]:.0e}, {pts['iterations'][top]:.3g} iterations")
        ax.legend(loc="lower left")
        # where the energy is: cumulative share of the estimate over ln n (trapezoid, figure only)
        dens = curve["n"] * curve["estimate"]
        cum = np.r_[0.0, np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(np.log(curve["n"])))]
        twin = ax.twinx()
        twin.plot(curve["n"], cum / cum[-1], "-", color="tab:green", lw=0.8)
        twin.set_ylabel("cumulative share of the energy", color="tab:green")
        twin.set_ylim(0, 1.02)
        if sel.any():
            ax2.errorbar(win["nodes"][sel], win["ratio"][sel],
                         yerr=N_SIGMA * win["ratio_se"][sel], fmt="o", color="tab:orange",
                         mfc="none", label="window ratio to the estimate (± 4σ)")
            ax2.plot(win["nodes"][sel], win["ratio"][sel], "-", color="tab:orange", lw=0.8,
                     label="interpolation (linear in ln n)")
        ax2.plot(curve["n"], curve["exact"] / curve["estimate"], ":", color="k",
                 label="exact bit model / estimate")
        ax2.set_xscale("log")
        ax2.set_xlabel("iteration n")
        ax2.set_ylabel("per-iteration ratio")
        ax2.legend()
    return stems


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot,
                        memory_estimate=lambda cfg: 0.0, size_keys=("sizes",))

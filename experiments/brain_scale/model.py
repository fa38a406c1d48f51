"""The bit model of the matched architecture at one point (N, n_iter) and its exact
expectation: per-iteration physics from ``simcore.lim.Architecture`` and ``simcore.bounds``, the
one-step recursion for the off-target probability, and the sums over every iteration
(Euler–Maclaurin, ``simcore.series``) — the oracle the simulation is checked against."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from experiments.brain_scale.config import Config
from simcore import bounds, lim
from simcore.series import smooth_sum


@dataclass(frozen=True)
class Exact:
    """Exact expected energies (J, whole optimiser) of the bit model at one point: ``total`` of
    every iteration and the end, ``error`` the bound on the sums' error, and its parts
    ``update``, ``hold`` (with the last scrub), ``consolidate``; ``bound`` the sum of the
    rigorous per-write bounds."""

    total: float
    error: float
    update: float
    hold: float
    consolidate: float
    bound: float


class Model:
    """Per-iteration physics and exact expectations of the bit model at one point (N, n_iter).
    Energies in J for the whole array of N·B cells."""

    def __init__(self, cfg: Config, n_params: int, n_iter: int):
        self.cfg = cfg
        self.n_params, self.n_iter, self.bits = int(n_params), int(n_iter), cfg.bits
        self.cells = self.n_params * self.bits
        self.scale = max(1.0, cfg.scale_fraction * n_iter)
        self.memory = lim.Architecture(
            architecture="matched", schedule=cfg.schedule, scale=self.scale,
            update_time=cfg.update_time, error=cfg.error, attempt_frequency=cfg.attempt_frequency,
            temperature=cfg.temperature, retention=cfg.retention, n_cells=self.cells)
        self.kT = self.memory.kT
        self.e0 = self.memory.base_barrier
        self.e_long = self.memory.long_barrier
        self.kinks = self.memory.kinks(n_iter)
        self.tilt_long = self.memory.write_tilt(self.e_long)

    # per-iteration quantities (arrays over real n) ------------------------------------------
    def activity(self, n):
        """``a_n`` (``simcore.lim.schedule_activity``)."""
        return self.memory.activity(n)

    def barrier(self, n):
        """``E(n) = min(matched_barrier(n), E_L)`` (J)."""
        return self.memory.barrier(n)

    def tilt(self, e):
        """Tilt δ (J) of the write over barrier ``e`` (``bounds.static_write_tilt``)."""
        return self.memory.write_tilt(e)

    def fail(self, d, e):
        """Exact failure probability of the tilt write (``static_write_error``)."""
        c = self.cfg
        return bounds.static_write_error(d, e, c.update_time, c.attempt_frequency, c.temperature)

    def flip(self, e, duration=None):
        """Probability that a held bit is in the other well after ``duration`` (default τ_u):
        ``bounds.hold_error``."""
        c = self.cfg
        tau = c.update_time if duration is None else duration
        return bounds.hold_error(e, tau, c.attempt_frequency, c.temperature)

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
        ``c_n = Architecture.write_cost(E(n))``: the summand of ``energy_to_solution`` (update +
        hold)."""
        cost = self.memory.write_cost(self.barrier(n))
        return self.cells * self.activity(n) * cost * (0.5 + self.cfg.error)

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
        """The constant barriers (J) of the raise from ``start`` to ``E_L`` in τ_u
        (``Architecture.raise_pieces``: each piece has the escape hazard of the linear ramp)."""
        return np.array([b for b, _ in self.memory.raise_pieces(start)])

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
        for b, dt in self.memory.raise_pieces(e):
            lost = lost + (1.0 - 2.0 * lost) * float(self.flip(b, dt))
        pf_l = float(self.fail(self.tilt_long, self.e_long))
        n_rewrite = self.cells * (1.0 - w2) * lost
        consolidate = n_rewrite * self.tilt_long * (1.0 - pf_l)
        bound += n_rewrite * float(self.write_bound(self.tilt_long, self.e_long))
        residual = (w2 + (1.0 - w2) * lost * pf_l)
        return hold, consolidate, bound, residual

    def exact_total(self):
        """Exact expected total (J) of the model over every iteration and the end, with the
        error bound of the sums (``Exact``)."""

        def part(k):
            return lambda n: self.expectation(n)[k]

        up, e_up = smooth_sum(part(0), 1, self.n_iter, breaks=self.kinks)
        ho, e_ho = smooth_sum(part(1), 1, self.n_iter, breaks=self.kinks)
        bd, _ = smooth_sum(part(2), 1, self.n_iter, breaks=self.kinks)
        f_hold, f_cons, f_bound, _ = self.final_expectation()
        total = up + ho + f_hold + f_cons
        return Exact(total=total, error=e_up + e_ho, update=up, hold=ho + f_hold,
                     consolidate=f_cons, bound=bd + f_bound)

    def first_order_total(self):
        """The first-order prediction of simulated/estimate over the iterations (the end, which
        the estimate books separately, excluded)."""
        est, _ = smooth_sum(self.estimate, 1, self.n_iter, breaks=self.kinks)
        fo, _ = smooth_sum(lambda n: self.estimate(n) * self.first_order(n), 1, self.n_iter,
                           breaks=self.kinks)
        return fo / est

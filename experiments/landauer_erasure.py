"""Erasure of a bit by lowering the barrier, tilting, raising and untilting, over decades of
duration.

The mean heat of erasing an unbiased bit to success probability P is bounded below by the
generalised Landauer bound ``kT [ln 2 + P ln P + (1-P) ln(1-P)]`` (THEORY.md 5.1; R. Landauer,
IBM J. Res. Dev. 5, 183 (1961), doi:10.1147/rd.53.0183) and approaches it as ``kT ln 2 + B/τ``
for long durations τ. For each duration the Monte Carlo ledger is compared with the exact master
equation for the same steps, the second law ``⟨W⟩ >= ΔF_neq``, and the speed limit
``⟨W⟩ - ΔF_neq >= kT L1²/(2𝒜)`` (Shiraishi, Funo & Saito, PRL 121, 070601 (2018),
doi:10.1103/PhysRevLett.121.070601). The optimal protocol line is the thermodynamic-length
geodesic of the tilt at the lowered barrier (Sivak & Crooks, PRL 108, 190602 (2012),
doi:10.1103/PhysRevLett.108.190602): ``landauer + L²/τ``, also solved exactly by the master
equation. The time step is ``min(τ/steps_per_duration, max_dt)`` so that the discretisation
error stays well below ``B/τ`` at the longest durations.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

import simcore as sc
from experiments.common import bar, binomial_se, check, energy, figure, quantity
from experiments.config import (
    attempt_frequency_field,
    field,
    kinetics_field,
    n_cells_field,
    seed_field,
    temperature_field,
)
from experiments.contract import Experiment
from simcore import bounds

NAME = "landauer_erasure"
SUMMARY = "erase a bit over decades of duration: ledger vs master equation vs Landauer, B/τ fit"

HISTORY_POINTS = 201


@dataclass(frozen=True, kw_only=True)
class Config:
    n_cells: int = n_cells_field(100_000, "number of memory cells", low=2)
    temperature: float = temperature_field()
    attempt_frequency: float = attempt_frequency_field()
    kinetics: str = kinetics_field()
    hold_barrier: float = field(40.0, "kT", "barrier that holds the bit", low=0, high=200)
    low_barrier: float = field(0.0, "kT", "barrier during the erasure", low=0, high=200)
    tilt: float = field(10.0, "kT", "tilt towards level 0 during the erasure", low=0,
                        open_low=True, high=200)
    durations: tuple[float, ...] = field(
        (1e-8, 3e-8, 1e-7, 3e-7, 1e-6, 3e-6, 1e-5), "s", "erasure durations", low=0,
        open_low=True,
    )
    steps_per_duration: int = field(2000, "", "time steps per erasure at least", low=8,
                                    high=10**7)
    max_dt: float = field(5e-10, "s", "largest time step", low=0, open_low=True)
    fit_min_duration: float = field(1e-7, "s", "shortest duration in the kT ln 2 + B/τ fit",
                                    low=0)
    seed: int = seed_field(1)

    def smoke(self) -> Config:
        return dataclasses.replace(
            self, n_cells=20_000, durations=(1e-8, 1e-7, 3e-7, 1e-6), steps_per_duration=400,
            max_dt=2e-9,
        )

    def check(self) -> None:
        if self.low_barrier > self.hold_barrier:
            raise sc.ParameterError("low_barrier", self.low_barrier,
                                    f"a barrier <= hold_barrier ({self.hold_barrier:g} kT)")
        if len(set(self.durations)) != len(self.durations):
            raise sc.ParameterError("durations", self.durations, "distinct durations")
        n_fit = sum(t >= self.fit_min_duration for t in self.durations)
        if n_fit < 2:
            raise sc.ParameterError(
                "fit_min_duration", self.fit_min_duration,
                "a duration with at least two of the durations at or above it (for the fit)",
            )


def _bit(cfg: Config, barrier: float, tilt: float = 0.0):
    return sc.bit_landscape(barrier * sc.kT(cfg.temperature), tilt * sc.kT(cfg.temperature))


def protocol(cfg: Config, duration: float) -> sc.Protocol:
    """Lower the barrier, tilt towards level 0, raise the barrier, untilt: four equal ramps."""
    q = duration / 4
    return (
        sc.Protocol.ramp(_bit(cfg, cfg.hold_barrier), _bit(cfg, cfg.low_barrier), q, "erase")
        .ramp_to(*_bit(cfg, cfg.low_barrier, cfg.tilt), q, "erase")
        .ramp_to(*_bit(cfg, cfg.hold_barrier, cfg.tilt), q, "erase")
        .ramp_to(*_bit(cfg, cfg.hold_barrier), q, "erase")
    )


def quasistatic_success(cfg: Config) -> float:
    """Success probability of the quasi-static limit: equilibrium at the full tilt."""
    return float(1.0 / (1.0 + np.exp(-cfg.tilt)))


def optimal_protocol(cfg: Config, duration: float) -> sc.Protocol:
    """The geodesic cycle: drop the barrier (no work), tilt along the thermodynamic-length
    geodesic from p1 = 1/2 to the quasi-static error in ``duration``, raise the barrier (no
    work) and untilt at once."""
    error = 1.0 - quasistatic_success(cfg)
    geo = bounds.geodesic_bit_protocol(
        0.5, error, duration, cfg.temperature, cfg.attempt_frequency, cfg.kinetics,
        barrier=cfg.low_barrier * sc.kT(cfg.temperature), tag="erase",
    )
    e_end, _ = geo.end
    hold = _bit(cfg, cfg.hold_barrier)
    start = sc.Protocol([0.0, 0.0], [hold[0], hold[0]], [hold[1], geo.start[1]], ["erase"])
    return (start.then(geo)
            .jump_to(e_end, hold[1], "erase")
            .jump_to(hold[0], hold[1], "erase"))


def _dt(cfg: Config, tau: float) -> float:
    return min(tau / cfg.steps_per_duration, cfg.max_dt)


def _fit(tau, y, se):
    """Weighted least squares ``y = a + B/τ``: ``(a, B, se_a, se_B)``."""
    x = np.column_stack([np.ones_like(tau), 1.0 / tau])
    w = 1.0 / np.asarray(se) ** 2
    cov = np.linalg.inv(x.T @ (w[:, None] * x))
    a, b = cov @ (x.T @ (w * y))
    return float(a), float(b), float(np.sqrt(cov[0, 0])), float(np.sqrt(cov[1, 1]))


def run(cfg: Config, progress: bool = False) -> dict:
    """Simulate every duration; returns per-duration ledgers, master-equation references,
    bound lines and the ``a + B/τ`` fits."""
    kT = sc.kT(cfg.temperature)
    p_qs = quasistatic_success(cfg)
    geo = bounds.geodesic_bit_protocol(
        0.5, 1.0 - p_qs, 1.0, cfg.temperature, cfg.attempt_frequency, cfg.kinetics,
        barrier=cfg.low_barrier * kT,
    )
    length = bounds.thermodynamic_length(geo, cfg.temperature, cfg.attempt_frequency,
                                         cfg.kinetics)
    rows = []
    outer = bar(len(cfg.durations), NAME, progress)
    for i, tau in enumerate(cfg.durations):
        p = protocol(cfg, tau)
        dt = _dt(cfg, tau)
        arr = sc.MemoryArray(
            cfg.n_cells, temperature=cfg.temperature, attempt_frequency=cfg.attempt_frequency,
            kinetics=cfg.kinetics, seed=cfg.seed + i,
        )
        r = arr.run(p, dt, initial=[0.5, 0.5], progress=progress)
        m = sc.solve_master(p, dt, cfg.temperature, cfg.attempt_frequency, cfg.kinetics,
                            [0.5, 0.5])
        opt = sc.solve_master(optimal_protocol(cfg, tau), dt, cfg.temperature,
                              cfg.attempt_frequency, cfg.kinetics, [0.5, 0.5])
        idx = np.linspace(0, m.history.shape[0] - 1, HISTORY_POINTS).round().astype(int)
        rows.append({
            "duration": tau, "dt": dt, "mc": r, "master": m, "optimal": opt,
            "speed_limit": bounds.speed_limit(m.initial_occupancy, m.occupancy, m.activity,
                                              cfg.temperature),
            "landauer": bounds.landauer_erasure(m.occupancy[0], cfg.temperature),
            "history_t": (m.times[idx] - m.times[0]) / tau,
            "history_p0": m.history[idx, 0],
        })
        outer.update()
    outer.close()
    tau = np.array([r["duration"] for r in rows])
    sel = tau >= cfg.fit_min_duration
    q_mc = np.array([r["mc"].heat.mean for r in rows])
    se = np.array([r["mc"].heat.stderr for r in rows])
    q_ex = np.array([r["master"].heat for r in rows])
    fit_mc = _fit(tau[sel], q_mc[sel], se[sel])
    fit_ex = _fit(tau[sel], q_ex[sel], se[sel])
    q_inf = bounds.landauer_erasure(p_qs, cfg.temperature)
    w = 1.0 / se[sel] ** 2
    b_fixed = float(np.sum(w * (q_mc[sel] - q_inf) / tau[sel]) / np.sum(w / tau[sel] ** 2))
    b_fixed_se = float(1.0 / np.sqrt(np.sum(w / tau[sel] ** 2)))
    return {
        "config": cfg, "kT": kT, "rows": rows, "quasistatic_success": p_qs,
        "quasistatic_heat": q_inf, "length": length, "fit_mc": fit_mc, "fit_master": fit_ex,
        "fit_fixed": (b_fixed, b_fixed_se), "fit_selected": sel,
    }


def checks(result: dict) -> list[dict]:
    """Monte Carlo vs master equation (4 standard errors), second law and speed limit (bounds,
    one-sided at 4 standard errors), fitted B vs the same fit of the exact values."""
    out = []
    kT = result["kT"]
    for row in result["rows"]:
        r, m = row["mc"], row["master"]
        t = f"τ = {row['duration']:.3g} s"
        for name in ("work", "heat"):
            est = getattr(r, name)
            out.append(check(f"{name} vs master, {t}", est.mean / kT, getattr(m, name) / kT,
                             4 * est.stderr / kT + 1e-12, unit="kT"))
        out.append(check(f"success probability vs master, {t}", r.occupancy[0],
                         m.occupancy[0], 4 * binomial_se(m.occupancy[0], r.n_cells)))
        out.append(check(f"work >= ΔF_neq (second law), {t}", r.work.mean / kT,
                         m.delta_f_neq / kT, 4 * r.work.stderr / kT, kind="lower", unit="kT"))
        out.append(check(f"work - ΔF_neq >= kT L1²/2𝒜 (speed limit), {t}",
                         (r.work.mean - m.delta_f_neq) / kT, row["speed_limit"] / kT,
                         4 * r.work.stderr / kT, kind="lower", unit="kT"))
    a, b, sa, sb = result["fit_mc"]
    ae, be, _, _ = result["fit_master"]
    out.append(check("fit B (heat = a + B/τ) vs same fit of master equation", b / kT, be / kT,
                     4 * sb / kT, unit="kT·s"))
    out.append(check("fit asymptote a vs generalised Landauer bound at quasi-static P", a / kT,
                     result["quasistatic_heat"] / kT, 4 * sa / kT + abs(ae - result[
                         "quasistatic_heat"]) / kT, unit="kT"))
    return out


def report(result: dict) -> str:
    cfg, kT = result["config"], result["kT"]
    lines = [
        f"{NAME}: {cfg.n_cells} cells, T = {cfg.temperature:g} K,"
        f" f0 = {cfg.attempt_frequency:g} Hz, {cfg.kinetics}, barrier {cfg.hold_barrier:g}"
        f" -> {cfg.low_barrier:g} kT, tilt {cfg.tilt:g} kT",
        "energies per cell in kT (Monte Carlo ± standard error | exact master equation)",
        f"{'duration (s)':>12} {'work MC':>17} {'work exact':>11} {'heat MC':>17}"
        f" {'heat exact':>11} {'P(0) MC':>8} {'P(0) exact':>10} {'ΔF_neq':>7} {'optimal':>8}",
    ]
    for row in result["rows"]:
        r, m = row["mc"], row["master"]
        lines.append(
            f"{row['duration']:12.3g} {r.work.mean / kT:9.4f} ± {r.work.stderr / kT:6.4f}"
            f" {m.work / kT:11.4f} {r.heat.mean / kT:9.4f} ± {r.heat.stderr / kT:6.4f}"
            f" {m.heat / kT:11.4f} {r.occupancy[0]:8.5f} {m.occupancy[0]:10.5f}"
            f" {m.delta_f_neq / kT:7.4f} {row['optimal'].work / kT:8.4f}"
        )
    a, b, sa, sb = result["fit_mc"]
    ae, be, _, _ = result["fit_master"]
    bf, bfs = result["fit_fixed"]
    lines += [
        f"fit heat = a + B/τ (τ >= {cfg.fit_min_duration:g} s): a = {a / kT:.4f} ± {sa / kT:.4f}"
        f" kT, B = {b / kT:.4g} ± {sb / kT:.2g} kT·s (master equation: a = {ae / kT:.4f} kT,"
        f" B = {be / kT:.4g} kT·s)",
        f"fit with a fixed at the quasi-static bound {result['quasistatic_heat'] / kT:.4f} kT:"
        f" B = {bf / kT:.4g} ± {bfs / kT:.2g} kT·s; geodesic L²/τ coefficient"
        f" {result['length'] ** 2 / kT:.4g} kT·s",
        f"Landauer limit kT ln 2 = {np.log(2):.4f} kT",
    ]
    return "\n".join(lines)


def data(result: dict) -> dict:
    rows, cfg = result["rows"], result["config"]

    def col(f):
        return np.array([f(r) for r in rows], dtype=np.float64)

    a, b, sa, sb = result["fit_mc"]
    ae, be, _sae, _sbe = result["fit_master"]
    return {
        "duration": quantity(col(lambda r: r["duration"]), "s", "erasure duration τ"),
        "dt": quantity(col(lambda r: r["dt"]), "s", "time step"),
        "mc": {
            "work": energy(col(lambda r: r["mc"].work.mean), "mean work per cell"),
            "work_stderr": energy(col(lambda r: r["mc"].work.stderr)),
            "heat": energy(col(lambda r: r["mc"].heat.mean), "mean heat per cell"),
            "heat_stderr": energy(col(lambda r: r["mc"].heat.stderr)),
            "success": quantity(col(lambda r: r["mc"].occupancy[0]), "",
                                "fraction of cells in level 0 at the end"),
            "n_cells": quantity(cfg.n_cells, ""),
        },
        "master": {
            "work": energy(col(lambda r: r["master"].work)),
            "heat": energy(col(lambda r: r["master"].heat)),
            "success": quantity(col(lambda r: r["master"].occupancy[0]), ""),
            "delta_f_neq": energy(col(lambda r: r["master"].delta_f_neq),
                                  "generalised Landauer bound on the work"),
            "activity": quantity(col(lambda r: r["master"].activity), "",
                                 "expected jumps per cell"),
        },
        "bounds": {
            "landauer": energy(col(lambda r: r["landauer"]),
                               "kT [ln 2 - H(P)] at the master-equation P"),
            "speed_limit": energy(col(lambda r: r["master"].delta_f_neq + r["speed_limit"]),
                                  "ΔF_neq + kT L1²/(2𝒜)"),
            "optimal_estimate": energy(
                result["quasistatic_heat"] + result["length"] ** 2 / col(lambda r: r["duration"]),
                "landauer(P_qs) + L²/τ (geodesic, slow driving)"),
            "optimal_master": energy(col(lambda r: r["optimal"].work),
                                     "work of the geodesic cycle, master equation"),
            "thermodynamic_length": quantity(result["length"], "J^(1/2) s^(1/2)"),
            "quasistatic_success": quantity(result["quasistatic_success"], ""),
            "quasistatic_heat": energy(result["quasistatic_heat"]),
        },
        "fit": {
            "a": energy(a, "asymptote of heat = a + B/τ, Monte Carlo"),
            "a_stderr": energy(sa),
            "B": quantity(b, "J s", "coefficient B of heat = a + B/τ, Monte Carlo"),
            "B_stderr": quantity(sb, "J s"),
            "a_master": energy(ae),
            "B_master": quantity(be, "J s"),
            "B_fixed": quantity(result["fit_fixed"][0], "J s", "B with a = quasistatic_heat"),
            "B_fixed_stderr": quantity(result["fit_fixed"][1], "J s"),
            "selected": quantity(result["fit_selected"], "", "durations in the fit"),
        },
        "history": {
            "time_fraction": quantity(rows[0]["history_t"], "", "t/τ"),
            "p0": quantity(np.array([r["history_p0"] for r in rows]), "",
                           "master-equation occupancy of level 0, one row per duration"),
        },
    }


def plot(res, outdir) -> list[str]:
    kT = res.attrs["kT"]
    tau = res["duration"]
    stems: list[str] = []
    tt = np.geomspace(tau.min(), tau.max(), 200)
    a, b = float(res["fit/a"]), float(res["fit/B"])
    with figure(outdir, "heat_work_vs_duration", stems, size=(10, 4.2), ncols=2) as (_fig, ax):
        ax[0].errorbar(tau, res["mc/work"] / kT, 4 * res["mc/work_stderr"] / kT, fmt="o",
                       ms=5, mfc="none", label="⟨W⟩ Monte Carlo (±4 s.e.)")
        ax[0].errorbar(tau, res["mc/heat"] / kT, 4 * res["mc/heat_stderr"] / kT, fmt="x",
                       ms=5, label="⟨Q⟩ Monte Carlo")
        ax[0].plot(tau, res["master/work"] / kT, "k-", lw=1, label="master equation")
        ax[0].plot(tt, (a + b / tt) / kT, "C3--", lw=1,
                   label=f"fit a + B/τ, B = {b / kT:.3g} kT·s")
        ax[0].plot(tau, res["bounds/speed_limit"] / kT, "C2-.", label="speed limit")
        ax[0].plot(tau, res["master/delta_f_neq"] / kT, "C4:", lw=2,
                   label="generalised Landauer ΔF_neq")
        ax[0].plot(tau, res["bounds/optimal_master"] / kT, "C1s", ms=4,
                   label="optimal (geodesic), master eq.")
        ax[0].plot(tt, (res["bounds/quasistatic_heat"] + res["bounds/thermodynamic_length"] ** 2
                        / tt) / kT, "C1-", lw=0.8, label="landauer + L²/τ")
        ax[0].axhline(np.log(2), color="0.4", lw=0.8, label="kT ln 2")
        ax[0].set(xscale="log", xlabel="erasure duration τ (s)",
                  ylabel="energy per cell (kT)", title="work and heat of erasure")
        ax[0].legend()
        q_inf = float(res["bounds/quasistatic_heat"])
        ax[1].errorbar(tau, (res["mc/heat"] - q_inf) / kT, 4 * res["mc/heat_stderr"] / kT,
                       fmt="o", ms=5, mfc="none", label="⟨Q⟩ - Q∞, Monte Carlo")
        ax[1].plot(tau, (res["master/heat"] - q_inf) / kT, "k-", lw=1, label="master equation")
        ax[1].plot(tt, (a - q_inf + b / tt) / kT, "C3--", lw=1, label="fit")
        ax[1].plot(tau, (res["bounds/speed_limit"] - q_inf) / kT, "C2-.",
                   label="speed limit - Q∞")
        ax[1].plot(tau, (res["bounds/optimal_master"] - q_inf) / kT, "C1s", ms=4,
                   label="optimal (geodesic)")
        ax[1].set(xscale="log", yscale="log", xlabel="erasure duration τ (s)",
                  ylabel="excess heat per cell (kT)",
                  title=f"excess over Q∞ = {q_inf / kT:.4f} kT")
        ax[1].legend()
    with figure(outdir, "success_probability", stems) as (_fig, ax):
        n = int(res["mc/n_cells"])
        p = res["mc/success"]
        se = np.sqrt((p * (1 - p) + 1 / n) / n)
        ax.errorbar(tau, 1 - p, 4 * se, fmt="o", mfc="none", label="Monte Carlo (±4 s.e.)")
        ax.plot(tau, 1 - res["master/success"], "k-", label="master equation")
        ax.axhline(1 - float(res["bounds/quasistatic_success"]), color="C2", ls="--",
                   label="quasi-static (equilibrium at full tilt)")
        ax.set(xscale="log", yscale="log", xlabel="erasure duration τ (s)",
               ylabel="error probability 1 - P", title="erasure errors")
        ax.legend()
    with figure(outdir, "occupancy_history", stems) as (_fig, ax):
        for i, t in enumerate(tau):
            ax.plot(res["history/time_fraction"], res["history/p0"][i], label=f"τ = {t:.2g} s")
        ax.set(xlabel="time t/τ", ylabel="occupancy of level 0",
               title="master equation during the erasure")
        ax.legend(ncol=2)
    return stems


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot)

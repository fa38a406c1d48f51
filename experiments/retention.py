"""Retention: flip probability against hold time and barrier, the barrier needed for 10 years,
and the failure probability of an array of N bits.

A bit held behind a symmetric barrier E_B is in the wrong well at time t with probability
``(1 - exp(-2kt))/2``, ``k = f0 exp(-E_B/kT)`` (THEORY.md 4: the relaxation rate of a symmetric
pair is twice the escape rate); it has left its well at least once with probability
``1 - exp(-kt)`` (``simcore.bounds.retention_error``, an upper bound on the former). The
Monte Carlo escape rates, fitted to the Arrhenius (Néel–Brown) law ``k = f0 exp(-E_B/kT)``
(L. Néel, Ann. Géophys. 5, 99 (1949); W. F. Brown, Phys. Rev. 130, 1677 (1963),
doi:10.1103/PhysRev.130.1677), are extrapolated to the barrier that holds a bit for 10 years and
compared with ``bounds.retention_barrier`` (THEORY.md 5.4). Holds are piecewise constant, so the
engine is exact at every recorded time (no time-step error).
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
    n_cells_field,
    seed_field,
    temperature_field,
)
from experiments.contract import Experiment
from simcore import bounds

NAME = "retention"
SUMMARY = "flip probability vs hold time and barrier; 10-year barrier; array failure vs N"


@dataclass(frozen=True, kw_only=True)
class Config:
    n_cells: int = n_cells_field(200_000, "cells per barrier")
    temperature: float = temperature_field()
    attempt_frequency: float = attempt_frequency_field()
    barriers: tuple[float, ...] = field((10.0, 12.0, 14.0, 16.0, 18.0, 20.0), "kT",
                                        "barriers simulated", low=0, high=60)
    times_per_barrier: int = field(25, "", "hold times per barrier (log-spaced)", low=3,
                                   high=10**5)
    span: float = field(1e-3, "", "shortest hold in units of 1/k (longest: 3/k)", low=0,
                        open_low=True, high=0.1)
    retention_years: float = field(10.0, "year", "retention target", low=0, open_low=True)
    target_error: float = field(0.6321205588285577, "", "allowed flip probability per bit "
                                "for the retention target (1 - 1/e: one mean escape time)",
                                low=0, open_low=True, high=0.999)
    array_barrier: float = field(14.0, "kT", "barrier of the array-failure run", low=0, high=60)
    array_cell_error: float = field(1e-4, "", "per-cell flip probability of that run", low=0,
                                    open_low=True, high=0.4)
    array_cells: int = field(2_000_000, "", "cells of the array-failure run", low=10,
                             high=2**32)
    array_sizes: tuple[int, ...] = field((1, 10, 100, 1000, 10_000), "",
                                         "array sizes N", low=1)
    seed: int = seed_field(1)

    def smoke(self) -> Config:
        return dataclasses.replace(self, n_cells=40_000, barriers=(10.0, 13.0, 16.0),
                                   times_per_barrier=12, array_cells=400_000,
                                   array_sizes=(1, 10, 100, 1000))

    def check(self) -> None:
        if max(self.array_sizes) * 10 > self.array_cells:
            raise sc.ParameterError("array_sizes", self.array_sizes,
                                    f"sizes of at most array_cells/10 = {self.array_cells // 10}")
        if len(self.barriers) < 2:
            raise sc.ParameterError("barriers", self.barriers, "at least two barriers")


def hold(cfg: Config, barrier_kT: float, times) -> sc.Protocol:
    """A bit behind ``barrier_kT``, unchanged, with knots at ``times`` (s) after 0."""
    e, s = sc.bit_landscape(barrier_kT * sc.kT(cfg.temperature))
    t = np.concatenate([[0.0], times])
    return sc.Protocol(t, [e] * t.size, [s] * t.size, ["hold"] * (t.size - 1))


def _rate(cfg: Config, barrier_kT: float) -> float:
    return cfg.attempt_frequency * np.exp(-barrier_kT)


def run(cfg: Config, progress: bool = False) -> dict:
    kT = sc.kT(cfg.temperature)
    rows = []
    outer = bar(len(cfg.barriers) + 1, NAME, progress)
    for i, eb in enumerate(cfg.barriers):
        k = _rate(cfg, eb)
        times = np.geomspace(cfg.span / k, 3.0 / k, cfg.times_per_barrier)
        p = hold(cfg, eb, times)
        arr = sc.MemoryArray(cfg.n_cells, temperature=cfg.temperature,
                             attempt_frequency=cfg.attempt_frequency, seed=cfg.seed + i)
        r = arr.run(p, times[-1], initial=0, record_history=True, progress=progress)
        m = sc.solve_master(p, times[-1], cfg.temperature, cfg.attempt_frequency,
                            "arrhenius", 0)
        flip = r.history[1:, 1]
        exact = m.history[1:, 1]
        closed = 0.5 * -np.expm1(-2 * k * times)
        # escape rate from the hold time closest to kt = 1/4 (flip probability ~ 0.2)
        j = int(np.argmin(np.abs(k * times - 0.25)))
        se_p = binomial_se(exact[j], cfg.n_cells)
        k_hat = -np.log1p(-2 * flip[j]) / (2 * times[j])
        k_se = se_p / ((1 - 2 * exact[j]) * times[j])
        rows.append({"barrier": eb, "times": times, "flip": flip, "master": exact,
                     "closed": closed, "k": k, "k_hat": k_hat, "k_se": k_se,
                     "first_passage": bounds.retention_error(eb * kT, times,
                                                             cfg.attempt_frequency,
                                                             cfg.temperature)})
        outer.update()
    # Arrhenius fits: ln k = ln f0 - E_B/kT (slope fixed) and with a free slope
    eb = np.array(cfg.barriers)
    y = np.log([r["k_hat"] for r in rows])
    var = np.array([(r["k_se"] / r["k_hat"]) ** 2 for r in rows])
    w = 1 / var
    ln_f0 = float(np.sum(w * (y + eb)) / np.sum(w))
    ln_f0_se = float(1 / np.sqrt(np.sum(w)))
    a = np.column_stack([eb, np.ones_like(eb)])
    cov = np.linalg.inv(a.T @ (w[:, None] * a))
    slope, _ = cov @ (a.T @ (w * y))
    hold_time = cfg.retention_years * sc.YEAR
    target = bounds.retention_barrier(hold_time, cfg.target_error, cfg.attempt_frequency,
                                      cfg.temperature)
    fitted = kT * np.log(np.exp(ln_f0) * hold_time / -np.log1p(-cfg.target_error))
    # array failure: one hold of array_cells cells, grouped into arrays of N
    k_a = _rate(cfg, cfg.array_barrier)
    t_a = -np.log1p(-2 * cfg.array_cell_error) / (2 * k_a)
    arr = sc.MemoryArray(cfg.array_cells, temperature=cfg.temperature,
                         attempt_frequency=cfg.attempt_frequency, seed=cfg.seed + 1000)
    r = arr.run(hold(cfg, cfg.array_barrier, [t_a]), t_a, initial=0)
    m = sc.solve_master(hold(cfg, cfg.array_barrier, [t_a]), t_a, cfg.temperature,
                        cfg.attempt_frequency, "arrhenius", 0)
    flipped = np.asarray(arr.state) != 0
    sizes = np.array(cfg.array_sizes)
    measured, n_arrays = [], []
    for n in sizes:
        a_count = cfg.array_cells // n
        groups = flipped[: a_count * n].reshape(a_count, n).any(axis=1)
        measured.append(groups.mean())
        n_arrays.append(a_count)
    outer.update()
    outer.close()
    p_cell = float(m.occupancy[1])
    return {
        "config": cfg, "kT": kT, "rows": rows, "ln_f0": (ln_f0, ln_f0_se),
        "slope": (float(slope), float(np.sqrt(cov[0, 0]))), "hold_time": hold_time,
        "barrier_target": target, "barrier_fitted": float(fitted),
        "barrier_fitted_se": kT * ln_f0_se,
        "array": {
            "hold_time": t_a, "cell_flip_mc": float(r.occupancy[1]), "cell_flip": p_cell,
            "sizes": sizes, "measured": np.array(measured), "n_arrays": np.array(n_arrays),
            "exact": -np.expm1(sizes * np.log1p(-p_cell)),
            "first_passage": np.array([bounds.retention_error(
                cfg.array_barrier * kT, t_a, cfg.attempt_frequency, cfg.temperature,
                n_cells=int(n)) for n in sizes]),
            "barrier_10y": np.array([bounds.retention_barrier(
                hold_time, cfg.target_error, cfg.attempt_frequency, cfg.temperature,
                n_cells=int(n)) for n in sizes]),
        },
    }


def checks(result: dict) -> list[dict]:
    cfg, kT = result["config"], result["kT"]
    out = []
    for row in result["rows"]:
        eb = row["barrier"]
        z = np.abs(row["flip"] - row["master"]) / np.array(
            [binomial_se(p, cfg.n_cells) for p in row["master"]])
        j = int(np.argmax(z))
        out.append(check(f"flip probability vs master, E_B = {eb:g} kT (worst of"
                         f" {z.size} times, t = {row['times'][j]:.3g} s)", row["flip"][j],
                         row["master"][j], 4 * binomial_se(row["master"][j], cfg.n_cells)))
        dev = np.max(np.abs(row["master"] - row["closed"]))
        out.append(check(f"master vs (1 - exp(-2kt))/2, E_B = {eb:g} kT (max deviation)",
                         dev, 0.0, 1e-9))
        out.append(check(f"flip probability <= first-passage bound, E_B = {eb:g} kT (last t)",
                         row["flip"][-1], row["first_passage"][-1],
                         4 * binomial_se(row["master"][-1], cfg.n_cells), kind="upper"))
    s, s_se = result["slope"]
    out.append(check("Arrhenius slope d ln k / d(E_B/kT)", s, -1.0, 4 * s_se))
    ln_f0, ln_f0_se = result["ln_f0"]
    out.append(check("fitted attempt frequency ln f0", ln_f0, np.log(cfg.attempt_frequency),
                     4 * ln_f0_se))
    out.append(check(f"{cfg.retention_years:g}-year barrier from the fit vs"
                     " bounds.retention_barrier", result["barrier_fitted"] / kT,
                     result["barrier_target"] / kT, 4 * result["barrier_fitted_se"] / kT,
                     unit="kT"))
    a = result["array"]
    for n, meas, ex, na, fp in zip(a["sizes"], a["measured"], a["exact"], a["n_arrays"],
                                   a["first_passage"], strict=True):
        if na < 100:
            continue
        se = binomial_se(ex, na)
        out.append(check(f"array failure vs 1-(1-p)^N, N = {n}", meas, ex, 4 * se))
        out.append(check(f"array failure <= first-passage bound, N = {n}", meas, fp, 4 * se,
                         kind="upper"))
    return out


def report(result: dict) -> str:
    cfg, kT = result["config"], result["kT"]
    lines = [f"{NAME}: {cfg.n_cells} cells per barrier, T = {cfg.temperature:g} K,"
             f" f0 = {cfg.attempt_frequency:g} Hz",
             f"{'E_B (kT)':>9} {'k (1/s)':>11} {'k MC (1/s)':>22} {'p_flip(t=1/k) master':>21}"]
    for r in result["rows"]:
        j = int(np.argmin(np.abs(r["k"] * r["times"] - 1)))
        lines.append(f"{r['barrier']:9.3g} {r['k']:11.4g} {r['k_hat']:11.4g} ± "
                     f"{r['k_se']:8.2g} {r['master'][j]:21.4f}")
    s, s_se = result["slope"]
    ln_f0, ln_f0_se = result["ln_f0"]
    lines.append(f"Arrhenius fit: slope {s:.4f} ± {s_se:.4f} (exact -1), f0 ="
                 f" {np.exp(ln_f0):.4g} Hz (±{100 * ln_f0_se:.2g} %)")
    lines.append(f"barrier for {cfg.retention_years:g} years at flip probability"
                 f" {cfg.target_error:.4g}: {result['barrier_fitted'] / kT:.3f} ±"
                 f" {result['barrier_fitted_se'] / kT:.3f} kT from the simulation,"
                 f" {result['barrier_target'] / kT:.3f} kT from bounds.retention_barrier")
    a = result["array"]
    lines.append(f"array failure at E_B = {cfg.array_barrier:g} kT after {a['hold_time']:.3g} s"
                 f" (per cell {a['cell_flip']:.3g}, MC {a['cell_flip_mc']:.3g}):")
    for n, meas, ex, b10 in zip(a["sizes"], a["measured"], a["exact"], a["barrier_10y"],
                                strict=True):
        lines.append(f"  N = {n:>7}: {meas:.4g} (exact {ex:.4g}); {cfg.retention_years:g}-year"
                     f" barrier for the whole array {b10 / kT:.2f} kT")
    return "\n".join(lines)


def data(result: dict) -> dict:
    rows, a = result["rows"], result["array"]
    return {
        "barrier": energy(np.array([r["barrier"] for r in rows]) * result["kT"]),
        "hold_time": quantity(np.array([r["times"] for r in rows]), "s",
                              "hold times, one row per barrier"),
        "flip_mc": quantity(np.array([r["flip"] for r in rows]), "",
                            "fraction of cells in the other well"),
        "flip_master": quantity(np.array([r["master"] for r in rows]), ""),
        "first_passage": quantity(np.array([r["first_passage"] for r in rows]), "",
                                  "bounds.retention_error: escaped at least once"),
        "escape_rate": quantity(np.array([r["k"] for r in rows]), "1/s"),
        "escape_rate_mc": quantity(np.array([r["k_hat"] for r in rows]), "1/s"),
        "escape_rate_mc_stderr": quantity(np.array([r["k_se"] for r in rows]), "1/s"),
        "n_cells": quantity(result["config"].n_cells, ""),
        "fit": {
            "ln_f0": quantity(result["ln_f0"][0], "ln Hz"),
            "ln_f0_stderr": quantity(result["ln_f0"][1], ""),
            "slope": quantity(result["slope"][0], ""),
            "retention_time": quantity(result["hold_time"], "s"),
            "barrier_fitted": energy(result["barrier_fitted"]),
            "barrier_fitted_stderr": energy(result["barrier_fitted_se"]),
            "barrier_bound": energy(result["barrier_target"], "bounds.retention_barrier"),
        },
        "array": {
            "size": quantity(a["sizes"], "", "cells per array N"),
            "failure_mc": quantity(a["measured"], ""),
            "failure_exact": quantity(a["exact"], "", "1 - (1 - p_cell)^N"),
            "failure_first_passage": quantity(a["first_passage"], ""),
            "n_arrays": quantity(a["n_arrays"], ""),
            "hold_time": quantity(a["hold_time"], "s"),
            "cell_flip": quantity(a["cell_flip"], ""),
            "barrier_retention": energy(a["barrier_10y"],
                                        "barrier for the retention target, whole array"),
        },
    }


def plot(res, outdir) -> list[str]:
    kT = res.attrs["kT"]
    cfg = res.config
    stems: list[str] = []
    eb = res["barrier"] / kT
    with figure(outdir, "flip_vs_hold_time", stems) as (_fig, ax):
        n = int(res["n_cells"])
        for i, b in enumerate(eb):
            t, p = res["hold_time"][i], res["flip_mc"][i]
            se = np.sqrt((p * (1 - p) + 1 / n) / n)
            ax.errorbar(t, p, 4 * se, fmt="o", ms=3, color=f"C{i}", mfc="none",
                        label=f"E_B = {b:g} kT")
            ax.plot(t, res["flip_master"][i], "-", color=f"C{i}", lw=0.8)
            ax.plot(t, res["first_passage"][i], ":", color=f"C{i}", lw=0.8)
        ax.set(xscale="log", yscale="log", xlabel="hold time t (s)",
               ylabel="flip probability",
               title="Monte Carlo (o), master (-), first passage bound (:)")
        ax.legend(ncol=2)
    with figure(outdir, "barrier_for_retention", stems, size=(10, 4.2), ncols=2) as (_fig, ax):
        k = res["escape_rate_mc"]
        ax[0].errorbar(eb, k, 4 * res["escape_rate_mc_stderr"], fmt="o", mfc="none",
                       label="Monte Carlo (±4 s.e.)")
        bb = np.linspace(eb.min() - 1, 45, 100)
        ax[0].plot(bb, cfg["attempt_frequency"] * np.exp(-bb), "k-", label="f0 exp(-E_B/kT)")
        ax[0].plot(bb, np.exp(float(res["fit/ln_f0"]) - bb), "C3--", label="fit")
        t_ret = float(res["fit/retention_time"])
        rate = -np.log1p(-cfg["target_error"]) / t_ret
        ax[0].axhline(rate, color="C2", ls=":", label=f"{cfg['retention_years']:g} years")
        ax[0].axvline(float(res["fit/barrier_bound"]) / kT, color="C2", ls="-.",
                      label=f"bound {float(res['fit/barrier_bound']) / kT:.2f} kT")
        ax[0].set(yscale="log", xlabel="barrier E_B (kT)", ylabel="escape rate k (1/s)",
                  title="Arrhenius law, extrapolated")
        ax[0].legend()
        n = res["array/size"]
        ax[1].plot(n, res["array/barrier_retention"] / kT, "o-")
        ax[1].set(xscale="log", xlabel="array size N (bits)",
                  ylabel="barrier for the retention target (kT)",
                  title=f"{cfg['retention_years']:g} years, array failure"
                        f" {cfg['target_error']:.3g}")
    with figure(outdir, "array_failure", stems) as (_fig, ax):
        n = res["array/size"]
        m = res["array/failure_mc"]
        na = res["array/n_arrays"]
        se = np.sqrt((m * (1 - m) + 1 / na) / na)
        ax.errorbar(n, m, 4 * se, fmt="o", mfc="none", label="Monte Carlo (±4 s.e.)")
        ax.plot(n, res["array/failure_exact"], "k-", label="1 - (1 - p)^N")
        ax.plot(n, res["array/failure_first_passage"], "C2:", label="first passage bound")
        ax.set(xscale="log", yscale="log", xlabel="array size N (bits)",
               ylabel="probability that any bit flipped",
               title=f"E_B = {cfg['array_barrier']:g} kT, hold"
                     f" {float(res['array/hold_time']):.3g} s")
        ax.legend()
    return stems


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot)

"""Retention: flip probability against hold time and barrier, the barrier needed for 10 years,
and the failure probability of an array of N bits.

A bit held behind a symmetric barrier E_B is in the wrong well at time t with probability
``(1 - exp(-2kt))/2``, ``k = f0 exp(-E_B/kT)`` (docs/theory.md §4: the relaxation rate of a
symmetric pair is twice the escape rate); it has left its well at least once with probability
``1 - exp(-kt)`` (``simcore.bounds.retention_error``, an upper bound on the former). The
Monte Carlo escape rates, fitted to the Arrhenius (Néel–Brown) law ``k = f0 exp(-E_B/kT)``
(L. Néel, Ann. Géophys. 5, 99 (1949); W. F. Brown, Phys. Rev. 130, 1677 (1963),
doi:10.1103/PhysRev.130.1677), are extrapolated to the barrier that holds a bit for 10 years and
compared with ``bounds.retention_barrier`` (docs/theory.md §4). Holds are piecewise constant, so the
engine is exact at every recorded time (no time-step error).

On a device (``device = <preset or TOML file>``) the bits are the device's, held at rest
(control 0) behind its own barriers with its own attempt frequency, at each of the bath
temperatures ``device_temperatures``: its barrier in kT, ``E_01/kT``, falls as the temperature
rises, and the Arrhenius fit of the escape rates against it recovers the device's attempt
frequency (its barrier against temperature). An asymmetric device (an RRAM's set and reset
barriers) relaxes as ``p1(t) = π1 (1 - exp(-(k01 + k10) t))`` (``devices.two_state_occupancy``);
the escape rate out of level 0 is estimated from it. The 10-year barrier and the array failure
are at ``temperature``, the array held behind the device's rest barrier. Holding at rest draws
no electrical energy. A device that is not a two-state bit is refused with the config.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

import simcore as sc
from devices import cell, ideal, two_state_occupancy
from experiments import device as devkey
from experiments import fn_dam_hold
from experiments.checks import assemble, check, check_key, count_check
from experiments.common import bar, binomial_se, energy, figure, quantity, seeds_tree
from experiments.config import TEMPERATURE_RANGE, CellsConfig, device_field, field, n_cells_field
from experiments.contract import Experiment
from experiments.results import ResultBase, column, simulate
from simcore import bounds
from simcore.seeds import Seeds

NAME = "retention"
SUMMARY = "flip probability vs hold time and barrier; 10-year barrier; array failure vs N"


@dataclass(frozen=True, kw_only=True)
class Config(CellsConfig):
    n_cells: int = n_cells_field(200_000, "cells per barrier")
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
    device_temperatures: tuple[float, ...] = field(
        (300.0, 325.0, 350.0), "K", "bath temperatures of the holds on a device (device runs)",
        low=TEMPERATURE_RANGE[0], high=TEMPERATURE_RANGE[1])
    device_ages: tuple[float, ...] = field(
        (1.0, 1e6), "s", "first and last hold age of an FN-DAM device (its runs)", low=0,
        open_low=True)
    device: str = device_field()

    def smoke(self) -> Config:
        return dataclasses.replace(self, n_cells=40_000, barriers=(10.0, 13.0, 16.0),
                                   times_per_barrier=12, array_cells=400_000,
                                   array_sizes=(1, 10, 100, 1000))

    def check(self) -> None:
        if max(self.array_sizes) * 10 > self.array_cells:
            raise sc.ParameterError("array_sizes", self.array_sizes,
                                    f"sizes of at most array_cells/10 = {self.array_cells // 10}")
        if len(set(self.barriers)) < 2:
            raise sc.ParameterError("barriers", self.barriers,
                                    "at least two distinct barriers (an Arrhenius fit needs a"
                                    " range of barriers)")
        if self.device != devkey.IDEAL:
            dev = devkey.resolve(self.device)
            if fn_dam_hold.is_fn_dam(dev):
                fn_dam_hold.check_config(self)
                return
            cell.require_two_state(dev, self.device, NAME, "a two-state bit held at rest or an"
                                   " FN-DAM cell")
            if len(set(self.device_temperatures)) < 2:
                raise sc.ParameterError("device_temperatures", self.device_temperatures,
                                        "at least two distinct temperatures (an Arrhenius fit"
                                        " of the device needs a range of barriers)")
            k01, k10 = cell.rates(dev, 0.0, self.temperature)
            if self.array_cell_error >= k01 / (k01 + k10):
                raise sc.ParameterError("array_cell_error", self.array_cell_error,
                                        f"below the device's stationary π1 ="
                                        f" {k01 / (k01 + k10):.4g}")


def hold(cfg: Config, barrier_kT: float, times) -> sc.Protocol:
    """A bit behind ``barrier_kT``, unchanged, with knots at ``times`` (s) after 0."""
    return ideal.hold(ideal.bit(barrier_kT, 0.0, cfg.temperature), times)


def _rate(cfg: Config, barrier_kT: float) -> float:
    return cfg.attempt_frequency * np.exp(-barrier_kT)


@dataclass(frozen=True, kw_only=True, eq=False)
class Hold:
    """The bits held behind one barrier, recorded at log-spaced times.

    Attributes
    ----------
    barrier : float
        Barrier E_B (kT).
    times : ndarray, shape (times_per_barrier,)
        Hold times (s).
    flip : ndarray, shape (times_per_barrier,)
        Monte Carlo fraction of cells in the other well (stream ``hold[i]``).
    master : ndarray, shape (times_per_barrier,)
        Master-equation flip probability.
    closed : ndarray, shape (times_per_barrier,)
        Closed form ``(1 - exp(-2kt))/2``.
    k : float
        Escape rate ``f0 exp(-E_B/kT)`` (1/s).
    k_hat, k_se : float
        Escape rate estimated from the flip fraction at kt ≈ 1/4, and its standard error (1/s).
    first_passage : ndarray, shape (times_per_barrier,)
        ``bounds.retention_error``: probability of having escaped at least once.
    temperature : float
        Bath temperature of the hold (K): ``config.temperature``, or one of
        ``config.device_temperatures`` on a device.
    """

    barrier: float
    times: np.ndarray
    flip: np.ndarray
    master: np.ndarray
    closed: np.ndarray
    k: float
    k_hat: float
    k_se: float
    first_passage: np.ndarray
    temperature: float = float("nan")


@dataclass(frozen=True, kw_only=True, eq=False)
class ArrayFailure:
    """One hold of ``array_cells`` cells (stream ``array``), grouped into arrays of N bits.

    Attributes
    ----------
    hold_time : float
        Hold time giving the per-cell flip probability ``array_cell_error`` (s).
    cell_flip_mc, cell_flip : float
        Per-cell flip probability: Monte Carlo and master equation.
    sizes : ndarray of int, shape (S,)
        Array sizes N.
    measured : ndarray, shape (S,)
        Fraction of arrays with at least one flipped bit.
    n_arrays : ndarray of int, shape (S,)
        Arrays of each size in the run.
    exact : ndarray, shape (S,)
        ``1 - (1 - p_cell)^N``.
    first_passage : ndarray, shape (S,)
        First-passage bound for an array of N bits.
    barrier_retention : ndarray, shape (S,)
        Barrier for the retention target of a whole array of N bits (J).
    """

    hold_time: float
    cell_flip_mc: float
    cell_flip: float
    sizes: np.ndarray
    measured: np.ndarray
    n_arrays: np.ndarray
    exact: np.ndarray
    first_passage: np.ndarray
    barrier_retention: np.ndarray


@dataclass(frozen=True, kw_only=True, eq=False)
class Result(ResultBase):
    """The holds behind every barrier, the Arrhenius fits and the array failures; ``seeds``
    has the streams ``hold[i]`` (the cells behind ``config.barriers[i]``) and ``array``.

    Attributes
    ----------
    holds : tuple of Hold
        One per ``config.barriers``, in order.
    ln_f0, ln_f0_se : float
        Arrhenius fit with slope -1: ln of the attempt frequency (ln Hz) and its standard error.
    slope, slope_se : float
        Free-slope fit ``d ln k / d(E_B/kT)`` and its standard error.
    retention_time : float
        The retention target ``retention_years`` (s).
    barrier_target : float
        ``bounds.retention_barrier`` for the target (J).
    barrier_fitted, barrier_fitted_se : float
        The same barrier from the fitted f0, and its standard error (J).
    array : ArrayFailure
    device : object
        The device held (``devices.IdealBit`` by default).
    attempt_frequency : float
        Attempt frequency of the holds (Hz): ``config.attempt_frequency`` or the device's.
    """

    config: Config
    holds: tuple[Hold, ...]
    ln_f0: float
    ln_f0_se: float
    slope: float
    slope_se: float
    retention_time: float
    barrier_target: float
    barrier_fitted: float
    barrier_fitted_se: float
    array: ArrayFailure
    device: object = None
    attempt_frequency: float = float("nan")


def run(cfg: Config, progress: bool = False) -> Result:
    """Hold bits behind every barrier (or the device at every temperature), fit the Arrhenius
    law, and hold one large array."""
    seeds = Seeds(cfg.seed)
    kT = sc.kT(cfg.temperature)
    dev = devkey.resolve(cfg.device)
    if fn_dam_hold.is_fn_dam(dev):
        return fn_dam_hold.run(cfg, dev, seeds, progress)
    if cfg.device != devkey.IDEAL:
        return _run_device(cfg, dev, seeds, progress)
    holds = []
    outer = bar(len(cfg.barriers) + 1, NAME, progress)
    for i, eb in enumerate(cfg.barriers):
        k = _rate(cfg, eb)
        times = np.geomspace(cfg.span / k, 3.0 / k, cfg.times_per_barrier)
        sim = simulate(cfg, hold(cfg, eb, times), times[-1], 0, seeds.seed("hold", i),
                       progress=progress, record_history=True)
        flip = sim.mc.history[1:, 1]
        exact = sim.master.history[1:, 1]
        # escape rate from the hold time closest to kt = 1/4 (flip probability ~ 0.2)
        j = int(np.argmin(np.abs(k * times - 0.25)))
        se_p = binomial_se(exact[j], cfg.n_cells)
        holds.append(Hold(
            barrier=eb, times=times, flip=flip, master=exact,
            closed=0.5 * -np.expm1(-2 * k * times), k=k,
            k_hat=-np.log1p(-2 * flip[j]) / (2 * times[j]),
            k_se=se_p / ((1 - 2 * exact[j]) * times[j]),
            first_passage=bounds.retention_error(eb * kT, times, cfg.attempt_frequency,
                                                 cfg.temperature),
            temperature=cfg.temperature,
        ))
        outer.update()
    array = _array_failure(cfg, seeds.seed("array"), cfg.retention_years * sc.YEAR)
    outer.update()
    outer.close()
    return _fitted(cfg, seeds, holds, array, dev, cfg.attempt_frequency)


def _fitted(cfg: Config, seeds, holds, array, dev, f0: float) -> Result:
    """The Result with the Arrhenius fits of the holds' escape rates (attempt frequency f0)."""
    kT = sc.kT(cfg.temperature)
    # Arrhenius fits: ln k = ln f0 - E_B/kT (slope fixed) and with a free slope
    eb = np.array([h.barrier for h in holds])
    y = np.log([h.k_hat for h in holds])
    var = np.array([(h.k_se / h.k_hat) ** 2 for h in holds])
    w = 1 / var
    ln_f0 = float(np.sum(w * (y + eb)) / np.sum(w))
    ln_f0_se = float(1 / np.sqrt(np.sum(w)))
    a = np.column_stack([eb, np.ones_like(eb)])
    cov = np.linalg.inv(a.T @ (w[:, None] * a))
    slope, _ = cov @ (a.T @ (w * y))
    hold_time = cfg.retention_years * sc.YEAR
    target = bounds.retention_barrier(hold_time, cfg.target_error, f0, cfg.temperature)
    fitted = kT * np.log(np.exp(ln_f0) * hold_time / -np.log1p(-cfg.target_error))
    return Result(
        config=cfg, seeds=seeds, holds=tuple(holds), ln_f0=ln_f0, ln_f0_se=ln_f0_se,
        slope=float(slope), slope_se=float(np.sqrt(cov[0, 0])), retention_time=hold_time,
        barrier_target=target, barrier_fitted=float(fitted), barrier_fitted_se=kT * ln_f0_se,
        array=array, device=dev, attempt_frequency=f0,
    )


def _run_device(cfg: Config, dev, seeds, progress: bool) -> Result:
    """The device held at rest at every ``device_temperatures``, then the array at
    ``temperature``; escape rates out of level 0 from ``p1 = π1 (1 - exp(-r t))``."""
    f0 = dev.attempt_frequency
    holds = []
    outer = bar(len(cfg.device_temperatures) + 1, NAME, progress)
    for i, temp in enumerate(cfg.device_temperatures):
        kt = sc.kT(temp)
        b01, _ = cell.barriers(dev, 0.0, temp)
        k01, k10 = cell.rates(dev, 0.0, temp)
        pi1 = k01 / (k01 + k10)
        times = np.geomspace(cfg.span / k01, 3.0 / k01, cfg.times_per_barrier)
        cfg_t = dataclasses.replace(cfg, temperature=temp, attempt_frequency=f0)
        sim = simulate(cfg_t, ideal.hold(dev.landscape(0.0, temp), times), times[-1], 0,
                       seeds.seed("hold", i), progress=progress, record_history=True)
        flip = sim.mc.history[1:, 1]
        exact = sim.master.history[1:, 1]
        j = int(np.argmin(np.abs(k01 * times - 0.25)))
        se_p = binomial_se(exact[j], cfg.n_cells)
        holds.append(Hold(
            barrier=b01 / kt, times=times, flip=flip, master=exact,
            closed=two_state_occupancy(k01, k10, times, 0.0), k=k01,
            k_hat=-pi1 * np.log1p(-flip[j] / pi1) / times[j],
            k_se=se_p / ((1 - exact[j] / pi1) * times[j]),
            first_passage=bounds.retention_error(b01, times, f0, temp),
            temperature=temp,
        ))
        outer.update()
    array = _array_failure(cfg, seeds.seed("array"), cfg.retention_years * sc.YEAR, dev)
    outer.update()
    outer.close()
    return _fitted(cfg, seeds, holds, array, dev, f0)


def _array_failure(cfg: Config, seed: int, retention_time: float, dev=None) -> ArrayFailure:
    """One hold of ``array_cells`` cells at ``array_barrier`` (or behind the device's rest
    barrier), grouped into arrays of N."""
    kT = sc.kT(cfg.temperature)
    f0 = cfg.attempt_frequency
    if dev is None:
        barrier = cfg.array_barrier * kT
        k_a = _rate(cfg, cfg.array_barrier)
        t_a = -np.log1p(-2 * cfg.array_cell_error) / (2 * k_a)
        p = hold(cfg, cfg.array_barrier, [t_a])
    else:
        f0 = dev.attempt_frequency
        barrier, _ = cell.barriers(dev, 0.0, cfg.temperature)
        k01, k10 = cell.rates(dev, 0.0, cfg.temperature)
        pi1 = k01 / (k01 + k10)
        t_a = -np.log1p(-cfg.array_cell_error / pi1) / (k01 + k10)
        p = ideal.hold(dev.landscape(0.0, cfg.temperature), [t_a])
    arr = sc.MemoryArray(cfg.array_cells, temperature=cfg.temperature,
                         attempt_frequency=f0, seed=seed)
    r = arr.run(p, t_a, initial=0)
    m = sc.solve_master(p, t_a, cfg.temperature, f0, "arrhenius", 0)
    flipped = np.asarray(arr.state) != 0
    sizes = np.array(cfg.array_sizes)
    n_arrays = cfg.array_cells // sizes
    measured = np.array([flipped[: na * n].reshape(na, n).any(axis=1).mean()
                         for n, na in zip(sizes, n_arrays, strict=True)])
    p_cell = float(m.occupancy[1])
    return ArrayFailure(
        hold_time=t_a, cell_flip_mc=float(r.occupancy[1]), cell_flip=p_cell, sizes=sizes,
        measured=measured, n_arrays=n_arrays, exact=-np.expm1(sizes * np.log1p(-p_cell)),
        first_passage=np.array([bounds.retention_error(
            barrier, t_a, f0, cfg.temperature, n_cells=int(n)) for n in sizes]),
        barrier_retention=np.array([bounds.retention_barrier(
            retention_time, cfg.target_error, f0, cfg.temperature,
            n_cells=int(n)) for n in sizes]),
    )


def checks(result: Result) -> list[dict]:
    """Flip counts vs the master equation at every hold time and the first-passage bound
    (Clopper–Pearson), master vs closed form (round-off), the Arrhenius fits (Gaussian; refused
    when the barriers cannot determine the slope) and the array failures (Clopper–Pearson);
    an FN-DAM cell's spread and moves against shot noise (``fn_dam_hold.checks``)."""
    if isinstance(result, fn_dam_hold.FnDamResult):
        return assemble(fn_dam_hold.checks(result))
    cfg, kT = result.config, result.kT
    n = cfg.n_cells
    out = []
    for i, h in enumerate(result.holds):
        eb = h.barrier
        for j, t in enumerate(h.times):
            out.append(count_check(check_key("flip_vs_master", i, j),
                                   f"flip probability vs master, E_B = {eb:g} kT, t = {t:.3g} s",
                                   h.flip[j] * n, n, h.master[j]))
        out.append(check(check_key("master_vs_closed_form", i),
                         f"master vs (1 - exp(-2kt))/2, E_B = {eb:g} kT (max deviation)",
                         np.max(np.abs(h.master - h.closed)), 0.0, tolerance=1e-9))
        out.append(count_check(check_key("flip_below_first_passage", i),
                               f"flip probability <= first-passage bound, E_B = {eb:g} kT"
                               f" (t = {h.times[-1]:.3g} s)", h.flip[-1] * n, n,
                               h.first_passage[-1], kind="upper"))
    # a slope known to worse than ±1 cannot tell Arrhenius from no barrier dependence at all
    out.append(check("arrhenius_slope", "Arrhenius slope d ln k / d(E_B/kT)", result.slope,
                     -1.0, se=result.slope_se, keys=("barriers", "n_cells"), informative=1.0))
    out.append(check("attempt_frequency_fit", "fitted attempt frequency ln f0", result.ln_f0,
                     np.log(result.attempt_frequency), se=result.ln_f0_se))
    out.append(check("retention_barrier_fit",
                     f"{cfg.retention_years:g}-year barrier from the fit vs"
                     " bounds.retention_barrier", result.barrier_fitted / kT,
                     result.barrier_target / kT, se=result.barrier_fitted_se / kT, unit="kT"))
    a = result.array
    for i, (size, meas, ex, na, fp) in enumerate(zip(a.sizes, a.measured, a.exact, a.n_arrays,
                                                     a.first_passage, strict=True)):
        if na < 100:
            continue
        out.append(count_check(check_key("array_failure", i),
                               f"array failure vs 1-(1-p)^N, N = {size}", meas * na, na, ex))
        out.append(count_check(check_key("array_failure_below_first_passage", i),
                               f"array failure <= first-passage bound, N = {size}", meas * na,
                               na, fp, kind="upper"))
    return assemble(out)


def report(result: Result) -> str:
    if isinstance(result, fn_dam_hold.FnDamResult):
        return fn_dam_hold.report(result)
    cfg, kT = result.config, result.kT
    on_device = cfg.device != devkey.IDEAL
    lines = [f"{NAME}: {cfg.n_cells} cells per barrier, T = {cfg.temperature:g} K,"
             f" f0 = {result.attempt_frequency:g} Hz",
             f"{'E_B (kT)':>9} {'k (1/s)':>11} {'k MC (1/s)':>22} {'p_flip(t=1/k) master':>21}"
             + (f" {'T (K)':>8}" if on_device else "")]
    if on_device:
        lines.insert(1, devkey.describe(cfg.device, result.device))
    for h in result.holds:
        j = int(np.argmin(np.abs(h.k * h.times - 1)))
        lines.append(f"{h.barrier:9.3g} {h.k:11.4g} {h.k_hat:11.4g} ± "
                     f"{h.k_se:8.2g} {h.master[j]:21.4f}"
                     + (f" {h.temperature:8.4g}" if on_device else ""))
    lines.append(f"Arrhenius fit: slope {result.slope:.4f} ± {result.slope_se:.4f} (exact -1),"
                 f" f0 = {np.exp(result.ln_f0):.4g} Hz (±{100 * result.ln_f0_se:.2g} %)")
    lines.append(f"barrier for {cfg.retention_years:g} years at flip probability"
                 f" {cfg.target_error:.4g}: {result.barrier_fitted / kT:.3f} ±"
                 f" {result.barrier_fitted_se / kT:.3f} kT from the simulation,"
                 f" {result.barrier_target / kT:.3f} kT from bounds.retention_barrier")
    a = result.array
    array_barrier = cfg.array_barrier
    if on_device:
        b01, _ = cell.barriers(result.device, 0.0, cfg.temperature)
        array_barrier = b01 / kT
        k01, _ = cell.rates(result.device, 0.0, cfg.temperature)
        t_target = -np.log1p(-cfg.target_error) / k01  # first passage, as retention_barrier
        meets = "meets" if b01 >= result.barrier_target else "misses"
        lines.append(f"device at rest, T = {cfg.temperature:g} K: barrier {b01 / kT:.3f} kT,"
                     f" escaped with probability {cfg.target_error:.4g} after {t_target:.4g} s"
                     f" ({t_target / sc.YEAR:.4g} years): {meets} the"
                     f" {cfg.retention_years:g}-year target; holding draws no electrical"
                     " energy (0 J)")
    lines.append(f"array failure at E_B = {array_barrier:g} kT after {a.hold_time:.3g} s"
                 f" (per cell {a.cell_flip:.3g}, MC {a.cell_flip_mc:.3g}):")
    for n, meas, ex, b10 in zip(a.sizes, a.measured, a.exact, a.barrier_retention,
                                strict=True):
        lines.append(f"  N = {n:>7}: {meas:.4g} (exact {ex:.4g}); {cfg.retention_years:g}-year"
                     f" barrier for the whole array {b10 / kT:.2f} kT")
    return "\n".join(lines)


def data(result: Result) -> dict:
    if isinstance(result, fn_dam_hold.FnDamResult):
        return fn_dam_hold.data(result, seeds_tree)
    a = result.array
    rows = functools.partial(column, result.holds)
    out = {
        "barrier": energy(rows(lambda h: h.barrier) * result.kT),
        "hold_time": quantity(rows(lambda h: h.times), "s", "hold times, one row per barrier"),
        "flip_mc": quantity(rows(lambda h: h.flip), "", "fraction of cells in the other well"),
        "flip_master": quantity(rows(lambda h: h.master), ""),
        "first_passage": quantity(rows(lambda h: h.first_passage), "",
                                  "bounds.retention_error: escaped at least once"),
        "escape_rate": quantity(rows(lambda h: h.k), "1/s"),
        "escape_rate_mc": quantity(rows(lambda h: h.k_hat), "1/s"),
        "escape_rate_mc_stderr": quantity(rows(lambda h: h.k_se), "1/s"),
        "n_cells": quantity(result.config.n_cells, ""),
        "fit": {
            "ln_f0": quantity(result.ln_f0, "ln Hz"),
            "ln_f0_stderr": quantity(result.ln_f0_se, ""),
            "slope": quantity(result.slope, ""),
            "retention_time": quantity(result.retention_time, "s"),
            "barrier_fitted": energy(result.barrier_fitted),
            "barrier_fitted_stderr": energy(result.barrier_fitted_se),
            "barrier_bound": energy(result.barrier_target, "bounds.retention_barrier"),
        },
        "array": {
            "size": quantity(a.sizes, "", "cells per array N"),
            "failure_mc": quantity(a.measured, ""),
            "failure_exact": quantity(a.exact, "", "1 - (1 - p_cell)^N"),
            "failure_first_passage": quantity(a.first_passage, ""),
            "n_arrays": quantity(a.n_arrays, ""),
            "hold_time": quantity(a.hold_time, "s"),
            "cell_flip": quantity(a.cell_flip, ""),
            "barrier_retention": energy(a.barrier_retention,
                                        "barrier for the retention target, whole array"),
        },
        "seeds": seeds_tree(result.seeds),
    }
    if result.config.device != devkey.IDEAL:
        out["barrier"] = energy(rows(lambda h: h.barrier * sc.kT(h.temperature)),
                                "rest barrier E_01 of the device at each hold's temperature")
        out["hold_temperature"] = quantity(rows(lambda h: h.temperature), "K")
        out["device"] = devkey.tree(result.config.device, result.device)
        out["device"]["attempt_frequency"] = quantity(result.attempt_frequency, "Hz")
    return out


def plot(res, outdir) -> list[str]:
    if "fn_dam/age" in res.data:
        return fn_dam_hold.plot(res, outdir)
    kT = res.attrs["kT"]
    cfg = res.config
    stems: list[str] = []
    eb = res["barrier"] / kT
    f0 = cfg["attempt_frequency"]
    if "hold_temperature" in res.data:  # a device: each barrier in kT at its own temperature
        eb = res["barrier"] / (sc.K_B * res["hold_temperature"])
        f0 = float(res["device/attempt_frequency"])
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
        bb = np.linspace(eb.min() - 1, max(45.0, eb.max() + 5), 100)
        ax[0].plot(bb, f0 * np.exp(-bb), "k-", label="f0 exp(-E_B/kT)")
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

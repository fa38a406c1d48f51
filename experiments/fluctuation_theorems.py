"""Jarzynski's equality per cell and Crooks' theorem from forward and reverse protocols.

Every cell starts in equilibrium and is driven by a staircase of tilts at a low barrier: jump to the
next landscape, relax for one step, repeat. The engine's step order (work step, then exact
relaxation) makes both theorems exact in discrete time (the engine's exact one-step propagator,
docs/engine.md), provided the reverse protocol is the exact time reversal: the same staircase read
backwards.

- Jarzynski (C. Jarzynski, PRL 78, 2690 (1997), doi:10.1103/PhysRevLett.78.2690):
  ``⟨exp(-W/kT)⟩ = exp(-ΔF/kT)`` over the per-cell works.
- Crooks (G. E. Crooks, PRE 60, 2721 (1999), doi:10.1103/PhysRevE.60.2721):
  ``P_F(W) / P_R(-W) = exp((W - ΔF)/kT)``. Binned without bias: for a bin b of forward works,
  ``ln(P_F(b)/P_R(-b)) = (w_b - ΔF)/kT`` with ``w_b = -kT ln⟨exp(-W/kT)⟩_b`` over the forward
  works in the bin, so the fitted slope is exactly 1 and the crossing is ΔF.

Devices (``device = <preset or TOML file>``): the staircase is the device's own control,
stepped from rest (control 0) to the control that tilts the device by ``tilt`` kT from its rest
landscape (``E1 - E0`` changed by ``-tilt`` kT, solved exactly on each stair), at the device's
barriers and attempt frequency (Arrhenius kinetics only). A one-control device's barrier is
fixed: at a tilt of a few kT it is nearly its rest barrier, so the drive lasts
``device_relaxations`` relaxation times ``1/(k01 + k10)`` of the rest landscape, a few
microseconds for the p-bit MTJ (10 kT) and geological times for a retention barrier (the
engine's step propagator is exact, so simulated time costs nothing; the report gives the
duration and the expected hops per cell). A drive near the switching threshold, within the
device's pulse range, would make hops fast, but there the tilt is tens to hundreds of kT
(``4 Δ I/I_c0`` for an MTJ), the reverse drive starts with every cell in one level and the
forward and reverse works do not overlap: no Crooks ratio can be sampled. Multi-level cells
are refused with the config.

FN-DAM is refused with the config, for a physical reason: Jarzynski and Crooks hold for
transitions that obey local detailed balance, each hop and its reverse in the ratio
``exp(-ΔE/kT)`` of the energy the bath exchanges. The FN-DAM chain has no such pairs: a hop up
is an electron emitted through one gate's oxide and a hop down one emitted through the other's
(Fowler–Nordheim emission over barriers of eV is one-way: the reverse tunnelling of the same
electron is suppressed by ``exp(-qV/kT)``, hundreds of kT). Its effective energies
``kT ln(rate ratio)`` are not energies a work was done against, so the theorems on them would
check only the engine's algebra (tested on the ideal cell), not the device. Its dissipation is
the electrons' ``q V`` (the electrical ledger of ``retention``, ``landauer_erasure`` and
``consolidation_wall`` on FN-DAM).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

import simcore as sc
from devices import cell, ideal
from experiments import device as devkey
from experiments.checks import assemble, check, check_key
from experiments.common import bar, energy, figure, quantity, seeds_tree
from experiments.config import KineticsConfig, device_field, field, n_cells_field
from experiments.contract import Experiment, ledger_memory
from experiments.fn_dam_hold import is_fn_dam
from experiments.results import ResultBase, Simulated, simulate
from simcore.seeds import Seeds

NAME = "fluctuation_theorems"
SUMMARY = "Jarzynski per cell and Crooks from forward and reverse tilt staircases"

MIN_BIN_COUNT = 30


@dataclass(frozen=True, kw_only=True)
class Config(KineticsConfig):
    n_cells: int = n_cells_field(400_000, "cells per direction")
    barrier: float = field(1.0, "kT", "barrier during the drive", low=0, high=100)
    tilt: float = field(3.0, "kT", "final tilt (level 0 raised)", low=-50, high=50)
    duration: float = field(5e-9, "s", "duration of the drive", low=0, open_low=True)
    steps: int = field(20, "", "stairs (jump + relax) in the drive", low=1, high=10**6)
    bins: int = field(60, "", "histogram bins", low=5, high=10**4)
    device: str = device_field("the cell: 'ideal' (tilted at `barrier`), a preset name or a"
                               " device TOML file (tilted by its own control)")
    device_relaxations: float = field(4.0, "", "duration of the drive on a device, in rest"
                                      " relaxation times 1/(k01 + k10)", low=0, open_low=True,
                                      high=1e6)

    def smoke(self) -> Config:
        return dataclasses.replace(self, n_cells=50_000)

    def check(self) -> None:
        if self.device == devkey.IDEAL:
            return
        devkey.require_arrhenius(self.device, self.kinetics)
        dev = devkey.resolve(self.device)
        if is_fn_dam(dev):
            raise sc.ParameterError(
                "device", self.device,
                "a device whose transitions obey local detailed balance (each hop and its"
                " reverse in the ratio exp(-ΔE/kT)); an FN-DAM cell's hops up and down are"
                " electrons emitted through different gates, one-way Fowler–Nordheim emission,"
                " so work and heat on its effective chain are not the device's (see the"
                " experiment's documentation)")
        cell.require_two_state(dev, self.device, NAME, "a two-state bit whose control tilts"
                               " its rest landscape")
        device_controls(self, dev)


def _tilt(dev, control: float, temperature: float) -> float:
    """``E1 - E0`` (J) of the device at ``control``."""
    e, _ = dev.landscape(control, temperature)
    return float(e[1] - e[0])


def device_controls(cfg: Config, dev) -> np.ndarray:
    """Controls (device unit) of the stairs ``0..steps``: stair k changes the device's
    ``E1 - E0`` from rest by ``-tilt k/steps`` kT (Brent's method on the side of the control
    range that tilts that way). ParameterError (``tilt``) if the range cannot reach it."""
    from scipy.optimize import brentq

    kt = sc.kT(cfg.temperature)
    base = _tilt(dev, 0.0, cfg.temperature)
    lo, hi = dev.control_range
    out = [0.0]
    for x in np.linspace(0.0, cfg.tilt, cfg.steps + 1)[1:]:
        def f(c, x=x):
            return (_tilt(dev, c, cfg.temperature) - base) / kt + x

        end = next((e for e in (lo, hi) if e != 0.0 and f(e) * f(0.0) <= 0.0), None)
        if end is None:
            raise sc.ParameterError(
                "tilt", cfg.tilt, f"a tilt that device {cfg.device!r} reaches within its"
                f" controls [{lo:g}, {hi:g}]")
        out.append(float(brentq(f, 0.0, end, xtol=1e-15 * max(abs(end), 1e-300),
                                rtol=4 * np.finfo(float).eps, maxiter=500)))
    return np.array(out)


def device_duration(cfg: Config, dev) -> float:
    """Drive duration (s) on a device: ``device_relaxations / (k01 + k10)`` at rest."""
    k01, k10 = cell.rates(dev, 0.0, cfg.temperature)
    return cfg.device_relaxations / (k01 + k10)


def staircase(cfg: Config, reverse: bool = False, device=None) -> sc.Protocol:
    """Jump to the next tilt, relax ``duration/steps``; ``reverse`` reads the stairs backwards.
    With ``device`` the stairs are its landscapes at :func:`device_controls`."""
    if device is None:
        land = [ideal.bit(cfg.barrier, -x, cfg.temperature)
                for x in np.linspace(0.0, cfg.tilt, cfg.steps + 1)]
    else:
        land = [device.landscape(c, cfg.temperature) for c in device_controls(cfg, device)]
    if reverse:
        land = land[::-1]
    dt = cfg.duration / cfg.steps
    times, energies, saddles = [0.0], [], []
    energies.append(land[0][0])
    saddles.append(land[0][1])
    for k in range(1, cfg.steps + 1):
        times += [(k - 1) * dt, k * dt]
        energies += [land[k][0], land[k][0]]
        saddles += [land[k][1], land[k][1]]
    tags = ["update"] * (len(times) - 1)
    return sc.Protocol(times, energies, saddles, tags)


def _jarzynski(w: np.ndarray, kT: float):
    """``(⟨exp(-W/kT)⟩, its standard error)`` from per-cell works ``w`` (J)."""
    x = np.exp(-w / kT)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))


def crooks_bins(w_f: np.ndarray, w_r: np.ndarray, kT: float, bins: int):
    """Per bin of forward work with at least ``MIN_BIN_COUNT`` samples in both directions:
    ``w_b`` (J, the bin's exponential mean), ``ln(P_F/P_R)`` and its variance."""
    lo = min(w_f.min(), (-w_r).min())
    hi = max(w_f.max(), (-w_r).max())
    edges = np.linspace(lo, hi + 1e-9 * (abs(hi) + kT), bins + 1)
    i_f = np.clip(np.searchsorted(edges, w_f, side="right") - 1, 0, bins - 1)
    i_r = np.clip(np.searchsorted(edges, -w_r, side="right") - 1, 0, bins - 1)
    n_f = np.bincount(i_f, minlength=bins)
    n_r = np.bincount(i_r, minlength=bins)
    s_f = np.bincount(i_f, weights=np.exp(-(w_f - w_f.min()) / kT), minlength=bins)
    ok = (n_f >= MIN_BIN_COUNT) & (n_r >= MIN_BIN_COUNT)
    w_b = w_f.min() - kT * np.log(s_f[ok] / n_f[ok])
    y = np.log(n_f[ok] / w_f.size) - np.log(n_r[ok] / w_r.size)
    var = 1.0 / n_f[ok] + 1.0 / n_r[ok]
    return edges, n_f, n_r, w_b, y, var


def _line_fit(x, y, var):
    """Weighted fit ``y = s x + c``: ``(s, c, cov)``."""
    a = np.column_stack([x, np.ones_like(x)])
    w = 1.0 / var
    cov = np.linalg.inv(a.T @ (w[:, None] * a))
    s, c = cov @ (a.T @ (w * y))
    return float(s), float(c), cov


@dataclass(frozen=True, kw_only=True, eq=False)
class Drive:
    """One direction of the staircase, from equilibrium.

    Attributes
    ----------
    protocol : simcore.Protocol
        The staircase (forward) or its exact time reversal.
    sim : Simulated
        Monte Carlo ledger with per-cell works (J) and master equation.
    jarzynski, jarzynski_se : float
        ``⟨exp(-W/kT)⟩`` over the cells and its standard error.
    """

    protocol: sc.Protocol
    sim: Simulated
    jarzynski: float
    jarzynski_se: float


@dataclass(frozen=True, kw_only=True, eq=False)
class Result(ResultBase):
    """Both drives and the binned Crooks ratio; ``seeds`` has the streams ``forward`` and
    ``reverse`` (the cells driven in each direction).

    Attributes
    ----------
    delta_f : float
        Equilibrium free-energy change of the forward drive, exact (J).
    forward, reverse : Drive
    edges : ndarray, shape (bins + 1,)
        Histogram bin edges of the forward works and of minus the reverse works (J).
    n_forward, n_reverse : ndarray of int, shape (bins,)
        Counts per bin.
    bin_work : ndarray, shape (B,)
        ``-kT ln⟨exp(-W/kT)⟩`` of the forward works in each of the B bins used (J).
    ln_ratio, ln_ratio_var : ndarray, shape (B,)
        ``ln(P_F(W)/P_R(-W))`` in those bins and its variance.
    slope, slope_se : float
        Fitted slope of ``ln_ratio`` against ``bin_work/kT`` and its standard error.
    crossing, crossing_se : float
        Work where ``ln_ratio`` crosses 0, and its standard error (J).
    device : object
        The device (``devices.IdealBit`` by default).
    reference : Config
        The config the drives ran at: ``config``, or on a device ``config`` with its attempt
        frequency and :func:`device_duration`.
    controls : ndarray or None
        The device's control on each stair (None on the ideal cell).
    """

    config: Config
    delta_f: float
    forward: Drive
    reverse: Drive
    edges: np.ndarray
    n_forward: np.ndarray
    n_reverse: np.ndarray
    bin_work: np.ndarray
    ln_ratio: np.ndarray
    ln_ratio_var: np.ndarray
    slope: float
    slope_se: float
    crossing: float
    crossing_se: float
    device: object = None
    reference: Config | None = None
    controls: np.ndarray | None = None


def _drive(cfg: Config, reverse: bool, seed: int, progress: bool, device=None) -> Drive:
    p = staircase(cfg, reverse, device)
    sim = simulate(cfg, p, cfg.duration / cfg.steps, "equilibrium", seed, progress=progress,
                   record_per_cell=True)
    j, se = _jarzynski(sim.mc.work.per_cell, sc.kT(cfg.temperature))
    return Drive(protocol=p, sim=sim, jarzynski=j, jarzynski_se=se)


def run(cfg: Config, progress: bool = False) -> Result:
    """Drive both directions (on a device, by its control), then fit the binned Crooks
    ratio."""
    user, dev, on = cfg, devkey.resolve(cfg.device), cfg.device != devkey.IDEAL
    if on:
        cfg = dataclasses.replace(cfg, attempt_frequency=dev.attempt_frequency,
                                  duration=device_duration(cfg, dev))
    seeds = Seeds(cfg.seed)
    kT = sc.kT(cfg.temperature)
    outer = bar(2, NAME, progress)
    fwd = _drive(cfg, False, seeds.seed("forward"), progress, dev if on else None)
    outer.update()
    rev = _drive(cfg, True, seeds.seed("reverse"), progress, dev if on else None)
    outer.update()
    outer.close()
    e0, _ = fwd.protocol.start
    e1, _ = fwd.protocol.end
    delta_f = sc.free_energy(e1, kT) - sc.free_energy(e0, kT)
    edges, n_f, n_r, w_b, y, var = crooks_bins(fwd.sim.mc.work.per_cell,
                                               rev.sim.mc.work.per_cell, kT, cfg.bins)
    s, c, cov = _line_fit(w_b / kT, y, var)
    # crossing of ln(P_F/P_R) = 0: W* = -c/s (kT), variance by the delta method
    g = np.array([c / s**2, -1.0 / s])
    cross_se = float(np.sqrt(g @ cov @ g))
    return Result(
        config=user, device=dev, reference=cfg,
        controls=device_controls(cfg, dev) if on else None,
        seeds=seeds, delta_f=float(delta_f), forward=fwd, reverse=rev,
        edges=edges, n_forward=n_f, n_reverse=n_r, bin_work=w_b, ln_ratio=y, ln_ratio_var=var,
        slope=s, slope_se=float(np.sqrt(cov[0, 0])), crossing=-c / s * kT,
        crossing_se=cross_se * kT,
    )


def _directions(result: Result):
    return (("forward", 1, result.forward), ("reverse", -1, result.reverse))


def checks(result: Result) -> list[dict]:
    """⟨W⟩ vs master and the second law (Gaussian), Jarzynski per direction (Gaussian), and the
    Crooks line fitted over the histogram bins (Student t with bins - 2 degrees of freedom: the
    bins' log ratios are noisy where counts are small); family-wise (``assemble``)."""
    kT, df = result.kT, result.delta_f
    out = []
    for i, (label, sign, d) in enumerate(_directions(result)):
        r, m = d.sim.mc, d.sim.master
        out.append(check(check_key("work_vs_master", i), f"⟨W⟩ {label} vs master",
                         r.work.mean / kT, m.work / kT, se=r.work.stderr / kT, tolerance=1e-12,
                         unit="kT"))
        out.append(check(check_key("second_law", i), f"⟨W⟩ {label} >= ΔF (second law)",
                         r.work.mean / kT, sign * df / kT, se=r.work.stderr / kT, kind="lower",
                         unit="kT"))
        out.append(check(check_key("jarzynski", i),
                         f"Jarzynski per cell, {label}: ⟨exp(-W/kT)⟩ vs exp(∓ΔF/kT)",
                         d.jarzynski, np.exp(-sign * df / kT), se=d.jarzynski_se))
    dof = max(int(np.count_nonzero(np.isfinite(result.ln_ratio))) - 2, 1)
    out.append(check("crooks_slope", "Crooks: slope of ln(P_F(W)/P_R(-W)) against W/kT",
                     result.slope, 1.0, se=result.slope_se, dof=dof,
                     keys=("bins", "n_cells"), informative=1.0))
    out.append(check("crooks_crossing", "Crooks: crossing P_F(W) = P_R(-W) at W = ΔF",
                     result.crossing / kT, df / kT, se=result.crossing_se / kT, dof=dof,
                     unit="kT"))
    return assemble(out)


def report(result: Result) -> str:
    cfg, kT, df = result.reference or result.config, result.kT, result.delta_f
    lines = [] if cfg.device == devkey.IDEAL else _device_lines(result)
    lines += [
        f"{NAME}: {cfg.n_cells} cells per direction, T = {cfg.temperature:g} K, tilt 0 -> "
        f"{cfg.tilt:g} kT in {cfg.steps} stairs over {cfg.duration:g} s at "
        + (f"barrier {cfg.barrier:g} kT" if cfg.device == devkey.IDEAL
           else "the device's barriers") + f" ({cfg.kinetics})",
        f"ΔF = {df / kT:.5f} kT (exact)",
    ]
    for label, sign, d in _directions(result):
        r, m = d.sim.mc, d.sim.master
        j, se = d.jarzynski, d.jarzynski_se
        lines.append(
            f"{label:8s} ⟨W⟩ = {r.work.mean / kT:.5f} ± {r.work.stderr / kT:.5f} kT"
            f" (master {m.work / kT:.5f}); ⟨exp(-W/kT)⟩ = {j:.5f} ± {se:.5f}"
            f" vs exp({-sign * df / kT:+.5f}) = {np.exp(-sign * df / kT):.5f}"
            f" (ratio {j / np.exp(-sign * df / kT):.5f})"
        )
    lines.append(f"Crooks: slope {result.slope:.4f} ± {result.slope_se:.4f} (1 exact), crossing"
                 f" {result.crossing / kT:.4f} ± {result.crossing_se / kT:.4f} kT"
                 f" (ΔF = {df / kT:.4f} kT), {result.bin_work.size} bins used")
    return "\n".join(lines)


def _device_lines(result: Result) -> list[str]:
    """The device, its drive (controls, duration, barriers) and the hops it makes."""
    cfg, kT = result.reference, result.kT
    dev, c = result.device, result.controls
    b_start = cell.barriers(dev, c[0], cfg.temperature)
    b_end = cell.barriers(dev, c[-1], cfg.temperature)
    hops = [d.sim.master.activity for _, _, d in _directions(result)]
    return [
        devkey.describe(cfg.device, dev),
        f"drive by the device's control {c[0]:.4g} -> {c[-1]:.4g} (device unit) over"
        f" {cfg.duration:.4g} s ({cfg.duration / sc.YEAR:.3g} years; {cfg.device_relaxations:g}"
        f" rest relaxation times) at f0 = {cfg.attempt_frequency:.4g} Hz; barriers (E_01, E_10)"
        f" ({b_start[0] / kT:.4g}, {b_start[1] / kT:.4g}) kT at rest, ({b_end[0] / kT:.4g},"
        f" {b_end[1] / kT:.4g}) kT at the end; expected hops per cell: forward {hops[0]:.4g},"
        f" reverse {hops[1]:.4g}",
    ]


def data(result: Result) -> dict:
    fwd, rev = result.forward.sim, result.reverse.sim
    extra = {}
    if result.controls is not None:
        extra["device"] = devkey.tree(result.config.device, result.device)
        extra["device"]["controls"] = quantity(result.controls, "",
                                               "control on each stair (device unit)")
        extra["device"]["duration"] = quantity(result.reference.duration, "s",
                                               "duration of the drive")
        extra["device"]["attempt_frequency"] = quantity(result.reference.attempt_frequency,
                                                        "Hz")
        extra["device"]["hops_forward"] = quantity(fwd.master.activity, "",
                                                   "expected hops per cell, forward")
        extra["device"]["hops_reverse"] = quantity(rev.master.activity, "")
    return {
        **extra,
        "delta_f": energy(result.delta_f, "equilibrium free-energy change, forward"),
        "forward": {
            "work": energy(fwd.mc.work.per_cell, "work of each cell, forward staircase"),
            "work_master": energy(fwd.master.work),
        },
        "reverse": {
            "work": energy(rev.mc.work.per_cell, "work of each cell, reversed staircase"),
            "work_master": energy(rev.master.work),
        },
        "crooks": {
            "edges": energy(result.edges, "histogram bin edges (forward W, reverse -W)"),
            "count_forward": quantity(result.n_forward, ""),
            "count_reverse": quantity(result.n_reverse, "", "counts of -W_R"),
            "bin_work": energy(result.bin_work,
                               "-kT ln⟨exp(-W/kT)⟩ of the forward works in bin"),
            "ln_ratio": quantity(result.ln_ratio, "", "ln(P_F(W)/P_R(-W))"),
            "ln_ratio_var": quantity(result.ln_ratio_var, ""),
            "slope": quantity(result.slope, "1/kT", "fitted slope, in units of 1/kT"),
            "crossing": energy(result.crossing),
        },
        "seeds": seeds_tree(result.seeds),
    }


def plot(res, outdir) -> list[str]:
    kT = res.attrs["kT"]
    df = float(res["delta_f"]) / kT
    stems: list[str] = []
    edges = res["crooks/edges"] / kT
    width = np.diff(edges)
    with figure(outdir, "work_histograms", stems) as (_fig, ax):
        n_f, n_r = res["crooks/count_forward"], res["crooks/count_reverse"]
        ax.stairs(n_f / n_f.sum() / width, edges, label="P_F(W), forward")
        ax.stairs(n_r / n_r.sum() / width, edges, label="P_R(-W), reverse")
        ax.axvline(df, color="k", ls="--", label=f"ΔF = {df:.3f} kT")
        ax.set(yscale="log", xlabel="work W (kT)", ylabel="probability density (1/kT)",
               title="work distributions of the forward and reversed staircase")
        ax.legend()
    with figure(outdir, "crooks", stems) as (_fig, ax):
        x = res["crooks/bin_work"] / kT
        y = res["crooks/ln_ratio"]
        ax.errorbar(x, y, 4 * np.sqrt(res["crooks/ln_ratio_var"]), fmt="o", mfc="none",
                    label="Monte Carlo bins (±4 s.e.)")
        xx = np.linspace(x.min(), x.max(), 50)
        ax.plot(xx, xx - df, "k-", label="Crooks: (W - ΔF)/kT")
        ax.set(xlabel="bin work W (kT)", ylabel="ln P_F(W) / P_R(-W)",
               title=f"Crooks, fitted slope {float(res['crooks/slope']):.4f}")
        ax.legend()
    with figure(outdir, "jarzynski_convergence", stems) as (_fig, ax):
        for key, sign in (("forward", 1), ("reverse", -1)):
            w = res[f"{key}/work"] / kT
            n = np.arange(1, w.size + 1)
            est = -np.log(np.cumsum(np.exp(-w)) / n)
            k = np.unique(np.geomspace(1, w.size, 300).astype(int)) - 1
            ax.plot(n[k], sign * est[k], label=f"{key}: {'' if sign > 0 else '-'}"
                    "(-kT ln⟨exp(-W/kT)⟩)")
            ax.plot(n[k], sign * np.cumsum(w)[k] / n[k], ls=":",
                    label=f"{key}: {'' if sign > 0 else '-'}⟨W⟩")
        ax.axhline(df, color="k", ls="--", label="ΔF")
        ax.set(xscale="log", xlabel="number of cells averaged",
               ylabel="free-energy estimate (kT)", title="Jarzynski estimate against cells")
        ax.legend()
    return stems


def memory_estimate(cfg: Config) -> float:
    """Bytes beyond the fixed overhead: the per-cell ledgers of the forward and the reverse
    drive, held together (measured 76 bytes per ``n_cells``; estimate 128)."""
    return ledger_memory(cfg, arrays=2)


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot,
                        memory_estimate=memory_estimate)

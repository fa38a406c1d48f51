"""The update wall: energy per update against precision and write time, for a barrier held at
its retention value (tilt-only write) and for a barrier lowered during the write.

An update overwrites a bit of unknown old value (1/2, 1/2) with the value 0 within the write time
τ_w, failing with probability ε. With the barrier fixed at a retention value E_B the source well
must be lifted by about ``E_B - kT ln(f0 τ_w / ln(1/ε))`` and the lift is dissipated on every
flip (docs/theory.md §5, ``bounds.static_write_cost``); here the tilt is solved exactly
(``bounds.static_write_tilt(exact=True)``) so the failure is ε by construction and the heat per
changed bit is exactly ``tilt (1 - ε)``. Lowering the barrier during the write (the four-ramp
erasure of ``landauer_erasure`` with equilibrium error ε) costs only the generalised Landauer
bound ``kT [ln 2 - H(ε)]`` plus a finite-time excess, drawn against the glauber geodesic
``landauer + 4 (π/4 - arcsin √ε)² kT/(f0 τ_w)`` (Sivak & Crooks 2012,
doi:10.1103/PhysRevLett.108.190602; Proesmans, Ehrich & Bechhoefer 2020,
doi:10.1103/PhysRevLett.125.100602).

On a device (``device = <preset or TOML file>``) the static write is the device's own write
pulse: a rectangular pulse of its control (an MTJ's spin current, an RRAM's voltage, a double
well's force, a table's control) lasting τ_w, solved exactly (``devices.cell.write_control``)
so that a cell in level 1 ends in level 0 with probability 1 - ε, at the device's own barriers
and attempt frequency; the ledger then books the heat on its effective landscape and, beside it,
the electrical energy the pulse draws (``write_energy``: I²R for an MTJ with R_P/R_AP, V·I·t for
an RRAM with its HRS/LRS resistances; NaN for a device without an electrical model). The
lowered-barrier write needs a barrier control independent of the tilt, which a one-control
device lacks: it stays the ideal cell's, at the device's mean rest barrier and attempt
frequency, as the reference of what the physics allows. A device that cannot write within
τ_w at failure ε, or that is not a two-state bit (a multi-level chain), is refused with the
config.

FN-DAM (``device = fn_dam_synapse`` or a ``model = "fn_dam"`` file) stores a multi-level analog
value: its update is a step of ``update_levels`` levels (``errors`` do not apply) within τ_w at
age ``fn_dam_ops.UPDATE_AGE``, by one injection pulse whose amplitude is solved so that the mean
move is the step (``experiments.fn_dam_ops.update``). Its precision is set by electron shot
noise: the pulsed gate's ``I_p τ_w/q`` and the other gate's leak are Poisson counts, so the move
spreads by ``√(n_p + n_o)/N_e`` levels, ``log2(step/spread)`` bits; drawn beside the chain
(whose spread is that of whole levels). The report gives the model's W and Q and the electrical
energy ``q (V + V_p)`` per electron against write time and precision, beside the published
energy per update. A pulse beyond the model's range (``fn_dam_ops.max_amplitude``) is refused
naming ``write_times``, a step too close to the chain's end naming ``update_levels``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from dataclasses import dataclass

import numpy as np

import simcore as sc
from devices import cell, ideal
from devices.presets import PUBLISHED_WRITE_ENERGY
from experiments import device as devkey
from experiments import fn_dam_ops
from experiments.checks import assemble, check, check_key, count_check
from experiments.common import bar, energy, figure, mean_pm, quantity, seeds_tree
from experiments.config import CellsConfig, device_field, field, n_cells_field
from experiments.contract import Experiment
from experiments.fn_dam_hold import is_fn_dam
from experiments.results import ResultBase, Simulated, column, simulate
from simcore import bounds
from simcore.seeds import Seeds

NAME = "update_wall"
SUMMARY = "energy per update vs precision and write time: static barrier vs lowered barrier"


@dataclass(frozen=True, kw_only=True)
class Config(CellsConfig):
    n_cells: int = n_cells_field(100_000, "cells per point")
    barrier: float = field(40.0, "kT", "retention barrier (held during a static write)", low=1,
                           high=200)
    low_barrier: float = field(0.0, "kT", "barrier during a lowered-barrier write", low=0,
                               high=200)
    errors: tuple[float, ...] = field((1e-1, 1e-2, 1e-3), "", "write failure probabilities ε",
                                      low=0, open_low=True, high=0.4)
    write_times: tuple[float, ...] = field((1e-8, 1e-7, 1e-6), "s", "write times τ_w", low=0,
                                           open_low=True)
    steps: int = field(800, "", "time steps of a lowered-barrier write", low=8, high=10**7)
    update_levels: tuple[float, ...] = field((1.0, 2.0, 4.0), "levels",
                                             "update steps of an FN-DAM value (FN-DAM only)",
                                             low=0, open_low=True)
    device: str = device_field()

    def smoke(self) -> Config:
        return dataclasses.replace(self, n_cells=30_000, errors=(1e-1, 1e-2),
                                   write_times=(1e-8, 1e-6), steps=200, update_levels=(1.0, 4.0))

    def check(self) -> None:
        if self.device == devkey.IDEAL:
            return
        dev = devkey.resolve(self.device)
        if is_fn_dam(dev):
            fn_dam_ops.require_steps(dev, self.update_levels)
            for tw, k in itertools.product(self.write_times, self.update_levels):
                fn_dam_ops.update_amplitude(dev, fn_dam_ops.UPDATE_AGE, tw, k,
                                            name="write_times")
            return
        cell.require_two_state(dev, self.device, NAME, "a two-state bit with a write control")
        for tw, eps in itertools.product(self.write_times, self.errors):
            cell.write_control(dev, eps, tw, temperature=self.temperature, name=self.device)


#: The tilt-only write over a static saddle (``devices.ideal.static_write``).
static_write = ideal.static_write


def lowered_write(cfg: Config, error: float, write_time: float) -> sc.Protocol:
    """Lower the barrier, tilt to equilibrium error ``error``, raise, untilt: four ramps."""
    x = np.log((1 - error) / error)
    return ideal.four_ramp(cfg.barrier, cfg.low_barrier, x, write_time, "update",
                           cfg.temperature)


@dataclass(frozen=True, kw_only=True, eq=False)
class Write:
    """The two writes at one write time and failure probability.

    Attributes
    ----------
    write_time : float
        Write time τ_w (s).
    error : float
        Target failure probability ε.
    tilt : float
        Exact static-write tilt for ε: E1 - E0 during the write (J).
    static : Simulated
        Tilt-only write over the retention barrier (stream ``static_write[j,k]``).
    lowered : Simulated
        Four-ramp write with the barrier lowered (stream ``lowered_write[j,k]``).
    static_estimate : float
        ``static_write_cost / 2``: the estimate for a random old bit (J).
    landauer : float
        ``landauer_erasure(1 - ε)`` (J).
    geodesic : float
        ``landauer + geodesic_erasure_excess(ε, τ_w, Γ = f0)`` (J).
    control : float
        The device's write control (its unit; NaN for the ideal cell, whose control is the
        tilt).
    failure : float
        Exact two-state fraction of cells not in level 0 after the static write.
    electrical : float
        Electrical energy of the static write per update (J per cell): the electrical
        ledger's Monte Carlo column (``static.electrical``); the closed form without a ledger,
        0 for the ideal cell.
    device_write : experiments.device.DeviceWrite or None
        The device's write pulse (None on the ideal cell).
    """

    write_time: float
    error: float
    tilt: float
    static: Simulated
    lowered: Simulated
    static_estimate: float
    landauer: float
    geodesic: float
    control: float = float("nan")
    failure: float = float("nan")
    electrical: float = 0.0
    device_write: devkey.DeviceWrite | None = None


@dataclass(frozen=True, kw_only=True, eq=False)
class Result(ResultBase):
    """Both writes at every write time and failure probability; ``seeds`` has two streams per
    point, ``static_write[j,k]`` and ``lowered_write[j,k]`` for write time j and error k.

    Attributes
    ----------
    writes : tuple of Write
        One per (write time, error), write times outermost.
    device : object
        The device the writes ran on (``devices.IdealBit`` by default).
    barrier : float
        Retention barrier (J): ``config.barrier``, or the device's mean rest barrier.
    attempt_frequency : float
        Attempt frequency (Hz): ``config.attempt_frequency``, or the device's.
    fn_dam : tuple of experiments.fn_dam_ops.FnDamUpdate
        On an FN-DAM cell, one per (write time, step), write times outermost (``writes`` is
        then empty); streams ``fn_dam_update[j,k]`` and ``fn_dam_electrons[j,k]``.
    """

    config: Config
    writes: tuple[Write, ...]
    device: object = None
    barrier: float = float("nan")
    attempt_frequency: float = float("nan")
    fn_dam: tuple = ()


def _run_fn_dam(cfg: Config, dev, progress: bool) -> Result:
    """Every (write time, step) update of an FN-DAM value, at the device's f0."""
    cfg_run = dataclasses.replace(cfg, attempt_frequency=dev.attempt_frequency)
    seeds = Seeds(cfg.seed)
    grid = list(itertools.product(enumerate(cfg.write_times), enumerate(cfg.update_levels)))
    outer = bar(len(grid), NAME, progress)
    rows = []
    for (j, tw), (k, step) in grid:
        rows.append(fn_dam_ops.update(cfg_run, dev, tw, step, seeds, j, k, progress))
        outer.update()
    outer.close()
    return Result(config=cfg, seeds=seeds, writes=(), device=dev,
                  attempt_frequency=dev.attempt_frequency, fn_dam=tuple(rows))


def run(cfg: Config, progress: bool = False) -> Result:
    """Both writes for every write time and failure probability (on ``cfg.device``)."""
    dev = devkey.resolve(cfg.device)
    if is_fn_dam(dev):
        return _run_fn_dam(cfg, dev, progress)
    on_device = cfg.device != devkey.IDEAL
    if on_device:
        # the device's own barrier and attempt frequency; the lowered write is the ideal cell's
        cfg_run = dataclasses.replace(cfg, attempt_frequency=dev.attempt_frequency,
                                      barrier=devkey.rest_barrier(dev, cfg.temperature))
    else:
        cfg_run = cfg
    f0 = cfg_run.attempt_frequency
    seeds = Seeds(cfg.seed)
    e_b = cfg_run.barrier * sc.kT(cfg.temperature)
    writes = []
    grid = list(itertools.product(enumerate(cfg.write_times), enumerate(cfg.errors)))
    outer = bar(len(grid), NAME, progress)
    for (j, tw), (k, eps) in grid:
        extra = {}
        if on_device:
            dw = devkey.device_write(dev, cfg.device, eps, tw, cfg.temperature, "update")
            tilt, static = dw.tilt, dw.protocol
            extra = {"control": dw.control, "failure": dw.failure, "electrical": dw.electrical,
                     "device_write": dw}
        else:
            tilt = bounds.static_write_tilt(e_b, tw, eps, f0, cfg.temperature, exact=True)
            static = static_write(e_b, tilt, tw)
        st = simulate(cfg_run, static, tw, [0.5, 0.5], seeds.seed("static_write", j, k),
                      progress=progress,
                      powers=extra["device_write"].powers if on_device else None)
        if st.electrical is not None:  # the ledger's Monte Carlo column, per update
            extra["electrical"] = st.electrical_total().mean
        lw = simulate(cfg_run, lowered_write(cfg_run, eps, tw), tw / cfg.steps, [0.5, 0.5],
                      seeds.seed("lowered_write", j, k), progress=progress)
        landauer = bounds.landauer_erasure(1 - eps, cfg.temperature)
        writes.append(Write(
            write_time=tw, error=eps, tilt=tilt, static=st, lowered=lw,
            static_estimate=0.5 * bounds.static_write_cost(e_b, tw, eps, f0, cfg.temperature),
            landauer=landauer,
            geodesic=landauer + bounds.geodesic_erasure_excess(eps, tw, f0, cfg.temperature),
            **extra,
        ))
        outer.update()
    outer.close()
    return Result(config=cfg, seeds=seeds, writes=tuple(writes), device=dev, barrier=e_b,
                  attempt_frequency=f0)


def checks(result: Result) -> list[dict]:
    """Heat vs master (Gaussian), error counts vs master (Clopper–Pearson), the generalised
    Landauer bound (one-sided), the exact tilt's failure (round-off) and heat; family-wise
    (``assemble``)."""
    kT, cfg = result.kT, result.config
    n = cfg.n_cells
    out = []
    if result.fn_dam:
        for i, u in enumerate(result.fn_dam):
            out += fn_dam_ops.update_checks(i, u, result.device, kT)
        return assemble(out)
    for i, w in enumerate(result.writes):
        tag = f"τ_w = {w.write_time:.3g} s, ε = {w.error:.3g}"
        for kind, sim in (("static", w.static), ("lowered", w.lowered)):
            r, m = sim.mc, sim.master
            out.append(check(check_key(f"{kind}_heat_vs_master", i),
                             f"{kind}: heat vs master, {tag}", r.heat.mean / kT, m.heat / kT,
                             se=r.heat.stderr / kT, tolerance=1e-12, unit="kT"))
            out.append(count_check(check_key(f"{kind}_error_vs_master", i),
                                   f"{kind}: error vs master, {tag}", r.occupancy[1] * n, n,
                                   m.occupancy[1]))
            out.append(check(check_key(f"{kind}_heat_above_landauer", i),
                             f"{kind}: heat >= generalised Landauer at the MC error, {tag}",
                             r.heat.mean / kT,
                             bounds.landauer_erasure(r.occupancy[0], cfg.temperature) / kT,
                             se=r.heat.stderr / kT, kind="lower", unit="kT"))
        r, m = w.static.mc, w.static.master
        if cfg.device != devkey.IDEAL:
            out += devkey.write_checks(i, tag, w.device_write, w.static, kT)
            continue
        # half the cells start in the source: failure ε/2 plus the negligible target leak
        out.append(check(check_key("static_tilt_failure", i),
                         f"static: exact tilt gives failure ε on changed bits, {tag}",
                         2 * m.occupancy[1], w.error, tolerance=1e-6 * w.error))
        out.append(check(check_key("static_heat_vs_tilt", i),
                         f"static: heat = tilt (1 - ε)/2 per update, {tag}", r.heat.mean / kT,
                         w.tilt * (1 - w.error) / 2 / kT, se=r.heat.stderr / kT, tolerance=1e-9,
                         unit="kT"))
    return assemble(out)


def report(result: Result) -> str:
    kT, cfg = result.kT, result.config
    if result.fn_dam:
        return _fn_dam_report(result)
    barrier = cfg.barrier if cfg.device == devkey.IDEAL else result.barrier / kT
    lines = [f"{NAME}: {cfg.n_cells} cells per point, retention barrier {barrier:g} kT,"
             f" lowered to {cfg.low_barrier:g} kT; energies per update (random old bit) in kT",
             f"{'τ_w (s)':>8} {'ε':>7} {'static MC':>17} {'estimate':>9} {'err':>8}"
             f" {'lowered MC':>17} {'err':>8} {'Landauer':>9} {'geodesic':>9}"]
    for w in result.writes:
        rs, rl = w.static.mc, w.lowered.mc
        lines.append(
            f"{w.write_time:8.2g} {w.error:7.2g} {mean_pm(rs.heat, kT)}"
            f" {w.static_estimate / kT:9.4f} {rs.occupancy[1]:8.2g} {mean_pm(rl.heat, kT)}"
            f" {rl.occupancy[1]:8.2g} {w.landauer / kT:9.4f} {w.geodesic / kT:9.4f}")
    if cfg.device != devkey.IDEAL:
        lines.insert(1, devkey.describe(cfg.device, result.device))
        lines.append(_energy_table(result))
    return "\n".join(lines)


def _energy_table(result: Result) -> str:
    """Thermodynamic vs electrical energy of the device's write, per operation (an update of
    a random old bit) and per bit written (a cell that changed level)."""
    kT = result.kT
    lines = [f"device write at its barrier {result.barrier / kT:.4g} kT and f0 ="
             f" {result.attempt_frequency:.4g} Hz: thermodynamic vs electrical energy (fJ)",
             f"{'τ_w (s)':>8} {'ε':>7} {'control':>11} {'heat/op':>10} {'work/op':>10}"
             f" {'elec/op':>10} {'heat/bit':>10} {'elec/bit':>10} {'elec/heat':>10}"]
    for w in result.writes:
        r = w.static.mc
        changed = 0.5 - w.failure  # fraction of cells written from 1 to 0, on average
        fj = 1e15
        lines.append(
            f"{w.write_time:8.2g} {w.error:7.2g} {w.control:11.4g} {r.heat.mean * fj:10.4g}"
            f" {r.work.mean * fj:10.4g} {w.electrical * fj:10.4g}"
            f" {r.heat.mean / changed * fj:10.4g} {w.electrical / changed * fj:10.4g}"
            f" {w.electrical / r.heat.mean:10.4g}")
    return "\n".join(lines)


def data(result: Result) -> dict:
    if result.fn_dam:
        return _fn_dam_data(result)
    writes = result.writes
    col = functools.partial(column, writes)
    out = {
        "write_time": quantity(col(lambda w: w.write_time), "s"),
        "error": quantity(col(lambda w: w.error), "", "target failure probability ε"),
        "tilt": energy(col(lambda w: w.tilt), "exact static-write tilt"),
        "n_cells": quantity(result.config.n_cells, ""),
        "bounds": {
            "static_estimate": energy(col(lambda w: w.static_estimate),
                                      "static_write_cost / 2 (random old bit)"),
            "landauer": energy(col(lambda w: w.landauer), "landauer_erasure(1 - ε)"),
            "geodesic": energy(col(lambda w: w.geodesic),
                               "landauer + geodesic_erasure_excess(ε, τ_w, Γ = f0)"),
        },
    }
    for kind in ("static", "lowered"):
        sims = [getattr(w, kind) for w in writes]
        elec = col(lambda w: w.electrical) if kind == "static" else np.zeros(len(writes))
        ledger = [s.electrical_total() for s in sims]
        out[kind] = {
            "electrical": energy(elec, "electrical energy drawn per update (0: ideal cell;"
                                 " the ledger's Monte Carlo column on a device)"),
            "electrical_stderr": energy([e.stderr for e in ledger], "NaN: no ledger"),
            "electrical_master": energy([e.master for e in ledger], "NaN: no ledger"),
            "heat": energy([s.mc.heat.mean for s in sims], "heat per update"),
            "heat_stderr": energy([s.mc.heat.stderr for s in sims]),
            "work": energy([s.mc.work.mean for s in sims]),
            "error": quantity(np.array([s.mc.occupancy[1] for s in sims]), "",
                              "fraction of cells not in the target"),
            "heat_master": energy([s.master.heat for s in sims]),
            "error_master": quantity(np.array([s.master.occupancy[1] for s in sims]), ""),
        }
    if result.config.device != devkey.IDEAL:
        out["device"] = devkey.tree(result.config.device, result.device)
        out["device"]["write_control"] = quantity(col(lambda w: w.control), "",
                                                  "control of the write pulse (device unit)")
        out["device"]["write_failure"] = quantity(col(lambda w: w.failure), "",
                                                  "exact fraction not in level 0 after it")
        out["device"]["barrier"] = energy(result.barrier, "mean rest barrier")
        out["device"]["attempt_frequency"] = quantity(result.attempt_frequency, "Hz")
    out["seeds"] = seeds_tree(result.seeds)
    return out


def _plot_energies(res, outdir, stems) -> None:
    """Thermodynamic vs electrical energy of a device's write, per operation (an update of a
    random old bit) and per bit written (a cell that changed level)."""
    tw, eps = res["write_time"], res["error"]
    kT = res.attrs["kT"]
    changed = 0.5 - res["device/write_failure"]
    published = PUBLISHED_WRITE_ENERGY.get(str(res.config["device"]))
    with figure(outdir, "thermodynamic_vs_electrical", stems, size=(10, 4.2), ncols=2) as (
            _fig, ax):
        for a, per, what in ((ax[0], np.ones_like(changed), "operation"),
                             (ax[1], changed, "bit written")):
            for i, e_ in enumerate(np.unique(eps)):
                sel = eps == e_
                a.plot(tw[sel], res["static/electrical"][sel] / per[sel], "o-", color=f"C{i}",
                       label=f"electrical, ε = {e_:g}")
                a.plot(tw[sel], np.abs(res["static/heat"][sel]) / per[sel], "s--",
                       color=f"C{i}", label=f"heat (thermodynamic), ε = {e_:g}")
            a.axhline(kT * np.log(2), color="k", ls=":", label="kT ln 2")
            if published is not None:
                a.axhline(published[0], color="C3", ls="--",
                          label=f"published {published[0] * 1e15:g} fJ {published[1]}")
            a.set(xscale="log", yscale="log", xlabel="write time τ_w (s)",
                  ylabel=f"energy per {what} (J)",
                  title=f"device {res.config['device']}: per {what}")
        ax[0].legend(ncol=2)


def plot(res, outdir) -> list[str]:
    kT = res.attrs["kT"]
    stems: list[str] = []
    if "device/update/levels" in res.data:
        _plot_fn_dam(res, outdir, stems)
        return stems
    tw, eps = res["write_time"], res["error"]
    with figure(outdir, "energy_vs_precision", stems, size=(10, 4.2), ncols=2) as (_fig, ax):
        for i, t in enumerate(np.unique(tw)):
            sel = tw == t
            bits = -np.log2(res["static/error_master"][sel] * 2)
            ax[0].errorbar(bits, res["static/heat"][sel] / kT,
                           4 * res["static/heat_stderr"][sel] / kT, fmt="o", color=f"C{i}",
                           mfc="none", label=f"static barrier, τ_w = {t:.0e} s")
            ax[0].plot(bits, res["bounds/static_estimate"][sel] / kT, "--", color=f"C{i}",
                       lw=0.8)
            b_low = -np.log2(res["lowered/error_master"][sel])
            ax[1].errorbar(b_low, res["lowered/heat"][sel] / kT,
                           4 * res["lowered/heat_stderr"][sel] / kT, fmt="s", color=f"C{i}",
                           mfc="none", label=f"lowered barrier, τ_w = {t:.0e} s")
            ax[1].plot(-np.log2(eps[sel]), res["bounds/geodesic"][sel] / kT, ":",
                       color=f"C{i}", label=f"geodesic, τ_w = {t:.0e} s")
        e = np.geomspace(eps.min() / 3, 0.45, 50)
        land = np.log(2) + e * np.log(e) + (1 - e) * np.log(1 - e)
        ax[1].plot(-np.log2(e), land, "k-", label="generalised Landauer kT[ln 2 - H(ε)]")
        ax[0].set(xlabel="precision -log2(failure on changed bits) (bits)",
                  ylabel="heat per update (kT)",
                  title="tilt-only write over the retention barrier (-- estimate)")
        ax[1].set(xlabel="precision -log2(error) (bits)", ylabel="heat per update (kT)",
                  title="barrier lowered during the write")
        ax[0].legend()
        ax[1].legend()
    with figure(outdir, "energy_vs_write_time", stems) as (_fig, ax):
        for i, e_ in enumerate(np.unique(eps)):
            sel = eps == e_
            ax.plot(tw[sel], res["static/heat"][sel] / kT, "o-", color=f"C{i}",
                    label=f"static, ε = {e_:g}")
            ax.plot(tw[sel], res["lowered/heat"][sel] / kT, "s--", color=f"C{i}",
                    label=f"lowered, ε = {e_:g}")
            ax.plot(tw[sel], res["bounds/landauer"][sel] / kT, ":", color=f"C{i}")
        ax.set(xscale="log", yscale="log", xlabel="write time τ_w (s)",
               ylabel="heat per update (kT)", title="update wall (: Landauer)")
        ax.legend(ncol=2)
    elec = res.data.get("static/electrical", np.zeros(1))
    if np.all(np.isfinite(elec)) and np.any(elec > 0):
        _plot_energies(res, outdir, stems)
    return stems


# ---------------------------------------------------------------------------- FN-DAM
def _fn_dam_report(result: Result) -> str:
    """Energy per update of an FN-DAM value against write time and precision."""
    kT, cfg = result.kT, result.config
    dev = result.device
    pub = PUBLISHED_WRITE_ENERGY.get(cfg.device)
    fj = 1e15
    lines = [f"{NAME}: {cfg.n_cells} cells per point; FN-DAM value updated by a step of levels"
             f" in τ_w at age {fn_dam_ops.UPDATE_AGE:g} s by one injection pulse (mean move ="
             f" step), N_e = {dev.electrons_per_level:.5g} electrons per level, f0 ="
             f" {result.attempt_frequency:.4g} Hz",
             devkey.describe(cfg.device, dev),
             "precision: shot noise of the electrons, spread √(n_p + n_o)/N_e levels, bits ="
             " log2(step/spread); model W, Q (effective chain) in kT; electrical in fJ",
             f"{'τ_w (s)':>8} {'step':>5} {'V_p (V)':>8} {'move MC':>8} {'spread':>8}"
             f" {'e⁻ MC':>8} {'bits':>6} {'W (kT)':>9} {'Q MC (kT)':>17} {'elec (fJ)':>10}"
             f" {'q(V+V_p) (aJ)':>13} {'elec/Q':>9}"]
    for u in result.fn_dam:
        r = u.sim.mc
        x = np.arange(r.occupancy.size) - r.occupancy.size // 2
        el = u.sim.electrical_total().mean
        lines.append(
            f"{u.write_time:8.2g} {u.levels:5g} {u.amplitude:8.4g} {float(r.occupancy @ x):8.4g}"
            f" {u.spread:8.4g} {float(np.std(u.electron_moves, ddof=1)):8.4g} {u.bits:6.3f}"
            f" {r.work.mean / kT:9.4g} {mean_pm(r.heat, kT)} {el * fj:10.4g}"
            f" {u.per_electron(dev) * 1e18:13.4g}"
            f" {el / r.heat.mean:9.3g}")
    if pub is not None:
        lines.append(f"published: {pub[0] * fj:g} fJ {pub[1]} ({pub[2]})")
    lines.append("the chain's own spread is whole levels (√step); the electrons' is shot noise:"
                 " halving the spread (one more bit) takes a 4× step, 4× the charge and energy")
    return "\n".join(lines)


def _fn_dam_data(result: Result) -> dict:
    """The file of an FN-DAM run: the updates per (write time, step) in ``device/update``."""
    rows = result.fn_dam
    col = functools.partial(column, rows)
    dev = result.device
    out = devkey.tree(result.config.device, dev)
    out["attempt_frequency"] = quantity(result.attempt_frequency, "Hz")
    out["electrons_per_level"] = quantity(dev.electrons_per_level, "", "N_e = C ΔV/q")
    mean_move = [float(u.sim.mc.occupancy
                       @ (np.arange(u.sim.mc.occupancy.size) - u.sim.mc.occupancy.size // 2))
                 for u in rows]
    out["update"] = {
        "write_time": quantity(col(lambda u: u.write_time), "s"),
        "levels": quantity(col(lambda u: u.levels), "levels", "intended step"),
        "age": quantity(col(lambda u: u.age), "s"),
        "amplitude": quantity(col(lambda u: u.amplitude), "V", "pulse amplitude V_p"),
        "voltage": quantity(col(lambda u: float(dev.voltage(u.age))), "V",
                            "floating-gate voltage V at the pulse"),
        "electrons": quantity(col(lambda u: u.electrons), "", "mean electrons I_p τ_w/q"),
        "leak_electrons": quantity(col(lambda u: u.leak_electrons), "",
                                   "mean electrons the other gate leaks"),
        "move": quantity(np.array(mean_move), "levels", "chain mean move, Monte Carlo"),
        "spread": quantity(col(lambda u: u.spread), "levels", "shot-noise sd of the move"),
        "spread_electrons": quantity(col(lambda u: float(np.std(u.electron_moves, ddof=1))),
                                     "levels", "sd of the Poisson electron counts' move"),
        "bits": quantity(col(lambda u: u.bits), "bits", "log2(step/spread)"),
        "electrical": energy([u.sim.electrical_total().mean for u in rows],
                             "electrical ledger per update, Monte Carlo"),
        "electrical_master": energy([u.sim.electrical_total().master for u in rows]),
        "per_electron": energy(col(lambda u: u.per_electron(dev)),
                               "q (V + V_p) per electron through the pulsed gate"),
        "electrical_closed_form": energy(col(lambda u: u.electrical),
                                         "charge × voltage per update"),
        "heat": energy([u.sim.mc.heat.mean for u in rows], "model heat per update"),
        "heat_stderr": energy([u.sim.mc.heat.stderr for u in rows]),
        "heat_master": energy([u.sim.master.heat for u in rows]),
        "work": energy([u.sim.mc.work.mean for u in rows]),
    }
    return {"device": out, "n_cells": quantity(result.config.n_cells, ""),
            "seeds": seeds_tree(result.seeds)}


def _plot_fn_dam(res, outdir, stems) -> None:
    """FN-DAM: energy per update against write time and against precision (bits), the
    electrical energy beside the model's heat, kT ln 2 and the published energy per update."""
    kT = res.attrs["kT"]
    tw, k = res["device/update/write_time"], res["device/update/levels"]
    published = PUBLISHED_WRITE_ENERGY.get(str(res.config["device"]))
    with figure(outdir, "fn_dam_update_wall", stems, size=(10, 4.2), ncols=2) as (_fig, ax):
        for i, step in enumerate(np.unique(k)):
            sel = k == step
            ax[0].plot(tw[sel], res["device/update/electrical"][sel], "o-", color=f"C{i}",
                       label=f"electrical, step {step:g} level(s)")
            ax[0].plot(tw[sel], np.abs(res["device/update/heat"][sel]), "s--", color=f"C{i}",
                       label=f"|model heat|, step {step:g}")
        for i, t in enumerate(np.unique(tw)):
            sel = tw == t
            ax[1].plot(res["device/update/bits"][sel], res["device/update/electrical"][sel],
                       "o-", color=f"C{i}", label=f"electrical, τ_w = {t:.0e} s")
        for a in ax:
            a.axhline(kT * np.log(2), color="k", ls=":", label="kT ln 2")
            if published is not None:
                a.axhline(published[0], color="C3", ls="--",
                          label=f"published {published[0] * 1e15:g} fJ {published[1]}")
            a.set(yscale="log", ylabel="energy per update (J)")
            a.legend(fontsize="small")
        ax[0].set(xscale="log", xlabel="write time τ_w (s)",
                  title=f"FN-DAM {res.config['device']}: per update")
        ax[1].set(xlabel="precision log2(step/shot-noise spread) (bits)",
                  title="energy vs precision")


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot)

"""The consolidation wall: copying a value from a fast (low-barrier) memory into a slow
(retention-barrier) memory, against raising the barrier of the same cell in place.

For each retention target t the long-term barrier is ``E_L = bounds.retention_barrier(t, ε)``
(docs/theory.md §4). A copy overwrites the slow cell's unknown old bit by a tilt-only write over E_L
(``devices.ideal.static_write`` with the exact tilt): about ``(E_L - E_w)/2`` per bit
(``bounds.consolidation_copy_cost``). Raising the barrier in place from the short-term value E_S to
E_L moves only the saddle, which costs no work (docs/theory.md §6, checked exactly here); the price
is the bits lost while the barrier is still low (``bounds.raise_error``), each rewritten by a static
write over E_L (``bounds.consolidation_raise_cost``, docs/theory.md §6).

Devices: the experiment takes the ``device`` key but runs only on the ideal cell. Raising a
barrier in place from ``short_barrier`` to each target's E_L needs a barrier control
independent of the stored value; an MTJ, an RRAM, a double well or a table has one control that
tilts its fixed barrier, and the FN-DAM cell's barrier rises on its own log clock (not a
programmable raise), so any other device is refused with the config.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import simcore as sc
from devices import ideal
from devices.ideal import static_write
from experiments import device as devkey
from experiments.checks import assemble, check, check_key, count_check
from experiments.common import bar, binomial_se, energy, figure, mean_pm, quantity, seeds_tree
from experiments.config import CellsConfig, device_field, field, n_cells_field
from experiments.contract import Experiment
from experiments.results import ResultBase, Simulated, column, simulate
from simcore import bounds
from simcore.seeds import Seeds

NAME = "consolidation_wall"
SUMMARY = "copy into a high-barrier memory vs raise the barrier in place, vs retention target"


@dataclass(frozen=True, kw_only=True)
class Config(CellsConfig):
    n_cells: int = n_cells_field(200_000, "cells per point")
    short_barrier: float = field(14.0, "kT", "barrier of the fast (short-term) memory", low=0,
                                 high=200)
    retention_times: tuple[float, ...] = field((1.0, 3600.0, 86400.0, sc.YEAR, 10 * sc.YEAR),
                                               "s", "retention targets", low=0, open_low=True)
    error: float = field(1e-3, "", "failure probability of retention and of writes", low=0,
                         open_low=True, high=0.4)
    write_time: float = field(1e-8, "s", "write time of a copy or a rewrite", low=0,
                              open_low=True)
    raise_time: float = field(1e-6, "s", "time to raise the barrier in place", low=0,
                              open_low=True)
    steps: int = field(400, "", "time steps of the barrier raise", low=4, high=10**7)
    device: str = device_field("the cell: 'ideal' only (a device cannot raise its barrier"
                               " in place)")

    def smoke(self) -> Config:
        return dataclasses.replace(self, n_cells=40_000, retention_times=(1.0, 10 * sc.YEAR),
                                   steps=100)

    def check(self) -> None:
        devkey.refuse(self.device, NAME, "raising the barrier in place needs a barrier control"
                      " independent of the tilt; a device has one control on a fixed barrier")


def raise_in_place(cfg: Config, long_barrier: float) -> sc.Protocol:
    """The short-term barrier raised to ``long_barrier`` (J) over ``raise_time``."""
    return ideal.raise_barrier(cfg.short_barrier, long_barrier, cfg.raise_time, "consolidate",
                               cfg.temperature)


@dataclass(frozen=True, kw_only=True, eq=False)
class Consolidation:
    """Copying against raising in place, for one retention target.

    Attributes
    ----------
    retention : float
        Retention target t (s).
    barrier : float
        Long-term barrier ``E_L = bounds.retention_barrier(t, ε)`` (J).
    tilt : float
        Exact static-write tilt over E_L (J).
    copy : Simulated
        Static write of a random old bit over E_L (stream ``copy[i]``).
    raised : Simulated
        Barrier raised in place from ``short_barrier`` to E_L (stream ``raise[i]``).
    raise_energy, raise_energy_se : float
        Bits lost while raising × the exact rewrite heat per bit, and its standard error (J).
    copy_estimate : float
        ``bounds.consolidation_copy_cost`` (J).
    raise_estimate : float
        ``bounds.consolidation_raise_cost`` (J).
    raise_bound : float
        ``bounds.raise_error``: first-passage bound on the bits lost while raising.
    """

    retention: float
    barrier: float
    tilt: float
    copy: Simulated
    raised: Simulated
    raise_energy: float
    raise_energy_se: float
    copy_estimate: float
    raise_estimate: float
    raise_bound: float


@dataclass(frozen=True, kw_only=True, eq=False)
class Result(ResultBase):
    """Copy and raise for every retention target; ``seeds`` has two streams per target i,
    ``copy[i]`` and ``raise[i]`` (the cells copied into, and the cells raised in place).

    Attributes
    ----------
    consolidations : tuple of Consolidation
        One per ``config.retention_times``, in order.
    """

    config: Config
    consolidations: tuple[Consolidation, ...]


def run(cfg: Config, progress: bool = False) -> Result:
    """Copy and raise in place for every retention target."""
    seeds = Seeds(cfg.seed)
    kT = sc.kT(cfg.temperature)
    rows = []
    outer = bar(len(cfg.retention_times), NAME, progress)
    for i, t_ret in enumerate(cfg.retention_times):
        e_l = bounds.retention_barrier(t_ret, cfg.error, cfg.attempt_frequency, cfg.temperature)
        if e_l <= cfg.short_barrier * kT:
            raise sc.ParameterError("retention_times", t_ret, "targets whose retention barrier"
                                    f" exceeds short_barrier ({cfg.short_barrier:g} kT)")
        tilt = bounds.static_write_tilt(e_l, cfg.write_time, cfg.error, cfg.attempt_frequency,
                                        cfg.temperature, exact=True)
        copy = simulate(cfg, static_write(e_l, tilt, cfg.write_time, "consolidate"),
                        cfg.write_time, [0.5, 0.5], seeds.seed("copy", i), progress=progress)
        raised = simulate(cfg, raise_in_place(cfg, e_l), cfg.raise_time / cfg.steps, 0,
                          seeds.seed("raise", i), progress=progress)
        rewrite = tilt * (1 - cfg.error)  # exact heat of a static write per changed bit
        rows.append(Consolidation(
            retention=t_ret, barrier=e_l, tilt=tilt, copy=copy, raised=raised,
            raise_energy=raised.mc.occupancy[1] * rewrite,
            raise_energy_se=binomial_se(raised.master.occupancy[1], cfg.n_cells) * rewrite,
            copy_estimate=bounds.consolidation_copy_cost(
                e_l, cfg.write_time, cfg.error, cfg.attempt_frequency, cfg.temperature),
            raise_estimate=bounds.consolidation_raise_cost(
                cfg.short_barrier * kT, e_l, cfg.raise_time, cfg.write_time, cfg.error,
                cfg.attempt_frequency, cfg.temperature),
            raise_bound=bounds.raise_error(cfg.short_barrier * kT, e_l, cfg.raise_time,
                                           cfg.attempt_frequency, cfg.temperature),
        ))
        outer.update()
    outer.close()
    return Result(config=cfg, seeds=seeds, consolidations=tuple(rows))


def checks(result: Result) -> list[dict]:
    """Copy heat vs master and vs the tilt (Gaussian), error counts vs master
    (Clopper–Pearson), the raise's zero work and first-passage bound (exact); family-wise
    (``assemble``)."""
    kT, cfg = result.kT, result.config
    n = cfg.n_cells
    out = []
    for i, c in enumerate(result.consolidations):
        tag = f"t = {c.retention:.3g} s"
        rc, mc = c.copy.mc, c.copy.master
        rr, mr = c.raised.mc, c.raised.master
        out.append(check(check_key("copy_heat_vs_master", i), f"copy: heat vs master, {tag}",
                         rc.heat.mean / kT, mc.heat / kT, se=rc.heat.stderr / kT,
                         tolerance=1e-12, unit="kT"))
        out.append(check(check_key("copy_heat_vs_tilt", i),
                         f"copy: heat = tilt (1 - ε)/2 per bit, {tag}", rc.heat.mean / kT,
                         c.tilt * (1 - cfg.error) / 2 / kT, se=rc.heat.stderr / kT, unit="kT"))
        out.append(count_check(check_key("copy_error_vs_master", i),
                               f"copy: error vs master, {tag}", rc.occupancy[1] * n, n,
                               mc.occupancy[1]))
        out.append(check(check_key("raise_work_zero", i),
                         f"raise: work is exactly zero (saddle only), {tag}",
                         abs(rr.work.mean) / kT, 0.0, unit="kT"))
        out.append(count_check(check_key("raise_error_vs_master", i),
                               f"raise: errors vs master, {tag}", rr.occupancy[1] * n, n,
                               mr.occupancy[1]))
        out.append(check(check_key("raise_error_below_first_passage", i),
                         f"raise: errors <= first-passage bound raise_error, {tag}",
                         mr.occupancy[1], c.raise_bound, tolerance=1e-12, kind="upper"))
    return assemble(out)


def report(result: Result) -> str:
    kT, cfg = result.kT, result.config
    lines = [f"{NAME}: {cfg.n_cells} cells per point, short-term barrier {cfg.short_barrier:g}"
             f" kT, ε = {cfg.error:g}, write {cfg.write_time:g} s, raise {cfg.raise_time:g} s;"
             " energy per consolidated bit in kT",
             f"{'retention (s)':>13} {'E_L (kT)':>9} {'copy MC':>17} {'copy est.':>9}"
             f" {'raise errors':>12} {'raise MC':>17} {'raise est.':>10}"]
    for c in result.consolidations:
        rc, rr = c.copy.mc, c.raised.mc
        lines.append(
            f"{c.retention:13.4g} {c.barrier / kT:9.3f} {mean_pm(rc.heat, kT)}"
            f" {c.copy_estimate / kT:9.4f}"
            f" {rr.occupancy[1]:12.3g} {c.raise_energy / kT:9.4f} ±"
            f" {c.raise_energy_se / kT:6.4f} {c.raise_estimate / kT:10.4f}")
    return "\n".join(lines)


def data(result: Result) -> dict:
    col = functools.partial(column, result.consolidations)
    return {
        "retention_time": quantity(col(lambda c: c.retention), "s"),
        "barrier": energy(col(lambda c: c.barrier), "long-term barrier E_L"),
        "tilt": energy(col(lambda c: c.tilt), "exact static-write tilt over E_L"),
        "copy": {
            "heat": energy(col(lambda c: c.copy.mc.heat.mean), "heat per copied bit"),
            "heat_stderr": energy(col(lambda c: c.copy.mc.heat.stderr)),
            "heat_master": energy(col(lambda c: c.copy.master.heat)),
            "estimate": energy(col(lambda c: c.copy_estimate),
                               "bounds.consolidation_copy_cost"),
        },
        "raise": {
            "errors": quantity(col(lambda c: c.raised.mc.occupancy[1]), "",
                               "fraction of cells lost while raising"),
            "errors_master": quantity(col(lambda c: c.raised.master.occupancy[1]), ""),
            "errors_bound": quantity(col(lambda c: c.raise_bound), "",
                                     "bounds.raise_error (first passage)"),
            "work": energy(col(lambda c: c.raised.mc.work.mean)),
            "energy": energy(col(lambda c: c.raise_energy),
                             "errors × exact rewrite heat per bit"),
            "energy_stderr": energy(col(lambda c: c.raise_energy_se)),
            "estimate": energy(col(lambda c: c.raise_estimate),
                               "bounds.consolidation_raise_cost"),
        },
        "seeds": seeds_tree(result.seeds),
    }


def plot(res, outdir) -> list[str]:
    kT = res.attrs["kT"]
    stems: list[str] = []
    t = res["retention_time"]
    with figure(outdir, "energy_per_consolidation", stems) as (_fig, ax):
        ax.errorbar(t, res["copy/heat"] / kT, 4 * res["copy/heat_stderr"] / kT, fmt="o",
                    mfc="none", label="copy into the slow memory, Monte Carlo")
        ax.plot(t, res["copy/estimate"] / kT, "C0--", label="consolidation_copy_cost")
        ax.errorbar(t, res["raise/energy"] / kT, 4 * res["raise/energy_stderr"] / kT, fmt="s",
                    mfc="none", label="raise barrier in place, Monte Carlo")
        ax.plot(t, res["raise/estimate"] / kT, "C1--", label="consolidation_raise_cost")
        ax.set(xscale="log", yscale="log", xlabel="retention target (s)",
               ylabel="energy per consolidated bit (kT)", title="consolidation wall")
        ax.legend()
    with figure(outdir, "raise_errors", stems) as (_fig, ax):
        ax.plot(res["barrier"] / kT, res["raise/errors"], "o", mfc="none", label="Monte Carlo")
        ax.plot(res["barrier"] / kT, res["raise/errors_master"], "k-", label="master equation")
        ax.plot(res["barrier"] / kT, res["raise/errors_bound"], "C2:",
                label="first passage (raise_error)")
        ax.set(yscale="log", xlabel="final barrier E_L (kT)",
               ylabel="fraction lost while raising", title="errors of raising in place")
        ax.legend()
    return stems


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot)

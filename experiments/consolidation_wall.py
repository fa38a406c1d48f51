"""The consolidation wall: copying a value from a fast (low-barrier) memory into a slow
(retention-barrier) memory, against raising the barrier of the same cell in place.

For each retention target t the long-term barrier is ``E_L = bounds.retention_barrier(t, ε)``
(docs/theory.md §4). A copy overwrites the slow cell's unknown old bit by a tilt-only write over E_L
(``devices.ideal.static_write`` with the exact tilt): about ``(E_L - E_w)/2`` per bit
(``bounds.consolidation_copy_cost``). Raising the barrier in place from the short-term value E_S to
E_L moves only the saddle, which costs no work (docs/theory.md §6, checked exactly here); the price
is the bits lost while the barrier is still low (``bounds.raise_error``), each rewritten by a static
write over E_L (``bounds.consolidation_raise_cost``, docs/theory.md §6).

Devices (``device = <preset or TOML file>``): an MTJ, an RRAM, a double well or a table has one
control that tilts a fixed barrier, so it cannot raise its barrier in place; consolidation into
it is a copy by its own write pulse (``experiments.device.device_write``: a rectangular pulse of
``write_time`` that writes level 0 with failure ``error`` on a random old bit), with the
electrical energy the pulse draws beside W and Q, held afterwards behind the device's own rest
barriers (its retention time at ``error`` is the exact two-state one). The ideal copy and the
ideal in-place raise run beside it at the device's attempt frequency, so the report gives the
device's cost per consolidated bit against the ideal raise for each retention target, and
which targets the device's own barrier meets. A device that cannot write within
``write_time`` at ``error`` is refused with the config.

FN-DAM (``device = fn_dam_synapse`` or a ``model = "fn_dam"`` file): its barrier cannot be
raised on command, it rises on the cell's own log clock, so its consolidation is its ageing
(``experiments.fn_dam_ops.consolidate``). For each target t the age a(t) from which a hold of t
moves the stored value with probability ε is solved from the Skellam closed form
``1 - exp(-2h) I_0(2h)`` (``h = hops(a, a + t)``) and that hold is run (Monte Carlo and master
equation, checked against the closed form). Its cost per stored bit (``log2 M`` bits per
value) is the programming, ``(M - 1)/2`` one-level updates of ``write_time`` at age 0 (charge ×
voltage per update, checked on the electrical ledger), plus the pair's leak over the ageing,
``C (V(0)² - V(a)²)``; the report puts it beside the ideal raise in place at the device's f0,
and the model's W and Q of an update beside its electrical energy. A write the model cannot
make within ``write_time`` (``fn_dam_ops.max_amplitude``) is refused naming ``write_time``.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

import simcore as sc
from devices import cell, ideal
from devices.ideal import static_write
from devices.presets import PUBLISHED_WRITE_ENERGY
from experiments import device as devkey
from experiments import fn_dam_ops
from experiments.checks import assemble, check, check_key, count_check
from experiments.common import bar, binomial_se, energy, figure, mean_pm, quantity, seeds_tree
from experiments.config import CellsConfig, device_field, field, n_cells_field
from experiments.contract import Experiment
from experiments.fn_dam_hold import is_fn_dam
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
    device: str = device_field("the slow memory: 'ideal' (raise in place), a preset name or a"
                               " device TOML file (copy by the device's write pulse)")

    def smoke(self) -> Config:
        return dataclasses.replace(self, n_cells=40_000, retention_times=(1.0, 10 * sc.YEAR),
                                   steps=100)

    def check(self) -> None:
        if self.device == devkey.IDEAL:
            return
        dev = devkey.resolve(self.device)
        if is_fn_dam(dev):
            fn_dam_ops.update_amplitude(dev, 0.0, self.write_time)
            return
        cell.require_two_state(dev, self.device, NAME, "a two-state bit with a write control"
                               " (or an FN-DAM cell); raising the barrier in place needs a"
                               " barrier control")
        cell.write_control(dev, self.error, self.write_time, temperature=self.temperature,
                           name=self.device)


@dataclass(frozen=True, kw_only=True, eq=False)
class Consolidation:
    """Copying against raising in place, for one retention target.

    Attributes
    ----------
    retention, barrier : float
        Retention target t (s) and the long-term barrier
        ``E_L = bounds.retention_barrier(t, ε)`` (J).
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
    ``copy[i]`` and ``raise[i]`` (the cells copied into, and the cells raised in place), and
    on a device ``device_copy`` (the cells its pulse copies into), on an FN-DAM cell
    ``fn_dam_update`` (the cells of its one-level update) and ``fn_dam_age[i]`` (the cells held
    from the age that consolidates target i).

    Attributes
    ----------
    consolidations : tuple of Consolidation
        One per ``config.retention_times``, in order.
    device : object
        The slow memory's device (``devices.IdealBit`` by default).
    attempt_frequency : float
        Attempt frequency of the runs (Hz): ``config.attempt_frequency`` or the device's.
    device_write : experiments.device.DeviceWrite or None
        The device's copy pulse (None on the ideal cell).
    device_copy : Simulated or None
        That pulse run from (1/2, 1/2) (stream ``device_copy``) and its master equation.
    device_retention : float
        Time (s) at rest after which a written device bit is wrong with probability
        ``error``, the worse of the two levels (exact two-state; inf if never).
    fn_dam : experiments.fn_dam_ops.FnDamConsolidation or None
        On an FN-DAM cell: its update and its ageing per target (else None).
    """

    config: Config
    consolidations: tuple[Consolidation, ...]
    device: object = None
    attempt_frequency: float = float("nan")
    device_write: devkey.DeviceWrite | None = None
    device_copy: Simulated | None = None
    device_retention: float = float("nan")
    fn_dam: fn_dam_ops.FnDamConsolidation | None = None


def device_retention(dev, error: float, temperature: float) -> float:
    """Time (s) at rest after which a bit written to either level is wrong with probability
    ``error``, the worse level: ``p(t) = π (1 - exp(-(k01 + k10) t))`` reaches ``error`` at
    ``-ln(1 - error/π)/(k01 + k10)`` (inf when the stationary ``π <= error``)."""
    k01, k10 = cell.rates(dev, 0.0, temperature)
    r = k01 + k10
    out = []
    for pi in (k01 / r, k10 / r):  # wrong level of a stored 0, of a stored 1
        out.append(float("inf") if pi <= error else -np.log1p(-error / pi) / r)
    return min(out)


def _device_copy(cfg: Config, dev, seeds: Seeds, progress: bool) -> dict:
    """The copy into the device by its write pulse, simulated from (1/2, 1/2)."""
    if cfg.device == devkey.IDEAL:
        return {}
    if is_fn_dam(dev):
        return {"fn_dam": fn_dam_ops.consolidate(cfg, dev, seeds, progress)}
    dw = devkey.device_write(dev, cfg.device, cfg.error, cfg.write_time, cfg.temperature,
                             "consolidate")
    sim = simulate(cfg, dw.protocol, cfg.write_time, [0.5, 0.5], seeds.seed("device_copy"),
                   progress=progress, powers=dw.powers)
    return {"device_write": dw, "device_copy": sim,
            "device_retention": device_retention(dev, cfg.error, cfg.temperature)}


def run(cfg: Config, progress: bool = False) -> Result:
    """Copy and raise in place for every retention target (at a device's attempt frequency),
    and on a device its copy pulse."""
    user = cfg
    dev = devkey.resolve(cfg.device)
    if cfg.device != devkey.IDEAL:
        cfg = dataclasses.replace(cfg, attempt_frequency=dev.attempt_frequency)
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
        # the short-term barrier raised to E_L over raise_time (saddle only: no work)
        up = ideal.raise_barrier(cfg.short_barrier, e_l, cfg.raise_time, "consolidate",
                                 cfg.temperature)
        raised = simulate(cfg, up, cfg.raise_time / cfg.steps, 0,
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
    extra = _device_copy(cfg, dev, seeds, progress)
    outer.close()
    return Result(config=user, seeds=seeds, consolidations=tuple(rows), device=dev,
                  attempt_frequency=cfg.attempt_frequency, **extra)


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
    if result.device_copy is not None:
        out += _device_checks(result)
    if result.fn_dam is not None:
        out += fn_dam_ops.consolidation_checks(result.fn_dam, kT, cfg.error)
    return assemble(out)


def _device_checks(result: Result) -> list[dict]:
    """The device's copy: heat vs master (Gaussian), errors vs master (Clopper–Pearson), heat
    above the generalised Landauer bound (one-sided) and its closed forms."""
    kT, n = result.kT, result.config.n_cells
    r, m = result.device_copy.mc, result.device_copy.master
    tag = f"τ_w = {result.config.write_time:.3g} s"
    return [
        check("device_copy_heat_vs_master", f"device copy: heat vs master, {tag}",
              r.heat.mean / kT, m.heat / kT, se=r.heat.stderr / kT, tolerance=1e-12, unit="kT"),
        count_check("device_copy_error_vs_master", f"device copy: error vs master, {tag}",
                    r.occupancy[1] * n, n, m.occupancy[1]),
        check("device_copy_heat_above_landauer",
              f"device copy: heat >= generalised Landauer at the MC error, {tag}",
              r.heat.mean / kT,
              bounds.landauer_erasure(r.occupancy[0], result.config.temperature) / kT,
              se=r.heat.stderr / kT, kind="lower", unit="kT"),
        *devkey.write_checks(0, tag, result.device_write, result.device_copy, kT),
    ]


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
    if result.device_copy is not None:
        lines += _device_report(result)
    if result.fn_dam is not None:
        lines += _fn_dam_report(result)
    return "\n".join(lines)


def _published(key: str) -> str:
    """``"; published: ..."`` where the preset's source states an energy per write."""
    p = PUBLISHED_WRITE_ENERGY.get(key)
    return "" if p is None else f"; published: {p[0] * 1e15:g} fJ {p[1]} ({p[2]})"


def _fn_dam_report(result: Result) -> list[str]:
    """The FN-DAM value consolidated by ageing against the ideal raise in place."""
    kT, cfg, f = result.kT, result.config, result.fn_dam
    u = f.update
    lines = [devkey.describe(cfg.device, result.device),
             f"FN-DAM consolidates by ageing (its barrier rises on its own log clock); one-level"
             f" update at age 0: V_p = {f.amplitude:.4g} V for {f.width:g} s, electrical"
             f" {f.update_electrical * 1e15:.4g} fJ, model W = {u.mc.work.mean / kT:.4g} kT,"
             f" Q = {mean_pm(u.mc.heat, kT).strip()} kT per update; programming a value ="
             f" {f.program_levels:g} updates = {f.program_energy * 1e15:.4g} fJ;"
             f" {f.bits:g} bits per value" + _published(cfg.device),
             f"{'retention (s)':>13} {'age a (s)':>10} {'moved MC':>9} {'Skellam':>9}"
             f" {'hold (pJ)':>10} {'per bit (pJ)':>12} {'per bit/kT':>10} {'raise (kT)':>10}"
             f" {'elec/raise':>10}"]
    for c, a in zip(result.consolidations, f.ageings, strict=True):
        exact = c.raised.master.occupancy[1] * c.tilt * (1 - cfg.error)
        per_bit = f.per_bit(a)
        moved = 1.0 - a.sim.mc.occupancy[a.sim.mc.occupancy.size // 2]
        lines.append(f"{a.retention:13.4g} {a.age:10.4g} {moved:9.4g} {a.moved:9.4g}"
                     f" {a.hold_energy * 1e12:10.4g} {per_bit * 1e12:12.4g}"
                     f" {per_bit / kT:10.4g} {exact / kT:10.4g}"
                     f" {per_bit / exact if exact > 0 else float('nan'):10.3g}")
    lines.append("per bit: (programming + the pair's leak C (V(0)² - V(a)²) over the ageing) /"
                 " log2 M, electrical; raise: the ideal cell's bits lost while raising in place ×"
                 " rewrite heat, at the device's f0")
    return lines


def _device_report(result: Result) -> list[str]:
    """The copy into the device against the ideal raise in place, per retention target."""
    kT, cfg, dw = result.kT, result.config, result.device_write
    r = result.device_copy.mc
    q, elec = r.heat.mean, result.device_copy.electrical_total().mean
    lines = [devkey.describe(cfg.device, result.device),
             f"copy into the device by its write pulse (control {dw.control:.4g}, τ_w ="
             f" {cfg.write_time:g} s, failure {dw.failure:.3g}) at f0 ="
             f" {result.attempt_frequency:.4g} Hz: heat {mean_pm(r.heat, kT).strip()} kT,"
             f" work {r.work.mean / kT:.4f} kT, electrical {elec * 1e15:.4g} fJ per copied bit"
             f" (random old bit); retention at ε: {result.device_retention:.4g} s",
             "ideal raise in place: bits lost while raising (master equation) × rewrite heat",
             f"{'retention (s)':>13} {'raise (kT)':>10} {'device Q (kT)':>13}"
             f" {'Q/raise':>9} {'elec/raise':>10} {'meets t':>7}"]
    for c in result.consolidations:
        exact = c.raised.master.occupancy[1] * c.tilt * (1 - cfg.error)
        ref = exact if exact > 0 else float("nan")
        lines.append(f"{c.retention:13.4g} {exact / kT:10.4g} {q / kT:13.4g}"
                     f" {q / ref:9.3g} {elec / ref:10.3g}"
                     f" {'yes' if result.device_retention >= c.retention else 'no':>7}")
    return lines


def _device_data(result: Result) -> dict:
    """The ``device`` group: the device, its copy pulse and its ledger."""
    dw, sim = result.device_write, result.device_copy
    out = devkey.tree(result.config.device, result.device)
    out["attempt_frequency"] = quantity(result.attempt_frequency, "Hz")
    out["retention"] = quantity(result.device_retention, "s",
                                "time at rest to failure ε, the worse level")
    out["copy"] = {
        "control": quantity(dw.control, "", "control of the copy pulse (device unit)"),
        "tilt": energy(dw.tilt, "E1 - E0 during the pulse"),
        "failure": quantity(dw.failure, "", "exact fraction not in level 0 after it"),
        "heat": energy(sim.mc.heat.mean, "heat per copied bit"),
        "heat_stderr": energy(sim.mc.heat.stderr),
        "heat_master": energy(sim.master.heat),
        "work": energy(sim.mc.work.mean),
        "electrical": energy(sim.electrical_total().mean,
                             "electrical ledger per copied bit, Monte Carlo (NaN: no model)"),
        "electrical_stderr": energy(sim.electrical_total().stderr),
        "electrical_master": energy(sim.electrical_total().master),
    }
    return out


def _fn_dam_data(result: Result) -> dict:
    """The ``device`` group of an FN-DAM run: its update and its ageing per target."""
    f = result.fn_dam
    u = f.update
    col = functools.partial(column, f.ageings)
    out = devkey.tree(result.config.device, result.device)
    out["attempt_frequency"] = quantity(result.attempt_frequency, "Hz")
    out["update"] = {
        "amplitude": quantity(f.amplitude, "V", "one-level update pulse at age 0"),
        "width": quantity(f.width, "s"),
        "electrical": energy(u.electrical_total().mean, "electrical ledger per update, MC"),
        "electrical_closed_form": energy(f.update_electrical, "charge × voltage per update"),
        "heat": energy(u.mc.heat.mean, "model heat per update"),
        "heat_stderr": energy(u.mc.heat.stderr),
        "heat_master": energy(u.master.heat),
        "work": energy(u.mc.work.mean),
    }
    out["ageing"] = {
        "retention_time": quantity(col(lambda a: a.retention), "s"),
        "age": quantity(col(lambda a: a.age), "s", "age from which a hold of t moves with ε"),
        "moved": quantity(col(lambda a: 1.0 - a.sim.mc.occupancy[a.sim.mc.occupancy.size // 2]),
                          "", "fraction moved over [a, a + t], Monte Carlo"),
        "moved_skellam": quantity(col(lambda a: a.moved), "", "1 - exp(-2h) I0(2h)"),
        "hold_energy": energy(col(lambda a: a.hold_energy), "C (V(0)² - V(a)²) per cell"),
        "program_energy": energy(f.program_energy, "(M - 1)/2 one-level updates"),
        "per_bit": energy(col(f.per_bit), "(programming + ageing leak) / log2 M"),
    }
    return out


def data(result: Result) -> dict:
    col = functools.partial(column, result.consolidations)
    extra = {} if result.device_copy is None else {"device": _device_data(result)}
    if result.fn_dam is not None:
        extra = {"device": _fn_dam_data(result)}
    return {
        **extra,
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
        if "device/ageing/per_bit" in res.data:
            ax.plot(t, res["device/ageing/per_bit"] / kT, "C3^-.",
                    label=f"FN-DAM {res.config['device']}: electrical per stored bit (ageing)")
        if "device/copy/heat" in res.data:
            ax.axhline(float(res["device/copy/heat"]) / kT, color="C3", ls="-.",
                       label=f"copy into device {res.config['device']} (its write pulse)")
        ax.set(xscale="log", yscale="log", xlabel="retention target (s)",
               ylabel="energy per consolidated bit (kT)", title="consolidation wall")
    if "device/ageing/age" in res.data:
        _plot_fn_dam(res, outdir, stems)
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


def _plot_fn_dam(res, outdir, stems) -> None:
    """FN-DAM: the ageing each target needs; the electrical energy per stored bit and per
    update against the model's heat per update, kT ln 2 and the published energy per update."""
    kT, t = res.attrs["kT"], res["device/ageing/retention_time"]
    with figure(outdir, "fn_dam_ageing", stems, size=(10, 4.2), ncols=2) as (_fig, ax):
        ax[0].plot(t, res["device/ageing/age"], "o-", label="age a(t) reaching ε (Skellam)")
        ax[0].plot(t, t, "k:", label="age = retention target")
        ax[0].set(xscale="log", yscale="log", xlabel="retention target t (s)",
                  ylabel="ageing needed (s)", title="FN-DAM consolidation by ageing")
        ax[0].legend()
        ax[1].plot(t, res["device/ageing/per_bit"], "o-",
                   label="electrical per stored bit: (programming + ageing leak)/log2 M")
        ax[1].axhline(float(res["device/update/electrical"]), color="C1", ls="--",
                      label="electrical per one-level update")
        ax[1].axhline(float(res["device/update/heat"]), color="C2", ls="-.",
                      label="model heat per update (effective chain)")
        ax[1].axhline(kT * np.log(2), color="k", ls=":", label="kT ln 2")
        published = PUBLISHED_WRITE_ENERGY.get(str(res.config["device"]))
        if published is not None:
            ax[1].axhline(published[0], color="C3", ls="--",
                          label=f"published {published[0] * 1e15:g} fJ {published[1]}")
        ax[1].set(xscale="log", yscale="log", xlabel="retention target t (s)",
                  ylabel="energy (J)", title="thermodynamic vs electrical")
        ax[1].legend(fontsize="small")


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot)

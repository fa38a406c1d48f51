"""Retention of an FN-DAM cell (``retention`` with ``device = fn_dam_synapse`` or an
``model = "fn_dam"`` file): the stored value held from age 0 (just programmed), its spread
against electron shot noise, and the electrical energy its tunnelling electrons dissipate.

An FN-DAM cell is not a two-state bit: its stored value is a chain of ``levels`` levels of
``N_e`` electrons each, and its hold barrier rises on its own log clock
(``devices.FowlerNordheimDAM``). Held from age 0 to age t, each gate of the differential pair
sheds a Poisson number of electrons with mean ``n = C (V(0) - V(t))/q``; the chain hops each way
``h = n/N_e²`` times on average, independently, so away from the chain's ends the change of the
stored value is Skellam distributed: variance ``2h`` levels² (W. Schottky 1918, shot noise) and
probability ``1 - exp(-2h) I_0(2h)`` that the value has moved (the retention failure here). Both
are checked against the Monte Carlo cells and the master equation at every recorded age.

Energy: the hold moves only the chain's saddles (a flat chain), so the thermodynamic work and
heat on the effective landscape are exactly zero; the electrical energy is that of the
tunnelled electrons, ``q V`` each at the junction voltage they cross, ``C (V(0)² - V(t)²)``
per cell for the two gates (``FowlerNordheimDAM.tunnelling_energy``), booked per age beside W
and Q.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
from scipy.special import ive

import simcore as sc
from devices.cell import kind
from devices.presets import PUBLISHED_WRITE_ENERGY
from experiments import device as devkey
from experiments.checks import check, check_key, count_check
from experiments.common import energy, figure, quantity
from experiments.results import Simulated, column, simulate

#: Hold segments between consecutive recorded ages (``FowlerNordheimDAM.hold_protocol``).
SEGMENTS = 8


def is_fn_dam(device) -> bool:
    """Whether ``device`` is an FN-DAM cell."""
    return kind(device) == "FowlerNordheimDAM"


def ages(cfg) -> np.ndarray:
    """The recorded hold ages (s): ``times_per_barrier`` log-spaced over ``device_ages``."""
    a, b = cfg.device_ages
    return np.geomspace(a, b, cfg.times_per_barrier)


def check_config(cfg) -> None:
    """ParameterError naming ``device_ages`` unless it is two increasing ages > 0 (s)."""
    a = cfg.device_ages
    if len(a) != 2 or not 0.0 < a[0] < a[1]:
        raise sc.ParameterError("device_ages", a, "two ages 0 < first < last (s)")


def protocol(dev, times) -> sc.Protocol:
    """Hold from age 0 through ``times`` (s), :data:`SEGMENTS` pieces between knots."""
    out, start = None, 0.0
    for t in times:
        piece = dev.hold_protocol(start, float(t), segments=SEGMENTS)
        out = piece if out is None else out.then(piece)
        start = float(t)
    return out


def powers(dev, hold: sc.Protocol) -> np.ndarray:
    """The electrical ledger's powers (W) of ``hold``: in each segment ``[a, b]`` the pair's
    mean tunnelling power ``tunnelling_energy(a, b)/(b - a)``, the same in every level (the
    leak does not depend on the stored value), so the ledger sums to ``C (V(0)² - V(t)²)``."""
    t = hold.times
    a, b = t[:-1], t[1:]
    span = np.where(b > a, b - a, 1.0)
    mean = np.where(b > a, np.asarray(dev.tunnelling_energy(a, b)) / span, 0.0)
    return np.repeat(mean[:, None], hold.n_levels, axis=1)


@dataclass(frozen=True, kw_only=True, eq=False)
class FnDamResult:
    """An FN-DAM cell held from age 0; ``seeds`` has the stream ``fn_dam_hold``.

    Attributes
    ----------
    config : retention.Config
    seeds : simcore.seeds.Seeds
    device : devices.FowlerNordheimDAM
    start : int
        The level every cell starts in (the middle of the chain).
    ages : ndarray, shape (A,)
        Recorded ages (s).
    sim : Simulated
        The hold (Monte Carlo and master equation).
    mc, master : ndarray, shape (A, levels)
        Occupancies at each age.
    hops : ndarray, shape (A,)
        Expected hops each way ``n/N_e²`` (closed form).
    electrons : ndarray, shape (A,)
        Mean electrons shed per gate ``C (V(0) - V(t))/q``.
    electrical : ndarray, shape (A,)
        Electrical energy per cell from age 0 (J): ``C (V(0)² - V(t)²)``.
    """

    config: object
    seeds: object
    device: object
    start: int
    ages: np.ndarray
    sim: Simulated
    mc: np.ndarray
    master: np.ndarray
    hops: np.ndarray
    electrons: np.ndarray
    electrical: np.ndarray

    @property
    def kT(self) -> float:
        return sc.kT(self.config.temperature)

    def moments(self, occupancy: np.ndarray):
        """``(mean, variance, fourth moment)`` of the change of level (levels^k) per age."""
        x = np.arange(occupancy.shape[1]) - self.start
        return occupancy @ x, occupancy @ x**2, occupancy @ x**4

    @property
    def variance(self) -> np.ndarray:
        """Shot-noise variance ``2h`` (levels²)."""
        return 2.0 * self.hops

    @property
    def moved(self) -> np.ndarray:
        """Skellam probability that the value has moved: ``1 - exp(-2h) I_0(2h)``."""
        return 1.0 - ive(0, 2.0 * self.hops)


def run(cfg, dev, seeds, progress: bool) -> FnDamResult:
    """Hold ``cfg.n_cells`` cells from age 0 at the middle level, recorded at :func:`ages`."""
    times = ages(cfg)
    start = dev.levels // 2
    run_cfg = dataclasses.replace(cfg, attempt_frequency=dev.attempt_frequency)
    hold = protocol(dev, times)
    sim = simulate(run_cfg, hold, float(times[-1]), start, seeds.seed("fn_dam_hold"),
                   progress=progress, powers=powers(dev, hold))
    rows = np.searchsorted(sim.master.times, times)
    if not np.allclose(sim.master.times[rows], times, rtol=1e-12):
        raise RuntimeError("the hold's steps do not end at the recorded ages")
    return FnDamResult(
        config=cfg, seeds=seeds, device=dev, start=start, ages=times, sim=sim,
        mc=sim.mc.history[rows], master=sim.master.history[rows],
        hops=np.asarray(dev.hops(0.0, times), dtype=np.float64),
        electrons=np.asarray(dev.tunnelled_electrons(0.0, times), dtype=np.float64),
        electrical=np.asarray(dev.tunnelling_energy(0.0, times), dtype=np.float64))


def checks(result: FnDamResult) -> list[dict]:
    """Per age: moved fraction MC vs master (Clopper–Pearson) and master vs Skellam (exact),
    variance MC vs shot noise (Gaussian) and master vs shot noise (exact), mean change 0
    (Gaussian); W and Q exactly 0 (saddles only)."""
    n, kT = result.config.n_cells, result.kT
    out = []
    _, var_mc, m4_mc = result.moments(result.mc)
    mean_mc = result.moments(result.mc)[0]
    _, var_ex, _ = result.moments(result.master)
    for i, t in enumerate(result.ages):
        tag = f"age {t:.3g} s"
        moved_mc = 1.0 - result.mc[i, result.start]
        moved_ex = 1.0 - result.master[i, result.start]
        out.append(count_check(check_key("fn_dam_moved_vs_master", i),
                               f"FN-DAM: value moved vs master, {tag}", moved_mc * n, n,
                               moved_ex))
        out.append(check(check_key("fn_dam_moved_vs_skellam", i),
                         f"FN-DAM: master moved vs 1 - exp(-2h) I0(2h), {tag}", moved_ex,
                         result.moved[i], tolerance=1e-9 * result.moved[i] + 1e-13))
        se = np.sqrt(max(m4_mc[i] - var_mc[i] ** 2, 0.0) / n)
        out.append(check(check_key("fn_dam_variance_vs_shot_noise", i),
                         f"FN-DAM: Var(level) vs shot noise 2n/N_e², {tag}", var_mc[i],
                         result.variance[i], se=se, unit="levels^2"))
        out.append(check(check_key("fn_dam_master_variance", i),
                         f"FN-DAM: master Var(level) vs shot noise, {tag}", var_ex[i],
                         result.variance[i], tolerance=1e-8 * result.variance[i]))
        out.append(check(check_key("fn_dam_mean_zero", i),
                         f"FN-DAM: mean change of level is 0, {tag}", mean_mc[i], 0.0,
                         se=np.sqrt(var_mc[i] / n) if var_mc[i] > 0 else None,
                         unit="levels"))
    e = result.sim.electrical_total()
    closed = float(result.electrical[-1])
    out.append(check("fn_dam_electrical_ledger", "FN-DAM: electrical ledger (master) vs"
                     " C (V(0)² - V(t)²) over the whole hold", e.master / closed, 1.0,
                     tolerance=1e-9))
    out.append(check("fn_dam_electrical_mc", "FN-DAM: electrical ledger, Monte Carlo vs master"
                     " (the leak does not depend on the value)", e.mean / closed,
                     e.master / closed, tolerance=1e-12))
    r = result.sim.mc
    for name in ("work", "heat"):
        out.append(check(f"fn_dam_{name}_zero", f"FN-DAM: {name} of the hold is 0 (saddles only)",
                         abs(getattr(r, name).mean) / kT, 0.0, tolerance=1e-12, unit="kT"))
    return out


def report(result: FnDamResult) -> str:
    cfg, dev, kT = result.config, result.device, result.kT
    _, var_mc, m4 = result.moments(result.mc)
    n = cfg.n_cells
    r = result.sim.mc
    lines = [
        f"retention: {n} FN-DAM cells held from age 0 at level {result.start} of {dev.levels}"
        f" ({dev.electrons_per_level:.5g} electrons per level)",
        devkey.describe(cfg.device, dev),
        f"thermodynamic: W = {r.work.mean / kT:.3g} kT, Q = {r.heat.mean / kT:.3g} kT per cell"
        " over the whole hold (the hold moves only saddles); electrical: q V per tunnelled"
        " electron, C (V(0)² - V(t)²) per cell",
        f"{'age (s)':>10} {'e- per gate':>12} {'Var MC':>17} {'Var shot':>9} {'moved MC':>9}"
        f" {'moved exact':>11} {'elec (pJ)':>10} {'elec/kT':>10} {'fJ/electron':>11}",
    ]
    published = PUBLISHED_WRITE_ENERGY.get(cfg.device)
    if published is not None:
        lines.insert(3, f"published: {published[0] * 1e15:g} fJ {published[1]} ({published[2]});"
                     " a program pulse, not the hold's leak booked here")
    for i, t in enumerate(result.ages):
        se = np.sqrt(max(m4[i] - var_mc[i] ** 2, 0.0) / n)
        lines.append(
            f"{t:10.4g} {result.electrons[i]:12.5g} {var_mc[i]:8.4f} ± {se:6.4f}"
            f" {result.variance[i]:9.4f} {1 - result.mc[i, result.start]:9.4f}"
            f" {result.moved[i]:11.4f} {result.electrical[i] * 1e12:10.4g}"
            f" {result.electrical[i] / kT:10.4g}"
            f" {result.electrical[i] / (2 * result.electrons[i]) * 1e15:11.4g}")
    return "\n".join(lines)


def data(result: FnDamResult, seeds_tree) -> dict:
    col = functools.partial(column, list(range(result.ages.size)))
    _, var_mc, _ = result.moments(result.mc)
    _, var_ex, _ = result.moments(result.master)
    out = {"device": devkey.tree(result.config.device, result.device)}
    out["device"]["attempt_frequency"] = quantity(result.device.attempt_frequency, "Hz")
    out["fn_dam"] = {
        "age": quantity(result.ages, "s", "age of the hold, from programming at 0"),
        "start_level": quantity(result.start, ""),
        "electrons": quantity(result.electrons, "", "mean electrons shed per gate"),
        "hops": quantity(result.hops, "", "expected chain hops each way n/N_e²"),
        "variance": quantity(var_mc, "levels^2", "Var(level), Monte Carlo"),
        "variance_master": quantity(var_ex, "levels^2"),
        "variance_shot_noise": quantity(result.variance, "levels^2", "2 n / N_e²"),
        "moved": quantity(col(lambda i: 1.0 - result.mc[i, result.start]), "",
                          "fraction of cells whose value moved, Monte Carlo"),
        "moved_master": quantity(col(lambda i: 1.0 - result.master[i, result.start]), ""),
        "moved_skellam": quantity(result.moved, "", "1 - exp(-2h) I0(2h)"),
        "electrical": energy(result.electrical, "tunnelling energy per cell from age 0"),
        "electrical_ledger": energy(result.sim.electrical_total().mean,
                                    "electrical ledger of the whole hold (tag hold), MC"),
        "work": energy(result.sim.mc.work.mean, "work of the whole hold per cell"),
        "heat": energy(result.sim.mc.heat.mean, "heat of the whole hold per cell"),
    }
    out["seeds"] = seeds_tree(result.seeds)
    return out


def plot(res, outdir) -> list[str]:
    stems: list[str] = []
    t = res["fn_dam/age"]
    kT = res.attrs["kT"]
    with figure(outdir, "fn_dam_retention", stems, size=(10, 4.2), ncols=2) as (_fig, ax):
        ax[0].plot(t, res["fn_dam/variance"], "o", mfc="none", label="Var(level), Monte Carlo")
        ax[0].plot(t, res["fn_dam/variance_shot_noise"], "k-", label="shot noise 2n/N_e²")
        ax[0].plot(t, res["fn_dam/moved"], "s", mfc="none", label="value moved, Monte Carlo")
        ax[0].plot(t, res["fn_dam/moved_skellam"], "C1--", label="1 - exp(-2h) I0(2h)")
        ax[0].set(xscale="log", xlabel="age (s)", ylabel="levels² / probability",
                  title=f"device {res.config['device']}: spread of the stored value")
        ax[0].legend()
        ax[1].plot(t, res["fn_dam/electrical"], "o-", label="electrical: q V per electron")
        ax[1].axhline(kT * np.log(2), color="k", ls=":", label="kT ln 2 (W = Q = 0 here)")
        published = PUBLISHED_WRITE_ENERGY.get(str(res.config["device"]))
        if published is not None:
            ax[1].axhline(published[0], color="C3", ls="--",
                          label=f"published {published[0] * 1e15:g} fJ {published[1]}"
                          " (an update, not a hold)")
        ax[1].set(xscale="log", yscale="log", xlabel="age (s)",
                  ylabel="energy per cell since age 0 (J)", title="thermodynamic vs electrical")
        ax[1].legend()
    return stems

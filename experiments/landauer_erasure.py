"""Erasure of a bit by lowering the barrier, tilting, raising and untilting, over decades of
duration.

The mean heat of erasing an unbiased bit to success probability P is bounded below by the
generalised Landauer bound ``kT [ln 2 + P ln P + (1-P) ln(1-P)]`` (docs/theory.md §1; R. Landauer,
IBM J. Res. Dev. 5, 183 (1961), doi:10.1147/rd.53.0183) and approaches it as ``kT ln 2 + B/τ``
for long durations τ. For each duration the Monte Carlo ledger is compared with the exact master
equation for the same steps, the second law ``⟨W⟩ >= ΔF_neq``, and the speed limit
``⟨W⟩ - ΔF_neq >= kT L1²/(2𝒜)`` (Shiraishi, Funo & Saito, PRL 121, 070601 (2018),
doi:10.1103/PhysRevLett.121.070601). The optimal protocol line is the thermodynamic-length
geodesic of the tilt at the lowered barrier (Sivak & Crooks, PRL 108, 190602 (2012),
doi:10.1103/PhysRevLett.108.190602): ``landauer + L²/τ``, also solved exactly by the master
equation. The time step is ``min(τ/steps_per_duration, max_dt)`` so that the discretisation
error stays well below ``B/τ`` at the longest durations.

Devices (``device = <preset or TOML file>``): a device of this library has one control (an
MTJ's spin current, an RRAM's voltage, a double well's force, a table's control) that tilts a
barrier it cannot lower. Its erasure is its own write pulse: a rectangular pulse lasting τ,
solved exactly (``devices.cell.write_control``) so that a cell in level 1 ends in level 0 with
the quasi-static success of the four-ramp protocol, run from a random bit (1/2, 1/2) at the
device's barriers and attempt frequency, with the electrical energy the pulse draws beside W
and Q. The four-ramp erasure and its fits then run on the ideal cell at the device's mean rest
barrier and attempt frequency, as the reference. A one-control device cannot approach
Landauer: to erase in τ the pulse must bring the barrier out of level 1 down to about
``kT ln(f0 τ/ln(1/ε))`` by tilting, and that tilt (tens to hundreds of kT for a retention
barrier) is released as heat on every flip, so the heat falls only logarithmically with τ
(``bounds.static_write_cost``) instead of as ``kT ln 2 + B/τ``; the report gives the miss as
``Q - kT ln 2`` and ``Q / kT ln 2``. A multi-level chain other than FN-DAM is refused with
the config, naming ``device``; a duration the device cannot erase in, naming ``durations`` and
the shortest duration it can (an MTJ with τ0 = 1 ns: 10 ns, given as 1.01e-08 s); a failure it
cannot reach at any duration up to ``LONGEST_ERASURE``, naming ``tilt``. The smoke config's
durations (from 100 ns) suit every preset.

FN-DAM (``device = fn_dam_synapse`` or a ``model = "fn_dam"`` file): erasure is the reset of
its stored value, unknown and uniform over its ``M`` levels (``log2 M`` bits), to the known
level 0 by one downward injection pulse lasting τ at age ``fn_dam_ops.ERASE_AGE``, its amplitude
solved so that the exact chain leaves ``1 - P`` of the cells off level 0, P the quasi-static
success above (``experiments.fn_dam_ops.erase``). Its Landauer bound is that of ``M`` levels,
``kT [ln M - H(p_end)]`` (``log2 M · kT ln 2`` for a sure reset); the two-level ``kT ln 2`` is
the bound per erased bit, so the report divides by ``log2 M``. The model's W and Q (its
effective chain, checked against the master equation, the second law and that bound) stand
beside the electrical energy, charge × voltage of the electrons through both gates (checked
on the ledger), which is what the device dissipates: the chain's Q is not the electrons' heat
(FN emission is one-way; the chain's reverse hops are the other gate's electrons). The
four-ramp above runs on the ideal cell at ``hold_barrier`` and the device's f0, per bit. A
duration no pulse within the model's range can reset in (``fn_dam_ops.max_amplitude``: the FN
law's, and hop rates at most f0) is refused naming ``durations``: the preset cannot reset 64
levels in 10 ns (it would need hops faster than f0 = 1 GHz).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

import simcore as sc
from devices import cell, ideal
from experiments import device as devkey
from experiments import fn_dam_ops
from experiments.checks import assemble, check, check_key, count_check
from experiments.common import bar, energy, figure, mean_pm, quantity, seeds_tree
from experiments.config import KineticsConfig, device_field, field, n_cells_field
from experiments.contract import Experiment
from experiments.fn_dam_hold import is_fn_dam
from experiments.results import ResultBase, Simulated, column, simulate
from simcore import bounds
from simcore.seeds import Seeds

NAME = "landauer_erasure"
SUMMARY = "erase a bit over decades of duration: ledger vs master equation vs Landauer, B/τ fit"

HISTORY_POINTS = 201


@dataclass(frozen=True, kw_only=True)
class Config(KineticsConfig):
    n_cells: int = n_cells_field(100_000, "number of memory cells", low=2)
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
    device: str = device_field("the cell: 'ideal' (four-ramp erasure), a preset name or a"
                               " device TOML file (erasure by the device's write pulse)")

    def smoke(self) -> Config:
        """Seconds long, on the ideal cell and on every device preset (``--set device=``):
        durations from 100 ns, which every preset can erase in at the quasi-static success
        (an MTJ with τ0 = 1 ns needs ``τ0 ln(1/ε)`` = 10 ns at its critical current, FN-DAM's
        64 levels and the double well's pulse tens of ns)."""
        return dataclasses.replace(
            self, n_cells=20_000, durations=(1e-7, 3e-7, 1e-6, 3e-6), steps_per_duration=400,
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
        if self.device != devkey.IDEAL:
            devkey.require_arrhenius(self.device, self.kinetics)
            dev = devkey.resolve(self.device)
            if is_fn_dam(dev):
                for tau in self.durations:
                    fn_dam_ops.reset_amplitude(dev, fn_dam_ops.ERASE_AGE, tau,
                                               1.0 - quasistatic_success(self), self.temperature)
                return
            cell.require_two_state(dev, self.device, NAME, "a two-state bit with a write control"
                                   " (or an FN-DAM cell)")
            if devkey.rest_barrier(dev, self.temperature) < self.low_barrier:
                raise sc.ParameterError("low_barrier", self.low_barrier,
                                        "a barrier <= the device's mean rest barrier"
                                        f" ({devkey.rest_barrier(dev, self.temperature):.4g} kT)")
            for tau in self.durations:
                _require_erasure(dev, self, tau)


#: The longest duration a refusal looks for an erasure in (s).
LONGEST_ERASURE = 1e6


def _erases(dev, eps: float, tau: float, temperature: float) -> bool:
    try:
        cell.write_control(dev, eps, tau, temperature=temperature)
    except sc.ParameterError:
        return False
    return True


def _require_erasure(dev, cfg: Config, tau: float) -> None:
    """ParameterError naming ``durations`` (with the shortest duration the device can erase
    in, to 3 digits, rounded up) or, where no duration up to ``LONGEST_ERASURE`` will do,
    ``tilt`` (which sets the failure), unless the device's write pulse erases in ``tau``."""
    eps = 1.0 - quasistatic_success(cfg)
    if eps <= 0.0:
        raise sc.ParameterError("tilt", cfg.tilt, "a tilt whose failure 1/(1 + e^tilt) is not"
                                " lost to rounding (below about 36.7 kT) on a device")
    try:
        cell.write_control(dev, eps, tau, temperature=cfg.temperature, name=cfg.device)
        return
    except sc.ParameterError as exc:
        why = exc.allowed
    lo, hi = tau, 10.0 * tau
    while not _erases(dev, eps, hi, cfg.temperature):
        if hi >= LONGEST_ERASURE:
            raise sc.ParameterError(
                "tilt", cfg.tilt, f"a tilt whose failure ({eps:.3g}) device={cfg.device!r} can"
                f" reach in a duration up to {LONGEST_ERASURE:g} s (a smaller tilt asks for a"
                f" larger failure); in {tau:g} s: {why}")
        lo, hi = hi, 10.0 * hi
    for _ in range(40):  # the failure falls with the duration (bisection on its logarithm)
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if _erases(dev, eps, mid, cfg.temperature) else (mid, hi)
    unit = 10.0 ** (math.floor(math.log10(hi)) - 2)
    shortest = math.ceil(hi / unit) * unit
    raise sc.ParameterError(
        "durations", tau, f"durations in which device={cfg.device!r} can erase, {shortest:.3g} s"
        f" or longer; in {tau:g} s: {why}")


def protocol(cfg: Config, duration: float) -> sc.Protocol:
    """Lower the barrier, tilt towards level 0, raise the barrier, untilt: four equal ramps."""
    return ideal.four_ramp(cfg.hold_barrier, cfg.low_barrier, cfg.tilt, duration, "erase",
                           cfg.temperature)


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
    hold = ideal.bit(cfg.hold_barrier, 0.0, cfg.temperature)
    start = sc.Protocol([0.0, 0.0], [hold[0], hold[0]], [hold[1], geo.start[1]], ["erase"])
    return (start.then(geo)
            .jump_to(e_end, hold[1], "erase")
            .jump_to(hold[0], hold[1], "erase"))


def _dt(cfg: Config, tau: float) -> float:
    return min(tau / cfg.steps_per_duration, cfg.max_dt)


@dataclass(frozen=True)
class Fit:
    """Weighted least-squares fit ``heat = a + B/τ``.

    Attributes
    ----------
    a, a_se : float
        Asymptote and its standard error (J).
    b, b_se : float
        Coefficient B and its standard error (J s).
    """

    a: float
    b: float
    a_se: float
    b_se: float


def _fit(tau, y, se) -> Fit:
    """Weighted least squares ``y = a + B/τ``."""
    x = np.column_stack([np.ones_like(tau), 1.0 / tau])
    w = 1.0 / np.asarray(se) ** 2
    cov = np.linalg.inv(x.T @ (w[:, None] * x))
    a, b = cov @ (x.T @ (w * y))
    return Fit(float(a), float(b), float(np.sqrt(cov[0, 0])), float(np.sqrt(cov[1, 1])))


@dataclass(frozen=True, kw_only=True, eq=False)
class Erasure:
    """The erasure at one duration.

    Attributes
    ----------
    duration : float
        Erasure duration τ (s).
    dt : float
        Time step (s).
    sim : Simulated
        Monte Carlo ledger (stream ``erase[i]``) and master equation of the four-ramp protocol.
    optimal : simcore.MasterResult
        Master equation of the geodesic cycle of the same duration.
    speed_limit : float
        ``kT L1²/(2𝒜)`` of the master-equation run (J).
    landauer : float
        ``kT [ln 2 - H(P)]`` at the master-equation success probability P (J).
    history_t : ndarray, shape (HISTORY_POINTS,)
        Sampled times as fractions t/τ.
    history_p0 : ndarray, shape (HISTORY_POINTS,)
        Master-equation occupancy of level 0 at those times.
    device_write : experiments.device.DeviceWrite or None
        The device's erasing pulse (None on the ideal cell).
    device : Simulated or None
        That pulse run from (1/2, 1/2) (stream ``device_erase[i]``) and its master equation.
    static_estimate : float
        ``bounds.static_write_cost / 2``: the ideal cell's tilt-only erasure at the same
        barrier, duration and failure (J; NaN on the ideal cell).
    fn_dam : experiments.fn_dam_ops.FnDamErasure or None
        On an FN-DAM cell: its reset pulse (stream ``device_erase[i]``), else None.
    """

    duration: float
    dt: float
    sim: Simulated
    optimal: sc.MasterResult
    speed_limit: float
    landauer: float
    history_t: np.ndarray
    history_p0: np.ndarray
    device_write: devkey.DeviceWrite | None = None
    device: Simulated | None = None
    static_estimate: float = float("nan")
    fn_dam: fn_dam_ops.FnDamErasure | None = None


@dataclass(frozen=True, kw_only=True, eq=False)
class Result(ResultBase):
    """The erasures at every duration and the ``a + B/τ`` fits; ``seeds`` has one stream per
    duration, ``erase[i]`` (the cells erased in ``config.durations[i]``), and on a device also
    ``device_erase[i]`` (the cells its pulse erases).

    Attributes
    ----------
    erasures : tuple of Erasure
        One per ``config.durations``, in order.
    quasistatic_success : float
        Success probability of the quasi-static limit (equilibrium at the full tilt).
    quasistatic_heat : float
        Generalised Landauer bound at that probability (J).
    length : float
        Thermodynamic length of the geodesic tilt (J^(1/2) s^(1/2)).
    fit_mc, fit_master : Fit
        ``heat = a + B/τ`` over the selected durations: Monte Carlo and exact heats (both
        weighted by the Monte Carlo standard errors).
    b_fixed, b_fixed_se : float
        B with a fixed at ``quasistatic_heat``, and its standard error (J s).
    fit_selected : ndarray of bool, shape (len(durations),)
        The durations in the fits (τ >= ``fit_min_duration``).
    device : object
        The device (``devices.IdealBit`` by default).
    reference : Config
        The config the four-ramp ran at: ``config``, or on a device ``config`` with the
        device's mean rest barrier as ``hold_barrier`` and its attempt frequency.
    """

    config: Config
    erasures: tuple[Erasure, ...]
    quasistatic_success: float
    quasistatic_heat: float
    length: float
    fit_mc: Fit
    fit_master: Fit
    b_fixed: float
    b_fixed_se: float
    fit_selected: np.ndarray
    device: object = None
    reference: Config | None = None


def _on_device(cfg: Config):
    """``(device, config of the ideal reference)``: on a device, the four-ramp runs at its
    mean rest barrier and attempt frequency."""
    dev = devkey.resolve(cfg.device)
    if cfg.device == devkey.IDEAL:
        return dev, cfg
    if is_fn_dam(dev):
        return dev, dataclasses.replace(cfg, attempt_frequency=dev.attempt_frequency)
    return dev, dataclasses.replace(
        cfg, hold_barrier=min(devkey.rest_barrier(dev, cfg.temperature), 200.0),
        attempt_frequency=dev.attempt_frequency)


def _device_erasure(cfg: Config, dev, tau: float, seeds: Seeds, i: int, progress: bool) -> dict:
    """The device's erasing pulse of ``tau`` s, simulated (one exact step) from (1/2, 1/2) with
    stream ``device_erase[i]``."""
    if cfg.device == devkey.IDEAL:
        return {}
    seed = seeds.seed("device_erase", i)
    eps = 1.0 - quasistatic_success(cfg)
    if is_fn_dam(dev):
        return {"fn_dam": fn_dam_ops.erase(cfg, dev, tau, eps, seed, progress)}
    dw = devkey.device_write(dev, cfg.device, eps, tau, cfg.temperature, "erase")
    return {"device_write": dw,
            "device": simulate(cfg, dw.protocol, tau, [0.5, 0.5], seed, progress=progress,
                               powers=dw.powers),
            "static_estimate": 0.5 * bounds.static_write_cost(
                cfg.hold_barrier * sc.kT(cfg.temperature), tau, eps, cfg.attempt_frequency,
                cfg.temperature)}


def run(cfg: Config, progress: bool = False) -> Result:
    """Simulate every duration; returns per-duration ledgers, master-equation references,
    bound lines and the ``a + B/τ`` fits (on a device, also its erasing pulse)."""
    user = cfg
    dev, cfg = _on_device(cfg)
    seeds = Seeds(cfg.seed)
    kT = sc.kT(cfg.temperature)
    p_qs = quasistatic_success(cfg)
    geo = bounds.geodesic_bit_protocol(
        0.5, 1.0 - p_qs, 1.0, cfg.temperature, cfg.attempt_frequency, cfg.kinetics,
        barrier=cfg.low_barrier * kT,
    )
    length = bounds.thermodynamic_length(geo, cfg.temperature, cfg.attempt_frequency,
                                         cfg.kinetics)
    erasures = []
    outer = bar(len(cfg.durations), NAME, progress)
    for i, tau in enumerate(cfg.durations):
        dt = _dt(cfg, tau)
        sim = simulate(cfg, protocol(cfg, tau), dt, [0.5, 0.5], seeds.seed("erase", i),
                       progress=progress)
        m = sim.master
        opt = sc.solve_master(optimal_protocol(cfg, tau), dt, cfg.temperature,
                              cfg.attempt_frequency, cfg.kinetics, [0.5, 0.5])
        idx = np.linspace(0, m.history.shape[0] - 1, HISTORY_POINTS).round().astype(int)
        erasures.append(Erasure(
            duration=tau, dt=dt, sim=sim, optimal=opt,
            speed_limit=bounds.speed_limit(m.initial_occupancy, m.occupancy, m.activity,
                                           cfg.temperature),
            landauer=bounds.landauer_erasure(m.occupancy[0], cfg.temperature),
            history_t=(m.times[idx] - m.times[0]) / tau,
            history_p0=m.history[idx, 0],
            **_device_erasure(cfg, dev, tau, seeds, i, progress),
        ))
        outer.update()
    outer.close()
    tau = np.array([e.duration for e in erasures])
    sel = tau >= cfg.fit_min_duration
    q_mc = np.array([e.sim.mc.heat.mean for e in erasures])
    se = np.array([e.sim.mc.heat.stderr for e in erasures])
    q_ex = np.array([e.sim.master.heat for e in erasures])
    q_inf = bounds.landauer_erasure(p_qs, cfg.temperature)
    w = 1.0 / se[sel] ** 2
    return Result(
        config=user, seeds=seeds, erasures=tuple(erasures), quasistatic_success=p_qs,
        quasistatic_heat=q_inf, length=length,
        fit_mc=_fit(tau[sel], q_mc[sel], se[sel]), fit_master=_fit(tau[sel], q_ex[sel], se[sel]),
        b_fixed=float(np.sum(w * (q_mc[sel] - q_inf) / tau[sel]) / np.sum(w / tau[sel] ** 2)),
        b_fixed_se=float(1.0 / np.sqrt(np.sum(w / tau[sel] ** 2))), fit_selected=sel,
        device=dev, reference=cfg,
    )


def checks(result: Result) -> list[dict]:
    """Monte Carlo vs master equation (work and heat: Gaussian; success: Clopper–Pearson),
    second law and speed limit (bounds, one-sided), fitted B vs the same fit of the exact
    values; tolerances at the report's family-wise false-alarm rate (``assemble``)."""
    out = []
    kT = result.kT
    for i, e in enumerate(result.erasures):
        r, m = e.sim.mc, e.sim.master
        t = f"τ = {e.duration:.3g} s"
        for name in ("work", "heat"):
            est = getattr(r, name)
            out.append(check(check_key(f"{name}_vs_master", i), f"{name} vs master, {t}",
                             est.mean / kT, getattr(m, name) / kT, se=est.stderr / kT,
                             tolerance=1e-12, unit="kT"))
        out.append(count_check(check_key("success_vs_master", i),
                               f"success probability vs master, {t}",
                               r.occupancy[0] * r.n_cells, r.n_cells, m.occupancy[0]))
        out.append(check(check_key("second_law", i), f"work >= ΔF_neq (second law), {t}",
                         r.work.mean / kT, m.delta_f_neq / kT, se=r.work.stderr / kT,
                         kind="lower", unit="kT"))
        out.append(check(check_key("speed_limit", i),
                         f"work - ΔF_neq >= kT L1²/2𝒜 (speed limit), {t}",
                         (r.work.mean - m.delta_f_neq) / kT, e.speed_limit / kT,
                         se=r.work.stderr / kT, kind="lower", unit="kT"))
        if e.device is not None:
            out += _device_checks(i, t, e, kT, result.config.temperature)
        if e.fn_dam is not None:
            out += fn_dam_ops.erase_checks(i, e.fn_dam, kT, result.config.temperature)
    mc, ex, q_inf = result.fit_mc, result.fit_master, result.quasistatic_heat
    out.append(check("fit_b_vs_master", "fit B (heat = a + B/τ) vs same fit of master equation",
                     mc.b / kT, ex.b / kT, se=mc.b_se / kT, unit="kT·s"))
    out.append(check("fit_asymptote_vs_landauer",
                     "fit asymptote a vs generalised Landauer bound at quasi-static P",
                     mc.a / kT, q_inf / kT, se=mc.a_se / kT, tolerance=abs(ex.a - q_inf) / kT,
                     unit="kT"))
    return assemble(out)


def _device_checks(i: int, t: str, e: Erasure, kT: float, temperature: float) -> list[dict]:
    """The device's erasing pulse: work and heat vs master (Gaussian), success vs master
    (Clopper–Pearson), second law and generalised Landauer (one-sided), its closed forms."""
    r, m = e.device.mc, e.device.master
    out = [check(check_key(f"device_{name}_vs_master", i), f"device: {name} vs master, {t}",
                 getattr(r, name).mean / kT, getattr(m, name) / kT,
                 se=getattr(r, name).stderr / kT, tolerance=1e-12, unit="kT")
           for name in ("work", "heat")]
    out.append(count_check(check_key("device_success_vs_master", i),
                           f"device: success probability vs master, {t}",
                           r.occupancy[0] * r.n_cells, r.n_cells, m.occupancy[0]))
    out.append(check(check_key("device_second_law", i),
                     f"device: work >= ΔF_neq (second law), {t}", r.work.mean / kT,
                     m.delta_f_neq / kT, se=r.work.stderr / kT, kind="lower", unit="kT"))
    out.append(check(check_key("device_heat_above_landauer", i),
                     f"device: heat >= generalised Landauer at the MC success, {t}",
                     r.heat.mean / kT, bounds.landauer_erasure(r.occupancy[0], temperature) / kT,
                     se=r.heat.stderr / kT, kind="lower", unit="kT"))
    return out + devkey.write_checks(i, t, e.device_write, e.device, kT)


def _device_report(result: Result) -> list[str]:
    """The device's erasing pulse against the four-ramp of the ideal cell and Landauer."""
    kT, ln2 = result.kT, np.log(2)
    ref = result.reference
    lines = [devkey.describe(result.config.device, result.device),
             f"device erasure by its own write pulse (rectangular, τ long, success"
             f" {result.quasistatic_success:.6g} from level 1), from a random bit; the four-ramp"
             f" above ran on the ideal cell at the device's mean rest barrier"
             f" {ref.hold_barrier:.4g} kT and f0 = {ref.attempt_frequency:.4g} Hz",
             f"{'duration (s)':>12} {'control':>11} {'work MC (kT)':>17} {'heat MC (kT)':>17}"
             f" {'P(0) MC':>8} {'tilt-only':>9} {'four-ramp':>9} {'Q/kTln2':>8}"
             f" {'Q-kTln2':>8} {'elec (fJ)':>10} {'elec/Q':>9}"]
    for e in result.erasures:
        r, dw = e.device.mc, e.device_write
        elec = e.device.electrical_total().mean
        lines.append(
            f"{e.duration:12.3g} {dw.control:11.4g} {mean_pm(r.work, kT)} {mean_pm(r.heat, kT)}"
            f" {r.occupancy[0]:8.5f} {e.static_estimate / kT:9.3f} {e.sim.master.heat / kT:9.4f}"
            f" {r.heat.mean / kT / ln2:8.3g} {r.heat.mean / kT - ln2:8.3f}"
            f" {elec * 1e15:10.4g} {elec / r.heat.mean:9.3g}")
    lines.append(
        "a one-control device cannot approach kT ln 2: its barrier is fixed, so the pulse must"
        " tilt the barrier out of level 1 down to about kT ln(f0 τ / ln(1/ε)) and that tilt is"
        " dissipated on every flip (tilt-only: bounds.static_write_cost/2 at the same barrier);"
        " its heat falls only logarithmically with τ, the four-ramp's as kT ln 2 + B/τ")
    return lines


def _fn_dam_report(result: Result) -> list[str]:
    """The FN-DAM reset against the M-level Landauer bound and the ideal four-ramp per bit."""
    kT, ln2 = result.kT, np.log(2)
    dev = result.device
    bits = np.log2(dev.levels)
    lines = [devkey.describe(result.config.device, dev),
             f"FN-DAM erasure: reset of a uniform value ({dev.levels} levels = {bits:g} bits) to"
             f" level 0 by one downward pulse at age {fn_dam_ops.ERASE_AGE:g} s, success"
             f" {result.quasistatic_success:.6g}; Landauer for it: kT [ln M - H(p_end)] ="
             f" {bits:g} × kT ln 2 = {np.log(dev.levels):.4f} kT for a sure reset; per bit the"
             " two-level kT ln 2 (the four-ramp above: one ideal bit)",
             f"{'duration (s)':>12} {'V_p (V)':>8} {'W MC (kT)':>17} {'Q MC (kT)':>17}"
             f" {'P(0) MC':>8} {'Landauer':>8} {'Q/bit/kTln2':>11} {'elec (fJ)':>10}"
             f" {'elec/bit (kT)':>13} {'elec/Q':>9}"]
    for e in result.erasures:
        f = e.fn_dam
        r = f.sim.mc
        elec = f.sim.electrical_total().mean
        bound = fn_dam_ops.landauer_levels(r.occupancy, result.config.temperature)
        lines.append(
            f"{e.duration:12.3g} {f.amplitude:8.4g} {mean_pm(r.work, kT)} {mean_pm(r.heat, kT)}"
            f" {r.occupancy[0]:8.5f} {bound / kT:8.4f} {r.heat.mean / kT / bits / ln2:11.4g}"
            f" {elec * 1e15:10.4g} {elec / bits / kT:13.4g} {elec / r.heat.mean:9.3g}")
    lines.append("the electrical energy (charge × voltage of the electrons through both gates)"
                 " is what the cell dissipates; the model's Q is that of its effective chain")
    return lines


def report(result: Result) -> str:
    cfg, kT = result.reference or result.config, result.kT
    lines = [
        f"{NAME}: {cfg.n_cells} cells, T = {cfg.temperature:g} K,"
        f" f0 = {cfg.attempt_frequency:g} Hz, {cfg.kinetics}, barrier {cfg.hold_barrier:g}"
        f" -> {cfg.low_barrier:g} kT, tilt {cfg.tilt:g} kT",
        "energies per cell in kT (Monte Carlo ± standard error | exact master equation)",
        f"{'duration (s)':>12} {'work MC':>17} {'work exact':>11} {'heat MC':>17}"
        f" {'heat exact':>11} {'P(0) MC':>8} {'P(0) exact':>10} {'ΔF_neq':>7} {'optimal':>8}",
    ]
    for e in result.erasures:
        r, m = e.sim.mc, e.sim.master
        lines.append(
            f"{e.duration:12.3g} {mean_pm(r.work, kT)} {m.work / kT:11.4f}"
            f" {mean_pm(r.heat, kT)}"
            f" {m.heat / kT:11.4f} {r.occupancy[0]:8.5f} {m.occupancy[0]:10.5f}"
            f" {m.delta_f_neq / kT:7.4f} {e.optimal.work / kT:8.4f}"
        )
    mc, ex = result.fit_mc, result.fit_master
    lines += [
        f"fit heat = a + B/τ (τ >= {cfg.fit_min_duration:g} s): a = {mc.a / kT:.4f} ±"
        f" {mc.a_se / kT:.4f} kT, B = {mc.b / kT:.4g} ± {mc.b_se / kT:.2g} kT·s (master"
        f" equation: a = {ex.a / kT:.4f} kT, B = {ex.b / kT:.4g} kT·s)",
        f"fit with a fixed at the quasi-static bound {result.quasistatic_heat / kT:.4f} kT:"
        f" B = {result.b_fixed / kT:.4g} ± {result.b_fixed_se / kT:.2g} kT·s; geodesic L²/τ"
        f" coefficient {result.length ** 2 / kT:.4g} kT·s",
        f"Landauer limit kT ln 2 = {np.log(2):.4f} kT",
    ]
    if is_fn_dam(result.device):
        lines += _fn_dam_report(result)
    elif result.config.device != devkey.IDEAL:
        lines += _device_report(result)
    return "\n".join(lines)


def _device_data(result: Result) -> dict:
    """The ``device`` group: the device, its erasing pulses and their ledgers."""
    col = functools.partial(column, result.erasures)
    out = devkey.tree(result.config.device, result.device)
    out["barrier"] = energy(result.reference.hold_barrier * result.kT,
                            "mean rest barrier (the ideal reference's hold barrier)")
    out["attempt_frequency"] = quantity(result.reference.attempt_frequency, "Hz")
    out["erase"] = {
        "control": quantity(col(lambda e: e.device_write.control), "",
                            "control of the erasing pulse (device unit)"),
        "tilt": energy(col(lambda e: e.device_write.tilt), "E1 - E0 during the pulse"),
        "failure": quantity(col(lambda e: e.device_write.failure), "",
                            "exact fraction not in level 0 after it"),
        **_ledger_columns(col, lambda e: e.device, "electrical ledger per cell, Monte Carlo"
                          " (NaN: no model)"),
        "static_estimate": energy(col(lambda e: e.static_estimate),
                                  "bounds.static_write_cost / 2 at the same barrier"),
    }
    return out


def _ledger_columns(col, sim, electrical_note: str) -> dict:
    """The HDF5 columns of a device run's ledger (``sim(point)``: a device simulation with
    ``mc``, ``master`` and ``electrical_total()``): work, heat, success, electrical energy."""
    return {
        "work": energy(col(lambda e: sim(e).mc.work.mean), "mean work per cell (model)"),
        "work_stderr": energy(col(lambda e: sim(e).mc.work.stderr)),
        "heat": energy(col(lambda e: sim(e).mc.heat.mean), "mean heat per cell (model)"),
        "heat_stderr": energy(col(lambda e: sim(e).mc.heat.stderr)),
        "heat_master": energy(col(lambda e: sim(e).master.heat)),
        "success": quantity(col(lambda e: sim(e).mc.occupancy[0]), "",
                            "fraction of cells in level 0 at the end"),
        "electrical": energy(col(lambda e: sim(e).electrical_total().mean), electrical_note),
        "electrical_stderr": energy(col(lambda e: sim(e).electrical_total().stderr)),
        "electrical_master": energy(col(lambda e: sim(e).electrical_total().master)),
    }


def _fn_dam_data(result: Result) -> dict:
    """The ``device`` group of an FN-DAM run: its reset pulses and their ledgers."""
    col = functools.partial(column, [e.fn_dam for e in result.erasures])
    t = result.config.temperature
    out = devkey.tree(result.config.device, result.device)
    out["attempt_frequency"] = quantity(result.reference.attempt_frequency, "Hz")
    out["reset"] = {
        "age": quantity(fn_dam_ops.ERASE_AGE, "s", "age of the cell at the reset"),
        "bits": quantity(np.log2(result.device.levels), "", "log2 M: bits erased"),
        "amplitude": quantity(col(lambda f: f.amplitude), "V", "reset pulse amplitude"),
        "failure": quantity(col(lambda f: f.failure), "", "exact fraction off level 0"),
        **_ledger_columns(col, lambda f: f.sim, "electrical ledger per cell, Monte Carlo"),
        "landauer": energy(col(lambda f: fn_dam_ops.landauer_levels(f.sim.mc.occupancy, t)),
                           "kT [ln M - H(p_end)] at the Monte Carlo occupancy"),
        "electrical_closed_form": energy(col(lambda f: f.electrical), "charge × voltage"),
    }
    return out


def data(result: Result) -> dict:
    erasures, cfg = result.erasures, result.config
    col = functools.partial(column, erasures)
    mc, ex = result.fit_mc, result.fit_master
    if is_fn_dam(result.device):
        extra = {"device": _fn_dam_data(result)}
    else:
        extra = {} if cfg.device == devkey.IDEAL else {"device": _device_data(result)}
    return {
        **extra,
        "duration": quantity(col(lambda e: e.duration), "s", "erasure duration τ"),
        "dt": quantity(col(lambda e: e.dt), "s", "time step"),
        "mc": {
            "work": energy(col(lambda e: e.sim.mc.work.mean), "mean work per cell"),
            "work_stderr": energy(col(lambda e: e.sim.mc.work.stderr)),
            "heat": energy(col(lambda e: e.sim.mc.heat.mean), "mean heat per cell"),
            "heat_stderr": energy(col(lambda e: e.sim.mc.heat.stderr)),
            "success": quantity(col(lambda e: e.sim.mc.occupancy[0]), "",
                                "fraction of cells in level 0 at the end"),
            "n_cells": quantity(cfg.n_cells, ""),
        },
        "master": {
            "work": energy(col(lambda e: e.sim.master.work)),
            "heat": energy(col(lambda e: e.sim.master.heat)),
            "success": quantity(col(lambda e: e.sim.master.occupancy[0]), ""),
            "delta_f_neq": energy(col(lambda e: e.sim.master.delta_f_neq),
                                  "generalised Landauer bound on the work"),
            "activity": quantity(col(lambda e: e.sim.master.activity), "",
                                 "expected jumps per cell"),
        },
        "bounds": {
            "landauer": energy(col(lambda e: e.landauer),
                               "kT [ln 2 - H(P)] at the master-equation P"),
            "speed_limit": energy(col(lambda e: e.sim.master.delta_f_neq + e.speed_limit),
                                  "ΔF_neq + kT L1²/(2𝒜)"),
            "optimal_estimate": energy(
                result.quasistatic_heat + result.length ** 2 / col(lambda e: e.duration),
                "landauer(P_qs) + L²/τ (geodesic, slow driving)"),
            "optimal_master": energy(col(lambda e: e.optimal.work),
                                     "work of the geodesic cycle, master equation"),
            "thermodynamic_length": quantity(result.length, "J^(1/2) s^(1/2)"),
            "quasistatic_success": quantity(result.quasistatic_success, ""),
            "quasistatic_heat": energy(result.quasistatic_heat),
        },
        "fit": {
            "a": energy(mc.a, "asymptote of heat = a + B/τ, Monte Carlo"),
            "a_stderr": energy(mc.a_se),
            "B": quantity(mc.b, "J s", "coefficient B of heat = a + B/τ, Monte Carlo"),
            "B_stderr": quantity(mc.b_se, "J s"),
            "a_master": energy(ex.a),
            "B_master": quantity(ex.b, "J s"),
            "B_fixed": quantity(result.b_fixed, "J s", "B with a = quasistatic_heat"),
            "B_fixed_stderr": quantity(result.b_fixed_se, "J s"),
            "selected": quantity(result.fit_selected, "", "durations in the fit"),
        },
        "history": {
            "time_fraction": quantity(erasures[0].history_t, "", "t/τ"),
            "p0": quantity(np.array([e.history_p0 for e in erasures]), "",
                           "master-equation occupancy of level 0, one row per duration"),
        },
        "seeds": seeds_tree(result.seeds),
    }


def plot(res, outdir) -> list[str]:
    kT = res.attrs["kT"]
    tau = res["duration"]
    stems: list[str] = []
    tt = np.geomspace(tau.min(), tau.max(), 200)
    a, b = float(res["fit/a"]), float(res["fit/B"])
    # ⟨Q⟩ = ⟨W⟩ (flat wells at both ends): the heat is drawn at 1.12 τ so that it shows
    shift = 1.12
    below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.14), "frameon": False}
    speed = "speed limit of this protocol (Shiraishi–Funo–Saito)"
    geodesic = "geodesic protocol of the same τ (master eq.)"
    with figure(outdir, "heat_work_vs_duration", stems, size=(11, 7), ncols=2) as (_fig, ax):
        ax[0].errorbar(tau, res["mc/work"] / kT, 4 * res["mc/work_stderr"] / kT, fmt="o",
                       ms=6, mfc="none", label="⟨W⟩ Monte Carlo (±4 s.e.)")
        ax[0].errorbar(tau * shift, res["mc/heat"] / kT, 4 * res["mc/heat_stderr"] / kT,
                       fmt="D", ms=4, color="C1", label=f"⟨Q⟩ Monte Carlo (drawn at {shift} τ)")
        ax[0].plot(tau, res["master/work"] / kT, "k-", lw=1, label="master equation")
        ax[0].plot(tt, (a + b / tt) / kT, "C3--", lw=1,
                   label=f"fit a + B/τ, B = {b / kT:.3g} kT·s")
        ax[0].plot(tau, res["bounds/speed_limit"] / kT, "C2-.", label=speed)
        ax[0].plot(tau, res["master/delta_f_neq"] / kT, "C4:", lw=2,
                   label="generalised Landauer bound ΔF$_{\\rm neq}$")
        ax[0].plot(tau, res["bounds/optimal_master"] / kT, "C1s", ms=4, mfc="none",
                   label=geodesic)
        ax[0].plot(tt, (res["bounds/quasistatic_heat"] + res["bounds/thermodynamic_length"] ** 2
                        / tt) / kT, "C1-", lw=0.8, label="geodesic: Q∞ + kT L²/τ")
        ax[0].axhline(np.log(2), color="0.4", lw=0.8, label="kT ln 2")
        ax[0].set(xscale="log", xlabel="erasure duration τ (s)",
                  ylabel="energy per cell (kT)", title="work and heat of erasure")
        ax[0].legend(**below)
        q_inf = float(res["bounds/quasistatic_heat"])
        ax[1].errorbar(tau, (res["mc/heat"] - q_inf) / kT, 4 * res["mc/heat_stderr"] / kT,
                       fmt="o", ms=5, mfc="none", label="⟨Q⟩ - Q∞, Monte Carlo (±4 s.e.)")
        ax[1].plot(tau, (res["master/heat"] - q_inf) / kT, "k-", lw=1, label="master equation")
        ax[1].plot(tt, (a - q_inf + b / tt) / kT, "C3--", lw=1, label="fit a + B/τ, minus Q∞")
        ax[1].plot(tau, (res["bounds/speed_limit"] - q_inf) / kT, "C2-.",
                   label="speed limit of this protocol, minus Q∞")
        ax[1].plot(tau, (res["bounds/optimal_master"] - q_inf) / kT, "C1s", ms=4, mfc="none",
                   label=geodesic + ":\na different protocol, so below this one's limit")
        ax[1].set(xscale="log", yscale="log", xlabel="erasure duration τ (s)",
                  ylabel="excess heat per cell (kT)",
                  title=f"excess over Q∞ = {q_inf / kT:.4f} kT")
        ax[1].legend(**below)
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
    if "device/erase/heat" in res.data:
        _plot_device(res, outdir, stems)
    if "device/reset/heat" in res.data:
        _plot_fn_dam(res, outdir, stems)
    return stems


def _plot_fn_dam(res, outdir, stems) -> None:
    """The FN-DAM reset: model heat and electrical energy against the M-level Landauer bound
    and the ideal four-ramp (x log2 M), in J."""
    tau = res["duration"]
    bits = float(res["device/reset/bits"])
    with figure(outdir, "fn_dam_erasure", stems) as (_fig, ax):
        ax.errorbar(tau, res["device/reset/heat"], 4 * res["device/reset/heat_stderr"], fmt="o",
                    mfc="none", label="model heat Q of the reset, Monte Carlo (±4 s.e.)")
        ax.plot(tau, res["device/reset/electrical"], "s--",
                label="electrical: charge × voltage of the electrons")
        ax.plot(tau, bits * res["master/heat"], "C2^-", mfc="none",
                label=f"{bits:g} × four-ramp heat, ideal bit")
        ax.plot(tau, res["device/reset/landauer"], "k:",
                label=f"Landauer kT [ln M - H], ≈ {bits:g} kT ln 2")
        ax.set(xscale="log", yscale="log", xlabel="reset pulse duration τ (s)",
               ylabel="energy per cell (J)",
               title=f"device {res.config['device']}: erasure of {bits:g} bits")
        ax.legend()


def _plot_device(res, outdir, stems) -> None:
    """The device's erasure against the ideal four-ramp and kT ln 2, in kT; and its heat
    against its electrical energy, in J."""
    kT = res.attrs["kT"]
    tau = res["duration"]
    q, q_se = res["device/erase/heat"], res["device/erase/heat_stderr"]
    elec = res["device/erase/electrical"]
    with figure(outdir, "device_erasure", stems, size=(10, 4.2), ncols=2) as (_fig, ax):
        ax[0].errorbar(tau, q / kT, 4 * q_se / kT, fmt="o", mfc="none",
                       label="device write pulse, Monte Carlo (±4 s.e.)")
        ax[0].plot(tau, res["device/erase/static_estimate"] / kT, "C0--",
                   label="tilt-only erasure, ideal cell at the same barrier")
        ax[0].plot(tau, res["master/heat"] / kT, "C1s-", mfc="none",
                   label="four-ramp, ideal cell at the same barrier")
        ax[0].axhline(np.log(2), color="k", ls=":", label="kT ln 2")
        ax[0].set(xscale="log", yscale="log", xlabel="erasure duration τ (s)",
                  ylabel="heat per erasure (kT)",
                  title=f"device {res.config['device']}: erasure")
        ax[0].legend()
        ax[1].plot(tau, q, "o-", label="heat (thermodynamic)")
        if np.all(np.isfinite(elec)) and np.any(elec > 0):
            ax[1].plot(tau, elec, "s--", label="electrical energy of the pulse")
        ax[1].axhline(kT * np.log(2), color="k", ls=":", label="kT ln 2")
        ax[1].set(xscale="log", yscale="log", xlabel="erasure duration τ (s)",
                  ylabel="energy per erasure (J)", title="thermodynamic vs electrical")
        ax[1].legend()


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot)

"""Two-state validity: what barrier modulation costs in a continuous double well, and where the
two-level reduction's energies hold.

The two-level model (THEORY.md sections 1-4) books every change of a barrier as free: moving only
saddles does no work. In the quartic well ``U(x) = E_B [(x/x0)^2 - 1]^2`` it is not free
(THEORY.md section 10): raising the barrier narrows the wells, so the quasi-static work is the
free-energy change ``ΔF = -kT ln ∫ e^{-U/kT}`` (about ½ kT ln(E_B'/E_B) for high barriers:
1.07 kT from 10 to 82 kT), and a barrier-only cycle ``E_B -> 1 kT -> E_B`` done in finite time
dissipates. This experiment computes, with the noiseless SqRA oracle
(``simcore.fokker_planck``), the mean work of that cycle over a map of barrier heights and cycle
durations (in units of ``τ_low = ζ x0² / (8 E_low)``, the relaxation time of the wells at the
cycle's lowest barrier, the slowest intra-well time of the cycle), where the two-state answer
is exactly 0 (the sudden and the quasi-static limits both give 0 in the continuous well too, so
the dissipation peaks in between); checks the Langevin engine against the oracle at a few points
of the map (4 standard errors); tabulates the quasi-static ΔF of a barrier raise against the
two-state value (0) and the harmonic estimate; and compares the Kramers rate of
``devices.DoubleWell`` (with and without its finite-barrier correction ``1 + 3kT/(8 E_B)``)
with the exact mean first-passage time. The validity map marks where the two-state energies are
within ``tolerance`` kT of the continuous ones and the Kramers time within 10 %.

Landauer erasure in the continuous well (``erasure.py``, the ``erase_*`` keys): lower, tilt,
raise, untilt over durations of ``erase_durations`` τ_low; the oracle's ⟨W⟩(τ) (and its value on
half the step, the discretisation error), the Langevin engine at ``erase_mc`` durations, the
generalised Landauer bound at the oracle's success P, the two-state model's work for the same
ramps on the bit engine's master equation, the optimal-transport finite-time bound
``ΔF_neq + ζ 𝒲₂²/τ`` and the ``a + B/τ`` fit (see that module's docstring for what is and is not
checked against the published finite-time Landauer results).

The finite-speed barrier raise from the Langevin engine (``raise_durations``): ``raise_from ->
raise_mc_to`` kT in linear ramps, engine against oracle on the same step grid, and the
dissipated work ``W - ΔF`` (ΔF by quadrature); ``mc_points`` also checks the engine on the
40 -> 1 -> 40 kT cycle.

The underdamped erasure that heats the memory (S. Dago and L. Bellon, PRL 128, 070604 (2022),
doi:10.1103/PhysRevLett.128.070604; ``erasure.underdamped_heating``, the ``heat_*`` keys): the
same erasure with the BAOAB engine at quality factor ``heat_q`` of the held well, over
``heat_durations`` in units of m/ζ, from equilibrium with Maxwell velocities. Right after the
protocol the kinetic temperature ``m⟨v²⟩/k`` is measured (above T when driven fast; T at rest:
equipartition), and the hold that follows gives the relaxation rate of the excess kinetic
energy (two windows, each averaged over one period of the well), checked against ζ/m where the
excess is small (0.5 to 3 kT; the rate is exactly ζ/m for a harmonic well, a softening well
relaxes slower at large excess).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

import simcore as sc
from devices import DoubleWell
from experiments.checks import assemble, check, check_key
from experiments.common import bar, energy, figure, quantity, seeds_tree
from experiments.config import field, seed_field, temperature_field
from experiments.contract import Experiment
from experiments.results import ResultBase, column
from experiments.two_state_validity import erasure as er
from simcore import fokker_planck as fp
from simcore.langevin import ParticleArray, PolynomialProtocol, quartic_coefficients
from simcore.seeds import Seeds

NAME = "two_state_validity"
SUMMARY = "work of barrier modulation in a continuous double well; two-state validity map"


@dataclass(frozen=True, kw_only=True)
class Config:
    n_particles: int = field(20_000, "", "Langevin particles per checked map point", low=100,
                             high=2**32)
    temperature: float = temperature_field()
    friction: float = field(1e-12, "kg/s", "friction ζ", low=0, open_low=True)
    half_width: float = field(1e-9, "m", "well position x0", low=0, open_low=True)
    heights: tuple[float, ...] = field((5.0, 10.0, 20.0, 40.0), "kT",
                                       "barrier heights E_B of the map", low=2, high=90)
    low_barrier: float = field(1.0, "kT", "barrier at the bottom of the cycle", low=0,
                               open_low=True, high=10)
    durations: tuple[float, ...] = field((0.1, 1.0, 10.0, 100.0, 1000.0), "τ_low",
                                         "cycle durations in relaxation times of the wells"
                                         " at the low barrier", low=0, open_low=True)
    steps_per_cycle: int = field(400, "", "oracle steps per cycle", low=20, high=10**6)
    grid_points: int = field(401, "", "SqRA nodes", low=51, high=20_001)
    mc_points: tuple[int, ...] = field((0, 6, 15, 16), "", "flat indices of the map points"
                                       " checked by Langevin runs (15, 16: the 40 -> 1 -> 40"
                                       " kT cycle)", low=0)
    mc_step: float = field(0.01, "τ_w", "Langevin time step in relaxation times of the wells"
                           " at the high barrier", low=0, open_low=True, high=0.1)
    tolerance: float = field(0.05, "kT", "two-state energies count as valid within this",
                             low=0, open_low=True)
    raise_from: float = field(10.0, "kT", "start barrier of the quasi-static raise", low=1)
    raise_to: float = field(82.0, "kT", "end barrier of the quasi-static raise", low=1,
                            high=150)
    erase_barrier: float = field(20.0, "kT", "barrier that holds the bit in the erasure",
                                 low=2, high=60)
    erase_force: float = field(10.0, "kT", "tilt F x0 of the erasure (the right well down)",
                               low=0, open_low=True, high=40)
    erase_durations: tuple[float, ...] = field((1.0, 30.0, 300.0, 3000.0, 30000.0), "τ_low",
                                               "erasure durations (the last two: the a + B/τ"
                                               " fit)", low=0, open_low=True)
    erase_steps: int = field(1000, "", "oracle steps per erasure (and twice as many, for its"
                             " discretisation error)", low=20, high=10**6)
    erase_mc: tuple[int, ...] = field((0,), "", "indices of the erasure durations checked by"
                                      " Langevin runs", low=0)
    raise_durations: tuple[float, ...] = field((0.1, 1.0, 10.0), "τ_low",
                                               "ramp times of the finite-speed barrier raise"
                                               " raise_from -> raise_mc_to (engine and oracle)",
                                               low=0, open_low=True)
    raise_mc_to: float = field(40.0, "kT", "end barrier of the finite-speed raise", low=1,
                               high=60)
    heat_q: float = field(30.0, "", "quality factor sqrt(m U'')/ζ of the held well in the"
                          " underdamped erasure", low=3, high=1000)
    heat_durations: tuple[float, ...] = field((1.0, 3.0, 10.0, 100.0), "m/ζ",
                                              "underdamped erasure durations (the last: at rest)",
                                              low=0, open_low=True)
    seed: int = seed_field(1)

    def smoke(self) -> Config:
        return dataclasses.replace(self, n_particles=4000, heights=(5.0, 20.0),
                                   durations=(1.0, 10.0, 100.0), steps_per_cycle=100,
                                   grid_points=201, mc_points=(1,), mc_step=0.02,
                                   erase_durations=(1.0, 3000.0, 30000.0), erase_steps=400,
                                   heat_durations=(1.0, 3.0, 100.0), raise_durations=(0.1,))

    def check(self) -> None:
        n_map = len(self.heights) * len(self.durations)
        if any(i >= n_map for i in self.mc_points):
            raise sc.ParameterError("mc_points", self.mc_points,
                                    f"flat indices below {n_map} (heights x durations)")
        if any(i >= len(self.erase_durations) for i in self.erase_mc):
            raise sc.ParameterError("erase_mc", self.erase_mc,
                                    f"indices below {len(self.erase_durations)}"
                                    " (erase_durations)")
        if len(self.erase_durations) < 2 or list(self.erase_durations) != sorted(
                set(self.erase_durations)):
            raise sc.ParameterError("erase_durations", self.erase_durations,
                                    "at least two distinct increasing durations")
        if self.erase_barrier <= self.low_barrier:
            raise sc.ParameterError("erase_barrier", self.erase_barrier,
                                    f"a barrier above low_barrier = {self.low_barrier} kT")
        if min(self.heights) <= self.low_barrier:
            raise sc.ParameterError("heights", self.heights,
                                    f"barriers above low_barrier = {self.low_barrier} kT")


@dataclass(frozen=True, eq=False)
class LangevinPoint:
    """One map point checked by a Langevin run: barrier ``height`` (kT), cycle ``duration``
    (τ_low), the particles' mean cycle ``work`` and its standard error ``work_se`` (J), the
    oracle's mean work on the same step grid ``oracle`` (J), and the worst per-trajectory
    ``first_law`` residual (J)."""

    height: float
    duration: float
    work: float
    work_se: float
    oracle: float
    first_law: float


@dataclass(frozen=True, kw_only=True, eq=False)
class Result(ResultBase):
    """The map (``work``, ``heat``: (H, D) oracle mean work and heat of the cycle, J), the
    Langevin checks (``mc``), the quasi-static raise (``raise_dF`` by quadrature and its
    harmonic estimate ``raise_dF_harmonic``, J) and the Kramers table (``kramers``: arrays
    ``height`` (kT), ``ratio`` and ``corrected``)."""

    config: Config
    work: np.ndarray
    heat: np.ndarray
    mc: tuple[LangevinPoint, ...]
    raise_dF: float
    raise_dF_harmonic: float
    kramers: dict
    erasure: tuple[er.ErasurePoint, ...] = ()
    erasure_mc: tuple[LangevinPoint, ...] = ()
    heating: tuple[er.Heating, ...] = ()
    raising: tuple[LangevinPoint, ...] = ()
    raise_mc_dF: float = 0.0


def _well(cfg: Config, barrier_kT: float) -> np.ndarray:
    return quartic_coefficients(barrier_kT * sc.kT(cfg.temperature), cfg.half_width)


def _engine_point(cfg, protocol, dt, seed, height, duration) -> LangevinPoint:
    """The Langevin engine's mean work on ``protocol`` (equilibrium start, step ``dt``) beside
    the Fokker-Planck oracle's on the same step grid."""
    arr = ParticleArray(cfg.n_particles, friction=cfg.friction, temperature=cfg.temperature,
                        seed=seed)
    r = arr.run(protocol, dt, initial="equilibrium")
    o = fp.solve_fokker_planck(protocol, dt, friction=cfg.friction,
                               temperature=cfg.temperature, grid=_grid(cfg))
    return LangevinPoint(height=height, duration=duration, work=r.total_work.mean,
                         work_se=r.total_work.stderr, oracle=o.total_work,
                         first_law=r.first_law_residual)


def _tau_w(cfg: Config, barrier_kT: float) -> float:
    return cfg.friction * cfg.half_width**2 / (8 * barrier_kT * sc.kT(cfg.temperature))


def cycle(cfg: Config, barrier_kT: float, duration: float) -> PolynomialProtocol:
    """``E_B -> low_barrier -> E_B``, two linear ramps of ``duration``/2 s (barrier only)."""
    hi, lo = _well(cfg, barrier_kT), _well(cfg, cfg.low_barrier)
    return PolynomialProtocol([0.0, duration / 2, duration], [hi, lo, hi], ["lower", "raise"])


def _grid(cfg: Config):
    return (-1.9 * cfg.half_width, 1.9 * cfg.half_width, cfg.grid_points)


def run(cfg: Config, progress: bool = False) -> Result:
    kT = sc.kT(cfg.temperature)
    seeds = Seeds(cfg.seed)
    h_n, d_n = len(cfg.heights), len(cfg.durations)
    work = np.empty((h_n, d_n))
    heat = np.empty((h_n, d_n))
    outer = bar(h_n * d_n + len(cfg.mc_points) + 1 + len(cfg.erase_durations)
                + len(cfg.erase_mc) + len(cfg.heat_durations) + len(cfg.raise_durations),
                NAME, progress)
    for i, eb in enumerate(cfg.heights):
        for j, d in enumerate(cfg.durations):
            duration = d * _tau_w(cfg, cfg.low_barrier)
            o = fp.solve_fokker_planck(cycle(cfg, eb, duration), duration / cfg.steps_per_cycle,
                                       friction=cfg.friction, temperature=cfg.temperature,
                                       grid=_grid(cfg))
            work[i, j], heat[i, j] = o.total_work, o.total_heat
            outer.update()
    mc = []
    for flat in cfg.mc_points:
        i, j = divmod(int(flat), d_n)
        eb, d = cfg.heights[i], cfg.durations[j]
        tw = _tau_w(cfg, eb)
        p = cycle(cfg, eb, d * _tau_w(cfg, cfg.low_barrier))
        mc.append(_engine_point(cfg, p, cfg.mc_step * tw, seeds.seed("langevin", i, j), eb, d))
        outer.update()
    p = PolynomialProtocol.ramp(_well(cfg, cfg.raise_from), _well(cfg, cfg.raise_to), 1.0)
    d_f = fp.free_energy(p, 1.0, temperature=cfg.temperature) - fp.free_energy(
        p, 0.0, temperature=cfg.temperature)
    kram = {"height": [], "ratio": [], "corrected": []}
    for eb in cfg.heights:
        dw = DoubleWell(barrier=eb * kT, half_width=cfg.half_width, friction=cfg.friction)
        t = dw.mean_first_passage_time(-cfg.half_width, cfg.half_width, cfg.temperature)
        k01, _ = dw.kramers_rates(cfg.temperature)
        kram["height"].append(eb)
        kram["ratio"].append(t * k01)
        kram["corrected"].append(t * k01 / (1 + 3.0 / (8.0 * eb)))
    outer.update()
    tau_low = _tau_w(cfg, cfg.low_barrier)
    erasure = []
    for d in cfg.erase_durations:
        erasure.append(er.erase_point(cfg, d, tau_low))
        outer.update()
    erasure_mc = []
    for j in cfg.erase_mc:
        d = cfg.erase_durations[j]
        dt = cfg.mc_step * _tau_w(cfg, cfg.erase_barrier)
        p = er.erasure_protocol(kT, cfg.half_width, cfg.erase_barrier, cfg.low_barrier,
                                cfg.erase_force, d * tau_low)
        erasure_mc.append(_engine_point(cfg, p, dt, seeds.seed("erase", j),
                                        cfg.erase_barrier, d))
        outer.update()
    raising = []
    ramp = PolynomialProtocol.ramp(_well(cfg, cfg.raise_from), _well(cfg, cfg.raise_mc_to), 1.0)
    raise_df = fp.free_energy(ramp, 1.0, temperature=cfg.temperature) - fp.free_energy(
        ramp, 0.0, temperature=cfg.temperature)
    for j, d in enumerate(cfg.raise_durations):
        dt = cfg.mc_step * _tau_w(cfg, cfg.raise_mc_to)
        p = PolynomialProtocol.ramp(_well(cfg, cfg.raise_from), _well(cfg, cfg.raise_mc_to),
                                    d * tau_low, "raise")
        raising.append(_engine_point(cfg, p, dt, seeds.seed("raise", j), cfg.raise_mc_to, d))
        outer.update()
    heating = []
    for j, d in enumerate(cfg.heat_durations):
        heating.append(er.underdamped_heating(cfg, cfg.heat_q, d, cfg.n_particles,
                                              seeds.seed("heating", j)))
        outer.update()
    outer.close()
    return Result(config=cfg, seeds=seeds, work=work, heat=heat, mc=tuple(mc),
                  raise_dF=float(d_f),
                  raise_dF_harmonic=0.5 * kT * float(np.log(cfg.raise_to / cfg.raise_from)),
                  kramers={k: np.array(v) for k, v in kram.items()},
                  erasure=tuple(erasure), erasure_mc=tuple(erasure_mc),
                  heating=tuple(heating), raising=tuple(raising),
                  raise_mc_dF=float(raise_df))


def erasure_fit(result: Result) -> tuple[float, float]:
    """``(a, B)`` (J, J·τ_low) of ``⟨W⟩ = a + B/τ`` through the two slowest erasures, each
    extrapolated to zero step (``2 W(step/2) - W(step)``, the oracle's error being first order
    in the step)."""
    e = result.erasure[-2:]
    tau = np.array([x.duration for x in e])
    w = np.array([2 * x.work_fine - x.work for x in e])
    return er.fit_inverse(tau, w)


def validity(result: Result) -> np.ndarray:
    """(H, D) True where the two-state energies (cycle work 0) are within ``tolerance`` kT of
    the continuous ones and the Kramers time (with its correction) within 10 %."""
    cfg = result.config
    ok_w = np.abs(result.work) / result.kT <= cfg.tolerance
    ok_k = np.abs(result.kramers["corrected"] - 1.0) <= 0.1
    return ok_w & ok_k[:, None]


def checks(result: Result) -> list[dict]:
    cfg, kT = result.config, result.kT
    out = []
    for j, m in enumerate(result.mc):
        out.append(check(check_key("langevin_vs_oracle_work", j),
                         f"Langevin vs oracle cycle work, E_B = {m.height:g} kT, "
                         f"{m.duration:g} τ_low", m.work / kT, m.oracle / kT,
                         se=m.work_se / kT, unit="kT"))
        out.append(check(check_key("first_law", j),
                         f"first law per trajectory, E_B = {m.height:g} kT",
                         m.first_law / kT, 0.0, tolerance=1e-9, unit="kT"))
    out.append(check("second_law", "cycle work >= 0 over the map (second law, ΔF = 0)",
                     result.work.min() / kT, 0.0, tolerance=1e-9, kind="lower", unit="kT"))
    w = result.work / kT
    out.append(check("quasistatic_limit",
                     "the slowest cycle dissipates less than the worst speed (every height:"
                     " the quasi-static limit is approached)",
                     float(np.max(w[:, -1] - w.max(axis=1))), 0.0, kind="upper", unit="kT"))
    out.append(check("raise_free_energy",
                     f"quasi-static ΔF of {cfg.raise_from:g} -> {cfg.raise_to:g} kT vs"
                     " harmonic wells", result.raise_dF / kT, result.raise_dF_harmonic / kT,
                     tolerance=0.1, unit="kT"))
    for j, m in enumerate(result.erasure_mc):
        out.append(check(check_key("erase_langevin_vs_oracle", j),
                         f"erasure work, Langevin vs oracle, {m.duration:g} τ_low",
                         m.work / kT, m.oracle / kT, se=m.work_se / kT, unit="kT"))
        out.append(check(check_key("erase_first_law", j), "first law per trajectory, erasure",
                         m.first_law / kT, 0.0, tolerance=1e-9, unit="kT"))
    for j, e in enumerate(result.erasure):
        err = abs(e.work_fine - e.work) / kT
        out.append(check(check_key("erase_above_landauer", j),
                         f"erasure work >= kT [ln 2 - H(P)], {e.duration:g} τ_low",
                         e.work / kT, e.landauer / kT, tolerance=err, kind="lower", unit="kT"))
        out.append(check(check_key("erase_transport_bound", j),
                         f"erasure work >= ΔF_neq + ζ W2²/τ, {e.duration:g} τ_low",
                         e.work / kT, e.bound / kT, tolerance=err, kind="lower", unit="kT"))
    if result.erasure:
        a, _ = erasure_fit(result)
        last = result.erasure[-1]
        err = sum(abs(x.work_fine - x.work) for x in result.erasure[-2:]) / kT
        out.append(check("erase_slow_limit",
                         "a of W = a + B/τ (two slowest, step-extrapolated) vs kT [ln 2 - H(P)]",
                         a / kT, last.landauer / kT, tolerance=err, unit="kT"))
    for j, m in enumerate(result.raising):
        out.append(check(check_key("raise_langevin_vs_oracle", j),
                         f"barrier raise {cfg.raise_from:g} -> {cfg.raise_mc_to:g} kT in"
                         f" {m.duration:g} τ_low, Langevin vs oracle work", m.work / kT,
                         m.oracle / kT, se=m.work_se / kT, unit="kT"))
        out.append(check(check_key("raise_second_law", j),
                         f"raise in {m.duration:g} τ_low: oracle work >= ΔF (quadrature)",
                         m.oracle / kT, result.raise_mc_dF / kT, tolerance=1e-6, kind="lower",
                         unit="kT"))
    if result.heating:
        t = cfg.temperature
        fast, rest = result.heating[0], result.heating[-1]
        out.append(check("heating_fast", f"kinetic temperature after a {fast.duration:g} m/ζ"
                         " erasure > T (the memory heats)", fast.t_kin, t, se=fast.t_kin_se,
                         kind="lower", unit="K"))
        out.append(check("equipartition_at_rest", f"kinetic temperature after a"
                         f" {rest.duration:g} m/ζ erasure = T (equipartition)", rest.t_kin, t,
                         se=rest.t_kin_se, unit="K"))
        for j, h in enumerate(result.heating):
            if 0.5 <= h.stored / kT <= 3.0:
                out.append(check(check_key("heating_relaxation", j),
                                 f"relaxation rate of the excess kinetic energy vs ζ/m,"
                                 f" {h.duration:g} m/ζ", h.rate / h.gamma, 1.0,
                                 se=h.rate_se / h.gamma, unit="ζ/m"))
    k = result.kramers
    i = int(np.argmax(k["height"]))
    out.append(check("kramers_corrected",
                     f"Kramers time with finite-barrier correction, E_B = {k['height'][i]:g} kT",
                     k["corrected"][i], 1.0, tolerance=2.0 / k["height"][i] ** 2))
    return assemble(out)


def report(result: Result) -> str:
    cfg, kT = result.config, result.kT
    lines = [f"{NAME}: barrier-only cycle E_B -> {cfg.low_barrier:g} kT -> E_B, mean work"
             " (kT) by the SqRA oracle; the two-state model books 0",
             f"{'E_B (kT)':>9} " + " ".join(f"{d:>7g}τ_low" for d in cfg.durations)]
    for i, eb in enumerate(cfg.heights):
        lines.append(f"{eb:9g} " + " ".join(f"{w:12.4f}" for w in result.work[i] / kT))
    v = validity(result)
    lines.append(f"two-state valid (|W| <= {cfg.tolerance:g} kT, Kramers within 10 %):")
    for i, eb in enumerate(cfg.heights):
        lines.append(f"{eb:9g} " + " ".join(f"{'yes' if x else 'no':>12}" for x in v[i]))
    for m in result.mc:
        lines.append(f"Langevin at E_B = {m.height:g} kT, {m.duration:g} τ_low:"
                     f" {m.work / kT:.4f} ± {m.work_se / kT:.4f} kT"
                     f" (oracle {m.oracle / kT:.4f})")
    lines.append(f"quasi-static raise {cfg.raise_from:g} -> {cfg.raise_to:g} kT: ΔF ="
                 f" {result.raise_dF / kT:.4f} kT (harmonic {result.raise_dF_harmonic / kT:.4f},"
                 " two-state 0)")
    k = result.kramers
    lines.append("Kramers: T_mfpt k = " + ", ".join(
        f"{h:g} kT: {r:.4f} (corrected {c:.4f})" for h, r, c in
        zip(k["height"], k["ratio"], k["corrected"], strict=True)))
    if result.erasure:
        lines.append(f"erasure (hold {cfg.erase_barrier:g} kT, low {cfg.low_barrier:g} kT,"
                     f" F x0 = {cfg.erase_force:g} kT), mean work in kT:")
        lines.append(f"{'τ (τ_low)':>10} {'oracle':>8} {'half dt':>8} {'P':>10} {'Landauer':>9}"
                     f" {'OT bound':>9} {'ζW2²/τ':>8} {'2-state':>8}")
        for e in result.erasure:
            tau = e.duration * _tau_w(cfg, cfg.low_barrier)
            lines.append(f"{e.duration:10g} {e.work / kT:8.4f} {e.work_fine / kT:8.4f}"
                         f" {e.success:10.7f} {e.landauer / kT:9.4f} {e.bound / kT:9.4f}"
                         f" {cfg.friction * e.w2**2 / tau / kT:8.4f} {e.two_state / kT:8.4f}")
        a, b = erasure_fit(result)
        lines.append(f"fit W = a + B/τ (two slowest, step-extrapolated): a = {a / kT:.4f} kT,"
                     f" B = {b / kT:.3g} kT·τ_low (ln 2 = {math.log(2):.4f})")
        for m in result.erasure_mc:
            lines.append(f"Langevin erasure at {m.duration:g} τ_low: {m.work / kT:.4f} ±"
                         f" {m.work_se / kT:.4f} kT (oracle {m.oracle / kT:.4f})")
    if result.raising:
        lines.append(f"finite-speed barrier raise {cfg.raise_from:g} -> {cfg.raise_mc_to:g} kT"
                     f" (ΔF = {result.raise_mc_dF / kT:.4f} kT by quadrature; two-state 0):"
                     " ramp time (τ_low), Langevin work, oracle work, W_diss = W - ΔF (kT)")
        for m in result.raising:
            lines.append(f"{m.duration:8g} {m.work / kT:9.4f} ± {m.work_se / kT:.4f}"
                         f" {m.oracle / kT:9.4f} {(m.oracle - result.raise_mc_dF) / kT:9.4f}")
    if result.heating:
        lines.append(f"underdamped erasure (BAOAB, Q = {cfg.heat_q:g}): duration (m/ζ), work"
                     " (kT), kinetic temperature after it (K), stored kinetic energy (kT),"
                     " relaxation rate of its excess (ζ/m)")
        for h in result.heating:
            lines.append(f"{h.duration:8g} {h.work / kT:8.3f} ± {h.work_se / kT:.3f}"
                         f" {h.t_kin:9.1f} ± {h.t_kin_se:.1f} {h.stored / kT:8.3f}"
                         f" {h.rate / h.gamma:8.3f} ± {h.rate_se / h.gamma:.3f}"
                         f"  (W - kT ln 2: {h.work / kT - math.log(2):.3f} kT)")
    return "\n".join(lines)


def data(result: Result) -> dict:
    cfg = result.config
    return {
        "height": energy(np.array(cfg.heights) * result.kT, "barrier heights of the map"),
        "duration": quantity(np.array(cfg.durations), "τ_low", "cycle durations"),
        "work": energy(result.work, "oracle mean work of the barrier cycle (two-state: 0)"),
        "heat": energy(result.heat, "oracle mean heat of the barrier cycle"),
        "valid": quantity(validity(result).astype(np.int8), "", "two-state model valid"),
        "mc": {
            "height": energy(column(result.mc, lambda m: m.height) * result.kT),
            "duration": quantity(column(result.mc, lambda m: m.duration), "τ_low"),
            "work": energy(column(result.mc, lambda m: m.work)),
            "work_stderr": energy(column(result.mc, lambda m: m.work_se)),
            "oracle": energy(column(result.mc, lambda m: m.oracle)),
        },
        "raise": {
            "delta_f": energy(result.raise_dF, "quasi-static ΔF by quadrature"),
            "delta_f_harmonic": energy(result.raise_dF_harmonic, "½ kT ln(E_B'/E_B)"),
        },
        "kramers": {
            "height": energy(result.kramers["height"] * result.kT),
            "ratio": quantity(result.kramers["ratio"], "", "T_mfpt * k_Kramers"),
            "corrected": quantity(result.kramers["corrected"], "",
                                  "T_mfpt * k_Kramers / (1 + 3kT/(8 E_B))"),
        },
        "erasure": {
            "duration": quantity(column(result.erasure, lambda e: e.duration), "τ_low",
                                 "erasure durations"),
            "work": energy(column(result.erasure, lambda e: e.work), "oracle mean work"),
            "work_half_step": energy(column(result.erasure, lambda e: e.work_fine),
                                     "oracle mean work on half the step"),
            "success": quantity(column(result.erasure, lambda e: e.success), "",
                                "probability of the right well at the end"),
            "landauer": energy(column(result.erasure, lambda e: e.landauer),
                               "kT [ln 2 - H(P)]"),
            "transport_bound": energy(column(result.erasure, lambda e: e.bound),
                                      "ΔF_neq + ζ W2²/τ"),
            "two_state": energy(column(result.erasure, lambda e: e.two_state),
                                "two-state model (bit engine master equation)"),
        },
        "raise_finite": {
            "duration": quantity(column(result.raising, lambda m: m.duration), "τ_low",
                                 "ramp times"),
            "work": energy(column(result.raising, lambda m: m.work), "Langevin mean work"),
            "work_stderr": energy(column(result.raising, lambda m: m.work_se)),
            "oracle": energy(column(result.raising, lambda m: m.oracle), "oracle mean work"),
            "delta_f": energy(result.raise_mc_dF, "quasi-static ΔF by quadrature"),
        },
        "heating": {
            "duration": quantity(column(result.heating, lambda h: h.duration), "m/ζ",
                                 "underdamped erasure durations"),
            "work": energy(column(result.heating, lambda h: h.work)),
            "work_stderr": energy(column(result.heating, lambda h: h.work_se)),
            "kinetic_temperature": quantity(column(result.heating, lambda h: h.t_kin), "K",
                                            "m<v²>/k right after the erasure"),
            "kinetic_temperature_stderr": quantity(column(result.heating,
                                                          lambda h: h.t_kin_se), "K"),
            "stored_kinetic": energy(column(result.heating, lambda h: h.stored),
                                     "m<v²>/2 - kT/2 right after the erasure"),
            "relaxation_rate": quantity(column(result.heating, lambda h: h.rate / h.gamma),
                                        "ζ/m", "relaxation rate of the excess kinetic energy"),
        },
        "seeds": seeds_tree(result.seeds),
    }


def plot(res, outdir) -> list[str]:
    kT = res.attrs["kT"]
    stems: list[str] = []
    h = res["height"] / kT
    d = res["duration"]
    w = res["work"] / kT
    with figure(outdir, "cycle_work", stems) as (_fig, ax):
        for i, eb in enumerate(h):
            ax.plot(d, np.maximum(w[i], 1e-6), "o-", label=f"E_B = {eb:g} kT")
        ax.axhline(float(res.config["tolerance"]), color="k", ls=":", label="tolerance")
        ax.set(xscale="log", yscale="log", xlabel="cycle duration (τ_low)",
               ylabel="mean work of the barrier cycle (kT)",
               title="barrier modulation is not free (two-state: 0)")
        ax.legend()
    with figure(outdir, "validity_map", stems) as (fig, ax):
        im = ax.pcolormesh(np.arange(d.size + 1), np.arange(h.size + 1),
                           np.log10(np.maximum(w, 1e-6)), shading="flat")
        valid = res["valid"]
        for i in range(h.size):
            for j in range(d.size):
                ax.text(j + 0.5, i + 0.5, "ok" if valid[i, j] else "x", ha="center",
                        va="center", color="w")
        ax.set_xticks(np.arange(d.size) + 0.5, [f"{x:g}" for x in d])
        ax.set_yticks(np.arange(h.size) + 0.5, [f"{x:g}" for x in h])
        ax.set(xlabel="cycle duration (τ_low)", ylabel="barrier E_B (kT)",
               title="log10 work (kT); ok: two-state valid")
        fig.colorbar(im, ax=ax)
    with figure(outdir, "erasure_work", stems) as (_fig, ax):
        t = res["erasure/duration"]
        ax.plot(t, res["erasure/work"] / kT, "o-", label="continuous well (oracle)")
        ax.plot(t, res["erasure/two_state"] / kT, "s--", label="two-state model")
        ax.plot(t, res["erasure/transport_bound"] / kT, "^:", label="ΔF_neq + ζ W2²/τ")
        ax.plot(t, res["erasure/landauer"] / kT, "k-", lw=0.8, label="kT [ln 2 - H(P)]")
        ax.set(xscale="log", yscale="log", xlabel="erasure duration τ (τ_low)",
               ylabel="mean work (kT)", title="finite-time erasure in the quartic well")
        ax.legend()
    with figure(outdir, "underdamped_heating", stems) as (_fig, ax):
        t = res["heating/duration"]
        ax.errorbar(t, res["heating/kinetic_temperature"],
                    4 * res["heating/kinetic_temperature_stderr"], fmt="o-",
                    label="m⟨v²⟩/k after the erasure (±4 s.e.)")
        ax.axhline(float(res.config["temperature"]), color="k", ls=":", label="bath T")
        ax.set(xscale="log", yscale="log", xlabel="erasure duration (m/ζ)",
               ylabel="kinetic temperature (K)", title="a fast erasure heats the memory")
        ax.legend()
    return stems


SIZE_KEYS = ("n_particles",)


def memory_estimate(cfg: Config) -> float:
    """Peak bytes: positions, start/end energies and per-tag work and heat per particle."""
    return 200.0 * cfg.n_particles


#: Particle-steps that one Fokker-Planck oracle step costs per grid node squared: a step's
#: tridiagonal eigendecomposition with eigenvectors (``scipy.linalg.eigh_tridiagonal``) took
#: 17 ms at 401 nodes on a 2-core AMD EPYC (Zen 4), about 1.7e6 cell-steps of the engine at
#: ``harness.cost.CELL_STEPS_PER_S``.
ORACLE_STEP_COST = 10.0


def cost_estimate(cfg: Config) -> float:
    """The run's work in particle-steps: each checked map point runs ``n_particles`` through a
    cycle of ``d τ_low`` in steps of ``mc_step τ_w(E_B)``, so ``d (E_B / low_barrier) / mc_step``
    steps (``τ_low / τ_w = E_B / E_low``); the oracle's steps are counted for every map point
    and each checked one. The erasure adds
    ``3 erase_steps`` oracle steps per duration, its Langevin checks ``d (erase_barrier /
    low_barrier) / mc_step`` steps each (engine and oracle), and each underdamped erasure of
    ``d`` m/ζ about ``(d + 3) 50 heat_q / 2π`` steps (50 per period of the well, the protocol
    and the hold up to the second window); each finite-speed raise of ``d`` τ_low
    ``d (raise_mc_to / low_barrier) / mc_step`` steps (engine and oracle). An oracle step
    counts as ``ORACLE_STEP_COST grid_points²`` particle-steps (its eigendecomposition)."""
    oracle = ORACLE_STEP_COST * float(cfg.grid_points) ** 2
    d_n = len(cfg.durations)
    total = 0.0
    for flat in cfg.mc_points:
        i, j = divmod(int(flat), d_n)
        steps = math.ceil(cfg.durations[j] * cfg.heights[i] / cfg.low_barrier / cfg.mc_step)
        total += float(cfg.n_particles) * steps + oracle * steps
    n_map = len(cfg.heights) * d_n
    total += oracle * cfg.steps_per_cycle * n_map
    total += oracle * 3 * cfg.erase_steps * len(cfg.erase_durations)
    for j in cfg.erase_mc:
        steps = math.ceil(cfg.erase_durations[j] * cfg.erase_barrier / cfg.low_barrier
                          / cfg.mc_step)
        total += (float(cfg.n_particles) + oracle) * steps
    for d in cfg.heat_durations:
        total += float(cfg.n_particles) * (d + 3.0) * 50.0 * cfg.heat_q / (2 * math.pi)
    for d in cfg.raise_durations:
        steps = math.ceil(d * cfg.raise_mc_to / cfg.low_barrier / cfg.mc_step)
        total += (float(cfg.n_particles) + oracle) * steps
    return total


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot,
                        memory_estimate=memory_estimate, size_keys=SIZE_KEYS,
                        cost_estimate=cost_estimate)

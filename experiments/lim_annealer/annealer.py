"""The runs: the in-memory Ising machine on every scan point, its equilibrium check, and the
write-through annealer (a digital heat-bath over passive memory) on the same instances."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

import experiments.lim_optimizer as lo
import simcore as sc
from experiments.common import bar
from experiments.lim_annealer.config import NAME, SCHEDULES, Config
from experiments.lim_annealer.oracle import equilibrium_energy
from experiments.lim_annealer.problems import Instance, planted, spin_glass
from simcore import lim
from simcore.bounds import retention_barrier, retention_time
from simcore.errors import ParameterError, one_of
from simcore.references import CONTROLLER_OPERATIONS, controller_energy
from simcore.seeds import Seeds
from simcore.well_modulation import quasi_static_free_energy_change, sudden_change_work

#: Lowest barrier (kT) from which a quartic double well's raise is priced (at 0 the flat well's
#: free energy diverges; ``energy_to_solution``'s default modulation floor is the same 1 kT).
MODULATION_FLOOR = 1.0


@dataclass(frozen=True, eq=False)
class Point:
    """One anneal of ``replicas`` restarts of the in-memory machine.

    ``scan`` (brute, speed, clock, size, schedule), ``kind`` of instance, ``n`` spins,
    ``colours``, ``sweeps``, ``schedule``, ``barrier`` (kT), ``window`` (s), ``sweep_time`` (s,
    ``colours·τ``), ``epsilon`` (fraction of a heat-bath move per window at zero field),
    ``ground_energy`` (unit) and ``state_energy`` (unit, H of the instance's known ground state
    by the machine's kernel), ``energy`` (R,) final problem energies (unit); per restart (J):
    ``work``, ``heat`` of the update wall, ``consolidate`` (untilt work), ``hold`` (the
    ledger's hold work: 0, flat wells); ``flips`` (hops per restart). The hold
    (``IsingMachine.hold`` for ``retention``): ``hold_barrier`` (kT) E_L, ``margins`` (K,) kT
    below it, ``hold_errors`` (K, R) flipped spins, ``hold_p`` (K,) exact flip probability per
    cell; ``modulation`` (K,) J per restart, the quasi-static work of raising N quartic wells
    from the anneal barrier (at least ``MODULATION_FLOOR``) to each hold barrier
    (``modulation_sudden`` the instant raise); ``scrubs`` (K,) scrubs needed to keep the
    answer to ``error`` at each barrier instead. Controller (not in the ledger): ``macs`` per
    restart (sweeps × nnz(J)) and ``controller`` J (``references.controller_energy``).
    ``first_law`` (J, largest
    ``|ΣW - ΣQ|`` over restarts after consolidation) and ``heat_identity`` (J, largest
    ``|Q_s + g_s ΔH_s|``); ``seed`` of the machine, ``seconds`` (s, CPU)."""

    scan: str
    kind: str
    n: int
    colours: int
    sweeps: int
    schedule: str
    barrier: float
    window: float
    sweep_time: float
    epsilon: float
    ground_energy: float
    state_energy: float
    energy: np.ndarray
    work: float
    heat: float
    consolidate: float
    hold: float
    flips: float
    hold_barrier: float
    margins: np.ndarray
    hold_errors: np.ndarray
    hold_p: np.ndarray
    modulation: np.ndarray
    modulation_sudden: np.ndarray
    scrubs: np.ndarray
    macs: float
    controller: float
    first_law: float
    law_scale: float
    heat_identity: float
    seed: int
    seconds: float

    @property
    def residual(self) -> np.ndarray:
        """Residual energy per spin (unit) of each restart, ``(E - E_0)/N``."""
        return (self.energy - self.ground_energy) / self.n

    @property
    def successes(self) -> int:
        # energies are sums of integer couplings: exact in float64
        return int(np.sum(self.energy - self.ground_energy <= 1e-9 * abs(self.ground_energy)))

    @property
    def total(self) -> float:
        """Energy to solution per restart (J): update + hold + consolidate work (the
        two-state ledger; the quartic wells' ``modulation`` and the ``controller`` apart)."""
        return self.work + self.hold + self.consolidate


def hold_answer(cfg: Config, m, barrier_kT: float):
    """Hold the consolidated answer of machine ``m`` for ``cfg.retention`` at E_L less each of
    ``cfg.hold_margins`` (every margin from the same answer and stream; the machine ends in the
    state held at E_L; its ledger's ``hold`` tag counts the flips of every margin). Returns
    ``(E_L/kT, errors (K, R), p (K,), quasi-static (K,) J, sudden (K,) J, scrubs (K,))``, the
    energies and scrubs per restart."""
    kT, n = m.kT, m.n
    e_l = float(retention_barrier(cfg.retention, cfg.error, cfg.attempt_frequency,
                                  cfg.temperature, n_cells=n))
    spins, step = m.spins.copy(), m.step
    start = max(barrier_kT, MODULATION_FLOOR) * kT
    order = sorted(range(len(cfg.hold_margins)), key=lambda k: -cfg.hold_margins[k])
    k_ = len(order)
    errors = np.zeros((k_, m.replicas), dtype=np.int64)
    p, qs, sd, scrubs = (np.zeros(k_) for _ in range(4))
    for k in order:  # the margin 0 (E_L) last: the machine keeps that answer
        b = e_l - cfg.hold_margins[k] * kT
        m.spins[:] = spins
        m.step = step
        p[k] = m.flip_probability(cfg.retention, b)
        errors[k] = m.hold(cfg.retention, b)
        if b > start:
            qs[k] = n * quasi_static_free_energy_change(start, b, cfg.temperature)
            sd[k] = n * sudden_change_work(start, b, cfg.temperature)
        scrubs[k] = math.ceil(cfg.retention / retention_time(
            b, cfg.error, cfg.attempt_frequency, cfg.temperature, n_cells=n))
    return e_l / kT, errors, p, qs, sd, scrubs


def scrub_energy(point: Point) -> np.ndarray:
    """Controller energy (J per restart) of keeping the answer at each hold barrier by scrubs
    instead: every scrub reads the N spins (``references.CONTROLLER_OPERATIONS``); the rewrites
    of the few flipped cells (ε per scrub) are left out, so this is a lower estimate."""
    return point.scrubs * point.n * CONTROLLER_OPERATIONS["sram-8kb-32bit-read"]


@dataclass(frozen=True)
class Equilibrium:
    """Constant-β sampling of an enumerated glass: ``energy`` (R,) after ``burn`` sweeps,
    ``exact`` mean energy (unit) from the spectrum, ``beta`` (1/unit)."""

    n: int
    beta: float
    burn: int
    energy: np.ndarray
    exact: float
    exact_std: float
    first_law: float
    law_scale: float


@dataclass(frozen=True)
class Baseline:
    """The write-through annealer (``lim_optimizer``'s memory, one architecture) on the
    instance of the in-memory point ``point`` (index into the points): per restart (J) the work
    by wall ``walls`` (update, hold, consolidate), ``energy`` (R,) final problem energies,
    ``hops`` written, ``seconds`` (CPU)."""

    architecture: str
    point: int
    walls: dict
    energy: np.ndarray
    hops: float
    seconds: float


def schedule(cfg: Config, kind: str, sweeps: int):
    """The ``kind`` schedule of ``sweeps`` sweeps ending at ``beta_max`` (``simcore.lim``)."""
    one_of("schedule", kind, SCHEDULES)
    if kind == "static":
        return lim.Static(cfg.beta_max)
    if kind == "linear":
        return lim.LinearBeta(cfg.beta_min, cfg.beta_max)
    if kind == "logarithmic":
        return lim.Logarithmic(math.log1p(sweeps / cfg.log_n0) / cfg.beta_max, cfg.log_n0)
    knee = cfg.neurosa_knee * sweeps  # θ_max / rate (sweeps)
    theta_max = cfg.beta_max / math.log1p(sweeps / knee)
    return lim.NeuroSA(theta_max, theta_max / knee)


def estimate_scale(cfg: Config, kind: str, sweeps: int) -> float:
    """The time constant (sweeps) handed to ``energy_to_solution``'s logarithmic activity."""
    if kind == "logarithmic":
        return cfg.log_n0
    return max(1.0, cfg.neurosa_knee * sweeps)


def machine(cfg: Config, problem: Instance, replicas: int, seed: int, barrier_kT: float):
    """An ``IsingMachine`` for ``problem`` with the config's bath, clock and ``barrier``."""
    kT = sc.kT(cfg.temperature)
    return lim.IsingMachine(problem.couplings, replicas=replicas, temperature=cfg.temperature,
                            attempt_frequency=cfg.attempt_frequency, seed=seed,
                            barrier=barrier_kT * kT, window=cfg.window / cfg.attempt_frequency)


def anneal(cfg: Config, scan: str, problem: Instance, kind: str, sweeps: int, barrier_kT: float,
           seed: int) -> Point:
    """Anneal ``cfg.restarts`` restarts of ``problem``, then consolidate; book the walls."""
    clock = time.process_time()
    m = machine(cfg, problem, cfg.restarts, seed, barrier_kT)
    res = m.anneal(schedule(cfg, kind, sweeps), sweeps)
    per_cons = -m.cell_energy()  # each restart's untilt work (its cells started untilted)
    cons = m.consolidate()
    r = cfg.restarts
    g = res.betas[:, None] * m.kT
    ident = float(np.max(np.abs(res.heat + g * np.diff(res.energy, axis=0))))
    law = float(np.max(np.abs(res.work.sum(axis=0) + per_cons - res.heat.sum(axis=0))))
    scale = float(np.max(np.abs(res.work).sum(axis=0) + np.abs(res.heat).sum(axis=0)))
    tau = m.window
    eps = -math.expm1(-2.0 * m.f0 * math.exp(-m.barrier / m.kT) * tau)
    e_l, errors, p, qs, sd, scrubs = hold_answer(cfg, m, barrier_kT)
    macs = float(sweeps * problem.couplings.nnz)
    return Point(
        scan=scan, kind=problem.kind, n=problem.n, colours=m.n_colours, sweeps=sweeps,
        schedule=kind, barrier=barrier_kT, window=tau, sweep_time=m.n_colours * tau,
        epsilon=eps, ground_energy=problem.ground_energy,
        state_energy=float(m.energies(problem.ground_state)[0]), energy=res.energy[-1].copy(),
        work=float(res.work.sum()) / r, heat=float(res.heat.sum()) / r,
        consolidate=cons.work / r, hold=m.ledger["hold"].work / r,
        flips=float(res.flips.sum()) / r, hold_barrier=e_l,
        margins=np.asarray(cfg.hold_margins, dtype=np.float64), hold_errors=errors, hold_p=p,
        modulation=qs, modulation_sudden=sd, scrubs=scrubs, macs=macs,
        controller=controller_energy(macs), first_law=law, law_scale=scale,
        heat_identity=ident, seed=seed,
        seconds=time.process_time() - clock)


def equilibrium(cfg: Config, problem: Instance, beta: float, seed: int) -> Equilibrium:
    """``eq_replicas`` independent chains at constant β for ``eq_burn`` sweeps: their final
    energies are independent samples of (nearly) the Boltzmann law."""
    m = machine(cfg, problem, cfg.eq_replicas, seed, cfg.barrier)
    res = m.sample(beta, cfg.eq_burn)
    mean, std = equilibrium_energy(problem.couplings, beta)
    law = float(np.max(np.abs(res.work.sum(axis=0) - res.heat.sum(axis=0) - res.delta_u)))
    scale = float(np.max(np.abs(res.work).sum(axis=0) + np.abs(res.heat).sum(axis=0)))
    return Equilibrium(problem.n, beta, cfg.eq_burn, res.energy[-1].copy(), mean, std, law,
                       scale)


def _baseline_config(cfg: Config) -> lo.Config:
    return lo.Config(temperature=cfg.temperature, attempt_frequency=cfg.attempt_frequency,
                     error=cfg.error, retention=cfg.retention)


def write_through(cfg: Config, architecture: str, problem: Instance, kind: str, sweeps: int,
                  point: int, seeds: Seeds) -> Baseline:
    """The digital annealer over passive memory: every colour step it reads the spins, draws
    the heat-bath move of the active class at the schedule's β with its own generator (stream
    ``moves``) and writes the spins that change into bit cells of ``architecture``
    (``experiments.lim_optimizer.Memory``: tilt writes, hold scrubs, consolidation), one
    iteration per colour step. The same instance, schedule and colouring as the machine."""
    clock = time.process_time()
    r, n = cfg.baseline_restarts, problem.n
    m = machine(cfg, problem, 1, 0, cfg.barrier)
    colours = m.colours
    betas = schedule(cfg, kind, sweeps).betas(sweeps)
    c_n = m.n_colours
    scale = estimate_scale(cfg, kind, sweeps) * c_n
    mem = lo.Memory(architecture, n, 2, 1, _baseline_config(cfg), "logarithmic", scale,
                    m.window, seeds, np.array([0.5, 0.5]), replicas=r)
    rng = seeds.rng("moves")
    intended = mem.read()
    it = 0
    for s in range(sweeps):
        for c in range(c_n):
            it += 1
            mem.hold(intended, it)
            level = mem.read().reshape(r, n)
            spin = 2.0 * level - 1.0
            local = (problem.couplings @ spin.T).T
            up = rng.random((r, n)) < 0.5 * (1.0 + np.tanh(betas[s] * local))
            target = np.where(colours[None, :] == c, up, level).astype(np.int64).ravel()
            mem.update(target, it)
            intended = target
    stored = mem.finish(intended, it)
    e = problem.energy(2.0 * stored.reshape(r, n) - 1.0)
    walls = {w: v["work"] / r for w, v in mem.energies().items()}
    hops = sum(b.hops for b in mem.books.values()) / r
    return Baseline(architecture, point, walls, e, hops, time.process_time() - clock)


def _points(cfg: Config):
    """(scan, instance kind, size, schedule, sweeps, barrier) of every in-memory point."""
    base = dict(schedule=cfg.schedule, sweeps=cfg.sweeps, barrier=cfg.barrier)
    brute = {**base, "schedule": cfg.brute_schedule, "sweeps": cfg.brute_sweeps}
    out = [("brute", "glass", n, brute) for n in cfg.brute_sizes]
    out += [("speed", "planted", cfg.side, {**base, "sweeps": s}) for s in cfg.sweeps_scan]
    out += [("clock", "planted", cfg.side, {**base, "barrier": b}) for b in cfg.barriers]
    out += [("size", "planted", s, base) for s in cfg.sides]
    out += [("schedule", "planted", cfg.side, {**base, "schedule": k}) for k in SCHEDULES]
    out += [("baseline", "planted", cfg.baseline_side, {**base, "sweeps": cfg.baseline_sweeps})]
    return out


def instance(seeds: Seeds, kind: str, size: int, cfg: Config) -> Instance:
    """The scan's instance: one per (kind, size), shared by every point of that size."""
    rng = seeds.rng("instance", 0 if kind == "glass" else 1, size)
    return spin_glass(size, rng) if kind == "glass" else planted(size, rng, cfg.loop_density)


def run(cfg: Config, progress: bool = False):
    """Every scan point, the equilibrium checks and the baselines. Streams of
    ``Seeds(cfg.seed)``: ``instance[kind, size]`` (kind 0 glass, 1 planted), ``machine[i]``
    for point i, ``equilibrium[j]``, and under ``baseline[a]/`` the baseline's ``cells``,
    ``long_term_cells`` and ``moves`` for architecture index a."""
    from experiments.lim_annealer.results import Result

    for a in cfg.architectures:
        one_of("architectures", a, lim.ARCHITECTURES)
    seeds = Seeds(cfg.seed)
    pts = _points(cfg)
    b = bar(len(pts) + len(cfg.eq_betas) + len(cfg.architectures), NAME, progress)
    cache: dict = {}
    points, eqs, bases = [], [], []
    try:
        eq_problem = spin_glass(cfg.eq_size, seeds.rng("instance", 2, cfg.eq_size))
        for j, beta in enumerate(cfg.eq_betas):
            eqs.append(equilibrium(cfg, eq_problem, beta, seeds.seed("equilibrium", j)))
            b.update(1)
        for i, (scan, kind, size, p) in enumerate(pts):
            key = (kind, size)
            if key not in cache:
                cache[key] = instance(seeds, kind, size, cfg)
            points.append(anneal(cfg, scan, cache[key], p["schedule"], p["sweeps"],
                                 p["barrier"], seeds.seed("machine", i)))
            b.update(1)
        base = len(points) - 1
        problem = cache[("planted", cfg.baseline_side)]
        for a, arch in enumerate(cfg.architectures):
            bases.append(write_through(cfg, arch, problem, cfg.schedule, cfg.baseline_sweeps,
                                       base, seeds.child("baseline", a)))
            b.update(1)
    finally:
        b.close()
    return Result(config=cfg, seeds=seeds, points=tuple(points), equilibria=tuple(eqs),
                  baselines=tuple(bases))


def estimate(cfg: Config, point: Point, architecture: str, modulation: str = "free"):
    """``energy_to_solution`` for the point's OPS (sweeps·N spin updates), N, 1 bit per spin,
    the logarithmic activity at the schedule's time constant and the window τ as update time
    (``modulation`` as there); ``None`` where the estimate refuses those inputs (its validity
    range)."""
    try:
        return lim.energy_to_solution(
            architecture, point.sweeps * point.n, point.n, "logarithmic", 1,
            scale=estimate_scale(cfg, point.schedule, point.sweeps), update_time=point.window,
            temperature=cfg.temperature, attempt_frequency=cfg.attempt_frequency,
            error=cfg.error, retention=cfg.retention, modulation=modulation)
    except ParameterError:
        return None

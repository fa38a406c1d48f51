"""The learner's runs: one quadratic programme per scan point and the digits classifier, each by
the in-memory learner (``simcore.learner.GradientMachine``) beside its baselines (the float64
optimiser and the write-through optimiser of ``experiments.lim_optimizer``), with the exact
conditional heat of every window (the oracle of the ledger checks)."""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.special

from experiments import lim_optimizer
from experiments.common import bar
from experiments.lim_learner.config import ARCHITECTURES, NAME, WALLS, Config
from experiments.lim_learner.tasks import Softmax, digits, float_descent
from experiments.lim_optimizer.problems import quadratic_instance
from simcore import lim
from simcore.bounds import retention_barrier
from simcore.constants import kT as thermal_energy
from simcore.learner import GradientMachine, InverseSchedule, Quadratic
from simcore.master import transition_matrices
from simcore.references import controller_energy
from simcore.seeds import Seeds
from simcore.well_modulation import quasi_static_free_energy_change

#: The fixed λ grid (1/kT) of the heat checks' martingale Chernoff bound, 57 values a side.
HEAT_LAMBDAS = np.concatenate([-np.logspace(-6, 1, 57), np.logspace(-6, 1, 57)])
#: Lowest barrier (kT) from which a quartic well's raise is priced (the flat well diverges).
MODULATION_FLOOR = 1.0


class HeatOracle:
    """Exact conditional law of the heat of every window, given the levels at its start and
    its landscape (``simcore.master.transition_matrices``), summed over windows: ``mean`` (J),
    ``var`` (J²), ``span`` (J, the largest deviation of one cell's heat from its conditional
    mean) and ``cgf`` (at :data:`HEAT_LAMBDAS`), the sum of the windows' conditional cumulant
    generating functions ``Σ_t ln E[e^{λ Q_t/kT} | past]``.

    ``exp(λ(Q - mean)/kT - (cgf(λ) - λ mean/kT))`` is then a mean-one martingale (the windows'
    heats are martingale differences about their conditional means), so by Markov's inequality
    ``P(λ(Q - mean)/kT >= cgf(λ) - λ mean/kT + ln(1/α)) <= α`` for each λ of the fixed grid,
    for every seed and however lumpy the hops: a Chernoff bound whose CGF is the realised
    predictable one (union over the grid's λ of one side: ``tests`` = 57)."""

    def __init__(self, temperature: float, attempt_frequency: float):
        self.t, self.f0 = temperature, attempt_frequency
        self.kT = thermal_energy(temperature)
        self.mean = self.var = self.span = 0.0
        self.cgf = np.zeros(HEAT_LAMBDAS.size)

    def __call__(self, levels, energies, saddles, window):
        c = levels.size
        p = transition_matrices(energies, saddles, np.full(c, window), self.t, self.f0)
        rows = np.maximum(p[np.arange(c), levels], 0.0)
        rows /= rows.sum(axis=1, keepdims=True)
        q = energies[np.arange(c), levels][:, None] - energies
        mean = np.sum(rows * q, axis=1)
        self.mean += float(mean.sum())
        self.var += float(np.sum(np.maximum(np.sum(rows * q**2, axis=1) - mean**2, 0.0)))
        self.span = max(self.span, float(np.max(np.abs(q - mean[:, None]))))
        z = (q / self.kT)[:, :, None] * HEAT_LAMBDAS[None, None, :]
        self.cgf += scipy.special.logsumexp(z, axis=1, b=rows[:, :, None]).sum(axis=0)

    def record(self, simulated: float) -> dict:
        """The check's inputs: ``simulated`` heat (J) beside the oracle's sums."""
        return {"simulated": float(simulated), "mean": self.mean, "sigma": math.sqrt(self.var),
                "span": self.span, "cgf": self.cgf.copy()}


def modulation_work(n_cells: int, start: float, end: float, temperature: float) -> float:
    """Quasi-static work (J) of raising ``n_cells`` quartic double wells from ``start`` (at
    least ``MODULATION_FLOOR`` kT) to ``end`` (J), ``simcore.well_modulation``; 0 if not a
    raise. The two-state ledger books it as free."""
    kT = thermal_energy(temperature)
    a = max(start, MODULATION_FLOOR * kT)
    if end <= a:
        return 0.0
    return n_cells * quasi_static_free_energy_change(a, end, temperature)


def hold_expectation(levels, m: int, barrier: float, duration: float, temperature: float,
                     attempt_frequency: float) -> np.ndarray:
    """Exact probability (per parameter) that a flat M-level cell at ``levels`` (any shape) has
    left its level after ``duration`` (s) behind saddles ``barrier`` (J): ``1 - P[k, k]``."""
    p = transition_matrices(np.zeros((1, m)), np.full((1, m - 1), barrier), [duration],
                            temperature, attempt_frequency)[0]
    return np.clip(1.0 - np.diag(p), 0.0, 1.0)[np.asarray(levels)]


@dataclass(frozen=True)
class Walls:
    """Work done on the cells (J, whole memory) per wall, and the heat of each."""

    work: dict
    heat: dict
    modulation: float = math.nan
    controller: float = math.nan

    @property
    def total(self) -> float:
        """The two-state walls' work (J); ``modulation`` (quartic wells' barrier work) and
        ``controller`` (digital reads + MACs) are separate lines."""
        return float(sum(self.work.values()))


@dataclass(frozen=True)
class QPRun:
    """One quadratic programme: the machine, the estimates and the write-through baseline."""

    label: str
    n: int
    bits: int
    scale: float
    update_time: float
    iterations: int
    colours: int
    beta: float
    barrier0: float
    eta0: float
    walls: Walls
    cell_energy: float
    ledger_scale: float
    heat_oracle: dict
    rms_levels: float
    gap: float
    iterations_to_level: int
    energy_to_level: float
    consolidation_errors: int
    hold_errors: int
    hold_expected: np.ndarray
    consolidated_barrier: float
    macs: float
    hops: float
    estimates: dict
    write_through: dict
    objective: np.ndarray = field(repr=False)
    cumulative_work: np.ndarray = field(repr=False)
    seconds: float = 0.0


@dataclass(frozen=True)
class DigitsRun:
    """The digits classifier: accuracies and cumulative energy at checkpoints, per optimiser."""

    bits: int
    n_params: int
    n_train: int
    n_test: int
    checkpoints: np.ndarray
    machine_accuracy: np.ndarray
    machine_work: np.ndarray
    machine_loss: np.ndarray
    gd_accuracy: np.ndarray
    sgd_accuracy: np.ndarray
    wt_accuracy: np.ndarray
    wt_work: np.ndarray
    correct: int
    walls: Walls
    wt_walls: Walls
    hold_errors: int
    hold_expected: np.ndarray
    consolidated_barrier: float
    macs: float
    cell_energy: float
    ledger_scale: float
    heat_oracle: dict
    estimates: dict
    barrier0: float
    seconds: float


def _walls(ledger, modulation=math.nan, controller=math.nan) -> Walls:
    return Walls({w: ledger[w].work if w in ledger else 0.0 for w in WALLS},
                 {w: ledger[w].heat if w in ledger else 0.0 for w in WALLS},
                 modulation, controller)


def _estimates(cfg: Config, ops, n, bits, scale, update_time) -> dict:
    out = {}
    for arch in ARCHITECTURES:
        e = lim.energy_to_solution(
            arch, ops, n, "inverse", bits, scale=scale, update_time=update_time,
            temperature=cfg.temperature, attempt_frequency=cfg.attempt_frequency,
            error=cfg.error, retention=cfg.retention)
        mod = lim.energy_to_solution(
            arch, ops, n, "inverse", bits, scale=scale, update_time=update_time,
            temperature=cfg.temperature, attempt_frequency=cfg.attempt_frequency,
            error=cfg.error, retention=cfg.retention, modulation="quasi_static")
        out[arch] = {"update": e.update, "consolidate": e.consolidation, "hold": e.hold,
                     "total": e.total, "landauer": e.landauer, "hardware": e.hardware,
                     "modulation": mod.modulation}
    return out


def start_barrier(kT, spacing, beta, f0, window, eta0) -> float:
    """``b_0 = kT ln(Δ² β f0 τ / η0)`` (J): the barrier whose learning rate is ``η0``
    (``simcore.learner.learning_rate``), at least 0 (below, the hop rate caps η)."""
    return kT * max(0.0, math.log(spacing**2 * beta * f0 * window / eta0))


def _ledger_scale(ledger) -> float:
    return float(sum(abs(v.work) + abs(v.heat) for v in ledger.values()))


def _optimizer_config(cfg: Config, iterations: int, scale: float):
    return dataclasses.replace(
        lim_optimizer.Config(), temperature=cfg.temperature,
        attempt_frequency=cfg.attempt_frequency, error=cfg.error, retention=cfg.retention,
        qp_iterations=iterations, qp_scale=scale, qp_degree=cfg.qp_degree)


def solve_qp(cfg: Config, label: str, n: int, bits: int, scale: float, update_time: float,
             seeds: Seeds, oracle: bool) -> QPRun:
    """The machine on the programme of stream ``instance`` of ``seeds`` (the instance the
    optimiser experiment draws for the same seeds), then consolidated in place to the
    retention barrier; beside it the write-through ``matched`` optimiser on the same instance."""
    clock = time.process_time()
    problem = quadratic_instance(n, seeds.rng("instance"), cfg.qp_degree)
    q = Quadratic(problem.matrix, problem.b)
    m = 2**bits
    kT = thermal_energy(cfg.temperature)
    spacing = 2.0 / (m - 1)
    beta = cfg.beta_levels / spacing**2
    eta0 = 1.0 / problem.lipschitz
    b0 = start_barrier(kT, spacing, beta, cfg.attempt_frequency, update_time, eta0)
    mach = GradientMachine(q, n, levels=m, window=update_time, temperature=cfg.temperature,
                           attempt_frequency=cfg.attempt_frequency,
                           seed=seeds.seed("machine_cells"))
    heat = HeatOracle(cfg.temperature, cfg.attempt_frequency) if oracle else None
    res = mach.train(InverseSchedule(beta, b0, scale), cfg.qp_iterations, observer=heat)
    e_long = retention_barrier(cfg.retention, cfg.error, cfg.attempt_frequency,
                               cfg.temperature, n_cells=n * bits)
    e_cons = max(e_long, mach.barrier_now)
    lost = mach.consolidate(e_cons, update_time)
    expected = hold_expectation(mach.levels, m, e_cons, cfg.retention, cfg.temperature,
                                cfg.attempt_frequency)
    held = mach.hold(cfg.retention)
    led = mach.ledger
    # the gradient A θ - b of every parameter once per iteration: nnz(A) multiply-accumulates
    macs = float(cfg.qp_iterations * q.matrix.nnz)
    x = mach.theta[0]
    f_star = float(q.value(problem.optimum)[0])
    f0 = float(res.objective[0, 0])
    rms = float(np.sqrt(np.mean((x - problem.optimum) ** 2)) / spacing)
    cum = np.cumsum(res.work)
    # convergence: the first iteration whose objective gap is within that of one level of RMS
    # error (½ λ_min Δ² N, λ_min >= 1 by construction)
    target = f_star + 0.5 * spacing**2 * n
    hit = np.flatnonzero(res.objective[1:, 0] <= target)
    it_to = int(hit[0]) + 1 if hit.size else -1
    wt = lim_optimizer.solve_quadratic(_optimizer_config(cfg, cfg.qp_iterations, scale),
                                       "matched", n, bits, update_time, seeds)
    wt_rec = {"update": wt.walls["update"].work, "hold": wt.walls["hold"].work,
              "consolidate": wt.walls["consolidate"].work, "total": wt.total.work,
              "controller": controller_energy(macs),
              "rms_levels": wt.quality.rms_levels, "gap": wt.quality.objective_gap}
    return QPRun(
        label=label, n=n, bits=bits, scale=scale, update_time=update_time,
        iterations=cfg.qp_iterations, colours=len(mach.classes), beta=beta, barrier0=b0,
        eta0=eta0,
        walls=_walls(led, modulation_work(n * bits, b0, e_cons, cfg.temperature),
                     controller_energy(macs)),
        cell_energy=mach.cell_energy(), ledger_scale=_ledger_scale(led),
        heat_oracle=({} if heat is None else heat.record(float(res.heat.sum()))),
        rms_levels=rms, gap=float((res.objective[-1, 0] - f_star) / (f0 - f_star)),
        iterations_to_level=it_to, energy_to_level=float(cum[it_to - 1]) if it_to > 0 else math.nan,
        consolidation_errors=lost, hold_errors=held, hold_expected=expected.ravel(),
        consolidated_barrier=e_cons, macs=macs, hops=float(res.changes.sum()),
        estimates=_estimates(cfg, n * cfg.qp_iterations, n, bits, scale, update_time),
        write_through=wt_rec, objective=res.objective[:, 0], cumulative_work=cum,
        seconds=time.process_time() - clock)


def _write_through_digits(cfg: Config, obj: Softmax, x_test, y_test, marks, seeds: Seeds):
    """Software gradient descent (``η_n = η0/(1 + n/n0)``, stochastic rounding onto the levels)
    whose weights live in the write-through ``matched`` memory of ``experiments.lim_optimizer``
    (streams ``cells`` and ``rounding`` of ``seeds``): accuracy and energy at ``marks``."""
    m, r = 2**cfg.digits_bits, cfg.digits_range
    h = 2 * r / (m - 1)
    ocfg = _optimizer_config(cfg, cfg.digits_iterations, cfg.digits_scale)
    mem = lim_optimizer.Memory("matched", obj.n, m, cfg.digits_bits, ocfg, "inverse",
                               cfg.digits_scale, cfg.update_time, seeds, (m - 1) // 2)
    rng = seeds.rng("rounding")
    intended = mem.read()
    acc, work = [], []
    for it in range(1, cfg.digits_iterations + 1):
        mem.hold(intended, it)
        level = mem.read()
        grad = obj.gradient(-r + h * level)[0]
        step = cfg.digits_eta / (1.0 + it / cfg.digits_scale)
        target = np.clip(np.floor(level - step * grad / h + rng.random(obj.n)), 0, m - 1)
        target = target.astype(np.int64)
        mem.update(target, it)
        intended = target
        if it in marks:
            acc.append(float(obj.accuracy(-r + h * mem.read(), x_test, y_test)[0]))
            work.append(sum(v["work"] for v in mem.energies().values()))
    mem.finish(intended, cfg.digits_iterations)
    e = mem.energies()
    return np.array(acc), np.array(work), Walls({w: e[w]["work"] for w in WALLS},
                                                {w: e[w]["heat"] for w in WALLS})


def solve_digits(cfg: Config, seeds: Seeds) -> DigitsRun:
    """Multinomial logistic regression on ``load_digits`` (stream ``split``) by the machine
    (stream ``machine_cells``), float64 gradient descent, float64 minibatch SGD (``batches``)
    and the write-through optimiser, at the same iterations and learning-rate schedule."""
    clock = time.process_time()
    x_tr, y_tr, x_te, y_te = digits(seeds.rng("split"), cfg.digits_test_fraction)
    obj = Softmax(x_tr, y_tr, 10, cfg.digits_l2)
    m, r = 2**cfg.digits_bits, cfg.digits_range
    spacing = 2 * r / (m - 1)
    kT = thermal_energy(cfg.temperature)
    b0 = start_barrier(kT, spacing, cfg.digits_beta, cfg.attempt_frequency, cfg.update_time,
                       cfg.digits_eta)
    s = cfg.digits_iterations
    marks = np.unique(np.linspace(0, s, cfg.digits_checkpoints + 1).round().astype(int))[1:]
    mach = GradientMachine(obj, obj.n, levels=m, low=-r, high=r, classes="parallel",
                           window=cfg.update_time, temperature=cfg.temperature,
                           attempt_frequency=cfg.attempt_frequency,
                           seed=seeds.seed("machine_cells"))
    heat = HeatOracle(cfg.temperature, cfg.attempt_frequency)
    sched = InverseSchedule(cfg.digits_beta, b0, cfg.digits_scale)
    acc, work, loss, sim_heat = [], [], [], 0.0
    done = 0
    for mark in marks:
        res = mach.train(sched, int(mark) - done, observer=heat)
        done = int(mark)
        sim_heat += float(res.heat.sum())
        acc.append(float(obj.accuracy(mach.theta, x_te, y_te)[0]))
        work.append(sum(v.work for v in mach.ledger.values()))
        loss.append(float(res.objective[-1, 0]))
    correct = int(np.rint(acc[-1] * y_te.size))
    e_long = retention_barrier(cfg.retention, cfg.error, cfg.attempt_frequency,
                               cfg.temperature, n_cells=obj.n * cfg.digits_bits)
    e_cons = max(e_long, mach.barrier_now)
    mach.consolidate(e_cons, cfg.update_time)
    expected = hold_expectation(mach.levels, m, e_cons, cfg.retention, cfg.temperature,
                                cfg.attempt_frequency)
    held = mach.hold(cfg.retention)
    led = mach.ledger
    # per iteration: the logits X W, the gradient X^T(P - Y)/n and the diagonal curvature
    # (X²)^T P(1 - P)/n, n_train·D·K multiply-accumulates each, and the L2 term (the
    # write-through optimiser needs no curvature: two of the three)
    per = y_tr.size * obj.d * obj.k
    macs = float(s * (3 * per + obj.n))
    wt_macs = float(s * (2 * per + obj.n))
    theta0 = mach.grid[(m - 1) // 2] * np.ones(obj.n)
    gd = float_descent(obj, theta0, s, cfg.digits_eta, cfg.digits_scale, -r, r)
    sgd = float_descent(obj, theta0, s, cfg.digits_eta, cfg.digits_scale, -r, r,
                        rng=seeds.rng("batches"), batch=min(cfg.digits_batch, y_tr.size))
    wt_acc, wt_work, wt_walls = _write_through_digits(cfg, obj, x_te, y_te, set(marks.tolist()),
                                                      seeds.child("write_through"))
    return DigitsRun(
        bits=cfg.digits_bits, n_params=obj.n, n_train=y_tr.size, n_test=y_te.size,
        checkpoints=marks, machine_accuracy=np.array(acc), machine_work=np.array(work),
        machine_loss=np.array(loss), gd_accuracy=obj.accuracy(gd[marks], x_te, y_te),
        sgd_accuracy=obj.accuracy(sgd[marks], x_te, y_te), wt_accuracy=wt_acc,
        wt_work=wt_work, correct=correct,
        walls=_walls(led, modulation_work(obj.n * cfg.digits_bits, b0, e_cons, cfg.temperature),
                     controller_energy(macs)),
        wt_walls=dataclasses.replace(wt_walls, controller=controller_energy(wt_macs)),
        hold_errors=held, hold_expected=expected.ravel(), consolidated_barrier=e_cons,
        macs=macs, cell_energy=mach.cell_energy(), ledger_scale=_ledger_scale(led),
        heat_oracle=heat.record(sim_heat),
        estimates=_estimates(cfg, obj.n * s, obj.n, cfg.digits_bits, cfg.digits_scale,
                             cfg.update_time),
        barrier0=b0, seconds=time.process_time() - clock)


def points(cfg: Config) -> list[tuple[str, int, int, float, float]]:
    """The scan points ``(scan, N, bits, n0, τ)``: the base point, then each scan with the
    others at their base values (a point already listed is not repeated)."""
    base = (cfg.qp_size, cfg.qp_bits, cfg.qp_scale, cfg.update_time)
    out = {base: "base"}
    for n0 in cfg.qp_scales:
        out.setdefault((base[0], base[1], n0, base[3]), "scale")
    for tau in cfg.update_times:
        out.setdefault((base[0], base[1], base[2], tau), "update_time")
    for b in cfg.qp_bits_scan:
        out.setdefault((base[0], b, base[2], base[3]), "bits")
    for n in cfg.qp_sizes:
        out.setdefault((n, base[1], base[2], base[3]), "size")
    return [(label, *key) for key, label in out.items()]


def run(cfg: Config, progress: bool = False):
    from experiments.lim_learner.results import Result

    seeds = Seeds(cfg.seed)
    pts = points(cfg)
    outer = bar(len(pts) + 1, NAME, progress)
    runs = []
    for label, n, bits, scale, tau in pts:
        sub = seeds.child("quadratic", n, bits)
        runs.append(solve_qp(cfg, label, n, bits, scale, tau, sub, oracle=label == "base"))
        outer.update()
    dig = solve_digits(cfg, seeds.child("digits"))
    outer.update()
    outer.close()
    return Result(config=cfg, seeds=seeds, runs=tuple(runs), digits=dig)

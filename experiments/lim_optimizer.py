"""Energy-to-solution of a learning-in-memory optimiser, simulated cell by cell (THEORY.md 6).

An optimiser whose parameters live in ``MemoryArray`` cells: every iteration it *reads* the
stored levels, computes its update (a gradient step of a convex quadratic programme, or a
heat-bath move of an Ising machine annealed on a logarithmic schedule), and *writes* the cells
whose value changes by per-cell tilts held for the update time, while the barrier follows the
architecture's schedule (Z. Chen, F. Ahsan, J. Leugering, G. Cauwenberghs and S. Chakrabartty,
arXiv:2402.14878):

- ``static``: a short-term memory at the fixed barrier ``E_S = retention_barrier(K τ_u, ε)`` takes
  the updates; every K iterations (and at the end) the cells that differ are copied into a
  long-term memory at ``E_L = retention_barrier(retention, ε, N·B)`` ("consolidate");
- ``matched``: one memory whose barrier follows ``matched_barrier(n)`` (``E_0 + kT ln(1 + n/n0)``
  for the 1/n learning rate); at the end the barrier is raised in place to ``E_L`` and the cells
  lost while raising are rewritten ("consolidate");
- ``ideal``: cells rest at ``E_L``; a write drops the barrier, tilts towards the target along the
  bit geodesic in ``substeps`` pieces, raises the barrier with the tilt on and untilts.

A tilt write over a barrier ``E`` lifts every level of the cell by ``δ·|i - target|`` with
``δ = static_write_tilt(E, τ_u, ε)`` while the saddles stay at ``E`` (THEORY 5.5), so each level
hop towards the target releases ``δ`` as heat. Between updates each iteration holds the cells for
one more update time; the cells found off the value last written (a flip while holding, or a
failed write) are rewritten then, booked as "hold" (a scrub, the cost the estimate's hold term
assumes).

Every write is, given the level the optimiser read, an open-loop protocol on one cell, so its
exact mean work, variance, final distribution and a rigorous lower bound
``ΔF_neq + kT L1²/(2 𝒜_cap)`` (second law with the Shiraishi–Funo–Saito speed limit, PRL 121,
070601 (2018), doi:10.1103/PhysRevLett.121.070601) follow from the cell's master equation
(``_Oracle``). Summed over all writes they give, per wall, the exact expectation of the energy of
this run given its reads (the Monte Carlo ledger must agree within 4 standard deviations) and a
rigorous bound it must never fall below. ``simcore.bounds.energy_to_solution`` gives the analytic
estimate for the same (OPS, N, schedule, precision, update time); docs/theory.md ("Simulated
energy-to-solution of an optimiser") explains the ratio.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
from scipy.linalg import expm

import simcore as sc
from experiments.common import check, figure, quantity
from experiments.config import attempt_frequency_field, field, seed_field, temperature_field
from experiments.contract import Experiment
from simcore import bounds
from simcore.errors import ParameterError, one_of

NAME = "lim_optimizer"
SUMMARY = (
    "quadratic programme and Ising machine in barrier memories: energy by wall vs the "
    "energy_to_solution estimate, Landauer and hardware lines, for static, matched and ideal"
)
WALLS = ("update", "hold", "consolidate")
PROBLEMS = ("quadratic", "ising")
#: The config keys that set the memory a run needs (named when a run is refused for memory).
SIZE_KEYS = ("qp_size", "qp_sizes", "qp_bits_scan", "ising_size", "ising_sizes")
#: Largest Ising instance solved by brute force; larger ones are planted.
BRUTE_FORCE_MAX = 20
#: Pieces of the in-place barrier raise of the matched architecture (piecewise constant).
RAISE_PIECES = 8
N_SIGMA = 4.0


@dataclass(frozen=True, kw_only=True)
class Config:
    temperature: float = temperature_field()
    attempt_frequency: float = attempt_frequency_field(help="attempt frequency f0 (arrhenius)")
    error: float = field(1e-3, "", "write and hold failure probability ε of every memory",
                         low=0, open_low=True, high=0.1)
    retention: float = field(10 * sc.YEAR, "s", "how long the solution must be kept", low=0,
                             open_low=True)
    consolidation_interval: int = field(10, "", "static: iterations between copies K", low=1)
    substeps: int = field(32, "", "ideal: pieces of the geodesic tilt of one write", low=1,
                          high=4096)
    hardware_energy_per_op: float = field(bounds.HARDWARE_ENERGY_PER_OP, "J",
                                          "digital energy per parameter update", low=0)
    architectures: tuple[str, ...] = field(bounds.ARCHITECTURES, "", "architectures simulated",
                                           choices=bounds.ARCHITECTURES)
    update_time: float = field(1e-8, "s", "base update time τ_u", low=0, open_low=True)
    update_times: tuple[float, ...] = field((1e-8, 1e-7, 1e-6), "s", "update-time scan", low=0,
                                            open_low=True)
    qp_size: int = field(1000, "", "quadratic programme: base number of parameters", low=2,
                         high=2**24)
    qp_sizes: tuple[int, ...] = field((10, 100, 1000, 10_000), "", "quadratic: N scan", low=2,
                                      high=2**24)
    qp_bits: int = field(4, "", "quadratic: base precision (bits per parameter)", low=1, high=8)
    qp_bits_scan: tuple[int, ...] = field((2, 3, 4, 5, 6), "", "quadratic: precision scan",
                                          low=1, high=8)
    qp_iterations: int = field(200, "", "quadratic: gradient iterations", low=1, high=10**6)
    qp_scale: float = field(10.0, "", "quadratic: learning-rate time constant n0 (iterations)",
                            low=0, open_low=True)
    qp_degree: int = field(4, "", "quadratic: off-diagonal couplings per row", low=1)
    ising_size: int = field(1000, "", "Ising: base number of spins", low=2, high=2**24)
    ising_sizes: tuple[int, ...] = field((16, 100, 1000, 10_000), "", "Ising: N scan", low=2,
                                         high=2**24)
    ising_iterations: int = field(300, "", "Ising: annealing iterations", low=1, high=10**6)
    ising_scale: float = field(1.0, "", "Ising: annealing time constant n0 (iterations)", low=0,
                               open_low=True)
    ising_theta0: float = field(1.5, "", "Ising: initial annealing temperature (coupling units)",
                                low=0, open_low=True)
    ising_degree: int = field(3, "", "Ising: mean degree of planted instances", low=1)
    ising_fraction: float = field(0.25, "", "Ising: fraction of spins proposed per iteration",
                                  low=0, open_low=True, high=1)
    record_per_cell: bool = field(False, "", "keep per-cell ledgers (first-law check)")
    seed: int = seed_field(7, high=2**40)

    def smoke(self) -> Config:
        return dataclasses.replace(
            self,
            update_times=(1e-8, 1e-6),
            qp_size=10,
            qp_sizes=(10, 30),
            qp_bits=3,
            qp_bits_scan=(2, 3),
            qp_iterations=60,
            ising_size=12,
            ising_sizes=(12,),
            record_per_cell=True,
        )

    def check(self) -> None:
        for name in ("update_times", "qp_sizes", "qp_bits_scan", "ising_sizes", "architectures"):
            value = getattr(self, name)
            if len(set(value)) != len(value):
                raise ParameterError(name, value, "distinct values")
        if self.ising_size > BRUTE_FORCE_MAX and self.ising_size < 2 * self.ising_degree:
            raise ParameterError("ising_degree", self.ising_degree, "below half the spins")


def memory_estimate(cfg: Config) -> float:
    """Upper estimate (bytes) of the peak memory of a run: the largest array of each problem
    with its per-cell landscapes (energies ``(N, M)`` and saddles ``(N, M-1)`` built per write
    piece, plus their validated copies), per-cell ledgers, states of the short- and long-term
    memories, and the problem itself (sparse couplings)."""
    qp_n = max((cfg.qp_size, *cfg.qp_sizes))
    qp_m = 2 ** max((cfg.qp_bits, *cfg.qp_bits_scan))
    ising_n = max((cfg.ising_size, *cfg.ising_sizes))
    per_cell = 64 * 2 + 8 * 48  # ledgers, states, targets, masks, the optimiser's own vectors
    qp = qp_n * (4 * 8 * 2 * qp_m + per_cell) + qp_n * cfg.qp_degree * 48
    ising = ising_n * (4 * 8 * 2 * 2 + per_cell) + ising_n * cfg.ising_degree * 48
    return float(max(qp, ising))


# --------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class Quadratic:
    """``f(x) = ½ xᵀAx - bᵀx`` with A sparse, symmetric and strictly diagonally dominant
    (``A_ii - Σ_j |A_ij| = 1``, so every eigenvalue is in ``[1, 1 + 2 max_i r_i]``, Gershgorin),
    optimum ``x*`` drawn in ``[-0.9, 0.9]^N``, inside every parameter's range ``[-1, 1]``."""

    matrix: sparse.csr_matrix
    b: np.ndarray
    optimum: np.ndarray
    lipschitz: float

    def objective(self, x):
        return 0.5 * x @ (self.matrix @ x) - self.b @ x


def quadratic_instance(n: int, seed: int, degree: int = 4) -> Quadratic:
    if n < 2:
        raise ParameterError("n", n, "at least 2 parameters")
    rng = np.random.default_rng([seed, n, 1])
    rows = np.repeat(np.arange(n), degree)
    cols = rng.integers(0, n, rows.size)
    keep = rows != cols
    vals = rng.uniform(-1.0, 1.0, rows.size) / degree
    off = sparse.coo_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    off = 0.5 * (off + off.T)
    r = np.asarray(abs(off).sum(axis=1)).ravel()
    a = (off + sparse.diags(1.0 + r)).tocsr()
    x_star = rng.uniform(-0.9, 0.9, n)
    return Quadratic(a, a @ x_star, x_star, float(np.max(1.0 + 2.0 * r)))


@dataclass(frozen=True)
class Ising:
    """``E(s) = -½ sᵀJs`` with known ground-state energy: brute force (Sherrington–Kirkpatrick
    ±1/√N couplings) up to ``BRUTE_FORCE_MAX`` spins, planted (``J_ij = w_ij ξ_i ξ_j``, w > 0 on a
    random graph, ground state ±ξ) above."""

    couplings: sparse.csr_matrix
    ground_energy: float
    kind: str

    def energy(self, s):
        return -0.5 * s @ (self.couplings @ s)


def _brute_force(j: np.ndarray) -> float:
    n = j.shape[0]
    best = math.inf
    free = n - 1  # s_0 = +1 by the global flip symmetry
    chunk = 1 << min(free, 16)
    for start in range(0, 1 << free, chunk):
        codes = np.arange(start, min(start + chunk, 1 << free))
        s = np.ones((codes.size, n))
        s[:, 1:] = 2.0 * ((codes[:, None] >> np.arange(free)) & 1) - 1.0
        best = min(best, float(np.min(-0.5 * np.einsum("ki,ij,kj->k", s, j, s))))
    return best


def ising_instance(n: int, seed: int, degree: int = 3) -> Ising:
    if n < 2:
        raise ParameterError("n", n, "at least 2 spins")
    rng = np.random.default_rng([seed, n, 2])
    if n <= BRUTE_FORCE_MAX:
        upper = np.triu(rng.choice([-1.0, 1.0], (n, n)), 1) / math.sqrt(n)
        j = upper + upper.T
        return Ising(sparse.csr_matrix(j), _brute_force(j), "brute force")
    m = degree * n // 2
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    a, b = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    pairs = np.unique(a * n + b)
    a, b = pairs // n, pairs % n
    w = rng.uniform(0.5, 1.5, a.size)
    xi = rng.choice([-1.0, 1.0], n)
    upper = sparse.coo_matrix((w * xi[a] * xi[b], (a, b)), shape=(n, n))
    return Ising((upper + upper.T).tocsr(), -float(w.sum()), "planted")


# --------------------------------------------------------------------------- exact writes
def v_tilt(n_levels: int, targets, slope) -> np.ndarray:
    """Well energies (J) that lift level i by ``slope·|i - target|``: (len(targets), M)."""
    i = np.arange(n_levels)
    return np.abs(i[None, :] - np.asarray(targets)[:, None]) * float(slope)


class _Oracle:
    """Exact statistics of one write, given the level read before it: the cell starts in level ℓ
    of the rest landscape (flat wells), goes through ``pieces`` ``(slope, saddle, dt)`` of
    v-tilted landscapes towards ``target`` and drops back to flat wells. For every ℓ: mean work,
    second moment, and the rigorous bound ``ΔF_neq + kT L1²/(2 𝒜_cap)`` with
    ``ΔF_neq = -kT H(p_final)`` (flat wells at both ends) and ``𝒜_cap = Σ dt max_i R_i``."""

    def __init__(self, n_levels, temperature, attempt_frequency):
        self.m = n_levels
        self.kT = sc.kT(temperature)
        self.f0 = attempt_frequency
        self._cache: dict = {}

    def tables(self, pieces, targets):
        """``(mean, second moment, bound)``, each (len(targets), M) in J / J²."""
        missing = [int(t) for t in targets if (pieces, int(t)) not in self._cache]
        if missing:
            self._compute(pieces, np.array(missing))
        rows = [self._cache[(pieces, int(t))] for t in targets]
        return tuple(np.stack([r[k] for r in rows]) for k in range(3))

    def _compute(self, pieces, targets):
        m, kT, k = self.m, self.kT, targets.size
        m0 = np.broadcast_to(np.eye(m), (k, m, m)).copy()
        m1 = np.zeros((k, m, m))
        m2 = np.zeros((k, m, m))
        cap = np.zeros(k)
        e_prev = np.zeros((k, m))
        for slope, saddle, dt in (*pieces, (0.0, 0.0, 0.0)):
            e = v_tilt(m, targets, slope)
            de = (e - e_prev)[:, None, :]
            m2 += 2.0 * m1 * de + m0 * de**2
            m1 += m0 * de
            if dt > 0:
                gen = sc.generator(e, np.full((k, m - 1), saddle), kT, self.f0)
                prop = expm(gen * dt)
                m0, m1, m2 = m0 @ prop, m1 @ prop, m2 @ prop
                cap += dt * np.max(-np.diagonal(gen, axis1=1, axis2=2), axis=1)
            e_prev = e
        p = np.clip(m0, 0.0, 1.0)
        l1 = np.abs(p - np.eye(m)).sum(axis=2)
        bound = -kT * sc.entropy(p) + kT * l1**2 / (2.0 * cap[:, None])
        for i, t in enumerate(targets):
            self._cache[(pieces, int(t))] = (m1[i].sum(axis=1), m2[i].sum(axis=1), bound[i])


# --------------------------------------------------------------------------- memories
@dataclass
class WallBook:
    """What the writes of one wall should have cost, from the exact per-write statistics."""

    exact: float = 0.0  # J, sum of conditional means
    variance: float = 0.0  # J², sum of conditional variances
    bound: float = 0.0  # J, sum of rigorous per-write bounds
    nominal: float = 0.0  # J, hops × the estimate's cost per changed bit at that barrier
    writes: int = 0  # cells written
    hops: int = 0  # level hops asked for, Σ |read - target|


class _Memory:
    """The parameter memory of one architecture: its arrays, barrier schedule and writes."""

    def __init__(self, architecture, n, n_levels, bits, cfg: Config, schedule, scale,
                 update_time, seed, initial):
        self.arch = one_of("architecture", architecture, bounds.ARCHITECTURES)
        self.cfg, self.schedule, self.scale, self.tau = cfg, schedule, scale, update_time
        self.n, self.m = n, n_levels
        t, f0, eps = cfg.temperature, cfg.attempt_frequency, cfg.error
        self.kT = sc.kT(t)
        self.e_long = bounds.retention_barrier(cfg.retention, eps, f0, t, n_cells=n * bits)
        self.e_short = bounds.retention_barrier(cfg.consolidation_interval * update_time, eps,
                                                f0, t)
        self.oracle = _Oracle(n_levels, t, f0)
        self.books = {w: WallBook() for w in WALLS}
        self.record = cfg.record_per_cell

        def array(s):
            return sc.MemoryArray(n, n_levels, temperature=t, attempt_frequency=f0, seed=s,
                                  initial=initial)

        self.main = array(seed)
        self.arrays = [self.main]
        self.slow = None
        if self.arch == "static":
            self.slow = array(seed + 1)
            self.slow.state[:] = self.main.state
            self.arrays.append(self.slow)
        self.hold_losses = 0
        self.raise_losses = 0
        for a in self.arrays:  # the first landscape an array sees costs no work
            a.step(np.zeros(self.m), np.full(self.m - 1, self.rest_barrier(1, a)), 0.0, "hold")

    # barrier schedule ----------------------------------------------------------------
    def rest_barrier(self, n, array=None):
        if self.arch == "ideal" or (array is not None and array is self.slow):
            return self.e_long
        if self.arch == "static":
            return self.e_short
        cfg = self.cfg
        e_n = bounds.matched_barrier(n, self.schedule, self.scale, self.tau, cfg.error,
                                     cfg.attempt_frequency, cfg.temperature)
        return min(e_n, self.e_long)

    def _tilt(self, barrier):
        cfg = self.cfg
        return bounds.static_write_tilt(barrier, self.tau, cfg.error, cfg.attempt_frequency,
                                        cfg.temperature)

    def pieces(self, barrier):
        """Write protocol at rest barrier ``barrier``: ``((slope, saddle, dt), ...)``."""
        if self.arch != "ideal" or barrier != self.e_long:
            return ((self._tilt(barrier), barrier, self.tau),)
        return self._geodesic()

    def _geodesic(self):
        """Ideal write: barrier at zero, tilt on the glauber bit geodesic from p = 1/2 to 1 - ε
        (``arcsin sqrt(p)`` linear in time, right end of each piece), then the barrier rises to
        ``E_L`` with the tilt still on."""
        k, eps = self.cfg.substeps, self.cfg.error
        theta = np.pi / 4 + (np.arcsin(np.sqrt(1 - eps)) - np.pi / 4) * np.arange(1, k + 1) / k
        p = np.sin(theta) ** 2
        slopes = self.kT * np.log(p / (1 - p))
        out = tuple((float(s), 0.0, self.tau / k) for s in slopes)
        return (*out, (float(slopes[-1]), self.e_long, 0.0))

    def nominal_cost(self, barrier):
        """The estimate's cost (J) per changed bit at this barrier (see energy_to_solution)."""
        cfg = self.cfg
        if self.arch == "ideal" and barrier == self.e_long:
            return bounds.landauer_erasure(1 - cfg.error, cfg.temperature) + \
                bounds.geodesic_erasure_excess(cfg.error, self.tau, cfg.attempt_frequency,
                                               cfg.temperature)
        return bounds.static_write_cost(barrier, self.tau, cfg.error, cfg.attempt_frequency,
                                        cfg.temperature)

    # writes ----------------------------------------------------------------------------
    def write(self, array, targets, mask, barrier, wall):
        """Write ``targets`` into the cells of ``array`` selected by ``mask`` (the others rest at
        ``barrier``) and book the exact statistics of every write under ``wall``."""
        n, m = array.n_cells, self.m
        pieces = self.pieces(barrier)
        idx = np.flatnonzero(mask)
        rest_e, rest_s = np.zeros(m), np.full(m - 1, barrier)
        rec = self.record
        if idx.size == 0:  # every cell rests: one exact step of the whole write time
            array.step(rest_e, rest_s, sum(p[2] for p in pieces), wall, record_per_cell=rec)
            return
        tw = targets[idx].astype(np.int64)
        start = array.state[idx].astype(np.int64)
        uniq, inv = np.unique(tw, return_inverse=True)
        mean, second, bound = self.oracle.tables(pieces, uniq)
        w_mean = mean[inv, start]
        book = self.books[wall]
        book.exact += float(w_mean.sum())
        book.variance += float(np.sum(np.maximum(second[inv, start] - w_mean**2, 0.0)))
        book.bound += float(bound[inv, start].sum())
        hops = int(np.abs(start - tw).sum())
        book.hops += hops
        book.writes += idx.size
        book.nominal += hops * self.nominal_cost(barrier)
        # indexed landscapes: row 0 rests, row 1 + u tilts towards target uniq[u]
        kinds = np.zeros(n, dtype=np.uint8 if uniq.size < 256 else np.int64)
        kinds[idx] = 1 + inv
        for slope, saddle, dt in pieces:
            e = np.vstack([rest_e[None], v_tilt(m, uniq, slope)])
            s = np.vstack([rest_s[None], np.full((uniq.size, m - 1), saddle)])
            array.step(e, s, dt, wall, record_per_cell=rec, kinds=kinds)
        array.step(rest_e, rest_s, 0.0, wall, record_per_cell=rec)

    def read(self):
        return self.main.state.copy()

    def hold(self, intended, n):
        """Hold for one update time; cells off the value last written are rewritten."""
        lost = self.main.state != intended
        self.hold_losses += int(lost.sum())
        self.write(self.main, intended, lost, self.rest_barrier(n), "hold")

    def update(self, targets, n):
        changed = self.main.state != targets
        self.write(self.main, targets, changed, self.rest_barrier(n), "update")
        if self.arch == "static" and n % self.cfg.consolidation_interval == 0:
            self._copy()

    def _copy(self):
        differs = self.slow.state != self.main.state
        self.write(self.slow, self.main.state.astype(np.int64), differs, self.e_long,
                   "consolidate")

    def finish(self, intended, n_iter):
        """Hold and scrub once more (the last writes may have failed), then put the solution
        into long-term storage; returns the stored levels."""
        self.hold(intended, n_iter)
        if self.arch == "static":
            if n_iter % self.cfg.consolidation_interval:
                self._copy()
            return self.slow.state.copy()
        if self.arch == "matched":
            before = self.main.state.copy()
            e0 = self.rest_barrier(n_iter)
            for k in range(1, RAISE_PIECES + 1):  # saddles only: no work (THEORY 4)
                e_k = e0 + (self.e_long - e0) * k / RAISE_PIECES
                self.main.step(np.zeros(self.m), np.full(self.m - 1, e_k),
                               self.tau / RAISE_PIECES, "consolidate",
                               record_per_cell=self.record)
            lost = self.main.state != before
            self.raise_losses = int(lost.sum())
            if lost.any():
                self.write(self.main, before.astype(np.int64), lost, self.e_long, "consolidate")
        return self.main.state.copy()

    # results ---------------------------------------------------------------------------
    def energies(self):
        """Per wall: simulated work and heat (J, whole memory), ledger standard error."""
        out = {}
        for wall in WALLS:
            w = q = se2 = 0.0
            for a in self.arrays:
                tag = a.result().by_tag.get(wall)
                if tag is not None:
                    w += tag.work.mean * a.n_cells
                    q += tag.heat.mean * a.n_cells
                    se2 += (tag.work.stderr * a.n_cells) ** 2
            out[wall] = {"work": w, "heat": q, "ledger_stderr": math.sqrt(se2)}
        return out

    def first_law(self):
        """Largest per-cell ``|W - Q - ΔU|`` (J; ΔU = 0, every cell starts and ends in flat
        wells) and largest ``|Σ_cells W - Σ_walls W|`` over the arrays (J)."""
        if not self.record:
            return None, None
        cell = total = 0.0
        for a in self.arrays:
            led = a.ledger
            cell = max(cell, float(np.max(np.abs(led.work_cell - led.heat_cell))))
            walls = sum(t.work.mean for t in a.result().by_tag.values()) * a.n_cells
            total = max(total, abs(float(led.work_cell.sum()) - walls))
        return cell, total


# --------------------------------------------------------------------------- optimisers
def _estimate(cfg, architecture, ops, n, schedule, bits, scale, update_time):
    return bounds.energy_to_solution(
        architecture, ops, n, schedule, bits, scale=scale, update_time=update_time,
        temperature=cfg.temperature, attempt_frequency=cfg.attempt_frequency, error=cfg.error,
        retention=cfg.retention, consolidation_interval=cfg.consolidation_interval,
        hardware_energy_per_op=cfg.hardware_energy_per_op)


def _record(problem, architecture, n, bits, update_time, n_iter, schedule, scale, memory,
            cfg, quality, activity, seconds):
    est = _estimate(cfg, architecture, n * n_iter, n, schedule, bits, scale, update_time)
    sim = memory.energies()
    cell_law, wall_law = memory.first_law()
    walls = {}
    for w in WALLS:
        book = memory.books[w]
        walls[w] = {
            **sim[w],
            "exact": book.exact,
            "sigma": math.sqrt(book.variance),
            "bound": book.bound,
            "nominal": book.nominal,
            "estimate": getattr(est, "consolidation" if w == "consolidate" else w),
            "writes": book.writes,
            "hops": book.hops,
        }
    total = {k: sum(walls[w][k] for w in WALLS)
             for k in ("work", "heat", "exact", "bound", "nominal", "estimate")}
    total["sigma"] = math.sqrt(sum(walls[w]["sigma"] ** 2 for w in WALLS))
    return {
        "problem": problem,
        "architecture": architecture,
        "n": n,
        "bits": bits,
        "update_time": update_time,
        "iterations": n_iter,
        "ops": n * n_iter,
        "schedule": schedule,
        "scale": scale,
        "walls": walls,
        "total": total,
        "estimate": est,
        "landauer": est.landauer,
        "hardware": est.hardware,
        "ratio": total["work"] / est.total,
        "activity_ratio": walls["update"]["hops"] / est.changed_bits,
        "quality": quality,
        "activity": activity,
        "hold_losses": memory.hold_losses,
        "raise_losses": memory.raise_losses,
        "barrier_long": memory.e_long,
        "first_law_cell": cell_law,
        "first_law_walls": wall_law,
        "kT": memory.kT,
        "seconds": seconds,
    }


def solve_quadratic(cfg: Config, architecture: str, n: int, bits: int, update_time: float,
                    seed: int) -> dict:
    """Gradient descent with learning rate ``η0/(1 + n/n0)`` (``η0 = 1/λ_max`` bound) and
    stochastic rounding onto the ``M = 2^bits`` levels spanning ``[-1, 1]``, parameters stored in
    M-level cells of ``architecture``. Quality: ``‖x - x*‖∞`` and the RMS distance in level
    spacings h (stochastic rounding leaves each parameter a random O(h) error, so the largest of
    N grows slowly with N; the RMS is the precision of the solution)."""
    clock = time.perf_counter()
    problem = quadratic_instance(n, seed, cfg.qp_degree)
    m = 2**bits
    h = 2.0 / (m - 1)
    mem = _Memory(architecture, n, m, bits, cfg, "inverse", cfg.qp_scale, update_time,
                  seed + 101, (m - 1) // 2)
    rng = np.random.default_rng([seed, 3])
    eta0 = 1.0 / problem.lipschitz
    intended = mem.read()
    f0 = problem.objective(-1.0 + h * intended)
    changed = np.zeros(cfg.qp_iterations)
    for it in range(1, cfg.qp_iterations + 1):
        mem.hold(intended, it)
        level = mem.read()
        grad = problem.matrix @ (-1.0 + h * level) - problem.b
        step = eta0 / (1.0 + it / cfg.qp_scale)
        target = np.floor(level - step * grad / h + rng.random(n))
        target = np.clip(target, 0, m - 1).astype(np.int64)
        changed[it - 1] = np.mean(target != level)
        mem.update(target, it)
        intended = target
    stored = mem.finish(intended, cfg.qp_iterations)
    x = -1.0 + h * stored
    f_star = problem.objective(problem.optimum)
    quality = {
        "residual_levels": float(np.max(np.abs(x - problem.optimum)) / h),
        "rms_levels": float(np.sqrt(np.mean((x - problem.optimum) ** 2)) / h),
        "objective_gap": float((problem.objective(x) - f_star) / (f0 - f_star)),
    }
    return _record("quadratic", architecture, n, bits, update_time, cfg.qp_iterations,
                   "inverse", cfg.qp_scale, mem, cfg, quality, changed,
                   time.perf_counter() - clock)


def anneal_ising(cfg: Config, architecture: str, n: int, update_time: float, seed: int) -> dict:
    """Heat-bath annealing at temperature ``θ_n = θ0/ln(e + n/n0)`` (Geman & Geman's logarithmic
    schedule, the ``logarithmic`` schedule of energy_to_solution): each iteration reads the spins,
    proposes a random fraction of them, draws their new values from the local fields and writes
    the spins that change into bit cells. Quality: ``(E - E_0)/|E_0|``."""
    clock = time.perf_counter()
    problem = ising_instance(n, seed, cfg.ising_degree)
    mem = _Memory(architecture, n, 2, 1, cfg, "logarithmic", cfg.ising_scale, update_time,
                  seed + 202, np.array([0.5, 0.5]))
    rng = np.random.default_rng([seed, 4])
    intended = mem.read()
    changed = np.zeros(cfg.ising_iterations)
    for it in range(1, cfg.ising_iterations + 1):
        mem.hold(intended, it)
        level = mem.read()
        spin = 2.0 * level - 1.0
        local = problem.couplings @ spin
        theta = cfg.ising_theta0 / math.log(math.e + it / cfg.ising_scale)
        up = rng.random(n) < 0.5 * (1.0 + np.tanh(local / theta))
        proposed = rng.random(n) < cfg.ising_fraction
        target = np.where(proposed, up.astype(np.int64), level.astype(np.int64))
        changed[it - 1] = np.mean(target != level)
        mem.update(target, it)
        intended = target
    stored = mem.finish(intended, cfg.ising_iterations)
    e = problem.energy(2.0 * stored - 1.0)
    quality = {
        "energy": float(e),
        "ground_energy": problem.ground_energy,
        "gap": float((e - problem.ground_energy) / abs(problem.ground_energy)),
        "instance": problem.kind,
    }
    return _record("ising", architecture, n, 1, update_time, cfg.ising_iterations,
                   "logarithmic", cfg.ising_scale, mem, cfg, quality, changed,
                   time.perf_counter() - clock)


# --------------------------------------------------------------------------- experiment
def _points(cfg: Config):
    """(problem, scan, n, bits, update time) of the three scans of each problem, base point
    shared (simulated once, listed under every scan)."""
    out = []
    for scan, values in (("n", cfg.qp_sizes), ("bits", cfg.qp_bits_scan),
                         ("update_time", cfg.update_times)):
        for v in values:
            p = {"n": cfg.qp_size, "bits": cfg.qp_bits, "update_time": cfg.update_time, scan: v}
            out.append(("quadratic", scan, p["n"], p["bits"], p["update_time"]))
    for scan, values in (("n", cfg.ising_sizes), ("update_time", cfg.update_times)):
        for v in values:
            p = {"n": cfg.ising_size, "update_time": cfg.update_time, scan: v}
            out.append(("ising", scan, p["n"], 1, p["update_time"]))
    return out


def run(cfg: Config, progress: bool = False) -> dict:
    """Simulate every scan point for every architecture."""
    for a in cfg.architectures:
        one_of("architectures", a, bounds.ARCHITECTURES)
    done: dict = {}
    runs: list[dict] = []
    rows = []
    points = _points(cfg)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(points) * len(cfg.architectures), desc=NAME)
    for problem, scan, n, bits, tau in points:
        for arch in cfg.architectures:
            key = (problem, n, bits, tau, arch)
            if key not in done:
                seed = cfg.seed + 1000 * n + 17 * bits
                if problem == "quadratic":
                    runs.append(solve_quadratic(cfg, arch, n, bits, tau, seed))
                else:
                    runs.append(anneal_ising(cfg, arch, n, tau, seed))
                done[key] = len(runs) - 1
            rows.append({"scan": scan, "run_index": done[key], **runs[done[key]]})
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return {"config": cfg, "rows": rows, "runs": runs}


def checks(result: dict) -> list[dict]:
    """Per run and wall: Monte Carlo within 4σ of the exact expectation given the reads, and
    never below the rigorous bound by more than 4σ; solutions within the requested precision
    (quadratic: RMS distance to the optimum within one level spacing, i.e. the solution carries
    the B bits of its cells; Ising, brute-force instances: the ground state)."""
    out = []
    for r in result["runs"]:
        kT = r["kT"]
        label = (f"{r['problem']} {r['architecture']} N={r['n']} B={r['bits']}"
                 f" τ={r['update_time']:.0e}")
        for wall in (*WALLS, "total"):
            v = r["total"] if wall == "total" else r["walls"][wall]
            tol = (N_SIGMA * v["sigma"] + 1e-9 * kT * max(1, r["n"])) / kT
            out.append(check(f"{label} {wall}: work vs exact expectation", v["work"] / kT,
                             v["exact"] / kT, tol, unit="kT"))
            out.append(check(f"{label} {wall}: work >= rigorous bound", v["work"] / kT,
                             v["bound"] / kT, tol, kind="lower", unit="kT"))
        q = r["quality"]
        if r["problem"] == "quadratic":
            out.append(check(f"{label}: RMS |x - x*| within one level", q["rms_levels"], 1.0,
                             0.0, kind="upper", unit="levels"))
        elif q["instance"] == "brute force":  # planted instances: gap reported, not required
            out.append(check(f"{label}: Ising ground state reached", q["gap"], 0.0, 1e-12,
                             kind="upper"))
    return out


_RUN_FIELDS = ("n", "bits", "update_time", "iterations", "ops", "landauer", "hardware", "ratio",
               "activity_ratio", "hold_losses", "raise_losses", "barrier_long", "kT", "seconds")
_UNITS = {"update_time": "s", "landauer": "J", "hardware": "J", "barrier_long": "J", "kT": "J",
          "seconds": "s"}
_WALL_FIELDS = {"work": "J", "heat": "J", "exact": "J", "sigma": "J", "bound": "J",
                "nominal": "J", "estimate": "J", "writes": "", "hops": ""}


def data(result: dict) -> dict:
    """HDF5 content: one entry per simulated run (``runs``), the scans as indices into it
    (``rows``), energies by wall in J for the whole optimiser."""
    runs = result["runs"]
    table = {
        "problem": quantity(np.array([r["problem"] for r in runs], dtype=object), ""),
        "architecture": quantity(np.array([r["architecture"] for r in runs], dtype=object), ""),
        "instance": quantity(np.array([str(r["quality"].get("instance", "random PD"))
                                       for r in runs], dtype=object), ""),
    }
    for k in _RUN_FIELDS:
        table[k] = quantity(np.array([r[k] for r in runs], dtype=np.float64), _UNITS.get(k, ""))
    table["rms_levels"] = quantity(np.array(
        [r["quality"].get("rms_levels", np.nan) for r in runs]), "levels",
        "RMS |x - x*| over the level spacing (quadratic)")
    table["residual_levels"] = quantity(np.array(
        [r["quality"].get("residual_levels", np.nan) for r in runs]), "levels",
        "‖x - x*‖∞ over the level spacing (quadratic)")
    table["gap"] = quantity(np.array([r["quality"].get("gap", np.nan) for r in runs]), "",
                            "(E - E_0)/|E_0| (Ising)")
    table["estimate_changed_bits"] = quantity(
        np.array([r["estimate"].changed_bits for r in runs]), "", "estimate's changed bits")
    walls = {}
    for wall in (*WALLS, "total"):
        walls[wall] = {
            k: quantity(np.array([(r["total"] if wall == "total" else r["walls"][wall]).get(
                k, np.nan) for r in runs], dtype=np.float64), u)
            for k, u in _WALL_FIELDS.items()
        }
    table["walls"] = walls
    rows = result["rows"]
    return {
        "runs": table,
        "rows": {
            "scan": quantity(np.array([r["scan"] for r in rows], dtype=object), ""),
            "run": quantity(np.array([r["run_index"] for r in rows]), "",
                            "index into runs"),
        },
    }


_COLOURS = {"static": "tab:red", "matched": "tab:blue", "ideal": "tab:green"}


def plot(res, outdir) -> list[str]:
    """Energy-to-solution against N, precision and update time (simulated points on the
    estimate's lines, Landauer and hardware lines) and the ratio simulated/estimate, from the
    result file ``res``."""
    from pathlib import Path

    outdir = Path(outdir)
    runs = res.group("runs")
    total = res.group("runs/walls/total")
    scan = res["rows/scan"].astype(str)
    row_run = res["rows/run"].astype(int)
    problem = runs["problem"].astype(str)
    arch = runs["architecture"].astype(str)
    axes_of = {"n": ("n", "parameters N", "log"), "bits": ("bits", "precision (bits)", "linear"),
               "update_time": ("update_time", "update time τ_u (s)", "log")}
    stems: list[str] = []
    for prob in PROBLEMS:
        for sc_name, (key, label, xscale) in axes_of.items():
            sel = row_run[(scan == sc_name) & (problem[row_run] == prob)]
            if sel.size == 0:
                continue
            with figure(outdir, f"{prob}_energy_vs_{sc_name}", stems) as (_fig, ax):
                first = True
                for a in bounds.ARCHITECTURES:
                    idx = np.unique(sel[arch[sel] == a])
                    if idx.size == 0:
                        continue
                    idx = idx[np.argsort(runs[key][idx])]
                    x = runs[key][idx]
                    ax.plot(x, total["estimate"][idx], "-", color=_COLOURS[a],
                            label=f"{a} estimate")
                    ax.errorbar(x, total["work"][idx], yerr=N_SIGMA * total["sigma"][idx],
                                fmt="o", color=_COLOURS[a], label=f"{a} simulated")
                    if first:
                        ax.plot(x, runs["landauer"][idx], "k--", label="Landauer")
                        ax.plot(x, runs["hardware"][idx], "k:", label="digital hardware")
                        first = False
                ax.set_xscale(xscale)
                ax.set_yscale("log")
                ax.set_xlabel(label)
                ax.set_ylabel("energy to solution (J)")
                ax.set_title(f"{prob}: energy to solution against {label}")
                ax.legend(ncols=2)
    with figure(outdir, "ratio_simulated_to_estimate", stems) as (_fig, ax):
        for a in bounds.ARCHITECTURES:
            for prob, marker in zip(PROBLEMS, "os", strict=True):
                idx = np.flatnonzero((arch == a) & (problem == prob))
                if idx.size:
                    ax.plot(runs["ops"][idx], runs["ratio"][idx], marker, color=_COLOURS[a],
                            label=f"{prob} {a}", alpha=0.8)
                    ax.plot(runs["ops"][idx], runs["activity_ratio"][idx], marker,
                            mfc="none", color=_COLOURS[a], alpha=0.8)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("OPS (parameter updates)")
        ax.set_ylabel("simulated / estimate (filled); activity ratio (open)")
        ax.legend(ncols=2)
    return stems


def _row_line(r):
    kT = r["kT"]
    w = r["walls"]
    q = r["quality"]
    qual = (f"{q['rms_levels']:6.2f} lv" if r["problem"] == "quadratic"
            else f"{q['gap']:9.2e}")
    return (
        f"{r['architecture']:>8} {r['n']:>6} {r['bits']:>2} {r['update_time']:8.0e}"
        f" {r['ops']:9.3g} {w['update']['work']:10.3e} {w['hold']['work']:10.3e}"
        f" {w['consolidate']['work']:10.3e} {r['total']['work']:10.3e}"
        f" {r['estimate'].total:10.3e} {r['ratio']:7.3f} {r['activity_ratio']:6.3f}"
        f" {r['total']['bound']:10.3e} {r['landauer']:10.3e} {r['hardware']:9.2e} {qual}"
        f" {r['total']['work'] / kT / r['ops']:9.3g}"
    )


def report(result: dict) -> str:
    cfg = result["config"]
    head = (
        f"{'arch':>8} {'N':>6} {'B':>2} {'τ_u (s)':>8} {'OPS':>9} {'update J':>10}"
        f" {'hold J':>10} {'consol. J':>10} {'total J':>10} {'estimate':>10} {'sim/est':>7}"
        f" {'act.':>6} {'bound J':>10} {'Landauer':>10} {'hardware':>9} {'quality':>9}"
        f" {'kT/op':>9}"
    )
    lines = [
        f"{NAME}: T = {cfg.temperature:g} K, f0 = {cfg.attempt_frequency:g} Hz,"
        f" ε = {cfg.error:g}, retention {cfg.retention:.3g} s, K = {cfg.consolidation_interval}",
        "energies in J for the whole optimiser (Monte Carlo work = heat); estimate ="
        " bounds.energy_to_solution; act. = simulated level hops / estimated changed bits;"
        " bound = Σ rigorous per-write bounds; quality = RMS |x - x*| (levels) or Ising gap",
    ]
    for problem, scans in (("quadratic", ("n", "bits", "update_time")),
                           ("ising", ("n", "update_time"))):
        for scan in scans:
            rows = [r for r in result["rows"] if r["problem"] == problem and r["scan"] == scan]
            if not rows:
                continue
            lines += ["", f"{problem}, scan over {scan}:", head]
            lines += [_row_line(r) for r in rows]
    lines += ["", "simulated vs exact expectation given the reads (kT, all walls):"]
    for r in result["runs"]:
        t, kT = r["total"], r["kT"]
        lines.append(
            f"  {r['problem']:>9} {r['architecture']:>8} N={r['n']:<6} B={r['bits']}"
            f" τ={r['update_time']:.0e}: {t['work'] / kT:12.2f} vs {t['exact'] / kT:12.2f}"
            f" ± {t['sigma'] / kT:8.2f}; nominal {t['nominal'] / kT:12.2f};"
            f" hold losses {r['hold_losses']}, raise losses {r['raise_losses']}"
        )
    return "\n".join(lines)


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot,
                        memory_estimate=memory_estimate, size_keys=SIZE_KEYS)

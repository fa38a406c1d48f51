"""The optimiser's parameter memory: ``MemoryArray`` cells of one learning-in-memory
architecture (``simcore.lim.Architecture``), written by per-cell tilts, held, scrubbed and
consolidated, with the exact statistics of every write booked by wall (``oracle.WriteOracle``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

import simcore as sc
from experiments.lim_optimizer.config import WALLS, Config
from experiments.lim_optimizer.oracle import LAMBDAS_KT, WriteOracle, v_tilt
from simcore import lim
from simcore.errors import one_of


@dataclass
class WallBook:
    """What the writes of one wall should have cost, from the exact per-write statistics."""

    exact: float = 0.0  # J, sum of conditional means
    variance: float = 0.0  # J², sum of conditional variances
    bound: float = 0.0  # J, sum of rigorous per-write bounds
    nominal: float = 0.0  # J, hops × the estimate's cost per changed bit at that barrier
    writes: int = 0  # cells written
    hops: int = 0  # level hops asked for, Σ |read - target|
    span: float = 0.0  # J, largest range of one write's work (Bernstein's bound per term)
    #: ln E exp(λ W) of the wall's summed work given the reads, at λ = LAMBDAS_KT / kT
    cgf: np.ndarray = field(default_factory=lambda: np.zeros(LAMBDAS_KT.size))


class Memory:
    """The parameter memory of one architecture: its arrays, and its barrier schedule, write
    pieces and raise pieces from ``simcore.lim.Architecture``.

    Parameters
    ----------
    architecture : {"static", "matched", "ideal"}
    n : int
        Parameters N (cells of the main memory).
    n_levels : int
        Levels M = 2^bits of each cell.
    bits : int
        Bits B per parameter (the long-term barrier holds N·B bits).
    cfg : Config
        Temperature, f0, ε, retention, K and the ideal write's substeps.
    schedule : str
        Convergence schedule of the optimiser (``simcore.lim.SCHEDULES``).
    scale : float
        Its time constant n0 (iterations).
    update_time : float
        τ_u (s).
    seeds : simcore.seeds.Seeds
        The run's streams: ``cells`` (the memory), ``long_term_cells`` (static).
    initial : int or array_like
        Initial level (or occupancy) of every cell.
    replicas : int
        Independent copies of the N parameters held side by side (``replicas·N`` cells; the
        barriers stay those of N parameters): independent restarts of one optimiser.
    """

    def __init__(self, architecture, n, n_levels, bits, cfg: Config, schedule, scale,
                 update_time, seeds, initial, replicas=1):
        self.arch = one_of("architecture", architecture, lim.ARCHITECTURES)
        self.cfg, self.tau = cfg, update_time
        self.n, self.m = n, n_levels
        t, f0 = cfg.temperature, cfg.attempt_frequency
        self.model = lim.Architecture(
            architecture=architecture, schedule=schedule, scale=scale, update_time=update_time,
            error=cfg.error, attempt_frequency=f0, temperature=t, retention=cfg.retention,
            n_cells=n * bits, consolidation_interval=cfg.consolidation_interval)
        self.kT = self.model.kT
        self.e_long = self.model.long_barrier
        self.oracle = WriteOracle(n_levels, t, f0)
        self.books = {w: WallBook() for w in WALLS}
        self.record = cfg.record_per_cell

        def array(stream):
            return sc.MemoryArray(n * replicas, n_levels, temperature=t, attempt_frequency=f0,
                                  seed=seeds.seed(stream), initial=initial)

        self.main = array("cells")
        self.arrays = [self.main]
        self.slow = None
        if self.arch == "static":
            self.slow = array("long_term_cells")
            self.slow.state[:] = self.main.state
            self.arrays.append(self.slow)
        self.hold_losses = 0
        self.raise_losses = 0
        for a in self.arrays:  # the first landscape an array sees costs no work
            a.step(np.zeros(self.m), np.full(self.m - 1, self.rest_barrier(1, a)), 0.0, "hold")

    # barrier schedule ----------------------------------------------------------------
    def rest_barrier(self, n, array=None):
        """Barrier (J) at which ``array`` (default the main memory) rests in iteration n."""
        if array is not None and array is self.slow:
            return self.e_long
        return float(self.model.barrier(float(n)))

    def pieces(self, barrier):
        """Write protocol at rest barrier ``barrier``: ``((slope, saddle, dt), ...)``."""
        return self.model.write_pieces(barrier, self.cfg.substeps)

    def nominal_cost(self, barrier):
        """The estimate's cost (J) per changed bit at this barrier (see energy_to_solution)."""
        return float(self.model.write_cost(barrier))

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
        book.span = max(book.span, float(self.oracle.spans(pieces, uniq).max()))
        book.cgf += self.oracle.cgfs(pieces, uniq)[inv, start].sum(axis=0)
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
            # saddles only: no work (docs/theory.md §6)
            for saddle, dt in self.model.raise_pieces(self.rest_barrier(n_iter)):
                self.main.step(np.zeros(self.m), np.full(self.m - 1, saddle), dt, "consolidate",
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

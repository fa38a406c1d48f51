"""The shared core of both arrays: sizes, ledger, step counter, current landscape, the shared
run loop, and the two stores of the cells' state.

``ArrayCore`` is what ``MemoryArray`` and ``AggregateArray`` have in common; each composes one
with its store:

- ``CellStates``: each cell's level, ``state`` (N,) uint8 (``MemoryArray``);
- ``GroupCounts``: the number of cells of each group at each level, ``counts`` (G, M) int64
  (``AggregateArray``; any N up to 2**62, no per-cell state).

A store answers ``group_counts()``, ``set_level(level)`` and ``sweep(...)``: advance every cell
through a block of shared-landscape steps and return the occupancy per group after each step.
The run loop (``ArrayCore.run_shared``) builds the block's exact propagators
(``propagator.step_tables``), asks the store to sweep, and books work and heat from the counts
(``accounting.block_energy``), which is exact for both stores.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from simcore import draws
from simcore.accounting import block_energy
from simcore.errors import ParameterError
from simcore.kernels import (
    Cells,
    GroupStreams,
    SharedSteps,
    SparseSteps,
    Stream,
    sparse_tables,
    tallies,
)
from simcore.landscapes import SharedLandscape
from simcore.ledger import Estimate, Ledger, TagLedger
from simcore.plan import block_kernel, runs_of, sparse_steps
from simcore.propagator import level_thresholds, step_tables
from simcore.rng import GENERATOR, check_seed, stream, streams_of

#: Budget (entries) for the per-block tables, bounding the extra memory of a run.
_BLOCK_ENTRIES = 2**22
#: Steps per block from which the aggregated engine's groups run on the thread pool.
PARALLEL_STEPS = 256


@dataclass(frozen=True)
class RunResult:
    """What a run did, per cell: energies in J (``.mean``, ``.stderr``, optional ``.per_cell``)."""

    work: Estimate
    heat: Estimate
    delta_u: Estimate
    by_tag: dict[str, TagLedger]
    occupancy: np.ndarray
    initial_occupancy: np.ndarray
    n_cells: int
    n_steps: int
    first_step: int
    seed: int
    temperature: float
    kT: float
    times: np.ndarray | None = None
    history: np.ndarray | None = None
    generator: str = GENERATOR


def group_bounds(n_cells: int, groups: int) -> np.ndarray:
    """Bounds (G+1,) int64 of ``min(groups, N)`` groups of contiguous cells (fixed by N)."""
    g = min(groups, n_cells)
    return (np.arange(g + 1, dtype=object) * n_cells // g).astype(np.int64)


class CellStates:
    """Each cell's level, ``state`` (N,) uint8, on a backend (``simcore.backend``)."""

    def __init__(self, n_cells: int, n_levels: int, bounds: np.ndarray, backend, seed: int):
        self.state = np.zeros(n_cells, dtype=np.uint8)
        self.n_levels = n_levels
        self.bounds = bounds
        self.backend = backend
        self.seed = seed
        self._streams = None  # the sparse kernel's (keys, gammas), derived once

    def group_counts(self) -> np.ndarray:
        """Cells of each group at each level, (G, M)."""
        out = np.zeros((self.bounds.size - 1, self.n_levels), dtype=np.int64)
        self.backend.kernel("count_levels")(self.state, self.bounds, out)
        return out

    def set_level(self, level: int) -> None:
        self.state[:] = level

    def sweep(self, probs, thresholds, step0, purpose="dynamics", energies=None, per_cell=None):
        """Advance all cells through a block of shared-landscape steps (propagators ``probs``
        (B, M, M), their ``thresholds`` (B, M, M-1)) from step ``step0`` of the ``purpose``
        stream ("dynamics" or "prepare", ``simcore.draws``); with ``per_cell`` (work, heat)
        (N,) each cell's energies under ``energies`` (B+1, M) are added to them. Returns the
        occupancy of each group after each step (G, B, M) and the level changes (G, B).

        Dynamics steps whose escape probabilities are all small (``plan.sparse_steps``) are
        stepped by the rare-flip kernel (``kernels.sparse_shared``, its own streams
        ``draws.SPARSE``), the others by the dense kernels (``draws.DYNAMICS``): each step reads
        one of the two, by a rule of its propagator alone."""
        if purpose != "dynamics":
            return self._dense(probs, thresholds, step0, purpose, energies, per_cell)
        sparse = sparse_steps(probs)
        if not sparse.any():
            return self._dense(probs, thresholds, step0, purpose, energies, per_cell)
        if sparse.all():
            return self._sparse(probs, step0, energies, per_cell)
        g = self.bounds.size - 1
        b = probs.shape[0]
        counts = np.empty((g, b, self.n_levels), dtype=np.int64)
        changes = np.empty((g, b), dtype=np.int64)
        for a, z, rare in runs_of(sparse):
            part = None if energies is None or per_cell is None else energies[a : z + 1]
            if rare:
                c, ch = self._sparse(probs[a:z], step0 + a, part, per_cell)
            else:
                c, ch = self._dense(probs[a:z], thresholds[a:z], step0 + a, purpose, part, per_cell)
            counts[:, a:z] = c
            changes[:, a:z] = ch
        return counts, changes

    def _sparse(self, probs, step0, energies, per_cell):
        """Rare-flip steps of a block (``kernels.sparse_shared``); as ``sweep``."""
        b, m, _ = probs.shape
        g = self.bounds.size - 1
        log_stay = np.empty(b)
        accept = np.empty((b, m), dtype=np.uint64)
        jump = np.zeros((b, m, m - 1), dtype=np.uint64)
        sparse_tables(probs, log_stay, accept, jump)
        counts = np.zeros((g, b, m), dtype=np.int64)
        changes = np.zeros((g, b), dtype=np.int64)
        if per_cell is None:
            tally = tallies(counts=counts, changes=changes)
            energies = _NO_ENERGIES
        else:
            work, heat = per_cell
            tally = tallies(counts=counts, changes=changes, work=work, heat=heat, record=True)
        keys, gammas = self._sparse_streams()
        self.backend.kernel("sparse_shared")(
            cells=Cells(state=self.state, bounds=self.bounds),
            steps=SparseSteps(log_stay=log_stay, accept=accept, jump=jump, energies=energies),
            streams=GroupStreams(keys=keys, gammas=gammas, step=step0),
            tallies=tally,
        )
        return counts, changes

    def _sparse_streams(self) -> tuple[np.ndarray, np.ndarray]:
        """``(keys, gammas)`` (3,) of the streams ``draws.SPARSE`` (skip, accept, jump)."""
        if self._streams is None:
            keys = np.empty(draws.SPARSE.size, dtype=np.uint64)
            gammas = np.empty(draws.SPARSE.size, dtype=np.uint64)
            streams_of(np.uint64(self.seed), np.uint64(draws.SPARSE.start), keys, gammas)
            self._streams = (keys, gammas)
        return self._streams

    def _dense(self, probs, thresholds, step0, purpose, energies, per_cell):
        """Dense steps of a block (one uniform per cell-step); as ``sweep``."""
        draw = draws.DYNAMICS[0] if purpose == "dynamics" else draws.CELL_PREPARE[0]
        key, gamma = stream(self.seed, draw)
        b = thresholds.shape[0]
        g = self.bounds.size - 1
        m = self.n_levels
        kernel = block_kernel(m, per_cell is not None)
        cells = Cells(state=self.state, bounds=self.bounds)
        run = Stream(key=key, gamma=gamma, step=step0, seed=np.uint64(self.seed))
        changes = np.zeros((g, b), dtype=np.int64)
        if kernel == "bits_shared":
            ones = np.zeros((g, b), dtype=np.int64)
            self.backend.kernel(kernel)(
                cells=cells,
                steps=SharedSteps(thresholds=thresholds, energies=_NO_ENERGIES),
                stream=run,
                tallies=tallies(counts=ones, changes=changes),
            )
            counts = np.empty((g, b, 2), dtype=np.int64)
            counts[:, :, 1] = ones
            counts[:, :, 0] = np.diff(self.bounds)[:, None] - ones
            return counts, changes
        counts = np.zeros((g, b, m), dtype=np.int64)
        if per_cell is None:
            steps = SharedSteps(thresholds=thresholds, energies=_NO_ENERGIES)
            tally = tallies(counts=counts, changes=changes)
        else:
            work, heat = per_cell
            steps = SharedSteps(thresholds=thresholds, energies=energies)
            tally = tallies(counts=counts, changes=changes, work=work, heat=heat, record=True)
        self.backend.kernel(kernel)(cells=cells, steps=steps, stream=run, tallies=tally)
        return counts, changes


_NO_ENERGIES = np.empty((0, 0))


class GroupCounts:
    """Cells of each group at each level, ``counts`` (G, M) int64 (the aggregated engine).

    Each step the cells of group ``g`` leaving each level are drawn from the multinomial of the
    exact propagator's row (``kernels.counts_block``), from the group's own stream
    (``draws.AGGREGATE_DYNAMICS[g]``, preparation ``draws.AGGREGATE_PREPARE[g]``)."""

    def __init__(self, n_levels: int, bounds: np.ndarray, backend, seed: int):
        self.counts = np.zeros((bounds.size - 1, n_levels), dtype=np.int64)
        self.counts[:, 0] = np.diff(bounds)
        self.n_levels = n_levels
        self.bounds = bounds
        self.backend = backend
        self.seed = seed
        self._streams: dict = {}  # draw range -> the groups' (keys, gammas)
        self._after = np.empty((bounds.size - 1, 0, n_levels), dtype=np.int64)
        self._changes = np.empty((bounds.size - 1, 0), dtype=np.int64)

    def group_counts(self) -> np.ndarray:
        return self.counts.copy()

    def set_level(self, level: int) -> None:
        self.counts[:] = 0
        self.counts[:, level] = np.diff(self.bounds)

    def sweep(self, probs, thresholds, step0, purpose="dynamics", energies=None, per_cell=None):
        if per_cell is not None:
            raise ParameterError(
                "record_per_cell", True, "False for an AggregateArray (use MemoryArray)"
            )
        span = draws.AGGREGATE_DYNAMICS if purpose == "dynamics" else draws.AGGREGATE_PREPARE
        g = self.counts.shape[0]
        keys, gammas = self._group_streams(span, g)
        b = probs.shape[0]
        after, changes = self._buffers(g, b)
        # the pool costs 0.1-2 ms to wake: worth it for long blocks only (a step of 16 groups
        # of bits is ~1.5 us serially); the results are the same either way
        parallel = b >= PARALLEL_STEPS and g > 1
        self.backend.kernel("counts_block", serial=not parallel)(
            counts=self.counts,
            probs=probs,
            streams=GroupStreams(keys=keys, gammas=gammas, step=step0),
            after=after,
            changes=changes,
        )
        return after, changes

    def _buffers(self, g: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """``(after (G, B, M), changes (G, B))`` int64, kept from one block to the next: the
        caller reads them before its next sweep (fresh megabytes every block cost more in page
        faults than the aggregated engine's bookkeeping)."""
        if self._after.shape[1] != b:
            self._after = np.empty((g, b, self.n_levels), dtype=np.int64)
            self._changes = np.empty((g, b), dtype=np.int64)
        return self._after, self._changes

    def _group_streams(self, span, g: int) -> tuple[np.ndarray, np.ndarray]:
        """``(keys, gammas)`` (G,) of the groups' streams ``span[i]``, computed once per range
        (a run of single steps would otherwise derive G streams every step)."""
        if span.name not in self._streams:
            keys = np.empty(g, dtype=np.uint64)
            gammas = np.empty(g, dtype=np.uint64)
            check_seed(span[g - 1], "draw")
            streams_of(np.uint64(check_seed(self.seed)), np.uint64(span.start), keys, gammas)
            self._streams[span.name] = (keys, gammas)
        return self._streams[span.name]


class ArrayCore:
    """What both arrays share: N, M, T, f0, kinetics, seed, the groups, the backend, the store,
    the ledger, the step counter and the current landscape (a ``simcore.landscapes`` value, or
    None before the first)."""

    def __init__(
        self, *, n_cells, n_levels, temperature, kT, attempt_frequency, kinetics, kin, seed
    ):
        self.n_cells = n_cells
        self.n_levels = n_levels
        self.temperature = temperature
        self.kT = kT
        self.attempt_frequency = attempt_frequency
        self.kinetics = kinetics
        self.kin = kin
        self.seed = seed
        self.bounds: np.ndarray
        self.backend = None
        self.store = None
        self.ledger: Ledger
        self.step_count = 0
        self.preparations = 0
        self.landscape = None

    def attach(self, bounds, backend, store) -> None:
        """Set the groups, the backend and the store (once, at construction)."""
        self.bounds = bounds
        self.backend = backend
        self.store = store
        self.ledger = Ledger(np.diff(bounds))

    @property
    def homogeneous(self) -> bool:
        return np.ndim(self.attempt_frequency) == 0

    @property
    def n_groups(self) -> int:
        return self.bounds.size - 1

    def occupancy(self) -> np.ndarray:
        return self.store.group_counts().sum(axis=0) / self.n_cells

    def prepare(self, initial) -> None:
        """Set every cell's level (``initial`` checked: a level, or a probability vector drawn
        from the preparation stream); no work is booked."""
        if isinstance(initial, int):
            self.store.set_level(initial)
            return
        m = self.n_levels
        probs = np.broadcast_to(initial, (1, m, m)).copy()
        thresholds = np.empty((1, m, m - 1), dtype=np.uint64)
        level_thresholds(probs[0], thresholds[0])
        self.store.sweep(probs, thresholds, self.preparations, purpose="prepare")
        self.preparations += 1

    def energy_buffers(self, record_per_cell: bool):
        """``(work_g, heat_g, work_cell, heat_cell)`` for a per-cell kernel: zeroed group sums
        (G,) and the ledger's per-cell buffers (N,) when they are recorded (else empty)."""
        if record_per_cell:
            work_cell, heat_cell = self.ledger.per_cell_buffers(self.n_cells)
        else:
            work_cell = heat_cell = np.empty(0)
        return np.zeros(self.n_groups), np.zeros(self.n_groups), work_cell, heat_cell

    def step_shared(self, e_old, e, s, dt, tag, record_per_cell) -> None:
        """One step of every cell under the shared landscape ``(e, s)`` from energies
        ``e_old`` (M,)."""
        m = self.n_levels
        probs = np.empty((1, m, m))
        thresholds = np.empty((1, m, m - 1), dtype=np.uint64)
        step_tables(
            e[None],
            s[None],
            self.kT,
            float(self.attempt_frequency),
            self.kin,
            np.array([dt]),
            probs,
            thresholds,
        )
        per_cell = None
        if record_per_cell:
            per_cell = self.ledger.per_cell_buffers(self.n_cells)
        before0 = self.store.group_counts()
        energies = np.stack([e_old, e])
        after, changes = self.store.sweep(
            probs, thresholds, self.step_count, energies=energies, per_cell=per_cell
        )
        g = self.n_groups
        w = np.zeros((g, 1))
        q = np.zeros((g, 1))
        block_energy(before0, after, energies, np.zeros(1, dtype=np.int64), w, q)
        self.ledger.add(tag, w[:, 0], q[:, 0], changes.sum(), 1, dt)

    def run_shared(self, grid, record_per_cell, record_history, progress) -> RunResult:
        """Advance every cell through the step grid of a shared protocol, block by block."""
        m = self.n_levels
        g = self.n_groups
        s_total = grid.n_steps
        names, codes = grid.tag_codes()
        durations = grid.durations
        ledger = Ledger(np.diff(self.bounds))
        work_cell = heat_cell = None
        if record_per_cell:
            work_cell, heat_cell = ledger.per_cell_buffers(self.n_cells)
        block = int(max(1, min(4096, _BLOCK_ENTRIES // (m * m + g * m))))
        before0 = self.store.group_counts()
        start_occ = before0.sum(axis=0) / self.n_cells
        history = np.empty((s_total + 1, m)) if record_history else None
        if history is not None:
            history[0] = start_occ
        w_tag = np.zeros((g, len(names)))
        q_tag = np.zeros((g, len(names)))
        changes_tag = np.zeros(len(names))  # float: totals may pass 2**63 in huge arrays
        bar = progress_bar(progress, s_total, self.n_cells)
        first = self.step_count
        for k0 in range(0, s_total, block):
            k1 = min(k0 + block, s_total)
            energies, saddles = grid.landscapes(k0, k1)
            probs = np.empty((k1 - k0, m, m))
            thresholds = np.empty((k1 - k0, m, m - 1), dtype=np.uint64)
            step_tables(
                energies[1:],
                saddles[1:],
                self.kT,
                float(self.attempt_frequency),
                self.kin,
                durations[k0:k1],
                probs,
                thresholds,
            )
            per_cell = None if work_cell is None else (work_cell, heat_cell)
            after, changes = self.store.sweep(
                probs, thresholds, self.step_count, energies=energies, per_cell=per_cell
            )
            block_energy(before0, after, energies, codes[k0:k1], w_tag, q_tag)
            changes_tag += np.bincount(
                codes[k0:k1], weights=changes.sum(axis=0, dtype=np.float64), minlength=len(names)
            )
            before0 = after[:, -1, :].copy()  # a store may reuse ``after`` next block
            if history is not None:
                history[k0 + 1 : k1 + 1] = after.sum(axis=0) / self.n_cells
            self.step_count += k1 - k0
            bar.update(k1 - k0)
        bar.close()
        for t, name in enumerate(names):
            mask = codes == t
            ledger.add(
                name, w_tag[:, t], q_tag[:, t], changes_tag[t], mask.sum(), durations[mask].sum()
            )
        e_end, s_end = grid.landscapes(s_total, s_total)
        self.landscape = SharedLandscape(e_end[0], s_end[0])
        self.merge(ledger)
        return self.result_of(
            ledger,
            start_occ,
            before0.sum(axis=0) / self.n_cells,
            s_total,
            first,
            grid.times,
            history,
        )

    def merge(self, run_ledger: Ledger) -> None:
        """Add a run's ledger to the array's."""
        for tag in run_ledger.work:
            self.ledger.add(
                tag,
                run_ledger.work[tag],
                run_ledger.heat[tag],
                run_ledger.changes[tag],
                run_ledger.steps[tag],
                run_ledger.durations[tag],
            )
        if run_ledger.work_cell is not None:
            wc, qc = self.ledger.per_cell_buffers(self.n_cells)
            wc += run_ledger.work_cell
            qc += run_ledger.heat_cell

    def result_of(self, ledger, start_occ, end_occ, n_steps, first, times=None, history=None):
        """A ``RunResult`` of ``ledger``."""
        work, heat, du = ledger.totals()
        return RunResult(
            work=work,
            heat=heat,
            delta_u=du,
            by_tag=ledger.by_tag(),
            occupancy=end_occ,
            initial_occupancy=start_occ,
            n_cells=self.n_cells,
            n_steps=n_steps,
            first_step=first,
            seed=self.seed,
            temperature=self.temperature,
            kT=self.kT,
            times=times,
            history=history,
        )


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def is_terminal(stream) -> bool:
    """Whether ``stream`` is a terminal (a closed or odd stream is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def progress_bar(enabled: bool, total: int, n_cells: int, stream=None):
    """A tqdm bar of ``total`` steps on ``stream`` (default stderr) when ``enabled`` and the
    stream is a terminal, else one that does nothing: a bar in a log file would be carriage
    returns (the experiments' outer progress says a line per task there instead).

    The bar counts whole steps (no ``unit_scale``: "1.2k" read as a fractional count) and is
    removed from the terminal when it closes (``leave=False``): an experiment runs many arrays,
    and only the bar of the one running stays on screen.
    """
    stream = sys.stderr if stream is None else stream
    if not enabled or not is_terminal(stream):
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=int(total), unit="step", desc=f"{n_cells:.3g} cells", leave=False,
                file=stream)

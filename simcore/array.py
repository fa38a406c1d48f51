"""``MemoryArray``: N memory cells, their state, their energy ledger and their step counter.

``run(protocol, dt)`` advances every cell through a shared protocol; ``step(energies, saddles,
dt, tag)`` advances one step under landscapes that may differ from cell to cell (an optimiser's
per-cell tilts, device variability), given per cell or, with ``kinds=``, as rows of a small table
that each cell selects. Both use the exact propagator and the step order of
THEORY.md section 2, and draw every random number from ``simcore.rng`` keyed by
(seed, step, cell), so the same seed gives the same numbers for any thread count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from simcore import kernels
from simcore.accounting import block_energy
from simcore.constants import kT as thermal_energy
from simcore.errors import (
    ParameterError,
    finite_array,
    one_of,
    positive,
    positive_array,
    positive_int,
)
from simcore.landscape import MAX_LEVELS, boltzmann, check_levels, kinetics_code
from simcore.ledger import Estimate, Ledger, TagLedger
from simcore.propagator import step_tables
from simcore.protocol import Protocol, check_tag
from simcore.rng import GENERATOR, MAX_CELLS, MAX_STEPS, check_seed, stream

#: Number of cell groups for batch-means errors and parallel work (fixed by N, not by threads).
GROUPS = 64
#: Random stream used to prepare initial states (distinct from the dynamics' stream 0).
PREPARE_DRAW = 2**63
#: Arrays with fewer cells run their kernels on the calling thread: waking the thread pool
#: costs 0.1-2 ms on a loaded machine, more than a step of 10^4 cells (same results either way).
PARALLEL_CELLS = 2**15
#: Budget (entries) for the per-block tables, bounding the extra memory of a run.
_BLOCK_ENTRIES = 2**22


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


def _check_initial(initial, n_levels: int, allow_equilibrium: bool):
    """Normalise ``initial`` to a level (int), a probability vector, or "equilibrium"."""
    allowed = "a level in [0, M), a probability vector of length M"
    if allow_equilibrium:
        allowed += ', or "equilibrium"'
    if isinstance(initial, str):
        if allow_equilibrium and initial == "equilibrium":
            return initial
        raise ParameterError("initial", initial, allowed)
    if isinstance(initial, int | np.integer) and not isinstance(initial, bool):
        if not 0 <= int(initial) < n_levels:
            raise ParameterError("initial", initial, f"a level in [0, {n_levels})")
        return int(initial)
    try:
        p = np.asarray(initial, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError("initial", initial, allowed) from None
    if p.shape != (n_levels,) or not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ParameterError("initial", initial, allowed)
    if abs(p.sum() - 1.0) > 1e-9:
        raise ParameterError("initial", initial, "probabilities that sum to 1")
    return p / p.sum()


class MemoryArray:
    """N cells of M levels at temperature T (K) with attempt frequency f0 (Hz, scalar or (N,)).

    ``state`` holds each cell's level (uint8). ``initial`` is a level or a probability vector
    sampled from the seed. See the module docstring for ``run`` and ``step``.
    """

    def __init__(
        self,
        n_cells: int,
        n_levels: int = 2,
        *,
        temperature: float = 300.0,
        attempt_frequency=1e9,
        kinetics: str = "arrhenius",
        seed: int = 0,
        initial=0,
        backend: str = "cpu",
    ):
        self.backend = one_of("backend", backend, ("cpu", "cuda"))
        if backend == "cuda":
            from simcore import gpu

            if not gpu.available():
                raise ParameterError("backend", backend, '"cpu" (no usable CUDA device here)')
        self.n_cells = positive_int("n_cells", n_cells, self.MAX_CELLS)
        self.n_levels = check_levels(n_levels)
        self.temperature = positive("temperature", temperature)
        self.kT = thermal_energy(self.temperature)
        f0 = positive_array("attempt_frequency", attempt_frequency, (self.n_cells,))
        self.attempt_frequency = f0 if f0.ndim == 0 else f0.copy()
        self.kinetics = kinetics
        self._kin = kinetics_code(kinetics)
        self.seed = check_seed(seed)
        initial = _check_initial(initial, self.n_levels, allow_equilibrium=False)
        g = min(self._default_groups(), self.n_cells)
        self._bounds = (np.arange(g + 1, dtype=object) * self.n_cells // g).astype(np.int64)
        self._allocate()
        self.step_count = 0
        self._preparations = 0
        self._energies: np.ndarray | None = None  # current landscape, (M,) or (N, M) or (K, M)
        self._saddles: np.ndarray | None = None
        self._kinds: np.ndarray | None = None  # (N,) rows of a (K, M) table, else None
        self.ledger = Ledger(np.diff(self._bounds))
        self.prepare(initial)

    #: Largest number of cells (the counter-based generator keys cells by 32 bits).
    MAX_CELLS = MAX_CELLS

    def _default_groups(self) -> int:
        return GROUPS

    def _allocate(self) -> None:
        self.state = np.zeros(self.n_cells, dtype=np.uint8)

    # ------------------------------------------------------------------ state
    @property
    def _small(self) -> bool:
        """True when the kernels run on the calling thread (``PARALLEL_CELLS``)."""
        return self.n_cells < PARALLEL_CELLS

    @property
    def homogeneous(self) -> bool:
        """True when every cell has the same attempt frequency."""
        return self.attempt_frequency.ndim == 0

    def occupancy(self) -> np.ndarray:
        """Fraction of cells at each level, (M,)."""
        return self._group_counts().sum(axis=0) / self.n_cells

    def prepare(self, initial) -> None:
        """Set every cell's level: a level, or a draw from a probability vector (no work is
        booked: preparation is outside the ledger)."""
        initial = _check_initial(initial, self.n_levels, allow_equilibrium=False)
        if isinstance(initial, int):
            self.state[:] = initial
            return
        m = self.n_levels
        probs = np.broadcast_to(initial, (1, m, m)).copy()
        thresholds = np.empty((1, m, m - 1), dtype=np.uint64)
        from simcore.propagator import level_thresholds

        level_thresholds(probs[0], thresholds[0])
        self._sweep(probs, thresholds, self._preparations, None, PREPARE_DRAW)
        self._preparations += 1

    def reset_ledger(self) -> None:
        self.ledger = Ledger(np.diff(self._bounds))

    def result(self) -> RunResult:
        """The cumulative ledger of every ``step`` and ``run`` since creation or reset."""
        return self._result(self.ledger, self.occupancy(), self.occupancy(), 0, 0)

    # ------------------------------------------------------------------ kernels
    def _sweep(self, probs, thresholds, step0, per_cell, draw=0):
        """Advance all cells through a block of shared-landscape steps (propagators ``probs``
        (B, M, M) and their ``thresholds``) with random stream ``draw``; return the occupancy
        of each group after each step (G, B, M) and the level changes per group and step (G, B).
        """
        key, gamma = stream(self.seed, draw)
        b = thresholds.shape[0]
        g = self._bounds.size - 1
        m = self.n_levels
        changes = np.zeros((g, b), dtype=np.int64)
        small = self._small
        if self.backend == "cuda" and per_cell is None:
            from simcore import gpu  # same signatures, bit-identical results

            bits, levels = gpu.bits_shared, gpu.levels_shared
        elif small:
            bits, levels = kernels.bits_shared_serial, kernels.levels_shared_serial
        else:
            bits, levels = kernels.bits_shared, kernels.levels_shared
        if per_cell is None and m == 2:
            ones = np.zeros((g, b), dtype=np.int64)
            bits(self.state, thresholds, key, gamma, step0, self._bounds, ones, changes)
            counts = np.empty((g, b, 2), dtype=np.int64)
            counts[:, :, 1] = ones
            counts[:, :, 0] = np.diff(self._bounds)[:, None] - ones
            return counts, changes
        counts = np.zeros((g, b, m), dtype=np.int64)
        if per_cell is None:
            levels(self.state, thresholds, key, gamma, step0, self._bounds, counts, changes)
        else:
            energies, work, heat = per_cell
            per_cell_kernel = (
                kernels.levels_shared_per_cell_serial if small else kernels.levels_shared_per_cell
            )
            per_cell_kernel(
                self.state,
                thresholds,
                energies,
                key,
                gamma,
                step0,
                self._bounds,
                counts,
                changes,
                work,
                heat,
            )
        return counts, changes

    def _group_counts(self) -> np.ndarray:
        out = np.zeros((self._bounds.size - 1, self.n_levels), dtype=np.int64)
        count = kernels.count_levels_serial if self._small else kernels.count_levels
        count(self.state, self._bounds, out)
        return out

    # ------------------------------------------------------------------ run
    def run(
        self,
        protocol: Protocol,
        dt: float,
        initial=None,
        *,
        record_per_cell: bool = False,
        record_history: bool = False,
        progress: bool = False,
        cell_landscapes=None,
    ) -> RunResult:
        """Advance every cell through ``protocol`` with time step ``dt`` (s).

        ``initial``: None keeps the current state (a jump from the array's current landscape to
        the protocol's first is booked as work under the first tag); "equilibrium" samples the
        Boltzmann occupancy of the first landscape; a level or a probability vector prepares that.
        ``record_per_cell`` fills ``result.work.per_cell`` and ``result.heat.per_cell``;
        ``record_history`` fills ``result.history`` (S+1, M) occupancy fractions.
        ``cell_landscapes``, a function mapping the protocol's landscape ``(energies (M,),
        saddles (M-1,))`` to this array's ``(energies, saddles)`` with shapes (M,) or (N, M) and
        (M-1,) or (N, M-1), gives every cell its own landscape (device variability). It must be
        a pure function of the protocol's landscape: it is called once per stretch of steps under
        one protocol landscape, and bit cells run such a stretch as one kernel block.
        """
        if not isinstance(protocol, Protocol):
            raise ParameterError("protocol", protocol, "a simcore.Protocol")
        if protocol.n_levels != self.n_levels:
            raise ParameterError(
                "protocol", protocol, f"a protocol with {self.n_levels} levels like the array"
            )
        if cell_landscapes is not None and not callable(cell_landscapes):
            raise ParameterError("cell_landscapes", cell_landscapes, "a callable or None")
        dt = positive("dt", dt)
        stepwise = cell_landscapes is not None or not self.homogeneous
        if initial is not None:
            initial = _check_initial(initial, self.n_levels, allow_equilibrium=True)
            if isinstance(initial, str):
                if cell_landscapes is not None:
                    raise ParameterError(
                        "initial", initial, "a level or probability vector with cell_landscapes"
                    )
                initial = boltzmann(protocol.start[0], self.kT)
            self.prepare(initial)
            self._energies = self._saddles = None  # prepared in the first landscape: no work
            self._kinds = None
        elif self._energies is not None and not stepwise:
            e0, s0 = protocol.start
            if self._kinds is not None or self._energies.ndim != 1 or self._saddles.ndim != 1:
                raise ParameterError(
                    "initial",
                    None,
                    "a level, probability vector or 'equilibrium' after per-cell steps",
                )
            if not (np.array_equal(self._energies, e0) and np.array_equal(self._saddles, s0)):
                jump = Protocol(
                    [protocol.times[0]] * 2,
                    [self._energies, e0],
                    [self._saddles, s0],
                    [protocol.tags[0]],
                )
                protocol = jump.then(protocol)
        grid = protocol.grid(dt)
        if self.step_count + grid.n_steps + 1 >= MAX_STEPS:
            raise ParameterError("dt", dt, f"a grid that keeps the step counter below {MAX_STEPS}")
        if stepwise:
            return self._run_stepwise(
                grid, record_per_cell, record_history, progress, cell_landscapes
            )
        return self._run_shared(grid, record_per_cell, record_history, progress)

    def _run_shared(self, grid, record_per_cell, record_history, progress) -> RunResult:
        m = self.n_levels
        g = self._bounds.size - 1
        s_total = grid.n_steps
        names, codes = grid.tag_codes()
        durations = grid.durations
        ledger = Ledger(np.diff(self._bounds))
        work_cell = heat_cell = None
        if record_per_cell:
            work_cell, heat_cell = ledger.per_cell_buffers(self.n_cells)
        block = int(max(1, min(4096, _BLOCK_ENTRIES // (m * m + g * m))))
        before0 = self._group_counts()
        start_occ = before0.sum(axis=0) / self.n_cells
        history = np.empty((s_total + 1, m)) if record_history else None
        if history is not None:
            history[0] = start_occ
        w_tag = np.zeros((g, len(names)))
        q_tag = np.zeros((g, len(names)))
        changes_tag = np.zeros(len(names))  # float: totals may pass 2**63 in huge arrays
        bar = _progress(progress, s_total, self.n_cells)
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
                self._kin,
                durations[k0:k1],
                probs,
                thresholds,
            )
            per_cell = None if work_cell is None else (energies, work_cell, heat_cell)
            after, changes = self._sweep(probs, thresholds, self.step_count, per_cell)
            before = np.concatenate([before0[:, None, :], after[:, :-1, :]], axis=1)
            block_energy(before, after, energies, codes[k0:k1], w_tag, q_tag)
            changes_tag += np.bincount(
                codes[k0:k1], weights=changes.sum(axis=0, dtype=np.float64), minlength=len(names)
            )
            before0 = after[:, -1, :]
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
        self._energies, self._saddles = e_end[0], s_end[0]
        self._kinds = None
        self._merge(ledger)
        return self._result(
            ledger,
            start_occ,
            before0.sum(axis=0) / self.n_cells,
            s_total,
            first,
            grid.times,
            history,
        )

    def _run_stepwise(
        self, grid, record_per_cell, record_history, progress, cell_landscapes
    ) -> RunResult:
        names, codes = grid.tag_codes()
        saved = self.ledger
        self.ledger = Ledger(np.diff(self._bounds))
        start_occ = self.occupancy()
        first = self.step_count
        history = np.empty((grid.n_steps + 1, self.n_levels)) if record_history else None
        if history is not None:
            history[0] = start_occ

        last = [None, None, None]  # the protocol's landscape last mapped, and the result

        def landscape(k):
            e, s = grid.landscapes(k, k)
            if cell_landscapes is None:
                return e[0], s[0]
            # cell_landscapes is a function of the protocol's landscape: call it once per
            # distinct landscape (a hold is one call)
            if not (np.array_equal(e[0], last[0]) and np.array_equal(s[0], last[1])):
                last[:] = e[0], s[0], cell_landscapes(e[0], s[0])
            return last[2]

        bar = _progress(progress, grid.n_steps, self.n_cells)
        try:
            e0, s0 = landscape(0)
            jump_from = None  # the landscape the first step jumps from, when the array has none
            if self._energies is None:
                if self.n_levels == 2 and grid.n_steps > 0:
                    jump_from = self._check_landscape(e0, s0)[0]  # read by the kernel, no copy
                else:
                    self._energies = np.array(e0, dtype=float)
                    self._saddles = np.array(s0, dtype=float)
            else:  # an instantaneous jump onto the protocol's first landscape: work, no time
                self.step(e0, s0, 0.0, names[codes[0]], record_per_cell=record_per_cell)
            if self.n_levels == 2:
                # bit cells: runs of steps under one landscape go to the kernel as one block
                for k0, k1, dt in _held_blocks(grid, codes):
                    e, s = self._check_landscape(*landscape(k0 + 1))
                    ones = self._bits_block(
                        e,
                        s,
                        dt,
                        k1 - k0,
                        names[codes[k0]],
                        record_per_cell,
                        float(grid.durations[k0:k1].sum()),
                        jump_from,
                    )
                    jump_from = None
                    if history is not None:
                        n1 = ones.sum(axis=0)
                        history[k0 + 1 : k1 + 1, 1] = n1 / self.n_cells
                        history[k0 + 1 : k1 + 1, 0] = (self.n_cells - n1) / self.n_cells
                    bar.update(k1 - k0)
            else:
                for k in range(grid.n_steps):
                    e, s = landscape(k + 1)
                    self.step(
                        e, s, grid.durations[k], names[codes[k]], record_per_cell=record_per_cell
                    )
                    if history is not None:
                        history[k + 1] = self.occupancy()
                    bar.update(1)
        finally:
            bar.close()
            ledger, self.ledger = self.ledger, saved
        self._merge(ledger)
        return self._result(
            ledger, start_occ, self.occupancy(), grid.n_steps, first, grid.times, history
        )

    # ------------------------------------------------------------------ step
    def step(
        self,
        energies,
        saddles,
        dt: float,
        tag: str = "update",
        *,
        record_per_cell: bool = False,
        kinds=None,
    ) -> None:
        """Advance one step: the landscape jumps to ``(energies, saddles)`` (shared (M,) or per
        cell (N, M)), then every cell evolves for ``dt`` s under it. Books work, heat and level
        changes under ``tag`` in ``self.ledger``. The first landscape an array sees costs no work
        (it is where the cells were prepared).

        Indexed form: with ``kinds``, an integer array (N,) with values in [0, K), ``energies``
        (K, M) and ``saddles`` (K, M-1) are a table of landscapes and cell ``i`` evolves under row
        ``kinds[i]`` (an optimiser's few distinct per-cell tilts). The states, work and heat are
        those of the per-cell step with the expanded landscapes ``energies[kinds]`` (bit cells,
        and M-level cells with per-cell attempt frequencies; M-level cells with a shared one
        sample each kind's exact propagator with the uniforms a shared step would use), but the
        rates are computed once per kind: a bit cell costs a table lookup, or one exponential
        when its attempt frequency is its own."""
        if kinds is None:
            e, s = self._check_landscape(energies, saddles)
        else:
            e, s, kinds = self._check_indexed(energies, saddles, kinds)
        dt = float(dt)
        if not (np.isfinite(dt) and dt >= 0):
            raise ParameterError("dt", dt, "a finite duration >= 0 (s)")
        tag = check_tag(tag)
        if self.step_count + 1 >= MAX_STEPS:
            raise ParameterError("step", self.step_count, f"fewer than {MAX_STEPS} steps per array")
        if kinds is not None:
            self._step_indexed(e, s, kinds, dt, tag, record_per_cell)
            return
        if self._kinds is not None and e.ndim == 1 and s.ndim == 1:
            # a shared landscape after an indexed one: one kind (the same draws as a shared step)
            one = np.zeros(self.n_cells, dtype=np.uint8)
            self._step_indexed(e[None], s[None], one, dt, tag, record_per_cell, keep=False)
            self._remember(e, s)
            return
        e_old = e if self._energies is None else self._old_cells()
        if e.ndim == 1 and s.ndim == 1 and e_old.ndim == 1 and self.homogeneous:
            self._step_shared(e_old, e, s, dt, tag, record_per_cell)
        elif self.n_levels == 2:
            self._bits_block(e, s, dt, 1, tag, record_per_cell, e_old=e_old)
            return
        else:
            self._step_heterogeneous(e_old, e, s, dt, tag, record_per_cell)
        self._remember(e, s)
        self.step_count += 1

    def _check_landscape(self, energies, saddles):
        """``(energies, saddles)`` as float64 arrays of shapes (M,) or (N, M) and (M-1,) or
        (N, M-1), all finite, else ParameterError."""
        m, n = self.n_levels, self.n_cells
        e = np.asarray(energies, dtype=np.float64)
        s = np.asarray(saddles, dtype=np.float64)
        e = _finite("energies", e, (m,) if e.ndim < 2 else (n, m))
        s = _finite("saddles", s, (m - 1,) if s.ndim < 2 else (n, m - 1))
        return e, s

    def _check_indexed(self, energies, saddles, kinds):
        """A landscape table ``(energies (K, M), saddles (K, M-1))`` and ``kinds`` (N,) with
        values in [0, K), as contiguous float64 arrays and uint8 kinds (int64 when K > 256),
        else ParameterError."""
        m, n = self.n_levels, self.n_cells
        try:
            e = np.asarray(energies, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError("energies", energies, f"a (K, {m}) table of landscapes") from None
        if e.ndim != 2 or e.shape[0] < 1:
            raise ParameterError(
                "energies", energies, f"a (K, {m}) table of landscapes with kinds, K >= 1"
            )
        n_kinds = e.shape[0]
        e = finite_array("energies", e, (n_kinds, m))
        s = finite_array("saddles", saddles, (n_kinds, m - 1))
        k = np.asarray(kinds)
        allowed = f"an integer array of shape ({n},) with values in [0, {n_kinds})"
        if k.dtype == np.bool_ or k.dtype.kind not in "iu":
            raise ParameterError("kinds", kinds, allowed)
        if k.shape != (n,):
            raise ParameterError("kinds", kinds, f"{allowed}, got shape {k.shape}")
        hi = int(k.max())
        lo = 0 if k.dtype.kind == "u" else int(k.min())  # one pass for unsigned kinds
        if lo < 0 or hi >= n_kinds:
            raise ParameterError(
                "kinds", kinds, f"{allowed} (the rows of energies), got [{lo}, {hi}]"
            )
        dtype = np.uint8 if n_kinds <= 256 else np.int64
        return (
            np.ascontiguousarray(e),
            np.ascontiguousarray(s),
            np.ascontiguousarray(k, dtype=dtype),
        )

    def _old_cells(self):
        """The current landscape's energies, (M,) or (N, M) (an indexed one expanded); None
        before the first landscape."""
        if self._kinds is not None:
            return self._energies[self._kinds]
        return self._energies

    def _step_indexed(self, e, s, kinds, dt, tag, record_per_cell, keep=True) -> None:
        """One step under the checked table ``(e (K, M), s (K, M-1))`` and ``kinds`` (N,); keeps
        the table and the kinds as the current landscape unless ``keep`` is False."""
        m, n = self.n_levels, self.n_cells
        if kinds.dtype != np.uint8 or (m > 2 and not self.homogeneous):
            # many kinds, or M-level cells with their own attempt frequencies (exact jumps per
            # cell): the per-cell path on the expanded landscapes, the same draws
            old = e[kinds] if self._energies is None else self._old_cells()
            e_cells, s_cells = e[kinds], s[kinds]
            if m == 2:
                self._bits_block(e_cells, s_cells, dt, 1, tag, record_per_cell, e_old=old)
            else:
                self._step_heterogeneous(old, e_cells, s_cells, dt, tag, record_per_cell)
                self._remember(e_cells, s_cells)
                self.step_count += 1
            return
        old_per_cell = False
        if self._energies is None:
            e_old, kinds_old = e, kinds
        elif self._kinds is not None:
            e_old, kinds_old = self._energies, self._kinds
        elif self._energies.ndim == 1:
            e_old, kinds_old = self._energies[None], _ROW0
        else:
            e_old, kinds_old, old_per_cell = self._energies, _ROW0, True
        e_old = np.ascontiguousarray(e_old)
        g = self._bounds.size - 1
        work_g, heat_g, work_cell, heat_cell = self._energy_buffers(record_per_cell)
        key, gamma = stream(self.seed, 0)
        if m == 2:
            f0 = np.atleast_1d(self.attempt_frequency)
            n_kinds = e.shape[0]
            thresholds = np.empty((n_kinds if self.homogeneous else 0, 2), dtype=np.uint64)
            escape = np.empty((0 if self.homogeneous else 2 * n_kinds, 2))
            if self.homogeneous:
                kernels.bit_kind_thresholds(e, s, self.kT, float(f0[0]), self._kin, dt, thresholds)
            else:
                kernels.bit_kind_escape(e, s, self.kT, self._kin, dt, escape)
            flip_heat = np.empty(2 * n_kinds)  # a hop out of level 0 or 1 of each kind
            flip_heat[1::2] = e[:, 1] - e[:, 0]
            flip_heat[0::2] = -flip_heat[1::2]
            ones = np.zeros((g, 1), dtype=np.int64)
            changes = np.zeros((g, 1), dtype=np.int64)
            # the kernel copies the kinds for the next step into the array's buffer as it reads
            # them (the old kinds of each cell are read first when it is the same buffer)
            if not keep:
                kinds_keep = _NO_KINDS
            elif self._kinds is not None and self._kinds.dtype == np.uint8:
                kinds_keep = self._kinds
            else:
                kinds_keep = np.empty(n, dtype=np.uint8)
            if self._small:
                bits, runs = kernels.bits_indexed_serial, 1
            else:
                bits, runs = kernels.bits_indexed, numba.get_num_threads()
            bits(
                self.state,
                kinds,
                thresholds.reshape(-1),
                escape,
                f0,
                e.reshape(-1),
                flip_heat,
                e_old.reshape(-1),
                kinds_old,
                kinds_keep,
                old_per_cell,
                key,
                gamma,
                self.step_count,
                self._bounds,
                ones,
                changes,
                work_g,
                heat_g,
                work_cell,
                heat_cell,
                bool(record_per_cell),
                runs,
            )
        else:
            k = e.shape[0]
            probs = np.empty((k, m, m))
            thresholds = np.empty((k, m, m - 1), dtype=np.uint64)
            step_tables(
                e,
                s,
                self.kT,
                float(self.attempt_frequency),
                self._kin,
                np.full(k, dt),
                probs,
                thresholds,
            )
            counts = np.zeros((g, m), dtype=np.int64)
            changes = np.zeros(g, dtype=np.int64)
            levels = (
                kernels.levels_indexed_serial if self._small else kernels.levels_indexed
            )
            levels(
                self.state,
                kinds,
                thresholds,
                e,
                e_old,
                kinds_old,
                old_per_cell,
                key,
                gamma,
                self.step_count,
                self._bounds,
                counts,
                changes,
                work_g,
                heat_g,
                work_cell,
                heat_cell,
                bool(record_per_cell),
            )
        self.ledger.add(tag, work_g, heat_g, changes.sum(), 1, dt)
        self.step_count += 1
        if keep:
            self._remember_indexed(e, s, kinds, kinds_keep if m == 2 else None)

    def _energy_buffers(self, record_per_cell):
        """``(work_g, heat_g, work_cell, heat_cell)`` for a per-cell kernel: zeroed group sums
        (G,) and the ledger's per-cell buffers (N,) when they are recorded (else empty)."""
        g = self._bounds.size - 1
        if record_per_cell:
            work_cell, heat_cell = self.ledger.per_cell_buffers(self.n_cells)
        else:
            work_cell = heat_cell = np.empty(0)
        return np.zeros(g), np.zeros(g), work_cell, heat_cell

    def _remember_indexed(self, e, s, kinds, copied=None) -> None:
        """Keep copies of a landscape table and the kinds (``copied``: a copy of the kinds
        already made; otherwise the kinds' buffer is reused)."""
        if copied is not None:
            self._kinds = copied
        elif self._kinds is not None and self._kinds.dtype == kinds.dtype:
            np.copyto(self._kinds, kinds)
        else:
            self._kinds = kinds.copy()
        self._energies = e.copy()
        self._saddles = s.copy()

    def _bits_block(
        self, e, s, dt, n_steps, tag, record_per_cell, duration=None, e_old=None
    ) -> np.ndarray:
        """Advance bit cells ``n_steps`` steps of ``dt`` s under the checked landscape ``(e, s)``
        (shared or per cell) with the per-cell kernel; the first step books the jump from
        ``e_old`` (default: the current landscape) as work. Returns the cells at level 1 per
        group after each step (G, n_steps)."""
        g = self._bounds.size - 1
        if e_old is None:
            e_old = e if self._energies is None else self._old_cells()
        f0 = np.atleast_1d(self.attempt_frequency)
        work_g, heat_g, work_cell, heat_cell = self._energy_buffers(record_per_cell)
        ones = np.zeros((g, n_steps), dtype=np.int64)
        changes = np.zeros((g, n_steps), dtype=np.int64)
        key, gamma = stream(self.seed, 0)
        # the kernel writes a per-cell landscape into the array's own copy as it goes (over the
        # old one when the shapes match), which saves a pass over 24 bytes per cell
        kept_e = self._own_copy(self._energies, e.shape, 2)
        kept_s = self._own_copy(self._saddles, s.shape, 1)
        (kernels.bits_heterogeneous_serial if self._small else kernels.bits_heterogeneous)(
            self.state,
            e_old if e_old is kept_e else np.ascontiguousarray(e_old.reshape(-1, 2)),
            np.ascontiguousarray(e.reshape(-1, 2)),
            np.ascontiguousarray(s.reshape(-1, 1)),
            f0,
            self.kT,
            self._kin,
            float(dt),
            key,
            gamma,
            self.step_count,
            self._bounds,
            ones,
            changes,
            work_g,
            heat_g,
            work_cell,
            heat_cell,
            bool(record_per_cell),
            np.empty((0, 2)) if kept_e is None else kept_e,
            np.empty((0, 1)) if kept_s is None else kept_s,
        )
        duration = n_steps * dt if duration is None else duration
        self.ledger.add(tag, work_g, heat_g, changes.sum(), n_steps, duration)
        if kept_e is None:
            self._energies = e.copy()
        else:
            self._energies = kept_e
        if kept_s is None:
            self._saddles = s.copy()
        else:
            self._saddles = kept_s
        self._kinds = None
        self.step_count += n_steps
        return ones

    def _own_copy(self, current, shape, columns):
        """Where the kernel should write a per-cell landscape of ``shape``: the array's current
        copy when it fits (C-contiguous, same shape), a new array otherwise; None for a shared
        landscape (copied in Python, it is small)."""
        if shape != (self.n_cells, columns):
            return None
        if current is not None and current.shape == shape and current.flags.c_contiguous:
            return current
        return np.empty(shape)

    def _remember(self, e, s) -> None:
        """Keep a copy of the current landscape (the caller may change its arrays), reusing the
        array's own buffers when the shapes allow (a fresh 16 MB copy per step costs its page
        faults)."""
        self._kinds = None
        if self._energies is not None and self._energies.shape == e.shape:
            np.copyto(self._energies, e)
        else:
            self._energies = e.copy()
        if self._saddles is not None and self._saddles.shape == s.shape:
            np.copyto(self._saddles, s)
        else:
            self._saddles = s.copy()

    def _step_shared(self, e_old, e, s, dt, tag, record_per_cell):
        m = self.n_levels
        probs = np.empty((1, m, m))
        thresholds = np.empty((1, m, m - 1), dtype=np.uint64)
        step_tables(
            e[None],
            s[None],
            self.kT,
            float(self.attempt_frequency),
            self._kin,
            np.array([dt]),
            probs,
            thresholds,
        )
        per_cell = None
        if record_per_cell:
            work_cell, heat_cell = self.ledger.per_cell_buffers(self.n_cells)
            per_cell = (np.stack([e_old, e]), work_cell, heat_cell)
        before = self._group_counts()[:, None, :]
        after, changes = self._sweep(probs, thresholds, self.step_count, per_cell)
        g = self._bounds.size - 1
        w = np.zeros((g, 1))
        q = np.zeros((g, 1))
        block_energy(before, after, np.stack([e_old, e]), np.zeros(1, dtype=np.int64), w, q)
        self.ledger.add(tag, w[:, 0], q[:, 0], changes.sum(), 1, dt)

    def _step_heterogeneous(self, e_old, e, s, dt, tag, record_per_cell):
        m = self.n_levels
        g = self._bounds.size - 1
        e_old2 = e_old.reshape(-1, m)
        e2 = e.reshape(-1, m)
        s2 = s.reshape(-1, m - 1)
        f0 = np.atleast_1d(self.attempt_frequency)
        work_g, heat_g, work_cell, heat_cell = self._energy_buffers(record_per_cell)
        changes_g = np.zeros(g, dtype=np.int64)
        counts_g = np.zeros((g, m), dtype=np.int64)
        step = (
            kernels.levels_step_heterogeneous_serial
            if self._small
            else kernels.levels_step_heterogeneous
        )
        step(
            self.state,
            e_old2,
            e2,
            s2,
            f0,
            self.kT,
            self._kin,
            dt,
            np.uint64(self.seed),
            self.step_count,
            self._bounds,
            work_g,
            heat_g,
            counts_g,
            changes_g,
            work_cell,
            heat_cell,
            record_per_cell,
        )
        self.ledger.add(tag, work_g, heat_g, changes_g.sum(), 1, dt)

    # ------------------------------------------------------------------ results
    def _merge(self, run_ledger: Ledger) -> None:
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

    def _result(self, ledger, start_occ, end_occ, n_steps, first, times=None, history=None):
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

    def __repr__(self) -> str:
        return (
            f"MemoryArray(n_cells={self.n_cells}, n_levels={self.n_levels}, T={self.temperature} K,"
            f" kinetics={self.kinetics!r}, seed={self.seed}, steps={self.step_count})"
        )


#: The kinds of a landscape with one row: every cell reads row 0 (a stride-0 read).
_ROW0 = np.zeros(1, dtype=np.uint8)
_NO_KINDS = np.empty(0, dtype=np.uint8)


def _finite(name: str, values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``errors.finite_array`` with the check of large contiguous arrays done in parallel."""
    if values.shape == shape and values.size >= 4096 and values.flags.c_contiguous:
        if kernels.all_finite(values.reshape(-1)):
            return values
    return finite_array(name, values, shape)


def _held_blocks(grid, codes, max_steps: int = 4096):
    """Split a grid's steps into blocks ``(k0, k1, dt)`` of steps ``k0 .. k1-1`` that evolve under
    one landscape (grid points ``k0+1 .. k1`` equal), with one tag and one duration ``dt`` (s).

    Durations count as one when they differ by no more than the rounding of the times they are
    differences of (a uniform grid's ``t[k+1] - t[k]`` wobbles in its last bits); a block whose
    durations are not all equal then uses their mean ``(t[k1] - t[k0]) / (k1 - k0)``, within
    8 ulp of the times of every step's own duration: the flip probabilities stay within
    round-off of each step's exact propagator. A per-cell landscape is a function of the
    protocol's landscape, so equal protocol landscapes give equal per-cell ones.
    """
    times = grid.times
    n = grid.n_steps
    chunk = 65536
    for c0 in range(0, n, chunk):
        c1 = min(c0 + chunk, n)
        e, s = grid.landscapes(c0, c1)  # points c0 .. c1; step k evolves under point k+1
        d = np.diff(times[c0 : c1 + 1])
        tol = 8.0 * np.spacing(np.abs(times[c0 + 1 : c1 + 1]))
        same = np.ones(c1 - c0, dtype=bool)
        same[0] = False
        same[1:] &= np.all(e[2:] == e[1:-1], axis=1) & np.all(s[2:] == s[1:-1], axis=1)
        same[1:] &= codes[c0 + 1 : c1] == codes[c0 : c1 - 1]
        same[1:] &= (np.abs(d[1:] - d[:-1]) <= tol[1:]) & ((d[1:] > 0) == (d[:-1] > 0))
        starts = np.flatnonzero(~same)
        ends = np.append(starts[1:], c1 - c0)
        for a, b in zip(starts, ends, strict=True):
            for k0 in range(c0 + a, c0 + b, max_steps):
                k1 = min(k0 + max_steps, c0 + b)
                dk = d[k0 - c0 : k1 - c0]
                dt = dk[0] if np.all(dk == dk[0]) else (times[k1] - times[k0]) / (k1 - k0)
                if np.all(np.abs(dk - dt) <= tol[k0 - c0 : k1 - c0]):
                    yield k0, k1, float(dt)
                else:  # durations that drift: every step on its own
                    for k in range(k0, k1):
                        yield k, k + 1, float(d[k - c0])


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(enabled: bool, total: int, n_cells: int):
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="step", desc=f"{n_cells:.3g} cells", unit_scale=True)


assert MAX_LEVELS <= 256  # state is uint8

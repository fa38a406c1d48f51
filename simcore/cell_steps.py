"""The per-cell paths of ``MemoryArray``: steps under per-cell and indexed landscapes, and runs
with per-cell landscapes or attempt frequencies.

Each function takes the array's ``engine.ArrayCore`` (whose store is ``CellStates``), builds
the kernel's bundles, calls the kernel the plan named through the core's backend, books the
ledger, advances the step counter and keeps the new landscape (a ``simcore.landscapes`` value
whose buffers the array reuses from step to step: a fresh 16 MB copy per step costs its page
faults).
"""

from __future__ import annotations

import numpy as np

from simcore import draws
from simcore.engine import progress_bar
from simcore.kernels import Before, Cells, Indexed, PerCell, Rates, Stream, tallies
from simcore.kernels.indexed import bit_kind_escape, bit_kind_thresholds
from simcore.landscapes import (
    IndexedLandscape,
    cell_landscape,
    shared_or_per_cell,
)
from simcore.ledger import Ledger
from simcore.plan import BITS_INDEXED, BITS_PER_CELL, LEVELS_INDEXED, LEVELS_PER_CELL
from simcore.propagator import step_tables
from simcore.rng import stream

#: The kinds of a landscape with one row: every cell reads row 0 (a stride-0 read).
_ROW0 = np.zeros(1, dtype=np.uint8)
_NO_KINDS = np.empty(0, dtype=np.uint8)


def _dynamics(core, step: int) -> Stream:
    key, gamma = stream(core.seed, draws.DYNAMICS[0])
    return Stream(key=key, gamma=gamma, step=step, seed=np.uint64(core.seed))


def _cells(core) -> Cells:
    return Cells(state=core.store.state, bounds=core.bounds)


def _rates(core, dt: float) -> Rates:
    return Rates(kT=core.kT, kinetics=core.kin, dt=float(dt))


def _energy_tallies(core, counts, changes, record_per_cell: bool):
    """The ``Tallies`` of a per-cell kernel: ``counts`` and ``changes``, zeroed group work and
    heat (G,) and, when ``record_per_cell``, the ledger's per-cell buffers (N,)."""
    w_g, q_g, w, q = core.energy_buffers(record_per_cell)
    return tallies(counts, changes, work_g=w_g, heat_g=q_g, work=w, heat=q, record=record_per_cell)


def old_cells(core):
    """The current landscape's energies, (M,) or (N, M) (an indexed one expanded); None before
    the first landscape."""
    return None if core.landscape is None else core.landscape.cell_energies()


def remember(core, e, s) -> None:
    """Keep a copy of the shared or per-cell landscape ``(e, s)`` (the caller may change its
    arrays), reusing the current landscape's buffers when the shapes allow."""
    cur = core.landscape
    if cur is not None and cur.energies.shape == e.shape:
        np.copyto(cur.energies, e)
        kept_e = cur.energies
    else:
        kept_e = e.copy()
    if cur is not None and cur.saddles.shape == s.shape:
        np.copyto(cur.saddles, s)
        kept_s = cur.saddles
    else:
        kept_s = s.copy()
    core.landscape = shared_or_per_cell(kept_e, kept_s)


def _remember_indexed(core, e, s, kinds, copied=None) -> None:
    """Keep copies of a landscape table and the kinds (``copied``: a copy of the kinds already
    made; otherwise the current kinds' buffer is reused)."""
    cur = core.landscape
    if copied is not None:
        kept = copied
    elif isinstance(cur, IndexedLandscape) and cur.kinds.dtype == kinds.dtype:
        np.copyto(cur.kinds, kinds)
        kept = cur.kinds
    else:
        kept = kinds.copy()
    core.landscape = IndexedLandscape(e.copy(), s.copy(), kept)


def _own_copy(core, current, shape, columns):
    """Where the kernel should write a per-cell landscape of ``shape``: the array's current
    copy when it fits (C-contiguous, same shape), a new array otherwise; None for a shared
    landscape (copied in Python, it is small)."""
    if shape != (core.n_cells, columns):
        return None
    if current is not None and current.shape == shape and current.flags.c_contiguous:
        return current
    return np.empty(shape)


def bits_block(core, e, s, dt, n_steps, tag, record_per_cell, duration=None, e_old=None):
    """Advance bit cells ``n_steps`` steps of ``dt`` s under the checked landscape ``(e, s)``
    (shared or per cell) with ``bits_heterogeneous``; the first step books the jump from
    ``e_old`` (default: the current landscape) as work. Returns the cells at level 1 per group
    after each step (G, n_steps)."""
    g = core.n_groups
    cur = core.landscape
    if e_old is None:
        e_old = e if cur is None else old_cells(core)
    f0 = np.atleast_1d(core.attempt_frequency)
    ones = np.zeros((g, n_steps), dtype=np.int64)
    changes = np.zeros((g, n_steps), dtype=np.int64)
    sums = _energy_tallies(core, ones, changes, record_per_cell)
    # the kernel writes a per-cell landscape into the array's own copy as it goes (over the
    # old one when the shapes match), which saves a pass over 24 bytes per cell
    kept_e = _own_copy(core, None if cur is None else cur.energies, e.shape, 2)
    kept_s = _own_copy(core, None if cur is None else cur.saddles, s.shape, 1)
    landscape = PerCell(
        e_old=e_old if e_old is kept_e else np.ascontiguousarray(e_old.reshape(-1, 2)),
        e_new=np.ascontiguousarray(e.reshape(-1, 2)),
        saddles=np.ascontiguousarray(s.reshape(-1, 1)),
        f0=f0,
        kept_energies=np.empty((0, 2)) if kept_e is None else kept_e,
        kept_saddles=np.empty((0, 1)) if kept_s is None else kept_s,
    )
    core.backend.kernel(BITS_PER_CELL)(
        cells=_cells(core),
        landscape=landscape,
        rates=_rates(core, dt),
        stream=_dynamics(core, core.step_count),
        tallies=sums,
    )
    duration = n_steps * dt if duration is None else duration
    core.ledger.add(tag, sums.work_g, sums.heat_g, changes.sum(), n_steps, duration)
    core.landscape = shared_or_per_cell(
        e.copy() if kept_e is None else kept_e, s.copy() if kept_s is None else kept_s
    )
    core.step_count += n_steps
    return ones


def step_heterogeneous(core, e_old, e, s, dt, tag, record_per_cell) -> None:
    """One step of M-level cells under per-cell landscapes (exact jumps); the caller keeps the
    landscape and advances the counter."""
    m = core.n_levels
    g = core.n_groups
    changes_g = np.zeros(g, dtype=np.int64)
    counts_g = np.zeros((g, m), dtype=np.int64)
    sums = _energy_tallies(core, counts_g, changes_g, record_per_cell)
    core.backend.kernel(LEVELS_PER_CELL)(
        cells=_cells(core),
        landscape=PerCell(
            e_old=e_old.reshape(-1, m),
            e_new=e.reshape(-1, m),
            saddles=s.reshape(-1, m - 1),
            f0=np.atleast_1d(core.attempt_frequency),
            kept_energies=np.empty((0, 2)),
            kept_saddles=np.empty((0, 1)),
        ),
        rates=_rates(core, dt),
        stream=_dynamics(core, core.step_count),
        tallies=sums,
    )
    core.ledger.add(tag, sums.work_g, sums.heat_g, changes_g.sum(), 1, dt)


def step_per_cell(core, plan, new, dt, tag, record_per_cell) -> None:
    """A step on the per-cell path (``plan.kernel``) to the checked landscape ``new``."""
    e, s = new.energies, new.saddles
    e_old = e if core.landscape is None else old_cells(core)
    if plan.kernel == BITS_PER_CELL:
        bits_block(core, e, s, dt, 1, tag, record_per_cell, e_old=e_old)
        return
    step_heterogeneous(core, e_old, e, s, dt, tag, record_per_cell)
    remember(core, e, s)
    core.step_count += 1


def step_indexed(core, plan, table: IndexedLandscape, dt, tag, record_per_cell, keep=True):
    """One step under the checked table; keeps the table and the kinds as the current
    landscape unless ``keep`` is False."""
    m, n = core.n_levels, core.n_cells
    e, s, kinds = table.energies, table.saddles, table.kinds
    cur = core.landscape
    if plan.expand:
        old = e[kinds] if cur is None else old_cells(core)
        e_cells, s_cells = e[kinds], s[kinds]
        if m == 2:
            bits_block(core, e_cells, s_cells, dt, 1, tag, record_per_cell, e_old=old)
        else:
            step_heterogeneous(core, old, e_cells, s_cells, dt, tag, record_per_cell)
            remember(core, e_cells, s_cells)
            core.step_count += 1
        return
    old_per_cell = False
    if cur is None:
        e_old, kinds_old = e, kinds
    elif isinstance(cur, IndexedLandscape):
        e_old, kinds_old = cur.energies, cur.kinds
    elif cur.energies.ndim == 1:
        e_old, kinds_old = cur.energies[None], _ROW0
    else:
        e_old, kinds_old, old_per_cell = cur.energies, _ROW0, True
    e_old = np.ascontiguousarray(e_old)
    g = core.n_groups
    run = _dynamics(core, core.step_count)
    homogeneous = core.homogeneous
    if plan.kernel == BITS_INDEXED:
        f0 = np.atleast_1d(core.attempt_frequency)
        n_kinds = e.shape[0]
        thresholds = np.empty((n_kinds if homogeneous else 0, 2), dtype=np.uint64)
        escape = np.empty((0 if homogeneous else 2 * n_kinds, 2))
        if homogeneous:
            bit_kind_thresholds(e, s, core.kT, float(f0[0]), core.kin, dt, thresholds)
        else:
            bit_kind_escape(e, s, core.kT, core.kin, dt, escape)
        flip_heat = np.empty(2 * n_kinds)  # a hop out of level 0 or 1 of each kind
        flip_heat[1::2] = e[:, 1] - e[:, 0]
        flip_heat[0::2] = -flip_heat[1::2]
        ones = np.zeros((g, 1), dtype=np.int64)
        changes = np.zeros((g, 1), dtype=np.int64)
        sums = _energy_tallies(core, ones, changes, record_per_cell)
        # the kernel copies the kinds for the next step into the array's buffer as it reads
        # them (the old kinds of each cell are read first when it is the same buffer)
        if not keep:
            kinds_keep = _NO_KINDS
        elif isinstance(cur, IndexedLandscape) and cur.kinds.dtype == np.uint8:
            kinds_keep = cur.kinds
        else:
            kinds_keep = np.empty(n, dtype=np.uint8)
        core.backend.kernel(BITS_INDEXED)(
            cells=_cells(core),
            landscape=Indexed(
                kinds=kinds,
                thresholds=thresholds.reshape(-1),
                escape=escape,
                f0=f0,
                energies=e.reshape(-1),
                flip_heat=flip_heat,
                kinds_keep=kinds_keep,
            ),
            before=Before(energies=e_old.reshape(-1), kinds=kinds_old, per_cell=old_per_cell),
            stream=run,
            tallies=sums,
            runs=core.backend.threads(),
        )
    else:
        assert plan.kernel == LEVELS_INDEXED
        k = e.shape[0]
        probs = np.empty((k, m, m))
        thresholds = np.empty((k, m, m - 1), dtype=np.uint64)
        step_tables(
            e,
            s,
            core.kT,
            float(core.attempt_frequency),
            core.kin,
            np.full(k, dt),
            probs,
            thresholds,
        )
        counts = np.zeros((g, m), dtype=np.int64)
        changes = np.zeros(g, dtype=np.int64)
        sums = _energy_tallies(core, counts, changes, record_per_cell)
        core.backend.kernel(LEVELS_INDEXED)(
            cells=_cells(core),
            landscape=Indexed(
                kinds=kinds,
                thresholds=thresholds,
                escape=np.empty((0, 2)),
                f0=np.empty(0),
                energies=e,
                flip_heat=np.empty(0),
                kinds_keep=_NO_KINDS,
            ),
            before=Before(energies=e_old, kinds=kinds_old, per_cell=old_per_cell),
            stream=run,
            tallies=sums,
        )
    core.ledger.add(tag, sums.work_g, sums.heat_g, changes.sum(), 1, dt)
    core.step_count += 1
    if keep:
        _remember_indexed(core, e, s, kinds, kinds_keep if m == 2 else None)


def run_stepwise(core, grid, record_per_cell, record_history, progress, cell_landscapes, step):
    """A run with per-cell landscapes (``cell_landscapes``) or attempt frequencies: bit cells
    in blocks of steps under one landscape (``bits_block``), M-level cells step by step
    through ``step`` (``MemoryArray.step``)."""
    names, codes = grid.tag_codes()
    saved = core.ledger
    core.ledger = Ledger(np.diff(core.bounds))
    start_occ = core.occupancy()
    first = core.step_count
    history = np.empty((grid.n_steps + 1, core.n_levels)) if record_history else None
    if history is not None:
        history[0] = start_occ

    # the protocol's landscape last mapped, the result, and that result checked (once asked)
    last = [None, None, None, None]

    def landscape(k):
        e, s = grid.landscapes(k, k)
        if cell_landscapes is None:
            return e[0], s[0]
        # cell_landscapes is a function of the protocol's landscape: call it once per
        # distinct landscape (a hold is one call)
        if not (np.array_equal(e[0], last[0]) and np.array_equal(s[0], last[1])):
            last[:] = e[0], s[0], cell_landscapes(e[0], s[0]), None
        return last[2]

    def bit_landscape(k):
        # landscape(k) checked, once per result of cell_landscapes (the jump onto a hold and
        # the hold's blocks share one check: 16 bytes per cell read once, not twice)
        if cell_landscapes is None:
            return cell_landscape(*landscape(k), core.n_levels, n)
        raw = landscape(k)
        if last[3] is None:
            last[3] = cell_landscape(*raw, core.n_levels, n)
        return last[3]

    bar = progress_bar(progress, grid.n_steps, core.n_cells)
    n = core.n_cells
    try:
        e0, s0 = landscape(0)
        jump_from = None  # the landscape the first step jumps from, when the array has none
        if core.landscape is None:
            if core.n_levels == 2 and grid.n_steps > 0:
                # read by the kernel, no copy
                jump_from = bit_landscape(0).energies
            else:
                core.landscape = shared_or_per_cell(
                    np.array(e0, dtype=float), np.array(s0, dtype=float)
                )
        else:  # an instantaneous jump onto the protocol's first landscape: work, no time
            step(e0, s0, 0.0, names[codes[0]], record_per_cell=record_per_cell)
        if core.n_levels == 2:
            # bit cells: runs of steps under one landscape go to the kernel as one block
            for k0, k1, dt in held_blocks(grid, codes):
                new = bit_landscape(k0 + 1)
                ones = bits_block(
                    core,
                    new.energies,
                    new.saddles,
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
                    history[k0 + 1 : k1 + 1, 1] = n1 / n
                    history[k0 + 1 : k1 + 1, 0] = (n - n1) / n
                bar.update(k1 - k0)
        else:
            for k in range(grid.n_steps):
                e, s = landscape(k + 1)
                step(e, s, grid.durations[k], names[codes[k]], record_per_cell=record_per_cell)
                if history is not None:
                    history[k + 1] = core.occupancy()
                bar.update(1)
    finally:
        bar.close()
        ledger, core.ledger = core.ledger, saved
    core.merge(ledger)
    return core.result_of(
        ledger, start_occ, core.occupancy(), grid.n_steps, first, grid.times, history
    )


def held_blocks(grid, codes, max_steps: int = 4096):
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

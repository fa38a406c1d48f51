"""``MemoryArray``: the public API of N memory cells with their levels, energy ledger and step
counter.

``run(protocol, dt)`` advances every cell through a shared protocol; ``step(energies, saddles,
dt, tag)`` advances one step under landscapes that may differ from cell to cell (an optimiser's
per-cell tilts, device variability), given per cell or, with ``kinds=``, as rows of a small table
that each cell selects. Both use the exact propagator and the step order of THEORY.md section 2,
and draw every random number from ``simcore.rng`` keyed by (seed, step, cell), so the same seed
gives the same numbers for any thread count.

This module validates and delegates: the landscape becomes a value (``simcore.landscapes``), the
plan (``simcore.plan``) names the kernel path, the backend chosen at construction
(``simcore.backend``) runs it, and the shared core (``simcore.engine``) or the per-cell paths
(``simcore.cell_steps``) build the kernels' bundles and book the ledger.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from simcore import cell_steps
from simcore.backend import PARALLEL_CELLS, select_backend
from simcore.constants import kT as thermal_energy
from simcore.engine import ArrayCore, CellStates, RunResult, group_bounds
from simcore.errors import ParameterError, positive, positive_array, positive_int
from simcore.landscape import MAX_LEVELS, boltzmann, check_levels, kinetics_code
from simcore.landscapes import (
    IndexedLandscape,
    SharedLandscape,
    cell_landscape,
    indexed_landscape,
)
from simcore.ledger import Ledger
from simcore.plan import SHARED_KERNELS, StepPlan, run_kernel, step_plan
from simcore.protocol import Protocol, check_tag
from simcore.rng import MAX_CELLS, MAX_STEPS, check_seed

__all__ = ["GROUPS", "PARALLEL_CELLS", "MemoryArray", "RunResult"]

#: Number of cell groups for batch-means errors and parallel work (fixed by N, not by threads).
GROUPS = 64


def check_initial(initial, n_levels: int, allow_equilibrium: bool):
    """Normalise ``initial`` to a level (int), a probability vector, or "equilibrium".

    Raises
    ------
    ParameterError
        Naming ``initial`` for anything else.
    """
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


def make_core(
    n_cells, n_levels, temperature, attempt_frequency, kinetics, seed, initial, *, max_cells, groups
):
    """An ``ArrayCore`` from checked constructor arguments, with the checked ``initial`` and the
    bounds of ``groups`` groups (``ParameterError`` naming the first bad one); the caller
    attaches the groups, backend and store, then prepares ``initial``."""
    n = positive_int("n_cells", n_cells, max_cells)
    temperature = positive("temperature", temperature)
    f0 = positive_array("attempt_frequency", attempt_frequency, (n,))
    core = ArrayCore(
        n_cells=n,
        n_levels=check_levels(n_levels),
        temperature=temperature,
        kT=thermal_energy(temperature),
        attempt_frequency=f0 if f0.ndim == 0 else f0.copy(),
        kinetics=kinetics,
        kin=kinetics_code(kinetics),
        seed=check_seed(seed),
    )
    initial = check_initial(initial, core.n_levels, allow_equilibrium=False)
    return core, initial, group_bounds(core.n_cells, groups)


#: The physics keywords both arrays take, in ``make_core``'s order (defaults: ``MemoryArray``'s).
PHYSICS = ("temperature", "attempt_frequency", "kinetics", "seed", "initial")


def physics_args(physics: dict) -> tuple:
    """``make_core``'s physics arguments from keywords (``PHYSICS``), each defaulting as in
    ``MemoryArray``; ``TypeError`` for any other keyword, as a signature would raise."""
    unknown = sorted(set(physics) - set(PHYSICS))
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
    defaults = _physics_defaults()
    return tuple(physics.get(k, defaults[k]) for k in PHYSICS)


@functools.cache
def _physics_defaults() -> dict:
    # read once: experiments build hundreds of thousands of small arrays
    params = inspect.signature(MemoryArray.__init__).parameters
    return {k: params[k].default for k in PHYSICS}


class ArrayFacade:
    """The read-only view of an ``ArrayCore`` both arrays give (sizes, physics, seed, ledger,
    step counter), and the calls that need no store of their own."""

    _core: ArrayCore

    n_cells = property(lambda self: self._core.n_cells, doc="Number of cells N.")
    n_levels = property(lambda self: self._core.n_levels, doc="Levels per cell M.")
    temperature = property(lambda self: self._core.temperature, doc="Temperature T (K).")
    kT = property(lambda self: self._core.kT, doc="Thermal energy kT (J).")
    attempt_frequency = property(
        lambda self: self._core.attempt_frequency, doc="f0 (Hz): a scalar or (N,)."
    )
    kinetics = property(lambda self: self._core.kinetics, doc='"arrhenius" or "glauber".')
    seed = property(lambda self: self._core.seed, doc="The root seed of the array's streams.")

    @property
    def backend(self) -> str:
        """The backend asked for ("cpu" or "cuda"); ``engine_backend`` is the one chosen."""
        return self._core.backend.option

    @property
    def engine_backend(self):
        """The backend object chosen at construction (``simcore.backend``)."""
        return self._core.backend

    @property
    def ledger(self):
        """The cumulative ``Ledger`` of every step and run since creation or reset."""
        return self._core.ledger

    @property
    def step_count(self) -> int:
        """Steps taken so far: the step index of the next step's random numbers."""
        return self._core.step_count

    @step_count.setter
    def step_count(self, value: int) -> None:
        self._core.step_count = int(value)

    @property
    def homogeneous(self) -> bool:
        """True when every cell has the same attempt frequency."""
        return self._core.homogeneous

    def occupancy(self) -> np.ndarray:
        """Fraction of cells at each level, (M,)."""
        return self._core.occupancy()

    def reset_ledger(self) -> None:
        """Start a new ledger (the state, landscape and step counter are kept)."""
        self._core.ledger = Ledger(np.diff(self._core.bounds))

    def result(self) -> RunResult:
        """The cumulative ledger of every ``step`` and ``run`` since creation or reset."""
        occ = self.occupancy()
        return self._core.result_of(self._core.ledger, occ, occ, 0, 0)

    def prepare(self, initial) -> None:
        """Set every cell's level: a level, or a draw from a probability vector (no work is
        booked: preparation is outside the ledger).

        Raises
        ------
        ParameterError
            Naming ``initial`` unless it is a level in [0, M) or a probability vector (M,).
        """
        self._core.prepare(check_initial(initial, self.n_levels, allow_equilibrium=False))


class MemoryArray(ArrayFacade):
    """N cells of M levels at temperature T with attempt frequency f0, each cell's level kept.

    Parameters
    ----------
    n_cells : int
        Number of cells N, in [1, 2**32].
    n_levels : int
        Levels per cell M, in [2, 256].
    temperature : float
        Bath temperature T (K), > 0.
    attempt_frequency : float or array_like, shape (N,)
        Attempt frequency f0 (Hz), > 0: one for all cells or one per cell.
    kinetics : str
        "arrhenius" or "glauber" (``simcore.landscape``).
    seed : int
        Root seed in [0, 2**64) of every random stream (``simcore.draws``).
    initial : int or array_like, shape (M,)
        A level, or a probability vector sampled from the seed.
    backend : str
        "cpu" (the thread pool from ``backend.PARALLEL_CELLS`` cells, else the calling
        thread) or "cuda" (shared-landscape steps only).

    Raises
    ------
    ParameterError
        Naming the first bad argument; ``backend`` for "cuda" without a usable device.

    ``state`` holds each cell's level (uint8, (N,), writable in place). See the module
    docstring for ``run`` and ``step``.
    """

    #: Largest number of cells (the counter-based generator keys cells by 32 bits).
    MAX_CELLS = MAX_CELLS

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
        chosen = select_backend(backend, 1)  # the name first, as before the sizes
        args = (n_cells, n_levels, temperature, attempt_frequency, kinetics, seed, initial)
        core, initial, bounds = make_core(*args, max_cells=self.MAX_CELLS, groups=GROUPS)
        chosen = select_backend(backend, core.n_cells)
        store = CellStates(core.n_cells, core.n_levels, bounds, chosen, core.seed)
        core.attach(bounds, chosen, store)
        self._core = core
        self.prepare(initial)

    @property
    def state(self) -> np.ndarray:
        """Each cell's level, (N,) uint8 (write into it to set levels)."""
        return self._core.store.state

    @state.setter
    def state(self, value) -> None:
        value = np.asarray(value)
        if value.shape != (self.n_cells,):
            raise ParameterError("state", value, f"levels of shape ({self.n_cells},)")
        self._core.store.state[:] = value

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

        Parameters
        ----------
        protocol : Protocol
            Landscapes over time with tags, of M levels.
        dt : float
            Time step (s), > 0.
        initial : None, int, array_like (M,) or "equilibrium"
            None keeps the current state (a jump from the array's current landscape to the
            protocol's first is booked as work under the first tag); "equilibrium" samples the
            Boltzmann occupancy of the first landscape; a level or a probability vector
            prepares that.
        record_per_cell : bool
            Fill ``result.work.per_cell`` and ``result.heat.per_cell`` (N,) J.
        record_history : bool
            Fill ``result.history`` (S+1, M) occupancy fractions.
        progress : bool
            Show a progress bar.
        cell_landscapes : callable or None
            Maps the protocol's landscape ``(energies (M,), saddles (M-1,))`` to this array's
            ``(energies, saddles)`` with shapes (M,) or (N, M) and (M-1,) or (N, M-1), giving
            every cell its own landscape (device variability). It must be a pure function of
            the protocol's landscape: it is called once per stretch of steps under one
            protocol landscape, and bit cells run such a stretch as one kernel block.

        Returns
        -------
        RunResult
            Work, heat and ΔU per cell (J), per tag, the occupancies.

        Raises
        ------
        ParameterError
            Naming the bad argument, before any step; ``backend`` when the backend does not
            run the path the run needs.
        """
        return run_checked(
            self,
            protocol,
            dt,
            initial,
            record_per_cell=record_per_cell,
            record_history=record_history,
            progress=progress,
            cell_landscapes=cell_landscapes,
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
        """Advance one step: the landscape jumps to ``(energies, saddles)``, then every cell
        evolves for ``dt`` s under it. Books work, heat and level changes under ``tag`` in
        ``self.ledger``. The first landscape an array sees costs no work (it is where the cells
        were prepared).

        Parameters
        ----------
        energies, saddles : array_like
            Shared (M,), (M-1,) or per cell (N, M), (N, M-1) (J); with ``kinds``, a table
            (K, M), (K, M-1).
        dt : float
            Duration (s), finite and >= 0.
        tag : str
            The memory operation the step's work and heat are booked under.
        record_per_cell : bool
            Add each cell's work and heat to the ledger's per-cell buffers.
        kinds : array_like of int, shape (N,), optional
            Indexed form: cell ``i`` evolves under row ``kinds[i]`` in [0, K) (an optimiser's
            few distinct per-cell tilts). The states, work and heat are those of the per-cell
            step with the expanded landscapes ``energies[kinds]`` (bit cells, and M-level cells
            with per-cell attempt frequencies; M-level cells with a shared one sample each
            kind's exact propagator with the uniforms a shared step would use), but the rates
            are computed once per kind: a bit cell costs a table lookup, or one exponential
            when its attempt frequency is its own.

        Raises
        ------
        ParameterError
            Naming the bad argument, before any work; ``backend`` when the backend does not
            run the step's path (CUDA runs shared-landscape steps only).
        """
        core = self._core
        if kinds is None:
            new = cell_landscape(energies, saddles, core.n_levels, core.n_cells)
        else:
            new = indexed_landscape(energies, saddles, kinds, core.n_levels, core.n_cells)
        dt = check_dt(dt)
        tag = check_tag(tag)
        if core.step_count + 1 >= MAX_STEPS:
            raise ParameterError("step", core.step_count, f"fewer than {MAX_STEPS} steps per array")
        plan = step_plan(new, core.landscape, core.n_levels, core.homogeneous, record_per_cell)
        core.backend.require(plan.kernel)
        _take_step(core, plan, new, dt, tag, record_per_cell)

    def __repr__(self) -> str:
        return (
            f"MemoryArray(n_cells={self.n_cells}, n_levels={self.n_levels}, T={self.temperature} K,"
            f" kinetics={self.kinetics!r}, seed={self.seed}, steps={self.step_count})"
        )


def check_dt(dt) -> float:
    dt = float(dt)
    if not (np.isfinite(dt) and dt >= 0):
        raise ParameterError("dt", dt, "a finite duration >= 0 (s)")
    return dt


def _take_step(core: ArrayCore, plan: StepPlan, new, dt, tag, record_per_cell) -> None:
    """One planned step (checked) on the path ``plan`` names."""
    if isinstance(new, IndexedLandscape):
        cell_steps.step_indexed(core, plan, new, dt, tag, record_per_cell)
    elif plan.one_kind:
        # a shared landscape after an indexed one: one kind (the same draws as a shared step)
        one = np.zeros(core.n_cells, dtype=np.uint8)
        table = IndexedLandscape(new.energies[None], new.saddles[None], one)
        cell_steps.step_indexed(core, plan, table, dt, tag, record_per_cell, keep=False)
        cell_steps.remember(core, new.energies, new.saddles)
    elif plan.kernel in SHARED_KERNELS:
        e_old = new.energies if core.landscape is None else core.landscape.energies
        core.step_shared(e_old, new.energies, new.saddles, dt, tag, record_per_cell)
        cell_steps.remember(core, new.energies, new.saddles)
        core.step_count += 1
    else:
        cell_steps.step_per_cell(core, plan, new, dt, tag, record_per_cell)


def run_checked(
    array,
    protocol,
    dt,
    initial,
    *,
    record_per_cell,
    record_history,
    progress,
    cell_landscapes,
) -> RunResult:
    """``run`` of either array: validate, plan, prepare, then the shared block loop
    (``ArrayCore.run_shared``) or the per-cell one (``cell_steps.run_stepwise``)."""
    core = array._core
    if not isinstance(protocol, Protocol):
        raise ParameterError("protocol", protocol, "a simcore.Protocol")
    if protocol.n_levels != core.n_levels:
        raise ParameterError(
            "protocol", protocol, f"a protocol with {core.n_levels} levels like the array"
        )
    if cell_landscapes is not None and not callable(cell_landscapes):
        raise ParameterError("cell_landscapes", cell_landscapes, "a callable or None")
    dt = positive("dt", dt)
    stepwise = cell_landscapes is not None or not core.homogeneous
    core.backend.require(run_kernel(core.n_levels, stepwise, record_per_cell))
    if initial is not None:
        initial = check_initial(initial, core.n_levels, allow_equilibrium=True)
        if isinstance(initial, str):
            if cell_landscapes is not None:
                raise ParameterError(
                    "initial", initial, "a level or probability vector with cell_landscapes"
                )
            initial = boltzmann(protocol.start[0], core.kT)
        core.prepare(initial)
        core.landscape = None  # prepared in the first landscape: no work
    elif core.landscape is not None and not stepwise:
        e0, s0 = protocol.start
        if not isinstance(core.landscape, SharedLandscape):
            raise ParameterError(
                "initial",
                None,
                "a level, probability vector or 'equilibrium' after per-cell steps",
            )
        cur = core.landscape
        if not (np.array_equal(cur.energies, e0) and np.array_equal(cur.saddles, s0)):
            jump = Protocol(
                [protocol.times[0]] * 2,
                [cur.energies, e0],
                [cur.saddles, s0],
                [protocol.tags[0]],
            )
            protocol = jump.then(protocol)
    grid = protocol.grid(dt)
    if core.step_count + grid.n_steps + 1 >= MAX_STEPS:
        raise ParameterError("dt", dt, f"a grid that keeps the step counter below {MAX_STEPS}")
    if stepwise:
        return cell_steps.run_stepwise(
            core, grid, record_per_cell, record_history, progress, cell_landscapes, array.step
        )
    return core.run_shared(grid, record_per_cell, record_history, progress)


assert MAX_LEVELS <= 256  # state is uint8

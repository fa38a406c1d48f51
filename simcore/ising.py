"""The in-memory Ising machine: the cells' own thermal hops are the annealer's updates.

The controller only sets controls (THEORY.md section 9): before a colour class's window it tilts
each of its cells by the current local field, ``E_{+1} - E_{-1} = -2 g h_i``, with the gain ``g``
(J per problem unit) and the barrier ``b`` (J, the saddle above the upper well); the class's
cells then evolve for the window ``τ`` under the exact two-state propagator while the other
classes are held. At a constant gain this is an exact (lazy) heat-bath chain for the Boltzmann
distribution of ``H(σ) = -½ σᵀJσ - hᵀσ`` at ``β_eff = g/kT`` (problem units). The gain schedule
is the annealing schedule (``Static``, ``LinearBeta``, ``Logarithmic``, ``NeuroSA``); the barrier
schedule sets the hop rate (how much of a heat-bath update a window is). ``docs/theory.md``
derives the schedules and their costs.

Ledger (THEORY.md section 2 order): re-tilting a held cell at ``σ`` from ``g'h'`` to ``g h`` is
work ``W = -σ (g h - g'h')``; a hop from ``σ`` releases heat ``Q = -2 σ g h`` (``= -g ΔH``). A
cell's energy is ``U_i = -σ_i t_i`` with ``t_i`` its tilt as last set, so
``ΔU = W - Q`` exactly. Moving only barriers does no work in this model, so the held cells, whose
barrier is raised (the machine does not evolve them: no retention hops), cost nothing. After
``consolidate``, ``hold`` keeps the answer for a retention time behind a stated barrier on the
untilted cells, flipping each with its exact two-state probability (no work, no heat).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np
import scipy.sparse

from simcore import draws, rng
from simcore.constants import K_B
from simcore.errors import ParameterError, positive, positive_int
from simcore.kernels.ising import (
    BLOCK,
    CHUNK,
    IsingControls,
    IsingGraph,
    IsingState,
    IsingTallies,
    field_tables,
    greedy_colouring,
    ising_sweeps,
    ising_sweeps_serial,
    problem_energy,
)
from simcore.ledger import TagTotals

#: Largest integer field ``|h|`` for which thresholds are tabulated (integer couplings).
MAX_TABLE_FIELD = 4096
#: Replica-cells (R N) from which the parallel kernel is used.
PARALLEL_CELLS = 2**14


def _finite_nonneg(name: str, value: object) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a finite number >= 0") from None
    if not (math.isfinite(x) and x >= 0):
        raise ParameterError(name, value, "a finite number >= 0")
    return x


def _betas(name: str, values: np.ndarray) -> np.ndarray:
    if not (np.all(np.isfinite(values)) and np.all(values >= 0)):
        raise ParameterError(name, values, "finite inverse temperatures >= 0 (problem units)")
    return values


# --- schedules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Static:
    """A constant ``beta`` (1/problem unit): sampling, or a quench."""

    beta: float
    barrier: float | None = None

    def betas(self, sweeps: int) -> np.ndarray:
        """β_eff of sweeps 1..S, shape (S,)."""
        return _betas("beta", np.full(sweeps, float(self.beta)))


@dataclass(frozen=True)
class LinearBeta:
    """β rising linearly from ``beta0`` (first sweep) to ``beta1`` (last sweep)."""

    beta0: float
    beta1: float
    barrier: float | None = None

    def betas(self, sweeps: int) -> np.ndarray:
        """β_eff of sweeps 1..S, shape (S,)."""
        return _betas("beta0/beta1", np.linspace(self.beta0, self.beta1, sweeps))


@dataclass(frozen=True)
class Logarithmic:
    """Geman & Geman's schedule ``β_n = ln(1 + n/n0) / c`` (sweep ``n = 1..S``), with ``c``
    (problem units) at least the depth of the deepest non-global local minimum for the
    convergence theorem (Hajek 1988)."""

    c: float
    n0: float = 1.0
    barrier: float | None = None

    def betas(self, sweeps: int) -> np.ndarray:
        """β_eff of sweeps 1..S, shape (S,)."""
        n = np.arange(1, sweeps + 1, dtype=np.float64)
        return _betas("c/n0", np.log1p(n / self.n0) / self.c)


@dataclass(frozen=True)
class NeuroSA:
    """The NeuroSA / Fowler-Nordheim schedule (Chen et al., arXiv:2406.05224):
    ``β_n = θ_max ln(1 + θ_n/θ_max)`` with ``θ_n = rate n``: linear at first, logarithmic once
    ``θ_n`` passes ``θ_max``."""

    theta_max: float
    rate: float
    barrier: float | None = None

    def betas(self, sweeps: int) -> np.ndarray:
        """β_eff of sweeps 1..S, shape (S,)."""
        theta = self.rate * np.arange(1, sweeps + 1, dtype=np.float64)
        return _betas("theta_max/rate", self.theta_max * np.log1p(theta / self.theta_max))


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IsingResult:
    """One ``sample`` or ``anneal`` run.

    ``energy`` (S+1, R): problem energy before and after each sweep; ``spins`` (R, N) int8;
    ``betas``, ``barriers`` (S,) the controls (1/unit, J); ``work``, ``heat`` (S, R) J and
    ``flips`` (S, R) per sweep and replica; ``delta_u`` (R,) J the cells' energy change;
    ``ledger`` the run's totals by tag.
    """

    energy: np.ndarray
    spins: np.ndarray
    betas: np.ndarray
    barriers: np.ndarray
    work: np.ndarray = field(repr=False)
    heat: np.ndarray = field(repr=False)
    flips: np.ndarray = field(repr=False)
    delta_u: np.ndarray
    ledger: dict[str, TagTotals]


# --- the machine -------------------------------------------------------------------------------


def _check_couplings(couplings):
    if not scipy.sparse.issparse(couplings):
        raise ParameterError("couplings", couplings, "a scipy.sparse matrix (N, N)")
    j = scipy.sparse.csr_matrix(couplings, dtype=np.float64)
    n, m = j.shape
    if n != m or n < 1:
        raise ParameterError("couplings", couplings, "a square scipy.sparse matrix, N >= 1")
    if n > rng.MAX_CELLS:
        raise ParameterError("couplings", couplings, f"N <= {rng.MAX_CELLS}")
    j.sum_duplicates()
    j.eliminate_zeros()
    if not np.all(np.isfinite(j.data)):
        raise ParameterError("couplings", couplings, "finite entries")
    if np.any(j.diagonal() != 0):
        raise ParameterError("couplings", couplings, "a zero diagonal (J_ii adds a constant)")
    asym = j - j.T
    if asym.nnz and np.max(np.abs(asym.data)) > 0:
        raise ParameterError("couplings", couplings, "a symmetric matrix (J == J.T)")
    j.sort_indices()
    return j


def colouring(pattern) -> tuple[np.ndarray, int]:
    """``(colour, k)``: the colour (N,) int64 in ``0 .. k-1`` of each node of the graph
    ``pattern`` (a sparse N x N matrix, made symmetric) by greedy colouring in index order; the
    nodes of one colour are independent. The Ising machine's colour classes and the learner's."""
    p = scipy.sparse.csr_matrix(pattern)
    p = ((p + p.T) != 0).astype(np.int8).tocsr()
    p.sort_indices()
    colour = np.zeros(p.shape[0], dtype=np.int64)
    k = int(greedy_colouring(p.indptr.astype(np.int64), p.indices.astype(np.int32), colour))
    return colour, k


class IsingMachine:
    """Bistable memory cells annealing ``H(σ) = -½ σᵀJσ - hᵀσ`` by their own thermal hops.

    Parameters
    ----------
    couplings : scipy.sparse matrix (N, N)
        Symmetric couplings ``J`` with zero diagonal, problem units.
    fields : array (N,), optional
        External fields ``h`` (problem units); zero by default.
    replicas : int
        Independent chains ``R`` run side by side (in parallel).
    temperature : float
        Bath temperature ``T`` (K).
    attempt_frequency : float
        Attempt frequency ``f0`` of the cells (Hz).
    seed : int
        Root seed in [0, 2**64): the random stream is ``rng.stream(seed, draws.ISING[0])``.
    barrier : float
        Default barrier ``b`` (J) of the saddle above the upper well during a window.
    window : float, optional
        Active window ``τ`` (s) of a colour class; default ``10 / f0`` (a nearly full heat-bath
        update per window when ``b = 0``).
    initial : array (R, N) or (N,) of ±1, optional
        Initial spins; default uniformly random from ``draws.ISING[1]``.

    Raises
    ------
    ParameterError
        For a non-sparse, non-square, asymmetric or non-finite ``couplings`` or any parameter
        outside its range.
    """

    def __init__(
        self,
        couplings,
        fields=None,
        *,
        replicas=1,
        temperature=300.0,
        attempt_frequency=1e9,
        seed=0,
        barrier=0.0,
        window=None,
        initial=None,
    ):
        j = _check_couplings(couplings)
        n = j.shape[0]
        self.n = n
        self.replicas = positive_int("replicas", replicas)
        if self.replicas * n > rng.MAX_CELLS:
            raise ParameterError("replicas", replicas, f"replicas * N <= {rng.MAX_CELLS}")
        if fields is None:
            h = np.zeros(n)
        else:
            h = np.asarray(fields, dtype=np.float64)
            if h.shape != (n,) or not np.all(np.isfinite(h)):
                raise ParameterError("fields", fields, f"finite values of shape ({n},)")
        self.temperature = positive("temperature", temperature)
        self.kT = K_B * self.temperature
        self.f0 = positive("attempt_frequency", attempt_frequency)
        self.seed = rng.check_seed(seed)
        self.barrier = _finite_nonneg("barrier", barrier)
        self.window = 10.0 / self.f0 if window is None else positive("window", window)
        self.couplings = j
        self.fields = h
        indptr = j.indptr.astype(np.int64)
        colour, self.n_colours = colouring(j)
        self.colours = colour
        order = np.argsort(colour, kind="stable")
        sizes = np.bincount(colour, minlength=self.n_colours)
        chunks, classes = [0], [0]
        start = 0
        for size in sizes:
            cuts = [*range(start + CHUNK, start + size, CHUNK), start + size]
            chunks += cuts
            classes.append(len(chunks) - 1)
            start += size
        chunks = np.asarray(chunks, dtype=np.int64)
        # the CSR rows in colour order (row p: cell order[p]), each row's entries kept in order
        deg = np.diff(indptr)[order]
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(deg, out=ptr[1:])
        take = np.repeat(indptr[order] - ptr[:-1], deg) + np.arange(ptr[-1], dtype=np.int64)
        values = j.data[take]
        lo, hi = np.minimum.reduceat(deg, chunks[:-1]), np.maximum.reduceat(deg, chunks[:-1])
        integer = np.all(j.data == np.round(j.data)) and np.all(h == np.round(h))
        bound = float(np.max(np.abs(h) + np.abs(j).sum(axis=1).A1)) if n else 0.0
        self._offset = int(bound) if integer and bound <= MAX_TABLE_FIELD else -1
        tabled = self._offset >= 0  # |J_ij|, |h_i| <= MAX_TABLE_FIELD: int16
        self._graph = IsingGraph(
            indptr=ptr,
            indices=j.indices[take].astype(np.uint32),
            values=values,
            ivalues=values.astype(np.int16) if tabled else np.zeros(0, dtype=np.int16),
            fields=h[order],
            ifields=h[order].astype(np.int16) if tabled else np.zeros(0, dtype=np.int16),
            cells=order.astype(np.uint32),
            chunks=chunks,
            degree=np.where(lo == hi, lo, -1).astype(np.int64),  # a chunk's common degree
            classes=np.asarray(classes, dtype=np.int64),
        )
        self.spins = self._initial(initial)
        self.tilt = np.zeros((self.replicas, n))
        self.step = 0
        self._ledger: dict[str, list] = {}
        self._last: tuple[np.ndarray, np.ndarray] | None = None  # spins and H after the last run

    def _initial(self, initial) -> np.ndarray:
        shape = (self.replicas, self.n)
        if initial is None:
            cells = np.arange(self.replicas * self.n, dtype=np.uint64).reshape(shape)
            u = rng.uniform_bits(self.seed, 0, cells, draw=draws.ISING[1])
            return np.where(u >> np.uint64(63), 1, -1).astype(np.int8)
        s = np.asarray(initial)
        if s.shape == (self.n,):
            s = np.broadcast_to(s, shape)
        if s.shape != shape or not np.all(np.abs(s) == 1):
            raise ParameterError("initial", initial, f"spins ±1 of shape {shape} or ({self.n},)")
        return s.astype(np.int8).copy()

    # -- queries --

    def energies(self, spins=None) -> np.ndarray:
        """Problem energy ``H(σ)`` of each replica (R,), or of ``spins`` (R', N)."""
        s = self.spins if spins is None else np.atleast_2d(np.asarray(spins, dtype=np.int8))
        out = np.empty(s.shape[0])
        g = self._graph
        problem_energy(
            g.indptr, g.indices, g.values, g.ivalues, g.fields, g.ifields, g.cells, s, out
        )
        return out

    def cell_energy(self) -> np.ndarray:
        """The cells' energy ``U = -Σ_i σ_i t_i`` (J) of each replica (R,)."""
        return -(self.spins * self.tilt).sum(axis=1)

    @property
    def ledger(self) -> dict[str, TagTotals]:
        """Work, heat (J) and hops by tag over the machine's life."""
        return {t: TagTotals(*v) for t, v in self._ledger.items()}

    # -- runs --

    def sample(self, beta, sweeps, *, barrier=None, tag="update") -> IsingResult:
        """``sweeps`` sweeps at the constant ``β_eff = beta`` (1/problem unit, gain ``β kT``).

        Returns an ``IsingResult``; raises ``ParameterError`` for a negative or non-finite
        ``beta``, ``sweeps < 1`` or a negative ``barrier`` (J)."""
        return self.anneal(Static(beta, barrier), sweeps, tag=tag)

    def anneal(self, schedule, sweeps, *, tag="update") -> IsingResult:
        """``sweeps`` sweeps under ``schedule`` (``Static``, ``LinearBeta``, ``Logarithmic``,
        ``NeuroSA`` or any object with ``betas(S) -> (S,)`` and ``barrier``).

        Returns an ``IsingResult`` (energies before/after each sweep, final spins, per-sweep
        work and heat, J); the machine keeps its spins, tilts and step count for the next run.
        """
        sweeps = positive_int("sweeps", sweeps)
        if not isinstance(tag, str) or not tag:
            raise ParameterError("tag", tag, "a non-empty string")
        betas = np.ascontiguousarray(schedule.betas(sweeps), dtype=np.float64)
        if betas.shape != (sweeps,):
            raise ParameterError("schedule", schedule, f"betas of shape ({sweeps},)")
        b = getattr(schedule, "barrier", None)
        b = self.barrier if b is None else b
        barriers = np.broadcast_to(np.asarray(b, dtype=np.float64), (sweeps,)).copy()
        if not (np.all(np.isfinite(barriers)) and np.all(barriers >= 0)):
            raise ParameterError("barrier", b, "finite values >= 0 (J)")
        if self.step + sweeps * self.n_colours >= rng.MAX_STEPS:
            raise ParameterError("sweeps", sweeps, "a total step count below 2**32")
        gains = betas * self.kT
        r = self.replicas
        if self._offset >= 0:
            tables = np.empty((sweeps, 2 * self._offset + 1, 2), dtype=np.uint64)
            field_tables(gains, barriers, self._offset, self.kT, self.f0, self.window, tables)
        else:
            tables = np.empty((sweeps, 0, 2), dtype=np.uint64)
        n_chunks = self._graph.chunks.shape[0] - 1
        energy = np.empty((sweeps + 1, r))
        last = self._last
        # integer couplings: H (exact) of the spins the last run left, unless they were changed
        # since (a compare of R N bytes instead of a pass over the couplings)
        same = self._offset >= 0 and last is not None and np.array_equal(last[0], self.spins)
        energy[0] = last[1] if same else self.energies()
        tallies = IsingTallies(
            energy=energy,
            work=np.empty((sweeps, r)),
            heat=np.empty((sweeps, r)),
            flips=np.empty((sweeps, r), dtype=np.int64),
            part=np.zeros((r, n_chunks, 3)),
            part_n=np.zeros((r, n_chunks, 3), dtype=np.int64),
            carry=np.zeros(r, dtype=np.int64),
            hashes=np.zeros((numba.config.NUMBA_NUM_THREADS, BLOCK), dtype=np.uint64),
        )
        u0 = self.cell_energy()
        key, gamma = rng.stream(self.seed, draws.ISING[0])
        parallel = r * self.n >= PARALLEL_CELLS and numba.get_num_threads() > 1
        kernel = ising_sweeps if parallel else ising_sweeps_serial
        kernel(
            graph=self._graph,
            state=IsingState(spins=self.spins, tilt=self.tilt),
            controls=IsingControls(
                gains=gains,
                barriers=barriers,
                tables=tables,
                offset=max(self._offset, 0),
                kT=self.kT,
                f0=self.f0,
                tau=self.window,
            ),
            key=key,
            gamma=gamma,
            step0=self.step,
            tallies=tallies,
            by_replica=r >= numba.get_num_threads(),
        )
        self.step += sweeps * self.n_colours
        self._last = (self.spins.copy(), energy[-1].copy())
        w, q, nf = float(tallies.work.sum()), float(tallies.heat.sum()), int(tallies.flips.sum())
        slot = self._ledger.setdefault(tag, [0.0, 0.0, 0, 0])
        slot[0] += w
        slot[1] += q
        slot[2] += nf
        slot[3] += sweeps
        return IsingResult(
            energy=energy,
            spins=self.spins.copy(),
            betas=betas,
            barriers=barriers,
            work=tallies.work,
            heat=tallies.heat,
            flips=tallies.flips,
            delta_u=self.cell_energy() - u0,
            ledger={tag: TagTotals(w, q, nf, sweeps)},
        )

    def consolidate(self, *, tag="consolidate") -> TagTotals:
        """Store the spins: raise every cell's barrier (no work in this model), then remove the
        tilts, leaving flat wells behind a barrier no hop crosses.

        Untilting a cell at ``σ`` from ``t`` to 0 is work ``W = σ t`` and releases no heat (no
        hop: the barrier is already up), so the tag's work is ``-U`` (J, all replicas) and the
        cells end with ``U = 0``: over the machine's life ``Σ W = Σ Q`` (first law, ``U`` starts
        and ends at 0). The spins are unchanged.

        Parameters
        ----------
        tag : str
            Ledger tag of the untilt (default ``"consolidate"``).

        Returns
        -------
        TagTotals
            This consolidation's work (J), heat (0 J), hops (0) and sweeps (0).

        Raises
        ------
        ParameterError
            For an empty or non-string ``tag``.
        """
        if not isinstance(tag, str) or not tag:
            raise ParameterError("tag", tag, "a non-empty string")
        w = float((self.spins * self.tilt).sum())
        self.tilt[:] = 0.0
        slot = self._ledger.setdefault(tag, [0.0, 0.0, 0, 0])
        slot[0] += w
        return TagTotals(w, 0.0, 0, 0)

    def hold(self, duration, barrier, *, tag="hold") -> np.ndarray:
        """Keep the stored spins for ``duration`` (s) behind the barrier ``barrier`` (J), the
        wells flat (after :meth:`consolidate`): the retention phase, on the physical cells.

        An untilted two-state cell hops both ways at ``k = f0 e^{-b/kT}``, so after ``t`` it is
        in the other well with probability ``p = (1 - e^{-2kt})/2`` exactly, independently of
        every other cell; each cell is flipped when its uniform of the machine's next step (the
        dynamics stream, one step index taken) is below ``p``. Hops between degenerate wells do
        no work and release no heat: the tag's work and heat are 0 J, its hops the flips (an
        odd number of hops leaves a cell flipped; only the parity is drawn).

        Parameters
        ----------
        duration : float
            Retention time ``t`` (s), > 0.
        barrier : float
            Barrier ``b`` (J) of the held cells, >= 0.
        tag : str
            Ledger tag (default ``"hold"``).

        Returns
        -------
        numpy.ndarray
            Flipped spins (retention errors) of each replica, shape (R,), int64.

        Raises
        ------
        ParameterError
            For a non-positive ``duration``, a negative ``barrier``, tilts still on (consolidate
            first), an empty tag or a step count past 2**32.
        """
        t = positive("duration", duration)
        b = _finite_nonneg("barrier", barrier)
        if not isinstance(tag, str) or not tag:
            raise ParameterError("tag", tag, "a non-empty string")
        if np.any(self.tilt != 0.0):
            raise ParameterError("tilt", "non-zero", "flat wells: consolidate before holding")
        if self.step + 1 >= rng.MAX_STEPS:
            raise ParameterError("duration", duration, "a total step count below 2**32")
        p = self.flip_probability(t, b)
        cells = np.arange(self.replicas * self.n, dtype=np.uint64).reshape(self.replicas, self.n)
        u = rng.uniform(self.seed, self.step, cells, draw=draws.ISING[0])
        flip = u < p
        self.spins[flip] *= -1
        self.step += 1
        errors = flip.sum(axis=1).astype(np.int64)
        slot = self._ledger.setdefault(tag, [0.0, 0.0, 0, 0])
        slot[2] += int(errors.sum())
        return errors

    def flip_probability(self, duration, barrier) -> float:
        """``(1 - e^{-2 f0 e^{-b/kT} t})/2``: the probability that an untilted cell held for
        ``duration`` (s) behind ``barrier`` (J) is found in the other well."""
        k = self.f0 * math.exp(-barrier / self.kT)
        return -0.5 * math.expm1(-2.0 * k * duration)

"""The in-memory learner: gradient descent done by M-level cells' own thermally activated hops.

Z. Chen, F. Ahsan, J. Leugering, G. Cauwenberghs and S. Chakrabartty, arXiv:2402.14878
(learning-in-memory); THEORY.md section 9; the derivation is in ``docs/theory.md``, "The
in-memory learner".

Each parameter ``θ_j`` is an M-level cell of a ``MemoryArray``, ``θ = low + kΔ``,
``Δ = (high - low)/(M - 1)``. The controller only sets controls: before a window it reads the
memory, evaluates the gradient ``G_j = ∂f/∂θ_j`` (and, when the objective gives one, the
diagonal curvature ``H_j = ∂²f/∂θ_j²``) at the stored parameters, and tilts cell j's levels by
the gain ``g = β kT`` (J per problem unit) with the local model of ``f``,

    ``E_{j,k} = g [G_j (θ_k - θ_c) + ½ H_j ((θ_k - θ_j)² - (θ_c - θ_j)²)]``

(``θ_c`` the centre of the range, where the tilt is zero), with the saddles ``b`` above the mean
of each neighbouring pair of wells. The cells then evolve for a window ``τ`` under the exact
propagator; their hops are the updates. For a quadratic objective the local model is the exact
conditional energy, so with the parameters updated in colour classes of the coupling graph (the
others held) the chain at a constant gain is an exact heat-bath-type chain whose stationary law
is the Boltzmann distribution ``∝ exp(-β f(θ))`` of the discretised objective; with every
parameter active at once (``classes="parallel"``) it is the stochastic-gradient (Langevin-like)
limit. A window drifts a cell by ``2 r τ sinh(-δ/2kT)`` levels (``δ = gΔ G``, ``r = f0 e^{-b/kT}``),
a learning rate ``η = Δ² β f0 τ e^{-b/kT}`` (problem units), so a barrier rising as
``b_0 + kT ln(1 + n/n0)`` is the 1/(1 + n/n0) learning-rate schedule (:class:`InverseSchedule`).

Ledger (THEORY.md section 2, from the engine): re-tilting cells is work, every hop heat, booked
by tag (``update`` while training, ``consolidate`` for the in-place barrier raise, ``hold`` for
retention). Held cells (other colour classes) keep their landscape at a raised barrier and are not
evolved: moving only saddles costs no work in the two-state model. ``ΔU = W - Q`` holds exactly.

Units: energies J, times s, frequencies Hz; ``f`` and ``θ`` are in problem units; ``β`` in
1/problem unit (of ``f``); iterations ``n`` count from 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse

from simcore.array import MemoryArray
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, one_of, positive, positive_int
from simcore.ising import colouring
from simcore.landscape import MAX_LEVELS, check_levels
from simcore.ledger import TagTotals
from simcore.seeds import Seeds

__all__ = [
    "LEARNER_TAGS",
    "GradientMachine",
    "InverseSchedule",
    "LearnerResult",
    "Quadratic",
    "learning_rate",
    "mean_drift",
]

#: The tags the machine books its work and heat under.
LEARNER_TAGS = ("update", "consolidate", "hold")


def _finite(name: str, value, allowed: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, allowed) from None
    if not math.isfinite(x):
        raise ParameterError(name, value, allowed)
    return x


def _nonneg(name: str, value) -> float:
    x = _finite(name, value, "a finite number >= 0")
    if x < 0:
        raise ParameterError(name, value, "a finite number >= 0")
    return x


# --- closed forms ------------------------------------------------------------------------------


def mean_drift(barrier, delta, kT, attempt_frequency, window):
    """Exact mean level change of a cell over a window on an unbounded linear chain: levels
    ``E_k = δ k``, saddles ``b`` above the mean of each pair (``b >= |δ|/2``, arrhenius), so
    ``k± = f0 e^{-(b ± δ/2)/kT}`` and the level change is Skellam: mean ``(k+ - k-) τ``,
    variance ``(k+ + k-) τ``.

    Parameters
    ----------
    barrier : float or array_like
        ``b`` (J), ``>= |δ|/2``.
    delta : float or array_like
        Level spacing of the tilt ``δ`` (J).
    kT : float
        Thermal energy (J).
    attempt_frequency : float
        ``f0`` (Hz).
    window : float
        ``τ`` (s).

    Returns
    -------
    (mean, variance) : tuple of float or ndarray
        Levels and levels².

    Raises
    ------
    ParameterError
        For ``b < |δ|/2`` (the saddle would be clamped and the closed form not hold).
    """
    b = np.asarray(barrier, dtype=np.float64)
    d = np.asarray(delta, dtype=np.float64)
    if np.any(b < 0.5 * np.abs(d)):
        raise ParameterError("barrier", barrier, "at least |delta|/2 (an unclamped saddle)")
    up = attempt_frequency * np.exp(-(b + 0.5 * d) / kT) * window
    down = attempt_frequency * np.exp(-(b - 0.5 * d) / kT) * window
    return up - down, up + down


def learning_rate(barrier, beta, spacing, attempt_frequency, window, temperature=300.0):
    """Learning rate ``η = Δ² β f0 τ e^{-b/kT}`` (problem units² per unit of ``f``) of the
    machine at barrier ``b``: the small-tilt limit of :func:`mean_drift` with ``δ = βkT Δ G``,
    ``⟨Δθ⟩ = -η G``.

    Parameters
    ----------
    barrier : float or array_like
        ``b`` (J).
    beta : float
        ``β_eff = g/kT`` (1/problem unit).
    spacing : float
        ``Δ`` (problem units).
    attempt_frequency, window : float
        ``f0`` (Hz) and ``τ`` (s), as in :func:`mean_drift`.
    temperature : float
        ``T`` (K).

    Returns
    -------
    float or ndarray
        ``η`` shaped like ``barrier``.
    """
    kT = thermal_energy(positive("temperature", temperature))
    b = np.asarray(barrier, dtype=np.float64)
    out = spacing**2 * beta * attempt_frequency * window * np.exp(-b / kT)
    return float(out) if out.ndim == 0 else out


# --- schedules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InverseSchedule:
    """Constant ``beta`` (1/problem unit, gain ``β kT``) and a barrier rising as
    ``b_n = barrier + kT ln(1 + n/n0)`` (J), the learning rate ``η_n = η_0/(1 + n/n0)``;
    ``n0 = inf`` keeps the barrier constant (constant learning rate, sampling)."""

    beta: float
    barrier: float
    n0: float = math.inf

    def controls(self, first: int, count: int, kT: float) -> tuple[np.ndarray, np.ndarray]:
        """``(betas, barriers)`` of iterations ``first .. first + count - 1``, shapes (count,),
        1/problem unit and J."""
        beta = _nonneg("beta", self.beta)
        b0 = _nonneg("barrier", self.barrier)
        try:
            n0 = float(self.n0)
        except (TypeError, ValueError):
            raise ParameterError("n0", self.n0, "a number > 0 (iterations) or inf") from None
        if not n0 > 0:
            raise ParameterError("n0", self.n0, "a number > 0 (iterations) or inf")
        n = np.arange(first, first + count, dtype=np.float64)
        barriers = b0 + (kT * np.log1p(n / n0) if math.isfinite(n0) else 0.0 * n)
        return np.full(count, beta), barriers


# --- objectives --------------------------------------------------------------------------------


class Quadratic:
    """``f(θ) = ½ θᵀAθ - bᵀθ`` (problem units), A symmetric (sparse or dense, N x N).

    Parameters
    ----------
    matrix : array_like or scipy.sparse matrix (N, N)
        Symmetric A with a positive diagonal.
    b : array_like (N,)
        Linear term.

    Raises
    ------
    ParameterError
        For a non-square, asymmetric or non-finite A, a diagonal entry <= 0, or b of another
        shape.
    """

    def __init__(self, matrix, b):
        a = scipy.sparse.csr_matrix(matrix, dtype=np.float64)
        n, m = a.shape
        if n != m or n < 1 or not np.all(np.isfinite(a.data)):
            raise ParameterError("matrix", matrix, "a finite square matrix (N, N)")
        asym = a - a.T
        if asym.nnz and np.max(np.abs(asym.data)) > 1e-12 * max(1.0, np.abs(a.data).max()):
            raise ParameterError("matrix", matrix, "a symmetric matrix")
        diag = a.diagonal()
        if np.any(diag <= 0):
            raise ParameterError("matrix", matrix, "a positive diagonal")
        bb = np.asarray(b, dtype=np.float64)
        if bb.shape != (n,) or not np.all(np.isfinite(bb)):
            raise ParameterError("b", b, f"finite values of shape ({n},)")
        a.sort_indices()
        self.matrix, self.b, self.n, self.diag = a, bb, n, diag

    @property
    def pattern(self):
        """The coupling graph (CSR, off-diagonal entries) whose colour classes are independent."""
        off = self.matrix - scipy.sparse.diags(self.diag)
        off = scipy.sparse.csr_matrix(off)
        off.eliminate_zeros()
        return off

    def value(self, theta) -> np.ndarray:
        """``f`` of each row of ``theta`` (R, N): (R,)."""
        t = np.atleast_2d(theta)
        return 0.5 * np.einsum("rn,rn->r", t, (self.matrix @ t.T).T) - t @ self.b

    def gradient(self, theta) -> np.ndarray:
        """``∂f/∂θ`` (R, N) at ``theta`` (R, N)."""
        return (self.matrix @ np.atleast_2d(theta).T).T - self.b

    def curvature(self, theta) -> np.ndarray:
        """The diagonal ``∂²f/∂θ_j²`` (R, N)."""
        return np.broadcast_to(self.diag, np.atleast_2d(theta).shape)


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerResult:
    """One ``train`` run of ``S`` iterations.

    ``objective`` (S+1, R): ``f`` before and after each iteration (problem units); ``theta``
    (R, N) final parameters; ``betas`` (S,) 1/problem unit and ``barriers`` (S,) J, the
    controls; ``work``, ``heat`` (S,) J per iteration (all replicas); ``changes`` (S,) level
    changes per iteration (all replicas); ``ledger`` the run's totals by tag.
    """

    objective: np.ndarray
    theta: np.ndarray
    betas: np.ndarray
    barriers: np.ndarray
    work: np.ndarray = field(repr=False)
    heat: np.ndarray = field(repr=False)
    changes: np.ndarray = field(repr=False)
    ledger: dict[str, TagTotals]


# --- the machine -------------------------------------------------------------------------------


def colour_classes(pattern) -> list[np.ndarray]:
    """Independent sets of the graph ``pattern`` (CSR, N x N) by greedy colouring
    (``ising.colouring``, the Ising machine's): a list of index arrays that partition
    ``range(N)``."""
    colour, k = colouring(pattern)
    return [np.flatnonzero(colour == c) for c in range(k)]


class GradientMachine:
    """M-level memory cells minimising ``objective`` by their own thermal hops.

    Parameters
    ----------
    objective : object
        With ``gradient(theta)`` -> (R, N) and ``value(theta)`` -> (R,) (problem units), and
        optionally ``curvature(theta)`` -> (R, N) (the diagonal of the Hessian) and
        ``pattern`` (a sparse N x N coupling graph), e.g. :class:`Quadratic`.
    n_params : int
        Parameters N.
    levels : int
        Levels M per cell, in [2, 256] (``log2 M`` bits).
    low, high : float
        The range of every parameter (problem units), ``low < high``.
    replicas : int
        Independent copies R of the machine side by side.
    classes : {"colour", "parallel"}
        "colour": the parameters are updated in colour classes of ``objective.pattern`` (the
        others held), the exact Gibbs form; "parallel": every parameter each window (gradient
        descent). Default: "colour" when the objective has a pattern.
    curvature : bool
        Use ``objective.curvature`` in the tilt (exact conditional energy for a quadratic).
    temperature : float
        Bath temperature T (K).
    attempt_frequency : float
        ``f0`` (Hz).
    window : float, optional
        Active window ``τ`` (s) of a class in one iteration; default ``1/f0``.
    seed : int
        Root seed in [0, 2**64); class c's cells use ``Seeds(seed).seed("learner_cells", c)``.
    initial : int or array_like (N,) or (R, N), optional
        Initial levels; default the middle level ``(M - 1)//2``.

    Raises
    ------
    ParameterError
        Naming the first argument outside its range, before any work.
    """

    def __init__(self, objective, n_params, *, levels=16, low=-1.0, high=1.0, replicas=1,
                 classes=None, curvature=True, temperature=300.0, attempt_frequency=1e9,
                 window=None, seed=0, initial=None):
        for name in ("gradient", "value"):
            if not callable(getattr(objective, name, None)):
                raise ParameterError("objective", objective, f"an object with a {name}() method")
        self.objective = objective
        self.n = positive_int("n_params", n_params)
        try:
            self.m = check_levels(levels)
        except ParameterError:
            raise ParameterError("levels", levels, f"an integer in [2, {MAX_LEVELS}]") from None
        self.low = _finite("low", low, "a finite number")
        self.high = _finite("high", high, "a finite number > low")
        if not self.high > self.low:
            raise ParameterError("high", high, f"a finite number > low = {self.low:g}")
        self.spacing = (self.high - self.low) / (self.m - 1)
        self.grid = self.low + self.spacing * np.arange(self.m)
        self.centre = 0.5 * (self.low + self.high)
        self.replicas = positive_int("replicas", replicas)
        self.temperature = positive("temperature", temperature)
        self.kT = thermal_energy(self.temperature)
        self.f0 = positive("attempt_frequency", attempt_frequency)
        self.window = 1.0 / self.f0 if window is None else positive("window", window)
        self.curvature = bool(curvature) and callable(getattr(objective, "curvature", None))
        pattern = getattr(objective, "pattern", None)
        mode = one_of("classes", classes or ("colour" if pattern is not None else "parallel"),
                      ("colour", "parallel"))
        if mode == "colour" and pattern is None:
            raise ParameterError("classes", classes, '"parallel" for an objective without pattern')
        if mode == "colour" and pattern.shape != (self.n, self.n):
            raise ParameterError("objective", objective, f"a pattern of shape ({self.n}, {self.n})")
        self.mode = mode
        self.classes = (colour_classes(pattern) if mode == "colour"
                        else [np.arange(self.n)])
        self.seeds = Seeds(seed)
        r = self.replicas
        levels0 = self._initial(initial)
        self.arrays = []
        self._energies = []
        for c, idx in enumerate(self.classes):
            a = MemoryArray(r * idx.size, self.m, temperature=self.temperature,
                            attempt_frequency=self.f0, seed=self.seeds.seed("learner_cells", c))
            a.state[:] = levels0[:, idx].reshape(-1)
            # the first landscape costs no work: flat wells, where the cells were prepared
            a.step(np.zeros(self.m), np.zeros(self.m - 1), 0.0, "update")
            self.arrays.append(a)
            self._energies.append(np.zeros((r * idx.size, self.m)))
        self.iteration = 0
        self.barrier_now = 0.0

    def _initial(self, initial) -> np.ndarray:
        shape = (self.replicas, self.n)
        if initial is None:
            return np.full(shape, (self.m - 1) // 2, dtype=np.int64)
        k = np.asarray(initial)
        if k.shape == (self.n,):
            k = np.broadcast_to(k, shape)
        if (k.shape != shape or k.dtype.kind not in "iu" or np.any(k < 0)
                or np.any(k >= self.m)):
            raise ParameterError("initial", initial,
                                 f"levels in [0, {self.m}) of shape {shape} or ({self.n},)")
        return k.astype(np.int64)

    # -- queries --

    @property
    def levels(self) -> np.ndarray:
        """The stored levels (R, N), int64."""
        out = np.empty((self.replicas, self.n), dtype=np.int64)
        for idx, a in zip(self.classes, self.arrays, strict=True):
            out[:, idx] = a.state.reshape(self.replicas, idx.size)
        return out

    @property
    def theta(self) -> np.ndarray:
        """The stored parameters ``low + kΔ`` (R, N), problem units."""
        return self.low + self.spacing * self.levels

    def cell_energy(self) -> float:
        """The cells' energy ``U = Σ E_{x}`` (J, all cells) under the landscapes last set."""
        return float(sum(e[np.arange(e.shape[0]), a.state].sum()
                         for e, a in zip(self._energies, self.arrays, strict=True)))

    @property
    def ledger(self) -> dict[str, TagTotals]:
        """Work, heat (J, all cells), level changes and steps by tag over the machine's life."""
        out: dict[str, list] = {}
        for a in self.arrays:
            for tag, t in a.result().by_tag.items():
                slot = out.setdefault(tag, [0.0, 0.0, 0.0, 0])
                slot[0] += t.work.mean * a.n_cells
                slot[1] += t.heat.mean * a.n_cells
                slot[2] += float(t.changes) * a.n_cells
                slot[3] = max(slot[3], t.steps)
        return {t: TagTotals(*v) for t, v in out.items()}

    def _totals(self) -> tuple[float, float, float]:
        w = q = c = 0.0
        for v in self.ledger.values():
            w, q, c = w + v.work, q + v.heat, c + v.changes
        return w, q, c

    # -- controls --

    def tilts(self, theta, idx, beta) -> np.ndarray:
        """Level energies (R·|idx|, M) J of the cells ``idx`` for the stored ``theta`` (R, N):
        the local model of ``f`` times the gain ``β kT``, zero at the range's centre."""
        g = self.objective.gradient(theta)[:, idx]
        cur = theta[:, idx]
        x = self.grid[None, None, :]
        e = g[..., None] * (x - self.centre)
        if self.curvature:
            h = np.asarray(self.objective.curvature(theta))[:, idx]
            e = e + 0.5 * h[..., None] * ((x - cur[..., None]) ** 2
                                          - (self.centre - cur[..., None]) ** 2)
        return (beta * self.kT) * e.reshape(-1, self.m)

    # -- runs --

    def train(self, schedule, iterations, *, tag="update", observer=None) -> LearnerResult:
        """``iterations`` iterations under ``schedule`` (an :class:`InverseSchedule` or any
        object with ``controls(first, count, kT) -> (betas, barriers)``); in each, every colour
        class in turn is tilted by its gradient and evolves for one window.

        ``observer``, when given, is called before every window as
        ``observer(levels, energies, saddles, window)`` with the active cells' levels (C,) and
        landscapes (C, M), (C, M-1) J: an oracle can compute the window's exact conditional
        statistics from them.

        Returns
        -------
        LearnerResult
            The objective before and after each iteration, the final parameters, the controls
            and the per-iteration work, heat and level changes.

        Raises
        ------
        ParameterError
            For ``iterations < 1``, an empty tag, or controls of the wrong shape or range.
        """
        s = positive_int("iterations", iterations)
        if not isinstance(tag, str) or not tag:
            raise ParameterError("tag", tag, "a non-empty string")
        betas, barriers = (np.asarray(v, dtype=np.float64) for v in
                           schedule.controls(self.iteration + 1, s, self.kT))
        if betas.shape != (s,) or barriers.shape != (s,):
            raise ParameterError("schedule", schedule, f"controls of shape ({s},)")
        if not (np.all(np.isfinite(betas)) and np.all(betas >= 0)
                and np.all(np.isfinite(barriers)) and np.all(barriers >= 0)):
            raise ParameterError("schedule", schedule, "finite betas >= 0 and barriers >= 0 (J)")
        obj = np.empty((s + 1, self.replicas))
        obj[0] = self.objective.value(self.theta)
        work, heat, changes = np.empty(s), np.empty(s), np.empty(s)
        before = self._totals()
        last = before
        for i in range(s):
            for idx, a, e_buf in zip(self.classes, self.arrays, self._energies, strict=True):
                e = self.tilts(self.theta, idx, betas[i])
                saddles = 0.5 * (e[:, :-1] + e[:, 1:]) + barriers[i]
                if observer is not None:
                    observer(a.state.astype(np.int64), e, saddles, self.window)
                a.step(e, saddles, self.window, tag)
                e_buf[:] = e
            self.iteration += 1
            self.barrier_now = float(barriers[i])
            obj[i + 1] = self.objective.value(self.theta)
            now = self._totals()
            work[i], heat[i], changes[i] = (x - y for x, y in zip(now, last, strict=True))
            last = now
        after = self.ledger
        led = {tag: TagTotals(float(work.sum()), float(heat.sum()), float(changes.sum()),
                                  s * len(self.classes))} if tag in after else {}
        return LearnerResult(objective=obj, theta=self.theta, betas=betas, barriers=barriers,
                             work=work, heat=heat, changes=changes, ledger=led)

    def consolidate(self, barrier, duration, *, pieces=8) -> int:
        """Remove the tilts and raise the barrier in place from its last value to ``barrier``
        (J) in ``pieces`` equal constant steps over ``duration`` (s), booked as "consolidate".

        Returns
        -------
        int
            Parameters (all replicas) whose level changed during the raise (errors).

        Raises
        ------
        ParameterError
            For a barrier below the current one, a non-positive duration or pieces < 1.
        """
        b1 = _nonneg("barrier", barrier)
        if b1 < self.barrier_now:
            raise ParameterError("barrier", barrier, f">= the current barrier {self.barrier_now}")
        dt = positive("duration", duration)
        k = positive_int("pieces", pieces)
        before = self.levels
        steps = self.barrier_now + (b1 - self.barrier_now) * np.arange(1, k + 1) / k
        for a, e_buf in zip(self.arrays, self._energies, strict=True):
            flat = np.zeros(self.m)
            a.step(flat, np.full(self.m - 1, self.barrier_now), 0.0, "consolidate")
            for b in steps:
                a.step(flat, np.full(self.m - 1, b), dt / k, "consolidate")
            e_buf[:] = 0.0
        self.barrier_now = b1
        return int(np.sum(self.levels != before))

    def hold(self, duration) -> int:
        """Hold the untilted cells at the current barrier for ``duration`` (s), booked as
        "hold"; returns the parameters whose level changed (retention errors).

        Raises
        ------
        ParameterError
            For a non-positive duration.
        """
        dt = positive("duration", duration)
        before = self.levels
        for a, e_buf in zip(self.arrays, self._energies, strict=True):
            a.step(np.zeros(self.m), np.full(self.m - 1, self.barrier_now), dt, "hold")
            e_buf[:] = 0.0
        return int(np.sum(self.levels != before))

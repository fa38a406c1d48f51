"""The noiseless oracle of the continuous engine: a square-root-approximation master equation.

On uniform nodes ``x_i = lo + i h`` the overdamped Fokker–Planck operator is replaced by the
square-root approximation (SqRA) of H. C. Lie, K. Fackeldey and M. Weber, SIAM J. Matrix Anal.
Appl. 34, 738 (2013), doi:10.1137/120899959 (and L. Donati, M. Heida, B. G. Keller and
M. Weber, Phys. Rev. E 98, 052128 (2018), doi:10.1103/PhysRevE.98.052128):

    k(i -> i±1) = (D/h²) exp(-(U_{i±1} - U_i) / 2kT),        D = kT/ζ,

reflecting at the ends. Detailed balance with the discrete Boltzmann weights ``e^{-U_i/kT}``
holds exactly at every instant, and the generator converges to the Fokker–Planck operator as
``h -> 0`` (second order for smooth U).

A protocol is propagated on the step grid of the engine (``PolynomialProtocol.grid``) in the
same order as the Langevin kernels and the bit engine (THEORY.md section 2): the work step
``⟨W⟩ += Σ p_i (U_i(t_{k+1}) - U_i(t_k))`` at fixed density, then the heat step
``p <- exp(K(t_{k+1}) h_k) p`` with ``⟨Q⟩ += Σ (p_i - p'_i) U_i(t_{k+1})``. Alongside, the weighted
density ``q <- exp(K h)(q e^{-ΔU_work/kT})`` gives ``⟨e^{-W/kT}⟩ = Σ q`` without sampling (the
Feynman–Kac form of Jarzynski's equality), which equals ``Z(t_S)/Z(t_0)`` of the grid exactly.

The exponential is exact up to round-off: ``K`` is similar to the symmetric tridiagonal
``S = Π^{-1/2} K Π^{1/2}`` (``Π`` the Boltzmann weights), whose off-diagonal is the constant
``D/h²``; ``exp(K h) = Π^{1/2} V e^{Λ h} Vᵀ Π^{-1/2}`` from LAPACK's tridiagonal eigensolver
(``scipy.linalg.eigh_tridiagonal``), computed once per distinct potential (a hold reuses it).
Short steps (``max rate x h <= TAYLOR_NORM``) use a Taylor series in substeps of unit norm
instead, summed to double precision, which is cheaper there.
Nodes more than ``CUTOFF`` = 60 kT above the current minimum take no part in a heat step (their
probability is below e^-60 and is set to zero there); where that cuts the chain (a barrier above
60 kT) the two sides evolve separately, as they do physically on any simulated time scale.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import scipy.integrate
import scipy.linalg
import scipy.sparse

from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, positive, positive_int
from simcore.langevin.potential import PolynomialProtocol, TabulatedProtocol, equilibrium_range

#: Nodes more than this many kT above the current minimum are left out of the heat step (their
#: Boltzmann weight is below e^-60; leaving them out keeps the eigenproblem well conditioned).
CUTOFF = 60.0
#: Heat steps whose ``max rate x h`` is at most this use the Taylor series (cheaper than the
#: eigendecomposition for short steps).
TAYLOR_NORM = 100.0
#: Nodes of the default grid.
DEFAULT_POINTS = 801
#: The default grid spans the region where U is within this many kT of its minimum (any knot).
DEFAULT_MARGIN = 40.0


@dataclass(frozen=True)
class FokkerPlanckResult:
    """Ensemble averages of one protocol (energies in J per particle).

    Attributes
    ----------
    nodes : numpy.ndarray
        (G,) node positions (m).
    density : numpy.ndarray
        (G,) final occupation probabilities of the nodes (sum 1).
    work, heat : dict of str to float
        ``⟨W⟩`` and ``⟨Q⟩`` per tag (J).
    total_work, total_heat : float
        Summed over tags (J).
    jarzynski : float
        ``⟨exp(-W/kT)⟩`` over the whole protocol.
    delta_f : float
        Equilibrium free-energy change of the grid, ``-kT ln(Z(t_S)/Z(t_0))`` (J).
    mean_position : numpy.ndarray
        (S+1,) ``⟨x⟩`` (m) at every grid point of time.
    times : numpy.ndarray
        (S+1,) grid times (s).
    history : numpy.ndarray or None
        (S+1, G) densities when ``record_density`` was set.
    """

    nodes: np.ndarray = field(repr=False)
    density: np.ndarray = field(repr=False)
    work: dict[str, float]
    heat: dict[str, float]
    total_work: float
    total_heat: float
    jarzynski: float
    delta_f: float
    mean_position: np.ndarray = field(repr=False)
    times: np.ndarray = field(repr=False)
    history: np.ndarray | None = field(default=None, repr=False)


def _check_protocol(protocol) -> None:
    if not isinstance(protocol, PolynomialProtocol | TabulatedProtocol):
        raise ParameterError("protocol", protocol, "a PolynomialProtocol or TabulatedProtocol")


def make_nodes(protocol, kT: float, grid=None) -> np.ndarray:
    """Uniform nodes (m) for ``grid``: None (``DEFAULT_POINTS`` nodes over the union of every
    knot's ``equilibrium_range``), an int (that many nodes over that range), ``(lo, hi, n)``
    or a uniformly spaced array.

    Raises
    ------
    ParameterError
        If ``grid`` is none of these, has fewer than 3 nodes or is not uniform.
    """
    if grid is None or (isinstance(grid, int | np.integer) and not isinstance(grid, bool)):
        n = DEFAULT_POINTS if grid is None else positive_int("grid", grid)
        spans = [equilibrium_range(protocol, kT, t, DEFAULT_MARGIN) for t in protocol.times]
        lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
        nodes = np.linspace(lo, hi, n)
    elif isinstance(grid, tuple) and len(grid) == 3:
        lo, hi = float(grid[0]), float(grid[1])
        n = positive_int("grid", grid[2])
        if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
            raise ParameterError("grid", grid, "(lo, hi, n) with finite lo < hi (m)")
        nodes = np.linspace(lo, hi, n)
    else:
        nodes = np.asarray(grid, dtype=np.float64)
        if nodes.ndim != 1:
            raise ParameterError("grid", grid, "None, an int, (lo, hi, n) or a 1-D array (m)")
    if nodes.size < 3 or not np.all(np.isfinite(nodes)):
        raise ParameterError("grid", grid, "at least 3 finite nodes")
    h = np.diff(nodes)
    if np.any(h <= 0) or np.ptp(h) > 1e-9 * h.mean():
        raise ParameterError("grid", grid, "uniformly spaced increasing nodes")
    return nodes


def generator(u: np.ndarray, h: float, diffusion: float, kT: float):
    """SqRA generator (G, G) as a sparse matrix, columns summing to zero (``dp/dt = K p``),
    for node energies ``u`` (J), spacing ``h`` (m), diffusion ``D`` (m²/s)."""
    du = np.diff(u) / (2.0 * kT)
    c = diffusion / (h * h)
    up = c * np.exp(-du)  # i -> i+1
    down = c * np.exp(du)  # i+1 -> i
    diag = np.zeros(u.size)
    diag[:-1] -= up
    diag[1:] -= down
    return scipy.sparse.diags([down, diag, up], [1, 0, -1], format="csr")


def _initial(initial, nodes, u0, kT) -> np.ndarray:
    g = nodes.size
    if isinstance(initial, str):
        if initial != "equilibrium":
            raise ParameterError("initial", initial,
                                 "'equilibrium', a position (m) or a (G,) density")
        w = np.exp(-(u0 - u0.min()) / kT)
        return w / w.sum()
    a = np.asarray(initial, dtype=np.float64)
    if a.ndim == 0:
        x = float(a)
        if not (np.isfinite(x) and nodes[0] <= x <= nodes[-1]):
            raise ParameterError("initial", initial, f"a position in [{nodes[0]:g},"
                                                     f" {nodes[-1]:g}] m")
        p = np.zeros(g)
        p[int(np.argmin(np.abs(nodes - x)))] = 1.0
        return p
    if a.shape != (g,) or not np.all(np.isfinite(a)) or np.any(a < 0) or a.sum() <= 0:
        raise ParameterError("initial", initial, f"a non-negative ({g},) density")
    return a / a.sum()


def solve_fokker_planck(protocol, dt: float, *, friction: float, temperature: float = 300.0,
                        initial="equilibrium", grid=None,
                        record_density: bool = False) -> FokkerPlanckResult:
    """Mean work, heat and the density of the overdamped protocol, without noise.

    Parameters
    ----------
    protocol : PolynomialProtocol or TabulatedProtocol
        The potential over time.
    dt : float
        Time step (s, > 0): the same step grid as ``ParticleArray.run``.
    friction : float
        Friction coefficient ζ (kg/s, > 0).
    temperature : float
        Bath temperature (K, > 0).
    initial : "equilibrium", float or array_like
        Boltzmann density of the first potential on the grid, all probability on the node
        nearest a position (m), or a (G,) density.
    grid : None, int, (lo, hi, n) or array_like
        The nodes (see :func:`make_nodes`).
    record_density : bool
        Keep the density at every grid time.

    Returns
    -------
    FokkerPlanckResult

    Raises
    ------
    ParameterError
        On a bad protocol, step, coefficient, start or grid.
    """
    _check_protocol(protocol)
    kT = thermal_energy(temperature)
    friction = positive("friction", friction)
    steps = protocol.grid(dt)
    nodes = make_nodes(protocol, kT, grid)
    h = float(nodes[1] - nodes[0])
    diffusion = kT / friction
    u_prev = protocol.potential(nodes, steps.times[0])
    p = _initial(initial, nodes, u_prev, kT)
    q = p.copy()
    z0 = _partition(u_prev, kT)
    n_tags = len(steps.names)
    work = np.zeros(n_tags)
    heat = np.zeros(n_tags)
    mean_x = np.empty(steps.n_steps + 1)
    mean_x[0] = p @ nodes
    history = np.empty((steps.n_steps + 1, nodes.size)) if record_density else None
    if history is not None:
        history[0] = p
    pq = np.empty((nodes.size, 2))
    prop = _Propagator(h, diffusion, kT)
    for k in range(steps.n_steps):
        u = protocol.potential(nodes, steps.times[k + 1])
        code = steps.codes[k]
        du = u - u_prev
        work[code] += p @ du
        q = q * np.exp(-du / kT)
        tau = steps.durations[k]
        if tau > 0:
            pq[:, 0], pq[:, 1] = p, q
            out = prop(u, tau, pq)
            p_new = np.clip(out[:, 0], 0.0, None)
            p_new /= p_new.sum()
            q = np.clip(out[:, 1], 0.0, None)
            heat[code] += (p - p_new) @ u
            p = p_new
        mean_x[k + 1] = p @ nodes
        if history is not None:
            history[k + 1] = p
        u_prev = u
    z1 = _partition(u_prev, kT)
    return FokkerPlanckResult(
        nodes=nodes, density=p,
        work={t: float(work[i]) for i, t in enumerate(steps.names)},
        heat={t: float(heat[i]) for i, t in enumerate(steps.names)},
        total_work=float(work.sum()), total_heat=float(heat.sum()),
        jarzynski=float(q.sum()), delta_f=float(-kT * (z1[1] - z0[1]) + (z1[0] - z0[0])),
        mean_position=mean_x, times=steps.times, history=history,
    )


class _Propagator:
    """``exp(K(u) tau) @ b`` by the symmetric eigendecomposition (see module docstring); the
    last potential's decomposition is kept."""

    def __init__(self, h: float, diffusion: float, kT: float):
        self.c = diffusion / (h * h)
        self.kT = kT
        self._key: bytes | None = None

    def __call__(self, u: np.ndarray, tau: float, b: np.ndarray) -> np.ndarray:
        key = u.tobytes()
        out = np.zeros_like(b)
        if key == self._key:  # a repeated potential (a hold): reuse the decomposition
            y = self._v.T @ (b[self._keep] / self._s)
            y *= np.exp(np.minimum(self._w, 0.0) * tau)[:, None]
            out[self._keep] = self._s * (self._v @ y)
            return out
        beta_u = (u - u.min()) / self.kT
        keep = np.flatnonzero(beta_u <= CUTOFF)
        bu = beta_u[keep]
        linked = np.diff(keep) == 1  # neighbours on the grid (a gap cuts the chain)
        du = np.where(linked, np.diff(bu) / 2.0, 0.0)
        up = np.where(linked, self.c * np.exp(-du), 0.0)
        down = np.where(linked, self.c * np.exp(du), 0.0)
        diag = np.zeros(keep.size)
        diag[:-1] -= up
        diag[1:] -= down
        if -diag.min() * tau <= TAYLOR_NORM:
            out[keep] = _taylor(diag, up, down, tau, b[keep])
            return out
        off = np.where(linked, self.c, 0.0)
        try:
            self._w, self._v = scipy.linalg.eigh_tridiagonal(diag, off, lapack_driver="stemr")
        except np.linalg.LinAlgError:  # MRRR can fail on graded matrices; implicit QL does not
            self._w, self._v = scipy.linalg.eigh_tridiagonal(diag, off, lapack_driver="stev")
        self._s = np.exp(-bu / 2.0)[:, None]
        self._keep = keep
        self._key = key
        return self(u, tau, b)


def _taylor(diag, up, down, tau, b):
    """``exp(K tau) b`` for the tridiagonal generator (``K[i+1, i] = up[i]``,
    ``K[i, i+1] = down[i]``): substeps with ``||K h||_1 <= 1``, each a Taylor series summed
    until its terms fall below 2**-56 of the sum (no cancellation: the terms are bounded by
    1/j!)."""
    n_sub = max(1, int(np.ceil(2.0 * -diag.min() * tau)))
    h = tau / n_sub
    acc = b.copy()
    for _ in range(n_sub):
        term = acc.copy()
        for j in range(1, 60):
            nxt = diag[:, None] * term
            nxt[1:] += up[:, None] * term[:-1]
            nxt[:-1] += down[:, None] * term[1:]
            term = nxt * (h / j)
            acc += term
            if np.abs(term).max() <= 1.4e-17 * np.abs(acc).max():
                break
    return acc


def _partition(u: np.ndarray, kT: float) -> tuple[float, float]:
    """``(u_min, ln Σ e^{-(u - u_min)/kT})`` so that ``ln Z = ln Σ - u_min/kT``."""
    m = float(u.min())
    return m, float(np.log(np.sum(np.exp(-(u - m) / kT))))


def first_passage_time(protocol, start: float, target: float, *, friction: float,
                       temperature: float = 300.0, t: float = 0.0, grid=None) -> float:
    """Mean first-passage time (s) of the SqRA chain in the frozen potential ``U(., t)`` from
    ``start`` to ``target`` (m): the backward equation ``Σ_j k(i->j)(τ_j - τ_i) = -1`` with
    ``τ = 0`` on the nodes at or beyond ``target``, reflecting at the far end; ``τ(start)`` by
    linear interpolation between nodes.

    Parameters
    ----------
    protocol : PolynomialProtocol or TabulatedProtocol
        The potential; only ``U(., t)`` is used.
    start, target : float
        Positions (m) inside the grid, ``start != target``.
    friction : float
        Friction ζ (kg/s, > 0).
    temperature : float
        Bath temperature (K, > 0).
    t : float
        Time (s) of the frozen potential.
    grid : None, int, (lo, hi, n) or array_like
        The nodes (see :func:`make_nodes`).

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        On a bad protocol, coefficient or grid, or positions outside the grid or equal.
    """
    _check_protocol(protocol)
    kT = thermal_energy(temperature)
    friction = positive("friction", friction)
    nodes = make_nodes(protocol, kT, grid)
    for name, x in (("start", start), ("target", target)):
        if not (np.isfinite(x) and nodes[0] <= x <= nodes[-1]):
            raise ParameterError(name, x, f"a position in [{nodes[0]:g}, {nodes[-1]:g}] m")
    if start == target:
        raise ParameterError("target", target, "a position different from start")
    u = protocol.potential(nodes, t)
    if target < start:  # mirror so that the target lies to the right
        nodes, u, start, target = -nodes[::-1], u[::-1], -start, -target
    h = float(nodes[1] - nodes[0])
    c = kT / friction / (h * h)
    du = np.diff(u) / (2.0 * kT)
    up, down = c * np.exp(-du), c * np.exp(du)  # up[i]: i -> i+1, down[i]: i+1 -> i
    n_free = int(np.searchsorted(nodes, target - 1e-9 * h, side="left"))
    if n_free < 1:
        raise ParameterError("target", target, "a position with grid nodes before it")
    # rows i < n_free: up_i (τ_{i+1} - τ_i) + down_{i-1} (τ_{i-1} - τ_i) = -1, τ_{n_free} = 0
    out_up = up[:n_free]
    out_down = np.concatenate([[0.0], down[: n_free - 1]])
    ab = np.zeros((3, n_free))
    ab[0, 1:] = out_up[:-1]
    ab[1] = -(out_up + out_down)
    ab[2, :-1] = out_down[1:]
    tau = scipy.linalg.solve_banded((1, 1), ab, -np.ones(n_free))
    tau = np.concatenate([tau, np.zeros(nodes.size - n_free)])
    return float(np.interp(start, nodes, tau))


def free_energy(protocol, t: float, *, temperature: float = 300.0) -> float:
    """``F(t) = -kT ln ∫ exp(-U(x, t)/kT) dx`` (J, with x in m) by adaptive quadrature
    (``scipy.integrate.quad`` over the ``equilibrium_range`` at a 60 kT margin): the closed
    form against which the grid and the engine are checked.

    Raises
    ------
    ParameterError
        On a bad protocol or temperature, or a non-confining polynomial.
    """
    _check_protocol(protocol)
    kT = thermal_energy(temperature)
    lo, hi = equilibrium_range(protocol, kT, t, 60.0)
    xs = np.linspace(lo, hi, 4001)
    u_min = float(protocol.potential(xs, t).min())

    def w(x):
        return float(np.exp(-(protocol.potential(x, t) - u_min) / kT))

    pts = xs[:: 400]
    total = 0.0
    for a, b in itertools.pairwise(pts):
        total += scipy.integrate.quad(w, a, b, epsabs=0.0, epsrel=1e-12, limit=200)[0]
    return u_min - kT * float(np.log(total))

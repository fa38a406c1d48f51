"""Arrays of particles in time-dependent one-dimensional potentials: the continuous engine.

``ParticleArray(n, friction=..., temperature=..., mass=None, integrator=..., seed=...)`` holds
positions (and velocities when underdamped); ``run(protocol, dt, initial=...)`` advances every
particle over the protocol's step grid and books Sekimoto work and heat per particle and per
tag (K. Sekimoto, Prog. Theor. Phys. Suppl. 130, 17 (1998), doi:10.1143/PTPS.130.17; THEORY.md
section 10) with the step order of the bit engine (``simcore.langevin.integrators``). Random
numbers are keyed by (seed, step, particle) (``simcore.langevin.normal``): a run's numbers do not
depend on the thread count, and consecutive runs continue the step counter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, one_of, positive, positive_int
from simcore.langevin.integrators import (
    Landscape,
    Stream,
    Tallies,
    overdamped_steps,
    underdamped_steps,
)
from simcore.langevin.normal import (
    ACCEPT_SLOT,
    LANGEVIN_DRAW,
    NOISE_SLOT,
    POSITION_SLOT,
    SLOT,
    VELOCITY_SLOT,
    normals_np,
    slot_streams,
)
from simcore.langevin.potential import (
    PolynomialProtocol,
    TabulatedProtocol,
    equilibrium_range,
)
from simcore.ledger import Estimate
from simcore.rng import MAX_CELLS, MAX_STEPS, check_seed, uniform

OVERDAMPED = ("euler", "mala")
UNDERDAMPED = ("baoab",)
#: Points of the grid on which an equilibrium start is sampled (inverse CDF).
EQUILIBRIUM_POINTS = 2**16


def _estimate(values: np.ndarray) -> Estimate:
    n = values.size
    se = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return Estimate(float(values.mean()), se, values)


@dataclass(frozen=True)
class LangevinResult:
    """What one run booked (energies in J, per particle).

    Attributes
    ----------
    work, heat : dict of str to Estimate
        Per tag: mean over particles, standard error and the per-particle values (N,).
    total_work, total_heat : Estimate
        Summed over tags.
    delta_e : numpy.ndarray
        (N,) energy change ``E(end) - E(start)`` (potential, plus kinetic when underdamped).
    first_law_residual : float
        ``max |ΔE - (W - Q)|`` over particles (J): float round-off only.
    positions, velocities : numpy.ndarray
        (N,) final positions (m) and velocities (m/s; None when overdamped).
    acceptance : float
        Fraction of accepted MALA moves (1.0 for the other integrators).
    n_steps : int
        Steps of the grid.
    """

    work: dict[str, Estimate]
    heat: dict[str, Estimate]
    total_work: Estimate
    total_heat: Estimate
    delta_e: np.ndarray = field(repr=False)
    first_law_residual: float
    positions: np.ndarray = field(repr=False)
    velocities: np.ndarray | None = field(repr=False)
    acceptance: float
    n_steps: int


class ParticleArray:
    """N independent particles in a one-dimensional potential, in contact with a bath.

    Overdamped: ``ζ dx = -∂_x U dt + sqrt(2 ζ kT) dW``; underdamped (``mass`` given):
    ``m dv = -∂_x U dt - ζ v dt + sqrt(2 ζ kT) dW``.

    Parameters
    ----------
    n_particles : int
        Number of particles N, 1 <= N <= 2**32.
    friction : float
        Friction coefficient ζ (kg/s, > 0).
    temperature : float
        Bath temperature T (K, > 0).
    mass : float, optional
        Particle mass m (kg, > 0); None (default) for overdamped dynamics.
    integrator : str, optional
        ``"euler"`` (default overdamped) or ``"mala"``; ``"baoab"`` (the only underdamped
        one, the default with a mass).
    seed : int
        Root seed in [0, 2**64).

    Raises
    ------
    ParameterError
        On a bad count, coefficient, seed or an integrator that does not fit the dynamics.
    """

    def __init__(self, n_particles: int, *, friction: float, temperature: float = 300.0,
                 mass: float | None = None, integrator: str | None = None, seed: int = 0):
        self.n = positive_int("n_particles", n_particles, MAX_CELLS)
        self.friction = positive("friction", friction)
        self.temperature = positive("temperature", temperature)
        self.kT = thermal_energy(self.temperature)
        self.mass = None if mass is None else positive("mass", mass)
        allowed = OVERDAMPED if self.mass is None else UNDERDAMPED
        if integrator is None:
            integrator = allowed[0]
        self.integrator = one_of("integrator", integrator, allowed)
        self.seed = check_seed(seed)
        self.positions = np.zeros(self.n)
        self.velocities = None if self.mass is None else np.zeros(self.n)
        self.step_count = 0
        self._streams = {s: slot_streams(self.seed, s) for s in (NOISE_SLOT, ACCEPT_SLOT)}

    def _stream(self, slot: int) -> Stream:
        keys, gammas = self._streams[slot]
        return Stream(keys, gammas, np.uint64(self.seed),
                      np.uint64(LANGEVIN_DRAW + slot * SLOT), np.uint64(self.step_count))

    # ------------------------------------------------------------------ initial states
    def sample_equilibrium(self, protocol, t: float = 0.0) -> np.ndarray:
        """Positions (N,) in m drawn from the Boltzmann density of ``U(., t)`` (inverse CDF on
        ``EQUILIBRIUM_POINTS`` cells; the uniform of particle p is keyed by
        (seed, current step, p) in the position slot)."""
        lo, hi = equilibrium_range(protocol, self.kT, t)
        edges = np.linspace(lo, hi, EQUILIBRIUM_POINTS + 1)
        mid = 0.5 * (edges[1:] + edges[:-1])
        u = protocol.potential(mid, t)
        w = np.exp(-(u - u.min()) / self.kT)
        cdf = np.concatenate([[0.0], np.cumsum(w)])
        cdf /= cdf[-1]
        r = uniform(self.seed, self.step_count, np.arange(self.n),
                    LANGEVIN_DRAW + POSITION_SLOT * SLOT)
        return np.interp(r, cdf, edges)

    def sample_maxwell(self) -> np.ndarray:
        """Velocities (N,) in m/s from the Maxwell distribution (velocity slot normals)."""
        if self.mass is None:
            raise ParameterError("mass", None, "a mass (underdamped array) for velocities")
        z = normals_np(self.seed, VELOCITY_SLOT, self.step_count, np.arange(self.n))
        return z * np.sqrt(self.kT / self.mass)

    # ------------------------------------------------------------------ running
    def run(self, protocol, dt: float, *, initial=None, velocity=None) -> LangevinResult:
        """Advance every particle over the step grid of ``protocol`` (see module docstring).

        Parameters
        ----------
        protocol : PolynomialProtocol or TabulatedProtocol
            The potential over time.
        dt : float
            Time step (s, > 0); the grid also has a point at every knot.
        initial : None, float, array_like or "equilibrium"
            Start positions (m): None keeps the current ones, a number or (N,) array sets them,
            ``"equilibrium"`` samples the Boltzmann density of the first potential.
        velocity : None, float, array_like or "maxwell"
            Start velocities (m/s, underdamped only): None keeps the current ones (zero at
            first), ``"maxwell"`` samples the Maxwell distribution.

        Returns
        -------
        LangevinResult

        Raises
        ------
        ParameterError
            On a bad protocol, step, start or velocity, or a run past 2**32 steps.
        """
        if not isinstance(protocol, PolynomialProtocol | TabulatedProtocol):
            raise ParameterError("protocol", protocol,
                                 "a PolynomialProtocol or TabulatedProtocol")
        grid = protocol.grid(dt)
        if self.step_count + grid.n_steps > MAX_STEPS:
            raise ParameterError("dt", dt, f"a step keeping the array's total steps below"
                                           f" 2**32 (now {self.step_count})")
        x = self._initial_positions(protocol, initial)
        v = self._initial_velocities(velocity)
        if isinstance(protocol, PolynomialProtocol):
            # below degree 4 the coefficients get zero leading terms: Horner's rule gives the
            # same numbers through them, and the kernel's quartic loop serves every such well
            c = protocol.coefficients
            c = np.pad(c, ((0, 0), (0, max(0, 5 - c.shape[1]))))
            land = Landscape(0, np.ascontiguousarray(c), np.zeros((1, 1)),
                             0.0, 1.0, 0.0, grid.knot, grid.frac, grid.durations, grid.codes)
        else:
            land = Landscape(1, np.zeros((2, 1)), np.ascontiguousarray(protocol.values),
                             float(protocol.positions[0]), protocol.spacing, protocol.wall,
                             grid.knot, grid.frac, grid.durations, grid.codes)
        n_tags = len(grid.names)
        tally = Tallies(np.zeros((n_tags, self.n)), np.zeros((n_tags, self.n)),
                        np.zeros(self.n), np.zeros(self.n), np.zeros(self.n, dtype=np.int64))
        if self.mass is None:
            overdamped_steps(x, land, self._stream(NOISE_SLOT), self._stream(ACCEPT_SLOT),
                             1.0 / self.friction, self.kT, self.integrator == "mala", tally)
        else:
            underdamped_steps(x, v, land, self._stream(NOISE_SLOT), self.mass,
                              self.friction / self.mass, self.kT, tally)
        self.positions = x
        self.velocities = v
        self.step_count += grid.n_steps
        w = tally.work.sum(axis=0)
        q = tally.heat.sum(axis=0)
        de = tally.e_end - tally.e_start
        moving = int(np.count_nonzero(grid.durations > 0))
        acceptance = (float(tally.accepted.sum()) / (moving * self.n)
                      if self.integrator == "mala" and moving else 1.0)
        return LangevinResult(
            work={t: _estimate(tally.work[i]) for i, t in enumerate(grid.names)},
            heat={t: _estimate(tally.heat[i]) for i, t in enumerate(grid.names)},
            total_work=_estimate(w), total_heat=_estimate(q), delta_e=de,
            first_law_residual=float(np.max(np.abs(de - (w - q)))),
            positions=x.copy(), velocities=None if v is None else v.copy(),
            acceptance=acceptance, n_steps=grid.n_steps,
        )

    def _initial_positions(self, protocol, initial) -> np.ndarray:
        if initial is None:
            x = self.positions
        elif isinstance(initial, str):
            if initial != "equilibrium":
                raise ParameterError("initial", initial,
                                     "None, positions (m) or 'equilibrium'")
            x = self.sample_equilibrium(protocol)
        else:
            x = _finite_or_error("initial", initial, self.n, "m")
        return np.array(x, dtype=np.float64, copy=True)

    def _initial_velocities(self, velocity):
        if self.mass is None:
            if velocity is not None:
                raise ParameterError("velocity", velocity, "None for an overdamped array")
            return None
        if velocity is None:
            v = self.velocities
        elif isinstance(velocity, str):
            if velocity != "maxwell":
                raise ParameterError("velocity", velocity, "None, velocities (m/s) or 'maxwell'")
            v = self.sample_maxwell()
        else:
            v = _finite_or_error("velocity", velocity, self.n, "m/s")
        return np.array(v, dtype=np.float64, copy=True)


def _finite_or_error(name: str, value, n: int, unit: str) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, value, f"a number or an ({n},) array in {unit}") from None
    if a.shape not in ((), (n,)) or not np.all(np.isfinite(a)):
        raise ParameterError(name, value, f"a finite number or an ({n},) array in {unit}")
    return np.broadcast_to(a, (n,))

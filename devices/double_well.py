"""Overdamped particle in a tilted quartic double well, reduced to a two-level cell.

Potential ``U(x) = E_B [(x/x0)^2 - 1]^2 - F x`` (J): wells near ``x = ∓x0`` (levels 0 and 1),
barrier ``E_B`` at ``x = 0`` when untilted; the control is the tilting force ``F`` (N), with
``F > 0`` lowering the right well (level 1). The dynamics is overdamped Langevin with friction
``ζ`` (kg/s): ``ζ dx = -U'(x) dt + sqrt(2 ζ kT) dW``.

Two-level reduction (Kramers' high-friction limit): the escape rate from well i is

    k_i = sqrt(U''(x_i) |U''(x_b)|) / (2π ζ) · exp(-(U(x_b) - U(x_i)) / kT),

H. A. Kramers, Physica 7, 284 (1940), doi:10.1016/S0031-8914(40)90098-2; P. Hänggi, P. Talkner
and M. Borkovec, Rev. Mod. Phys. 62, 251 (1990), doi:10.1103/RevModPhys.62.251 (eq. 4.5b).
:meth:`DoubleWell.landscape` chooses level energies and saddle so that the engine's arrhenius
rates are exactly these Kramers rates: each well is represented by its harmonic free energy
``U(x_i) + (kT/2) ln(U''(x_i)/κ_w)`` and the saddle by ``U(x_b) - (kT/2) ln(|U''(x_b)|/κ_b)``,
with ``κ_w = 8 E_B/x0²``, ``κ_b = 4 E_B/x0²`` the untilted curvatures, and the attempt
frequency ``f0 = sqrt(κ_w κ_b)/(2π ζ)``. Untilted, this is ``bit_landscape(E_B, 0)``.

The exact mean first-passage time of the one-dimensional diffusion (C. W. Gardiner, *Handbook of
Stochastic Methods*, 3rd ed., Springer 2004, eq. 5.2.158; Hänggi et al. 1990, eq. 4.3)

    T(a -> b) = (ζ/kT) ∫_a^b dy exp(U(y)/kT) ∫_{-∞}^y dz exp(-U(z)/kT)        (a < b)

is evaluated by quadrature; Kramers' ``1/k`` is its Laplace asymptote, and for this potential
``T(-x0 -> +x0) · k = 1 + (3/8) kT/E_B + O((kT/E_B)^2)`` (the two Laplace corrections,
3/16 from the well's anharmonicity and 3/16 from the barrier's, derived in docs/devices.md).
:meth:`DoubleWell.langevin_first_passage` samples first-passage times with an Euler–Maruyama
Numba kernel driven by the counter-based generator of :mod:`simcore.rng`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from devices.parameters import (
    Controlled,
    device_model,
    quantity,
    require_fields,
    require_in,
    require_positive,
)
from simcore._jit import pjit
from simcore.constants import kT as thermal_energy
from simcore.draws import LANGEVIN
from simcore.errors import positive_int
from simcore.rng import bits, check_seed, stream, to_unit

#: Default Euler–Maruyama step in units of the well relaxation time ζ/U''(x0).
DEFAULT_STEP = 0.01
#: The two Box-Muller streams of the first-passage runs (``simcore.draws.LANGEVIN``).
LANGEVIN_DRAWS = (LANGEVIN[0], LANGEVIN[1])


@device_model
class DoubleWell(Controlled):
    """Quartic double well ``U(x) = E_B [(x/x0)^2 - 1]^2 - F x`` with overdamped friction."""

    barrier: float = quantity("J", "barrier height E_B of the untilted well")
    half_width: float = quantity("m", "well position x0 (wells at ±x0)", default=1e-9)
    friction: float = quantity("kg/s", "friction coefficient ζ of the overdamped coordinate")

    n_levels = 2

    def __post_init__(self):
        require_fields(self, "barrier", "half_width", "friction")

    # ------------------------------------------------------------------ geometry
    @property
    def critical_force(self) -> float:
        """Force (N) at which one well and the barrier merge: ``8 E_B / (3√3 x0)``."""
        return 8.0 * self.barrier / (3.0 * math.sqrt(3.0) * self.half_width)

    @property
    def well_curvature(self) -> float:
        """``U''(±x0) = 8 E_B/x0²`` of the untilted well (J/m²)."""
        return 8.0 * self.barrier / self.half_width**2

    @property
    def barrier_curvature(self) -> float:
        """``|U''(0)| = 4 E_B/x0²`` of the untilted barrier (J/m²)."""
        return 4.0 * self.barrier / self.half_width**2

    @property
    def attempt_frequency(self) -> float:
        """Kramers prefactor of the untilted well, ``sqrt(U''(x0)|U''(0)|)/(2π ζ)`` (Hz)."""
        return math.sqrt(self.well_curvature * self.barrier_curvature) / (
            2 * math.pi * self.friction
        )

    @property
    def time_unit(self) -> float:
        """Relaxation time ``ζ/U''(x0)`` of the untilted well (s)."""
        return self.friction / self.well_curvature

    @property
    def control_range(self) -> tuple[float, float]:
        """Forces (N) just inside ``±critical_force``, where both wells exist."""
        fc = self.critical_force * (1.0 - 1e-9)
        return -fc, fc

    def check_force(self, force: float) -> float:
        """``force`` (N) if both wells exist (|F| < critical force), else ParameterError."""
        fc = self.critical_force
        return require_in("force", force, -fc, fc, "N", low_open=True, high_open=True)

    def potential(self, x, force: float = 0.0):
        """``U(x)`` in J for positions ``x`` in m."""
        u = np.asarray(x, dtype=np.float64) / self.half_width
        return self.barrier * (u * u - 1.0) ** 2 - force * np.asarray(x, dtype=np.float64)

    def curvature(self, x):
        """``U''(x)`` in J/m² (the tilt does not change it)."""
        u = np.asarray(x, dtype=np.float64) / self.half_width
        return self.barrier * (12.0 * u * u - 4.0) / self.half_width**2

    def stationary_points(self, force: float = 0.0) -> tuple[float, float, float]:
        """``(x_left_well, x_barrier, x_right_well)`` in m: roots of ``u^3 - u = F x0/(4 E_B)``."""
        force = self.check_force(force)
        c = force * self.half_width / (4.0 * self.barrier)
        # trigonometric roots of the depressed cubic u^3 - u - c = 0 (three real roots)
        theta = math.acos(c * 1.5 * math.sqrt(3.0))
        r = 2.0 / math.sqrt(3.0)
        roots = sorted(r * math.cos((theta - 2 * math.pi * k) / 3.0) for k in range(3))
        return tuple(self.half_width * u for u in roots)  # type: ignore[return-value]

    # ------------------------------------------------------------------ two-level reduction
    def kramers_rates(self, temperature: float = 300.0, force: float = 0.0):
        """Kramers escape rates ``(k01, k10)`` in 1/s: left -> right and right -> left."""
        kt = thermal_energy(temperature)
        xl, xb, xr = self.stationary_points(force)
        ub, kb = float(self.potential(xb, force)), abs(float(self.curvature(xb)))
        out = []
        for x in (xl, xr):
            pref = math.sqrt(float(self.curvature(x)) * kb) / (2 * math.pi * self.friction)
            out.append(pref * math.exp(-(ub - float(self.potential(x, force))) / kt))
        return out[0], out[1]

    def landscape(self, control: float = 0.0, temperature: float = 300.0):
        """Two-level landscape ``(energies (2,), saddles (1,))`` in J at tilting force
        ``control`` (N), whose arrhenius rates with :attr:`attempt_frequency` are exactly the
        Kramers rates (see module docstring)."""
        kt = thermal_energy(temperature)
        xl, xb, xr = self.stationary_points(control)
        kw, kb = self.well_curvature, self.barrier_curvature
        energies = np.array(
            [
                float(self.potential(x, control))
                + 0.5 * kt * math.log(float(self.curvature(x)) / kw)
                for x in (xl, xr)
            ]
        )
        saddle = float(self.potential(xb, control)) - 0.5 * kt * math.log(
            abs(float(self.curvature(xb))) / kb
        )
        return energies, np.array([saddle])

    def force_for_tilt(self, tilt: float) -> float:
        """Force (N) giving ``U(left well) - U(right well) ≈ tilt`` (J), to first order:
        ``F = tilt / (2 x0)``."""
        return self.check_force(tilt / (2.0 * self.half_width))

    # ------------------------------------------------------------------ exact 1-D MFPT
    def mean_first_passage_time(self, start: float, target: float, temperature: float = 300.0,
                                force: float = 0.0, *, points: int = 200_001) -> float:
        """Exact mean first-passage time (s) from ``start`` to ``target`` (m), by quadrature of
        the double integral of the module docstring (reflecting at the far side)."""
        kt = thermal_energy(temperature)
        force = self.check_force(force)
        points = positive_int("points", points)
        if start == target:
            return 0.0
        n_b = self.barrier / kt
        phi = force * self.half_width / kt
        a, b = start / self.half_width, target / self.half_width
        if b < a:  # mirror so that the target lies to the right
            a, b, phi = -a, -b, -phi

        def beta_u(u):
            return n_b * (u * u - 1.0) ** 2 - phi * u

        lo = min(a, -1.0) - 0.5
        floor = min(beta_u(np.linspace(lo, b, 2001)))
        while beta_u(lo) - floor < 50.0:
            lo -= 0.25
        u = np.linspace(lo, b, points)
        bu = beta_u(u)
        inner = _cumulative_trapezoid(np.exp(-(bu - bu.min())), u)
        keep = u >= a
        outer_f = np.exp(bu[keep] - bu[keep].max()) * inner[keep]
        outer = np.trapezoid(outer_f, u[keep])
        tau = self.friction * self.half_width**2 / kt
        return float(tau * outer * math.exp(bu[keep].max() - bu.min()))

    # ------------------------------------------------------------------ Langevin sampling
    def langevin_first_passage(self, start: float, target: float, *, temperature: float = 300.0,
                               force: float = 0.0, n_particles: int = 1000,
                               dt: float | None = None, max_time: float | None = None,
                               seed: int = 0) -> np.ndarray:
        """First-passage times (s) from ``start`` to ``target`` (m) of ``n_particles``
        independent overdamped Langevin particles (Euler–Maruyama, step ``dt`` s; default
        ``0.01 ζ/U''(x0)``). Particle ``p``'s normals come from ``simcore.rng`` streams
        ``(seed, d)``, ``d`` in ``LANGEVIN_DRAWS``, at counter ``(pair, p)`` (Box–Muller), so
        each particle can be replayed alone and results do not depend on the thread count. A
        particle that has not arrived by ``max_time`` (default 10^4 Kramers times) gets ``inf``."""
        kt = thermal_energy(temperature)
        force = self.check_force(force)
        n = positive_int("n_particles", n_particles, 2**32)
        seed = check_seed(seed)
        dt = self.time_unit * DEFAULT_STEP if dt is None else require_positive("dt", dt, "s")
        if max_time is None:
            k01, k10 = self.kramers_rates(temperature, force)
            max_time = 1e4 / min(k01, k10)
        max_time = require_positive("max_time", max_time, "s")
        tau = self.friction * self.half_width**2 / kt
        ds = dt / tau
        max_pairs = int(min(math.ceil(max_time / dt / 2.0), 2**32 - 1))
        if start == target:
            return np.zeros(n)
        key1, g1 = stream(seed, LANGEVIN_DRAWS[0])
        key2, g2 = stream(seed, LANGEVIN_DRAWS[1])
        steps = np.empty(n, dtype=np.int64)
        _first_passage_steps(
            self.barrier / kt,
            force * self.half_width / kt,
            start / self.half_width,
            target / self.half_width,
            ds,
            max_pairs,
            key1,
            g1,
            key2,
            g2,
            steps,
        )
        out = steps.astype(np.float64) * dt
        out[steps < 0] = np.inf
        return out


def _cumulative_trapezoid(f: np.ndarray, x: np.ndarray) -> np.ndarray:
    out = np.empty_like(f)
    out[0] = 0.0
    np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(x), out=out[1:])
    return out


@pjit
def _first_passage_steps(n_b, phi, u_start, u_target, ds, max_pairs, key1, g1, key2, g2, steps):
    """Euler–Maruyama in reduced units (u = x/x0, s = t kT/(ζ x0²)):
    ``u += -(4 n_b u (u² - 1) - φ) ds + sqrt(2 ds) ξ``; ``steps[p]`` = steps until ``u``
    first reaches ``u_target`` (-1 if not within ``2 max_pairs`` steps)."""
    sq = math.sqrt(2.0 * ds)
    two_pi = 2.0 * math.pi
    up = u_target > u_start
    for p in prange(steps.shape[0]):
        u = u_start
        result = -1
        for j in range(max_pairs):
            a = to_unit(bits(key1, g1, j, p))
            b = to_unit(bits(key2, g2, j, p))
            r = math.sqrt(-2.0 * math.log(1.0 - a))
            z0 = r * math.cos(two_pi * b)
            z1 = r * math.sin(two_pi * b)
            u += -(4.0 * n_b * u * (u * u - 1.0) - phi) * ds + sq * z0
            if (u >= u_target) if up else (u <= u_target):
                result = 2 * j + 1
                break
            u += -(4.0 * n_b * u * (u * u - 1.0) - phi) * ds + sq * z1
            if (u >= u_target) if up else (u <= u_target):
                result = 2 * j + 2
                break
        steps[p] = result

"""Time-dependent one-dimensional potentials for the continuous engine.

Two kinds, both linear in time between knots (as :class:`simcore.protocol.Protocol` is), with
one tag per segment and the same step grid (a point at every ``t0 + n dt`` and at every knot):

- :class:`PolynomialProtocol` ``(times, coefficients, tags)``: row k holds ``c_0 ... c_d`` of
  ``U(x) = Σ c_i x^i`` (J/m^i) at knot k; between knots the *coefficients* are interpolated
  linearly (so ``U`` is too). Double wells, tilts, harmonic traps and asymmetric wells.
- :class:`TabulatedProtocol` ``(times, positions, values, tags)``: ``U`` (J) on a uniform grid of
  positions (m) at every knot, for device landscapes. In space, a cubic Hermite interpolant with
  centred-difference slopes (Catmull–Rom; C¹, so the force is continuous); beyond the grid the
  potential continues with its end slope plus a harmonic wall ``wall/2 d²`` (d the distance
  past the end). In time, the interpolants of the two neighbouring knots are mixed linearly.

Interpolation in time follows ``simcore.protocol._lerp``: ``a + (b - a) f`` for ``f < 1`` and
exactly ``b`` at the knot, so a coefficient (or tabulated value) that does not change stays
bit-identical and does exactly zero work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simcore.errors import ParameterError, finite_array, positive
from simcore.langevin.integrators import hermite_cubic
from simcore.protocol import DEFAULT_TAG, Knotted, Protocol, check_tags, check_times

#: Highest polynomial degree accepted (a quartic is degree 4).
MAX_DEGREE = 8


def quartic_coefficients(barrier: float, half_width: float, force: float = 0.0) -> np.ndarray:
    """Coefficients ``c_0 ... c_4`` of ``U(x) = E_B [(x/x0)^2 - 1]^2 - F x`` (the
    :class:`devices.DoubleWell` potential).

    Parameters
    ----------
    barrier : float
        Barrier height ``E_B`` of the untilted well (J, finite).
    half_width : float
        Well position ``x0`` (m, > 0).
    force : float
        Tilting force ``F`` (N); ``F > 0`` lowers the right well.

    Returns
    -------
    numpy.ndarray
        (5,) coefficients in J/m^i.

    Raises
    ------
    ParameterError
        If ``half_width`` is not positive or a value is not finite.
    """
    x0 = positive("half_width", half_width)
    eb = float(finite_array("barrier", barrier, ()))
    f = float(finite_array("force", force, ()))
    return np.array([eb, -f, -2.0 * eb / x0**2, 0.0, eb / x0**4])


def harmonic_coefficients(stiffness: float, centre: float = 0.0) -> np.ndarray:
    """Coefficients ``c_0, c_1, c_2`` of ``U(x) = κ/2 (x - x_c)^2``.

    Parameters
    ----------
    stiffness : float
        Trap stiffness ``κ`` (J/m², > 0).
    centre : float
        Trap centre ``x_c`` (m).

    Returns
    -------
    numpy.ndarray
        (3,) coefficients in J/m^i.

    Raises
    ------
    ParameterError
        If ``stiffness`` is not positive or ``centre`` is not finite.
    """
    k = positive("stiffness", stiffness)
    c = float(finite_array("centre", centre, ()))
    return np.array([0.5 * k * c * c, -k * c, 0.5 * k])


@dataclass(frozen=True)
class PotentialGrid:
    """A protocol sampled on its step grid: grid ``times`` (S+1,) in s, ``durations`` (S,) in s,
    ``knot`` (S+1,) the segment's first knot of each grid point and ``frac`` (S+1,) its position
    in the segment (``frac >= 1`` means exactly the next knot), tag ``names`` and each step's
    tag ``codes`` (S,)."""

    times: np.ndarray
    durations: np.ndarray
    knot: np.ndarray
    frac: np.ndarray
    names: tuple[str, ...]
    codes: np.ndarray

    @property
    def n_steps(self) -> int:
        return self.durations.size


class _TimeDependent(Knotted):
    """What both potential kinds share: knots, tags (``simcore.protocol.Knotted``) and the step
    grid."""

    __slots__ = ()
    _values: np.ndarray

    def grid(self, dt: float) -> PotentialGrid:
        """The step grid for time step ``dt`` (s), by the rule of ``Protocol.grid``.

        Raises
        ------
        ParameterError
            If ``dt`` is not a positive number or gives more than 2**31 steps.
        """
        k = self._t.size
        clock = Protocol(self._t, np.zeros((k, 2)), np.zeros((k, 1)), self._tags)
        g = clock.grid(dt)
        names, codes = g.tag_codes()
        seg, frac = g.knots(0, g.n_steps)
        return PotentialGrid(
            times=g.times, durations=g.durations, knot=seg.astype(np.int64),
            frac=frac.astype(np.float64), names=names, codes=codes.astype(np.int64),
        )

    def _at(self, t: float) -> tuple[int, float]:
        """Segment and fraction of time ``t`` (s), clamped to the protocol's span."""
        t = float(t)
        if not np.isfinite(t):
            raise ParameterError("t", t, "a finite time (s)")
        if t <= self._t[0]:
            return 0, 0.0
        if t >= self._t[-1]:
            return self._t.size - 2, 1.0
        a = int(np.searchsorted(self._t, t, side="right")) - 1
        a = min(a, self._t.size - 2)
        span = self._t[a + 1] - self._t[a]
        return a, (1.0 if span <= 0 else (t - self._t[a]) / span)


class PolynomialProtocol(_TimeDependent):
    """``U(x, t) = Σ_i c_i(t) x^i`` with coefficients linear in time between knots.

    Parameters
    ----------
    times : array_like
        (K,) non-decreasing knot times (s), K >= 2; two equal times make an instantaneous
        change (pure work).
    coefficients : array_like
        (K, d+1) rows ``c_0 ... c_d`` (J/m^i) at each knot, 1 <= d <= ``MAX_DEGREE``.
    tags : sequence of str or str, optional
        (K-1,) tag of each segment (one string: all segments).

    Raises
    ------
    ParameterError
        On a shape, ordering or finiteness violation, or a bad tag.
    """

    kind = 0

    __slots__ = ("_t", "_tags", "_values")

    def __init__(self, times, coefficients, tags: Sequence[str] | str | None = None):
        t = check_times(times)
        c = np.asarray(coefficients, dtype=np.float64)
        if c.ndim != 2 or not 2 <= c.shape[1] <= MAX_DEGREE + 1:
            raise ParameterError(
                "coefficients", coefficients,
                f"an array of shape (K, d+1) with 1 <= d <= {MAX_DEGREE} (J/m^i)",
            )
        c = finite_array("coefficients", c, (t.size, c.shape[1]))
        self._tags = check_tags(tags, t.size)
        for a in (t, c):
            a.flags.writeable = False
        self._t, self._values = t, c

    @classmethod
    def constant(cls, coefficients, duration: float, tag: str = DEFAULT_TAG):
        """One polynomial held for ``duration`` s."""
        c = np.asarray(coefficients, dtype=np.float64)
        return cls([0.0, positive("duration", duration)], [c, c], [tag])

    @classmethod
    def ramp(cls, start, end, duration: float, tag: str = DEFAULT_TAG):
        """Coefficients ramped linearly from ``start`` to ``end`` over ``duration`` s."""
        return cls([0.0, positive("duration", duration)], [start, end], [tag])

    def then(self, other: PolynomialProtocol) -> PolynomialProtocol:
        """This protocol followed by ``other`` (shifted in time; a jump between a different end
        and start is an instantaneous segment tagged like ``other``'s first)."""
        if not isinstance(other, PolynomialProtocol) or other.degree != self.degree:
            raise ParameterError("other", other, f"a PolynomialProtocol of degree {self.degree}")
        shift = self._t[-1] - other._t[0]
        same = np.array_equal(self._values[-1], other._values[0])
        skip = 1 if same else 0
        return PolynomialProtocol(
            np.concatenate([self._t, other._t[skip:] + shift]),
            np.concatenate([self._values, other._values[skip:]]),
            list(self._tags) + ([] if same else [other._tags[0]]) + list(other._tags),
        )

    def ramp_to(self, coefficients, duration: float, tag: str = DEFAULT_TAG):
        """Append a linear ramp from the last polynomial to ``coefficients``."""
        return self.then(PolynomialProtocol.ramp(self._values[-1], coefficients, duration, tag))

    def hold(self, duration: float, tag: str = "hold"):
        """Append a segment holding the last polynomial for ``duration`` s."""
        return self.then(PolynomialProtocol.constant(self._values[-1], duration, tag))

    @property
    def coefficients(self) -> np.ndarray:
        """(K, d+1) coefficients (J/m^i)."""
        return self._values

    @property
    def degree(self) -> int:
        return self._values.shape[1] - 1

    def coefficients_at(self, t: float) -> np.ndarray:
        """Coefficients (d+1,) at time ``t`` (s), by the interpolation rule of the engine."""
        a, f = self._at(t)
        ca, cb = self._values[a], self._values[a + 1]
        return cb.copy() if f >= 1.0 else ca + (cb - ca) * f

    def potential(self, x, t: float = 0.0) -> np.ndarray:
        """``U(x, t)`` in J at positions ``x`` (m, any shape), by Horner's rule."""
        c = self.coefficients_at(t)
        x = np.asarray(x, dtype=np.float64)
        u = np.full(x.shape, c[-1])
        for ci in c[-2::-1]:
            u = u * x + ci
        return u

    def force(self, x, t: float = 0.0) -> np.ndarray:
        """``-∂U/∂x`` in N at positions ``x`` (m)."""
        c = self.coefficients_at(t)
        x = np.asarray(x, dtype=np.float64)
        d = np.arange(1, c.size) * c[1:]
        g = np.full(x.shape, d[-1])
        for di in d[-2::-1]:
            g = g * x + di
        return -g

    def __repr__(self) -> str:
        return (f"PolynomialProtocol(degree={self.degree}, knots={self._t.size},"
                f" duration={self.duration:g} s, tags={sorted(set(self._tags))})")


class TabulatedProtocol(_TimeDependent):
    """``U(x, t)`` tabulated on a uniform grid of positions at every knot (see module docs).

    Parameters
    ----------
    times : array_like
        (K,) non-decreasing knot times (s), K >= 2.
    positions : array_like
        (G,) uniformly spaced, increasing positions (m), G >= 4.
    values : array_like
        (K, G) potential (J) at each knot and position.
    tags : sequence of str or str, optional
        (K-1,) tag of each segment.
    wall : float, optional
        Curvature (J/m², >= 0) of the harmonic wall beyond the grid's ends; default the
        largest ``|U''|`` of the table (by second differences).

    Raises
    ------
    ParameterError
        On a shape, spacing, ordering or finiteness violation, or a bad tag.
    """

    kind = 1

    __slots__ = ("_h", "_t", "_tags", "_values", "_wall", "_x")

    def __init__(self, times, positions, values, tags=None, *, wall: float | None = None):
        t = check_times(times)
        x = np.asarray(positions, dtype=np.float64)
        if x.ndim != 1 or x.size < 4 or not np.all(np.isfinite(x)):
            raise ParameterError("positions", positions, "a 1-D array of >= 4 finite points (m)")
        h = np.diff(x)
        if np.any(h <= 0) or np.ptp(h) > 1e-9 * h.mean():
            raise ParameterError("positions", positions, "uniformly spaced increasing points")
        v = finite_array("values", values, (t.size, x.size))
        hh = float((x[-1] - x[0]) / (x.size - 1))
        if wall is None:
            wall = float(np.max(np.abs(np.diff(v, 2, axis=1)))) / hh**2
        else:
            wall = float(wall)
            if not (np.isfinite(wall) and wall >= 0):
                raise ParameterError("wall", wall, "a finite curvature >= 0 (J/m²)")
        self._tags = check_tags(tags, t.size)
        for a in (t, x, v):
            a.flags.writeable = False
        self._t, self._x, self._values, self._h, self._wall = t, x, v, hh, wall

    @property
    def positions(self) -> np.ndarray:
        return self._x

    @property
    def values(self) -> np.ndarray:
        return self._values

    @property
    def spacing(self) -> float:
        return self._h

    @property
    def wall(self) -> float:
        return self._wall

    def _eval(self, row: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return hermite_np(row, self._x[0], self._h, self._wall, x)

    def _mix(self, x, t):
        a, f = self._at(t)
        x = np.asarray(x, dtype=np.float64)
        ua, da = self._eval(self._values[a], x)
        if f >= 1.0:
            return self._eval(self._values[a + 1], x)
        ub, db = self._eval(self._values[a + 1], x)
        return ua + (ub - ua) * f, da + (db - da) * f

    def potential(self, x, t: float = 0.0) -> np.ndarray:
        """``U(x, t)`` in J at positions ``x`` (m, any shape)."""
        return self._mix(x, t)[0]

    def force(self, x, t: float = 0.0) -> np.ndarray:
        """``-∂U/∂x`` in N at positions ``x`` (m)."""
        return -self._mix(x, t)[1]

    def __repr__(self) -> str:
        return (f"TabulatedProtocol(points={self._x.size}, knots={self._t.size},"
                f" duration={self.duration:g} s, tags={sorted(set(self._tags))})")


def hermite_np(row, x0, h, wall, x):
    """NumPy twin of the kernels' tabulated-potential evaluation: ``(U, dU/dx)`` of the cubic
    Hermite interpolant of ``row`` (G,) on ``x0 + i h`` with Catmull–Rom slopes, continued
    beyond the ends by the end slope and a wall of curvature ``wall``."""
    row = np.asarray(row, dtype=np.float64)
    g = row.size
    x = np.asarray(x, dtype=np.float64)
    s = (x - x0) / h
    fs = np.clip(np.floor(s), 0.0, float(g - 2))
    i = fs.astype(np.int64)
    t = s - fs
    u, du = hermite_cubic(row[i], row[i + 1], _slope(row, i, h), _slope(row, i + 1, h), t, h)
    lo_d = x - x0
    hi_d = x - (x0 + (g - 1) * h)
    m_lo, m_hi = _slope(row, np.int64(0), h), _slope(row, np.int64(g - 1), h)
    u = np.where(lo_d < 0, row[0] + m_lo * lo_d + 0.5 * wall * lo_d * lo_d, u)
    du = np.where(lo_d < 0, m_lo + wall * lo_d, du)
    u = np.where(hi_d > 0, row[-1] + m_hi * hi_d + 0.5 * wall * hi_d * hi_d, u)
    du = np.where(hi_d > 0, m_hi + wall * hi_d, du)
    return u, du


def _slope(row, i, h):
    g = row.size
    i = np.asarray(i)
    lo = np.maximum(i - 1, 0)
    hi = np.minimum(i + 1, g - 1)
    return (row[hi] - row[lo]) / ((hi - lo) * h)


def equilibrium_range(protocol, kT: float, t: float = 0.0, margin: float = 40.0):
    """``(lo, hi)`` in m outside which ``U(x, t)`` exceeds its minimum by more than ``margin``
    kT (the support of the Boltzmann density to ``e^{-margin}``).

    Parameters
    ----------
    protocol : PolynomialProtocol or TabulatedProtocol
        The potential; a polynomial must be confining (even degree, positive leading
        coefficient) at ``t``.
    kT : float
        Thermal energy (J, > 0).
    t : float
        Time (s) at which the potential is taken.
    margin : float
        Energy above the minimum (in kT, > 0) that bounds the range.

    Returns
    -------
    tuple of float
        ``(lo, hi)`` in m.

    Raises
    ------
    ParameterError
        If the polynomial is not confining at ``t``.
    """
    kT = positive("kT", kT)
    margin = positive("margin", margin)
    if isinstance(protocol, TabulatedProtocol):
        x = protocol.positions
        u = protocol.potential(x, t)
        keep = x[u - u.min() <= margin * kT]
        pad = 2 * protocol.spacing
        return float(keep.min() - pad), float(keep.max() + pad)
    c = protocol.coefficients_at(t)
    nz = np.flatnonzero(c)
    d = int(nz[-1]) if nz.size else 0
    if d < 2 or d % 2 or c[d] <= 0:
        raise ParameterError("protocol", protocol,
                             f"a confining polynomial at t = {t:g} s (even degree, c_d > 0)")
    crit = np.roots((np.arange(1, d + 1) * c[1 : d + 1])[::-1])
    crit = crit.real[np.abs(crit.imag) <= 1e-9 * (1 + np.abs(crit.real))]
    u_min = float(np.min(protocol.potential(crit, t)))
    lo, hi = float(crit.min()), float(crit.max())
    scale = max(hi - lo, (kT / c[d]) ** (1.0 / d))
    step = 0.05 * scale
    while protocol.potential(lo, t) - u_min < margin * kT:
        lo -= step
        step *= 1.2
    step = 0.05 * scale
    while protocol.potential(hi, t) - u_min < margin * kT:
        hi += step
        step *= 1.2
    return lo, hi

"""Protocols: landscapes over time, linear between knots, one tag per segment.

``Protocol(times, energies, saddles, tags)`` has knots ``times`` (K,) in s, ``energies`` (K, M)
and ``saddles`` (K, M-1) in J, and ``tags`` (K-1,) naming the memory operation of each segment.
Two equal consecutive knot times make a zero-duration segment: an instantaneous change of
landscape (pure work, no time to relax).

The simulation grid (THEORY.md section 2) has a point at every ``t0 + n dt`` and at every knot;
a step runs from one grid point to the next, so protocols that are piecewise constant on the
grid are simulated with no time-step error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simcore.errors import ParameterError, finite_array, positive
from simcore.landscape import MAX_LEVELS

DEFAULT_TAG = "protocol"
#: Names THEORY.md gives to memory operations; any other non-empty string is allowed too.
STANDARD_TAGS = ("update", "hold", "consolidate", "read", "erase")


def check_tag(tag: object, name: str = "tag") -> str:
    if not isinstance(tag, str) or not tag.strip():
        raise ParameterError(name, tag, "a non-empty string naming a memory operation")
    return tag


def check_times(times) -> np.ndarray:
    """Knot times as a float64 array (K,), K >= 2, finite and non-decreasing (s).

    Raises
    ------
    ParameterError
        Naming ``times`` otherwise.
    """
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 1 or t.size < 2:
        raise ParameterError("times", times, "a 1-D array of at least 2 knots (s)")
    if not np.all(np.isfinite(t)):
        raise ParameterError("times", times, "finite knot times (s)")
    if np.any(np.diff(t) < 0):
        raise ParameterError("times", times, "non-decreasing knot times (s)")
    return t


def check_tags(tags, k: int) -> tuple[str, ...]:
    """One tag per segment of ``k`` knots: ``tags`` (K-1,), or one string (or None, the
    default tag) for all.

    Raises
    ------
    ParameterError
        Naming ``tags`` for a bad tag or count.
    """
    if tags is None or isinstance(tags, str):
        return tuple([check_tag(tags or DEFAULT_TAG, "tags")] * (k - 1))
    out = [check_tag(x, "tags") for x in tags]
    if len(out) != k - 1:
        raise ParameterError("tags", tags, f"one tag per segment ({k - 1} for {k} knots)")
    return tuple(out)


class Knotted:
    """What every schedule over knots has (``Protocol`` and the continuous engine's potentials):
    knot ``times``, one tag per segment, the duration."""

    __slots__ = ()
    _t: np.ndarray
    _tags: tuple[str, ...]

    @property
    def times(self) -> np.ndarray:
        """Knot times (K,) in s."""
        return self._t

    @property
    def tags(self) -> tuple[str, ...]:
        """One tag per segment (K-1,)."""
        return self._tags

    @property
    def duration(self) -> float:
        """Last knot time minus the first (s)."""
        return float(self._t[-1] - self._t[0])


class Protocol(Knotted):
    """A schedule of landscapes (see module docstring). Immutable; composition returns new ones."""

    __slots__ = ("_e", "_s", "_t", "_tags")

    def __init__(self, times, energies, saddles, tags: Sequence[str] | str | None = None):
        t = check_times(times)
        e = np.asarray(energies, dtype=np.float64)
        if e.ndim != 2 or not 2 <= e.shape[1] <= MAX_LEVELS:
            raise ParameterError(
                "energies", energies, f"an array of shape (K, M) with 2 <= M <= {MAX_LEVELS}"
            )
        k, m = e.shape
        e = finite_array("energies", e, (t.size, m))
        s = finite_array("saddles", saddles, (k, m - 1))
        tag_list = check_tags(tags, k)
        for a in (t, e, s):
            a.flags.writeable = False
        self._t, self._e, self._s, self._tags = t, e, s, tag_list

    # ---------------------------------------------------------------- construction helpers
    @classmethod
    def constant(cls, energies, saddles, duration: float, tag: str = DEFAULT_TAG) -> Protocol:
        """One landscape held for ``duration`` s."""
        duration = positive("duration", duration)
        e = np.asarray(energies, dtype=np.float64)
        s = np.asarray(saddles, dtype=np.float64)
        return cls([0.0, duration], [e, e], [s, s], [tag])

    @classmethod
    def ramp(cls, start, end, duration: float, tag: str = DEFAULT_TAG) -> Protocol:
        """Linear ramp between landscapes ``start`` and ``end`` (each ``(energies, saddles)``)."""
        duration = positive("duration", duration)
        return cls([0.0, duration], [start[0], end[0]], [start[1], end[1]], [tag])

    # ---------------------------------------------------------------- properties
    @property
    def energies(self) -> np.ndarray:
        return self._e

    @property
    def saddles(self) -> np.ndarray:
        return self._s

    @property
    def n_levels(self) -> int:
        return self._e.shape[1]

    @property
    def start(self) -> tuple[np.ndarray, np.ndarray]:
        """The first landscape ``(energies, saddles)``."""
        return self._e[0], self._s[0]

    @property
    def end(self) -> tuple[np.ndarray, np.ndarray]:
        """The last landscape ``(energies, saddles)``."""
        return self._e[-1], self._s[-1]

    def __repr__(self) -> str:
        return (
            f"Protocol(levels={self.n_levels}, knots={self._t.size}, duration={self.duration:g} s,"
            f" tags={sorted(set(self._tags))})"
        )

    # ---------------------------------------------------------------- composition
    def then(self, other: Protocol) -> Protocol:
        """This protocol followed by ``other`` (shifted in time). If ``other`` starts from a
        different landscape, the jump is an instantaneous segment tagged like ``other``'s first."""
        if not isinstance(other, Protocol):
            raise ParameterError("other", other, "a Protocol")
        if other.n_levels != self.n_levels:
            raise ParameterError(
                "other", other, f"a Protocol with {self.n_levels} levels like the first"
            )
        shift = self._t[-1] - other._t[0]
        same = np.array_equal(self._e[-1], other._e[0]) and np.array_equal(self._s[-1], other._s[0])
        skip = 1 if same else 0
        times = np.concatenate([self._t, other._t[skip:] + shift])
        energies = np.concatenate([self._e, other._e[skip:]])
        saddles = np.concatenate([self._s, other._s[skip:]])
        tags = list(self._tags) + ([] if same else [other._tags[0]]) + list(other._tags)
        return Protocol(times, energies, saddles, tags)

    def hold(self, duration: float, tag: str = "hold") -> Protocol:
        """Append a segment holding the last landscape for ``duration`` s."""
        e, s = self.end
        return self.then(Protocol.constant(e, s, duration, tag))

    def ramp_to(self, energies, saddles, duration: float, tag: str = DEFAULT_TAG) -> Protocol:
        """Append a linear ramp from the last landscape to ``(energies, saddles)``."""
        return self.then(Protocol.ramp(self.end, (energies, saddles), duration, tag))

    def jump_to(self, energies, saddles, tag: str = DEFAULT_TAG) -> Protocol:
        """Append an instantaneous change of landscape (work without time to relax)."""
        t = self._t[-1]
        return Protocol(
            np.append(self._t, t),
            np.vstack([self._e, np.asarray(energies, dtype=np.float64)[None]]),
            np.vstack([self._s, np.asarray(saddles, dtype=np.float64)[None]]),
            [*self._tags, check_tag(tag)],
        )

    def repeat(self, n: int) -> Protocol:
        """This protocol ``n`` times in a row."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ParameterError("n", n, "an integer >= 1")
        out = self
        for _ in range(int(n) - 1):
            out = out.then(self)
        return out

    def __add__(self, other: Protocol) -> Protocol:
        return self.then(other)

    # ---------------------------------------------------------------- the simulation grid
    def grid(self, dt: float) -> StepGrid:
        """The step grid for time step ``dt`` (s): every ``t0 + n dt`` and every knot."""
        dt = positive("dt", dt)
        t0 = self._t[0]
        n_steps_est = self.duration / dt + self._t.size
        if n_steps_est > 2**31:
            raise ParameterError(
                "dt", dt, f"a step giving at most 2**31 steps (got ~{n_steps_est:.3g})"
            )
        tol = 1e-9 * dt
        points = [np.array([t0])]
        segs = []
        for a in range(self._t.size - 1):
            ta, tb = self._t[a], self._t[a + 1]
            if tb == ta:
                pts = np.array([tb])
            else:
                n_lo = int(np.floor((ta - t0) / dt)) + 1
                n_hi = int(np.ceil((tb - t0) / dt))
                inner = t0 + dt * np.arange(n_lo, n_hi + 1)
                inner = inner[(inner > ta + tol) & (inner < tb - tol)]
                pts = np.append(inner, tb)
            points.append(pts)
            segs.append(np.full(pts.size, a, dtype=np.int64))
        return StepGrid(self, np.concatenate(points), np.concatenate(segs))


@dataclass(frozen=True)
class StepGrid:
    """Grid points ``times`` (S+1,) and, for each step ``k`` (from point k to k+1), the protocol
    segment ``segment[k]`` it lies in."""

    protocol: Protocol
    times: np.ndarray
    segment: np.ndarray

    @property
    def n_steps(self) -> int:
        return self.segment.size

    @property
    def durations(self) -> np.ndarray:
        return np.diff(self.times)

    def tag_codes(self) -> tuple[tuple[str, ...], np.ndarray]:
        """``(names, codes)``: the distinct tags in order of first use and each step's code."""
        names: list[str] = []
        index: dict[str, int] = {}
        seg_code = np.empty(len(self.protocol.tags), dtype=np.int64)
        for i, tag in enumerate(self.protocol.tags):
            if tag not in index:
                index[tag] = len(names)
                names.append(tag)
            seg_code[i] = index[tag]
        return tuple(names), seg_code[self.segment]

    def knots(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """``(segment, frac)`` of grid points ``first..last`` inclusive: the protocol segment
        each lies in (its first knot; point 0 in segment 0) and its position in it, ``frac >= 1``
        meaning exactly the next knot (a zero-duration segment is at its end)."""
        idx = np.arange(first, last + 1)
        seg = np.where(idx == 0, 0, self.segment[np.maximum(idx - 1, 0)])
        t = self.protocol.times
        ta, tb = t[seg], t[seg + 1]
        span = tb - ta
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(span > 0, (self.times[idx] - ta) / np.where(span > 0, span, 1.0), 1.0)
        return seg, np.where(idx == 0, 0.0, frac)

    def landscapes(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Energies and saddles at grid points ``first..last`` inclusive: (n, M), (n, M-1)."""
        p = self.protocol
        seg, frac = self.knots(first, last)
        frac = frac[:, None]
        return _lerp(p.energies, seg, frac), _lerp(p.saddles, seg, frac)


def _lerp(values, seg, frac):
    # a + (b - a) f is exact where a == b (a constant level or saddle stays bit-identical, so
    # moving only barriers does exactly zero work); knots themselves are returned exactly.
    a, b = values[seg], values[seg + 1]
    return np.where(frac >= 1.0, b, a + (b - a) * frac)

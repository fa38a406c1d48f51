"""Sums of smooth summands over huge index ranges: ``Σ_{n=first}^{last} f(n)`` with an error bound.

Used where an optimiser runs for up to ~10^13 iterations and every per-iteration quantity is a
smooth (piecewise analytic) function of the iteration index. The sum is exact (pairwise float
summation) over a head of ``head`` terms and around every point where ``f`` has a kink; the rest
is the midpoint Euler–Maclaurin formula

    Σ_{n=A}^{B} f(n) = ∫_{A-1/2}^{B+1/2} f dx - [f']/24 + 7 [f''']/5760 - ...,

``[g] = g(B+1/2) - g(A-1/2)`` (e.g. M. Abramowitz and I. Stegun, *Handbook of Mathematical
Functions*, 23.1.30 with the Bernoulli polynomials at 1/2), with the integral by adaptive
Gauss–Legendre quadrature (20 against 10 nodes per panel, panels bisected until they agree) and the
derivatives by one-sided five-point differences that stay inside the smooth piece. The reported
error adds the quadrature disagreement, the size of the first omitted Euler–Maclaurin term and the
round-off of the exact part.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["smooth_sum"]

#: Counts at or below which a range is summed term by term.
EXACT_LIMIT = 2**20
_CHUNK = 2**20
#: Largest number of quadrature panels refined at once (a safeguard; smooth summands use ~100).
_MAX_PANELS = 4096
_X20, _W20 = np.polynomial.legendre.leggauss(20)
_X10, _W10 = np.polynomial.legendre.leggauss(10)


def _exact(f, lo: int, hi: int) -> tuple[float, float]:
    """Σ_{n=lo}^{hi} f(n) term by term and a round-off bound."""
    total = absolute = 0.0
    for start in range(lo, hi + 1, _CHUNK):
        n = np.arange(start, min(start + _CHUNK, hi + 1), dtype=np.float64)
        v = np.asarray(f(n), dtype=np.float64)
        total += float(v.sum())
        absolute += float(np.abs(v).sum())
    return total, 4e-16 * absolute * max(1.0, math.log2(max(hi - lo + 1, 2)))


def _integral(f, a: float, b: float, rtol: float) -> tuple[float, float]:
    """``∫_a^b f dx`` (0 < a < b) by adaptive Gauss–Legendre; returns (value, error)."""
    edges = [a]
    while edges[-1] * 2.0 < b:  # geometric first panels: f varies on the scale of x
        edges.append(edges[-1] * 2.0)
    edges.append(b)
    lo = np.array(edges[:-1])
    hi = np.array(edges[1:])
    value = error = 0.0
    scale = None
    for _ in range(60):
        mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
        v20 = np.asarray(f((mid[:, None] + half[:, None] * _X20).ravel()), dtype=np.float64)
        v10 = np.asarray(f((mid[:, None] + half[:, None] * _X10).ravel()), dtype=np.float64)
        g20 = half * (v20.reshape(-1, 20) @ _W20)
        a20 = half * (np.abs(v20).reshape(-1, 20) @ _W20)
        g10 = half * (v10.reshape(-1, 10) @ _W10)
        diff = np.abs(g20 - g10)
        if scale is None:
            scale = float(a20.sum())
        # a panel passes at rtol relative to itself, or to its share of the whole integral (so
        # that round-off near a zero of f cannot split panels forever); at most _MAX_PANELS live
        share = rtol * scale * (hi - lo) / (b - a)
        ok = (diff <= rtol * a20 + 1e-300) | (diff <= share)
        if lo.size > _MAX_PANELS:
            ok[:] = True
        value += float(g20[ok].sum())
        error += float(diff[ok].sum())
        if ok.all():
            return value, error
        lo, hi = lo[~ok], hi[~ok]
        mid = 0.5 * (lo + hi)
        lo, hi = np.concatenate([lo, mid]), np.concatenate([mid, hi])
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    v20 = np.asarray(f((mid[:, None] + half[:, None] * _X20).ravel()), dtype=np.float64)
    rest = half * (v20.reshape(-1, 20) @ _W20)
    return value + float(rest.sum()), error + float(np.abs(rest).sum())


def _derivatives(f, x: float, h: float) -> tuple[float, float]:
    """``(f'(x), f'''(x))`` from five points ``x + k h`` (k = 0..4; h < 0 looks left)."""
    v = np.asarray(f(x + h * np.arange(5.0)), dtype=np.float64)
    d1 = (-25 * v[0] + 48 * v[1] - 36 * v[2] + 16 * v[3] - 3 * v[4]) / (12 * h)
    d3 = (-5 * v[0] + 18 * v[1] - 24 * v[2] + 14 * v[3] - 3 * v[4]) / (2 * h**3)
    return float(d1), float(d3)


def _euler_maclaurin(f, lo: int, hi: int, rtol: float) -> tuple[float, float]:
    a, b = lo - 0.5, hi + 0.5
    value, error = _integral(f, a, b, rtol)
    h = min(1e-2 * a, (b - a) / 8.0)
    d1a, d3a = _derivatives(f, a, h)
    d1b, d3b = _derivatives(f, b, -min(1e-2 * a, (b - a) / 8.0))
    first = -(d1b - d1a) / 24.0
    second = 7.0 * (d3b - d3a) / 5760.0
    return value + first + second, error + abs(second) + 1e-6 * abs(first)


def smooth_sum(f, first: int, last: int, *, breaks=(), head: int = 2**16,
               rtol: float = 1e-13) -> tuple[float, float]:
    """``(Σ_{n=first}^{last} f(n), error bound)`` for ``f`` vectorised over float64 arrays and
    smooth (analytic, varying on the scale of n) between the points ``breaks``.

    Ranges of at most ``EXACT_LIMIT`` terms are summed term by term. Otherwise the first ``head``
    terms and 16 terms either side of every break are, and each remaining stretch is summed by
    the Euler–Maclaurin formula. ``first >= 1``; an empty range gives ``(0, 0)``."""
    first, last = int(first), int(last)
    if first < 1:
        raise ValueError("first must be >= 1")
    if last < first:
        return 0.0, 0.0
    if last - first + 1 <= EXACT_LIMIT:
        return _exact(f, first, last)
    exact = [(first, min(last, first + head - 1))]
    for x in sorted(float(b) for b in breaks):
        if first < x < last:
            exact.append((max(first, math.floor(x) - 16), min(last, math.ceil(x) + 16)))
    exact.sort()
    merged: list[list[int]] = []
    for lo, hi in exact:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    total = error = 0.0
    cursor = first
    pieces = []
    for lo, hi in merged:
        if lo > cursor:
            pieces.append((cursor, lo - 1, False))
        pieces.append((lo, hi, True))
        cursor = hi + 1
    if cursor <= last:
        pieces.append((cursor, last, False))
    for lo, hi, term_by_term in pieces:
        if term_by_term or hi - lo + 1 <= head:
            v, e = _exact(f, lo, hi)
        else:
            v, e = _euler_maclaurin(f, lo, hi, rtol)
        total += v
        error += e
    return total, error + 4e-16 * abs(total)

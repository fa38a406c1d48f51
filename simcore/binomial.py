"""Exact binomial sampling for counts up to 2**62 from the counter-based stream.

Used by the aggregated engine, where a level may hold 10^18 cells. Two regimes:

- mean ``n p < 12`` (after reflecting ``p > 1/2``): inversion, walking the pmf from 0 with the
  recurrence ``f(k+1) = f(k) (n-k)/(k+1) p/q``, ``f(0) = exp(n log1p(-p))``;
- otherwise BTRS, the transformed rejection with squeeze of W. Hörmann, "The generation of
  binomial random variates", J. Stat. Comput. Simul. 46, 101 (1993), doi:10.1080/00949659308811496.

For huge ``n`` two things break in the textbook forms and are done differently here. Candidates
``k = m + d`` are built as an integer centre ``m`` plus a small offset ``d`` (a double near
``1e18`` has a spacing of 128, an int64 has 1), with the fractional part of ``n p - m`` computed
exactly by a two-product. The acceptance test needs ``log f(m+d)/f(m)`` to O(1) absolute
accuracy while ``lgamma(n)`` is ~4e19; it is evaluated as a sum of terms that are each small:
``x g(d/x)`` with ``g(t) = log1p(t) - t`` by series, Stirling-series remainders, and
``d log1p((m - np + d)/((n-m-d) p))`` (C. Loader, "Fast and accurate computation of binomial
probabilities", 2000, uses the same idea in ``dbinom``).
"""

from __future__ import annotations

import math

import numpy as np

from simcore._jit import jit
from simcore.rng import bits, to_unit

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp splitting
_LN_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@jit
def _two_product(a, b):
    """``a*b = p + e`` exactly (Dekker)."""
    p = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


@jit
def centre(n, p):
    """An integer ``m`` near ``n p`` and the exact-to-rounding residual ``r = n p - m``."""
    n_hi = np.float64(n)
    n_lo = np.float64(n - np.int64(n_hi)) if n_hi < 9.2e18 else 0.0
    prod, err = _two_product(n_hi, p)
    m = np.int64(math.floor(prod))
    r = (prod - np.float64(m)) + err + n_lo * p
    # keep 0 <= r < 1 so that m = floor(n p)
    while r >= 1.0:
        m += 1
        r -= 1.0
    while r < 0.0:
        m -= 1
        r += 1.0
    return m, r


@jit
def _g(t):
    """``log1p(t) - t`` without cancellation for small ``t``."""
    if abs(t) < 1e-3:
        # the series to t**7 (the next term is below 1e-18 of the sum), in Horner form: no
        # division and no data-dependent loop (the aggregated engine's t = d / m are ~1e-6)
        return t * t * (-0.5 + t * (1.0 / 3.0 + t * (-0.25 + t * (0.2 + t * (-1 / 6 + t / 7)))))
    if abs(t) < 0.01:
        term = t
        acc = 0.0
        k = 2
        while True:
            term *= -t
            inc = term / k
            acc += inc
            if abs(inc) <= 1e-18 * abs(acc) or k > 40:
                break
            k += 1
        return acc
    return math.log1p(t) - t


@jit
def _stirlerr(x):
    """``log x! - (x log x - x + log sqrt(2 pi x))`` for x >= 1."""
    if x < 16.0:
        return math.lgamma(x + 1.0) - (x * math.log(x) - x + _LN_SQRT_2PI + 0.5 * math.log(x))
    # the same series as (1/12 - (1/360 - (1/1260 - 1/(1680 x^2)) / x^2) / x^2) / x, with one
    # division (the aggregated engine calls this four times per rejected candidate)
    ix = 1.0 / x
    ix2 = ix * ix
    return (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - ix2 / 1680.0) * ix2) * ix2) * ix


@jit
def _log_fact_ratio(x, d):
    """``log(x! / (x+d)!)`` for integers ``x >= 0``, ``x + d >= 0`` (as floats)."""
    y = x + d
    if x < 1e5 or y < 16.0:
        return math.lgamma(x + 1.0) - math.lgamma(y + 1.0)
    # x log x - y log y + d + 0.5 log(x/y) + stirlerr(x) - stirlerr(y), with
    # y log y - x log x = x log1p(d/x) + d log y = d + x g(d/x) + d log y
    t = d / x
    return -(x * _g(t) + d * math.log(y)) - 0.5 * math.log1p(t) + _stirlerr(x) - _stirlerr(y)


@jit
def log_pmf_ratio(n, m, r, d, p, q):
    """``log f(m+d) / f(m)`` for Binomial(n, p) with ``n p = m + r``."""
    nm = np.float64(n - m)
    fm = np.float64(m)
    fd = np.float64(d)
    if fm < 1e5 or nm - fd < 16.0 or fm + fd < 16.0:
        return _log_fact_ratio(fm, fd) + _log_fact_ratio(nm, -fd) + fd * (math.log(p) - math.log(q))
    # the d log y terms of both factorials and d log(p/q) combine into one log1p
    t1 = fd / fm
    t2 = -fd / nm
    lin = -fd * math.log1p((fd - r) / ((nm - fd) * p))
    return (
        -(fm * _g(t1))
        - (nm * _g(t2))
        - 0.5 * math.log1p(t1 + t2 + t1 * t2)  # log1p(t1) + log1p(t2), one log
        + _stirlerr(fm)
        - _stirlerr(fm + fd)
        + _stirlerr(nm)
        - _stirlerr(nm - fd)
        + lin
    )


@jit
def log_q(p):
    """``log1p(-min(p, 1 - p))``: what ``sample_with`` takes precomputed (NaN: not given)."""
    return math.log1p(-(p if p <= 0.5 else 1.0 - p))


@jit
def sample(n, p, key, gamma, step, slot):
    """One Binomial(n, p) draw (int64). Uniforms come from the stream ``(key, gamma)`` at
    ``step`` and cells ``slot * 2**16 + i`` (``i`` counts the draws of this sample)."""
    return sample_with(n, p, math.nan, key, gamma, step, slot)


@jit
def sample_with(n, p, lq, key, gamma, step, slot):
    """``sample`` with ``lq = log_q(p)`` computed by the caller (once for many draws with the
    same ``p``; NaN to have it computed here when needed): the same draw, bit for bit."""
    if n <= 0 or p <= 0.0:
        return np.int64(0)
    if p >= 1.0:
        return np.int64(n)
    flip = p > 0.5
    q = 1.0 - p if not flip else p
    pp = p if not flip else 1.0 - p
    base = np.uint64(slot) << np.uint64(16)
    i = np.uint64(0)
    # n p < 11.99 in floating point is n p < 12 exactly (its relative error is below 2**-52),
    # so the inversion regime needs no exact centre
    small = np.float64(n) * pp < 11.99
    if not small:
        m, r = centre(n, pp)
        small = np.float64(m) + r < 12.0
    if small:
        # inversion from 0
        if lq != lq:
            lq = math.log1p(-pp)
        u = to_unit(bits(key, gamma, step, base + i))
        f = math.exp(np.float64(n) * lq)
        k = np.int64(0)
        ratio = pp / q
        while u >= f and k < n:
            u -= f
            f *= (np.float64(n - k) / np.float64(k + 1)) * ratio
            k += 1
            if f <= 0.0:
                # round-off exhausted the mass: restart with a fresh uniform (rare)
                i += np.uint64(1)
                u = to_unit(bits(key, gamma, step, base + i))
                f = math.exp(np.float64(n) * lq)
                k = np.int64(0)
        return n - k if flip else k
    spq = math.sqrt(np.float64(n) * pp * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * pp
    v_r = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    # BTRS accepts when lv <= log f(k) - log f(mode); f(m) with m = floor(np) is within a
    # factor of f(mode) that the hat already allows for (Hörmann's h uses floor((n+1)p)).
    # mode = floor((n+1) p) is m or m + 1 (0 <= r < 1, pp <= 1/2), so log f(mode)/f(m) is 0 or
    # log((n-m) p / ((m+1) q)) = log1p((r - q) / ((m+1) q)), since (n-m) p - (m+1) q = r - q
    at_mode = 0.0
    if r + pp >= 1.0:
        at_mode = math.log1p((r - q) / ((np.float64(m) + 1.0) * q))
    # candidates k = floor((2a/us + b) u + n p + 0.5) = m + floor((2a/us + b) u + r + 0.5)
    while True:
        u = to_unit(bits(key, gamma, step, base + i)) - 0.5
        v = to_unit(bits(key, gamma, step, base + i + np.uint64(1)))
        i += np.uint64(2)
        us = 0.5 - abs(u)
        if us <= 0.0:
            continue
        d = np.int64(math.floor((2.0 * a / us + b) * u + r + 0.5))
        if d < -m or d > n - m:
            continue
        k = m + d
        if us >= 0.07 and v <= v_r:
            return n - k if flip else k
        lv = math.log(v * alpha / (a / (us * us) + b))
        if lv <= log_pmf_ratio(n, m, r, d, pp, q) - at_mode:
            return n - k if flip else k

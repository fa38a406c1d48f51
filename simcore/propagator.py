"""The exact one-step propagator ``P = exp(K dt)`` of a fixed landscape, and sampling thresholds.

``P[i, j]`` is the probability that a cell at level ``i`` is at level ``j`` after ``dt`` with the
landscape held fixed (THEORY.md section 2). Never ``p = k dt``.

- Bits: the closed form ``P(0->1) = (k01/r)(1 - exp(-r dt))`` with ``r = k01 + k10``, evaluated
  as ``k01 dt φ(r dt)``, ``φ(x) = -expm1(-x)/x``, so tiny probabilities keep full relative
  precision.
- M levels: uniformisation with scaling and squaring. With ``Λ = max_i R_i`` (largest escape rate),
  ``B = I + K/Λ`` is non-negative and tridiagonal; ``exp(K dt/2^s) = e^{-θ} Σ_n θ^n/n! B^n`` with
  ``θ = Λ dt / 2^s <= 1`` is summed to round-off with banded products, then squared ``s`` times.
  Every term is non-negative, so there is no cancellation and every entry, however small, has a
  small *relative* error (A. Xue & Q. Ye, "Entrywise relative perturbation bounds for exponentials
  of essentially non-negative matrices", Numer. Math. 110, 393 (2008),
  doi:10.1007/s00211-008-0167-9). Rare transitions (retention failures) are therefore not lost.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange

from simcore._jit import jit, pjit
from simcore.expfun import _bits_of, exp, phi

_TWO64 = 18446744073709551616.0
_UMAX = np.uint64(0xFFFFFFFFFFFFFFFF)


@jit(inline="always")
def rate_pair(e_lo, e_hi, saddle, kT, f0, kinetics):
    """``(k(lo->hi), k(hi->lo))`` for one pair (kinetics 0 = arrhenius, 1 = glauber)."""
    if kinetics == 0:
        s_eff = max(saddle, max(e_lo, e_hi))
        return f0 * exp(-(s_eff - e_lo) / kT), f0 * exp(-(s_eff - e_hi) / kT)
    # glauber: the exponent is never positive, so nothing overflows
    ex = exp(-abs(e_hi - e_lo) / kT)
    up = f0 * ex / (1.0 + ex)
    down = f0 / (1.0 + ex)
    return (up, down) if e_hi >= e_lo else (down, up)


@jit
def bit_flip_probabilities(e0, e1, saddle, kT, f0, kinetics, dt):
    """``(P(0->1), P(1->0))`` over ``dt`` for a fixed bit landscape."""
    k01, k10 = rate_pair(e0, e1, saddle, kT, f0, kinetics)
    ph = phi((k01 + k10) * dt)
    return k01 * dt * ph, k10 * dt * ph


@jit(inline="always")
def to_threshold(p):
    """``floor(p * 2**64)``, saturating, for the test ``u < threshold``."""
    if p <= 0.0:
        return np.uint64(0)
    x = p * _TWO64
    if x >= _TWO64:
        return _UMAX
    return np.uint64(x)


_FRACTION = np.int64((1 << 52) - 1)
_HIDDEN = np.int64(1 << 52)
_S52 = np.int64(52)
# the exponent field of 1.0 (p >= 1 saturates), and of p whose p 2^64 is a whole mantissa: the
# mantissa's integer m (53 bits) times 2^(e - _E_UNIT)
_E_ONE = np.int64(1023)
_E_UNIT = np.int64(1023 + 52 - 64)


@jit(inline="always")
def to_threshold_bits(p):
    """``to_threshold(p)`` built from the bits of ``p`` (same integer for every ``p`` that is
    not NaN), with integer shifts and selects only: AVX2 has no vector float64 -> uint64
    conversion, so a loop calling ``to_threshold`` converts lane by lane there.

    ``p 2^64`` is exact (a power-of-two scaling), ``m 2^(e - 1011)`` for the 53-bit integer
    mantissa ``m`` and exponent field ``e`` of ``p``; its floor is ``m`` shifted left or right.
    Subnormal ``p`` (``e = 0``, read as a normal one of exponent 0) and any ``p < 2^-64``
    shift ``m`` right by 53 or more: 0, as ``to_threshold`` gives; ``p <= 0`` (sign bit or all
    zero bits) gives 0, ``p >= 1`` (and infinity) saturates."""
    b = _bits_of(p)
    e = b >> _S52
    m = (b & _FRACTION) | _HIDDEN
    up = e - _E_UNIT  # at most 11 for p < 1: the result stays below 2^64
    # shift counts clamped to [0, 63] (LLVM leaves a shift by 64 or more undefined; the
    # clamped counts give the same, 0 for a right shift of a 53-bit m by 53 or more)
    t = np.uint64((m << min(max(up, 0), 11)) >> min(max(-up, 0), 63))
    t = _UMAX if e >= _E_ONE else t
    return np.uint64(0) if b <= 0 else t


@jit
def level_propagator(energies, saddles, kT, f0, kinetics, dt, out):
    """Write ``exp(K dt)`` of an M-level landscape into ``out`` (M, M)."""
    m = energies.shape[0]
    up = np.empty(m - 1)
    dn = np.empty(m - 1)
    for i in range(m - 1):
        up[i], dn[i] = rate_pair(energies[i], energies[i + 1], saddles[i], kT, f0, kinetics)
    esc = np.zeros(m)
    for i in range(m - 1):
        esc[i] += up[i]
        esc[i + 1] += dn[i]
    lam = esc.max()
    out[:, :] = 0.0
    if lam * dt <= 0.0:
        for i in range(m):
            out[i, i] = 1.0
        return
    s = 0
    if lam * dt > 1.0:
        s = math.ceil(math.log2(lam * dt))
    theta = lam * dt / 2.0**s
    # B = I + K/Λ as three diagonals
    b_diag = 1.0 - esc / lam
    b_up = up / lam
    b_dn = dn / lam
    term = np.zeros((m, m))
    nxt = np.zeros((m, m))
    for i in range(m):
        term[i, i] = 1.0
        out[i, i] = 1.0
    n = 0
    weight = 1.0
    while True:
        n += 1
        # nxt = term @ B * theta / n with B tridiagonal; term = B^(n-1) scaled is banded with
        # half-width n-1, so only |i - j| <= n is computed (O(M n) per term, not O(M^2))
        c = theta / n
        for i in range(m):
            for j in range(max(0, i - n), min(m, i + n + 1)):
                acc = term[i, j] * b_diag[j]
                if j > 0:
                    acc += term[i, j - 1] * b_up[j - 1]
                if j < m - 1:
                    acc += term[i, j + 1] * b_dn[j]
                nxt[i, j] = acc * c
        term, nxt = nxt, term
        for i in range(m):
            for j in range(max(0, i - n), min(m, i + n + 1)):
                out[i, j] += term[i, j]
        weight *= c
        if weight < 1e-30:
            break
    _normalise_rows(out)
    for _ in range(s):
        out[:, :] = out @ out
        _normalise_rows(out)


@jit
def _normalise_rows(p):
    # Rows of a propagator sum to one exactly; restoring that after each squaring stops the
    # round-off of the series from doubling with every squaring. A factor 1 + O(eps) per entry
    # keeps the entrywise relative accuracy.
    for i in range(p.shape[0]):
        total = 0.0
        for j in range(p.shape[1]):
            total += p[i, j]
        for j in range(p.shape[1]):
            p[i, j] /= total


@jit
def level_thresholds(p, out):
    """Sampling thresholds of a propagator ``p`` (M, M) into ``out`` (M, M-1), uint64.

    A cell at ``i`` with uniform ``u`` lands at ``min{j : u < out[i, j]}`` (or ``M-1``). Below the
    diagonal the cumulative sums run up from level 0, above it the tails run down from level M-1,
    so small probabilities on either side keep their relative precision.
    """
    m = p.shape[0]
    for i in range(m):
        acc = 0.0
        for j in range(i):
            acc += p[i, j]
            out[i, j] = to_threshold(acc)
        tail = 0.0
        for j in range(m - 2, i - 1, -1):
            tail += p[i, j + 1]
            t = to_threshold(tail)
            out[i, j] = _UMAX - t if t > 0 else _UMAX
        for j in range(1, m - 1):  # enforce monotone rows despite round-off
            if out[i, j] < out[i, j - 1]:
                out[i, j] = out[i, j - 1]


def _fill_step(energies, saddles, kT, f0, kinetics, dts, probs, thresholds, k):
    if energies.shape[1] == 2:
        p01, p10 = bit_flip_probabilities(
            energies[k, 0], energies[k, 1], saddles[k, 0], kT, f0, kinetics, dts[k]
        )
        probs[k, 0, 0] = 1.0 - p01
        probs[k, 0, 1] = p01
        probs[k, 1, 0] = p10
        probs[k, 1, 1] = 1.0 - p10
    else:
        level_propagator(energies[k], saddles[k], kT, f0, kinetics, dts[k], probs[k])
    level_thresholds(probs[k], thresholds[k])


_fill_step_jit = jit(inline="always")(_fill_step)


@jit
def _tables_serial(energies, saddles, kT, f0, kinetics, dts, probs, thresholds):
    for k in range(energies.shape[0]):
        _fill_step_jit(energies, saddles, kT, f0, kinetics, dts, probs, thresholds, k)


@pjit
def _tables_parallel(energies, saddles, kT, f0, kinetics, dts, probs, thresholds):
    for k in prange(energies.shape[0]):
        _fill_step_jit(energies, saddles, kT, f0, kinetics, dts, probs, thresholds, k)


#: Work (steps × M³) below which ``step_tables`` runs serially: waking the thread pool costs
#: 0.1–6 ms on a loaded machine, more than a few small propagators.
PARALLEL_WORK = 2**16


def step_tables(energies, saddles, kT, f0, kinetics, dts, probs, thresholds):
    """Propagators and thresholds for a block of steps.

    ``energies`` (B, M) and ``saddles`` (B, M-1) are the landscapes the steps evolve under,
    ``dts`` (B,) their durations. Fills ``probs`` (B, M, M) and ``thresholds`` (B, M, M-1).
    Steps run in parallel only when there are at least two per thread and enough work
    (``PARALLEL_WORK``); each step's tables are the same either way.
    """
    b, m = energies.shape
    # (the cheap test first: asking numba for its thread count costs microseconds)
    if b * m**3 >= PARALLEL_WORK and b >= 2 * numba.get_num_threads():
        _tables_parallel(energies, saddles, kT, f0, kinetics, dts, probs, thresholds)
    else:
        _tables_serial(energies, saddles, kT, f0, kinetics, dts, probs, thresholds)

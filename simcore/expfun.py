"""The exponential functions of the rate kernels, in plain arithmetic.

``math.exp`` and ``math.expm1`` are calls into the platform's libm, whose last bits differ
between libm versions, and which the loop vectoriser cannot widen (llvmlite ships no vector math
library). Here ``exp`` is Cody–Waite range reduction, a degree-13 Taylor polynomial on
|r| <= ln2/2 (truncation < 4e-18 relative) and a power of two built from its exponent bits (no
table, so loops that call it vectorise); ``phi(x) = (1 - e^-x)/x``
uses its Taylor series below x = 0.1 (truncation < 3e-18) and ``exp`` above, and
``one_minus_exp(x) = 1 - e^-x`` reuses ``exp``'s reduction and polynomial as an ``expm1`` (one
polynomial, no division: the per-cell rates of indexed landscapes use it). Measured accuracy
(``tests/unit/test_expfun.py``): ``exp`` within 1 ulp of NumPy's and of ``math.exp`` over
[-708, 709] (relative error < 2.3e-16), ``phi`` within 6 ulp (< 2e-15 relative) of
``-math.expm1(-x)/x``: far below any Monte Carlo resolution. Being IEEE arithmetic only, the
results are the same on every machine.

The NumPy twins (``exp_np``, ``phi_np``) perform the same IEEE operations in the same order, so
they give bit-identical results (no fused multiply-add is allowed: the project compiles without
fastmath flags).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from simcore._jit import jit

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_X_MIN = -708.0  # below: the result is under 3.3e-308 and is returned as 0
_X_MAX = 709.0
_K_MIN = -1023
_POW2 = np.array([math.ldexp(1.0, k) for k in range(_K_MIN, 1024)])
_C = tuple(1.0 / math.factorial(n) for n in range(14))
_BIAS = 1023
_S52 = 52
_LN2 = 0.6931471805599453
# round-to-integer by addition: for |y| < 2^51, ``y + 1.5·2^52`` is exact at integers and its
# low mantissa bits hold ``round(y)`` (offset by the bits of 1.5·2^52)
_ROUNDER = 6755399441055744.0
_ROUNDER_BITS = 0x4338000000000000
_ROUGH_OFFSET = _BIAS - _ROUNDER_BITS
#: Bound on the relative error of ``one_minus_exp_rough`` (measured worst: see its docstring).
ROUGH_REL_ERROR = 2.0**-16


@intrinsic
def _bits_of(typingctx, x):
    """The int64 whose bits are the IEEE bits of the float64 ``x`` (a bit cast)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


@intrinsic
def _from_bits(typingctx, x):
    """The float64 whose IEEE bits are the int64 ``x`` (a bit cast, no conversion)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@jit(inline="always")
def pow2(k):
    """``2.0**k`` for integer ``-1022 <= k <= 1023``, built from its exponent bits: the value of
    ``_POW2[k - _K_MIN]`` without a table lookup, so that loops calling ``exp`` vectorise."""
    return _from_bits((np.int64(k) + _BIAS) << _S52)


@jit(inline="always")
def _pow2_integral(k):
    """``2.0**k`` for an integral float64 ``-1022 <= k <= 1023``: ``pow2(int(k))`` with no
    float-to-integer conversion (AVX2 has no vector one for 64-bit integers, so a loop with
    ``int(k)`` converts lane by lane): ``k + 1.5·2^52`` is exact and its low mantissa bits are
    ``k``, so its bits minus those of ``1.5·2^52`` plus the bias are ``2^k``'s exponent field."""
    return _from_bits((_bits_of(k + _ROUNDER) + _ROUGH_OFFSET) << _S52)


@jit(inline="always")
def _reduce(y):
    """``y = k ln2 + r`` with integral ``k`` (a float64) and ``|r| <= ln2/2`` (Cody–Waite,
    two-part ln2)."""
    # np.floor keeps k a float: math.floor returns an int64, whose conversions back to float
    # (``k * _LN2_HI``) and to 2^k have no vector instruction on AVX2; the values are the same
    k = np.floor(y * _LOG2E + 0.5)
    return k, (y - k * _LN2_HI) - k * _LN2_LO


@jit(inline="always")
def _expm1_reduced(r):
    """``e^r - 1`` for the reduced ``r``: the degree-13 Taylor polynomial of ``exp`` less its
    constant term (Horner)."""
    p = _C[13]
    p = p * r + _C[12]
    p = p * r + _C[11]
    p = p * r + _C[10]
    p = p * r + _C[9]
    p = p * r + _C[8]
    p = p * r + _C[7]
    p = p * r + _C[6]
    p = p * r + _C[5]
    p = p * r + _C[4]
    p = p * r + _C[3]
    p = p * r + _C[2]
    return (p * r + _C[1]) * r


@jit(inline="always")
def exp(x):
    """``e**x`` (0 below -708, clamped at 709), vectorisable."""
    k, r = _reduce(min(max(x, _X_MIN), _X_MAX))
    out = (_expm1_reduced(r) + _C[0]) * _pow2_integral(k)  # k in [-1021, 1023]: a normal 2^k
    return out if x >= _X_MIN else 0.0


#: Below this ``phi`` uses its Taylor series (``phi_series``), above it ``exp``.
PHI_SERIES_MAX = 0.1


@jit(inline="always")
def phi_series(x):
    """``phi(x)`` for ``0 <= x < PHI_SERIES_MAX``: its Taylor series (truncation < 3e-18), the
    operations ``phi`` performs there, so the same value, with no exponential and no division.
    A loop that knows all its ``x`` are small calls this instead of ``phi``, whose vectorised
    form computes both branches for every lane."""
    # 1 - x/2 + x^2/6 - ... = sum_n (-x)^n / (n+1)!
    q = -x
    s = 1.0 / 39916800.0
    s = s * q + 1.0 / 3628800.0
    s = s * q + 1.0 / 362880.0
    s = s * q + 1.0 / 40320.0
    s = s * q + 1.0 / 5040.0
    s = s * q + 1.0 / 720.0
    s = s * q + 1.0 / 120.0
    s = s * q + 1.0 / 24.0
    s = s * q + 1.0 / 6.0
    s = s * q + 0.5
    return s * q + 1.0


@jit(inline="always")
def phi(x):
    """``(1 - e**-x) / x`` for ``x >= 0`` (1 at 0), vectorisable."""
    if x < PHI_SERIES_MAX:
        return phi_series(x)
    return (1.0 - exp(-x)) / x


@jit(inline="always")
def one_minus_exp(x):
    """``1 - e**-x`` for ``x >= 0`` (``-expm1(-x)``), vectorisable, one polynomial and no
    division: with ``-x = k ln2 + r``, ``|r| <= ln2/2``, ``e^r - 1`` is ``exp``'s degree-13
    Taylor polynomial less its constant term, and the result is ``-(e^r - 1)`` for ``k = 0``
    (full relative precision however small ``x``) and ``1 - 2^k e^r`` otherwise (>= 0.29, no
    cancellation): relative error < 1e-15."""
    k, r = _reduce(max(-x, _X_MIN))
    em = _expm1_reduced(r)
    return -em if k == 0.0 else 1.0 - (em + 1.0) * _pow2_integral(k)


@jit(inline="always")
def one_minus_exp_rough(x):
    """``1 - e**-x`` for ``x >= 0`` to a relative error below ``ROUGH_REL_ERROR`` (2^-16), for
    decisions that are certified against that bound and redone exactly when they are not
    (``kernels.bits_indexed``): about half the operations of ``one_minus_exp``.

    With ``-x = k ln2 + r``, ``|r| <= ln2/2`` (``k`` rounded by adding 1.5·2^52, whose low
    mantissa bits then give ``2^k`` by a shift, no conversions), ``e^r - 1`` is the degree-5
    Taylor polynomial (truncation < 8.3e-6 relative, since ``|r|^5/(720 · 0.845)`` with
    ``(e^r - 1)/r >= 0.845``) and the result is ``(1 - 2^k) - 2^k (e^r - 1)``: ``-(e^r - 1)``
    exactly for ``k = 0`` (full relative precision for tiny ``x``), at least 0.29 otherwise
    (relative error < 6e-6). Never negative, at most 1 + 2^-52."""
    y = max(-x, _X_MIN)
    t = y * _LOG2E + _ROUNDER
    r = y - (t - _ROUNDER) * _LN2
    em = ((((r * _C[5] + _C[4]) * r + _C[3]) * r + _C[2]) * r + 1.0) * r
    scale = _from_bits((_bits_of(t) + _ROUGH_OFFSET) << _S52)  # 2^k, k in [-1021, 0]
    return (1.0 - scale) - scale * em


def exp_np(x):
    """NumPy twin of ``exp`` (same operations, same order)."""
    x = np.asarray(x, dtype=np.float64)
    xc = np.minimum(np.maximum(x, _X_MIN), _X_MAX)
    k = np.floor(xc * _LOG2E + 0.5)
    r = (xc - k * _LN2_HI) - k * _LN2_LO
    p = np.full_like(r, _C[13])
    for c in _C[12::-1]:
        p = p * r + c
    out = p * _POW2[k.astype(np.int64) - _K_MIN]
    return np.where(x >= _X_MIN, out, 0.0)


def phi_np(x):
    """NumPy twin of ``phi``."""
    x = np.asarray(x, dtype=np.float64)
    q = -x
    s = np.full_like(x, 1.0 / 39916800.0)
    for f in (3628800.0, 362880.0, 40320.0, 5040.0, 720.0, 120.0, 24.0, 6.0):
        s = s * q + 1.0 / f
    s = s * q + 0.5
    small = s * q + 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        large = (1.0 - exp_np(-x)) / x
    return np.where(x < PHI_SERIES_MAX, small, large)


def one_minus_exp_np(x):
    """NumPy twin of ``one_minus_exp``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.maximum(-x, _X_MIN)
    k = np.floor(y * _LOG2E + 0.5)
    r = (y - k * _LN2_HI) - k * _LN2_LO
    p = np.full_like(r, _C[13])
    for c in _C[12:1:-1]:
        p = p * r + c
    em = (p * r + _C[1]) * r
    big = 1.0 - (em + 1.0) * _POW2[k.astype(np.int64) - _K_MIN]
    return np.where(k == 0, -em, big)

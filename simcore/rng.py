"""Counter-based random numbers keyed by (seed, step, cell, draw).

Every 64-bit uniform is a pure function of its key, so results do not depend on thread count,
chunking, the order cells are visited, or the machine, and any single cell can be replayed alone.

Construction (generator name ``splitmix64-weyl2d``). A root seed and a draw index give a stream
``(key, gamma)``; the uniform for ``(step, cell)`` is

    u = mix64(key + gamma * (step * 2**32 + cell))      (arithmetic mod 2**64)

where ``mix64`` is the SplitMix64 finaliser (Steele, Lea & Flood, "Fast splittable pseudorandom
number generators", OOPSLA 2014, doi:10.1145/2660193.2660195). For a fixed stream this is exactly
the SplitMix64 sequence read at position ``step * 2**32 + cell``: the counter is injective for
``cell < 2**32`` and ``step < 2**32``, so no two (step, cell) pairs share a uniform, and the
quality is SplitMix64's (it passes BigCrush). ``gamma`` is chosen per stream with SplittableRandom's
rule (odd, with enough bit transitions), so different seeds and draws give different Weyl
sequences rather than shifted copies of one.

Uniforms are compared as integers against thresholds ``floor(p * 2**64)``, so a probability is
resolved to 2**-64 (no 32-bit floor on rare events such as retention failures).
"""

from __future__ import annotations

import numpy as np

from simcore._jit import jit
from simcore.errors import ParameterError

GENERATOR = "splitmix64-weyl2d"
MAX_CELLS = 2**32
MAX_STEPS = 2**32

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_DRAW_SALT = np.uint64(0x632BE59BD9B4E019)
_GAMMA_SALT = np.uint64(0xD1B54A32D192ED03)
_ALT = np.uint64(0xAAAAAAAAAAAAAAAA)
_TWO53_INV = 1.0 / 9007199254740992.0


@jit
def mix64(z):
    """SplitMix64 finaliser: a bijection of uint64 with full avalanche."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


#: :func:`mix64` inlined at Numba's level, for loops that must vectorise or stay cheap: a call
#: to a kernel loaded from Numba's disk cache is an opaque call that LLVM cannot inline (measured
#: 2x on the continuous engine's whole overdamped step when it kept the normals' loop scalar).
mix64_inline = jit(inline="always")(mix64.py_func)


@jit
def bits(key, gamma, step, cell):
    """The 64-bit uniform of ``(step, cell)`` in stream ``(key, gamma)``."""
    counter = (np.uint64(step) << _S32) | np.uint64(cell)
    return mix64(key + gamma * counter)


@jit
def to_unit(u):
    """Map a uint64 uniform to a double in [0, 1) with 53 random bits."""
    return np.float64(u >> _S11) * _TWO53_INV


#: :func:`to_unit` inlined at Numba's level (see :data:`mix64_inline`).
to_unit_inline = jit(inline="always")(to_unit.py_func)


@jit
def stream_of(seed, draw):
    """``(key, gamma)`` of the stream for uint64 ``seed`` and ``draw`` (usable inside kernels)."""
    key = mix64(mix64(seed + _GOLDEN) ^ (draw * _GOLDEN + _DRAW_SALT))
    # SplittableRandom.mixGamma: odd, and at least 24 bit transitions.
    g = mix64(key ^ _GAMMA_SALT) | np.uint64(1)
    x = g ^ (g >> np.uint64(1))
    transitions = 0
    while x:
        x &= x - np.uint64(1)
        transitions += 1
    if transitions < 24:
        g ^= _ALT
    return key, g


@jit
def streams_of(seed, draw0, keys, gammas):
    """``stream_of(seed, draw0 + i)`` into ``keys[i], gammas[i]`` for every ``i`` (one call for
    the streams of many groups)."""
    for i in range(keys.shape[0]):
        keys[i], gammas[i] = stream_of(seed, draw0 + np.uint64(i))


def check_seed(seed: object, name: str = "seed") -> int:
    if (
        isinstance(seed, bool)
        or not isinstance(seed, int | np.integer)
        or not 0 <= int(seed) < 2**64
    ):
        raise ParameterError(name, seed, "an integer in [0, 2**64)")
    return int(seed)


def stream(seed: int, draw: int = 0) -> tuple[np.uint64, np.uint64]:
    """``(key, gamma)`` of the stream for ``seed`` and ``draw`` index (integers in [0, 2**64))."""
    key, gamma = stream_of(np.uint64(check_seed(seed)), np.uint64(check_seed(draw, "draw")))
    # numba returns Python ints; kernels must see uint64 (int64 + uint64 would become float64)
    return np.uint64(key), np.uint64(gamma)


def uniform_bits(seed: int, steps, cells, draw: int = 0) -> np.ndarray:
    """NumPy reference: uint64 uniforms for broadcast ``steps`` and ``cells`` (the slow twin)."""
    key, gamma = stream(seed, draw)
    steps = np.asarray(steps, dtype=np.uint64)
    cells = np.asarray(cells, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = key + gamma * ((steps << np.uint64(32)) | cells)
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def uniform(seed: int, steps, cells, draw: int = 0) -> np.ndarray:
    """NumPy reference: doubles in [0, 1) for broadcast ``steps`` and ``cells``."""
    return (uniform_bits(seed, steps, cells, draw) >> _S11).astype(np.float64) * _TWO53_INV


def threshold(p) -> np.ndarray:
    """Integer thresholds ``floor(p * 2**64)`` (saturating at 2**64 - 1) for ``u < t`` tests."""
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    scaled = p * 18446744073709551616.0
    out = np.empty(p.shape, dtype=np.uint64)
    top = scaled >= 18446744073709551615.0
    out[top] = np.uint64(0xFFFFFFFFFFFFFFFF)
    out[~top] = scaled[~top].astype(np.uint64)
    return out

"""Standard normal deviates keyed by (seed, step, particle): a ziggurat on the counter generator.

The draw indices of the continuous engine (its range is ``simcore.draws.CONTINUOUS``):

- ``LANGEVIN_DRAW = 2**61``: the base of every stream this package uses, far from the bit
  engine's small draw indices;
- normal *slot* ``s`` (one normal per slot per step and particle): primary word from draw
  ``LANGEVIN_DRAW + s * SLOT``, the rare extra uniforms of that normal (ziggurat wedge and
  tail) from draws ``LANGEVIN_DRAW + s * SLOT + j``, ``j = 1, 2, ...`` in the order they are
  used;
- slot 0: the noise of the move (overdamped, or the O step of BAOAB); slot 1: the Metropolis
  acceptance uniform of MALA (its primary word only); slot 2: initial positions; slot 3:
  initial velocities.

Each uniform is ``simcore.rng.bits(key, gamma, step, particle)`` of its stream, so a particle's
normals depend on nothing but (seed, step, particle): bit-identical for any thread count or
block size, and one particle can be replayed alone.

Algorithm: the 256-layer ziggurat of G. Marsaglia and W. W. Tsang, "The ziggurat method for
generating random variables", J. Stat. Softw. 5(8), 2000, doi:10.18637/jss.v005.i08, in the
64-bit form of NumPy's legacy generator: from one 64-bit word, bits 0-7 choose the layer, bit 8
the sign and bits 12-63 a 52-bit magnitude. About 99 % of normals take the fast path (one word,
one multiply, one compare); a wedge rejection restarts with a new word, and the tail beyond
``R = 3.6541528853610088`` uses Marsaglia's exact exponential method, repeated until accepted.
The result is an exact standard normal up to the 2**-52 resolution of the magnitude.
"""

from __future__ import annotations

import math

import numpy as np

from simcore._jit import jit
from simcore.draws import CONTINUOUS, CONTINUOUS_SLOT
from simcore.rng import mix64_inline, stream, stream_of, to_unit_inline

#: Base draw index of the continuous engine's streams (``simcore.draws.CONTINUOUS``).
LANGEVIN_DRAW = CONTINUOUS.start
#: Draw indices reserved per normal slot.
SLOT = CONTINUOUS_SLOT
#: Slots: move noise, Metropolis uniform, initial positions, initial velocities.
NOISE_SLOT, ACCEPT_SLOT, POSITION_SLOT, VELOCITY_SLOT = 0, 1, 2, 3
#: Extra-uniform streams precomputed per slot (more are derived inside the kernel if needed).
EXTRA = 16

ZIGGURAT_R = 3.6541528853610088
ZIGGURAT_V = 4.92867323399e-3
_M52 = 2.0**52


def _tables():
    """Layer tables ``(ki, wi, fi)`` of the 256-layer ziggurat (Marsaglia & Tsang's zigset with
    a 52-bit magnitude)."""
    n = 256
    ki = np.zeros(n, dtype=np.uint64)
    wi = np.zeros(n)
    fi = np.zeros(n)
    dn = tn = ZIGGURAT_R
    vn = ZIGGURAT_V
    q = vn / math.exp(-0.5 * dn * dn)
    ki[0] = np.uint64((dn / q) * _M52)
    ki[1] = 0
    wi[0] = q / _M52
    wi[n - 1] = dn / _M52
    fi[0] = 1.0
    fi[n - 1] = math.exp(-0.5 * dn * dn)
    for i in range(n - 2, 0, -1):
        dn = math.sqrt(-2.0 * math.log(vn / dn + math.exp(-0.5 * dn * dn)))
        ki[i + 1] = np.uint64((dn / tn) * _M52)
        tn = dn
        fi[i] = math.exp(-0.5 * dn * dn)
        wi[i] = dn / _M52
    return ki, wi, fi


KI, WI, FI = _tables()
for _a in (KI, WI, FI):
    _a.flags.writeable = False

_U255 = np.uint64(255)
_U1 = np.uint64(1)
_S8 = np.uint64(8)
_S12 = np.uint64(12)
_S32 = np.uint64(32)


def slot_streams(seed: int, slot: int) -> tuple[np.ndarray, np.ndarray]:
    """``(keys, gammas)`` (EXTRA+1,) uint64 of a slot: index 0 the primary stream, index j the
    j-th extra uniform's."""
    keys = np.empty(EXTRA + 1, dtype=np.uint64)
    gammas = np.empty(EXTRA + 1, dtype=np.uint64)
    base = LANGEVIN_DRAW + slot * SLOT
    for j in range(EXTRA + 1):
        keys[j], gammas[j] = stream(seed, base + j)
    return keys, gammas


@jit(inline="always")
def _word(keys, gammas, seed, base, j, counter):
    """The 64-bit word of draw ``j`` of the slot at ``counter = (step << 32) | particle``
    (``bits`` of the j-th stream; beyond the precomputed streams, probability ~1e-30 per normal,
    the stream is derived here)."""
    if j < keys.shape[0]:
        k, g = keys[j], gammas[j]
    else:
        k, g = stream_of(seed, base + np.uint64(j))
    return mix64_inline(k + g * counter)


@jit(inline="always")
def _unit(keys, gammas, seed, base, j, counter):
    """``to_unit`` of :func:`_word`: a double in [0, 1) with 53 random bits."""
    return to_unit_inline(_word(keys, gammas, seed, base, j, counter))


def _normal(keys, gammas, seed, base, step, particle):
    """The standard normal of ``(step, particle)`` in the slot whose streams are ``keys,
    gammas`` (from :func:`slot_streams`; ``seed`` and ``base`` uint64 name them for the rare
    case of more than ``EXTRA`` extra uniforms). One function with its word and uniform
    helpers inlined: the kernels call it for the ~1.5 % of draws that leave the fast path."""
    counter = (np.uint64(step) << _S32) | np.uint64(particle)
    r = _word(keys, gammas, seed, base, 0, counter)
    j = 0
    while True:
        idx = r & _U255
        neg = (r >> _S8) & _U1
        rabs = r >> _S12
        x = np.float64(rabs) * WI[idx]
        if rabs < KI[idx]:
            return -x if neg else x
        if idx == 0:
            # the tail beyond R: Marsaglia's exponential method, repeated until accepted
            while True:
                j += 1
                xx = -math.log1p(-_unit(keys, gammas, seed, base, j, counter)) / ZIGGURAT_R
                j += 1
                yy = -math.log1p(-_unit(keys, gammas, seed, base, j, counter))
                if yy + yy > xx * xx:
                    return -(ZIGGURAT_R + xx) if neg else ZIGGURAT_R + xx
        j += 1
        u = _unit(keys, gammas, seed, base, j, counter)
        if (FI[idx - 1] - FI[idx]) * u + FI[idx] < math.exp(-0.5 * x * x):
            return -x if neg else x
        j += 1
        r = _word(keys, gammas, seed, base, j, counter)


#: The compiled normal (a call), and the same source inlined where the caller's loop is not
#: vectorised around it (the kernels' loop over their rare draws).
normal = jit(_normal)
normal_inline = jit(inline="always")(_normal)


@jit
def normals_into(keys, gammas, seed, base, step, out):
    """``out[p] = normal(..., step, p)`` for every particle p (a helper for tests and twins)."""
    for p in range(out.shape[0]):
        out[p] = normal(keys, gammas, seed, base, step, p)


def normals_np(seed: int, slot: int, step: int, particles) -> np.ndarray:
    """NumPy twin of :func:`normal` for one ``step`` and an array of ``particles`` (the fast path
    vectorised, the rare path particle by particle with the same formulas)."""
    from simcore.rng import uniform, uniform_bits

    particles = np.asarray(particles, dtype=np.int64)
    base = LANGEVIN_DRAW + slot * SLOT
    r = uniform_bits(seed, step, particles, base)
    idx = (r & _U255).astype(np.int64)
    neg = ((r >> _S8) & _U1).astype(bool)
    rabs = r >> _S12
    x = rabs.astype(np.float64) * WI[idx]
    out = np.where(neg, -x, x)
    for i in np.flatnonzero(rabs >= KI[idx]):
        p = int(particles[i])
        j = 0
        ri = r[i]
        while True:
            ix = int(ri & _U255)
            ng = bool((ri >> _S8) & _U1)
            ra = ri >> _S12
            xi = float(ra) * WI[ix]
            if ra < KI[ix]:
                out[i] = -xi if ng else xi
                break
            if ix == 0:
                while True:
                    j += 1
                    xx = -math.log1p(-float(uniform(seed, step, p, base + j))) / ZIGGURAT_R
                    j += 1
                    yy = -math.log1p(-float(uniform(seed, step, p, base + j)))
                    if yy + yy > xx * xx:
                        break
                out[i] = -(ZIGGURAT_R + xx) if ng else ZIGGURAT_R + xx
                break
            j += 1
            u = float(uniform(seed, step, p, base + j))
            if (FI[ix - 1] - FI[ix]) * u + FI[ix] < math.exp(-0.5 * xi * xi):
                out[i] = -xi if ng else xi
                break
            j += 1
            ri = uniform_bits(seed, step, p, base + j)[()]
    return out

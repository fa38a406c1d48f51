"""Numba kernels of the continuous engine: overdamped and underdamped Langevin steps with the
Sekimoto ledger.

Every step from grid point k to k+1 is, as in the bit engine (THEORY.md section 2):

1. **work step** at fixed state: ``W += U(x, t_{k+1}) - U(x, t_k)``;
2. **heat step** under the fixed potential ``U(., t_{k+1})`` for the step's duration ``h``:
   ``Q += E(before) - E(after)`` with ``E = U`` (overdamped) or ``U + m v²/2`` (underdamped),
   the heat released to the bath.

So ``ΔE = W - Q`` per particle holds to float round-off whatever the integrator's error.

Integrators (``ζ`` friction, ``μ = 1/ζ`` mobility, ``F = -U'``):

- ``euler``: Euler–Maruyama, ``x' = x + μ F(x) h + sqrt(2 μ kT h) ξ``; weak order 1 in h
  (P. E. Kloeden and E. Platen, *Numerical Solution of Stochastic Differential Equations*,
  Springer 1992, ch. 14), its stationary density is Boltzmann only to O(h).
- ``mala``: the Euler–Maruyama move as a proposal, accepted with the Metropolis–Hastings
  probability (G. O. Roberts and R. L. Tweedie, Bernoulli 2, 341 (1996),
  doi:10.2307/3318418): every heat step leaves the current Boltzmann density exactly
  invariant, so equilibrium is exact and Jarzynski's equality holds exactly in discrete time;
  the dynamics keeps weak order 1.
- ``baoab`` (underdamped, mass m, ``γ = ζ/m``): B A O A B splitting of B. Leimkuhler and
  C. Matthews, Appl. Math. Res. Express 2013, 34, doi:10.1093/amrx/abs010, with the exact
  Ornstein–Uhlenbeck O step ``v' = c v + sqrt((1 - c²) kT/m) ξ``, ``c = exp(-γ h)``; weak order
  2, configurational averages with O(h²) error and exact for harmonic potentials.

Kernels run over blocks of ``BLOCK`` particles: the Euler polynomial path as contiguous ranges
of blocks in serial kernels on parallel threads (``_on_threads``), the others in one ``prange``
loop over blocks (both compiled from one source, ``jit_pair``); inside a block, steps are the
outer loop and the block's normals are drawn first (a branch-free pass, then the rare ziggurat
cases), so the update loop is plain arithmetic. Each particle's numbers depend only on
(seed, step, particle), never on the block or thread.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numba
import numpy as np
from numba import prange

from simcore._jit import jit, jit_pair
from simcore.langevin.normal import KI, WI, normal_inline
from simcore.rng import bits, mix64_inline, to_unit

_mix64 = mix64_inline

#: Particles per block (per parallel task).
BLOCK = 256

_U255 = np.uint64(255)
_U1 = np.uint64(1)
_S8 = np.uint64(8)
_S12 = np.uint64(12)
_S32 = np.uint64(32)

def hermite_cubic(y0, y1, m0, m1, t, h):
    """``(U, dU/dx)`` of the cubic Hermite segment with end values ``y0, y1`` (J), end slopes
    ``m0, m1`` (J/m) and width ``h`` (m) at fraction ``t`` in [0, 1] of it: plain arithmetic,
    so the same source serves scalars in the kernels (compiled here, where Numba's cache of the
    kernels that inline it is keyed) and arrays in ``potential.hermite_np``, with the same
    operations in the same order."""
    t2 = t * t
    t3 = t2 * t
    u = ((2.0 * t3 - 3.0 * t2 + 1.0) * y0 + (t3 - 2.0 * t2 + t) * h * m0
         + (3.0 * t2 - 2.0 * t3) * y1 + (t3 - t2) * h * m1)
    du = ((6.0 * t2 - 6.0 * t) * y0 + (3.0 * t2 - 4.0 * t + 1.0) * h * m0
          + (6.0 * t - 6.0 * t2) * y1 + (3.0 * t2 - 2.0 * t) * h * m1) / h
    return u, du


_hermite_cubic = jit(inline="always")(hermite_cubic)


class Stream(NamedTuple):
    """The random numbers of one normal slot: ``keys, gammas`` from
    ``normal.slot_streams``, the uint64 ``seed`` and slot ``base`` draw index, and the uint64
    ``step0`` counter of the run's first step."""

    keys: np.ndarray
    gammas: np.ndarray
    seed: np.uint64
    base: np.uint64
    step0: np.uint64


class Landscape(NamedTuple):
    """The potential on the step grid: ``kind`` (0 polynomial, 1 tabulated), knot
    ``coefficients`` (K, d+1) (polynomial) or ``values`` (K, G) (tabulated; the other is a
    (1, 1) dummy), the table's first position ``x0``, spacing ``dx`` and ``wall`` curvature,
    each grid point's segment ``knot`` (S+1,) and ``frac`` (S+1,), and each step's duration
    ``durations`` (S,) in s and tag ``codes`` (S,)."""

    kind: int
    coefficients: np.ndarray
    values: np.ndarray
    x0: float
    dx: float
    wall: float
    knot: np.ndarray
    frac: np.ndarray
    durations: np.ndarray
    codes: np.ndarray


class Tallies(NamedTuple):
    """Per-particle accumulators: ``work`` and ``heat`` (n_tags, N) in J, the energy at the
    start ``e_start`` and end ``e_end`` (N,) in J, and ``accepted`` (N,) Metropolis acceptances
    (MALA; counted, not reset)."""

    work: np.ndarray
    heat: np.ndarray
    e_start: np.ndarray
    e_end: np.ndarray
    accepted: np.ndarray


@jit(inline="always")
def horner(c, x):
    """``(U, dU/dx)`` of ``Σ c_i x^i`` at ``x``."""
    d = c.shape[0] - 1
    u = c[d]
    du = 0.0
    for i in range(d - 1, -1, -1):
        du = du * x + u
        u = u * x + c[i]
    return u, du


@jit(inline="always")
def _slope(row, i, h):
    g = row.shape[0]
    lo = i - 1 if i > 0 else 0
    hi = i + 1 if i < g - 1 else g - 1
    return (row[hi] - row[lo]) / ((hi - lo) * h)


@jit(inline="always")
def hermite(row, x0, h, wall, x):
    """``(U, dU/dx)`` of the tabulated row (twin: ``potential.hermite_np``)."""
    g = row.shape[0]
    lo_d = x - x0
    if lo_d < 0.0:
        m = _slope(row, 0, h)
        return row[0] + m * lo_d + 0.5 * wall * lo_d * lo_d, m + wall * lo_d
    hi_d = x - (x0 + (g - 1) * h)
    if hi_d > 0.0:
        m = _slope(row, g - 1, h)
        return row[g - 1] + m * hi_d + 0.5 * wall * hi_d * hi_d, m + wall * hi_d
    s = (x - x0) / h
    fs = math.floor(s)
    if fs < 0.0:
        fs = 0.0
    if fs > g - 2:
        fs = float(g - 2)
    i = int(fs)
    t = s - fs
    return _hermite_cubic(row[i], row[i + 1], _slope(row, i, h), _slope(row, i + 1, h), t, h)


@jit(inline="always")
def _horner_block(c, x, p0, m, u, du):
    """``u[i], du[i]`` = :func:`horner` at ``x[p0 + i]``, i < m, coefficient by coefficient."""
    d = c.shape[0] - 1
    for i in range(m):
        u[i] = c[d]
        du[i] = 0.0
    for j in range(d - 1, -1, -1):
        cj = c[j]
        for i in range(m):
            xi = x[p0 + i]
            du[i] = du[i] * xi + u[i]
            u[i] = u[i] * xi + cj


@jit(inline="always")
def _euler_quartic_block(c, x, p0, m, u_now, wrow, hrow, drift, sigma, z, moves):
    """One Euler step of the block ``p0 .. p0 + m`` under the quartic ``c`` (5,): the work step
    into ``wrow``, the move and heat step into ``hrow``, ``u_now`` updated; in one loop over the
    particles with the coefficients in registers (the operations of :func:`horner`, in its
    order, so the numbers are those of the general loop)."""
    c0, c1, c2, c3, c4 = c[0], c[1], c[2], c[3], c[4]
    if not moves:
        for i in range(m):
            xi = x[p0 + i]
            u = (((c4 * xi + c3) * xi + c2) * xi + c1) * xi + c0
            wrow[p0 + i] += u - u_now[i]
            u_now[i] = u
        return
    for i in range(m):
        xi = x[p0 + i]
        du = c4  # horner's first du * x + u with du = 0 (the same number for finite x)
        u = c4 * xi + c3
        du = du * xi + u
        u = u * xi + c2
        du = du * xi + u
        u = u * xi + c1
        du = du * xi + u
        u = u * xi + c0
        wrow[p0 + i] += u - u_now[i]
        y = xi - drift * du + sigma * z[i]
        un = (((c4 * y + c3) * y + c2) * y + c1) * y + c0
        hrow[p0 + i] += u - un
        x[p0 + i] = y
        u_now[i] = un


@jit
def _coefficients_at(land, k, out):
    a = land.knot[k]
    f = land.frac[k]
    c = land.coefficients
    for i in range(out.shape[0]):
        out[i] = c[a + 1, i] if f >= 1.0 else c[a, i] + (c[a + 1, i] - c[a, i]) * f


@jit(inline="always")
def energy(land, c, va, vb, f, x):
    """``(U, dU/dx)`` at ``x``: the polynomial ``c`` (``land.kind`` 0) or the tabulated rows
    ``va``, ``vb`` of the segment's two knots mixed at fraction ``f`` (kind 1, on the table's
    grid ``land.x0``, ``land.dx`` with its ``land.wall``)."""
    if land.kind == 0:
        return horner(c, x)
    x0, dx, wall = land.x0, land.dx, land.wall
    if f >= 1.0:
        return hermite(vb, x0, dx, wall, x)
    ua, da = hermite(va, x0, dx, wall, x)
    ub, db = hermite(vb, x0, dx, wall, x)
    return ua + (ub - ua) * f, da + (db - da) * f


@jit(inline="always")
def normals_block(st, step, p0, n, z, rare, todo):
    """``z[i]`` = the normal of ``(step, p0 + i)``, i < n (``rare`` a bool and ``todo`` an int
    buffer of ``BLOCK`` entries): a branch-free fast pass that flags the ziggurat's rare draws
    (about 1.5 %), their indices gathered eight flags at a time, then each by
    :func:`normal.normal` (a call: written inside the block's loop, the compiler vectorised
    that loop over all particles under a mask, costing as much per block as the fast pass)."""
    g0 = st.gammas[0]
    # bits(key, gamma, step, p0 + i) = mix64(w) with w = key + gamma * counter (mod 2**64),
    # stepped by gamma from particle to particle: no multiply to form it
    w = st.keys[0] + g0 * ((np.uint64(step) << _S32) | np.uint64(p0))
    for i in range(n):
        r = _mix64(w)
        w += g0
        idx = r & _U255
        rabs = r >> _S12
        x = np.float64(rabs) * WI[idx]
        z[i] = (1.0 - 2.0 * np.float64((r >> _S8) & _U1)) * x
        rare[i] = rabs >= KI[idx]
    for i in range(n, (n + 7) & ~7):
        rare[i] = False
    words = rare.view(np.uint64)
    c = 0
    for w in range((n + 7) >> 3):
        if words[w] != 0:
            for i in range(8 * w, 8 * w + 8):
                todo[c] = i
                c += rare[i]
    for j in range(c):
        i = todo[j]
        z[i] = normal_inline(st.keys, st.gammas, st.seed, st.base, step, p0 + i)


@jit(inline="always")
def _grid(x, land):
    """``n, n_steps, n_blocks, va0, vb0``: particles, steps, blocks of ``BLOCK``, and the
    tabulated rows of the first knot."""
    n = x.shape[0]
    va0 = land.values[0]
    vb0 = land.values[1] if land.kind == 1 else va0
    return n, land.durations.shape[0], (n + BLOCK - 1) // BLOCK, va0, vb0


@jit(inline="always")
def _block(land, b, n):
    """``p0, m, z, rare, todo, u_now, c0``: block ``b``'s first particle and size, its buffers of
    normals, rare-draw flags and indices and energies, and the polynomial coefficients at the
    first grid point."""
    p0 = b * BLOCK
    m = min(BLOCK, n - p0)
    c0 = np.empty(land.coefficients.shape[1])
    _coefficients_at(land, 0, c0)
    return (p0, m, np.empty(BLOCK), np.empty(BLOCK, dtype=np.bool_), np.empty(BLOCK, np.int64),
            np.empty(BLOCK), c0)


@jit(inline="always")
def _enter_step(land, noise, k, p0, m, c_next, z, rare, todo):
    """``f, va, vb, h, code, step`` of grid step ``k`` for the block ``p0 .. p0 + m``: the
    landscape at its end (polynomial coefficients into ``c_next``; the tabulated rows ``va``,
    ``vb`` and fraction ``f``), its duration, tag code and counter, with the block's normals
    drawn into ``z`` when the step moves."""
    _coefficients_at(land, k + 1, c_next)
    f = land.frac[k + 1]
    va = land.values[land.knot[k + 1]]
    vb = land.values[land.knot[k + 1] + 1] if land.kind == 1 else va
    h = land.durations[k]
    step = noise.step0 + np.uint64(k)
    if h > 0.0:
        normals_block(noise, step, p0, m, z, rare, todo)
    return f, va, vb, h, land.codes[k], step


def _overdamped_range(b0, b1, x, land, noise, accept, mobility, kT, mala, work, heat, e_start,
                      e_end, accepted):
    """Overdamped steps over the whole grid for the particles of blocks ``b0 .. b1 - 1``."""
    n, n_steps, n_blocks, va0, vb0 = _grid(x, land)
    # every block index, skipping those outside the range: written as ``range(b0, b1)`` the
    # loops inside stopped vectorising (measured 2x slower)
    for b in prange(n_blocks):
        if b < b0 or b >= b1:
            continue
        p0, m, z, rare, todo, u_now, c0 = _block(land, b, n)
        u_mid_b = np.empty(BLOCK)
        d_mid_b = np.empty(BLOCK)
        u_new_b = np.empty(BLOCK)
        d_new_b = np.empty(BLOCK)
        c_now = c0
        c_next = np.empty(c0.size)
        for i in range(m):
            u_now[i] = energy(land, c_now, va0, vb0, 0.0, x[p0 + i])[0]
            e_start[p0 + i] = u_now[i]
        for k in range(n_steps):
            f, va, vb, h, code, step = _enter_step(land, noise, k, p0, m, c_next, z, rare, todo)
            drift = mobility * h
            sigma = math.sqrt(2.0 * mobility * kT * h)
            if land.kind == 0 and not mala and c_next.shape[0] == 5:
                _euler_quartic_block(c_next, x, p0, m, u_now, work[code], heat[code], drift,
                                     sigma, z, h > 0.0)
                c_now, c_next = c_next, c_now
                continue
            if land.kind == 0 and not mala:
                # the same arithmetic as the general loop below, in loops over the block that
                # the compiler vectorises (Horner's rule one coefficient at a time)
                _horner_block(c_next, x, p0, m, u_mid_b, d_mid_b)
                for i in range(m):
                    work[code, p0 + i] += u_mid_b[i] - u_now[i]
                if h > 0.0:
                    for i in range(m):
                        x[p0 + i] = x[p0 + i] - drift * d_mid_b[i] + sigma * z[i]
                    _horner_block(c_next, x, p0, m, u_new_b, d_new_b)
                    for i in range(m):
                        heat[code, p0 + i] += u_mid_b[i] - u_new_b[i]
                        u_now[i] = u_new_b[i]
                else:
                    for i in range(m):
                        u_now[i] = u_mid_b[i]
                c_now, c_next = c_next, c_now
                continue
            for i in range(m):
                p = p0 + i
                xp = x[p]
                u_mid, d_mid = energy(land, c_next, va, vb, f, xp)
                work[code, p] += u_mid - u_now[i]
                if h > 0.0:
                    y = xp - drift * d_mid + sigma * z[i]
                    u_y, d_y = energy(land, c_next, va, vb, f, y)
                    take = True
                    if mala:
                        fwd = y - xp + drift * d_mid
                        rev = xp - y + drift * d_y
                        log_a = -(u_y - u_mid) / kT - (rev * rev - fwd * fwd) / (
                            4.0 * mobility * kT * h)
                        un = 1.0 - to_unit(bits(accept.keys[0], accept.gammas[0], step, p))
                        take = math.log(un) < log_a
                        if take:
                            accepted[p] += 1
                    if take:
                        x[p] = y
                        heat[code, p] += u_mid - u_y
                        u_now[i] = u_y
                    else:
                        u_now[i] = u_mid
                else:
                    u_now[i] = u_mid
            c_now, c_next = c_next, c_now
        for i in range(m):
            e_end[p0 + i] = u_now[i]


def _underdamped_range(b0, b1, x, v, land, noise, mass, gamma, kT, work, heat, e_start, e_end):
    """BAOAB steps over the whole grid for the particles of blocks ``b0 .. b1 - 1``."""
    n, n_steps, n_blocks, va0, vb0 = _grid(x, land)
    # every block index, skipping those outside the range: written as ``range(b0, b1)`` the
    # loops inside stopped vectorising (measured 2x slower)
    for b in prange(n_blocks):
        if b < b0 or b >= b1:
            continue
        p0, m, z, rare, todo, u_now, c0 = _block(land, b, n)
        c_next = c0
        for i in range(m):
            p = p0 + i
            u_now[i] = energy(land, c_next, va0, vb0, 0.0, x[p])[0]
            e_start[p] = u_now[i] + 0.5 * mass * v[p] * v[p]
        for k in range(n_steps):
            f, va, vb, h, code, _ = _enter_step(land, noise, k, p0, m, c_next, z, rare, todo)
            c = math.exp(-gamma * h)
            s = math.sqrt((1.0 - c * c) * kT / mass)
            half = 0.5 * h
            for i in range(m):
                p = p0 + i
                xp = x[p]
                vp = v[p]
                u_mid, d_mid = energy(land, c_next, va, vb, f, xp)
                work[code, p] += u_mid - u_now[i]
                if h > 0.0:
                    e_before = u_mid + 0.5 * mass * vp * vp
                    vp = vp - half * d_mid / mass
                    xp = xp + half * vp
                    vp = c * vp + s * z[i]
                    xp = xp + half * vp
                    u_new, d_new = energy(land, c_next, va, vb, f, xp)
                    vp = vp - half * d_new / mass
                    x[p] = xp
                    v[p] = vp
                    heat[code, p] += e_before - (u_new + 0.5 * mass * vp * vp)
                    u_now[i] = u_new
                else:
                    u_now[i] = u_mid
        for i in range(m):
            p = p0 + i
            e_end[p] = u_now[i] + 0.5 * mass * v[p] * v[p]


_overdamped_parallel, _overdamped_serial = jit_pair(_overdamped_range)
_underdamped_parallel, _ = jit_pair(_underdamped_range)


def overdamped_steps(x, land, noise, accept, mobility, kT, mala, tally):
    """Overdamped steps over the whole grid for every particle (see module docstring): the
    Euler quartic path as serial kernels on threads (``_on_threads``), the others in one
    ``prange`` kernel (the same source; measured faster that way for MALA and tabulated)."""
    work, heat, e_start, e_end, accepted = tally
    args = (x, land, noise, accept, mobility, kT, mala, work, heat, e_start, e_end, accepted)
    if land.kind == 0 and not mala:
        _on_threads(_overdamped_serial, x.shape[0], args)
    else:
        _overdamped_parallel(0, (x.shape[0] + BLOCK - 1) // BLOCK, *args)


def underdamped_steps(x, v, land, noise, mass, gamma, kT, tally):
    """BAOAB steps over the whole grid for every particle (see module docstring)."""
    work, heat, e_start, e_end, _accepted = tally
    _underdamped_parallel(0, (x.shape[0] + BLOCK - 1) // BLOCK, x, v, land, noise, mass, gamma,
                          kT, work, heat, e_start, e_end)


def _on_threads(kernel, n, args):
    """``kernel(b0, b1, *args)`` over the blocks of ``n`` particles, split into contiguous
    ranges, one per thread of Numba's thread count (``numba.get_num_threads``), each on a
    Python thread (the kernels release the GIL). A plain serial kernel per range, rather
    than a ``prange`` loop: Numba's parallel outlining kept the Euler polynomial loops from
    vectorising (CPU per particle-step on one thread, same process, AMD EPYC Zen 4, loaded
    machine: 11-12 ns with ``prange``, 6.6-6.8 ns so). Every block's numbers
    depend only on (seed, step, particle), so the split changes nothing."""
    n_blocks = (n + BLOCK - 1) // BLOCK
    threads = max(1, min(numba.get_num_threads(), n_blocks))
    if threads == 1:
        kernel(0, n_blocks, *args)
        return
    edges = [n_blocks * i // threads for i in range(threads + 1)]
    with ThreadPoolExecutor(threads) as pool:
        jobs = [pool.submit(kernel, edges[i], edges[i + 1], *args) for i in range(threads)]
        for j in jobs:
            j.result()


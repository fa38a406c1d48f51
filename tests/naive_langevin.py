"""Slow, obviously-correct NumPy twins of the continuous engine's kernels (the tests/naive.py
idea): the same normals (``normal.normals_np``), the same formulas, vectorised over particles,
one step at a time."""

from __future__ import annotations

import numpy as np

from simcore.langevin.normal import ACCEPT_SLOT, LANGEVIN_DRAW, NOISE_SLOT, SLOT, normals_np
from simcore.langevin.potential import PolynomialProtocol, hermite_np
from simcore.rng import uniform


def _energy_at(protocol, grid, k, x):
    """``(U, dU/dx)`` at grid point k, by the kernels' interpolation rule."""
    a, f = grid.knot[k], grid.frac[k]
    if isinstance(protocol, PolynomialProtocol):
        ca, cb = protocol.coefficients[a], protocol.coefficients[a + 1]
        c = cb if f >= 1.0 else ca + (cb - ca) * f
        u = np.full(x.shape, c[-1])
        du = np.zeros(x.shape)
        for ci in c[-2::-1]:
            du = du * x + u
            u = u * x + ci
        return u, du
    x0, h, wall = protocol.positions[0], protocol.spacing, protocol.wall
    va, vb = protocol.values[a], protocol.values[a + 1]
    if f >= 1.0:
        return hermite_np(vb, x0, h, wall, x)
    ua, da = hermite_np(va, x0, h, wall, x)
    ub, db = hermite_np(vb, x0, h, wall, x)
    return ua + (ub - ua) * f, da + (db - da) * f


def _start(protocol, dt, x):
    """``grid, x, work, heat, u_now``: the step grid, a float64 copy of the positions, zeroed
    tallies (T, N) and the energies at grid point 0."""
    grid = protocol.grid(dt)
    x = np.array(x, dtype=np.float64)
    work = np.zeros((len(grid.names), x.size))
    heat = np.zeros((len(grid.names), x.size))
    return grid, x, work, heat, _energy_at(protocol, grid, 0, x)[0]


def _work_step(protocol, grid, k, x, u_now, work, seed, step):
    """The work step into grid point k + 1 (booked in ``work``): ``(h, code, u_mid, d_mid, z)``,
    ``z`` the step's normals (None for a zero-duration step)."""
    h, code = grid.durations[k], grid.codes[k]
    u_mid, d_mid = _energy_at(protocol, grid, k + 1, x)
    work[code] += u_mid - u_now
    z = normals_np(seed, NOISE_SLOT, step, np.arange(x.size)) if h > 0 else None
    return h, code, u_mid, d_mid, z


def overdamped(protocol, dt, x, *, friction, kT, seed, step0=0, mala=False):
    """Twin of ``overdamped_steps``: returns ``(x, work (T, N), heat (T, N), accepted)``."""
    grid, x, work, heat, u_now = _start(protocol, dt, x)
    n = x.size
    mob = 1.0 / friction
    accepted = np.zeros(n, dtype=np.int64)
    parts = np.arange(n)
    for k in range(grid.n_steps):
        h, code, u_mid, d_mid, z = _work_step(protocol, grid, k, x, u_now, work, seed, step0 + k)
        if z is not None:
            drift = mob * h
            y = x - drift * d_mid + np.sqrt(2.0 * mob * kT * h) * z
            u_y, d_y = _energy_at(protocol, grid, k + 1, y)
            take = np.ones(n, dtype=bool)
            if mala:
                fwd = y - x + drift * d_mid
                rev = x - y + drift * d_y
                log_a = -(u_y - u_mid) / kT - (rev * rev - fwd * fwd) / (4.0 * mob * kT * h)
                un = 1.0 - uniform(seed, step0 + k, parts, LANGEVIN_DRAW + ACCEPT_SLOT * SLOT)
                take = np.log(un) < log_a
                accepted += take
            heat[code] += np.where(take, u_mid - u_y, 0.0)
            x = np.where(take, y, x)
            u_now = np.where(take, u_y, u_mid)
        else:
            u_now = u_mid
    return x, work, heat, accepted


def underdamped(protocol, dt, x, v, *, friction, mass, kT, seed, step0=0):
    """Twin of ``underdamped_steps`` (BAOAB): returns ``(x, v, work, heat)``."""
    grid, x, work, heat, u_now = _start(protocol, dt, x)
    v = np.array(v, dtype=np.float64)
    gamma = friction / mass
    for k in range(grid.n_steps):
        h, code, u_mid, d_mid, z = _work_step(protocol, grid, k, x, u_now, work, seed, step0 + k)
        if z is not None:
            c = np.exp(-gamma * h)
            s = np.sqrt((1.0 - c * c) * kT / mass)
            e_before = u_mid + 0.5 * mass * v * v
            v = v - 0.5 * h * d_mid / mass
            x = x + 0.5 * h * v
            v = c * v + s * z
            x = x + 0.5 * h * v
            u_new, d_new = _energy_at(protocol, grid, k + 1, x)
            v = v - 0.5 * h * d_new / mass
            heat[code] += e_before - (u_new + 0.5 * mass * v * v)
            u_now = u_new
        else:
            u_now = u_mid
    return x, v, work, heat

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


def overdamped(protocol, dt, x, *, friction, kT, seed, step0=0, mala=False):
    """Twin of ``overdamped_steps``: returns ``(x, work (T, N), heat (T, N), accepted)``."""
    grid = protocol.grid(dt)
    n = x.size
    x = np.array(x, dtype=np.float64)
    mob = 1.0 / friction
    work = np.zeros((len(grid.names), n))
    heat = np.zeros((len(grid.names), n))
    accepted = np.zeros(n, dtype=np.int64)
    parts = np.arange(n)
    u_now = _energy_at(protocol, grid, 0, x)[0]
    for k in range(grid.n_steps):
        h, code = grid.durations[k], grid.codes[k]
        u_mid, d_mid = _energy_at(protocol, grid, k + 1, x)
        work[code] += u_mid - u_now
        if h > 0:
            z = normals_np(seed, NOISE_SLOT, step0 + k, parts)
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
    grid = protocol.grid(dt)
    n = x.size
    x = np.array(x, dtype=np.float64)
    v = np.array(v, dtype=np.float64)
    gamma = friction / mass
    work = np.zeros((len(grid.names), n))
    heat = np.zeros((len(grid.names), n))
    parts = np.arange(n)
    u_now = _energy_at(protocol, grid, 0, x)[0]
    for k in range(grid.n_steps):
        h, code = grid.durations[k], grid.codes[k]
        u_mid, d_mid = _energy_at(protocol, grid, k + 1, x)
        work[code] += u_mid - u_now
        if h > 0:
            z = normals_np(seed, NOISE_SLOT, step0 + k, parts)
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

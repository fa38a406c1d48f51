"""Slow, obviously-correct NumPy twins of the Numba kernels (STUMPY's tests/naive.py idea).

Each twin uses the same random numbers (``simcore.rng.uniform_bits``, itself a NumPy twin of the
kernels' generator) and the plainest formulas, so the tests can compare them element by element.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg

from simcore import rng
from simcore.expfun import exp_np, one_minus_exp_np, phi_np
from simcore.landscape import generator, pair_rates


def rates(e_lo, e_hi, saddle, kT, f0, kinetics):
    """Twin of ``propagator.rate_pair`` with the kernels' exponential (bit-identical)."""
    if kinetics == "arrhenius":
        s_eff = np.maximum(saddle, np.maximum(e_lo, e_hi))
        return f0 * exp_np(-(s_eff - e_lo) / kT), f0 * exp_np(-(s_eff - e_hi) / kT)
    ex = exp_np(-np.abs(e_hi - e_lo) / kT)
    up, down = f0 * ex / (1.0 + ex), f0 / (1.0 + ex)
    return np.where(e_hi >= e_lo, up, down), np.where(e_hi >= e_lo, down, up)


TWO64 = 2.0**64
UMAX = np.uint64(2**64 - 1)


def propagator(energies, saddles, kT, f0, kinetics, dt):
    """exp(K dt) by SciPy's Padé expm."""
    return scipy.linalg.expm(generator(energies, saddles, kT, f0, kinetics) * dt)


def thresholds_from_propagator(p):
    """Integer thresholds (M, M-1) with the convention of ``propagator.level_thresholds``:
    lower cumulative sums below the diagonal, 2**64-1 minus upper tails from the diagonal up."""
    m = p.shape[0]
    out = np.zeros((m, m - 1), dtype=np.uint64)
    for i in range(m):
        lower = np.cumsum(p[i])  # P(level <= j), summed up from level 0
        upper = np.cumsum(p[i, ::-1])[::-1]  # P(level >= j), summed down from level M-1
        for j in range(m - 1):
            if j < i:
                out[i, j] = rng.threshold(lower[j])
            else:
                t = rng.threshold(upper[j + 1])
                out[i, j] = UMAX - t if t > 0 else UMAX
        out[i] = np.maximum.accumulate(out[i])
    return out


def sample_levels(state, thresholds_k, u):
    """New levels: for each cell the number of its row's thresholds that ``u`` reaches."""
    th = thresholds_k[state.astype(np.int64)]  # (N, M-1)
    return (u[:, None] >= th).sum(axis=1).astype(np.uint8)


def run_shared(state, thresholds, seed, step0, energies=None):
    """Twin of kernels.bits_shared / levels_shared(_per_cell) over a block; returns the new
    state, occupancy after each step (B, M), and per-cell work and heat if ``energies`` given."""
    state = state.copy()
    n = state.size
    m = thresholds.shape[1]
    cells = np.arange(n)
    occ = np.zeros((thresholds.shape[0], m), dtype=np.int64)
    work = np.zeros(n)
    heat = np.zeros(n)
    for k in range(thresholds.shape[0]):
        u = rng.uniform_bits(seed, step0 + k, cells)
        new = sample_levels(state, thresholds[k], u)
        if energies is not None:
            work += energies[k + 1, state] - energies[k, state]
            heat += energies[k + 1, state] - energies[k + 1, new]
        state = new
        occ[k] = np.bincount(state, minlength=m)
    return state, occ, work, heat


def bits_heterogeneous(state, e_old, e_new, saddles, f0, kT, kinetics, dt, seed, step0, n_steps):
    """Twin of kernels.bits_heterogeneous with full (N, ...) arrays, step by step: returns the
    new state, cells at 1 and level changes after each step (B,), per-cell work and heat."""
    n = state.size
    cells = np.arange(n)
    up, down = rates(e_new[:, 0], e_new[:, 1], saddles[:, 0], kT, f0, kinetics)
    phi = phi_np((up + down) * dt)
    t01, t10 = rng.threshold(up * dt * phi), rng.threshold(down * dt * phi)
    stay0 = np.where(t01 > 0, UMAX - t01, UMAX)
    s = state.astype(np.int64)
    work = e_new[cells, s] - e_old[cells, s]  # the jump before the first step
    heat = np.zeros(n)
    ones = np.zeros(n_steps, dtype=np.int64)
    changes = np.zeros(n_steps, dtype=np.int64)
    for k in range(n_steps):
        u = rng.uniform_bits(seed, step0 + k, cells)
        flip = np.where(s == 1, u < t10, u >= stay0)
        new = np.where(flip, 1 - s, s)
        heat += e_new[cells, s] - e_new[cells, new]
        ones[k] = new.sum()
        changes[k] = flip.sum()
        s = new
    return s.astype(np.uint8), ones, changes, work, heat


def gillespie_step(state, e_new, saddles, f0, kT, kinetics, dt, seed, step):
    """Twin of the jump-by-jump step of kernels.levels_step_heterogeneous, cell by cell."""
    n, m = e_new.shape
    out = state.astype(np.int64).copy()
    for i in range(n):
        s = out[i]
        up, down = pair_rates(e_new[i], saddles[i], kT, f0[i], kinetics)
        t_left = dt
        d = 0
        while True:
            ku = up[s] if s < m - 1 else 0.0
            kd = down[s - 1] if s > 0 else 0.0
            r = ku + kd
            if r <= 0:
                break
            u = rng.uniform(seed, step, i, draw=d)
            if u >= -np.expm1(-r * t_left):
                break
            t_left += np.log1p(-u) / r
            v = rng.uniform(seed, step, i, draw=d + 1)
            s = s + 1 if v * r < ku else s - 1
            d += 2
        out[i] = s
    return out.astype(np.uint8)


def bits_indexed(state, kinds, e_table, s_table, f0, kT, kinetics, dt, seed, step, e_old):
    """Twin of one step of kernels.bits_indexed: cell i under landscape ``kinds[i]`` of the
    table ``(e_table (K, 2), s_table (K, 1))``, from landscape ``e_old`` (N, 2) per cell.

    A shared ``f0`` (scalar) gives ``bits_heterogeneous``'s thresholds; per-cell ``f0`` (N,)
    the separable form ``P(leave s) = share_s (1 - exp(-f0 g dt))`` with ``g = k01 + k10`` of the
    kind at f0 = 1. Returns the new state, per-cell work and heat."""
    n = state.size
    cells = np.arange(n)
    s = state.astype(np.int64)
    k = np.asarray(kinds, dtype=np.int64)
    if np.ndim(f0) == 0:
        up, down = rates(e_table[:, 0], e_table[:, 1], s_table[:, 0], kT, f0, kinetics)
        phi = phi_np((up + down) * dt)
        p_out = np.where(s == 1, (down * dt * phi)[k], (up * dt * phi)[k])
    else:
        a01, a10 = rates(e_table[:, 0], e_table[:, 1], s_table[:, 0], kT, 1.0, kinetics)
        total = a01 + a10
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total[k] > 0, np.where(s == 1, a10[k], a01[k]) / total[k], 0.0)
        p_out = share * one_minus_exp_np(f0 * (total * dt)[k])
    t = rng.threshold(p_out)
    th = np.where(s == 1, t, np.where(t > 0, UMAX - t, UMAX))
    u = rng.uniform_bits(seed, step, cells)
    new = (u >= th).astype(np.int64)
    work = e_table[k, s] - e_old[cells, s]
    heat = e_table[k, s] - e_table[k, new]
    return new.astype(np.uint8), work, heat


def levels_indexed(state, kinds, thresholds, e_table, seed, step, e_old):
    """Twin of one step of kernels.levels_indexed: cell i samples its new level with the
    thresholds (K, M, M-1) of its kind and the uniform of (seed, step, i). Returns the new
    state, per-cell work and heat (from landscape ``e_old`` (N, M) per cell)."""
    n = state.size
    cells = np.arange(n)
    s = state.astype(np.int64)
    k = np.asarray(kinds, dtype=np.int64)
    u = rng.uniform_bits(seed, step, cells)
    new = (u[:, None] >= thresholds[k, s]).sum(axis=1)
    work = e_table[k, s] - e_old[cells, s]
    heat = e_table[k, s] - e_table[k, new]
    return new.astype(np.uint8), work, heat


def ising_thresholds(gh, barrier, kT, f0, tau):
    """Twin of ``kernels.ising.spin_thresholds``: ``(stay, drop)`` of cells tilted by ``gh``."""
    e0, e1 = gh, -gh
    saddle = np.maximum(e0, e1) + barrier
    k01, k10 = rates(e0, e1, saddle, kT, f0, "arrhenius")
    ph = phi_np((k01 + k10) * tau)
    t01 = rng.threshold(k01 * tau * ph)
    stay = np.where(t01 > 0, UMAX - t01, UMAX)
    return stay, rng.threshold(k10 * tau * ph)


def ising_sweeps(couplings, fields, colours, spins, tilt, gains, barriers, kT, f0, tau, seed,
                 step0, draw):  # fmt: skip
    """Twin of ``kernels.ising.ising_sweeps``: colour classes in order, all replicas at once.

    The local field is summed in the kernel's order (CSR order, after the external field), so
    the spins agree bit for bit. Returns ``(spins, tilt, energy (S+1, R), work, heat, flips
    (S, R))``; the energy is recomputed from the spins after every sweep.
    """
    j = couplings.tocsr()
    spins, tilt = spins.copy(), tilt.copy()
    r_n, n = spins.shape
    n_col = int(colours.max()) + 1
    deg = np.diff(j.indptr)

    def energy(sp):
        return -0.5 * np.einsum("ri,ri->r", sp, (j @ sp.T).T) - sp @ fields

    out_e = [energy(spins.astype(np.float64))]
    out_w, out_q, out_f = [], [], []
    rep = np.arange(r_n)[:, None]
    for s, (g, b) in enumerate(zip(gains, barriers, strict=True)):
        w, q, nf = np.zeros(r_n), np.zeros(r_n), np.zeros(r_n, dtype=np.int64)
        for c in range(n_col):
            idx = np.flatnonzero(colours == c)
            h = np.broadcast_to(fields[idx], (r_n, idx.size)).copy()
            for d in range(deg.max(initial=0)):
                has = deg[idx] > d
                pos = j.indptr[idx[has]] + d
                h[:, has] += j.data[pos] * spins[:, j.indices[pos]]
            gh = g * h
            sf = spins[:, idx].astype(np.float64)
            w += (sf * (tilt[:, idx] - gh)).sum(axis=1)
            tilt[:, idx] = gh
            stay, drop = ising_thresholds(gh, b, kT, f0, tau)
            u = rng.uniform_bits(seed, step0 + s * n_col + c, rep * n + idx, draw)
            flip = np.where(sf < 0, u >= stay, u < drop)
            q -= np.where(flip, 2.0 * sf * gh, 0.0).sum(axis=1)
            nf += flip.sum(axis=1)
            spins[:, idx] = np.where(flip, -spins[:, idx], spins[:, idx])
        out_e.append(energy(spins.astype(np.float64)))
        out_w.append(w)
        out_q.append(q)
        out_f.append(nf)
    return spins, tilt, np.array(out_e), np.array(out_w), np.array(out_q), np.array(out_f)


def sparse_tables(probs):
    """Twin of ``kernels.sparse_tables``: ``(log_stay (B,), accept (B, M), jump (B, M, M-1))``
    from propagators (B, M, M), in plain Python floats (the same sums in the same order)."""
    b, m, _ = probs.shape
    log_stay = np.zeros(b)
    accept = np.zeros((b, m), dtype=np.uint64)
    jump = np.zeros((b, m, m - 1), dtype=np.uint64)
    for k in range(b):
        esc = []
        for i in range(m):
            e = 0.0
            for j in range(m):
                if j != i:
                    e += float(probs[k, i, j])
            esc.append(e)
        p_max = max(esc)
        log_stay[k] = math.log1p(-min(p_max, 1.0)) if p_max > 0 else 0.0
        for i in range(m):
            if p_max <= 0:
                accept[k, i] = 0
            elif esc[i] >= p_max:
                accept[k, i] = UMAX
            else:
                accept[k, i] = rng.threshold(esc[i] / p_max)
            acc = 0.0
            others = [j for j in range(m) if j != i]
            for d, j in enumerate(others[: m - 1]):
                acc += float(probs[k, i, j])
                jump[k, i, d] = UMAX if esc[i] <= 0 else rng.threshold(acc / esc[i])
            jump[k, i] = np.maximum.accumulate(jump[k, i])
    return log_stay, accept, jump


def sparse_shared(state, bounds, probs, seed, step0, energies=None):
    """Twin of ``kernels.sparse_shared`` over a block: geometric skips at the largest escape
    probability, acceptance, new level; one uniform per draw from ``rng.uniform_bits`` of the
    streams ``draws.SPARSE``. Returns the new state, counts (G, B, M), changes (G, B), and
    per-cell work and heat (J, telescoped) when ``energies`` (B+1, M) are given."""
    from simcore import draws

    state = state.copy()
    b, m, _ = probs.shape
    g_n = bounds.size - 1
    log_stay, accept, jump = sparse_tables(probs)
    counts = np.zeros((g_n, b, m), dtype=np.int64)
    changes = np.zeros((g_n, b), dtype=np.int64)
    work = np.zeros(state.size)
    heat = np.zeros(state.size)
    skip, take, land = (draws.SPARSE[d] for d in range(3))

    def u64(step, cell, draw):
        return rng.uniform_bits(seed, step, cell, draw)[()]

    if energies is not None:
        work -= energies[0, state]
    for g in range(g_n):
        c0, c1 = int(bounds[g]), int(bounds[g + 1])
        for k in range(b):
            step = step0 + k
            if log_stay[k] < 0:
                c = c0
                while c < c1:
                    u = (float(u64(step, c, skip) >> np.uint64(11)) + 1.0) / 2.0**53
                    gap = math.log(u) / log_stay[k]
                    if gap >= float(c1 - c):
                        break
                    c += int(gap)
                    i = int(state[c])
                    if accept[k, i] == UMAX or u64(step, c, take) < accept[k, i]:
                        if m == 2:
                            j = 1 - i
                        else:
                            v = u64(step, c, land)
                            d = int(np.sum(v >= jump[k, i, : m - 2]))
                            j = d if d < i else d + 1
                        state[c] = j
                        changes[g, k] += 1
                        if energies is not None:
                            q = energies[k + 1, i] - energies[k + 1, j]
                            heat[c] += q
                            work[c] += q
                    c += 1
            counts[g, k] = np.bincount(state[c0:c1], minlength=m)
    if energies is not None:
        work += energies[b, state]
    return state, counts, changes, work, heat

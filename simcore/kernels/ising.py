"""The in-memory Ising machine's kernel: colour-class sweeps of bistable cells.

Spin ``σ_i = ±1`` is a bit cell (level 0 is σ = -1, level 1 is σ = +1). When its colour class is
active the controller tilts its wells by the current local field ``h_i = Σ_j J_ij σ_j + h_i^ext``
(``E_{+1} = -g h_i``, ``E_{-1} = +g h_i``), with the saddle ``b`` above the upper well, and the cell
evolves for the window ``τ`` by the exact two-state propagator (THEORY.md sections 2 and 9): the
threshold rule of the bit kernels on the uniform ``rng.bits(key, gamma, step, r N + i)``, ``step``
the colour step, ``r`` the replica. The cells of the other classes are held (not evolved).

Bundles (``kernels/bundles.py``'s rule: unpacked one field per statement at the top, never
inside a ``prange`` body):

- ``IsingGraph``: the couplings as CSR in colour order, row ``p`` the couplings of cell
  ``cells[p]`` (``indptr`` (N+1,) int64, ``indices`` (nnz,) uint32 neighbour cells, ``values``
  (nnz,) float64 problem units, ``ivalues`` (nnz,) int16 the same as integers or (0,)),
  ``fields`` (N,) float64 and ``ifields`` (N,) int16 (or (0,)) in the same order, ``cells`` (N,)
  uint32, and the colour layout: ``chunks`` (K+1,) int64 bounds of the fixed chunks of positions,
  ``degree`` (K,) int64 the common degree of a chunk's cells (-1 if they differ), ``classes``
  (C+1,) int64 chunk bounds of each colour class;
- ``IsingState``: ``spins`` (R, N) int8, ``tilt`` (R, N) float64, each cell's tilt ``g h_i``
  (J) as last set, both updated in place;
- ``IsingControls``: per sweep ``gains`` (S,) J per problem unit and ``barriers`` (S,) J;
  ``tables`` (S, L, 2) uint64 thresholds per integer field ``h = l - offset`` (L = 0: computed
  per update); scalars ``kT`` (J), ``f0`` (Hz), ``tau`` (s);
- ``IsingTallies``: ``energy`` (S+1, R) problem energy (row 0 set by the caller), ``work``,
  ``heat`` (S, R) J and ``flips`` (S, R) per sweep; scratch ``part`` (R, K, 3) float64,
  ``part_n`` (R, K, 3) int64, ``carry`` (R,) int64 and ``hashes`` (T, BLOCK) uint64, one row
  per thread (``numba.config.NUMBA_NUM_THREADS`` rows).

Two update loops, the same chain. Real couplings: the field in float64 (CSR order, after the
external field), thresholds computed per update, work and heat summed per update. Integer
couplings (``tables`` given): the field is an exact integer (so any order gives the same value),
thresholds are read from the table, and the tallies are integers per chunk: ``B = Σ σ h`` (σ
before the update), ``D = Σ_hops σ h`` and the hops; then ``ΔH = 2 D``, ``Q = -2 g D`` and
``W = Σ σ t_old - g B``, where ``Σ σ t_old`` is read from the tilts in the call's first sweep and
is ``g' A`` later (``A = B' - 2 D'`` of the sweep before, at gain ``g'``). The tilts are then
written in the call's last sweep only (every cell is updated once per sweep). A chunk whose
cells share degree 4 runs a loop of fixed length (the square lattice's fast path: the same sums
in the same order).

Parallel layout: a job is one (replica, chunk) pair of the active class; chunks are fixed by the
colouring and ``CHUNK`` alone, each job runs its cells in a fixed order, and the per-chunk sums
are added in chunk order after each sweep. So results are bit-identical for any thread count.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from numba import prange

from simcore._jit import jit, jit_pair
from simcore.expfun import phi
from simcore.propagator import _UMAX, rate_pair, to_threshold
from simcore.rng import mix64

#: Cells of one colour class per job (fixed: never derived from the thread count).
CHUNK = 4096
#: Cells whose uniforms are drawn ahead in one vector loop (a buffer that stays in L1).
BLOCK = 256

_S32 = np.uint64(32)


class IsingGraph(NamedTuple):
    """Couplings (CSR in colour order, problem units), fields and the colour layout (see the
    module)."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    ivalues: np.ndarray
    fields: np.ndarray
    ifields: np.ndarray
    cells: np.ndarray
    chunks: np.ndarray
    degree: np.ndarray
    classes: np.ndarray


class IsingState(NamedTuple):
    """``spins`` (R, N) int8 ±1 and ``tilt`` (R, N) float64 (J), updated in place."""

    spins: np.ndarray
    tilt: np.ndarray


class IsingControls(NamedTuple):
    """Per-sweep ``gains`` (S,) J/unit, ``barriers`` (S,) J, ``tables`` (S, L, 2) uint64;
    ``kT`` (J), ``f0`` (Hz), ``tau`` (s), ``offset`` (int, table row of field 0)."""

    gains: np.ndarray
    barriers: np.ndarray
    tables: np.ndarray
    offset: int
    kT: float
    f0: float
    tau: float


class IsingTallies(NamedTuple):
    """``energy`` (S+1, R), ``work``/``heat`` (S, R) J, ``flips`` (S, R) int64; scratch
    ``part`` (R, K, 3) float64, ``part_n`` (R, K, 3) int64, ``carry`` (R,) int64 and ``hashes``
    (T, BLOCK) uint64 (a row per thread)."""

    energy: np.ndarray
    work: np.ndarray
    heat: np.ndarray
    flips: np.ndarray
    part: np.ndarray
    part_n: np.ndarray
    carry: np.ndarray
    hashes: np.ndarray


@jit(inline="always")
def spin_thresholds(gh, barrier, kT, f0, tau):
    """``(stay, drop)`` thresholds of a cell tilted by ``gh = g h`` (J): a cell at σ = -1 flips
    when ``u >= stay``, a cell at σ = +1 when ``u < drop`` (``propagator.level_thresholds``)."""
    e0 = gh
    e1 = -gh
    saddle = max(e0, e1) + barrier
    k01, k10 = rate_pair(e0, e1, saddle, kT, f0, 0)
    ph = phi((k01 + k10) * tau)
    t01 = to_threshold(k01 * tau * ph)
    return (_UMAX - t01 if t01 > 0 else _UMAX), to_threshold(k10 * tau * ph)


@jit
def field_tables(gains, barriers, offset, kT, f0, tau, out):
    """Thresholds of every integer field ``l - offset`` into ``out`` (S, 2 offset + 1, 2)."""
    for s in range(out.shape[0]):
        for lvl in range(out.shape[1]):
            h = np.float64(lvl - offset)
            stay, drop = spin_thresholds(gains[s] * h, barriers[s], kT, f0, tau)
            out[s, lvl, 0] = stay
            out[s, lvl, 1] = drop


# The loops are compiled functions of their own, called once per chunk of cells: compiled once
# (and cached) for both the parallel and the serial kernel, which halves the compile time and
# costs no speed measurable here.


@jit
def _cells_exact(
    spins, tilt, p0, p1, indptr, indices, values, fields, cells, g, b, kT, f0, tau, base, gamma,
    off,
):  # fmt: skip
    # real couplings: float fields, thresholds per update, float tallies
    d_h = 0.0
    w = 0.0
    q = 0.0
    nf = 0
    for p in range(p0, p1):
        i = cells[p]
        h = fields[p]
        for c in range(indptr[p], indptr[p + 1]):
            h += values[c] * spins[indices[c]]
        gh = g * h
        s = spins[i]
        sf = np.float64(s)
        w += sf * (tilt[i] - gh)
        tilt[i] = gh
        stay, drop = spin_thresholds(gh, b, kT, f0, tau)
        u = mix64(base + gamma * (off + np.uint64(i)))
        # branch-free: a flip is as likely as not, a branch would be mispredicted
        flip = (u >= stay) if s < 0 else (u < drop)
        ff = np.float64(flip)
        q -= ff * (2.0 * sf * gh)
        d_h += ff * (2.0 * sf * h)
        spins[i] = s - np.int8(2 * flip) * s
        nf += np.int64(flip)
    return d_h, w, q, nf


@jit(inline="always")
def _table_loop(
    spins, tilt, p0, p1, deg, indptr, indices, ivalues, ifields, cells, table, offset, g, first,
    last, base, gamma, off, ubuf,
):  # fmt: skip
    # integer couplings: exact integer fields and tallies; ``deg`` >= 0 a common degree (a
    # literal 4 from the caller unrolls the neighbour loop), -1 the CSR loop. Unsigned indices:
    # no negative-index wrap-around in the loops.
    b_sum = 0
    d_sum = 0
    nf = 0
    w0 = 0.0
    for q0 in range(p0, p1, BLOCK):
        m = min(BLOCK, p1 - q0)
        # the block's uniforms first: a loop of its own runs in vector registers
        for q in range(m):
            i = cells[np.uint64(q0 + q)]
            ubuf[np.uint64(q)] = mix64(base + gamma * (off + np.uint64(i)))
        for q in range(m):
            p = np.uint64(q0 + q)
            i = cells[p]
            h = np.int64(ifields[p])
            c0 = indptr[p]
            if deg >= 0:
                for d in range(deg):
                    c = np.uint64(c0 + d)
                    h += np.int64(ivalues[c]) * np.int64(spins[indices[c]])
            else:
                for c in range(c0, indptr[p + np.uint64(1)]):
                    cu = np.uint64(c)
                    h += np.int64(ivalues[cu]) * np.int64(spins[indices[cu]])
            s = spins[i]
            neg = s < 0
            # row h + offset: column 0 the threshold at σ = -1 (flip when u >= it), 1 at σ = +1
            t = table[np.uint64(2 * (h + offset) + 1 - np.int64(neg))]
            flip = (ubuf[np.uint64(q)] < t) != neg
            sh = np.int64(s) * h
            b_sum += sh
            d_sum += np.int64(flip) * sh
            nf += np.int64(flip)
            if first:
                w0 += np.float64(s) * tilt[i]
            if last:
                tilt[i] = g * np.float64(h)
            spins[i] = s - np.int8(2 * flip) * s
    return b_sum, d_sum, nf, w0


@jit
def _cells_table(
    spins, tilt, p0, p1, deg, indptr, indices, ivalues, ifields, cells, table, offset, g, first,
    last, base, gamma, off, ubuf,
):  # fmt: skip
    """The integer loop over positions ``[p0, p1)``: ``(B, D, hops, Σ σ t_old)``."""
    return _table_loop(
        spins, tilt, p0, p1, deg, indptr, indices, ivalues, ifields, cells, table, offset, g,
        first, last, base, gamma, off, ubuf,
    )  # fmt: skip


@jit
def _cells_degree4(
    spins, tilt, p0, p1, indptr, indices, ivalues, ifields, cells, table, offset, g, first, last,
    base, gamma, off, ubuf,
):  # fmt: skip
    """``_cells_table`` for cells of degree 4 (a literal: the neighbour loop is unrolled)."""
    return _table_loop(
        spins, tilt, p0, p1, 4, indptr, indices, ivalues, ifields, cells, table, offset, g,
        first, last, base, gamma, off, ubuf,
    )  # fmt: skip


@jit(inline="always")
def _job(
    r, k, s, n_sweeps, spins, tilt, indptr, indices, values, ivalues, fields, ifields, cells,
    chunks, degree, gains, barriers, tables, use_table, offset, kT, f0, tau, base, gamma, n,
    part, part_n, hashes,
):  # fmt: skip
    spins_r = spins[r]
    tilt_r = tilt[r]
    p0 = chunks[k]
    p1 = chunks[k + 1]
    off = np.uint64(r * n)
    g = gains[s]
    if use_table:
        table = tables[s]
        ubuf = hashes[numba.get_thread_id()]
        first = s == 0
        last = s == n_sweeps - 1
        deg = degree[k]
        if deg == 4:
            b_sum, d_sum, nf, w0 = _cells_degree4(
                spins_r, tilt_r, p0, p1, indptr, indices, ivalues, ifields, cells, table, offset,
                g, first, last, base, gamma, off, ubuf,
            )  # fmt: skip
        else:
            b_sum, d_sum, nf, w0 = _cells_table(
                spins_r, tilt_r, p0, p1, deg, indptr, indices, ivalues, ifields, cells, table,
                offset, g, first, last, base, gamma, off, ubuf,
            )  # fmt: skip
        part[r, k, 1] = w0
        part_n[r, k, 0] = b_sum
        part_n[r, k, 1] = d_sum
        part_n[r, k, 2] = nf
    else:
        d_h, w, q, nf = _cells_exact(
            spins_r, tilt_r, p0, p1, indptr, indices, values, fields, cells, g, barriers[s], kT,
            f0, tau, base, gamma, off,
        )  # fmt: skip
        part[r, k, 0] = d_h
        part[r, k, 1] = w
        part[r, k, 2] = q
        part_n[r, k, 2] = nf


@jit(inline="always")
def _reduce(r, s, gains, use_table, n_chunks, part, part_n, carry, energy, work, heat, flips):
    # the chunks' sums in chunk order: the same for any job layout
    d_h = 0.0
    w = 0.0
    q = 0.0
    b_sum = 0
    d_sum = 0
    nf = 0
    for k in range(n_chunks):
        d_h += part[r, k, 0]
        w += part[r, k, 1]
        q += part[r, k, 2]
        b_sum += part_n[r, k, 0]
        d_sum += part_n[r, k, 1]
        nf += part_n[r, k, 2]
    if use_table:
        g = gains[s]
        d_h = np.float64(2 * d_sum)
        q = -g * np.float64(2 * d_sum)
        if s == 0:
            w -= g * np.float64(b_sum)
        elif gains[s - 1] == g:
            w = g * np.float64(carry[r] - b_sum)
        else:
            w = gains[s - 1] * np.float64(carry[r]) - g * np.float64(b_sum)
        carry[r] = b_sum - 2 * d_sum  # Σ σ h after the sweep: the next sweep's Σ σ t_old / g
    energy[s + 1, r] = energy[s, r] + d_h
    work[s, r] = w
    heat[s, r] = q
    flips[s, r] = nf


def ising_sweeps(graph, state, controls, key, gamma, step0, tallies, by_replica):
    """Run ``S`` sweeps (every colour class once, in order) of every replica.

    Sweep ``s``, class ``c`` reads step ``step0 + s C + c`` of the stream ``(key, gamma)``. Adds
    nothing: writes ``tallies.energy[s + 1] = energy[s] + ΔH``, and each sweep's work, heat (J)
    and flips per replica. ``controls.tables`` with L = 0 computes the thresholds per update
    (any real couplings); else the couplings and fields must be integers with ``|h| <= offset``
    (``graph.ivalues``, ``graph.ifields``). ``by_replica``: one job per replica for all sweeps
    (for R >= threads), else one job per (replica, chunk) and colour class; the results are the
    same.
    """
    indptr = graph.indptr
    indices = graph.indices
    values = graph.values
    ivalues = graph.ivalues
    fields = graph.fields
    ifields = graph.ifields
    cells = graph.cells
    chunks = graph.chunks
    degree = graph.degree
    classes = graph.classes
    spins = state.spins
    tilt = state.tilt
    gains = controls.gains
    barriers = controls.barriers
    tables = controls.tables
    offset = controls.offset
    kT = controls.kT
    f0 = controls.f0
    tau = controls.tau
    energy = tallies.energy
    work = tallies.work
    heat = tallies.heat
    flips = tallies.flips
    part = tallies.part
    part_n = tallies.part_n
    carry = tallies.carry
    hashes = tallies.hashes
    n_rep = spins.shape[0]
    n = spins.shape[1]
    n_sweeps = gains.shape[0]
    n_col = classes.shape[0] - 1
    n_chunks = chunks.shape[0] - 1
    use_table = tables.shape[1] > 0
    flat = tables.reshape((n_sweeps, tables.shape[1] * 2))
    if by_replica:
        # one job per replica runs every sweep: one thread-pool launch per call
        for r in prange(n_rep):
            for s in range(n_sweeps):
                for c in range(n_col):
                    base = key + gamma * (np.uint64(step0 + s * n_col + c) << _S32)
                    for k in range(classes[c], classes[c + 1]):
                        _job(
                            r, k, s, n_sweeps, spins, tilt, indptr, indices, values, ivalues,
                            fields, ifields, cells, chunks, degree, gains, barriers, flat,
                            use_table, offset, kT, f0, tau, base, gamma, n, part, part_n, hashes,
                        )  # fmt: skip
                _reduce(r, s, gains, use_table, n_chunks, part, part_n, carry, energy, work, heat,
                        flips)  # fmt: skip
        return
    for s in range(n_sweeps):
        for c in range(n_col):
            base = key + gamma * (np.uint64(step0 + s * n_col + c) << _S32)
            k0 = classes[c]
            nk = classes[c + 1] - k0
            for j in prange(n_rep * nk):
                _job(
                    j // nk, k0 + j % nk, s, n_sweeps, spins, tilt, indptr, indices, values,
                    ivalues, fields, ifields, cells, chunks, degree, gains, barriers, flat,
                    use_table, offset, kT, f0, tau, base, gamma, n, part, part_n, hashes,
                )  # fmt: skip
        for r in range(n_rep):
            _reduce(r, s, gains, use_table, n_chunks, part, part_n, carry, energy, work, heat,
                    flips)  # fmt: skip


ising_sweeps, ising_sweeps_serial = jit_pair(ising_sweeps)


@jit
def greedy_colouring(indptr, indices, out):
    """Greedy colouring in index order: ``out[i]`` the smallest colour no earlier neighbour has
    (an independent set per colour; at most ``max degree + 1`` colours). Returns the count."""
    n = indptr.shape[0] - 1
    seen = np.full(n + 1, -1, dtype=np.int64)
    n_col = 0
    for i in range(n):
        for c in range(indptr[i], indptr[i + 1]):
            j = indices[c]
            if j < i:
                seen[out[j]] = i
        col = 0
        while seen[col] == i:
            col += 1
        out[i] = col
        n_col = max(n_col, col + 1)
    return n_col


@jit
def problem_energy(indptr, indices, values, ivalues, fields, ifields, cells, spins, out):
    """``H(σ) = -½ σᵀJσ - hᵀσ`` of each replica's ``spins`` (R, N) into ``out`` (R,), from the
    colour-ordered CSR (row ``p`` of cell ``cells[p]``); in exact integers where ``ivalues`` and
    ``ifields`` are given (non-empty)."""
    if ivalues.shape[0] > 0:
        for r in range(spins.shape[0]):
            s = spins[r]
            e2 = 0  # 2 H
            for p in range(cells.shape[0]):
                pu = np.uint64(p)
                h = 0
                for c in range(indptr[pu], indptr[pu + np.uint64(1)]):
                    cu = np.uint64(c)
                    h += np.int64(ivalues[cu]) * np.int64(s[indices[cu]])
                e2 -= np.int64(s[cells[pu]]) * (h + 2 * np.int64(ifields[pu]))
            out[r] = 0.5 * np.float64(e2)
        return
    for r in range(spins.shape[0]):
        e = 0.0
        for p in range(cells.shape[0]):
            h = 0.0
            for c in range(indptr[p], indptr[p + 1]):
                h += values[c] * spins[r, indices[c]]
            e -= spins[r, cells[p]] * (0.5 * h + fields[p])
        out[r] = e

"""The in-memory Ising machine's kernel: colour-class sweeps of bistable cells.

Spin ``σ_i = ±1`` is a bit cell (level 0 is σ = -1, level 1 is σ = +1). When its colour class is
active the controller tilts its wells by the current local field ``h_i = Σ_j J_ij σ_j + h_i^ext``
(``E_{+1} = -g h_i``, ``E_{-1} = +g h_i``), with the saddle ``b`` above the upper well, and the cell
evolves for the window ``τ`` by the exact two-state propagator (THEORY.md sections 2 and 9): the
threshold rule of the bit kernels on the uniform ``rng.bits(key, gamma, step, r N + i)``, ``step``
the colour step, ``r`` the replica. The cells of the other classes are held (not evolved).

Bundles (``kernels/bundles.py``'s rule: unpacked one field per statement at the top, never
inside a ``prange`` body):

- ``IsingGraph``: the couplings as CSR (``indptr`` (N+1,) int64, ``indices`` (nnz,) int32,
  ``values`` (nnz,) float64, problem units), ``fields`` (N,) float64, and the colour layout:
  ``order`` (N,) int64 cells by colour, ``chunks`` (K+1,) int64 bounds into ``order`` of the
  fixed chunks, ``classes`` (C+1,) int64 chunk bounds of each colour class;
- ``IsingState``: ``spins`` (R, N) int8, ``tilt`` (R, N) float64, each cell's tilt ``g h_i``
  (J) as last set, both updated in place;
- ``IsingControls``: per sweep ``gains`` (S,) J per problem unit and ``barriers`` (S,) J;
  ``tables`` (S, L, 2) uint64 thresholds per integer field ``h = l - offset`` (L = 0: computed
  per update); scalars ``kT`` (J), ``f0`` (Hz), ``tau`` (s);
- ``IsingTallies``: ``energy`` (S+1, R) problem energy (row 0 set by the caller), ``work``,
  ``heat`` (S, R) J and ``flips`` (S, R) per sweep; scratch ``part`` (R, K, 3), ``part_n``
  (R, K).

Parallel layout: a job is one (replica, chunk) pair of the active class; chunks are fixed by the
colouring and ``CHUNK`` alone, each job runs its cells in a fixed order, and the per-chunk sums
are added in chunk order after each sweep. So results are bit-identical for any thread count.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from simcore._jit import jit, jit_pair
from simcore.expfun import phi
from simcore.propagator import _UMAX, rate_pair, to_threshold
from simcore.rng import mix64

#: Cells of one colour class per job (fixed: never derived from the thread count).
CHUNK = 4096

_S32 = np.uint64(32)


class IsingGraph(NamedTuple):
    """Couplings (CSR, problem units), external fields and the colour layout (see the module)."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    fields: np.ndarray
    order: np.ndarray
    chunks: np.ndarray
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
    ``part`` (R, K, 3) float64 and ``part_n`` (R, K) int64."""

    energy: np.ndarray
    work: np.ndarray
    heat: np.ndarray
    flips: np.ndarray
    part: np.ndarray
    part_n: np.ndarray


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


@jit(inline="always")
def _job(
    r, k, spins, tilt, indptr, indices, values, fields, order, chunks, g, b, table, use_table,
    offset, kT, f0, tau, base, gamma, n, part, part_n,
):  # fmt: skip
    d_h = 0.0
    w = 0.0
    q = 0.0
    nf = 0
    off = np.uint64(r * n)
    for p in range(chunks[k], chunks[k + 1]):
        i = order[p]
        h = fields[i]
        for c in range(indptr[i], indptr[i + 1]):
            h += values[c] * spins[r, indices[c]]
        gh = g * h
        s = spins[r, i]
        sf = np.float64(s)
        w += sf * (tilt[r, i] - gh)
        tilt[r, i] = gh
        if use_table:
            lvl = np.int64(h) + offset
            stay = table[lvl, 0]
            drop = table[lvl, 1]
        else:
            stay, drop = spin_thresholds(gh, b, kT, f0, tau)
        u = mix64(base + gamma * (off + np.uint64(i)))
        # branch-free: a flip is as likely as not, a branch would be mispredicted
        flip = (u >= stay) if s < 0 else (u < drop)
        ff = np.float64(flip)
        q -= ff * (2.0 * sf * gh)
        d_h += ff * (2.0 * sf * h)
        spins[r, i] = s - np.int8(2 * flip) * s
        nf += np.int64(flip)
    part[r, k, 0] = d_h
    part[r, k, 1] = w
    part[r, k, 2] = q
    part_n[r, k] = nf


@jit(inline="always")
def _reduce(r, s, n_chunks, part, part_n, energy, work, heat, flips):
    # the chunks' sums in chunk order: the same for any job layout
    d_h = 0.0
    w = 0.0
    q = 0.0
    nf = 0
    for k in range(n_chunks):
        d_h += part[r, k, 0]
        w += part[r, k, 1]
        q += part[r, k, 2]
        nf += part_n[r, k]
    energy[s + 1, r] = energy[s, r] + d_h
    work[s, r] = w
    heat[s, r] = q
    flips[s, r] = nf


def ising_sweeps(graph, state, controls, key, gamma, step0, tallies, by_replica):
    """Run ``S`` sweeps (every colour class once, in order) of every replica.

    Sweep ``s``, class ``c`` reads step ``step0 + s C + c`` of the stream ``(key, gamma)``. Adds
    nothing: writes ``tallies.energy[s + 1] = energy[s] + ΔH``, and each sweep's work, heat (J)
    and flips per replica. ``controls.tables`` with L = 0 computes the thresholds per update
    (any real couplings); else the couplings and fields must be integers with ``|h| <= offset``.
    ``by_replica``: one job per replica for all sweeps (for R >= threads), else one job per
    (replica, chunk) and colour class; the results are the same.
    """
    indptr = graph.indptr
    indices = graph.indices
    values = graph.values
    fields = graph.fields
    order = graph.order
    chunks = graph.chunks
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
    n_rep = spins.shape[0]
    n = spins.shape[1]
    n_col = classes.shape[0] - 1
    n_chunks = chunks.shape[0] - 1
    use_table = tables.shape[1] > 0
    if by_replica:
        # one job per replica runs every sweep: one thread-pool launch per call
        for r in prange(n_rep):
            for s in range(gains.shape[0]):
                for c in range(n_col):
                    base = key + gamma * (np.uint64(step0 + s * n_col + c) << _S32)
                    for k in range(classes[c], classes[c + 1]):
                        _job(
                            r, k, spins, tilt, indptr, indices, values, fields, order, chunks,
                            gains[s], barriers[s], tables[s], use_table, offset, kT, f0, tau,
                            base, gamma, n, part, part_n,
                        )  # fmt: skip
                _reduce(r, s, n_chunks, part, part_n, energy, work, heat, flips)
        return
    for s in range(gains.shape[0]):
        g = gains[s]
        b = barriers[s]
        table = tables[s]
        for c in range(n_col):
            base = key + gamma * (np.uint64(step0 + s * n_col + c) << _S32)
            k0 = classes[c]
            nk = classes[c + 1] - k0
            for j in prange(n_rep * nk):
                _job(
                    j // nk, k0 + j % nk, spins, tilt, indptr, indices, values, fields, order,
                    chunks, g, b, table, use_table, offset, kT, f0, tau, base, gamma, n, part,
                    part_n,
                )  # fmt: skip
        for r in range(n_rep):
            _reduce(r, s, n_chunks, part, part_n, energy, work, heat, flips)


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
def problem_energy(indptr, indices, values, fields, spins, out):
    """``H(σ) = -½ σᵀJσ - hᵀσ`` of each replica's ``spins`` (R, N) into ``out`` (R,)."""
    for r in range(spins.shape[0]):
        e = 0.0
        for i in range(spins.shape[1]):
            h = 0.0
            for c in range(indptr[i], indptr[i + 1]):
                h += values[c] * spins[r, indices[c]]
            e -= spins[r, i] * (0.5 * h + fields[i])
        out[r] = e

"""CUDA backend (numba-cuda) of the shared-landscape kernels, bit-identical to ``simcore.kernels``.

``bits_shared`` and ``levels_shared`` take the same arguments as their CPU twins and produce the
same states and the same per-group, per-step tallies, bit for bit: every uniform comes from the
same counter-based generator (``simcore.rng``; the device ``mix64`` is compiled from the very
Python source of ``rng.mix64``), is compared as an integer with the same uint64 thresholds by the
same rule, and the tallies are integer sums, which are exact in any order. See ``docs/gpu.md``.

Layout: a 2-D grid, ``blockIdx.y`` is the cell group (so a block never straddles two groups) and
``blockIdx.x`` a slice of ``threads_per_block * cells_per_thread`` cells of it. A thread keeps its
cells' states in registers through all the steps of the block and writes them back once. Tallies
are summed per block in shared memory (one shared atomic per thread and step) and added to the
global (G, B) arrays with one atomic per block and step, every ``_CHUNK`` steps.

Importing this module needs neither numba-cuda nor a GPU: ``numba.cuda`` is imported on first
use. ``available()`` says whether a CUDA device, or Numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1`` set before numba is imported), can run the kernels.
"""

from __future__ import annotations

import importlib.util
import math
import warnings

import numpy as np

from simcore import rng
from simcore.errors import ParameterError
from simcore.kernels.levels_shared import level_walk as cpu_level_walk

#: Threads per block and cells per thread of a launch (tunable per call; see benchmarks/gpu.py).
THREADS_PER_BLOCK = 256
CELLS_PER_THREAD = 8
#: Steps whose tallies a block sums in shared memory before adding them to the global arrays.
_CHUNK = 32
#: int32 entries of the shared (steps, levels) occupancy buffer of ``levels_shared``.
_LEVEL_BUFFER = 4096
#: ``blockIdx.y`` (the group) is limited to 65535 by CUDA.
_MAX_GROUPS = 65535
_S32 = np.uint64(32)

_kernel_cache: dict[int, tuple] = {}
#: ``numba.cuda``, bound on first use. The kernels must see it as a module global: the simulator
#: runs them by swapping the globals that refer to ``numba.cuda`` for its fake module.
cuda = None


class CudaUnavailableError(RuntimeError):
    """numba-cuda is not installed, or neither a CUDA device nor the simulator is usable."""


def installed() -> bool:
    """True when numba-cuda (the NVIDIA-maintained CUDA target of Numba) is installed."""
    return importlib.util.find_spec("numba_cuda") is not None


def simulated() -> bool:
    """True when Numba's CUDA simulator is switched on (``NUMBA_ENABLE_CUDASIM=1``)."""
    from numba.core import config

    return bool(config.ENABLE_CUDASIM)


def available() -> bool:
    """True when the kernels can run: numba-cuda is installed and a CUDA device or the
    simulator is usable. Never raises."""
    if not installed():
        return False
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:  # a broken driver or toolkit means "not available", not a crash
        return False


def _cuda():
    global cuda
    if not installed():
        raise CudaUnavailableError("the CUDA backend needs numba-cuda: pip install numba-cuda")
    if cuda is None:
        from numba import cuda as module

        cuda = module
    if not cuda.is_available():
        raise CudaUnavailableError(
            "no usable CUDA device (set NUMBA_ENABLE_CUDASIM=1 before importing numba to use "
            "Numba's CUDA simulator)"
        )
    return cuda


def _kernels(cells_per_thread: int):
    """The compiled kernels for ``cells_per_thread`` (a compile-time constant: the per-thread
    state lives in a local array that the compiler can keep in registers)."""
    if cells_per_thread in _kernel_cache:
        return _kernel_cache[cells_per_thread]
    _cuda()
    cpt = cells_per_thread
    chunk_max = _CHUNK
    level_buffer = _LEVEL_BUFFER
    s32 = _S32
    # The generator's own source, compiled for the device: one definition of the random numbers.
    # Its constants are np.uint64 module globals, so the device code stays in uint64 (an int64
    # operand would promote the arithmetic to float64). The level walk is the CPU kernels' too.
    mix64 = cuda.jit(device=True)(rng.mix64.py_func)

    level_walk = cuda.jit(device=True, inline="always")(cpu_level_walk.py_func)

    @cuda.jit(device=True, inline="always")
    def load_cells(state, bounds, gamma, s_loc, gc):
        # this thread's cells of the block: levels into s_loc (0 past the group's end) and the
        # generator's per-cell counter terms gamma * i into gc; returns (first cell, group end)
        tpb = cuda.blockDim.x
        g = cuda.blockIdx.y
        hi = bounds[g + 1]
        first = bounds[g] + cuda.blockIdx.x * cpt * tpb + cuda.threadIdx.x
        for c in range(cpt):
            i = first + c * tpb
            s_loc[c] = state[i] if i < hi else np.uint8(0)
            gc[c] = gamma * np.uint64(i)
        return first, hi

    @cuda.jit(device=True, inline="always")
    def store_cells(state, s_loc, first, hi):
        tpb = cuda.blockDim.x
        for c in range(cpt):
            i = first + c * tpb
            if i < hi:
                state[i] = s_loc[c]

    @cuda.jit
    def bits_kernel(state, thresholds, key, gamma, step0, bounds, ones, changes):
        tally = cuda.shared.array(chunk_max, dtype=np.int32)
        s_loc = cuda.local.array(cpt, dtype=np.uint8)
        gc = cuda.local.array(cpt, dtype=np.uint64)
        g = cuda.blockIdx.y
        tx = cuda.threadIdx.x
        tpb = cuda.blockDim.x
        first, hi = load_cells(state, bounds, gamma, s_loc, gc)
        if tx < chunk_max:
            tally[tx] = 0
        cuda.syncthreads()
        n_steps = thresholds.shape[0]
        for k0 in range(0, n_steps, chunk_max):
            k1 = min(k0 + chunk_max, n_steps)
            for k in range(k0, k1):
                sk = key + gamma * ((step0 + np.uint64(k)) << s32)
                stay0 = thresholds[k, 0, 0]
                drop1 = thresholds[k, 1, 0]
                # ones in the low 16 bits, changes in the high ones (block totals < 2**15)
                packed = np.int32(0)
                for c in range(cpt):
                    s = s_loc[c]
                    u = mix64(sk + gc[c])
                    # from 0 the cell flips iff u >= stay0; from 1 it stays iff u >= drop1
                    s_new = np.uint8(u >= (drop1 if s else stay0))
                    s_loc[c] = s_new
                    if first + c * tpb < hi:
                        packed += np.int32(s_new) + np.int32(np.int32(s_new ^ s) << np.int32(16))
                if packed != 0:
                    cuda.atomic.add(tally, k - k0, packed)
            cuda.syncthreads()
            if tx < k1 - k0:
                v = tally[tx]
                if v != 0:
                    cuda.atomic.add(ones, (g, k0 + tx), np.int64(v & np.int32(0xFFFF)))
                    cuda.atomic.add(changes, (g, k0 + tx), np.int64(v >> np.int32(16)))
                    tally[tx] = 0
            cuda.syncthreads()
        store_cells(state, s_loc, first, hi)

    @cuda.jit
    def levels_kernel(state, thresholds, key, gamma, step0, bounds, counts, changes, chunk):
        occ = cuda.shared.array(level_buffer, dtype=np.int32)
        moved = cuda.shared.array(chunk_max, dtype=np.int32)
        s_loc = cuda.local.array(cpt, dtype=np.uint8)
        gc = cuda.local.array(cpt, dtype=np.uint64)
        g = cuda.blockIdx.y
        tx = cuda.threadIdx.x
        tpb = cuda.blockDim.x
        first, hi = load_cells(state, bounds, gamma, s_loc, gc)
        m = thresholds.shape[1]
        top = m - 1
        for t in range(tx, chunk * m, tpb):
            occ[t] = 0
        if tx < chunk_max:
            moved[tx] = 0
        cuda.syncthreads()
        n_steps = thresholds.shape[0]
        for k0 in range(0, n_steps, chunk):
            k1 = min(k0 + chunk, n_steps)
            for k in range(k0, k1):
                sk = key + gamma * ((step0 + np.uint64(k)) << s32)
                row = (k - k0) * m
                nf = np.int32(0)
                for c in range(cpt):
                    s = np.int64(s_loc[c])
                    u = mix64(sk + gc[c])
                    j = level_walk(thresholds[k], s, top, u)
                    s_loc[c] = np.uint8(j)
                    if first + c * tpb < hi:
                        cuda.atomic.add(occ, row + j, np.int32(1))
                        if j != s:
                            nf += np.int32(1)
                if nf != 0:
                    cuda.atomic.add(moved, k - k0, nf)
            cuda.syncthreads()
            for t in range(tx, (k1 - k0) * m, tpb):
                v = occ[t]
                if v != 0:
                    cuda.atomic.add(counts, (g, k0 + t // m, t % m), np.int64(v))
                    occ[t] = 0
            if tx < k1 - k0:
                v = moved[tx]
                if v != 0:
                    cuda.atomic.add(changes, (g, k0 + tx), np.int64(v))
                    moved[tx] = 0
            cuda.syncthreads()
        store_cells(state, s_loc, first, hi)

    _kernel_cache[cells_per_thread] = (bits_kernel, levels_kernel, mix64)
    return _kernel_cache[cells_per_thread]


# ---------------------------------------------------------------------------- host side
def _launch_shape(bounds, n_levels, threads_per_block, cells_per_thread):
    if isinstance(threads_per_block, bool) or not (
        isinstance(threads_per_block, int | np.integer)
        and 32 <= threads_per_block <= 1024
        and threads_per_block % 32 == 0
    ):
        raise ParameterError(
            "threads_per_block", threads_per_block, "a multiple of 32 in [32, 1024]"
        )
    if isinstance(cells_per_thread, bool) or not (
        isinstance(cells_per_thread, int | np.integer) and 1 <= cells_per_thread <= 64
    ):
        raise ParameterError("cells_per_thread", cells_per_thread, "an integer in [1, 64]")
    per_block = int(threads_per_block) * int(cells_per_thread)
    if n_levels == 2 and per_block >= 2**15:
        raise ParameterError(
            "cells_per_thread", cells_per_thread, "threads_per_block * cells_per_thread < 32768"
        )
    bounds = np.asarray(bounds)
    g = bounds.size - 1
    if bounds.ndim != 1 or not 1 <= g <= _MAX_GROUPS:
        raise ParameterError("bounds", bounds, f"a 1-D array of 2 to {_MAX_GROUPS + 1} indices")
    sizes = np.diff(bounds)
    biggest = int(sizes.max())
    return max(1, math.ceil(biggest / per_block)), g


def _chunk_for(n_levels: int) -> int:
    if not 2 <= n_levels <= _LEVEL_BUFFER:
        raise ParameterError("thresholds", n_levels, f"M in [2, {_LEVEL_BUFFER}] levels")
    return max(1, min(_CHUNK, _LEVEL_BUFFER // n_levels))


def _on_device(a) -> bool:
    return bool(getattr(a, "__cuda_ndarray__", False)) or hasattr(a, "__cuda_array_interface__")


class _Operands:
    """Device views of the kernel's arrays; host arrays are copied over and copied (state) or
    added (tallies) back on ``finish``, device arrays are used in place."""

    def __init__(self, device, state, thresholds, bounds, tallies):
        self.cuda = device
        self.host_state = None if _on_device(state) else state
        self.state = self._in(state)
        self.thresholds = self._in(thresholds)
        self.bounds = device.to_device(np.ascontiguousarray(bounds, dtype=np.int64))
        self.tallies = []
        self.copies = []  # (host array, device array) pairs to add back
        for t in tallies:
            if _on_device(t):
                self.tallies.append(self._device(t))
            else:
                dev = device.to_device(np.zeros(t.shape, dtype=np.int64))
                self.tallies.append(dev)
                self.copies.append((t, dev))

    def _in(self, a):
        return self._device(a) if _on_device(a) else self.cuda.to_device(np.ascontiguousarray(a))

    def _device(self, a):
        # Numba's own device arrays (real or simulated) as they are; others (CuPy, PyTorch)
        # through the CUDA array interface
        return a if getattr(a, "__cuda_ndarray__", False) else self.cuda.as_cuda_array(a)

    def finish(self):
        if self.host_state is not None:
            if self.host_state.flags.c_contiguous:
                self.state.copy_to_host(self.host_state)
            else:
                self.host_state[...] = self.state.copy_to_host()
        for host, dev in self.copies:
            host += dev.copy_to_host()


def bits_shared(
    state,
    thresholds,
    key,
    gamma,
    step0,
    bounds,
    ones,
    changes,
    *,
    threads_per_block: int = THREADS_PER_BLOCK,
    cells_per_thread: int = CELLS_PER_THREAD,
):
    """CUDA twin of ``kernels.bits_shared``: bit cells under a shared landscape, ``B`` steps.

    ``state`` (N,) uint8 is updated in place; ``thresholds`` (B, 2, 1) uint64; ``bounds`` (G+1,)
    int64 host array; adds to ``ones`` and ``changes`` (G, B) int64. ``state``, ``thresholds``
    and the tallies may each be a host NumPy array (copied to the device, and back into the same
    array after the kernel) or a CUDA device array (used in place). When all of them are on the
    device the call returns as soon as the kernel is queued: synchronise before reading them.
    """
    _run(
        0,
        state,
        thresholds,
        key,
        gamma,
        step0,
        bounds,
        (ones, changes),
        threads_per_block,
        cells_per_thread,
    )


def levels_shared(
    state,
    thresholds,
    key,
    gamma,
    step0,
    bounds,
    counts,
    changes,
    *,
    threads_per_block: int = THREADS_PER_BLOCK,
    cells_per_thread: int = CELLS_PER_THREAD,
):
    """CUDA twin of ``kernels.levels_shared``: M-level cells under a shared landscape.

    ``thresholds`` (B, M, M-1) uint64; adds to ``counts`` (G, B, M) and ``changes`` (G, B)
    int64. Arrays as in ``bits_shared``.
    """
    _run(
        1,
        state,
        thresholds,
        key,
        gamma,
        step0,
        bounds,
        (counts, changes),
        threads_per_block,
        cells_per_thread,
    )


def _check_operands(state, thresholds, bounds, tallies, bits: bool) -> None:
    """Dtypes and shapes the kernels rely on (a float threshold or an int32 tally would compile
    and run, but compare or count differently from the CPU kernel)."""
    b, m = thresholds.shape[0], thresholds.shape[1]
    if thresholds.dtype != np.uint64 or len(thresholds.shape) != 3 or thresholds.shape[2] != m - 1:
        raise ParameterError("thresholds", thresholds, "a (B, M, M-1) uint64 array")
    if bits and m != 2:
        raise ParameterError("thresholds", thresholds, "a (B, 2, 1) uint64 array for bit cells")
    if state.dtype != np.uint8 or len(state.shape) != 1 or state.shape[0] < bounds[-1]:
        raise ParameterError("state", state, f"a 1-D uint8 array of at least {bounds[-1]} cells")
    g = bounds.size - 1
    shapes = ((g, b), (g, b)) if bits else ((g, b, m), (g, b))
    for name, t, shape in zip(("tally", "changes"), tallies, shapes, strict=True):
        if t.dtype != np.int64 or tuple(t.shape) != shape:
            raise ParameterError(name, t, f"an int64 array of shape {shape}")


def _run(which, state, thresholds, key, gamma, step0, bounds, tallies, tpb, cpt):
    n_steps, n_levels = thresholds.shape[0], thresholds.shape[1]
    bounds_host = np.asarray(bounds, dtype=np.int64)
    gx, g = _launch_shape(bounds_host, n_levels, tpb, cpt)
    _check_operands(state, thresholds, bounds_host, tallies, which == 0)
    chunk = _chunk_for(n_levels)
    device = _cuda()
    if n_steps == 0 or bounds_host[-1] == bounds_host[0]:
        return
    bits_kernel, levels_kernel, _ = _kernels(int(cpt))
    ops = _Operands(device, state, thresholds, bounds_host, tallies)
    args = (ops.state, ops.thresholds, np.uint64(key), np.uint64(gamma), np.uint64(step0))
    with warnings.catch_warnings():
        # a small array is a small grid: numba-cuda's low-occupancy warning says nothing new
        warnings.filterwarnings("ignore", "Grid size .* under-utilization")
        if simulated():
            # the simulator runs the kernels on NumPy scalars, which warn when uint64 arithmetic
            # wraps around; wrapping mod 2**64 is the generator's definition
            warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning)
        if which == 0:
            bits_kernel[(gx, g), int(tpb)](*args, ops.bounds, *ops.tallies)
        else:
            levels_kernel[(gx, g), int(tpb)](*args, ops.bounds, *ops.tallies, np.int64(chunk))
    ops.finish()

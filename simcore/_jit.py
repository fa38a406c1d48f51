"""Numba compilation flags, set in one place.

``cache=True`` stores compiled kernels next to the sources so a warm start skips the JIT.
No fastmath: NaN guards must keep working and float sums must not be reassociated (that would
make results depend on vector width).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import types

import llvmlite.binding as llvm
import numba

JIT = {"nogil": True, "cache": True, "error_model": "numpy"}
PARALLEL_JIT = {**JIT, "parallel": True}

njit = numba.njit


def jit(fn=None, **extra):
    """``numba.njit`` with the project's flags."""
    opts = {**JIT, **extra}
    return numba.njit(**opts)(fn) if fn is not None else numba.njit(**opts)


def pjit(fn=None, **extra):
    """Parallel ``numba.njit`` with the project's flags."""
    opts = {**PARALLEL_JIT, **extra}
    return numba.njit(**opts)(fn) if fn is not None else numba.njit(**opts)


def jit_pair(fn):
    """``(parallel, serial)``: ``fn`` compiled with ``parallel=True`` (its ``prange`` loops run on
    the thread pool) and, as a copy named ``<name>_serial``, without it (``prange`` is then
    ``range``), for arrays too small to pay for waking the pool. One source, the same results.
    The copy's own name keeps the two apart in Numba's on-disk cache, whose index is keyed by the
    function's name and bytecode, not by the ``parallel`` flag."""
    copy = types.FunctionType(
        fn.__code__, fn.__globals__, fn.__name__ + "_serial", fn.__defaults__, fn.__closure__
    )
    copy.__qualname__ = fn.__qualname__ + "_serial"
    copy.__doc__ = fn.__doc__
    copy.__module__ = fn.__module__
    return pjit(fn), jit(copy)


_WIDE = False


def _can_go_wide() -> bool:
    if os.environ.get("LIMSIM_VECTOR_WIDTH", "") == "native":
        return False
    features = llvm.get_host_cpu_features()
    return bool(features.get("avx512f") and features.get("avx512dq"))


WIDE_VECTORS = _can_go_wide()


@contextlib.contextmanager
def wide_vectors():
    """Compile what is called inside with 512-bit vector loops (where the CPU has them).

    LLVM prefers 256-bit vectors on AVX-512 parts; the bit kernel's 64-bit multiplies run about
    1.5x faster in 512-bit registers (measured: 0.44 -> 0.30 ns per cell-step on 2 cores). The
    LLVM option is process-wide and also makes LLVM report every loop it could not vectorise, so
    it is switched on only around the first call (the compilation) of the kernels that want it.
    LIMSIM_VECTOR_WIDTH=native leaves LLVM's own choice.
    """
    global _WIDE
    if not WIDE_VECTORS or _WIDE:
        yield
        return
    _WIDE = True
    llvm.set_option("limsim", "-force-vector-width=8")
    try:
        with _without_llvm_remarks():
            yield
    finally:
        llvm.set_option("limsim", "-force-vector-width=0")
        _WIDE = False


@contextlib.contextmanager
def _without_llvm_remarks():
    # LLVM writes "remark: ... loop not vectorized" straight to file descriptor 2 for loops a
    # forced width cannot apply to; keep everything else it (or anything) writes there.
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            lines = tmp.read().splitlines(keepends=True)
            kept = [ln for ln in lines if not ln.startswith(b"remark:")]
            if kept:
                os.write(2, b"".join(kept))

"""Numba compilation flags, set in one place.

``cache=True`` stores compiled kernels next to the sources so a warm start skips the JIT.
Numba keys that cache by the code-generation target (CPU name and features), not by the vector
width this module may force (``wide_vectors``), so the cache files of a process that compiles
512-bit loops carry the width in their names (``cache_tag``): code built at one width is never
loaded at another. No fastmath: NaN guards must keep working and float sums must not be
reassociated (that would make results depend on vector width).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import types

import llvmlite.binding as llvm
import numba
from numba.core import caching

JIT = {"nogil": True, "cache": True, "error_model": "numpy"}
PARALLEL_JIT = {**JIT, "parallel": True}

njit = numba.njit


def _compiled(opts):
    # numba.njit with the cache files named for the vector width (``_WidthCache``)
    cache = opts.pop("cache", False)

    def decorate(fn):
        dispatcher = numba.njit(**opts)(fn)
        if cache:
            dispatcher._cache = _WidthCache(dispatcher.py_func)  # Dispatcher.enable_caching's
        return dispatcher

    return decorate


def jit(fn=None, **extra):
    """``numba.njit`` with the project's flags."""
    decorate = _compiled({**JIT, **extra})
    return decorate(fn) if fn is not None else decorate


def pjit(fn=None, **extra):
    """Parallel ``numba.njit`` with the project's flags."""
    decorate = _compiled({**PARALLEL_JIT, **extra})
    return decorate(fn) if fn is not None else decorate


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


def codegen_target() -> tuple[str, str]:
    """``(cpu name, feature string)`` that Numba generates code for: ``NUMBA_CPU_NAME`` /
    ``NUMBA_CPU_FEATURES`` where set, else the host's (the same rule as Numba's JIT codegen,
    whose cache index is keyed by this pair, so code built for one target is never loaded for
    another). With only ``NUMBA_CPU_NAME`` set Numba keeps the host's features (an AVX-512
    host still gets AVX-512 instructions, tuned for the named CPU); an empty
    ``NUMBA_CPU_FEATURES`` leaves the named CPU's own features (``NUMBA_CPU_NAME=znver2
    NUMBA_CPU_FEATURES=''`` generates AVX2 code), reported as an empty string."""
    from numba.core import codegen, config

    name = config.CPU_NAME if config.CPU_NAME is not None else llvm.get_host_cpu_name()
    if config.CPU_FEATURES is not None:
        return name, config.CPU_FEATURES
    return name, codegen.get_host_cpu_features()


def target_features(features: str) -> set[str]:
    """The features a ``+a,-b,...`` string turns on (``{"a"}``)."""
    return {f[1:] for f in features.split(",") if f.startswith("+")}


def _can_go_wide() -> bool:
    # 512-bit loops only where the generated code may use AVX-512 (F for the registers, DQ for
    # the 64-bit multiply); a feature string left to the CPU name's defaults is not inspected
    # (llvmlite cannot list them), so LLVM keeps its own width there.
    if os.environ.get("LIMSIM_VECTOR_WIDTH", "") == "native":
        return False
    on = target_features(codegen_target()[1])
    return {"avx512f", "avx512dq"} <= on


WIDE_VECTORS = _can_go_wide()


def cache_tag(wide: bool) -> str:
    """What the vector width adds to a function's name in Numba's cache files (``name.w512-
    <line>.py311.nbi``): ``".w512"`` in a process whose bit kernels compile 512-bit loops
    (``WIDE_VECTORS``), else nothing (Numba's own names). Every function compiled through this
    module carries it, not only the bit kernels: a kernel's non-inlined callees are compiled,
    and cached, inside its ``wide_vectors`` block too."""
    return ".w512" if wide else ""


class _WidthCacheImpl(caching.CompileResultCacheImpl):
    def get_filename_base(self, fullname, abiflags):
        return super().get_filename_base(fullname + cache_tag(WIDE_VECTORS), abiflags)


class _WidthCache(caching.FunctionCache):
    """Numba's per-function cache, its files named with ``cache_tag``: Numba's index key (the
    signature, the CPU name and features, the bytecode) does not see ``LIMSIM_VECTOR_WIDTH``."""

    _impl_class = _WidthCacheImpl


@contextlib.contextmanager
def wide_vectors():
    """Compile what is called inside with 512-bit vector loops (where the code-generation target
    has them: ``codegen_target``, which follows ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES``).

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

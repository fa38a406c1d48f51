"""Numba compilation flags, set in one place.

``cache=True`` stores compiled kernels next to the sources so a warm start skips the JIT.
No fastmath: NaN guards must keep working and float sums must not be reassociated (that would
make results depend on vector width).
"""

from __future__ import annotations

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

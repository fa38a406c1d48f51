"""Errors raised on bad input, before any kernel runs.

Every error names the parameter, the value it was given and what is allowed, so that a user
reading a traceback (or a CLI message) knows what to change.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


class ParameterError(ValueError):
    """A parameter is outside its allowed range or has the wrong shape or type."""

    def __init__(self, name: str, value: object, allowed: str):
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"{name}={_short(value)} is not allowed: expected {allowed}")


def _short(value: object) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return f"array({np.array2string(value, separator=', ')})"
        return f"array(shape={value.shape}, dtype={value.dtype})"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def positive(name: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and > 0, else raise ParameterError."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a finite number > 0") from None
    if not (math.isfinite(x) and x > 0):
        raise ParameterError(name, value, "a finite number > 0")
    return x


def positive_int(name: str, value: object, maximum: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer in [1, maximum]."""
    allowed = "an integer >= 1" if maximum is None else f"an integer in [1, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ParameterError(name, value, allowed)
    n = int(value)
    if n < 1 or (maximum is not None and n > maximum):
        raise ParameterError(name, value, allowed)
    return n


#: Arrays up to this size are checked element by element in Python: ten times faster than the
#: NumPy reductions for the landscapes of a single cell (a step calls several checks).
_SMALL = 32


def _all_finite(arr: np.ndarray) -> bool:
    if arr.size <= _SMALL:
        return all(map(math.isfinite, arr.ravel().tolist()))
    return bool(np.isfinite(arr).all())


def _all_positive(arr: np.ndarray) -> bool:
    """Every entry finite and > 0 (NaN fails both tests)."""
    if arr.size <= _SMALL:
        return all(math.isfinite(x) and x > 0 for x in arr.ravel().tolist())
    return bool(np.isfinite(arr).all() and (arr > 0).all())


def positive_array(name: str, value: object, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Finite, strictly positive float64 array (a scalar is allowed and broadcast)."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "finite values > 0") from None
    if arr.size == 0 or not _all_positive(arr):
        raise ParameterError(name, value, "finite values > 0")
    if shape is not None and arr.shape not in ((), shape):
        raise ParameterError(name, value, f"a scalar or an array of shape {shape}")
    return arr


def finite_array(name: str, value: object, shape: tuple[int, ...]) -> np.ndarray:
    """Finite float64 array of exactly ``shape``."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(name, value, f"a numeric array of shape {shape}") from None
    if arr.shape != shape:
        raise ParameterError(name, value, f"an array of shape {shape}, got shape {arr.shape}")
    if not _all_finite(arr):
        raise ParameterError(name, value, "finite values (no NaN or infinity)")
    return arr


def one_of(name: str, value: object, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise ParameterError(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value

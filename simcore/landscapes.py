"""The current landscape of an array as a value: shared, per cell, or indexed.

``simcore.landscape`` is the physics of one landscape (rates, Boltzmann weights); this module
holds the three forms the landscape of an array of N cells of M levels takes, each a frozen
record whose shapes are checked once, where it is made:

- ``SharedLandscape``: ``energies`` (M,) and ``saddles`` (M-1,) for every cell;
- ``PerCellLandscape``: ``energies`` (M,) or (N, M) and ``saddles`` (M-1,) or (N, M-1), at
  least one of them per cell (a shared row is read with stride 0);
- ``IndexedLandscape``: a table ``energies`` (K, M), ``saddles`` (K, M-1) and ``kinds`` (N,),
  cell ``i`` under row ``kinds[i]``.

``cell_landscape`` and ``indexed_landscape`` validate a request (``ParameterError`` naming the
parameter); a value made from a request may view the caller's arrays, and the engine keeps its
own copies (``MemoryArray`` reuses its buffers from step to step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simcore import kernels
from simcore.errors import ParameterError, finite_array


@dataclass(frozen=True, eq=False)
class _Landscape:
    """Level ``energies`` and ``saddles`` (J), in the shapes of the subclass."""

    energies: np.ndarray
    saddles: np.ndarray

    def cell_energies(self) -> np.ndarray:
        """The energies each cell sees: (M,) (shared) or (N, M)."""
        return self.energies


@dataclass(frozen=True, eq=False)
class SharedLandscape(_Landscape):
    """One landscape for every cell: ``energies`` (M,) J, ``saddles`` (M-1,) J."""


@dataclass(frozen=True, eq=False)
class PerCellLandscape(_Landscape):
    """A landscape per cell: ``energies`` (M,) or (N, M) J, ``saddles`` (M-1,) or (N, M-1) J."""


@dataclass(frozen=True, eq=False)
class IndexedLandscape(_Landscape):
    """A table of K landscapes, ``energies`` (K, M) J, ``saddles`` (K, M-1) J, and ``kinds``
    (N,) (uint8 for K <= 256, else int64): cell ``i`` is under row ``kinds[i]``."""

    kinds: np.ndarray

    def cell_energies(self) -> np.ndarray:
        """The energies each cell sees, (N, M) (the table expanded)."""
        return self.energies[self.kinds]


Landscape = SharedLandscape | PerCellLandscape | IndexedLandscape


def shared_or_per_cell(energies: np.ndarray, saddles: np.ndarray):
    """The value for checked arrays: shared when both are 1-D, else per cell."""
    if energies.ndim == 1 and saddles.ndim == 1:
        return SharedLandscape(energies, saddles)
    return PerCellLandscape(energies, saddles)


def cell_landscape(energies, saddles, n_levels: int, n_cells: int):
    """A shared or per-cell landscape from ``energies`` (M,) or (N, M) and ``saddles`` (M-1,)
    or (N, M-1) (J), as float64 arrays, all finite.

    Raises
    ------
    ParameterError
        Naming ``energies`` or ``saddles`` for another shape or a value that is not finite.
    """
    m, n = n_levels, n_cells
    e = np.asarray(energies, dtype=np.float64)
    s = np.asarray(saddles, dtype=np.float64)
    e = _finite("energies", e, (m,) if e.ndim < 2 else (n, m))
    s = _finite("saddles", s, (m - 1,) if s.ndim < 2 else (n, m - 1))
    return shared_or_per_cell(e, s)


def indexed_landscape(energies, saddles, kinds, n_levels: int, n_cells: int) -> IndexedLandscape:
    """A landscape table ``energies`` (K, M), ``saddles`` (K, M-1) (J) and ``kinds`` (N,) with
    values in [0, K), as contiguous float64 tables and uint8 kinds (int64 when K > 256).

    Raises
    ------
    ParameterError
        Naming ``energies``, ``saddles`` or ``kinds`` for a wrong shape, a value that is not
        finite, or a kind outside [0, K).
    """
    m, n = n_levels, n_cells
    try:
        e = np.asarray(energies, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError("energies", energies, f"a (K, {m}) table of landscapes") from None
    if e.ndim != 2 or e.shape[0] < 1:
        raise ParameterError(
            "energies", energies, f"a (K, {m}) table of landscapes with kinds, K >= 1"
        )
    n_kinds = e.shape[0]
    e = finite_array("energies", e, (n_kinds, m))
    s = finite_array("saddles", saddles, (n_kinds, m - 1))
    k = np.asarray(kinds)
    allowed = f"an integer array of shape ({n},) with values in [0, {n_kinds})"
    if k.dtype == np.bool_ or k.dtype.kind not in "iu":
        raise ParameterError("kinds", kinds, allowed)
    if k.shape != (n,):
        raise ParameterError("kinds", kinds, f"{allowed}, got shape {k.shape}")
    hi = int(k.max())
    lo = 0 if k.dtype.kind == "u" else int(k.min())  # one pass for unsigned kinds
    if lo < 0 or hi >= n_kinds:
        raise ParameterError("kinds", kinds, f"{allowed} (the rows of energies), got [{lo}, {hi}]")
    dtype = np.uint8 if n_kinds <= 256 else np.int64
    return IndexedLandscape(
        np.ascontiguousarray(e),
        np.ascontiguousarray(s),
        np.ascontiguousarray(k, dtype=dtype),
    )


def _finite(name: str, values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``errors.finite_array`` with the check of large contiguous arrays done in parallel."""
    if values.shape == shape and values.size >= 4096 and values.flags.c_contiguous:
        if kernels.all_finite(values.reshape(-1)):
            return values
    return finite_array(name, values, shape)

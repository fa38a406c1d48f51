"""Cell-to-cell variability of barrier height and attempt frequency, reproducible from a seed.

Each cell ``i`` gets a barrier scale ``s_i`` (multiplying every barrier of its landscape,
measured from the mean of the two wells it separates) and an attempt-frequency scale ``a_i``;
each is either ``normal`` (``1 + σ z``) or ``lognormal`` (``exp(σ_ln z - σ_ln²/2)`` with
``σ_ln² = ln(1 + σ²)``), so that in both cases the mean is 1 and the relative standard
deviation is ``σ``.

Random numbers: the counter-based generator of :mod:`simcore.rng` (SplitMix64 on a Weyl counter,
name ``simcore.GENERATOR``). The normal ``z`` of cell ``i`` is ``Φ^-1(u)`` of the uniform at
counter ``(0, i)`` of stream ``(seed, draw)``, with draw ``VARIABILITY_DRAW + k`` for parameter
``k`` (0: barrier, 1: attempt frequency), distinct from the engine's dynamics (draw 0) and
preparation (draw 2^63) streams. Hence cell ``i``'s parameters depend only on (seed, i): the same
seed gives the same arrays, growing the array keeps the first cells' values, and one cell can be
reproduced alone. Φ^-1 is ``scipy.special.ndtri`` on ``(bits >> 11 + 1/2) 2^-53`` in (0, 1).

Sources for typical spreads: thermal-stability spread of MTJ arrays of a few to ~10 %
(A. V. Khvalkovskiy et al., J. Phys. D 46, 074001 (2013), doi:10.1088/0022-3727/46/7/074001);
lognormal switching-time spread of RRAM (D. Ielmini, Semicond. Sci. Technol. 31, 063002 (2016),
doi:10.1088/0268-1242/31/6/063002).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from devices.parameters import device_model, quantity, require_choice, require_nonnegative
from simcore import GENERATOR, MemoryArray, Protocol, RunResult
from simcore.draws import VARIABILITY
from simcore.errors import ParameterError, positive_int
from simcore.rng import check_seed, uniform_bits

DISTRIBUTIONS = ("normal", "lognormal")
#: First stream index used for variability draws (parameter k uses VARIABILITY_DRAW + k).
VARIABILITY_DRAW = VARIABILITY.start


def standard_normals(seed: int, n_cells: int, parameter: int) -> np.ndarray:
    """``n_cells`` standard normals of ``parameter`` (0, 1, ...) from seed (see module doc)."""
    n = positive_int("n_cells", n_cells, 2**32)
    bits = uniform_bits(
        check_seed(seed), 0, np.arange(n, dtype=np.uint64), VARIABILITY_DRAW + parameter
    )
    u = ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    return ndtri(u)


def _scales(z: np.ndarray, sigma: float, distribution: str) -> np.ndarray:
    if sigma == 0:
        return np.ones_like(z)
    if distribution == "normal":
        return 1.0 + sigma * z
    s2 = np.log1p(sigma * sigma)
    return np.exp(np.sqrt(s2) * z - 0.5 * s2)


@dataclass(frozen=True, eq=False)
class CellSpread:
    """Per-cell multipliers drawn from a seed: ``barrier_scale`` (N,), ``frequency_scale``
    (N,), both dimensionless with mean 1."""

    barrier_scale: np.ndarray
    frequency_scale: np.ndarray
    seed: int
    generator: str = GENERATOR

    @property
    def n_cells(self) -> int:
        return self.barrier_scale.size

    def attempt_frequency(self, f0: float) -> np.ndarray:
        """Per-cell attempt frequencies (Hz) for ``MemoryArray(attempt_frequency=...)``."""
        return f0 * self.frequency_scale

    def landscapes(self, energies, saddles):
        """``(energies (M,), saddles (N, M-1))`` in J: the wells are shared, each saddle's height
        above the mean of its two wells is multiplied by the cell's barrier scale."""
        e = np.asarray(energies, dtype=np.float64)
        s = np.asarray(saddles, dtype=np.float64)
        mid = 0.5 * (e[:-1] + e[1:])
        return e, mid + self.barrier_scale[:, None] * (s - mid)


@device_model
class Variability:
    """Relative spreads of barrier and attempt frequency and their distributions."""

    barrier_spread: float = quantity("1", "relative standard deviation σ of barriers", default=0.0)
    barrier_distribution: str = quantity("", "'normal' or 'lognormal'", default="normal")
    frequency_spread: float = quantity("1", "relative standard deviation σ of f0", default=0.0)
    frequency_distribution: str = quantity("", "'normal' or 'lognormal'", default="lognormal")

    def __post_init__(self):
        require_nonnegative("barrier_spread", self.barrier_spread, "")
        require_nonnegative("frequency_spread", self.frequency_spread, "")
        require_choice("barrier_distribution", self.barrier_distribution, DISTRIBUTIONS)
        require_choice("frequency_distribution", self.frequency_distribution, DISTRIBUTIONS)

    def sample(self, n_cells: int, seed: int) -> CellSpread:
        """Draw the per-cell multipliers of ``n_cells`` cells from ``seed``."""
        seed = check_seed(seed)
        b = _scales(
            standard_normals(seed, n_cells, 0), self.barrier_spread, self.barrier_distribution
        )
        f = _scales(
            standard_normals(seed, n_cells, 1), self.frequency_spread, self.frequency_distribution
        )
        if np.any(b <= 0):
            raise ParameterError(
                "barrier_spread",
                self.barrier_spread,
                "a normal spread small enough that every barrier scale stays > 0 "
                "(or barrier_distribution='lognormal')",
            )
        if np.any(f <= 0):
            raise ParameterError(
                "frequency_spread",
                self.frequency_spread,
                "a normal spread small enough that every f0 stays > 0 "
                "(or frequency_distribution='lognormal')",
            )
        return CellSpread(b, f, seed)


def run_with_spread(
    array: MemoryArray, protocol: Protocol, dt: float, spread: CellSpread, *, initial=None
) -> RunResult:
    """Run ``protocol`` on ``array`` with each cell's barriers scaled by ``spread``. The array's
    attempt frequencies are its own (build it with ``spread.attempt_frequency(f0)``)."""
    if spread.n_cells != array.n_cells:
        raise ParameterError("spread", spread.n_cells, f"a spread of {array.n_cells} cells")
    return array.run(protocol, dt, initial=initial, cell_landscapes=spread.landscapes)

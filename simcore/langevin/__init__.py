"""The continuous engine: particles in time-dependent one-dimensional potentials (issue 15).

Public API: :class:`ParticleArray` and :class:`LangevinResult` (``engine``), the potentials
:class:`PolynomialProtocol` and :class:`TabulatedProtocol` with ``quartic_coefficients`` and
``harmonic_coefficients`` (``potential``), and the draw index ``LANGEVIN_DRAW`` (``normal``).
The noiseless oracle is ``simcore.fokker_planck``.
"""

from simcore.langevin.engine import LangevinResult, ParticleArray
from simcore.langevin.normal import LANGEVIN_DRAW
from simcore.langevin.potential import (
    PolynomialProtocol,
    TabulatedProtocol,
    equilibrium_range,
    harmonic_coefficients,
    quartic_coefficients,
)

__all__ = [
    "LANGEVIN_DRAW",
    "LangevinResult",
    "ParticleArray",
    "PolynomialProtocol",
    "TabulatedProtocol",
    "equilibrium_range",
    "harmonic_coefficients",
    "quartic_coefficients",
]

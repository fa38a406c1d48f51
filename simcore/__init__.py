"""limsim's engine: exact Monte Carlo of barrier-modulated memory cells with an energy ledger.

Public API: ``MemoryArray``, ``Protocol``, ``solve_master``, ``kT`` and the constants, the
landscape helpers, and ``ParameterError`` for bad input.
"""

from simcore.aggregate import AggregateArray, memory_array
from simcore.array import MemoryArray, RunResult
from simcore.constants import EV, K_B, LN2, YEAR, kT
from simcore.errors import ParameterError
from simcore.landscape import (
    KINETICS,
    bit_landscape,
    boltzmann,
    entropy,
    free_energy,
    generator,
    nonequilibrium_free_energy,
    pair_rates,
)
from simcore.ledger import Estimate, TagLedger
from simcore.master import MasterResult, solve_master
from simcore.protocol import Protocol, StepGrid
from simcore.rng import GENERATOR

__version__ = "0.1.0"

__all__ = [
    "EV",
    "GENERATOR",
    "KINETICS",
    "K_B",
    "LN2",
    "YEAR",
    "AggregateArray",
    "Estimate",
    "MasterResult",
    "MemoryArray",
    "ParameterError",
    "Protocol",
    "RunResult",
    "StepGrid",
    "TagLedger",
    "__version__",
    "bit_landscape",
    "boltzmann",
    "entropy",
    "free_energy",
    "generator",
    "kT",
    "memory_array",
    "nonequilibrium_free_energy",
    "pair_rates",
    "solve_master",
]

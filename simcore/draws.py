"""The table of the engine's draw indices: which random stream each part of a run reads.

Every uniform is ``rng.bits(key, gamma, step, cell)`` of a stream ``rng.stream(seed, draw)``;
two parts of a run that read the same ``(seed, draw)`` would read the same numbers. Each user of
a stream owns one range of draw indices here, and ``tests/unit/test_draws.py`` checks that no two
ranges overlap. Code uses these names, never literal draw indices.

- ``DYNAMICS``, ``[0, 2**60)``: every kernel's step (draw 0); the exact-jump kernel
  (``levels_step_heterogeneous``) reads draw ``d`` for its ``d``-th uniform of a cell-step
  (2 per jump);
- ``LANGEVIN``, ``[2**60, 2**60 + 2)``: ``devices.double_well`` first passages, the two
  Box-Muller streams;
- ``CONTINUOUS``, ``[2**61, 2**61 + 4 * 2**32)``: ``simcore.langevin``, four normal slots of
  ``2**32`` draws each (move noise, Metropolis uniform, start positions, start velocities;
  ``simcore/langevin/normal.py``);
- ``VARIABILITY``, ``[2**60 + 2**40, + 2**10)``: ``devices.variability``, parameter ``k``;
- ``AGGREGATE_DYNAMICS``, ``[2**62, 2**62 + 2**10)``: ``AggregateArray`` steps, group ``g``;
- ``AGGREGATE_PREPARE``, ``[2**62 + 2**40, + 2**10)``: ``AggregateArray`` preparation, group
  ``g``;
- ``CELL_PREPARE``, ``[2**63, 2**63 + 1)``: ``MemoryArray`` preparation from a probability
  vector;
- ``ISING``, ``[2**63 + 2**40, + 2)``: ``simcore.ising.IsingMachine``, draw 0 its colour-class
  steps, draw 1 its random initial spins.
- ``SPARSE``, ``[2**63 + 2**41, + 3)``: the rare-flip steps of ``MemoryArray``
  (``kernels.sparse``), draw 0 the geometric skips, draw 1 the acceptances, draw 2 the new
  levels of M-level cells.

Before this table the variability streams were ``2**62 + k``, the aggregated engine's group
``k`` dynamics stream, and the double well read draws 0 and 1, the dynamics' own: both moved.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DrawRange:
    """Draw indices ``start .. start + size - 1`` owned by ``name``."""

    name: str
    start: int
    size: int

    def __getitem__(self, i: int) -> int:
        """The ``i``-th draw index of the range (``IndexError`` outside it)."""
        if not 0 <= i < self.size:
            raise IndexError(f"draw {i} outside {self.name} (size {self.size})")
        return self.start + i

    @property
    def stop(self) -> int:
        """One past the last draw index."""
        return self.start + self.size

    def overlaps(self, other: DrawRange) -> bool:
        """True when the two ranges share a draw index."""
        return self.start < other.stop and other.start < self.stop


#: Groups of the aggregated engine have one stream each (``AggregateArray(groups=)`` <= 1024).
MAX_GROUPS = 2**10

DYNAMICS = DrawRange("dynamics", 0, 2**60)
LANGEVIN = DrawRange("langevin", 2**60, 2)
VARIABILITY = DrawRange("variability", 2**60 + 2**40, 2**10)
#: Draw indices per normal slot of the continuous engine, and its slots.
CONTINUOUS_SLOT, CONTINUOUS_SLOTS = 2**32, 4
CONTINUOUS = DrawRange("continuous engine", 2**61, CONTINUOUS_SLOTS * CONTINUOUS_SLOT)
AGGREGATE_DYNAMICS = DrawRange("aggregate dynamics", 2**62, MAX_GROUPS)
AGGREGATE_PREPARE = DrawRange("aggregate preparation", 2**62 + 2**40, MAX_GROUPS)
CELL_PREPARE = DrawRange("cell preparation", 2**63, 1)
ISING = DrawRange("ising machine", 2**63 + 2**40, 2)
SPARSE = DrawRange("sparse dynamics", 2**63 + 2**41, 3)

#: Every range, in order of their first index.
TABLE = (
    DYNAMICS,
    LANGEVIN,
    VARIABILITY,
    CONTINUOUS,
    AGGREGATE_DYNAMICS,
    AGGREGATE_PREPARE,
    CELL_PREPARE,
    ISING,
    SPARSE,
)


def overlapping() -> list[tuple[str, str]]:
    """The pairs of ranges in ``TABLE`` that share a draw index (empty when the table is sound)."""
    return [(a.name, b.name) for i, a in enumerate(TABLE) for b in TABLE[i + 1 :] if a.overlaps(b)]

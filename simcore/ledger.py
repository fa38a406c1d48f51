"""The energy ledger: work, heat and level changes per memory operation (tag).

Sign conventions (THEORY.md section 2): ``W`` is work done *on* the cells by the landscape
changes; ``Q`` is heat *released to* the bath; ``ΔU = W - Q`` holds exactly for every cell and step.

Tallies are kept per cell group (see ``simcore.kernels``): the mean is the group total over the
number of cells, the standard error comes from the spread of the group means (batch means), or
from the per-cell values when those were recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """A per-cell mean in J with its standard error; ``per_cell`` (N,) when recorded."""

    mean: float
    stderr: float
    per_cell: np.ndarray | None = field(default=None, repr=False)

    def in_kT(self, kT: float) -> tuple[float, float]:
        """``(mean, stderr)`` in units of kT."""
        return self.mean / kT, self.stderr / kT


@dataclass(frozen=True)
class TagTotals:
    """A machine's totals for one tag, over all its cells and replicas: work done on and heat
    released by the cells (J), their level changes (the Ising machine's spin flips, the
    learner's level hops) and the steps (sweeps, or iterations times colour classes). The
    record of ``IsingMachine.ledger`` and ``GradientMachine.ledger``."""

    work: float
    heat: float
    changes: float
    steps: int


@dataclass(frozen=True)
class TagLedger:
    """Work, heat and ΔU (J per cell) and level changes (per cell) of one memory operation."""

    work: Estimate
    heat: Estimate
    delta_u: Estimate
    changes: float
    steps: int
    duration: float


def batch_estimate(totals: np.ndarray, sizes: np.ndarray, per_cell: np.ndarray | None = None):
    """Mean per cell and its standard error from group ``totals`` over groups of ``sizes``."""
    n = sizes.sum()
    mean = float(totals.sum() / n)
    if per_cell is not None:
        se = float(per_cell.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        return Estimate(mean, se, per_cell)
    g = sizes.size
    if g < 2:
        return Estimate(mean, float("nan"))
    group_means = totals / sizes
    var = g / (g - 1) * np.sum((sizes / n) ** 2 * (group_means - mean) ** 2)
    return Estimate(mean, float(np.sqrt(var)))


class Ledger:
    """Running totals per tag and per cell group. Mutable; ``MemoryArray`` owns one."""

    def __init__(self, group_sizes: np.ndarray):
        self.sizes = np.asarray(group_sizes, dtype=np.int64)
        self.work: dict[str, np.ndarray] = {}
        self.heat: dict[str, np.ndarray] = {}
        self.changes: dict[str, float] = {}
        self.steps: dict[str, int] = {}
        self.durations: dict[str, float] = {}
        self.work_cell: np.ndarray | None = None
        self.heat_cell: np.ndarray | None = None

    def _slot(self, tag: str):
        if tag not in self.work:
            g = self.sizes.size
            self.work[tag] = np.zeros(g)
            self.heat[tag] = np.zeros(g)
            self.changes[tag] = 0.0
            self.steps[tag] = 0
            self.durations[tag] = 0.0

    def add(self, tag: str, work_g, heat_g, changes: int, steps: int, duration: float):
        self._slot(tag)
        self.work[tag] += work_g
        self.heat[tag] += heat_g
        self.changes[tag] += float(changes)
        self.steps[tag] += int(steps)
        self.durations[tag] += float(duration)

    def per_cell_buffers(self, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
        """Per-cell work and heat accumulators (J), created at zero on first use."""
        if self.work_cell is None:
            self.work_cell = np.zeros(n_cells)
            self.heat_cell = np.zeros(n_cells)
        return self.work_cell, self.heat_cell

    def by_tag(self) -> dict[str, TagLedger]:
        out = {}
        n = self.sizes.sum()
        for tag in self.work:
            w, q = self.work[tag], self.heat[tag]
            out[tag] = TagLedger(
                work=batch_estimate(w, self.sizes),
                heat=batch_estimate(q, self.sizes),
                delta_u=batch_estimate(w - q, self.sizes),
                changes=self.changes[tag] / n,
                steps=self.steps[tag],
                duration=self.durations[tag],
            )
        return out

    def totals(self) -> tuple[Estimate, Estimate, Estimate]:
        """Work, heat and ΔU summed over tags (per-cell arrays used when recorded)."""
        g = self.sizes.size
        w = sum(self.work.values(), np.zeros(g))
        q = sum(self.heat.values(), np.zeros(g))
        wc, qc = self.work_cell, self.heat_cell
        return (
            batch_estimate(w, self.sizes, wc),
            batch_estimate(q, self.sizes, qc),
            batch_estimate(w - q, self.sizes, None if wc is None else wc - qc),
        )

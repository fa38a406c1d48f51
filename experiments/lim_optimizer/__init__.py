"""Energy-to-solution of a learning-in-memory optimiser, simulated cell by cell
(docs/theory.md §7 and "Simulated energy-to-solution of an optimiser").

An optimiser whose parameters live in ``MemoryArray`` cells: every iteration it *reads* the
stored levels, computes its update (a gradient step of a convex quadratic programme, or a
heat-bath move of an Ising machine annealed on a logarithmic schedule), and *writes* the cells
whose value changes by per-cell tilts held for the update time, while the barrier follows the
architecture's schedule (Z. Chen, F. Ahsan, J. Leugering, G. Cauwenberghs and S. Chakrabartty,
arXiv:2402.14878):

- ``static``: a short-term memory at the fixed barrier ``E_S = retention_barrier(K τ_u, ε)`` takes
  the updates; every K iterations (and at the end) the cells that differ are copied into a
  long-term memory at ``E_L = retention_barrier(retention, ε, N·B)`` ("consolidate");
- ``matched``: one memory whose barrier follows ``matched_barrier(n)`` (``E_0 + kT ln(1 + n/n0)``
  for the 1/n learning rate); at the end the barrier is raised in place to ``E_L`` and the cells
  lost while raising are rewritten ("consolidate");
- ``ideal``: cells rest at ``E_L``; a write drops the barrier, tilts towards the target along the
  bit geodesic in ``substeps`` pieces, raises the barrier with the tilt on and untilts.

A tilt write over a barrier ``E`` lifts every level of the cell by ``δ·|i - target|`` with ``δ =
static_write_tilt(E, τ_u, ε)`` while the saddles stay at ``E`` (docs/theory.md §5), so each level
hop towards the target releases ``δ`` as heat. Between updates each iteration holds the cells for
one more update time; the cells found off the value last written (a flip while holding, or a failed
write) are rewritten then, booked as "hold" (a scrub, the cost the estimate's hold term assumes).

Every write is, given the level the optimiser read, an open-loop protocol on one cell, so its exact
mean work, variance, final distribution and a rigorous lower bound ``ΔF_neq + kT L1²/(2 𝒜_cap)``
(second law with the Shiraishi–Funo–Saito speed limit, PRL 121, 070601 (2018),
doi:10.1103/PhysRevLett.121.070601) follow from the cell's master equation (``oracle.WriteOracle``,
on ``simcore.master``). Summed over all writes they give, per wall, the exact expectation of the
energy of this run given its reads (the Monte Carlo ledger must agree within Chernoff's bound,
from the exact cumulant generating function ``ln E exp(λW)`` of every write, ``oracle.LAMBDAS_KT``)
and a rigorous bound it must never fall below.
``simcore.lim.energy_to_solution`` gives the analytic estimate for the same (OPS, N, schedule,
precision, update time); docs/theory.md ("Simulated energy-to-solution of an optimiser") explains
the ratio.

The package: ``config`` (``Config``, memory estimate), ``problems`` (instances with exact optima),
``oracle`` (exact per-write statistics), ``model`` (the memory of one architecture, on
``simcore.lim.Architecture``), ``optimisers`` (the two optimisers and ``run``), ``results`` (the
result dataclasses, ``checks``, ``report``, ``data``) and ``figures`` (``plot``). Random streams
(``simcore.seeds``): ``quadratic[N,B]/`` and ``ising[N,1]/`` with ``instance``, ``cells``,
``long_term_cells`` (static), ``rounding`` (quadratic) and ``moves`` (Ising).
"""

from __future__ import annotations

from experiments.contract import Experiment
from experiments.lim_optimizer.config import (
    BRUTE_FORCE_MAX,
    N_SIGMA,
    NAME,
    PROBLEMS,
    SIZE_KEYS,
    SUMMARY,
    WALLS,
    Config,
    memory_estimate,
)
from experiments.lim_optimizer.figures import plot
from experiments.lim_optimizer.model import Memory, WallBook
from experiments.lim_optimizer.optimisers import anneal_ising, run, solve_quadratic
from experiments.lim_optimizer.oracle import WriteOracle, v_tilt
from experiments.lim_optimizer.problems import Ising, Quadratic, ising_instance, quadratic_instance
from experiments.lim_optimizer.results import Quality, Result, Row, Run, Wall, checks, data, report

__all__ = [
    "BRUTE_FORCE_MAX",
    "EXPERIMENT",
    "NAME",
    "N_SIGMA",
    "PROBLEMS",
    "SIZE_KEYS",
    "SUMMARY",
    "WALLS",
    "Config",
    "Ising",
    "Memory",
    "Quadratic",
    "Quality",
    "Result",
    "Row",
    "Run",
    "Wall",
    "WallBook",
    "WriteOracle",
    "anneal_ising",
    "checks",
    "data",
    "ising_instance",
    "memory_estimate",
    "plot",
    "quadratic_instance",
    "report",
    "run",
    "solve_quadratic",
    "v_tilt",
]

EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot,
                        memory_estimate=memory_estimate, size_keys=SIZE_KEYS)

"""Energy-to-solution of the in-memory Ising machine, measured from its cells' ledger
(docs/theory.md, "Measured energy-to-solution of the in-memory annealer").

The annealer is ``simcore.lim.IsingMachine``: the controller sets only the tilts ``g h_i``, the
barrier and the colour class; the cells' own thermal hops are the heat-bath updates (at a
constant gain an exact chromatic Gibbs sampler at ``β_eff = g/kT``). After the anneal the barrier
is raised and the tilts removed (``IsingMachine.consolidate``). The walls, per solution (one
restart): ``update`` the cells' work while annealing (the ledger's ``update`` tag), ``hold``
(the consolidated answer kept for ``retention`` behind E_L = retention_barrier(retention,
error, N) by ``IsingMachine.hold``: flat wells, 0 J in the two-state model; the flipped spins
are counted against the exact rate, and a scan of ``hold_margins`` below E_L prices the
alternative, scrubs), ``consolidate`` the untilt work. Beside them, not in the total: the
quasi-static work of raising N quartic double wells to the hold barrier
(``simcore.well_modulation``) and the controller's reads and multiply-accumulates of the local
fields (``simcore.references.controller_energy``, Horowitz ISSCC 2014), a separate line.

Against it: ``simcore.lim.energy_to_solution`` (static / matched / ideal) for the same OPS
(sweeps × N spin updates), N, 1 bit per spin, logarithmic activity and the window as update time,
and the write-through annealer of ``lim_optimizer`` (a digital heat-bath over passive memory:
its own random numbers, tilt-pulse writes, scrubs and consolidation; ``lim_optimizer.Memory``
reused unchanged) on the same planted instance and schedule.

Scans (trade-off curves): ``speed`` (sweeps of the anneal), ``clock`` (the window's barrier, i.e.
the update time), ``size`` (planted lattices), ``schedule`` (static quench, linear β,
logarithmic, NeuroSA) and ``brute`` (±1 glasses with brute-forced ground states: success rates
over restarts with Clopper-Pearson intervals). Quality is the residual energy per spin against
the exact ground state: brute force (N <= 24) or planted frustrated loops (``problems``).

Checks (independent truth): the mean energy at constant β against enumeration of the spectrum,
the first law of the ledger (consolidated: ``ΣW = ΣQ``), the heat identity ``Q = -g ΔH``, the
retention errors of every hold margin against the exact binomial law (Chernoff), the restarts
failing the hold at E_L at most ``error`` (Clopper-Pearson), the
success rate on brute-forced instances, no restart below the exact ground energy, and the
planted/brute-forced ground state's energy by the machine's kernel.

Streams (``simcore.seeds``): ``instance[kind, size]``, ``machine[i]``, ``equilibrium[j]`` and
``baseline[a]/`` (``cells``, ``long_term_cells``, ``moves``).
"""

from __future__ import annotations

from experiments.contract import Experiment
from experiments.lim_annealer.annealer import (
    Baseline,
    Equilibrium,
    Point,
    anneal,
    equilibrium,
    estimate,
    run,
    schedule,
    write_through,
)
from experiments.lim_annealer.config import (
    NAME,
    SCHEDULES,
    SIZE_KEYS,
    SUMMARY,
    Config,
    memory_estimate,
)
from experiments.lim_annealer.figures import plot
from experiments.lim_annealer.oracle import equilibrium_energy
from experiments.lim_annealer.problems import (
    BRUTE_FORCE_MAX,
    Instance,
    brute_force,
    planted,
    spectrum,
    spin_glass,
)
from experiments.lim_annealer.results import Result, checks, data, report

__all__ = [
    "BRUTE_FORCE_MAX",
    "EXPERIMENT",
    "NAME",
    "SCHEDULES",
    "Baseline",
    "Config",
    "Equilibrium",
    "Instance",
    "Point",
    "Result",
    "anneal",
    "brute_force",
    "checks",
    "data",
    "equilibrium",
    "equilibrium_energy",
    "estimate",
    "memory_estimate",
    "planted",
    "plot",
    "report",
    "run",
    "schedule",
    "spectrum",
    "spin_glass",
    "write_through",
]

EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot,
                        memory_estimate=memory_estimate, size_keys=SIZE_KEYS)

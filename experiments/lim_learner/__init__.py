"""Gradient descent done by the memory: M-level cells whose own thermally activated hops are the
optimiser's updates (``simcore.learner``, docs/theory.md "The in-memory learner"; Z. Chen,
F. Ahsan, J. Leugering, G. Cauwenberghs and S. Chakrabartty, arXiv:2402.14878).

Each parameter is an M-level cell; before each window the controller reads the memory, tilts
every cell's levels by the gain ``β kT`` times the local model of the objective (gradient and
diagonal curvature at the stored parameters), and the barrier follows
``b_n = b_0 + kT ln(1 + n/n0)``, the learning rate ``η_n = η_0/(1 + n/n0)`` with
``b_0 = kT ln(Δ² β f0 τ / η_0)``. After training the tilts are removed and the barrier is raised
in place to the retention barrier of the solution (``consolidate``) and the solution is held
there for ``retention`` on the cells (``GradientMachine.hold``: the parameters it changes are
counted against their exact expectation). Beside the two-state walls: the quasi-static work of
the barrier moves in quartic double wells (``simcore.well_modulation``, booked free by the
two-state model) and the controller's reads and multiply-accumulates of the gradients
(``simcore.references.controller_energy``, Horowitz ISSCC 2014), a separate line.

1. **Quadratic programme** (the instances of ``experiments.lim_optimizer`` for the same seeds,
   updated in colour classes of the coupling graph): energy by wall from the ledger against
   ``simcore.lim.energy_to_solution`` (static / matched / ideal, same OPS, N, n0, τ, bits) and
   against the write-through ``matched`` optimiser of ``lim_optimizer`` on the same instance,
   scanned over n0, τ, bits and N, with the final error and the iterations to a one-level
   precision.
2. **load_digits** (scikit-learn), a linear softmax classifier with all 650 weights active at
   once: held-out accuracy against energy, beside float64 gradient descent, float64 minibatch SGD
   and the write-through optimiser at the same iterations and learning-rate schedule.

Checks: the first law of every ledger (exact); the ledger's heat against the exact conditional
expectation of every window (a martingale Chernoff bound with the windows' exact conditional
cumulant generating functions); the parameters changed by the hold against the exact
``Σ(1 - P_kk)`` (Chernoff); the held-out accuracy (Clopper-Pearson).
Streams (``simcore.seeds``): ``quadratic[N,B]/`` with ``instance``, ``machine_cells`` and the
write-through's ``cells``, ``rounding``; ``digits/`` with ``split``, ``machine_cells``,
``batches`` and ``write_through/``.
"""

from __future__ import annotations

from experiments.contract import Experiment
from experiments.lim_learner.config import NAME, SIZE_KEYS, SUMMARY, Config, memory_estimate
from experiments.lim_learner.figures import plot
from experiments.lim_learner.results import Result, checks, data, report
from experiments.lim_learner.runs import run

__all__ = ["EXPERIMENT", "Config", "Result", "checks", "data", "plot", "report", "run"]

EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot,
                        memory_estimate=memory_estimate, size_keys=SIZE_KEYS)

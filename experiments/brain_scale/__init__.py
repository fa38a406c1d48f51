"""Energy-to-solution of a learning-in-memory optimiser at brain scale
(docs/theory.md, "Brain-scale projection").

A bit-level model of the **matched** architecture (Z. Chen, F. Ahsan, J. Leugering,
G. Cauwenberghs and S. Chakrabartty, arXiv:2402.14878), with N parameters of B bits, i.e. N·B
identical bit cells, simulated with the aggregated engine (``simcore.AggregateArray``: counts per
level, exact in distribution, cost independent of N) for N up to 10^15 and up to 10^13 updates
per parameter (OPS up to 10^28). It is the model of ``simcore.lim.energy_to_solution``, built on
``simcore.lim.Architecture``:

- at iteration n each parameter changes with probability ``a_n = schedule_activity(n)`` and gets
  B fresh bits, each differing from the old one with probability 1/2 (drawn exactly: changed
  parameters ``P ~ Binomial(N, a_n)``, bits whose target flips ``F ~ Binomial(P·B, 1/2)``);
- the barrier is ``E(n) = min(matched_barrier(n), E_L)``; every bit off its target is written by
  a tilt-only write (lift the wrong well by ``δ = static_write_tilt(E(n), τ_u, ε)`` for ``τ_u``,
  saddle fixed, then drop it), all written cells mirrored into one array written from level 1 to
  level 0 (the bit is symmetric); bits whose target flipped are booked as ``update``;
- the other bits are held at ``E(n)`` for the same ``τ_u``; every bit found off its target at the
  end of an iteration (a held bit that flipped, or a write that failed) is rewritten in the next
  iteration (``hold``, the scrub);
- after the last iteration a last scrub, then the barrier is raised in place to ``E_L`` in
  ``τ_u`` (``RAISE_PIECES`` constant pieces, each with the escape hazard of the linear ramp) and
  the bits lost meanwhile are rewritten at ``E_L`` (``consolidate``).

Up to ``step_limit`` iterations every update is simulated. Beyond, exact windows of
``window_length`` consecutive iterations (after ``burn_in`` iterations from a clean state, which
the scrub forgets at a rate ε per iteration) are simulated at ``windows`` log-spaced indices; the
ratio of each window's energy to the estimate's per-iteration energy is interpolated linearly in
ln n and integrated against the estimate over every iteration (Euler–Maclaurin,
``simcore.series``). The sampling error comes from the windows' standard errors, the integration
error from the same integral on every other window (Richardson, second order). The exact
expectation of this model (a one-step recursion for the probability that a bit is off its
target, summed the same way), a rigorous lower bound (second law plus the speed limit of
Shiraishi, Funo and Saito, PRL 121, 070601 (2018), doi:10.1103/PhysRevLett.121.070601, per
write) and the estimates of ``bounds.energy_to_solution`` for static, matched and ideal, with the
Landauer and hardware lines, are drawn beside the simulated totals. docs/theory.md ("Brain-scale
projection") derives the ratio simulated/estimate.

The package: ``config`` (``Config``), ``model`` (the bit model and its exact expectation, the
oracle), ``simulation`` (the aggregated simulation, windows and ``run``), ``results`` (the result
dataclasses, ``checks``, ``report``, ``data``) and ``figures`` (``plot``). Random streams
(``simcore.seeds``): ``point[i]/stepped/`` and ``point[i]/windowed/`` with ``draws``, ``update``,
``scrub``, ``hold``, ``raise``, ``rewrite``; iteration n of a stream uses its listed spawn key
followed by n.
"""

from __future__ import annotations

from experiments.brain_scale.config import DENSE_FROM, N_SIGMA, NAME, SUMMARY, Config
from experiments.brain_scale.figures import plot
from experiments.brain_scale.model import Exact, Model
from experiments.brain_scale.results import (
    End,
    Point,
    Result,
    Stepped,
    Windowed,
    checks,
    data,
    report,
)
from experiments.brain_scale.simulation import ROLES, Simulation, run, simulate_point
from experiments.contract import Experiment

__all__ = [
    "DENSE_FROM",
    "EXPERIMENT",
    "NAME",
    "N_SIGMA",
    "ROLES",
    "SUMMARY",
    "Config",
    "End",
    "Exact",
    "Model",
    "Point",
    "Result",
    "Simulation",
    "Stepped",
    "Windowed",
    "checks",
    "cost_estimate",
    "data",
    "plot",
    "report",
    "run",
    "simulate_point",
]



def memory_estimate(cfg: Config) -> float:
    """Peak bytes beyond the process's fixed overhead: the aggregated engine keeps counts per
    level, not cells, so a run of any N holds only its per-point tables (``windows`` by
    ``window_length`` iterations of a few floats); 64 MiB covers them with a wide margin."""
    return 64.0 * 2**20


#: Cell-steps of equal CPU time to one simulated iteration (three small aggregated arrays, seven
#: steps, at any N): 1.4 ms measured (AMD EPYC, 2 loaded cores, ``time.process_time``), at the
#: harness's 1e8 cell-steps per second; 2e5 leaves a margin.
ITERATION_CELL_STEPS = 2e5
#: The same for the fixed work of a windowed point (exact model, quadrature): 0.8 s measured.
WINDOWED_POINT_CELL_STEPS = 1e8


def cost_estimate(cfg: Config) -> float:
    """The run's work in cell-steps of equal CPU time: the aggregated engine's cost does not
    grow with N, only with the iterations simulated (every one at a stepped point, the windows
    and their burn-in at a windowed one; ``simulate_point``), at ``ITERATION_CELL_STEPS`` each,
    plus ``WINDOWED_POINT_CELL_STEPS`` per windowed point."""
    total = 0.0
    for n in cfg.sizes:
        n_iter = cfg.iterations(n)
        covered = cfg.windows * cfg.window_length >= n_iter
        if covered or n_iter <= cfg.step_limit:
            total += n_iter * ITERATION_CELL_STEPS
        if not covered:
            simulated = cfg.windows * (cfg.window_length + cfg.burn_in)
            total += simulated * ITERATION_CELL_STEPS + WINDOWED_POINT_CELL_STEPS
    return total


EXPERIMENT = Experiment(name=NAME, summary=SUMMARY, doc=__doc__, config=Config, run=run,
                        checks=checks, report=report, data=data, plot=plot,
                        memory_estimate=memory_estimate, size_keys=("sizes",),
                        cost_estimate=cost_estimate)

"""The cost of a run, said before it starts: cell-steps and a rough time; refused above a limit.

A run advances ``n_cells`` cells through some number of time steps; its cost is about
proportional to the product, the *cell-steps*. Each experiment says its own through the
``cost_estimate`` hook of its record (``experiments.contract.Experiment``; the default,
``experiments.contract.config_cost``, reads the config's ``n_cells`` and step-count keys). An
experiment whose hook returns ``None`` has no estimate, and is never refused here.
``limsim run`` prints the estimate and refuses a run above ``CELL_STEP_LIMIT`` unless
``--force``.
"""

from __future__ import annotations

from collections.abc import Callable

from simcore.errors import ParameterError

#: Cell-steps per second of the engine, roughly (one core of a laptop, two-level cells).
CELL_STEPS_PER_S = 1e8
#: Above this many cell-steps (hours on a laptop) a run is refused unless forced.
CELL_STEP_LIMIT = 1e12


def format_seconds(s: float) -> str:
    """``s`` seconds as ``"40 s"``, ``"12 min"``, ``"3.5 h"`` or ``"2.1 days"``."""
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def check_run(exp, cfg, *, force: bool = False, cores: int = 1,
              echo: Callable[[str], object] | None = None) -> float | None:
    """Say the estimated cost of a run and refuse it above ``CELL_STEP_LIMIT`` unless ``force``.

    Parameters
    ----------
    exp : experiments.contract.Experiment
        The experiment (named in the message).
    cfg : its Config
        A validated config.
    force : bool
        Run however large the estimate (``--force``).
    cores : int
        Cores the run may use, for the rough time.
    echo : callable, optional
        Receives the one line with the estimate.

    Returns
    -------
    float or None
        The cell-steps (``exp.cost_estimate(cfg)``).

    Raises
    ------
    ParameterError
        Naming ``cost`` when the estimate exceeds the limit and not ``force``.
    TypeError
        When the experiment's ``cost_estimate`` returns neither ``None`` nor a number >= 0.
    """
    cs = exp.cost_estimate(cfg)
    if cs is None:
        return None
    if isinstance(cs, bool) or not isinstance(cs, int | float) or not cs >= 0:
        raise TypeError(f"{exp.name}: cost_estimate returned {cs!r}, not None or cell-steps >= 0")
    cs = float(cs)
    rough = format_seconds(cs / (CELL_STEPS_PER_S * max(1, cores)))
    if cs > CELL_STEP_LIMIT and not force:
        raise ParameterError(
            "cost", f"{cs:.3g} cell-steps",
            f"at most {CELL_STEP_LIMIT:.0g} cell-steps (roughly {rough} here); reduce n_cells or"
            " the step counts, or pass --force",
        )
    if echo is not None:
        echo(f"{exp.name}: about {cs:.3g} cell-steps, roughly {rough} on {max(1, cores)}"
             f" core{'s' if cores > 1 else ''}")
    return cs

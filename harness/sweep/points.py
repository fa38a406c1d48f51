"""What one point of ``limsim sweep`` runs: a registered experiment with the point's config.

Both functions are module-level so that Dask can pickle them (with ``functools.partial`` over
the experiment name); a worker imports this module, the registry and the experiment.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness import memory, runner
from harness.registry import experiment


def result_key(text: str) -> str:
    """A check's stable key (``experiments.common.check_key``, e.g. ``flip_vs_master[2, 5]``)
    as a result name: letters, digits and ``_`` (at most 80 characters)."""
    return re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")[:80]


def run_point(name: str, point: dict, seed: int, path: str) -> dict[str, float]:
    """Run experiment ``name`` for one sweep point and write its result file.

    Parameters
    ----------
    name : str
        A registered experiment.
    point : dict
        The point's config overrides.
    seed : int
        The point's seed (``SweepSpec.seed_of``), the run's root seed.
    path : str
        The result file to write (atomically, temporary file beside it).

    Returns
    -------
    dict of str to float
        The number of checks passed and failed, and each check's simulated value, by the
        check's stable key (never by its label, which may hold values).
    """
    exp = experiment(name)
    cfg = runner.point_config(exp, point, seed)
    checks, _ = runner.simulate(exp, cfg, Path(path))
    out = {
        "checks_passed": float(sum(c["passed"] for c in checks)),
        "checks_failed": float(sum(not c["passed"] for c in checks)),
    }
    for c in checks:
        out.setdefault(result_key(c["key"]), float(c["simulated"]))
    return out


def memory_need(name: str, point: dict) -> float:
    """Upper estimate of a point's memory, bytes (``harness.memory.run_need``); also validates
    the point's config (``ParameterError`` naming the key)."""
    exp = experiment(name)
    return memory.run_need(exp, runner.point_config(exp, point))

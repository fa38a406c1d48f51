"""The glue between ``limsim sweep`` and ``simcore.sweep``: what one point of a sweep runs.

Both functions are module-level so Dask can pickle them (with ``functools.partial`` over the
experiment name).
"""

from __future__ import annotations

import re
from pathlib import Path

from experiments import config as cfgmod
from experiments import runner


def _config(name: str, point: dict, seed: int | None = None):
    exp = runner.experiment(name)
    cfg = cfgmod.apply(exp.Config(), dict(point))
    if seed is not None:
        cfg = cfgmod.apply(cfg, {"seed": seed})
    return exp, cfgmod.validate(cfg)


def _key(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")[:80]


def run_point(name: str, point: dict, seed: int, path: str) -> dict[str, float]:
    """Run experiment ``name`` with the point's config overrides and ``seed``; write its result
    file to ``path`` (atomically, temp file beside it); return its scalar results: the number of
    checks passed and failed and each check's simulated value."""
    exp, cfg = _config(name, point, seed)
    checks, _ = runner.simulate(exp, cfg, Path(path))
    out = {
        "checks_passed": float(sum(c["passed"] for c in checks)),
        "checks_failed": float(sum(not c["passed"] for c in checks)),
    }
    for c in checks:
        out.setdefault(_key(c["check"]), float(c["simulated"]))
    return out


def memory_need(name: str, point: dict) -> float:
    """Upper estimate of a point's memory (bytes); also validates the point's config."""
    exp, cfg = _config(name, point)
    return runner.memory_need(exp, cfg)

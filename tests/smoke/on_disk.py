"""The experiments found on disk, independently of ``harness.registry``: every module or
package directly under ``experiments/`` whose ``EXPERIMENT`` is an ``Experiment`` record. The
smoke tests run each of these and require the registry to list exactly them, so an experiment
written but never registered (or registered but gone) fails a test."""

from __future__ import annotations

import importlib
import pkgutil

import experiments
from experiments.contract import Experiment


def experiments_on_disk() -> tuple[str, ...]:
    """Names of the experiment modules and packages under ``experiments/``, sorted."""
    found = []
    for info in pkgutil.iter_modules(experiments.__path__):
        if info.name.startswith("_"):
            continue  # __main__ runs the command line
        module = importlib.import_module(f"experiments.{info.name}")
        if isinstance(vars(module).get("EXPERIMENT"), Experiment):
            found.append(info.name)
    return tuple(sorted(found))


ON_DISK = experiments_on_disk()

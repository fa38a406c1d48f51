"""The experiments the command line knows, by name."""

from __future__ import annotations

import importlib
from types import ModuleType

_MODULES = (
    "landauer_erasure",
    "retention",
    "fluctuation_theorems",
    "update_wall",
    "consolidation_wall",
    "lim_optimizer",
    "brain_scale",
)


def _load() -> dict[str, ModuleType]:
    out = {}
    for name in _MODULES:
        try:
            mod = importlib.import_module(f"experiments.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"experiments.{name}":
                raise
            continue
        out[mod.NAME] = mod
    return out


EXPERIMENTS: dict[str, ModuleType] = _load()

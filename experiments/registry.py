"""The experiments the command line knows, by name.

``EXPERIMENTS`` maps each name to its module and imports a module only when it is first looked
up, so that ``limsim run NAME`` pays for the import of ``NAME`` alone.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator, Mapping
from types import ModuleType

_MODULES = (
    "landauer_erasure",
    "retention",
    "fluctuation_theorems",
    "update_wall",
    "consolidation_wall",
    "lim_optimizer",
    "brain_scale",
    "two_state_validity",
)


class _Registry(Mapping):
    """Experiment name -> module, imported on first access (the name is the module's)."""

    def __init__(self, names: tuple[str, ...]):
        self._names = tuple(
            n for n in names if importlib.util.find_spec(f"experiments.{n}") is not None
        )
        self._modules: dict[str, ModuleType] = {}

    def __getitem__(self, name: str) -> ModuleType:
        if name not in self._names:
            raise KeyError(name)
        mod = self._modules.get(name)
        if mod is None:
            mod = importlib.import_module(f"experiments.{name}")
            if mod.NAME != name:
                raise RuntimeError(f"experiments.{name} declares NAME = {mod.NAME!r}")
            self._modules[name] = mod
        return mod

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names


EXPERIMENTS: Mapping[str, ModuleType] = _Registry(_MODULES)

"""The experiments the command line knows, by name."""

from __future__ import annotations

from types import ModuleType

from experiments import landauer_erasure

EXPERIMENTS: dict[str, ModuleType] = {m.NAME: m for m in (landauer_erasure,)}

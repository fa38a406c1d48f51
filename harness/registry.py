"""The experiments the command line knows, by name.

``EXPERIMENTS`` maps each name to the ``EXPERIMENT`` record (an
``experiments.contract.Experiment``) of the module ``experiments.NAME``. A module is imported
only when its name is first looked up, so that ``limsim run NAME`` pays for the import of
``NAME`` alone. The record is read from the module at every look-up (the import itself is
cached by Python), so a test may replace it.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator, Mapping

from experiments.contract import Experiment
from simcore.errors import ParameterError

#: The registered experiments, in suite order (the module ``experiments.NAME`` for each).
NAMES = (
    "landauer_erasure",
    "retention",
    "fluctuation_theorems",
    "update_wall",
    "consolidation_wall",
    "lim_optimizer",
    "lim_annealer",
    "brain_scale",
    "two_state_validity",
    "lim_learner",
)


class _Registry(Mapping):
    """Experiment name -> its ``Experiment`` record, imported on first access."""

    def __init__(self, names: tuple[str, ...]):
        self._names = tuple(
            n for n in names if importlib.util.find_spec(f"experiments.{n}") is not None
        )

    def __getitem__(self, name: str) -> Experiment:
        if name not in self._names:
            raise KeyError(name)
        module = importlib.import_module(f"experiments.{name}")
        exp = vars(module).get("EXPERIMENT")
        if not isinstance(exp, Experiment):
            raise TypeError(
                f"experiments.{name} must define EXPERIMENT = experiments.contract.Experiment(...)"
                f", not {type(exp).__name__}"
            )
        if exp.name != name:
            raise TypeError(f"experiments.{name} declares EXPERIMENT.name = {exp.name!r}")
        return exp

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names


EXPERIMENTS: Mapping[str, Experiment] = _Registry(NAMES)


def experiment(name: str) -> Experiment:
    """The registered experiment ``name``.

    Parameters
    ----------
    name : str
        An experiment's name (``limsim list``).

    Returns
    -------
    experiments.contract.Experiment

    Raises
    ------
    ParameterError
        Naming ``NAME`` when no experiment has that name.
    """
    if name not in EXPERIMENTS:
        raise ParameterError("NAME", name, "one of " + ", ".join(sorted(EXPERIMENTS)))
    return EXPERIMENTS[name]

"""What the experiments' results share: the fields every result dataclass has, and one protocol
simulated two ways (Monte Carlo cells and the exact master equation).

An experiment's ``run(cfg, progress)`` returns its own frozen ``Result`` dataclass, a
:class:`ResultBase` (its config and the run's ``simcore.seeds.Seeds``) with fields of its own;
``checks``, ``report`` and ``data`` read those fields by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import simcore as sc
from simcore.seeds import Seeds


@dataclass(frozen=True, kw_only=True, eq=False)
class ResultBase:
    """The fields every experiment's result dataclass has (its ``Result`` adds its own).

    Attributes
    ----------
    config : experiments.config.CellsConfig
        The experiment's validated config.
    seeds : simcore.seeds.Seeds
        The run's named streams (root ``config.seed``), listed in the file by
        :func:`experiments.common.seeds_tree`.
    """

    config: object
    seeds: Seeds

    @property
    def kT(self) -> float:
        """Thermal energy kT of ``config.temperature`` (J)."""
        return sc.kT(self.config.temperature)


@dataclass(frozen=True, eq=False)
class Simulated:
    """One protocol run two ways: Monte Carlo cells and the exact master equation.

    Attributes
    ----------
    mc : simcore.RunResult
        The Monte Carlo ledger (energies in J per cell), occupancies and optional history.
    master : simcore.MasterResult
        The master equation of the same steps from the same initial occupancy.
    electrical : dict or None
        The electrical ledger ``{tag: experiments.electrical.ElectricalTag}`` (J per cell)
        when the run was given the powers its segments draw; None otherwise.
    """

    mc: sc.RunResult
    master: sc.MasterResult
    electrical: dict | None = None

    def electrical_total(self):
        """The electrical ledger summed over tags (``ElectricalTag``; NaN without one)."""
        from experiments.electrical import ElectricalTag, total

        if self.electrical is None:
            nan = float("nan")
            return ElectricalTag(nan, nan, nan)
        return total(self.electrical)


def simulate(cfg, protocol: sc.Protocol, dt: float, initial, seed: int, *,
             progress: bool = False, powers=None, **run_options) -> Simulated:
    """Run ``protocol`` on ``cfg.n_cells`` cells and solve its master equation.

    Parameters
    ----------
    cfg : experiments.config.CellsConfig
        Gives ``n_cells``, ``temperature`` (K), ``attempt_frequency`` (Hz) and, when it has
        one, ``kinetics`` (else ``"arrhenius"``).
    protocol : simcore.Protocol
        The landscapes over time (energies in J).
    dt : float
        Time step (s), the same for both.
    initial : int, sequence of float or "equilibrium"
        Initial level or occupancy, the same for both.
    seed : int
        Seed of the cells' stream, in [0, 2**64) (a ``Seeds.seed(name, ...)``).
    progress : bool
        Show the array's step bar.
    powers : array_like, shape (segments, M), optional
        Power (W) drawn per level in each protocol segment: books the electrical ledger
        (``experiments.electrical.book``; records the occupancy history).
    **run_options
        Passed on to ``MemoryArray.run`` (``record_history``, ``record_per_cell``).

    Returns
    -------
    Simulated
        The Monte Carlo result and the master-equation result.

    Raises
    ------
    simcore.ParameterError
        For a config value, time step, initial state or seed out of range.
    """
    kinetics = getattr(cfg, "kinetics", "arrhenius")
    if powers is not None:
        run_options["record_history"] = True
    arr = sc.MemoryArray(cfg.n_cells, protocol.n_levels, temperature=cfg.temperature,
                         attempt_frequency=cfg.attempt_frequency, kinetics=kinetics, seed=seed)
    mc = arr.run(protocol, dt, initial=initial, progress=progress, **run_options)
    master = sc.solve_master(protocol, dt, cfg.temperature, cfg.attempt_frequency, kinetics,
                             initial)
    if powers is None:
        return Simulated(mc, master)
    from experiments.electrical import book

    if kinetics != "arrhenius":
        raise sc.ParameterError("kinetics", kinetics, "'arrhenius' for an electrical ledger")
    return Simulated(mc, master, book(protocol, powers, dt, cfg.temperature,
                                      cfg.attempt_frequency, mc.history, master.history,
                                      cfg.n_cells))


def column(records, get) -> np.ndarray:
    """``get(r)`` for every record ``r`` (one per simulated point), as one float64 array: a
    dataset of the result file, one entry (or row) per point."""
    return np.array([get(r) for r in records], dtype=np.float64)

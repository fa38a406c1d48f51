"""The optimiser experiment's configuration and its memory estimate."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import simcore as sc
from experiments.checks import FAMILY_ALPHA
from experiments.config import attempt_frequency_field, field, seed_field, temperature_field
from simcore import lim
from simcore.errors import ParameterError

NAME = "lim_optimizer"
SUMMARY = (
    "quadratic programme and Ising machine in barrier memories: energy by wall vs the "
    "energy_to_solution estimate, Landauer and hardware lines, for static, matched and ideal"
)
WALLS = ("update", "hold", "consolidate")
PROBLEMS = ("quadratic", "ising")
#: The config keys that set the memory a run needs (named when a run is refused for memory).
SIZE_KEYS = ("qp_size", "qp_sizes", "qp_bits_scan", "ising_size", "ising_sizes")
#: Largest Ising instance solved by brute force; larger ones are planted.
BRUTE_FORCE_MAX = 20
#: Standard errors of the error bars in figures (the checks' tolerances are family-wise).
N_SIGMA = 4.0


@dataclass(frozen=True, kw_only=True)
class Config:
    temperature: float = temperature_field()
    attempt_frequency: float = attempt_frequency_field(help="attempt frequency f0 (arrhenius)")
    error: float = field(1e-3, "", "write and hold failure probability ε of every memory",
                         low=0, open_low=True, high=0.1)
    retention: float = field(10 * sc.YEAR, "s", "how long the solution must be kept", low=0,
                             open_low=True)
    consolidation_interval: int = field(10, "", "static: iterations between copies K", low=1)
    substeps: int = field(32, "", "ideal: pieces of the geodesic tilt of one write", low=1,
                          high=4096)
    hardware_energy_per_op: float = field(lim.HARDWARE_ENERGY_PER_OP, "J",
                                          "digital energy per parameter update", low=0)
    architectures: tuple[str, ...] = field(lim.ARCHITECTURES, "", "architectures simulated",
                                           choices=lim.ARCHITECTURES)
    update_time: float = field(1e-8, "s", "base update time τ_u", low=0, open_low=True)
    update_times: tuple[float, ...] = field((1e-8, 1e-7, 1e-6), "s", "update-time scan", low=0,
                                            open_low=True)
    qp_size: int = field(1000, "", "quadratic programme: base number of parameters", low=2,
                         high=2**24)
    qp_sizes: tuple[int, ...] = field((10, 100, 1000, 10_000), "", "quadratic: N scan", low=2,
                                      high=2**24)
    qp_bits: int = field(4, "", "quadratic: base precision (bits per parameter)", low=1, high=8)
    qp_bits_scan: tuple[int, ...] = field((2, 3, 4, 5, 6), "", "quadratic: precision scan",
                                          low=1, high=8)
    qp_iterations: int = field(200, "", "quadratic: gradient iterations", low=1, high=10**6)
    qp_scale: float = field(10.0, "", "quadratic: learning-rate time constant n0 (iterations)",
                            low=0, open_low=True)
    qp_degree: int = field(4, "", "quadratic: off-diagonal couplings per row", low=1)
    ising_size: int = field(1000, "", "Ising: base number of spins", low=2, high=2**24)
    ising_sizes: tuple[int, ...] = field((16, 100, 1000, 10_000), "", "Ising: N scan", low=2,
                                         high=2**24)
    ising_iterations: int = field(300, "", "Ising: annealing iterations", low=1, high=10**6)
    ising_scale: float = field(1.0, "", "Ising: annealing time constant n0 (iterations)", low=0,
                               open_low=True)
    ising_theta0: float = field(1.5, "", "Ising: initial annealing temperature (coupling units)",
                                low=0, open_low=True)
    ising_degree: int = field(3, "", "Ising: mean degree of planted instances", low=1)
    ising_fraction: float = field(0.25, "", "Ising: fraction of spins proposed per iteration",
                                  low=0, open_low=True, high=1)
    ising_restarts: int = field(32, "", "Ising, brute-force instances: independent restarts of"
                                " the annealer whose success rate is tested", low=1, high=4096)
    ising_success: float = field(0.5, "", "Ising, brute-force instances: least rate at which"
                                 " the restarts reach the exact ground state", low=0,
                                 open_low=True, high=1)
    record_per_cell: bool = field(False, "", "keep per-cell ledgers (first-law check)")
    seed: int = seed_field(7, high=2**40)

    def smoke(self) -> Config:
        return dataclasses.replace(
            self,
            update_times=(1e-8, 1e-6),
            qp_size=10,
            qp_sizes=(10, 30),
            qp_bits=3,
            qp_bits_scan=(2, 3),
            qp_iterations=60,
            ising_size=12,
            ising_sizes=(12,),
            record_per_cell=True,
        )

    def check(self) -> None:
        for name in ("update_times", "qp_sizes", "qp_bits_scan", "ising_sizes", "architectures"):
            value = getattr(self, name)
            if len(set(value)) != len(value):
                raise ParameterError(name, value, "distinct values")
        # the estimate beside every run needs f0 τ_u >= ln(1/ε) (simcore.lim, issue 19)
        for tau in {self.update_time, *self.update_times}:
            lim.check_estimate_range(tau, self.error, self.attempt_frequency)
        # even no success in every restart must be able to fail the one-sided rate test (at the
        # least strict level a report can give it, a single test at FAMILY_ALPHA)
        least = math.ceil(math.log(FAMILY_ALPHA) / math.log1p(-self.ising_success))
        if self.ising_restarts < least:
            raise ParameterError("ising_restarts", self.ising_restarts,
                                 f"at least {least} restarts for ising_success ="
                                 f" {self.ising_success:g} (fewer cannot fail the rate test)")
        if self.ising_size > BRUTE_FORCE_MAX and self.ising_size < 2 * self.ising_degree:
            raise ParameterError("ising_degree", self.ising_degree, "below half the spins")


def memory_estimate(cfg: Config) -> float:
    """Upper estimate (bytes) of the peak memory of a run: the largest array of each problem
    with its per-cell landscapes (energies ``(N, M)`` and saddles ``(N, M-1)`` built per write
    piece, plus their validated copies), per-cell ledgers, states of the short- and long-term
    memories, and the problem itself (sparse couplings)."""
    qp_n = max((cfg.qp_size, *cfg.qp_sizes))
    qp_m = 2 ** max((cfg.qp_bits, *cfg.qp_bits_scan))
    ising_n = max((cfg.ising_size, *cfg.ising_sizes))
    per_cell = 64 * 2 + 8 * 48  # ledgers, states, targets, masks, the optimiser's own vectors
    qp = qp_n * (4 * 8 * 2 * qp_m + per_cell) + qp_n * cfg.qp_degree * 48
    ising = ising_n * (4 * 8 * 2 * 2 + per_cell) + ising_n * cfg.ising_degree * 48
    return float(max(qp, ising))

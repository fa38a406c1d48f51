"""The brain-scale experiment's configuration."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import simcore as sc
from experiments.config import field
from simcore import lim
from simcore.errors import ParameterError

NAME = "brain_scale"
SUMMARY = (
    "matched learning-in-memory at N up to 10^15 parameters and 10^28 updates, simulated with the "
    "aggregated engine (windows + integration), against the energy_to_solution estimates"
)
N_SIGMA = 4.0
#: Half the windows are log-spaced from this fraction of the time constant n0 on, where the
#: activity a_n and with it the ratio to the estimate change.
DENSE_FROM = 1.0 / 30.0


@dataclass(frozen=True, kw_only=True)
class Config:
    temperature: float = field(300.0, "K", "bath temperature", low=0, open_low=True)
    attempt_frequency: float = field(1e9, "Hz", "attempt frequency f0 (arrhenius)", low=0,
                                     open_low=True)
    update_time: float = field(1e-8, "s", "update time τ_u of one iteration (f0 τ_u > ln 1/ε)",
                               low=0, open_low=True)
    bits: int = field(8, "", "bits per parameter B", low=1, high=16)
    error: float = field(2.0**-8, "", "write and hold failure ε (default 2^-B at B = 8)", low=0,
                         open_low=True, high=0.1)
    retention: float = field(10 * sc.YEAR, "s", "how long the solution must be kept", low=0,
                             open_low=True)
    schedule: str = field("inverse", "", "convergence schedule of the activity a_n",
                          choices=lim.SCHEDULES)
    scale_fraction: float = field(0.1, "", "time constant n0 as a fraction of the iterations",
                                  low=0, open_low=True, high=1e3)
    consolidation_interval: int = field(100, "", "static estimate: iterations between copies",
                                        low=1)
    hardware_energy_per_op: float = field(lim.HARDWARE_ENERGY_PER_OP, "J",
                                          "digital energy per parameter update", low=0)
    sizes: tuple[int, ...] = field(
        (10**3, 10**4, 10**5, 10**7, 10**9, 10**11, 10**13, 10**15), "",
        "numbers of parameters N", low=1, high=2**58)
    updates_top: float = field(
        1e13, "", "updates per parameter at reference_size (10^13: OPS = 10^28 at N = 10^15)",
        low=1, high=2**50)
    reference_size: float = field(1e15, "", "N at which a parameter gets updates_top updates",
                                  low=1)
    updates_exponent: float = field(
        0.8, "", "updates per parameter ∝ N^exponent (large-model training: more data and more "
        "optimiser steps for larger models; 0 = fixed count, 1 = OPS ∝ N²)", low=0, high=2)
    step_limit: int = field(100_000, "", "points with at most this many iterations are also "
                            "simulated at every update", low=0, high=10**7)
    windows: int = field(48, "", "windows per point (log-spaced in n)", low=4, high=4096)
    window_length: int = field(64, "", "iterations per window", low=2, high=10**6)
    burn_in: int = field(4, "", "iterations simulated before each window", low=0, high=1000)
    seed: int = field(11, "", "root seed", low=0, high=2**40)
    flops_per_update: float = field(
        1.0, "", "accelerator FLOPs per parameter update for the brain-scale lines (no FLOP count"
        " is published; 1 is the paper-style reading)", low=0, open_low=True, high=1e12)
    ising_sizes: tuple[int, ...] = field((64, 256, 1024), "", "spins N of the measured Ising"
                                         " machine (energy per update)", low=3, high=2**20)
    ising_replicas: int = field(32, "", "replicas of each measured Ising run", low=2, high=4096)
    ising_sweeps: int = field(200, "", "sweeps of each measured Ising anneal", low=1,
                              high=10**6)

    def smoke(self) -> Config:
        return dataclasses.replace(self, sizes=(100, 10**15), windows=10, window_length=8,
                                   step_limit=1000, ising_sizes=(16, 64), ising_replicas=8,
                                   ising_sweeps=20)

    def check(self) -> None:
        # the estimate's range (f0 τ_u >= ln 1/ε, ε < 1/2): refused before any work starts
        lim.check_estimate_range(self.update_time, self.error, self.attempt_frequency)
        if len(set(self.ising_sizes)) != len(self.ising_sizes) or list(self.ising_sizes) != sorted(
                self.ising_sizes):
            raise ParameterError("ising_sizes", self.ising_sizes, "distinct sizes in increasing"
                                 " order")
        if len(set(self.sizes)) != len(self.sizes) or list(self.sizes) != sorted(self.sizes):
            raise ParameterError("sizes", self.sizes, "distinct sizes in increasing order")
        if max(self.sizes) * self.bits > 2**62:
            raise ParameterError("sizes", self.sizes, "N·B <= 2^62 cells")

    def iterations(self, n_params: int) -> int:
        """Updates per parameter at ``n_params``: ``updates_top (N/reference_size)^exponent``,
        at least 1."""
        x = self.updates_top * (n_params / self.reference_size) ** self.updates_exponent
        return max(1, round(x))

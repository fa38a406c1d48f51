"""The annealer experiment's configuration and its memory estimate."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import simcore as sc
from experiments.checks import FAMILY_ALPHA
from experiments.config import attempt_frequency_field, field, seed_field, temperature_field
from experiments.lim_annealer.problems import BRUTE_FORCE_MAX
from simcore import lim
from simcore.errors import ParameterError

NAME = "lim_annealer"
SUMMARY = (
    "in-memory Ising machine (the cells' own hops anneal): measured energy by wall vs the "
    "energy_to_solution estimate and a write-through annealer, trade-off curves, success rates"
)
WALLS = ("update", "hold", "consolidate")
SCHEDULES = ("static", "linear", "logarithmic", "neurosa")
#: The config keys that set the memory a run needs.
SIZE_KEYS = ("sides", "side", "restarts", "baseline_side")
#: Standard errors of the error bars in figures (the checks' tolerances are family-wise).
N_SIGMA = 4.0


@dataclass(frozen=True, kw_only=True)
class Config:
    temperature: float = temperature_field()
    attempt_frequency: float = attempt_frequency_field(help="attempt frequency f0 (arrhenius)")
    window: float = field(10.0, "1/f0", "active window τ of a colour class", low=0,
                          open_low=True, high=1e6)
    barrier: float = field(0.0, "kT", "base barrier b above the upper well in a window", low=0,
                           high=60)
    barriers: tuple[float, ...] = field((0.0, 2.0, 4.0, 6.0), "kT", "barrier (clock) scan",
                                        low=0, high=60)
    error: float = field(1e-3, "", "estimate and baseline: write and hold failure ε", low=0,
                         open_low=True, high=0.1)
    retention: float = field(10 * sc.YEAR, "s", "how long the solution must be kept (the"
                             " simulated hold)", low=0, open_low=True)
    hold_margins: tuple[float, ...] = field((0.0, 4.0, 8.0), "kT", "hold scan: barriers this"
                                            " far below E_L = retention_barrier(retention,"
                                            " error, N) (0: the hold at E_L, always included)",
                                            low=0, high=40)
    beta_max: float = field(3.0, "1/unit", "final inverse temperature of every schedule", low=0,
                            open_low=True, high=50)
    beta_min: float = field(0.1, "1/unit", "linear schedule: first inverse temperature", low=0)
    schedule: str = field("logarithmic", "", "base schedule", choices=SCHEDULES)
    log_n0: float = field(1.0, "sweeps", "logarithmic: n0 of ln(1 + n/n0)", low=0,
                          open_low=True)
    neurosa_knee: float = field(0.1, "", "NeuroSA: θ_max/rate as a fraction of the sweeps",
                                low=0, open_low=True, high=1)
    sweeps: int = field(200, "", "base sweeps of an anneal", low=2, high=10**6)
    sweeps_scan: tuple[int, ...] = field((20, 50, 200, 1000), "", "convergence-speed scan",
                                         low=2, high=10**6)
    side: int = field(64, "", "base planted lattice side (N = side²)", low=4, high=3162)
    sides: tuple[int, ...] = field((16, 32, 64, 128), "", "problem-size scan (sides)", low=4,
                                   high=3162)
    loop_density: float = field(0.5, "", "planted: loops per spin", low=0, open_low=True,
                                high=4)
    brute_sizes: tuple[int, ...] = field((16, 20, 22), "", "brute-forced spin glasses N", low=4,
                                         high=BRUTE_FORCE_MAX)
    brute_schedule: str = field("linear", "", "brute-forced glasses: schedule", choices=SCHEDULES)
    brute_sweeps: int = field(1000, "", "brute-forced glasses: sweeps", low=2, high=10**6)
    restarts: int = field(64, "", "independent restarts (replicas) of every anneal", low=1,
                          high=4096)
    success: float = field(0.2, "", "brute-forced instances: least success rate the restarts"
                           " must be consistent with", low=0, open_low=True, high=1)
    eq_size: int = field(12, "", "equilibrium check: spins of the enumerated glass", low=4,
                         high=16)
    eq_betas: tuple[float, ...] = field((0.2, 0.5, 1.0), "1/unit", "equilibrium check: β",
                                        low=0, high=10)
    eq_replicas: int = field(1024, "", "equilibrium check: independent chains", low=16,
                             high=2**16)
    eq_burn: int = field(200, "", "equilibrium check: sweeps before the sample", low=1)
    baseline_side: int = field(16, "", "write-through baseline: planted side", low=4, high=128)
    baseline_sweeps: int = field(100, "", "write-through baseline: sweeps", low=2, high=10**4)
    baseline_restarts: int = field(4, "", "write-through baseline: restarts", low=1, high=64)
    architectures: tuple[str, ...] = field(lim.ARCHITECTURES, "", "baseline and estimate",
                                           choices=lim.ARCHITECTURES)
    seed: int = seed_field(11, high=2**40)

    def smoke(self) -> Config:
        return dataclasses.replace(
            self, barriers=(0.0, 4.0), sweeps=60, sweeps_scan=(20, 60), side=16, sides=(8, 16),
            brute_sizes=(12, 14), brute_sweeps=300, restarts=48, eq_size=8, eq_betas=(0.3, 1.0),
            eq_replicas=512, eq_burn=60, baseline_side=8, baseline_sweeps=30, baseline_restarts=2)

    def check(self) -> None:
        for name in ("barriers", "sweeps_scan", "sides", "brute_sizes", "eq_betas",
                     "architectures", "hold_margins"):
            value = getattr(self, name)
            if len(set(value)) != len(value):
                raise ParameterError(name, value, "distinct values")
        if 0.0 not in self.hold_margins:
            raise ParameterError("hold_margins", self.hold_margins, "a list including 0 (E_L)")
        if self.beta_min >= self.beta_max:
            raise ParameterError("beta_min", self.beta_min, f"below beta_max = {self.beta_max}")
        # no success in every restart must be able to fail the one-sided rate test
        least = math.ceil(math.log(FAMILY_ALPHA) / math.log1p(-self.success))
        if self.restarts < least:
            raise ParameterError("restarts", self.restarts,
                                 f"at least {least} restarts for success = {self.success:g}"
                                 " (fewer cannot fail the rate test)")


def memory_estimate(cfg: Config) -> float:
    """Upper estimate (bytes) of the peak memory: the largest planted machine (spins, tilts,
    couplings in CSR) with its per-sweep tallies, the brute-force blocks, and the baseline's
    memory arrays."""
    n = max((cfg.side, *cfg.sides)) ** 2
    machine = cfg.restarts * n * (1 + 8 + 8) + n * 4 * 12 * 2
    tallies = 4 * 8 * cfg.restarts * max((cfg.sweeps, *cfg.sweeps_scan))
    brute = (1 << 16) * 24 * 8 * 4
    base = cfg.baseline_restarts * cfg.baseline_side**2 * 1024
    return float(machine + tallies + brute + base + cfg.eq_replicas * 16 * 17)

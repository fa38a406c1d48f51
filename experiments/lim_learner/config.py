"""The learner experiment's configuration."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import simcore as sc
from experiments.config import attempt_frequency_field, field, seed_field, temperature_field
from simcore.errors import ParameterError

NAME = "lim_learner"
SUMMARY = (
    "gradient descent done by M-level cells' own hops (simcore.learner): quadratic programme and"
    " load_digits logistic regression, energy by wall vs energy_to_solution and write-through"
)
WALLS = ("update", "hold", "consolidate")
ARCHITECTURES = ("static", "matched", "ideal")
SIZE_KEYS = ("qp_size", "qp_sizes", "qp_bits_scan")


@dataclass(frozen=True, kw_only=True)
class Config:
    temperature: float = temperature_field()
    attempt_frequency: float = attempt_frequency_field(help="attempt frequency f0 (arrhenius)")
    error: float = field(1e-3, "", "failure probability ε of the consolidated solution (and of"
                         " the estimate's writes)", low=0, open_low=True, high=0.1)
    retention: float = field(10 * sc.YEAR, "s", "how long the solution must be kept", low=0,
                             open_low=True)
    update_time: float = field(1e-8, "s", "base window τ of one update of a parameter", low=0,
                               open_low=True)
    update_times: tuple[float, ...] = field((1e-8, 1e-7, 1e-6), "s", "update-time scan", low=0,
                                            open_low=True)
    beta_levels: float = field(4.0, "", "quadratic: the machine's β in units of 1/Δ² (Δ the level"
                               " spacing): its thermal spread is about Δ/√(β_levels A_jj)",
                               low=0, open_low=True)
    qp_size: int = field(100, "", "quadratic programme: base number of parameters", low=2,
                         high=2**24)
    qp_sizes: tuple[int, ...] = field((10, 30, 100, 300), "", "quadratic: N scan", low=2,
                                      high=2**24)
    qp_bits: int = field(4, "", "quadratic: base precision (bits per parameter)", low=1, high=8)
    qp_bits_scan: tuple[int, ...] = field((2, 3, 4, 5, 6), "", "quadratic: precision scan",
                                          low=1, high=8)
    qp_iterations: int = field(200, "", "quadratic: iterations", low=1, high=10**6)
    qp_scale: float = field(10.0, "", "quadratic: base learning-rate time constant n0"
                            " (iterations)", low=0, open_low=True)
    qp_scales: tuple[float, ...] = field((3.0, 10.0, 30.0, 100.0), "", "quadratic: n0 scan",
                                         low=0, open_low=True)
    qp_degree: int = field(4, "", "quadratic: off-diagonal couplings per row", low=1)
    digits_bits: int = field(4, "", "digits: bits per weight", low=1, high=8)
    digits_range: float = field(2.0, "", "digits: weights live in [-range, range]", low=0,
                                open_low=True)
    digits_iterations: int = field(200, "", "digits: iterations (full-batch gradients)", low=1,
                                   high=10**6)
    digits_scale: float = field(30.0, "", "digits: learning-rate time constant n0", low=0,
                                open_low=True)
    digits_eta: float = field(0.5, "", "digits: initial learning rate η0 (all optimisers)",
                              low=0, open_low=True)
    digits_beta: float = field(500.0, "", "digits: the machine's β (1/unit of mean"
                               " cross-entropy)", low=0, open_low=True)
    digits_l2: float = field(1e-3, "", "digits: L2 penalty λ", low=0)
    digits_test_fraction: float = field(0.3, "", "digits: held-out fraction", low=0.05, high=0.9)
    digits_batch: int = field(64, "", "digits: minibatch of the float64 SGD baseline", low=1)
    digits_checkpoints: int = field(10, "", "digits: accuracy/energy checkpoints", low=1)
    min_accuracy: float = field(0.8, "", "digits: held-out accuracy the machine must reach (a"
                                " one-sided Clopper-Pearson check)", low=0, high=1)
    seed: int = seed_field(14, high=2**40)

    def smoke(self) -> Config:
        return dataclasses.replace(
            self, update_times=(1e-8, 1e-7), qp_size=20, qp_sizes=(10, 20), qp_bits=3,
            qp_bits_scan=(2, 3), qp_iterations=60, qp_scales=(3.0, 10.0), digits_iterations=40,
            digits_checkpoints=4, min_accuracy=0.5)

    def check(self) -> None:
        for name in ("update_times", "qp_sizes", "qp_bits_scan", "qp_scales"):
            value = getattr(self, name)
            if len(set(value)) != len(value):
                raise ParameterError(name, value, "distinct values")
        if self.digits_checkpoints > self.digits_iterations:
            raise ParameterError("digits_checkpoints", self.digits_checkpoints,
                                 f"at most digits_iterations = {self.digits_iterations}")


def memory_estimate(cfg: Config) -> float:
    """Upper estimate (bytes) of a run's peak: the per-cell landscapes of the largest programme
    (energies, saddles, their copies and the oracle's transition matrices, (N, M, M)) and the
    digits task (650 weights, the data and the softmax temporaries)."""
    n = max((cfg.qp_size, *cfg.qp_sizes))
    m = 2 ** max((cfg.qp_bits, *cfg.qp_bits_scan))
    qp = n * (8 * 6 * m + 8 * 2 * m * m + 512) + n * cfg.qp_degree * 48
    digits = 650 * (8 * 6 + 16 * 2 ** (2 * cfg.digits_bits)) + 1797 * 65 * 8 * 40
    return float(qp + digits)

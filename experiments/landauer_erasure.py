"""Erasure of a bit by lowering the barrier, tilting, raising and untilting.

The mean work of erasing an unbiased bit to success probability P is bounded below by the
generalised Landauer bound ``ΔF_neq`` (THEORY.md section 5.1; R. Landauer, IBM J. Res. Dev. 5, 183
(1961), doi:10.1147/rd.53.0183) and approaches it as the duration grows. For each duration the
Monte Carlo ledger is printed next to the exact master-equation answer for the same steps.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

import simcore as sc
from experiments.config import field

NAME = "landauer_erasure"
SUMMARY = "erase a bit: lower barrier, tilt, raise, untilt; ledger vs master equation vs Landauer"


@dataclass(frozen=True, kw_only=True)
class Config:
    n_cells: int = field(100_000, "", "number of memory cells")
    temperature: float = field(300.0, "K", "bath temperature")
    attempt_frequency: float = field(1e9, "Hz", "attempt frequency f0")
    kinetics: str = field("arrhenius", "", "arrhenius or glauber")
    hold_barrier: float = field(40.0, "kT", "barrier that holds the bit")
    low_barrier: float = field(0.0, "kT", "barrier during the erasure")
    tilt: float = field(10.0, "kT", "tilt towards level 0 during the erasure")
    durations: tuple[float, ...] = field((1e-8, 1e-7, 1e-6), "s", "erasure durations")
    steps_per_duration: int = field(2000, "", "time steps per erasure (dt = duration/steps)")
    seed: int = field(1, "", "root seed")

    def smoke(self) -> Config:
        return dataclasses.replace(
            self, n_cells=20_000, durations=(1e-8, 1e-7), steps_per_duration=400
        )


def protocol(cfg: Config, duration: float) -> sc.Protocol:
    kT = sc.kT(cfg.temperature)

    def bit(barrier, tilt=0.0):
        # tilt > 0 lowers level 0
        return sc.bit_landscape(barrier * kT, tilt * kT)

    q = duration / 4
    return (
        sc.Protocol.ramp(bit(cfg.hold_barrier), bit(cfg.low_barrier), q, "erase")
        .ramp_to(*bit(cfg.low_barrier, cfg.tilt), q, "erase")
        .ramp_to(*bit(cfg.hold_barrier, cfg.tilt), q, "erase")
        .ramp_to(*bit(cfg.hold_barrier), q, "erase")
    )


def run(cfg: Config, progress: bool = False) -> dict:
    """Simulate every duration; returns per-duration ledgers and master-equation references."""
    kT = sc.kT(cfg.temperature)
    rows = []
    for i, tau in enumerate(cfg.durations):
        sc.errors.positive("durations", tau)
        p = protocol(cfg, tau)
        dt = tau / cfg.steps_per_duration
        arr = sc.MemoryArray(
            cfg.n_cells,
            temperature=cfg.temperature,
            attempt_frequency=cfg.attempt_frequency,
            kinetics=cfg.kinetics,
            seed=cfg.seed + i,
        )
        r = arr.run(p, dt, initial=[0.5, 0.5], progress=progress)
        m = sc.solve_master(p, dt, cfg.temperature, cfg.attempt_frequency, cfg.kinetics, [0.5, 0.5])
        rows.append({"duration": tau, "dt": dt, "mc": r, "master": m, "kT": kT})
    return {"config": cfg, "rows": rows}


def checks(result: dict) -> list[dict]:
    """Simulated vs reference values with their tolerance (4 standard errors)."""
    out = []
    for row in result["rows"]:
        r, m, kT = row["mc"], row["master"], row["kT"]
        for name in ("work", "heat"):
            est = getattr(r, name)
            ref = getattr(m, name)
            tol = 4 * est.stderr + 1e-12 * kT
            out.append(
                {
                    "check": f"{name} vs master, τ = {row['duration']:.3g} s",
                    "simulated": est.mean / kT,
                    "reference": ref / kT,
                    "tolerance": tol / kT,
                    "passed": abs(est.mean - ref) <= tol,
                }
            )
        p = r.occupancy[0]
        se = np.sqrt(m.occupancy[0] * m.occupancy[1] / r.n_cells + 0.25 / r.n_cells)
        out.append(
            {
                "check": f"success probability vs master, τ = {row['duration']:.3g} s",
                "simulated": p,
                "reference": m.occupancy[0],
                "tolerance": 4 * se,
                "passed": abs(p - m.occupancy[0]) <= 4 * se,
            }
        )
        tol = 4 * r.work.stderr
        out.append(
            {
                "check": f"work >= ΔF_neq (second law), τ = {row['duration']:.3g} s",
                "simulated": r.work.mean / kT,
                "reference": m.delta_f_neq / kT,
                "tolerance": tol / kT,
                "passed": r.work.mean >= m.delta_f_neq - tol,
            }
        )
    return out


def report(result: dict) -> str:
    cfg = result["config"]
    lines = [
        f"{NAME}: {cfg.n_cells} cells, T = {cfg.temperature:g} K,"
        f" f0 = {cfg.attempt_frequency:g} Hz, {cfg.kinetics}, barrier {cfg.hold_barrier:g}"
        f" -> {cfg.low_barrier:g} kT, tilt {cfg.tilt:g} kT",
        "energies per cell in kT (Monte Carlo ± standard error | exact master equation)",
        f"{'duration (s)':>12} {'work MC':>17} {'work exact':>11} {'heat MC':>17}"
        f" {'heat exact':>11}"
        f" {'P(0) MC':>8} {'P(0) exact':>10} {'ΔF_neq':>7}",
    ]
    for row in result["rows"]:
        r, m, kT = row["mc"], row["master"], row["kT"]
        lines.append(
            f"{row['duration']:12.3g} {r.work.mean / kT:9.4f} ± {r.work.stderr / kT:6.4f}"
            f" {m.work / kT:11.4f} {r.heat.mean / kT:9.4f} ± {r.heat.stderr / kT:6.4f}"
            f" {m.heat / kT:11.4f} {r.occupancy[0]:8.5f} {m.occupancy[0]:10.5f}"
            f" {m.delta_f_neq / kT:7.4f}"
        )
    lines.append(f"Landauer limit kT ln 2 = {np.log(2):.4f} kT")
    return "\n".join(lines)

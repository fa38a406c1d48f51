"""The brain-scale figure with its assumptions in the open (issue 19) and the barrier-modulation
terms fed back (issue 15): workloads with sources, named reference lines, the sensitivity of the
headline figure to every assumption, a verdict on each of the paper's three claims, the energy
per update measured on the in-memory Ising machine extrapolated to brain scale, and how much
barrier modulation changes the estimates.

The paper (Z. Chen et al., arXiv:2402.14878) claims (1) an energy-to-solution of 10^8–10^9 J at
brain scale, (2) "of the same magnitude as Landauer's adiabatic bound" and (3) "6 to 7 orders of
magnitude below" accelerators. Criteria used here, stated so that a reader can disagree:
(1) the matched estimate lies in [10^8, 10^9] J; (2) it is within a factor 10^0.5 of the
adiabatic line OPS·B·kT ln 2 (the same power of ten after rounding); (3) log10 of an
accelerator's energy over the estimate lies in [6, 7], the accelerator's FLOPs being
``flops_per_update`` × OPS (no FLOP count is published for a brain; 1 FLOP per update is the
paper-style reading, and the assumption is a row of the sensitivity table).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from experiments.brain_scale.config import Config
from simcore import lim, references
from simcore.seeds import Seeds

#: The paper's three claims, as (key, statement).
CLAIMS = (
    ("range", "10^8–10^9 J at brain scale"),
    ("landauer", "same magnitude as Landauer's adiabatic bound (within 10^±0.5)"),
    ("accelerators", "6 to 7 orders of magnitude below accelerators (H100 per FLOP)"),
)
#: Each assumption's low and high value for the sensitivity table: (key, label, unit, low, high).
#: ``ops`` multiplies the headline OPS; ``scale_fraction`` is n0 / n_iter; ``bits`` keeps ε fixed;
#: ``modulation`` and ``kramers`` are issue 15's options (values are the option's settings).
VARIATIONS = (
    ("ops", "OPS (× the config's; 0.18: 1.8·10²⁷ at 10²⁸)", "", 0.18, 10.0),
    ("scale_fraction", "schedule constant n0 / n_iter", "", 0.01, 1.0),
    ("bits", "bits per parameter B (ε fixed)", "", 4, 16),
    ("error", "write and hold failure ε", "", 2.0**-12, 2.0**-4),
    ("update_time", "update time τ_u", "s", 6e-9, 1e-6),
    ("temperature", "temperature T", "K", 77.0, 400.0),
    ("attempt_frequency", "attempt frequency f0", "Hz", 6e8, 1e12),
    ("retention", "retention of the solution", "s", 86400.0, 100 * 365.25 * 86400.0),
    ("flops_per_update", "accelerator FLOPs per update (claim 3 only)", "", 0.1, 10.0),
    ("modulation", "barrier modulation (quartic well)", "", "quasi_static", "sudden"),
)
#: The accelerator whose per-FLOP energy decides claim 3.
CLAIM_ACCELERATOR = "h100"


@dataclass(frozen=True)
class Case:
    """One evaluation of the headline: the assumption ``key`` at ``value`` (the others at the
    config's values); the matched estimate (J), the adiabatic and information lines (J), log10
    of each accelerator's energy (and of the 10 pJ/update line) over the estimate, and the three
    claims' truth."""

    key: str
    value: object
    matched: float
    static: float
    ideal: float
    landauer: float
    information: float
    gaps: dict[str, float]
    claims: tuple[bool, bool, bool]


def _kwargs(cfg: Config, n_iter: int) -> dict:
    return dict(scale=max(1.0, cfg.scale_fraction * n_iter), update_time=cfg.update_time,
                temperature=cfg.temperature, attempt_frequency=cfg.attempt_frequency,
                error=cfg.error, retention=cfg.retention,
                consolidation_interval=cfg.consolidation_interval,
                hardware_energy_per_op=cfg.hardware_energy_per_op)


def headline_ops(cfg: Config) -> float:
    """OPS of the headline point: ``updates_top`` updates for each of ``reference_size``."""
    return cfg.reference_size * cfg.updates_top


def evaluate(cfg: Config, key: str = "base", value=None, *, architectures=lim.ARCHITECTURES,
             **options) -> Case:
    """The headline at N = ``reference_size`` with assumption ``key`` set to ``value``.

    Parameters
    ----------
    cfg : Config
        The experiment's config (the baseline assumptions).
    key : str
        ``base``, or a key of :data:`VARIATIONS`, or ``kramers`` (value: the barrier, J, at
        which f0 is quoted).
    value
        The assumption's value.
    architectures : tuple of str
        Architectures estimated besides matched (the others are NaN).
    **options
        Extra ``energy_to_solution`` options (``modulation``, ``reference_barrier``).

    Returns
    -------
    Case

    Raises
    ------
    ParameterError
        Where the variation is outside the estimate's range.
    """
    n = cfg.reference_size
    ops = headline_ops(cfg)
    c = cfg
    flops_per_update = cfg.flops_per_update
    bits = cfg.bits
    if key == "ops":
        ops = ops * float(value)
    elif key == "bits":
        bits = int(value)
    elif key == "flops_per_update":
        flops_per_update = float(value)
    elif key == "modulation":
        options = {**options, "modulation": value}
    elif key == "kramers":
        options = {**options, "reference_barrier": float(value)}
    elif key != "base":
        c = dataclasses.replace(cfg, **{key: value})
    n_iter = max(1, round(ops / n))
    kw = {**_kwargs(c, n_iter), **options}
    est = {a: lim.energy_to_solution(a, n * n_iter, n, c.schedule, bits, **kw)
           for a in {"matched", *architectures}}
    m = est["matched"]
    lines = {ln.name: ln.energy for ln in references.reference_lines(
        n * n_iter, m.bits, m.error, m.changed_bits, c.temperature,
        flops=n * n_iter * flops_per_update)}
    gaps = {k: math.log10(lines[f"accelerator_{k}"] / m.total) for k in references.ACCELERATORS}
    gaps["sram_update"] = math.log10(m.hardware / m.total)
    ratio = m.total / m.landauer
    claims = (1e8 <= m.total <= 1e9, abs(math.log10(ratio)) <= 0.5,
              6.0 <= gaps[CLAIM_ACCELERATOR] <= 7.0)
    return Case(key=key, value=value, matched=m.total,
                static=est["static"].total if "static" in est else math.nan,
                ideal=est["ideal"].total if "ideal" in est else math.nan,
                landauer=m.landauer, information=m.information, gaps=gaps, claims=claims)


@dataclass(frozen=True)
class Sensitivity:
    """The headline ``base`` and, per assumption of :data:`VARIATIONS`, its ``low`` and
    ``high`` cases (None where that value is outside the estimate's range, with the reason in
    ``refused``)."""

    base: Case
    rows: tuple[tuple[str, str, str, Case | None, Case | None], ...]
    refused: dict[str, str]


def sensitivity(cfg: Config) -> Sensitivity:
    """Every assumption of :data:`VARIATIONS` at its low and high value (matched estimate)."""
    from simcore.errors import ParameterError

    base = evaluate(cfg)
    rows, refused = [], {}
    for key, label, unit, lo, hi in VARIATIONS:
        got = []
        for v in (lo, hi):
            try:
                got.append(evaluate(cfg, key, v, architectures=("matched",)))
            except ParameterError as exc:
                refused[f"{key}={v}"] = str(exc)
                got.append(None)
        rows.append((key, label, unit, got[0], got[1]))
    return Sensitivity(base=base, rows=tuple(rows), refused=refused)


def verdicts(sens: Sensitivity) -> list[tuple[str, str, bool, list[str], list[str]]]:
    """Per claim: ``(key, statement, holds at the baseline, assumptions that give it,
    assumptions that break it)``, the assumptions written ``key=value``."""
    out = []
    for i, (key, text) in enumerate(CLAIMS):
        gives, breaks = [], []
        for k, _label, _unit, *cases in sens.rows:
            for case in cases:
                if case is None:
                    continue
                (gives if case.claims[i] else breaks).append(f"{k}={_fmt(case.value)}")
        out.append((key, text, sens.base.claims[i], gives, breaks))
    return out


def _fmt(v) -> str:
    return v if isinstance(v, str) else f"{v:.3g}"


# --------------------------------------------------------------------------- workloads
@dataclass(frozen=True)
class WorkloadRow:
    """A workload (``simcore.references.WORKLOADS``) under the config's device assumptions:
    estimates by architecture (J) and its reference lines."""

    key: str
    workload: references.Workload
    estimates: dict[str, float]
    lines: tuple[references.Line, ...]


def workloads(cfg: Config) -> tuple[WorkloadRow, ...]:
    """Every named workload at the config's B, ε, τ_u, T, f0, retention and n0 fraction."""
    out = []
    for key, w in references.WORKLOADS.items():
        n_iter = round(w.updates)
        kw = _kwargs(cfg, n_iter)
        est, lines = {}, []
        for a in lim.ARCHITECTURES:
            e, got = references.project(
                w, a, bits=cfg.bits, schedule=cfg.schedule,
                flops_per_update=None if w.flops is not None else cfg.flops_per_update, **kw)
            est[a] = e.total
            lines = got[1:]
        out.append(WorkloadRow(key=key, workload=w, estimates=est, lines=tuple(lines)))
    return tuple(out)


# --------------------------------------------------------------------------- measured machine
@dataclass(frozen=True)
class IsingMeasurement:
    """Heat per spin update (J) of ``simcore.lim.IsingMachine`` annealing a ±1 ring glass, per
    size: ``sizes``, ``energy`` and ``sigma`` (standard error over the replicas), and the line
    extrapolated to the headline OPS from the largest size (``line``), with the spread over
    sizes as a systematic (``spread``, J per update)."""

    sizes: np.ndarray
    energy: np.ndarray
    sigma: np.ndarray
    line: references.Line
    spread: float


def measure_ising(cfg: Config, seeds: Seeds) -> IsingMeasurement:
    """Anneal a ring of N spins with couplings ±1 (drawn from ``seeds.rng("ising", i)``) with
    ``ising_replicas`` replicas for ``ising_sweeps`` sweeps of β from 0.1 to 3 (problem units,
    barrier 0) at each of ``ising_sizes``; the heat released per spin per sweep is the energy
    per parameter update of this machine (1 bit per parameter)."""
    sizes = np.asarray(cfg.ising_sizes, dtype=np.int64)
    energy = np.empty(sizes.size)
    sigma = np.empty(sizes.size)
    for i, n in enumerate(sizes):
        rng = seeds.rng("ising", i)
        j = np.where(rng.random(int(n)) < 0.5, -1.0, 1.0)
        rows = np.arange(n)
        cols = (rows + 1) % n
        mat = scipy.sparse.coo_matrix((np.r_[j, j], (np.r_[rows, cols], np.r_[cols, rows])),
                                      shape=(n, n)).tocsr()
        machine = lim.IsingMachine(mat, replicas=cfg.ising_replicas,
                                   temperature=cfg.temperature,
                                   attempt_frequency=cfg.attempt_frequency,
                                   seed=seeds.seed("ising_machine", i))
        res = machine.anneal(lim.LinearBeta(0.1, 3.0), cfg.ising_sweeps)
        per = res.heat.sum(axis=0) / (float(n) * cfg.ising_sweeps)
        energy[i] = per.mean()
        sigma[i] = per.std(ddof=1) / math.sqrt(per.size)
    spread = float(np.ptp(energy)) if energy.size > 1 else 0.0
    line = references.measured_line(
        energy[-1], math.hypot(sigma[-1], spread), headline_ops(cfg), "measured_ising",
        source=f"simcore.lim.IsingMachine, ring glass at N = {int(sizes[-1])} "
        f"(sizes {', '.join(str(int(s)) for s in sizes)}; ± standard error ⊕ size spread)")
    return IsingMeasurement(sizes=sizes, energy=energy, sigma=sigma, line=line, spread=spread)


# --------------------------------------------------------------------------- modulation
def modulation(cfg: Config) -> dict[str, dict[str, float]]:
    """The headline estimates by architecture (J) with barrier modulation paid
    (``free``, ``quasi_static``, ``sudden``) and with f0 following the curvature (``kramers``:
    f0 quoted at the matched architecture's long barrier E_L); NaN where refused."""
    from simcore.errors import ParameterError

    n = cfg.reference_size
    n_iter = max(1, round(headline_ops(cfg) / n))
    kw = _kwargs(cfg, n_iter)
    e_l = lim.Architecture(architecture="matched", scale=kw["scale"], update_time=cfg.update_time,
                           error=cfg.error, attempt_frequency=cfg.attempt_frequency,
                           temperature=cfg.temperature, retention=cfg.retention,
                           n_cells=n * cfg.bits).long_barrier
    out: dict[str, dict[str, float]] = {}
    settings = {m: {"modulation": m} for m in lim.MODULATIONS}
    settings["kramers"] = {"reference_barrier": e_l}
    for name, opt in settings.items():
        row = {}
        for a in lim.ARCHITECTURES:
            try:
                row[a] = lim.energy_to_solution(a, n * n_iter, n, cfg.schedule, cfg.bits,
                                                **kw, **opt).total
            except ParameterError:
                row[a] = math.nan
        out[name] = row
    return out


@dataclass(frozen=True, eq=False)
class Projections:
    """Everything of issue 19 and issue 15's feed-back for the report and the file."""

    sensitivity: Sensitivity
    workloads: tuple[WorkloadRow, ...]
    ising: IsingMeasurement
    modulation: dict[str, dict[str, float]]


def project(cfg: Config, seeds: Seeds) -> Projections:
    """Sensitivity, workloads, the measured machine and the modulation table for ``cfg``."""
    return Projections(sensitivity=sensitivity(cfg), workloads=workloads(cfg),
                       ising=measure_ising(cfg, seeds), modulation=modulation(cfg))

"""Workloads and reference lines for energy-to-solution projections, each with its source.

An energy-to-solution figure means little without the workload it is for and the lines it is
set against. This module holds both as values, with the numbers' sources beside them, and
:func:`project` sets the learning-in-memory estimate (``simcore.lim.energy_to_solution``) of a
workload against every line:

- **Workloads** (:data:`WORKLOADS`): ``parameters`` N, ``updates`` (optimiser steps: every
  parameter is updated once per step) and, where published, the training ``flops``. OPS, the
  model-update operations that the memory pays for, are ``parameters × updates``; FLOPs (the
  arithmetic an accelerator does) are kept apart and never derived from OPS unless a stated
  ``flops_per_update`` is given.
- **Reference lines** (:func:`reference_lines`), each named for what it is:

  * ``landauer_adiabatic``: ``OPS · B · kT ln 2``, the paper-style line (Z. Chen et al.,
    arXiv:2402.14878), every bit of every update erased; *not* a bound of this model, whose
    architectures pay only for bits that change;
  * ``landauer_information``: ``changed bits · kT (ln 2 - h(ε))`` (``h`` the binary entropy
    in nats: each changed bit erased and written to failure ε), the information the model
    actually changes (R. Landauer, IBM J. Res. Dev. 5, 183 (1961), doi:10.1147/rd.53.0183): its true
    lower bound;
  * ``charge_switch_limit``: ``OPS · B · kT ln(1/ε)``, the least barrier of a charge-based
    binary switch that errs with probability ε, paid per bit written (V. V. Zhirnov,
    R. K. Cavin, J. A. Hutchby and G. I. Bourianoff, Proc. IEEE 91, 1934 (2003),
    doi:10.1109/JPROC.2003.818324), the CMOS limit;
  * memory access per parameter update (:data:`MEMORY_ACCESS`, M. Horowitz, ISSCC 2014,
    doi:10.1109/ISSCC.2014.6757323, 45 nm, 0.9 V): a 32-bit DRAM read, a 32-bit read from an
    8 KB SRAM, and the 10 pJ SRAM read + FP multiply-add + write-back of
    ``simcore.lim.HARDWARE_ENERGY_PER_OP``;
  * the controller of a learning-in-memory machine (:data:`CONTROLLER_OPERATIONS`,
    :func:`controller_energy`): the digital reads and multiply-accumulates that compute the
    tilts from the memory's state (local fields, gradients), Horowitz's 45 nm energies; a
    separate line, never part of the cells' thermodynamic ledger;
  * accelerators per FLOP (:data:`ACCELERATORS`, the vendors' datasheets: published dense
    tensor FLOP/s at the board power), at full utilisation: a lower bound for that chip.

Units: energies in J, FLOP/s, W, s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simcore.constants import LN2
from simcore.constants import kT as thermal_energy
from simcore.errors import ParameterError, one_of, positive

__all__ = [
    "ACCELERATORS",
    "BRAIN_PARAMETERS",
    "CONTROLLER_OPERATIONS",
    "MEMORY_ACCESS",
    "WORKLOADS",
    "Accelerator",
    "Line",
    "Workload",
    "controller_energy",
    "measured_line",
    "project",
    "reference_lines",
    "workload",
]


@dataclass(frozen=True)
class Workload:
    """A training run: ``parameters`` N, optimiser ``updates`` (steps; each updates every
    parameter once), published training ``flops`` (None where there is none), and the
    ``source`` of each number."""

    name: str
    parameters: float
    updates: float
    flops: float | None
    source: str

    @property
    def ops(self) -> float:
        """Model-update operations ``N × updates`` (parameter updates of the whole run)."""
        return self.parameters * self.updates


#: Parameters of the brain-scale workload: ~10^15 synapses (Chen et al., arXiv:2402.14878,
#: "brain scale"; about 10^14–10^15 synapses in a human cortex).
BRAIN_PARAMETERS = 1e15

WORKLOADS = {
    "brain-paper": Workload(
        "brain scale, paper's OPS", BRAIN_PARAMETERS, 1e13, None,
        "N = 10^15 and OPS = 10^28 (10^13 updates per parameter) as in Z. Chen et al.,"
        " arXiv:2402.14878; no FLOP count"),
    "brain-reviewer": Workload(
        "brain scale, reviewer's OPS", BRAIN_PARAMETERS, 1.8e12, None,
        "N = 10^15, OPS = 1.8·10^27 (the recount in issue 19); no FLOP count"),
    "brain-lifetime": Workload(
        "brain scale, a lifetime of plasticity", BRAIN_PARAMETERS, 1e10, None,
        "N = 10^15 synapses updated at 10 Hz for 10^9 s (about 30 years): 10^10 updates each,"
        " OPS = 10^25 (a stated assumption, not a measurement); no FLOP count"),
    "gpt3-175b": Workload(
        "GPT-3 175B", 175e9, 93_750, 3.14e23,
        "T. Brown et al., arXiv:2005.14165 (2020): 175·10^9 parameters, 3.14·10^23 training"
        " FLOP (table D.1), 300·10^9 tokens in batches of 3.2·10^6 tokens (table 2.1):"
        " 93 750 optimiser steps"),
    "chinchilla-70b": Workload(
        "Chinchilla 70B", 70e9, 466_667, 5.76e23,
        "J. Hoffmann et al., arXiv:2203.15556 (2022): 70·10^9 parameters, 5.76·10^23 training"
        " FLOP, 1.4·10^12 tokens; batches of 1.5 to 3·10^6 tokens, counted at 3·10^6"
        " (4.7·10^5 steps, the fewest the published batches allow)"),
}


def workload(name) -> Workload:
    """The workload ``name`` of :data:`WORKLOADS`; ParameterError for a name not listed."""
    return WORKLOADS[one_of("workload", name, tuple(WORKLOADS))]


@dataclass(frozen=True)
class Accelerator:
    """A named chip: published dense ``flops_per_second`` (FLOP/s, at the named precision)
    and board ``power`` (W), with the ``source``."""

    name: str
    flops_per_second: float
    power: float
    precision: str
    source: str

    @property
    def energy_per_flop(self) -> float:
        """J per FLOP at full utilisation: ``power / flops_per_second``."""
        return self.power / self.flops_per_second


ACCELERATORS = {
    "a100": Accelerator("NVIDIA A100 SXM", 312e12, 400.0, "bf16 dense",
                        "NVIDIA A100 Tensor Core GPU datasheet (2020): 312 TFLOP/s BF16 dense"
                        " (624 with sparsity), 400 W"),
    "h100": Accelerator("NVIDIA H100 SXM", 989e12, 700.0, "bf16 dense",
                        "NVIDIA H100 Tensor Core GPU datasheet (2022): 1979 TFLOP/s BF16 with"
                        " sparsity, 989 dense, 700 W"),
}

#: Energy per parameter update (J) of a memory access at 45 nm (Horowitz, ISSCC 2014, the table
#: of 'Computing's energy problem'): a 32-bit DRAM read 640 pJ, a 32-bit read from an 8 KB SRAM
#: 5 pJ, and 10 pJ for an SRAM read, a 32-bit FP multiply (3.7 pJ) and add (0.9 pJ) and the
#: write-back (``simcore.lim.HARDWARE_ENERGY_PER_OP``).
MEMORY_ACCESS = {
    "dram-32bit-read": 640e-12,
    "sram-8kb-32bit-read": 5e-12,
    "sram-update": 10e-12,
}
_HOROWITZ = "M. Horowitz, ISSCC 2014, doi:10.1109/ISSCC.2014.6757323 (45 nm)"

#: Energy (J) of the controller's operations at 45 nm, 0.9 V (Horowitz, ISSCC 2014, the same
#: table): a 32-bit read from an 8 KB SRAM 5 pJ (half of the 10 pJ 64-bit read), and a 32-bit
#: floating-point multiply (3.7 pJ) plus add (0.9 pJ) as one multiply-accumulate.
CONTROLLER_OPERATIONS = {
    "sram-8kb-32bit-read": MEMORY_ACCESS["sram-8kb-32bit-read"],
    "fp32-multiply-accumulate": 3.7e-12 + 0.9e-12,
}


def controller_energy(macs, reads=None, *, read_energy=None, mac_energy=None):
    """Energy (J) of the digital controller that sets a learning-in-memory machine's tilts:
    ``macs`` multiply-accumulates and ``reads`` 32-bit SRAM reads (default two operands per
    multiply-accumulate, ``2 macs``), at :data:`CONTROLLER_OPERATIONS` unless given
    (Horowitz, ISSCC 2014, doi:10.1109/ISSCC.2014.6757323, 45 nm).

    Parameters
    ----------
    macs : float or array_like
        Multiply-accumulates, >= 0.
    reads : float or array_like, optional
        32-bit reads, >= 0; default ``2 macs``.
    read_energy, mac_energy : float, optional
        J per read and per multiply-accumulate, >= 0.

    Returns
    -------
    float or ndarray
        J, shaped like ``macs``.

    Raises
    ------
    ParameterError
        For a negative or non-finite count or energy.
    """
    def nonneg(name, value):
        x = np.asarray(value, dtype=np.float64)
        if not (np.all(np.isfinite(x)) and np.all(x >= 0)):
            raise ParameterError(name, value, "finite values >= 0")
        return x

    m = nonneg("macs", macs)
    r = 2.0 * m if reads is None else nonneg("reads", reads)
    e_r = CONTROLLER_OPERATIONS["sram-8kb-32bit-read"] if read_energy is None else read_energy
    e_m = CONTROLLER_OPERATIONS["fp32-multiply-accumulate"] if mac_energy is None else mac_energy
    out = r * nonneg("read_energy", e_r) + m * nonneg("mac_energy", e_m)
    return float(out) if out.ndim == 0 else out


def _binary_entropy(eps: float) -> float:
    return -(eps * math.log(eps) + (1.0 - eps) * math.log1p(-eps))


@dataclass(frozen=True)
class Line:
    """One line beside an estimate: ``energy`` (J) with its standard error ``sigma`` (J, 0 for
    a formula), ``kind`` ("estimate", "measured", "bound", "reference"), what it is and its
    source."""

    name: str
    energy: float
    kind: str
    what: str
    source: str
    sigma: float = 0.0


def reference_lines(ops, bits, error, changed_bits, temperature=300.0, *, flops=None):
    """The named reference lines of a workload (J), as :class:`Line` values.

    Parameters
    ----------
    ops : float
        Parameter updates of the run (OPS), > 0.
    bits : int
        Bits B per parameter, >= 1.
    error : float
        Write failure ε, in (0, 1).
    changed_bits : float
        Bits the model changes over the run (``EnergyToSolution.changed_bits``), >= 0.
    temperature : float, optional
        T (K).
    flops : float, optional
        FLOPs of the run for the accelerator lines (published, or ``ops × flops_per_update``
        with the assumption stated by the caller); None: no accelerator lines.

    Returns
    -------
    list of Line
        Landauer adiabatic and information lines, the charge-switch (CMOS) limit, the memory
        access lines and, with ``flops``, one line per accelerator.

    Raises
    ------
    ParameterError
        For a value outside its range.
    """
    ops = positive("ops", ops)
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 1:
        raise ParameterError("bits", bits, "an integer >= 1")
    eps = float(error)
    if not 0.0 < eps < 1.0:
        raise ParameterError("error", error, "a probability in (0, 1)")
    if not (math.isfinite(changed_bits) and changed_bits >= 0):
        raise ParameterError("changed_bits", changed_bits, "a finite count >= 0")
    k_t = thermal_energy(temperature)
    lines = [
        Line("landauer_adiabatic", ops * bits * k_t * LN2, "reference",
             "OPS·B·kT ln 2: every bit of every update erased (paper-style; not a bound here)",
             "Z. Chen et al., arXiv:2402.14878"),
        Line("landauer_information", changed_bits * k_t * (LN2 - _binary_entropy(eps)),
             "bound", "changed bits·kT(ln 2 - h(ε)): the information the model changes, written"
             " to failure ε (its lower bound)", "R. Landauer, doi:10.1147/rd.53.0183"),
        Line("charge_switch_limit", ops * bits * k_t * math.log(1.0 / eps), "reference",
             "OPS·B·kT ln(1/ε): least barrier of a charge switch erring with ε, per bit written",
             "V. V. Zhirnov et al., doi:10.1109/JPROC.2003.818324"),
    ]
    what = {"dram-32bit-read": "a 32-bit DRAM read per update",
            "sram-8kb-32bit-read": "a 32-bit read from an 8 KB SRAM per update",
            "sram-update": "SRAM read + FP multiply-add + write-back per update"}
    for key, per in MEMORY_ACCESS.items():
        lines.append(Line(f"memory_{key}", ops * per, "reference",
                          f"{what[key]} ({per * 1e12:g} pJ)", _HOROWITZ))
    if flops is not None:
        fl = positive("flops", flops)
        for key, chip in ACCELERATORS.items():
            lines.append(Line(
                f"accelerator_{key}", fl * chip.energy_per_flop, "reference",
                f"{chip.name}, {chip.precision}: {chip.energy_per_flop * 1e12:.3g} pJ/FLOP at"
                " full utilisation", chip.source))
    return lines


def measured_line(energy_per_update, standard_error, ops, name="measured", *, source=""):
    """A measured machine's energy per parameter update, extrapolated to ``ops`` updates: the
    energy ``ops × e`` with standard error ``ops × σ_e`` (the per-update energy is taken as
    size-independent; the caller states the sizes it was measured at in ``source``).

    Parameters
    ----------
    energy_per_update : float
        Measured mean energy per parameter update (J), finite.
    standard_error : float
        Its standard error (J), >= 0.
    ops : float
        Parameter updates of the workload, > 0.
    name : str, optional
        The line's name.
    source : str, optional
        Where the measurement comes from.

    Returns
    -------
    Line
        ``kind="measured"``.

    Raises
    ------
    ParameterError
        For a non-finite energy, a negative error or non-positive ops.
    """
    e = float(energy_per_update)
    s = float(standard_error)
    if not math.isfinite(e):
        raise ParameterError("energy_per_update", energy_per_update, "a finite energy (J)")
    if not (math.isfinite(s) and s >= 0):
        raise ParameterError("standard_error", standard_error, "a finite value >= 0 (J)")
    ops = positive("ops", ops)
    return Line(name, ops * e, "measured", f"{e:.4g} ± {s:.2g} J per update × OPS", source,
                sigma=ops * s)


def project(work, architecture="matched", *, bits=8, flops_per_update=None, **kwargs):
    """Energy-to-solution of a workload and its reference lines.

    Parameters
    ----------
    work : Workload or str
        A :class:`Workload` or a name in :data:`WORKLOADS`.
    architecture : {"static", "matched", "ideal"}, optional
        Learning-in-memory architecture of the estimate.
    bits : int, optional
        Bits B per parameter (precision).
    flops_per_update : float, optional
        FLOPs per parameter update, for workloads without a published FLOP count (an
        assumption the caller states); a published count is used where there is one.
    **kwargs
        Passed to ``simcore.lim.energy_to_solution`` (schedule, scale, update_time,
        temperature, attempt_frequency, error, retention, modulation, ...).

    Returns
    -------
    (EnergyToSolution, list of Line)
        The estimate and the lines (its own total first, as ``kind="estimate"``).

    Raises
    ------
    ParameterError
        From ``energy_to_solution`` or :func:`reference_lines`.
    """
    from simcore import lim  # lim imports the machines; keep this module light to import

    w = workload(work) if isinstance(work, str) else work
    schedule = kwargs.pop("schedule", "inverse")
    n_iter = round(w.updates)
    est = lim.energy_to_solution(architecture, w.parameters * n_iter, w.parameters, schedule,
                                 bits, **kwargs)
    flops = w.flops
    if flops is None and flops_per_update is not None:
        flops = w.ops * positive("flops_per_update", flops_per_update)
    lines = [Line(f"lim_{est.architecture}", est.total, "estimate",
                  f"{est.architecture} learning-in-memory estimate", "simcore.lim")]
    lines += reference_lines(w.parameters * n_iter, est.bits, est.error, est.changed_bits,
                             est.temperature, flops=flops)
    return est, lines

"""``limsim bounds``: the analytic functions of ``simcore.bounds`` as a table for given parameters,
and ``limsim bounds energy-to-solution``: what a model would cost.

Every row names the function, its arguments, the value in SI units and in kT (energies) and
whether it is a rigorous bound, an achievable bound or an estimate (see ``docs/theory.md``).
The write rows need ``f0 τ_w >= ln(1/ε)`` (``simcore.lim.check_estimate_range``); outside it
the command exits 2 naming the limit. ``energy-to-solution`` prints the estimate by wall for a
workload (``simcore.references.WORKLOADS`` or ``--parameters`` and ``--steps``) beside the named
reference lines of ``simcore.references``.
"""

from __future__ import annotations

import math

import simcore as sc
from experiments.config import ATTEMPT_FREQUENCY_RANGE, TEMPERATURE_RANGE
from simcore import bounds, lim, references
from simcore.errors import ParameterError


def _in_range(name: str, value: float, lo: float, hi: float, unit: str) -> float:
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ParameterError(name, value, f"a value from {lo:g} to {hi:g} {unit} (the range"
                             " where the arithmetic is sound, as for the experiments' configs)")
    return float(value)


def add_arguments(p) -> None:
    """Add the options of ``limsim bounds`` (SI units) to the argparse (sub)parser ``p``."""
    p.add_argument("--temperature", type=float, default=300.0, help="K")
    p.add_argument("--attempt-frequency", type=float, default=1e9, help="f0 (Hz)")
    p.add_argument("--error", type=float, default=1e-6, help="error / failure probability")
    p.add_argument("--hold-time", type=float, default=10 * sc.YEAR, help="retention (s)")
    p.add_argument("--write-time", type=float, default=1e-7,
                   help="write time (s); f0 τ_w >= ln(1/ε) (default 100 ns: 10 ns at ε = 1e-6"
                   " is outside the estimate's range)")
    p.add_argument("--duration", type=float, default=1e-6, help="erasure duration (s)")
    p.add_argument("--barrier", type=float, default=None,
                   help="barrier (kT); default: the retention barrier")
    p.add_argument("--n-cells", type=float, default=1.0, help="cells in the array")
    sub = p.add_subparsers(dest="bounds_command", metavar="{energy-to-solution}")
    e2s = sub.add_parser("energy-to-solution",
                         help="what would my model cost? the estimate beside named lines")
    add_energy_arguments(e2s)


def add_energy_arguments(p) -> None:
    """Add the options of ``limsim bounds energy-to-solution`` (SI units) to ``p``."""
    p.add_argument("--workload", default=None, choices=tuple(references.WORKLOADS),
                   help="a named workload with its sources (default: give --parameters, --steps)")
    p.add_argument("--parameters", type=float, default=None, help="parameters N")
    p.add_argument("--steps", type=float, default=None,
                   help="optimiser steps (each updates every parameter): OPS = N × steps")
    p.add_argument("--flops", type=float, default=None, help="training FLOPs (published)")
    p.add_argument("--flops-per-update", type=float, default=None,
                   help="FLOPs per parameter update, where no FLOP count is published")
    p.add_argument("--architecture", action="append", default=None,
                   choices=lim.ARCHITECTURES, help="repeatable (default: all three)")
    p.add_argument("--bits", type=int, default=8, help="bits B per parameter (precision)")
    p.add_argument("--error", type=float, default=None, help="write/hold failure ε (2^-B)")
    p.add_argument("--update-time", type=float, default=1e-8, help="τ_u (s)")
    p.add_argument("--temperature", type=float, default=300.0, help="K")
    p.add_argument("--attempt-frequency", type=float, default=1e9, help="f0 (Hz)")
    p.add_argument("--retention", type=float, default=10 * sc.YEAR, help="s")
    p.add_argument("--schedule", default="inverse", choices=lim.SCHEDULES)
    p.add_argument("--scale-fraction", type=float, default=0.1,
                   help="schedule constant n0 as a fraction of the steps")
    p.add_argument("--modulation", default="free", choices=lim.MODULATIONS,
                   help="barrier modulation paid in a quartic well (issue 15)")
    p.add_argument("--reference-barrier", type=float, default=None,
                   help="kT at which f0 is quoted, f0 then follows the curvature (Kramers)")
    p.add_argument("--measured", type=float, nargs=2, default=None, metavar=("E", "SE"),
                   help="a measured energy per update (J) and its standard error, extrapolated")


def rows(args) -> list[tuple[str, str, float, str, str]]:
    """The table's rows for the parsed options ``args``.

    Returns
    -------
    list of (str, str, float, str, str)
        ``(function, arguments, value, unit, kind)``; energies in J, times in s.

    Raises
    ------
    ParameterError
        For a temperature or attempt frequency outside ``TEMPERATURE_RANGE`` or
        ``ATTEMPT_FREQUENCY_RANGE`` of ``experiments.config``, or any argument a bound refuses.
    """
    t = _in_range("--temperature", args.temperature, *TEMPERATURE_RANGE, "K")
    kT = sc.kT(t)
    f0 = _in_range("--attempt-frequency", args.attempt_frequency, *ATTEMPT_FREQUENCY_RANGE, "Hz")
    eps = args.error
    hold = args.hold_time
    tw = args.write_time
    tau = args.duration
    lim.check_estimate_range(tw, eps, f0)
    e_ret = bounds.retention_barrier(hold, eps, f0, t, n_cells=args.n_cells)
    e_b = e_ret if args.barrier is None else args.barrier * kT
    e_1e = bounds.retention_barrier(10 * sc.YEAR, 1 - math.exp(-1), f0, t)
    out = [
        ("landauer_erasure", f"P = 1 - {eps:g}", bounds.landauer_erasure(1 - eps, t), "J",
         "achievable"),
        ("landauer_erasure", "P = 1", bounds.landauer_erasure(1.0, t), "J", "achievable"),
        ("geodesic_erasure_excess", f"ε = {eps:g}, τ = {tau:g} s, Γ = f0",
         bounds.geodesic_erasure_excess(eps, tau, f0, t), "J", "estimate (slow driving)"),
        ("speed_limit", f"p 1/2 -> 1-ε, 𝒜 = f0 τ = {f0 * tau:g}",
         bounds.speed_limit([0.5, 0.5], [1 - eps, eps], f0 * tau, t), "J", "rigorous"),
        ("barrier_speed_limit", "same, barrier >= 0 kT throughout",
         bounds.barrier_speed_limit([0.5, 0.5], [1 - eps, eps], tau, 0.0, f0, t), "J",
         "rigorous"),
        ("retention_barrier", f"t = {hold:g} s, ε = {eps:g}, N = {args.n_cells:g}", e_ret,
         "J", "rigorous"),
        ("retention_barrier", "t = 10 years, ε = 1 - 1/e, N = 1", e_1e, "J", "rigorous"),
        ("retention_time", f"E_B = {e_b / kT:.4g} kT, ε = {eps:g}",
         bounds.retention_time(e_b, eps, f0, t, n_cells=args.n_cells), "s", "rigorous"),
        ("retention_error", f"E_B = {e_b / kT:.4g} kT, t = {hold:g} s",
         bounds.retention_error(e_b, hold, f0, t, n_cells=args.n_cells), "", "exact"),
        ("escape_rate", f"E_B = {e_b / kT:.4g} kT", bounds.escape_rate(e_b, f0, t), "1/s",
         "exact"),
        ("write_barrier", f"τ_w = {tw:g} s, ε = {eps:g}", bounds.write_barrier(tw, eps, f0, t),
         "J", "estimate"),
        ("static_write_tilt", f"E_B = {e_b / kT:.4g} kT, τ_w = {tw:g} s",
         bounds.static_write_tilt(e_b, tw, eps, f0, t), "J", "estimate"),
        ("static_write_cost", f"E_B = {e_b / kT:.4g} kT, τ_w = {tw:g} s",
         bounds.static_write_cost(e_b, tw, eps, f0, t), "J", "estimate (update wall)"),
        ("consolidation_copy_cost", f"E_B = {e_b / kT:.4g} kT, half the bits change",
         bounds.consolidation_copy_cost(e_b, tw, eps, f0, t), "J", "estimate"),
        ("raise_error", f"{e_b / kT / 4:.3g} -> {e_b / kT:.4g} kT in τ = {tau:g} s",
         bounds.raise_error(e_b / 4, e_b, tau, f0, t), "", "exact"),
        ("consolidation_raise_cost", f"{e_b / kT / 4:.3g} -> {e_b / kT:.4g} kT, τ = {tau:g} s",
         bounds.consolidation_raise_cost(e_b / 4, e_b, tau, tw, eps, f0, t), "J", "estimate"),
    ]
    return out


def main(args) -> int:
    """Print the table for the parsed options ``args``; returns the exit status 0.

    Raises
    ------
    ParameterError
        As ``rows``.
    """
    if getattr(args, "bounds_command", None) == "energy-to-solution":
        return energy_main(args)
    table = rows(args)
    kT = sc.kT(args.temperature)
    print(f"simcore.bounds at T = {args.temperature:g} K (kT = {kT:.5g} J),"
          f" f0 = {args.attempt_frequency:g} Hz")
    print(f"{'function':26s} {'arguments':42s} {'value':>12s} {'unit':4s} {'in kT':>10s}  kind")
    for name, what, value, unit, kind in table:
        in_kt = f"{value / kT:10.4f}" if unit == "J" else " " * 10
        print(f"{name:26s} {what:42s} {value:12.5g} {unit:4s} {in_kt}  {kind}")
    return 0


def energy_rows(args):
    """The estimate and lines of ``limsim bounds energy-to-solution`` for the parsed ``args``.

    Returns
    -------
    (Workload, dict, list of Line)
        The workload, ``EnergyToSolution`` by architecture, and the reference lines (with a
        measured line where ``--measured`` is given).

    Raises
    ------
    ParameterError
        For a missing or out-of-range workload, or any argument ``energy_to_solution`` refuses
        (``update_time`` below ``ln(1/ε)/f0`` among them).
    """
    t = _in_range("--temperature", args.temperature, *TEMPERATURE_RANGE, "K")
    f0 = _in_range("--attempt-frequency", args.attempt_frequency, *ATTEMPT_FREQUENCY_RANGE, "Hz")
    if args.workload is not None:
        w = references.workload(args.workload)
        if args.parameters is not None or args.steps is not None:
            raise ParameterError("--parameters", args.parameters,
                                 "not given together with --workload")
    else:
        if args.parameters is None or args.steps is None:
            raise ParameterError("--workload", None, "a workload name, or --parameters N and"
                                 " --steps S")
        n = args.parameters
        if not (math.isfinite(n) and n >= 1 and n == math.floor(n)):
            raise ParameterError("--parameters", n, "a whole number >= 1")
        s = args.steps
        if not (math.isfinite(s) and s >= 1 and s == math.floor(s)):
            raise ParameterError("--steps", s, "a whole number of optimiser steps >= 1")
        w = references.Workload("command line", n, s, args.flops, "given on the command line")
    frac = args.scale_fraction
    if not (math.isfinite(frac) and frac > 0):
        raise ParameterError("--scale-fraction", frac, "a fraction > 0")
    ref = None if args.reference_barrier is None else args.reference_barrier * sc.kT(t)
    common = dict(bits=args.bits, flops_per_update=args.flops_per_update,
                  schedule=args.schedule, scale=max(1.0, frac * round(w.updates)),
                  update_time=args.update_time, temperature=t, attempt_frequency=f0,
                  error=args.error, retention=args.retention, modulation=args.modulation,
                  reference_barrier=ref)
    archs = args.architecture or list(lim.ARCHITECTURES)
    out, lines = {}, []
    for a in archs:
        est, got = references.project(w, a, **common)
        out[a] = est
        lines = got[1:]
    if args.measured is not None:
        e, se = args.measured
        lines.append(references.measured_line(e, se, w.parameters * round(w.updates),
                                              source="--measured"))
    return w, out, lines


def energy_main(args) -> int:
    """Print ``limsim bounds energy-to-solution``; returns the exit status 0 (ParameterError
    propagates: exit 2)."""
    w, out, lines = energy_rows(args)
    ops = w.parameters * round(w.updates)
    any_est = next(iter(out.values()))
    print(f"energy to solution: {w.name}: N = {w.parameters:.4g} parameters ×"
          f" {round(w.updates):.4g} optimiser steps = OPS {ops:.4g} parameter updates;"
          f" FLOPs {'n/a' if w.flops is None else format(w.flops, '.4g')}")
    print(f"  source: {w.source}")
    print(f"  B = {any_est.bits} bits, ε = {any_est.error:.4g}, τ_u = {args.update_time:g} s,"
          f" T = {args.temperature:g} K, f0 = {args.attempt_frequency:g} Hz, schedule"
          f" {args.schedule} (n0 = {args.scale_fraction:g} × steps), modulation"
          f" {args.modulation}")
    print(f"{'architecture':12s} {'total (J)':>12s} {'update':>11s} {'consol.':>11s}"
          f" {'hold':>11s} {'modulation':>11s} {'J/update':>11s}")
    for a, e in out.items():
        print(f"{a:12s} {e.total:12.4e} {e.update:11.3e} {e.consolidation:11.3e}"
              f" {e.hold:11.3e} {e.modulation:11.3e} {e.total / ops:11.3e}")
    print(f"{'line':30s} {'energy (J)':>12s} {'± (J)':>9s} {'kind':9s} what  [source]")
    for ln in lines:
        pm = f"{ln.sigma:9.2e}" if ln.sigma else " " * 9
        print(f"{ln.name:30s} {ln.energy:12.4e} {pm} {ln.kind:9s} {ln.what}  [{ln.source}]")
    return 0

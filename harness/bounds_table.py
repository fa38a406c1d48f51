"""``limsim bounds``: the analytic functions of ``simcore.bounds`` as a table for given parameters.

Every row names the function, its arguments, the value in SI units and in kT (energies) and
whether it is a rigorous bound, an achievable bound or an estimate (see ``docs/theory.md``).
"""

from __future__ import annotations

import math

import simcore as sc
from experiments.config import ATTEMPT_FREQUENCY_RANGE, TEMPERATURE_RANGE
from simcore import bounds
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
    p.add_argument("--write-time", type=float, default=1e-8, help="write time (s)")
    p.add_argument("--duration", type=float, default=1e-6, help="erasure duration (s)")
    p.add_argument("--barrier", type=float, default=None,
                   help="barrier (kT); default: the retention barrier")
    p.add_argument("--n-cells", type=float, default=1.0, help="cells in the array")


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
    table = rows(args)
    kT = sc.kT(args.temperature)
    print(f"simcore.bounds at T = {args.temperature:g} K (kT = {kT:.5g} J),"
          f" f0 = {args.attempt_frequency:g} Hz")
    print(f"{'function':26s} {'arguments':42s} {'value':>12s} {'unit':4s} {'in kT':>10s}  kind")
    for name, what, value, unit, kind in table:
        in_kt = f"{value / kT:10.4f}" if unit == "J" else " " * 10
        print(f"{name:26s} {what:42s} {value:12.5g} {unit:4s} {in_kt}  {kind}")
    return 0

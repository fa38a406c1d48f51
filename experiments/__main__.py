"""The ``limsim`` command line (also ``python -m experiments``).

    limsim list
    limsim run NAME [--smoke] [--seed N] [--out DIR] [--set key=value ...] [--config FILE.toml]
    limsim plot FILE.h5 [--out DIR]
    limsim bounds [...]
    limsim sweep FILE.toml [--scheduler ADDRESS] [--workers N] [--out DIR]
    limsim bench [--quick]

Exit status: 0 when the run's physics checks pass, 1 when one fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys

from simcore.errors import ParameterError


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="limsim", description="Barrier-modulated memory simulator")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the experiments")
    run = sub.add_parser("run", help="run a named experiment")
    run.add_argument("name")
    run.add_argument("--smoke", action="store_true", help="a seconds-long version")
    run.add_argument("--seed", type=int, default=None)
    run.add_argument("--out", default=None, help="output folder")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    run.add_argument("--config", default=None, metavar="FILE.toml")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    plot = sub.add_parser("plot", help="redraw the figures of a result file")
    plot.add_argument("file")
    plot.add_argument("--out", default=None)
    sub.add_parser("bounds", help="analytic bounds as a table")
    sweep = sub.add_parser("sweep", help="parameter sweep on Dask")
    sweep.add_argument("file")
    bench = sub.add_parser("bench", help="kernel benchmarks against NumPy")
    bench.add_argument("--quick", action="store_true", help="under a minute")
    bench.add_argument("--json", default=None, help="also write the table to this JSON file")
    return ap


def _run(args) -> int:
    from experiments import config as cfgmod
    from experiments.registry import EXPERIMENTS

    if args.name not in EXPERIMENTS:
        raise ParameterError("NAME", args.name, "one of " + ", ".join(sorted(EXPERIMENTS)))
    exp = EXPERIMENTS[args.name]
    cfg = exp.Config()
    if args.smoke:
        cfg = cfg.smoke()
    if args.config:
        cfg = cfgmod.apply(cfg, cfgmod.load_toml(args.config))
    overrides = cfgmod.parse_sets(args.set)
    if args.seed is not None:
        overrides["seed"] = args.seed
    cfg = cfgmod.apply(cfg, overrides)
    result = exp.run(cfg, progress=not args.quiet and sys.stderr.isatty())
    print(exp.report(result))
    checks = exp.checks(result)
    failed = [c for c in checks if not c["passed"]]
    print(f"checks: {len(checks) - len(failed)} passed, {len(failed)} failed")
    for c in failed:
        print(
            f"  FAILED {c['check']}: simulated {c['simulated']:.6g},"
            f" reference {c['reference']:.6g},"
            f" tolerance {c['tolerance']:.3g}"
        )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            from experiments.registry import EXPERIMENTS

            for name, mod in EXPERIMENTS.items():
                print(f"{name:24s} {mod.SUMMARY}")
            return 0
        if args.command == "run":
            return _run(args)
        if args.command == "bench":
            from benchmarks.suite import main as bench_main

            return bench_main(quick=args.quick, json_path=args.json)
        print(f"limsim {args.command}: not yet available", file=sys.stderr)
        return 2
    except ParameterError as exc:
        print(f"limsim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

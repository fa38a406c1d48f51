"""The ``limsim`` command line (also ``python -m experiments``, a shim that calls ``main``).

    limsim list
    limsim run NAME [--smoke] [--seed N] [--out DIR] [--set key=value ...] [--config FILE.toml]
                    [--quiet] [--show-config]
    limsim suite [NAME ...] [--smoke] [--out DIR] [--quiet]
    limsim plot FILE.h5 [--out DIR]
    limsim bounds [--temperature K] [--attempt-frequency HZ] [...]
    limsim sweep FILE.toml [--scheduler ADDRESS] [--workers N] [--out DIR]
    limsim bench [--quick]
    limsim devices

Exit status: 0 when the run's physics checks pass, 1 when one fails, 2 on bad input (one line
on stderr naming the parameter; nothing written), 128 + the signal when interrupted (130 for
Ctrl-C, 143 for SIGTERM; no partial file).

A run goes ``main`` (interrupt guard) -> ``harness.registry.experiment`` (the ``Experiment``
record) -> ``harness.runner.resolve_config`` -> ``harness.memory.check_run`` ->
``simcore.io.writable_folder`` -> ``harness.runner.run`` (``exp.run``, ``exp.checks``,
``simcore.io.write``, ``exp.plot``) -> ``harness.suite.refresh_results_index``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from harness.interrupt import interrupt_guard, raise_if_interrupted


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="limsim", description="Barrier-modulated memory simulator")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the experiments")
    run = sub.add_parser("run", help="run a named experiment")
    run.add_argument("name")
    run.add_argument("--smoke", action="store_true", help="a seconds-long version")
    run.add_argument("--seed", type=int, default=None)
    run.add_argument("--out", default=None, help="output folder (default results/NAME-TIMESTAMP)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    run.add_argument("--config", default=None, metavar="FILE.toml")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    run.add_argument("--show-config", action="store_true", help="print the config and stop")
    run.add_argument("--overwrite", action="store_true",
                     help="write into an --out folder that already holds files")
    run.add_argument("--force", action="store_true",
                     help="run even when the estimated cost is above the limit")
    suite = sub.add_parser("suite", help="run the default suite and write an index page")
    suite.add_argument("names", nargs="*", metavar="NAME",
                       help="experiments to run (default: every one)")
    suite.add_argument("--smoke", action="store_true", help="the seconds-long versions")
    suite.add_argument("--out", default=None, help="suite folder (default results/suite-TIME)")
    suite.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    suite.add_argument("--overwrite", action="store_true",
                       help="write into an --out folder that already holds files (a rerun)")
    plot = sub.add_parser("plot", help="redraw the figures of a result file, or plot a sweep")
    plot.add_argument("file", help="a result file NAME.h5, or a sweep folder or its index.h5")
    plot.add_argument("--out", default=None, help="output folder (default: the file's folder)")
    plot.add_argument("--x", default=None, metavar="AXIS", help="sweep: the axis (default: first)")
    plot.add_argument("--y", action="append", default=None, metavar="RESULT",
                      help="sweep: a result to draw (repeatable; default: every result)")
    bounds = sub.add_parser("bounds", help="analytic bounds as a table")
    from harness.bounds_table import add_arguments

    add_arguments(bounds)
    sweep = sub.add_parser("sweep", help="parameter sweep on Dask")
    sweep.add_argument("file", metavar="FILE.toml")
    sweep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="an existing dask scheduler (default: an embedded local cluster)")
    sweep.add_argument("--workers", type=int, default=None, help="local worker processes")
    sweep.add_argument("--out", default=None, help="sweep folder (default runs/FILE-stem)")
    sweep.add_argument("--retry-failed", action="store_true", help="rerun failed points")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_parser("devices", help="the device presets with their parameters and sources")
    bench = sub.add_parser("bench", help="kernel benchmarks against NumPy")
    bench.add_argument("--quick", action="store_true", help="under a minute")
    bench.add_argument("--json", default=None, help="also write the table to this JSON file")
    ap.run_parser = run
    return ap


def _run(args) -> int:

    from experiments import config as cfgmod
    from harness import cost, memory, runner
    from harness.progress import progress_lines
    from harness.registry import experiment
    from simcore import io

    exp = experiment(args.name)
    cfg = runner.resolve_config(
        exp, smoke=args.smoke, config_file=args.config, sets=args.set, seed=args.seed
    )
    if args.show_config:
        print(cfgmod.to_toml(cfg), end="")
        return 0
    memory.check_run(exp, cfg)  # refused up front with the estimate and the limit
    cost.check_run(exp, cfg, force=args.force, cores=_cores(),  # cell-steps and rough time
                   echo=None if args.quiet else _err)
    if args.out:
        out = runner.check_out_folder(args.out, args.overwrite)
        io.writable_folder(out)  # before the simulation starts
    else:
        io.writable_folder("results")
        out = runner.default_out(exp.name)  # a new folder of its own, made atomically
    _warn_leftovers(out if args.out else out.parent)
    # progress: bars in a terminal, a line per task (experiments.common.bar) and the
    # start/running/finished lines (harness.progress) in a log
    with progress_lines(exp.name, enabled=not args.quiet and not sys.stderr.isatty()):
        checks, h5 = runner.run(exp, cfg, out, progress=not args.quiet, smoke=args.smoke)
    failed = [c for c in checks if not c["passed"]]
    print(f"checks: {len(checks) - len(failed)} passed, {len(failed)} failed")
    for c in failed:
        print(
            f"  FAILED {c['check']}: simulated {c['simulated']:.6g},"
            f" reference {c['reference']:.6g},"
            f" tolerance {c['tolerance']:.3g} {c['unit']}"
        )
    print(f"wrote {h5} and {out / runner.REPORT}")
    from harness.suite import refresh_results_index

    refresh_results_index(out)
    return 1 if failed else 0


def _suite(args) -> int:

    from harness import runner, suite
    from simcore import io

    suite.plan(args.names, args.smoke)  # names, configs and memory: before anything is written
    if args.out:
        out = runner.check_out_folder(args.out, args.overwrite)
        io.writable_folder(out)
    else:
        io.writable_folder(suite.RESULTS)
        out = suite.default_out()
    _warn_leftovers(out if args.out else out.parent)
    return suite.run_suite(args.names, out, smoke=args.smoke, progress=not args.quiet,
                           lines=not args.quiet and not sys.stderr.isatty())


def _plot(args) -> int:
    from pathlib import Path

    from harness import runner
    from harness.sweep import plots
    from simcore import io

    if plots.is_sweep(args.file):
        folder = Path(args.file) if Path(args.file).is_dir() else Path(args.file).parent
        out = Path(args.out) if args.out else folder / "plots"
        io.writable_folder(out)
        for s in plots.plot_index(args.file, out, x=args.x, ys=args.y):
            print(out / f"{s}.png")
        return 0
    h5 = Path(args.file)
    out = Path(args.out) if args.out else h5.parent
    io.read(h5)  # a damaged file is reported before anything is drawn
    io.writable_folder(out)
    stems = runner.redraw(h5, out)
    for s in stems:
        print(out / f"{s}.png")
    return 0


def _sweep(args) -> int:
    import functools
    from pathlib import Path

    from harness.registry import experiment
    from harness.sweep import load_spec, points, run_sweep
    from simcore import io

    spec = load_spec(args.file)
    experiment(spec.experiment)  # a registered experiment, else exit 2
    out = Path(args.out) if args.out else Path("runs") / Path(args.file).stem
    io.writable_folder(out)  # a read-only folder is one line, before the lock is taken
    # SIGINT, SIGTERM: run_sweep writes the index, then raises Interrupted; main exits 128 + sig
    try:
        idx = run_sweep(
            spec,
            functools.partial(points.run_point, spec.experiment),
            out,
            scheduler=args.scheduler,
            workers=args.workers,
            retry_failed=args.retry_failed,
            progress=not args.quiet and sys.stderr.isatty(),
            lines=not args.quiet and not sys.stderr.isatty(),
            memory_estimate=functools.partial(points.memory_need, spec.experiment),
        )
    except KeyboardInterrupt as exc:
        exc.left = (f"the sweep stopped; {out / 'index.h5'} lists the points that finished"
                    " (no partial point file was left); run the same command again to resume")
        raise
    ok = idx.count("ok")
    print(f"sweep {spec.experiment}: {ok} of {len(idx)} points done; index {out / 'index.h5'}")
    return 0 if ok == len(idx) else 1


def main(argv: list[str] | None = None) -> int:
    """Run the ``limsim`` command line.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 checks passed, 1 a check failed, 2 bad input, 128 + signal when
        interrupted.
    """
    with interrupt_guard():  # first: a signal during the imports below is handled too
        try:
            return _main(argv)
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            left = getattr(exc, "left", "no partial result file was left")
            _err(f"limsim: interrupted ({signal.Signals(signum).name}); {left}")
            return 128 + int(signum)
        except BrokenPipeError:
            # `limsim list | head -1`: the reader left; say nothing more, exit as SIGPIPE would.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 128 + signal.SIGPIPE


def _devices() -> int:
    """Print every preset: its model, key parameters with units and the sources its
    docstring cites; then how to name a device in a run."""
    import dataclasses
    import inspect
    import textwrap

    import devices
    from devices.cell import kind
    from experiments.device import parameter_texts
    from experiments.device import parameters as _params

    for name, make in devices.PRESETS.items():
        dev = make()
        docs = {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(dev)}
        print(f"{name}  ({kind(dev)})")
        for (field_name, *_), text in zip(_params(dev), parameter_texts(dev), strict=True):
            print(f"    {text:40s} {docs.get(field_name, '')}")
        doc = inspect.getdoc(make) or ""
        print(textwrap.indent(textwrap.fill(" ".join(doc.split()), 96), "  | "))
        print()
    print("use: limsim run NAME --set device=PRESET (or device=ideal, the default, or"
          " device=FILE.toml)")
    return 0


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _warn_leftovers(folder) -> None:
    """One line on stderr per hidden temporary file a killed write left under ``folder``."""
    from simcore import io

    for p in io.leftover_temporaries(folder):
        _err(f"limsim: note: {p} is left over from a write that was killed; it is no result"
             " and may be deleted")


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if _run_help(argv):
        return 0
    args = _parser().parse_args(argv)
    from harness.sweep import DamagedFileError
    from simcore.errors import ParameterError
    from simcore.io import ResultFileError

    try:
        rc = _dispatch(args)
        raise_if_interrupted()  # a signal whose exception a finaliser swallowed
        return rc
    except ParameterError as exc:
        print(f"limsim: error: {exc}", file=sys.stderr)
        return 2
    except (ResultFileError, DamagedFileError) as exc:
        print(f"limsim: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise
    except OSError as exc:  # a folder that cannot be written after all, a full disk: one line
        print(f"limsim: error: {exc}", file=sys.stderr)
        return 2


def _run_help(argv: list[str]) -> bool:
    """``limsim run NAME --help``: the options, then NAME's config keys (units, ranges,
    meaning); True when it printed that."""
    if len(argv) < 3 or argv[0] != "run" or not ({"-h", "--help"} & set(argv)):
        return False
    name = next((a for a in argv[1:] if not a.startswith("-")), None)
    from harness.registry import EXPERIMENTS

    if name not in EXPERIMENTS:
        return False
    from harness.runner import config_keys

    exp = EXPERIMENTS[name]
    _parser().run_parser.print_help()
    print(f"\n{name}: {exp.summary}\n\nconfig keys (--set KEY=VALUE, --config FILE.toml):")
    print(config_keys(exp.config()))
    return True


def _dispatch(args) -> int:
    if args.command == "list":
        from harness.registry import EXPERIMENTS

        for name, exp in EXPERIMENTS.items():
            print(f"{name:24s} {exp.summary}")
        return 0
    if args.command == "run":
        return _run(args)
    if args.command == "suite":
        return _suite(args)
    if args.command == "plot":
        return _plot(args)
    if args.command == "bounds":
        from harness.bounds_table import main as bounds_main

        return bounds_main(args)
    if args.command == "sweep":
        return _sweep(args)
    if args.command == "devices":
        return _devices()
    if args.command == "bench":
        from benchmarks.suite import main as bench_main

        return bench_main(quick=args.quick, json_path=args.json)
    print(f"limsim {args.command}: not yet available", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

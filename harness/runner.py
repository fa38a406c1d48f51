"""Run an experiment end to end: config -> simulation -> one HDF5 file -> figures -> report.md.

Bad input is found before anything runs or is written: the config (type and range of every key),
the memory the run needs (``harness.memory``) and the output folder. The HDF5 file is written
atomically; the figures and the report are then drawn from the file read back from disk, exactly
as ``limsim plot`` would. The runner talks to an experiment only through its
``experiments.contract.Experiment`` record; the result of ``exp.run`` is opaque to it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from experiments import config as cfgmod
from experiments.checks import checks_tree
from experiments.contract import Experiment
from harness.interrupt import raise_if_interrupted
from harness.registry import experiment
from simcore import io

#: The report written beside every result file.
REPORT = "report.md"


def resolve_config(exp: Experiment, *, smoke: bool = False, config_file: str | None = None,
                   sets: Iterable[str] = (), seed: int | None = None):
    """The experiment's config after ``--smoke``, ``--config FILE``, ``--set`` and ``--seed``,
    in that order, validated.

    Parameters
    ----------
    exp : Experiment
        The experiment.
    smoke : bool
        Start from ``Config().smoke()``, the seconds-long variant.
    config_file : str, optional
        A flat TOML table of config keys.
    sets : iterable of str
        ``key=value`` overrides.
    seed : int, optional
        The root seed (overrides everything else).

    Returns
    -------
    the experiment's Config

    Raises
    ------
    ParameterError
        Naming the offending key, file or ``--set`` item.
    """
    cfg = exp.config()
    if smoke:
        cfg = cfg.smoke()
    if config_file:
        cfg = cfgmod.apply(cfg, cfgmod.load_toml(config_file))
    overrides = cfgmod.parse_sets(list(sets))
    if seed is not None:
        overrides["seed"] = seed
    return cfgmod.validate(cfgmod.apply(cfg, overrides))


def point_config(exp: Experiment, overrides: dict, seed: int | None = None):
    """``exp``'s default config with a sweep point's ``overrides`` and ``seed``, validated
    (``ParameterError`` naming the key otherwise)."""
    cfg = cfgmod.apply(exp.config(), dict(overrides))
    if seed is not None:
        cfg = cfgmod.apply(cfg, {"seed": seed})
    return cfgmod.validate(cfg)


def default_out(name: str) -> Path:
    """A new folder ``results/NAME-YYYYmmdd-HHMMSS`` (with ``-2``, ``-3``... if taken)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path("results") / f"{name}-{stamp}"
    n = 1
    while out.exists():
        n += 1
        out = Path("results") / f"{name}-{stamp}-{n}"
    return out


def simulate(exp: Experiment, cfg, h5: Path, *, progress: bool = False, smoke: bool = False):
    """Simulate and write the result file ``h5`` (atomically).

    Parameters
    ----------
    exp : Experiment
        The experiment.
    cfg : its Config
        A validated config (its ``seed`` is the run's root seed).
    h5 : Path
        The result file to write.
    progress : bool
        Show the experiment's progress bars.
    smoke : bool
        Recorded as the root attribute ``smoke``.

    Returns
    -------
    (list of dict, str)
        The checks (``experiments.common.check`` records) and the console summary.
    """
    started = io.now()
    result = exp.run(cfg, progress=progress)
    checks = exp.checks(result)
    summary = exp.report(result)
    tree = exp.data(result)
    tree["checks"] = checks_tree(checks)
    tree["summary"] = io.Data(summary, "", "the console summary of the run")
    attrs = io.provenance(
        experiment=exp.name,
        seed=cfg.seed,
        temperature=cfg.temperature,
        config_toml=cfgmod.to_toml(cfg),
        started=started,
    )
    attrs["config_units_toml"] = "".join(
        f'{k} = "{u}"\n' for k, _, u, _ in cfgmod.describe(cfg) if u
    )
    attrs["smoke"] = bool(smoke)
    Path(h5).parent.mkdir(parents=True, exist_ok=True)
    io.write(h5, tree, attrs)
    return checks, summary


def run(exp: Experiment, cfg, out: Path, *, progress: bool = False, smoke: bool = False,
        echo: Callable[[str], object] = print):
    """Simulate, write ``out/NAME.h5``, draw the figures and ``out/report.md``.

    Parameters
    ----------
    exp, cfg, progress, smoke
        As for ``simulate``.
    out : Path
        The run's folder, checked beforehand with ``simcore.io.writable_folder``.
    echo : callable
        Receives the console summary.

    Returns
    -------
    (list of dict, Path)
        The checks and the result file.

    Raises
    ------
    Interrupted
        When a signal arrived (its exception may have been swallowed on the way).
    """
    h5 = out / f"{exp.name}.h5"
    checks, summary = simulate(exp, cfg, h5, progress=progress, smoke=smoke)
    echo(summary)
    redraw(h5, out)
    raise_if_interrupted()
    return checks, h5


def redraw(h5: Path, out: Path) -> list[str]:
    """Read ``h5`` and draw its figures and ``report.md`` into ``out``; returns the figure stems.

    Raises
    ------
    simcore.io.ResultFileError
        When ``h5`` is missing or damaged.
    ParameterError
        When its experiment is not registered.
    """
    res = io.read(h5)
    exp = experiment(res.attrs["experiment"])
    out.mkdir(parents=True, exist_ok=True)
    stems = exp.plot(res, out)
    io.write_text_atomic(out / REPORT, report_markdown(res, stems, h5, out, exp))
    return stems


def _fmt(x: float) -> str:
    return f"{x:.6g}" if np.isfinite(x) else str(x)


def report_markdown(res: io.Result, stems: list[str], h5: Path, out: Path,
                    exp: Experiment) -> str:
    """The text of ``report.md``: the experiment, provenance, checks, figures, summary, config."""
    a = res.attrs
    rel = Path(h5).resolve()
    try:
        rel = rel.relative_to(out.resolve())
    except ValueError:
        rel = Path(h5).name
    c = res.group("checks")
    n_fail = int(np.sum(~c["passed"].astype(bool)))
    lines = [
        f"# {a['experiment']}",
        "",
        exp.summary,
        "",
        (exp.doc or "").strip(),
        "",
        f"Result file: `{rel}` (schema {a['schema_version']}). Software {a['software_version']},"
        f" commit `{a['git_commit']}`, seed {a['seed']}, generator `{a['generator']}`,"
        f" T = {a['temperature']:g} K (kT = {a['kT']:.5g} J), run {a['started']} to"
        f" {a['finished']}.",
        "",
        "## Checks",
        "",
        f"{len(c['passed']) - n_fail} passed, {n_fail} failed. Two-sided checks pass when"
        " |simulated - reference| <= tolerance; `lower` when simulated >= reference - tolerance"
        " (a bound); `upper` when simulated <= reference + tolerance. Statistical tolerances"
        " hold the report's family-wise false-alarm rate at 1e-3 (Bonferroni over its tests;"
        " method: gauss, student, clopper-pearson or bernstein; exact: round-off only).",
        "",
        "| key | check | simulated | reference | tolerance | kind | method | unit | result |",
        "|---|---|---:|---:|---:|---|---|---|---|",
    ]
    n = len(c["passed"])
    keys = c["key"] if "key" in c else [""] * n
    methods = c["method"] if "method" in c else [""] * n
    for i in range(n):
        lines.append(
            f"| `{keys[i]}` | {c['name'][i]} | {_fmt(c['simulated'][i])} |"
            f" {_fmt(c['reference'][i])} | {_fmt(c['tolerance'][i])} | {c['kind'][i]} |"
            f" {methods[i]} | {c['unit'][i]} | {'pass' if c['passed'][i] else '**FAIL**'} |"
        )
    lines += ["", "## Figures", ""]
    for s in stems:
        lines += [f"![{s}]({s}.png)", "", f"[{s}.pdf]({s}.pdf)", ""]
    lines += ["## Summary", "", "```", str(res["summary"][()]), "```", "", "## Config", "",
              "```toml", a["config_toml"].rstrip(), "```", ""]
    return "\n".join(lines)

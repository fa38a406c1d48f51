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
from simcore.errors import ParameterError
from simcore.io import ResultFileError

#: The report written beside every result file (and its HTML twin, with the figures inline).
REPORT = "report.md"
REPORT_HTML = "report.html"


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
        try:
            table = cfgmod.load_toml(config_file)
        except UnicodeDecodeError as exc:
            raise ParameterError("--config", str(config_file),
                                 f"a UTF-8 TOML file ({exc.reason} at byte {exc.start})") from None
        cfg = cfgmod.apply(cfg, table)
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


def default_out(name: str, root: Path | str = "results") -> Path:
    """Create and return a new folder ``ROOT/NAME-YYYYmmdd-HHMMSS`` (``-2``, ``-3``... if taken).

    The folder is made with one ``mkdir`` that fails if it exists, so two runs started in the
    same second get two folders: each claims its own name atomically.

    Parameters
    ----------
    name : str
        The experiment (or ``suite``).
    root : path-like
        The folder the new one goes in (created if missing).

    Returns
    -------
    Path
        The new, empty folder.
    """
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        out = root / (f"{name}-{stamp}" if n == 1 else f"{name}-{stamp}-{n}")
        try:
            out.mkdir()
        except FileExistsError:
            continue
        return out
    raise ResultFileError(root, f"no free folder name {name}-{stamp}-N")  # pragma: no cover


def check_out_folder(out: Path | str, overwrite: bool = False) -> Path:
    """Refuse an ``--out`` folder that already holds files, unless ``overwrite``.

    Parameters
    ----------
    out : path-like
        The folder asked for (it may not exist yet).
    overwrite : bool
        ``--overwrite``: write into it anyway (files of the same names are replaced).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ParameterError
        Naming ``--out`` when the folder is not empty (or is not a folder) and not
        ``overwrite``.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ParameterError("--out", str(out), "a folder (this is a file)")
    if not overwrite and out.is_dir() and any(out.iterdir()):
        raise ParameterError(
            "--out", str(out),
            "a new or empty folder: this one holds files (earlier results would be replaced or"
            " mixed); pass --overwrite to write into it anyway",
        )
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
        When a signal arrived (its exception may have been swallowed on the way). After the
        result file was written, its ``left`` attribute says what is complete and what is not
        (the report is written last, so a folder without one has unfinished figures).
    """
    h5 = out / f"{exp.name}.h5"
    checks, summary = simulate(exp, cfg, h5, progress=progress, smoke=smoke)
    try:
        echo(summary)
        redraw(h5, out)
        raise_if_interrupted()
    except KeyboardInterrupt as exc:
        exc.left = (f"the result file {h5} is complete; its figures and report were not all"
                    f" written (draw them with: limsim plot {h5})")
        raise
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
    # The reports last: a folder with a report has every figure.
    io.write_text_atomic(out / REPORT_HTML, report_html(res, stems, h5, out, exp))
    io.write_text_atomic(out / REPORT, report_markdown(res, stems, h5, out, exp))
    return stems


def _fmt(x: float) -> str:
    return f"{x:.6g}" if np.isfinite(x) else str(x)


def _report_parts(res: io.Result, h5: Path, out: Path):
    """What both reports start from: the result file's path relative to ``out`` (its name when
    it lies elsewhere), the checks group and the number of failed checks."""
    rel = Path(h5).resolve()
    try:
        rel = rel.relative_to(out.resolve())
    except ValueError:
        rel = Path(h5).name
    c = res.group("checks")
    return rel, c, int(np.sum(~c["passed"].astype(bool)))


def report_markdown(res: io.Result, stems: list[str], h5: Path, out: Path,
                    exp: Experiment) -> str:
    """The text of ``report.md``: the experiment, provenance, checks, figures, summary, config."""
    a = res.attrs
    rel, c, n_fail = _report_parts(res, h5, out)
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


_CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.4}"
    "table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;"
    "text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".pass{color:#060}.fail{color:#a00;font-weight:bold}"
    "figure{margin:1.5em 0}figure img{max-width:100%;width:900px;border:1px solid #eee}"
    "pre{background:#f6f6f6;padding:8px;overflow-x:auto}"
)


def report_html(res: io.Result, stems: list[str], h5: Path, out: Path,
                exp: Experiment) -> str:
    """The text of ``report.html``: what ``report.md`` says, as a page a browser shows, with
    every figure inline (PNG, up to 900 px wide) and linked to its PDF."""
    import html

    e = html.escape
    a = res.attrs
    rel, c, n_fail = _report_parts(res, h5, out)
    doc = "".join(f"<p>{e(p.strip())}</p>" for p in (exp.doc or "").strip().split("\n\n")
                  if p.strip())
    rows = []
    for i in range(len(c["passed"])):
        ok = bool(c["passed"][i])
        rows.append(
            f"<tr><td>{e(str(c['name'][i]))}</td><td class=num>{_fmt(c['simulated'][i])}</td>"
            f"<td class=num>{_fmt(c['reference'][i])}</td>"
            f"<td class=num>{_fmt(c['tolerance'][i])}</td><td>{e(str(c['kind'][i]))}</td>"
            f"<td>{e(str(c['unit'][i]))}</td>"
            f"<td class={'pass' if ok else 'fail'}>{'pass' if ok else 'FAIL'}</td></tr>"
        )
    figs = "".join(
        f'<figure><a href="{e(s)}.pdf"><img src="{e(s)}.png" alt="{e(s)}"></a>'
        f'<figcaption>{e(s)} (<a href="{e(s)}.pdf">PDF</a>)</figcaption></figure>'
        for s in stems
    )
    name = e(str(a["experiment"]))
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{name}</title>'
        f'<meta name="viewport" content="width=device-width"><style>{_CSS}</style></head>'
        f"<body><h1>{name}</h1><p><b>{e(exp.summary)}</b></p>{doc}"
        f"<p>Result file: <a href=\"{e(str(rel))}\"><code>{e(str(rel))}</code></a>"
        f" (schema {e(str(a['schema_version']))}). Software {e(str(a['software_version']))},"
        f" commit <code>{e(str(a['git_commit']))}</code>, seed {e(str(a['seed']))}, generator"
        f" <code>{e(str(a['generator']))}</code>, T = {a['temperature']:g} K"
        f" (kT = {a['kT']:.5g} J), run {e(str(a['started']))} to {e(str(a['finished']))}.</p>"
        f"<h2>Checks</h2><p>{len(c['passed']) - n_fail} passed, {n_fail} failed. Two-sided"
        " checks pass when |simulated - reference| &le; tolerance; <i>lower</i> when simulated"
        " &ge; reference - tolerance (a bound); <i>upper</i> when simulated &le; reference +"
        " tolerance.</p><table><tr><th>check</th><th>simulated</th><th>reference</th>"
        "<th>tolerance</th><th>kind</th><th>unit</th><th>result</th></tr>"
        + "".join(rows) + "</table>"
        f"<h2>Figures</h2>{figs}"
        f"<h2>Summary</h2><pre>{e(str(res['summary'][()]))}</pre>"
        f"<h2>Config</h2><pre>{e(a['config_toml'].rstrip())}</pre></body></html>\n"
    )


def config_keys(cfg) -> str:
    """The config keys of ``cfg`` as a table for ``limsim run NAME --help``: key, default,
    unit, allowed range and meaning, one key a line.

    Parameters
    ----------
    cfg : an experiment's Config
        Its defaults are shown.

    Returns
    -------
    str
    """
    ranges = cfgmod.allowed(cfg)
    rows = [(k, cfgmod.to_toml_value(v), u or "-", ranges.get(k, "-"), h)
            for k, v, u, h in cfgmod.describe(cfg)]
    widths = [max(len(r[j]) for r in rows) for j in range(3)]
    lines = []
    for k, v, u, rng, h in rows:
        if len(v) > 40:
            v = v[:37] + "..."
        lines.append(f"  {k:{widths[0]}s}  {v:{min(widths[1], 40)}s}  {u:{widths[2]}s}  {h}"
                     f" [{rng}]")
    return "\n".join(lines)

"""The default suite (``limsim suite``, ``make run``) and the index page of a results folder.

The suite runs every registered experiment with its full config (``--smoke``: the seconds-long
one), each into ``OUT/NAME/`` exactly as ``limsim run`` would (``harness.runner``), then writes
``index.md`` and ``index.html`` linking every report. One experiment that fails its checks or
raises does not stop the others; the exit status says so.

``write_index(folder)`` lists every result file under ``folder`` with its checks (read back from
the file, so a damaged file shows as damaged rather than stopping the index). ``limsim run`` and
``limsim suite`` refresh the index of ``results/`` after each run.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import numpy as np

from experiments import config as cfgmod
from harness import memory, runner
from harness.registry import EXPERIMENTS, experiment
from simcore import io

INDEX = "index"
#: The folder whose index ``limsim run`` keeps up to date when writing under it.
RESULTS = Path("results")


def suite_config(exp, smoke: bool = False):
    """The config of ``exp`` in the suite: its defaults, or ``smoke()``.

    Parameters
    ----------
    exp : experiments.contract.Experiment
        The experiment.
    smoke : bool
        The seconds-long variant.

    Returns
    -------
    the experiment's Config, validated
    """
    cfg = exp.config()
    return cfgmod.validate(cfg.smoke() if smoke else cfg)


def default_out() -> Path:
    """A new folder ``results/suite-YYYYmmdd-HHMMSS`` (``-2``... if taken), made atomically
    (``harness.runner.default_out``)."""
    return runner.default_out("suite", RESULTS)


def plan(names: list[str] | None, smoke: bool):
    """What the suite will run, validated before anything runs or is written.

    Parameters
    ----------
    names : list of str or None
        Experiments to run (default: every registered one, in registry order).
    smoke : bool
        The seconds-long variants.

    Returns
    -------
    list of (Experiment, Config)

    Raises
    ------
    ParameterError
        For an unknown name or a config out of range.
    harness.memory.MemoryRefused
        When a run would not fit in the memory this machine has free.
    """
    names = list(EXPERIMENTS) if not names else names
    out = []
    for name in names:
        exp = experiment(name)
        cfg = suite_config(exp, smoke)
        memory.check_run(exp, cfg)
        out.append((exp, cfg))
    return out


def run_suite(names, out: Path, *, smoke=False, progress=False, echo=print,
              lines: bool = False) -> int:
    """Run the suite into ``out/NAME/`` and write ``out/index.md`` and ``out/index.html``.

    Parameters
    ----------
    names : list of str or None
        As for ``plan``.
    out : Path
        The suite folder, checked beforehand with ``simcore.io.writable_folder``.
    smoke, progress : bool
        The seconds-long variants; progress (bars in a terminal, a line per task in a log).
    lines : bool
        Plain progress lines on stderr (``harness.progress``), for a log.
    echo : callable
        Receives one line per experiment and the closing line.

    Returns
    -------
    int
        0 when every check of every experiment passed, 1 otherwise.

    Raises
    ------
    KeyboardInterrupt
        When interrupted (``harness.interrupt.Interrupted``), after writing the index of what
        finished; the index says the suite is incomplete and which experiments did not run.
    """
    from harness.progress import progress_lines

    todo = plan(names, smoke)
    failed = []
    t_all = time.perf_counter()
    for i, (exp, cfg) in enumerate(todo, 1):
        echo(f"[{i}/{len(todo)}] {exp.name}: {exp.summary}")
        t0 = time.perf_counter()
        try:
            with progress_lines(exp.name, enabled=lines):
                checks, _ = runner.run(exp, cfg, out / exp.name, progress=progress,
                                       smoke=smoke, echo=lambda _s: None)
        except KeyboardInterrupt as exc:
            missing = [e.name for e, _ in todo[i - 1:]]
            index = write_index(out, incomplete=(
                f"this suite is INCOMPLETE: it was interrupted during {exp.name}; not finished:"
                f" {', '.join(missing)} ({i - 1} of {len(todo)} experiments ran)"))
            exc.left = (f"the suite is incomplete ({i - 1} of {len(todo)} experiments ran, as"
                        f" {index} says); " + getattr(exc, "left", "no partial result file was"
                                                      " left"))
            raise
        except Exception as exc:  # one broken experiment must not hide the others
            failed.append(exp.name)
            echo(f"    ERROR {type(exc).__name__}: {exc}")
            continue
        bad = [c for c in checks if not c["passed"]]
        if bad:
            failed.append(exp.name)
        echo(f"    checks: {len(checks) - len(bad)} passed, {len(bad)} failed"
             f" ({time.perf_counter() - t0:.1f} s)")
    index = write_index(out)
    refresh_results_index(out)
    echo(f"suite: {len(todo) - len(failed)} of {len(todo)} experiments passed every check in"
         f" {time.perf_counter() - t_all:.0f} s; index {index}")
    return 1 if failed else 0


def refresh_results_index(out: Path) -> None:
    """Rewrite ``results/index.*`` when ``out`` lies inside ``results/``."""
    try:
        Path(out).resolve().relative_to(RESULTS.resolve())
    except ValueError:
        return
    write_index(RESULTS)


# --------------------------------------------------------------------------- the index page
def _entry(h5: Path, root: Path) -> dict:
    folder = h5.parent
    row = {
        "folder": folder.relative_to(root).as_posix() or ".",
        "h5": h5.relative_to(root).as_posix(),
        "report": (folder / runner.REPORT).relative_to(root).as_posix()
        if (folder / runner.REPORT).exists() else None,
        "report_html": (folder / runner.REPORT_HTML).relative_to(root).as_posix()
        if (folder / runner.REPORT_HTML).exists() else None,
        "figures": sorted(p.relative_to(root).as_posix() for p in folder.glob("*.png")),
        "mtime": h5.stat().st_mtime,
    }
    try:
        res = io.read(h5)
    except io.ResultFileError as exc:
        row.update(experiment="?", status="damaged", detail=exc.reason, passed=0, failed=0)
        return row
    a = res.attrs
    c = res.group("checks")
    n_fail = int(np.sum(~c["passed"].astype(bool))) if "passed" in c else 0
    n_all = len(c["passed"]) if "passed" in c else 0
    row.update(
        experiment=str(a.get("experiment", "?")),
        status="pass" if n_fail == 0 else "FAIL",
        detail="smoke" if bool(a.get("smoke", False)) else "",
        passed=n_all - n_fail,
        failed=n_fail,
        seed=a.get("seed", ""),
        started=str(a.get("started", "")),
        commit=str(a.get("git_commit", "")),
    )
    return row


def entries(root: Path) -> list[dict]:
    """Every result file ``NAME.h5`` under ``root``, newest first, as one row each.

    Parameters
    ----------
    root : Path
        A results folder.

    Returns
    -------
    list of dict
        ``folder``, ``h5``, ``report``, ``figures``, ``mtime``, ``experiment``, ``status``
        (``pass``, ``FAIL`` or ``damaged``), ``detail``, ``passed``, ``failed`` and, for a
        readable file, ``seed``, ``started``, ``commit``.
    """
    root = Path(root)
    # A run writes NAME.h5; sweep points and sweep indexes have their own index (index.h5).
    files = [p for p in root.rglob("*.h5") if p.is_file() and p.stem in EXPERIMENTS]
    rows = [_entry(p, root) for p in files]
    rows.sort(key=lambda r: (-r["mtime"], r["folder"]))
    return rows


def _markdown(rows: list[dict], root: Path, notes: list[str]) -> str:
    n_pass = sum(r["status"] == "pass" for r in rows)
    lines = [
        f"# limsim results: {root.name or root}",
        "",
        *[f"**{n}**\n" for n in notes],
        f"{len(rows)} result files, {n_pass} with every check passing. Newest first; each report"
        " holds the figures and the table of physics checks. Redraw any of them from its file"
        " with `limsim plot FILE.h5`.",
        "",
        "| experiment | run | started | checks | status | report | file |",
        "|---|---|---|---:|---|---|---|",
    ]
    for r in rows:
        report = (f"[report]({r['report_html']}) ([md]({r['report']}))" if r["report_html"]
                  else f"[report]({r['report']})" if r["report"] else "-")
        status = r["status"] + (f" ({r['detail']})" if r["detail"] else "")
        lines.append(
            f"| {r['experiment']} | `{r['folder']}` | {r.get('started', '')} |"
            f" {r['passed']}/{r['passed'] + r['failed']} | {status} | {report} |"
            f" [{Path(r['h5']).name}]({r['h5']}) |"
        )
    return "\n".join(lines) + "\n"


def _html(rows: list[dict], root: Path, notes: list[str]) -> str:
    e = html.escape
    body = []
    for r in rows:
        if r["report_html"]:
            report = f'<a href="{e(r["report_html"])}">report</a>'
        elif r["report"]:
            report = f'<a href="{e(r["report"])}">report.md</a>'
        else:
            report = "-"
        figs = " ".join(
            f'<a href="{e(f)}"><img src="{e(f)}" alt="{e(Path(f).stem)}" height="90"></a>'
            for f in r["figures"]
        )
        cls = "pass" if r["status"] == "pass" else "fail"
        status = e(r["status"] + (f" ({r['detail']})" if r["detail"] else ""))
        body.append(
            f"<tr><td>{e(r['experiment'])}</td><td><code>{e(r['folder'])}</code></td>"
            f"<td>{e(r.get('started', ''))}</td>"
            f"<td>{r['passed']}/{r['passed'] + r['failed']}</td>"
            f'<td class="{cls}">{status}</td><td>{report}</td>'
            f'<td><a href="{e(r["h5"])}">{e(Path(r["h5"]).name)}</a></td><td>{figs}</td></tr>'
        )
    return (
        "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>limsim results: {e(root.name or str(root))}</title>"
        "<style>body{font-family:sans-serif}td,th{padding:4px 8px;border-bottom:1px solid #ddd;"
        "vertical-align:top}.pass{color:#060}.fail{color:#a00;font-weight:bold}</style>"
        f"</head><body><h1>limsim results: {e(root.name or str(root))}</h1>"
        + "".join(f'<p class="fail">{e(n)}</p>' for n in notes)
        + f"<p>{len(rows)} result files, {sum(r['status'] == 'pass' for r in rows)} with every"
        " check passing.</p>"
        "<table><tr><th>experiment</th><th>run</th><th>started</th><th>checks</th>"
        "<th>status</th><th>report</th><th>file</th><th>figures</th></tr>\n"
        + "\n".join(body) + "\n</table></body></html>\n"
    )


def write_index(root: Path, incomplete: str | None = None) -> Path:
    """Write ``root/index.md`` and ``root/index.html`` (atomically) listing ``entries(root)``,
    and any temporary files killed writes left there (``simcore.io.leftover_temporaries``).

    Parameters
    ----------
    root : Path
        A results folder (created if missing).
    incomplete : str, optional
        Said first, in bold: what an interrupted suite did not finish.

    Returns
    -------
    Path
        The Markdown index.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rows = entries(root)
    notes = [incomplete] if incomplete else []
    notes += [f"{p.relative_to(root).as_posix()} is left over from a write that was killed; it is"
              " no result and may be deleted." for p in io.leftover_temporaries(root)]
    io.write_text_atomic(root / f"{INDEX}.html", _html(rows, root, notes))
    md = root / f"{INDEX}.md"
    io.write_text_atomic(md, _markdown(rows, root, notes))
    return md

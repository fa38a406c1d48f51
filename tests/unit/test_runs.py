"""Runs that never lose a result (issue 16): a full --out is refused, default folders are unique,
an interrupt after the result file says what was left, an interrupted suite's index says it is
incomplete, leftovers of killed writes are listed, extreme inputs are refused, and errors are one
line instead of a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest

from harness import runner, suite
from harness.cli import main
from harness.interrupt import Interrupted
from simcore import io

REPO = Path(__file__).resolve().parents[2]


def _run(args, capsys):
    rc = main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def _one_line_error(err: str, named: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("limsim: error:"), err
    assert named in lines[0]
    assert "Traceback" not in err


# ------------------------------------------------------------------ --out and default folders
@pytest.mark.parametrize("command", ["run", "suite"])
def test_non_empty_out_is_refused_unless_overwrite(command, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "landauer_erasure.h5").write_bytes(b"earlier result")
    args = [command, "retention", "--smoke", "--quiet", "--out", str(out)]
    rc, stdout, err = _run(args, capsys)
    assert rc == 2
    _one_line_error(err, "--out")
    assert "--overwrite" in err
    assert stdout == ""  # refused before anything ran
    assert sorted(p.name for p in out.iterdir()) == ["landauer_erasure.h5"]
    assert (out / "landauer_erasure.h5").read_bytes() == b"earlier result"
    assert runner.check_out_folder(out, overwrite=True) == out
    assert runner.check_out_folder(tmp_path / "new") == tmp_path / "new"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.check_out_folder(empty) == empty


def test_default_folders_are_unique_within_one_second(tmp_path):
    got: list[Path] = []

    def claim():
        got.append(runner.default_out("retention", tmp_path / "results"))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got += [runner.default_out("retention", tmp_path / "results") for _ in range(3)]
    assert len(set(got)) == len(got) == 11
    assert all(p.is_dir() and not any(p.iterdir()) for p in got)  # each claimed, empty


def test_suite_default_folder_is_claimed(tmp_path, monkeypatch):
    monkeypatch.setattr(suite, "RESULTS", tmp_path / "results")
    a, b = suite.default_out(), suite.default_out()
    assert a != b and a.is_dir() and b.is_dir()


# ------------------------------------------------------------------ interrupts
def test_interrupt_while_drawing_says_what_was_left(tmp_path, monkeypatch, capsys):
    def simulate(exp, cfg, h5, **kw):
        h5.parent.mkdir(parents=True, exist_ok=True)
        h5.write_bytes(b"complete")
        return [], "summary"

    def redraw(h5, out):
        raise Interrupted(signal.SIGINT)

    monkeypatch.setattr(runner, "simulate", simulate)
    monkeypatch.setattr(runner, "redraw", redraw)
    out = tmp_path / "o"
    rc, _, err = _run(["run", "retention", "--smoke", "--quiet", "--out", str(out)], capsys)
    assert rc == 130
    assert "no partial result file" not in err
    assert "retention.h5 is complete" in err and "limsim plot" in err
    assert not (out / runner.REPORT).exists()


def test_interrupt_before_the_file_says_nothing_was_left(tmp_path, monkeypatch, capsys):
    def simulate(exp, cfg, h5, **kw):
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(runner, "simulate", simulate)
    rc, _, err = _run(["run", "retention", "--smoke", "--quiet", "--out",
                       str(tmp_path / "o")], capsys)
    assert rc == 143 and "no partial result file was left" in err


def test_interrupted_suite_index_says_incomplete(tmp_path, monkeypatch, capsys):
    calls = []

    def run(exp, cfg, out, **kw):
        calls.append(exp.name)
        if len(calls) == 2:
            raise Interrupted(signal.SIGINT)
        return [], out / f"{exp.name}.h5"

    monkeypatch.setattr(runner, "run", run)
    out = tmp_path / "suite"
    rc, _, err = _run(["suite", "retention", "consolidation_wall", "update_wall", "--smoke",
                       "--quiet", "--out", str(out)], capsys)
    assert rc == 130 and calls == ["retention", "consolidation_wall"]
    assert "suite is incomplete" in err
    for page in ("index.md", "index.html"):
        text = (out / page).read_text()
        assert "INCOMPLETE" in text, page
        assert "consolidation_wall, update_wall" in text
        assert "1 of 3 experiments ran" in text


def test_leftover_temporary_files_are_listed(tmp_path, monkeypatch, capsys):
    old = tmp_path / "results" / "retention-old"
    old.mkdir(parents=True)
    tmp = old / f".retention.h5.0123456789ab{io.TEMP_SUFFIX}"
    tmp.write_bytes(b"killed half way")
    (old / "notes.tmp").write_text("not ours")  # not hidden: not a write of atomic_path
    assert io.leftover_temporaries(tmp_path / "results") == [tmp]
    assert io.leftover_temporaries(tmp_path / "missing") == []
    md = suite.write_index(tmp_path / "results")
    assert "retention-old/.retention.h5.0123456789ab.tmp is left over" in md.read_text()
    assert ".retention.h5.0123456789ab.tmp" in (tmp_path / "results" / "index.html").read_text()
    # the next run names it on stderr before it starts
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(runner, "run", lambda *a, **k: (_ for _ in ()).throw(
        Interrupted(signal.SIGINT)))
    _, _, err = _run(["run", "retention", "--smoke", "--quiet"], capsys)
    assert f"{Path('results') / 'retention-old' / tmp.name} is left over" in err


# ------------------------------------------------------------------ extreme inputs
@pytest.mark.parametrize(
    ("key", "value"),
    [("temperature", "1e-300"), ("temperature", "1e-5"), ("temperature", "1e7"),
     ("attempt_frequency", "1e300"), ("attempt_frequency", "1e-30"),
     ("retention_years", "1e-200")],
)
def test_extreme_physical_inputs_are_refused(key, value, tmp_path, capsys):
    rc, _, err = _run(["run", "retention", "--smoke", "--quiet", "--set", f"{key}={value}",
                       "--out", str(tmp_path / "o")], capsys)
    assert rc == 2
    _one_line_error(err, key)
    assert not (tmp_path / "o").exists()


def test_temperatures_in_range_give_sound_arithmetic():
    import simcore as sc
    from experiments.config import TEMPERATURE_RANGE

    for t in TEMPERATURE_RANGE:
        kt = sc.kT(t)
        assert kt == pytest.approx(1.380649e-23 * t, rel=1e-15)
        assert abs(kt) > 2.2250738585072014e-308 * 1e200  # far from subnormal, even / 1e200


def test_bounds_refuses_subnormal_temperature_and_is_right_at_the_edge(capsys):
    rc, _, err = _run(["bounds", "--temperature", "1e-300"], capsys)
    assert rc == 2
    _one_line_error(err, "--temperature")
    rc, _, err = _run(["bounds", "--attempt-frequency", "1e300"], capsys)
    assert rc == 2
    _one_line_error(err, "--attempt-frequency")
    rc, out, _ = _run(["bounds", "--temperature", "1e-3"], capsys)
    assert rc == 0
    landauer = next(x for x in out.splitlines() if "landauer_erasure" in x and "P = 1 " in x)
    assert "0.6931" in landauer  # ln 2 kT


# ------------------------------------------------------------------ one-line errors
def test_list_into_a_closed_pipe_is_quiet():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(f"'{sys.executable}' -m experiments list | head -1", shell=True,
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_config_file_with_invalid_utf8(tmp_path, capsys):
    bad = tmp_path / "c.toml"
    bad.write_bytes(b'kinetics = "\xff\xfe"\n')
    rc, _, err = _run(["run", "retention", "--config", str(bad), "--out", str(tmp_path / "o")],
                      capsys)
    assert rc == 2
    _one_line_error(err, "--config")
    assert "UTF-8" in err


SWEEP = """
experiment = "retention"
seed = 1
[base]
n_cells = 1000
[[axes]]
kind = "grid"
values.array_barrier = [12.0, 14.0]
"""


def test_sweep_out_that_cannot_be_written_is_one_line(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP)
    from harness.sweep import schedule

    def no_lock(root):
        raise PermissionError(13, "Permission denied", str(root / ".lock"))

    monkeypatch.setattr(schedule, "directory_lock", no_lock)
    rc, _, err = _run(["sweep", str(spec), "--quiet", "--out", str(tmp_path / "out")], capsys)
    assert rc == 2
    _one_line_error(err, "Permission denied")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_sweep_out_read_only_folder(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        rc, _, err = _run(["sweep", str(spec), "--quiet", "--out", str(ro)], capsys)
    finally:
        ro.chmod(0o755)
    assert rc == 2
    _one_line_error(err, "not writable")


def test_unreachable_scheduler_fails_fast_in_one_line(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "experiments", "sweep", str(spec), "--quiet",
                           "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "--scheduler" in done.stderr and "tcp://127.0.0.1:1" in done.stderr
    # Fails fast by construction, not by a wall-clock assertion (machines and loads differ):
    # the connection gave up after the sweep's own timeout, which the message names, and that
    # timeout is well below the old default's 30 s wait.
    from harness.sweep.schedule import CONNECT_TIMEOUT_S

    assert CONNECT_TIMEOUT_S <= 10
    assert f"within {CONNECT_TIMEOUT_S:g} s" in done.stderr, done.stderr


# ------------------------------------------------------------------ output a person can read
def test_progress_lines_without_a_terminal():
    from harness.progress import progress_lines

    got: list[str] = []
    with progress_lines("retention", every=0.05, echo=got.append):
        time.sleep(0.3)
    assert got[0] == "retention: started"
    assert any(x.startswith("retention: running, ") for x in got[1:-1])
    assert got[-1].startswith("retention: finished in ")
    assert not any("\r" in x for x in got)
    got.clear()
    with pytest.raises(KeyboardInterrupt), progress_lines("x", echo=got.append):
        raise KeyboardInterrupt
    assert got[-1].startswith("x: stopped after ")
    got.clear()
    with progress_lines("x", enabled=False, echo=got.append):
        pass
    assert got == []


def test_run_without_a_terminal_prints_progress_lines(tmp_path, monkeypatch, capsys):
    def simulate(exp, cfg, h5, **kw):
        return [], "summary"

    monkeypatch.setattr(runner, "simulate", simulate)
    monkeypatch.setattr(runner, "redraw", lambda h5, out: [])
    rc, _, err = _run(["run", "retention", "--smoke", "--out", str(tmp_path / "o")], capsys)
    assert rc == 0
    assert "retention: started" in err and "retention: finished in" in err
    assert "\r" not in err


def test_run_name_help_lists_config_keys(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "--help"])  # no name: argparse's help only
    assert stop.value.code == 0
    assert "config keys" not in capsys.readouterr().out
    rc, out, _ = _run(["run", "retention", "--help"], capsys)
    assert rc == 0
    assert "--overwrite" in out and "config keys" in out
    line = next(x for x in out.splitlines() if x.strip().startswith("temperature "))
    assert " K " in line and "bath temperature" in line and ">= 0.001" in line
    barriers = next(x for x in out.splitlines() if x.strip().startswith("barriers "))
    assert "kT" in barriers and "<= 60" in barriers


def test_pyproject_license_is_an_spdx_string():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert meta["project"]["license"] == "MIT"  # a table is deprecated by setuptools >= 77
    (req,) = [r for r in meta["build-system"]["requires"] if r.startswith("setuptools")]
    assert req.replace(" ", "") == "setuptools>=77"  # the first that takes an SPDX string


def test_per_array_bars_count_whole_steps_and_leave_no_trace():
    import io as io_module

    from simcore.engine import progress_bar

    class Terminal(io_module.StringIO):
        def isatty(self):
            return True

    bar = progress_bar(True, 1500, 10**6, stream=Terminal())
    assert bar.leave is False and not bar.unit_scale
    bar.close()


def test_enormous_run_gets_its_cost_up_front_and_is_refused(tmp_path, capsys, monkeypatch):
    from harness import cost
    from harness.registry import experiment

    exp = experiment("landauer_erasure")
    smoke = runner.resolve_config(exp, smoke=True)
    # smoke: durations 1e-7, 3e-7, 1e-6, 3e-6 s, 400 steps at least, max_dt 2e-9 s
    assert exp.cost_estimate(smoke) == 20_000 * (400 + 400 + 500 + 1500)
    big = runner.resolve_config(exp, sets=["steps_per_duration=10000000"])
    assert exp.cost_estimate(big) == pytest.approx(1e5 * 7e7)
    rc, stdout, err = _run(["run", "landauer_erasure", "--set", "steps_per_duration=10000000",
                            "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and stdout == ""
    _one_line_error(err, "cell-steps")
    assert "--force" in err and "roughly" in err
    assert not (tmp_path / "o").exists()
    # a run that is allowed says its cost in one line before it starts
    monkeypatch.setattr(runner, "run", lambda *a, **k: (_ for _ in ()).throw(
        Interrupted(signal.SIGINT)))
    _, _, err = _run(["run", "landauer_erasure", "--smoke", "--out", str(tmp_path / "p")],
                     capsys)
    assert "landauer_erasure: about 5.6e+07 cell-steps, roughly" in err
    # --force lets the enormous one through to the runner
    _, _, err = _run(["run", "landauer_erasure", "--set", "steps_per_duration=10000000",
                      "--force", "--out", str(tmp_path / "q")], capsys)
    assert "7e+12 cell-steps" in err and "interrupted" in err
    assert cost.format_seconds(30) == "30 s" and cost.format_seconds(3 * 86400) == "3.0 days"

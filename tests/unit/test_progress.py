"""Progress a person can read (issue 16): in a terminal, tqdm bars that count whole tasks and
steps and leave the screen when done; in a log (a stream that is not a terminal), one plain line
per finished task of an experiment and no array bars, never a carriage return."""

from __future__ import annotations

import io
import re

import numpy as np

import simcore as sc
from experiments.common import TaskLines, bar
from harness.cli import main
from simcore.engine import _NoBar, progress_bar


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self):
        return True


def test_outer_progress_in_a_log_is_one_line_per_task():
    log = io.StringIO()
    b = bar(3, "retention", True, stream=log)
    assert isinstance(b, TaskLines)
    for _ in range(3):
        b.update()
    b.close()
    lines = log.getvalue().splitlines()
    assert [re.sub(r", \d+ s$", "", x) for x in lines] == [
        f"retention: task {k}/3 done" for k in (1, 2, 3)]
    assert "\r" not in log.getvalue()


def test_outer_progress_in_a_terminal_is_a_bar_that_leaves_the_screen():
    term = Terminal()
    b = bar(4, "retention", True, stream=term)
    assert not isinstance(b, TaskLines)
    assert b.leave is False and not b.unit_scale and b.unit == "task"
    b.update()
    b.close()
    assert "retention" in term.getvalue()


def test_no_progress_unless_enabled():
    for stream in (io.StringIO(), Terminal()):
        b = bar(2, "x", False, stream=stream)
        b.update()
        b.close()
        assert stream.getvalue() == ""
        assert isinstance(progress_bar(False, 10, 5, stream=stream), _NoBar)


def test_array_bars_only_in_a_terminal(capsys):
    log = io.StringIO()
    assert isinstance(progress_bar(True, 10, 5, stream=log), _NoBar)
    term = Terminal()
    b = progress_bar(True, 10, 5, stream=term)
    assert b.leave is False and not b.unit_scale and b.total == 10
    b.close()
    # a run with progress on writes no bar into a log (stderr is not a terminal under pytest)
    arr = sc.MemoryArray(100, seed=1)
    kt = sc.kT(300.0)
    p = sc.Protocol([0.0, 1e-9], np.array([[0.0, 0.0], [0.0, kt]]),
                    np.array([[10 * kt], [10 * kt]]), ["update"])
    capsys.readouterr()
    arr.run(p, 1e-10, progress=True)
    assert capsys.readouterr().err == ""


def test_run_into_a_log_says_each_task(tmp_path, capsys):
    rc = main(["run", "brain_scale", "--smoke", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "brain_scale: started" in err and "brain_scale: finished in" in err
    tasks = [x for x in err.splitlines() if re.fullmatch(r"brain_scale: task \d+/2 done, \d+ s", x)]
    assert len(tasks) == 2, err
    assert "\r" not in err
    quiet = main(["run", "brain_scale", "--smoke", "--quiet", "--out", str(tmp_path / "q")])
    assert quiet == 0
    assert "task" not in capsys.readouterr().err

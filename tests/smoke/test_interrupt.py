"""Ctrl-C and SIGTERM of ``limsim run`` and ``limsim suite``: exit 128 + signal, completed files
intact, no partial file anywhere, and a rerun completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simcore import io

REPO = Path(__file__).resolve().parents[2]


def _start(args, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "experiments", *args, "--quiet"], cwd=cwd,
                            env=env, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def _stop(child, signum, group):
    if group:  # what a terminal does on Ctrl-C
        os.killpg(child.pid, signum)
    else:
        os.kill(child.pid, signum)
    try:
        return child.communicate(timeout=120)[0].decode()
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _threads(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(next(x.split()[1] for x in status.splitlines() if x.startswith("Threads:")))


def _no_partial_files(root: Path) -> list[Path]:
    left = [p for p in root.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert not left, left
    h5 = sorted(root.rglob("*.h5"))
    for p in h5:
        io.read(p)  # complete and intact, or this raises
    return h5


@pytest.mark.parametrize(("signum", "group"), [(signal.SIGINT, True), (signal.SIGTERM, False)],
                         ids=["ctrl-c", "sigterm"])
def test_interrupted_suite_keeps_completed_runs_and_reruns(tmp_path, signum, group):
    out = tmp_path / "suite"
    names = ["retention", "consolidation_wall", "landauer_erasure"]
    child = _start(["suite", *names, "--smoke", "--out", str(out)], tmp_path)
    deadline = time.monotonic() + 180
    first = out / "retention" / "report.md"
    while not first.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child.poll() is None, child.communicate()[0].decode()
    output = _stop(child, signum, group)
    assert child.returncode == 128 + signum, output
    assert "interrupted" in output and "Traceback" not in output
    done = _no_partial_files(out)
    assert out / "retention" / "retention.h5" in done
    assert "INCOMPLETE" in (out / "index.md").read_text()
    again = _start(["suite", *names, "--smoke", "--out", str(out)], tmp_path)
    output = again.communicate(timeout=300)[0].decode()
    assert again.returncode == 2 and "--overwrite" in output, output  # never silently mixed
    rerun = _start(["suite", *names, "--smoke", "--out", str(out), "--overwrite"], tmp_path)
    output = rerun.communicate(timeout=300)[0].decode()
    assert rerun.returncode == 0, output
    assert len(_no_partial_files(out)) == 3


@pytest.mark.parametrize(("signum", "group"), [(signal.SIGINT, True), (signal.SIGTERM, False)],
                         ids=["ctrl-c", "sigterm"])
def test_interrupted_run_leaves_nothing(tmp_path, signum, group):
    out = tmp_path / "run"
    # 2e6 cells: the run takes minutes, so the signal lands in the simulation.
    child = _start(["run", "landauer_erasure", "--set", "n_cells=2000000", "--out", str(out)],
                   tmp_path)
    # Wait until the simulation runs: Numba's worker threads exist (Linux), or 20 s have passed.
    deadline = time.monotonic() + 20
    while child.poll() is None and time.monotonic() < deadline and _threads(child.pid) < 2:
        time.sleep(0.05)
    time.sleep(1.0)
    assert child.poll() is None, child.communicate()[0].decode()
    output = _stop(child, signum, group)
    assert child.returncode == 128 + signum, output
    assert "interrupted" in output and "Traceback" not in output
    assert not out.exists() or not _no_partial_files(out)


_FINALISER_SCRIPT = """
import os, signal, sys, threading, time
from harness.interrupt import interrupt_guard

class Slow:
    def __del__(self):
        time.sleep(2.0)

with interrupt_guard():
    t0 = time.monotonic()
    try:
        threading.Timer(0.3, os.kill, (os.getpid(), SIGNUM)).start()
        Slow()  # dropped at once: its finaliser runs when the signal arrives
        while time.monotonic() - t0 < 30:
            time.sleep(0.01)
        print("not interrupted")
    except KeyboardInterrupt as exc:
        print("interrupted", exc.signum, round(time.monotonic() - t0, 2))
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_signal_inside_a_finaliser_still_stops_promptly(signum):
    """A signal that lands while a finaliser runs: Python drops the exception raised there; the
    guard delivers the signal again, so the work stops within a second and nothing is printed
    as "Exception ignored"."""
    code = _FINALISER_SCRIPT.replace("SIGNUM", str(int(signum)))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.stderr == "", out.stderr
    word, got, seconds = out.stdout.split()
    assert word == "interrupted" and int(got) == signum
    assert float(seconds) < 1.5, out.stdout  # the finaliser alone would take 2 s, the loop 30

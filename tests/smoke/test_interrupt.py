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
    rerun = _start(["suite", *names, "--smoke", "--out", str(out)], tmp_path)
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

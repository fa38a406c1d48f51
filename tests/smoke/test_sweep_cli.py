"""`limsim sweep` end to end on an embedded cluster: runs, writes the index, resumes."""

import subprocess
import sys

from harness.sweep import load_index

SPEC = """
experiment = "landauer_erasure"
seed = 1

[base]
n_cells = 2000
durations = [1e-8, 1e-7, 3e-7]
steps_per_duration = 100

[[axes]]
kind = "grid"
values.tilt = [6.0, 10.0]
"""


def _limsim(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "experiments", *args], cwd=cwd, capture_output=True, text=True,
        timeout=300,
    )


def test_sweep_runs_and_resumes(tmp_path):
    (tmp_path / "s.toml").write_text(SPEC)
    first = _limsim("sweep", "s.toml", "--workers", "1", "--quiet", "--out", "out", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    index = load_index(tmp_path / "out")
    assert index.count("ok") == 2
    assert list(index.columns()["tilt"]) == [6.0, 10.0]
    again = _limsim("sweep", "s.toml", "--workers", "1", "--quiet", "--out", "out", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert load_index(tmp_path / "out") == index
    # results are keyed by the checks' stable keys, never by labels that hold values
    assert "success_vs_master_0" in index.results
    assert not [k for k in index.results if "e_0" in k or "_s_" in k], sorted(index.results)
    # limsim plot draws any result against any axis of the sweep, with units from the checks
    plot = _limsim("plot", "out", "--x", "tilt", "--y", "checks_passed", "--y",
                   "success_vs_master_0", cwd=tmp_path)
    assert plot.returncode == 0, plot.stderr[-2000:]
    pngs = sorted(p.name for p in (tmp_path / "out" / "plots").glob("*.png"))
    assert pngs == ["sweep_checks_passed_vs_tilt.png",
                    "sweep_success_vs_master_0_vs_tilt.png"], plot.stdout
    everything = _limsim("plot", "out/index.h5", "--out", "all", cwd=tmp_path)
    assert everything.returncode == 0, everything.stderr[-2000:]
    assert len(list((tmp_path / "all").glob("*.pdf"))) == len(index.results)
    bad = _limsim("plot", "out", "--x", "no_axis", cwd=tmp_path)
    assert bad.returncode == 2 and "--x" in bad.stderr and "tilt" in bad.stderr


def test_sweep_bad_spec_exits_2(tmp_path):
    (tmp_path / "s.toml").write_text(SPEC.replace("landauer_erasure", "no_such_experiment"))
    res = _limsim("sweep", "s.toml", "--quiet", "--out", "out", cwd=tmp_path)
    assert res.returncode == 2
    assert "no_such_experiment" in res.stderr
    assert not (tmp_path / "out").exists()


def test_sweep_without_a_terminal_prints_lines_and_an_interrupt_says_so(tmp_path):
    import os
    import signal
    import time

    (tmp_path / "s.toml").write_text(SPEC.replace("n_cells = 2000", "n_cells = 200000")
                                     .replace("[6.0, 10.0]", "[6.0, 8.0, 10.0, 12.0]"))
    child = subprocess.Popen([sys.executable, "-m", "experiments", "sweep", "s.toml",
                              "--workers", "1", "--out", "out"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while (child.poll() is None and time.monotonic() < deadline
               and not list((tmp_path / "out" / "records").glob("*"))):
            time.sleep(0.1)
        assert child.poll() is None, child.communicate()
        os.killpg(child.pid, signal.SIGINT)  # Ctrl-C in a terminal
        _, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == 130, stderr
    assert "\r" not in stderr  # no progress bar in a log
    assert "sweep: point " in stderr and " finished, 0 failed)" in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("limsim: interrupted (SIGINT)") and "resume" in last, stderr
    assert "Traceback" not in stderr

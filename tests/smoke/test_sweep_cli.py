"""`limsim sweep` end to end on an embedded cluster: runs, writes the index, resumes."""

import subprocess
import sys

from simcore.sweep import load_index

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


def test_sweep_bad_spec_exits_2(tmp_path):
    (tmp_path / "s.toml").write_text(SPEC.replace("landauer_erasure", "no_such_experiment"))
    res = _limsim("sweep", "s.toml", "--quiet", "--out", "out", cwd=tmp_path)
    assert res.returncode == 2
    assert "no_such_experiment" in res.stderr
    assert not (tmp_path / "out").exists()

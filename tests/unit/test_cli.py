"""The limsim command line: exit status, one-line errors naming the parameter, nothing written
on bad input, plot of damaged files, bounds table."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.cli import main


def _run(args, capsys):
    rc = main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_list(capsys):
    rc, out, _ = _run(["list"], capsys)
    assert rc == 0
    assert "landauer_erasure" in out


def test_python_dash_m_is_the_same_program():
    done = subprocess.run([sys.executable, "-m", "experiments", "list"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "landauer_erasure" in done.stdout


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["run", "no_such_experiment"], "NAME"),
        (["run", "landauer_erasure", "--set", "n_cells=abc"], "n_cells"),
        (["run", "landauer_erasure", "--set", "n_cells=-5"], "n_cells"),
        (["run", "landauer_erasure", "--set", "n_cells=2.5"], "n_cells"),
        (["run", "landauer_erasure", "--set", "temperature=0"], "temperature"),
        (["run", "landauer_erasure", "--set", "temperature=nan"], "temperature"),
        (["run", "landauer_erasure", "--set", "kinetics=fermi"], "kinetics"),
        (["run", "landauer_erasure", "--set", "durations=1e-8,-1"], "durations"),
        (["run", "landauer_erasure", "--set", "no_such_key=1"], "no_such_key"),
        (["run", "landauer_erasure", "--set", "novalue"], "--set"),
        (["run", "landauer_erasure", "--set", "low_barrier=50"], "low_barrier"),
        (["run", "landauer_erasure", "--config", "missing.toml"], "--config"),
    ],
)
def test_bad_input_exit_2_and_nothing_written(args, named, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    rc, _stdout, err = _run([*args, "--quiet", "--out", str(out)], capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("limsim: error:")
    assert named in lines[0]
    assert list(tmp_path.iterdir()) == [], "bad input must write nothing"


def test_bad_toml_config(tmp_path, capsys):
    bad = tmp_path / "c.toml"
    bad.write_text("n_cells = [\n")
    rc, _, err = _run(["run", "landauer_erasure", "--config", str(bad), "--out",
                       str(tmp_path / "o")], capsys)
    assert rc == 2 and "--config" in err
    bad.write_text('n_cells = "many"\n')
    rc, _, err = _run(["run", "landauer_erasure", "--config", str(bad), "--out",
                       str(tmp_path / "o")], capsys)
    assert rc == 2 and "n_cells" in err
    assert not (tmp_path / "o").exists()


def test_unwritable_output_reported_before_running(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc, stdout, err = _run(["run", "landauer_erasure", "--smoke", "--quiet", "--out",
                            str(blocker / "sub")], capsys)
    assert rc == 2 and "output folder" in err
    assert stdout == ""  # nothing simulated


def test_config_file_set_and_seed_and_show_config(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("n_cells = 1234\ndurations = [1e-8, 1e-7, 1e-6]\n")
    rc, out, _ = _run(["run", "landauer_erasure", "--config", str(cfg), "--set",
                       "tilt=8", "--seed", "9", "--show-config"], capsys)
    assert rc == 0
    assert "n_cells = 1234" in out and "tilt = 8.0" in out and "seed = 9" in out
    assert "durations = [1e-08, 1e-07, 1e-06]" in out


def test_failed_check_gives_exit_1(tmp_path, capsys, monkeypatch):
    import dataclasses

    from experiments import landauer_erasure

    real = landauer_erasure.EXPERIMENT

    def failing(result):
        out = real.checks(result)
        out[0] = {**out[0], "passed": False}
        return out

    monkeypatch.setattr(landauer_erasure, "EXPERIMENT", dataclasses.replace(real, checks=failing))
    rc, out, _ = _run(["run", "landauer_erasure", "--smoke", "--quiet", "--out",
                       str(tmp_path / "o")], capsys)
    assert rc == 1 and "FAILED" in out
    assert "**FAIL**" in (tmp_path / "o" / "report.md").read_text()


def test_plot_damaged_file_exit_2(tmp_path, capsys):
    bad = tmp_path / "x.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    rc, _, err = _run(["plot", str(bad), "--out", str(tmp_path / "figs")], capsys)
    assert rc == 2 and "damaged or truncated" in err
    assert not (tmp_path / "figs").exists()
    rc, _, err = _run(["plot", str(tmp_path / "missing.h5")], capsys)
    assert rc == 2 and "no such file" in err


def test_bounds_table(capsys):
    rc, out, _ = _run(["bounds", "--temperature", "300", "--attempt-frequency", "1e9"], capsys)
    assert rc == 0
    assert "retention_barrier" in out and "landauer_erasure" in out
    assert "40.29" in out  # 10 years at 1 GHz, ε = 1 - 1/e
    rc, _, err = _run(["bounds", "--temperature", "-3"], capsys)
    assert rc == 2 and "temperature" in err

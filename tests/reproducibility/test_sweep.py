"""Sweeps on Dask give the same index whatever runs them: 1 or 2 workers, an embedded or a real
cluster, one go or interrupted and resumed, with a worker killed mid-sweep; failures are recorded
and retried; damaged files are detected, never half-read.

The points run ``toy_point``: a small erasure on ``simcore.MemoryArray`` that writes one HDF5
file the way the sweep's contract asks (temporary name, then ``os.replace``).
"""

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import simcore as sc
from devices import ideal
from harness.memory import MemoryRefused
from harness.sweep import DamagedFileError, SweepSpec, load_index, run_sweep
from simcore.errors import ParameterError

# No warning filter: Dask emits no Python warning here once every cluster puts its HTTP server on
# a free loopback port ("127.0.0.1:0"); on the default port 8787 a second cluster would warn that
# the port is taken, which pytest (warnings as errors) turns into a failed cluster start.

KT = sc.kT(300.0)
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

SPEC = {
    "experiment": "toy_erasure",
    "seed": 7,
    "base": {"n_cells": 2000},
    "axes": [
        {"kind": "grid", "values": {"barrier": [10.0, 14.0, 18.0]}},
        {"kind": "zip", "values": {"duration": [10e-9, 20e-9], "dt": [1e-10, 2e-10]}},
        {"kind": "random", "samples": 2, "values": {"tilt": {"low": 4.0, "high": 10.0}}},
    ],
}
N_POINTS = 12


def toy_point(point, seed, path):
    """One erasure of ``n_cells`` bits: lower, tilt, raise, untilt; the final state goes to an
    HDF5 file. Knobs for the tests: ``TOY_SLEEP`` (environment: seconds spent in the middle of
    writing the file, so that an interruption leaves a partial file behind), ``TOY_RUNNING_DIR``
    (environment: holds a marker ``PID-SEED`` while a point writes), ``fail_if`` (fail the
    points with barrier >= 14 while that file exists), ``mode`` (misbehave in one of several
    ways)."""
    flag = point.get("fail_if")
    if flag and point["barrier"] >= 14 and os.path.exists(flag):
        raise RuntimeError(f"asked to fail at barrier {point['barrier']}")
    mode = point.get("mode", "ok")
    if mode == "exit":
        sys.exit(3)
    erase = ideal.four_ramp(point["barrier"], 0.0, point["tilt"], point["duration"], "erase",
                            300.0)
    cells = sc.MemoryArray(point["n_cells"], seed=seed)
    run = cells.run(erase, point["dt"], initial=[0.5, 0.5])
    results = {
        "work_kT": run.work.mean / KT,
        "work_stderr_kT": run.work.stderr / KT,
        "p_zero": float(np.mean(cells.state == 0)),
    }
    if mode == "bad_result":
        return {"work_kT": "a lot"}
    if mode == "no_file":
        return results
    tmp = f"{path}.tmp-{os.getpid()}"
    if mode == "not_hdf5":
        Path(tmp).write_bytes(b"not an HDF5 file")
        os.replace(tmp, path)
        return results
    running = os.environ.get("TOY_RUNNING_DIR")
    marker = Path(running, f"{os.getpid()}-{seed}") if running else None
    if marker:
        marker.touch()
    with h5py.File(tmp, "w") as f:
        f.attrs["seed"] = seed
        f.create_dataset("state", data=cells.state, compression="gzip")
        f.flush()
        time.sleep(float(os.environ.get("TOY_SLEEP", "0")))
        for k, v in results.items():
            f.attrs[k] = v
    os.replace(tmp, path)
    if marker:
        marker.unlink()
    return results


def _spec(**base):
    d = {**SPEC, "base": {**SPEC["base"], **base}}
    return SweepSpec.from_dict(d)


@pytest.fixture(scope="module")
def cluster():
    """A 2-worker local cluster shared by the tests that only need some cluster (its address
    is passed as ``scheduler``, as for a remote one)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
    ) as c:
        yield c.scheduler_address


@pytest.fixture(scope="module")
def reference(cluster, tmp_path_factory):
    """The uninterrupted sweep of SPEC."""
    out = tmp_path_factory.mktemp("reference")
    idx = run_sweep(_spec(), toy_point, out, scheduler=cluster, progress=False)
    assert idx.complete and idx.count("ok") == N_POINTS
    return idx


def _same_files(a, b):
    """Same table, and point files with the same content. (Not the same bytes: HDF5 leaves
    some unused bytes of its metadata blocks uninitialised, so equal files may differ there.)"""
    assert a == b
    for i in np.flatnonzero(a.status == "ok"):
        with h5py.File(a.path(i)) as fa, h5py.File(b.path(i)) as fb:
            assert dict(fa.attrs) == dict(fb.attrs)
            np.testing.assert_array_equal(fa["state"][()], fb["state"][()])


def _no_partial_files(out):
    """Every file in points/ belongs to an ok point and matches its record; no temporary file
    anywhere in the sweep directory."""
    idx = load_index(out)
    ok = {str(f).split("/")[1] for f, s in zip(idx.file, idx.status, strict=True) if s == "ok"}
    assert {p.name for p in (out / "points").iterdir()} == ok
    idx.check_files()
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    return idx


def test_index_table_seeds_and_files(reference):
    idx = load_index(reference.directory)
    _same_files(idx, reference)
    spec = _spec()
    assert len(idx) == N_POINTS and list(idx.index) == list(range(N_POINTS))
    assert [int(s) for s in idx.seed] == [spec.seed_of(i) for i in range(N_POINTS)]
    points = spec.points()
    for key in ("barrier", "duration", "dt", "tilt"):
        np.testing.assert_array_equal(idx.axes[key], [p[key] for p in points])
    assert sorted(idx.results) == ["p_zero", "work_kT", "work_stderr_kT"]
    assert set(idx.status) == {"ok"} and set(idx.error) == {""}
    # each file holds its own point's seed; erasure costs work (Landauer: > ln 2 kT per bit)
    for i in range(N_POINTS):
        with h5py.File(idx.path(i)) as f:
            assert f.attrs["seed"] == idx.seed[i]
            assert f.attrs["work_kT"] == idx.results["work_kT"][i]
    assert np.all(idx.results["work_kT"] > 0.5)
    idx.check_files()


def test_one_and_two_embedded_workers_give_the_reference_index(reference, tmp_path, capsys):
    one = run_sweep(_spec(), toy_point, tmp_path / "one", workers=1, progress=False)
    assert capsys.readouterr().err == ""
    two = run_sweep(_spec(), toy_point, tmp_path / "two", workers=2)
    progress = capsys.readouterr().err
    assert f"{N_POINTS}/{N_POINTS}" in progress and "running=" in progress
    assert "failed=0" in progress
    _same_files(one, reference)
    _same_files(two, reference)


def test_rerun_of_a_finished_sweep_runs_nothing(cluster, reference, tmp_path):
    out = tmp_path / "s"
    shutil.copytree(reference.directory, out)
    stamps = {p: p.stat().st_mtime_ns for p in (out / "points").iterdir()}

    def must_not_run(point, seed, path):
        raise AssertionError("a finished point ran again")

    again = run_sweep(_spec(), must_not_run, out, scheduler=cluster, progress=False)
    _same_files(again, reference)
    assert {p: p.stat().st_mtime_ns for p in (out / "points").iterdir()} == stamps


def _records(out):
    d = out / "records"
    return len([p for p in d.iterdir() if p.suffix == ".json"]) if d.is_dir() else 0


_CHILD = """
import sys
sys.path[:0] = {paths!r}
from harness.interrupt import Interrupted
from harness.sweep import SweepSpec, run_sweep
from test_sweep import SPEC, toy_point
try:
    run_sweep(SweepSpec.from_dict(SPEC), toy_point, sys.argv[1], workers=2, progress=False)
except Interrupted as exc:
    sys.exit(128 + exc.signum)
except KeyboardInterrupt:
    sys.exit(128 + 2)
"""


@pytest.mark.parametrize(
    "signum,group",
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c-to-process-group", "sigterm-to-sweep"],
)
def test_interrupted_sweep_leaves_no_partial_file_and_resumes(
    cluster, reference, tmp_path, signum, group
):
    out = tmp_path / "s"
    env = dict(os.environ, TOY_SLEEP="0.4")
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(paths=[str(HERE), str(REPO)]), str(out)],
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while _records(out) < 2 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.poll() is None, child.communicate()[0].decode()
        if group:  # what a terminal does on Ctrl-C: the sweep and its workers all get SIGINT
            os.killpg(child.pid, signum)
        else:
            os.kill(child.pid, signum)
        output = child.communicate(timeout=60)[0].decode()
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == 128 + signum, output
    done = _no_partial_files(out)
    # Two points were recorded before the signal. One failed point (once seen in a full run on a
    # loaded 2-core machine, cause not caught) is retried by the resume below, which must still
    # give the reference files; its error goes to the test's captured output.
    errors = [e for e, s in zip(done.error, done.status, strict=True) if s == "failed"]
    if errors:
        print(f"points failed before the interrupt: {errors}", file=sys.stderr)
    recorded = done.count("ok") + done.count("failed")
    assert not done.complete and 2 <= recorded < N_POINTS and done.count("ok") >= 1, output
    finished = run_sweep(_spec(), toy_point, out, scheduler=cluster, progress=False)
    _same_files(finished, reference)
    _no_partial_files(out)


def test_failed_points_are_recorded_and_retried(cluster, tmp_path):
    flag = tmp_path / "fail"
    flag.touch()
    spec = _spec(fail_if=str(flag))
    out = tmp_path / "s"
    first = run_sweep(spec, toy_point, out, scheduler=cluster, progress=False)
    failing = first.axes["barrier"] >= 14
    assert first.complete and list(first.status == "failed") == list(failing)
    assert set(first.error[failing]) == {
        "RuntimeError: asked to fail at barrier 14.0",
        "RuntimeError: asked to fail at barrier 18.0",
    }
    assert np.all(np.isnan(first.results["work_kT"][failing]))
    assert np.all(np.isfinite(first.results["work_kT"][~failing]))
    _no_partial_files(out)
    flag.unlink()
    assert run_sweep(spec, toy_point, out, scheduler=cluster, progress=False) == first
    retried = run_sweep(spec, toy_point, out, scheduler=cluster, retry_failed=True, progress=False)
    clean = run_sweep(spec, toy_point, tmp_path / "clean", scheduler=cluster, progress=False)
    assert retried.count("ok") == N_POINTS
    _same_files(retried, clean)


def test_misbehaving_run_point_fails_its_point_with_a_clear_error(cluster, tmp_path):
    spec = _spec(mode="ok").to_dict()
    spec["base"].pop("mode")
    spec["axes"] = [
        {
            "kind": "grid",
            "values": {
                "mode": ["ok", "no_file", "bad_result", "not_hdf5", "exit"],
                "barrier": [10.0],
                "duration": [10e-9],
                "dt": [1e-10],
                "tilt": [8.0],
            },
        }
    ]
    idx = run_sweep(
        SweepSpec.from_dict(spec), toy_point, tmp_path, scheduler=cluster, progress=False
    )
    assert list(idx.status) == ["ok", "failed", "failed", "failed", "failed"]
    assert "did not write its file" in idx.error[1]
    assert "results are real numbers" in idx.error[2]
    assert "not a readable HDF5 file" in idx.error[3]
    assert idx.error[4] == "SystemExit: 3"
    assert sorted(p.name for p in (tmp_path / "points").iterdir()) == ["point-000000.h5"]


def _copy(reference, tmp_path):
    out = tmp_path / "s"
    shutil.copytree(reference.directory, out)
    return out


def test_truncated_index_is_detected_and_rebuilt(cluster, reference, tmp_path):
    out = _copy(reference, tmp_path)
    index = out / "index.h5"
    index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])
    with pytest.raises(DamagedFileError, match="damaged or truncated sweep index"):
        load_index(out)
    rebuilt = run_sweep(_spec(), toy_point, out, scheduler=cluster, progress=False)
    _same_files(rebuilt, reference)
    _same_files(load_index(out), reference)


def test_silently_changed_index_is_detected(reference, tmp_path):
    out = _copy(reference, tmp_path)
    with h5py.File(out / "index.h5", "r+") as f:
        f["results/work_kT"][3] = 1.0
    with pytest.raises(DamagedFileError, match="does not match its checksum"):
        load_index(out)
    (out / "index.h5").write_bytes(b"")
    with pytest.raises(DamagedFileError):
        load_index(out)
    (out / "index.h5").unlink()
    with pytest.raises(DamagedFileError, match="no sweep index"):
        load_index(out)


def test_damaged_point_file_is_detected_and_recomputed(cluster, reference, tmp_path):
    out = _copy(reference, tmp_path)
    victim = out / str(reference.file[5])
    victim.write_bytes(victim.read_bytes()[:-100])
    flipped = out / str(reference.file[6])
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0xFF
    flipped.write_bytes(bytes(data))
    with pytest.raises(DamagedFileError) as info:
        load_index(out).check_files()
    assert "point-000005.h5 (size" in str(info.value)
    assert "point-000006.h5 (content does not match" in str(info.value)
    (out / "records" / "point-000002.json").write_text('{"index": 2, "stat')
    for leftover in (
        "points/point-000003.h5.tmp-99",
        "records/.point-000001.json.0123456789ab.tmp",
        ".index.h5.0123456789ab.tmp",
        ".sweep.json.0123456789ab.tmp",
    ):  # writes cut short by a kill
        (out / leftover).write_bytes(b"partial")
    repaired = run_sweep(_spec(), toy_point, out, scheduler=cluster, progress=False)
    _same_files(repaired, reference)
    _no_partial_files(out)


def test_directory_holding_another_sweep_or_other_files_is_refused(cluster, reference, tmp_path):
    out = _copy(reference, tmp_path)
    with pytest.raises(ParameterError) as info:
        run_sweep(_spec(n_cells=3000), toy_point, out, scheduler=cluster, progress=False)
    assert info.value.name == "out_dir" and "fingerprint" in str(info.value)
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.tex").write_text("precious")
    with pytest.raises(ParameterError, match="a new or empty directory"):
        run_sweep(_spec(), toy_point, other, scheduler=cluster, progress=False)
    assert (other / "thesis.tex").read_text() == "precious"
    with open(out / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(ParameterError, match="no other running sweep"):
            run_sweep(_spec(), toy_point, out, scheduler=cluster, progress=False)


def test_memory_guard_refuses_up_front(cluster, tmp_path):
    out = tmp_path / "s"
    huge = lambda point: 2.0**60 if point["barrier"] == 18.0 else 1e6  # noqa: E731
    with pytest.raises(MemoryRefused, match=r"point 8 needs an estimated 1\.0 EiB"):
        run_sweep(_spec(), toy_point, out, memory_estimate=huge, progress=False)
    with pytest.raises(MemoryRefused, match="memory limit of a worker on the cluster"):
        run_sweep(_spec(), toy_point, out, scheduler=cluster, memory_estimate=huge, progress=False)

    def malformed(point):
        raise ParameterError("n_cells", point["n_cells"], "an integer in [1, 2**32]")

    with pytest.raises(ParameterError, match="n_cells"):
        run_sweep(_spec(), toy_point, out, memory_estimate=malformed, progress=False)
    assert not out.exists()


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ParameterError) as info:
        run_sweep(_spec(), toy_point, tmp_path, workers=0)
    assert info.value.name == "workers"
    with pytest.raises(ParameterError) as info:
        run_sweep(_spec(), toy_point, tmp_path, workers=2, scheduler="tcp://127.0.0.1:1")
    assert info.value.name == "workers"
    with pytest.raises(ParameterError) as info:
        run_sweep(SPEC, toy_point, tmp_path)
    assert info.value.name == "spec"
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ a real dask cluster


def _start(args, log, env):
    with open(log, "w") as f:
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            stdout=f,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_real_cluster_with_a_worker_killed_mid_sweep(reference, tmp_path):
    """`dask scheduler` and two `dask worker` processes on loopback; one worker is killed
    (SIGKILL) while it runs a point. Dask reschedules the point; the index is the reference."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(HERE), str(REPO), os.environ.get("PYTHONPATH", "")]),
        TOY_SLEEP="0.4",
        TOY_RUNNING_DIR=str(tmp_path / "running"),
        NUMBA_NUM_THREADS="1",
    )
    running = tmp_path / "running"
    running.mkdir()
    sched_file = tmp_path / "scheduler.json"
    procs = []
    try:
        procs.append(
            _start(
                [
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--dashboard-address",
                    "127.0.0.1:0",
                    "--scheduler-file",
                    str(sched_file),
                    "--idle-timeout",
                    "300",  # a scheduler left behind by a killed test run ends by itself
                ],
                tmp_path / "scheduler.log",
                env,
            )
        )
        for name in ("w1", "w2"):
            procs.append(
                _start(
                    [
                        "worker",
                        "--scheduler-file",
                        str(sched_file),
                        "--host",
                        "127.0.0.1",
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--name",
                        name,
                        "--local-directory",
                        str(tmp_path / name),
                        "--death-timeout",
                        "60",
                    ],
                    tmp_path / f"{name}.log",
                    env,
                )
            )
        from distributed import Client

        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = __import__("json").loads(sched_file.read_text())["address"]
        with Client(address, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
            assert address.startswith("tcp://127.0.0.1:")
            victim = procs[1]
            assert victim.pid in client.run(os.getpid).values()

        out = tmp_path / "s"
        killed = threading.Event()

        def victim_is_writing():
            return any(p.name.startswith(f"{victim.pid}-") for p in running.iterdir())

        def kill_when_busy():
            while not (_records(out) >= 3 and victim_is_writing()):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            victim.kill()
            killed.set()

        deadline = time.monotonic() + 120
        killer = threading.Thread(target=kill_when_busy, daemon=True)
        killer.start()
        idx = run_sweep(_spec(), toy_point, out, scheduler=address, progress=False)
        killer.join(timeout=5)
        assert killed.is_set() and victim.poll() is not None
        assert victim_is_writing()  # it died in the middle of a point, which ran again on w2
        assert _records(out) == N_POINTS
        _same_files(idx, reference)
        _no_partial_files(out)
    finally:
        for proc in reversed(procs):
            _stop(proc)
    assert all(proc.poll() is not None for proc in procs)

"""Running a sweep's points on Dask: an embedded local cluster, or an existing one by address.

Every unfinished point becomes one task (``execute``), which never raises: a failure comes back
as a failed ``Outcome``. The sweep process collects the outcomes as they finish, writes each
point's record, and rebuilds the index at the end, also when it is interrupted (SIGINT, SIGTERM:
``harness.interrupt``) or the cluster loses points (they stay ``pending``; a rerun resumes).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import h5py

from harness import memory
from harness.interrupt import ignore_sigint, interrupt_guard, raise_if_interrupted
from harness.sweep.directory import SweepDirectory, remove
from harness.sweep.index import DamagedFileError, SweepIndex, sha256
from harness.sweep.lock import directory_lock
from harness.sweep.records import Outcome, PointRecord, checked_results
from harness.sweep.spec import SweepSpec
from simcore.errors import ParameterError

log = logging.getLogger(__name__)

_POLL_S = 0.2
#: Seconds ``run_sweep`` waits for a scheduler given by address.
CONNECT_TIMEOUT_S = 5.0

RunPoint = Callable[[dict, int, str], Mapping[str, float]]


def run_sweep(
    spec: SweepSpec,
    run_point: RunPoint,
    out_dir: os.PathLike | str,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    memory_estimate: Callable[[dict], float] | None = None,
    lines: bool = False,
    connect_timeout: float = CONNECT_TIMEOUT_S,
) -> SweepIndex:
    """Run every unfinished point of ``spec`` on Dask and return the sweep's index.

    Parameters
    ----------
    spec : SweepSpec
        What to sweep.
    run_point : callable
        ``run_point(point, seed, path) -> dict[str, float]``, picklable; see ``harness.sweep``
        for its contract.
    out_dir : path-like
        The sweep directory (new, empty, or holding this same sweep), on a filesystem that the
        workers see at the same path.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); ``None`` starts an embedded
        local cluster of ``workers`` single-threaded processes.
    workers : int, optional
        Embedded cluster only: worker processes (default: one per core, fewer when
        ``memory_estimate`` says the points would not fit in memory together).
    retry_failed : bool
        Run the points recorded as failed again.
    progress : bool
        A progress bar on stderr (for a terminal: it redraws with carriage returns).
    lines : bool
        Instead of a bar, one plain line on stderr per finished point (for a log file).
    connect_timeout : float
        Seconds to wait for ``scheduler`` before giving up (one ``ParameterError``).
    memory_estimate : callable, optional
        ``memory_estimate(point) -> bytes``: refuse the sweep up front when a point needs more
        than the machine has available (embedded cluster) or than a worker's memory limit
        (existing cluster). It may raise ``ParameterError`` for a malformed config.

    Returns
    -------
    SweepIndex
        Every point's status and results; ``pending`` for the points lost by the cluster.

    Raises
    ------
    ParameterError
        For bad arguments, a scheduler that does not answer within ``connect_timeout``, a
        directory holding another sweep or other files or used by another
        sweep, a malformed point config.
    harness.memory.MemoryRefused
        When a point would not fit in memory (nothing has run).
    harness.interrupt.Interrupted
        On SIGINT or SIGTERM: the workers are stopped, partial files removed, the index written
        with the unfinished points ``pending``; a rerun resumes.

    Notes
    -----
    Points that raise are recorded as failed and the sweep goes on; a point that kills its
    worker again and again is recorded as failed.
    """
    if not isinstance(spec, SweepSpec):
        raise ParameterError("spec", spec, "a SweepSpec")
    if not callable(run_point):
        raise ParameterError("run_point", run_point, "a callable (point, seed, path) -> dict")
    if scheduler is not None and not (isinstance(scheduler, str) and scheduler):
        raise ParameterError("scheduler", scheduler, "a scheduler address like tcp://host:8786")
    if workers is not None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ParameterError("workers", workers, "an integer >= 1")
        if scheduler is not None:
            raise ParameterError(
                "workers",
                workers,
                "unset when a scheduler address is given (the cluster has its own workers)",
            )
    root = Path(out_dir).resolve()
    points = spec.points()

    client = None
    largest = 0.0
    if scheduler is None and memory_estimate is not None:
        largest = memory.check_points(
            points, memory_estimate, memory.available_memory(), where="available on this machine"
        )

    from distributed import Client

    try:
        if scheduler is not None:
            try:
                client = Client(scheduler, set_as_default=False, timeout=connect_timeout)
            except (OSError, TimeoutError) as exc:
                raise ParameterError(
                    "--scheduler", scheduler,
                    f"the address of a running Dask scheduler (none answered within"
                    f" {connect_timeout:g} s: {type(exc).__name__})",
                ) from None
            if memory_estimate is not None:
                limits = [
                    w["memory_limit"]
                    for w in client.scheduler_info()["workers"].values()
                    if w.get("memory_limit")
                ]
                if limits:
                    memory.check_points(
                        points,
                        memory_estimate,
                        min(limits),
                        where="memory limit of a worker on the cluster",
                    )
        with directory_lock(root), interrupt_guard():
            return _run(
                spec, run_point, root, points, client, workers, largest, retry_failed, progress,
                lines,
            )
    finally:
        if client is not None:
            client.close()


def _run(spec, run_point, root, points, client, workers, largest, retry_failed, progress,
         lines=False):
    sweep = SweepDirectory(root, spec)
    sweep.claim()
    records = sweep.finished()
    todo = [
        i
        for i in range(spec.n_points)
        if i not in records or (retry_failed and records[i].status == "failed")
    ]
    sweep.sweep_leftovers(_ok(records))
    log.info("sweep %s: %d points, %d to run", root, spec.n_points, len(todo))
    if not todo:
        return sweep.write_index(records)

    own_cluster = None
    bar = None
    futures: dict = {}
    threads = None
    try:
        if client is None:
            from distributed import Client, LocalCluster

            cpus = (
                len(os.sched_getaffinity(0))
                if hasattr(os, "sched_getaffinity")
                else (os.cpu_count() or 1)
            )
            n = memory.plan_local_workers(
                workers, len(todo), largest, memory.available_memory(), cpus
            )
            own_cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
                preload=[__name__],  # dask_setup below: Ctrl-C is the sweep's to handle
            )
            client = Client(own_cluster, set_as_default=False)
            threads = max(1, cpus // n)
            log.info("embedded Dask cluster: %d workers, dashboard %s", n, client.dashboard_link)
        from distributed import as_completed
        from tqdm import tqdm

        nonce = uuid.uuid4().hex[:8]
        for i in todo:
            fut = client.submit(
                execute,
                run_point,
                points[i],
                spec.seed_of(i),
                str(sweep.point_path(i)),
                threads,
                key=f"limsim-point-{i}-{nonce}",
                pure=False,
            )
            futures[fut] = i
        failed = sum(1 for i, r in records.items() if r.status == "failed" and i not in todo)
        bar = tqdm(
            total=spec.n_points,
            initial=spec.n_points - len(todo),
            unit="point",
            desc="sweep",
            disable=not progress,
            dynamic_ncols=True,
        )
        finished = spec.n_points - len(todo)
        pending = as_completed(list(futures), loop=client.loop)
        last = 0.0
        while not pending.is_empty():
            raise_if_interrupted()
            batch = pending.next_batch(block=False)
            for fut in batch:
                i = futures.pop(fut)
                outcome = _outcome(fut, sweep.point_path(i))
                if outcome is None:
                    continue
                records[i] = sweep.write_record(i, points[i], outcome)
                failed += not outcome.ok
                if not outcome.ok:
                    log.warning("point %d failed: %s", i, outcome.error)
                bar.update(1)
                finished += 1
                if lines:
                    print(f"sweep: point {i} {'done' if outcome.ok else 'FAILED'}"
                          f" ({finished} of {spec.n_points} finished, {failed} failed)",
                          file=sys.stderr, flush=True)
            now = time.monotonic()
            if batch or now - last > 1.0:
                last = now
                bar.set_postfix(running=_running(client, futures), failed=failed, refresh=True)
            if not batch:
                time.sleep(_POLL_S)
    finally:
        if bar is not None:
            bar.close()
        if futures:
            with contextlib.suppress(Exception):
                client.cancel(list(futures))
        if own_cluster is not None:
            with contextlib.suppress(Exception):
                client.close()
            with contextlib.suppress(Exception):
                own_cluster.close()
        sweep.sweep_leftovers(_ok(records))
        idx = sweep.write_index(records)
    if not idx.complete:
        log.warning(
            "sweep %s: %d points were lost by the cluster and are pending; rerun to finish them",
            root,
            idx.count("pending"),
        )
    return idx


def _ok(records: Mapping[int, PointRecord]) -> set[int]:
    return {i for i, r in records.items() if r.outcome.ok}


def execute(
    run_point: RunPoint, point: dict, seed: int, path: str, threads: int | None = None
) -> Outcome:
    """Run one point on a worker and check its file; never raises (a failure is returned).

    Parameters
    ----------
    run_point : callable
        The point's function (``harness.sweep``'s contract).
    point : dict
        The point's config overrides.
    seed : int
        The point's seed.
    path : str
        The point's file.
    threads : int, optional
        Numba threads for this point (the embedded cluster shares the cores among its workers;
        results do not depend on it, the time does).

    Returns
    -------
    Outcome
        ``ok`` with the results, the file's size and SHA-256; or ``failed`` with the error.
    """
    try:
        if threads is not None:
            import numba

            numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        remove(path)
        results = checked_results(run_point(dict(point), seed, path))
        size, digest = _verify_point_file(path)
        return Outcome(status="ok", results=results, sha256=digest, size=size)
    except (Exception, SystemExit) as exc:
        remove(path)
        return Outcome.failed(f"{type(exc).__name__}: {exc}", traceback.format_exc())


def _verify_point_file(path: str) -> tuple[int, str]:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"run_point did not write its file {path}")
    try:
        with h5py.File(path, "r") as f:
            f.visit(lambda name: None)
    except Exception as exc:
        raise DamagedFileError(path, f"not a readable HDF5 file ({exc})") from None
    return os.path.getsize(path), sha256(path)


def _outcome(fut, path: Path) -> Outcome | None:
    """The outcome of a finished future, or None when it was cancelled (the point stays
    pending)."""
    if fut.status == "finished":
        outcome = fut.result()
        if outcome.ok and not (path.is_file() and path.stat().st_size == outcome.size):
            return Outcome.failed(
                f"the file {path} written by a worker is not visible here: the "
                "sweep directory must be on a filesystem shared by the workers"
            )
        return outcome
    if fut.status == "error":
        exc = fut.exception()
        return Outcome.failed(f"{type(exc).__name__}: {exc}")
    return None


def dask_setup(worker) -> None:
    """Dask preload hook of the embedded cluster's worker processes: ignore SIGINT.

    A terminal's Ctrl-C reaches the whole process group; the sweep process alone handles it and
    stops its workers in order, instead of each worker dying with a traceback mid-point.
    """
    ignore_sigint()


def _running(client, futures: dict) -> int:
    keys = {f.key for f in futures}
    try:
        processing = client.processing()
    except Exception:
        return 0
    return sum(1 for tasks in processing.values() for k in tasks if k in keys)

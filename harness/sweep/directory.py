"""The files of one sweep in its directory; every write is atomic (``simcore.io.atomic_path``).

    sweep.json                      the spec and its fingerprint (a directory holds one sweep)
    points/point-000042.h5          one file per point, written by the point's function
    records/point-000042.json       one ``PointRecord`` per finished point
    index.h5                        every point's axes, seed, status, error and results
    .lock                           held by the running sweep (``harness.sweep.lock``)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from harness.sweep.index import INDEX_FILE, POINTS_DIR, SweepIndex, build_index, write_index
from harness.sweep.index import file_problem as _file_problem
from harness.sweep.lock import LOCK_FILE
from harness.sweep.records import Outcome, PointRecord
from harness.sweep.spec import SweepSpec
from simcore import io
from simcore.errors import ParameterError

log = logging.getLogger(__name__)

SPEC_FILE = "sweep.json"
RECORDS_DIR = "records"


def remove(path: os.PathLike | str) -> None:
    """Remove a file if it is there."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


class SweepDirectory:
    """The files of the sweep ``spec`` in ``root``.

    Parameters
    ----------
    root : Path
        The sweep directory (absolute).
    spec : SweepSpec
        The sweep it holds.
    """

    def __init__(self, root: Path, spec: SweepSpec):
        self.root, self.spec = root, spec
        width = max(6, len(str(spec.n_points - 1)))
        self.names = [f"point-{i:0{width}d}" for i in range(spec.n_points)]
        self.points = root / POINTS_DIR
        self.records = root / RECORDS_DIR

    def point_path(self, i: int) -> Path:
        return self.points / f"{self.names[i]}.h5"

    def record_path(self, i: int) -> Path:
        return self.records / f"{self.names[i]}.json"

    def claim(self) -> None:
        """Create the directory or check it holds this same sweep.

        Raises
        ------
        ParameterError
            Naming ``out_dir`` when it holds another sweep or other files.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        spec_file = self.root / SPEC_FILE
        mine = {"fingerprint": self.spec.fingerprint, "spec": self.spec.to_dict()}
        if spec_file.exists():
            try:
                theirs = json.loads(spec_file.read_text())["fingerprint"]
            except (OSError, ValueError, KeyError, TypeError):
                theirs = None
            if theirs != mine["fingerprint"]:
                raise ParameterError(
                    "out_dir",
                    str(self.root),
                    f"a new directory or one holding this same sweep (spec {SPEC_FILE} there "
                    f"has fingerprint {str(theirs)[:12]}, this spec {mine['fingerprint'][:12]})",
                )
        else:
            others = [  # the lock and a spec write cut short are ours
                p.name for p in self.root.iterdir()
                if p.name != LOCK_FILE and not io.is_temporary(p.name, SPEC_FILE)
            ]
            if others:
                raise ParameterError(
                    "out_dir",
                    str(self.root),
                    f"a new or empty directory (it holds {sorted(others)[:3]})",
                )
            io.write_text_atomic(spec_file, json.dumps(mine, indent=1))
        self.points.mkdir(exist_ok=True)
        self.records.mkdir(exist_ok=True)

    def finished(self) -> dict[int, PointRecord]:
        """Records of the points that need not run again; drop stale records and files."""
        points = self.spec.points()
        records = {}
        for i in range(self.spec.n_points):
            path, rec_path = self.point_path(i), self.record_path(i)
            rec = self._read_record(rec_path, i, points[i])
            if rec is not None and rec.outcome.ok:
                problem = _file_problem(path, rec.outcome.size, rec.outcome.sha256)
                if problem:
                    log.warning("point %d: %s; it runs again", i, problem)
                    rec = None
            if rec is None:
                remove(rec_path)
                remove(path)
            else:
                records[i] = rec
        return records

    def _read_record(self, path: Path, i: int, point: dict) -> PointRecord | None:
        if not path.exists():
            return None
        try:
            rec = PointRecord.from_json(path.read_text())
            ok = rec.index == i and rec.seed == self.spec.seed_of(i) and rec.point == point
        except (OSError, ValueError):
            ok = False
        if not ok:
            log.warning(
                "record %s is damaged or belongs to another sweep; the point runs again", path
            )
            return None
        return rec

    def write_record(self, i: int, point: dict, outcome: Outcome) -> PointRecord:
        """Record point ``i`` as finished with ``outcome``; returns the record."""
        rec = PointRecord(index=i, seed=self.spec.seed_of(i), point=point,
                          file=f"{POINTS_DIR}/{self.names[i]}.h5", outcome=outcome)
        io.write_text_atomic(self.record_path(i), rec.to_json())
        return rec

    def sweep_leftovers(self, recorded_ok: set[int]) -> None:
        """Remove partial files: in points/ every file but the ok points' (temporary files of
        the points' functions, files of points that did not finish), in records/ everything
        but records, at the top our own temporary files."""
        keep = {f"{self.names[i]}.h5" for i in recorded_ok}
        for entry in self.points.iterdir():
            if entry.name not in keep and not entry.is_dir():
                remove(entry)
        records = {f"{name}.json" for name in self.names}
        for entry in self.records.iterdir():
            if entry.name not in records and not entry.is_dir():
                remove(entry)
        for entry in self.root.iterdir():
            if io.is_temporary(entry.name, SPEC_FILE) or io.is_temporary(entry.name, INDEX_FILE):
                remove(entry)

    def write_index(self, records: Mapping[int, PointRecord]) -> SweepIndex:
        """Rebuild ``index.h5`` from ``records`` (in point order) and return it."""
        idx = build_index(self.spec, records, self.names, self.root)
        write_index(idx, self.root / INDEX_FILE)
        return idx

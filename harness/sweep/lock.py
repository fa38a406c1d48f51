"""One sweep process per directory at a time: an exclusive ``flock`` on ``DIR/.lock``."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from simcore.errors import ParameterError

LOCK_FILE = ".lock"


@contextlib.contextmanager
def directory_lock(root: Path) -> Iterator[None]:
    """Hold the sweep directory ``root`` (created if missing) while the block runs.

    Raises
    ------
    ParameterError
        Naming ``out_dir`` when another process holds the directory: two sweeps writing one
        directory would overwrite each other's records.
    """
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ParameterError(
                "out_dir", str(root), "a directory no other running sweep is using"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)

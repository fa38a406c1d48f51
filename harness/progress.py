"""Progress for a person reading a log: plain lines on stderr, never a carriage return.

In a terminal the experiments draw their own progress bars. When stderr is not a terminal (a
log file, ``make run > log``, CI) a bar would write carriage returns into the log, so the bars
are off: the experiment says one line per finished task (``experiments.common.bar``), and
``progress_lines`` prints one line when a run starts, one every ``EVERY`` seconds while it runs
(a long task), and one when it ends.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator

#: Seconds between two "still running" lines.
EVERY = 30.0


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def progress_lines(name: str, *, enabled: bool = True, every: float = EVERY,
                   echo: Callable[[str], object] = _stderr) -> Iterator[None]:
    """Print ``NAME: started``, then ``NAME: running, N s`` every ``every`` seconds, then
    ``NAME: finished in N s`` (or ``stopped after N s``) while the block runs.

    Parameters
    ----------
    name : str
        What runs (an experiment, a suite entry).
    enabled : bool
        Print nothing when false.
    every : float
        Seconds between two lines while the block runs, > 0.
    echo : callable
        Receives each line (default: stderr, flushed).

    Yields
    ------
    None
    """
    if not enabled:
        yield
        return
    t0 = time.monotonic()
    stop = threading.Event()

    def beat():
        while not stop.wait(every):
            echo(f"{name}: running, {time.monotonic() - t0:.0f} s")

    echo(f"{name}: started")
    thread = threading.Thread(target=beat, name="limsim-progress", daemon=True)
    thread.start()
    ok = False
    try:
        yield
        ok = True
    finally:
        stop.set()
        thread.join()
        dt = time.monotonic() - t0
        echo(f"{name}: finished in {dt:.0f} s" if ok else f"{name}: stopped after {dt:.0f} s")

"""The one interrupt guard: SIGINT and SIGTERM as one exception, for runs and sweeps alike.

Standard library only: ``limsim`` installs the guard first thing, so a signal that arrives while
NumPy, Numba or an experiment is still being imported is handled like one during the run. A
sweep installs it too (nested guards are one guard), so ``run_sweep`` called from a script stops
its cluster in order as ``limsim sweep`` does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised in the main thread so that the same cleanup runs for both.

    Parameters
    ----------
    signum : int
        The signal received; a command exits with ``128 + signum``.
    """

    def __init__(self, signum: int):
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = int(signum)


_SIGNALLED: list[int] = []
_DEPTH = [0]
#: Times a signal whose exception a finaliser swallowed is delivered again.
_REDELIVERIES = 5
#: Seconds before it is delivered again (the finaliser is over by then, as a rule).
_REDELIVER_AFTER = 0.01


@contextlib.contextmanager
def interrupt_guard() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` in the main thread (atomic writes then remove
    their temporary files) and are remembered.

    Python drops an exception raised while a finaliser (``__del__``, a weakref callback, a Dask
    callback) runs and prints it as "Exception ignored in ...". Such an ``Interrupted`` is not
    printed: the signal is sent again a moment later (at most ``_REDELIVERIES`` times), when the
    finaliser is over, so the work stops promptly; ``raise_if_interrupted`` re-raises it at the
    next safe point in any case. Outside the main thread, and inside another guard, it does
    nothing (the outer guard holds).

    Yields
    ------
    None
    """
    if threading.current_thread() is not threading.main_thread() or _DEPTH[0]:
        yield
        return

    def handler(signum, frame):
        _SIGNALLED.append(signum)
        raise Interrupted(signum)

    def unraisable(info):
        if isinstance(info.exc_value, Interrupted) and len(_SIGNALLED) <= _REDELIVERIES:
            again = threading.Timer(_REDELIVER_AFTER, os.kill, (os.getpid(), info.exc_value.signum))
            again.daemon = True
            again.start()
            return
        previous_hook(info)

    _SIGNALLED.clear()
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    _DEPTH[0] += 1
    try:
        yield
    finally:
        _DEPTH[0] -= 1
        sys.unraisablehook = previous_hook
        for s, h in previous.items():
            signal.signal(s, h)


def raise_if_interrupted() -> None:
    """Raise ``Interrupted`` if a signal arrived under the guard (its exception may have been
    swallowed by a finaliser or a callback).

    Raises
    ------
    Interrupted
        For the last signal received.
    """
    if _SIGNALLED:
        raise Interrupted(_SIGNALLED[-1])


def ignore_sigint() -> None:
    """Ignore SIGINT in this process (in its main thread): for worker processes, whose parent
    handles a terminal's Ctrl-C and stops them in order."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)

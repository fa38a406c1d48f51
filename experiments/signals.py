"""Ctrl-C and SIGTERM as one exception, installed before anything heavy is imported.

Standard library only: ``limsim`` installs the guard first thing, so a signal that arrives while
NumPy, Numba or an experiment is still being imported is handled like one during the run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading


class Terminated(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised in the main thread so that the same cleanup runs for both."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


_SIGNALLED: list[int] = []
#: Times a signal whose exception a finaliser swallowed is delivered again.
_REDELIVERIES = 5
#: Seconds before it is delivered again (the finaliser is over by then, as a rule).
_REDELIVER_AFTER = 0.01


@contextlib.contextmanager
def interrupt_guard():
    """SIGINT and SIGTERM raise ``Terminated`` in the main thread (atomic writes then remove
    their temporary files) and are remembered.

    Python drops an exception raised while a finaliser (``__del__``, a weakref callback) runs
    and prints it as "Exception ignored in ...". Such a ``Terminated`` is not printed: the
    signal is sent again a moment later (at most ``_REDELIVERIES`` times), when the finaliser
    is over, so the run stops promptly; ``raise_if_interrupted`` re-raises it at the next safe
    point in any case."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        _SIGNALLED.append(signum)
        raise Terminated(signum)

    def unraisable(info):
        if isinstance(info.exc_value, Terminated) and len(_SIGNALLED) <= _REDELIVERIES:
            again = threading.Timer(_REDELIVER_AFTER, os.kill, (os.getpid(), info.exc_value.signum))
            again.daemon = True
            again.start()
            return
        previous_hook(info)

    _SIGNALLED.clear()
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        for s, h in previous.items():
            signal.signal(s, h)


def raise_if_interrupted() -> None:
    if _SIGNALLED:
        raise Terminated(_SIGNALLED[-1])

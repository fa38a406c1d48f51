"""Ctrl-C and SIGTERM as one exception, installed before anything heavy is imported.

Standard library only: ``limsim`` installs the guard first thing, so a signal that arrives while
NumPy, Numba or an experiment is still being imported is handled like one during the run.
"""

from __future__ import annotations

import contextlib
import signal
import threading


class Terminated(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised in the main thread so that the same cleanup runs for both."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


_SIGNALLED: list[int] = []


@contextlib.contextmanager
def interrupt_guard():
    """SIGINT and SIGTERM raise ``Terminated`` in the main thread (atomic writes then remove
    their temporary files) and are remembered: Python drops an exception raised while a
    finaliser runs, so ``raise_if_interrupted`` re-raises at the next safe point."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        _SIGNALLED.append(signum)
        raise Terminated(signum)

    _SIGNALLED.clear()
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def raise_if_interrupted() -> None:
    if _SIGNALLED:
        raise Terminated(_SIGNALLED[-1])

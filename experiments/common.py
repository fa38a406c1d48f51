"""What the experiments share: progress bars, file content, figure output (the check records
and their error control are in :mod:`experiments.checks`; the ideal bit and its protocols are in
:mod:`devices.ideal`, the ``device`` key in :mod:`experiments.device`).

Every experiment module defines ``NAME``, ``SUMMARY``, a frozen ``Config`` with ``smoke()``
(``experiments.config.CellsConfig`` holds the fields they share), and

- ``run(cfg, progress) -> Result``: simulate (in memory); ``Result`` is the module's frozen
  dataclass (an ``experiments.results.ResultBase``: the config and the run's
  ``simcore.seeds.Seeds``);
- ``checks(result) -> list[dict]``: simulated vs reference (``experiments.checks``: ``check``,
  ``count_check``, ``bernstein_check``), returned through ``assemble``, which sets the
  tolerances for a family-wise false-alarm rate of ``FAMILY_ALPHA`` per report;
- ``report(result) -> str``: the console summary;
- ``data(result) -> dict``: the HDF5 content (nested groups of ``simcore.io.Data``, with the
  ``seeds`` group of :func:`seeds_tree`);
- ``plot(res, outdir) -> list[str]``: draw every figure from a ``simcore.io.Result`` read back
  from disk (never from the in-memory result), as PNG and PDF; returns the figure stems;

and ends with ``EXPERIMENT = experiments.contract.Experiment(...)`` naming them.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import numpy as np

from simcore.engine import is_terminal
from simcore.io import Data, atomic_path


def binomial_se(p: float, n: int) -> float:
    """Standard error of a fraction p of n cells, with a 1/n floor for p near 0 or 1 (for
    error bars in figures; checks of counts use :func:`count_check`)."""
    p = float(np.clip(p, 0.0, 1.0))
    return float(np.sqrt((p * (1 - p) + 1.0 / n) / n))


def mean_pm(estimate, unit: float) -> str:
    """``"mean ± stderr"`` of a ``simcore`` estimate (``.mean``, ``.stderr``) in units of
    ``unit`` (e.g. kT), as the console reports print it: ``9.4f ± 6.4f``."""
    return f"{estimate.mean / unit:9.4f} ± {estimate.stderr / unit:6.4f}"


def energy(value, description: str = "") -> Data:
    return Data(np.asarray(value, dtype=np.float64), "J", description)


def quantity(value, unit: str, description: str = "") -> Data:
    return Data(np.asarray(value), unit, description)


def seeds_tree(seeds) -> dict:
    """The ``seeds`` group of a result file: every named stream of a ``simcore.seeds.Seeds``
    with its spawn key and derived seed, so that any sub-run can be replayed alone."""
    table = seeds.table()
    return {
        "root": Data(np.uint64(seeds.root), "", "root seed of the run"),
        "label": Data(np.array([s.label for s in table], dtype=object), "",
                      "stream name[indices]"),
        "spawn_key": Data(np.array([" ".join(map(str, s.spawn_key)) for s in table],
                                   dtype=object), "",
                          "SeedSequence spawn key (name hash, indices), space separated"),
        "seed": Data(np.array([s.seed for s in table], dtype=np.uint64), "",
                     "seed derived as SeedSequence(root, spawn_key).generate_state(1, uint64)"),
    }


class TaskLines:
    """An experiment's progress over its tasks as plain lines, for a log: one line
    ``DESC: task k/N done, T s`` per finished task, flushed, never a carriage return.

    Parameters
    ----------
    total : int
        Tasks N.
    desc : str
        What runs (the experiment's name).
    stream : text stream
        Where the lines go.
    """

    def __init__(self, total: int, desc: str, stream):
        self.total, self.desc, self.stream = int(total), desc, stream
        self.n = 0
        self._t0 = time.monotonic()

    def update(self, n: int = 1) -> None:
        """Count ``n`` more tasks done and say so in one line."""
        self.n += n
        took = time.monotonic() - self._t0
        print(f"{self.desc}: task {self.n}/{self.total} done, {took:.0f} s", file=self.stream,
              flush=True)

    def close(self) -> None:
        """Nothing to take off a screen."""


def bar(total: int, desc: str, enabled: bool, *, stream=None):
    """The outer progress of an experiment over its ``total`` tasks, on ``stream`` (default
    stderr): a tqdm bar counting whole tasks that leaves the screen when it closes where the
    stream is a terminal, one line per task (:class:`TaskLines`) where it is not (a log file),
    nothing unless ``enabled``.

    Parameters
    ----------
    total : int
        Tasks of the run.
    desc : str
        The bar's label (the experiment's name).
    enabled : bool
        Show progress at all (the ``progress`` argument of the experiment's ``run``).
    stream : text stream, optional
        Where progress goes (default ``sys.stderr`` at the call).

    Returns
    -------
    tqdm.tqdm or TaskLines
        With ``update(n=1)`` and ``close()``.
    """
    from tqdm.auto import tqdm

    stream = sys.stderr if stream is None else stream
    if enabled and not is_terminal(stream):
        return TaskLines(total, desc, stream)
    return tqdm(total=total, desc=desc, unit="task", leave=False, disable=not enabled,
                file=stream)


@contextlib.contextmanager
def figure(outdir: Path, stem: str, stems: list[str], *, size=(6.4, 4.2), ncols=1, nrows=1):
    """A matplotlib figure (Agg) saved as ``stem.png`` and ``stem.pdf`` in ``outdir`` on exit;
    appends ``stem`` to ``stems``."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    style = {
        "font.size": 10,
        "axes.labelsize": 10,
        "legend.fontsize": 8,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "figure.dpi": 100,
    }
    with plt.rc_context(style):
        fig, ax = plt.subplots(nrows, ncols, figsize=size, squeeze=False, layout="constrained")
        try:
            yield fig, (ax[0, 0] if ax.size == 1 else ax.ravel())
            outdir.mkdir(parents=True, exist_ok=True)
            for ext, kwargs in (("png", {"dpi": 150}), ("pdf", {})):
                with atomic_path(outdir / f"{stem}.{ext}") as tmp:
                    fig.savefig(tmp, format=ext, **kwargs)
            stems.append(stem)
        finally:
            plt.close(fig)

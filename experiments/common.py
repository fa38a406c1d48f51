"""What the experiments share: check records, progress bars, bit landscapes, figure output.

Every experiment module defines ``NAME``, ``SUMMARY``, a frozen ``Config`` with ``smoke()``
(``experiments.config.CellsConfig`` holds the fields they share), and

- ``run(cfg, progress) -> Result``: simulate (in memory); ``Result`` is the module's frozen
  dataclass (an ``experiments.results.ResultBase``: the config and the run's
  ``simcore.seeds.Seeds``);
- ``checks(result) -> list[dict]``: simulated vs reference with a tolerance (``check``);
- ``report(result) -> str``: the console summary;
- ``data(result) -> dict``: the HDF5 content (nested groups of ``simcore.io.Data``, with the
  ``seeds`` group of :func:`seeds_tree`);
- ``plot(res, outdir) -> list[str]``: draw every figure from a ``simcore.io.Result`` read back
  from disk (never from the in-memory result), as PNG and PDF; returns the figure stems;

and ends with ``EXPERIMENT = experiments.contract.Experiment(...)`` naming them.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

import simcore as sc
from simcore.io import Data, atomic_path


def check(name: str, simulated, reference, tolerance, *, kind: str = "two-sided",
          unit: str = "") -> dict:
    """One check: ``two-sided`` passes when ``|simulated - reference| <= tolerance``;
    ``lower`` when ``simulated >= reference - tolerance`` (a bound from below);
    ``upper`` when ``simulated <= reference + tolerance`` (a bound from above)."""
    s, r, t = float(simulated), float(reference), float(tolerance)
    if kind == "two-sided":
        ok = abs(s - r) <= t
    elif kind == "lower":
        ok = s >= r - t
    elif kind == "upper":
        ok = s <= r + t
    else:
        raise ValueError(f"kind={kind!r}: expected two-sided, lower or upper")
    return {
        "check": name,
        "simulated": s,
        "reference": r,
        "tolerance": t,
        "kind": kind,
        "unit": unit,
        "passed": bool(ok and np.isfinite(s)),
    }


def binomial_se(p: float, n: int) -> float:
    """Standard error of a fraction p of n cells, with a 1/n floor for p near 0 or 1 (where
    the normal approximation of a binomial fails: at 4 se the floor covers ~ 4 sqrt(count)
    events of a Poisson count)."""
    p = float(np.clip(p, 0.0, 1.0))
    return float(np.sqrt((p * (1 - p) + 1.0 / n) / n))


def bit(barrier_kT: float, tilt_kT: float = 0.0, temperature: float = 300.0):
    """Bit landscape with barrier and tilt in kT (tilt > 0 lowers level 0)."""
    k_t = sc.kT(temperature)
    return sc.bit_landscape(barrier_kT * k_t, tilt_kT * k_t)


def energy(value, description: str = "") -> Data:
    return Data(np.asarray(value, dtype=np.float64), "J", description)


def quantity(value, unit: str, description: str = "") -> Data:
    return Data(np.asarray(value), unit, description)


def checks_tree(checks: list[dict]) -> dict:
    """The ``checks`` group of a result file."""
    return {
        "name": Data(np.array([c["check"] for c in checks], dtype=object), "",
                     "what is compared"),
        "simulated": Data(np.array([c["simulated"] for c in checks]), "", "simulated value"),
        "reference": Data(np.array([c["reference"] for c in checks]), "",
                          "reference: master equation, exact identity or bound"),
        "tolerance": Data(np.array([c["tolerance"] for c in checks]), "",
                          "allowed deviation (4 standard errors or round-off)"),
        "kind": Data(np.array([c["kind"] for c in checks], dtype=object), "",
                     "two-sided, lower (bound from below) or upper"),
        "unit": Data(np.array([c["unit"] for c in checks], dtype=object), "",
                     "unit of simulated, reference and tolerance"),
        "passed": Data(np.array([c["passed"] for c in checks], dtype=bool), ""),
    }


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


def bar(total: int, desc: str, enabled: bool):
    """An outer progress bar over an experiment's tasks (tqdm on stderr), silent (tqdm's
    ``disable``) unless ``enabled``."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="task", leave=False, disable=not enabled)


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

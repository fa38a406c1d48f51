"""The glue between ``limsim sweep`` and ``simcore.sweep``: what one point of a sweep runs.

Both functions are module-level so Dask can pickle them (with ``functools.partial`` over the
experiment name).
"""

from __future__ import annotations

import re
from pathlib import Path

from experiments import config as cfgmod
from experiments import runner


def _config(name: str, point: dict, seed: int | None = None):
    exp = runner.experiment(name)
    cfg = cfgmod.apply(exp.Config(), dict(point))
    if seed is not None:
        cfg = cfgmod.apply(cfg, {"seed": seed})
    return exp, cfgmod.validate(cfg)


def _key(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")[:80]


def run_point(name: str, point: dict, seed: int, path: str) -> dict[str, float]:
    """Run experiment ``name`` with the point's config overrides and ``seed``; write its result
    file to ``path`` (atomically, temp file beside it); return its scalar results: the number of
    checks passed and failed and each check's simulated value."""
    exp, cfg = _config(name, point, seed)
    checks, _ = runner.simulate(exp, cfg, Path(path))
    out = {
        "checks_passed": float(sum(c["passed"] for c in checks)),
        "checks_failed": float(sum(not c["passed"] for c in checks)),
    }
    for c in checks:
        out.setdefault(_key(c["check"]), float(c["simulated"]))
    return out


def memory_need(name: str, point: dict) -> float:
    """Upper estimate of a point's memory (bytes); also validates the point's config."""
    exp, cfg = _config(name, point)
    return runner.memory_need(exp, cfg)


# --------------------------------------------------------------------------- plots of a sweep
def is_sweep(path: str | Path) -> bool:
    """True for a sweep directory or its ``index.h5`` (as opposed to a run's result file)."""
    from simcore.sweep import INDEX_FILE

    p = Path(path)
    return (p.is_dir() and (p / INDEX_FILE).is_file()) or p.name == INDEX_FILE


def _result_units(idx) -> dict[str, str]:
    """Unit of each scalar result, from the checks of the first finished point's file."""
    from simcore import io

    units = {"checks_passed": "", "checks_failed": ""}
    for i in range(len(idx)):
        if idx.status[i] != "ok":
            continue
        c = io.read(idx.path(i)).group("checks")
        for name, unit in zip(c["name"], c["unit"], strict=True):
            units.setdefault(_key(str(name)), str(unit))
        break
    return units


def plot_index(path: str | Path, out: Path, x: str | None = None,
               ys: list[str] | None = None) -> list[str]:
    """Draw sweep results against a sweep axis: one figure per result in ``ys`` (default: every
    result), against axis ``x`` (default: the first), one line per combination of the other
    axes (at most 8; beyond that, points only). Finished points only; returns the stems."""
    import numpy as np

    from experiments.common import figure
    from simcore.errors import ParameterError
    from simcore.sweep import load_index

    idx = load_index(path)
    axes = list(idx.axes)
    x = axes[0] if x is None else x
    if x not in idx.axes:
        raise ParameterError("--x", x, "an axis of the sweep: " + ", ".join(axes))
    ys = list(idx.results) if not ys else ys
    for y in ys:
        if y not in idx.results:
            raise ParameterError("--y", y, "a result of the sweep: " + ", ".join(idx.results))
    ok = idx.status == "ok"
    if not ok.any():
        raise ParameterError("sweep", str(path), "a sweep with at least one finished point")
    exp = runner.experiment(idx.experiment)
    x_unit = {k: u for k, _, u, _ in cfgmod.describe(exp.Config())}.get(x, "")
    units = _result_units(idx)
    others = [a for a in axes if a != x]
    labels = [
        ", ".join(f"{a}={idx.axes[a][i]}" for a in others) for i in range(len(idx))
    ]
    groups = sorted({labels[i] for i in np.flatnonzero(ok)})
    xs = np.asarray(idx.axes[x])
    numeric = xs.dtype.kind in "iuf"
    stems: list[str] = []
    for y in ys:
        stem = _key(f"sweep_{y}_vs_{x}")
        with figure(out, stem, stems) as (_fig, ax):
            for g in groups:
                sel = np.flatnonzero(ok & (np.array(labels, dtype=object) == g))
                order = sel[np.argsort(xs[sel], kind="stable")] if numeric else sel
                style = "o-" if len(groups) <= 8 else "o"
                ax.plot(xs[order] if numeric else [str(v) for v in xs[order]],
                        idx.results[y][order], style, ms=4,
                        label=g if g and len(groups) <= 8 else None)
            if numeric and np.all(xs[ok].astype(float) > 0) and (
                    xs[ok].astype(float).max() / xs[ok].astype(float).min() >= 100):
                ax.set_xscale("log")
            ax.set_xlabel(f"{x} ({x_unit})" if x_unit else x)
            unit = units.get(y, "")
            ax.set_ylabel(f"{y} ({unit})" if unit else y)
            ax.set_title(f"{idx.experiment}: {int(ok.sum())} of {len(idx)} points", fontsize=9)
            if any(groups) and len(groups) <= 8:
                ax.legend()
    return stems

"""``limsim plot SWEEP``: a sweep's scalar results against one of its axes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments import config as cfgmod
from experiments.common import figure
from harness.registry import experiment
from harness.sweep.index import INDEX_FILE, load_index
from harness.sweep.points import result_key
from simcore import io
from simcore.errors import ParameterError


def is_sweep(path: str | Path) -> bool:
    """True for a sweep directory or its ``index.h5`` (as opposed to a run's result file)."""
    p = Path(path)
    return (p.is_dir() and (p / INDEX_FILE).is_file()) or p.name == INDEX_FILE


def value_text(value, unit: str = "", name: str = "") -> str:
    """A sweep axis value as a person reads it: ``1e10 Hz``, ``300 K``, ``name = 3`` for a
    value without unit (the name says what it is)."""
    if isinstance(value, float | np.floating):
        text = f"{float(value):.4g}"
        mant, _, exp = text.partition("e")
        text = f"{mant}e{int(exp)}" if exp else text
    else:
        text = str(value)
    return f"{text} {unit}" if unit else (f"{name} = {text}" if name else text)


def _result_units(idx) -> dict[str, str]:
    """Unit of each scalar result, from the checks of the first finished point's file."""
    units = {"checks_passed": "", "checks_failed": ""}
    for i in range(len(idx)):
        if idx.status[i] != "ok":
            continue
        c = io.read(idx.path(i)).group("checks")
        for key, unit in zip(c["key"] if "key" in c else c["name"], c["unit"], strict=True):
            units.setdefault(result_key(str(key)), str(unit))
        break
    return units


def plot_index(path: str | Path, out: Path, x: str | None = None,
               ys: list[str] | None = None) -> list[str]:
    """Draw sweep results against a sweep axis: one figure per result in ``ys`` (default: every
    result), against axis ``x`` (default: the first), one line per combination of the other
    axes (at most 8; beyond that, points only). Finished points only; returns the stems."""
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
    exp = experiment(idx.experiment)
    x_unit = {k: u for k, _, u, _ in cfgmod.describe(exp.config())}.get(x, "")
    units = _result_units(idx)
    config_units = {k: u for k, _, u, _ in cfgmod.describe(exp.config())}
    others = [a for a in axes if a != x]
    labels = [
        ", ".join(value_text(idx.axes[a][i], config_units.get(a, ""), a) for a in others)
        for i in range(len(idx))
    ]
    groups = sorted({labels[i] for i in np.flatnonzero(ok)})
    xs = np.asarray(idx.axes[x])
    numeric = xs.dtype.kind in "iuf"
    stems: list[str] = []
    for y in ys:
        stem = result_key(f"sweep_{y}_vs_{x}")
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

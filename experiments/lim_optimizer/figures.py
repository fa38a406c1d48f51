"""The optimiser experiment's figures, drawn from the result file alone."""

from __future__ import annotations

import numpy as np

from experiments.common import figure
from experiments.lim_optimizer.config import N_SIGMA, PROBLEMS
from simcore import lim

_COLOURS = {"static": "tab:red", "matched": "tab:blue", "ideal": "tab:green"}


def plot(res, outdir) -> list[str]:
    """Energy-to-solution against N, precision and update time (simulated points on the
    estimate's lines, Landauer and hardware lines) and the ratio simulated/estimate, from the
    result file ``res``."""
    from pathlib import Path

    outdir = Path(outdir)
    runs = res.group("runs")
    total = res.group("runs/walls/total")
    scan = res["rows/scan"].astype(str)
    row_run = res["rows/run"].astype(int)
    problem = runs["problem"].astype(str)
    arch = runs["architecture"].astype(str)
    axes_of = {"n": ("n", "parameters N", "log"), "bits": ("bits", "precision (bits)", "linear"),
               "update_time": ("update_time", "update time τ_u (s)", "log")}
    stems: list[str] = []
    for prob in PROBLEMS:
        for sc_name, (key, label, xscale) in axes_of.items():
            sel = row_run[(scan == sc_name) & (problem[row_run] == prob)]
            if sel.size == 0:
                continue
            with figure(outdir, f"{prob}_energy_vs_{sc_name}", stems) as (_fig, ax):
                first = True
                for a in lim.ARCHITECTURES:
                    idx = np.unique(sel[arch[sel] == a])
                    if idx.size == 0:
                        continue
                    idx = idx[np.argsort(runs[key][idx])]
                    x = runs[key][idx]
                    ax.plot(x, total["estimate"][idx], "-", color=_COLOURS[a],
                            label=f"{a} estimate")
                    ax.errorbar(x, total["work"][idx], yerr=N_SIGMA * total["sigma"][idx],
                                fmt="o", color=_COLOURS[a], label=f"{a} simulated")
                    if first:
                        ax.plot(x, runs["landauer"][idx], "k--", label="Landauer")
                        ax.plot(x, runs["hardware"][idx], "k:", label="digital hardware")
                        first = False
                ax.set_xscale(xscale)
                ax.set_yscale("log")
                ax.set_xlabel(label)
                ax.set_ylabel("energy to solution (J)")
                ax.set_title(f"{prob}: energy to solution against {label}")
                ax.legend(ncols=2)
    with figure(outdir, "ratio_simulated_to_estimate", stems, size=(7, 6)) as (_fig, ax):
        for a in lim.ARCHITECTURES:
            for prob, marker in zip(PROBLEMS, "os", strict=True):
                idx = np.flatnonzero((arch == a) & (problem == prob))
                if idx.size:
                    ax.plot(runs["ops"][idx], runs["ratio"][idx], marker, color=_COLOURS[a],
                            alpha=0.8)
                    ax.plot(runs["ops"][idx], runs["activity_ratio"][idx], marker,
                            mfc="none", color=_COLOURS[a], alpha=0.8)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("OPS (parameter updates)")
        ax.set_ylabel("ratio")
        ax.set_title("simulated / estimated (lim.energy_to_solution):\nenergy (filled) and changed"
                     " bits (open)")
        # a legend of colours (architecture), shapes (problem) and fill (which ratio), outside
        # the axes so that it hides no point near 1
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], ls="", marker="o", color=_COLOURS[a], label=a)
                   for a in lim.ARCHITECTURES]
        handles += [Line2D([], [], ls="", marker=m, color="0.3", label=p)
                    for p, m in zip(PROBLEMS, "os", strict=True)]
        handles += [Line2D([], [], ls="", marker="o", color="0.3",
                           label="filled: simulated / estimate (energy)"),
                    Line2D([], [], ls="", marker="o", mfc="none", color="0.3",
                           label="open: simulated hops / estimated changed bits")]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2,
                  frameon=False)
    return stems

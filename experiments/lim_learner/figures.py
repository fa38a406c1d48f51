"""The learner experiment's figures, drawn from the result file alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments.common import figure

_COLOURS = {"static": "tab:red", "matched": "tab:blue", "ideal": "tab:green"}
_SCANS = {"scale": ("scale", "learning-rate time constant n0 (iterations)", "log"),
          "update_time": ("update_time", "update time τ (s)", "log"),
          "bits": ("bits", "precision (bits per parameter)", "linear"),
          "size": ("n", "parameters N", "log")}


def _positive(x):
    """``x`` with values <= 0 (net work can be negative early on) left out of a log axis."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, np.nan)


def plot(res, outdir) -> list[str]:
    """Energy against n0, τ, bits and N (machine, write-through, the three estimates), the
    convergence curves, and the digits accuracy against energy."""
    outdir = Path(outdir)
    def runs(key):
        return res[f"runs/{key}"]

    scan = runs("scan").astype(str)
    stems: list[str] = []
    base = np.flatnonzero(scan == "base")
    for name, (key, label, xscale) in _SCANS.items():
        idx = np.concatenate([base, np.flatnonzero(scan == name)])
        idx = idx[np.argsort(runs(key)[idx])]
        x = runs(key)[idx]
        with figure(outdir, f"energy_vs_{name}", stems) as (_fig, ax):
            ax.plot(x, _positive(runs("machine_total")[idx]), "ko-",
                    label="in-memory learner (ledger)")
            ax.plot(x, runs("write_through/total")[idx], "s--", color="tab:purple",
                    label="write-through (matched)")
            for a, c in _COLOURS.items():
                ax.plot(x, runs(f"estimate/{a}/total")[idx], "-", color=c, label=f"{a} estimate")
            ax.plot(x, runs("estimate/matched/landauer")[idx], "k:", label="Landauer")
            ax.set(xscale=xscale, yscale="log", xlabel=label, ylabel="energy to solution (J)",
                   title="quadratic programme")
            ax.legend()
    with figure(outdir, "convergence", stems) as (_fig, ax):
        sel = np.concatenate([base, np.flatnonzero(scan == "scale")])
        obj = runs("objective")
        for i in np.unique(sel):
            f = obj[i] - obj[i].min() + 1e-12
            ax.plot(_positive(runs("cumulative_work")[i]), f[1:],
                    label=f"n0 = {runs('scale')[i]:g}")
        ax.set(xscale="log", yscale="log", xlabel="machine work so far (J)",
               ylabel="f - min f (problem units)", title="objective against energy")
        ax.legend()

    def d(key):
        return res[f"digits/{key}"]

    with figure(outdir, "digits_accuracy_vs_energy", stems) as (_fig, ax):
        ax.plot(_positive(d("machine_work")), d("machine_accuracy"), "ko-",
                label="in-memory learner")
        ax.plot(_positive(d("wt_work")), d("wt_accuracy"), "s--", color="tab:purple",
                label="write-through (matched)")
        for a, c in _COLOURS.items():
            ax.axvline(float(d(f"estimate/{a}")), color=c, ls="-", label=f"{a} estimate")
        ax.axvline(float(d("landauer")), color="k", ls=":", label="Landauer")
        ax.set(xscale="log", xlabel="energy so far (J)", ylabel="held-out accuracy",
               title="load_digits, linear softmax classifier")
        ax.legend(loc="lower right", fontsize="small")
    with figure(outdir, "digits_accuracy_vs_iteration", stems) as (_fig, ax):
        it = d("checkpoints")
        for k, lab in (("machine_accuracy", "in-memory learner"), ("gd_accuracy", "float64 GD"),
                       ("sgd_accuracy", "float64 SGD"), ("wt_accuracy", "write-through")):
            ax.plot(it, d(k), "o-", label=lab)
        ax.set(xlabel="iteration", ylabel="held-out accuracy", title="load_digits")
        ax.legend()
    return stems

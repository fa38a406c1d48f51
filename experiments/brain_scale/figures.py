"""The brain-scale experiment's figures, drawn from the result file alone."""

from __future__ import annotations

import numpy as np

from experiments.brain_scale.config import N_SIGMA
from experiments.common import figure
from simcore import lim


def plot(res, outdir) -> list[str]:
    """Energy-to-solution against N (simulated matched points on the estimates, the exact
    model, Landauer and hardware lines; ratio panel) and the per-iteration energy of the largest
    point with its windows, from the result file ``res``."""
    from pathlib import Path

    outdir = Path(outdir)
    pts = res.group("points")
    n = pts["n"]
    colours = {"static": "tab:red", "matched": "tab:blue", "ideal": "tab:green"}
    stems: list[str] = []
    with figure(outdir, "energy_vs_n", stems, size=(6.4, 8.4), nrows=3) as (_fig, axes):
        ax, ax1, ax2 = axes
        ops = pts["ops"]
        lines = [(res[f"points/estimate/{a}/total"], "-", colours[a], f"{a} estimate")
                 for a in lim.ARCHITECTURES]
        lines += [(res["points/exact/total"], ":", "tab:blue", "matched bit model (exact)"),
                  (res["points/estimate/matched/landauer"], "--", "k", "Landauer"),
                  (res["points/estimate/matched/hardware"], "-.", "k", "digital hardware"),
                  (res["points/exact/bound"], "-", "0.5", "rigorous bound (matched model)")]
        err = N_SIGMA * np.hypot(pts["sigma"], pts["integration"])
        for axis, norm in ((ax, 1.0), (ax1, ops)):
            for y, style, colour, label in lines:
                axis.plot(n, y / norm, style, color=colour, label=label)
            axis.errorbar(n, pts["total"] / norm, yerr=err / norm, fmt="o", color="tab:blue",
                          mfc="none", label="matched simulated (± 4σ)")
            axis.set_xscale("log")
            axis.set_yscale("log")
        ax.set_ylabel("energy to solution (J)")
        ax.set_title("OPS = N × updates per parameter ($10^{28}$ at N = $10^{15}$)")
        ax1.set_ylabel("energy per update (J)")
        ax1.legend(ncols=2, fontsize=7)
        est = res["points/estimate/matched/total"]
        ax2.errorbar(n, pts["total"] / est, yerr=err / est, fmt="o", color="tab:blue", mfc="none",
                     label="simulated / estimate (± 4σ, sampling and integration)")
        ax2.plot(n, res["points/exact/total"] / est, ":", color="tab:blue", lw=2,
                 label="exact bit model / estimate")
        ax2.plot(n, pts["first_order"], "-", color="tab:purple", lw=0.8,
                 label="first-order prediction (iterations only)")
        ax2.axhline(1.0, color="k", lw=0.8)
        ax2.set_xscale("log")
        ax2.set_xlabel("parameters N")
        ax2.set_ylabel("matched: simulated / estimate")
        ax2.legend(fontsize=7)
    curve = res.group("curve")
    win = res.group("windows")
    top = n.size - 1
    sel = win["point"].astype(int) == top
    with figure(outdir, "per_iteration_top", stems, size=(6.4, 6.4), nrows=2) as (_fig, axes):
        ax, ax2 = axes
        ax.plot(curve["n"], curve["estimate"], "-", color="tab:blue",
                label="estimate per iteration (integrand)")
        ax.plot(curve["n"], curve["exact"], ":", color="k", label="bit model, exact")
        ax.plot(curve["n"], curve["bound"], color="0.5", lw=1, label="rigorous bound")
        if sel.any():
            ax.plot(win["nodes"][sel], win["mean_energy"][sel], "o", color="tab:orange",
                    mfc="none", label="simulated windows (mean per iteration)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel("energy per iteration (J)")
        ax.set_title(f"N = {n[top]:.0e}, {pts['iterations'][top]:.3g} iterations")
        ax.legend(loc="lower left")
        # where the energy is: cumulative share of the estimate over ln n (trapezoid, figure only)
        dens = curve["n"] * curve["estimate"]
        cum = np.r_[0.0, np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(np.log(curve["n"])))]
        twin = ax.twinx()
        twin.plot(curve["n"], cum / cum[-1], "-", color="tab:green", lw=0.8)
        twin.set_ylabel("cumulative share of the energy", color="tab:green")
        twin.set_ylim(0, 1.02)
        if sel.any():
            ax2.errorbar(win["nodes"][sel], win["ratio"][sel],
                         yerr=N_SIGMA * win["ratio_se"][sel], fmt="o", color="tab:orange",
                         mfc="none", label="window ratio to the estimate (± 4σ)")
            ax2.plot(win["nodes"][sel], win["ratio"][sel], "-", color="tab:orange", lw=0.8,
                     label="interpolation (linear in ln n)")
        ax2.plot(curve["n"], curve["exact"] / curve["estimate"], ":", color="k",
                 label="exact bit model / estimate")
        ax2.set_xscale("log")
        ax2.set_xlabel("iteration n")
        ax2.set_ylabel("per-iteration ratio")
        ax2.legend()
    if any(k.startswith("projections/sensitivity/") for k in res.data):
        _tornado(res, outdir, stems)
    return stems


def _tornado(res, outdir, stems) -> None:
    """The matched headline against each assumption at its low and high value (a tornado),
    with the paper's 10^8–10^9 J band and the adiabatic and information lines."""
    sens = res.group("projections/sensitivity")
    labels = [str(x) for x in sens["label"].astype(str)]
    lo_v = sens["low_value"].astype(str)
    hi_v = sens["high_value"].astype(str)
    low, high, base = sens["low"], sens["high"], float(sens["base"])
    span = np.fmax(np.abs(np.log(low / base)), np.abs(np.log(high / base)))
    order = np.argsort(-np.nan_to_num(span), kind="stable")  # widest bar on top
    with figure(outdir, "sensitivity_tornado", stems, size=(7.6, 6.0)) as (_fig, ax):
        ax.axvspan(1e8, 1e9, color="0.9", label="paper: $10^8$–$10^9$ J")
        for k, i in enumerate(order):
            y = len(order) - 1 - k
            if not np.nan_to_num(span[i]) > 1e-6:
                ax.annotate(" no change", (base, y), fontsize=6, va="center", ha="left")
                continue
            for v, colour, text in ((low[i], "tab:blue", lo_v[i]), (high[i], "tab:red", hi_v[i])):
                if np.isfinite(v):
                    ax.barh(y, v - base, left=base, color=colour, alpha=0.7, height=0.6)
                    ax.annotate(text, (v, y), fontsize=6, va="center",
                                ha="left" if v >= base else "right")
        ax.axvline(base, color="k", lw=1, label=f"config: {base:.3g} J")
        ax.axvline(float(sens["landauer"]), color="k", ls="--", lw=0.8,
                   label="OPS·B·kT ln 2 (adiabatic line)")
        ax.axvline(float(sens["information"]), color="0.4", ls=":", lw=0.8,
                   label="information changed (this model's bound)")
        ax.set_yticks(range(len(order)), [labels[i] for i in order[::-1]], fontsize=7)
        ax.set_ylim(-0.7, len(order) - 0.3)
        ax.set_xscale("log")
        ax.set_xlabel("matched energy to solution at N = $10^{15}$ (J)")
        ax.set_title("sensitivity: blue = low value, red = high value")
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2)

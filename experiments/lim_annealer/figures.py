"""The annealer's figures, drawn from a result file alone."""

from __future__ import annotations

import numpy as np

from experiments.common import figure

_ARCH_STYLE = {"static": "s--", "matched": "^--", "ideal": "v--"}


def _scan(res, name):
    scan = np.asarray(res["points/scan"]).astype(str)
    return np.flatnonzero(scan == name)


def _residual(res, idx):
    e = np.asarray(res["points/energy"])[idx]
    e0 = np.asarray(res["points/ground_energy"])[idx, None]
    n = np.asarray(res["points/n"])[idx, None]
    r = (e - e0) / n
    return r.mean(axis=1), r.std(axis=1, ddof=1) / np.sqrt(r.shape[1])


def plot(res, outdir) -> list[str]:
    kT = float(res.attrs["kT"])
    stems: list[str] = []
    n = np.asarray(res["points/n"]).astype(float)
    total = np.asarray(res["points/total"]) / kT / n
    time = np.asarray(res["points/time"])
    archs = [a for a in ("static", "matched", "ideal") if f"estimate/{a}/total" in res.data]

    with figure(outdir, "energy_vs_speed", stems) as (_fig, ax):
        idx = _scan(res, "speed")
        ax.plot(time[idx], total[idx], "o-", label="in-memory machine (ledger)")
        for a in archs:
            est = np.asarray(res[f"estimate/{a}/total"]) / kT / n
            ax.plot(time[idx], est[idx], _ARCH_STYLE[a], label=f"estimate {a}")
        ax.plot(time[idx], np.asarray(res["points/sweeps"])[idx] * np.log(2), "k:",
                label="Landauer, 1 bit per update")
        ax.set(xscale="log", yscale="symlog", xlabel="anneal time (s)",
               ylabel="energy to solution per spin (kT)",
               title="energy vs convergence speed (sweeps scan)")
        ax.legend()

    with figure(outdir, "quality_vs_energy", stems) as (_fig, ax):
        for scan, mark in (("speed", "o-"), ("schedule", "s"), ("clock", "^-")):
            idx = _scan(res, scan)
            mean, se = _residual(res, idx)
            ax.errorbar(total[idx], mean, yerr=4 * se, fmt=mark, label=f"{scan} scan")
        idx = _scan(res, "schedule")
        for i in idx:
            ax.annotate(str(np.asarray(res["points/schedule"])[i]),
                        (total[i], _residual(res, [i])[0][0]), fontsize=7)
        ax.set(xscale="symlog", xlabel="energy to solution per spin (kT)",
               ylabel="residual energy per spin (coupling units)",
               title="solution quality vs energy (±4 se)")
        ax.legend()

    with figure(outdir, "size", stems) as (_fig, ax):
        idx = _scan(res, "size")
        mean, se = _residual(res, idx)
        ax.errorbar(n[idx], mean, yerr=4 * se, fmt="o-", label="residual per spin")
        ax.set(xscale="log", xlabel="spins N", ylabel="residual energy per spin (units)",
               title="problem size at fixed sweeps")
        ax2 = ax.twinx()
        ax2.plot(n[idx], total[idx], "s--", color="C1", label="energy per spin")
        ax2.set_ylabel("energy to solution per spin (kT)")
        ax.legend(loc="upper left")
        ax2.legend(loc="upper right")

    with figure(outdir, "clock", stems) as (_fig, ax):
        idx = _scan(res, "clock")
        mean, se = _residual(res, idx)
        b = np.asarray(res["points/barrier"])[idx]
        ax.errorbar(b, mean, yerr=4 * se, fmt="o-")
        ax.set(xlabel="barrier in a window (kT)", ylabel="residual energy per spin (units)",
               title="the barrier is the clock (same sweeps)")

    with figure(outdir, "walls", stems) as (_fig, ax):
        walls = ("update", "hold", "consolidate")
        i = int(np.asarray(res["baseline/point"])[0]) if "baseline/point" in res.data else -1
        labels, values = ["machine"], [[np.asarray(res[f"points/{w}"])[i] / kT
                                        for w in ("work", "hold", "consolidate")]]
        for a in archs:
            labels.append(f"est. {a}")
            values.append([np.asarray(res[f"estimate/{a}/{w}"])[i] / kT for w in walls])
        if "baseline/architecture" in res.data:
            for k, a in enumerate(np.asarray(res["baseline/architecture"]).astype(str)):
                labels.append(f"write-through {a}")
                values.append([np.asarray(res[f"baseline/{w}"])[k] / kT for w in walls])
        v = np.asarray(values)
        x = np.arange(len(labels))
        for k, w in enumerate(walls):
            ax.bar(x + (k - 1) * 0.27, np.abs(v[:, k]) + 1e-3, 0.27, label=w)
        ax.set_xticks(x, labels, rotation=30, ha="right")
        ax.set(yscale="log", ylabel="|energy| per solution (kT)",
               title=f"energy by wall, planted N = {int(n[i])}")
        ax.legend()

    if "points/hold_errors" in res.data:
        with figure(outdir, "hold", stems) as (_fig, ax):
            errs = np.asarray(res["points/hold_errors"])[i].astype(float)  # (margins, R)
            p = np.asarray(res["points/hold_p"])[i]
            e_l = float(np.asarray(res["points/hold_barrier"])[i])
            b = e_l - np.asarray(res["hold_margins"])
            order = np.argsort(b)
            mean = errs.mean(axis=1)
            se = errs.std(axis=1, ddof=1) / np.sqrt(errs.shape[1])
            hit = order[mean[order] > 0]
            ax.errorbar(b[hit], mean[hit], yerr=np.minimum(4 * se[hit], 0.99 * mean[hit]),
                        fmt="o", label="simulated (±4 s.e.)")
            none = order[mean[order] == 0]
            if none.size:
                floor = 0.3 * float(np.min(n[i] * p))
                ax.plot(b[none], np.full(none.size, floor), "v", mfc="none",
                        label=f"none flipped (drawn at {floor:.2g})")
            ax.plot(b[order], n[i] * p[order], "-", label="exact N (1 - e^{-2kt})/2")
            ax.axvline(e_l, ls=":", color="k", label="E_L (target ε)")
            ax.set(yscale="log", xlabel="hold barrier (kT)",
                   ylabel="flipped spins per restart after the retention time",
                   title=f"holding the answer, planted N = {int(n[i])}")
            ax.legend()
    return stems

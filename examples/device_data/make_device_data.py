"""Make the example device data set: the engine measures a known MTJ as a lab would.

The device is the preset ``stt_mram_pmtj_40nm`` (Δ = 40 at 300 K, I_c0 = 49 µA, τ0 = 1 ns,
b = 2). Two measurements, each cell simulated by ``simcore.MemoryArray`` (exact propagator,
counter-based random numbers, seeds from ``simcore.seeds.Seeds(ROOT)`` by name):

* ``mtj_switching.csv``: ``trials`` cells written 0 -> 1 by a rectangular current pulse, at
  four currents and five pulse widths around each current's switching time, 300 K;
  columns ``current_A, pulse_width_s, switched, trials``.
* ``mtj_retention.csv``: ``cells`` bits written to 0, held at zero current at a temperature for
  a window, then read; columns ``temperature_K, duration_s, flipped, cells`` (the 300 K row
  sees no flip in its window: a censored row).

Run ``python examples/device_data/make_device_data.py [OUT_DIR]``; the same seed gives the same
files on any machine and thread count (``tests/exact/test_devices_fit.py`` checks it).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

from devices import preset
from simcore import MemoryArray, Protocol
from simcore.seeds import Seeds

ROOT = 20261202
DEVICE = "stt_mram_pmtj_40nm"
CURRENT_FRACTIONS = (0.5, 0.6, 0.7, 0.8)  # of I_c0
WIDTH_FACTORS = (0.2, 0.5, 1.0, 2.0, 4.0)  # of τ(I), rounded to two digits
TRIALS = 1000
RETENTION = (  # (temperature K, window s)
    (300.0, 1e4),
    (330.0, 1e6),
    (350.0, 1e5),
    (370.0, 1e4),
    (390.0, 3e3),
    (410.0, 5e2),
)
CELLS = 2000


def _switched(dev, current, width, temperature, seed, n):
    """Cells of ``n`` in level 1 after a pulse of ``current`` A for ``width`` s from level 0."""
    e, s = dev.landscape(current, temperature)
    arr = MemoryArray(
        n, 2, temperature=temperature, attempt_frequency=dev.attempt_frequency, seed=seed
    )
    arr.run(Protocol.constant(e, s, width, "pulse"), width, initial=0)
    return int(np.count_nonzero(arr.state))


def switching_rows(seeds: Seeds):
    """Rows ``(current A, width s, switched, trials)`` of the switching measurement."""
    dev = preset(DEVICE)
    rows = []
    for i, x in enumerate(CURRENT_FRACTIONS):
        current = float(f"{x * dev.critical_current:.3g}")
        tau = dev.attempt_time * math.exp(dev.thermal_stability * (1.0 - x) ** dev.exponent)
        for j, f in enumerate(WIDTH_FACTORS):
            width = float(f"{f * tau:.2g}")
            k = _switched(dev, current, width, 300.0, seeds.seed("switching", i, j), TRIALS)
            rows.append((current, width, k, TRIALS))
    return rows


def retention_rows(seeds: Seeds):
    """Rows ``(temperature K, window s, flipped, cells)`` of the retention measurement."""
    dev = preset(DEVICE)
    return [
        (t, w, _switched(dev, 0.0, w, t, seeds.seed("retention", i), CELLS), CELLS)
        for i, (t, w) in enumerate(RETENTION)
    ]


def _write(path: Path, header: str, names, rows) -> None:
    lines = [f"# {line}" for line in header.splitlines()]
    lines.append(",".join(names))
    lines += [",".join(repr(v) if isinstance(v, float) else str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make(out: Path) -> list[Path]:
    """Write both CSV files into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    seeds = Seeds(ROOT)
    source = f"simulated by make_device_data.py: preset {DEVICE}, root seed {ROOT}"
    sw, rt = out / "mtj_switching.csv", out / "mtj_retention.csv"
    _write(
        sw,
        f"{source}\nwrite 0 -> 1 at 300 K",
        ["current_A", "pulse_width_s", "switched", "trials"],
        switching_rows(seeds),
    )
    _write(
        rt,
        f"{source}\nhold at zero current, read",
        ["temperature_K", "duration_s", "flipped", "cells"],
        retention_rows(seeds),
    )
    return [sw, rt]


if __name__ == "__main__":
    for p in make(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent):
        print(p)

"""Per-cell bit landscapes run in blocks (``MemoryArray.run`` with ``cell_landscapes``) against the
closed-form relaxation of each cell and against the first law, cell by cell."""

import numpy as np
import pytest

import simcore as sc
from simcore.landscape import pair_rates
from tests.conftest import F0, KT, bit

#: Four kinds of cell: (tilt in kT, saddle in kT, attempt frequency in Hz).
KINDS = [(0.0, 2.0, F0), (1.5, 3.0, 0.5 * F0), (-2.0, 1.0, 2.0 * F0), (0.7, 4.0, 3.0 * F0)]


def _cells(n):
    kind = np.arange(n) % len(KINDS)
    tilt = np.array([KINDS[k][0] for k in kind]) * KT
    sad = np.array([KINDS[k][1] for k in kind]) * KT
    f0 = np.array([KINDS[k][2] for k in kind])
    e = np.stack([-tilt / 2, tilt / 2], axis=1)
    return kind, e, sad[:, None], f0


@pytest.mark.parametrize("kinetics", ["arrhenius", "glauber"])
def test_held_per_cell_landscapes_relax_as_the_closed_form(kinetics):
    # a hold of 300 steps is one kernel block per 4096 steps; each kind of cell must follow
    # p1(t) = π1 + (p1(0) - π1) exp(-(k01 + k10) t), with its heat (E1 - E0)(p1(0) - p1(t))
    n, dt, n_steps = 200_000, 1e-10, 300
    kind, e, sad, f0 = _cells(n)
    arr = sc.MemoryArray(n, attempt_frequency=f0, kinetics=kinetics, seed=11, initial=0)
    hold = sc.Protocol.constant(*bit(0), n_steps * dt, "hold")
    r = arr.run(hold, dt, cell_landscapes=lambda _e, _s: (e, sad), record_per_cell=True)
    t = n_steps * dt
    for k, (tilt, barrier, f) in enumerate(KINDS):
        e_k = np.array([-tilt / 2, tilt / 2]) * KT
        up, down = pair_rates(e_k, np.array([barrier * KT]), KT, f, kinetics)
        rate = up[0] + down[0]
        pi1 = up[0] / rate
        p1 = pi1 * (1 - np.exp(-rate * t))
        sel = kind == k
        m = sel.sum()
        got = arr.state[sel].mean()
        assert abs(got - p1) <= 4 * np.sqrt(p1 * (1 - p1) / m) + 1e-12
        heat = r.heat.per_cell[sel]
        exact_heat = (e_k[1] - e_k[0]) * (0.0 - p1)
        assert abs(heat.mean() - exact_heat) <= 4 * heat.std(ddof=1) / np.sqrt(m) + 1e-12 * KT
    assert 0.05 < arr.state.mean() < 0.95  # the cells really moved


def test_first_law_per_cell_through_blocks_and_ramps():
    # holds (blocks) and ramps (one step per block) with per-cell landscapes: ΔU = W - Q per cell
    n = 20_000
    kind, e, sad, f0 = _cells(n)
    scale = 1.0 + 0.1 * (kind - 1.5)

    def cells(e_shared, s_shared):
        return e_shared + scale[:, None] * e, s_shared + sad

    p = (
        sc.Protocol.constant(*bit(1), 2e-9, "hold")
        .ramp_to(*bit(0.5, 2), 1e-9, "update")
        .hold(3e-9, "update")
        .ramp_to(*bit(1, -1), 1e-9, "erase")
    )
    arr = sc.MemoryArray(n, attempt_frequency=f0, seed=5, initial=[0.5, 0.5])
    grid = p.grid(1e-10)
    e_first, _ = cells(*(x[0] for x in grid.landscapes(0, 0)))
    u0 = e_first[np.arange(n), arr.state.astype(int)]
    r = arr.run(p, 1e-10, cell_landscapes=cells, record_per_cell=True)
    e_last, _ = cells(*(x[0] for x in grid.landscapes(grid.n_steps, grid.n_steps)))
    u1 = e_last[np.arange(n), arr.state.astype(int)]
    np.testing.assert_allclose(u1 - u0, r.work.per_cell - r.heat.per_cell, atol=1e-12 * KT)
    assert r.by_tag["update"].changes > 0.01

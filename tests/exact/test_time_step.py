"""No time-step error for piecewise-constant protocols; first-order convergence for ramps."""

import numpy as np

import simcore as sc
from tests.conftest import F0, KT, T, bit


def _piecewise():
    # piecewise constant with jumps on the grid of both dt and dt/2
    p = sc.Protocol.constant(*bit(3, 0), 4e-9, "hold")
    p = p.jump_to(*bit(1, 2), "update").hold(6e-9, "update")
    return p.jump_to(*bit(6, -1), "erase").hold(2e-9, "erase")


def test_piecewise_constant_is_exact_at_any_dt():
    p = _piecewise()
    a = sc.solve_master(p, 1e-9, T, F0, initial=[0.3, 0.7])
    b = sc.solve_master(p, 0.5e-9, T, F0, initial=[0.3, 0.7])
    c = sc.solve_master(p, 0.1e-9, T, F0, initial=[0.3, 0.7])
    for x in (b, c):
        np.testing.assert_allclose([x.work, x.heat], [a.work, a.heat], rtol=1e-12)
        np.testing.assert_allclose(x.occupancy, a.occupancy, rtol=1e-12)


def test_piecewise_constant_monte_carlo_same_mean_at_dt_and_half():
    p = _piecewise()
    n = 100_000
    r1 = sc.MemoryArray(n, seed=1).run(p, 1e-9, initial=[0.3, 0.7])
    r2 = sc.MemoryArray(n, seed=2).run(p, 0.5e-9, initial=[0.3, 0.7])
    for name in ("work", "heat"):
        a, b = getattr(r1, name), getattr(r2, name)
        assert abs(a.mean - b.mean) <= 4 * np.hypot(a.stderr, b.stderr)


def _order_ratios(values):
    diffs = np.abs(np.diff(values))
    return diffs[:-1] / diffs[1:], diffs


def test_linear_ramp_converges_at_first_order():
    # The state evolves under the landscape at the end of each step: a lag of dt/2, so the
    # occupancy and the heat converge at first order (each halving of dt halves the error).
    p = sc.Protocol.ramp(bit(3, 0), bit(3, 5), 10e-9, "update")
    dts = 1e-9 / 2.0 ** np.arange(7)
    ms = [sc.solve_master(p, dt, T, F0, initial=[0.5, 0.5]) for dt in dts]
    for values in ([m.heat / KT for m in ms], [m.occupancy[1] for m in ms]):
        ratios, diffs = _order_ratios(np.array(values))
        assert np.all(np.abs(ratios[-3:] - 2.0) < 0.05), ratios
        assert diffs[0] > 1e-6  # there is a real time-step error to converge away
    # The work (left sum over a state that leads by dt/2) has its first-order errors cancel:
    # it converges at least as fast, here at second order.
    ratios, _ = _order_ratios(np.array([m.work for m in ms]))
    assert np.all(ratios[-3:] > 1.9), ratios

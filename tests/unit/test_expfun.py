"""The kernels' own exponentials: accurate to a few ulp, identical to their NumPy twins."""

import numpy as np

from simcore import expfun


def test_exp_within_one_ulp_and_twin_identical():
    x = np.concatenate([np.linspace(-708, 709, 20001), -np.logspace(-20, 2.8, 2000)])
    got = np.array([expfun.exp(v) for v in x])
    ref = np.exp(x)
    assert np.max(np.abs(got - ref) / np.spacing(ref)) <= 1.0
    np.testing.assert_array_equal(expfun.exp_np(x), got)
    assert expfun.exp(-800.0) == 0.0 and expfun.exp_np(np.array([-800.0]))[0] == 0.0


def test_phi_accurate_and_twin_identical():
    x = np.concatenate([[0.0], np.logspace(-20, 3, 4001)])
    got = np.array([expfun.phi(v) for v in x])
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.where(x > 0, -np.expm1(-x) / np.where(x > 0, x, 1.0), 1.0)
    assert np.max(np.abs(got - ref) / ref) < 2e-15
    np.testing.assert_array_equal(expfun.phi_np(x), got)

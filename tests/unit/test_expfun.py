"""The kernels' own exponentials: accurate to a few ulp, identical to their NumPy twins."""

import math

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


def test_pow2_is_the_table_value():
    for k in range(-1021, 1024):
        assert expfun.pow2(k) == math.ldexp(1.0, k)


def test_exp_against_math_exp():
    # the accuracy the per-cell kernels rely on: within 1 ulp of the correctly rounded value
    # (libm's math.exp is itself within 1 ulp), i.e. relative error < 2.3e-16
    rs = np.random.default_rng(7)
    x = np.concatenate([rs.uniform(-708, 709, 20000), rs.uniform(-50, 0, 20000)])
    got = np.array([expfun.exp(v) for v in x])
    ref = np.array([math.exp(v) for v in x])
    assert np.max(np.abs(got - ref) / ref) < 2.3e-16
    assert np.max(np.abs(got - ref) / np.spacing(ref)) <= 1.0


def test_phi_against_math_expm1():
    rs = np.random.default_rng(8)
    x = np.concatenate([10.0 ** rs.uniform(-18, 3, 20000), rs.uniform(0.05, 0.15, 2000)])
    got = np.array([expfun.phi(v) for v in x])
    ref = np.array([-math.expm1(-v) / v for v in x])
    assert np.max(np.abs(got - ref) / ref) < 2e-15

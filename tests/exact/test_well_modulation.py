"""The quartic well's barrier-modulation terms (``simcore.well_modulation``) against the
Fokker–Planck oracle and the device's Kramers prefactor, and the architectures that pay them
(``simcore.lim``, ``modulation`` and ``reference_barrier``)."""

import math

import numpy as np
import pytest

import simcore as sc
from devices import DoubleWell
from simcore import bounds, lim
from simcore import fokker_planck as fp
from simcore import well_modulation as wm
from simcore.langevin import PolynomialProtocol, quartic_coefficients

T = 300.0
KT = sc.kT(T)
X0 = 1e-9
ZETA = 1e-12
TW10 = ZETA / (8 * 10 * KT / X0**2)


def test_quasi_static_free_energy_change_is_the_oracles():
    """10 -> 82 kT: 1.071 kT by quadrature, as ``fokker_planck.free_energy`` gives (an
    independent quadrature of the same partition function, in metres)."""
    for a, b in ((10.0, 82.0), (3.0, 40.0), (40.0, 1.0)):
        p = PolynomialProtocol.ramp(quartic_coefficients(a * KT, X0),
                                    quartic_coefficients(b * KT, X0), 1.0)
        want = fp.free_energy(p, 1.0) - fp.free_energy(p, 0.0)
        got = wm.quasi_static_free_energy_change(a * KT, b * KT, T)
        assert got == pytest.approx(want, abs=1e-9 * KT)
    assert wm.quasi_static_free_energy_change(10 * KT, 82 * KT, T) / KT == pytest.approx(
        1.071, abs=5e-4)


def test_harmonic_limit_converges_at_first_order_in_kt_over_barrier():
    """(kT/2) ln(E_b/E_a) is the large-barrier limit; its error at (E, 2E) falls like 1/E."""
    errs = []
    for e in (10.0, 20.0, 40.0, 80.0):
        exact = wm.quasi_static_free_energy_change(e * KT, 2 * e * KT, T)
        harm = wm.quasi_static_free_energy_change(e * KT, 2 * e * KT, T, method="harmonic")
        assert harm == pytest.approx(0.5 * KT * math.log(2.0))
        errs.append(abs(exact - harm))
    ratios = np.array(errs[:-1]) / np.array(errs[1:])
    # first order: the ratio of successive errors tends to 2 (its own error is O(kT/E))
    assert np.all(np.diff(ratios) < 0) and np.all(ratios > 2.0)
    assert ratios[-1] == pytest.approx(2.0, abs=0.05)


def test_sudden_change_matches_a_fast_ramp_of_the_oracle_and_bounds_the_quasi_static():
    """A raise much faster than the well's relaxation does the sudden work (E_b - E_a)⟨s⟩_a
    (oracle: the Fokker–Planck solution of a 10^-3 TW10 ramp); Jensen: it is >= ΔF."""
    a, b = 10 * KT, 40 * KT
    p = PolynomialProtocol.ramp(quartic_coefficients(a, X0), quartic_coefficients(b, X0),
                                1e-3 * TW10)
    o = fp.solve_fokker_planck(p, 1e-4 * TW10, friction=ZETA, grid=(-2.2 * X0, 2.2 * X0, 881))
    sudden = wm.sudden_change_work(a, b, T)
    assert o.total_work == pytest.approx(sudden, rel=5e-3)
    for lo, hi in ((a, b), (b, a), (KT, 60 * KT), (60 * KT, KT)):
        assert wm.sudden_change_work(lo, hi, T) >= wm.quasi_static_free_energy_change(lo, hi, T)
    # harmonic wells hold kT/2 of potential energy
    assert wm.mean_shape(400 * KT, T) * 400 * KT == pytest.approx(0.5 * KT, rel=5e-3)


def test_kramers_attempt_frequency_is_the_devices_prefactor():
    ref = DoubleWell(barrier=40 * KT, half_width=X0, friction=ZETA)
    for e in (5.0, 20.0, 82.0):
        dw = DoubleWell(barrier=e * KT, half_width=X0, friction=ZETA)
        got = wm.kramers_attempt_frequency(e * KT, 40 * KT, ref.attempt_frequency)
        assert got == pytest.approx(dw.attempt_frequency, rel=1e-12)


def test_bad_modulation_arguments_name_the_parameter():
    with pytest.raises(sc.ParameterError, match="barrier_start"):
        wm.quasi_static_free_energy_change(0.0, KT, T)
    with pytest.raises(sc.ParameterError, match="method"):
        wm.quasi_static_free_energy_change(KT, 2 * KT, T, method="exact")
    with pytest.raises(sc.ParameterError, match="reference_barrier"):
        wm.kramers_attempt_frequency(KT, 0.0, 1e9)
    with pytest.raises(sc.ParameterError, match="modulation"):
        lim.energy_to_solution("matched", 1e6, 1e3, modulation="adiabatic")


# --------------------------------------------------------------------------- the architectures
COMMON = dict(update_time=1e-8, temperature=T, attempt_frequency=1e9, error=2.0**-8,
              retention=10 * sc.YEAR, scale=100.0)


def _arch(name, **kw):
    return lim.Architecture(architecture=name, n_cells=8e4, **{**COMMON, **kw})


def test_modulation_walls_are_the_quartic_terms():
    """Off by default (old numbers); matched pays ΔF(E(1) -> E_L) once per cell (quasi-static)
    or the slow rise plus an instant step to E_L (sudden); ideal pays nothing quasi-statically
    (a closed cycle) and two instant steps per changed bit (sudden); static never moves."""
    args = ("matched", 1e4 * 1000, 1e4, "inverse", 8)
    free = lim.energy_to_solution(*args, **COMMON)
    assert free.modulation == 0.0
    qs = lim.energy_to_solution(*args, modulation="quasi_static", **COMMON)
    m = _arch("matched")
    cells = 1e4 * 8
    d_f = wm.quasi_static_free_energy_change(float(m.barrier(1.0)), m.long_barrier, T)
    assert qs.modulation == pytest.approx(cells * d_f, rel=1e-12)
    assert qs.total - qs.modulation == pytest.approx(free.total, rel=1e-15)
    sd = lim.energy_to_solution(*args, modulation="sudden", **COMMON)
    step = wm.sudden_change_work(sd.barrier_final, sd.barrier_long, T)
    slow = wm.quasi_static_free_energy_change(float(m.barrier(1.0)), sd.barrier_final, T)
    assert sd.modulation == pytest.approx(cells * (slow + step), rel=1e-12)
    assert sd.modulation >= qs.modulation
    ideal = ("ideal", *args[1:])
    assert lim.energy_to_solution(*ideal, modulation="quasi_static", **COMMON).modulation == 0.0
    r = lim.energy_to_solution(*ideal, modulation="sudden", **COMMON)
    e_l = r.barrier_long
    cycle = wm.sudden_change_work(e_l, KT, T) + wm.sudden_change_work(KT, e_l, T)
    assert r.modulation == pytest.approx(r.changed_bits * cycle, rel=1e-12)
    static = ("static", *args[1:])
    assert lim.energy_to_solution(*static, modulation="sudden", **COMMON).modulation == 0.0


def test_kramers_barriers_hold_their_bits_at_the_curvature_following_rate():
    """With f0 ∝ E the retention barriers are self-consistent: E_L keeps every cell for the
    retention with failure ε at f0(E_L), and the matched barrier b(n) holds for τ_u/a_n at
    f0(b(n)); the cap kink is where b(n) meets E_L."""
    ref = 40 * KT
    m = _arch("matched", reference_barrier=ref)
    e_l = m.long_barrier
    f_l = wm.kramers_attempt_frequency(e_l, ref, 1e9)
    assert bounds.retention_error(e_l, 10 * sc.YEAR, f_l, T, n_cells=8e4) == pytest.approx(
        2.0**-8, rel=1e-10)
    n = np.array([1.0, 10.0, 1e3])
    b = m.barrier(n)
    a = m.activity(n)
    f_b = wm.kramers_attempt_frequency(b, ref, 1e9)
    for bi, ai, fi in zip(b, a, f_b, strict=True):
        if bi < e_l:
            assert bounds.retention_error(bi, 1e-8 / ai, fi, T) == pytest.approx(2.0**-8,
                                                                                 rel=1e-10)
    short = _arch("matched", reference_barrier=ref, scale=1.0, retention=1e-3)
    kinks = short.kinks(10**13)
    assert kinks, "the barrier meets the cap inside the run"
    assert any(abs(float(short.barrier(k)) - short.long_barrier) < 1e-9 * KT for k in kinks)
    # the ideal write at its 1 kT floor is slower by E_ref/floor and refused when too slow
    with pytest.raises(sc.ParameterError, match="update_time"):
        lim.energy_to_solution("ideal", 1e7, 1e4, reference_barrier=ref, **{
            k: v for k, v in COMMON.items() if k != "scale"})
    slow = lim.energy_to_solution("ideal", 1e7, 1e4, reference_barrier=ref,
                                  **{**COMMON, "update_time": 1e-5})
    assert slow.update > lim.energy_to_solution("ideal", 1e7, 1e4,
                                                **{**COMMON, "update_time": 1e-5}).update


def test_kramers_matched_sums_match_the_term_by_term_sum():
    """Beyond 2^20 iterations the sums are Euler–Maclaurin between the kinks; with f0 ∝ E the
    kinks are found in barrier space. Against the plain sum of every iteration's cost."""
    n_params, bits, n_iter = 10, 8, 3 * 10**6
    kw = {**COMMON, "scale": 300.0, "retention": 1e-6, "reference_barrier": 30 * KT}
    est = lim.energy_to_solution("matched", n_params * n_iter, n_params, "inverse", bits, **kw)
    m = lim.Architecture(architecture="matched", n_cells=n_params * bits,
                         **{k: v for k, v in kw.items()})
    assert m.kinks(n_iter), "the cap is met inside the run"
    total = 0.0
    for lo in range(1, n_iter + 1, 2**18):
        n = np.arange(lo, min(lo + 2**18, n_iter + 1), dtype=np.float64)
        total += float(np.sum(m.activity(n) * m.write_cost(m.barrier(n))))
    want = 0.5 * total * n_params * bits
    assert abs(est.update - want) <= est.sum_error + 1e-12 * want

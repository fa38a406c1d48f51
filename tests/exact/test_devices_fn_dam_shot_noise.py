"""FN-DAM: the stored value spreads as electron shot noise does (variance 2n/N_e² levels² for
n electrons tunnelled per gate, N_e electrons per level), on the engine (MemoryArray, at the
family-wise error rate of ``experiments.checks``) and exactly on the master equation, over
windows from 1 s to 10^6 s; the electrical energy of holds and pulses against quadrature and
hand calculations."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import integrate

from devices import FowlerNordheimDAM, preset
from experiments.checks import assemble, check, check_key
from simcore import MemoryArray, ParameterError, solve_master

Q = 1.602176634e-19  # C, elementary charge (SI exact)
WINDOWS = ((0.0, 1.0), (0.0, 1e2), (0.0, 1e4), (0.0, 1e6), (1e3, 1e6))
START = 32  # a level far from both ends of the 64-level chain


def _by_hand(dev, t_a, t_b):
    """Shot-noise variance (levels²) from the closed-form V(t) alone."""
    v = [
        dev.beta / math.log(dev.k1 * t + math.exp(dev.beta / dev.initial_voltage))
        for t in (t_a, t_b)
    ]
    electrons = dev.capacitance * (v[0] - v[1]) / Q
    per_level = dev.capacitance * dev.level_spacing / Q
    return 2.0 * electrons / per_level**2


def test_the_issue_figures_are_shot_noise_now():
    """The reviewer's 21 levels after 1 s and 78 after 10^6 s were sqrt(2 × level hops) of a
    chain with one hop per level of charge; shot noise gives about 0.3 and 1."""
    dev = preset("fn_dam_synapse")
    assert dev.electrons_per_level == pytest.approx(1e-12 * 1e-3 / Q, rel=1e-12)
    assert math.sqrt(dev.shot_noise_variance(0.0, 1.0)) == pytest.approx(0.27, abs=0.01)
    assert math.sqrt(dev.shot_noise_variance(0.0, 1e6)) == pytest.approx(0.98, abs=0.01)
    for t_a, t_b in WINDOWS:
        assert float(dev.shot_noise_variance(t_a, t_b)) == pytest.approx(
            _by_hand(dev, t_a, t_b), rel=1e-9
        )
        assert float(dev.hops(t_a, t_b)) == pytest.approx(0.5 * _by_hand(dev, t_a, t_b), rel=1e-9)


@pytest.mark.parametrize(("t_a", "t_b"), WINDOWS)
def test_master_equation_spread_is_the_shot_noise_variance(t_a, t_b):
    dev = preset("fn_dam_synapse")
    proto = dev.hold_protocol(t_a, t_b, segments=12)
    start = np.zeros(dev.levels)
    start[START] = 1.0
    master = solve_master(proto, t_b - t_a, 300.0, dev.attempt_frequency, initial=start)
    x = np.arange(dev.levels) - START
    p = master.occupancy
    assert p @ x == pytest.approx(0.0, abs=1e-12)
    assert p @ x**2 == pytest.approx(_by_hand(dev, t_a, t_b), rel=1e-8)


def test_engine_spread_is_the_shot_noise_variance():
    dev = preset("fn_dam_synapse")
    n = 20000
    records = []
    for i, (t_a, t_b) in enumerate(WINDOWS):
        proto = dev.hold_protocol(t_a, t_b, segments=12)
        arr = MemoryArray(n, dev.levels, attempt_frequency=dev.attempt_frequency, seed=1807 + i)
        arr.run(proto, t_b - t_a, initial=START)  # piecewise constant: exact at the knots
        d2 = (arr.state.astype(np.float64) - START) ** 2
        records.append(
            check(
                check_key("spread", i),
                f"Var(level) over [{t_a:g}, {t_b:g}] s",
                d2.mean(),
                _by_hand(dev, t_a, t_b),
                se=d2.std(ddof=1) / math.sqrt(n),
                unit="levels^2",
            )
        )
    failed = [c for c in assemble(records) if not c["passed"]]
    assert not failed, failed


def test_one_electron_per_level_is_the_electron_process():
    """With N_e = 1 a hop is one electron: hops each way = electrons tunnelled per gate."""
    dev = dataclasses.replace(preset("fn_dam_synapse"), level_spacing=Q / 1e-12)
    assert dev.electrons_per_level == pytest.approx(1.0, rel=1e-12)
    assert float(dev.hops(0.0, 10.0)) == pytest.approx(
        float(dev.tunnelled_electrons(0.0, 10.0)), rel=1e-12
    )
    # a pulse then hops at the pulsed gate's electron rate with it, the other's against it
    assert float(dev.program_rate(10.0, 0.5)) == pytest.approx(
        float(dev.pulse_current(10.0, 0.5)) / Q, rel=1e-9
    )
    assert float(dev.hop_rate(10.0)) == pytest.approx(float(dev.current(10.0)) / Q, rel=1e-12)


@pytest.mark.parametrize(("t_a", "t_b"), WINDOWS)
def test_tunnelling_energy_is_the_integral_of_qV_per_electron(t_a, t_b):
    dev = preset("fn_dam_synapse")
    pts = np.logspace(-3, math.log10(t_b), 40)
    pts = pts[(pts > t_a) & (pts < t_b)]
    quad = integrate.quad(
        lambda t: float(dev.current(t) * dev.voltage(t)),
        t_a,
        t_b,
        epsrel=1e-11,
        limit=400,
        points=pts if pts.size else None,
    )[0]
    assert float(dev.tunnelling_energy(t_a, t_b, gates=1)) == pytest.approx(quad, rel=1e-8)
    assert float(dev.tunnelling_energy(t_a, t_b)) == pytest.approx(2.0 * quad, rel=1e-8)


def test_tunnelling_energy_by_hand():
    """Preset over [0, 1] s: V(1) = 180/ln(5.4e9 + e^22.5) V; per cell C (V0² - V1²)."""
    dev = preset("fn_dam_synapse")
    v1 = 180.0 / math.log(3e-5 * 180.0 / 1e-12 + math.exp(180.0 / 8.0))
    assert float(dev.tunnelling_energy(0.0, 1.0)) == pytest.approx(
        1e-12 * (64.0 - v1 * v1), rel=1e-12
    )
    # ≈ electrons × q × the mean voltage, to second order in the (small) drop
    short = dev.tunnelling_energy(1e3, 1e3 + 1.0, gates=1)
    v_mid = float(dev.voltage(1e3 + 0.5))
    assert float(short) == pytest.approx(
        float(dev.tunnelled_electrons(1e3, 1e3 + 1.0)) * Q * v_mid, rel=1e-9
    )


def test_injection_energy_is_charge_times_voltage():
    dev = preset("fn_dam_synapse")
    age, vp, w = 10.0, 1.0, 1e-6
    v = float(dev.voltage(age)) + vp
    i_p = 3e-5 * v * v * math.exp(-180.0 / v)
    assert float(dev.injection_charge(age, vp, w)) == pytest.approx(i_p * w, rel=1e-12)
    assert float(dev.injection_energy(age, vp, w)) == pytest.approx(i_p * w * v, rel=1e-12)
    # the charge beyond the hold leak is the update, in levels of C ΔV
    extra = float(dev.injection_charge(age, vp, w)) - float(dev.current(age)) * w
    assert float(dev.update_size(age, vp, w)) == pytest.approx(
        extra / (dev.capacitance * dev.level_spacing), rel=1e-12
    )


def test_bad_energy_and_quantum_arguments():
    dev = preset("fn_dam_synapse")
    with pytest.raises(ParameterError) as err:
        dev.tunnelling_energy(0.0, 1.0, gates=3)
    assert err.value.name == "gates"
    with pytest.raises(ParameterError) as err:
        dev.tunnelling_energy(2.0, 1.0)
    assert err.value.name == "t_b"
    with pytest.raises(ParameterError) as err:
        dev.injection_energy(1.0, -1.0, 1e-6)
    assert err.value.name == "amplitude"
    with pytest.raises(ParameterError) as err:
        FowlerNordheimDAM(
            alpha=3e-5, beta=180.0, capacitance=1e-12, initial_voltage=8.0, level_spacing=1e-8
        )
    assert err.value.name == "level_spacing"

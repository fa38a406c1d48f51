"""Workloads, reference lines and the estimate's range (``simcore.references``,
``simcore.lim.check_estimate_range``) and ``limsim bounds energy-to-solution``."""

import math

import numpy as np
import pytest

import simcore as sc
from harness.cli import main
from simcore import bounds, lim, references
from simcore.errors import ParameterError

KT = sc.kT(300.0)


def test_published_flops_agree_with_six_n_d():
    """Training FLOPs ≈ 6 × parameters × tokens (Kaplan et al. 2020): the sourced counts and
    the parameter and token counts beside them are consistent."""
    for key, tokens, rel in (("gpt3-175b", 300e9, 0.01), ("chinchilla-70b", 1.4e12, 0.03)):
        w = references.WORKLOADS[key]
        assert w.flops == pytest.approx(6 * w.parameters * tokens, rel=rel)
        assert w.ops == w.parameters * w.updates
    gpt3 = references.WORKLOADS["gpt3-175b"]
    assert gpt3.updates * 3.2e6 == pytest.approx(300e9)
    assert references.WORKLOADS["brain-paper"].ops == pytest.approx(1e28)


def test_reference_lines_are_their_formulas():
    ops, bits, eps, changed = 1e20, 8, 2.0**-8, 3e19
    lines = {ln.name: ln for ln in references.reference_lines(ops, bits, eps, changed,
                                                                flops=2e21)}
    assert lines["landauer_adiabatic"].energy == pytest.approx(ops * bits * KT * math.log(2))
    assert lines["landauer_information"].energy == pytest.approx(
        changed * bounds.landauer_erasure(1 - eps, 300.0), rel=1e-12)
    assert lines["charge_switch_limit"].energy == pytest.approx(ops * bits * KT * math.log(256))
    assert lines["memory_dram-32bit-read"].energy == pytest.approx(ops * 640e-12)
    assert lines["memory_sram-update"].energy == pytest.approx(ops * lim.HARDWARE_ENERGY_PER_OP)
    assert lines["accelerator_h100"].energy == pytest.approx(2e21 * 700 / 989e12)
    assert lines["accelerator_a100"].energy == pytest.approx(2e21 * 400 / 312e12)
    assert all(ln.source for ln in lines.values())
    assert "accelerator_h100" not in {
        ln.name for ln in references.reference_lines(ops, bits, eps, changed)}


def test_information_line_bounds_every_architecture_and_is_below_the_adiabatic_line():
    for a in lim.ARCHITECTURES:
        e = lim.energy_to_solution(a, 1e28, 1e15)
        assert e.update >= e.information
        assert e.information < e.landauer
        est, lines = references.project("brain-paper", a)
        got = {ln.name: ln.energy for ln in lines}
        assert got[f"lim_{a}"] == est.total == e.total
        assert got["landauer_information"] == pytest.approx(e.information, rel=1e-12)


def test_measured_line_extrapolates_with_its_error():
    ln = references.measured_line(2e-21, 1e-22, 1e28, source="test")
    assert (ln.energy, ln.sigma, ln.kind) == (pytest.approx(2e7), pytest.approx(1e6), "measured")
    with pytest.raises(sc.ParameterError, match="standard_error"):
        references.measured_line(1e-21, -1.0, 1e28)
    with pytest.raises(sc.ParameterError, match="workload"):
        references.workload("gpt-5")


@pytest.mark.parametrize(("tau", "eps", "ok"), [(1e-9, 2.0**-8, False), (1e-8, 2.0**-8, True),
                                                (1e-8, 2.0**-16, False), (1e-8, 0.5, False),
                                                (math.log(256) / 1e9, 2.0**-8, True)])
def test_estimate_range_is_f0_tau_at_least_ln_one_over_epsilon(tau, eps, ok):
    if ok:
        assert lim.check_estimate_range(tau, eps, 1e9) >= 1.0 - 1e-12
        lim.energy_to_solution("matched", 1e6, 1e3, update_time=tau, error=eps)
        return
    with pytest.raises(sc.ParameterError, match=r"update_time|error") as info:
        lim.energy_to_solution("matched", 1e6, 1e3, update_time=tau, error=eps)
    if eps < 0.5:
        assert "ln(1/ε)" in str(info.value)


def _run(argv, capsys):
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_bounds_energy_to_solution_command(capsys):
    rc, out, _ = _run(["bounds", "energy-to-solution", "--workload", "gpt3-175b"], capsys)
    assert rc == 0
    for name in ("matched", "landauer_adiabatic", "landauer_information", "accelerator_h100",
                 "memory_dram-32bit-read", "charge_switch_limit", "arXiv:2005.14165"):
        assert name in out
    rc, out, _ = _run(["bounds", "energy-to-solution", "--parameters", "1e6", "--steps", "1000",
                       "--architecture", "ideal", "--measured", "1e-21", "1e-23",
                       "--flops-per-update", "2"], capsys)
    assert rc == 0 and "measured" in out and "accelerator_a100" in out
    rc, _, err = _run(["bounds", "energy-to-solution", "--parameters", "1e15", "--steps", "1e13",
                       "--update-time", "1e-9"], capsys)
    assert rc == 2 and "update_time" in err and "ln(1/ε)" in err
    rc, _, err = _run(["bounds", "energy-to-solution"], capsys)
    assert rc == 2 and "workload" in err
    rc, _, err = _run(["bounds", "--write-time", "1e-8"], capsys)  # ε = 1e-6: f0 τ_w = 10 < 13.8
    assert rc == 2 and "update_time" in err


def test_controller_energy_prices_reads_and_macs_at_horowitz():
    """Horowitz (ISSCC 2014, 45 nm): 5 pJ per 32-bit 8 KB SRAM read, 3.7 + 0.9 pJ per FP32
    multiply-add; two operand reads per MAC by default."""
    from simcore.references import CONTROLLER_OPERATIONS, controller_energy

    assert CONTROLLER_OPERATIONS["sram-8kb-32bit-read"] == 5e-12
    assert controller_energy(1.0) == pytest.approx(14.6e-12, rel=1e-12)
    assert controller_energy(10.0, reads=0.0) == pytest.approx(46e-12, rel=1e-12)
    assert controller_energy(0.0, 3.0, read_energy=1e-12) == pytest.approx(3e-12)
    np.testing.assert_allclose(controller_energy(np.array([0.0, 2.0])), [0.0, 29.2e-12])
    for bad in (-1.0, math.inf):
        with pytest.raises(ParameterError, match="macs"):
            controller_energy(bad)
    with pytest.raises(ParameterError, match="read_energy"):
        controller_energy(1.0, read_energy=-1.0)

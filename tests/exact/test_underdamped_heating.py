"""A fast underdamped erasure heats the memory (Dago & Bellon, PRL 128, 070604 (2022)):
``experiments.two_state_validity.erasure.underdamped_heating`` against equipartition at rest,
the sign of the heating, and the relaxation rate ζ/m of the excess kinetic energy (exact for a
harmonic well; checked where the excess is small). Tolerances: 5 standard errors."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import simcore as sc
from experiments.two_state_validity import erasure as er

T = 300.0
KT = sc.kT(T)
CFG = SimpleNamespace(temperature=T, half_width=1e-9, friction=1e-12, erase_barrier=20.0,
                      low_barrier=1.0, erase_force=10.0)
N = 4000


@pytest.mark.parametrize("seed", [1, 2])
def test_equipartition_after_a_slow_erasure(seed):
    h = er.underdamped_heating(CFG, 30.0, 100.0, N, seed)
    assert abs(h.t_kin - T) <= 5 * h.t_kin_se


def test_fast_erasure_heats_and_relaxes_at_zeta_over_m():
    h = er.underdamped_heating(CFG, 30.0, 3.0, N, 7)
    assert h.t_kin - T >= 5 * h.t_kin_se  # heated
    assert 0.5 * KT <= h.stored <= 3 * KT  # small excess: the harmonic rate applies
    assert abs(h.rate / h.gamma - 1.0) <= 5 * h.rate_se / h.gamma
    # the extra work over Landauer holds the stored kinetic energy (part of it)
    assert h.work - KT * 0.6931471805599453 > h.stored > 0


def test_mass_gives_the_quality_factor():
    m = er.heating_mass(CFG, 30.0)
    k = 8 * 20.0 * KT / 1e-18
    assert (m * k) ** 0.5 / 1e-12 == pytest.approx(30.0, rel=1e-12)

"""devices.ideal: the one home of the ideal bit. Its builders reproduce, bit for bit, the
landscapes and protocols the experiments built by hand before (so default results do not
change), and the ``device`` key resolves to it by default."""

from __future__ import annotations

import numpy as np
import pytest

import simcore as sc
from devices import IdealBit, ideal
from devices.presets import PRESETS, device_from_key
from simcore.errors import ParameterError
from tests.conftest import KT, T


def _same(a: sc.Protocol, b: sc.Protocol) -> None:
    np.testing.assert_array_equal(a.times, b.times)
    np.testing.assert_array_equal(a.energies, b.energies)
    np.testing.assert_array_equal(a.saddles, b.saddles)
    assert list(a.tags) == list(b.tags)


def _old_bit(b, t=0.0):
    return sc.bit_landscape(b * KT, t * KT)


def test_bit_is_the_hand_built_landscape():
    for b, t in ((40.0, 0.0), (0.0, 3.5), (12.25, -7.0)):
        e, s = ideal.bit(b, t, T)
        e0, s0 = _old_bit(b, t)
        np.testing.assert_array_equal(e, e0)
        np.testing.assert_array_equal(s, s0)
    e, s = IdealBit(barrier=20.0).landscape(2.0, T)
    np.testing.assert_array_equal(e, _old_bit(20.0, 2.0)[0])


def test_static_write_is_the_old_update_wall_builder():
    barrier, tilt, tw = 40 * KT, 17 * KT, 1e-8
    flat, lifted, s = np.array([0.0, 0.0]), np.array([0.0, tilt]), np.array([barrier])
    old = sc.Protocol([0.0, 0.0, tw, tw], [flat, lifted, lifted, flat], [s, s, s, s],
                      ["consolidate"] * 3)
    _same(ideal.static_write(barrier, tilt, tw, "consolidate"), old)


def test_four_ramp_is_the_old_erasure_and_lowered_write():
    q = 1e-7 / 4
    old = (sc.Protocol.ramp(_old_bit(40.0), _old_bit(0.0), q, "erase")
           .ramp_to(*_old_bit(0.0, 10.0), q, "erase")
           .ramp_to(*_old_bit(40.0, 10.0), q, "erase")
           .ramp_to(*_old_bit(40.0), q, "erase"))
    _same(ideal.four_ramp(40.0, 0.0, 10.0, 1e-7, "erase", T), old)


def test_raise_and_hold_are_the_old_builders():
    old = sc.Protocol.ramp(sc.bit_landscape(14.0 * KT), sc.bit_landscape(55 * KT), 1e-6,
                           "consolidate")
    _same(ideal.raise_barrier(14.0, 55 * KT, 1e-6, "consolidate", T), old)
    times = np.geomspace(1e-3, 3.0, 5)
    e, s = sc.bit_landscape(12.0 * KT)
    t = np.concatenate([[0.0], times])
    old = sc.Protocol(t, [e] * t.size, [s] * t.size, ["hold"] * (t.size - 1))
    _same(ideal.hold(ideal.bit(12.0, 0.0, T), times), old)


def test_the_ideal_cell_draws_no_electrical_energy():
    assert IdealBit().write_energy(5.0, 1e-8, 0.5, T) == 0.0


def test_device_keys_resolve():
    assert isinstance(device_from_key("ideal"), IdealBit)
    for name in PRESETS:
        assert type(device_from_key(name)) is type(PRESETS[name]())
    with pytest.raises(ParameterError, match="stt_mram_10year") as exc:
        device_from_key("no_such_device")
    assert exc.value.name == "device"
    with pytest.raises(ParameterError, match="barrier"):
        IdealBit(barrier=-1.0)

"""Bad input raises a ValueError subclass naming the parameter, before any kernel runs."""

import numpy as np
import pytest

import simcore as sc
from tests.conftest import bit


def _raises(name, fn, *args, **kwargs):
    with pytest.raises(sc.ParameterError) as info:
        fn(*args, **kwargs)
    assert info.value.name == name
    assert name in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [0, -1.0, np.nan, np.inf, "hot"])
def test_temperature(value):
    _raises("temperature", sc.MemoryArray, 10, temperature=value)
    _raises("temperature", sc.kT, value)


@pytest.mark.parametrize("value", [0, -1e9, np.nan, [1e9, -1.0]])
def test_attempt_frequency(value):
    _raises("attempt_frequency", sc.MemoryArray, 10, attempt_frequency=value)


@pytest.mark.parametrize("value", [0, -5, 2.5, True, 2**33])
def test_n_cells(value):
    _raises("n_cells", sc.MemoryArray, value)


@pytest.mark.parametrize("value", [1, 257, 3.0])
def test_n_levels(value):
    _raises("n_levels", sc.MemoryArray, 10, value)


def test_kinetics_and_initial_and_seed():
    _raises("kinetics", sc.MemoryArray, 10, kinetics="kramers")
    _raises("initial", sc.MemoryArray, 10, initial=2)
    _raises("initial", sc.MemoryArray, 10, initial=[0.3, 0.3])
    _raises("initial", sc.MemoryArray, 10, initial="equilibrium")  # needs a landscape
    _raises("seed", sc.MemoryArray, 10, seed=-3)


@pytest.mark.parametrize("dt", [0, -1e-9, np.nan, np.inf])
def test_dt(dt):
    p = sc.Protocol.constant(*bit(5), 1e-9)
    _raises("dt", sc.MemoryArray(4).run, p, dt)
    _raises("dt", sc.solve_master, p, dt, 300, 1e9)


def test_protocol_shapes_and_values():
    e, s = bit(5)
    _raises("times", sc.Protocol, [0.0, 2.0, 1.0], [e, e, e], [s, s, s])
    _raises("times", sc.Protocol, [0.0], [e], [s])
    _raises("energies", sc.Protocol, [0.0, 1.0], [e, [np.nan, 0.0]], [s, s])
    _raises("energies", sc.Protocol, [0.0, 1.0], [[0.0], [0.0]], [[], []])
    _raises("energies", sc.Protocol, [0, 1], np.zeros((2, 257)), np.zeros((2, 256)))
    _raises("saddles", sc.Protocol, [0.0, 1.0], [e, e], [s])
    _raises("saddles", sc.Protocol, [0.0, 1.0], [e, e], [s, [np.inf]])
    _raises("tags", sc.Protocol, [0.0, 1.0], [e, e], [s, s], ["a", "b"])
    _raises("tags", sc.Protocol, [0.0, 1.0], [e, e], [s, s], [3])
    _raises("tags", sc.Protocol, [0.0, 1.0], [e, e], [s, s], [""])
    _raises("protocol", sc.MemoryArray(4, 3).run, sc.Protocol.constant(e, s, 1.0), 0.1)


def test_step_shapes_and_values():
    arr = sc.MemoryArray(5)
    _raises("energies", arr.step, np.zeros((4, 2)), np.zeros(1), 1e-9)
    _raises("energies", arr.step, [0.0, np.nan], [1.0], 1e-9)
    _raises("saddles", arr.step, [0.0, 0.0], [1.0, 2.0], 1e-9)
    _raises("dt", arr.step, [0.0, 0.0], [1.0], -1.0)
    _raises("tag", arr.step, [0.0, 0.0], [1.0], 1e-9, tag=7)


def test_nothing_changes_on_bad_input():
    arr = sc.MemoryArray(100, seed=1, initial=[0.5, 0.5])
    before = arr.state.copy()
    with pytest.raises(sc.ParameterError):
        arr.run(sc.Protocol.constant(*bit(5), 1e-9), -1.0)
    with pytest.raises(sc.ParameterError):
        arr.step([0.0, 0.0], [np.nan], 1e-9)
    np.testing.assert_array_equal(arr.state, before)
    assert arr.step_count == 0

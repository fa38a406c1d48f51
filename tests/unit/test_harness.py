"""The harness's own pieces: the registry's contract check, typed point records, the one
interrupt guard, the one memory guard."""

from __future__ import annotations

import dataclasses
import os
import signal
import types

import pytest

from experiments.contract import Experiment
from harness import interrupt, memory
from harness.registry import EXPERIMENTS, NAMES, experiment
from harness.sweep.records import Outcome, PointRecord, checked_results
from simcore.errors import ParameterError


def test_registry_gives_each_experiment_record(monkeypatch):
    assert tuple(EXPERIMENTS) == NAMES
    for name in EXPERIMENTS:
        exp = EXPERIMENTS[name]
        assert isinstance(exp, Experiment) and exp.name == name and exp.summary and exp.doc
    with pytest.raises(ParameterError) as info:
        experiment("no_such_experiment")
    assert info.value.name == "NAME" and "landauer_erasure" in str(info.value)


def test_registry_refuses_a_module_without_a_proper_record(monkeypatch):
    from experiments import retention

    monkeypatch.setattr(retention, "EXPERIMENT", types.SimpleNamespace(name="retention"))
    with pytest.raises(TypeError, match="must define EXPERIMENT"):
        experiment("retention")
    renamed = dataclasses.replace(EXPERIMENTS["landauer_erasure"], name="other")
    monkeypatch.setattr(retention, "EXPERIMENT", renamed)
    with pytest.raises(TypeError, match=r"EXPERIMENT\.name = 'other'"):
        experiment("retention")
    monkeypatch.delattr(retention, "EXPERIMENT")
    with pytest.raises(TypeError, match="not NoneType"):
        experiment("retention")


def _record(**outcome) -> PointRecord:
    return PointRecord(index=3, seed=2**62 + 5, point={"barrier": 10.0, "kinetics": "glauber"},
                       file="points/point-000003.h5", outcome=Outcome(**outcome))


def test_point_record_json_round_trip():
    ok = _record(status="ok", results={"w": 1.5}, sha256="ab" * 32, size=1234)
    failed = _record(status="failed", error="RuntimeError: no", traceback="Traceback ...")
    for rec in (ok, failed):
        assert PointRecord.from_json(rec.to_json()) == rec
    assert "traceback" not in ok.to_json() and failed.status == "failed" and ok.outcome.ok
    assert Outcome.failed("E: x") == Outcome(status="failed", error="E: x")
    with pytest.raises(ValueError, match="status"):
        Outcome(status="done")


@pytest.mark.parametrize("text", ['{"index": 2, "stat', "[]", '{"index": 1}',
                                  _record(status="ok").to_json().replace('"size": 0',
                                                                         '"size": "0"')])
def test_damaged_point_record_is_refused(text):
    with pytest.raises(ValueError):
        PointRecord.from_json(text)


def test_checked_results():
    assert checked_results({"b": 1, "a": 2.5}) == {"a": 2.5, "b": 1.0}
    for bad in ([1.0], {"a/b": 1.0}, {"": 1.0}, {".x": 1.0}, {"a": "1"}, {"a": True}):
        with pytest.raises(TypeError):
            checked_results(bad)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_one_guard_even_when_nested(signum):
    before = signal.getsignal(signum)
    with interrupt.interrupt_guard():
        outer = signal.getsignal(signum)
        assert outer is not before
        with pytest.raises(interrupt.Interrupted) as info, interrupt.interrupt_guard():
            assert signal.getsignal(signum) is outer  # the inner guard is the outer one
            os.kill(os.getpid(), signum)
            for _ in range(10**6):  # the handler runs between bytecodes
                pass
        assert info.value.signum == signum and isinstance(info.value, KeyboardInterrupt)
        assert signal.getsignal(signum) is outer
        with pytest.raises(interrupt.Interrupted):
            interrupt.raise_if_interrupted()  # remembered for the next safe point
    assert signal.getsignal(signum) is before


def _fake(memory_estimate, size_keys=("n_cells",)):
    base = EXPERIMENTS["landauer_erasure"]
    return dataclasses.replace(base, memory_estimate=memory_estimate, size_keys=size_keys)


def test_memory_guard_of_a_run():
    cfg = EXPERIMENTS["landauer_erasure"].config()
    exp = _fake(lambda c: 3.0 * 2**30)
    assert memory.run_need(exp, cfg) == memory.BASE_MEMORY + 3.0 * 2**30
    assert memory.check_run(exp, cfg, available=8 * 2**30) == memory.run_need(exp, cfg)
    with pytest.raises(memory.MemoryRefused) as info:
        memory.check_run(exp, cfg, available=2 * 2**30)
    err = info.value
    assert isinstance(err, ParameterError) and err.name == "memory" and err.index is None
    assert "landauer_erasure needs an estimated 3.4 GiB" in str(err)
    assert "2.0 GiB available on this machine" in str(err) and "reduce n_cells" in str(err)
    with pytest.raises(memory.MemoryRefused, match="reduce the problem size"):
        memory.check_run(_fake(lambda c: 1e12, ("no_such_key",)), cfg, available=1e9)
    for bad in (float("nan"), -1.0, "many", True):
        with pytest.raises(ParameterError) as info:
            memory.run_need(_fake(lambda c, bad=bad: bad), cfg)
        assert info.value.name == "memory_estimate"

"""The wide-vector choice follows Numba's code-generation target, not the host."""

from numba.core import config

from simcore import _jit


def test_target_follows_numba_cpu_name_and_features(monkeypatch):
    monkeypatch.delenv("LIMSIM_VECTOR_WIDTH", raising=False)
    monkeypatch.setattr(config, "CPU_NAME", "znver2")
    monkeypatch.setattr(config, "CPU_FEATURES", "")  # the named CPU's own features (AVX2)
    assert _jit.codegen_target() == ("znver2", "")
    assert not _jit._can_go_wide()
    monkeypatch.setattr(config, "CPU_FEATURES", "+avx2,+fma,-avx512f,+avx512dq")
    assert _jit.target_features(config.CPU_FEATURES) == {"avx2", "fma", "avx512dq"}
    assert not _jit._can_go_wide()
    monkeypatch.setattr(config, "CPU_FEATURES", "+avx2,+avx512f,+avx512dq")
    assert _jit.codegen_target() == ("znver2", "+avx2,+avx512f,+avx512dq")
    assert _jit._can_go_wide()
    monkeypatch.setenv("LIMSIM_VECTOR_WIDTH", "native")
    assert not _jit._can_go_wide()


def test_name_alone_keeps_the_host_features(monkeypatch):
    # Numba's rule: NUMBA_CPU_NAME without NUMBA_CPU_FEATURES tunes for the named CPU but keeps
    # the host's instruction set
    from numba.core import codegen

    monkeypatch.setattr(config, "CPU_NAME", "znver2")
    monkeypatch.setattr(config, "CPU_FEATURES", None)
    assert _jit.codegen_target() == ("znver2", codegen.get_host_cpu_features())


def test_bench_reports_the_target(monkeypatch):
    from benchmarks import suite

    monkeypatch.setattr(config, "CPU_NAME", "znver2")
    monkeypatch.setattr(config, "CPU_FEATURES", "")
    gen = suite.codegen()
    assert gen["cpu_name"] == "znver2" and gen["vector"] == ["cpu default"]
    assert gen["set_by"] == ["NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES"]
    monkeypatch.setattr(config, "CPU_FEATURES", "+avx2,+fma,-avx512f")
    assert suite.codegen()["vector"] == ["avx2", "fma"]
    info = suite.cpu()
    assert info["model"] and info["cores"] >= 1

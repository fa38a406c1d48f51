"""The wide-vector choice follows Numba's code-generation target, not the host, and the cache
follows the choice."""

import os
import subprocess
import sys

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


_MODULE = '''
from simcore._jit import jit


@jit
def total(x):
    s = 0.0
    for v in x:
        s += v
    return s
'''

_CHILD = '''
import sys
sys.path.insert(0, sys.argv[1])
import widthmod
from simcore import _jit
with _jit.wide_vectors():
    widthmod.total.compile("float64(float64[::1])")
stats = widthmod.total.stats
print(_jit.WIDE_VECTORS, sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))
'''


def test_the_cache_follows_the_vector_width(tmp_path):
    """A function compiled with 512-bit loops is not loaded with LIMSIM_VECTOR_WIDTH=native, nor
    the reverse (Numba's index key does not see the width), and each width's entry is reused.
    The target is named (an AVX-512 one) so the test holds on any host: the children compile
    and never run the code."""
    (tmp_path / "widthmod.py").write_text(_MODULE)
    env = {**os.environ, "NUMBA_CPU_NAME": "skylake-avx512",
           "NUMBA_CPU_FEATURES": "+avx2,+fma,+avx512f,+avx512dq"}
    env.pop("LIMSIM_VECTOR_WIDTH", None)
    env.pop("NUMBA_CACHE_DIR", None)

    def child(width):
        run_env = {**env, "LIMSIM_VECTOR_WIDTH": width} if width else env
        out = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path)], env=run_env,
                             capture_output=True, text=True, check=True).stdout.split()
        return out[0] == "True", int(out[1]), int(out[2])  # wide, cache hits, misses

    assert child("") == (True, 0, 1)
    assert child("native") == (False, 0, 1)  # not the 512-bit code of the first child
    assert child("") == (True, 1, 0)
    assert child("native") == (False, 1, 0)
    names = sorted(p.name for p in (tmp_path / "__pycache__").glob("*.nbi"))
    py = "py{}{}".format(*sys.version_info[:2])
    assert names == [f"widthmod.total-5.{py}.nbi", f"widthmod.total.w512-5.{py}.nbi"]

"""The house plan's one direction of imports: harness -> experiments -> devices -> simcore.

Every module of ``simcore/``, ``devices/`` and ``experiments/`` is parsed (not imported), and
every ``import`` statement in it, at any depth (inside functions too), is checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Top-level modules each package must not import.
FORBIDDEN = {
    "simcore": {"devices", "experiments", "harness", "dask", "distributed", "signal"},
    "devices": {"experiments", "harness"},
    "experiments": {"harness"},
}
#: The one module below the harness that may import it: ``python -m experiments``.
SHIMS = {Path("experiments/__main__.py")}


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """``(line, top-level module)`` of every import in ``tree`` (relative imports excluded:
    they stay inside their package)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module.split(".")[0]))
    return out


def _modules(package: str) -> list[Path]:
    return sorted(p.relative_to(REPO) for p in (REPO / package).rglob("*.py"))


def test_the_checker_sees_every_kind_of_import():
    code = ("import signal\nimport dask.array as da\nfrom distributed import Client\n"
            "def f():\n    from harness.cli import main\nfrom . import sibling\n")
    assert imported(ast.parse(code)) == [(1, "signal"), (2, "dask"), (3, "distributed"),
                                         (5, "harness")]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_against_the_house_plan(package):
    files = _modules(package)
    assert files, f"no modules found in {package}/"
    bad = []
    for rel in files:
        if rel in SHIMS:
            continue
        tree = ast.parse((REPO / rel).read_text(encoding="utf-8"), filename=str(rel))
        bad += [f"{rel}:{line} imports {mod}" for line, mod in imported(tree)
                if mod in FORBIDDEN[package]]
    assert not bad, "\n".join(bad)


def test_the_shim_only_calls_the_harness():
    tree = ast.parse((REPO / "experiments/__main__.py").read_text(encoding="utf-8"))
    assert {m for _, m in imported(tree)} == {"sys", "harness"}


def test_simcore_keeps_no_job_machinery():
    assert not (REPO / "simcore" / "sweep.py").exists()
    assert not (REPO / "experiments" / "signals.py").exists()

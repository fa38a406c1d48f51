"""The bundles rule of ``simcore.kernels.bundles``, read off the kernels' source: no ``prange``
body reads a field of a bundle, or hands a bundle to a group function inlined into it (under
Numba 0.68 such a loop lost its writes to the bundle's arrays, silently). A group function
compiled on its own (``@jit``, not inlined) may take the bundles."""

from __future__ import annotations

import ast
import inspect
import pathlib

import simcore.kernels as kernels


def _bundle_fields() -> set[str]:
    fields = set()
    for _, obj in inspect.getmembers(kernels, inspect.isclass):
        if issubclass(obj, tuple) and hasattr(obj, "_fields"):
            fields |= set(obj._fields)
    for mod in _modules():
        for cls in ast.walk(ast.parse(mod.read_text())):
            if isinstance(cls, ast.ClassDef) and any(
                getattr(b, "id", "") == "NamedTuple" for b in cls.bases
            ):
                fields |= {
                    t.target.id for t in cls.body if isinstance(t, ast.AnnAssign)
                }
    return fields


def _modules() -> list[pathlib.Path]:
    return sorted(pathlib.Path(kernels.__file__).parent.glob("*.py"))


def _functions(tree):
    return [n for n in tree.body if isinstance(n, ast.FunctionDef)]


def _is_inlined(fn: ast.FunctionDef) -> bool:
    return any(
        isinstance(d, ast.Call) and any(k.arg == "inline" for k in d.keywords)
        for d in fn.decorator_list
    )


def _bundle_names(tree, fields) -> set[str]:
    # the parameters through which some function of the module reads a bundle's field
    names = set()
    for fn in _functions(tree):
        params = {a.arg for a in fn.args.args}
        for n in ast.walk(fn):
            if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                    and n.value.id in params and n.attr in fields):
                names.add(n.value.id)
    return names


def _prange_bodies(fn):
    for loop in ast.walk(fn):
        if (isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call)
                and getattr(loop.iter.func, "id", "") == "prange"):
            yield loop


def violations(source: str, fields: set[str]) -> list[str]:
    """Where a ``prange`` body of ``source`` reads a bundle (``kernel: what``)."""
    tree = ast.parse(source)
    inlined = {fn.name for fn in _functions(tree) if _is_inlined(fn)}
    bundles = _bundle_names(tree, fields)
    found = []
    for fn in _functions(tree):
        mine = {a.arg for a in fn.args.args} & bundles
        for loop in _prange_bodies(fn):
            for n in (x for stmt in loop.body for x in ast.walk(stmt)):
                if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                        and n.value.id in mine):
                    found.append(f"{fn.name}: reads {n.value.id}.{n.attr}")
                if isinstance(n, ast.Call) and getattr(n.func, "id", None) in inlined:
                    found += [f"{fn.name}: passes {a.id} to {n.func.id}" for a in n.args
                              if isinstance(a, ast.Name) and a.id in mine]
    return found


def test_no_prange_body_reads_a_bundle():
    fields = _bundle_fields()
    assert {"state", "thresholds", "work", "record", "log_stay"} <= fields
    found = {m.name: violations(m.read_text(), fields) for m in _modules()}
    assert not {k: v for k, v in found.items() if v}


def test_the_rule_sees_a_bundle_in_a_prange_body():
    # the shape sparse_shared had: the inlined group function read the bundles' fields
    bad = '''
@jit(inline="always")
def _group(g, cells, steps, tal):
    work = tal.work
    log_stay = steps.log_stay

def kernel(cells, steps, tallies):
    state = cells.state
    for g in prange(cells.bounds.shape[0] - 1):
        _group(g, state, steps, tallies)
        x = tallies.heat
'''
    fields = _bundle_fields()
    assert violations(bad, fields) == [
        "kernel: passes steps to _group", "kernel: passes tallies to _group",
        "kernel: reads tallies.heat",
    ]
    good = bad.replace('@jit(inline="always")', "@jit").replace("        x = tallies.heat\n", "")
    assert violations(good, fields) == []

"""The package's import order: no module imports against the stage order, and
no import cycle, lazy imports inside functions included (read from the source
with ``ast``, nothing imported).

    helpers -> aggregation -> sources -> color -> compose -> options -> api -> cli
    encode is a leaf (helpers only); only the driver and front-ends import it
    (notebook, the image ``heatmap`` returns, sits beside the driver).
"""
from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "fastheat"

#: Rank of each part; a module may import parts of its own rank or lower.
RANKS = {"_jit": 0, "_lazy": 0, "_extras": 0, "_fields": 0, "_progress": 0, "_validate": 0, "encode": 0, "demo": 7,
         "aggregation": 1, "sources": 2, "color": 3, "compose": 4, "options": 5, "api": 6,
         "notebook": 6, "outofcore": 6, "frontends": 7, "cli": 8, "__main__": 9, "__init__": 9}


def modules(root=PACKAGE):
    """``{dotted name: path}`` of every module of the package."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name, source, known):
    """The package modules that module ``name`` (its code ``source``) imports,
    at module level or inside functions."""
    is_package = name in known and known[name].name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "fastheat"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                stem = base[: len(base) - node.level + 1]
                target = ".".join(stem + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "fastheat":
                continue
            for alias in node.names:  # `from . import x` imports module x, if it is one
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {m for m in found if m in known and m != name}


def part(name):
    """The part of the package a module belongs to (``fastheat.sources.dask`` ->
    ``sources``; the package itself -> ``__init__``)."""
    pieces = name.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def violations(graph):
    """Imports against the stage order, as ``"a imports b"`` lines."""
    bad = []
    for src, targets in sorted(graph.items()):
        for dst in sorted(targets):
            a, b = part(src), part(dst)
            if a == b:
                continue
            if RANKS[b] > RANKS[a]:
                bad.append(f"{src} imports {dst}")
    return bad


def cycles(graph):
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def graph():
    known = modules()
    return {name: imports(name, path.read_text(), known) for name, path in known.items()}


def test_every_part_has_a_rank(graph):
    assert {part(m) for m in graph} <= set(RANKS), {part(m) for m in graph} - set(RANKS)


def test_no_module_imports_against_the_stage_order(graph):
    assert violations(graph) == []


def test_no_import_cycles(graph):
    assert cycles(graph) == []


# the checks themselves must be able to fail

def test_the_order_check_sees_a_lazy_upward_import():
    known = {"fastheat.compose.layout": PACKAGE / "compose" / "layout.py",
             "fastheat.api": PACKAGE / "api.py"}
    code = "def f():\n    from ..api import rasterize\n"
    graph = {"fastheat.compose.layout": imports("fastheat.compose.layout", code, known)}
    assert violations(graph) == ["fastheat.compose.layout imports fastheat.api"]


def test_the_order_check_sees_a_stage_importing_a_later_one():
    graph = {"fastheat.aggregation.fold": {"fastheat.sources.base"},
             "fastheat.encode.png": {"fastheat.color.raster"}}
    assert violations(graph) == ["fastheat.aggregation.fold imports fastheat.sources.base",
                                 "fastheat.encode.png imports fastheat.color.raster"]


def test_the_cycle_check_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]

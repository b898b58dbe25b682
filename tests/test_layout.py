"""The package's dependency rules (README, "Architecture"), checked by walking every module's
imports with ast, at module level and inside functions, and the ``_LAZY`` tables of the lazy
front doors (lazy.py):

* data flows file -> io -> nets -> engines -> result -> analysis -> counting (the pipeline) ->
  workflows -> report/cli, never back (``FORBIDDEN``);
* nothing below the pipeline (engines, parallel, analysis, nets, io) imports ``counting``;
* engines/ is one folder per engine family: ``exact`` imports no other family, ``shared`` only
  ``exact``, ``vertex``/``lp``/``mip`` only ``shared`` and ``exact``, ``line`` only ``exact``; code outside a family
  imports it through its front door (the family's ``__init__``);
* no import cycles at all.
Each rule has a planted violation below, so that the test can fail."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PKG = Path(__file__).resolve().parent.parent / "mip_regions"

# layer -> the layers its modules must not import
FORBIDDEN = {
    "io": {"engines", "analysis", "parallel", "counting", "workflows", "report", "cli"},
    "nets": {"io", "engines", "analysis", "parallel", "counting", "workflows", "report", "cli"},
    "engines": {"io", "analysis", "parallel", "counting", "workflows", "report", "cli"},
    "parallel": {"io", "analysis", "counting", "workflows", "report", "cli"},   # runs engines on Dask
    "analysis": {"io", "parallel", "counting", "workflows", "report", "cli"},   # from one result
    "counting": {"workflows", "report", "cli"},        # the pipeline: engine, merge, analysis, outputs
    "workflows": {"report", "cli"},                    # many counts through the pipeline
    "report": {"counting", "workflows", "cli"},        # pictures and tables of results
}
PIPELINE = "counting"
BELOW_PIPELINE = {"engines", "parallel", "analysis", "nets", "io"}
TOP_LEVEL_SHARED = {"result", "region_store", "errors", "lazy"}   # imported from everywhere;
# they import only nets/ and each other (the result type keeps its regions in a region_store)
ENGINE_ROOT_MODULES = {"dispatch", "sample"}   # engines/ modules outside a family folder
FAMILY_MAY_IMPORT = {   # engine family -> the families its modules may import (itself included)
    "exact": {"exact"},
    "shared": {"shared", "exact"},
    "vertex": {"vertex", "shared", "exact"},
    "lp": {"lp", "shared", "exact"},
    "mip": {"mip", "shared", "exact"},
    "line": {"line", "exact"},
}


def module_name(path: Path) -> tuple[str, ...]:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return tuple(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(PKG.rglob("*.py"))
NAMES = {module_name(p) for p in MODULES}


def resolve(target: tuple[str, ...]) -> tuple[str, ...]:
    """The module a dotted name lives in: the longest prefix that is a module of the package."""
    while target and target not in NAMES:
        target = target[:-1]
    return target


def imported_modules(path: Path, here: tuple[str, ...] | None = None, source: str | None = None
                     ) -> set[tuple[str, ...]]:
    """The mip_regions modules (as name tuples) that the module at ``path`` (named ``here``, by
    default its place in the package; its text ``source``, by default the file's) imports, at
    module level, inside functions, or through its ``_LAZY`` table. ``from P import x`` is an
    import of module P.x when P.x is a module, else of P."""
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    here = tuple(here or module_name(path))
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "mip_regions":
                    found.add(resolve(tuple(alias.name.split("."))))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + tuple(node.module.split(".") if node.module else ())
            elif node.module and node.module.split(".")[0] == "mip_regions":
                target = tuple(node.module.split("."))
            else:
                continue
            for alias in node.names:
                found.add(resolve(target + (alias.name,)))
        elif (isinstance(node, ast.Assign) and path.name == "__init__.py"
              and any(getattr(t, "id", None) == "_LAZY" for t in node.targets)):
            for module in ast.literal_eval(node.value).values():
                found.add(resolve(package + tuple(module.split("."))))
    found.discard(here)
    found.discard(())
    return found


def import_graph(planted: dict[Path, str] | None = None) -> nx.DiGraph:
    """module -> imported module, over the whole package; ``planted`` replaces some files' text."""
    planted = planted or {}
    graph = nx.DiGraph()
    for path in MODULES:
        graph.add_node(module_name(path))
        for target in imported_modules(path, source=planted.get(path)):
            graph.add_edge(module_name(path), target)
    return graph


def layer_of(name: tuple[str, ...]) -> str | None:
    return name[1] if len(name) > 1 else None


def family_of(name: tuple[str, ...]) -> str | None:
    """The engine family (folder under engines/) of a module, or None."""
    if len(name) > 2 and name[1] == "engines" and name[2] in FAMILY_MAY_IMPORT:
        return name[2]
    return None


def layer_violations(name, imports) -> list[str]:
    layer = layer_of(name)
    bad = []
    if layer in FORBIDDEN:
        bad += [".".join(n) for n in imports if layer_of(n) in FORBIDDEN[layer]]
    if layer in TOP_LEVEL_SHARED:
        bad += [".".join(n) for n in imports if layer_of(n) not in {"nets", None} | TOP_LEVEL_SHARED]
    if layer in BELOW_PIPELINE:
        bad += [".".join(n) for n in imports if layer_of(n) == PIPELINE]
    return sorted(set(bad))


def family_violations(name, imports) -> list[str]:
    """Imports that break the engine-folder rule: a family importing a family it may not, or a
    module outside a family reaching past its front door into its modules."""
    mine = family_of(name)
    bad = []
    for n in imports:
        theirs = family_of(n)
        if theirs is None:
            continue
        if mine is not None and theirs not in FAMILY_MAY_IMPORT[mine]:
            bad.append(".".join(n))
        if mine != theirs and len(n) > 3:
            bad.append(".".join(n) + " (past the front door of engines." + theirs + ")")
    return bad


def test_walker_sees_every_layer():
    """The walk resolves relative imports: the CLI is known to reach every layer."""
    seen = set()
    for path in (PKG / "cli").glob("*.py"):
        seen |= {layer_of(n) for n in imported_modules(path)}
    assert {"io", "nets", "analysis", "report", "counting", "workflows", "errors"} <= seen


def test_walker_reads_lazy_tables():
    """The front doors' lazy tables are imports: engines.lp's names live in lp.engine and lp.margin."""
    lp = imported_modules(PKG / "engines" / "lp" / "__init__.py")
    assert ("mip_regions", "engines", "lp", "engine") in lp
    assert ("mip_regions", "engines", "lp", "margin") in lp


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_no_upward_import(path):
    name = module_name(path)
    bad = layer_violations(name, imported_modules(path))
    assert not bad, f"{'.'.join(name)} ({layer_of(name)}/) imports {bad}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_engine_folder_rule(path):
    name = module_name(path)
    bad = family_violations(name, imported_modules(path))
    assert not bad, f"{'.'.join(name)} imports {bad}"


def test_engines_are_one_folder_per_family():
    """engines/ holds its family folders and the root modules named in ENGINE_ROOT_MODULES; each
    family has a front door that says what it does and what it exports (a _LAZY table)."""
    engines = PKG / "engines"
    folders = {p.name for p in engines.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    assert folders == set(FAMILY_MAY_IMPORT)
    assert {p.stem for p in engines.glob("*.py")} == ENGINE_ROOT_MODULES | {"__init__"}
    for family in folders:
        init = engines / family / "__init__.py"
        tree = ast.parse(init.read_text())
        assert len(ast.get_docstring(tree) or "") > 300, f"engines/{family}/__init__.py says too little"
        assert any(getattr(t, "id", None) == "_LAZY" for node in tree.body if isinstance(node, ast.Assign)
                   for t in node.targets), f"engines/{family}/__init__.py exports nothing"


def test_no_import_cycles():
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(".".join(m) for m in c) for c in cycles[:5])


def test_pipeline_is_imported_from_above_only():
    graph = import_graph()
    importers = {m for m in graph.predecessors(("mip_regions", PIPELINE))}
    assert importers, "nothing imports the pipeline: the walker is broken"
    assert {layer_of(m) for m in importers} <= {"workflows", "cli", None}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_size(path):
    """No module over 400 lines (split it by job instead)."""
    assert len(path.read_text().splitlines()) <= 400


# -- planted violations: each rule can fail ---------------------------------------------------

def test_rule_is_enforced_on_a_planted_violation():
    """The walker flags a nets/ module that imports an engine (a test that cannot fail is a defect)."""
    path = PKG / "nets" / "network.py"
    planted = path.read_text() + "\n\ndef f():\n    from ..engines.shared.cells import MARGIN_TOL\n"
    names = imported_modules(path, source=planted)
    assert ("mip_regions", "engines", "shared", "cells") in names
    assert layer_violations(module_name(path), names)


def test_planted_upward_import_into_the_pipeline_is_caught():
    """An analysis/ module (below the pipeline) that calls count_regions is flagged."""
    path = PKG / "analysis" / "geometry.py"
    planted = path.read_text() + "\n\ndef f(net):\n    from ..counting import count_regions\n"
    bad = layer_violations(module_name(path), imported_modules(path, source=planted))
    assert bad == ["mip_regions.counting"]
    graph = import_graph({path: planted})
    assert ("mip_regions", "analysis", "geometry") in set(graph.predecessors(("mip_regions", PIPELINE)))


def test_planted_cycle_is_caught():
    """The exact simplex importing the layer step (which imports the exact family) is a cycle,
    even from inside a function."""
    path = PKG / "engines" / "exact" / "simplex.py"
    planted = path.read_text() + "\n\ndef f():\n    from ..shared.layers import FILTER\n"
    graph = import_graph({path: planted})
    cycle = nx.find_cycle(graph)
    assert ("mip_regions", "engines", "exact", "simplex") in {a for a, _ in cycle}
    assert family_violations(module_name(path), imported_modules(path, source=planted))


def test_planted_family_violations_are_caught():
    """The vertex engine importing the lp engine's module, and analysis/ reaching past the exact
    family's front door, are both flagged; the front door itself is not."""
    vertex = PKG / "engines" / "vertex" / "engine.py"
    planted = vertex.read_text() + "\n\ndef f():\n    from ..lp.margin import make_margin_lp\n"
    assert family_violations(module_name(vertex), imported_modules(vertex, source=planted))
    geometry = PKG / "analysis" / "geometry.py"
    past = geometry.read_text() + "\n\ndef f():\n    from ..engines.exact.net import ExactNet\n"
    assert family_violations(module_name(geometry), imported_modules(geometry, source=past))
    door = geometry.read_text() + "\n\ndef f():\n    from ..engines.exact import ExactNet\n"
    assert not family_violations(module_name(geometry), imported_modules(geometry, source=door))

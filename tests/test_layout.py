"""The package's dependency rule (README, "Architecture"), checked by walking every module's imports
with ast: data flows file -> io -> nets -> engines -> result -> analysis -> report/cli, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "mip_regions"

# layer -> the layers its modules must not import
FORBIDDEN = {
    "io": {"engines", "analysis", "parallel", "report", "cli"},
    "nets": {"io", "engines", "analysis", "parallel", "report", "cli"},
    "engines": {"analysis", "parallel", "report", "cli"},
    "analysis": {"parallel", "report", "cli"},
    "parallel": {"report", "cli"},    # runs engines (and analysis for sweep rows) on a Dask cluster
    "report": {"cli"},
}
TOP_LEVEL_SHARED = {"result", "region_store", "errors"}   # imported from everywhere; import only
# nets/errors and each other (the result type keeps its regions in a region_store)


def module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_modules(path: Path, here: list[str] | None = None) -> set[tuple[str, ...]]:
    """Absolute dotted names (as tuples) of every mip_regions module imported by ``path`` (whose
    module name is ``here``, by default its place in the package), at module level or inside
    functions."""
    tree = ast.parse(path.read_text(), filename=str(path))
    here = here or module_name(path)
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "mip_regions":
                    found.add(tuple(alias.name.split(".")))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "mip_regions":
                target = node.module.split(".")
            else:
                continue
            found.add(tuple(target))
            for alias in node.names:   # "from . import engines" names a subpackage
                found.add(tuple(target) + (alias.name,))
    return found


def layer_of(name: tuple[str, ...]) -> str | None:
    return name[1] if len(name) > 1 else None


MODULES = sorted(p for p in PKG.rglob("*.py"))


def test_walker_sees_every_layer():
    """The walk resolves relative imports: the CLI is known to reach every layer."""
    seen = set()
    for path in (PKG / "cli").glob("*.py"):
        seen |= {layer_of(n) for n in imported_modules(path)}
    assert {"io", "nets", "analysis", "report", "counting", "errors"} <= seen


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_no_upward_import(path):
    name = module_name(path)
    layer = layer_of(name)
    if layer in FORBIDDEN:
        bad = {".".join(n) for n in imported_modules(path) if layer_of(n) in FORBIDDEN[layer]}
        assert not bad, f"{'.'.join(name)} ({layer}/) imports {sorted(bad)}"
    if layer in TOP_LEVEL_SHARED:
        bad = {".".join(n) for n in imported_modules(path)
               if layer_of(n) not in {"nets", None} | TOP_LEVEL_SHARED}
        assert not bad, f"{'.'.join(name)} is a shared type module and imports {sorted(bad)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_size(path):
    """No module over 400 lines (split it by job instead)."""
    assert len(path.read_text().splitlines()) <= 400


def test_rule_is_enforced_on_a_planted_violation(tmp_path):
    """The walker flags a nets/ module that imports an engine (a test that cannot fail is a defect)."""
    planted = tmp_path / "network.py"
    planted.write_text((PKG / "nets" / "network.py").read_text()
                       + "\n\ndef f():\n    from ..engines.cells import MARGIN_TOL\n")
    names = imported_modules(planted, ["mip_regions", "nets", "network"])
    assert ("mip_regions", "engines", "cells") in names
    assert any(layer_of(n) in FORBIDDEN["nets"] for n in names)

"""Lazy front doors (PEP 562): a package names its public names and the module each lives in,
and a name's module is imported on first use. So ``import mip_regions`` and the engine families'
``__init__`` load no solver, numba or flint until something is used, which keeps ``--help`` and
start-up fast (tests/test_layout.py reads the ``_LAZY`` tables as imports)."""

from __future__ import annotations

import importlib
import sys


def lazy_exports(package: str, table: dict[str, str]):
    """``(__getattr__, __dir__)`` for ``package`` whose public names are ``table``: name ->
    module relative to the package (``{"run_lp": "engine"}`` loads ``package.engine.run_lp``)."""
    def __getattr__(name):
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{table[name]}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__


__all__ = ["lazy_exports"]

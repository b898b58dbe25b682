"""The compiled kernels' switch: numba when it is installed (the ``fast`` extra), and the
``kernel`` option (auto | numba | numpy) of the vertex and lp engines. Every compiled kernel
(vertex/kernel.py, lp/dual_simplex.py) imports ``numba`` from here; when it is None the engines run
their numpy code, with the same decisions."""

from __future__ import annotations

try:
    import numba
except ImportError:       # optional (the `fast` extra): the engines fall back to their numpy code
    numba = None

KERNELS = ("auto", "numba", "numpy")


def available() -> bool:
    """Is numba importable (then the kernels are compiled)?"""
    return numba is not None


def use_compiled(kernel: str) -> bool:
    """The ``kernel`` option of the vertex and lp engines: 'numba' (compiled code; an error when
    numba is missing), 'numpy' (none) or 'auto' (numba when it is installed). True: compile."""
    from ...errors import EngineError
    if kernel not in KERNELS:
        raise EngineError(f"kernel must be one of {', '.join(KERNELS)}, got {kernel!r}")
    if kernel == "numba" and not available():
        raise EngineError("kernel 'numba' needs numba (pip install 'mip-regions[fast]')")
    return kernel != "numpy" and available()


__all__ = ["KERNELS", "available", "numba", "use_compiled"]

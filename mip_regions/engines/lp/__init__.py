"""The lp engine (``method='lp'``): depth-first search over cells held as their cuts, each unit
decided by known interior points and small LPs (engine.py; the algorithm in its docstring).

- ``engine``: :func:`run_lp`, the search.
- ``points``: interior points from an LP's vertex and the bounding-box filter.
- ``dual_simplex``: the compiled bounded dual simplex of the support LPs, with an upper bound on
  the support value checked from its duals (``kernel='numba'``); ``simplex_kernel`` its
  iterations, ``simplex_start`` its first basis (cold, or warm from an ancestor cell's),
  ``warm_bases`` the bases kept for the cells below (within a memory budget), ``margins_kernel``
  the cell's point margins, compiled.
- ``margin``: the reused margin/Chebyshev LP on GLPK or HiGHS (rows pushed and popped along the
  search), :func:`make_margin_lp`, :func:`resolve_lp_solver`.

Invariants. A unit is *decided* on a cell by points strictly beyond its error band on each side
(a cut) or by an LP value beyond ``trust`` = max(error band, LP_TRUST x the box's largest side)
(the LP solvers' own tolerances are absolute, about 1e-9, so boxes whose sides differ by more
than ANISOTROPY are searched in box coordinates). A support value from the compiled simplex
counts only through its checked dual bound or an interior point checked in floats, never the
simplex's word. Between -trust and trust the exact margin LP decides (shared.layers.ExactPath),
and a sliver's subtree is enumerated in exact arithmetic (exact.exact_subtree).

Exports ``run_lp``, ``make_margin_lp``, ``resolve_lp_solver``. Imports ``engines.shared``,
``engines.exact`` and the layers below engines/.
"""

from ...lazy import lazy_exports

_LAZY = {"run_lp": "engine", "make_margin_lp": "margin", "resolve_lp_solver": "margin"}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

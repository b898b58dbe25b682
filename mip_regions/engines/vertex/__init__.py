"""The vertex engine (``method='vertex'``): depth-first search over cells held by their vertices,
no LP (engine.py; the algorithm in its docstring).

- ``engine``: :func:`run_vertex`, the search; a cell is a :class:`polytope.Polytope` (vertices
  and their tight sets), split by the first unit whose hyperplane cuts it.
- ``polytope``: vertex sets, the crossing-edge tests and the split.
- ``kernel``: one ReLU layer's subtree over one cell in one numba call, with the same decisions
  in the same order as engine.decide (``kernel='numba'``; engines/shared/compiled.py).

Invariants. A unit is *decided* on a cell when every vertex's float distance to its hyperplane
lies beyond the unit's error band on one side (no cut), or a vertex lies beyond it on each side
(a cut). The band is relative: FILTER times the magnitudes |W||A|, |W||c| + |b| of the unit's
map and the box's size (engines/shared/layers.py); nothing is compared to an absolute tolerance.
Anything inside a band is decided exactly (shared.layers.ExactPath: exact vertex signs, the
exact margin LP, or the whole subtree by exact.exact_subtree). The compiled kernel hands every
such cell back to the numpy search whole, so both kernels make the same decisions.

Exports ``run_vertex``. Imports ``engines.shared``, ``engines.exact`` and the layers below engines/.
"""

from ...lazy import lazy_exports

_LAZY = {"run_vertex": "engine"}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

"""What the engine families share: the float-filtered layer step with its exact fallback, the
cells of patterns, the routes of a parallel search, direct HiGHS LPs and the compiled-kernel
switch.

- ``layers``: a ReLU layer's units as hyperplanes over the current cell (LayerInput,
  LayerUnits), each with its error band; the cuts on the search path (CutStack); ExactPath, the
  exact side of every filtered decision; the DFS step (enter_layer, root_input).
- ``cells``: a pattern's affine pre-activations and cell constraints, float or exact; the
  fixed-pattern margin LP and cell check (used by mip, analysis and certify).
- ``routes``: which subtrees of a depth-first search a run takes (Router, Replay, router_of).
- ``highs_lp``: single-threaded highspy instances and small dense LPs (SOLVER_NOTES.md: the
  thread-pool trap).
- ``compiled``: numba when it is installed, and the ``kernel`` option (auto | numba | numpy).

Invariants. A float decision is trusted only outside its error band, band = FILTER (1e-9) times
the magnitudes that bound its rounding error (shared/layers.py docstring), so every tolerance scales
with the network and the box; inside the band ExactPath decides in rationals (engines.exact).
``cells`` keeps two float pre-tests, ZERO_TOL and MARGIN_TOL, relative to the values and the
box; what they cannot settle is decided exactly by its callers.

Exports the names below. Imports ``engines.exact`` and the layers below engines/.
"""

from ...lazy import lazy_exports

_LAZY = {"LayerInput": "layers", "LayerUnits": "layers", "CutStack": "layers", "ExactPath": "layers",
         "enter_layer": "layers", "root_input": "layers", "FILTER": "layers",
         "affine_preactivations": "cells", "pattern_constraints": "cells", "cell_constraints": "cells",
         "cell_checker": "cells", "check_cell": "cells", "margin_lp": "cells", "zero_units": "cells",
         "MARGIN_TOL": "cells", "ZERO_TOL": "cells",
         "Router": "routes", "Replay": "routes", "router_of": "routes",
         "new_highs": "highs_lp", "solve_dense_lp": "highs_lp", "INF": "highs_lp",
         "numba": "compiled", "available": "compiled", "use_compiled": "compiled", "KERNELS": "compiled"}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

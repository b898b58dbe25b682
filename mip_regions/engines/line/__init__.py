"""The ``exact1d`` method: networks with one input (and every line through a larger network,
nets/restrict.py), by breakpoint propagation decided in floats with a rigorous error bound on
every number and exact rational arithmetic where the bound cannot decide.

- ``ends``: :class:`End`, an end of a piece: a float, its error radius, and the exact rational
  behind it on demand; :func:`witness`, a point certainly inside a piece.
- ``cut``: :class:`LineLayer`, one layer cutting one piece: pre-activations with error bounds,
  the float cut (every comparison's sign certain at both ends, roots with disjoint error
  intervals) and the exact cut it falls back to.
- ``walk``: :func:`pieces_float` (the regions left to right) and :func:`run_line`, the engine.

Invariants. A float decision is taken only when its error bound (Higham's gamma_n bounds for
every product, carried through the layers, module docstring of cut.py) proves it; otherwise the
layer's cut of that piece is made in rationals (python-flint) from the exact pre-activations of
the piece's pattern (engines.exact.ExactNet), and the walk goes on in floats below it. The count
is exact on every network, and equals the all-rational engine's (``rational1d``,
engines/exact/line.py) region for region. No tolerance is absolute.

Exports ``run_line``, ``pieces_float``, ``End``, ``witness``. Imports ``engines.exact`` and the
layers below engines/.
"""

from ...lazy import lazy_exports

_LAZY = {"run_line": "walk", "pieces_float": "walk", "End": "ends", "witness": "ends"}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

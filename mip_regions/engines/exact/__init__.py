"""Exact rational arithmetic (python-flint ``fmpq``): the exact engines and the exact path every
float engine falls back to.

- ``net``: :class:`ExactNet`, each pattern's affine maps A^l x + c^l in rationals (REFERENCE.md
  §6.1), and the exact cell tests :func:`exact_cell`, :func:`exact_strict`.
- ``simplex``: the exact simplex: :func:`max_margin` (the margin LP), :func:`interior_point`,
  :func:`strictly_inside`, and the conversions :func:`to_fmpq`, :func:`to_fraction`.
- ``engine``: the ``exact`` method (:func:`run_exact`) and :func:`exact_subtree`, the subtree
  the vertex and lp engines hand over when a float decision falls inside its error band.
- ``verified``: :func:`certified_interior`, the margin LP solved in floats (HiGHS) and its answer
  proven in rationals (an exactly interior point, or an exact dual bound <= 0); interior_point
  asks it before the exact simplex (issue 32).
- ``quiet_highs``: :func:`new_highs`, a silent single-threaded HiGHS instance.
- ``line``: the ``rational1d`` method (:func:`run_exact1d`): breakpoints of a 1-D network as
  rationals, :func:`pieces_1d` (also over the whole line).

Invariants. Every number is the network's exact value (a float64 is the dyadic rational it is);
every decision is exact: no tolerance, no float comparison decides anything here (floats appear
only as reported witnesses and margins, and as the float LP's suggestions, each proven exactly
before it is used). This is the bottom of engines/: it imports nothing from
the other families, only ``nets``, ``result`` and ``errors``.

Exports the names above, and ``stop_check`` (a search's time limit reaching into every pivot of
the exact LP).
"""

from ...lazy import lazy_exports

_LAZY = {"ExactNet": "net", "exact_cell": "net", "exact_strict": "net",
         "max_margin": "simplex", "interior_point": "simplex", "strictly_inside": "simplex",
         "to_fmpq": "simplex", "to_fraction": "simplex", "stop_check": "simplex",
         "run_exact": "engine", "exact_subtree": "engine",
         "run_exact1d": "line", "pieces_1d": "line",
         "certified_interior": "verified", "new_highs": "quiet_highs"}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

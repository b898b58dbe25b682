"""The reference engine (``method='mip'``): Serra, Tjandraatmadja & Ramalingam's big-M MIP on
Pyomo + HiGHS, enumerated with no-good cuts (engine.py; the loop in its docstring).

- ``bigm_model``: :class:`BigMModel`, the Pyomo model: each relu unit's binary indicator with
  big-M bounds, each maxout unit's selection binaries, the margin variable f, no-good cuts.
- ``unit_bounds``: exact interval bounds of every unit and the normalised layers the model is
  built on (each unit scaled by its range, so f is scale invariant).
- ``engine``: :func:`run_mip`; :class:`PatternJudge` (each pattern decided exactly),
  :func:`harvester` (incumbents from HiGHS's callback), :func:`mip_closure` (phase 2, the
  completeness proof ``count --certify`` reuses).

Invariants. The MIP only proposes: a pattern counts when its cell is confirmed full-dimensional
in exact arithmetic (exact.ExactNet: a float witness checked exactly, else the exact margin LP);
a strict pattern with no interior is degenerate and never counted. Phase 1 stops at f* <= F_TOL
(relative to each unit's range, so scale invariant, and about the MIP's feasibility tolerance);
phase 2 admits f >= 0 and decides every pattern exactly until HiGHS proves the model with all
no-good cuts infeasible. HiGHS has no lazy constraints or solution pool (SOLVER_NOTES.md).

Exports ``run_mip``, ``BigMModel``, ``PatternJudge``, ``harvester``, ``mip_closure``. Imports
``engines.shared``, ``engines.exact`` and the layers below engines/.
"""

from ...lazy import lazy_exports

_LAZY = {"run_mip": "engine", "PatternJudge": "engine", "harvester": "engine", "mip_closure": "engine",
         "BigMModel": "bigm_model"}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

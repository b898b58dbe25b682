"""The reference engine (``method='mip'``): Serra, Tjandraatmadja & Ramalingam's big-M MIP on
Pyomo + HiGHS, enumerated with no-good cuts (engine.py; the loop in its docstring).

- ``bigm_model``: :class:`BigMModel`, the Pyomo model: each relu unit's binary indicator with
  big-M bounds, each maxout unit's selection binaries, the margin variable f, no-good cuts.
- ``unit_bounds``: exact interval bounds of every unit and the normalised layers the model is
  built on (each unit scaled by its range, so f is scale invariant).
- ``engine``: :func:`run_mip`; :class:`PatternJudge` (each pattern decided exactly),
  :func:`harvester` (incumbents from HiGHS's callback), :func:`mip_closure` (phase 2, the
  completeness proof ``count --certify`` reuses).
- ``mipbound``: :func:`run_mipbound`, Serra & Ramalingam 2020's probabilistic lower bound
  (random parity constraints on the binaries, MBound's confidence; :func:`slack`).
- ``max_active``: :func:`max_active_units`, the most units of each layer active at once (one
  MIP per layer), the input of the activation-based upper bound.

Invariants. The MIP only proposes: a pattern counts when its cell is confirmed full-dimensional
in exact arithmetic (exact.ExactNet: a float witness checked exactly, else the exact margin LP);
a strict pattern with no interior is degenerate and never counted. Phase 1 stops at f* <= F_TOL
(relative to each unit's range, so scale invariant, and about the MIP's feasibility tolerance);
phase 2 admits f >= 0 and decides every pattern exactly until HiGHS proves the model with all
no-good cuts infeasible. HiGHS has no lazy constraints or solution pool (SOLVER_NOTES.md).

Outside the count, the same model answers with certainty only what it proves: MIPBound's
"feasible" is a region confirmed exactly, a timed-out MIP is a failed trial; a layer's activity
is an optimum or a dual bound, never a primal value.

Exports ``run_mip``, ``BigMModel``, ``BuildStopped``, ``PatternJudge``, ``harvester``,
``mip_closure``, ``run_mipbound``, ``slack``, ``max_active_units``. Imports
``engines.shared``, ``engines.exact`` and the layers below engines/.
"""

from ...lazy import lazy_exports

_LAZY = {"run_mip": "engine", "PatternJudge": "engine", "harvester": "engine", "mip_closure": "engine",
         "BigMModel": "bigm_model", "BuildStopped": "bigm_model", "run_mipbound": "mipbound", "slack": "mipbound",
         "max_active_units": "max_active"}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

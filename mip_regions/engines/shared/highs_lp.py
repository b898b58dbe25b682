"""Direct highspy access for small dense LPs (no Pyomo on the hot path).

HiGHS fixes its thread pool for the whole process at the first run; every instance made here
uses ``threads=1`` so that later instances (and Pyomo's) do not fail (SOLVER_NOTES.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from ..exact import new_highs  # noqa: F401  (a silent instance; defined in exact, which uses it too)

INF = highspy.kHighsInf


@dataclass
class LPSolution:
    """Status, optimal point and objective of one dense LP."""

    status: str          # "optimal", "infeasible", "unbounded" or HiGHS's status text
    x: np.ndarray | None
    objective: float | None


def solve_dense_lp(c, A, row_lo, row_hi, col_lo, col_hi, *, maximize=True, highs=None) -> LPSolution:
    """Solve ``max/min c.x  s.t.  row_lo <= A x <= row_hi,  col_lo <= x <= col_hi`` (A dense).

    Infinite bounds are given as +-numpy.inf. ``highs`` may be a reused instance (it is cleared).
    """
    h = highs if highs is not None else new_highs()
    A = np.asarray(A, dtype=float)
    m, n = A.shape if A.size else (0, len(c))
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_ = np.where(np.isneginf(col_lo), -INF, col_lo).astype(float)
    lp.col_upper_ = np.where(np.isposinf(col_hi), INF, col_hi).astype(float)
    lp.row_lower_ = np.where(np.isneginf(row_lo), -INF, row_lo).astype(float)
    lp.row_upper_ = np.where(np.isposinf(row_hi), INF, row_hi).astype(float)
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    if m:
        csc = np.asfortranarray(A)
        nz = csc != 0
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = n
        lp.a_matrix_.num_row_ = m
        lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nz.sum(axis=0))]).astype(np.int32)
        rows_idx = [np.nonzero(nz[:, j])[0] for j in range(n)]
        lp.a_matrix_.index_ = np.concatenate(rows_idx).astype(np.int32) if rows_idx else np.zeros(0, np.int32)
        lp.a_matrix_.value_ = np.concatenate([A[r, j] for j, r in enumerate(rows_idx)]).astype(float)
    else:
        lp.a_matrix_.start_ = np.zeros(n + 1, dtype=np.int32)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        sol = h.getSolution()
        return LPSolution("optimal", np.array(sol.col_value), h.getInfo().objective_function_value)
    if status == highspy.HighsModelStatus.kInfeasible:
        return LPSolution("infeasible", None, None)
    if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return LPSolution("unbounded", None, None)
    return LPSolution(h.modelStatusToString(status), None, None)

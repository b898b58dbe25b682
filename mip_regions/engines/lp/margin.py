"""The one LP the lp engine solves over and over, on a reusable solver with a row stack.

    max t  s.t.  x_j - t >= lo_j,  -x_j - t >= -hi_j          (box, with margin)
                 r.x - t >= rhs    for every pushed row         (cell constraints, unit r)

t is free, so the LP is always feasible; t* is the radius of the largest ball in the cell.
Rows are pushed when the depth-first search descends and popped when it returns, so the
solver re-solves from its previous basis.

Two interchangeable back ends:

* ``highs``: highspy (HiGHS), the project's solver.
* ``glpk``: GLPK's simplex through swiglpk. On this LP (5-11 columns, 10-60 rows) one push,
  solve and pop costs about 22 µs with GLPK and 260-300 µs with HiGHS (measured; HiGHS's floor
  is about 60-90 µs per run even when nothing changed), so GLPK is the default when installed.
"""

from __future__ import annotations

import numpy as np

from ...errors import EngineError
from ..shared import INF, new_highs

SOLVERS = ("auto", "glpk", "highs")


def glpk_available() -> bool:
    """True when swiglpk (GLPK) can be imported."""
    try:
        import swiglpk  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_lp_solver(solver: str = "auto") -> str:
    """'glpk' or 'highs' for a requested solver; auto takes glpk when it is installed."""
    if solver not in SOLVERS:
        raise EngineError(f"unknown LP solver {solver!r} (choose from {', '.join(SOLVERS)})")
    if solver == "auto":
        return "glpk" if glpk_available() else "highs"
    if solver == "glpk" and not glpk_available():
        raise EngineError("the glpk LP solver needs swiglpk: pip install swiglpk")
    return solver


def make_margin_lp(lower, upper, solver: str = "auto"):
    """A margin LP over the box [lower, upper] on the chosen back end (:func:`resolve_lp_solver`)."""
    return GlpkMarginLP(lower, upper) if resolve_lp_solver(solver) == "glpk" else HighsMarginLP(lower, upper)


class HighsMarginLP:
    """The margin LP on highspy."""

    name = "highs"

    def __init__(self, lower: np.ndarray, upper: np.ndarray):
        import highspy
        self._optimal = highspy.HighsModelStatus.kOptimal
        n0 = lower.size
        self.n0 = n0
        self.h = h = new_highs(primal_feasibility_tolerance=1e-9, dual_feasibility_tolerance=1e-9,
                               presolve="off")
        h.addVars(n0, lower.astype(float), upper.astype(float))
        h.addVar(-INF, float(np.max(upper - lower)))
        h.changeColCost(n0, 1.0)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.idx = np.arange(n0 + 1, dtype=np.int32)
        for j in range(n0):
            h.addRow(float(lower[j]), INF, 2, np.array([j, n0], dtype=np.int32), np.array([1.0, -1.0]))
            h.addRow(float(-upper[j]), INF, 2, np.array([j, n0], dtype=np.int32), np.array([-1.0, -1.0]))
        self.rows = 2 * n0
        self.solves = 0
        eye = np.eye(n0)
        self.A, self.b = list(np.vstack([eye, -eye])), [float(v) for v in lower] + [float(-v) for v in upper]
        self.tmax = float(np.max(upper - lower))
        self.mode = "margin"
        self.point_tol = 1e-7 * self.tmax

    def push(self, coef: np.ndarray, rhs: float) -> None:
        """Add the row ``coef.x - t >= rhs``."""
        self.h.addRow(float(rhs), INF, self.n0 + 1, self.idx, np.append(coef, -1.0))
        self.rows += 1
        self.A.append(np.asarray(coef, dtype=float))
        self.b.append(float(rhs))

    def pop(self, k: int = 1) -> None:
        """Remove the last k pushed rows."""
        if k:
            self.h.deleteRows(k, np.arange(self.rows - k, self.rows, dtype=np.int32))
            self.rows -= k
            del self.A[-k:], self.b[-k:]

    def replace_top(self, coef: np.ndarray, rhs: float) -> None:
        """Make the last pushed row ``coef.x - t >= rhs`` (GlpkMarginLP.replace_top)."""
        self.pop()
        self.push(coef, rhs)

    def _set_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        n0 = self.n0
        if mode == "support":
            self.h.changeColBounds(n0, 0.0, 0.0)
            self.h.changeColCost(n0, 0.0)
        else:
            self.h.changeColBounds(n0, -INF, self.tmax)
            self.h.changeColsCost(n0 + 1, self.idx, np.append(np.zeros(n0), 1.0))
        self.mode = mode

    def support(self, coef):
        """(max coef.x over the closed cell, a maximiser), or (None, None) (GlpkMarginLP.support)."""
        self._set_mode("support")
        self.h.changeColsCost(self.n0, self.idx[:-1], np.asarray(coef, dtype=float))
        self.h.run()
        self.solves += 1
        if self.h.getModelStatus() != self._optimal:
            return None, None
        sol = self.h.getSolution().col_value
        x = np.array(sol[: self.n0])
        if self.margin(x) < -self.point_tol:
            return None, None
        return float(self.h.getInfo().objective_function_value), x

    def margin(self, x) -> float:
        """min over the rows of coef.x - rhs (GlpkMarginLP.margin)."""
        return float(np.min(np.array(self.A) @ x - np.array(self.b)))

    def margins(self, X) -> np.ndarray:
        """margin() of each row of X."""
        return (X @ np.array(self.A).T - np.array(self.b)).min(axis=1)

    def chebyshev(self):
        """(t*, x*) of max t over the cell, or (None, None)."""
        self._set_mode("margin")
        return self.solve()

    def probe(self, coef, rhs: float, tol: float):
        """Push ``coef.x - t >= rhs``, solve, pop: (t*, x*) when t* > tol, (t*, None) when
        t* <= tol, (None, None) when the LP is not solved to optimality."""
        self._set_mode("margin")
        self.push(np.asarray(coef, dtype=float), rhs)
        t, x = self.solve()
        self.pop()
        return (t, x) if t is not None and t > tol else (t, None)

    def solve(self):
        """(t*, x*) or (None, None) when the LP is not optimal."""
        self.h.run()
        self.solves += 1
        if self.h.getModelStatus() != self._optimal:
            return None, None
        sol = self.h.getSolution().col_value
        return float(sol[self.n0]), np.array(sol[: self.n0])


class RowMargins:
    """Distances to the rows in use (box faces and cuts, unit normals), for the LP objects that
    keep a copy of their rows (GlpkMarginLP, DenseSupportLP): the box [lo, hi] and the cut rows
    ``A[first:used] x >= b[first:used]``. The box faces are read off lo and hi, not multiplied
    out as 2 n0 dense rows (at 784 inputs that product was a fifth of the lp engine's time); the
    values are the same floats (e_j.x = x_j exactly)."""

    def margin(self, x) -> float:
        """min over the rows in use of coef.x - rhs (the distance to the nearest constraint or
        box face, the rows being unit normals)."""
        f, k = self.first, self.used
        box = min(float(np.min(x - self.lo)), float(np.min(self.hi - x)))
        return box if k == f else min(box, float(np.min(self.A[f:k] @ x - self.b[f:k])))

    def margins(self, X) -> np.ndarray:
        """margin() of each row of X."""
        f, k = self.first, self.used
        box = np.minimum((X - self.lo).min(axis=1), (self.hi - X).min(axis=1))
        return box if k == f else np.minimum(box, (X @ self.A[f:k].T - self.b[f:k]).min(axis=1))


class GlpkMarginLP(RowMargins):
    """The margin LP on GLPK (swiglpk): dual simplex from the previous basis, no presolve."""

    name = "glpk"

    def __init__(self, lower: np.ndarray, upper: np.ndarray):
        import swiglpk as g
        self.g = g
        n0 = lower.size
        self.n0 = n0
        self.lp = lp = g.glp_create_prob()
        g.glp_set_obj_dir(lp, g.GLP_MAX)
        g.glp_add_cols(lp, n0 + 1)
        for j in range(n0):
            g.glp_set_col_bnds(lp, j + 1, g.GLP_DB, float(lower[j]), float(upper[j]))
        self.tmax = float(np.max(upper - lower))
        g.glp_set_col_bnds(lp, n0 + 1, g.GLP_UP, 0.0, self.tmax)
        g.glp_set_obj_coef(lp, n0 + 1, 1.0)
        self.ind = g.intArray(n0 + 2)
        self.val = g.doubleArray(n0 + 2)
        for j in range(n0 + 1):
            self.ind[j + 1] = j + 1
        # element-wise, through the C wrapper: swiglpk's as_doubleArray returned freed memory
        # here (checked by reading the row back), so it is not used
        self._setitem = g._swiglpk.doubleArray___setitem__
        self.parm = parm = g.glp_smcp()
        g.glp_init_smcp(parm)
        parm.msg_lev = g.GLP_MSG_OFF
        parm.meth = g.GLP_DUALP
        parm.tol_bnd = 1e-9
        parm.tol_dj = 1e-9
        self.rows = 0          # rows in the GLPK problem: rows 1..used are in use, the rest are free
        self.used = 0
        self.A = np.empty((4 * n0 + 16, n0))   # a copy of the rows in use, to check GLPK's points
        self.b = np.empty(4 * n0 + 16)
        self.basis_resets = 0
        self.mode = "margin"       # "margin": t free, max t; "support": t = 0, max c.x (support)
        self._obj = g._swiglpk.glp_set_obj_coef
        self._prim = g._swiglpk.glp_get_col_prim
        self.point_tol = 1e-7 * float(np.max(upper - lower))   # rows are unit normals: box units
        self.lo, self.hi = lower.astype(float), upper.astype(float)
        self.first = 2 * n0        # the box rows x_j - t >= lo_j, -x_j - t >= -hi_j come first
        self._push_box_rows(g)
        self.solves = 0

    def __del__(self):
        try:
            self.g.glp_delete_prob(self.lp)
        except Exception:  # interpreter shutdown
            pass

    def _push_box_rows(self, g) -> None:
        """The 2 n0 box rows, two nonzeros each (set as dense rows they cost 2 n0^2 calls into
        GLPK: 1.4 s at 784 inputs). A and b hold them as dense rows too (for _sync's callers)."""
        n0, lp = self.n0, self.lp
        g.glp_add_rows(lp, 2 * n0)
        self.rows = 2 * n0
        ind, val = g.intArray(3), g.doubleArray(3)
        setitem = self._setitem
        setitem(val, 2, -1.0)
        ind[2] = n0 + 1
        for j in range(n0):
            ind[1] = j + 1
            for k, (sign, rhs) in enumerate(((1.0, self.lo[j]), (-1.0, -self.hi[j]))):
                setitem(val, 1, sign)
                g.glp_set_mat_row(lp, 2 * j + k + 1, 2, ind, val)
                g.glp_set_row_bnds(lp, 2 * j + k + 1, g.GLP_LO, float(rhs), 0.0)
                self.A[2 * j + k] = 0.0
                self.A[2 * j + k, j] = sign
                self.b[2 * j + k] = rhs
        self.used = 2 * n0

    def push(self, coef: np.ndarray, rhs: float) -> None:
        """Add the row ``coef.x - t >= rhs``, reusing a free row when there is one (deleting a
        row would invalidate GLPK's basis; a freed row that is basic keeps it valid)."""
        g, k = self.g, self.used
        if k == self.rows:
            self.rows = g.glp_add_rows(self.lp, 1)
        setitem, val = self._setitem, self.val
        for j, v in enumerate(coef, start=1):
            setitem(val, j, float(v))
        setitem(val, self.n0 + 1, -1.0)
        g.glp_set_mat_row(self.lp, k + 1, self.n0 + 1, self.ind, val)
        g.glp_set_row_bnds(self.lp, k + 1, g.GLP_LO, float(rhs), 0.0)
        if k == len(self.b):
            self.A = np.concatenate([self.A, np.empty_like(self.A)])
            self.b = np.concatenate([self.b, np.empty_like(self.b)])
        self.A[k], self.b[k] = coef, rhs
        self.used = k + 1

    def replace_top(self, coef: np.ndarray, rhs: float) -> None:
        """Make the last pushed row ``coef.x - t >= rhs`` in place, keeping its basis status: the
        other side of a split (coef -> -coef) then starts from the basis the first side ended
        with, whose vertex lies on the shared hyperplane, instead of a reset after a pop."""
        g, k = self.g, self.used
        setitem, val = self._setitem, self.val
        for j, v in enumerate(coef, start=1):
            setitem(val, j, float(v))
        setitem(val, self.n0 + 1, -1.0)
        g.glp_set_mat_row(self.lp, k, self.n0 + 1, self.ind, val)
        g.glp_set_row_bnds(self.lp, k, g.GLP_LO, float(rhs), 0.0)
        self.A[k - 1], self.b[k - 1] = coef, rhs

    def pop(self, k: int = 1) -> None:
        """Remove the last k pushed rows (they become free rows). A free row must be basic: when
        GLPK's warm start keeps a free row nonbasic, its dual simplex can report "optimal" for a
        point that violates the rows (seen on a 5-8-8-8 net), so the basis is then reset to the
        standard one. (A one-pivot repair, the freed row entering the basis, was tried for issue
        17: the solves after it took more iterations than cold ones on the digits nets, and GLPK
        aborted the process on an assertion in its dual ratio test, so it is not used.)"""
        g, lp = self.g, self.lp
        for _ in range(k):
            i, self.used = self.used, self.used - 1
            g.glp_set_row_bnds(lp, i, g.GLP_FR, 0.0, 0.0)
            if g.glp_get_row_stat(lp, i) != g.GLP_BS:
                g.glp_std_basis(lp)
                self.basis_resets += 1

    def _set_mode(self, mode: str) -> None:
        g, lp, n0 = self.g, self.lp, self.n0
        if mode == self.mode:
            return
        if mode == "support":
            g.glp_set_col_bnds(lp, n0 + 1, g.GLP_FX, 0.0, 0.0)
            self._obj(lp, n0 + 1, 0.0)
        else:
            g.glp_set_col_bnds(lp, n0 + 1, g.GLP_UP, 0.0, self.tmax)
            for j in range(1, n0 + 1):
                self._obj(lp, j, 0.0)
            self._obj(lp, n0 + 1, 1.0)
        self.mode = mode

    def support(self, coef):
        """(max coef.x over the closed cell, a maximiser), or (None, None) when GLPK does not
        solve it (or its point violates the rows twice). The pushed rows stay as they are, so
        GLPK starts from the basis of the previous solve: only the objective changed."""
        g, lp = self.g, self.lp
        self._set_mode("support")
        obj = self._obj
        for j, v in enumerate(coef, start=1):
            obj(lp, j, float(v))
        for _ in range(2):
            self.parm.meth = g.GLP_PRIMAL      # only the objective changed: the basis is still primal feasible
            try:
                self._run()
            finally:
                self.parm.meth = g.GLP_DUALP
            if g.glp_get_status(lp) != g.GLP_OPT:
                return None, None
            x = self._point()
            if self.margin(x) >= -self.point_tol:
                return g.glp_get_obj_val(lp), x
            g.glp_std_basis(lp)
            self.basis_resets += 1
        return None, None

    def chebyshev(self):
        """(t*, x*) of max t over the cell (its deepest point), or (None, None)."""
        g, lp = self.g, self.lp
        self._set_mode("margin")
        self._run()
        if g.glp_get_status(lp) != g.GLP_OPT:
            return None, None
        return g.glp_get_obj_val(lp), self._point()

    def _point(self):
        prim, lp = self._prim, self.lp
        return np.array([prim(lp, j) for j in range(1, self.n0 + 1)])

    def probe(self, coef, rhs: float, tol: float):
        """Push ``coef.x - t >= rhs``, solve, pop: (t*, x*) when t* > tol, (t*, None) when
        t* <= tol, (None, None) when not optimal. The point is read only when it is needed, and
        checked against the rows: a point that violates them is solved again from the standard
        basis once, then an EngineError."""
        g, lp = self.g, self.lp
        self._set_mode("margin")
        self.push(coef, rhs)
        try:
            for _ in range(2):
                self._run()
                t = g.glp_get_obj_val(lp) if g.glp_get_status(lp) == g.GLP_OPT else None
                if t is None or t <= tol:
                    return t, None
                x = self._point()
                if self.margin(x) - t >= -self.point_tol:
                    return t, x
                g.glp_std_basis(lp)          # not a point of the LP: solve again, cold
                self.basis_resets += 1
            raise EngineError("GLPK returned a point that violates the cell's rows; try --lp-solver highs")
        finally:
            self.pop()

    def _run(self):
        g = self.g
        self.solves += 1
        ret = g.glp_simplex(self.lp, self.parm)
        if ret != 0:  # e.g. a singular warm basis: restart from the standard basis once
            g.glp_std_basis(self.lp)
            ret = g.glp_simplex(self.lp, self.parm)
            if ret != 0:
                raise EngineError(f"GLPK simplex failed (code {ret}); try --lp-solver highs")

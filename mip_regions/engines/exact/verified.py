"""Exact interior decisions at float speed (issue 32): the cell's margin LP solved in floats by
HiGHS, its answer then proven in rationals, the way exact LP solvers work (QSopt_ex, SoPlex's
iterative refinement: solve in floats, verify exactly, fall back to exact pivoting only when the
verification fails).

The question is the one :func:`simplex.interior_point` answers: has the cell
C = {x in [lo, hi] : a_j.x + c_j >= 0 for all j} a non-empty interior? The float LP is

    max t  s.t.  (a_j.x + c_j) / s_j >= t,  lo_k + t <= x_k <= hi_k - t,  t <= 1

(s_j = max_k |a_jk|). Its answer is then proven, never trusted:

* **an interior point**: the float optimum x* is a dyadic rational; when the exact test
  a_j.x* + c_j > 0 and lo < x* < hi holds (python-flint, one fmpq_mat product), x* is returned;
* **no interior**: any mu >= 0, mu != 0, gives for every x of the box
  sum_j mu_j (a_j.x + c_j) <= B(mu) = sum_k max(d_k lo_k, d_k hi_k) + mu.c,  d = sum_j mu_j a_j;
  an interior point would make the left side positive, so B(mu) <= 0, evaluated exactly, proves
  that C has none. The LP's row duals (as rationals, negatives clipped, in both sign conventions)
  are tried, then the same duals made exact on the optimal face: the x_k strictly between their
  bounds must get d_k = 0 exactly, so mu restricted to the rows with a positive dual is solved
  from sum_j mu_j a_jk = 0 (those k) and sum_j mu_j = 1 in rationals (fmpq_mat, a system as small
  as the rows: the face of a touching hyperplane, B(mu) = 0 exactly).

None when neither proof goes through (the float LP failed, or the optimum is degenerate beyond
this): the exact simplex then decides. Measured (issue 32): one exact margin LP at 784 inputs took
35 s of a 64 s MNIST 784-8-14 run in the dense fmpq tableau.
"""

from __future__ import annotations

import numpy as np
from flint import fmpq, fmpq_mat

from ...nets.exact_matrices import to_fmpq

ZERO = fmpq(0)
# HiGHS's feasibility tolerances, tried in turn: its defaults (1e-7), then its tightest (1e-10),
# for a sliver thinner than 1e-7 whose float optimum the default lets sit on a box face
# (a trained 64-6-16 digits net, issue 32: three such cells took 6 s each in the exact simplex)
TOLERANCES = (None, 1e-10)


def float_margin_lp(A: np.ndarray, c: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                    tol: float | None = None):
    """(t*, x*, row duals of the cut rows, basis) of the module's float LP (rows already scaled),
    or None when HiGHS does not report an optimum. basis: (per column -1 at its lower bound, 1 at
    its upper, 0 basic, 2 otherwise; per row True when nonbasic, i.e. at its bound). ``tol``:
    HiGHS's primal and dual feasibility tolerances (its defaults, 1e-7, when None)."""
    import highspy

    from .quiet_highs import new_highs
    m, n = A.shape
    opts = {} if tol is None else {"primal_feasibility_tolerance": tol, "dual_feasibility_tolerance": tol}
    h = new_highs(**opts)
    inf = highspy.kHighsInf
    h.addVars(n + 1, np.full(n + 1, -inf), np.append(np.full(n, inf), 1.0))   # the box is in the rows
    h.changeColCost(n, -1.0)                       # HiGHS minimises: min -t
    t_col = np.full(m, n)
    # cut rows: a.x - t >= -c
    starts = np.arange(m) * (n + 1)
    index = np.hstack([np.tile(np.arange(n), (m, 1)), t_col[:, None]]).ravel()
    values = np.hstack([A, -np.ones((m, 1))]).ravel()
    if m:
        h.addRows(m, -c, np.full(m, inf), m * (n + 1), starts, index, values)
    # box rows: x_k - t >= lo_k, -x_k - t >= -hi_k
    k = np.arange(n)
    starts = np.arange(2 * n) * 2
    index = np.column_stack([np.concatenate([k, k]), np.full(2 * n, n)]).ravel()
    values = np.column_stack([np.concatenate([np.ones(n), -np.ones(n)]), -np.ones(2 * n)]).ravel()
    h.addRows(2 * n, np.concatenate([lo, -hi]), np.full(2 * n, inf), 4 * n, starts, index, values)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol, basis = h.getSolution(), h.getBasis()
    col = np.asarray(sol.col_value)
    basic = highspy.HighsBasisStatus.kBasic
    at = {highspy.HighsBasisStatus.kLower: -1, highspy.HighsBasisStatus.kUpper: 1}
    cols = [0 if st == basic else at.get(st, 2) for st in basis.col_status]
    rows = [st != basic for st in basis.row_status]
    return float(col[n]), col[:n], np.asarray(sol.row_dual)[:m], (cols, rows)


class ExactRows:
    """The cell's rows (each divided by its largest |coefficient|: the same cell) and box as
    python-flint matrices, for the exact checks."""

    def __init__(self, rows, lo, hi):
        self.n = n = len(lo)
        self.m = m = len(rows)
        self.lo = [to_fmpq(v) for v in lo]
        self.hi = [to_fmpq(v) for v in hi]
        self.a, self.c = [], []
        for a, c in rows:                     # each row divided by its largest |a_k|, exactly
            a = [to_fmpq(v) for v in a]
            s = max((abs(v) for v in a), default=ZERO)
            s = s if s != 0 else fmpq(1)
            self.a.append([v / s for v in a])
            self.c.append(to_fmpq(c) / s)
        self.A = fmpq_mat(m, n, [v for a in self.a for v in a]) if m else None

    def strictly_inside(self, x) -> bool:
        """a_j.x + c_j > 0 for every j and lo < x < hi, exactly."""
        xq = [to_fmpq(v) for v in x]
        if not all(lo < v < hi for lo, v, hi in zip(self.lo, xq, self.hi)):
            return False
        if not self.m:
            return True
        g = self.A * fmpq_mat(self.n, 1, xq)
        return all(g[j, 0] + self.c[j] > 0 for j in range(self.m))

    def dual_bound(self, mu) -> fmpq:
        """B(mu) of the module docstring, exactly (mu: m rationals >= 0)."""
        d = fmpq_mat(1, self.m, list(mu)) * self.A
        total = sum((mj * cj for mj, cj in zip(mu, self.c)), ZERO)
        for k in range(self.n):
            dk = d[0, k]
            total += dk * (self.hi[k] if dk > 0 else self.lo[k])
        return total


def certified_interior(rows, lo, hi):
    """("inside", x) with x an exact point strictly inside the cell, ("empty", None) with a proof
    that it has no interior, or None (module docstring). ``rows``: (a, c) pairs of exact numbers."""
    if not rows:
        return None
    ex = ExactRows(rows, lo, hi)
    try:                                    # the rows are scaled: |a_k| <= 1; c may not fit
        A = np.array([[float(v) for v in a] for a in ex.a])
        c = np.array([float(v) for v in ex.c])
        flo, fhi = np.array([float(v) for v in ex.lo]), np.array([float(v) for v in ex.hi])
    except OverflowError:
        return None
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(flo)) and np.all(np.isfinite(fhi))):
        return None
    for tol in TOLERANCES:
        res = float_margin_lp(A, c, flo, fhi, tol)
        answer = None if res is None else _prove(ex, res, flo, fhi)
        if answer is not None:
            return answer
    return None


def _prove(ex: ExactRows, res, flo, fhi):
    """The module docstring's proofs of one float LP answer ``res`` (float_margin_lp), or None."""
    scale = np.ones(ex.m)                   # the exact rows are scaled already
    t, x, duals, basis = res
    if t > 0 and ex.strictly_inside(x):
        return "inside", [to_fmpq(v) for v in x]
    for sign in (1.0, -1.0):
        mu = np.maximum(sign * duals, 0.0) / scale
        if np.any(mu > 0) and ex.dual_bound([to_fmpq(v) for v in mu]) <= 0:
            return "empty", None
        mu_face = _face_duals(ex, mu, x, flo, fhi)
        if mu_face is not None and ex.dual_bound(mu_face) <= 0:
            return "empty", None
    if t > 0:                               # thinner than HiGHS's tolerances
        for y in (_exact_shift(ex, x, t, scale), _exact_vertex(ex, basis, scale)):
            if y is not None and ex.strictly_inside(y):
                return "inside", y
    return None


def _exact_shift(ex: ExactRows, x, t, scale):
    """x* moved exactly so that the rows nearly tight at it (float margin within 1e-9 of t*) get
    margin exactly t* > 0: x = x* + A_J^T lam with (A_J A_J^T) lam = t* s_J - (A_J x* + c_J), a
    system as small as those rows (fmpq_mat). The move is of the order of the float error, so
    the other rows and the box keep their margins; strictly_inside() checks that exactly."""
    xq = [to_fmpq(v) for v in x]
    g = ex.A * fmpq_mat(ex.n, 1, xq)
    tq = to_fmpq(t)
    J = [j for j in range(ex.m) if abs(float(g[j, 0] + ex.c[j]) / scale[j] - t) <= 1e-9]
    if not J:
        return None
    AJ = fmpq_mat(len(J), ex.n, [v for j in J for v in ex.a[j]])
    r = fmpq_mat(len(J), 1, [tq * to_fmpq(scale[j]) - (g[j, 0] + ex.c[j]) for j in J])
    try:
        lam = (AJ * AJ.transpose()).solve(r)
    except ZeroDivisionError:
        return None
    move = AJ.transpose() * lam
    return [xq[k] + move[k, 0] for k in range(ex.n)]


def _face_duals(ex: ExactRows, mu, x, flo, fhi):
    """Exact duals on the LP's optimal face: mu_j = 0 off the rows whose float dual is positive;
    on them, sum_j mu_j a_jk = 0 for every k with x_k strictly inside its bounds (those d_k must
    vanish) and sum_j mu_j = 1. The rational solution when the system has one and it is >= 0."""
    J = [j for j in range(ex.m) if mu[j] > 0]
    if not J:
        return None
    span = np.maximum(fhi - flo, 1e-300)
    free = [k for k in range(ex.n) if 1e-9 < (x[k] - flo[k]) / span[k] < 1 - 1e-9]
    if len(free) + 1 > 4 * len(J) + 8:       # not a small face: leave it to the exact simplex
        return None
    rows = [[ex.a[j][k] for j in J] for k in free] + [[fmpq(1)] * len(J)]
    M = fmpq_mat(len(rows), len(J), [v for r in rows for v in r])
    rhs = fmpq_mat(len(rows), 1, [ZERO] * len(free) + [fmpq(1)])
    aug = fmpq_mat(len(rows), len(J) + 1, [v for i, r in enumerate(rows) for v in r + [rhs[i, 0]]])
    R, rank = aug.rref()
    rankM = M.rref()[1]
    if rank != rankM:                        # inconsistent
        return None
    sol = [ZERO] * len(J)                    # a particular solution: free unknowns at 0
    for i in range(rank):
        lead = next((k for k in range(len(J)) if R[i, k] != 0), None)
        if lead is None:
            return None
        sol[lead] = R[i, len(J)] / R[i, lead]
    if any(v < 0 for v in sol):
        return None
    out = [ZERO] * ex.m
    for j, v in zip(J, sol):
        out[j] = v
    return out


def _exact_vertex(ex: ExactRows, basis, scale):
    """The float LP's optimal basis solved exactly: each x_k whose box row is at its bound is
    lo_k + t or hi_k - t (or its own bound), the others and t are the unknowns, and the cut rows
    at their bound give a_j.x + c_j = s_j t. A square system of at most rows + 1 unknowns
    (fmpq_mat.solve); its x, or None when the basis does not give a square regular system."""
    cols, tight = basis
    n, m = ex.n, ex.m
    fixed = {}                 # k -> (constant, coefficient of t)
    free = []
    for k in range(n):
        if tight[m + k]:
            fixed[k] = (ex.lo[k], fmpq(1))
        elif tight[m + n + k]:
            fixed[k] = (ex.hi[k], fmpq(-1))
        elif cols[k] in (-1, 1):
            fixed[k] = (ex.lo[k] if cols[k] < 0 else ex.hi[k], ZERO)
        else:
            free.append(k)
    t_known = cols[n] == 1     # t at its cap 1
    active = [j for j in range(m) if tight[j]]
    unknowns = len(free) + (0 if t_known else 1)
    if len(active) != unknowns or unknowns == 0:
        return None
    M, rhs = [], []
    for j in active:
        a = ex.a[j]
        const = ex.c[j] + sum((a[k] * v for k, (v, _) in fixed.items()), ZERO)
        tco = -to_fmpq(scale[j]) + sum((a[k] * w for k, (_, w) in fixed.items() if w != 0), ZERO)
        row = [a[k] for k in free]
        if t_known:
            const += tco
        else:
            row.append(tco)
        M.append(row)
        rhs.append(-const)
    try:
        sol = fmpq_mat(unknowns, unknowns, [v for r in M for v in r]).solve(fmpq_mat(unknowns, 1, rhs))
    except ZeroDivisionError:
        return None
    t = fmpq(1) if t_known else sol[unknowns - 1, 0]
    x = [ZERO] * n
    for k, (v, w) in fixed.items():
        x[k] = v + w * t
    for i, k in enumerate(free):
        x[k] = sol[i, 0]
    return x

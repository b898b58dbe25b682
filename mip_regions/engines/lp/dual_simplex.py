"""The lp engine's support LPs solved by a small compiled dual simplex, with a checked bound
(issue 17: GLPK spent ~185 us per support LP on the digits nets, most of it per-iteration and
per-call overhead on LPs of 64 columns and ~20 rows, plus Python glue setting 64 objective
coefficients and reading 64 values one call each).

The support LP of a cell C = {x in [lo, hi] : A x >= b} (rows unit normals) is

    max c.x   s.t.  A x >= b,  lo <= x <= hi.

:func:`dual_simplex` (lp/simplex_kernel.py) solves it by the bounded dual simplex from the
all-slack basis with each x_k at the bound that maximises c_k x_k (dual feasible for any c, so no
phase 1), or from the basis the same LP ended with on an ancestor cell (lp/simplex_start.py; the
caller keeps it), with dual steepest-edge pricing and the bound-flipping ratio test; its explicit
m x m basis inverse is updated every iteration (m = the cuts on the path, at most the number of
units).

**The bound is checked, not trusted.** Any mu >= 0 gives

    c.x = (c + A^T mu).x - mu.(A x) <= sum_k max(d_k lo_k, d_k hi_k) - mu.b,   d = c + A^T mu,

for every x of C. The solver's row duals (clipped at 0) are put into this formula with a
rounding allowance of max(1e-12, 2 (n + m + 2) 2^-52) times the sum of the magnitudes involved
(relative; above Higham's gamma_(n+m+2) for these sums, 1e-12 up to n ~ 9,000 terms), so the returned ``bound`` is an upper bound
on max c.x over C whatever the simplex did. The lp engine decides "the sign is fixed" only on
this bound; "the unit cuts C" only on an interior point it checks itself (lp.toward). A run that
does not converge (iteration cap, no pivot) returns a failure and the LP solver decides.

:class:`DenseSupportLP` keeps the rows in numpy arrays, solves support LPs with the kernel and
hands every other LP (the margin and Chebyshev LPs, and the rare support LP the kernel gives up
on) to the GLPK or HiGHS object of lp/margin.py, whose rows it brings up to date only then.
"""

from __future__ import annotations

import numpy as np

from ..shared import numba
from .margin import RowMargins
from .simplex_kernel import (  # noqa: F401  (the statuses)
    CUTOFF, ITERATIONS, NO_PIVOT, NO_POINT, OPTIMAL, REACHED)
from .simplex_start import NO_BASIS, NO_INVERSE

NO_WARM = (NO_BASIS, NO_INVERSE, NO_POINT)      # no warm start / no basis kept

if numba is not None:
    from .margins_kernel import row_margins
    from .simplex_kernel import dual_simplex


class DenseSupportLP(RowMargins):
    """margin_lp's interface (push, pop, replace_top, support_bound, margin, chebyshev, probe)
    with the support LPs on :func:`dual_simplex` and the rest on ``inner`` (module docstring)."""

    def __init__(self, lower: np.ndarray, upper: np.ndarray, inner):
        n0 = lower.size
        self.inner, self.n0 = inner, n0
        self.name = inner.name      # the solver of every LP but the support LPs
        self.lo, self.hi = lower.astype(float), upper.astype(float)
        self.A = np.empty((4 * n0 + 16, n0))        # box rows first (for margin), then the cuts
        self.b = np.empty(4 * n0 + 16)
        eye = np.eye(n0)
        self.A[:n0], self.A[n0:2 * n0] = eye, -eye
        self.b[:n0], self.b[n0:2 * n0] = self.lo, -self.hi
        self.used = self.first = 2 * n0
        self.synced = 0         # cuts the inner LP holds that equal ours (a prefix)
        self.inner_cuts = 0     # cuts the inner LP holds
        self.dense_solves = 0
        self.iterations = 0
        self.handed = 0         # support LPs the kernel gave up on
        self.cutoffs = 0        # support LPs stopped at the cutoff (no point needed)
        self.reached = 0        # support LPs stopped at a point beyond the target
        self.shrunk_solves = 0  # support LPs over a shrunk cell (lp.deep_point)
        self.warm_solves = 0    # support LPs started from an ancestor cell's basis
        self.kept = None        # the last support LP's basis (support_bound) ...
        self.kept_coef = None   # ... and its objective
        self.tol = 1e-9 * float(np.max(self.hi - self.lo))
        self.point_tol = inner.point_tol

    @property
    def solves(self) -> int:
        return self.dense_solves + self.inner.solves

    @property
    def basis_resets(self) -> int:
        return getattr(self.inner, "basis_resets", 0)

    def push(self, coef, rhs: float) -> None:
        k = self.used
        if k == len(self.b):
            self.A = np.concatenate([self.A, np.empty_like(self.A)])
            self.b = np.concatenate([self.b, np.empty_like(self.b)])
        self.A[k], self.b[k] = coef, rhs
        self.used = k + 1

    def pop(self, k: int = 1) -> None:
        self.used -= k
        self.synced = min(self.synced, self.used - 2 * self.n0)

    def replace_top(self, coef, rhs: float) -> None:
        self.A[self.used - 1], self.b[self.used - 1] = coef, rhs
        self.synced = min(self.synced, self.used - 1 - 2 * self.n0)

    def _sync(self):
        """Bring the inner LP's cuts up to ours (pop what differs, push the rest)."""
        cuts = self.used - 2 * self.n0
        if self.inner_cuts > self.synced:
            self.inner.pop(self.inner_cuts - self.synced)
        for k in range(2 * self.n0 + self.synced, self.used):
            self.inner.push(self.A[k], float(self.b[k]))
        self.synced = self.inner_cuts = cuts
        return self.inner

    def support_bound(self, coef, cutoff: float = -np.inf, w=None, target: float = np.inf,
                      warm=None):
        """(value, maximiser, checked upper bound) of max coef.x over the closed cell, or
        (None, None, None); the inner LP's own value stands as its bound when it solves it.
        With a ``cutoff``, the kernel may stop once its checked bound is below it: then
        (bound, None, bound). With an interior point ``w`` and a ``target``, it may stop at a
        point y of the closed cell with coef.y > target: then (coef.y, y, inf).
        ``warm``: the ``kept`` basis of an earlier call with the same coef on a cell whose rows
        are a prefix of this one's (lp/simplex_start.py), or None for a cold start. After a call
        that ends OPTIMAL or REACHED, ``self.kept`` holds its last basis for such a call, else
        None."""
        c = np.asarray(coef, dtype=float)
        k = self.used
        m = k - 2 * self.n0
        basis0, Binv0, x0 = warm if warm is not None and len(warm[0]) <= m else NO_WARM
        keep = (np.empty(m, np.int64), np.empty((m, m)), np.empty(self.n0))
        status, v, x, bound, it = dual_simplex(self.A[2 * self.n0: k], self.b[2 * self.n0: k], c,
                                               self.lo, self.hi, self.tol, 50 + 4 * (m + self.n0),
                                               cutoff, NO_POINT if w is None else w, target,
                                               basis0, Binv0, x0, *keep)
        self.dense_solves += 1
        self.warm_solves += basis0.size > 0
        self.iterations += it
        self.kept = keep if status in (OPTIMAL, REACHED) else None
        self.kept_coef = c
        if status == OPTIMAL:
            return v, x, bound
        if status == CUTOFF:
            self.cutoffs += 1
            return bound, None, bound
        if status == REACHED:
            self.reached += 1
            return v, x, np.inf
        self.handed += 1
        self.kept = None
        v, x = self._sync().support(c)
        return v, x, v

    def margin(self, x) -> float:
        """RowMargins.margin, compiled (lp/margins_kernel.py: ~6 us, numpy's ~19 us at 784 inputs)."""
        return float(row_margins(np.asarray(x, dtype=float)[None, :], self.A[self.first: self.used],
                                 self.b[self.first: self.used], self.lo, self.hi)[0])

    def margins(self, X) -> np.ndarray:
        """RowMargins.margins, compiled."""
        return row_margins(np.ascontiguousarray(X, dtype=float), self.A[self.first: self.used],
                           self.b[self.first: self.used], self.lo, self.hi)

    def support_shrunk(self, coef, tau: float):
        """A maximiser of coef.x over the cell shrunk by tau (rows b + tau, box [lo + tau,
        hi - tau]: the points whose margin is at least tau, the rows being unit normals), or None
        when it is empty or the kernel does not solve it. It starts from the last support LP's
        basis when that LP had the same coef and rows (only b and the box move, so the basis stays
        dual feasible; its nonbasic columns move with their bounds)."""
        lo, hi = self.lo + tau, self.hi - tau
        if not np.all(lo < hi):
            return None
        c = np.asarray(coef, dtype=float)
        k = self.used
        m = k - 2 * self.n0
        warm = NO_WARM
        if self.kept is not None and len(self.kept[0]) == m and np.array_equal(self.kept_coef, c):
            basis0, Binv0, x0 = self.kept
            warm = basis0, Binv0, np.where(x0 == self.lo, lo, np.where(x0 == self.hi, hi, x0))
        status, _, x, _, it = dual_simplex(self.A[2 * self.n0: k], self.b[2 * self.n0: k] + tau,
                                           c, lo, hi, self.tol, 50 + 4 * (m + self.n0), -np.inf,
                                           NO_POINT, np.inf, *warm, *NO_WARM)
        self.dense_solves += 1
        self.shrunk_solves += 1
        self.iterations += it
        return x if status == OPTIMAL else None

    def support(self, coef):
        v, x, _ = self.support_bound(coef)
        return v, x

    def chebyshev(self):
        return self._sync().chebyshev()

    def probe(self, coef, rhs: float, tol: float):
        return self._sync().probe(coef, rhs, tol)

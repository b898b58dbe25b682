"""The lp engine's support LPs solved by a small compiled dual simplex, with a checked bound
(issue 17: GLPK spent ~185 us per support LP on the digits nets, most of it per-iteration and
per-call overhead on LPs of 64 columns and ~20 rows, plus Python glue setting 64 objective
coefficients and reading 64 values one call each).

The support LP of a cell C = {x in [lo, hi] : A x >= b} (rows unit normals) is

    max c.x   s.t.  A x >= b,  lo <= x <= hi.

:func:`dual_simplex` solves it by the bounded dual simplex from the all-slack basis with each
x_k at the bound that maximises c_k x_k (dual feasible for any c, so no phase 1 and no state
between calls): while a basic variable is outside its bounds, it leaves at that bound and the
entering nonbasic variable is picked by the dual ratio test. Reduced costs, duals and basic
values are recomputed from an explicit inverse of the m x m basis every iteration (m = the
cuts on the path, at most the number of units).

**The bound is checked, not trusted.** Any mu >= 0 gives

    c.x = (c + A^T mu).x - mu.(A x) <= sum_k max(d_k lo_k, d_k hi_k) - mu.b,   d = c + A^T mu,

for every x of C. The solver's row duals (clipped at 0) are put into this formula with a
rounding allowance of 1e-12 times the sum of the magnitudes involved (relative, far above the
float error of these sums of fewer than 200 terms), so the returned ``bound`` is an upper bound
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

OPTIMAL, ITERATIONS, NO_PIVOT = 0, 1, 2

if numba is not None:
    from numba import njit

    @njit(cache=True)
    def dual_simplex(A, b, c, lo, hi, tol, max_iter):
        """(status, value, x, bound, iterations) of max c.x s.t. A x >= b, lo <= x <= hi
        (module docstring)."""
        m, n = A.shape
        N = n + m
        AT = A.T.copy()                             # column j of A, contiguous
        lower = np.empty(N)
        upper = np.empty(N)
        lower[:n] = lo
        upper[:n] = hi
        lower[n:] = 0.0
        upper[n:] = np.inf
        cost = np.zeros(N)
        cost[:n] = c
        d = cost.copy()                             # reduced costs (y = 0 for the slack basis)
        x = np.zeros(N)
        basic = np.zeros(N, np.bool_)
        basis = np.empty(m, np.int64)
        for i in range(m):
            basis[i] = n + i
            basic[n + i] = True
        for k in range(n):
            x[k] = hi[k] if c[k] > 0 else lo[k]
        Binv = -np.eye(m)                           # the slack columns are -e_i
        y = np.zeros(m)
        xB = np.zeros(m)
        rhs = np.empty(m)
        w = np.empty(m)
        cj = np.empty(N, np.int64)
        ratio = np.empty(N)
        alpha = np.empty(N)
        row = np.empty(N)
        # rhs = b - (nonbasic columns) x_N, kept up to date as variables move (nonbasic slacks are
        # at 0); the basic values are B^-1 rhs
        rhs[:] = b
        for k in range(n):
            xk = x[k]
            if xk != 0.0:
                for i in range(m):
                    rhs[i] -= AT[k, i] * xk
        used = np.zeros(N, np.bool_)
        status = ITERATIONS
        it = 0
        while it < max_iter:
            it += 1
            r, worst, up = -1, tol, False
            for i in range(m):
                s = 0.0
                for j in range(m):
                    s += Binv[i, j] * rhs[j]
                xB[i] = s
                v = basis[i]
                if s < lower[v] - worst:
                    r, worst, up = i, lower[v] - s, True
                elif s > upper[v] + worst:
                    r, worst, up = i, s - upper[v], False
            if r < 0:
                status = OPTIMAL
                break
            # the bound-flipping ratio test: eligible nonbasics by increasing |d_j / alpha_j|; a
            # boxed one whose flip to its other bound leaves row r still infeasible is flipped
            # (it stays nonbasic, its reduced cost's sign turns with its bound) and the pass goes on
            ne = 0
            for j in range(N):
                if basic[j]:
                    continue
                if j < n:
                    a = 0.0
                    for i in range(m):
                        a += Binv[r, i] * AT[j, i]
                else:
                    a = -Binv[r, j - n]
                row[j] = a
                if j < n and lower[j] == upper[j]:
                    continue
                at_upper = j < n and x[j] == upper[j]
                if up:
                    ok = (a < -1e-9 and not at_upper) or (a > 1e-9 and at_upper)
                else:
                    ok = (a > 1e-9 and not at_upper) or (a < -1e-9 and at_upper)
                if ok:
                    cj[ne] = j
                    ratio[ne] = abs(d[j] / a)
                    alpha[ne] = abs(a)
                    ne += 1
            q = -1
            slope, left = worst, ne
            used[:ne] = False
            while left > 0:                         # the smallest ratio left (first on ties)
                t, best = -1, np.inf
                for u in range(ne):
                    if not used[u] and ratio[u] < best:
                        t, best = u, ratio[u]
                if t < 0:
                    t = 0
                    while used[t]:
                        t += 1
                used[t] = True
                left -= 1
                j = cj[t]
                if j < n and left > 0:
                    step = alpha[t] * (upper[j] - lower[j])
                    if slope - step > 0:            # flip j and go on
                        slope -= step
                        new = lower[j] if x[j] == upper[j] else upper[j]
                        delta = new - x[j]
                        x[j] = new
                        for i in range(m):
                            rhs[i] -= AT[j, i] * delta
                        continue
                q = j
                break
            if q < 0:
                status = NO_PIVOT
                break
            p = basis[r]                            # leaves at the bound it violated
            x[p] = lower[p] if up else upper[p]
            basic[p] = False
            if p < n:
                for i in range(m):
                    rhs[i] -= AT[p, i] * x[p]
            if q < n:                               # q's column leaves the right-hand side
                for i in range(m):
                    rhs[i] += AT[q, i] * x[q]
            theta = d[q] / row[q]
            for j in range(N):
                if not basic[j]:
                    d[j] -= theta * row[j]
            d[p] = -theta
            d[q] = 0.0
            for i in range(m):                      # B^-1 column q
                if q < n:
                    s = 0.0
                    for j in range(m):
                        s += Binv[i, j] * AT[q, j]
                else:
                    s = -Binv[i, q - n]
                w[i] = s
            piv = w[r]
            for j in range(m):
                Binv[r, j] /= piv
            for i in range(m):
                if i != r and w[i] != 0.0:
                    f = w[i]
                    for j in range(m):
                        Binv[i, j] -= f * Binv[r, j]
            basis[r] = q
            basic[q] = True
        xs = x[:n].copy()
        if status != OPTIMAL:
            return status, 0.0, xs, np.inf, it
        for i in range(m):
            if basis[i] < n:
                xs[basis[i]] = xB[i]
        for j in range(m):                          # duals y = c_B B^-1, afresh
            s = 0.0
            for i in range(m):
                s += cost[basis[i]] * Binv[i, j]
            y[j] = s
        value = 0.0
        for k in range(n):
            value += c[k] * xs[k]
        # the checked bound: mu = max(-y, 0) (module docstring)
        bound, mag = 0.0, 0.0
        for k in range(n):
            dk = c[k]
            dm = abs(c[k])
            for i in range(m):
                mu = -y[i] if y[i] < 0 else 0.0
                dk += mu * AT[k, i]
                dm += mu * abs(AT[k, i])
            xm = max(abs(lo[k]), abs(hi[k]))
            bound += max(dk * lo[k], dk * hi[k])
            mag += dm * xm
        for i in range(m):
            mu = -y[i] if y[i] < 0 else 0.0
            bound -= mu * b[i]
            mag += mu * abs(b[i])
        return status, value, xs, bound + 1e-12 * mag, it


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
        self.used = 2 * n0
        self.synced = 0         # cuts the inner LP holds that equal ours (a prefix)
        self.inner_cuts = 0     # cuts the inner LP holds
        self.dense_solves = 0
        self.iterations = 0
        self.handed = 0         # support LPs the kernel gave up on
        self.shrunk_solves = 0  # support LPs over a shrunk cell (lp.deep_point)
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

    def support_bound(self, coef):
        """(value, maximiser, checked upper bound) of max coef.x over the closed cell, or
        (None, None, None); the inner LP's own value stands as its bound when it solves it."""
        c = np.asarray(coef, dtype=float)
        k = self.used
        m = k - 2 * self.n0
        status, v, x, bound, it = dual_simplex(self.A[2 * self.n0: k], self.b[2 * self.n0: k], c,
                                               self.lo, self.hi, self.tol, 50 + 4 * (m + self.n0))
        self.dense_solves += 1
        self.iterations += it
        if status == OPTIMAL:
            return v, x, bound
        self.handed += 1
        v, x = self._sync().support(c)
        return v, x, v

    def support_shrunk(self, coef, tau: float):
        """A maximiser of coef.x over the cell shrunk by tau (rows b + tau, box [lo + tau,
        hi - tau]: the points whose margin is at least tau, the rows being unit normals), or None
        when it is empty or the kernel does not solve it."""
        lo, hi = self.lo + tau, self.hi - tau
        if not np.all(lo < hi):
            return None
        k = self.used
        m = k - 2 * self.n0
        status, _, x, _, it = dual_simplex(self.A[2 * self.n0: k], self.b[2 * self.n0: k] + tau,
                                           np.asarray(coef, dtype=float), lo, hi, self.tol,
                                           50 + 4 * (m + self.n0))
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

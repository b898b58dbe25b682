"""The first basis of lp/simplex_kernel.py's dual simplex: cold, or warm from an ancestor cell's.

    max c.x   s.t.  A x - s = b,  s >= 0,  lo <= x <= hi      (A: m x n)

**Cold:** the all-slack basis (B = -I) with each x_k at the bound that maximises c_k x_k: the
reduced costs d = c have the sign their bounds ask for, so the basis is dual feasible for any c.

**Warm** (issue 32): a basis (``basis0``, its inverse ``Binv0``, the nonbasic values ``x0``) that
the kernel left on a cell C with the same objective, for a cell whose first m0 rows are C's and
whose m - m0 new rows come after them (a child of C in the lp engine's search). The new rows'
slacks join the basis:

    B' = [[B, 0], [E, -I]],   B'^-1 = [[B^-1, 0], [E B^-1, -I]],

E the new rows' entries in B's columns (0 in a slack's column). The row duals are
y' = c_B'^T B'^-1 = (y, 0), so every reduced cost keeps its value and its sign: the basis is
dual feasible as it was on C, and only the rows C's basic solution violates are left to mend
(on MNIST 784-8-14, 19 iterations on average where a cold start of the same LPs takes 34). The
same basis also starts the LP over the shrunk cell (rows b + tau, box [lo + tau, hi - tau]; the
caller moves the nonbasic values with their bounds): only b and the bounds change, so it stays
dual feasible. Nothing here is trusted: the kernel's bound is checked from whatever duals it
ends with, and its points by the engine.

**Editing this module:** numba's on-disk cache of lp/simplex_kernel.py's ``dual_simplex`` holds the
code of the functions here that it calls, and is keyed only on simplex_kernel.py's own file; after
a change here, delete mip_regions/engines/lp/__pycache__ (an install writes every file afresh).
"""

from __future__ import annotations

import numpy as np

from ..shared import numba

NO_BASIS = np.empty(0, np.int64)      # dual_simplex's ``basis0`` for a cold start
NO_INVERSE = np.empty((0, 0))

if numba is not None:
    from numba import njit

    @njit(cache=True, error_model="numpy")
    def duals(Binv, basis, c, n):
        """The row duals y = c_B B^-1 of a basis (slacks cost 0)."""
        m = basis.size
        y = np.zeros(m)
        for j in range(m):
            s = 0.0
            for i in range(m):
                if basis[i] < n:
                    s += c[basis[i]] * Binv[i, j]
            y[j] = s
        return y

    @njit(cache=True, error_model="numpy")
    def first_basis(A, AT, c, lo, hi, basis0, Binv0, x0, x, basic, basis, Binv, d):
        """Fill the kernel's x (nonbasic values, 0 for the basic ones), basic, basis, Binv and the
        reduced costs d (module docstring): cold when ``basis0`` is empty, else warm."""
        m, n = A.shape
        m0 = basis0.size
        for i in range(m):
            basis[i] = n + i
            for j in range(m):
                Binv[i, j] = -1.0 if i == j else 0.0
        if m0 == 0:
            for k in range(n):
                x[k] = hi[k] if c[k] > 0 else lo[k]
                d[k] = c[k]
            for i in range(m):
                basic[n + i] = True
            return
        for k in range(n):
            x[k] = x0[k]
        for i in range(m0):
            basis[i] = basis0[i]
            for j in range(m0):
                Binv[i, j] = Binv0[i, j]
        for i in range(m):
            basic[basis[i]] = True
            if basis[i] < n:
                x[basis[i]] = 0.0
        for i in range(m0, m):                  # E B^-1: the new rows against the old basis
            for t in range(m0):
                v = basis0[t]
                if v < n:
                    f = A[i, v]
                    if f != 0.0:
                        for j in range(m0):
                            Binv[i, j] += f * Binv0[t, j]
        y = duals(Binv, basis, c, n)
        for k in range(n):
            if basic[k]:
                d[k] = 0.0
            else:
                s = c[k]
                for i in range(m):
                    s -= y[i] * AT[k, i]
                d[k] = s
        for i in range(m):
            d[n + i] = 0.0 if basic[n + i] else y[i]

    @njit(cache=True)
    def keep_basis(basis, Binv, x, keep, keepB, keepx):
        """Copy a basis out for a warm start (dual_simplex's ``keep``), when asked."""
        m = basis.size
        if keep.size != m:
            return
        for i in range(m):
            keep[i] = basis[i]
            for j in range(m):
                keepB[i, j] = Binv[i, j]
        n = keepx.size
        for k in range(n):
            keepx[k] = x[k]
        for i in range(m):
            if basis[i] < n:
                keepx[basis[i]] = 0.0

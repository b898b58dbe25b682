"""Distances of points to a cell's box faces and cut rows, compiled (issue 32: at 784 inputs the lp
engine asks for them a few times per support LP, on one to a few points at a time, and numpy's
six calls per question cost ~19 us where the arithmetic costs ~3).

    margin(x) = min( min_k (x_k - lo_k), min_k (hi_k - x_k), min_i (A_i . x - b_i) )

(the rows being unit normals: the radius of the largest ball around x inside the cell). The box
part is a min of exact differences (fastmath changes no value there: no NaN or infinity reaches
it); the rows' products are BLAS's, as in numpy.
"""

from __future__ import annotations

import numpy as np

from ..shared import numba

if numba is not None:
    from numba import njit

    @njit(cache=True, fastmath=True)
    def box_margins(X, lo, hi, out):
        """out[t] = min_k min(X[t, k] - lo_k, hi_k - X[t, k])."""
        p, n = X.shape
        for t in range(p):
            best = np.inf
            for k in range(n):
                best = min(best, min(X[t, k] - lo[k], hi[k] - X[t, k]))
            out[t] = best

    @njit(cache=True)
    def row_margins(X, A, b, lo, hi):
        """margin() of each row of X (module docstring); A, b the cut rows (m may be 0)."""
        p, m = X.shape[0], A.shape[0]
        out = np.empty(p)
        box_margins(X, lo, hi, out)
        if m:
            V = X @ A.T
            for t in range(p):
                for i in range(m):
                    out[t] = min(out[t], V[t, i] - b[i])
        return out

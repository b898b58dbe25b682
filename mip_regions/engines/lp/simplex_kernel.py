"""The compiled bounded dual simplex of the lp engine's support LPs (lp/dual_simplex.py holds the
module that uses it and the bound it returns).

    max c.x   s.t.  A x - s = b,  s >= 0,  lo <= x <= hi      (A: m x n, m << n)

It starts from the all-slack basis with each x_k at the bound that maximises c_k x_k (dual feasible
for any c: no phase 1) and, while a basic variable is outside its bounds, lets one leave at that
bound. Three choices make an iteration cheap at n = 784 and m ~ 20 (issue 32, measured on the
support LPs of a trained MNIST 784-8-14 net: 92 iterations at ~30 us each before, 50 at ~10 us):

* **Dual steepest edge** pricing: the leaving row maximises infeasibility^2 / ||e_r B^-1||^2
  (Forrest & Goldfarb 1992). The weights are exact, read off the explicit m x m inverse (m^2 per
  iteration, no update formulas); the previous rule (largest infeasibility) took 1.85x the
  iterations.
* The pivot row e_r B^-1 [A, -I] as m scaled rows of A added up (vectorised), and every column's
  ratio |d_j| / alpha_j in one vectorised pass, the eligible columns compressed after it.
* The **bound-flipping ratio test** (the long step, Fourer 1994; Maros 2003): in ratio order,
  each boxed column whose flip to its other bound leaves the leaving row infeasible is flipped,
  and the first that does not (or a slack, or the last) enters. The breakpoints are bucketed by
  the top bits of their float representation (monotone for ratios >= 0), the buckets' steps
  summed, and only the bucket where the slope runs out is sorted (:func:`long_step`); sorting
  every breakpoint (a heap) was half of each iteration. At 784 inputs that bucket often holds
  hundreds of equal ratios (the rows of a 784-n1-n2 net span only n1 dimensions, so d and the
  pivot row are nearly proportional): a stable sort orders it, and the flips, gathered first,
  are made in one loop (~47 per iteration on MNIST 784-8-14).

The kernel's answer is not trusted: lp/dual_simplex.py returns the bound it checks from the duals,
and the lp engine checks every point it takes.
"""

from __future__ import annotations

import numpy as np

from ..shared import numba
from .simplex_start import NO_BASIS, NO_INVERSE

OPTIMAL, ITERATIONS, NO_PIVOT, CUTOFF, REACHED = 0, 1, 2, 3, 4
NO_POINT = np.empty(0)     # dual_simplex's ``w`` when there is no interior point
NB = 512                   # ratio buckets: 4 per octave (the top 2 mantissa bits) ...
SUB = 50                   # ... from the bits of the float: bits >> 50
BASE = (1023 - 60) << 2    # ratios below 2^-60 share bucket 0, above ~2^68 the last one

if numba is not None:
    from numba import njit

    from .simplex_start import duals, first_basis, keep_basis

    @njit(cache=True, fastmath={"reassoc", "contract"})
    def dot(a, b):
        """sum_k a_k b_k, summed in any order (vectorised; a bound that uses it allows for the
        rounding of any order)."""
        s = 0.0
        for k in range(a.size):
            s += a[k] * b[k]
        return s

    @njit(cache=True, fastmath={"reassoc", "contract"})
    def total(a):
        """sum_k a_k, in any order (as dot)."""
        s = 0.0
        for k in range(a.size):
            s += a[k]
        return s

    @njit(cache=True, error_model="numpy")
    def long_step(cj, ratio, alpha, ne, slope, lower, upper, n, x, sgn, rhs, AT, bk, hw, small,
                  c, cn, fl):
        """The entering column of the bound-flipping ratio test over the ``ne`` eligible columns
        cj[:ne] (ratio |d_j / alpha_j|, alpha = |pivot row entry|), the leaving row ``slope``
        infeasible: in (ratio, position) order each boxed column whose step alpha (u - l) leaves
        the slope positive flips to its other bound (x, sgn and the right-hand side updated);
        the first that does not, or a slack, or the last, enters. -1 when none does. cn[0]
        follows c.x over the nonbasic structurals. The flips are gathered in ``fl`` and made in
        one loop at the end (a helper function per flip cost numba a reference count per array
        argument and flip: a third of the kernel's time on the MNIST LPs)."""
        for b in range(NB):
            hw[b] = 0.0
        bits = ratio.view(np.int64)             # ratios >= 0: their bits order as their values
        top = 0
        for u in range(ne):
            j = cj[u]
            b = (bits[u] >> SUB) - BASE
            b = 0 if b < 0 else (NB - 1 if b > NB - 1 else b)
            bk[u] = b
            top = max(top, b)
            hw[b] += alpha[u] * (upper[j] - lower[j]) if j < n else np.inf
        acc, B = 0.0, top                       # B: the bucket where the slope runs out
        for b in range(top):
            if not acc + hw[b] < slope:
                B = b
                break
            acc += hw[b]
        ns = nf = 0
        for u in range(ne):
            b = bk[u]
            if b < B:                           # flipped (their order does not matter)
                fl[nf] = cj[u]
                nf += 1
            elif b == B:
                small[ns] = u
                ns += 1
        if ns > 24:                             # bucket B in (ratio, position) order: a stable
            sel = small[:ns].copy()             # sort keeps ties (often hundreds at 784
            order = np.argsort(ratio[sel], kind="mergesort")   # inputs) in position order
            for k in range(ns):
                small[k] = sel[order[k]]
        else:
            for u in range(1, ns):              # insertion sort of a small bucket
                e = small[u]
                v = u
                while v > 0 and (ratio[e] < ratio[small[v - 1]]
                                 or (ratio[e] == ratio[small[v - 1]] and e < small[v - 1])):
                    small[v] = small[v - 1]
                    v -= 1
                small[v] = e
        q = -1
        for k in range(ns):
            u = small[k]
            j = cj[u]
            if j >= n or k == ns - 1:
                q = j
                break
            step = alpha[u] * (upper[j] - lower[j])
            if not acc + step < slope:
                q = j
                break
            acc += step
            fl[nf] = j
            nf += 1
        for t in range(nf):                     # each flipped column moves to its other bound
            j = fl[t]
            new = lower[j] if x[j] == upper[j] else upper[j]
            delta = new - x[j]
            x[j] = new
            sgn[j] = -sgn[j]
            cn[0] += c[j] * delta
            for i in range(rhs.size):
                rhs[i] -= AT[j, i] * delta
        return q

    @njit(cache=True, error_model="numpy")
    def dual_simplex(A, b, c, lo, hi, tol, max_iter, cutoff=-np.inf, wi=NO_POINT, target=np.inf,
                     basis0=NO_BASIS, Binv0=NO_INVERSE, x0=NO_POINT, keep=NO_BASIS, keepB=NO_INVERSE,
                     keepx=NO_POINT):
        """(status, value, x, bound, iterations) of max c.x s.t. A x >= b, lo <= x <= hi (module
        docstring); ``bound`` is the dual bound with the final duals (lp/dual_simplex.py).
        ``basis0``, ``Binv0``, ``x0``: a warm start (lp/simplex_start.py), cold when empty. When
        ``keep`` has m entries, the last basis, its inverse and the nonbasic values (0 at the
        basic ones) are written to ``keep``, ``keepB``, ``keepx`` (status OPTIMAL or REACHED).
        ``cutoff``: the caller only needs to know whether the maximum is below it. Each
        iteration's basis is dual feasible, so its objective c.x (x the basic solution, not yet
        feasible) bounds the maximum from above and only decreases; once it is below the cutoff
        and the checked bound of that basis's duals is too, the run stops with status CUTOFF,
        that bound, and no point.
        ``wi``, ``target``: an interior point w of the cell (c.w < target) when the caller only
        needs a point of the cell with c.x > target. Each iteration's basic solution x_it
        (infeasible), its basic structurals clipped to the box, gives the segment from w to it;
        its last point in the cell, at t = min over the violated rows of (how far w is inside) /
        (how far the clipped x_it is beyond), costs O(m^2) from the basic values (the slacks are
        the row activities, and each clipped coordinate moves them by a column of A). When
        c.(w + t (x_it - w)) > target, the run stops with status REACHED and that point (on the
        cell's boundary, or x_it itself when t = 1)."""
        m, n = A.shape
        N = n + m
        AT = A.T.copy()                         # column j of A, contiguous (for the flips)
        lower = np.empty(N)
        upper = np.empty(N)
        lower[:n] = lo
        upper[:n] = hi
        lower[n:] = 0.0
        upper[n:] = np.inf
        d = np.zeros(N)                         # reduced costs
        x = np.zeros(N)
        basic = np.zeros(N, np.bool_)
        basis = np.empty(m, np.int64)
        Binv = np.empty((m, m))
        first_basis(A, AT, c, lo, hi, basis0, Binv0, x0, x, basic, basis, Binv, d)  # cold or warm
        sgn = np.zeros(N)                       # +1 nonbasic at its lower bound, -1 at upper, 0 else
        for j in range(N):
            if not basic[j] and lower[j] != upper[j]:
                sgn[j] = -1.0 if (j < n and x[j] == upper[j]) else 1.0
        xB = np.zeros(m)
        rhs = b.copy()                          # b - (nonbasic columns) x_N; basic values B^-1 rhs
        for k in range(n):                      # column by column: m independent sums (a dot
            for i in range(m):                  # product per row is one serial chain of n adds)
                rhs[i] -= AT[k, i] * x[k]
        w = np.empty(m)
        nrm = np.empty(m)
        row = np.empty(N)
        sa = np.empty(N)
        rts = np.empty(N)
        cj = np.empty(N, np.int64)
        ratio = np.empty(N)
        alpha = np.empty(N)
        bk = np.empty(N, np.int64)
        hw = np.empty(NB)
        small = np.empty(N, np.int64)
        fl = np.empty(N, np.int64)
        reach = wi.size == n and target < np.inf
        sw = np.zeros(m)                        # w's row activities A w - b, and c.w
        act = np.zeros(m)
        cw = 0.0
        if reach:
            for i in range(m):
                sw[i] = -b[i]
            for k in range(n):
                for i in range(m):
                    sw[i] += AT[k, i] * wi[k]
            cw = dot(c, wi)
            reach = cw < target
        cn = np.zeros(1)                        # c.x over the nonbasic structurals, kept up to date
        cn[0] = dot(c, x[:n])
        status = ITERATIONS
        it = 0
        while it < max_iter:
            it += 1
            r, worst, up, score = -1, 0.0, False, 0.0
            for i in range(m):                  # xB = B^-1 rhs and the squared row norms of
                xB[i] = 0.0                     # B^-1, column by column (m independent sums)
                nrm[i] = 0.0
            for j in range(m):
                f = rhs[j]
                for i in range(m):
                    xB[i] += Binv[i, j] * f
                    nrm[i] += Binv[i, j] * Binv[i, j]
            for i in range(m):                  # the leaving row: dual steepest edge
                s = xB[i]
                v = basis[i]
                inf = 0.0
                if s < lower[v] - tol:
                    inf = lower[v] - s
                elif s > upper[v] + tol:
                    inf = s - upper[v]
                if inf > 0.0:
                    nb = nrm[i]
                    if inf * inf / nb > score:
                        r, score, up, worst = i, inf * inf / nb, s < lower[v], inf
            if r < 0:
                status = OPTIMAL
                break
            if cutoff > -np.inf or reach:
                dv = cn[0]                      # c.x_it, the basis's dual objective
                for i in range(m):
                    if basis[i] < n:
                        dv += c[basis[i]] * xB[i]
                if reach and dv > target:
                    for i in range(m):          # the row activities A x_it - b: the slacks
                        act[i] = 0.0
                    for i in range(m):
                        if basis[i] >= n:
                            act[basis[i] - n] = xB[i]
                    cy = dv                     # x_it's basic structurals clipped to the box
                    for i in range(m):
                        v = basis[i]
                        if v < n:
                            cl = min(max(xB[i], lo[v]), hi[v])
                            if cl != xB[i]:
                                cy += c[v] * (cl - xB[i])
                                for j in range(m):
                                    act[j] += AT[v, j] * (cl - xB[i])
                    t = 1.0
                    for i in range(m):
                        if act[i] < 0.0:
                            t = min(t, sw[i] / (sw[i] - act[i]))
                    if t > 0.0 and cw + t * (cy - cw) > target:
                        y = x[:n].copy()
                        for i in range(m):
                            if basis[i] < n:
                                y[basis[i]] = min(max(xB[i], lo[basis[i]]), hi[basis[i]])
                        for k in range(n):
                            y[k] = wi[k] + t * (y[k] - wi[k])
                        keep_basis(basis, Binv, x, keep, keepB, keepx)
                        return REACHED, cw + t * (cy - cw), y, np.inf, it
                if dv < cutoff:
                    bound = checked_bound(A, b, c, lo, hi, duals(Binv, basis, c, n))
                    if bound < cutoff:
                        return CUTOFF, bound, x[:n].copy(), bound, it
            for k in range(n):                  # row r of B^-1 [A, -I]
                row[k] = 0.0
            for i in range(m):
                f = Binv[r, i]
                if f != 0.0:
                    for k in range(n):
                        row[k] += f * A[i, k]
            for i in range(m):
                row[n + i] = -Binv[r, i]
            su = -1.0 if up else 1.0            # eligible: moving off its bound helps the row
            for j in range(N):
                a = row[j] * su * sgn[j]
                sa[j] = a
                rts[j] = abs(d[j]) / a
            ne = 0
            for j in range(N):
                cj[ne] = j
                ne += sa[j] > 1e-9
            t0, best = 0, np.inf
            for u in range(ne):
                j = cj[u]
                ratio[u] = rts[j]
                alpha[u] = abs(row[j])
                if rts[j] < best:
                    t0, best = u, rts[j]
            q = -1
            if ne > 0:
                j = cj[t0]
                if j >= n or ne == 1 or not worst - alpha[t0] * (upper[j] - lower[j]) > 0:
                    q = j                       # the first breakpoint enters: no flips
                else:
                    q = long_step(cj, ratio, alpha, ne, worst, lower, upper, n, x, sgn, rhs, AT,
                                  bk, hw, small, c, cn, fl)
            if q < 0:
                status = NO_PIVOT
                break
            p = basis[r]                        # leaves at the bound it violated
            x[p] = lower[p] if up else upper[p]
            basic[p] = False
            if p < n:
                cn[0] += c[p] * x[p]
            if q < n:
                cn[0] -= c[q] * x[q]
            if p < n:
                for i in range(m):
                    rhs[i] -= AT[p, i] * x[p]
            if q < n:                           # q's column leaves the right-hand side
                for i in range(m):
                    rhs[i] += AT[q, i] * x[q]
            theta = d[q] / row[q]
            for j in range(N):
                if not basic[j]:
                    d[j] -= theta * row[j]
            d[p] = -theta
            d[q] = 0.0
            if q < n:                           # B^-1 column q
                for i in range(m):
                    w[i] = 0.0
                for j in range(m):
                    f = AT[q, j]
                    for i in range(m):
                        w[i] += Binv[i, j] * f
            else:
                for i in range(m):
                    w[i] = -Binv[i, q - n]
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
            sgn[q] = 0.0
            if lower[p] != upper[p]:
                sgn[p] = -1.0 if (p < n and x[p] == upper[p]) else 1.0
        xs = x[:n].copy()
        if status != OPTIMAL:
            return status, 0.0, xs, np.inf, it
        keep_basis(basis, Binv, x, keep, keepB, keepx)
        for i in range(m):
            if basis[i] < n:
                xs[basis[i]] = xB[i]
        value = dot(c, xs)
        return status, value, xs, checked_bound(A, b, c, lo, hi, duals(Binv, basis, c, n)), it

    @njit(cache=True, error_model="numpy")
    def checked_bound(A, b, c, lo, hi, y):
        """An upper bound on max c.x over {A x >= b, lo <= x <= hi} from any duals y: with
        mu = max(-y, 0) >= 0 and d = c + A^T mu,
        c.x <= sum_k max(d_k lo_k, d_k hi_k) - mu.b, plus a rounding allowance of
        max(1e-12, 2 (n + m + 2) 2^-52) times the sum of the magnitudes involved (above the float
        error of these sums of n + m terms; lp/dual_simplex.py)."""
        m, n = A.shape
        dk = c.copy()
        dm = np.abs(c)
        for i in range(m):
            mu = -y[i] if y[i] < 0 else 0.0
            if mu != 0.0:
                for k in range(n):
                    dk[k] += mu * A[i, k]
                    dm[k] += mu * abs(A[i, k])
        for k in range(n):
            dk[k] = max(dk[k] * lo[k], dk[k] * hi[k])
            dm[k] *= max(abs(lo[k]), abs(hi[k]))
        bound, mag = total(dk), total(dm)
        for i in range(m):
            mu = -y[i] if y[i] < 0 else 0.0
            bound -= mu * b[i]
            mag += mu * abs(b[i])
        return bound + max(1e-12, 2.0 * (n + m + 2) * 2.0 ** -52) * mag

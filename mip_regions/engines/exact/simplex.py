"""The cell margin LP in exact rational arithmetic (python-flint ``fmpq``): the exact path of
every full-dimension decision the float engines cannot make safely.

    max t  s.t.  a_j.x + c_j >= m_j t     (j = 1..m; m_j in {0, 1}; rows scaled by 1/max_k |a_jk|)
                 lo_k + t <= x_k <= hi_k - t   (or lo <= x <= hi when ``box_margin`` is False)
                 t <= 1

With every m_j = 1, the closed cell {x in box : a_j.x + c_j >= 0} has a non-empty interior iff
t* > 0, and the optimal x* is then a rational point with every constraint at least t* > 0:
strictly inside the cell, a witness that :func:`certify.check_witness` accepts as it is.

Method: a dense tableau simplex with Dantzig's rule (the largest reduced cost), switching to
Bland's rule (which cannot cycle) after a run of DEGENERATE_PIVOTS degenerate pivots, started from a feasible
point (x0, t0) with t0 the smallest slack of the start point x0, so no phase 1 is needed. The
free x is split as x = x0 + u+ - u- (u+, u- >= 0) and t = t0 + v (v >= 0: the optimum is at
least t0). Rows without margin (m_j = 0) cannot absorb a negative t0: when x0 violates one, a
first LP (the same method, on those rows with margin) finds a start point that satisfies them, or
shows that none exists (then the returned t* is negative). Every number is an exact rational; the LPs are small (n0 + 1 columns, one row per
cut on the search path plus 2 n0 box rows), and the engines call this only when a float
decision falls inside its error band, so pure-Python pivoting over ``fmpq`` scalars suffices.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from flint import fmpq

from ...nets.exact_matrices import to_fmpq, to_fraction  # noqa: F401  (exported from here too)

from ...result import StopSearch

_STOP_CHECKS: list = []     # the innermost search's "stop now?" (time limit, Ctrl-C), see stop_check


@contextmanager
def stop_check(expired):
    """While a search runs, every pivot of :func:`max_margin` asks ``expired()`` and raises
    StopSearch when it says stop: an exact LP at 784 dimensions takes minutes, and the time limit
    must not wait for it (the search catches StopSearch and keeps its regions)."""
    _STOP_CHECKS.append(expired)
    try:
        yield
    finally:
        _STOP_CHECKS.pop()


ZERO = fmpq(0)
ONE = fmpq(1)
DEGENERATE_PIVOTS = 20   # Dantzig's rule until this many degenerate pivots in a row, then Bland's
VERIFIED_FROM = 16       # inputs from which interior_point asks verified.py first (below, the
                         # exact tableau is cheaper than a HiGHS instance per call)


@dataclass
class ExactMargin:
    """The exact optimum: t* and x* (fmpq), and the number of simplex pivots it took."""

    t: fmpq
    x: list
    pivots: int

    @property
    def interior(self) -> bool:
        return self.t > 0


def _scaled(a, c):
    """The row divided by its largest |coefficient| (rows with a = 0 are returned as they are)."""
    s = max((abs(v) for v in a), default=ZERO)
    if s == 0:
        return a, c
    return [v / s for v in a], c / s


def max_margin(rows, lo, hi, *, margins=None, box_margin: bool = True, start=None,
               stop_when_positive: bool = False) -> ExactMargin:
    """Solve the module's LP exactly.

    ``rows``: sequence of (a, c) with a a sequence of n0 exact numbers (the constraint is
    a.x + c >= m t); ``lo``, ``hi``: the box; ``margins``: the m_j (default all 1); ``start``: an
    optional start point inside the box (exact or float; the box centre otherwise).
    ``stop_when_positive``: return as soon as a feasible point with t > 0 is reached (its x is
    then a strictly interior point, not the optimum).
    """
    n = len(lo)
    lo = [to_fmpq(v) for v in lo]
    hi = [to_fmpq(v) for v in hi]
    cons = []   # (a, c, m): a.x + c >= m t
    for j, (a, c) in enumerate(rows):
        a, c = _scaled([to_fmpq(v) for v in a], to_fmpq(c))
        m = ONE if margins is None or margins[j] else ZERO
        cons.append((a, c, m))
    bm = ONE if box_margin else ZERO
    for k in range(n):
        e = [ZERO] * n
        e[k] = ONE
        cons.append((e, -lo[k], bm))
        e = [ZERO] * n
        e[k] = -ONE
        cons.append((e, hi[k], bm))
    if start is None:
        x0 = [(l + h) / 2 for l, h in zip(lo, hi)]
    else:
        x0 = [min(max(to_fmpq(v), l), h) for v, l, h in zip(start, lo, hi)]
    slack0 = [sum((ai * xi for ai, xi in zip(a, x0)), c) for a, c, _ in cons]
    if any(m == 0 and s < 0 for (_, _, m), s in zip(cons, slack0)):
        # phase 1: a start point satisfying the rows without margin (they cannot absorb t)
        plain = [(a, c) for a, c, m in cons[: len(cons) - 2 * n] if m == 0]
        first = max_margin(plain, lo, hi, box_margin=False, start=x0)
        if first.t < 0:
            return ExactMargin(first.t, first.x, first.pivots)   # infeasible: t* < 0 as well
        x0 = first.x
        slack0 = [sum((ai * xi for ai, xi in zip(a, x0)), c) for a, c, _ in cons]
    with_margin = [s for s, (_, _, m) in zip(slack0, cons) if m != 0]
    t0 = min(min(with_margin, default=ONE), ONE)
    # rows:  -a u+ + a u- + m v + s = slack0 - m t0  (>= 0);  plus the cap v + s = 1 - t0
    ncol = 2 * n + 1
    T = []
    for (a, c, m), s0 in zip(cons, slack0):
        T.append([-v for v in a] + list(a) + [m] + [s0 - m * t0])
    T.append([ZERO] * (2 * n) + [ONE] + [ONE - t0])
    nrow = len(T)
    # slack columns are implicit: basis[i] = ncol + i means row i's slack is basic
    basis = [ncol + i for i in range(nrow)]
    obj = [ZERO] * (2 * n) + [ONE]          # reduced costs of the structural columns (max v)
    # slack columns' reduced costs and tableau entries are tracked explicitly
    S = [[ONE if i == r else ZERO for r in range(nrow)] for i in range(nrow)]   # S[i][r]: row i, slack r
    sobj = [ZERO] * nrow
    pivots = 0
    vval = ZERO
    bland, degenerate = DEGENERATE_PIVOTS < 0, 0     # negative: Bland's rule throughout
    check = _STOP_CHECKS[-1] if _STOP_CHECKS else None
    while True:
        if stop_when_positive and t0 + vval > 0:
            break
        if check is not None and check():
            raise StopSearch
        if bland:       # Bland's rule: the first improving column (it cannot cycle)
            enter = next((j for j in range(ncol) if obj[j] > 0), None)
            if enter is None:
                enter = next((ncol + r for r in range(nrow) if sobj[r] > 0), None)
        else:           # Dantzig's rule: the largest reduced cost (far fewer pivots)
            enter, top = None, ZERO
            for j, v in enumerate(obj):
                if v > top:
                    enter, top = j, v
            for r, v in enumerate(sobj):
                if v > top:
                    enter, top = ncol + r, v
        if enter is None:
            break
        best, leave = None, None
        for i in range(nrow):
            piv = T[i][enter] if enter < ncol else S[i][enter - ncol]
            if piv > 0:
                ratio = T[i][-1] / piv
                if best is None or ratio < best or (ratio == best and basis[i] < basis[leave]):
                    best, leave = ratio, i
        if leave is None:       # cannot happen: t is capped and x lies in the box
            raise ArithmeticError("exact margin LP unbounded")
        pivots += 1
        degenerate = degenerate + 1 if best == 0 else 0
        if degenerate > DEGENERATE_PIVOTS:
            bland = True        # a run of degenerate pivots: Bland's rule from here, no cycling
        prow, psrow = T[leave], S[leave]
        piv = prow[enter] if enter < ncol else psrow[enter - ncol]
        prow[:] = [v / piv for v in prow]
        psrow[:] = [v / piv for v in psrow]
        for i in range(nrow):
            if i == leave:
                continue
            f = T[i][enter] if enter < ncol else S[i][enter - ncol]
            if f != 0:
                T[i] = [v - f * w for v, w in zip(T[i], prow)]
                S[i] = [v - f * w for v, w in zip(S[i], psrow)]
        f = obj[enter] if enter < ncol else sobj[enter - ncol]
        if f != 0:
            obj = [v - f * w for v, w in zip(obj, prow[:-1])]
            sobj = [v - f * w for v, w in zip(sobj, psrow)]
        basis[leave] = enter
        vval = next((T[i][-1] for i in range(nrow) if basis[i] == 2 * n), ZERO)
    val = [ZERO] * ncol
    for i, bvar in enumerate(basis):
        if bvar < ncol:
            val[bvar] = T[i][-1]
    x = [x0[k] + val[k] - val[n + k] for k in range(n)]
    return ExactMargin(t0 + val[2 * n], x, pivots)


def strictly_inside(rows, lo, hi, x) -> bool:
    """Exact test: every a.x + c > 0 and lo < x < hi (rows as in :func:`max_margin`)."""
    x = [to_fmpq(v) for v in x]
    if not all(to_fmpq(l) < v < to_fmpq(h) for l, v, h in zip(lo, x, hi)):
        return False
    return all(sum((to_fmpq(ai) * xi for ai, xi in zip(a, x)), to_fmpq(c)) > 0 for a, c in rows)


def interior_point(rows, lo, hi, hints=()):
    """A rational point strictly inside the cell {a.x + c >= 0} ∩ box, or None when the cell has
    no interior. Each float/exact point in ``hints`` is tried first (a cheap exact check); then
    the float margin LP with an exact proof of its answer (verified.py, from VERIFIED_FROM
    inputs); then the exact LP."""
    for h in hints:
        if h is not None and strictly_inside(rows, lo, hi, h):
            return [to_fmpq(v) for v in h]
    if len(lo) >= VERIFIED_FROM:     # a float LP and its proof: far cheaper than the tableau there
        from .verified import certified_interior
        proof = certified_interior(rows, lo, hi)
        if proof is not None:
            return proof[1]
    res = max_margin(rows, lo, hi, start=hints[0] if hints else None, stop_when_positive=True)
    return res.x if res.interior else None

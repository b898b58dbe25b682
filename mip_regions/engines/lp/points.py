"""Interior points of a cell for the lp engine (lp/engine.py): from a support LP's vertex (toward,
beyond), from a support LP over the shrunk cell (deep_point), and the cell's bounding box
(tighten_box). Every point returned is checked in floats against the cell's rows by the LP
object's ``margin`` (more than its point tolerance inside every row and box face) and to lie
beyond ``trust`` on its side, so it is an interior point whatever the LP that suggested it."""

from __future__ import annotations

import numpy as np


def tighten_box(blo, bhi, r, q):
    """Bound propagation of the new constraint r.x + q >= 0 into the cell's bounding box
    [blo, bhi] (a valid box around the cell, tighter than the domain: a cheap sign filter;
    its rounding is far inside the error band the sign tests below require)."""
    mx = np.maximum(r * blo, r * bhi)
    need = -q - (mx.sum() - mx)          # r_j x_j >= need_j
    pos, neg = r > 1e-12, r < -1e-12
    nlo = np.where(pos, np.maximum(blo, need / np.where(pos, r, 1.0)), blo)
    nhi = np.where(neg, np.minimum(bhi, need / np.where(neg, r, 1.0)), bhi)
    return nlo, nhi


def deep_point(lp, shrunk, ctx, r, q, s, v, trust):
    """When no known point leads to y: the support LP again over the cell shrunk by tau (every
    row and box face moved in by tau: the points of margin >= tau), tau = v/16, then twice the
    point tolerance; its maximiser, checked in floats (margin > point tolerance, beyond
    ``trust`` on side s), is a new interior point. None when neither gives one."""
    c = s * np.asarray(r)
    for tau in (v / 16, 2 * lp.point_tol):
        y = shrunk(c, tau)
        if y is not None and s * (float(np.dot(r, y)) + q) > trust and lp.margin(y) > lp.point_tol:
            ctx.bump("deep_points")
            return y
    return None


def toward(lp, y, W, r, q, s, v, trust, mW=None):
    """A point z = w + lam (y - w) on the segment from a known interior point w to the support
    LP's vertex y (which may lie on the cell's boundary): interior to the cell, since every
    point of that segment but y is. Its margin to the old rows is at least (1 - lam) m(w) and
    its distance beyond the new hyperplane is a + lam (v - a), a = w's signed distance; lam
    balances the two (equal at lam = (m(w) - a) / (m(w) + v - a)), so
    known points do not thin out down the search. z is checked in floats to be more than the
    LP's point tolerance inside every row and beyond ``trust`` on side s; None when no known
    point (the newest and the deepest few) gives one. ``mW``: lp.margins(W) when the caller has it."""
    order = list(range(len(W) - 1, max(len(W) - 5, -1), -1))   # the newest points first, then
    mW = lp.margins(W) if mW is None else mW                       # the deepest of the others
    if len(W) > 4:
        order += (np.argsort(-mW[: len(W) - 4])[:4]).tolist()
    aW = s * (W @ r + q)
    for k in order:
        w, a, m = W[k], float(aW[k]), float(mW[k])
        if a >= v or m <= 0:
            continue
        lam = min(max((m - a) / (m + v - a), 0.0), 1.0)
        z = w + lam * (y - w)
        if s * (float(np.dot(r, z)) + q) > trust and lp.margin(z) > lp.point_tol:
            return z
    return None

def beyond(lp, lp_trust, y, W, Rc, Qc, bandl, has_pos, has_neg, start):
    """Interior points z (toward()) for the candidates from ``start`` on that have known
    points on one side only and the support LP's vertex y more than 4 trust on the other."""
    out = []
    mW = None
    for m, v in enumerate((Rc[start:] @ y + Qc[start:]).tolist(), start=start):
        if has_pos[m] == has_neg[m]:
            continue
        sm, tm = (-1 if has_pos[m] else 1), max(bandl[m], lp_trust)
        if sm * v > 4 * tm:
            mW = lp.margins(W) if mW is None else mW      # the same W for every candidate
            z = toward(lp, y, W, Rc[m], Qc[m], sm, sm * v, tm, mW)
            if z is not None:
                out.append(z)
                if sm > 0:
                    has_pos[m] = True
                else:
                    has_neg[m] = True
    return out

"""Exact enumeration of activation regions by depth-first search over cells, with small LPs.

A DFS node is a full-dimensional cell C (the constraints decided so far) with a set W of
interior points (each at distance > tol from every constraint of C). For the next ReLU layer,
each unit's pre-activation is affine on C (cells.py), and the unit is decided as follows:

* identically zero on C (a = 0, c = 0): inactive, no boundary (REFERENCE.md §6.2);
  constant on C (a = 0): its sign;
* sign fixed over a bounding box of C (each new constraint propagated into the parent's box,
  no LP): that sign;
* points of W strictly on both sides of the hyperplane: it cuts C (no LP);
* otherwise one margin LP ``max t  s.t.  C's rows with margin t, s (a.x + c) >= t ||a||`` for
  the side s that no point of W is on: t* > tol means the hyperplane cuts C and the optimum is a
  new point of W; t* <= tol means the sign is fixed on C.

C is then split by the first cutting unit; each child keeps the points of W on its side and
re-examines only the units that cut C (a unit that does not cut C cannot cut a child). Leaves
are the activation regions, reported with the point of W of largest margin (distance to the
nearest constraint or box face). One LP solver instance (GLPK or HiGHS, margin_lp.py) is reused
for the whole run: rows are added when the DFS descends and deleted when it returns.
"""

from __future__ import annotations

import numpy as np

from .cells import MARGIN_TOL, THIN_TOL
from ..errors import EngineError
from .margin_lp import make_margin_lp
from ..nets.network import Network
from ..result import RunContext
from .layers import CutStack, StopSearch, enter_layer


def run_lp(net: Network, ctx: RunContext, *, lp_solver: str = "auto") -> None:
    """Enumerate the activation regions of ``net`` into ``ctx`` (module docstring).

    ``lp_solver``: 'glpk' or 'highs' (margin_lp.py); 'auto' takes glpk when it is installed."""
    lo, hi = net.domain.lower.astype(float), net.domain.upper.astype(float)
    n0 = net.input_dim
    tol = MARGIN_TOL * float(np.max(hi - lo))
    thin = THIN_TOL * float(np.max(hi - lo))
    lp = make_margin_lp(lo, hi, lp_solver)
    ctx.stats["lp_solver"] = lp.name
    bits = np.zeros(net.num_relu, dtype=bool)
    path = CutStack(lo, hi, net.num_relu + 1)   # the cell's constraints, also pushed to the LP
    max_points = 4 * (n0 + 1)

    def tighten_box(blo, bhi, r, q):
        """Bound propagation of the new constraint r.x + q >= 0 into the cell's bounding box
        [blo, bhi] (a valid box around the cell, tighter than the domain: a cheap sign filter)."""
        mx = np.maximum(r * blo, r * bhi)
        need = -q - (mx.sum() - mx)          # r_j x_j >= need_j
        pos, neg = r > 1e-12, r < -1e-12
        nlo = np.where(pos, np.maximum(blo, need / np.where(pos, r, 1.0)), blo)
        nhi = np.where(neg, np.minimum(bhi, need / np.where(neg, r, 1.0)), bhi)
        return nlo, nhi

    def side_lp(r, q, s):
        """Largest margin of C ∩ {s (r.x + q) >= 0}: (t*, point) when t* > tol, else (None, None).
        The point must itself be beyond tol on side s: when t* exceeds tol by less than the LP's
        own tolerance it may not be, and the cell is then thinner than tol on that side."""
        ctx.stats["lps"] = lp.solves + 1
        t, y = lp.probe([s * v for v in r], -s * q, tol)
        if y is None:
            if t is not None and t > thin:     # a piece with interior, but thinner than tol
                ctx.bump("thin_pieces")
            return None, None
        if s * (float(np.dot(r, y)) + q) <= tol:
            ctx.bump("thin_pieces")
            return None, None
        return t, y

    def layer_step(l, A, c, W, blo, bhi):
        """Continue from layer l for the current cell, whose layer-l input is h = A x + c."""
        U = enter_layer(net, ctx, bits, l, A, c)
        if U is None:
            m = path.margins(W)
            k = int(np.argmax(m))      # report the point of W farthest from the cell's boundary
            ctx.add_region(bits.copy(), W[k], float(m[k]))
            return
        split(U, U.cand, W, blo, bhi)

    def split(U, cand, W, blo, bhi):
        """Decide the candidate units of layer U on the current cell; split by the first that cuts."""
        off, R, Q = U.offset, U.R, U.Q
        cutting = []
        if len(cand):
            Rc, Qc = R[cand], Q[cand]
            low, high = Rc * blo, Rc * bhi
            on = np.minimum(low, high).sum(axis=1) + Qc >= -tol     # no room on the negative side
            dead = np.maximum(low, high).sum(axis=1) + Qc <= tol    # no room on the positive side
            bits[off + cand[on]] = True
            bits[off + cand[dead]] = False
            keep = ~(on | dead)
            cand, Rc, Qc = cand[keep], Rc[keep], Qc[keep]
            V = W @ Rc.T + Qc
            has_pos, has_neg = (V > tol).any(axis=0).tolist(), (V < -tol).any(axis=0).tolist()
            cand, Rl, Ql = cand.tolist(), Rc.tolist(), Qc.tolist()
        for k, i in enumerate(cand):
            if has_pos[k] and has_neg[k]:  # known points on both sides: it cuts, no LP
                cutting.append(i)
                continue
            if has_pos[k] or has_neg[k]:
                t, y = side_lp(Rl[k], Ql[k], -1.0 if has_pos[k] else 1.0)
                if t is None:                  # the hyperplane does not cut C
                    bits[off + i] = has_pos[k]
                    continue
                new, cuts = [y], True
            else:
                # every known point is (numerically) on the hyperplane: look at both sides
                (tp, yp), (tn, yn) = side_lp(Rl[k], Ql[k], 1.0), side_lp(Rl[k], Ql[k], -1.0)
                if tp is None and tn is None:
                    raise EngineError("a full-dimensional cell has no interior on either side of a "
                                      "hyperplane (numerical trouble); try --lp-solver highs or --method mip")
                new = [y for y in (yp, yn) if y is not None]
                cuts = tp is not None and tn is not None
                if not cuts:
                    bits[off + i] = tp is not None
            if cuts:
                cutting.append(i)
            new_points(new, Rc, Qc, k, has_pos, has_neg)
            W = np.vstack([W] + new)
        if not cutting:
            layer_step(U.layer + 1, *U.output(bits), W, blo, bhi)
            return
        i, rest = cutting[0], np.array(cutting[1:], dtype=int)
        vals = W @ R[i] + Q[i]
        for s in (1.0, -1.0):
            Wc = W[s * vals > tol][-max_points:]
            r, q = s * R[i], s * Q[i]
            bits[off + i] = s > 0
            lp.push(r, -q)
            path.push(r, q)
            nlo, nhi = tighten_box(blo, bhi, r, q)
            try:
                split(U, rest, Wc, nlo, nhi)
            finally:
                lp.pop()
                path.pop()

    def new_points(points, Rc, Qc, k, has_pos, has_neg):
        """Record on which side of the later candidates' hyperplanes the new points lie."""
        for y in points:
            for m, v in enumerate((Rc[k + 1:] @ y + Qc[k + 1:]).tolist(), start=k + 1):
                if v > tol:
                    has_pos[m] = True
                elif v < -tol:
                    has_neg[m] = True

    try:
        layer_step(0, np.eye(n0), np.zeros(n0), ((lo + hi) / 2)[None, :], lo, hi)
    except StopSearch:
        pass
    ctx.stats["lps"] = lp.solves
    if getattr(lp, "basis_resets", 0):
        ctx.stats["basis_resets"] = lp.basis_resets


"""Exact enumeration of activation regions by depth-first search over cells, with highspy LPs.

A DFS node is a full-dimensional cell C (the constraints decided so far) with a set W of
interior points (each at distance > tol from every constraint of C). For the next ReLU layer,
each unit's pre-activation is affine on C (cells.py), and the unit is decided as follows:

* identically zero on C (a = 0, c = 0): inactive, no boundary (REFERENCE.md §6.2);
  constant on C (a = 0): its sign;
* sign fixed over a bounding box of C (bound propagation of C's constraints, no LP): that sign;
* points of W strictly on both sides of the hyperplane: it cuts C (no LP);
* otherwise one margin LP ``max t  s.t.  C's rows with margin t, s (a.x + c) >= t ||a||`` for
  the side s that no point of W is on: t* > tol means the hyperplane cuts C and the optimum is a
  new point of W; t* <= tol means the sign is fixed on C.

C is then split by the first cutting unit; each child keeps the points of W on its side and
re-examines only the units that cut C (a unit that does not cut C cannot cut a child). Leaves
are the activation regions, reported with the point of W of largest margin (distance to the
nearest constraint or box face). One HiGHS instance is reused for the whole run: rows are added
when the DFS descends and deleted when it returns.
"""

from __future__ import annotations

import highspy
import numpy as np

from ..cells import MARGIN_TOL, ZERO_TOL
from ..highs_lp import INF, new_highs
from ..network import Network
from ..result import RunContext


class MarginLP:
    """max t over {box with margin t} ∩ {pushed rows r.x - t >= rhs}, rows added/removed as a stack."""

    def __init__(self, lower: np.ndarray, upper: np.ndarray):
        n0 = lower.size
        self.n0 = n0
        self.h = new_highs(primal_feasibility_tolerance=1e-9, dual_feasibility_tolerance=1e-9,
                           presolve="off")
        h = self.h
        width = float(np.max(upper - lower))
        h.addVars(n0, lower.astype(float), upper.astype(float))
        h.addVar(-INF, width)
        h.changeColCost(n0, 1.0)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.idx = np.arange(n0 + 1, dtype=np.int32)
        for j in range(n0):
            # x_j - t >= lo_j ;  -x_j - t >= -hi_j
            h.addRow(float(lower[j]), INF, 2, np.array([j, n0], dtype=np.int32), np.array([1.0, -1.0]))
            h.addRow(float(-upper[j]), INF, 2, np.array([j, n0], dtype=np.int32), np.array([-1.0, -1.0]))
        self.base = 2 * n0
        self.rows = self.base
        self.solves = 0

    def push(self, coef: np.ndarray, rhs: float) -> None:
        vals = np.append(coef, -1.0)
        self.h.addRow(float(rhs), INF, self.n0 + 1, self.idx, vals)
        self.rows += 1

    def pop(self, k: int = 1) -> None:
        if k:
            self.h.deleteRows(k, np.arange(self.rows - k, self.rows, dtype=np.int32))
            self.rows -= k

    def solve(self):
        """(t*, x*) or (None, None) when the LP is not optimal."""
        self.h.run()
        self.solves += 1
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, None
        sol = self.h.getSolution().col_value
        return float(sol[self.n0]), np.array(sol[: self.n0])


def run_lp(net: Network, ctx: RunContext) -> None:
    """Enumerate the activation regions of ``net`` into ``ctx`` (module docstring)."""
    lo, hi = net.domain.lower.astype(float), net.domain.upper.astype(float)
    n0 = net.input_dim
    tol = MARGIN_TOL * float(np.max(hi - lo))
    lp = MarginLP(lo, hi)
    layers = net.layers[:-1]
    bits = np.zeros(net.num_relu, dtype=bool)
    cell_rows: list[np.ndarray] = []    # constraints r.x + q >= 0 of the current cell (unit r)
    cell_offs: list[float] = []
    layer_maps = {}   # layer -> its pre-activation map on the cell being split (DFS keeps it valid)
    max_points = 4 * (n0 + 1)

    def best_witness(W):
        m = np.minimum(W - lo, hi - W).min(axis=1)
        if cell_rows:
            m = np.minimum(m, (W @ np.array(cell_rows).T + np.array(cell_offs)).min(axis=1))
        k = int(np.argmax(m))
        return W[k], float(m[k])

    def tighten_box(blo, bhi, passes=2):
        """Bound propagation of the cell's constraints r.x + q >= 0 into the box [blo, bhi]: a
        valid bounding box of the cell, tighter than the domain (a cheap sign filter)."""
        Rm, q = np.array(cell_rows), np.array(cell_offs)
        pos, neg = Rm > 1e-12, Rm < -1e-12
        safe = np.where(pos | neg, Rm, 1.0)
        for _ in range(passes):
            mx = np.maximum(Rm * blo, Rm * bhi)
            need = -q[:, None] - (mx.sum(axis=1)[:, None] - mx)     # r_kj x_j >= need_kj
            cand = need / safe
            blo = np.maximum(blo, np.where(pos, cand, -np.inf).max(axis=0))
            bhi = np.minimum(bhi, np.where(neg, cand, np.inf).min(axis=0))
        return blo, bhi

    def side_lp(r, q, s):
        """Largest margin of C ∩ {s (r.x + q) >= 0}: (t*, point) or (None, None)."""
        lp.push(s * r, -s * q)
        t, y = lp.solve()
        lp.pop()
        ctx.stats["lps"] = lp.solves
        return (t, y) if t is not None and t > tol else (None, None)

    def layer_step(l, A, c, W, blo, bhi):
        """Continue from layer l for the current cell, whose layer-l input is h = A x + c."""
        while l < len(layers) and layers[l].activation == "identity":
            A, c = layers[l].weights @ A, layers[l].weights @ c + layers[l].bias
            l += 1
        if ctx.expired():
            raise _Stop
        if l == len(layers):
            x, margin = best_witness(W)
            ctx.add_region(bits.copy(), x, margin)
            return
        layer = layers[l]
        P, p = layer.weights @ A, layer.weights @ c + layer.bias
        scale = 1.0 + max(float(np.abs(P).max(initial=0.0)), float(np.abs(p).max(initial=0.0)))
        norms = np.linalg.norm(P, axis=1)
        off = net.relu_offset[l]
        zero_grad = norms <= ZERO_TOL * scale
        # identically zero (a = 0, c = 0) and constant units are decided here, the rest in split
        bits[off: off + layer.n_out] = zero_grad & (p > ZERO_TOL * scale)
        safe = np.where(zero_grad, 1.0, norms)
        layer_maps[l] = (P, p)
        split(l, P / safe[:, None], p / safe, np.nonzero(~zero_grad)[0], W, blo, bhi)

    def split(l, R, Q, cand, W, blo, bhi):
        """Decide the candidate units of layer l on the current cell; split by the first that cuts."""
        off = net.relu_offset[l]
        cutting = []
        for i in cand:
            r, q = R[i], Q[i]
            rl, rh = r * blo, r * bhi
            if np.minimum(rl, rh).sum() + q >= -tol:   # no room on the negative side
                bits[off + i] = True
                continue
            if np.maximum(rl, rh).sum() + q <= tol:    # no room on the positive side
                bits[off + i] = False
                continue
            vals = W @ r + q
            has_pos, has_neg = bool((vals > tol).any()), bool((vals < -tol).any())
            if has_pos and has_neg:
                cutting.append(i)
                continue
            if has_pos or has_neg:
                t, y = side_lp(r, q, -1.0 if has_pos else 1.0)
                if t is None:
                    bits[off + i] = has_pos
                    continue
                W = np.vstack([W, y])
                cutting.append(i)
                continue
            # every known point is (numerically) on the hyperplane: look at both sides
            tp, yp = side_lp(r, q, 1.0)
            tn, yn = side_lp(r, q, -1.0)
            if tp is not None and tn is not None:
                W = np.vstack([W, yp, yn])
                cutting.append(i)
            elif tp is not None or tn is not None:
                W = np.vstack([W, yp if tp is not None else yn])
                bits[off + i] = tp is not None
            else:
                raise RuntimeError("a full-dimensional cell has no interior on either side of a hyperplane")
        if not cutting:
            D = bits[off: off + layers[l].n_out].astype(float)
            P, p = layer_maps[l]
            layer_step(l + 1, P * D[:, None], p * D, W, blo, bhi)
            return
        i, rest = cutting[0], cutting[1:]
        vals = W @ R[i] + Q[i]
        for s in (1.0, -1.0):
            Wc = W[s * vals > tol][-max_points:]
            r, q = s * R[i], s * Q[i]
            bits[off + i] = s > 0
            lp.push(r, -q)
            cell_rows.append(r)
            cell_offs.append(q)
            nlo, nhi = tighten_box(blo, bhi)
            try:
                split(l, R, Q, rest, Wc, nlo, nhi)
            finally:
                lp.pop()
                cell_rows.pop()
                cell_offs.pop()

    try:
        layer_step(0, np.eye(n0), np.zeros(n0), ((lo + hi) / 2)[None, :], lo, hi)
    except _Stop:
        pass
    ctx.stats["lps"] = lp.solves


class _Stop(Exception):
    """Unwinds the DFS when the time limit is reached."""

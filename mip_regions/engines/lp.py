"""Exact enumeration of activation regions by depth-first search over cells, with highspy LPs.

A DFS node is a full-dimensional cell C (constraints decided so far) with an interior witness
point. For the next ReLU layer, each unit's pre-activation is affine on C (cells.py):

* identically zero on C (a = 0, c = 0): inactive, no boundary (REFERENCE.md §6.2);
* constant on C (a = 0): its sign;
* sign fixed over the interval hull of C (cheap, no LP): that sign;
* otherwise the side containing the witness is feasible for free, and one margin LP
  ``max t  s.t.  C's rows with margin t, -s (a.x + c) >= t ||a||`` decides the other side; a
  positive t* splits C and gives the other child its own witness (the LP optimum).

Leaves are the activation regions; every leaf has an interior witness and a positive margin (the
distance from the witness to the nearest constraint of its cell, or the box). One HiGHS instance
is reused for the whole run: rows are added when the DFS descends and deleted when it returns,
so HiGHS re-solves from the previous basis.
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
    relu_layers = [l for l, layer in enumerate(layers) if layer.activation == "relu"]
    total_bits = net.num_relu

    # initial witness: the box centre (margin: half the smallest side)
    x0 = (lo + hi) / 2
    # Cell constraints are kept as rows (unit normal r, offset q): r.x + q >= 0.
    cell_rows: list[np.ndarray] = []
    cell_offs: list[float] = []
    bits = np.zeros(total_bits, dtype=bool)

    def margin_of(x):
        m = float(np.min(np.minimum(x - lo, hi - x)))
        if cell_rows:
            R = np.array(cell_rows)
            m = min(m, float(np.min(R @ x + np.array(cell_offs))))
        return m

    def hull_bounds(P, p):
        """Interval bounds of P x + p over the domain box (cheap sign filter)."""
        Pp, Pm = np.maximum(P, 0), np.minimum(P, 0)
        return Pp @ lo + Pm @ hi + p, Pp @ hi + Pm @ lo + p

    def layer_step(l, A, c, x):
        """Process layers from l on, for the cell with input map h^{l-1} = A x + c and witness x."""
        while l < len(layers) and layers[l].activation == "identity":
            A, c = layers[l].weights @ A, layers[l].weights @ c + layers[l].bias
            l += 1
        if ctx.expired():
            raise _Stop
        if l == len(layers):
            ctx.add_region(bits.copy(), x, margin_of(x))
            return
        layer = layers[l]
        P, p = layer.weights @ A, layer.weights @ c + layer.bias
        scale = 1.0 + max(float(np.abs(P).max(initial=0.0)), float(np.abs(p).max(initial=0.0)))
        norms = np.linalg.norm(P, axis=1)
        off = net.relu_offset[l]
        zero_grad = norms <= ZERO_TOL * scale
        Lb, Ub = hull_bounds(P, p)
        fixed_on = (zero_grad & (p > ZERO_TOL * scale)) | (~zero_grad & (Lb > 0))
        fixed_off = (zero_grad & (p <= ZERO_TOL * scale)) | (~zero_grad & (Ub <= 0))
        undecided = [i for i in range(layer.n_out) if not (fixed_on[i] or fixed_off[i])]
        bits[off: off + layer.n_out] = fixed_on
        split_units(l, P, p, norms, undecided, 0, x)

    def split_units(l, P, p, norms, undecided, k, x):
        """Decide units undecided[k:] of layer l on the current cell (witness x), recursively."""
        off = net.relu_offset[l]
        while k < len(undecided):
            i = undecided[k]
            r, q = P[i] / norms[i], p[i] / norms[i]
            v = float(r @ x + q)
            s_w = 1.0 if v > 0 else -1.0
            # the other side: s * (r.x + q) >= t with s = -s_w
            s = -s_w
            lp.push(s * r, -s * q)
            t, y = lp.solve()
            other = t is not None and t > tol
            if abs(v) <= tol:
                # the witness is (numerically) on the hyperplane: its own side needs an LP too
                lp.pop()
                lp.push(s_w * r, -s_w * q)
                t2, y2 = lp.solve()
                lp.pop()
                if t2 is None or t2 <= tol:
                    s_w, x = None, None
                else:
                    x = y2
                lp.push(s * r, -s * q)
            if other:
                bits[off + i] = s > 0
                cell_rows.append(s * r)
                cell_offs.append(s * q)
                split_units(l, P, p, norms, undecided, k + 1, y)
                cell_rows.pop()
                cell_offs.pop()
            lp.pop()
            if s_w is None:
                return
            bits[off + i] = s_w > 0
            lp.push(s_w * r, -s_w * q)
            cell_rows.append(s_w * r)
            cell_offs.append(s_w * q)
            try:
                split_units(l, P, p, norms, undecided, k + 1, x)
            finally:
                lp.pop()
                cell_rows.pop()
                cell_offs.pop()
            return
        # every unit of layer l decided: next layer's input map
        D = bits[off: off + layers[l].n_out].astype(float)
        layer_step(l + 1, P * D[:, None], p * D, x)

    try:
        layer_step(0, np.eye(n0), np.zeros(n0), x0)
    except _Stop:
        pass
    ctx.stats["lps"] = lp.solves


class _Stop(Exception):
    """Unwinds the DFS when the time limit is reached."""

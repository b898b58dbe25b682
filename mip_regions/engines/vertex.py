"""Exact enumeration of activation regions by depth-first search over cells held by their vertices.

The same search as engines/lp.py, with the cell C kept as its vertex set (polytope.py) instead
of an LP. For the next ReLU layer each unit's pre-activation is affine on C (cells.py), and its
sign over C is read off the vertices, since an affine function takes its extremes over a
polytope at vertices:

* identically zero on C (a = 0, c = 0): inactive, no boundary (REFERENCE.md §6.2);
  constant on C (a = 0): its sign;
* every vertex at distance >= -tol from the hyperplane (a.x + c)/||a|| = 0: active
  (<= tol: inactive), the unit does not cut C;
* a vertex beyond tol on each side: it cuts C, and both sides are full-dimensional.

C is split by the first cutting unit (new vertices on the crossed edges, polytope.split); each
child re-examines only the units that cut C. No LP is solved. Leaves are the activation regions,
reported with the mean of their vertices (an interior point) and its distance to the nearest
constraint or box face. The cost is a few small numpy operations per split, growing with the
number of vertices of a cell (2^n0 for the box at the start), so this engine suits small
input dimensions; engines/lp.py does not depend on the vertex count.
"""

from __future__ import annotations

import numpy as np

from .cells import MARGIN_TOL, THIN_TOL
from ..errors import EngineError
from ..nets.network import Network
from .polytope import box, split as split_polytope
from ..result import RunContext
from .layers import CutStack, StopSearch, enter_layer


def run_vertex(net: Network, ctx: RunContext) -> None:
    """Enumerate the activation regions of ``net`` into ``ctx`` (module docstring)."""
    lo, hi = net.domain.lower.astype(float), net.domain.upper.astype(float)
    n0 = net.input_dim
    tol = MARGIN_TOL * float(np.max(hi - lo))
    thin = THIN_TOL * float(np.max(hi - lo))
    bits = np.zeros(net.num_relu, dtype=bool)
    path = CutStack(lo, hi, net.num_relu + 1)
    stats = ctx.stats
    stats["splits"] = 0
    stats["max_vertices"] = 0

    def layer_step(l, A, c, P):
        """Continue from layer l for the cell P, whose layer-l input is h = A x + c."""
        U = enter_layer(net, ctx, bits, l, A, c)
        if U is None:
            x = P.interior_point()
            ctx.add_region(bits.copy(), x, float(path.margins(x)))
            return
        decide(U, U.cand, P)

    def decide(U, cand, P):
        """Decide the candidate units of layer U on the cell P; split by the first that cuts."""
        off, R, Q = U.offset, U.R, U.Q
        if len(cand):
            G = P.V @ R[cand].T + Q[cand]
            top, bottom = G.max(axis=0), G.min(axis=0)
            has_pos, has_neg = top > tol, bottom < -tol
            if not (has_pos | has_neg).all():
                raise EngineError("a full-dimensional cell lies within tolerance of a hyperplane "
                                  "(numerical trouble); try --method lp or --method mip")
            # a unit that misses by less than tol but more than rounding: a thin piece not counted
            n_thin = int(np.count_nonzero((has_pos & ~has_neg & (bottom < -thin)) |
                                          (has_neg & ~has_pos & (top > thin))))
            if n_thin:
                ctx.bump("thin_pieces", n_thin)
            bits[off + cand[has_pos & ~has_neg]] = True
            bits[off + cand[has_neg & ~has_pos]] = False
            crossing = np.flatnonzero(has_pos & has_neg)
            cutting = cand[crossing]
        else:
            cutting = cand
        if not len(cutting):
            layer_step(U.layer + 1, *U.output(bits), P)
            return
        i, rest = cutting[0], cutting[1:]
        plus, minus = split_polytope(P, G[:, crossing[0]], 2 * n0 + path.depth, tol)
        stats["splits"] += 1
        stats["max_vertices"] = max(stats["max_vertices"], len(plus.V), len(minus.V))
        for s, child in ((1.0, plus), (-1.0, minus)):
            bits[off + i] = s > 0
            path.push(s * R[i], s * Q[i])
            try:
                decide(U, rest, child)
            finally:
                path.pop()

    P0 = box(lo, hi, net.num_relu)
    try:
        layer_step(0, np.eye(n0), np.zeros(n0), P0)
    except StopSearch:
        pass


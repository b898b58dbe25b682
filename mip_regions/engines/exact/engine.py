"""The ``exact`` method: the depth-first cell enumeration done entirely in exact rational
arithmetic (python-flint ``fmpq``), and the subtree the float engines hand over to it.

:func:`exact_subtree` is the depth-first cell enumeration of the lp engine in exact arithmetic:
a cell is a list of exact constraints a.x + c >= 0 with exact interior points; a unit cuts the
cell iff an interior point lies strictly on each side of its hyperplane, and a missing side is
decided by the exact margin LP (exact/simplex.py). It is the ``exact`` method on a whole network, and
the float engines hand it the subtree of any node where a float decision falls inside its error
band (a hyperplane within rounding of a vertex, a sliver thinner than floats resolve, a gradient
lost to cancellation). The maps of each pattern come from :class:`exact.ExactNet`.
"""

from __future__ import annotations

import numpy as np

from ...nets.network import Network
from ...result import StopSearch
from .net import ExactNet, float_margin, row_value
from .simplex import interior_point, strictly_inside, to_fmpq, to_fraction


def exact_subtree(ex: ExactNet, ctx, bits: np.ndarray, l: int, cand, rows, points) -> None:
    """Enumerate, exactly, every activation region below one DFS node (module docstring).

    ``bits``: the pattern so far (layers < l decided; units of layer l outside ``cand`` decided);
    ``l``: a ReLU layer index, or the output layer's index for a leaf; ``cand``: the units of layer
    l still to decide (None: all of them); ``rows``: the node's cell, exact (a, c) with
    a.x + c >= 0 (the box is implicit); ``points``: exact or float points believed inside the cell
    (each is checked exactly; one is computed by the exact LP when none is). Regions go to
    ``ctx.add_region`` with their exact witness.
    """
    pts = [[to_fmpq(v) for v in p] for p in points if strictly_inside(rows, ex.lo, ex.hi, p)]
    if not pts:
        y = interior_point(rows, ex.lo, ex.hi)
        ctx.bump("exact_lps")
        if y is None:
            return               # the node's cell has no interior: nothing below it
        pts = [y]
    layers = ex.net.layers
    last = len(layers) - 1

    def enter(l, pts):
        while l < last and not ex.decides[l]:
            l += 1
        if ctx.expired():
            raise StopSearch
        if l >= last:
            x = pts[0]
            ctx.add_region(bits.copy(), [float(v) for v in x], float_margin(ex, rows_stack, x),
                           exact_witness=[to_fraction(v) for v in x])
            return
        P, p = ex.preactivation(bits, l)
        if layers[l].activation == "maxout":
            decide_maxout(l, P, p, list(range(layers[l].n_out)), pts)
            return
        off = ex.net.relu_offset[l]
        live = []
        for i in range(layers[l].n_out):
            if all(P[i, k] == 0 for k in range(ex.n0)):
                bits[off + i] = p[i, 0] > 0     # constant; identically zero -> inactive
            else:
                live.append(i)
        decide(l, P, p, live, pts)

    def decide(l, P, p, cand, pts):
        off = ex.net.relu_offset[l]
        cutting = []
        for i in cand:
            a, c = [P[i, k] for k in range(ex.n0)], p[i, 0]
            vals = [row_value(a, c, x) for x in pts]
            pos, neg = any(v > 0 for v in vals), any(v < 0 for v in vals)
            for s in (1, -1):
                if (pos if s > 0 else neg):
                    continue
                side = ([s * v for v in a], s * c)
                y = interior_point(rows_stack + [side], ex.lo, ex.hi)
                ctx.bump("exact_lps")
                if y is not None:
                    pts = pts + [y]
                    pos, neg = (True, neg) if s > 0 else (pos, True)
            if pos and neg:
                cutting.append(i)
            elif pos or neg:
                bits[off + i] = pos
            else:
                raise ArithmeticError("exact enumeration: a cell with interior on neither side of a "
                                      "hyperplane (please report this network)")
        if not cutting:
            enter(l + 1, pts)
            return
        i, rest = cutting[0], cutting[1:]
        a, c = [P[i, k] for k in range(ex.n0)], p[i, 0]
        for s in (1, -1):
            bits[off + i] = s > 0
            row = ([s * v for v in a], s * c)
            child = [x for x in pts if s * row_value(a, c, x) > 0]
            rows_stack.append(row)
            try:
                if not child:
                    y = interior_point(rows_stack, ex.lo, ex.hi)
                    ctx.bump("exact_lps")
                    child = [y]
                decide(l, P, p, rest, child)
            finally:
                rows_stack.pop()

    def decide_maxout(l, P, p, units, pts):
        """Split the cell among the arguments of the first unit in ``units``: the piece of
        argument j is the cell with z_j - z_m >= 0 for every other m (activations.py), kept when
        it has an interior point; identical arguments: the lowest index only."""
        if not units:
            enter(l + 1, pts)
            return
        u, rest = units[0], units[1:]
        k = layers[l].rank
        off = ex.net.relu_offset[l] + u * k
        for j in range(u * k, u * k + k):
            new = []
            for m in range(u * k, u * k + k):
                if m == j:
                    continue
                a = [P[j, q] - P[m, q] for q in range(ex.n0)]
                c = p[j, 0] - p[m, 0]
                if all(v == 0 for v in a):
                    if c > 0 or (c == 0 and m > j):
                        continue          # always satisfied on the cell
                    break                 # never: argument j is not chosen anywhere here
                new.append((a, c))
            else:
                child = [x for x in pts if all(row_value(a, c, x) > 0 for a, c in new)]
                rows_stack.extend(new)
                try:
                    if not child:
                        y = interior_point(rows_stack, ex.lo, ex.hi)
                        ctx.bump("exact_lps")
                        if y is None:
                            continue
                        child = [y]
                    bits[off: off + k] = False
                    bits[j - u * k + off] = True
                    decide_maxout(l, P, p, rest, child)
                finally:
                    del rows_stack[len(rows_stack) - len(new):]

    rows_stack = list(rows)
    ctx.bump("exact_subtrees")
    if l >= last or cand is None:
        enter(l, pts)
    else:
        P, p = ex.preactivation(bits, l)
        if layers[l].activation == "maxout":
            decide_maxout(l, P, p, list(cand), pts)
        else:
            decide(l, P, p, list(cand), pts)


def run_exact(net: Network, ctx) -> None:
    """The ``exact`` method: :func:`exact_subtree` from the root (the whole box)."""
    ex = ExactNet(net)
    lo, hi = net.exact_domain()
    centre = [(a + b) / 2 for a, b in zip(lo, hi)]
    try:
        exact_subtree(ex, ctx, np.zeros(net.num_relu, dtype=bool), 0, None, [], [centre])
    except StopSearch:
        pass


__all__ = ["exact_subtree", "run_exact"]

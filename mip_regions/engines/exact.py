"""The exact network and the exact cell enumeration (python-flint ``fmpq``): the exact path.

Every network has one exact value: its numbers as rationals, a float64 taken as the dyadic
rational it is (``Network.rational_layers``). On the cell of a pattern S every pre-activation is
affine in x (REFERENCE.md §6.1):

    A^1 = W^1,  c^1 = b^1;   A^{l+1} = W^{l+1} D^l A^l,  c^{l+1} = W^{l+1} D^l c^l + b^{l+1}

with D^l = diag(S_l) for ReLU layers and I for identity layers. :class:`ExactNet` computes these
maps in exact rational arithmetic (``fmpq_mat`` products, cached per pattern prefix).

:func:`exact_subtree` is the depth-first cell enumeration of engines/lp.py done entirely in exact
arithmetic: a cell is a list of exact constraints a.x + c >= 0 with exact interior points; a unit
cuts the cell iff an interior point lies strictly on each side of its hyperplane, and a missing
side is decided by the exact margin LP (exact_lp.py). It is the ``exact`` method on a whole
network, and the float engines hand it the subtree of any node where a float decision falls
inside its error band (a hyperplane within rounding of a vertex, a sliver thinner than floats
resolve, a gradient lost to cancellation).
"""

from __future__ import annotations

import numpy as np
from flint import fmpq, fmpq_mat

from ..nets.network import Network
from .exact_lp import ZERO, interior_point, max_margin, strictly_inside, to_fmpq, to_fraction


class ExactNet:
    """The network's layers as exact ``fmpq_mat`` (W) and column (b), its box as fmpq lists, and
    the exact affine pre-activation maps of every layer on a pattern."""

    CACHE = 20_000   # input maps kept (one per layer and pattern prefix)

    def __init__(self, net: Network):
        self.net = net
        self.n0 = net.input_dim
        self.W, self.b = [], []
        for (EW, Eb) in net.rational_layers():
            n_out, n_in = len(EW), len(EW[0])
            self.W.append(fmpq_mat(n_out, n_in, [to_fmpq(v) for row in EW for v in row]))
            self.b.append(fmpq_mat(n_out, 1, [to_fmpq(v) for v in Eb]))
        lo, hi = net.exact_domain()
        self.lo, self.hi = [to_fmpq(v) for v in lo], [to_fmpq(v) for v in hi]
        self.acts = [layer.act for layer in net.layers]
        self.decides = [layer.n_bits > 0 for layer in net.layers]   # layers with pattern positions
        self._inputs: dict = {}
        eye = fmpq_mat(self.n0, self.n0, [1 if i == j else 0 for i in range(self.n0) for j in range(self.n0)])
        self._root = (eye, fmpq_mat(self.n0, 1, [0] * self.n0))

    def _prefix(self, bits, l) -> bytes:
        return np.asarray(bits[: self.net.relu_offset[l]], dtype=bool).tobytes()

    def layer_bits(self, bits, l: int):
        off = self.net.relu_offset[l]
        return np.asarray(bits[off: off + self.net.layers[l].n_bits], dtype=bool)

    def input_map(self, bits, l: int):
        """(A, c) with h^{l-1} = A x + c on the cell of ``bits`` (only bits of layers < l matter):
        each unit passes on the row its activation chooses on the cell (nets/activations.py)."""
        if l == 0:
            return self._root
        key = (l, self._prefix(bits, l))
        hit = self._inputs.get(key)
        if hit is not None:
            return hit
        P, p = self.preactivation(bits, l - 1)
        if self.decides[l - 1]:
            chosen = self.acts[l - 1].chosen(self.layer_bits(bits, l - 1), P.nrows())
            P = _pick_rows(P, chosen)
            p = _pick_rows(p, chosen)
        if len(self._inputs) >= self.CACHE:
            self._inputs.clear()
        self._inputs[key] = (P, p)
        return P, p

    def preactivation(self, bits, l: int):
        """(P, p): the pre-activations of layer l, P x + p, on the cell of ``bits``."""
        A, c = self.input_map(bits, l)
        return self.W[l] * A, self.W[l] * c + self.b[l]

    def unit_row(self, bits, l: int, i):
        """(a, c): row i of layer l's pre-activation a.x + c on the cell, as fmpq lists/scalars;
        with ``i = (j, m)`` the difference of rows j and m (a maxout comparison)."""
        P, p = self.preactivation(bits, l)
        if isinstance(i, tuple):
            j, m = i
            return [P[j, k] - P[m, k] for k in range(self.n0)], p[j, 0] - p[m, 0]
        return [P[i, k] for k in range(self.n0)], p[i, 0]

    def output_map(self, bits):
        """(G, c) of the network's output on the cell, as exact fmpq matrices."""
        return self.preactivation(bits, len(self.net.layers) - 1)

    def pattern_rows(self, bits, upto: int | None = None):
        """Yield ``(position, a, c, strict)`` for every constraint the pattern puts on x: its
        cell is ``{a.x + c > 0 (strict), a.x + c >= 0 (not strict)}``. A relu unit at position k
        gives ``s (z_k)`` (strict when active); a maxout unit choosing argument j gives
        ``z_j - z_m`` for every other argument m, strict for m < j (the lowest index wins ties),
        at the position of j. With ``upto``, only positions before it. A maxout unit whose
        positions are not one-hot yields ``(position, None, None, False)``."""
        for l, layer in enumerate(self.net.layers[:-1]):
            if not self.decides[l]:
                continue
            off = self.net.relu_offset[l]
            if upto is not None and off >= upto:
                return
            P, p = self.preactivation(bits, l)
            lb = self.layer_bits(bits, l)
            if layer.activation == "relu":
                for i in range(layer.n_out):
                    if upto is not None and off + i >= upto:
                        return
                    a, c = [P[i, k] for k in range(self.n0)], p[i, 0]
                    if lb[i]:
                        yield off + i, a, c, True
                    else:
                        yield off + i, [-v for v in a], -c, False
                continue
            k = layer.rank
            for u in range(layer.n_out):
                if upto is not None and off + u * k >= upto:
                    return
                one = np.flatnonzero(lb[u * k: u * k + k])
                if len(one) != 1:
                    yield off + u * k, None, None, False
                    continue
                j = u * k + int(one[0])
                for m in range(u * k, u * k + k):
                    if m != j:
                        yield (off + j, [P[j, q] - P[m, q] for q in range(self.n0)],
                               p[j, 0] - p[m, 0], m < j)

    def cell_rows(self, bits):
        """The closed cell of a full pattern as exact rows ``a.x + c >= 0``, without rows that are
        constant on it; and a reason string when the pattern cannot have a cell (a relu unit
        identically zero on the cell but marked active, a maxout argument chosen over an
        identical lower one, a constant of the wrong sign), else ''."""
        rows = []
        for k, a, c, strict in self.pattern_rows(bits):
            if a is None:
                return rows, f"maxout unit at position {k} does not choose exactly one argument"
            if all(v == 0 for v in a):
                if c > 0 or (c == 0 and not strict):
                    continue
                if c == 0:
                    return rows, (f"position {k}: the chosen argument equals a lower-index argument on "
                                  "the cell" if self._is_maxout(k) else
                                  f"unit {k} is identically zero on the cell but marked active")
                return rows, f"position {k} is constant on the cell with the other sign"
            rows.append((a, c))
        return rows, ""

    def _is_maxout(self, k: int) -> bool:
        return self.net.layers[self.net.relu_units[k][0]].activation == "maxout"

    def impossible_choice(self, bits):
        """The first position whose row is identically zero but must be strict (a relu unit
        identically zero on the cell of the earlier layers marked active, a maxout argument
        chosen over an identical lower-index one), or None."""
        for k, a, c, strict in self.pattern_rows(bits):
            if a is not None and strict and c == 0 and all(v == 0 for v in a):
                return k
        return None


def _pick_rows(M: fmpq_mat, chosen) -> fmpq_mat:
    """The matrix whose row u is row chosen[u] of M (a zero row for None)."""
    n, m = M.nrows(), M.ncols()
    if len(chosen) == n and all(c == u for u, c in enumerate(chosen)):
        return M
    e = M.entries()
    return fmpq_mat(len(chosen), m, [e[c * m + j] if c is not None else ZERO
                                     for c in chosen for j in range(m)])


def _value(a, c, x):
    return sum((ai * xi for ai, xi in zip(a, x)), c)


def exact_cell(ex: ExactNet, bits, hints=()):
    """Is the cell of ``bits`` full-dimensional? (witness, reason): an exact interior point (fmpq
    list) or None with the reason. Float ``hints`` are tried first (exact check), then the exact LP."""
    rows, why = ex.cell_rows(bits)
    if why:
        return None, why
    x = interior_point(rows, ex.lo, ex.hi, hints=tuple(hints))
    return x, "" if x is not None else "the cell has no interior (exact margin LP: t* <= 0)"


def exact_strict(ex: ExactNet, bits, upto: int | None = None) -> bool:
    """Is ``bits`` a strict pattern (Serra's one-sided margin): some x in the closed box with every
    active unit > 0 and every inactive unit <= 0? Decided by the exact LP with margins on the
    active rows only. With ``upto``, only the units before that pattern position count (a prefix
    of layers: if it is not strict, no pattern extending it is)."""
    rows, margins = [], []
    for k, a, c, strict in ex.pattern_rows(bits, upto):
        if a is None:
            return False
        rows.append((a, c))
        margins.append(strict)
    if not any(margins):
        rows.append(([ZERO] * ex.n0, fmpq(1)))   # nothing active: any point of the box will do
        margins.append(True)
    return max_margin(rows, ex.lo, ex.hi, margins=margins, box_margin=False).interior


def float_margin(ex: ExactNet, rows, x) -> float:
    """Euclidean distance (float) from the point x to the nearest row hyperplane or box face."""
    xf = np.array([float(v) for v in x])
    m = float(min(np.min(xf - np.array([float(v) for v in ex.lo])),
                  np.min(np.array([float(v) for v in ex.hi]) - xf)))
    for a, c in rows:
        af = np.array([float(v) for v in a])
        nrm = float(np.linalg.norm(af))
        if nrm > 0:
            m = min(m, float(_value(a, c, x)) / nrm)
    return m


def exact_subtree(ex: ExactNet, ctx, bits: np.ndarray, l: int, cand, rows, points) -> None:
    """Enumerate, exactly, every activation region below one DFS node (module docstring).

    ``bits``: the pattern so far (layers < l decided; units of layer l outside ``cand`` decided);
    ``l``: a ReLU layer index, or the output layer's index for a leaf; ``cand``: the units of layer
    l still to decide (None: all of them); ``rows``: the node's cell, exact (a, c) with
    a.x + c >= 0 (the box is implicit); ``points``: exact or float points believed inside the cell
    (each is checked exactly; one is computed by the exact LP when none is). Regions go to
    ``ctx.add_region`` with their exact witness.
    """
    from .layers import StopSearch
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
            vals = [_value(a, c, x) for x in pts]
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
            child = [x for x in pts if s * _value(a, c, x) > 0]
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
                child = [x for x in pts if all(_value(a, c, x) > 0 for a, c in new)]
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
    from .layers import StopSearch
    ex = ExactNet(net)
    lo, hi = net.exact_domain()
    centre = [(a + b) / 2 for a, b in zip(lo, hi)]
    try:
        exact_subtree(ex, ctx, np.zeros(net.num_relu, dtype=bool), 0, None, [], [centre])
    except StopSearch:
        pass


__all__ = ["ExactNet", "exact_cell", "exact_strict", "exact_subtree", "run_exact"]

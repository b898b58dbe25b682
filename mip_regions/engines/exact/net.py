"""The exact network (python-flint ``fmpq``): every pattern's affine maps and cell, exactly.

Every network has one exact value: its numbers as rationals, a float64 taken as the dyadic
rational it is (``Network.rational_layers``). On the cell of a pattern S every pre-activation is
affine in x (REFERENCE.md §6.1):

    A^1 = W^1,  c^1 = b^1;   A^{l+1} = W^{l+1} D^l A^l,  c^{l+1} = W^{l+1} D^l c^l + b^{l+1}

with D^l = diag(S_l) for ReLU layers and I for identity layers. :class:`ExactNet` computes these
maps in exact rational arithmetic (``fmpq_mat`` products, cached per pattern prefix).

:func:`exact_cell` and :func:`exact_strict` decide a pattern's cell exactly; the ``exact`` method
and the subtrees the float engines hand over (engine.py) enumerate cells with these maps.
"""

from __future__ import annotations

import numpy as np
from flint import fmpq, fmpq_mat

from ...nets.network import Network
from ...nets.exact_matrices import layer_fmpq
from ...nets.sparse import check_exact_form
from .simplex import ZERO, interior_point, max_margin, to_fmpq


class ExactNet:
    """The network's layers as exact ``fmpq_mat`` (W) and column (b), its box as fmpq lists, and
    the exact affine pre-activation maps of every layer on a pattern."""

    CACHE = 20_000   # input maps kept (one per layer and pattern prefix)

    def __init__(self, net: Network):
        self.net = net
        self.n0 = net.input_dim
        check_exact_form(net.layers)    # a sparse layer too large for its exact form: a clear error here
        self.W, self.b = (list(t) for t in zip(*(layer_fmpq(layer) for layer in net.layers)))
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


def row_value(a, c, x):
    """a.x + c, exactly (fmpq entries)."""
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
            m = min(m, float(row_value(a, c, x)) / nrm)
    return m


__all__ = ["ExactNet", "exact_cell", "exact_strict", "float_margin", "row_value"]

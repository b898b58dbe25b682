"""What the two cell-enumeration engines (lp/engine.py, vertex/engine.py) share: the next ReLU layer's units
as hyperplanes over the current cell with the error band of each float decision, the cuts on
the search path, the exact path those engines fall back to, and the exception that ends a search
at its time limit.

Filtered decisions ("exact predicates, inexact constructions"). A unit's pre-activation on a
cell is computed in float64 as ``P x + p`` from the cell's layer input ``A x + c``; alongside it
the engines carry the magnitudes ``|W| |A|`` and ``|W| |c| + |b|`` (``MA``, ``mc``), which bound
the rounding error of every entry: error(P_i) <= k u (|W||A|)_i with u = 2^-53 and k the
number of operations. A float value of the unit's distance g(x) = (P_i.x + p_i)/||P_i|| at a
point x of the box is trusted only when

    |g(x)| > band_i = FILTER * ( ((|W||A|)_i . |x|max + (|W||c|+|b|)_i) / ||P_i|| + max|x| )

(FILTER = 1e-9, far above k u for any network that fits in memory). Below it the decision is
made exactly (exact/, exact/simplex.py): a gradient that is zero or lost to cancellation, a constant
whose sign is in doubt, a hyperplane within the band of a vertex or an interior point, a sliver
thinner than the band. No tolerance is absolute: a rescaled layer rescales P, p, their
magnitudes and so the band together. For integer networks whose magnitudes stay below 2^53 the
float maps are exact, and zero tests need no exact check.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ...result import StopSearch

FILTER = 1e-9          # relative error band of a float decision (module docstring)
EXACT_INT = 2.0 ** 53  # integers below this are exact in float64


@dataclass
class LayerInput:
    """The input of layer ``l`` on a cell, h = A x + c, with the magnitudes MA = |.||A|, mc that
    bound its rounding error (module docstring)."""
    A: np.ndarray
    c: np.ndarray
    MA: np.ndarray
    mc: np.ndarray


@dataclass
class LayerUnits:
    """The pre-activations ``P x + p`` of a ReLU layer on a cell, and their hyperplanes
    ``R x + Q = 0`` with unit normals for the units in ``cand`` (the others have zero gradient:
    they are constant on the cell, and ``constant_active`` says which of those are active).
    ``band`` is each unit's error band on g = R x + Q; ``doubtful`` lists units whose gradient or
    constant sign the floats cannot decide (they need the exact path)."""
    layer: int
    offset: int          # index of the layer's first unit in the pattern
    P: np.ndarray
    p: np.ndarray
    MP: np.ndarray
    mp: np.ndarray
    R: np.ndarray
    Q: np.ndarray
    cand: np.ndarray
    constant_active: np.ndarray
    band: np.ndarray
    doubtful: np.ndarray
    act: object = None   # the layer's Activation (nets/activations.py)
    last: bool = False   # no ReLU layer follows (set by enter_layer): output() is not needed

    @property
    def maxout(self) -> bool:
        return self.act is not None and self.act.rows_per_unit > 1

    def output(self, bits: np.ndarray) -> LayerInput | None:
        """The layer's output on a cell with pattern ``bits``: h = D (P x + p), D = diag(bits) for
        relu; for maxout h = S (P x + p) with S selecting each unit's chosen row. None for the last
        ReLU layer (``last``): the cell is a leaf and nothing reads it (at 784 inputs these two
        n x 784 products per region were 4% of an lp run)."""
        if self.last:
            return None
        if self.maxout:
            S = self.act.select(bits[self.offset: self.offset + len(self.p)], len(self.p))
            return LayerInput(S @ self.P, S @ self.p, S @ self.MP, S @ self.mp)
        D = bits[self.offset: self.offset + len(self.p)].astype(float)
        return LayerInput(self.P * D[:, None], self.p * D, self.MP * D[:, None], self.mp * D)

    def arguments(self, u: int, bits: np.ndarray):
        """Yield (j, others) for each argument row j of maxout unit u, with the unit's pattern
        positions set one-hot on j (its piece is z_j - z_m >= 0 for every m in ``others``)."""
        k = self.act.rank
        base, off = u * k, self.offset + u * k
        for j in range(base, base + k):
            bits[off: off + k] = False
            bits[self.offset + j] = True
            yield j, [m for m in range(base, base + k) if m != j]

    def comparison(self, j: int, m: int, xmax: np.ndarray, exact_floats: bool):
        """Rows j minus m (a maxout comparison z_j - z_m) as a unit-normal hyperplane r.x + q with
        its error band (module docstring): (r, q, band, zero), ``zero`` = "the float gradient
        may be zero" (then the exact path decides; never for a trusted integer network)."""
        d, e = self.P[j] - self.P[m], self.p[j] - self.p[m]
        Md, me = self.MP[j] + self.MP[m], self.mp[j] + self.mp[m]
        nrm, mnrm = float(np.linalg.norm(d)), float(np.linalg.norm(Md))
        if exact_floats and max(float(Md.max(initial=0.0)), me) < EXACT_INT:
            zero = nrm == 0
        else:
            zero = nrm <= FILTER * mnrm
        if zero:
            return d, e, 0.0, True
        band = FILTER * ((float(Md @ xmax) + me) / nrm + float(xmax.max()))
        return d / nrm, e / nrm, band, False


class CutStack:
    """The cuts r.x + q >= 0 (unit normals r) on the DFS path to the current cell, in order, each
    with the unit (layer, index, sign) it came from (for the exact path)."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, size: int, scale: np.ndarray | None = None):
        self.lo, self.hi = lo, hi
        self.R = np.empty((size, len(lo)))
        self.q = np.empty(size)
        self.xnorm = np.ones(size)
        self.units: list[tuple[int, int, int]] = [(0, 0, 0)] * size
        self.depth = 0
        self.scale = scale      # coordinates u with x = mid + scale * u (None: u = x)

    def push(self, r: np.ndarray, q: float, unit=(0, 0, 0)) -> None:
        self.R[self.depth], self.q[self.depth] = r, q
        if self.scale is not None:     # ||r|| in x units: r.u + q = (r / scale).x + const
            self.xnorm[self.depth] = float(np.linalg.norm(r / self.scale))
        self.units[self.depth] = unit
        self.depth += 1

    def pop(self) -> None:
        self.depth -= 1

    def margins(self, X: np.ndarray) -> np.ndarray:
        """Distance of each point (row of X) to the nearest box face or cut: the radius of the
        largest ball around it inside the cell, for points of the cell (in x units when the
        coordinates are scaled)."""
        s = 1.0 if self.scale is None else self.scale
        m = np.minimum((X - self.lo) * s, (self.hi - X) * s).min(axis=-1)
        d = self.depth
        return np.minimum(m, ((X @ self.R[:d].T + self.q[:d]) / self.xnorm[:d]).min(axis=-1)) if d else m


def next_relu_layer(layers, l: int, inp: LayerInput):
    """Skip identity layers from layer l: returns (l', input') with h_{l'} the input of the first
    ReLU layer l' >= l (l' = len(layers) when there is none)."""
    while l < len(layers) and layers[l].n_bits == 0:
        W, b = layers[l].weights, layers[l].bias
        aW = np.abs(W)
        inp = LayerInput(W @ inp.A, W @ inp.c + b, aW @ inp.MA, aW @ inp.mc + np.abs(b))
        l += 1
    return l, inp


def root_input(n0: int, mid: np.ndarray | None = None, half: np.ndarray | None = None) -> LayerInput:
    """The input of layer 0: x itself, or x = mid + half * u as a map of the box coordinates u
    in [-1, 1]^n0 (the lp engine's coordinates: its LP tolerances are then relative to every
    side of the box, however different their lengths)."""
    if mid is None:
        eye = np.eye(n0)
        return LayerInput(eye, np.zeros(n0), eye.copy(), np.zeros(n0))
    D = np.diag(half)
    return LayerInput(D, mid.copy(), np.abs(D), np.abs(mid))


def enter_layer(net, ctx, bits: np.ndarray, l: int, inp: LayerInput, xmax: np.ndarray, exact_floats: bool):
    """The DFS step both cell engines take on a cell whose layer-l input is ``inp``: skip identity
    layers, stop at the time limit (StopSearch), and return None at a leaf (no ReLU layer left, or
    ``inp`` None: the last ReLU layer's output), else the next ReLU layer's LayerUnits, with the
    bits of its trusted constant units set."""
    layers = net.layers[:-1]
    if ctx.expired():
        raise StopSearch
    if inp is None:          # after the last ReLU layer (LayerUnits.output)
        return None
    l, inp = next_relu_layer(layers, l, inp)
    if l == len(layers):
        return None
    U = layer_units(layers, l, inp, net.relu_offset[l], xmax, exact_floats)
    U.last = not any(layer.n_bits for layer in layers[l + 1:])
    if not U.maxout:
        bits[U.offset: U.offset + len(U.p)] = U.constant_active
    return U


def layer_units(layers, l: int, inp: LayerInput, offset: int, xmax: np.ndarray,
                exact_floats: bool) -> LayerUnits:
    """Layer l's units on a cell whose layer-l input is ``inp``: a_i = (W A)_i, c_i = (W c + b)_i,
    with magnitudes and error bands (module docstring). A unit with a zero float gradient and no
    magnitude (|W||A|)_i = 0 is constant exactly; one whose gradient norm is below FILTER times its
    magnitude, or a constant whose |c_i| is below FILTER times its magnitude, is ``doubtful``
    (unless ``exact_floats``, an integer network, and every magnitude is below 2^53: then the
    float maps are exact integers)."""
    layer = layers[l]
    W, b = layer.weights, layer.bias
    aW = np.abs(W)
    P, p = W @ inp.A, W @ inp.c + b
    MP, mp = aW @ inp.MA, aW @ inp.mc + np.abs(b)
    norms = np.linalg.norm(P, axis=1)
    mnorm = np.linalg.norm(MP, axis=1)
    if exact_floats and max(float(MP.max(initial=0.0)), float(mp.max(initial=0.0))) < EXACT_INT:
        zero_grad = norms == 0            # integer maps below 2^53: the floats are exact
        doubtful = np.zeros(len(p), dtype=bool)
    else:
        zero_grad = norms <= FILTER * mnorm
        doubtful = zero_grad & (mnorm > 0)                            # a gradient that may be lost
        doubtful |= zero_grad & (np.abs(p) <= FILTER * mp) & (mp > 0)  # a constant of unsure sign
    safe = np.where(zero_grad, 1.0, norms)
    band = FILTER * ((MP @ xmax + mp) / safe + float(xmax.max()))
    return LayerUnits(l, offset, P, p, MP, mp, P / safe[:, None], p / safe,
                      np.nonzero(~zero_grad)[0], zero_grad & ~doubtful & (p > 0), band,
                      np.nonzero(doubtful)[0], layer.act)


def _ratio(b, d, a, c):
    """lambda with (b, d) = lambda (a, c) exactly, or None when the rows are not proportional."""
    j = next((k for k, v in enumerate(a) if v != 0), None)
    if j is None:
        return None
    lam = b[j] / a[j]
    if lam == 0 or d != lam * c or any(bv != lam * av for bv, av in zip(b, a)):
        return None
    return lam


class ExactPath:
    """The exact side of the filtered decisions (exact/), built on first use: the exact rows of
    the cell on the search path, exact side tests, exact unit maps, exact vertices, and the
    hand-over of a whole subtree to :func:`exact.exact_subtree`. Counts ``exact_decisions`` and
    ``exact_subtrees``."""

    CACHE = 50_000

    def __init__(self, net, ctx):
        self.net, self.ctx = net, ctx
        self._ex = None
        self._rows: dict = {}

    @property
    def ex(self):
        if self._ex is None:
            from ..exact import ExactNet
            self._ex = ex = ExactNet(self.net)
            n = ex.n0       # the box faces as rows a.x + c >= 0
            self.box_rows = ([([1 if j == k else 0 for j in range(n)], -ex.lo[k]) for k in range(n)]
                             + [([-1 if j == k else 0 for j in range(n)], ex.hi[k]) for k in range(n)])
        return self._ex

    def row(self, bits, l: int, i: int, s: int):
        """Exact (a, c) of s * (unit i of layer l's pre-activation): a.x + c >= 0 is its side."""
        key = (l, i, s, np.asarray(bits[: self.net.relu_offset[l]], dtype=bool).tobytes())
        hit = self._rows.get(key)
        if hit is None:
            a, c = self.ex.unit_row(bits, l, i)
            hit = ([s * v for v in a], s * c)
            if len(self._rows) >= self.CACHE:
                self._rows.clear()
            self._rows[key] = hit
        return hit

    def path_rows(self, bits, path: CutStack) -> list:
        """The exact constraints a.x + c >= 0 of the cuts on the path (the box is implicit)."""
        return [self.row(bits, l, i, s) for (l, i, s) in path.units[: path.depth]]

    def facet_side(self, bits, path: CutStack, l: int, i: int):
        """When unit i's hyperplane coincides with one of the cell's facets (a cut or a box face:
        the usual degeneracy of the constructions, duplicated units), the side s in {1, -1} with
        the cell inside {s (a_i.x + c_i) >= 0}; else None. Exact and cheap (no LP)."""
        a, c = self.row(bits, l, i, 1)
        for b, d in self.path_rows(bits, path) + self.box_rows:
            lam = _ratio(b, d, a, c)
            if lam is not None:
                self.ctx.bump("exact_facets")
                return 1 if lam > 0 else -1
        return None

    def side_has_interior(self, bits, path: CutStack, l: int, i: int, s: int, hints=()) -> bool:
        """Exactly: does the cell ∩ {s (a_i.x + c_i) > 0} have an interior point? Read off a
        coinciding facet (:meth:`facet_side`) when there is one, else the exact margin LP. Its
        time goes to the run's ``exact_seconds`` (as does :meth:`subtree`'s)."""
        with self._clock():
            return self._side_has_interior(bits, path, l, i, s, hints)

    @contextmanager
    def _clock(self):
        """Adds the time spent inside to the run's ``exact_seconds``."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.ctx.stats["exact_seconds"] = self.ctx.stats.get("exact_seconds", 0.0) + time.perf_counter() - t0

    def _side_has_interior(self, bits, path: CutStack, l: int, i: int, s: int, hints=()) -> bool:
        from ..exact import interior_point
        self.ctx.bump("exact_decisions")
        side = self.facet_side(bits, path, l, i)
        if side is not None:
            return side == s
        self.ctx.bump("exact_lps")
        rows = self.path_rows(bits, path) + [self.row(bits, l, i, s)]
        return interior_point(rows, self.ex.lo, self.ex.hi, hints=tuple(hints)) is not None

    def constant(self, bits, l: int, i: int):
        """(zero gradient?, active?) of unit i of layer l on the cell, exactly."""
        self.ctx.bump("exact_decisions")
        a, c = self.ex.unit_row(bits, l, i)
        return all(v == 0 for v in a), c > 0

    def constant_comparison(self, bits, l: int, j: int, m: int) -> str:
        """A maxout comparison z_j - z_m whose float gradient may be zero, decided exactly:
        'lost' (a real hyperplane the floats lost: go exact), 'always' (constant and satisfied:
        positive, or zero with m > j since the lowest index wins ties) or 'never'."""
        self.ctx.bump("exact_decisions")
        a, c = self.row(bits, l, (j, m), 1)
        if any(v != 0 for v in a):
            return "lost"
        return "always" if c > 0 or (c == 0 and m > j) else "never"

    def vertex_signs(self, bits, path: CutStack, tight: list, l: int, i: int):
        """The exact sign (-1, 0, 1) of unit i of layer l at each vertex given by its tight slots
        (box faces 0..2 n0 - 1, then the path's cuts), or None when a tight set does not pin one
        point of the cell (then the caller decides by the exact LP)."""
        from flint import fmpq_mat
        ex = self.ex
        n0 = ex.n0
        rows = self.path_rows(bits, path)
        a_i, c_i = self.row(bits, l, i, 1)
        out = []
        for slots in tight:
            M = []
            for k in slots:
                if k < 2 * n0:
                    j, upper = divmod(k, 2)
                    e = [0] * n0
                    e[j] = 1
                    M.append(e + [ex.hi[j] if upper else ex.lo[j]])
                else:
                    a, c = rows[k - 2 * n0]
                    M.append(list(a) + [-c])
            R, rank = fmpq_mat(len(M), n0 + 1, [v for r in M for v in r]).rref()
            if rank != n0 or any(R[k, k] != 1 for k in range(n0)):
                return None
            x = [R[k, n0] for k in range(n0)]
            if not (all(lo <= v <= hi for lo, v, hi in zip(ex.lo, x, ex.hi))
                    and all(sum((p * q for p, q in zip(a, x)), c) >= 0 for a, c in rows)):
                return None      # not a point of the cell: the float polytope cannot be trusted here
            g = sum((p * q for p, q in zip(a_i, x)), c_i)
            out.append((g > 0) - (g < 0))
        self.ctx.bump("exact_vertices", len(tight))
        return out

    def sliver_branch(self, router, bits, path: CutStack, l: int, off: int, i: int, clear: int, rest) -> None:
        """Branch 0 of a sliver (shared/routes.py numbers it so): unit i's thin side -clear, with its whole
        subtree, enumerated exactly; the caller then takes branch 1, the clear side, in floats."""
        if router.enter(0):
            try:
                self.ctx.bump("slivers")
                bits[off + i] = clear < 0
                self.subtree(bits, path, l, rest, extra=(l, i, -clear))
            finally:
                router.leave()

    def subtree(self, bits, path: CutStack, l: int, cand, extra=None, points=(), extras=()) -> None:
        """Enumerate everything below the current node exactly: the cell is the path's cuts plus
        ``extra`` = (l', i', s') (one more unit side) and the sides in ``extras``, the units of
        layer l in ``cand`` are still to decide (None: all)."""
        from ..exact import exact_subtree
        with self._clock():
            rows = self.path_rows(bits, path)
            if extra is not None:
                rows.append(self.row(bits, *extra))
            rows.extend(self.row(bits, *e) for e in extras)
            exact_subtree(self.ex, self.ctx, bits, l, cand, rows, points)

"""The ``exact1d`` method: the activation regions of a network with one input, from left to
right, by breakpoint propagation in floats with exact fallback (cut.py).

On a piece [L, R] of the interval on which the pattern of layers < l is fixed, layer l's input
is affine, a t + c (floats with error bounds); the layer cuts the piece at the roots of its
comparisons (cut.py), each sub-piece gets its exact pattern, adjacent equal patterns merge, and
the walk goes on in each sub-piece with the map its pattern passes on. The final pieces are the
activation regions: the set of one pattern is an interval, so distinct pieces have distinct
patterns, and only pieces of positive length are made (a breakpoint on an end of the box or on
another breakpoint makes no region: those ties are the ones the float bound cannot separate,
and they are decided exactly). The count is exact on every network; it equals the rational
engine's (``rational1d``, engines/exact/line.py), which the tests check.

Each region is reported with a float witness certainly inside it when the error intervals of
its ends leave room, else with its exact midpoint (ends.py).
"""

from __future__ import annotations

import numpy as np

from ...errors import EngineError
from ...nets.network import Network
from ...result import RunContext, StopSearch
from .cut import LineLayer
from .ends import End, witness
from .incremental import Incremental

INCREMENTAL_MIN = 64     # inputs of a layer from which the column updates pay (below: full products)


class _Exact:
    """The exact side, built on first use: the network's pre-activations on a pattern in
    rationals (engines.exact.ExactNet), and the exact roots the float ends stand for."""

    def __init__(self, net: Network):
        self.net = net
        self._exact_net = None
        self.cuts = 0

    @property
    def exact_net(self):
        if self._exact_net is None:
            from ..exact import ExactNet
            self._exact_net = ExactNet(self.net)
        return self._exact_net

    def preactivation(self, bits, l):
        return self.exact_net.preactivation(bits, l)

    def root(self, bits, l, lay: LineLayer, f: int):
        """The exact root of comparison f of layer l on the piece of ``bits``."""
        P, p = self.preactivation(bits, l)
        i, j = int(lay.I[f]), int(lay.J[f])
        s, g = P[i, 0], p[i, 0]
        if j >= 0:
            s, g = s - P[j, 0], g - p[j, 0]
        return -g / s


def pieces_float(net: Network, ctx: RunContext | None = None):
    """Yield ``(left, right, bits)`` for every activation region of a 1-D network over its box,
    left to right; ``left``/``right`` are :class:`~.ends.End` (float value, error radius, the
    exact value on demand). Stats go to ``ctx`` (float_cuts, exact_cuts)."""
    if net.input_dim != 1:
        raise EngineError(f"exact1d needs a 1-D input, this network has n0 = {net.input_dim}")
    hidden = net.layers[:-1]
    layers = [LineLayer(layer, net.relu_offset[l]) for l, layer in enumerate(hidden)]
    nh = len(layers)
    # a wide layer with exact stored weights: its product updated from the last piece's by columns
    steps = [Incremental(lay).step if lay.dW is None and lay.n_in >= INCREMENTAL_MIN else lay.step
             for lay in layers]
    exact = _Exact(net)
    (lo,), (hi,) = net.exact_domain()
    counts = {"float_cuts": 0, "exact_cuts": 0}

    def walk(l, L, R, a, c, ea, ec, bits):
        while l < nh and not layers[l].decides:
            a, c, ea, ec = steps[l](a, c, ea, ec)     # identity: every row passes on
            l += 1
        if ctx is not None and ctx.expired():
            raise StopSearch
        if l == nh:
            yield L, R, bits
            return
        lay = layers[l]
        alpha, gam, e_al, e_ga = steps[l](a, c, ea, ec)
        cut = lay.float_cut(L, R, alpha, gam, e_al, e_ga, lambda f: exact.root(bits, l, lay, f))
        if cut is None:
            P, p = exact.preactivation(bits, l)
            cut = lay.exact_cut(L, R, P, p)
            counts["exact_cuts"] += 1
        else:
            counts["float_cuts"] += 1
        for L2, R2, lb in cut:
            nb = bits.copy()
            nb[lay.offset: lay.offset + lay.n_bits] = lb
            rows = lay.act.passed_rows(lb, lay.n_rows)
            on = rows >= 0
            r = np.where(on, rows, 0)
            yield from walk(l + 1, L2, R2, np.where(on, alpha[r], 0.0), np.where(on, gam[r], 0.0),
                            np.where(on, e_al[r], 0.0), np.where(on, e_ga[r], 0.0), nb)

    one, zero = np.ones(1), np.zeros(1)
    try:
        yield from walk(0, End.of_exact(lo), End.of_exact(hi), one, zero, zero, zero,
                        np.zeros(net.num_relu, dtype=bool))
    finally:
        if ctx is not None:
            ctx.bump("float_cuts", counts["float_cuts"])
            ctx.bump("exact_cuts", counts["exact_cuts"])


def run_line(net: Network, ctx: RunContext) -> None:
    """Count the activation regions of a 1-D network exactly (module docstring); a stop (time
    limit, Ctrl-C) leaves the regions found so far, a lower bound."""
    try:
        for left, right, bits in pieces_float(net, ctx):
            if ctx.wants_regions:
                w, margin, ex = witness(left, right)
                ctx.add_region(bits, [w], margin, exact_witness=None if ex is None else [ex])
            else:
                ctx.add_count(1)
    except StopSearch:
        pass


__all__ = ["pieces_float", "run_line"]

"""Exact 1-D engine (n0 = 1): rational breakpoint propagation, no LP at all.

On an interval piece I the input map of layer l is affine, ``h^{l-1} = a x + c`` (exact
Fractions). Each ReLU unit's pre-activation ``alpha x + gamma`` is then split at its root
``-gamma/alpha`` when that lies strictly inside I; a unit with ``alpha = gamma = 0`` is
identically zero on I (inactive, no breakpoint), one with ``alpha = 0`` is constant. The final
pieces are the activation regions (cells are intervals, so distinct pieces have distinct
patterns); each is reported with its exact midpoint as witness and half its length as margin.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..errors import EngineError
from ..nets.network import Network
from ..result import RunContext
from .layers import StopSearch


def _exact_layers(net: Network):
    """The hidden layers' exact values (a float weight is the rational its float64 value is)."""
    return [(W, b, layer.activation) for layer, (W, b) in zip(net.layers[:-1], net.rational_layers())]


def pieces_1d(net: Network, ctx: RunContext | None = None):
    """Yield ``(left, right, bits)`` for every activation region of a 1-D network, exactly."""
    if net.input_dim != 1:
        raise EngineError(f"exact1d needs a 1-D input, this network has n0 = {net.input_dim}")
    layers = _exact_layers(net)
    (lo,), (hi,) = net.exact_domain()
    zero = Fraction(0)
    nbits = net.num_relu

    def walk(l, left, right, a, c, bits):
        # a, c: lists (one entry per unit of h^{l-1}) of the affine map x -> a x + c on [left, right]
        while l < len(layers) and layers[l][2] == "identity":
            W, b, _ = layers[l]
            a = [sum((w * v for w, v in zip(row, a)), start=zero) for row in W]
            c = [sum((w * v for w, v in zip(row, c)), start=bb) for row, bb in zip(W, b)]
            l += 1
        if ctx is not None and ctx.expired():
            raise StopSearch
        if l == len(layers):
            yield left, right, bits
            return
        W, b, _ = layers[l]
        al = [sum((w * v for w, v in zip(row, a)), start=zero) for row in W]
        ga = [sum((w * v for w, v in zip(row, c)), start=bb) for row, bb in zip(W, b)]
        cuts = sorted({-g / s for s, g in zip(al, ga) if s != 0 and left < -g / s < right})
        edges = [left] + cuts + [right]
        off = net.relu_offset[l]
        for x0, x1 in zip(edges[:-1], edges[1:]):
            mid = (x0 + x1) / 2
            on = [s * mid + g > 0 for s, g in zip(al, ga)]
            nb = bits.copy()
            nb[off: off + len(on)] = on
            yield from walk(l + 1, x0, x1, [s if o else zero for s, o in zip(al, on)],
                            [g if o else zero for g, o in zip(ga, on)], nb)

    yield from walk(0, lo, hi, [Fraction(1)], [zero], np.zeros(nbits, dtype=bool))


def run_exact1d(net: Network, ctx: RunContext) -> None:
    """Count the activation regions of a 1-D network exactly (module docstring)."""
    try:   # streamed: nothing is kept per region (distinct pieces have distinct patterns)
        for left, right, bits in pieces_1d(net, ctx):
            mid = (left + right) / 2
            ctx.add_region(bits, [float(mid)], float((right - left) / 2), exact_witness=[mid])
    except StopSearch:
        pass


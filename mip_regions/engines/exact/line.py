"""The ``rational1d`` method (n0 = 1): breakpoint propagation entirely in rationals, no LP at
all. The reference the float-filtered ``exact1d`` engine (engines/line) is tested against, and
the whole-line walk (``whole_line=True``) of workflows/whole_line.py.

On an interval piece I the input map of layer l is affine, ``h^{l-1} = a x + c`` (exact
Fractions), and so is every pre-activation ``alpha x + gamma``. The candidate breakpoints of the
layer are the points strictly inside I where its pattern can change: a ReLU unit's root
``-gamma/alpha``, and for a maxout unit the crossings of any two of its arguments. I is cut at
all of them, each sub-interval gets the layer's exact pattern at its midpoint
(nets/activations.py: a unit with ``alpha = gamma = 0`` is inactive, tied maxout arguments give
the lowest index), and adjacent sub-intervals with the same pattern are merged again (a crossing
of two arguments neither of which is the maximum is no boundary). The final pieces are the
activation regions (the set of one pattern is an interval, so distinct pieces have distinct
patterns); each is reported with its exact midpoint as witness and half its length as margin.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ...errors import EngineError
from ...nets.network import Network
from ...result import RunContext, StopSearch


def _exact_layers(net: Network):
    """The hidden layers' exact values (a float weight is the rational its float64 value is)."""
    return [(W, b, layer.act) for layer, (W, b) in zip(net.layers[:-1], net.rational_layers())]


def _breakpoints(al, ga, rank: int, left, right) -> list:
    """Points strictly inside (left, right) where two arguments of one unit cross (rank 1: a
    relu unit's root, the crossing with the constant 0)."""
    out = set()
    for u in range(0, len(al), rank):
        A = list(zip(al[u: u + rank], ga[u: u + rank]))
        if rank == 1:
            A.append((0, 0))
        for j in range(len(A)):
            for m in range(j + 1, len(A)):
                ds, dg = A[j][0] - A[m][0], A[j][1] - A[m][1]
                if ds != 0 and _inside(left, right, -dg / ds):
                    out.add(-dg / ds)
    return sorted(out)


def _inside(left, right, x) -> bool:
    """left < x < right, an endpoint None meaning -inf (left) or +inf (right)."""
    return (left is None or left < x) and (right is None or x < right)


def representative(left, right):
    """A point strictly inside the piece: its midpoint, or 1 away from its one finite end, or 0."""
    if left is not None and right is not None:
        return (left + right) / 2
    if left is None and right is None:
        return Fraction(0)
    return right - 1 if left is None else left + 1


def pieces_1d(net: Network, ctx: RunContext | None = None, *, whole_line: bool = False, maps: bool = False):
    """Yield ``(left, right, bits)`` for every activation region of a 1-D network, exactly, from
    left to right. ``whole_line``: over all of R instead of the box (an unbounded end is None).
    ``maps``: yield ``(left, right, bits, a, c)`` with the output layer's input on the piece,
    h = a x + c (lists, one entry per unit of the last hidden layer)."""
    if net.input_dim != 1:
        raise EngineError(f"exact1d needs a 1-D input, this network has n0 = {net.input_dim}")
    layers = _exact_layers(net)
    (lo,), (hi,) = net.exact_domain() if not whole_line else ((None,), (None,))
    zero = Fraction(0)
    nbits = net.num_relu

    def walk(l, left, right, a, c, bits):
        # a, c: lists (one entry per unit of h^{l-1}) of the affine map x -> a x + c on [left, right]
        while l < len(layers) and layers[l][2].bits_per_unit == 0:
            W, b, _ = layers[l]
            a = [sum((w * v for w, v in zip(row, a)), start=zero) for row in W]
            c = [sum((w * v for w, v in zip(row, c)), start=bb) for row, bb in zip(W, b)]
            l += 1
        if ctx is not None and ctx.expired():
            raise StopSearch
        if l == len(layers):
            yield (left, right, bits, a, c) if maps else (left, right, bits)
            return
        W, b, act = layers[l]
        al = [sum((w * v for w, v in zip(row, a)), start=zero) for row in W]
        ga = [sum((w * v for w, v in zip(row, c)), start=bb) for row, bb in zip(W, b)]
        edges = [left] + _breakpoints(al, ga, act.rows_per_unit, left, right) + [right]
        pieces = []          # (x0, x1, pattern of this layer), adjacent equal patterns merged
        for x0, x1 in zip(edges[:-1], edges[1:]):
            mid = representative(x0, x1)
            on = act.exact_pattern([s * mid + g for s, g in zip(al, ga)])
            if pieces and pieces[-1][2] == on:
                pieces[-1] = (pieces[-1][0], x1, on)
            else:
                pieces.append((x0, x1, on))
        off = net.relu_offset[l]
        for x0, x1, on in pieces:
            nb = bits.copy()
            nb[off: off + len(on)] = on
            rows = act.chosen(np.array(on, dtype=bool), len(al))
            yield from walk(l + 1, x0, x1, [al[r] if r is not None else zero for r in rows],
                            [ga[r] if r is not None else zero for r in rows], nb)

    yield from walk(0, lo, hi, [Fraction(1)], [zero], np.zeros(nbits, dtype=bool))


def run_exact1d(net: Network, ctx: RunContext) -> None:
    """Count the activation regions of a 1-D network exactly (module docstring)."""
    try:   # streamed: nothing is kept per region (distinct pieces have distinct patterns)
        for left, right, bits in pieces_1d(net, ctx):
            mid = (left + right) / 2
            ctx.add_region(bits, [float(mid)], float((right - left) / 2), exact_witness=[mid])
    except StopSearch:
        pass


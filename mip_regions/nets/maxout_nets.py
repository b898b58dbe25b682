"""Maxout networks: seeded random ones, Montúfar-style 1-D sawtooth built from rank-2 units, and
any relu network rewritten as rank-2 maxout (nets/activations.py)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .network import Layer, Network, network_from_lists


def random_maxout(widths, rank: int = 2, seed: int = 0, *, lower=-1.0, upper=1.0, name=None) -> Network:
    """Maxout MLP ``n0 - n1 - ... - 1`` of rank ``rank`` with N(0, 1) weights and biases (float)
    on [lower, upper]^n0; ``widths`` = [n0, n1, ..., n_k] counts units (each has ``rank`` rows)."""
    rng = np.random.default_rng(seed)
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers.append((rng.standard_normal((b * rank, a)), rng.standard_normal(b * rank), "maxout", rank))
    layers.append((rng.standard_normal((1, widths[-1])), np.zeros(1), "identity"))
    n0 = widths[0]
    return network_from_lists(layers, [lower] * n0, [upper] * n0,
                              name=name or f"random maxout{rank} {'-'.join(map(str, widths))} seed={seed}")


def maxout_sawtooth(p: int, depth: int) -> Network:
    """The zigzag Z_p of [0, 1] (p linear pieces of slopes +-p, Z_p(j/p) = j mod 2) composed
    ``depth`` times, with rank-2 maxout units: p^depth activation regions, linear regions and
    affine maps (every piece has its own map).

    Layer l has p units: ``u_0 = max(h, h - 1) = h`` (its second argument is never chosen: no
    boundary) and ``u_j = max(h - j/p, j/p - h) = |h - j/p|`` for j = 1..p-1, where h is the
    previous zigzag (x for the first layer). Z_p(h) = alpha + beta u_0 + sum_j gamma_j u_j with
    gamma_j = p (-1)^j (half the slope change at j/p), beta = p + sum_j gamma_j and
    alpha = -sum_j gamma_j j/p; the next layer's rows apply it, the output map is the last Z_p.
    """
    if p < 2 or depth < 1:
        raise ValueError("maxout_sawtooth needs p >= 2 and depth >= 1")
    gam = [Fraction(p * (-1) ** j) for j in range(1, p)]
    beta = p + sum(gam)
    alpha = -sum(g * Fraction(j, p) for g, j in zip(gam, range(1, p)))
    zig_w, zig_b = [beta] + gam, alpha          # Z_p(h) = zig_w . u + zig_b

    def rows(w_in, b_in):
        """The layer's 2p rows for the input h = w_in . u + b_in."""
        W, b = [], []
        W += [list(w_in), list(w_in)]
        b += [b_in, b_in - 1]
        for j in range(1, p):
            c = Fraction(j, p)
            W += [list(w_in), [-v for v in w_in]]
            b += [b_in - c, c - b_in]
        return W, b

    layers = []
    W, b = rows([Fraction(1)], Fraction(0))
    layers.append((W, b, "maxout", 2))
    for _ in range(depth - 1):
        W, b = rows(zig_w, zig_b)
        layers.append((W, b, "maxout", 2))
    layers.append(([list(zig_w)], [zig_b], "identity"))
    return network_from_lists(layers, [0], [1], name=f"maxout sawtooth p={p} L={depth}")


def relu_as_maxout(net: Network) -> Network:
    """The same function with every relu layer written as rank-2 maxout: unit i becomes
    ``max(w_i h + b_i, 0)`` (rows (w_i, b_i) then a zero row), whose pattern is the relu bit
    followed by its complement; identically-zero units tie and choose the first argument."""
    layers = []
    for layer in net.layers:
        if layer.activation != "relu":
            layers.append(layer)
            continue
        W, b = [], []
        for (row, bb) in zip(*net.rational_layers()[len(layers)]):
            W += [list(row), [0] * len(row)]
            b += [bb, 0]
        layers.append(Layer.from_numbers(W, b, "maxout", rank=2))
    return Network(layers, net.domain, (net.name or "network") + " (relu as maxout)")


__all__ = ["random_maxout", "maxout_sawtooth", "relu_as_maxout"]

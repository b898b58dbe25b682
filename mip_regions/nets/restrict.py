"""A network restricted to a line or a plane through its input space, exactly (issue 17, part 4):
the practice of counting regions along lines and 2-D slices through the data (Hanin & Rolnick
2019; Novak et al. 2018) on networks too large for a full count.

With x = p + sum_k t_k d_k (k = 1 for a line, 2 for a plane), the first layer becomes
``W' = W [d_1 .. d_k]``, ``b' = W p + b``, computed in exact rational arithmetic (floats taken
as their binary values), so the restricted network computes exactly F(p + sum t_k d_k) and its
count is exact. The other layers are the network's own (any activation, maxout included).
"""

from __future__ import annotations

from fractions import Fraction

from ..errors import MipRegionsError
from .exact_matrices import exact_product
from .network import Box, Layer, Network


def restrict(net: Network, point, directions, lower, upper, name: str | None = None) -> Network:
    """The network t -> F(point + sum_k t_k directions[k]) over the box [lower, upper] in t."""
    n0 = net.input_dim
    p = [Fraction(v) for v in point]
    D = [[Fraction(v) for v in d] for d in directions]
    if len(p) != n0 or any(len(d) != n0 for d in D):
        raise MipRegionsError(f"the point and every direction need {n0} coordinates (the network's inputs)")
    if len(D) == 1 and all(v == 0 for v in D[0]):
        raise MipRegionsError("the line has length 0 (its two points are the same)")
    if len(D) == 2:
        minors = [D[0][i] * D[1][j] - D[0][j] * D[1][i] for i in range(n0) for j in range(i + 1, n0)]
        if all(m == 0 for m in minors):
            raise MipRegionsError("the two slice directions are parallel")
    first = net.layers[0]
    k = len(D)
    Y = exact_product(first, [*D, p])   # one exact product (exact_matrices.py), no loop of Fractions
    b = first.exact_bias if first.is_exact else [Fraction(float(v)) for v in first.bias]
    rows = [y[:k] for y in Y]
    bias = [y[k] + bb for y, bb in zip(Y, b)]
    new_first = Layer.from_numbers(rows, bias, first.activation,
                                   rank=first.rank if first.activation == "maxout" else None)
    return Network([new_first] + list(net.layers[1:]), Box.from_numbers(lower, upper),
                   name or f"{net.name or 'network'} restricted")


def line(net: Network, a, b) -> Network:
    """F on the segment from a to b, as a function of t in [0, 1] (x = a + t (b - a))."""
    a, b = [Fraction(v) for v in a], [Fraction(v) for v in b]
    return restrict(net, a, [[y - x for x, y in zip(a, b)]], [0], [1],
                    name=f"{net.name or 'network'} on a segment")


def plane(net: Network, point, u, v, extent=((-1, 1), (-1, 1))) -> Network:
    """F on the plane point + s u + t v, (s, t) in the extent."""
    (s0, s1), (t0, t1) = extent
    return restrict(net, point, [u, v], [s0, t0], [s1, t1], name=f"{net.name or 'network'} on a plane")


def plane_through(net: Network, a, b, c, margin: float = 0.25) -> Network:
    """F on the plane through three points, x = a + s (b - a) + t (c - a), with (s, t) in
    [-margin, 1 + margin]^2: the three points are at (0, 0), (1, 0) and (0, 1) (SplineCam's slice
    through three images). Refused when the points are on one line."""
    a, b, c = ([Fraction(v) for v in p] for p in (a, b, c))
    m = Fraction(margin)
    if m < 0:
        raise MipRegionsError(f"the margin around the three points must be >= 0, got {margin}")
    try:
        return restrict(net, a, [[y - x for x, y in zip(a, b)], [y - x for x, y in zip(a, c)]], [-m, -m],
                        [1 + m, 1 + m], name=f"{net.name or 'network'} on the plane through three points")
    except MipRegionsError as exc:
        if "parallel" in str(exc):
            raise MipRegionsError("the three points lie on one line: they span no plane") from None
        raise


__all__ = ["restrict", "line", "plane", "plane_through"]

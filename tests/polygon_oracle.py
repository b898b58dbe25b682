"""An independent exact oracle for 1-D and 2-D networks (relu, identity, maxout): no LP, no engine
code. Cells are convex polygons with Fraction vertices, clipped by half-planes
(Sutherland-Hodgman); a cell is full-dimensional iff its area is positive.

Definitions (README, nets/activations.py): a relu unit is active where z > 0, inactive where
z <= 0 (identically zero: inactive); a maxout unit chooses the argument attaining the maximum,
the lowest index among arguments that tie (an argument identical to a lower one on a cell is
never chosen there). Activation regions: leaves with positive area. Affine maps: distinct output
maps of the leaves. Linear regions: leaves with the same map merged when they share an edge of
positive length, transitively (2-D), or touch (1-D, embedded as [lo, hi] x [0, 1]).

Only the network's exact weights (``rational_layers``), activations, ranks and domain are used.
"""

from __future__ import annotations

from fractions import Fraction as Q


def _clip(poly, a, c):
    """The part of the polygon (list of (x, y)) where a.x + c >= 0."""
    out = []
    n = len(poly)
    for k in range(n):
        p, q = poly[k], poly[(k + 1) % n]
        fp = a[0] * p[0] + a[1] * p[1] + c
        fq = a[0] * q[0] + a[1] * q[1] + c
        if fp >= 0:
            out.append(p)
        if (fp > 0 and fq < 0) or (fp < 0 and fq > 0):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    dedup = []
    for v in out:
        if not dedup or dedup[-1] != v:
            dedup.append(v)
    if len(dedup) > 1 and dedup[0] == dedup[-1]:
        dedup.pop()
    return dedup


def _area2(poly):
    n = len(poly)
    return sum(poly[k][0] * poly[(k + 1) % n][1] - poly[(k + 1) % n][0] * poly[k][1] for k in range(n))


def _affine(W, b, A, c):
    """Compose: rows of W applied to the map x -> A x + c (A: list of rows over 2 inputs)."""
    nA = [[sum((w * A[k][d] for k, w in enumerate(row)), Q(0)) for d in range(2)] for row in W]
    nc = [sum((w * c[k] for k, w in enumerate(row)), Q(0)) + bb for row, bb in zip(W, b)]
    return nA, nc


def leaves(net):
    """Every full-dimensional cell: list of (polygon, pattern tuple, output map (A, c))."""
    n0 = net.input_dim
    if n0 == 1:
        (lo,), (hi,) = net.exact_domain()
        lo2, hi2 = [lo, Q(0)], [hi, Q(1)]
    elif n0 == 2:
        lo2, hi2 = net.exact_domain()
    else:
        raise ValueError("the polygon oracle is for n0 <= 2")
    box = [(lo2[0], lo2[1]), (hi2[0], lo2[1]), (hi2[0], hi2[1]), (lo2[0], hi2[1])]
    rational = net.rational_layers()
    A0 = [[Q(1), Q(0)], [Q(0), Q(1)]][:n0]
    c0 = [Q(0)] * n0
    out = []

    def pad(W):
        return W if n0 == 2 else [list(row) for row in W]

    def layer(l, poly, A, c, pattern):
        W, b = rational[l]
        P, p = _affine(pad(W), b, A, c)
        layer_obj = net.layers[l]
        if l == len(net.layers) - 1:
            out.append((poly, tuple(pattern), (tuple(map(tuple, P)), tuple(p))))
            return
        if layer_obj.activation == "identity":
            layer(l + 1, poly, P, p, pattern)
            return
        k = layer_obj.rank if layer_obj.activation == "maxout" else 1
        units(l, 0, poly, P, p, k, [], [], pattern)

    def units(l, u, poly, P, p, k, hA, hc, pattern):
        if u * k == len(P):
            layer(l + 1, poly, hA, hc, pattern)
            return
        if k == 1:     # relu: arguments (z, 0) in that order
            args = [(P[u], p[u]), ([Q(0), Q(0)], Q(0))]
        else:
            args = [(P[u * k + j], p[u * k + j]) for j in range(k)]
        for j in range(len(args)):
            piece = poly
            for m in range(len(args)):
                if m == j:
                    continue
                a = [args[j][0][d] - args[m][0][d] for d in range(2)]
                cc = args[j][1] - args[m][1]
                if a == [0, 0] and cc == 0:
                    if m < j:
                        piece = []        # identical to a lower argument: never chosen
                        break
                    continue
                piece = _clip(piece, a, cc)
                if len(piece) < 3:
                    break
            if len(piece) < 3 or _area2(piece) <= 0:
                continue
            bit = (j == 0,) if k == 1 else tuple(m == j for m in range(k))
            layer_units = units
            layer_units(l, u + 1, piece, P, p, k, hA + [list(args[j][0])], hc + [args[j][1]],
                        pattern + list(bit))

    layer(0, box, A0, c0, [])
    return out


def _shares_edge(P1, P2):
    """Do two convex polygons share a segment of positive length?"""
    def edges(P):
        return [(P[k], P[(k + 1) % len(P)]) for k in range(len(P))]
    for (a, b) in edges(P1):
        d = (b[0] - a[0], b[1] - a[1])
        for (e, f) in edges(P2):
            cross1 = d[0] * (e[1] - a[1]) - d[1] * (e[0] - a[0])
            cross2 = d[0] * (f[1] - a[1]) - d[1] * (f[0] - a[0])
            if cross1 != 0 or cross2 != 0:
                continue
            # collinear: overlap of the parameter intervals along d
            dd = d[0] * d[0] + d[1] * d[1]
            t = sorted([(e[0] - a[0]) * d[0] + (e[1] - a[1]) * d[1],
                        (f[0] - a[0]) * d[0] + (f[1] - a[1]) * d[1]])
            if min(dd, t[1]) - max(Q(0), t[0]) > 0:
                return True
    return False


def _touches(P1, P2):
    """Do the closed convex polygons (counter-clockwise) meet?"""
    piece = list(P1)
    for k in range(len(P2)):
        p, q = P2[k], P2[(k + 1) % len(P2)]
        a = (-(q[1] - p[1]), q[0] - p[0])
        piece = _clip(piece, a, -(a[0] * p[0] + a[1] * p[1]))
        if not piece:
            return False
    return True


def counts(net, connectivity="touch"):
    """(activation regions, linear regions, distinct affine maps), exactly; linear regions merge
    same-map cells whose closures meet ('touch') or that share an edge ('facet')."""
    adjacent = _touches if connectivity == "touch" else _shares_edge
    cells = leaves(net)
    pats = {pat for _, pat, _ in cells}
    assert len(pats) == len(cells), "two cells with one pattern"
    maps = {}
    for k, (_, _, m) in enumerate(cells):
        maps.setdefault(m, []).append(k)
    parent = list(range(len(cells)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for group in maps.values():
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                i, j = group[x], group[y]
                if find(i) != find(j) and adjacent(cells[i][0], cells[j][0]):
                    parent[find(i)] = find(j)
    linear = len({find(i) for i in range(len(cells))})
    return len(cells), linear, len(maps)

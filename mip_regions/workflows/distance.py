"""Exact distances between two networks over their common box (issue 15, for n0 <= 2).

Both networks are enumerated exactly; on the intersection of a cell of A and a cell of B the
difference d = f_A - f_B is one affine map (exact rationals), so

* the sup norm ``max_x max_i |d_i(x)|`` is attained at a vertex of some intersection: every
  intersection is clipped exactly (intervals in 1-D, polygons in 2-D, Fraction vertices) and d
  is evaluated at its vertices;
* the L1 norm ``int sum_i |d_i(x)| dx`` is the sum over intersections of the integral of
  |d_i|: each piece is split at d_i = 0, and the integral of an affine function over an interval
  or a polygon is its length/area times its value at the centroid, exactly.

In 1-D and 2-D the intersections are found by clipping every cell of A with the rows of every
cell of B. For n0 >= 3 the sup comes from the **joint network**: A and B side by side (every
layer written as maxout of one rank K, relu as max(z, 0, ..), identity as max(z, z, ..), the
shorter net padded with identity layers), whose output is f_A - f_B. Its activation regions are
exactly the full-dimensional intersections of a cell of A with a cell of B. On each, the
maximum of +-d_i is an exact LP (exact_lp.max_margin with the objective as its one margin row,
shifted below the cap). The L1 norm is computed for n0 <= 2 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..analysis.geometry import clip_polygon
from ..analysis.linear_regions import affine_map
from ..engines.shared import pattern_constraints
from ..errors import MipRegionsError


@dataclass
class Distance:
    """The exact sup and/or L1 distance, where the sup is attained (argmax, output index)."""
    sup: Fraction | None
    argmax: list | None
    output: int | None
    l1: Fraction | None
    pieces: int


def _common_box(a, b):
    la, ua = a.exact_domain()
    lb, ub = b.exact_domain()
    lo = [max(x, y) for x, y in zip(la, lb)]
    hi = [min(x, y) for x, y in zip(ua, ub)]
    if any(l >= h for l, h in zip(lo, hi)):
        raise MipRegionsError("the two networks' boxes do not overlap in a full-dimensional box")
    return lo, hi


def _cells(net, lo, hi, time_limit):
    """(exact rows, exact map) of every activation region of ``net``."""
    from ..counting import count_regions
    res = count_regions(net, time_limit=time_limit, keep_regions=True)
    if not res.complete:
        raise MipRegionsError(f"the enumeration of {net.describe()} stopped ({res.stop_reason}): no exact "
                              "distance without every cell")
    out = []
    for r in res.regions:
        A, c, strict, _ = pattern_constraints(net, r.bits, exact=True)
        rows = [([Fraction(v) for v in A[k]], Fraction(c[k])) for k in range(len(c))
                if any(v != 0 for v in A[k])]
        G, g = affine_map(net, r.bits)
        out.append((rows, ([[Fraction(v) for v in row] for row in G], [Fraction(v) for v in g])))
    return out


def _clip(piece, rows, n0):
    """The piece (interval (l, h) or polygon) cut by rows a.x + c >= 0, or None when empty."""
    if n0 == 1:
        l, h = piece
        for a, c in rows:
            if a[0] == 0:          # a constant row: all or nothing
                if c < 0:
                    return None
                continue
            root = -c / a[0]
            l, h = (max(l, root), h) if a[0] > 0 else (l, min(h, root))
            if l > h:
                return None
        return (l, h)
    for a, c in rows:
        piece = clip_polygon(piece, a, c)
        if not piece:
            return None
    return piece


def _vertices(piece, n0):
    return [[piece[0]], [piece[1]]] if n0 == 1 else [list(p) for p in piece]


def _integral_abs(piece, d, c, n0):
    """int |d.x + c| over the piece, exactly."""
    def integral(part):
        if n0 == 1:
            l, h = part
            return (h - l) * (d[0] * (l + h) / 2 + c)
        area2 = sum(part[k][0] * part[(k + 1) % len(part)][1] - part[(k + 1) % len(part)][0] * part[k][1]
                    for k in range(len(part)))
        if area2 == 0:
            return Fraction(0)
        cx = sum((part[k][0] + part[(k + 1) % len(part)][0]) *
                 (part[k][0] * part[(k + 1) % len(part)][1] - part[(k + 1) % len(part)][0] * part[k][1])
                 for k in range(len(part))) / (3 * area2)
        cy = sum((part[k][1] + part[(k + 1) % len(part)][1]) *
                 (part[k][0] * part[(k + 1) % len(part)][1] - part[(k + 1) % len(part)][0] * part[k][1])
                 for k in range(len(part))) / (3 * area2)
        return abs(area2) / 2 * (d[0] * cx + d[1] * cy + c)
    total = Fraction(0)
    for sign in (1, -1):
        part = _clip(piece, [([sign * v for v in d], sign * c)], n0)
        if part is not None and (n0 == 2 or part[0] < part[1]) and (n0 == 1 or len(part) >= 3):
            total += sign * integral(part)
    return total


def distance(net_a, net_b, *, norm: str = "sup", time_limit=None) -> Distance:
    """The exact ``sup`` (or ``l1``, or ``both``) distance of the two networks' outputs over the
    intersection of their boxes (module docstring)."""
    if net_a.input_dim != net_b.input_dim:
        raise MipRegionsError(f"the networks have {net_a.input_dim} and {net_b.input_dim} inputs")
    if net_a.output_dim != net_b.output_dim:
        raise MipRegionsError(f"the networks have {net_a.output_dim} and {net_b.output_dim} outputs")
    n0 = net_a.input_dim
    if n0 > 2:
        if norm != "sup":
            raise MipRegionsError(f"the exact L1 distance is implemented for n0 <= 2 (these networks have n0 = {n0})")
        return _sup_joint(net_a, net_b, time_limit)
    lo, hi = _common_box(net_a, net_b)
    box = (lo[0], hi[0]) if n0 == 1 else [(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])]
    cells_a, cells_b = _cells(net_a, lo, hi, time_limit), _cells(net_b, lo, hi, time_limit)
    clipped_a = [(p, m) for rows, m in cells_a if (p := _clip(box, rows, n0)) is not None]
    best, argmax, out_ix, l1, pieces = None, None, None, Fraction(0), 0
    for pa, (Ga, ga) in clipped_a:
        for rows_b, (Gb, gb) in cells_b:
            piece = _clip(pa, rows_b, n0)
            if piece is None:
                continue
            pieces += 1
            for i in range(len(ga)):
                d = [x - y for x, y in zip(Ga[i], Gb[i])]
                c = ga[i] - gb[i]
                if norm in ("sup", "both"):
                    for v in _vertices(piece, n0):
                        val = abs(sum((dk * vk for dk, vk in zip(d, v)), c))
                        if best is None or val > best:
                            best, argmax, out_ix = val, v, i
                if norm in ("l1", "both"):
                    l1 += _integral_abs(piece, d, c, n0)
    return Distance(best if norm != "l1" else None, argmax if norm != "l1" else None,
                    out_ix if norm != "l1" else None, l1 if norm != "sup" else None, pieces)


def _as_maxout(layer, rows, bias, K):
    """A layer's exact rows as maxout of rank K: each unit's arguments, padded by repeating one
    (a repeated argument ties with it and is never chosen: no boundary, the same function)."""
    from fractions import Fraction as F
    W, b = [], []
    k = layer.rank if layer.activation == "maxout" else 1
    for u in range(layer.n_out):
        args = [(list(rows[u * k + j]), bias[u * k + j]) for j in range(k)]
        if layer.activation == "relu":
            args.append(([F(0)] * len(rows[0]), F(0)))
        while len(args) < K:
            args.append(args[-1] if layer.activation != "relu" else args[1])
        for a, c in args:
            W.append(a)
            b.append(c)
    return W, b


def joint_network(net_a, net_b):
    """The network x -> f_A(x) - f_B(x) whose activation regions are the full-dimensional
    intersections of the cells of A and B (module docstring), over the common box."""
    from fractions import Fraction as F
    from ..nets.network import network_from_lists

    def hidden(net):
        out = [(layer, W, b) for layer, (W, b) in zip(net.layers[:-1], net.rational_layers()[:-1])]
        return out, net.rational_layers()[-1]

    (ha, oa), (hb, ob) = hidden(net_a), hidden(net_b)
    K = max([2] + [l.rank for l, _, _ in ha + hb])

    def padded(hid, n0):
        from ..nets.network import Layer
        width = hid[-1][0].n_out if hid else n0
        eye = [[F(int(i == j)) for j in range(width)] for i in range(width)]
        ident = Layer.from_numbers(eye, [0] * width, "identity")
        return hid + [(ident, eye, [F(0)] * width)] * (depth - len(hid))

    depth = max(len(ha), len(hb), 1)
    n0 = net_a.input_dim
    ha, hb = padded(ha, n0), padded(hb, n0)
    layers, wa, wb = [], n0, n0
    for l, ((la, Wa, ba), (lb, Wb, bb)) in enumerate(zip(ha, hb)):
        Ra, ca = _as_maxout(la, Wa, ba, K)
        Rb, cb = _as_maxout(lb, Wb, bb, K)
        if l == 0:
            rows = Ra + Rb
        else:
            rows = [list(r) + [F(0)] * wb for r in Ra] + [[F(0)] * wa + list(r) for r in Rb]
        layers.append((rows, ca + cb, "maxout", K))
        wa, wb = la.n_out, lb.n_out
    (Oa, oba), (Ob, obb) = oa, ob
    out = [list(ra) + [-v for v in rb] for ra, rb in zip(Oa, Ob)]
    layers.append((out, [x - y for x, y in zip(oba, obb)], "identity"))
    lo, hi = _common_box(net_a, net_b)
    return network_from_lists(layers, lo, hi, name=f"{net_a.name or 'A'} - {net_b.name or 'B'}")


def _sup_joint(net_a, net_b, time_limit) -> Distance:
    """The exact sup distance for any n0: an exact LP per region of the joint network."""
    from ..counting import count_regions
    from ..engines.exact import ExactNet, max_margin, to_fraction
    joint = joint_network(net_a, net_b)
    res = count_regions(joint, time_limit=time_limit, keep_regions=True)
    if not res.complete:
        raise MipRegionsError(f"the enumeration of the joint network stopped ({res.stop_reason}): no exact "
                              "distance without every cell")
    ex = ExactNet(joint)
    lo, hi = joint.exact_domain()
    reach = [max(abs(a), abs(b)) for a, b in zip(lo, hi)]
    best, argmax, out_ix = None, None, None
    for r in res.regions:
        rows, why = ex.cell_rows(r.bits)
        G, g = affine_map(joint, r.bits)
        for i in range(len(g)):
            for sgn in (1, -1):
                a = [sgn * Fraction(v) for v in G[i]]
                c = sgn * Fraction(g[i])
                if all(v == 0 for v in a):
                    val, x = c, [Fraction(v) for v in r.witness]
                else:
                    s = max(abs(v) for v in a)
                    shift = sum(abs(v) * m for v, m in zip(a, reach)) + abs(c) + 1   # > a.x + c on the box
                    opt = max_margin(rows + [(a, c - shift)], lo, hi,
                                     margins=[False] * len(rows) + [True], box_margin=False)
                    val = s * to_fraction(opt.t) + shift        # max of a.x + c over the closed cell
                    x = [to_fraction(v) for v in opt.x]
                if best is None or val > best:
                    best, argmax, out_ix = val, x, i
    return Distance(best, argmax, out_ix, None, len(res.regions))


__all__ = ["Distance", "distance", "joint_network"]

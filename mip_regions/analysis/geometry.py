"""Exact or float geometry of cells in 1-D and 2-D: intervals and polygons clipped from the box."""

from __future__ import annotations

from fractions import Fraction

from ..engines.shared import pattern_constraints


def box_bounds(net, exact: bool):
    """Domain bounds as Fractions (exact) or floats."""
    if not exact:
        return [float(v) for v in net.domain.lower], [float(v) for v in net.domain.upper]
    if net.domain.is_exact:
        return list(net.domain.exact_lower), list(net.domain.exact_upper)
    return [Fraction(float(v)) for v in net.domain.lower], [Fraction(float(v)) for v in net.domain.upper]


def clip_polygon(poly, a, c):
    """Sutherland-Hodgman: the part of a convex polygon (list of 2-D points) with a.x + c >= 0.
    Exact when the points and (a, c) are Fractions."""
    out = []
    n = len(poly)
    for k in range(n):
        P, Q = poly[k], poly[(k + 1) % n]
        vP = a[0] * P[0] + a[1] * P[1] + c
        vQ = a[0] * Q[0] + a[1] * Q[1] + c
        if vP >= 0:
            out.append(P)
        if (vP > 0 and vQ < 0) or (vP < 0 and vQ > 0):
            s = vP / (vP - vQ)
            out.append((P[0] + s * (Q[0] - P[0]), P[1] + s * (Q[1] - P[1])))
    return out


def cell_polygon(net, bits, *, exact: bool = True):
    """Vertices of the closed 2-D cell of ``bits`` inside the box (empty list if it has no area)."""
    lo, hi = box_bounds(net, exact)
    A, c, strict, _ = pattern_constraints(net, bits, exact=exact)
    poly = [(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])]
    for k in range(len(c)):
        if A[k][0] == 0 and A[k][1] == 0 and c[k] == 0:
            if strict[k]:
                return []     # must be > 0 but is identically zero: no cell
            continue  # identically zero on the cell: no boundary
        poly = clip_polygon(poly, (A[k][0], A[k][1]), c[k])
        if len(poly) < 3:
            return []
    return poly


def polygon_area(poly):
    """Shoelace area (exact for Fraction vertices)."""
    n = len(poly)
    if n < 3:
        return 0
    twice = sum(poly[k][0] * poly[(k + 1) % n][1] - poly[(k + 1) % n][0] * poly[k][1] for k in range(n))
    return abs(twice) / 2


def cell_interval(net, bits, *, exact: bool = True):
    """(left, right) of the closed 1-D cell of ``bits`` inside the box; left >= right if empty."""
    lo, hi = box_bounds(net, exact)
    A, c, strict, _ = pattern_constraints(net, bits, exact=exact)
    left, right = lo[0], hi[0]
    for k in range(len(c)):
        a, b = A[k][0], c[k]
        if a == 0 and b == 0 and strict[k]:
            return hi[0], lo[0]
        root = Fraction(-b) / a if exact and a != 0 else (-b / a if a != 0 else None)
        if a > 0:
            left = max(left, root)
        elif a < 0:
            right = min(right, root)
        elif b < 0:
            return hi[0], lo[0]
    return left, right

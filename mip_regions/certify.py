"""Certificates for a count (``count --certify``), in exact rational arithmetic.

* Existence: every region's witness point, taken as the exact rational value of its float64
  coordinates, lies strictly inside the box, has the region's activation pattern, and every unit
  that is not identically zero on the cell is strictly away from 0 there. A point with all
  constraints strict proves the cell is full-dimensional (an open neighbourhood of it lies in
  the cell).
* Completeness: the exact volumes of the cells ``{x in box : s_i (a_i.x + c_i) >= 0}`` add up to
  the volume of the box (n0 = 1: interval lengths; n0 = 2: areas of the cells clipped exactly
  from the box polygon). Cells with distinct patterns have disjoint interiors, so a missing
  region shows up as a deficit. For n0 > 2 this check is not run (stated in the report).

A failed check raises :class:`CertificationError`; it is an error, not a warning.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .cells import affine_preactivations, relu_rows
from .errors import MipRegionsError
from .network import Network
from .result import CountResult


class CertificationError(MipRegionsError):
    """A certificate check failed: the count is not proven."""


def _box(net: Network):
    if net.domain.is_exact:
        return list(net.domain.exact_lower), list(net.domain.exact_upper)
    return [Fraction(float(v)) for v in net.domain.lower], [Fraction(float(v)) for v in net.domain.upper]


def check_witness(net: Network, bits, witness) -> str | None:
    """None if the witness proves the region exists, else the reason it does not."""
    lo, hi = _box(net)
    x = [Fraction(float(v)) for v in witness]
    if not all(l < v < u for l, v, u in zip(lo, x, hi)):
        return "witness not strictly inside the domain"
    pres = net.exact_preactivations(x)
    relu = [v for l, layer in enumerate(net.layers) if layer.activation == "relu" for v in pres[l]]
    zeros = [k for k, v in enumerate(relu) if v == 0]
    if zeros:
        A, c = relu_rows(net, affine_preactivations(net, bits, exact=True))
        for k in zeros:
            if any(v != 0 for v in A[k]) or c[k] != 0:
                return f"ReLU unit {k} is exactly 0 at the witness but not identically zero on the cell"
            if bits[k]:
                return f"ReLU unit {k} is identically zero on the cell but marked active"
    for k, v in enumerate(relu):
        if v != 0 and (v > 0) != bool(bits[k]):
            return f"ReLU unit {k} has the wrong sign at the witness"
    return None


def _clip(poly, a, c):
    """Sutherland-Hodgman: the part of a convex polygon (list of 2-D Fraction points) with a.x + c >= 0."""
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


def cell_volume(net: Network, bits) -> Fraction:
    """Exact length (n0 = 1) or area (n0 = 2) of the closed cell of ``bits`` in the box."""
    lo, hi = _box(net)
    A, c = relu_rows(net, affine_preactivations(net, bits, exact=True))
    signs = [1 if b else -1 for b in bits]
    if net.input_dim == 1:
        left, right = lo[0], hi[0]
        for k in range(len(c)):
            a, s = A[k][0] * signs[k], c[k] * signs[k]
            if a > 0:
                left = max(left, -s / a)
            elif a < 0:
                right = min(right, -s / a)
            elif s < 0:
                return Fraction(0)
        return max(right - left, Fraction(0))
    poly = [(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])]
    for k in range(len(c)):
        if A[k][0] == 0 and A[k][1] == 0 and c[k] == 0:
            continue
        poly = _clip(poly, (A[k][0] * signs[k], A[k][1] * signs[k]), c[k] * signs[k])
        if len(poly) < 3:
            return Fraction(0)
    area = sum((poly[k][0] * poly[(k + 1) % len(poly)][1] - poly[(k + 1) % len(poly)][0] * poly[k][1]
                for k in range(len(poly))), start=Fraction(0))
    return abs(area) / 2


def certify(net: Network, result: CountResult) -> dict:
    """Run the checks on a complete result with regions in memory; returns {check: outcome}."""
    if result.regions is None:
        raise CertificationError("certification needs the regions in memory")
    if not result.complete:
        raise CertificationError("the run did not complete; a lower bound cannot be certified as a count")
    checks = {}
    bad = []
    for k, reg in enumerate(result.regions):
        why = check_witness(net, reg.bits, reg.witness)
        if why:
            bad.append(f"region {k} ({net.pattern_text(reg.bits)}): {why}")
    if bad:
        raise CertificationError(f"existence check failed for {len(bad)} region(s); first: {bad[0]}")
    keys = {np.packbits(r.bits).tobytes() for r in result.regions}
    if len(keys) != len(result.regions):
        raise CertificationError("two regions have the same activation pattern")
    checks["existence"] = (f"passed: {len(result.regions)} witnesses checked in exact rational arithmetic "
                           "(strictly inside the box, pattern matches, no unit at 0)")
    if net.input_dim <= 2:
        lo, hi = _box(net)
        box_vol = (hi[0] - lo[0]) * ((hi[1] - lo[1]) if net.input_dim == 2 else 1)
        total = sum((cell_volume(net, r.bits) for r in result.regions), start=Fraction(0))
        if total != box_vol:
            raise CertificationError(f"completeness check failed: the cells' volumes add up to {total} "
                                     f"= {float(total):.12g}, the domain's volume is {box_vol}; "
                                     f"deficit {box_vol - total}")
        checks["completeness"] = f"passed: cell volumes add up exactly to the domain's volume {box_vol}"
    else:
        checks["completeness"] = f"not run (exact volumes are implemented for n0 <= 2; n0 = {net.input_dim})"
    return checks

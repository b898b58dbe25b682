"""Certificates for a count (``count --certify``), in exact rational arithmetic.

* Existence: every region's witness point, taken as the exact rational value of its float64
  coordinates, lies strictly inside the box, has the region's activation pattern, and every unit
  that is not identically zero on the cell is strictly away from 0 there. A point with all
  constraints strict proves the cell is full-dimensional (an open neighbourhood of it lies in
  the cell).
* Completeness: the exact volumes of the cells ``{x in box : s_i (a_i.x + c_i) >= 0}`` add up to
  the volume of the box (n0 = 1: interval lengths; n0 = 2: areas of the cells clipped exactly
  from the box polygon). Cells with distinct patterns have disjoint interiors, so a missing
  region shows up as a deficit. For n0 > 2 the volumes are computed in float64 by qhull (scipy,
  optional) and must agree within a stated relative tolerance.

A failed check raises :class:`CertificationError`; it is an error, not a warning.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..engines.cells import affine_preactivations, relu_rows
from ..errors import MipRegionsError
from .geometry import box_bounds, cell_interval, cell_polygon, polygon_area
from ..nets.network import Network
from ..result import CountResult


class CertificationError(MipRegionsError):
    """A certificate check failed: the count is not proven."""


def check_witness(net: Network, bits, witness) -> str | None:
    """None if the witness proves the region exists, else the reason it does not."""
    lo, hi = box_bounds(net, True)
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


def cell_volume(net: Network, bits) -> Fraction:
    """Exact length (n0 = 1) or area (n0 = 2) of the closed cell of ``bits`` in the box."""
    if net.input_dim == 1:
        left, right = cell_interval(net, bits, exact=True)
        return max(right - left, Fraction(0))
    return Fraction(polygon_area(cell_polygon(net, bits, exact=True)))


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
        lo, hi = box_bounds(net, True)
        box_vol = (hi[0] - lo[0]) * ((hi[1] - lo[1]) if net.input_dim == 2 else 1)
        total = sum((cell_volume(net, r.bits) for r in result.regions), start=Fraction(0))
        if total != box_vol:
            raise CertificationError(f"completeness check failed: the cells' volumes add up to {total} "
                                     f"= {float(total):.12g}, the domain's volume is {box_vol}; "
                                     f"deficit {box_vol - total}")
        checks["completeness"] = f"passed: cell volumes add up exactly to the domain's volume {box_vol}"
    else:
        checks["completeness"] = float_completeness(net, result.regions)
    return checks


VOLUME_RTOL = 1e-6


def float_completeness(net: Network, regions) -> str:
    """n0 > 2: cell volumes by qhull (scipy's HalfspaceIntersection + ConvexHull, float64) must add
    up to the box volume within relative VOLUME_RTOL; raises CertificationError on a deficit."""
    try:
        from scipy.spatial import ConvexHull, HalfspaceIntersection
    except ImportError:
        return "not run (volumes in n0 > 2 need scipy: pip install scipy)"
    from ..engines.cells import cell_constraints
    lo, hi = net.domain.lower, net.domain.upper
    n0 = net.input_dim
    box = np.vstack([np.hstack([np.eye(n0), -hi[:, None]]), np.hstack([-np.eye(n0), lo[:, None]])])
    total = 0.0
    for k, reg in enumerate(regions):
        A, c, s, _ = cell_constraints(net, reg.bits)
        live = np.linalg.norm(A, axis=1) > 0
        halfspaces = np.vstack([np.hstack([-(s[live, None] * A[live]), -(s[live] * c[live])[:, None]]), box])
        try:
            verts = HalfspaceIntersection(halfspaces, np.asarray(reg.witness, float)).intersections
            total += ConvexHull(verts).volume
        except Exception as exc:  # qhull errors on numerically degenerate cells
            return f"not decided: qhull failed on region {k} ({type(exc).__name__})"
    box_vol = float(np.prod(hi - lo))
    rel = abs(total - box_vol) / box_vol
    if rel > VOLUME_RTOL:
        raise CertificationError(f"completeness check failed: the cells' volumes add up to {total:.12g}, the "
                                 f"domain's volume is {box_vol:.12g} (relative deficit {rel:.2e} > {VOLUME_RTOL:g})")
    return (f"passed: cell volumes add up to the domain's volume {box_vol:.12g} within relative "
            f"{VOLUME_RTOL:g} (float64, qhull; difference {rel:.1e})")

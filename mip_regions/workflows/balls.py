"""Regions in small balls around data points: the "local complexity" of Humayun, Balestriero &
Baraniuk (2024), counted exactly (issue 29, item 3).

For each point x (a row of X) and radius r, the L-infinity ball ``[x - r, x + r]`` intersected with
the network's domain is a box; its activation regions are counted exactly by the pipeline
(counting.count_regions, each count with its own time limit; a count that stops is a labelled
lower bound). The box is computed in exact arithmetic: x and r are the binary rationals of their
float64 values, so the ball is the one asked for, not its rounding. Several radii give the curve
regions(r) of each point.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import MipRegionsError
from ..nets.network import Network, with_domain


@dataclass
class BallCount:
    """One point and radius: the count over the ball within the domain."""

    point: int
    radius: float
    activation_regions: int
    complete: bool
    method: str
    seconds: float

    def to_row(self) -> dict:
        return {"point": self.point, "radius": self.radius, "activation_regions": self.activation_regions,
                "count_is": "exact" if self.complete else "lower bound", "method": self.method,
                "seconds": round(self.seconds, 3)}


def ball_box(net: Network, x, r: float) -> tuple[list[Fraction], list[Fraction]]:
    """The box ``[x - r, x + r] ∩ domain`` in exact arithmetic; an error when it has no interior
    (a point outside the domain, or a radius <= 0)."""
    if not (np.isfinite(r) and r > 0):
        raise MipRegionsError(f"--radius must be positive and finite, got {r}")
    lo, hi = net.exact_domain()
    R = Fraction(float(r))
    blo, bhi = [], []
    for j, v in enumerate(x):
        c = Fraction(float(v))
        a, b = max(lo[j], c - R), min(hi[j], c + R)
        if not a < b:
            raise MipRegionsError(f"the ball of radius {r} around coordinate {j} = {float(v)} does not meet the "
                                  f"domain [{float(lo[j])}, {float(hi[j])}] in an interval")
        blo.append(a)
        bhi.append(b)
    return blo, bhi


def ball_counts(net: Network, X, radii, *, method: str = "auto", time_limit: float | None = None,
                progress=None) -> list[BallCount]:
    """Counts over ``[x - r, x + r] ∩ domain`` for every row x of X and every radius r
    (module docstring); ``progress(done, total, row)`` after each count."""
    from ..counting import count_regions
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != net.input_dim:
        raise MipRegionsError(f"--around: expected points with {net.input_dim} coordinates, got shape {X.shape}")
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if len(bad):
        raise MipRegionsError(f"--around: row {bad[0]} has a NaN or infinite coordinate")
    out, total = [], len(X) * len(radii)
    for i, x in enumerate(X):
        for r in radii:
            lo, hi = ball_box(net, x, r)
            t0 = time.perf_counter()
            res = count_regions(with_domain(net, lo, hi), method, time_limit=time_limit, keep_regions=False,
                                progress=False)
            row = BallCount(i, float(r), res.activation_regions, res.complete, res.method, time.perf_counter() - t0)
            out.append(row)
            if progress is not None:
                progress(len(out), total, row)
    return out


def summary(rows: list[BallCount]) -> list[dict]:
    """Per radius: points, mean and median regions, min-max, how many counts are exact."""
    out = []
    for r in sorted({b.radius for b in rows}):
        vals = [b.activation_regions for b in rows if b.radius == r]
        exact = sum(b.complete for b in rows if b.radius == r)
        out.append({"radius": r, "points": len(vals), "mean": float(np.mean(vals)), "median": float(np.median(vals)),
                    "min": min(vals), "max": max(vals), "exact": exact,
                    "mean_is": "exact" if exact == len(vals) else "lower bound"})
    return out

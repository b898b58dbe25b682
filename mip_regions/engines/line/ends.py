"""The ends of a piece of the line: a float with a rigorous error radius, and the exact rational
behind it, computed only when a decision needs it.

An end is either a bound of the box (exact as written) or a breakpoint: the root -g/s of a
comparison s t + g of some layer on some piece. Its float value v and radius r satisfy
|v - v*| <= r for the exact root v*; the exact root is recomputed on demand from the exact
network (``resolve``: a callable returning an fmpq), and then kept.
"""

from __future__ import annotations

import math
from fractions import Fraction

from flint import fmpq

U = 2.0 ** -53           # unit roundoff of float64 (round to nearest)
ETA = 2.0 ** -1074       # the smallest subnormal: the absolute error of an underflowing operation


class End:
    """One end of a piece (module docstring)."""

    __slots__ = ("value", "rad", "_exact", "_resolve")

    def __init__(self, value: float, rad: float, exact=None, resolve=None):
        self.value = value
        self.rad = rad
        self._exact = exact
        self._resolve = resolve

    @classmethod
    def of_exact(cls, q) -> "End":
        """An end at a known rational q: the nearest float and the exact distance to it (rounded
        up), so that |value - q| <= rad."""
        q = q if isinstance(q, fmpq) else fmpq(Fraction(q).numerator, Fraction(q).denominator)
        v = float(Fraction(int(q.p), int(q.q)))
        d = abs(q - fmpq(*v.as_integer_ratio()))
        rad = 0.0 if d == 0 else float(Fraction(int(d.p), int(d.q))) * (1 + 4 * U) + ETA
        return cls(v, rad, exact=q)

    def exact(self) -> fmpq:
        """The exact value (computed once)."""
        if self._exact is None:
            self._exact = self._resolve()
            self._resolve = None
        return self._exact

    @property
    def lo(self) -> float:
        return self.value - self.rad

    @property
    def hi(self) -> float:
        return self.value + self.rad

    def __repr__(self) -> str:
        return f"End({self.value!r} +- {self.rad!r})"


def upper(v: float, r: float) -> float:
    """A float >= v + r (exact sum), by one ulp of slack after the rounded sum."""
    return math.nextafter(v + r, math.inf) if r else v


def lower(v: float, r: float) -> float:
    """A float <= v - r (exact difference)."""
    return math.nextafter(v - r, -math.inf) if r else v


def witness(left: End, right: End) -> tuple[float, float, Fraction | None]:
    """(w, margin, exact) for a piece: a float w strictly inside (left*, right*) whenever the
    error intervals of the two ends leave room for one (then exact is None and margin is the
    distance from w to the nearer interval), else the exact midpoint (w its float value, margin
    half the exact length as a float)."""
    lo, hi = upper(left.value, left.rad), lower(right.value, right.rad)
    if lo < hi:
        w = lo + (hi - lo) / 2
        if lo < w < hi:
            return w, min(w - lo, hi - w), None
    a, b = left.exact(), right.exact()
    mid = Fraction(int(((a + b) / 2).p), int(((a + b) / 2).q))
    half = (b - a) / 2
    return float(mid), float(Fraction(int(half.p), int(half.q))), mid


__all__ = ["End", "witness", "upper", "lower", "U", "ETA"]

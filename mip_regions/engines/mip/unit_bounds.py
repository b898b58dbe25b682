"""Exact pre-activation bounds [L, U] of every unit over the domain, and the per-unit scaling that
makes the big-M MIP scale-invariant.

Interval arithmetic (REFERENCE.md §6.5): with ``h^{l-1}`` in ``[lo, hi]``,
``L_i = W+_i lo + W-_i hi + b_i`` and ``U_i = W+_i hi + W-_i lo + b_i`` (W+ = max(W,0),
W- = min(W,0)); ReLU units pass on ``[max(L,0), max(U,0)]``, identity units ``[L, U]``.
The bounds are computed exactly, on the network's exact value (a float is its binary rational),
so stability decisions (``U <= 0`` stably inactive, ``L > 0`` stably active) are exact and a
big-M taken from them never cuts off a reachable point.

Normalisation (:func:`normalised_layers`): unit i of layer l is divided by
``s_i = max(|L_i|, |U_i|)`` and the next layer's column i multiplied by it,

    W'^l = diag(1/s^l) W^l diag(s^{l-1}),   b'^l = b^l / s^l   (s^0 = 1 for the inputs),

which changes no activation pattern (a ReLU commutes with a positive scale) and puts every
pre-activation in [-1, 1]. The MIP's absolute tolerances (about 1e-6 to 1e-9) are then relative
to each unit's own range, so rescaling a layer by 1e-8 or adding a unit with bias 1e15 changes
nothing. Float bounds of the normalised units are rounded outward from the exact ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ...nets.network import Network


def exact_interval_bounds(net: Network) -> list[tuple[list[Fraction], list[Fraction]]]:
    """Interval bounds of every layer's pre-activations, exactly (module docstring)."""
    lo, hi = net.exact_domain()
    out = []
    zero = Fraction(0)
    for layer, (EW, Eb) in zip(net.layers, net.rational_layers()):
        L, U = [], []
        for row, b in zip(EW, Eb):
            L.append(b + sum((w * (lo[k] if w > 0 else hi[k]) for k, w in enumerate(row) if w), start=zero))
            U.append(b + sum((w * (hi[k] if w > 0 else lo[k]) for k, w in enumerate(row) if w), start=zero))
        out.append((L, U))
        lo, hi = layer.act.bounds(L, U)
    return out


def _float(q: Fraction) -> float:
    """float(q), or +-inf beyond float64's range (a bound of a network with weights near 1e308)."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def _down(q: Fraction) -> float:
    f = _float(q)
    return f if math.isinf(f) or Fraction(f) <= q else math.nextafter(f, -math.inf)


def _up(q: Fraction) -> float:
    f = _float(q)
    return f if math.isinf(f) or Fraction(f) >= q else math.nextafter(f, math.inf)


@dataclass
class NormalisedLayer:
    """One hidden layer of the normalised network (float64): weights, bias, the outward-rounded
    bounds [L, U] of its normalised pre-activations, and the exact stability of each unit."""
    weights: np.ndarray
    bias: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    stably_off: np.ndarray     # exact U <= 0 (relu units); maxout rows: never the maximum
    stably_on: np.ndarray      # exact L > 0 (relu units)
    scale: np.ndarray          # s_i (per row; the rows of one maxout unit share it)


def normalised_layers(net: Network) -> list[NormalisedLayer]:
    """The hidden layers with every unit scaled to the range [-1, 1] (module docstring)."""
    bounds = exact_interval_bounds(net)
    out = []
    prev = np.ones(net.input_dim)
    for layer, (EW, Eb), (L, U) in zip(net.layers[:-1], net.rational_layers(), bounds):
        sf = np.array([_up(max(abs(a), abs(b))) for a, b in zip(L, U)])
        if layer.rank > 1:     # one scale per maxout unit: max commutes with a common positive scale
            sf = np.repeat(sf.reshape(-1, layer.rank).max(axis=1), layer.rank)
        sf[sf == 0] = 1.0      # an identically-zero unit, or a scale below the float range
        sf[np.isinf(sf)] = np.finfo(float).max   # beyond the float range: the largest float
        s = [Fraction(v) for v in sf]          # the scale used, exactly
        pf = [Fraction(v) for v in prev]
        W = np.array([[float(w * p / v) for w, p in zip(row, pf)] for row, v in zip(EW, s)],
                     dtype=float).reshape(len(EW), -1)
        b = np.array([float(bb / v) for bb, v in zip(Eb, s)])
        if layer.rank > 1:
            off, on = np.array(layer.act.never_chosen(L, U), dtype=bool), np.zeros(len(L), dtype=bool)
        else:
            off, on = np.array([a <= 0 for a in U], dtype=bool), np.array([a > 0 for a in L], dtype=bool)
        out.append(NormalisedLayer(
            W, b, np.array([_down(a / v) for a, v in zip(L, s)]), np.array([_up(a / v) for a, v in zip(U, s)]),
            off, on, sf))
        prev = sf[:: layer.rank]
    return out

"""Exact pre-activation bounds [L, U] of every unit over the domain, by interval arithmetic.

REFERENCE.md §6.5: with ``h^{l-1}`` in ``[lo, hi]``,
``L_i = W+_i lo + W-_i hi + b_i`` and ``U_i = W+_i hi + W-_i lo + b_i`` (W+ = max(W,0),
W- = min(W,0)); ReLU units pass on ``[max(L,0), max(U,0)]``, identity units ``[L, U]``.
For rational networks the bounds are computed exactly (Fractions), so that stability decisions
(``U <= 0`` stably inactive, ``L > 0`` stably active) are exact. The float propagation, which
also uses LP-tightened bounds, lives in the big-M model builder (bigm_model.py).
"""

from __future__ import annotations

from fractions import Fraction

from ..nets.network import Network


def exact_interval_bounds(net: Network) -> list[tuple[list[Fraction], list[Fraction]]]:
    """The same propagation in exact rational arithmetic (rational networks only)."""
    lo, hi = list(net.domain.exact_lower), list(net.domain.exact_upper)
    out = []
    zero = Fraction(0)
    for layer in net.layers:
        L, U = [], []
        for row, b in zip(layer.exact_weights, layer.exact_bias):
            L.append(b + sum((w * (lo[k] if w > 0 else hi[k]) for k, w in enumerate(row) if w), start=zero))
            U.append(b + sum((w * (hi[k] if w > 0 else lo[k]) for k, w in enumerate(row) if w), start=zero))
        out.append((L, U))
        if layer.activation == "relu":
            lo, hi = [max(v, zero) for v in L], [max(v, zero) for v in U]
        else:
            lo, hi = L, U
    return out

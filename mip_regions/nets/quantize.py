"""Quantize a network's weights (issue 15): every quantized value is an exact rational, so the
quantized network is counted exactly like any other.

* ``bits`` n >= 2: uniform symmetric levels k s, |k| <= 2^(n-1) - 1, one scale per layer,
  s = max |w| / (2^(n-1) - 1); w -> round(w / s) s (ties away from zero).
* ``ternary``: TWN (Li & Liu 2016): threshold Delta = 0.7 mean |w| per layer, alpha = the mean of
  the |w| above it; w -> alpha sign(w) where |w| > Delta, else 0.
* ``levels`` lambda >= 2: lambda equally spaced values symmetric about 0, the outermost at
  +-max |w| (odd lambda includes 0, even lambda does not); w -> the nearest one.

Biases are kept unless ``biases=True`` (then they are quantized with the layer's weights' levels).
"""

from __future__ import annotations

from fractions import Fraction

from .network import Layer, Network


def _round_half_away(q: Fraction) -> int:
    n = abs(q)
    k = int(n + Fraction(1, 2)) if (n - int(n)) != Fraction(1, 2) else int(n) + 1
    return k if q >= 0 else -k


def _quantizer(values: list[Fraction], method: str, param):
    """A function w -> Q(w) for the weights ``values`` of one layer."""
    top = max((abs(v) for v in values), default=Fraction(0))
    if top == 0:
        return lambda w: Fraction(0) if method == "ternary" else w
    if method == "bits":
        kmax = 2 ** (param - 1) - 1
        s = top / kmax
        return lambda w: max(-kmax, min(kmax, _round_half_away(w / s))) * s
    if method == "ternary":
        delta = Fraction(7, 10) * sum(abs(v) for v in values) / len(values)
        kept = [abs(v) for v in values if abs(v) > delta]
        alpha = sum(kept) / len(kept) if kept else Fraction(0)
        return lambda w: (alpha if w > 0 else -alpha) if abs(w) > delta else Fraction(0)
    lam = param
    step = 2 * top / (lam - 1)                      # levels -top, -top + step, ..., top
    levels = [-top + j * step for j in range(lam)]
    return lambda w: min(levels, key=lambda v: (abs(v - w), v))


def quantize(net: Network, method: str, param=None, *, biases: bool = False) -> Network:
    """The network with each layer's weights (and biases if asked) quantized (module docstring)."""
    if method == "bits" and (not isinstance(param, int) or param < 2):
        raise ValueError("bits must be an integer >= 2")
    if method == "levels" and (not isinstance(param, int) or param < 2):
        raise ValueError("levels must be an integer >= 2")
    if method not in ("bits", "ternary", "levels"):
        raise ValueError(f"unknown quantization {method!r}")
    layers = []
    for layer, (EW, Eb) in zip(net.layers, net.rational_layers()):
        flat = [v for row in EW for v in row]
        Q = _quantizer(flat, method, param)
        W = [[Q(v) for v in row] for row in EW]
        b = [Q(v) for v in Eb] if biases else list(Eb)
        layers.append(Layer.from_numbers(W, b, layer.activation, rank=layer.rank if layer.rank > 1 else None))
    label = {"bits": f"{param}-bit", "ternary": "ternary (TWN)", "levels": f"{param} levels"}[method]
    return Network(layers, net.domain, f"{net.name or 'network'} quantized {label}")


__all__ = ["quantize"]

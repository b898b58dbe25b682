"""The activations the ONNX reader builds from several units (io/onnx_graph.py): slopes (LeakyRelu,
PRelu, Abs) as rank-2 maxout with a sign, and Clip (ReLU6, Hardtanh) as two relu units per element.
Each function takes the :class:`~mip_regions.io.onnx_graph.Tracer` and returns the layer's output
as an exact affine tensor (io/onnx_affine.py)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from . import onnx_affine as A

UNBOUNDED = 3.0e38      # a Clip bound at least this large (float32's lowest/highest, or inf) is no bound


def slope_units(tr, x, slopes, where):
    """z -> z for z > 0, a z below (per element a): max(z, a z) when a <= 1, and min(z, a z) =
    -max(-z, -a z) when a > 1, one rank-2 maxout unit each (its pieces: which argument is
    the larger); the layer's output is then multiplied by the sign (+1 or -1)."""
    W, b = x.rows()
    sign = np.array([Fraction(1) if a <= 1 else Fraction(-1) for a in slopes], dtype=object)
    W2 = np.empty((2 * len(b), x.n_in), dtype=object)
    b2 = np.empty(2 * len(b), dtype=object)
    W2[0::2], b2[0::2] = W * sign[:, None], b * sign
    W2[1::2], b2[1::2] = W * (sign * slopes)[:, None], b * sign * slopes
    h = tr.emit(W2, b2, "maxout", 2, x.shape, where)     # the next layer's input (a selection)
    if all(v == 1 for v in sign):
        return h
    tr.pending.append("sign of the min units")
    return h.affine(mul=sign.reshape(x.shape))           # exact, elementwise (io/onnx_sparse.py)


def clip(tr, x, ins, at, where):
    """Clip(z, lo, hi) = lo + relu(z - lo) - relu(z - hi) (ReLU6: lo = 0, hi = 6; Hardtanh:
    -1, 1): two relu units per element, whose three patterns (0,0), (1,0), (1,1) are the
    three pieces; with one bound, one unit: lo + relu(z - lo), or hi - relu(hi - z)."""
    def bound(k, name):
        v = ins[k] if len(ins) > k and ins[k] is not None else at.get(name)
        if v is None:
            return None
        v = np.asarray(tr.const(v, where, f"the {name} bound") if not isinstance(v, float) else v)
        if v.size != 1:
            tr.err(where, f"the {name} bound must be a scalar, got shape {v.shape}")
        v = float(v.reshape(-1)[0])
        if np.isnan(v):
            tr.err(where, f"the {name} bound is NaN")
        return None if abs(v) >= UNBOUNDED else Fraction(v)
    lo, hi = bound(1, "min"), bound(2, "max")
    if lo is not None and hi is not None and lo > hi:
        tr.err(where, f"min {float(lo)} is above max {float(hi)}")
    W, b = x.rows()
    if lo is None and hi is None:
        tr.pending.append(where.split(" ", 2)[2] + " without bounds")
        return x
    if hi is None:        # the emitted layer's output, shifted elementwise (a selection, io/onnx_sparse.py)
        return tr.emit(W, b - lo, "relu", None, x.shape, where).affine(add=np.array(lo, dtype=object))
    if lo is None:
        return tr.emit(-W, hi - b, "relu", None, x.shape, where).affine(
            mul=np.array(Fraction(-1), dtype=object), add=np.array(hi, dtype=object))
    n = len(b)
    W2 = np.empty((2 * n, x.n_in), dtype=object)
    b2 = np.empty(2 * n, dtype=object)
    W2[0::2], W2[1::2], b2[0::2], b2[1::2] = W, W, b - lo, b - hi
    h = tr.emit(W2, b2, "relu", None, tuple(x.shape) + (2,), where).dense()
    first = A.Affine(h.T[..., 0, :], h.c[..., 0], h.base)
    second = A.Affine(h.T[..., 1, :], h.c[..., 1], h.base)
    return A.add_const(A.add(first, second, -1), np.array(lo))

"""A layer's exact weights as python-flint matrices, converted once per layer and kept: the exact
products of the line and slice restrictions (restrict.py) and the exact fallback of the 1-D
engine run as one ``fmpq_mat`` product in C instead of a Python loop of Fractions.

The values are the network's exact ones (nets/network.py): a rational layer's written numbers,
or the dyadic rational each float64 is (``float.as_integer_ratio``, exact). The cache is keyed
weakly by the Layer object, so it goes with the network, and nothing of it is pickled with a
network sent to a worker (flint matrices do not pickle).
"""

from __future__ import annotations

import math
import weakref
from fractions import Fraction

from flint import fmpq, fmpq_mat

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def to_fmpq(v) -> fmpq:
    """The exact fmpq of an int, a float (its binary value), a Fraction or an fmpq."""
    if isinstance(v, fmpq):
        return v
    if isinstance(v, int):
        return fmpq(v)
    if isinstance(v, float):
        return fmpq(*v.as_integer_ratio())
    f = Fraction(v)
    return fmpq(f.numerator, f.denominator)


def column(values) -> fmpq_mat:
    """An exact column vector (n x 1)."""
    vals = [to_fmpq(v) for v in values]
    return fmpq_mat(len(vals), 1, vals)


def layer_fmpq(layer) -> tuple[fmpq_mat, fmpq_mat]:
    """(W, b) of one layer as exact ``fmpq_mat`` (b a column), cached per layer."""
    hit = _CACHE.get(layer)
    if hit is None:
        if layer.is_exact:
            w = [to_fmpq(v) for row in layer.exact_weights for v in row]
            b = [to_fmpq(v) for v in layer.exact_bias]
        else:
            W = layer.weights.toarray() if hasattr(layer.weights, "tocsr") else layer.weights
            w = [fmpq(*v.as_integer_ratio()) for v in W.ravel().tolist()]
            b = [fmpq(*v.as_integer_ratio()) for v in layer.bias.tolist()]
        rows, cols = layer.weights.shape
        hit = (fmpq_mat(rows, cols, w), fmpq_mat(rows, 1, b))
        _CACHE[layer] = hit
    return hit


def exact_product(layer, columns, bias: bool = False) -> list[list[Fraction]]:
    """``W @ V`` exactly (``W @ V + b 1^T`` with ``bias``), one row per row of W and one entry per
    column of V (``columns``: k lists of n_in exact numbers). Dense layers: one fmpq_mat product
    (and sum). Sparse layers (a
    convolution, io/onnx_sparse.py): every float weight is an integer times a power of two, and
    every column a list of integers over one common denominator, so each row is a sum of integer
    products (numpy object arrays, one pass over the nonzeros) over one known denominator."""
    if not hasattr(layer.weights, "tocsr"):
        W, b = layer_fmpq(layer)
        n, k = layer.n_in, len(columns)
        V = fmpq_mat(n, k, [to_fmpq(columns[j][i]) for i in range(n) for j in range(k)])
        Y = W * V
        if bias:
            Y = Y + b * fmpq_mat(1, k, [fmpq(1)] * k)
        return [[to_fraction(Y[r, j]) for j in range(k)] for r in range(Y.nrows())]
    import numpy as np
    W = layer.weights.tocsr()
    mant, exp = np.frexp(W.data)
    mant = (mant * 2.0 ** 53).astype(np.int64)
    exp = exp.astype(np.int64) - 53
    low = int(exp.min()) if exp.size else 0
    w_int = mant.astype(object) * (np.full(exp.size, 2, dtype=object) ** (exp - low).astype(object))
    starts = W.indptr[:-1]
    filled = np.diff(W.indptr) > 0
    out = [[Fraction(0)] * len(columns) for _ in range(W.shape[0])]
    for j, col in enumerate(columns):
        col = [Fraction(v) for v in col]
        den = math.lcm(*(v.denominator for v in col)) if col else 1
        v_int = np.array([v.numerator * (den // v.denominator) for v in col], dtype=object)
        prods = w_int * v_int[W.indices]
        sums = np.zeros(W.shape[0], dtype=object)
        if prods.size:
            sums[filled] = np.add.reduceat(prods, starts[filled])
        scale = Fraction(2) ** low / den
        for r in range(W.shape[0]):
            out[r][j] = sums[r] * scale
    if bias:                                 # b exactly, without a dense fmpq copy of W
        for r, br in enumerate(layer.exact_bias if layer.is_exact else
                               [Fraction(float(v)) for v in layer.bias]):
            for j in range(len(columns)):
                out[r][j] += br
    return out


def to_fraction(v) -> Fraction:
    """A Fraction from an fmpq (or anything Fraction accepts)."""
    if isinstance(v, fmpq):
        return Fraction(int(v.p), int(v.q))
    return Fraction(v)


__all__ = ["to_fmpq", "column", "layer_fmpq", "exact_product", "to_fraction"]

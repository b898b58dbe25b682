"""The ONNX reader's nodes on structured tensors (io/onnx_sparse.py): reshapes and moves on
index arrays, bias Add/Sub on placed floats, and Conv / Gemm / MatMul on a layer's input placed
into float64 matrices (CSR for a convolution) when the exact dense form would be large. Called
by onnx_graph.Tracer.affine; None means "use the exact dense form" (small tensors only)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from . import onnx_affine as A
from . import onnx_sparse as S
from .onnx_sparse import Selection

PLACE_ABOVE = 200_000     # Conv / Gemm on a Selection: placed as floats above this many entries of
# the dense form; below, the exact dense form (the same numbers, read the older way)


def _axis(axis, ndim):
    return axis + ndim if axis < 0 else axis


def new_shape(tr, op, shape, ins, at, where) -> list:
    """The output shape of Flatten, Reshape, Squeeze or Unsqueeze (C order: the elements keep
    their order)."""
    if op == "Flatten":
        ax = _axis(at.get("axis", 1), len(shape))
        return [int(np.prod(shape[:ax])), int(np.prod(shape[ax:]))]
    if op == "Reshape":
        new = [int(v) for v in tr.const(ins[1], where, "the shape")]
        new = [shape[i] if v == 0 and not at.get("allowzero", 0) else v for i, v in enumerate(new)]
        if -1 in new:
            known = int(np.prod([v for v in new if v != -1]))
            new[new.index(-1)] = int(np.prod(shape)) // max(known, 1)
        if int(np.prod(new)) != int(np.prod(shape)):
            raise ValueError(f"cannot reshape a tensor of shape {tuple(shape)} to {tuple(new)}")
        return new
    axes = at.get("axes")
    if axes is None and len(ins) > 1 and ins[1] is not None:
        axes = [int(v) for v in tr.const(ins[1], where, "the axes")]
    shape = list(shape)
    if op == "Squeeze":
        axes = [_axis(a, len(shape)) for a in (axes if axes is not None else
                                               [i for i, d in enumerate(shape) if d == 1])]
        return [d for i, d in enumerate(shape) if i not in axes]
    for a in sorted(_axis(a, len(shape) + len(axes)) for a in axes):
        shape.insert(a, 1)
    return shape

def structured(tr, op, ins, at, where, n_out, x):
    """An affine node on a Selection or FloatAffine (io/onnx_sparse.py), kept structured; None
    when it needs the exact dense form (the caller converts, small tensors only)."""
    sel = isinstance(x, Selection)
    if op in ("Identity", "Dropout", "Cast"):
        if op == "Cast" and at.get("to") not in (1, 10, 11, 16):
            tr.err(where, "a Cast to a non-float type is not piecewise linear")
        return [x, None] if op == "Dropout" and n_out > 1 else x
    if op == "Shape":
        return np.array(x.shape, dtype=np.int64)
    if op in ("Flatten", "Reshape", "Squeeze", "Unsqueeze"):
        shape = new_shape(tr, op, x.shape, ins, at, where)
        return x.moved(lambda a: a.reshape(shape)) if sel else x.reshaped(shape)
    if op == "Transpose":
        perm = at.get("perm", list(range(len(x.shape)))[::-1])
        return x.moved(lambda a: a.transpose(perm)) if sel else x.transposed(perm)
    if op == "Gather" and sel:
        idx = tr.const(ins[1], where, "the indices").astype(int)
        return x.moved(lambda a: np.take(a, idx, axis=_axis(at.get("axis", 0), len(x.shape))))
    pos = next(i for i, v in enumerate(ins) if v is x)
    if sel and op in ("Add", "Sub", "Mul", "Div", "Neg") and all(
            isinstance(v, np.ndarray) for i, v in enumerate(ins) if i != pos and v is not None):
        out = _normalise(op, x, ins, pos)             # an input normalisation, folded elementwise
        if out is not None:
            return out
    if op in ("Add", "Sub") and not sel and len(ins) == 2 and isinstance(ins[1 - pos], np.ndarray):
        K = ins[1 - pos]
        if op == "Add":
            return x.plus(K)
        return x.plus(-A.exact(K)) if pos == 0 else x.plus(K, sign=-1)
    if not sel or x.size() <= PLACE_ABOVE:
        return None
    if op == "Conv" and len(x.shape) >= 3:
        if not x.plain:
            raise ValueError("an elementwise normalisation (Sub/Add/Mul/Div by constants) of an input this "
                             f"large ({x.shape}) before a convolution is not read: its exact products would "
                             "not be float64 numbers; export the model without it and give the domain in "
                             "normalised coordinates")
        W = tr.const(ins[1], where, "the weight")
        nd = W.ndim - 2
        kernel = list(at.get("kernel_shape", W.shape[2:]))
        strides, dil = at.get("strides", [1] * nd), at.get("dilations", [1] * nd)
        B = tr.const(ins[2], where, "the bias") if len(ins) > 2 and ins[2] is not None else None
        out = S.place_conv(x, W, B, strides=strides, dilations=dil, group=at.get("group", 1),
                           pads=A.pads_of(at, x.shape[2:], kernel, strides, dil), windows=A._windows)
    elif op in ("Gemm", "MatMul") and ins[0] is x and isinstance(ins[1], np.ndarray) and \
            not at.get("transA", 0) and float(at.get("alpha", 1.0)) == 1.0:
        K = ins[1].T if at.get("transB", 0) else ins[1]
        out = S.place_matmul(x, K)
        if out is not None and len(ins) > 2 and ins[2] is not None:
            Kb = A.exact(tr.const(ins[2], where, "the bias")) * Fraction(float(at.get("beta", 1.0)))
            out = out.plus(Kb) if isinstance(out, S.FloatAffine) else A.add_const(out, Kb)
    else:
        return None
    if out is not None:
        tr.weighted = True
    return out


def _normalise(op, x: Selection, ins, pos):
    """Sub/Add/Mul/Div/Neg by a constant on a selection, as its elementwise scale and shift
    (exact); None when the constant would change the shape, or for a division by an
    input-dependent tensor or by zero (the caller's dense path says so)."""
    if op == "Neg":
        return x.affine(mul=np.array(Fraction(-1), dtype=object))
    K = A.exact(ins[1 - pos])
    if op == "Add":
        return x.affine(add=K)
    if op == "Sub":
        return x.affine(add=-K) if pos == 0 else x.affine(mul=np.array(Fraction(-1), dtype=object), add=K)
    if op == "Mul":
        return x.affine(mul=K)
    if pos != 0 or any(v == 0 for v in K.ravel()):
        return None
    return x.affine(mul=np.vectorize(lambda v: 1 / v, otypes=[object])(K))


def pool(tr, x, at, where):
    """MaxPool on a large Selection (plain) or FloatAffine: the maxout layer with its arguments'
    rows gathered (onnx_sparse.pool_rows), emitted; None to take the dense path (small tensors)."""
    if not isinstance(x, (Selection, S.FloatAffine)) or x.size() <= PLACE_ABOVE or at.get("ceil_mode", 0) \
            or (isinstance(x, Selection) and not x.plain):
        return None
    k = list(at["kernel_shape"])
    strides, dil = at.get("strides", [1] * len(k)), at.get("dilations", [1] * len(k))
    W, b, rank, shape = S.pool_rows(x, k, strides=strides, dilations=dil, windows=A._windows,
                                    pads=A.pads_of(at, x.shape[2:], k, strides, dil))
    return tr.emit(W, b, "maxout", rank, shape, where) if rank > 1 else None


"""Exact affine tensors for the ONNX reader (io/onnx_graph.py): a tensor that is an affine
function of the current layer input h (the network input x, or the output of the last nonlinear
layer) is held as

    value[i] = sum_j T[i, j] h_j + c[i]      (i a multi-index of the tensor's shape S)

with ``T`` an object array of shape S + (n_h,) and ``c`` one of shape S, both of exact
Fractions: every float32/float64 constant of the model is taken at its exact binary value, and
folding consecutive affine nodes (Sub/Div normalisation, Gemm, Conv, BatchNormalization,
average pooling, reshapes) multiplies and adds rationals, so the folded layer is exactly the
composition. The only rounding anywhere is BatchNormalization's ``1/sqrt(var + eps)``, which has
no rational value: it is taken as its float64 value once (the reader says so).

Each function here is one ONNX operator on such tensors; shapes follow numpy (and ONNX)
broadcasting, the batch axis is kept with size 1.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

ZERO = Fraction(0)


def exact(a) -> np.ndarray:
    """A numpy array (any numeric dtype) as an object array of exact Fractions."""
    a = np.asarray(a)
    if a.dtype == object:
        return a
    if a.dtype.kind in "iub":
        return np.array([Fraction(int(v)) for v in a.ravel()], dtype=object).reshape(a.shape)
    return np.array([Fraction(float(v)) for v in a.ravel()], dtype=object).reshape(a.shape)


@dataclass
class Affine:
    """``T . h + c`` (module docstring); ``base`` numbers the layer input h it is written in."""
    T: np.ndarray
    c: np.ndarray
    base: int

    @property
    def shape(self) -> tuple:
        return tuple(self.c.shape)

    @property
    def n_in(self) -> int:
        return int(self.T.shape[-1])

    def rows(self):
        """(W, b): the tensor flattened in C order, one row per element."""
        return self.T.reshape(-1, self.n_in), self.c.reshape(-1)

    def map(self, fn_T, fn_c) -> "Affine":
        return Affine(fn_T(self.T), fn_c(self.c), self.base)


def identity(shape, base: int) -> Affine:
    """The layer input itself, h of the given shape (n_h = its number of elements)."""
    n = int(np.prod(shape))
    T = np.full((n, n), ZERO, dtype=object)
    for i in range(n):
        T[i, i] = Fraction(1)
    return Affine(T.reshape(tuple(shape) + (n,)), np.full(tuple(shape), ZERO, dtype=object), base)


def reshape(a: Affine, shape) -> Affine:
    return a.map(lambda T: T.reshape(tuple(shape) + (a.n_in,)), lambda c: c.reshape(tuple(shape)))


def transpose(a: Affine, perm) -> Affine:
    perm = list(perm)
    return a.map(lambda T: T.transpose(perm + [len(perm)]), lambda c: c.transpose(perm))


def broadcast(a: Affine, shape) -> Affine:
    shape = tuple(shape)
    return a.map(lambda T: np.array(np.broadcast_to(T, shape + (a.n_in,))),
                 lambda c: np.array(np.broadcast_to(c, shape)))


def add_const(a: Affine, K, sign: int = 1) -> Affine:
    """``sign * a + K`` (Sub: K - a with sign -1, or a - K as add_const(a, -K))."""
    K = exact(K)
    shape = np.broadcast_shapes(a.shape, K.shape)
    a = broadcast(a, shape)
    return Affine(a.T * sign, a.c * sign + np.broadcast_to(K, shape), a.base)


def scale(a: Affine, K) -> Affine:
    """``a * K`` elementwise (Mul by a constant; Div by K is scale(a, 1/K) exactly)."""
    K = exact(K)
    shape = np.broadcast_shapes(a.shape, K.shape)
    a = broadcast(a, shape)
    Kb = np.broadcast_to(K, shape)
    return Affine(a.T * Kb[..., None], a.c * Kb, a.base)


def add(a: Affine, b: Affine, sign: int = 1) -> Affine:
    """``a + sign * b`` for two tensors written in the same layer input."""
    shape = np.broadcast_shapes(a.shape, b.shape)
    a, b = broadcast(a, shape), broadcast(b, shape)
    return Affine(a.T + sign * b.T, a.c + sign * b.c, a.base)


def unit_sources(a: Affine):
    """When every element of ``a`` is one input with coefficient 1 and no constant (a layer's input
    as written, or moved by Flatten/Reshape/Transpose/Gather), the input index of each element
    (an int array of ``a.shape``); else None. Costs one comparison per entry of T, no arithmetic."""
    if any(v != 0 for v in a.c.ravel()):
        return None
    T2 = a.T.reshape(-1, a.n_in)
    nz = T2 != 0
    if not (nz.sum(axis=1) == 1).all():
        return None
    idx = nz.argmax(axis=1)
    if not all(T2[r, i] == 1 for r, i in enumerate(idx)):
        return None
    return idx.reshape(a.shape)


def _select_matmul(a: Affine, src, K) -> Affine | None:
    """``a @ K`` for an ``a`` of unit sources (:func:`unit_sources`) with a 2-D shape (rows, m):
    element (r, k) is sum_j K[j, k] x[src[r, j]], so T[r, k, src[r, j]] = K[j, k]: entries placed,
    nothing multiplied. None when a row uses one input twice (then entries would add up)."""
    if src.ndim != 2 or K.ndim != 2:
        return None
    rows, m = src.shape
    if any(len(set(row.tolist())) != m for row in src):
        return None
    T = np.full((rows, K.shape[1], a.n_in), ZERO, dtype=object)
    for r in range(rows):
        T[r][:, src[r]] = K.T
    return Affine(T, np.full((rows, K.shape[1]), ZERO, dtype=object), a.base)


def matmul_const(a: Affine, K, *, left: bool = False) -> Affine:
    """``a @ K`` (or ``K @ a`` with ``left``) for a constant matrix K (numpy matmul rules on the
    tensor's last two axes). When ``a`` only selects inputs (a Flatten of the network input, a
    new layer's input), the product places K's entries instead of multiplying (exact, and a
    784 x 256 Gemm after a Flatten costs a fraction of a second instead of minutes)."""
    K = exact(K)
    if not left and a.T.ndim == 3:
        src = unit_sources(a)
        if src is not None:
            out = _select_matmul(a, src, K)
            if out is not None:
                return out
    if left:     # K @ a: contract K's last axis with a's second-to-last (a's only axis for a vector)
        if a.T.ndim == 2:        # a 1-D tensor: a column vector, K @ a is a vector
            return Affine(exact_matmul(K, a.T), exact_matmul(K, a.c), a.base)
        T = np.moveaxis(exact_matmul(K, np.moveaxis(a.T, -1, 0)), 0, -1)
        return Affine(T, exact_matmul(K, a.c), a.base)
    T = np.moveaxis(exact_matmul(np.moveaxis(a.T, -1, -2), K), -2, -1) if a.T.ndim > 2 else \
        exact_matmul(K.T, a.T)
    return Affine(T, exact_matmul(a.c, K), a.base)


def exact_matmul(X, Y) -> np.ndarray:
    """``np.matmul(X, Y)`` of exact object arrays as python-flint fmpq_mat products (one product
    in C, conversions only per entry): (..., m) @ (m, p), (q, m) @ (..., m, r) and (q, m) @ (m,);
    other shapes go to numpy."""
    X, Y = np.asarray(X, dtype=object), np.asarray(Y, dtype=object)
    if Y.ndim == 2 and X.ndim >= 1:
        Z = _flint_product(X.reshape(-1, X.shape[-1]), Y)
        return Z.reshape(X.shape[:-1] + (Y.shape[1],))
    if X.ndim == 2 and Y.ndim == 1:
        return _flint_product(X, Y.reshape(-1, 1)).reshape(-1)
    if X.ndim == 2 and Y.ndim > 2:
        Yt = np.moveaxis(Y, -2, 0)
        Z = _flint_product(X, Yt.reshape(Yt.shape[0], -1))
        return np.moveaxis(Z.reshape((X.shape[0],) + Yt.shape[1:]), 0, -2)
    return np.matmul(X, Y)


def _flint_product(A2: np.ndarray, B2: np.ndarray) -> np.ndarray:
    """The exact product of two 2-D object arrays of rationals (Fractions or ints)."""
    from flint import fmpq, fmpq_mat

    def conv(M):
        vals = [fmpq(int(v.numerator), int(v.denominator)) if isinstance(v, Fraction) else fmpq(int(v))
                for v in M.ravel().tolist()]
        return fmpq_mat(M.shape[0], M.shape[1], vals)
    if 0 in A2.shape or 0 in B2.shape:
        return np.matmul(A2, B2)
    P = conv(A2) * conv(B2)
    out = np.empty((P.nrows(), P.ncols()), dtype=object)
    for i in range(P.nrows()):
        for j in range(P.ncols()):
            q = P[i, j]
            out[i, j] = Fraction(int(q.p), int(q.q))
    return out


def zeros(shape, like: Affine) -> Affine:
    """The constant 0 of a shape, written in the same layer input as ``like``."""
    return Affine(np.full(tuple(shape) + (like.n_in,), ZERO, dtype=object),
                  np.full(tuple(shape), ZERO, dtype=object), like.base)


def _ax(a, nd):
    return int(a) + nd if int(a) < 0 else int(a)


def slice_node(x: Affine, consts, at) -> Affine:
    """ONNX Slice: starts, ends, axes, steps from the inputs (opset >= 10) or attributes."""
    if consts:
        starts, ends = consts[0].astype(int), consts[1].astype(int)
        axes = consts[2].astype(int) if len(consts) > 2 and consts[2] is not None else range(len(starts))
        steps = consts[3].astype(int) if len(consts) > 3 and consts[3] is not None else [1] * len(starts)
    else:
        starts, ends = at["starts"], at["ends"]
        axes, steps = at.get("axes", range(len(starts))), [1] * len(starts)
    sl = [slice(None)] * len(x.shape)
    for s, e, a, st in zip(starts, ends, axes, steps):
        n = x.shape[_ax(a, len(x.shape))]
        sl[_ax(a, len(x.shape))] = slice(int(s), int(max(min(e, n), -n - 1)), int(st))
    return Affine(x.T[tuple(sl)], x.c[tuple(sl)], x.base)


def split_node(x: Affine, consts, at, n_out: int) -> list:
    """ONNX Split into ``n_out`` parts (sizes from the input, the attribute, or equal parts)."""
    ax = _ax(at.get("axis", 0), len(x.shape))
    sizes = at.get("split")
    if sizes is None and consts and consts[0] is not None:
        sizes = [int(v) for v in consts[0]]
    if sizes is None:
        if x.shape[ax] % n_out:
            raise ValueError(f"cannot split {x.shape[ax]} into {n_out} equal parts")
        sizes = [x.shape[ax] // n_out] * n_out
    bounds = np.cumsum([0] + list(sizes))
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        sl = [slice(None)] * len(x.shape)
        sl[ax] = slice(int(lo), int(hi))
        out.append(Affine(x.T[tuple(sl)], x.c[tuple(sl)], x.base))
    return out


def _windows(spatial, kernel, strides, pads, dilations):
    """Output spatial shape and, per output position, the input positions of its window (None
    for a position in the padding)."""
    nd = len(spatial)
    out_shape = [(spatial[d] + pads[d] + pads[nd + d] - dilations[d] * (kernel[d] - 1) - 1) // strides[d] + 1
                 for d in range(nd)]
    if any(o < 1 for o in out_shape):
        raise ValueError(f"the window does not fit the input (output size {out_shape})")
    table = {}
    for o in itertools.product(*(range(n) for n in out_shape)):
        cells = []
        for k in itertools.product(*(range(n) for n in kernel)):
            pos = tuple(o[d] * strides[d] - pads[d] + k[d] * dilations[d] for d in range(nd))
            cells.append(pos if all(0 <= pos[d] < spatial[d] for d in range(nd)) else None)
        table[o] = cells
    return out_shape, table


def conv(a: Affine, W, B, *, strides, pads, dilations, group: int) -> Affine:
    """ONNX Conv on a (1, C, *spatial) tensor: out[co, o] = B[co] + sum W[co, ci, k] in[g ci, o s + k d - p]."""
    W, C = exact(W), a.shape[1]
    co_n, ci_n = W.shape[0], W.shape[1]
    kernel = W.shape[2:]
    if ci_n * group != C or co_n % group:
        raise ValueError(f"a weight of shape {tuple(W.shape)} with group {group} does not fit {C} input channels")
    out_sp, table = _windows(a.shape[2:], kernel, strides, pads, dilations)
    T = np.full((1, co_n, *out_sp, a.n_in), ZERO, dtype=object)
    c = np.full((1, co_n, *out_sp), ZERO, dtype=object)
    per = co_n // group
    Bx = exact(B) if B is not None else None
    for co in range(co_n):
        g = co // per
        for o, cells in table.items():
            accT, accc = T[(0, co) + o], c[(0, co) + o] + (Bx[co] if Bx is not None else ZERO)
            for ci in range(ci_n):
                for k, pos in zip(itertools.product(*(range(n) for n in kernel)), cells):
                    w = W[(co, ci) + k]
                    if pos is None or w == 0:
                        continue
                    src = (0, g * ci_n + ci) + pos
                    accT = accT + w * a.T[src]
                    accc = accc + w * a.c[src]
            T[(0, co) + o], c[(0, co) + o] = accT, accc
    return Affine(T, c, a.base)


def average_pool(a: Affine, kernel, *, strides, pads, count_include_pad: bool) -> Affine:
    """ONNX AveragePool: each output is the exact mean of its window (padding counted or not)."""
    out_sp, table = _windows(a.shape[2:], kernel, strides, pads, [1] * len(kernel))
    C = a.shape[1]
    T = np.full((1, C, *out_sp, a.n_in), ZERO, dtype=object)
    c = np.full((1, C, *out_sp), ZERO, dtype=object)
    for ch in range(C):
        for o, cells in table.items():
            inside = [p for p in cells if p is not None]
            w = Fraction(1, len(cells) if count_include_pad else len(inside))
            T[(0, ch) + o] = sum((a.T[(0, ch) + p] for p in inside), start=np.full(a.n_in, ZERO, dtype=object)) * w
            c[(0, ch) + o] = sum((a.c[(0, ch) + p] for p in inside), start=ZERO) * w
    return Affine(T, c, a.base)


def window_arguments(a: Affine, kernel, *, strides, pads, dilations):
    """MaxPool as maxout: (rows W, bias b, rank k, output shape). Unit (ch, o) takes the window's
    elements as its arguments; a window cut by the padding repeats its first element, which ties
    with it and is never chosen (no boundary, nets/activations.py)."""
    out_sp, table = _windows(a.shape[2:], kernel, strides, pads, dilations)
    k = max(sum(p is not None for p in cells) for cells in table.values())
    C = a.shape[1]
    W, b = [], []
    for ch in range(C):
        for o in itertools.product(*(range(n) for n in out_sp)):
            inside = [p for p in table[o] if p is not None]
            if not inside:
                raise ValueError(f"the MaxPool window at output {o} lies in the padding")
            inside += [inside[0]] * (k - len(inside))
            W += [a.T[(0, ch) + p] for p in inside]
            b += [a.c[(0, ch) + p] for p in inside]
    return np.array(W, dtype=object), np.array(b, dtype=object), k, (1, C, *out_sp)


def pads_of(at, spatial, kernel, strides, dilations):
    """The explicit pads of a Conv/pool node (auto_pad NOTSET, VALID, SAME_UPPER, SAME_LOWER)."""
    nd = len(kernel)
    auto = at.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("NOTSET", ""):
        return list(at.get("pads", [0] * 2 * nd))
    if auto == "VALID":
        return [0] * 2 * nd
    pads = [0] * 2 * nd
    for d in range(nd):
        out = -(-spatial[d] // strides[d])
        total = max((out - 1) * strides[d] + dilations[d] * (kernel[d] - 1) + 1 - spatial[d], 0)
        small, big = total // 2, total - total // 2
        pads[d], pads[nd + d] = (small, big) if auto == "SAME_UPPER" else (big, small)
    return pads


def const_op(op, ins, at):
    """Evaluate a node whose inputs are all constants (shape arithmetic of exporters)."""
    v = [np.asarray(i) if i is not None else None for i in ins]
    if op in ("Identity", "Dropout", "Cast"):
        return v[0]
    if op in ("Add", "Sub", "Mul", "Div"):
        f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
             "Div": np.floor_divide if v[0].dtype.kind in "iu" else np.divide}[op]
        return f(v[0], v[1])
    if op == "Neg":
        return -v[0]
    if op == "Shape":
        return np.array(v[0].shape, dtype=np.int64)
    if op == "Gather":
        return np.take(v[0], v[1].astype(int), axis=at.get("axis", 0))
    if op == "Concat":
        return np.concatenate([np.atleast_1d(a) for a in v], axis=at["axis"])
    if op == "Unsqueeze":
        axes = at.get("axes", list(v[1]) if len(v) > 1 else [])
        out = v[0]
        for a in sorted(int(a) for a in axes):
            out = np.expand_dims(out, a if a >= 0 else a + out.ndim + 1)
        return out
    if op == "Squeeze":
        axes = at.get("axes", list(v[1]) if len(v) > 1 else None)
        return np.squeeze(v[0], axis=tuple(int(a) for a in axes) if axes is not None else None)
    if op == "Reshape":
        return v[0].reshape([int(s) for s in v[1]])
    if op == "Transpose":
        return v[0].transpose(at.get("perm"))
    if op == "Flatten":
        ax = at.get("axis", 1)
        return v[0].reshape(int(np.prod(v[0].shape[:ax])), -1)
    raise ValueError(f"{op} on constants only is not supported")


__all__ = ["Affine", "exact", "identity", "reshape", "transpose", "broadcast", "add_const", "scale",
           "add", "matmul_const", "conv", "average_pool", "window_arguments", "pads_of", "const_op", "zeros", "slice_node", "split_node"]

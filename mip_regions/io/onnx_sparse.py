"""Structured tensors for the ONNX reader (io/onnx_graph.py), so that large models read at the
speed of the file (issue 28, items 1-2): no dense object array of Fractions is ever built for a
layer input or a convolution.

* :class:`Selection`: every element is one input h_j with coefficient 1 and no constant (a
  layer's input as written, moved by Flatten / Reshape / Squeeze / Unsqueeze / Transpose /
  Gather / Identity): held as the int array of source indices. Moving it is index arithmetic.
* :class:`FloatAffine`: ``T h + c`` with T a float64 matrix (one row per element, C order), a
  scipy.sparse CSR matrix for a convolution, dense for a Gemm/MatMul, whose entries are the
  model's constants *placed*, never multiplied or added: a Conv or a Gemm applied to a Selection
  puts kernel weight W[co, ci, k] at (output element, source of its input element), so every
  entry is exactly a float32/float64 constant of the file (exact). c is exact (Fractions). A
  placement that would add two entries (a row using one input twice) is not taken.

Anything else on these tensors falls back to the exact dense form (onnx_affine.Affine) when it
is small (at most DENSE_LIMIT entries), and is refused with the node named when it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .onnx_affine import ZERO, Affine, exact, exact_matmul

DENSE_LIMIT = 4_000_000      # entries of T in the exact dense form (object Fractions): about 400 MB


@dataclass
class Selection:
    """value[i] = scale[i] h[src[i]] + shift[i] (module docstring); ``n`` inputs in the layer
    input h; ``scale``/``shift`` None mean 1 and 0 (exact Fractions otherwise: an input
    normalisation, Sub/Add/Mul/Div by constants, folded elementwise)."""
    src: np.ndarray
    n: int
    base: int
    scale: np.ndarray | None = None
    shift: np.ndarray | None = None

    @property
    def shape(self) -> tuple:
        return tuple(self.src.shape)

    @property
    def n_in(self) -> int:
        return self.n

    def size(self) -> int:
        return int(self.src.size) * self.n

    def dense(self) -> Affine:
        """The exact dense form (only for small tensors: :data:`DENSE_LIMIT`)."""
        _check_small(self)
        flat = self.src.ravel()
        T = np.full((flat.size, self.n), ZERO, dtype=object)
        T[np.arange(flat.size), flat] = Fraction(1) if self.scale is None else self.scale.ravel()
        c = np.full(self.shape, ZERO, dtype=object) if self.shift is None else self.shift
        return Affine(T.reshape(self.shape + (self.n,)), c, self.base)

    def moved(self, move) -> "Selection":
        """The elements rearranged by ``move`` (a reshape, transpose or take of an array of the
        tensor's shape), their scales and shifts with them."""
        def m(a):
            return None if a is None else np.asarray(move(a))
        return Selection(np.asarray(move(self.src)), self.n, self.base, m(self.scale), m(self.shift))

    def affine(self, mul=None, add=None) -> "Selection | None":
        """``mul * self + add`` elementwise for constants that broadcast to the tensor's shape
        (exact Fractions); None when they would change the shape."""
        for K in (mul, add):
            if K is not None and np.broadcast_shapes(np.shape(K), self.shape) != self.shape:
                return None
        scale = np.full(self.shape, Fraction(1), dtype=object) if self.scale is None else self.scale
        shift = np.full(self.shape, ZERO, dtype=object) if self.shift is None else self.shift
        if mul is not None:
            scale, shift = scale * mul, shift * mul
        if add is not None:
            shift = shift + add
        return Selection(self.src, self.n, self.base, scale, shift)

    @property
    def plain(self) -> bool:
        """Coefficient 1 and no constant everywhere."""
        return (self.scale is None or all(v == 1 for v in self.scale.ravel())) and \
            (self.shift is None or all(v == 0 for v in self.shift.ravel()))


def identity(shape, base: int) -> Selection:
    """The layer input itself, of the given shape."""
    n = int(np.prod(shape))
    return Selection(np.arange(n).reshape(tuple(shape)), n, base)


@dataclass
class FloatAffine:
    """``T h + c`` with placed float64 entries (module docstring); T is (elements, n) in C order."""
    T: object
    c: np.ndarray
    base: int

    @property
    def shape(self) -> tuple:
        return tuple(self.c.shape)

    @property
    def n_in(self) -> int:
        return int(self.T.shape[1])

    def size(self) -> int:
        return int(self.T.shape[0]) * self.n_in

    def rows(self):
        return self.T, self.c.reshape(-1)

    def dense(self) -> Affine:
        _check_small(self)
        T = self.T.toarray() if hasattr(self.T, "toarray") else np.asarray(self.T)
        return Affine(exact(T).reshape(self.shape + (self.n_in,)), self.c, self.base)

    def reshaped(self, shape) -> "FloatAffine":
        return FloatAffine(self.T, self.c.reshape(tuple(shape)), self.base)

    def transposed(self, perm) -> "FloatAffine":
        order = np.arange(int(np.prod(self.shape))).reshape(self.shape).transpose(perm).ravel()
        return FloatAffine(self.T[order], self.c.transpose(perm), self.base)

    def plus(self, K, sign: int = 1) -> "FloatAffine":
        """``sign * self + K`` for a constant K that broadcasts to the tensor's shape."""
        K = exact(K)
        if np.broadcast_shapes(self.shape, K.shape) != self.shape:
            raise ValueError(f"a constant of shape {K.shape} does not broadcast to {self.shape}")
        T = self.T if sign == 1 else -self.T        # negation is exact
        return FloatAffine(T, self.c * sign + np.broadcast_to(K, self.shape), self.base)


def _check_small(t) -> None:
    if t.size() > DENSE_LIMIT:
        raise ValueError(f"this operation needs the exact dense form of a tensor of shape {t.shape} over "
                         f"{t.n_in} inputs ({t.size():,} entries, more than {DENSE_LIMIT:,}); only "
                         "Conv, Gemm/MatMul, bias Add/Sub, reshapes and Relu are read on tensors that large")


def _floats(K, what: str) -> np.ndarray:
    """A constant as float64, exactly (integers beyond 2^53 are not)."""
    K = np.asarray(K)
    F = K.astype(np.float64)
    if K.dtype.kind in "iu" and not np.array_equal(F.astype(K.dtype), K):
        raise ValueError(f"{what} has integers too large for float64")
    return F


def place_conv(x: Selection, W, B, *, strides, pads, dilations, group: int, windows) -> FloatAffine | None:
    """ONNX Conv on a Selection of shape (1, C, *spatial): the kernel weights placed into a CSR
    matrix (module docstring); None when a row would use one input twice."""
    import scipy.sparse as sp
    W = _floats(W, "the weight")
    C = x.shape[1]
    co_n, ci_n = W.shape[0], W.shape[1]
    kernel = W.shape[2:]
    if ci_n * group != C or co_n % group:
        raise ValueError(f"a weight of shape {tuple(W.shape)} with group {group} does not fit {C} input channels")
    out_sp, table = windows(x.shape[2:], kernel, strides, pads, dilations)
    spatial = x.shape[2:]
    P = len(table)
    nk = int(np.prod(kernel))
    pos = np.full((P, nk), -1, dtype=np.int64)        # flat spatial index of each window cell
    for o_i, cells in enumerate(table.values()):
        pos[o_i] = [np.ravel_multi_index(c, spatial) if c is not None else -1 for c in cells]
    per = co_n // group
    src = x.src.reshape(C, -1)                        # (channels, spatial positions)
    co = np.arange(co_n)
    chan = (co // per)[:, None] * ci_n + np.arange(ci_n)[None, :]            # (co, ci) -> input channel
    valid = pos >= 0
    cols = src.astype(np.int32)[chan[:, None, :, None], np.where(valid, pos, 0)[None, :, None, :]]  # (co, P, ci, k)
    vals = np.broadcast_to(W.reshape(co_n, 1, ci_n, nk), cols.shape)
    rows = np.broadcast_to((co[:, None] * P + np.arange(P)[None, :])[:, :, None, None], cols.shape)
    keep = np.broadcast_to(valid[None, :, None, :], cols.shape) & (vals != 0)
    r, c, v = rows[keep].astype(np.int32), cols[keep].astype(np.int32), vals[keep]
    T = sp.csr_matrix((v, (r, c)), shape=(co_n * P, x.n))
    if T.nnz != v.size:         # a row used one input twice: its entries were added (not exact)
        return None
    bias = np.zeros(co_n, dtype=object) + (exact(B) if B is not None else ZERO)
    c0 = np.repeat(bias, P).reshape((1, co_n, *out_sp))
    return FloatAffine(T, c0, x.base)


def place_matmul(x: Selection, K) -> FloatAffine | Affine | None:
    """``x @ K`` for a Selection of shape (rows, m) and a constant K (m, p): T[(r, k), src[r, j]]
    = K[j, k], placed (dense float64). A normalised selection (scale s, shift t) gives the
    exact T[(r, k), src[r, j]] = K[j, k] s[r, j] and c[r, k] = sum_j K[j, k] t[r, j]: one
    product per entry of T and a matrix-vector product, no product of matrices. None when a row
    uses one input twice."""
    if len(x.shape) != 2 or np.ndim(K) != 2:
        return None
    K = _floats(K, "the weight")
    rows, m = x.shape
    p = K.shape[1]
    if any(np.unique(row).size != m for row in x.src):
        return None
    if not x.plain:
        if rows * p * x.n > DENSE_LIMIT:
            raise ValueError(f"a normalised input of shape {x.shape} times a {m} x {p} weight needs {rows * p * x.n:,} "
                             f"exact entries (more than {DENSE_LIMIT:,})")
        Kx = exact(K)
        scale = x.scale if x.scale is not None else np.full(x.shape, Fraction(1), dtype=object)
        shift = x.shift if x.shift is not None else np.full(x.shape, ZERO, dtype=object)
        T = np.full((rows, p, x.n), ZERO, dtype=object)
        for r in range(rows):
            T[r][:, x.src[r]] = Kx.T * scale[r][None, :]
        c = exact_matmul(shift, Kx)            # one fmpq_mat product
        return Affine(T, c, x.base)
    T = np.zeros((rows * p, x.n))
    for r in range(rows):
        T[r * p: (r + 1) * p][:, x.src[r]] = K.T
    return FloatAffine(T, np.full((rows, p), ZERO, dtype=object), x.base)


def pool_rows(x, kernel, *, strides, pads, dilations, windows):
    """MaxPool on a plain Selection or a FloatAffine of shape (1, C, *spatial) as maxout rows:
    (W as CSR, bias, rank k, output shape), unit (ch, o) taking its window's elements as its k
    arguments (a window cut by the padding repeats its first element, which ties with it and is
    never chosen, as onnx_affine.window_arguments does). Rows are gathered, nothing computed."""
    import scipy.sparse as sp
    out_sp, table = windows(x.shape[2:], kernel, strides, pads, dilations)
    spatial = x.shape[2:]
    k = max(sum(p is not None for p in cells) for cells in table.values())
    per_out = []
    for o, cells in table.items():
        inside = [np.ravel_multi_index(p, spatial) for p in cells if p is not None]
        if not inside:
            raise ValueError(f"the MaxPool window at output {o} lies in the padding")
        per_out.append(inside + [inside[0]] * (k - len(inside)))
    P = np.array(per_out)                                    # (outputs, k) spatial indices
    C, n_sp = x.shape[1], int(np.prod(spatial))
    elem = (np.arange(C)[:, None, None] * n_sp + P[None, :, :]).ravel()   # (ch, o, arg) -> element
    if isinstance(x, Selection):
        cols = x.src.ravel()[elem]
        W = sp.csr_matrix((np.ones(elem.size), (np.arange(elem.size), cols)), shape=(elem.size, x.n))
        b = np.full(elem.size, ZERO, dtype=object)
    else:
        T = x.T.tocsr() if hasattr(x.T, "tocsr") else x.T
        W = T[elem]
        b = x.c.ravel()[elem]
    return W, b, k, (1, C, *out_sp)


__all__ = ["Selection", "FloatAffine", "identity", "place_conv", "place_matmul", "pool_rows", "DENSE_LIMIT"]

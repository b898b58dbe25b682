"""Power-of-two balancing of a network's units, so that no float decision meets an underflow or an
overflow (issue 32, item 3).

The float engines bound a pre-activation's rounding error relative to its magnitudes
(engines/shared/layers.py). That bound assumes normal floats: a unit whose weights are 1e-300 has
a gradient norm sqrt(sum w^2) that underflows to 0 (w^2 = 1e-600), and its hyperplane vanishes;
weights near 1e308 overflow the same way. Multiplying a unit's row (weights and bias) by 2^-e
changes no sign and no argmax (relu(2^-e z) = 2^-e relu(z), max_j 2^-e z_j = 2^-e max_j z_j), and
the next layer's column by 2^e restores the function exactly:

    W'_l = D_l W_l D_{l-1}^{-1},  b'_l = D_l b_l,  D_l = diag(2^-e_u),  W'_out = W_out D_{L-1}^{-1},

with e_u the exponent of the largest entry of unit u's rows after the incoming compensation (a
maxout unit's rank rows share one factor). Every hidden unit's largest entry then lies in
[1/2, 1); the output map is the network's own (the output layer is only compensated). Entries are
rescaled through their binary exponents (numpy frexp/ldexp), exactly whenever the result is a
normal float; a layer where some entry would fall below the normal range keeps exact rational
weights instead (Fractions times powers of two: exact, and rare). The patterns, the cells and the
output function are those of the original network, so every count is unchanged.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .network import Layer, Network, is_sparse

LOW, HIGH = -200, 200     # a hidden row whose largest |entry| is within 2^LOW..2^HIGH needs nothing
MIN_EXP = -1021           # frexp exponent of the smallest normal float (2^-1022 = 0.5 * 2^-1021)


def _row_exponents(W: np.ndarray, b: np.ndarray, rank: int, col_shift: np.ndarray) -> np.ndarray:
    """Per unit: the frexp exponent of its largest |entry| after the column shifts (0 for a zero unit)."""
    M = np.concatenate([W, b[:, None]], axis=1)
    shift = np.concatenate([col_shift, [0]])
    _, e = np.frexp(M)
    e = np.where(M != 0, e + shift[None, :], np.iinfo(np.int64).min // 4)
    rows = e.max(axis=1)
    units = rows.reshape(-1, rank).max(axis=1)
    return np.where(units < np.iinfo(np.int64).min // 8, 0, units)


def needs_balancing(net: Network) -> bool:
    """True when some hidden row's largest |entry| lies outside 2^LOW..2^HIGH."""
    for layer in net.layers[:-1]:
        W = layer.weights
        rows = np.asarray(abs(W).max(axis=1).todense()).ravel() if is_sparse(W) else np.abs(W).max(axis=1)
        top = np.maximum(rows, np.abs(layer.bias))
        top = top[top > 0]
        if top.size and (top.min() < 2.0 ** LOW or top.max() > 2.0 ** HIGH):
            return True
    return False


def balanced(net: Network) -> Network | None:
    """The power-of-two balanced network of the module docstring, or None when it is not needed
    (:func:`needs_balancing`) or not possible: when the output layer, which is only compensated,
    would overflow (a function whose values exceed the float range; the engines then run on the
    network as it is, where overflow falls outside every error band and is decided exactly)."""
    if not needs_balancing(net) or any(is_sparse(layer.weights) for layer in net.layers):
        return None     # (sparse layers: not balanced; their float decisions fall to the exact side)
    try:
        return _balance(net)
    except _OutOfRange:
        return None


def _balance(net: Network) -> Network:
    layers = []
    col_shift = np.zeros(net.input_dim, dtype=np.int64)
    rational = net.rational_layers()
    last = len(net.layers) - 1
    for l, layer in enumerate(net.layers):
        rank = layer.rank
        if l < last:
            unit_e = _row_exponents(layer.weights, layer.bias, rank, col_shift)
            row_shift = -np.repeat(unit_e, rank)
        else:
            row_shift = np.zeros(layer.n_rows, dtype=np.int64)
        layers.append(_scaled_layer(layer, rational[l], row_shift, col_shift))
        if l < last:
            col_shift = unit_e       # h' = 2^-e h, so the next layer's column j takes 2^(+e_j)
    return Network(layers, net.domain, net.name, source=getattr(net, "source", None))


def _scaled_layer(layer: Layer, exact, row_shift: np.ndarray, col_shift: np.ndarray) -> Layer:
    """W'[i, j] = W[i, j] 2^(row_shift_i + col_shift_j), b'[i] = b[i] 2^row_shift_i (see
    the module docstring: ``col_shift`` undoes the previous layer's row shifts)."""
    W, b = layer.weights, layer.bias
    mW, eW = np.frexp(W)
    mb, eb = np.frexp(b)
    EW = eW + row_shift[:, None] + col_shift[None, :]
    Eb = eb + row_shift
    lossless = bool(np.all((EW >= MIN_EXP) | (W == 0)) and np.all((Eb >= MIN_EXP) | (b == 0))
                    and np.all((EW <= 1024) | (W == 0)) and np.all((Eb <= 1024) | (b == 0))
                    and layer.exact_weights is None)
    if lossless:
        return Layer(np.ldexp(mW, EW), np.ldexp(mb, Eb), layer.activation, None, None, layer.rank)
    # exact rational weights, scaled exactly (the floats are their nearest values)
    ew, eb_ = exact
    two = Fraction(2)
    xw = tuple(tuple(v * two ** int(row_shift[i] + col_shift[j]) if v else Fraction(0) for j, v in enumerate(row))
               for i, row in enumerate(ew))
    xb = tuple(v * two ** int(row_shift[i]) if v else Fraction(0) for i, v in enumerate(eb_))
    try:
        Wf = np.array([[float(v) for v in row] for row in xw], dtype=float)
        bf = np.array([float(v) for v in xb], dtype=float)
    except OverflowError:
        raise _OutOfRange from None
    return Layer(Wf, bf, layer.activation, xw, xb, layer.rank)


class _OutOfRange(Exception):
    """The balanced output layer would overflow (the function's own range exceeds the floats)."""

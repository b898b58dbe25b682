"""What the two cell-enumeration engines (lp.py, vertex.py) share: the next ReLU layer's units
as hyperplanes over the current cell, and the exception that ends a search at its time limit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cells import ZERO_TOL


class StopSearch(Exception):
    """Unwinds a depth-first search when the time limit is reached."""


@dataclass
class LayerUnits:
    """The pre-activations ``P x + p`` of a ReLU layer on a cell, and their hyperplanes
    ``R x + Q = 0`` with unit normals for the units in ``cand`` (the others have zero gradient:
    they are constant on the cell, and ``constant_active`` says which of those are active)."""
    layer: int
    offset: int          # index of the layer's first unit in the pattern
    P: np.ndarray
    p: np.ndarray
    R: np.ndarray
    Q: np.ndarray
    cand: np.ndarray
    constant_active: np.ndarray

    def output(self, bits: np.ndarray):
        """The layer's output on a cell with pattern ``bits``: h = D (P x + p), D = diag(bits)."""
        D = bits[self.offset: self.offset + len(self.p)].astype(float)
        return self.P * D[:, None], self.p * D


class CutStack:
    """The cuts r.x + q >= 0 (unit normals r) on the DFS path to the current cell, in order."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, size: int):
        self.lo, self.hi = lo, hi
        self.R = np.empty((size, len(lo)))
        self.q = np.empty(size)
        self.depth = 0

    def push(self, r: np.ndarray, q: float) -> None:
        self.R[self.depth], self.q[self.depth] = r, q
        self.depth += 1

    def pop(self) -> None:
        self.depth -= 1

    def margins(self, X: np.ndarray) -> np.ndarray:
        """Distance of each point (row of X) to the nearest box face or cut: the radius of the
        largest ball around it inside the cell, for points of the cell."""
        m = np.minimum(X - self.lo, self.hi - X).min(axis=-1)
        d = self.depth
        return np.minimum(m, (X @ self.R[:d].T + self.q[:d]).min(axis=-1)) if d else m


def next_relu_layer(layers, l: int, A: np.ndarray, c: np.ndarray):
    """Skip identity layers from layer l: returns (l', A', c') with h_{l'} = A' x + c' the input of
    the first ReLU layer l' >= l (l' = len(layers) when there is none)."""
    while l < len(layers) and layers[l].activation == "identity":
        A, c = layers[l].weights @ A, layers[l].weights @ c + layers[l].bias
        l += 1
    return l, A, c


def enter_layer(net, ctx, bits: np.ndarray, l: int, A: np.ndarray, c: np.ndarray):
    """The DFS step both cell engines take on a cell whose layer-l input is A x + c: skip identity
    layers, stop at the time limit (StopSearch), and return None at a leaf (no ReLU layer left),
    else the next ReLU layer's LayerUnits, with the bits of its constant units already set."""
    layers = net.layers[:-1]
    l, A, c = next_relu_layer(layers, l, A, c)
    if ctx.expired():
        raise StopSearch
    if l == len(layers):
        return None
    U = layer_units(layers, l, A, c, net.relu_offset[l])
    bits[U.offset: U.offset + len(U.p)] = U.constant_active
    return U


def layer_units(layers, l: int, A: np.ndarray, c: np.ndarray, offset: int) -> LayerUnits:
    """Layer l's units on a cell whose layer-l input is A x + c: a_i = (W A)_i, c_i = (W c + b)_i.
    A unit with ||a_i|| <= ZERO_TOL * scale is constant on the cell: identically zero (inactive,
    no boundary, REFERENCE.md §6.2) when c_i is 0 too, else of the sign of c_i."""
    layer = layers[l]
    P, p = layer.weights @ A, layer.weights @ c + layer.bias
    scale = 1.0 + max(float(np.abs(P).max(initial=0.0)), float(np.abs(p).max(initial=0.0)))
    norms = np.linalg.norm(P, axis=1)
    zero_grad = norms <= ZERO_TOL * scale
    safe = np.where(zero_grad, 1.0, norms)
    return LayerUnits(l, offset, P, p, P / safe[:, None], p / safe, np.nonzero(~zero_grad)[0],
                      zero_grad & (p > ZERO_TOL * scale))

"""A layer's pre-activations on the next piece from those on the last one, by the columns of the
inputs that changed (a rank-k update) instead of a full product. The walk visits the pieces left
to right, and neighbouring pieces differ in one unit of one layer: on a 25,088-unit convolution
a piece then costs a few columns of the next layer's weights, not the whole matrix.

The bound. The layer's exact pre-activations are Y* = W x* + b (x* the exact input, the float x
within e of it). The first piece gets the full product (cut.LineLayer.step: value Y and bound
B). A later piece with input x' (bounds e') differing from x on the set C of k entries adds
delta = W_C d, d = fl(x'_C - x_C):

    |d - (x'_C - x_C)|              <= u |d| / (1 - u)
    |fl(W_C d) - W_C d|             <= gamma_k |W_C| |d|
    |fl(Y + delta) - (Y + delta)|   <= u |fl(Y + delta)| / (1 - u)
    |W_C x'_C - W_C x'*_C|          <= |W_C| e'_C        (the changed inputs' own error)

and B grows by the sum of these, computed in floats and inflated by (1 + 4 gamma_{k+4}) plus
eta, rounded up; the terms of the unchanged inputs stay in B as they were. Only the outputs the
changed columns reach are touched (a sparse column reaches a few): the others are the same
numbers as before, so the next layer sees them unchanged and its own update stays small. B only grows (about u per update
relative to the values), so a full product resets it after REBUILD updates, or when more than a
quarter of the inputs change at once. Used where the stored weights are the exact ones (a
rational layer's rounded floats take the full product).
"""

from __future__ import annotations

import numpy as np

from .cut import gamma
from .ends import ETA, U

REBUILD = 4096      # updates before a full product resets the bound


class Incremental:
    """The last input and pre-activations of one layer (a cut.LineLayer), updated by columns."""

    def __init__(self, layer):
        self.layer = layer
        self.X = None

    def step(self, a, c, ea, ec):
        """(alpha, gam, e_alpha, e_gam) as LineLayer.step, from the last piece's by the changed
        inputs (module docstring)."""
        X, E = np.column_stack((a, c)), np.column_stack((ea, ec))
        if self.X is not None:
            changed = np.flatnonzero((X != self.X).any(axis=1) | (E != self.E).any(axis=1))
            if len(changed) * 4 <= len(a) and self.updates < REBUILD:
                self._update(X, E, changed)
                return self.Y[:, 0], self.Y[:, 1], self.B[:, 0], self.B[:, 1]
        al, ga, e_al, e_ga = self.layer.step(a, c, ea, ec)
        self.X, self.E, self.updates = X, E, 0
        self.Y, self.B = np.column_stack((al, ga)), np.column_stack((e_al, e_ga))
        return al, ga, e_al, e_ga

    def _update(self, X, E, changed):
        if len(changed):
            Wc, aWc = self.layer.columns(changed)
            d = X[changed] - self.X[changed]
            ad = np.abs(d)
            k = len(changed)
            rows = np.flatnonzero(np.asarray(aWc.sum(axis=1)).ravel() > 0)   # outputs the columns reach
            Y = self.Y.copy()
            Y[rows] += (Wc @ d)[rows]          # the other rows add exact zeros: unchanged, no rounding
            grow = ((gamma(k) + U / (1 - U)) * (aWc @ ad) + aWc @ E[changed])[rows] + U / (1 - U) * np.abs(Y[rows])
            B = self.B.copy()
            B[rows] = np.nextafter((B[rows] + grow) * (1 + 4 * gamma(k + 4)) + ETA, np.inf)
            self.X, self.E, self.Y, self.B = X, E, Y, B
            self.updates += 1


__all__ = ["Incremental", "REBUILD"]

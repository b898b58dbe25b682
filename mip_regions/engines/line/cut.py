"""One layer cutting one piece of the line: in float64 with a rigorous error bound on every
number, or, where the bound cannot decide, exactly.

On a piece [L, R] the layer's input is h = a t + c and its pre-activations are alpha t + gamma
(:meth:`LineLayer.step`). With u = 2^-53 and eta = 2^-1074, every computed number y comes with
a bound e >= |y - y*| on its distance to the exact value y*:

* a product W x of n terms: |fl(W x) - W x| <= gamma_n |W| |x| for any summation order
  (Higham, Accuracy and Stability, eq. 3.11), gamma_k = k u / (1 - k u); W x + b has n + 1
  terms, so gamma_{n+1} (|W| |x| + |b|); plus
  eta per product for underflow; an input known to +- e adds |W| e; a rational layer whose
  stored floats are roundings of its exact weights adds 2u |W| (|x| + e) (+ the same for b).
  The bound itself is computed in floats (sums of at most n + 5 nonnegative terms, each
  rounded by at most gamma_{n+6}) and then inflated by (1 + 2 gamma_{n+6}).
* a comparison z_i - z_j of a maxout unit (relu: z_i against 0) is a line f(t) = s t + g with
  bounds es, eg. Its value at an end E (float v, radius r) is within
  es (|v| + r) + |s| r + eg + 3u (|s v| + |g|) of the exact f(E*), inflated again.
* a root t = fl(-g/s) (when s is certainly nonzero, |s| > es) is within (eg + |t| es) / (|s| - es)
  + u |t| of the exact root (one rounded division) (|t* - t'| = |dg + t' ds| / |s + ds|), inflated again.

The float cut (:meth:`LineLayer.float_cut`) decides when every comparison has a certain sign at
both ends (or is certainly identically zero: s = g = 0 with zero bounds, a tie), and the
roots inside the piece have pairwise disjoint error intervals: then the order of the roots is
the exact order, the sign of every comparison on each sub-interval is known, and so is the
exact pattern (the activation's own rule, ``act.pattern``, applied to a score per argument:
how many comparisons it wins). Otherwise it returns None and :meth:`LineLayer.exact_cut` cuts
the piece in rationals from the exact pre-activations (python-flint), as the rational engine
does; the pieces it makes get exact ends. No tolerance is absolute: every bound scales with the
numbers it bounds.
"""

from __future__ import annotations

import weakref
from fractions import Fraction

import numpy as np

from .ends import ETA, U, End


def gamma(n: int) -> float:
    return n * U / (1 - n * U)


_STORED_EXACTLY: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _stored_exactly(layer) -> bool:
    """Are a rational layer's stored floats its exact values (integers, dyadic rationals)? Kept
    per layer: a data run builds the 1-D walk once per segment over the same layers."""
    if not layer.is_exact:
        return True
    hit = _STORED_EXACTLY.get(layer)
    if hit is None:
        hit = all(Fraction(float(f)) == e for f, e in zip(layer.weights.ravel().tolist(),
                                                           (v for row in layer.exact_weights for v in row))) and \
            all(Fraction(float(f)) == e for f, e in zip(layer.bias.tolist(), layer.exact_bias))
        _STORED_EXACTLY[layer] = hit
    return hit


class LineLayer:
    """A layer's numbers for the 1-D walk: weights, their magnitudes, the rounding of a rational
    layer's weights (None when its floats are exact), and its comparisons (module docstring)."""

    def __init__(self, layer, offset: int):
        self.act = layer.act
        self.W, self.b = layer.weights, layer.bias
        self.absW, self.absb = abs(self.W), np.abs(self.b)
        self.dW = self.db = None
        if not _stored_exactly(layer):
            self.dW, self.db = 2 * U * self.absW + ETA, 2 * U * self.absb + ETA
        self.n_rows, self.n_in = self.W.shape
        self.offset, self.n_bits = offset, layer.n_bits
        self.decides = layer.n_bits > 0
        self.I, self.J = self.act.comparisons(self.n_rows)
        self.simple = bool(len(self.I) == self.n_rows and (self.J == -1).all()
                           and (self.I == np.arange(self.n_rows)).all())
        if not self.simple and self.decides:    # argument k's wins: comparisons (k, .) > 0, (., k) < 0
            F = len(self.I)
            self.MI = np.zeros((F, self.n_rows))
            self.MI[np.arange(F), self.I] = 1
            self.MJ = np.zeros((F, self.n_rows))
            own = self.J >= 0
            self.MJ[np.arange(F)[own], self.J[own]] = 1
        # terms per row: n_in, or a sparse row's nonzeros (a zero term adds no rounding)
        n = int(np.diff(self.W.indptr).max(initial=0)) if hasattr(self.W, "indptr") else self.n_in
        self.g = np.array([gamma(n), gamma(n + 1)])   # n-term and (n+1)-term sums
        self.inflate = 1 + 2 * gamma(n + 6)           # the bound's own rounding
        self._cols = None

    def step(self, a, c, ea, ec):
        """(alpha, gam, e_alpha, e_gam): the pre-activations alpha t + gam of the layer on a piece
        where its input is a t + c (bounds ea, ec), with their error bounds (module docstring)."""
        X = np.column_stack((a, c))
        E = np.column_stack((ea, ec))
        Y = self.W @ X
        Y[:, 1] += self.b
        absX = np.abs(X)
        mag = self.absW @ absX
        mag[:, 1] += self.absb
        err = self.absW @ E + mag * self.g    # columns: gamma_n (W a), gamma_{n+1} (W c + b)
        if self.dW is not None:
            err += self.dW @ (absX + E)
            err[:, 1] += self.db
        err = (err + (self.n_in + 2) * ETA) * self.inflate
        return Y[:, 0], Y[:, 1], err[:, 0], err[:, 1]

    def columns(self, idx):
        """(W[:, idx], |W|[:, idx]) (a CSC copy of a sparse W, made once)."""
        if self._cols is None:
            sparse = hasattr(self.W, "tocsc")
            self._cols = (self.W.tocsc(), self.absW.tocsc()) if sparse else (self.W, self.absW)
        W, aW = self._cols
        return W[:, idx], aW[:, idx]

    def comparisons(self, alpha, gam, ea, eg):
        """(s, g, es, eg) of every comparison z_I - z_J (J = -1: against 0)."""
        if self.simple:
            return alpha, gam, ea, eg
        I, J = self.I, self.J
        ax, gx = np.append(alpha, 0.0), np.append(gam, 0.0)
        eax, egx = np.append(ea, 0.0), np.append(eg, 0.0)
        s, g = ax[I] - ax[J], gx[I] - gx[J]
        es = (eax[I] + eax[J] + 2 * U * np.abs(s)) * (1 + 4 * U)
        eg2 = (egx[I] + egx[J] + 2 * U * np.abs(g)) * (1 + 4 * U)
        return s, g, es, eg2

    def float_cut(self, L: End, R: End, alpha, gam, ea, eg, root_exact):
        """The pieces [(left, right, layer bits)] of [L, R] for this layer, decided in floats, or
        None when a decision is inside its error bound. ``root_exact(f)`` gives the exact root
        of comparison f on this piece (for the ends made here, on demand)."""
        s, g, es, eg = self.comparisons(alpha, gam, ea, eg)
        tie = (s == 0) & (g == 0) & (es == 0) & (eg == 0)
        signs = []
        for E in (L, R):
            f = s * E.value + g
            err = (es * (abs(E.value) + E.rad) + np.abs(s) * E.rad + eg
                   + 3 * U * (np.abs(s * E.value) + np.abs(g))) * (1 + 16 * U) + ETA
            sure = tie | (np.abs(f) > err)
            if not sure.all():
                return None
            signs.append(np.where(tie, 0.0, np.sign(f)))
        sL, sR = signs
        idx = np.flatnonzero(sL * sR < 0)
        roots = []
        if idx.size:
            ss, gg, ees, eeg = s[idx], g[idx], es[idx], eg[idx]
            if (np.abs(ss) <= ees).any():
                return None
            r = -gg / ss
            rad = ((eeg + np.abs(r) * ees) / (np.abs(ss) - ees) + U * np.abs(r)) * (1 + 16 * U) + ETA
            order = np.argsort(r, kind="stable")
            idx, r, rad = idx[order], r[order], rad[order]
            if idx.size > 1 and not (np.nextafter(r[:-1] + rad[:-1], np.inf)
                                     < np.nextafter(r[1:] - rad[1:], -np.inf)).all():
                return None
            roots = [End(float(v), float(e), resolve=_bind(root_exact, int(f))) for v, e, f in zip(r, rad, idx)]
        if self.simple:      # relu: each root flips its unit; the pieces' patterns made one at a time
            return _flips([L] + roots + [R], sL > 0, idx)
        n_sub = idx.size + 1
        pos = np.full(len(s), n_sub)
        pos[idx] = np.arange(1, n_sub)
        S = np.where(np.arange(n_sub)[:, None] >= pos[None, :], sR[None, :], sL[None, :])
        score = (S > 0) @ self.MI + (S < 0) @ self.MJ
        bits = self.act.pattern(score)
        return _merged([L] + roots + [R], bits)

    def exact_cut(self, L: End, R: End, P, p):
        """The pieces of [L, R] for this layer in exact arithmetic, from the exact
        pre-activations P t + p (fmpq_mat columns) on the piece (the rational engine's cut)."""
        lo, hi = L.exact(), R.exact()
        sv = [P[i, 0] for i in range(self.n_rows)]
        gv = [p[i, 0] for i in range(self.n_rows)]
        zero = 0 * lo
        roots = set()
        for i, j in zip(self.I.tolist(), self.J.tolist()):
            s = sv[i] - (sv[j] if j >= 0 else zero)
            if s != 0:
                t = -(gv[i] - (gv[j] if j >= 0 else zero)) / s
                if lo < t < hi:
                    roots.add(t)
        cuts = sorted(roots)
        edges = [lo] + cuts + [hi]
        bits = np.array([self.act.exact_pattern([a * ((x0 + x1) / 2) + b for a, b in zip(sv, gv)])
                         for x0, x1 in zip(edges[:-1], edges[1:])], dtype=bool).reshape(len(edges) - 1, -1)
        return _merged([L] + [End.of_exact(t) for t in cuts] + [R], bits)


def _bind(root_exact, f):
    return lambda: root_exact(f)


def _flips(ends, bits, idx):
    """The pieces of a relu layer's float cut, lazily: the pattern at the left end, then one
    flipped unit per root (no matrix of sub-intervals x units is built: a convolution's first
    cut of a line has thousands of each)."""
    bits = bits.copy()
    yield ends[0], ends[1], bits.copy()
    for k, f in enumerate(idx.tolist(), start=1):
        bits[f] = not bits[f]
        yield ends[k], ends[k + 1], bits.copy()


def _merged(ends, bits):
    """[(ends[k], ends[k'], bits[k])] with adjacent sub-intervals of equal bits joined (a
    crossing of two arguments neither of which is the maximum is no boundary)."""
    keep = [0] + [k for k in range(1, len(bits)) if not np.array_equal(bits[k], bits[k - 1])]
    stops = keep[1:] + [len(bits)]
    return [(ends[k], ends[e], bits[k]) for k, e in zip(keep, stops)]


__all__ = ["LineLayer", "gamma"]

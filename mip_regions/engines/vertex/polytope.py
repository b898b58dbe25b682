"""Full-dimensional polytopes kept by their vertices, split by hyperplanes without an LP.

A polytope P in R^d is held as its vertex array V (m x d) and, for each vertex, the set of
constraints tight at it, T (m x words, uint64 bit sets) over a fixed numbering of the
constraints (the 2d box faces first, then one slot per later cut). This is the double-description
step of Motzkin et al. (1953), as in cdd: splitting P by the hyperplane g(x) = r.x + q = 0 keeps the
vertices on each side, and adds one new vertex on every edge [u, v] of P that g crosses,

    x = u + t (v - u),  t = g(u) / (g(u) - g(v)),  tight set T(u) & T(v) + {new cut}.

Edges are found combinatorially (no coordinates): u, v are adjacent iff the face spanned by the
constraints tight at both, F = {x in P : T(u) & T(v) tight}, has no vertex other than u and v,
i.e. no third vertex w has T(w) >= T(u) & T(v). A face of dimension >= 2 has at least three
vertices, so this is exact for any polytope, degenerate ones included (many hyperplanes through
one vertex, as in the paper's constructions). If u is simple (exactly d tight constraints) the
test reduces to |T(u) & T(v)| >= d - 1. Every edge needs |T(u) & T(v)| >= d - 1, so the third-
vertex test only runs on pairs of non-simple vertices that pass that count. (The count test is
necessary, so no edge is ever lost; without the third-vertex test a pair of opposite corners of a
degenerate face would add a false "vertex" inside P: harmless to the signs, but not a vertex.)

Signs are decided with a tolerance ``tol`` on the (unit-normal) distance g: a hyperplane cuts P
iff some vertex is at distance > tol on each side. A side then has a nonempty interior (it
contains a neighbourhood of that vertex within P), so both children are full-dimensional.
Vertices within tol of the hyperplane are taken to lie on it (they get the new cut's slot).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np


def tight_sets(P: "Polytope") -> list[list[int]]:
    """The tight constraints of each vertex, as sorted index lists (for reports and tests)."""
    words = P.T.shape[1]
    return [[64 * w + k for w in range(words) for k in range(64) if (int(row[w]) >> k) & 1]
            for row in P.T]


@dataclass
class Polytope:
    """Vertices ``V`` (m x d), tight sets ``T`` (m x words, uint64 bit sets: bit k of the set is
    constraint k) and their sizes ``tight`` (m) of a full-dimensional polytope."""
    V: np.ndarray
    T: np.ndarray
    tight: np.ndarray

    def interior_point(self) -> np.ndarray:
        """The mean of the vertices: a convex combination with every weight positive, so a point
        of the interior of a full-dimensional polytope."""
        return self.V.mean(axis=0)


def _bit(slot: int):
    """(word, mask) of constraint ``slot`` in a tight set."""
    return slot >> 6, np.uint64(1 << (slot & 63))


def box(lower, upper, slots: int) -> Polytope:
    """The box prod [lower_k, upper_k] with its 2^d corners; face 2k is x_k = lower_k and face
    2k + 1 is x_k = upper_k; ``slots`` more constraint slots are left free for later cuts."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    d = len(lower)
    corners = np.array(list(product((0, 1), repeat=d)), dtype=np.intp)
    V = np.where(corners == 1, upper, lower)
    T = np.zeros((len(V), (2 * d + slots + 63) // 64), dtype=np.uint64)
    for k in range(d):
        for side in (0, 1):
            w, b = _bit(2 * k + side)
            T[corners[:, k] == side, w] |= b
    return Polytope(V, T, np.full(len(V), d, dtype=np.int64))


BLOCK = 1 << 22   # array elements per block of the pair tests: memory stays bounded (~100 MB)


def crossing_edges(P: Polytope, pos: np.ndarray, neg: np.ndarray, block: int = BLOCK, check=None):
    """Index pairs (i, j), i in ``pos``, j in ``neg`` (index arrays), such that [V_i, V_j] is an
    edge of P (module docstring: the count test, then the third-vertex test for pairs of
    non-simple vertices). The pair arrays are built in blocks of at most ``block`` elements, so
    memory grows with the vertices, not with their square (the box in 14-D has 16,384 corners).
    ``check()`` is called before each block (a time limit raises from there)."""
    d = P.V.shape[1]
    T = P.T
    words = T.shape[1]
    Tneg = T[neg]
    step = max(1, block // max(1, len(neg) * words))
    ii, jj = [], []
    for s in range(0, len(pos), step):
        if check is not None:
            check()
        p = pos[s:s + step]
        common = np.bitwise_count(T[p][:, None, :] & Tneg[None, :, :]).sum(axis=2)
        a, b = np.nonzero(common >= d - 1)           # |T(u) & T(v)| >= d - 1
        ii.append(p[a])
        jj.append(neg[b])
    i = np.concatenate(ii) if ii else pos[:0]
    j = np.concatenate(jj) if jj else neg[:0]
    tight = P.tight
    k = np.flatnonzero((tight[i] > d) & (tight[j] > d))
    if len(k):
        keep = np.ones(len(i), dtype=bool)
        kstep = max(1, block // max(1, len(T) * words))
        for s in range(0, len(k), kstep):
            if check is not None:
                check()
            kk = k[s:s + kstep]
            C = T[i[kk]] & T[j[kk]]                   # the tight sets of the candidate faces
            in_face = ((T[:, None, :] & C[None, :, :]) == C[None, :, :]).all(axis=2)   # w on face k
            keep[kk] = in_face.sum(axis=0) == 2
        i, j = i[keep], j[keep]
    return i, j


def split(P: Polytope, g: np.ndarray, slot: int, tol: float, check=None):
    """Split P by the hyperplane with values ``g`` (unit-normal distances, one per vertex).

    Returns (P+, P-) for {g >= 0} and {g <= 0} when the hyperplane cuts P (a vertex at distance
    > tol on each side). Otherwise (sign, None): True when P lies in {g >= -tol} with a vertex
    beyond tol, False for the mirror case, None when every vertex is within tol of the
    hyperplane (P is then not full-dimensional: numerical trouble). The cut's slot is ``slot``."""
    pos, neg = np.flatnonzero(g > tol), np.flatnonzero(g < -tol)
    if not (len(pos) and len(neg)):
        return (True if len(pos) else False if len(neg) else None), None
    i, j = crossing_edges(P, pos, neg, check=check)
    t = (g[i] / (g[i] - g[j]))[:, None]
    V, T = P.V, P.T
    Vn = V[i] + t * (V[j] - V[i])
    Tn = T[i] & T[j]
    w, b = _bit(slot)
    Tn[:, w] |= b
    new_tight = np.bitwise_count(Tn).sum(axis=1, dtype=np.int64)   # int64 like box(): no float mix
    if len(pos) + len(neg) < len(g):                  # vertices on the hyperplane go to both sides
        on = np.flatnonzero(np.abs(g) <= tol)
        T_on = T[on]
        T_on[:, w] |= b
        Vn, Tn = np.concatenate([V[on], Vn]), np.concatenate([T_on, Tn])
        new_tight = np.concatenate([P.tight[on] + 1, new_tight])
    return (Polytope(np.concatenate([V[pos], Vn]), np.concatenate([T[pos], Tn]),
                     np.concatenate([P.tight[pos], new_tight])),
            Polytope(np.concatenate([V[neg], Vn]), np.concatenate([T[neg], Tn]),
                     np.concatenate([P.tight[neg], new_tight])))

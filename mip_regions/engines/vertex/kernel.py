"""The vertex engine's inner loop compiled with numba: one ReLU layer's whole subtree over one
cell in a single call (issue 17: the Python search spent most of its time in the call overhead
of ~20 numpy operations on arrays of a few dozen elements per split).

:func:`layer_subtree` runs, on the cell P (vertices V, tight sets T, sizes ``tight``), exactly the
depth-first search of vertex.decide for the units ``cand`` of one layer, in the same order:

* each candidate unit's distances g = R_i.v + Q_i at the vertices; beyond the band on one side
  only: that side; a vertex beyond the band on each side: it cuts;
* split by the first cutting unit (polytope.split: the crossing edges by the count test and the
  third-vertex test, the new vertex u + t (v - u) with t = g(u) / (g(u) - g(v))), the + side
  first, each side going on with the other cutting units;
* a leaf when no unit cuts.

Everything the floats cannot decide is left to the Python search, which decides it exactly:
a candidate with no vertex beyond its band on one side while every vertex is within it on the
other (a touching hyperplane or a sliver), or a cutting hyperplane with a vertex within its band
(whose exact side polytope.split needs). Then the call returns ``TROUBLE`` and the caller runs
vertex.decide on the same cell from the start: no partial result is used, so the decisions are
those of the Python search in every case. So are the patterns, the order of the regions, the
vertex sets and the new vertices' formula; only the rounding of the sums (a loop here, BLAS in
numpy) may differ by an ulp, far inside every error band.

Returned: the leaves in depth-first order, each with its bits over ``cand``, its cuts (+/-(k+1)
for the side of cand[k], in the order taken, which is also its branch route: + is branch 0;
concatenated, leaf j's are ``leaf_cuts[cut_off[j]:cut_off[j + 1]]``, so a leaf costs its depth,
not the layer's width) and,
when ``last`` (the leaves are activation regions), its interior point (mean of the vertices) and
margin (distance to the nearest box face, earlier cut or cut of this layer, as CutStack.margins);
otherwise its polytope, concatenated with offsets.

``follow`` (branches, 0 for + and 1 for -) makes the first splits take one side only: the route
of a parallel task down to its own subtree (engines/shared/routes.py), so that the task does not search
the layer's whole subtree on its way, with the same arithmetic as the serial search.

``stop`` (one int64, the run's ``RunContext.stop_flag``) is read before every node: when it is
nonzero (the deadline's timer or Ctrl-C set it) the call returns ``STOPPED`` with the leaves
found so far, which are whole leaves in depth-first order. The kernel releases the GIL
(``nogil``), so that the timer and the signal handler run while it works.
"""

from __future__ import annotations

import numpy as np

from ..shared import numba

if numba is not None:
    from numba import njit

OK, TROUBLE, TOO_BIG, STOPPED = 0, 1, 2, 3


if numba is not None:
    @njit(cache=True, inline="always")
    def _popcount(x):
        x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
        x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
        x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
        return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)

    @njit(cache=True)
    def _grow2(a, n):
        b = np.empty((max(2 * a.shape[0], n), a.shape[1]), dtype=a.dtype)
        b[: a.shape[0]] = a
        return b

    @njit(cache=True)
    def _grow1(a, n):
        b = np.empty(max(2 * a.shape[0], n), dtype=a.dtype)
        b[: a.shape[0]] = a
        return b

    @njit(cache=True)
    def _split(V, T, tight, g, slot):
        """polytope.split with tol 0 for a hyperplane with no vertex on it (the caller made sure):
        (V+, T+, tight+, V-, T-, tight-)."""
        m, d = V.shape
        words = T.shape[1]
        npos = 0
        for v in range(m):
            if g[v] > 0:
                npos += 1
        pos = np.empty(npos, np.int64)
        neg = np.empty(m - npos, np.int64)
        a = b = 0
        for v in range(m):
            if g[v] > 0:
                pos[a] = v
                a += 1
            else:
                neg[b] = v
                b += 1
        cap = 16
        ei = np.empty(cap, np.int64)
        ej = np.empty(cap, np.int64)
        ne = 0
        C = np.empty(words, np.uint64)
        for a in range(len(pos)):
            i = pos[a]
            for b in range(len(neg)):
                j = neg[b]
                common = 0
                for w in range(words):
                    common += _popcount(T[i, w] & T[j, w])
                if common < d - 1:
                    continue
                if tight[i] > d and tight[j] > d:        # the third-vertex test
                    for w in range(words):
                        C[w] = T[i, w] & T[j, w]
                    inface = 0
                    for u in range(m):
                        ok = True
                        for w in range(words):
                            if T[u, w] & C[w] != C[w]:
                                ok = False
                                break
                        if ok:
                            inface += 1
                            if inface > 2:
                                break
                    if inface != 2:
                        continue
                if ne == cap:
                    cap *= 2
                    ei = _grow1(ei, cap)
                    ej = _grow1(ej, cap)
                ei[ne] = i
                ej[ne] = j
                ne += 1
        word, bit = slot >> 6, np.uint64(1) << np.uint64(slot & 63)
        out = []
        for side in (pos, neg):
            k = len(side)
            Vc = np.empty((k + ne, d))
            Tc = np.empty((k + ne, words), np.uint64)
            tc = np.empty(k + ne, np.int64)
            for r in range(k):
                Vc[r] = V[side[r]]
                Tc[r] = T[side[r]]
                tc[r] = tight[side[r]]
            for e in range(ne):
                i, j = ei[e], ej[e]
                t = g[i] / (g[i] - g[j])
                for c in range(d):
                    Vc[k + e, c] = V[i, c] + t * (V[j, c] - V[i, c])
                cnt = 0
                for w in range(words):
                    x = T[i, w] & T[j, w]
                    if w == word:
                        x |= bit
                    Tc[k + e, w] = x
                    cnt += _popcount(x)
                tc[k + e] = cnt
            out.append((Vc, Tc, tc))
        return out[0][0], out[0][1], out[0][2], out[1][0], out[1][1], out[1][2]

    @njit(cache=True, nogil=True)
    def layer_subtree(V, T, tight, R, Q, band, cand, slot0, last, pathR, pathq, lo, hi,
                      max_vertices, follow, stop):
        """The module docstring's search. Returns (status, nleaves, leaf_bits, leaf_cuts,
        cut_offsets, X, margins, PV, PT, Ptight, offsets, splits, most_vertices)."""
        d = V.shape[1]
        words = T.shape[1]
        k = len(cand)
        cap = 8
        leaf_bits = np.zeros((cap, k), np.uint8)
        leaf_cuts = np.zeros(4 * cap, np.int64)     # leaf j's cuts: leaf_cuts[cut_off[j]:cut_off[j + 1]]
        cut_off = np.zeros(cap + 1, np.int64)
        X = np.empty((cap if last else 0, d))
        margins = np.empty(cap if last else 0)
        vcap = 64
        PV = np.empty((0 if last else vcap, d))
        PT = np.empty((0 if last else vcap, words), np.uint64)
        Ptight = np.empty(0 if last else vcap, np.int64)
        offsets = np.zeros(cap + 1, np.int64)
        nleaves = 0
        splits = 0
        most = 0
        # the stack: a cell, its remaining candidates (positions in cand), bits, cuts
        sV = [V]
        sT = [T]
        st = [tight]
        srest = [np.arange(k)]
        sbits = [np.zeros(k, np.uint8)]
        scuts = [np.zeros(k, np.int64)]
        sdepth = [0]
        while len(sV):
            if stop[0] != 0:                            # the run's deadline or Ctrl-C
                return (STOPPED, nleaves, leaf_bits, leaf_cuts, cut_off, X, margins, PV, PT,
                        Ptight, offsets, splits, most)
            Vn, Tn, tn = sV.pop(), sT.pop(), st.pop()
            rest, bits, cuts, depth = srest.pop(), sbits.pop(), scuts.pop(), sdepth.pop()
            m = Vn.shape[0]
            first = -1
            cross = np.zeros(len(rest), np.uint8)
            for r in range(len(rest)):
                c = rest[r]
                u = cand[c]
                top, bottom = -np.inf, np.inf
                for v in range(m):
                    s = Q[u]
                    for e in range(d):
                        s += Vn[v, e] * R[u, e]
                    top = max(top, s)
                    bottom = min(bottom, s)
                bd = band[u]
                has_pos, has_neg = top > bd, bottom < -bd
                if has_pos and bottom > bd:
                    bits[c] = 1
                elif has_neg and top < -bd:
                    bits[c] = 0
                elif has_pos and has_neg:
                    cross[r] = 1
                    if first < 0:
                        first = r
                else:
                    return (TROUBLE, nleaves, leaf_bits, leaf_cuts, cut_off, X, margins, PV, PT,
                            Ptight, offsets, splits, most)
            if first < 0:                               # a leaf
                if nleaves == leaf_bits.shape[0]:
                    leaf_bits = _grow2(leaf_bits, nleaves + 1)
                    cut_off = _grow1(cut_off, nleaves + 2)
                    offsets = _grow1(offsets, nleaves + 2)
                    if last:
                        X = _grow2(X, nleaves + 1)
                        margins = _grow1(margins, nleaves + 1)
                leaf_bits[nleaves] = bits
                a = cut_off[nleaves]
                if a + depth > leaf_cuts.shape[0]:
                    leaf_cuts = _grow1(leaf_cuts, a + depth)
                leaf_cuts[a: a + depth] = cuts[:depth]
                cut_off[nleaves + 1] = a + depth
                if last:
                    x = np.zeros(d)
                    for v in range(m):
                        for e in range(d):
                            x[e] += Vn[v, e]
                    x /= m
                    X[nleaves] = x
                    mg = np.inf
                    for e in range(d):
                        mg = min(mg, x[e] - lo[e], hi[e] - x[e])
                    for r in range(pathR.shape[0]):
                        s = pathq[r]
                        for e in range(d):
                            s += x[e] * pathR[r, e]
                        mg = min(mg, s)
                    for r in range(depth):
                        c = cuts[r]
                        u = cand[abs(c) - 1]
                        s = Q[u]
                        for e in range(d):
                            s += x[e] * R[u, e]
                        mg = min(mg, s if c > 0 else -s)
                    margins[nleaves] = mg
                else:
                    a = offsets[nleaves]
                    if a + m > PV.shape[0]:
                        PV = _grow2(PV, a + m)
                        PT = _grow2(PT, a + m)
                        Ptight = _grow1(Ptight, a + m)
                    PV[a: a + m] = Vn
                    PT[a: a + m] = Tn
                    Ptight[a: a + m] = tn
                offsets[nleaves + 1] = offsets[nleaves] + (0 if last else m)
                nleaves += 1
                continue
            c = rest[first]
            u = cand[c]
            g = np.empty(m)
            for v in range(m):
                s = Q[u]
                for e in range(d):
                    s += Vn[v, e] * R[u, e]
                if abs(s) <= band[u]:                   # a vertex in the band: exactly, in Python
                    return (TROUBLE, nleaves, leaf_bits, leaf_cuts, cut_off, X, margins, PV, PT,
                            Ptight, offsets, splits, most)
                g[v] = s
            Vp, Tp, tp, Vm, Tm, tm = _split(Vn, Tn, tn, g, slot0 + depth)
            splits += 1
            most = max(most, Vp.shape[0], Vm.shape[0])
            if most > max_vertices:
                return (TOO_BIG, nleaves, leaf_bits, leaf_cuts, cut_off, X, margins, PV, PT,
                        Ptight, offsets, splits, most)
            n = 0
            for r in range(first + 1, len(rest)):
                n += cross[r]
            nrest = np.empty(n, np.int64)     # vertex.decide: rest = the other cutting units
            n = 0
            for r in range(first + 1, len(rest)):
                if cross[r]:
                    nrest[n] = rest[r]
                    n += 1
            for sign, Vc, Tc, tc in ((-1, Vm, Tm, tm), (1, Vp, Tp, tp)):   # + is taken first
                if depth < len(follow) and follow[depth] != (0 if sign > 0 else 1):
                    continue                        # off the route a parallel task follows
                b2 = bits.copy()
                b2[c] = 1 if sign > 0 else 0
                c2 = cuts.copy()
                c2[depth] = sign * (c + 1)
                sV.append(Vc)
                sT.append(Tc)
                st.append(tc)
                srest.append(nrest)
                sbits.append(b2)
                scuts.append(c2)
                sdepth.append(depth + 1)
        return (OK, nleaves, leaf_bits, leaf_cuts, cut_off, X, margins, PV, PT, Ptight, offsets,
                splits, most)

"""Exact enumeration of activation regions by depth-first search over cells held by their vertices.

The same search as engines/lp/engine.py, with the cell C kept as its vertex set (vertex/polytope.py) instead
of an LP. For the next ReLU layer each unit's pre-activation is affine on C (shared/cells.py), and its
sign over C is read off the vertices, since an affine function takes its extremes over a
polytope at vertices:

* identically zero on C (a = 0, c = 0): inactive, no boundary (REFERENCE.md §6.2);
  constant on C (a = 0): its sign;
* every vertex beyond the unit's error band ``band`` on one side (shared/layers.py): that side, no cut;
* a vertex beyond the band on each side: it cuts C, and both sides are full-dimensional;
* otherwise (a vertex within the band of the hyperplane, on the side that would decide) the
  floats cannot tell a hyperplane that touches C from one that cuts off a sliver: the exact
  signs of the hyperplane at the exact vertices near it decide (layers.ExactPath.vertex_signs:
  each vertex solved exactly from its tight constraints and checked to lie in C), or the exact
  margin LP when a vertex cannot be had. A touching hyperplane is then a non-cutting unit, as
  above. A sliver is a cut: the side beyond the band stays in floats, and the sliver's whole
  subtree is enumerated in exact arithmetic (exact/).

C is split by the first cutting unit (new vertices on the crossed edges, polytope.split); vertices
within the band of the hyperplane are classified exactly (on it, or on their exact side), so the
polytope stays combinatorially exact and no true vertex is lost to rounding. Each child
re-examines only the units that cut C. Leaves are the activation regions, reported with the mean of their vertices
(an interior point) and its distance to the nearest constraint or box face. The cost is a few
small numpy operations per split, growing with the number of vertices of a cell (2^n0 for the
box at the start), so this engine suits small input dimensions; engines/lp/engine.py does not depend on
the vertex count.

With numba installed (``kernel='numba'``, the default when it is), each ReLU layer's subtree over
a cell runs in one compiled call (vertex/kernel.py): the same decisions in the same order, with
every decision the floats cannot make (a vertex within a band) handed back to decide() below for
the whole cell, and the leaves' branches replayed through the router of a parallel run.
"""

from __future__ import annotations

import numpy as np

from ...nets.network import Network
from ...result import RunContext, StopSearch
from ..shared import CutStack, ExactPath, Replay, enter_layer, root_input, router_of, use_compiled
from . import kernel as vertex_kernel
from .polytope import Polytope, box
from .polytope import split as split_polytope

KERNEL_MAX_VERTICES = 20_000   # larger cells go the numpy way (it checks the time limit inside a split)



class _ExactNode(Exception):
    """A split whose near vertices could not be had exactly (cannot happen for a polytope that
    is combinatorially exact; kept as a guard)."""


def slots_of(P, v: int) -> list[int]:
    """The constraint slots tight at vertex v of P."""
    row = P.T[v]
    return [64 * w + k for w in range(len(row)) for k in range(64) if (int(row[w]) >> k) & 1]


def set_columns(B: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
    """``B[:, cols] = values``, one slice per run of consecutive columns: numpy's fancy-indexed
    column assignment is about 100x slower (4.8 s against 0.03 s for 131,073 leaves of a
    3,000-unit layer)."""
    if not len(cols):
        return
    breaks = np.flatnonzero(np.diff(cols) != 1) + 1
    for a, b in zip(np.concatenate(([0], breaks)), np.concatenate((breaks, [len(cols)]))):
        B[:, cols[a]: cols[a] + (b - a)] = values[:, a:b]


def run_vertex(net: Network, ctx: RunContext, *, kernel: str = "auto") -> None:
    """Enumerate the activation regions of ``net`` into ``ctx`` (module docstring).

    ``kernel``: 'numba' runs each ReLU layer's subtree over a cell in one compiled call
    (vertex/kernel.py; the same decisions, the doubtful ones handed back to this search), 'numpy'
    runs this module's search alone, 'auto' is numba when it is installed."""
    compiled = use_compiled(kernel)
    lo, hi = net.domain.lower.astype(float), net.domain.upper.astype(float)
    n0 = net.input_dim
    xmax = np.maximum(np.abs(lo), np.abs(hi))
    exact_floats = net.is_integer
    bits = np.zeros(net.num_relu, dtype=bool)
    path = CutStack(lo, hi, net.num_relu + 1)
    exact = ExactPath(net, ctx)
    router = router_of(ctx)      # which branches this run takes (shared/routes.py; all when serial)
    stats = ctx.stats
    stats["splits"] = 0
    stats["max_vertices"] = 0

    def layer_step(l, inp, P):
        """Continue from layer l for the cell P, whose layer-l input is ``inp``."""
        U = enter_layer(net, ctx, bits, l, inp, xmax, exact_floats)
        if U is None:
            x = P.interior_point()
            ctx.add_region(bits.copy(), x, float(path.margins(x)))
            return
        if U.maxout:
            maxout_units(U, list(range(len(U.p) // U.act.rank)), P)
            return
        for i in U.doubtful:
            zero, active = exact.constant(bits, U.layer, int(i))
            if not zero:    # a real hyperplane whose float gradient is lost: exact from here
                exact.subtree(bits, path, U.layer, None, points=[P.interior_point()])
                return
            bits[U.offset + i] = active
        if compiled and len(U.cand) and len(P.V) <= KERNEL_MAX_VERTICES and compiled_layer(U, P):
            return
        decide(U, U.cand, P)

    def compiled_layer(U, P) -> bool:
        """Layer U's subtree over P in one compiled call (vertex_kernel.layer_subtree), then each
        leaf in order: a region, or the next layer on its cell. False (nothing done) when the
        kernel met a decision the floats cannot make: then decide() makes it exactly."""
        if ctx.expired():
            raise StopSearch
        last, d = U.last, path.depth
        (status, nl, leaf_bits, leaf_cuts, cut_off, X, M, PV, PT, Pt, offsets, splits,
         most) = vertex_kernel.layer_subtree(P.V, P.T, P.tight, U.R, U.Q, U.band, U.cand,
                                             2 * n0 + d, last, path.R[:d], path.q[:d], lo, hi,
                                             KERNEL_MAX_VERTICES, router.ahead(), ctx.stop_flag)
        stopped = status == vertex_kernel.STOPPED
        if stopped:
            if not ctx.expired():           # the flag is raised only by the deadline or a stop
                ctx.stop("time limit reached")
            if not last:                    # cells of a next layer, not regions: nothing to report
                raise StopSearch
        elif status != vertex_kernel.OK:
            ctx.bump("kernel_handbacks")
            return False
        stats["splits"] += splits
        stats["max_vertices"] = max(stats["max_vertices"], most)
        off, cand, R, Q = U.offset, U.cand, U.R, U.Q
        pos = off + cand
        replay = Replay(router)
        if last and (replay.trivial or router.owns_below()):   # every leaf is this run's: one step
            if ctx.keep or ctx.sink is not None:
                B = np.repeat(bits[None, :], nl, axis=0)
                set_columns(B, pos, leaf_bits[:nl].view(bool))
                ctx.add_block(nl, B, X[:nl], M[:nl])
            else:                           # counted only (count --no-linear): no patterns built
                ctx.add_block(nl)
            if stopped:                     # the regions found before the stop stand
                raise StopSearch
            return True
        try:
            for k in range(nl):
                cuts = leaf_cuts[cut_off[k]: cut_off[k + 1]]
                if not (replay.trivial or replay.go([0 if c > 0 else 1 for c in cuts])):
                    continue
                bits[pos] = leaf_bits[k]
                if last:
                    ctx.add_region(bits.copy(), X[k], M[k])
                    continue
                for c in cuts:
                    i, s = int(cand[abs(c) - 1]), (1 if c > 0 else -1)
                    path.push(s * R[i], s * Q[i], (U.layer, i, s))
                try:
                    a, b = offsets[k], offsets[k + 1]
                    layer_step(U.layer + 1, U.output(bits), Polytope(PV[a:b], PT[a:b], Pt[a:b]))
                finally:
                    for _ in cuts:
                        path.pop()
        finally:
            replay.close()
        if stopped:
            raise StopSearch
        return True

    def decide(U, cand, P):
        """Decide the candidate units of layer U on the cell P; split by the first that cuts."""
        if ctx.expired():          # inside a wide layer too, not only between layers
            raise StopSearch
        off, R, Q = U.offset, U.R, U.Q
        cutting, thins = [], []
        if len(cand):
            G = P.V @ R[cand].T + Q[cand]
            top, bottom, band = G.max(axis=0), G.min(axis=0), U.band[cand]
            has_pos, has_neg = top > band, bottom < -band
            pos_only = has_pos & (bottom > band)
            neg_only = has_neg & (top < -band)
            bits[off + cand[pos_only]] = True
            bits[off + cand[neg_only]] = False
            crossing = has_pos & has_neg
            cutting = np.flatnonzero(crossing).tolist()
            amb = ~(pos_only | neg_only | crossing)
            for k in (np.flatnonzero(amb) if amb.any() else ()):
                i = int(cand[k])
                if not (has_pos[k] or has_neg[k]):   # the cell itself is within the band of H
                    undecided = {int(cand[j]) for j in cutting} | {int(cand[j]) for j, _ in thins}
                    undecided |= set(cand[k:].tolist())
                    exact.subtree(bits, path, U.layer, sorted(undecided), points=[P.interior_point()])
                    return
                clear = 1 if has_pos[k] else -1      # the side with a vertex beyond the band
                if sliver(U, i, P, G[:, k], band[k], clear):
                    thins.append((k, clear))         # a sliver on the other side: it cuts
                else:
                    bits[off + i] = clear > 0        # touches C: no cut
        if not cutting and thins:
            (k, clear), rest = thins[0], [int(cand[j]) for j, _ in thins[1:]]
            i = int(cand[k])
            exact.sliver_branch(router, bits, path, U.layer, off, i, clear, rest)
            if not router.enter(1):                  # branch 1: the clear side, the floats' polytope
                return
            bits[off + i] = clear > 0
            try:
                child = split_exact(U, i, P, G[:, k], band[k])
            except _ExactNode:
                child = (None, None)
            P_clear = P if child[1] is None else child[0 if clear > 0 else 1]
            path.push(clear * R[i], clear * Q[i], (U.layer, i, clear))
            try:
                decide(U, np.array(rest, dtype=int), P_clear)
            finally:
                path.pop()
                router.leave()
            return
        if not cutting:
            layer_step(U.layer + 1, U.output(bits), P)
            return
        k = cutting[0]
        i = int(cand[k])
        rest = np.array([cand[j] for j in cutting[1:]] + [cand[j] for j, _ in thins], dtype=int)
        try:
            plus, minus = split_exact(U, i, P, G[:, k], band[k])
        except _ExactNode:
            exact.subtree(bits, path, U.layer, [i] + rest.tolist(), points=[P.interior_point()])
            return
        stats["splits"] += 1
        stats["max_vertices"] = max(stats["max_vertices"], len(plus.V), len(minus.V))
        for b, (s, child) in enumerate(((1, plus), (-1, minus))):
            if not router.enter(b):
                continue
            bits[off + i] = s > 0
            path.push(s * R[i], s * Q[i], (U.layer, i, s))
            try:
                decide(U, rest, child)
            finally:
                path.pop()
                router.leave()

    def maxout_units(U, units, P):
        """Split the cell P among the arguments of the first maxout unit in ``units``: argument
        j's piece is P clipped by z_j - z_m >= 0 for every other argument m (activations.py),
        kept when full-dimensional. Each clip is decided on the vertices as for a relu unit; a
        comparison within its error band sends the rest of that piece to the exact path."""
        if ctx.expired():
            raise StopSearch
        if not units:
            layer_step(U.layer + 1, U.output(bits), P)
            return
        u, rest = units[0], units[1:]
        for b, (j, others) in enumerate(U.arguments(u, bits)):
            if not router.enter(b):
                continue
            piece, pushed = P, 0
            try:
                for n, m in enumerate(others):
                    r, q, band, zero = U.comparison(j, m, xmax, exact_floats)
                    if zero:
                        kind = exact.constant_comparison(bits, U.layer, j, m)
                        if kind == "always":
                            continue
                        if kind == "lost":
                            handover(U, rest, j, others[n:], piece)
                        piece = None
                        break
                    g = piece.V @ r + q
                    if g.min() > band:
                        continue
                    if g.max() < -band:
                        piece = None
                        break
                    if not (g.max() > band and g.min() < -band):   # within the band: exactly
                        side = touching(U, (j, m), piece, g, band)
                        if side == 1:
                            continue                    # the piece lies in z_j >= z_m
                        if side == -1:
                            piece = None                # only a face of the piece: no interior
                            break
                        if side is None:
                            handover(U, rest, j, others[n:], piece)
                            piece = None
                            break
                    try:
                        plus, _ = split_exact(U, (j, m), piece, g, band)
                    except _ExactNode:
                        handover(U, rest, j, others[n:], piece)
                        piece = None
                        break
                    stats["splits"] += 1
                    stats["max_vertices"] = max(stats["max_vertices"], len(plus.V))
                    path.push(r, q, (U.layer, (j, m), 1))
                    pushed += 1
                    piece = plus
                if piece is not None:
                    maxout_units(U, rest, piece)
            finally:
                for _ in range(pushed):
                    path.pop()
                router.leave()

    def touching(U, i, P, g, band):
        """A hyperplane with no vertex of P clearly on one of its sides, decided exactly: 1 or -1
        when P lies on that side of it (a coinciding facet, or the exact signs of the vertices
        near it), 0 when it does cut P, None when the exact vertices cannot be had."""
        side = exact.facet_side(bits, path, U.layer, i)
        if side is not None:
            return side
        near, signs = near_signs(U, i, P, g, band)
        if signs is None:
            return None
        s = np.sign(g)
        s[near] = signs
        return 1 if (s >= 0).all() else -1 if (s <= 0).all() else 0

    def handover(U, rest, j, comparisons, piece):
        """The piece of argument j beyond the comparisons decided so far, with everything below
        it, to the exact path."""
        exact.subtree(bits, path, U.layer, rest, points=[piece.interior_point()],
                      extras=[(U.layer, (j, m), 1) for m in comparisons])

    def near_signs(U, i, P, g, band):
        """(indices of the vertices within the band of unit i's hyperplane, their exact signs), or
        (near, None) when the exact vertices cannot be had."""
        close = np.abs(g) <= band
        if not close.any():
            return (), []
        near = np.flatnonzero(close)
        return near, exact.vertex_signs(bits, path, [slots_of(P, v) for v in near], U.layer, i)

    def sliver(U, i, P, g, band, clear) -> bool:
        """Does unit i's hyperplane cut a piece off P on the side -clear, where every vertex is
        within the band? Exactly: the exact signs at those vertices, else the exact LP."""
        ctx.bump("exact_decisions")
        side = exact.facet_side(bits, path, U.layer, i)
        if side is not None:
            return side != clear
        near, signs = near_signs(U, i, P, g, band)
        if signs is None:
            return exact.side_has_interior(bits, path, U.layer, i, -clear)
        return any(s == -clear for s in signs)

    def split_exact(U, i, P, g, band):
        """polytope.split with the vertices within the band classified exactly (on the hyperplane,
        or on their exact side), so that no true vertex is lost to rounding."""
        near, signs = near_signs(U, i, P, g, band)
        if len(near):
            if signs is None:
                raise _ExactNode
            g = g.copy()
            s = np.array(signs, dtype=float)
            g[near] = s * np.maximum(np.abs(g[near]), np.finfo(float).tiny)
        return split_polytope(P, g, 2 * n0 + path.depth, 0.0, check=check_time)

    def check_time():
        """The time limit inside one split: the box in 16-D has 65,536 corners."""
        if ctx.expired():
            raise StopSearch

    P0 = box(lo, hi, net.num_relu)
    with ctx.kernel_watch():         # the deadline reaches a running kernel (RunContext.kernel_watch)
        try:
            layer_step(0, root_input(n0), P0)
        except StopSearch:
            pass

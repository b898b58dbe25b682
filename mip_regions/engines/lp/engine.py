"""Exact enumeration of activation regions by depth-first search over cells, with small LPs.

A DFS node is a full-dimensional cell C (the constraints decided so far) with a set W of
interior points (each at distance > tol from every constraint of C). For the next ReLU layer,
each unit's pre-activation is affine on C (shared/cells.py), and the unit is decided as follows:

* identically zero on C (a = 0, c = 0): inactive, no boundary (REFERENCE.md §6.2);
  constant on C (a = 0): its sign;
* sign fixed over a bounding box of C (each new constraint propagated into the parent's box,
  no LP): that sign;
* points of W beyond the unit's error band on both sides of the hyperplane: it cuts C (no LP);
* otherwise one **support LP** ``max s (a.x + c) / ||a||`` over the closed cell C for the side s
  that no point of W is on (issue 17). Only its objective changes from one test to the next, so
  the solver starts from the previous optimal basis; no row is pushed or popped for a test. A
  value v < -trust means the sign is fixed on C. A value v > 4 trust means the hyperplane cuts C
  (C is full-dimensional and convex, so a point of C strictly on side s has interior points of C
  near it); the optimum y is a vertex of C and may lie on C's boundary, so the new point of W is
  z on the segment from a known interior point w to y with s (a.z + c) = v/2 (interior: every
  point of that segment but y is), checked in floats to be inside every row by more than the
  LP's point tolerance. When the value is in between, or no such z is found, the **margin LP**
  ``max t  s.t.  C's rows with margin t, s (a.x + c) >= t ||a||`` (a probe row pushed and
  popped) decides as before: t* > trust means a cut with a deep new point; t* < -trust means
  the sign is fixed. At a leaf, one margin LP without a probe gives the region's deepest point
  as its witness when witnesses are wanted (``RunContext.witnesses``: regions kept or written);
  otherwise the leaf reports its known point farthest from the boundary, interior all the same.
  ``trust`` is the larger of the
  unit's error band (shared/layers.py) and LP_TRUST times the box's largest side (the LP solver's own
  tolerances are absolute, about 1e-9; a box whose sides differ by more than ANISOTROPY is searched
  in the coordinates u of [-1, 1]^n0, x = mid + half u, so this holds for every side). In
  between, the floats cannot tell a touching
  hyperplane from a sliver, and the exact margin LP decides (layers.ExactPath): a sliver is a
  cut whose thin side is enumerated, with its whole subtree, in exact arithmetic (exact/).

With numba installed (``kernel='numba'``, the default when it is), the support LPs are solved by
lp/dual_simplex.py's compiled dual simplex instead, which also returns an upper bound on the support
value checked from its duals; "the sign is fixed" is then decided on that bound, and "it cuts"
on the interior point z as above, so neither decision rests on the simplex being right. The
kernel stops as soon as either answer is known (issue 32): at the cutoff -trust - s q, once the
checked bound of its current basis is below it, and at a point of the closed cell beyond
4 trust - s q, found on the segment from the deepest known point (farthest from the cell's rows
and box; ~6% fewer iterations than the newest at 784 inputs) to its current basic solution
(clipped to the box): that point stands for y above. A
support LP's vertex y often lies well beyond the hyperplanes of later candidates too: each such
candidate gets its own z from y (no LP) and is known to cut. A support LP's last basis is kept
for the same LP (layer, unit, side) on the cells below, where it stays dual feasible (a child has
its parent's rows and more): lp/simplex_start.py; 28 iterations cold, ~19 warm on MNIST 784-8-14.

C is then split by the first cutting unit; each child keeps the points of W on its side and
re-examines only the units that cut C (a unit that does not cut C cannot cut a child). Leaves
are the activation regions, reported with the point of W of largest margin (distance to the
nearest constraint or box face). One LP solver instance (GLPK or HiGHS, lp/margin.py) is reused
for the whole run: rows are added when the DFS descends and deleted when it returns.
"""

from __future__ import annotations

import numpy as np

from ...nets.network import Network
from ...result import RunContext, StopSearch
from ..shared import CutStack, ExactPath, enter_layer, root_input, router_of, use_compiled
from .dual_simplex import DenseSupportLP
from .margin import make_margin_lp
from .points import beyond, deep_point, tighten_box, toward
from .warm_bases import WarmBases

LP_TRUST = 1e-7   # LP margins within LP_TRUST x the box's largest side are decided exactly
ANISOTROPY = 8.0  # boxes whose sides differ more than this are searched in box coordinates
BOX_TRIAL = 5000  # units tested by the bounding box before it retires when it decides under 1%


def run_lp(net: Network, ctx: RunContext, *, lp_solver: str = "auto", decide: str = "support",
           kernel: str = "auto") -> None:
    """Enumerate the activation regions of ``net`` into ``ctx`` (module docstring).

    ``lp_solver``: 'glpk' or 'highs' (lp/margin.py); 'auto' takes glpk when it is installed.
    ``decide``: 'support' (the support LP first, the margin LP as fallback) or 'margin' (every
    decision by the margin LP with a probe row, as before issue 17; kept for the benchmark).
    ``kernel``: 'numba' solves the support LPs with lp/dual_simplex.py's compiled dual simplex and its
    checked bound (the LP solver keeps the margin and Chebyshev LPs), 'numpy' leaves them to the
    LP solver, 'auto' is numba when it is installed."""
    from ...errors import EngineError
    if decide not in ("support", "margin"):
        raise EngineError(f"decide must be 'support' or 'margin', got {decide!r}")
    compiled = use_compiled(kernel)
    xlo, xhi = net.domain.lower.astype(float), net.domain.upper.astype(float)
    n0 = net.input_dim
    mid, half = (xlo + xhi) / 2, (xhi - xlo) / 2
    if float(half.max()) > ANISOTROPY * float(half.min()):
        # sides of very different lengths (e.g. ACAS Xu's raw inputs): search in u, x = mid + half u,
        # so that the LP's tolerances are relative to every side, not only to the longest
        lo, hi, xmax, scale = -np.ones(n0), np.ones(n0), np.ones(n0), half
        exact_floats = False      # the scaled maps are not integer: decide within the error bands
        root = root_input(n0, mid, half)
    else:
        lo, hi, scale = xlo, xhi, None
        xmax = np.maximum(np.abs(lo), np.abs(hi))
        exact_floats = net.is_integer
        root = root_input(n0)
    lp_trust = LP_TRUST * float(np.max(hi - lo))

    def to_x(U):
        return U if scale is None else mid + scale * U

    lp = make_margin_lp(lo, hi, lp_solver)
    if decide == "support" and compiled:
        lp = DenseSupportLP(lo, hi, lp)
    def solver_support(coef, cutoff, w, target, warm=None):
        """(value, maximiser, upper bound) from the LP solver: its value stands as the bound."""
        v, y = lp.support(coef)
        return v, y, v

    support = getattr(lp, "support_bound", None) or solver_support   # dense_lp checks its bound
    shrunk = getattr(lp, "support_shrunk", None)
    ctx.stats["lp_solver"] = lp.name
    bits = np.zeros(net.num_relu, dtype=bool)
    path = CutStack(lo, hi, net.num_relu + 1, scale=scale)   # the cell's constraints, also in the LP
    exact = ExactPath(net, ctx)
    router = router_of(ctx)      # which branches this run takes (shared/routes.py; all when serial)
    max_points = 4 * (n0 + 1)
    last_vertex = [None]     # the vertex y of the last support LP with a value beyond 4 trust
    box = {"on": True, "tested": 0, "decided": 0}   # the bounding-box filter, while it decides units
    bases = WarmBases()      # the support LPs' last bases, for the cells below (lp/warm_bases.py)

    def reach(r, q, s, trust, W, key=None):
        """The support LP (module docstring): ("no", None) when max over the closed cell of
        s (r.x + q) is below -trust; ("yes", z) when it is above 4 trust, z an interior point of
        the cell on that side (toward()); else ("unsure", None). ``key``: (layer, unit, side),
        for the warm starts (module docstring)."""
        if decide == "margin":
            return "unsure", None
        ctx.stats["lps"] = lp.solves + 1
        mW = lp.margins(W)                # the kernel starts its point search at the deepest one
        v, y, ub = support(s * r, -trust - s * q, W[int(np.argmax(mW))], 4 * trust - s * q,
                           warm=bases.get(key))
        kept = getattr(lp, "kept", None)
        if key is not None and kept is not None:
            bases.keep(key, kept)
        if v is None:
            return "unsure", None
        v += s * q
        if ub + s * q < -trust:           # ub: an upper bound on max s (r.x) over the cell
            ctx.bump("support_no")
            return "no", None
        if v > 4 * trust:
            last_vertex[0] = y            # for the later candidates (split)
            z = toward(lp, y, W, r, q, s, v, trust, mW)
            if z is None and shrunk is not None:
                z = deep_point(lp, shrunk, ctx, r, q, s, v, trust)
            if z is not None:
                ctx.bump("support_yes")
                return "yes", z
        return "unsure", None

    def side_lp(U, i, r, q, s, trust, W):
        """Does C ∩ {s (r.x + q) > 0} have an interior (r, q: unit i's hyperplane, an array and
        a float)? (True, point) when the float LPs show it beyond ``trust``, (False, None) when
        C's points all lie below -trust, else the exact LP decides: (True, None) for a sliver
        thinner than the floats resolve, or (False, None). The support LP decides most units;
        the margin LP (the cell's deepest point on that side) is the fallback."""
        kind, z = reach(r, q, s, trust, W, (U.layer, i, s))
        if kind == "no":
            return False, None
        if kind == "yes":
            return True, z
        ctx.stats["lps"] = lp.solves + 1
        t, y = lp.probe(s * r, -s * q, trust)
        if y is not None and s * (float(np.dot(r, y)) + q) > trust:
            return True, y
        if t is not None and t < -trust:
            return False, None
        hints = [to_x(w) for w in W[::-1][:4]]    # start the exact LP next to the cell
        return exact.side_has_interior(bits, path, U.layer, int(i), s, hints=hints), None

    def layer_step(l, inp, W, blo, bhi):
        """Continue from layer l for the current cell, whose layer-l input is ``inp``."""
        U = enter_layer(net, ctx, bits, l, inp, xmax, exact_floats)
        if U is None:
            if ctx.witnesses and decide == "support":   # a deep witness: the Chebyshev centre, one LP
                ctx.stats["lps"] = lp.solves + 1
                t, y = lp.chebyshev()
                if y is not None and t is not None and t > lp_trust:
                    W = np.vstack([W, y[None, :]])
            m = path.margins(W) if scale is not None else lp.margins(W)   # the same rows
            k = int(np.argmax(m))      # report the point of W farthest from the cell's boundary
            ctx.add_region(bits.copy(), to_x(W[k]), float(m[k]))
            return
        if U.maxout:
            maxout_units(U, list(range(len(U.p) // U.act.rank)), W, blo, bhi)
            return
        for i in U.doubtful:
            zero, active = exact.constant(bits, U.layer, int(i))
            if not zero:    # a real hyperplane whose float gradient is lost: exact from here
                exact.subtree(bits, path, U.layer, None, points=list(to_x(W)))
                return
            bits[U.offset + i] = active
        split(U, U.cand, W, blo, bhi)

    def split(U, cand, W, blo, bhi):
        """Decide the candidate units of layer U on the current cell; split by the first that cuts.
        The warm starts this cell leaves (reach) are taken back when it returns."""
        bases.enter()
        try:
            decide_and_split(U, cand, W, blo, bhi)
        finally:
            bases.leave()

    def decide_and_split(U, cand, W, blo, bhi):
        """split()'s body."""
        if ctx.expired():          # inside a wide layer too, not only between layers
            raise StopSearch
        off, R, Q = U.offset, U.R, U.Q
        cutting, thins = [], []
        if len(cand):
            Rc, Qc, band = R[cand], Q[cand], U.band[cand]
            if box["on"]:
                low, high = Rc * blo, Rc * bhi
                on = np.minimum(low, high).sum(axis=1) + Qc > band      # no room on the negative side
                dead = np.maximum(low, high).sum(axis=1) + Qc < -band   # no room on the positive side
                bits[off + cand[on]] = True
                bits[off + cand[dead]] = False
                keep = ~(on | dead)
                cand, Rc, Qc, band = cand[keep], Rc[keep], Qc[keep], band[keep]
                box["tested"] += len(keep)
                box["decided"] += len(keep) - len(cand)
                if (decide == "support" and box["tested"] >= BOX_TRIAL
                        and box["decided"] * 100 < box["tested"]):
                    box["on"] = False     # it decides under 1% (high n0): LPs decide those units
            V = W @ Rc.T + Qc
            has_pos, has_neg = (V > band).any(axis=0).tolist(), (V < -band).any(axis=0).tolist()
            Ql, bandl = Qc.tolist(), band.tolist()   # the rows stay arrays (n0 may be 784)
        for k, i in enumerate(cand.tolist()):
            if has_pos[k] and has_neg[k]:  # known points on both sides: it cuts, no LP
                cutting.append(i)
                continue
            last_vertex[0] = None
            if has_pos[k] or has_neg[k]:
                s = -1 if has_pos[k] else 1
                other, y = side_lp(U, i, Rc[k], Ql[k], s, max(bandl[k], lp_trust), W)
                if not other:                  # the hyperplane does not cut C
                    bits[off + i] = has_pos[k]
                    continue
                (cutting if y is not None else thins).append(i)
                new = [] if y is None else [y]
            else:                              # every known point is within the band: both sides
                (fp, yp), (fn, yn) = (side_lp(U, i, Rc[k], Ql[k], s, max(bandl[k], lp_trust), W) for s in (1, -1))
                new = [y for y in (yp, yn) if y is not None]
                if fp and fn and new:
                    (cutting if len(new) == 2 else thins).append(i)
                elif fp != fn:
                    bits[off + i] = fp
                else:   # no float point beyond the band on either side: the cell is thin, go exact
                    exact.subtree(bits, path, U.layer, cutting + thins + cand[k:].tolist(), points=list(to_x(W)))
                    return
            if new and last_vertex[0] is not None:   # y beyond later one-sided candidates: no LP
                new += beyond(lp, lp_trust, last_vertex[0], W, Rc, Qc, bandl, has_pos, has_neg, k + 1)
            for y in new:                      # where the new points lie for the later candidates
                for m, v in enumerate((Rc[k + 1:] @ y + Qc[k + 1:]).tolist(), start=k + 1):
                    if v > bandl[m]:
                        has_pos[m] = True
                    elif v < -bandl[m]:
                        has_neg[m] = True
            if new:
                W = np.vstack([W] + new)
        if not cutting and thins:
            i, rest = thins[0], thins[1:]
            vals = W @ R[i] + Q[i]
            clear = 1 if (vals > U.band[i]).any() else -1   # the side the known points are on
            exact.sliver_branch(router, bits, path, U.layer, off, i, clear, rest)
            if router.enter(1):        # branch 1: the clear side
                try:
                    descend(U, i, clear, np.array(rest, dtype=int), W[clear * vals > U.band[i]], blo, bhi)
                finally:
                    router.leave()
            return
        if not cutting:
            layer_step(U.layer + 1, U.output(bits), W, blo, bhi)
            return
        i, rest = cutting[0], np.array(cutting[1:] + thins, dtype=int)
        vals = W @ R[i] + Q[i]
        bi = U.band[i]
        pushed = False
        try:
            for b, s in enumerate((1, -1)):   # descend(), inlined: this is the hot path
                if not router.enter(b):
                    continue
                r, q = s * R[i], s * Q[i]
                bits[off + i] = s > 0
                if pushed:                    # the other side: the same row turned round
                    lp.replace_top(r, -q)
                else:
                    lp.push(r, -q)
                    pushed = True
                path.push(r, q, (U.layer, i, s))
                nlo, nhi = tighten_box(blo, bhi, r, q) if box["on"] else (blo, bhi)
                try:
                    split(U, rest, W[s * vals > bi][-max_points:], nlo, nhi)
                finally:
                    path.pop()
                    router.leave()
        finally:
            if pushed:
                lp.pop()

    def maxout_units(U, units, W, blo, bhi):
        """Split the cell among the arguments of the first maxout unit in ``units``: argument
        j's piece is the cell with z_j - z_m >= 0 for every other argument m (activations.py).
        Each comparison is decided by the known points, the bounding box, or one margin LP on the
        piece so far, as for a relu unit; a margin within the error band sends the rest of that
        piece to the exact path."""
        if ctx.expired():
            raise StopSearch
        if not units:
            layer_step(U.layer + 1, U.output(bits), W, blo, bhi)
            return
        u, rest = units[0], units[1:]
        for b, (j, others) in enumerate(U.arguments(u, bits)):
            if not router.enter(b):
                continue
            Wc, nlo, nhi, pushed, alive = W, blo, bhi, 0, True
            try:
                for n, m in enumerate(others):
                    r, q, band, zero = U.comparison(j, m, xmax, exact_floats)
                    if zero:
                        kind = exact.constant_comparison(bits, U.layer, j, m)
                        if kind == "always":
                            continue
                        if kind == "lost":
                            exact.subtree(bits, path, U.layer, rest, points=list(to_x(Wc)),
                                          extras=[(U.layer, (j, mm), 1) for mm in others[n:]])
                        alive = False
                        break
                    vals = Wc @ r + q
                    inside = vals > band
                    if inside.all() and (np.minimum(r * nlo, r * nhi).sum() + q > band):
                        continue                          # satisfied on the whole cell
                    if not inside.any():
                        trust = max(band, lp_trust)
                        kind, y = reach(r, q, 1, trust, Wc)
                        t = -np.inf if kind == "no" else None
                        if kind == "unsure":
                            ctx.stats["lps"] = lp.solves + 1
                            t, y = lp.probe(r, -q, trust)
                        if y is not None and float(np.dot(r, y)) + q > trust:
                            Wc, inside = np.vstack([Wc, y[None, :]]), np.append(inside, True)
                        elif t is not None and t < -trust:
                            alive = False
                            break
                        else:
                            if exact.side_has_interior(bits, path, U.layer, (j, m), 1):
                                exact.subtree(bits, path, U.layer, rest, points=list(to_x(Wc)),
                                              extras=[(U.layer, (j, mm), 1) for mm in others[n:]])
                            alive = False
                            break
                    lp.push(r, -q)
                    path.push(r, q, (U.layer, (j, m), 1))
                    pushed += 1
                    Wc = Wc[inside]
                    nlo, nhi = tighten_box(nlo, nhi, r, q)
                if alive:
                    maxout_units(U, rest, Wc[-max_points:], nlo, nhi)
            finally:
                for _ in range(pushed):
                    lp.pop()
                    path.pop()
                router.leave()

    def descend(U, i, s, rest, Wc, blo, bhi):
        """Go into the child C ∩ {s (r_i.x + q_i) >= 0} with its known points Wc."""
        r, q = s * U.R[i], s * U.Q[i]
        bits[U.offset + i] = s > 0
        lp.push(r, -q)
        path.push(r, q, (U.layer, int(i), s))
        nlo, nhi = tighten_box(blo, bhi, r, q)
        try:
            split(U, rest, Wc, nlo, nhi)
        finally:
            lp.pop()
            path.pop()

    try:
        layer_step(0, root, ((lo + hi) / 2)[None, :], lo, hi)
    except StopSearch:
        pass
    ctx.stats["lps"] = lp.solves
    if isinstance(lp, DenseSupportLP):
        ctx.stats["dense_lps"] = lp.dense_solves
        ctx.stats["dense_iterations"] = lp.iterations
        ctx.stats["dense_handed"] = lp.handed
        ctx.stats["dense_cutoffs"] = lp.cutoffs
        ctx.stats["dense_reached"] = lp.reached
        ctx.stats["shrunk_lps"] = lp.shrunk_solves
        ctx.stats["warm_lps"] = lp.warm_solves
        ctx.stats["warm_bases_skipped"] = bases.skipped
    if getattr(lp, "basis_resets", 0):
        ctx.stats["basis_resets"] = lp.basis_resets

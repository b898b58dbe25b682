"""Linear regions, distinct affine maps and the region adjacency graph (REFERENCE.md §6.1).

For an activation region S the network is affine, ``F(x) = G_S x + c_S`` with
``G_S = W^L D_{L-1} W^{L-1} ... D_1 W^1`` (D = diag(S_l) for ReLU layers, I for identity
layers), computed and compared in exact rational arithmetic for every network (a float weight is
the rational its float64 value is): two cells have the same map iff G and c are equal.

* ``affine_maps``: the number of distinct (G_S, c_S). Float maps with rigorous error bounds are
  computed for all cells at once; only cells whose float maps could coincide are compared
  exactly (analysis/map_groups.py), so generic networks need no rational arithmetic here.
* ``linear_regions``: connected components of the union of closed cells with the same map.
  Connectivity ``touch`` (default): two closed cells are joined when their closures meet, even in
  a single point (REFERENCE §5 row 54 gives 5), decided by an LP on the union of their
  non-strict constraints. ``facet``: joined only across a shared facet (row 54 gives 6).
* Only cells with the same map can merge, so both connectivities decide pairs inside the groups
  of one map only (on generic networks every group is a single cell: no geometry at all). A
  pair shares a facet when a hyperplane bounds both cells on opposite sides and the facet LP on
  it (the hyperplane held at 0, every other row of both cells with margin t) has t* > 0.
* The adjacency graph (``--graph-out``): nodes are activation regions, edges join cells that
  share a facet; the neighbour across the facet of unit i is found by stepping off the facet's
  Chebyshev centre (one LP per region and bounding hyperplane).
"""

from __future__ import annotations

import time

import networkx as nx
import numpy as np

from ..engines.exact import ExactNet, max_margin
from ..engines.shared import (MARGIN_TOL, ZERO_TOL, affine_preactivations, cell_constraints, margin_lp,
                              new_highs)
from ..nets.network import Network
from ..result import CountResult
from .map_groups import MapTable, UnionFind, group_by_map_fast, shared_groups

CONNECTIVITY = ("touch", "facet")


class AnalysisStopped(Exception):
    """The analysis reached its deadline (the time limit of the run)."""


def _check(deadline) -> None:
    if deadline is not None and time.perf_counter() >= deadline:
        raise AnalysisStopped
TOUCH_BAND = 1e-7   # float touch LP: |t*| below this (rows normalised, x in box units) -> exact LP


def affine_map(net: Network, bits, *, exact: bool = True):
    """(G, c) of the output on the cell of ``bits``: exact (ints or Fractions) by default, else
    float arrays (for drawing)."""
    G, c = affine_preactivations(net, bits, exact=exact)[-1]
    return G, c


def map_json(G, c) -> dict:
    """An affine map as JSON: exact numbers as ints or "p/q" strings, floats as floats."""
    def enc(v):
        if isinstance(v, (int, np.integer)):
            return int(v)
        if hasattr(v, "denominator"):
            return int(v) if v.denominator == 1 else str(v)
        return float(v)
    return {"gradient": [[enc(v) for v in row] for row in np.asarray(G).tolist()],
            "offset": [enc(v) for v in np.asarray(c).tolist()]}


def map_key(ex: ExactNet, bits):
    """Hashable exact key of the output's affine map on the cell of ``bits``: the entries of G
    and c as exact rationals, no rounding and no normalisation (maps 2x and x differ)."""
    G, c = ex.output_map(bits)
    return tuple(G.entries()) + tuple(c.entries())


def closures_touch(net: Network, bits_a, bits_b, *, highs=None, constraints=None, exact=None) -> bool:
    """Do the closed cells of two patterns meet (in the box)? One LP on the union of their
    non-strict constraints: max t with every normalised row >= t; touching iff t* >= 0.
    Decided by the float LP when |t*| > TOUCH_BAND, else by the exact LP (engines/exact/simplex.py) on the
    exact rows (``exact`` is an :class:`ExactNet`, built when not given).
    ``constraints`` may supply the two cells' (A, c, s) from :func:`cells.cell_constraints`."""
    (A1, c1, s1), (A2, c2, s2) = constraints or (cell_constraints(net, bits_a)[:3],
                                                 cell_constraints(net, bits_b)[:3])
    sol = margin_lp(net, np.vstack([A1, A2]), np.concatenate([c1, c2]), np.concatenate([s1, s2]),
                    box_margin=False, highs=highs)
    if sol.status == "optimal" and abs(sol.objective) > TOUCH_BAND * float(np.max(net.domain.upper - net.domain.lower)):
        return sol.objective > 0
    ex = exact or ExactNet(net)
    rows = ex.cell_rows(bits_a)[0] + ex.cell_rows(bits_b)[0]
    return max_margin(rows, ex.lo, ex.hi, box_margin=False).t >= 0


def _unit_rows(cons):
    """Signed rows of a cell (s (a.x + c) >= 0), normalised: (R, q, A, c, s) without zero rows."""
    A, c, s = cons
    norms = np.linalg.norm(A, axis=1)
    live = norms > ZERO_TOL * (1 + np.abs(c))
    A, c, s, norms = A[live], c[live], s[live], norms[live]
    return (s[:, None] * A / norms[:, None], s * c / norms, A, c, s)


def share_facet(net: Network, cons_a, cons_b, *, highs=None) -> bool:
    """Do two cells (their :func:`cells.cell_constraints`) share a facet? A shared facet lies on a
    hyperplane that bounds one cell from each side: for each row of a whose opposite is a row of
    b, the facet LP holds it at 0 and asks every row of both cells not on that hyperplane for
    margin t; a facet iff t* > MARGIN_TOL x the box's largest side (as :func:`adjacency_graph`)."""
    Ra, qa, Aa, ca, sa = _unit_rows(cons_a)
    Rb, qb, Ab, cb, sb = _unit_rows(cons_b)
    if not len(qa) or not len(qb):
        return False
    Ua, Ub = np.hstack([Ra, qa[:, None]]), np.hstack([Rb, qb[:, None]])
    scale = 1e-9 * (1 + np.abs(Ua).max(axis=1))
    opposite = np.nonzero(np.any(np.all(np.abs(Ua[:, None, :] + Ub[None, :, :]) <= scale[:, None, None],
                                        axis=2), axis=1))[0]
    if not len(opposite):
        return False
    A, c, s = np.vstack([Aa, Ab]), np.concatenate([ca, cb]), np.concatenate([sa, sb])
    U = np.vstack([Ua, Ub])
    tol = MARGIN_TOL * float(np.max(net.domain.upper - net.domain.lower))
    tried = []
    for i in opposite:
        if any(np.all(np.abs(np.abs(Ua[i]) - np.abs(u)) <= 1e-9 * (1 + np.abs(u).max())) for u in tried):
            continue
        tried.append(Ua[i])
        on = np.all(np.abs(U - Ua[i]) <= 1e-9 * (1 + np.abs(Ua[i]).max()), axis=1) | \
            np.all(np.abs(U + Ua[i]) <= 1e-9 * (1 + np.abs(Ua[i]).max()), axis=1)
        sol = margin_lp(net, A[~on], c[~on], s[~on], equality=(Aa[i], ca[i]), highs=highs)
        if sol.status == "optimal" and sol.objective > tol:
            return True
    return False


def may_share_facet(net: Network, bits_a, bits_b) -> bool:
    """A necessary condition, from the patterns: two cells first differ in layer l, where both lie
    in one cell of the layers before; a shared facet lies on the hyperplane of a differing unit,
    and every differing ReLU unit of layer l must have that same hyperplane (else the closures
    meet in less than a facet). False when the differing units' hyperplanes are not one."""
    a, b = np.asarray(bits_a, dtype=bool), np.asarray(bits_b, dtype=bool)
    diff = np.flatnonzero(a != b)
    if len(diff) < 2:
        return True
    l = net.relu_units[int(diff[0])][0]
    if net.layers[l].activation != "relu":
        return True
    end = net.relu_offset[l] + net.layers[l].n_bits
    D = diff[diff < end]
    if len(D) < 2:
        return True
    P, p = affine_preactivations(net, a)[l]
    rows = np.hstack([P, p[:, None]])[D - net.relu_offset[l]]
    norms = np.linalg.norm(rows[:, :-1], axis=1)
    if (norms == 0).any():
        return True
    U = rows / norms[:, None]
    tol = 1e-9 * (1 + np.abs(U).max())
    return bool(np.all(np.minimum(np.abs(U - U[0]).max(axis=1), np.abs(U + U[0]).max(axis=1)) <= tol))


def adjacency_graph(net: Network, regions, map_ids=None, deadline=None) -> nx.Graph:
    """Region adjacency graph: an edge for every facet two activation regions share.

    For each region and each unit i whose hyperplane bounds it, an LP finds the Chebyshev centre
    x_f of the facet (unit i's hyperplane, and those that coincide with it, held at 0; every other
    constraint with margin t); when t > 0, the point just across, ``x_f -+ (t/2) a_i/||a_i||``,
    is evaluated and its pattern looked up among the regions.
    """
    index = {np.asarray(r.bits, bool).tobytes(): k for k, r in enumerate(regions)}
    G = nx.Graph()
    for k, r in enumerate(regions):
        G.add_node(k, pattern=net.pattern_text(r.bits), witness=[float(v) for v in r.witness],
                   map_id=None if map_ids is None else int(map_ids[k]))
    lo, hi = net.domain.lower, net.domain.upper
    n0 = net.input_dim
    tol = MARGIN_TOL * float(np.max(hi - lo))
    h = new_highs(primal_feasibility_tolerance=1e-9, dual_feasibility_tolerance=1e-9)
    for k, r in enumerate(regions):
        _check(deadline)
        A, c, s, _ = cell_constraints(net, r.bits)
        norms = np.linalg.norm(A, axis=1)
        live = norms > ZERO_TOL * (1 + np.abs(c))
        A, c, s, norms = A[live], c[live], s[live], norms[live]
        U = np.hstack([A / norms[:, None], (c / norms)[:, None]])
        done = set()
        for i in range(len(c)):
            if i in done:
                continue
            same = np.nonzero(np.all(np.abs(U - U[i]) <= 1e-9, axis=1) | np.all(np.abs(U + U[i]) <= 1e-9, axis=1))[0]
            done.update(same.tolist())
            other = np.setdiff1d(np.arange(len(c)), same)
            sol = margin_lp(net, A[other], c[other], s[other], equality=(A[i], c[i]), highs=h)
            if sol.status != "optimal" or sol.objective <= tol:
                continue
            t = float(sol.objective)
            step = -s[i] * (t / 2) * A[i] / norms[i]
            x_across = sol.x[:n0] + step
            j = index.get(net.patterns(x_across[None, :])[0].tobytes())
            if j is not None and j != k:
                G.add_edge(k, j)
    return G


def analyse(net: Network, result: CountResult, connectivity: str = "touch", deadline=None) -> list[int]:
    """Fill ``result.affine_maps``, ``linear_regions``, ``connectivity``, ``maps`` (one (G, c) per
    distinct map) and ``map_ids``; return each region's linear-region label. Needs a complete
    result with its regions in memory. Raises AnalysisStopped past ``deadline`` (perf_counter time)."""
    if connectivity not in CONNECTIVITY:
        raise ValueError(f"connectivity must be one of {CONNECTIVITY}")
    regions = result.regions
    ex = ExactNet(net)
    map_ids, reps = group_by_map_fast(net, regions, lambda bits: map_key(ex, bits), deadline, _check)
    uf = UnionFind(len(regions))
    h = new_highs(primal_feasibility_tolerance=1e-9, dual_feasibility_tolerance=1e-9) if connectivity == "facet" \
        else new_highs(primal_feasibility_tolerance=1e-10)
    cons = {}

    def constraints(k):
        if k not in cons:
            cons[k] = cell_constraints(net, regions[k].bits)[:3]
        return cons[k]

    def joined(a, b):
        if connectivity == "facet":
            return (may_share_facet(net, regions[a].bits, regions[b].bits)
                    and share_facet(net, constraints(a), constraints(b), highs=h))
        return closures_touch(net, regions[a].bits, regions[b].bits, highs=h,
                              constraints=(constraints(a), constraints(b)), exact=ex)

    for members in shared_groups(map_ids):   # only cells with one map can merge (module docstring)
        _check(deadline)
        members = members.tolist()
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                a, b = members[x], members[y]
                if uf.find(a) != uf.find(b) and joined(a, b):
                    uf.union(a, b)
    labels = uf.labels()
    result.affine_maps = len(reps)
    result.linear_regions = int(labels.max()) + 1 if len(labels) else 0
    result.connectivity = connectivity
    result.map_ids = map_ids
    result.maps = MapTable(regions, reps, lambda bits: affine_map(net, bits))
    result.lr_labels = labels
    return labels

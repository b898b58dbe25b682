"""Counts over all of R^n0 for any n0: a box that provably meets every region (issue 16).

Let B be a box and H the hyperplanes {a.x + c = 0} that the patterns found in B put on x (every
unit of every layer, with the pre-activation map of the pattern's prefix; exact rationals,
engines/exact.ExactNet.pattern_rows). Let r be the rank of H's normals and L = ker, the
directions along which nothing changes. Every minimal face of the arrangement A(H) is an affine
subspace p + L with N_S p = -c_S for r hyperplanes S of independent normals; take p of least
norm (p in the row space). **Claim**: if every such p lies in the interior of B, then B meets
the interior of every activation region of R^n0, and every touching or facet between two
regions, so the counts over B (activation regions, linear regions, affine maps) are those over
R^n0.

Proof. Suppose a pattern is realized in R^n0 but not in B; take the first layer l whose prefix
(the pattern up to layer l) is not realized in B. Its prefix up to layer l-1 is realized in B,
so H holds the layer-l hyperplanes of that prefix, and the set where the prefix-l holds is a
union of closed cells of A(H) of full dimension. Such a cell contains a minimal face p + L of
A(H); p is in int B, and near p the cell has interior points in B: the prefix-l is realized in
B, a contradiction. The same holds for faces shared by two regions (each face of A(H) contains a
minimal face), so adjacency is kept too. ∎

So the search is a fixed point: count on B, collect H, compute the points p (exactly), and if
one lies outside int B, enlarge B to contain them all with a margin of 1 and count again. The
pattern set only grows, so this ends. The cost is one solve per r-subset of H with independent
normals: fine for the small networks of the theorems (``MAX_SUBSETS`` bounds it).
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations

from ..errors import MipRegionsError
from ..nets.network import Network, with_domain

MAX_SUBSETS = 3_000_000
MAX_ROUNDS = 20


def _canonical(a, c):
    """(a, c) scaled so that the first nonzero entry of a is 1, or None when a = 0."""
    a = [Fraction(int(v.p), int(v.q)) if hasattr(v, "p") else Fraction(v) for v in a]
    c = Fraction(int(c.p), int(c.q)) if hasattr(c, "p") else Fraction(c)
    for v in a:
        if v:
            return tuple(w / v for w in a), c / v
    return None


def region_hyperplanes(net: Network, regions) -> list:
    """The distinct hyperplanes (a, c) the regions' patterns put on x (module docstring's H)."""
    from ..engines.exact import ExactNet
    ex = ExactNet(net)
    seen = set()
    for region in regions:
        for _pos, a, c, _strict in ex.pattern_rows(region.bits):
            if a is None:
                continue
            h = _canonical(a, c)
            if h is not None:
                seen.add(h)
    return sorted(seen)


def _solve(M, rhs):
    """Exact Gauss-Jordan solve of the square system M y = rhs; None when M is singular."""
    n = len(M)
    A = [list(row) + [r] for row, r in zip(M, rhs)]
    for col in range(n):
        piv = next((i for i in range(col, n) if A[i][col] != 0), None)
        if piv is None:
            return None
        A[col], A[piv] = A[piv], A[col]
        inv = 1 / A[col][col]
        A[col] = [v * inv for v in A[col]]
        for i in range(n):
            if i != col and A[i][col] != 0:
                f = A[i][col]
                A[i] = [v - f * w for v, w in zip(A[i], A[col])]
    return [A[i][n] for i in range(n)]


def _rank(rows) -> int:
    rows = [list(r) for r in rows]
    rank, n = 0, len(rows[0]) if rows else 0
    for col in range(n):
        piv = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if piv is None:
            continue
        rows[rank], rows[piv] = rows[piv], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                f = rows[i][col] / rows[rank][col]
                rows[i] = [v - f * w for v, w in zip(rows[i], rows[rank])]
        rank += 1
    return rank


def minimal_face_points(H, n0: int):
    """The least-norm point of every minimal face of the arrangement of H (module docstring)."""
    if not H:
        return [], 0
    r = _rank([a for a, _ in H])
    n_sub = math.comb(len(H), r)
    if n_sub > MAX_SUBSETS:
        raise MipRegionsError(f"counting over R^{n0}: the arrangement has {len(H)} distinct hyperplanes of rank "
                              f"{r}, {n_sub} subsets to solve (more than {MAX_SUBSETS}); count on a box instead")
    points = set()
    for S in combinations(H, r):
        N = [a for a, _ in S]
        G = [[sum((u * v for u, v in zip(x, y)), Fraction(0)) for y in N] for x in N]   # N N^T
        y = _solve(G, [-c for _, c in S])
        if y is None:
            continue
        points.add(tuple(sum((y[k] * N[k][j] for k in range(r)), Fraction(0)) for j in range(n0)))
    return sorted(points), r


def whole_space_box(net: Network, method: str = "auto", *, start: float = 1.0, time_limit=None):
    """The fixed point of the module docstring: (network on the certified box, the box's half-width
    M (the box is [-M, M]^n0), rounds, hyperplanes, rank, minimal-face points)."""
    return count_whole_space(net, method, start=start, time_limit=time_limit)[1:]


def count_whole_space(net: Network, method: str = "auto", *, start: float = 1.0, time_limit=None,
                      linear: bool = False, connectivity: str = "touch"):
    """:func:`whole_space_box` with the count of its last round, which is the count over R^n0:
    (CountResult, network on the box, M, rounds, hyperplanes, rank, minimal-face points). With
    ``linear`` every round runs the linear-region analysis too (the last one is the answer)."""
    from ..counting import count_regions
    M = int(max(1, math.ceil(start)))
    for rounds in range(1, MAX_ROUNDS + 1):
        boxed = with_domain(net, [-M] * net.input_dim, [M] * net.input_dim)
        res = count_regions(boxed, method, time_limit=time_limit, keep_regions=True, linear=linear,
                            connectivity=connectivity, progress=False)
        if not res.complete:
            raise MipRegionsError(f"counting over R^{net.input_dim}: the count on [-{M}, {M}]^{net.input_dim} "
                                  f"stopped ({res.stop_reason}); no certified box")
        H = region_hyperplanes(boxed, res.regions)
        points, rank = minimal_face_points(H, net.input_dim)
        far = max((abs(v) for p in points for v in p), default=Fraction(0))
        if far < M:
            return res, boxed, M, rounds, len(H), rank, len(points)
        M = max(2 * M, math.floor(far) + 1)
    raise MipRegionsError(f"counting over R^{net.input_dim}: no certified box after {MAX_ROUNDS} rounds")

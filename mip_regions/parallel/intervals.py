"""exact1d in parallel: the interval cut into K parts with exact (rational) end points, each
part's pieces found by a Dask task (engines/exact1d.pieces_1d), and the pieces joined again.

At a cut point c, the last piece of one part and the first piece of the next form one region
exactly when their patterns are equal: each pattern's set is an interval (module docstring of
exact1d), so two pieces with one pattern that meet at c are one piece that the cut split (a unit
that only touches zero at c changes no full-dimensional pattern, as in the serial engine's merge).
The joined pieces are reported as exact1d reports them (exact midpoint, half length), so the
result is the serial one region for region, witnesses included.
"""

from __future__ import annotations

import time
from fractions import Fraction

from ..nets.network import Network, with_domain
from ..result import CountResult, RunContext


def interval_pieces(net: Network, left: Fraction, right: Fraction, time_limit=None):
    """(pieces [(left, right, bits)], complete) of the net restricted to [left, right]."""
    from ..engines.exact import pieces_1d
    from ..result import StopSearch
    sub = with_domain(net, [str(left)], [str(right)])
    ctx = RunContext(sub, "exact1d", time_limit=time_limit, keep_regions=False, progress=False)
    out = []
    try:
        for a, b, bits in pieces_1d(sub, ctx):
            out.append((a, b, bits))
    except StopSearch:
        pass
    return out, ctx.stop_reason is None


def cut_points(lo: Fraction, hi: Fraction, parts: int) -> list[Fraction]:
    """lo = c_0 < c_1 < ... < c_parts = hi, equally spaced (exact)."""
    return [lo + (hi - lo) * Fraction(k, parts) for k in range(parts + 1)]


def join(parts_pieces):
    """The pieces of consecutive parts, with the two pieces at each cut joined when their
    patterns are equal (module docstring)."""
    out = []
    for pieces in parts_pieces:
        for a, b, bits in pieces:
            if out and out[-1][1] == a and (out[-1][2] == bits).all():
                out[-1] = (out[-1][0], b, bits)
            else:
                out.append((a, b, bits))
    return out


def count_intervals(net: Network, client, n_workers: int, *, time_limit=None, keep_regions=True) -> CountResult:
    """Count a 1-D network over its interval with ``10 n_workers`` parts on the Dask ``client``."""
    t0 = time.perf_counter()
    lo, hi = (Fraction(v[0]) for v in net.exact_domain())
    points = cut_points(lo, hi, 10 * max(n_workers, 1))
    net_f = client.scatter(net, broadcast=True, hash=False)
    futs = [client.submit(interval_pieces, net_f, a, b, time_limit, pure=False) for a, b in zip(points, points[1:])]
    done = client.gather(futs)
    client.cancel([net_f])
    ctx = RunContext(net, "exact1d", keep_regions=keep_regions, progress=False)
    complete = all(ok for _, ok in done)
    pieces = join([p for p, _ in done])
    if not complete:   # a stopped part leaves a gap: one region may show on both sides of it, so
        seen = set()   # count distinct patterns (each pattern's set is one interval): a lower bound
        pieces = [pc for pc in pieces if not (pc[2].tobytes() in seen or seen.add(pc[2].tobytes()))]
    for a, b, bits in pieces:
        mid = (a + b) / 2
        ctx.add_region(bits, [float(mid)], float((b - a) / 2), exact_witness=[mid])
    res = ctx.result()
    res.complete = complete
    res.stop_reason = None if complete else "time limit reached"
    res.seconds = time.perf_counter() - t0
    res.stats.update(tasks=len(futs), workers=n_workers)
    return res

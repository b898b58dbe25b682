"""exact1d in parallel: the interval cut into K parts with exact (rational) end points, each
part's pieces found by a Dask task (the float-filtered 1-D engine, engines.line), and the pieces
joined again.

At a cut point c, the last piece of one part and the first piece of the next form one region
exactly when their patterns are equal: each pattern's set is an interval (engines/line/walk.py),
so two pieces with one pattern that meet at c are one piece that the cut split (a unit that
only touches zero at c changes no full-dimensional pattern, as in the serial engine's merge).
A joined piece gets the cut point c as its witness (c is strictly inside it); the others keep
the witness their part found. The count and the patterns, in order, are the serial run's.
"""

from __future__ import annotations

import time
from fractions import Fraction

from ..nets.network import Network, with_domain
from ..result import CountResult, RunContext


def interval_pieces(net: Network, left: Fraction, right: Fraction, time_limit=None):
    """(pieces [(bits, witness, margin, exact witness or None)], complete) of the net restricted
    to [left, right] (plain values: they travel back from a worker)."""
    from ..engines.line import pieces_float, witness
    from ..result import StopSearch
    sub = with_domain(net, [str(left)], [str(right)])
    ctx = RunContext(sub, "exact1d", time_limit=time_limit, keep_regions=False, progress=False)
    out = []
    try:
        for a, b, bits in pieces_float(sub, ctx):
            out.append((bits, *witness(a, b)))
    except StopSearch:
        pass
    return out, ctx.stop_reason is None


def cut_points(lo: Fraction, hi: Fraction, parts: int) -> list[Fraction]:
    """lo = c_0 < c_1 < ... < c_parts = hi, equally spaced (exact)."""
    return [lo + (hi - lo) * Fraction(k, parts) for k in range(parts + 1)]


def join(parts_pieces, cuts, complete=None):
    """The pieces of consecutive parts (part k spans [cuts[k], cuts[k+1]]), with the two pieces
    at each cut joined when their patterns are equal; a joined piece's witness is the cut point
    (module docstring). ``complete[k]`` False: part k stopped early, so its last piece does not
    reach the cut and nothing is joined there."""
    out = []
    for k, pieces in enumerate(parts_pieces):
        reaches = k > 0 and (complete is None or complete[k - 1])
        for n, (bits, w, margin, ex) in enumerate(pieces):
            if n == 0 and reaches and out and (out[-1][0] == bits).all():
                c = cuts[k]
                exact = None if Fraction(float(c)) == c else c
                out[-1] = (bits, float(c), min(out[-1][2], margin), exact)
            else:
                out.append((bits, w, margin, ex))
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
    pieces = join([p for p, _ in done], points, [ok for _, ok in done])
    if not complete:   # a stopped part leaves a gap: one region may show on both sides of it, so
        seen = set()   # count distinct patterns (each pattern's set is one interval): a lower bound
        pieces = [pc for pc in pieces if not (pc[0].tobytes() in seen or seen.add(pc[0].tobytes()))]
    for bits, w, margin, ex in pieces:
        ctx.add_region(bits, [w], margin, exact_witness=None if ex is None else [ex])
    res = ctx.result()
    res.complete = complete
    res.stop_reason = None if complete else "time limit reached"
    res.seconds = time.perf_counter() - t0
    res.stats.update(tasks=len(futs), workers=n_workers)
    return res

"""``count FILE --line-from-data X.npy``: exact counts on the segments between consecutive data
points, with the density of region boundaries along them (Hanin & Rolnick 2019)."""

from __future__ import annotations

import json
import sys
import time

from ..errors import MipRegionsError


def add_options(p):
    p.add_argument("--line-from-data", metavar="FILE.npy",
                   help="count on the segments between consecutive rows of a data array (m x n0): regions "
                        "per segment and boundaries crossed per unit length (Hanin & Rolnick 2019)")
    p.add_argument("--segments-out", metavar="FILE.csv",
                   help="with --line-from-data: one CSV row per segment (from, to, length, activation_regions, "
                        "boundaries_per_unit_length, count_is, seconds)")


def count_data_lines(args, load_network) -> int:
    """Exact counts (exact1d on the network restricted to each segment, nets/restrict.py), a
    progress line on a terminal, the boundaries crossed per unit length overall and their spread
    over the segments; ``--time-limit`` applies to each segment (a stopped one is a lower bound)."""
    import numpy as np
    from ..counting import count_regions
    from ..io.outputs import atomic_write, check_output
    from ..nets.restrict import line
    if args.segments_out:
        check_output(args.segments_out, "--segments-out", inputs=[args.file, args.line_from_data])
    net = load_network(args.file, args)
    try:
        X = np.load(args.line_from_data)
    except (OSError, ValueError) as exc:
        raise MipRegionsError(f"--line-from-data: cannot read {args.line_from_data} ({exc})") from None
    X = np.asarray(X, dtype=float).reshape(len(X), -1) if np.ndim(X) >= 1 else X
    if np.ndim(X) != 2 or X.shape[1] != net.input_dim or len(X) < 2:
        raise MipRegionsError(f"--line-from-data: expected an array of at least 2 points with {net.input_dim} "
                              f"coordinates each, got shape {np.shape(X)}")
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if len(bad):
        raise MipRegionsError(f"--line-from-data: {args.line_from_data}: row {bad[0]} holds "
                              f"{X[bad[0]][~np.isfinite(X[bad[0]])][0]} ({len(bad)} row(s) with NaN or "
                              "infinite coordinates; every coordinate must be a finite number)")
    show = not args.json and sys.stderr.isatty()
    rows, complete, t_all = [], True, time.perf_counter()
    for k, (a, b) in enumerate(zip(X[:-1], X[1:])):
        if np.array_equal(a, b):
            continue
        t0 = time.perf_counter()
        res = count_regions(line(net, a.tolist(), b.tolist()), "exact1d", time_limit=args.time_limit,
                            keep_regions=False, progress=False)
        complete &= res.complete
        length = float(np.linalg.norm(b - a))
        rows.append({"from": k, "to": k + 1, "length": length, "activation_regions": res.activation_regions,
                     "boundaries_per_unit_length": (res.activation_regions - 1) / length,
                     "count_is": "exact" if res.complete else "lower bound",
                     "seconds": round(time.perf_counter() - t0, 3)})
        if show:
            print(f"\r  segment {k + 1}/{len(X) - 1}: {res.activation_regions} regions, "
                  f"{time.perf_counter() - t_all:.0f} s", end="", file=sys.stderr, flush=True)
    if show:
        print(file=sys.stderr)
    if args.segments_out and rows:
        import csv
        with atomic_write(args.segments_out) as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    counts = [r["activation_regions"] for r in rows]
    dens = np.array([r["boundaries_per_unit_length"] for r in rows]) if rows else np.zeros(0)
    crossings = sum(c - 1 for c in counts)
    per_length = crossings / sum(r["length"] for r in rows) if rows else 0.0
    spread = {"mean": float(dens.mean()), "std": float(dens.std()), "median": float(np.median(dens)),
              "min": float(dens.min()), "max": float(dens.max())} if rows else None
    out = {"network": net.describe(), "segments": len(counts), "activation_regions": counts,
           "total_regions": sum(counts), "boundaries_per_unit_length": per_length,
           "density_over_segments": spread, "count_is": "exact" if complete else "lower bound",
           "seconds": round(time.perf_counter() - t_all, 3)}
    if args.json:
        print(json.dumps(out))
        return 0 if complete else 4
    print(f"network              {net.describe()}")
    print(f"segments             {len(counts)} between consecutive points of {args.line_from_data}")
    if counts:
        print(f"activation regions   {sum(counts)} in all, {min(counts)}..{max(counts)} per segment"
              + ("" if complete else " (LOWER BOUND: a segment stopped)"))
        print(f"boundaries crossed   {per_length:.6g} per unit length (Hanin & Rolnick 2019); per segment "
              f"mean {spread['mean']:.6g}, std {spread['std']:.3g}, median {spread['median']:.6g}, "
              f"range {spread['min']:.6g}..{spread['max']:.6g}")
    print(f"time                 {out['seconds']} s")
    return 0 if complete else 4

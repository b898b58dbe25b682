"""``count FILE --line-from-data X.npy``: exact counts on the segments between consecutive data
points, with the density of region boundaries along them (Hanin & Rolnick 2019)."""

from __future__ import annotations

import json
import sys
import time

from ..errors import MipRegionsError


class _progress:
    """Segments done, on stderr: a tqdm bar when tqdm is installed, else one updated line."""

    def __init__(self, total: int, show: bool):
        self.total, self.done, self.regions, self.t0 = total, 0, 0, time.perf_counter()
        self.bar = None
        self.show = show
        if show:
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, unit="segment", file=sys.stderr, dynamic_ncols=True)
            except ImportError:
                pass

    def __call__(self, rows) -> None:
        self.done += len(rows)
        self.regions += sum(r["activation_regions"] for r in rows)
        if self.bar is not None:
            self.bar.update(len(rows))
            self.bar.set_postfix(regions=self.regions, refresh=False)
        elif self.show:
            print(f"\r  segment {self.done}/{self.total}: {self.regions} regions, "
                  f"{time.perf_counter() - self.t0:.0f} s", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.show:
            print(file=sys.stderr)


def add_options(p):
    p.add_argument("--line-from-data", metavar="FILE.npy",
                   help="count on the segments between consecutive rows of a data array (m x n0): regions "
                        "per segment and boundaries crossed per unit length (Hanin & Rolnick 2019)")
    p.add_argument("--segments-out", metavar="FILE.csv",
                   help="with --line-from-data: one CSV row per segment (from, to, length, activation_regions, "
                        "boundaries_per_unit_length, count_is, seconds). With --workers N the segments run "
                        "in chunks on N local processes; --time-limit is per segment")


def count_data_lines(args, load_network) -> int:
    """Exact counts on the network restricted to each segment (workflows/data_lines.py), a progress
    bar on a terminal (tqdm when installed), the boundaries crossed per unit length overall and
    their spread over the segments; ``--time-limit`` applies to each segment (a stopped one is a
    lower bound); ``--workers``/``--scheduler`` run the segments in chunks on a Dask cluster."""
    import numpy as np
    from ..io.outputs import check_output, write_csv_rows
    from ..workflows.data_lines import check_points, segment_rows, summary
    if args.segments_out:
        check_output(args.segments_out, "--segments-out", inputs=[args.file, args.line_from_data])
    if args.workers is not None and args.workers < 1:
        raise MipRegionsError(f"--workers must be at least 1, got {args.workers}")
    if args.workers is not None and args.scheduler:
        raise MipRegionsError("give --workers (a local cluster) or --scheduler (an existing one), not both")
    net = load_network(args.file, args)
    try:
        X = np.load(args.line_from_data)
    except (OSError, ValueError) as exc:
        raise MipRegionsError(f"--line-from-data: cannot read {args.line_from_data} ({exc})") from None
    X = check_points(X, net.input_dim, args.line_from_data)
    t_all = time.perf_counter()
    bar = _progress(len(X) - 1, show=not args.json and sys.stderr.isatty())
    try:
        rows, stopped = segment_rows(net, X, method=args.method, time_limit=args.time_limit, workers=args.workers,
                            scheduler=args.scheduler, on_rows=bar)
    finally:
        bar.close()
    if args.segments_out and rows:
        write_csv_rows(args.segments_out, rows)
    out = {"network": net.describe(), **summary(rows, stopped), "seconds": round(time.perf_counter() - t_all, 3)}
    counts, spread, per_length = out["activation_regions"], out["density_over_segments"], \
        out["boundaries_per_unit_length"]
    complete = out["count_is"] == "exact"
    if args.json:
        print(json.dumps(out))
        return 0 if complete else 4
    print(f"network              {net.describe()}")
    print(f"segments             {len(counts)} between consecutive points of {args.line_from_data}")
    if counts:
        print(f"activation regions   {sum(counts)} in all, {min(counts)}..{max(counts)} per segment"
              + ("" if complete else f" (LOWER BOUND: {stopped or 'a segment stopped at its time limit'})"))
        print(f"boundaries crossed   {per_length:.6g} per unit length (Hanin & Rolnick 2019); per segment "
              f"mean {spread['mean']:.6g}, std {spread['std']:.3g}, median {spread['median']:.6g}, "
              f"range {spread['min']:.6g}..{spread['max']:.6g}")
    print(f"time                 {out['seconds']} s")
    return 0 if complete else 4

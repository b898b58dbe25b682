"""Parallel counting on this machine, and the load balance its subtrees imply for larger clusters
(issue 16). Prints two tables and writes them as CSV + Markdown.

1. **Speedup.** The same count (activation regions only, regions not kept) serially (the plain
   engine, one process) and with ``--workers 2`` (a Dask LocalCluster of 2 single-threaded
   processes, started inside the timed run: its start-up is included). Speedup = serial wall
   time / parallel wall time, from one run each.
2. **Subtree sizes and load balance.** The search is cut at the depth that gives about 10 subtrees
   per worker for 512 workers; every subtree is run to its end (on the 2-worker cluster) and timed.
   Coarser cuts are sums of these (a subtree's route extends its ancestor's). For P = 8, 64 and
   512 workers the table gives the subtree-time distribution of the cut at ~10 P subtrees and the
   efficiency total / (P x makespan) of two schedules simulated from the measured times:
   *static* (the cut's subtrees, longest first, each to the first free worker) and *split on
   demand* (as the tool runs: a subtree longer than ``SPLIT_AFTER`` is replaced by its pieces at
   the finest cut, which approximates the tool's time-based split from above).

Run: python scripts/bench_parallel.py [--widths 6,16,16,16] [--seed 0] [--method vertex] [--out DIR]
     [--speedup-only] [--name speedup]
     (default DIR scripts/results/parallel; about 8 minutes on this machine for 6-16-16-16)
"""

from __future__ import annotations

import argparse
import heapq
import math
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from mip_regions.counting import count_regions
from mip_regions.nets.random_nets import random_mlp
from mip_regions.parallel.dask_count import SPLIT_AFTER, count_parallel
from mip_regions.parallel.tasks import run_route
from mip_regions.report.tables import write_tables


def makespan(times, workers: int) -> float:
    """Longest-first list scheduling of ``times`` onto ``workers`` (each task to the first free)."""
    free = [0.0] * workers
    for t in sorted(times, reverse=True):
        heapq.heapreplace(free, free[0] + t)
    return max(free)


def speedup_rows(net, method):
    rows = []
    t = time.perf_counter()
    ser = count_regions(net, method, keep_regions=False, progress=False)
    t_ser = time.perf_counter() - t
    rows.append({"run": "serial engine, 1 process", "workers": 1, "regions": ser.activation_regions,
                 "wall_s": round(t_ser, 2), "speedup": 1.0, "tasks": 1})
    t = time.perf_counter()
    par = count_parallel(net, method, workers=2, keep_regions=False, progress=False)
    t_par = time.perf_counter() - t
    assert par.activation_regions == ser.activation_regions, "parallel and serial counts differ"
    rows.append({"run": "--workers 2 (LocalCluster, start-up included)", "workers": 2,
                 "regions": par.activation_regions, "wall_s": round(t_par, 2),
                 "speedup": round(t_ser / t_par, 2), "tasks": par.stats["tasks"]})
    return rows, ser.activation_regions


def measured_subtrees(net, method, depth):
    """(route, seconds) of every subtree at the cut ``depth``, each run to its end on a 2-worker
    cluster, and the seconds of the first pass."""
    from distributed import Client, LocalCluster
    import dask
    first = run_route(net, method, {}, (), split_depth=depth, keep_regions=False)
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    with Client(cluster) as client:
        net_f = client.scatter(net, broadcast=True)
        futs = [client.submit(run_route, net_f, method, {}, r, keep_regions=False, pure=False)
                for r in first.handed]
        done = client.gather(futs)
    cluster.close()
    return [(r.route, r.seconds, r.count) for r in done], first


def balance_rows(measured, total_regions):
    rows = []
    total = sum(s for _, s, _ in measured)
    for P in (8, 64, 512):
        want = 10 * P
        # the coarsest cut (by route length) with at least ~10 P subtrees
        for d in range(1, 64):
            groups = defaultdict(float)
            for route, s, _ in measured:
                groups[route[:d]] += s
            if len(groups) >= want or d >= max(len(r) for r, _, _ in measured):
                break
        times = np.array(list(groups.values()))
        static = total / (P * makespan(times.tolist(), P))
        pieces = defaultdict(list)
        for route, s, _ in measured:
            pieces[route[:d]].append(s)
        demand = []
        for key, t in groups.items():
            demand.extend(pieces[key] if t > SPLIT_AFTER else [t])
        dyn = total / (P * makespan(demand, P))
        rows.append({"workers": P, "cut_depth": d, "subtrees": len(times),
                     "median_s": round(float(np.median(times)), 4), "p90_s": round(float(np.quantile(times, 0.9)), 3),
                     "max_s": round(float(times.max()), 3), "max/mean": round(float(times.max() / times.mean()), 1),
                     "efficiency_static": round(static, 3), "efficiency_split_on_demand": round(dyn, 3),
                     "speedup_bound_split_on_demand": round(dyn * P, 1)})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--widths", default="6,16,16,16")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--method", default="vertex", choices=("vertex", "lp"))
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "parallel"))
    ap.add_argument("--speedup-only", action="store_true", help="only the speedup table (not the subtree times)")
    ap.add_argument("--name", default="speedup", help="file name of the speedup table (NAME.csv, NAME.md)")
    args = ap.parse_args()
    widths = [int(w) for w in args.widths.split(",")]
    net = random_mlp(widths, args.seed)
    print(f"# {net.describe()}, method {args.method}")
    rows, n = speedup_rows(net, args.method)
    print("\n## Speedup on this machine\n")
    print(write_tables(rows, args.out, args.name))
    if args.speedup_only:
        return
    depth = math.ceil(math.log2(10 * 512))
    measured, first = measured_subtrees(net, args.method, depth)
    assert first.count + sum(c for _, _, c in measured) == n
    brows = balance_rows(measured, n)
    print(f"\n## Subtree times (finest cut: depth {depth}, {len(measured)} subtrees, "
          f"{sum(s for _, s, _ in measured):.1f} s in all) and the simulated load balance\n")
    print(write_tables(brows, args.out, "balance"))


if __name__ == "__main__":
    main()

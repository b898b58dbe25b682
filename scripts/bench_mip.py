"""Cost of the MIP reference engine: regions per second with and without harvesting and LP
tightening, and the cost of one MIP solve (seeded random MLPs on [-1,1]^n0).

Run: python scripts/bench_mip.py [--out DIR]   (writes bench_mip.csv and bench_mip.md)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mip_regions import count_regions
from mip_regions.nets.random_nets import random_mlp
from mip_regions.report.tables import write_tables

CASES = [[2, 8, 8], [2, 12, 12], [3, 10, 10]]
CONFIGS = [("lp", True), ("lp", False), ("none", True), ("none", False)]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="out/bench", help="output folder (default out/bench)")
    ap.add_argument("--time-limit", type=float, default=120)
    args = ap.parse_args()
    rows = []
    for widths in CASES:
        net = random_mlp(widths, seed=0)
        for tighten, harvest in CONFIGS:
            r = count_regions(net, "mip", tighten=tighten, harvest=harvest, time_limit=args.time_limit,
                              keep_regions=False)
            s = r.stats
            rows.append({
                "net": "-".join(map(str, widths)), "tighten": tighten, "harvest": harvest,
                "regions": r.count_text, "degenerate": r.degenerate_patterns, "solves": s["solves"],
                "seconds": round(r.seconds, 2), "ms_per_solve": round(1000 * s["solve_s"] / s["solves"], 1),
                "patterns_per_solve": s["patterns_per_solve"],
                "regions_per_s": round(r.activation_regions / r.seconds, 1)})
            print(rows[-1], flush=True)
    base = {(r["net"]): r["regions_per_s"] for r in rows if r["tighten"] == "none" and not r["harvest"]}
    for r in rows:
        r["speedup_vs_plain"] = round(r["regions_per_s"] / base[r["net"]], 2)
    print(write_tables(rows, Path(args.out), "bench_mip"))


if __name__ == "__main__":
    main()

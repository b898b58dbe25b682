"""How much of an lp count the exact side decisions take, on trained digits nets (issue 32, item 2).

The lp engine decides a unit whose float margin falls inside its error band in exact arithmetic
(engines/shared/layers.py, ExactPath: exact/verified.py's certified float LP first, the exact
simplex when no proof goes through). Each run reports the time of those decisions and of the
exact subtrees under slivers as ``stats["exact_seconds"]``; this script trains MLPs
64-n1-n2-10 on sklearn's 8x8 digits (scripts/digits_nets.py, pixels in [0, 1]) for a range of
seeds, counts each over [0, 1]^64 with the lp engine, and tabulates that share of the run.

Run: python scripts/exact_share.py [--arch 6,16] [--seeds 0-15] [--out DIR]
(needs scikit-learn: pip install -e '.[experiments]'). Writes exact_share.csv and .md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def seed_range(text: str) -> list[int]:
    """'0-15' or '3,11,12' -> the seeds."""
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(v) for v in text.split(",")]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", default="6,16", help="hidden widths n1,n2 (default 6,16: the issue's net)")
    ap.add_argument("--seeds", default="0-15", help="training seeds, '0-15' or '3,11' (default 0-15)")
    ap.add_argument("--out", default=str(HERE / "results" / "exact_share"), help="output folder")
    args = ap.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    sys.path.insert(0, str(HERE))
    from digits_nets import train_digits

    from mip_regions import count_regions
    from mip_regions.report.tables import write_tables
    n1, n2 = (int(v) for v in args.arch.split(","))
    rows = []
    for seed in seed_range(args.seeds):
        net, err = train_digits(n1, n2, seed)
        t = time.process_time()
        r = count_regions(net, "lp", keep_regions=False, progress=False)
        cpu = time.process_time() - t
        ex = float(r.stats.get("exact_seconds", 0.0))
        rows.append({"net": f"64-{n1}-{n2}-10", "seed": seed, "test_error": round(err, 4),
                     "regions": r.activation_regions, "count_is": "exact" if r.complete else "lower bound",
                     "cpu_s": round(cpu, 2), "exact_decisions": r.stats.get("exact_decisions", 0),
                     "exact_lps": r.stats.get("exact_lps", 0), "exact_s": round(ex, 3),
                     "exact_share_pct": round(100 * ex / cpu, 1) if cpu > 0 else 0.0})
        print(rows[-1], flush=True)
    print(write_tables(rows, args.out, "exact_share"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

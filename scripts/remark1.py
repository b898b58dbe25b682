"""Remark 1 of the ternary paper: "first double the width, then square the width or double the depth".

The general lower bound (Prop. 1, eq. 4) at width n and depth L (affine maps) is
p^(n0 (L-1)) with p = floor(n / n0). The ternary theorem (eq. 11) at width n' and odd depth L'
is q^(n0 (L'-1)/2) with q = floor(n' / (2 (n0 + 1))). Two ternary configurations are set
against the general one:

* "double width, double depth":  n' = 2n,   L' = 2L - 1  ->  q = floor(n/(n0+1)), exponent n0 (L-1);
* "double width, square width":  n' = 2n^2, L' = L (odd L)  ->  q = floor(n^2/(n0+1)),
  exponent n0 (L-1)/2.

Where the regions are few enough, the exact counts of the constructions attaining these bounds
(montufar(n0, p, L), ternary(n0, q, L')) are computed too.

Writes out/paper/remark1.csv, remark1.md and remark1.png. Run: python scripts/remark1.py [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mip_regions import count_regions
from mip_regions.analysis.bounds import prop1_lower, ternary_lower
from mip_regions.nets.constructions import montufar, ternary
from mip_regions.report.tables import write_tables

EXACT_LIMIT = 5000   # compute exact counts only for bounds up to this many regions


def exact(build, bound):
    if bound > EXACT_LIMIT or bound < 1:
        return ""
    return count_regions(build()).activation_regions


def rows_for(n0, n, L):
    p = n // n0
    general = prop1_lower(n0, n, L)
    q_dd = (2 * n) // (2 * (n0 + 1))
    dd = ternary_lower(n0, 2 * n, 2 * L - 1) if q_dd >= 1 else 0
    row = {"n0": n0, "n": n, "L": L, "general_p": p, "general_bound": general,
           "general_exact": exact(lambda: montufar(n0, p, L), general),
           "tern_2n_2L-1_q": q_dd, "tern_2n_2L-1_bound": dd,
           "tern_2n_2L-1_exact": exact(lambda: ternary(n0, q_dd, 2 * L - 1), dd) if q_dd else "",
           "ratio_2n_2L-1": round(dd / general, 4)}
    if L % 2 == 1:
        q_sq = (2 * n * n) // (2 * (n0 + 1))
        sq = ternary_lower(n0, 2 * n * n, L)
        row.update({"tern_2n^2_L_q": q_sq, "tern_2n^2_L_bound": sq,
                    "tern_2n^2_L_exact": exact(lambda: ternary(n0, q_sq, L), sq),
                    "ratio_2n^2_L": round(sq / general, 4)})
    else:
        row.update({"tern_2n^2_L_q": "", "tern_2n^2_L_bound": "", "tern_2n^2_L_exact": "", "ratio_2n^2_L": ""})
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/paper", help="output folder (default out/paper)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = [rows_for(n0, n, L) for n0 in (1, 2) for n in (2, 3, 4, 6) for L in (3, 5, 7) if n >= n0 + 1]
    for r in rows:
        print(" | ".join(str(v) for v in r.values()))
    write_tables(rows, out, "remark1")
    bad = [r for r in rows if r["general_exact"] != "" and r["general_exact"] != r["general_bound"]]
    bad += [r for r in rows if r["tern_2n_2L-1_exact"] != "" and r["tern_2n_2L-1_exact"] != r["tern_2n_2L-1_bound"]]
    bad += [r for r in rows if r["tern_2n^2_L_exact"] != "" and r["tern_2n^2_L_exact"] != r["tern_2n^2_L_bound"]]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing (pip install -e '.[plot]'): no PNG written", file=sys.stderr)
    else:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.8), dpi=100)
        for ax, n0 in zip(axes, (1, 2)):
            for k, n in enumerate((3, 4, 6)):
                sub = [r for r in rows if r["n0"] == n0 and r["n"] == n]
                if not sub:
                    continue
                color = plt.get_cmap("tab10")(k)
                Ls = [r["L"] for r in sub]
                ax.plot(Ls, [r["general_bound"] for r in sub], "-o", color=color, label=f"general (n={n}, L)")
                ax.plot(Ls, [r["tern_2n_2L-1_bound"] for r in sub], "--s", color=color,
                        label="ternary (2n, 2L-1)")
                odd = [r for r in sub if r["tern_2n^2_L_bound"] != ""]
                ax.plot([r["L"] for r in odd], [r["tern_2n^2_L_bound"] for r in odd], ":^", color=color,
                        label="ternary (2n^2, L)")
            ax.set_yscale("log")
            ax.set_xlabel("depth L of the general network (affine maps)")
            ax.set_ylabel("lower bound on the maximum number of regions")
            ax.set_title(f"Remark 1, n0 = {n0}", fontsize=10)
            ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "remark1.png")
        plt.close(fig)
    print(f"written: {out / 'remark1.csv'}, {out / 'remark1.md'}, {out / 'remark1.png'}")
    if bad:
        print(f"FAILED: {len(bad)} exact count(s) differ from the bound their construction attains")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

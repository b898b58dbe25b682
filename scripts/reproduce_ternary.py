"""Reproduce and test the ternary paper's claims on a grid of instances that runs in minutes.

For every (n0, q, L') in the grid:
* the exact activation-region count of the ternary construction (eqs. 12-15) on [0,1]^n0,
* the theorem's lower bound q^(n0 (L'-1)/2) (eq. 11) - the theorem is checked on every
  instance (count >= bound) and equality is expected for the construction,
* Montúfar's construction at the matching ordinary width and depth (p = q, L = (L'+1)/2), its
  exact count and Prop. 1's p^(n0 (L-1)),
* the Serra et al. upper bound of the ternary architecture (ReLU widths, identity layers as
  dimension caps) and of the same architecture padded to the uniform width n' = 2q(n0+1).

Writes out/paper/ternary_grid.csv, ternary_grid.md and counts_vs_depth.png (exact counts
against depth on a log scale, with the bounds as lines). Exit code 1 if any check fails.

Run: python scripts/reproduce_ternary.py [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mip_regions import count_regions
from mip_regions.analysis.bounds import architecture_of, prop1_lower, serra2018, ternary_lower
from mip_regions.nets.constructions import montufar, ternary
from mip_regions.report.tables import write_tables

GRID = [(1, 2, 3), (1, 2, 5), (1, 2, 7), (1, 2, 9), (1, 3, 3), (1, 3, 5), (1, 3, 7), (1, 4, 3), (1, 4, 5),
        (1, 4, 7), (2, 2, 3), (2, 2, 5), (2, 2, 7), (2, 3, 3), (2, 3, 5), (2, 3, 7), (2, 4, 3), (2, 4, 5),
        (2, 4, 7), (2, 3, 9), (3, 2, 3), (3, 2, 5), (3, 2, 7), (3, 3, 3), (3, 3, 5)]
QUICK = [g for g in GRID if g[0] * (g[2] - 1) // 2 * g[1] <= 12]


def run(grid):
    rows, failures = [], []
    for n0, q, Lt in grid:
        t0 = time.perf_counter()
        tern = ternary(n0, q, Lt)
        count = count_regions(tern).activation_regions
        theorem = ternary_lower(n0, 2 * q * (n0 + 1), Lt)
        L = (Lt + 1) // 2
        mont = montufar(n0, q, L)
        mcount = count_regions(mont).activation_regions
        row = {"n0": n0, "q": q, "L_ternary": Lt, "ternary_count": count, "theorem_bound": theorem,
               "theorem_holds": count >= theorem, "equality": count == theorem,
               "montufar_L": L, "montufar_width": q * n0, "montufar_count": mcount,
               "prop1_bound": prop1_lower(n0, q * n0, L),
               "serra_ub_ternary": serra2018(n0, architecture_of(tern)),
               "serra_ub_padded": serra2018(n0, architecture_of(ternary(n0, q, Lt, width=2 * q * (n0 + 1)))),
               "seconds": round(time.perf_counter() - t0, 3)}
        if not row["theorem_holds"]:
            failures.append(f"theorem FAILS on n0={n0} q={q} L'={Lt}: count {count} < bound {theorem}")
        elif not row["equality"]:
            failures.append(f"construction n0={n0} q={q} L'={Lt} has {count} regions, not the expected {theorem}")
        if mcount != count:
            failures.append(f"ternary n0={n0} q={q} L'={Lt} ({count}) differs from montufar ({mcount})")
        rows.append(row)
        print(" | ".join(str(v) for v in row.values()), flush=True)
    return rows, failures


def plot(rows, out: Path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing (pip install -e '.[plot]'): no PNG written", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=100)
    series = sorted({(r["n0"], r["q"]) for r in rows})
    cmap = plt.get_cmap("tab10")
    for k, (n0, q) in enumerate(series):
        sub = sorted((r for r in rows if (r["n0"], r["q"]) == (n0, q)), key=lambda r: r["L_ternary"])
        Ls = [r["L_ternary"] for r in sub]
        color = cmap(k % 10)
        ax.plot(Ls, [r["ternary_count"] for r in sub], "o", color=color, label=f"exact, n0={n0}, q={q}")
        ax.plot(Ls, [r["theorem_bound"] for r in sub], "-", color=color, linewidth=1)
        ax.plot(Ls, [r["serra_ub_ternary"] for r in sub], "--", color=color, linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("depth L' of the ternary network (affine maps)")
    ax.set_ylabel("number of regions")
    ax.set_title("Ternary construction: exact counts (dots), theorem q^(n0(L'-1)/2) (solid),\n"
                 "Serra et al. upper bound of the architecture (dashed)", fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out / "counts_vs_depth.png")
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/paper", help="output folder (default out/paper)")
    ap.add_argument("--quick", action="store_true", help="only the instances with at most 2^12-ish regions")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, failures = run(QUICK if args.quick else GRID)
    write_tables(rows, out, "ternary_grid")
    plot(rows, out)
    print(f"written: {out / 'ternary_grid.csv'}, {out / 'ternary_grid.md'}, {out / 'counts_vs_depth.png'}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print(f"theorem checked on {len(rows)} instances: count >= q^(n0 (L'-1)/2), with equality for the construction")
    return 0


if __name__ == "__main__":
    sys.exit(main())

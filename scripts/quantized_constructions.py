"""The quantization papers' constructions, counted and measured exactly (issue 15).

For r = 1..R: Ding et al.'s f_s^r ~ x^2 on [0, 1] and x'(x, y) ~ xy on [-1, 1]^2, plain and with
weights +-1/2 only: activation regions, linear regions and affine maps (exact engines), the
exact sup error against x^2 (largest over the breakpoints' midpoints, where a chord of x^2 is
farthest) and against xy (over a grid of 1/16), beside the paper's bounds 2^-2(r+1) and
6 2^-2(r+1), depth and weight counts. Then Prop. 3 for lambda = 2..5, t = 4..16 (a worst-case
w = 1/3): layers and weights against the bounds.

Writes out/paper/quantized_constructions.{csv,md}, prop3.{csv,md} and quantized_constructions.png
(regions of f_s^r against r, with 2^r). Run: python scripts/quantized_constructions.py [--r-max R] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction as Q
from pathlib import Path

from mip_regions import count_regions
from mip_regions.nets.quantized_constructions import ding_product, ding_square, ding_weight
from mip_regions.report.tables import write_tables


def weights(net):
    return sum(1 for W, _ in net.rational_layers() for row in W for v in row if v != 0)


def square_rows(r):
    out = []
    for quantized in (False, True):
        net = ding_square(r, quantized=quantized)
        res = count_regions(net, "exact1d", linear=True)
        mids = [Q(2 * k + 1, 2 ** (r + 1)) for k in range(2 ** r)]
        out_exact = net.exact_preactivations_at([[x] for x in mids])[-1]     # one exact product per layer
        err = max(abs(z[0] - x * x) for z, x in zip(out_exact, mids))
        out.append({"function": "f_s^r ~ x^2", "r": r, "weights_in": "{1/2,-1/2}" if quantized else "powers of 2",
                    "activation_regions": res.activation_regions, "linear_regions": res.linear_regions,
                    "affine_maps": res.affine_maps, "exact_sup_error": str(err),
                    "bound": str(Q(1, 4 ** (r + 1))), "within": err <= Q(1, 4 ** (r + 1)),
                    "depth": net.depth, "max_width": max(net.widths), "weights": weights(net)})
    return out


def product_rows(r):
    out = []
    pts = [Q(a, 16) for a in range(-16, 17)]
    for quantized in (False, True):
        net = ding_product(r, quantized=quantized)
        res = count_regions(net, "lp" if quantized else "vertex", linear=True)
        grid = [(x, y) for x in pts for y in pts]
        err = max(abs(z[0] - x * y) for z, (x, y) in zip(net.exact_preactivations_at(grid)[-1], grid))
        bound = 6 * Q(1, 4 ** (r + 1))
        out.append({"function": "x'(x,y) ~ xy", "r": r, "weights_in": "{1/2,-1/2}" if quantized else "powers of 2",
                    "activation_regions": res.activation_regions, "linear_regions": res.linear_regions,
                    "affine_maps": res.affine_maps, "exact_sup_error": f"{err} (grid 1/16)",
                    "bound": str(bound), "within": err <= bound,
                    "depth": net.depth, "max_width": max(net.widths), "weights": weights(net)})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--r-max", type=int, default=8, help="largest r for f_s^r (x' up to min(r-max, 4))")
    ap.add_argument("--out", default="out/paper", help="output folder")
    args = ap.parse_args()
    rows = []
    for r in range(1, args.r_max + 1):
        rows += square_rows(r)
    for r in range(1, min(args.r_max, 4) + 1):
        rows += product_rows(r)
    print(write_tables(rows, args.out, "quantized_constructions"))
    prop3 = []
    for lam in range(2, 6):
        for t in range(4, 17, 4):
            net, wq, st = ding_weight(Q(1, 3), t, lam)
            prop3.append({"lambda": lam, "t": t, "w'": str(wq), "error": str(abs(wq - Q(1, 3))),
                          "values": len(st["values"]), "hidden_layers": st["hidden_layers"],
                          "layer_bound": st["layer_bound"], "weights_per_sign": st["weights_per_sign"],
                          "weight_bound": st["weight_bound"]})
    print(write_tables(prop3, args.out, "prop3"))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no picture (pip install -e '.[plot]')", file=sys.stderr)
        return 0
    sq = [r for r in rows if r["function"].startswith("f_s") and r["weights_in"] == "powers of 2"]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.semilogy([r["r"] for r in sq], [r["linear_regions"] for r in sq], "o-", label="linear regions of f_s^r")
    ax.semilogy([r["r"] for r in sq], [2 ** r["r"] for r in sq], "k--", label="2^r")
    ax.set_xlabel("r")
    ax.legend()
    fig.tight_layout()
    fig.savefig(Path(args.out) / "quantized_constructions.png", dpi=120)
    print(f"written: {args.out}/quantized_constructions.(csv|md|png), prop3.(csv|md)", file=sys.stderr)
    return 0 if all(r["within"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

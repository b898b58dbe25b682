"""The exact maximum numbers of regions over all ternary networks of small 1-D architectures
(issue 16, part 5), over the whole line R, beside the bounds.

For every architecture 1-n_1-...-n_L-1 whose reduced search (hidden units as multisets, output
rows up to sign) has at most --budget networks: the maxima of activation regions, linear regions
and affine maps, the search size before/after the reductions and the time, Serra et al.'s upper
bound (any real weights), the n0 = 1 exact maximum prod(n_l + 1) for real weights where it
applies (widths >= 3), and the ternary paper's lower bound q^((L'-1)/2) where the architecture
has its shape (identity and ReLU layers alternating is not searched here: ReLU layers only).
Witness networks go to DIR/witnesses/.

Writes out/paper/ternary_maxima.{csv,md}. Run: python scripts/ternary_maxima.py [--budget N] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mip_regions.analysis.bounds import BoundError, exact_1d, serra2018
from mip_regions.analysis.whole_line import search_size, search_ternary
from mip_regions.io.netfile import write_network
from mip_regions.nets.network import network_from_lists
from mip_regions.report.tables import write_tables

ARCHS = [[1, 1, 1], [1, 2, 1], [1, 3, 1], [1, 4, 1], [1, 5, 1], [1, 1, 1, 1], [1, 2, 1, 1], [1, 1, 2, 1],
         [1, 2, 2, 1], [1, 3, 1, 1], [1, 1, 1, 1, 1], [1, 2, 1, 2, 1], [1, 3, 2, 1], [1, 2, 3, 1], [1, 3, 3, 1]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=int, default=200_000, help="largest reduced search size to run")
    ap.add_argument("--out", default="out/paper")
    args = ap.parse_args()
    rows = []
    for arch in ARCHS:
        full, reduced = search_size(arch)
        name = "-".join(map(str, arch))
        if reduced > args.budget:
            rows.append({"arch": name, "networks": full, "searched": reduced, "seconds": "over budget",
                         "max_activation": "", "max_linear": "", "max_maps": "", "serra_upper": "",
                         "real_weights_max": ""})
            continue
        res = search_ternary(arch)
        try:
            real = exact_1d(arch[1:-1])
        except BoundError:
            real = ""
        rows.append({"arch": name, "networks": full, "searched": res.searched, "seconds": round(res.seconds, 2),
                     "max_activation": res.best["activation_regions"][0],
                     "max_linear": res.best["linear_regions"][0], "max_maps": res.best["affine_maps"][0],
                     "serra_upper": serra2018(1, arch[1:-1]), "real_weights_max": real})
        folder = Path(args.out) / "witnesses"
        folder.mkdir(parents=True, exist_ok=True)
        for q, (value, layers) in res.best.items():
            write_network(network_from_lists(layers, [-1], [1], name=f"ternary {name}: {value} {q} over R"),
                          folder / f"{name}_{q}.json")
        print(rows[-1], flush=True)
    print(write_tables(rows, args.out, "ternary_maxima"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

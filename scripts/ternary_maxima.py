"""The exact maximum numbers of regions over all ternary networks of small architectures
(issue 16, part 5), over all of R^n0, beside the bounds.

For every architecture n0-n_1-...-n_L-1 (n0 = 1 and n0 = 2, 3) whose reduced search (hidden units
as multisets, output rows up to sign, for n0 >= 2 the first layer up to signed permutations of
the inputs) has at most --budget networks (n0 = 1) or --budget-nd networks (n0 >= 2, each counted
on its certified box, workflows/ternary_search.py): the maxima of activation regions, linear regions
and affine maps, the search size before/after the reductions and the time, Serra et al.'s upper
bound (any real weights), the n0 = 1 exact maximum prod(n_l + 1) for real weights where it
applies (widths >= 3), and the ternary paper's lower bound q^((L'-1)/2) where the architecture
has its shape: q = floor(n'/(2(n0+1))) with n' the narrowest hidden layer, L' = hidden layers + 1
(only ReLU layers are searched here, and these widths give q <= 1, so the paper's bound is 1: its
construction does not fit in them; the column says so rather than leave the comparison out).
Witness networks go to DIR/witnesses/.

Writes out/paper/ternary_maxima.{csv,md}.
Run: python scripts/ternary_maxima.py [--budget N] [--budget-nd N] [--workers N] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mip_regions.analysis.bounds import BoundError, exact_1d, serra2018
from mip_regions.workflows.ternary_search import search_size_nd, search_ternary_nd
from mip_regions.workflows.whole_line import search_size, search_ternary
from mip_regions.io.netfile import write_network
from mip_regions.nets.network import network_from_lists
from mip_regions.report.tables import write_tables

ARCHS = [[1, 1, 1], [1, 2, 1], [1, 3, 1], [1, 4, 1], [1, 5, 1], [1, 1, 1, 1], [1, 2, 1, 1], [1, 1, 2, 1],
         [1, 2, 2, 1], [1, 3, 1, 1], [1, 1, 1, 1, 1], [1, 2, 1, 2, 1], [1, 3, 2, 1], [1, 2, 3, 1], [1, 3, 3, 1],
         [2, 1, 1], [2, 2, 1], [2, 3, 1], [2, 1, 1, 1], [2, 2, 1, 1], [2, 1, 2, 1], [2, 2, 2, 1], [2, 4, 1],
         [3, 1, 1], [3, 2, 1]]


def paper_lower(arch) -> int:
    """The ternary paper's q^(n0 (L'-1)/2) for the shape of ``arch`` (module docstring)."""
    n0, hidden = arch[0], arch[1:-1]
    q = min(hidden) // (2 * (n0 + 1))
    return max(q, 1) ** (n0 * (len(hidden) // 2)) if q >= 1 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=int, default=200_000, help="largest reduced search size to run")
    ap.add_argument("--budget-nd", type=int, default=10_000, help="n0 >= 2: largest reduced search size to run")
    ap.add_argument("--workers", type=int, default=1, help="n0 >= 2: Dask local worker processes")
    ap.add_argument("--out", default="out/paper")
    args = ap.parse_args()
    rows = []
    client = None
    if args.workers > 1:
        from mip_regions.parallel.dask_count import start_client
        client, _cluster = start_client(args.workers, None)
    for arch in ARCHS:
        nd = arch[0] >= 2
        full, reduced = search_size_nd(arch) if nd else search_size(arch)
        name = "-".join(map(str, arch))
        if reduced > (args.budget_nd if nd else args.budget):
            rows.append({"arch": name, "networks": full, "searched": reduced, "seconds": "over budget",
                         "max_activation": "", "max_linear": "", "max_maps": "", "paper_lower": "",
                         "serra_upper": "", "real_weights_max": ""})
            continue
        res = search_ternary_nd(arch, client=client) if nd else search_ternary(arch)
        try:
            real = "" if nd else exact_1d(arch[1:-1])
        except BoundError:
            real = ""
        rows.append({"arch": name, "networks": full, "searched": res.searched, "seconds": round(res.seconds, 2),
                     "max_activation": res.best["activation_regions"][0],
                     "max_linear": res.best["linear_regions"][0], "max_maps": res.best["affine_maps"][0],
                     "paper_lower": paper_lower(arch), "serra_upper": serra2018(arch[0], arch[1:-1]),
                     "real_weights_max": real})
        folder = Path(args.out) / "witnesses"
        folder.mkdir(parents=True, exist_ok=True)
        for q, (value, layers) in res.best.items():
            write_network(network_from_lists(layers, [-1] * arch[0], [1] * arch[0],
                                             name=f"ternary {name}: {value} {q} over R^{arch[0]}"),
                          folder / f"{name}_{q}.json")
        print(rows[-1], flush=True)
    print(write_tables(rows, args.out, "ternary_maxima"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``mip-regions search ternary``: the exact maxima over all ternary networks of an architecture.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import MipRegionsError


def add_parser(sub):
    p = sub.add_parser("search", help="exact maxima over all ternary networks of a small architecture (over R^n0)",
                       description="Enumerates every network with weights and biases in {-1, 0, 1} of the "
                                   "architecture (hidden units as multisets, output rows up to sign, and for "
                                   "n0 >= 2 the first layer up to signed permutations of the inputs: exact "
                                   "reductions) and counts each over all of R^n0 exactly (n0 = 1: exact "
                                   "breakpoints on the line; n0 >= 2: a certified box, see count --domain R). "
                                   "Prints the "
                                   "maximum activation regions, linear regions and affine maps with the search "
                                   "size before and after the reductions; -o writes a witness network per maximum.")
    p.add_argument("family", choices=("ternary",), help="the weight set: ternary {-1, 0, 1}")
    p.add_argument("--arch", required=True, help="architecture 1-n1-...-nL-1, e.g. 1-2-2-1")
    p.add_argument("-o", "--output", help="folder for the witness networks (JSON)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="n0 >= 2: count the configurations in N local processes (Dask; default 1: here)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="n0 >= 2: use an existing Dask cluster")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_search)


def cmd_search(args) -> int:
    from ..analysis.bounds import BoundError, serra2018
    from ..workflows.whole_line import search_size, search_ternary
    try:
        arch = [int(v) for v in args.arch.split("-")]
    except ValueError:
        raise MipRegionsError(f"--arch: expected integers joined by '-', e.g. 1-2-2-1, got {args.arch!r}") from None
    if len(arch) >= 3 and arch[0] >= 2:
        return search_nd(arch, args)
    full, reduced = search_size(arch) if len(arch) >= 3 else (0, 0)
    if reduced > 5_000_000:
        raise MipRegionsError(f"--arch {args.arch}: {reduced:,} networks to search after the reductions; "
                              "this build stops at 5,000,000")
    done_step = max(1, reduced // 200)
    tty = sys.stderr.isatty()

    def progress(k):
        if tty and k % done_step == 0:
            sys.stderr.write(f"\r[search] {k} hidden configurations")
    res = search_ternary(arch, progress=progress)
    if tty:
        sys.stderr.write("\n")
    try:
        upper = serra2018(1, arch[1:-1])
    except BoundError:
        upper = None
    return report(args, res, upper, 1)


def search_nd(arch, args) -> int:
    """``search ternary --arch n0-...-1`` with n0 >= 2 (workflows/ternary_search.py)."""
    from ..analysis.bounds import BoundError, serra2018
    from ..workflows.ternary_search import search_size_nd, search_ternary_nd
    full, reduced = search_size_nd(arch)
    if reduced > 2_000_000:
        raise MipRegionsError(f"--arch {args.arch}: {reduced:,} networks to count after the reductions; "
                              "this build stops at 2,000,000")
    client = cluster = None
    if args.workers > 1 or args.scheduler:
        from ..parallel.dask_count import start_client
        client, cluster = start_client(args.workers, args.scheduler)
    try:
        tty = sys.stderr.isatty()
        res = search_ternary_nd(arch, client=client, progress=(lambda k: sys.stderr.write(
            f"\r[search] {min(k, reduced):,} of about {reduced:,} networks")) if tty else None)
        if tty:
            sys.stderr.write("\n")
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    try:
        upper = serra2018(arch[0], arch[1:-1])
    except BoundError:
        upper = None
    return report(args, res, upper, arch[0])


def report(args, res, upper, n0) -> int:
    """Print (or JSON) the maxima, the search sizes and Serra's bound; write the witnesses."""
    space = "R" if n0 == 1 else f"R^{n0}"
    from ..io.netfile import write_network
    from ..nets.network import network_from_lists
    out = {"arch": args.arch, "networks_3^P": res.full_size, "searched": res.searched,
           "reduction": round(res.full_size / max(res.searched, 1), 2), "seconds": round(res.seconds, 2),
           "maxima": {k: v[0] for k, v in res.best.items()}, "serra2018_upper": upper}
    if args.output:
        folder = Path(args.output)
        folder.mkdir(parents=True, exist_ok=True)
        for name, (value, layers) in res.best.items():
            net = network_from_lists(layers, [-1] * n0, [1] * n0, name=f"ternary {args.arch} with {value} {name} over {space}")
            write_network(net, folder / f"{args.arch}_{name}.json")
        out["witnesses"] = str(folder)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"architecture      {args.arch} (weights and biases in {{-1, 0, 1}}), counted over {space}")
    print(f"search            {res.full_size:,} networks; {res.searched:,} after the reductions "
          f"({out['reduction']}x fewer), {res.seconds:.2f} s")
    for name, (value, _) in res.best.items():
        print(f"max {name:<19} {value}")
    if upper is not None:
        print(f"Serra et al. 2018 upper bound (any weights): {upper}")
    if args.output:
        print(f"witnesses         {args.output}/{args.arch}_<quantity>.json")
    return 0

"""``mip-regions search ternary``: the exact maxima over all ternary networks of an architecture.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import MipRegionsError


def add_parser(sub):
    p = sub.add_parser("search", help="exact maxima over all ternary networks of a small 1-D architecture (over R)",
                       description="Enumerates every network with weights and biases in {-1, 0, 1} of the "
                                   "architecture (n0 = 1; hidden units as multisets, output rows up to sign: "
                                   "exact reductions) and counts each over the whole line R exactly. Prints the "
                                   "maximum activation regions, linear regions and affine maps with the search "
                                   "size before and after the reductions; -o writes a witness network per maximum.")
    p.add_argument("family", choices=("ternary",), help="the weight set: ternary {-1, 0, 1}")
    p.add_argument("--arch", required=True, help="architecture 1-n1-...-nL-1, e.g. 1-2-2-1")
    p.add_argument("-o", "--output", help="folder for the witness networks (JSON)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_search)


def cmd_search(args) -> int:
    from ..analysis.bounds import BoundError, serra2018
    from ..analysis.whole_line import search_size, search_ternary
    from ..io.netfile import write_network
    from ..nets.network import network_from_lists
    try:
        arch = [int(v) for v in args.arch.split("-")]
    except ValueError:
        raise MipRegionsError(f"--arch: expected integers joined by '-', e.g. 1-2-2-1, got {args.arch!r}") from None
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
    out = {"arch": args.arch, "networks_3^P": res.full_size, "searched": res.searched,
           "reduction": round(res.full_size / max(res.searched, 1), 2), "seconds": round(res.seconds, 2),
           "maxima": {k: v[0] for k, v in res.best.items()}, "serra2018_upper": upper}
    if args.output:
        folder = Path(args.output)
        folder.mkdir(parents=True, exist_ok=True)
        for name, (value, layers) in res.best.items():
            net = network_from_lists(layers, [-1], [1], name=f"ternary {args.arch} with {value} {name} over R")
            write_network(net, folder / f"{args.arch}_{name}.json")
        out["witnesses"] = str(folder)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"architecture      {args.arch} (weights and biases in {{-1, 0, 1}}), counted over R")
    print(f"search            {res.full_size:,} networks; {res.searched:,} after the reductions "
          f"({out['reduction']}x fewer), {res.seconds:.2f} s")
    for name, (value, _) in res.best.items():
        print(f"max {name:<19} {value}")
    if upper is not None:
        print(f"Serra et al. 2018 upper bound (any weights): {upper}")
    if args.output:
        print(f"witnesses         {args.output}/{args.arch}_<quantity>.json")
    return 0

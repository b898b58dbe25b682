"""``mip-regions ternarize``: integer network -> ternary network computing the same function.
"""

from __future__ import annotations

from ..errors import MipRegionsError
from ..io.outputs import check_output
from ..nets.ternarize import MAX_UNITS
from .common import load_network


def add_parser(sub):
    p = sub.add_parser("ternarize", help="turn an integer network into a ternary one computing the same function",
                       description="Replace every non-ternary integer layer by an identity copy layer and a "
                                   "{-1,0,1} layer (the weight-w gadget, eqs. 8-10). 'shared' uses one bank "
                                   "of M copies per source node plus B constants (Fig. 4c); 'edge' uses M "
                                   "copies per edge (Fig. 4b).")
    p.add_argument("input", help="network file with integer weights and biases")
    p.add_argument("-o", "--output", required=True, help="ternary network file to write")
    p.add_argument("--sharing", choices=("shared", "edge"), default="shared",
                   help="copy nodes shared per source node (default) or one set per edge")
    p.add_argument("--max-units", type=int, default=MAX_UNITS, metavar="N",
                   help=f"refuse, before building, when the result would have more than N units "
                        f"(default {MAX_UNITS:,}; the size is estimated from the largest weights)")
    p.set_defaults(func=cmd_ternarize)


def cmd_ternarize(args) -> int:
    from ..io.netfile import write_network
    from ..nets.ternarize import ternarize
    check_output(args.output, "-o", inputs=[args.input])
    if args.max_units < 1:
        raise MipRegionsError("--max-units must be at least 1")
    net = load_network(args.input)
    try:
        out, report = ternarize(net, args.sharing, max_units=args.max_units)
    except MipRegionsError as exc:
        raise MipRegionsError(f"{args.input}: {exc}") from None
    write_network(out, args.output)
    print(f"wrote {args.output}: {out.describe()}")
    print(f"copy nodes per converted layer: shared {report.copy_nodes_shared} "
          f"(total {sum(report.copy_nodes_shared)}), edge by edge {report.copy_nodes_edge} "
          f"(total {sum(report.copy_nodes_edge)})")
    return 0

"""``mip-regions bounds``: the table of known upper and lower bounds for an architecture.
"""

from __future__ import annotations

import json

from ..errors import MipRegionsError
from ..report.numbers import digits, int_text, unlimited_digits
from .common import load_network


def add_parser(sub):
    p = sub.add_parser("bounds", help="table of the known upper and lower bounds for an architecture",
                       description="Upper bounds hold for every network of the architecture; lower bounds are "
                                   "on the maximum over all weights. Give a network FILE, or --n0 and --widths "
                                   "(hidden layers; widths with suffix 'id' are identity layers, e.g. 8id,2,8id,2; "
                                   "suffix 'mxK' is a maxout layer of rank K, e.g. 4mx3,4mx3; --rank K makes "
                                   "every plain width a maxout layer of rank K).")
    p.add_argument("file", nargs="?", help="network file (its hidden layers and input dimension are used)")
    p.add_argument("--n0", type=int, help="input dimension")
    p.add_argument("--widths", help="hidden widths, comma-separated, e.g. 4,4,4 or 8id,2,8id,2")
    p.add_argument("--rank", type=int, help="maxout rank K >= 2 for every width without a suffix "
                                            "(Serra et al. 2018's maxout bound)")
    p.add_argument("--json", action="store_true",
                   help="print JSON: values as exact integers, as decimal strings past 4,000 digits (Python's "
                        "json refuses longer numbers by default), with their number of digits")
    p.add_argument("--exact", action="store_true",
                   help="print every value in full (by default values of more than 30 digits are written "
                        "as m.mmmme+E with their number of digits)")
    p.set_defaults(func=cmd_bounds)


def json_value(row: dict) -> dict:
    """A bound row for JSON: the exact value as an integer, or as a decimal string when it has
    more than JSON_DIGITS digits; ``digits`` beside it."""
    v = row.get("value")
    if v is not None:
        row["digits"] = digits(v)
        if row["digits"] > JSON_DIGITS:
            with unlimited_digits():
                row["value"] = str(v)
    return row


JSON_DIGITS = 4000


def cmd_bounds(args) -> int:
    from ..analysis.bounds import architecture_of, bound_table
    if args.file:
        if args.n0 is not None or args.widths:
            raise MipRegionsError("give either a network FILE or --n0 and --widths, not both")
        net = load_network(args.file)
        n0, arch = net.input_dim, architecture_of(net)
    else:
        if args.n0 is None or not args.widths:
            raise MipRegionsError("give a network FILE, or --n0 N and --widths W1,W2,...")
        if args.rank is not None and args.rank < 2:
            raise MipRegionsError(f"--rank must be an integer >= 2, got {args.rank}")
        arch = [_width(part.strip(), args.rank) for part in args.widths.split(",")]
        n0 = args.n0
    rows = bound_table(n0, arch)
    if args.json:
        print(json.dumps({"n0": n0, "hidden_layers": [{"width": e[0], "activation": e[1],
                                                        **({"rank": e[2]} if len(e) > 2 else {})} for e in arch],
                          "bounds": [json_value(r.to_json()) for r in rows]}))
        return 0
    desc = ",".join(f"{e[0]}" + {"identity": "id", "relu": ""}.get(e[1], f"mx{e[-1]}") for e in arch)
    print(f"architecture  n0 = {n0}, hidden layers {desc} (depth L = {len(arch) + 1} affine maps)")
    print(f"{'bound':<34} {'kind':<26} {'value':>14}  source / conditions")
    for r in rows:
        value = int_text(r.value, args.exact)
        print(f"{r.name:<34} {r.kind:<26} {value:>14}  {r.note}")
    return 0


def _width(part: str, rank):
    """One --widths entry: 'N' (relu, or maxout of --rank), 'Nid' (identity), 'NmxK' (maxout)."""
    try:
        if part.endswith("id"):
            return int(part[:-2]), "identity"
        if "mx" in part:
            m, k = part.split("mx")
            if int(k) < 2:
                raise ValueError
            return int(m), "maxout", int(k)
        return (int(part), "maxout", rank) if rank is not None else (int(part), "relu")
    except ValueError:
        raise MipRegionsError(f"--widths: cannot read {part!r} (expected an integer, an integer followed by "
                              "'id', or N'mx'K with K >= 2)") from None

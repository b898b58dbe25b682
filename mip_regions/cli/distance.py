"""``mip-regions distance``: the exact distance between two networks over their common box.
"""

from __future__ import annotations

import json

from .common import load_network


def add_parser(sub):
    p = sub.add_parser("distance", help="exact sup (any n0) or L1 (n0 <= 2) distance between two networks",
                       description="The exact sup norm max_x max_i |f_A(x)_i - f_B(x)_i| over the intersection "
                                   "of the two boxes, with a point where it is attained, or the exact L1 norm "
                                   "(integral of sum_i |f_A - f_B|, n0 <= 2). In 1-D and 2-D every intersection "
                                   "of a cell of A with a cell of B is clipped in rational arithmetic; beyond, the "
                                   "joint network (A and B side by side, output A - B) is enumerated and an exact "
                                   "LP per region gives the maximum.")
    p.add_argument("a", help="first network file (JSON or ONNX with stored domain)")
    p.add_argument("b", help="second network file")
    p.add_argument("--norm", choices=("sup", "l1", "both"), default="sup", help="which distance (default sup)")
    p.add_argument("--time-limit", type=float, default=None, help="seconds for each enumeration")
    p.add_argument("--json", action="store_true",
                   help='print JSON: sup_distance and l1_distance as exact "p/q" strings or integers, argmax')
    p.set_defaults(func=cmd_distance)


def _exact(v):
    return None if v is None else (int(v) if v.denominator == 1 else str(v))


def cmd_distance(args) -> int:
    from ..workflows.distance import distance
    a, b = load_network(args.a), load_network(args.b)
    d = distance(a, b, norm=args.norm, time_limit=args.time_limit)
    if args.json:
        print(json.dumps({"sup_distance": _exact(d.sup), "l1_distance": _exact(d.l1),
                          "argmax": None if d.argmax is None else [_exact(v) for v in d.argmax],
                          "output": d.output, "pieces": d.pieces}))
        return 0
    print(f"networks   {a.describe()}  vs  {b.describe()}")
    if d.sup is not None:
        at = ", ".join(str(v) for v in d.argmax)
        print(f"sup        {d.sup}  (= {float(d.sup):.6g}; exact), attained at x = ({at}), output {d.output}")
    if d.l1 is not None:
        print(f"L1         {d.l1}  (= {float(d.l1):.6g}; exact)")
    print(f"pieces     {d.pieces} intersections of a cell of each network")
    return 0

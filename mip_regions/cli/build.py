"""``mip-regions build``: write one of the paper's constructions to a network file.
"""

from __future__ import annotations


def add_parser(sub):
    p = sub.add_parser("build", help="write one of the paper's networks to a file",
                       description="Build a network of the ternary paper and write it as a network file. "
                                   "Depth L is the number of affine maps (output map included).")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    specs = [("montufar", "Montufar's folding network, eqs. (5)-(7): p^(n0 (L-1)) regions on [0,1]^n0",
              "--p", "folds per coordinate (hidden width p*n0)", "L, number of affine maps (>= 2)",
              "pad every hidden layer to this width with identically-zero units"),
             ("ternary", "the ternary construction, eqs. (12)-(15): q^(n0 (L'-1)/2) regions",
              "--q", "folds per coordinate", "L', odd, >= 3",
              "pad every hidden layer to a uniform width n' (>= 2q(n0+1))")]
    for name, help_, fold, fold_help, depth_help, width_help in specs:
        k = kinds.add_parser(name, help=help_)
        k.add_argument("--n0", type=int, required=True, help="input dimension")
        k.add_argument(fold, type=int, required=True, help=fold_help)
        k.add_argument("--depth", type=int, required=True, help=depth_help)
        k.add_argument("--width", type=int, help=width_help)
        k.add_argument("-o", "--output", required=True, help="network file to write")
    p.set_defaults(func=cmd_build)


def cmd_build(args) -> int:
    from ..io.netfile import write_network
    from ..io.outputs import check_output
    from ..nets.constructions import montufar, ternary
    check_output(args.output, "-o")
    if args.kind == "montufar":
        net = montufar(args.n0, args.p, args.depth, args.width)
    else:
        net = ternary(args.n0, args.q, args.depth, args.width)
    write_network(net, args.output)
    print(f"wrote {args.output}: {net.describe()}")
    return 0

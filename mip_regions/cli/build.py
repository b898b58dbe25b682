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
    for name, arg, help_, arg_help in (
            ("ding-square", "--r", "Ding et al. 2019 Prop. 1: f_s^r ~ x^2 on [0,1], 2^r regions, error 2^-2(r+1)",
             "design parameter r >= 1 (r hidden layers)"),
            ("ding-product", "--r", "Ding et al. 2019 Prop. 2: x'(x,y) ~ xy on [-1,1]^2, three f_s^r in parallel",
             "design parameter r >= 1"),
            ("int-square", "--m", "x + 2 sum sigma(x - i): exactly x^2 at the integers of [0, M] (unit weights)",
             "M >= 1"),
            ("int-product", "--m", "((x1+x2)^2 - (x1-x2)^2)/4: exactly x1 x2 at the integers of [0, M]^2",
             "M >= 1"),
            ("q-identity", "--m", "seed 003 Lemma 1: x = sigma(x) - sigma(-x) (the pair q sigma(q x), q = +-1) "
             "on [-M, M]", "M >= 1")):
        k = kinds.add_parser(name, help=help_)
        k.add_argument(arg, type=int, required=True, help=arg_help)
        if name.startswith("ding"):
            k.add_argument("--quantized", action="store_true",
                           help="the same function with every weight in {1/2, -1/2} (Appendix A.1), biases free")
        k.add_argument("-o", "--output", required=True, help="network file to write")
    k = kinds.add_parser("ding-weight", help="Ding et al. 2019 Prop. 3: x -> w' x with |w' - w| <= 2^-(t+1) "
                                             "from lambda distinct weight values")
    k.add_argument("--w", required=True, help="the weight, in [-1, 1] (a number or p/q)")
    k.add_argument("--t", type=int, required=True, help="precision: w' is the nearest multiple of 2^-t (t >= 1)")
    k.add_argument("--lam", type=int, required=True, help="number of distinct weight values lambda (>= 2)")
    k.add_argument("-o", "--output", required=True, help="network file to write")
    k = kinds.add_parser("maxout-sawtooth", help="Montufar-style 1-D sawtooth from rank-2 maxout units: "
                                                 "p^L regions on [0,1]")
    k.add_argument("--p", type=int, required=True, help="pieces of the zigzag per layer (>= 2; width p)")
    k.add_argument("--depth", type=int, required=True, help="number of hidden maxout layers L (>= 1)")
    k.add_argument("-o", "--output", required=True, help="network file to write")
    k = kinds.add_parser("maxout-random", help="seeded random maxout network, N(0,1) weights and biases")
    k.add_argument("--widths", required=True, help="n0,n1,...,nk: input dimension then units per hidden "
                                                   "layer, e.g. 2,4,4 (the output map has one unit)")
    k.add_argument("--rank", type=int, default=2, help="arguments per maxout unit (>= 2, default 2)")
    k.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    k.add_argument("--lower", type=float, default=-1.0, help="domain lower bound per coordinate (default -1)")
    k.add_argument("--upper", type=float, default=1.0, help="domain upper bound per coordinate (default 1)")
    k.add_argument("-o", "--output", required=True, help="network file to write")
    p.set_defaults(func=cmd_build)


def cmd_build(args) -> int:
    from ..io.netfile import write_network
    from ..io.outputs import check_output
    from ..errors import MipRegionsError
    from ..nets.constructions import montufar, ternary
    from ..nets.maxout_nets import maxout_sawtooth, random_maxout
    check_output(args.output, "-o")
    if args.kind == "montufar":
        net = montufar(args.n0, args.p, args.depth, args.width)
    elif args.kind == "ternary":
        net = ternary(args.n0, args.q, args.depth, args.width)
    elif args.kind in ("ding-square", "ding-product", "int-square", "int-product", "q-identity"):
        from ..nets import quantized_constructions as qc
        value = args.r if args.kind.startswith("ding") else args.m
        if value < 1:
            raise MipRegionsError(f"{'--r' if args.kind.startswith('ding') else '--m'} must be >= 1, got {value}")
        build_fn = getattr(qc, args.kind.replace("-", "_"))
        net = build_fn(value, quantized=args.quantized) if args.kind.startswith("ding") else build_fn(value)
    elif args.kind == "ding-weight":
        from fractions import Fraction
        from ..nets.quantized_constructions import ding_weight
        try:
            w = Fraction(args.w)
        except (ValueError, ZeroDivisionError):
            raise MipRegionsError(f"--w: cannot read {args.w!r} as a number") from None
        if not -1 <= w <= 1 or args.t < 1 or args.lam < 2:
            raise MipRegionsError("ding-weight needs --w in [-1, 1], --t >= 1 and --lam >= 2")
        net, wq, st = ding_weight(w, args.t, args.lam)
        print(f"w' = {wq} (|w' - w| = {abs(wq - w)} <= 2^-{args.t + 1}); weight values "
              f"{', '.join(str(v) for v in st['values'])} ({len(st['values'])} <= lambda = {args.lam})")
        print(f"hidden layers {st['hidden_layers']} (Prop. 3 bound lambda (b - 1) + 1 = {st['layer_bound']}, "
              f"b = {st['b']}); weights {st['weights']}, {st['weights_per_sign']} per sign of x "
              f"(bound 4 t lambda (b - 1) + 8 t + 4 = {st['weight_bound']})")
    elif args.kind == "maxout-sawtooth":
        if args.p < 2 or args.depth < 1:
            raise MipRegionsError("maxout-sawtooth needs --p >= 2 and --depth >= 1")
        net = maxout_sawtooth(args.p, args.depth)
    else:
        try:
            widths = [int(w) for w in args.widths.split(",")]
        except ValueError:
            raise MipRegionsError(f"--widths: expected comma-separated integers, got {args.widths!r}") from None
        if len(widths) < 2 or min(widths) < 1:
            raise MipRegionsError("--widths needs the input dimension and at least one hidden width, all >= 1")
        if args.rank < 2:
            raise MipRegionsError(f"--rank must be >= 2, got {args.rank}")
        if args.seed < 0:
            raise MipRegionsError(f"--seed must be >= 0, got {args.seed}")
        net = random_maxout(widths, args.rank, args.seed, lower=args.lower, upper=args.upper)
    write_network(net, args.output)
    print(f"wrote {args.output}: {net.describe()}")
    return 0

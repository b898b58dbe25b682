"""``mip-regions quantize``: quantize a network's weights and say how far it moved.
"""

from __future__ import annotations

from ..errors import MipRegionsError
from .common import add_domain_options, load_network


def add_parser(sub):
    p = sub.add_parser("quantize", help="quantize the weights (n bits, ternary TWN, or L levels); report the change",
                       description="Writes the quantized network (every value an exact rational) and prints, per "
                                   "layer, max |Q(theta) - theta|, the Lipschitz bound of seed 003's Theorem 5 "
                                   "(its Eq. (5) with the actual spectral norms and the box) on the output change, "
                                   "and with --distance (n0 <= 2) the exact sup distance, which the bound must "
                                   "not undercut.")
    p.add_argument("file", help="network file or ONNX model")
    p.add_argument("-o", "--output", required=True, help="quantized network file to write")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--bits", type=int, help="uniform symmetric n-bit levels (n >= 2), one scale per layer")
    how.add_argument("--ternary", action="store_true", help="TWN: threshold 0.7 mean|w|, scale the mean kept |w|")
    how.add_argument("--levels", type=int, help="L >= 2 equally spaced values, outermost at +-max|w|")
    p.add_argument("--biases", action="store_true", help="quantize the biases too (default: kept)")
    p.add_argument("--distance", action="store_true", help="also the exact sup distance (n0 <= 2)")
    add_domain_options(p)
    p.set_defaults(func=cmd_quantize)


def cmd_quantize(args) -> int:
    from ..analysis.quantization import parameter_change, theorem5_bound
    from ..io.netfile import write_network
    from ..io.outputs import check_output
    from ..nets.quantize import quantize
    check_output(args.output, "-o")
    net = load_network(args.file, args)
    if args.bits is not None and args.bits < 2:
        raise MipRegionsError(f"--bits must be >= 2, got {args.bits}")
    if args.levels is not None and args.levels < 2:
        raise MipRegionsError(f"--levels must be >= 2, got {args.levels}")
    method, param = (("bits", args.bits) if args.bits is not None else ("levels", args.levels)
                     if args.levels is not None else ("ternary", None))
    q = quantize(net, method, param, biases=args.biases)
    write_network(q, args.output)
    print(f"wrote {args.output}: {q.describe()}")
    for l, change in enumerate(parameter_change(net, q)):
        values = len({v for row in q.rational_layers()[l][0] for v in row})
        print(f"layer {l}: max |Q(theta) - theta| = {change:.6g}, {values} distinct weight values")
    bound = theorem5_bound(net, q)
    print(f"Theorem 5 bound (seed 003, Eq. 5) on ||f - f_Q||_2 over the box: {bound:.6g}")
    if args.distance:
        from ..workflows.distance import distance
        d = distance(net, q)
        print(f"exact sup distance: {d.sup} (= {float(d.sup):.6g}), at x = ({', '.join(str(v) for v in d.argmax)})")
    return 0

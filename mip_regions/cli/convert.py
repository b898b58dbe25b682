"""``mip-regions convert``: JSON network file <-> ONNX.
"""

from __future__ import annotations

from ..errors import MipRegionsError
from .common import add_domain_options, load_network


def add_parser(sub):
    p = sub.add_parser("convert", help="convert between the JSON network format and ONNX",
                       description="IN and OUT are .json (mip-regions network) or .onnx; the direction follows "
                                   "the extensions. ONNX output stores the domain in its metadata; numbers "
                                   "become float32 (integers, hence ternary networks, stay exact).")
    p.add_argument("input", help="IN (.json or .onnx)")
    p.add_argument("output", help="OUT (.json or .onnx)")
    add_domain_options(p)
    p.set_defaults(func=cmd_convert)


def cmd_convert(args) -> int:
    from ..io.netfile import write_network
    net = load_network(args.input, args)
    if str(args.output).lower().endswith(".onnx"):
        from ..io.onnx_io import write_onnx
        write_onnx(net, args.output)
    elif str(args.output).lower().endswith(".json"):
        write_network(net, args.output)
    else:
        raise MipRegionsError(f"{args.output}: the output must end in .json or .onnx")
    print(f"wrote {args.output}: {net.describe()}, domain {net.domain.describe()}")
    return 0

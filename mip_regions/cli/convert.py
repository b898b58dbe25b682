"""``mip-regions convert``: JSON network file <-> ONNX, saying what changes and checking the result.
"""

from __future__ import annotations

import numpy as np

from ..errors import MipRegionsError
from ..io.outputs import check_output
from ..nets.sparse import is_sparse
from .common import add_domain_options, load_network


def add_parser(sub):
    p = sub.add_parser("convert", help="convert between the JSON network format and ONNX",
                       description="IN and OUT are .json (mip-regions network) or .onnx; the direction follows "
                                   "the extensions. ONNX output stores the domain in its metadata. Numbers are "
                                   "stored as float32 when that changes none of them, else as float64; a "
                                   "conversion that would round a number is refused unless --allow-rounding. "
                                   "The written file is read back and compared with the network exactly.")
    p.add_argument("input", help="IN (.json or .onnx)")
    p.add_argument("output", help="OUT (.json or .onnx)")
    add_domain_options(p)
    p.add_argument("--dtype", choices=("auto", "float32", "float64"), default="auto",
                   help="ONNX tensor type (default auto: float32 if no number changes, else float64)")
    p.add_argument("--allow-rounding", action="store_true",
                   help="write even when the chosen type rounds some numbers (the report says how many)")
    p.add_argument("--check", action="store_true",
                   help="also count the regions of the network and of the file read back, and compare")
    p.set_defaults(func=cmd_convert)


def choose_dtype(net, requested: str, allow_rounding: bool) -> tuple[str, str]:
    """(dtype, what it changes) for an ONNX export; a one-line error when it would round numbers
    without --allow-rounding, or overflow to infinity."""
    from ..io.onnx_io import rounding
    r32 = rounding(net, "float32")
    dtype = requested if requested != "auto" else ("float32" if r32 == (0, 0) else "float64")
    changed, overflow = r32 if dtype == "float32" else rounding(net, "float64")
    if overflow:
        raise MipRegionsError(f"{overflow} number(s) are too large for {dtype} and would become inf"
                              + ("; use --dtype float64" if dtype == "float32" else ""))
    if changed and not allow_rounding:
        raise MipRegionsError(f"{dtype} would round {changed} number(s) of the network (they are not "
                              f"{dtype} values); the counts may change. Use "
                              + ("--dtype float64 or " if dtype == "float32" else "")
                              + "--allow-rounding to write anyway")
    note = f"{dtype}, every number exact" if not changed else f"{dtype}, {changed} number(s) rounded"
    if requested == "auto" and dtype == "float64":
        note += f" (float32 would round {r32[0]} number(s))"
    return dtype, note


def same_network(a, b) -> bool:
    """Equal exact layers, activations and domain (a sparse layer: its float entries, which are
    its exact values, compared as stored)."""
    if [(l.activation, l.rank) for l in a.layers] != [(l.activation, l.rank) for l in b.layers] or \
            a.exact_domain() != b.exact_domain():
        return False
    if any(is_sparse(l.weights) for l in a.layers + b.layers):
        return all(_same_sparse(x, y) for x, y in zip(a.layers, b.layers))
    return a.rational_layers() == b.rational_layers()


def _same_sparse(x, y) -> bool:
    if x.is_exact or y.is_exact:
        return x.exact_weights == y.exact_weights and x.exact_bias == y.exact_bias
    X = x.weights.tocsr() if is_sparse(x.weights) else x.weights
    Y = y.weights.tocsr() if is_sparse(y.weights) else y.weights
    if X.shape != Y.shape or not np.array_equal(x.bias, y.bias):
        return False
    return (abs(X - Y)).max() == 0 if is_sparse(X) or is_sparse(Y) else np.array_equal(X, Y)


def cmd_convert(args) -> int:
    from ..io.netfile import write_network
    out = str(args.output).lower()
    if not out.endswith((".onnx", ".json")):
        raise MipRegionsError(f"{args.output}: the output must end in .json or .onnx")
    check_output(args.output, "output", inputs=[args.input, args.domain_file])
    net = load_network(args.input, args)
    if out.endswith(".onnx"):
        from ..io.onnx_io import write_onnx
        dtype, note = choose_dtype(net, args.dtype, args.allow_rounding)
        write_onnx(net, args.output, dtype)
    else:
        if args.dtype != "auto":
            raise MipRegionsError("--dtype applies to ONNX output only")
        write_network(net, args.output)
        note = "JSON, every number exact"
    back = load_network(args.output)
    same = same_network(net, back)
    print(f"wrote {args.output}: {net.describe()}, domain {net.domain.describe()}; {note}")
    print("read back: " + ("the same network, exactly" if same else
                           "a network with rounded numbers (see above)"))
    if args.check:
        from ..counting import count_regions
        a, b = count_regions(net, linear=False), count_regions(back, linear=False)
        print(f"check: activation regions {a.activation_regions} (input), {b.activation_regions} (file)")
        if a.activation_regions != b.activation_regions:
            raise MipRegionsError(f"the converted file has {b.activation_regions} activation regions, the "
                                  f"input {a.activation_regions}: rounding changed the network's regions")
    elif not same and not args.allow_rounding:
        raise MipRegionsError("the file read back differs from the network")
    return 0

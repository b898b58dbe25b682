"""Options and loading shared by the subcommands: the input domain (--domain, --domain-file) and
reading a network from a JSON network file or an ONNX model.
"""

from __future__ import annotations

import json

from ..errors import MipRegionsError
from ..io.netfile import read_network


def add_domain_options(p):
    p.add_argument("--domain", metavar="LO:HI",
                   help="input box: LO:HI for every coordinate, or LO1:HI1,LO2:HI2,... per coordinate "
                        "(numbers may be p/q; --domain -1:1 and --domain=-1:1 both work); required for ONNX files without mip-regions metadata, and "
                        "overrides the domain stored in a network file. count: R = all of R^n0 (n0 = 1: "
                        "exact breakpoints on the line; n0 >= 2: a box certified to meet every region)")
    p.add_argument("--domain-file", metavar="FILE",
                   help='JSON file {"lower": [...], "upper": [...]} with per-coordinate bounds, or a VNN-LIB '
                        "property (.vnnlib): its input box, from the (<= X_i c) / (>= X_i c) assertions, "
                        "exact as written; the output part of the property is ignored (and said so)")


def parse_domain(args):
    """(lower, upper) lists from --domain / --domain-file, or (None, None)."""
    if args.domain is not None and args.domain_file:
        raise MipRegionsError("give --domain or --domain-file, not both")
    if args.domain_file and str(args.domain_file).lower().endswith(".vnnlib"):
        from ..io.vnnlib import read_vnnlib_box
        lower, upper, info = read_vnnlib_box(args.domain_file)
        note = (f"input box from the VNN-LIB property {args.domain_file} ({info['inputs']} inputs); its "
                f"{info['output_assertions']} assertion(s) on the outputs are ignored: the count is over the box")
        args.domain_notes = [note]
        return lower, upper
    if args.domain_file:
        try:
            doc = json.loads(open(args.domain_file).read())
            return list(doc["lower"]), list(doc["upper"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MipRegionsError(f"{args.domain_file}: expected a JSON object with 'lower' and 'upper' "
                                  f"lists ({exc})") from None
    if args.domain is not None:
        if not args.domain.strip():
            raise MipRegionsError("--domain: empty; expected LO:HI or LO1:HI1,LO2:HI2,...")
        lower, upper = [], []
        for part in args.domain.split(","):
            bits = part.split(":")
            if len(bits) != 2:
                raise MipRegionsError(f"--domain: expected LO:HI, got {part!r}")
            lower.append(bits[0].strip())
            upper.append(bits[1].strip())
        return lower, upper
    return None, None


def load_network(path, args=None, notes: list | None = None):
    """A network from a JSON network file or an ONNX model (by extension), with the domain
    options of ``args`` applied; ``notes`` receives the ONNX reader's mapping of nodes to layers."""
    from ..nets.network import with_domain
    lower, upper = parse_domain(args) if args is not None and hasattr(args, "domain") else (None, None)
    option = "--domain-file " + str(args.domain_file) if args is not None and getattr(args, "domain_file", None) \
        else "--domain"
    if str(path).lower().endswith(".onnx"):
        from ..io.onnx_io import read_onnx
        try:
            net = read_onnx(path, lower, upper, notes=notes)
            if lower is not None and str(getattr(args, "domain_file", "") or "").lower().endswith(".vnnlib") \
                    and len(lower) != net.input_dim:
                raise MipRegionsError(f"{option}: gives {len(lower)} coordinate(s), the network in {path} has "
                                      f"{net.input_dim} input(s)")
            return net
        except MipRegionsError as exc:
            if lower is not None and "the domain gives" in str(exc):
                raise MipRegionsError(f"{option}: {exc}") from None
            raise
    net = read_network(path)
    if lower is not None:
        vnnlib = str(getattr(args, "domain_file", "") or "").lower().endswith(".vnnlib")
        if len(lower) == 1 and net.input_dim > 1 and not vnnlib:   # one interval for every input
            lower, upper = lower * net.input_dim, upper * net.input_dim
        if len(lower) != net.input_dim or len(upper) != net.input_dim:
            raise MipRegionsError(f"{option}: gives {len(lower)} coordinate(s), the network in {path} has "
                                  f"{net.input_dim} input(s)")
        try:
            net = with_domain(net, lower, upper)
        except MipRegionsError as exc:
            raise MipRegionsError(f"{option}: {exc}") from None
    return net

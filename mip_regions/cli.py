"""The ``mip-regions`` command line.

Every user-facing error (bad network file, bad option) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__
from .counting import METHODS, VERTEX_MAX_DIM, count_regions
from .errors import MipRegionsError
from .netfile import read_network

DESCRIPTION = """\
Count the linear regions of ReLU networks exactly.

Counts are over the network's input domain (a box stored in the network file) and count only
full-dimensional cells:
  activation regions   cells with a distinct activation pattern (the headline count)
  linear regions       connected pieces on which the output is one affine map
  affine maps          distinct affine maps over the cells
'degenerate patterns' are strict activation patterns that live only on lower-dimensional sets
(Serra's one-sided MIP finds them; they are discarded, never counted). A stopped run reports
'at least N', a lower bound, never a count.

examples:
  mip-regions count models/ternary_n0-2_q-2_L-5.json --bounds
  mip-regions count net.onnx --domain=-1:1 --certify
  mip-regions build ternary --n0 1 --q 3 --depth 5 -o t.json && mip-regions plot t.json -o t.png
"""


def add_domain_options(p):
    p.add_argument("--domain", metavar="LO:HI",
                   help="input box: LO:HI for every coordinate, or LO1:HI1,LO2:HI2,... per coordinate "
                        "(numbers may be p/q; write --domain=-1:1 when LO is negative); required for ONNX files without mip-regions metadata, and "
                        "overrides the domain stored in a network file")
    p.add_argument("--domain-file", metavar="FILE",
                   help='JSON file {"lower": [...], "upper": [...]} with per-coordinate bounds')


def parse_domain(args):
    """(lower, upper) lists from --domain / --domain-file, or (None, None)."""
    if args.domain and args.domain_file:
        raise MipRegionsError("give --domain or --domain-file, not both")
    if args.domain_file:
        try:
            doc = json.loads(open(args.domain_file).read())
            return list(doc["lower"]), list(doc["upper"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MipRegionsError(f"{args.domain_file}: expected a JSON object with 'lower' and 'upper' "
                                  f"lists ({exc})") from None
    if args.domain:
        lower, upper = [], []
        for part in args.domain.split(","):
            bits = part.split(":")
            if len(bits) != 2:
                raise MipRegionsError(f"--domain: expected LO:HI, got {part!r}")
            lower.append(bits[0].strip())
            upper.append(bits[1].strip())
        return lower, upper
    return None, None


def load_network(path, args=None):
    """A network from a JSON network file or an ONNX model (by extension), with the domain
    options of ``args`` applied."""
    from .network import with_domain
    lower, upper = parse_domain(args) if args is not None and hasattr(args, "domain") else (None, None)
    if str(path).lower().endswith(".onnx"):
        from .onnx_io import read_onnx
        net = read_onnx(path, lower, upper)
        return net
    net = read_network(path)
    if lower is not None:
        if len(lower) == 1 and net.input_dim > 1:
            lower, upper = lower * net.input_dim, upper * net.input_dim
        net = with_domain(net, lower, upper)
    return net


def _add_count(sub):
    p = sub.add_parser(
        "count", help="count the activation regions of a network file",
        description="Count the activation regions (full-dimensional cells with a distinct activation "
                    "pattern) of the network in FILE over its domain. A run stopped by --time-limit "
                    "or Ctrl-C reports its count as a lower bound ('at least N').")
    p.add_argument("file", help="network file (JSON, format mip-regions/network; see README) or ONNX model (.onnx)")
    add_domain_options(p)
    p.add_argument("--method", choices=METHODS, default="auto",
                   help="counting engine: vertex = exact depth-first cell enumeration with the cells' "
                        "vertex sets, no LP (fastest for small n0); lp = the same search with one small LP per "
                        "test (GLPK or HiGHS), for any n0; "
                        "exact1d = exact rational breakpoints (n0 = 1); mip = Serra et al.'s big-M MIP on "
                        "Pyomo + HiGHS, the reference; sample = distinct patterns at random points, a lower "
                        f"bound only; auto (default) = exact1d for n0 = 1, vertex for n0 <= {VERTEX_MAX_DIM}, lp above")
    p.add_argument("--time-limit", type=float, metavar="S",
                   help="stop after S seconds and report what was found as a lower bound")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    p.add_argument("--regions-out", metavar="FILE",
                   help="write every region (pattern, interior witness point, margin) as JSON lines, "
                        "streamed while the run goes on")
    p.add_argument("--tighten", choices=("none", "lp"), default="lp",
                   help="mip: big-M bounds from interval arithmetic only, or tightened by LP (default lp)")
    p.add_argument("--no-harvest", action="store_true",
                   help="mip: do not collect the incumbents HiGHS reports during a solve (one pattern per solve)")
    p.add_argument("--lp-solver", choices=("auto", "glpk", "highs"), default="auto",
                   help="lp: LP solver for the cell enumeration (default auto = glpk, about 10x cheaper per "
                        "small LP than HiGHS here; highs = highspy)")
    p.add_argument("--samples", type=int, metavar="N", help="sample: number of points (default 100000)")
    p.add_argument("--seed", type=int, help="sample: random seed (default 0)")
    p.add_argument("--certify", action="store_true",
                   help="re-check every region's witness in exact rational arithmetic and check that the "
                        "cells' volumes add up to the domain's (exact, n0 <= 2); a failed check is an error")
    p.add_argument("--connectivity", choices=("touch", "facet"), default="touch",
                   help="linear regions: join same-map cells whose closures touch (default, even at one "
                        "point) or only cells that share a facet")
    p.add_argument("--no-linear", action="store_true",
                   help="skip linear regions and affine maps (the activation count only; regions are then "
                        "not kept in memory, for very long runs)")
    p.add_argument("--graph-out", metavar="FILE",
                   help="write the region adjacency graph (nodes: regions with pattern, witness, map id; "
                        "edges: shared facets) as networkx node-link JSON, or GraphML if FILE ends in .graphml")
    p.add_argument("--bounds", action="store_true",
                   help="print the count between the best lower and upper bounds of the architecture, "
                        "with the ratio to each")
    p.set_defaults(func=cmd_count)


def cmd_count(args) -> int:
    """``mip-regions count``: count, optionally certify and bound, and report."""
    from .counting import resolve_method
    net = load_network(args.file, args)
    method = resolve_method(net, args.method)
    options = {}
    if method == "mip":
        options = {"tighten": args.tighten, "harvest": not args.no_harvest}
    elif args.tighten != "lp" or args.no_harvest:
        raise MipRegionsError("--tighten and --no-harvest apply to --method mip only")
    if method == "lp":
        options = {"lp_solver": args.lp_solver}
    elif args.lp_solver != "auto":
        raise MipRegionsError("--lp-solver applies to --method lp only")
    if method == "sample":
        options = {"samples": args.samples, "seed": args.seed}
    elif args.samples is not None or args.seed is not None:
        raise MipRegionsError("--samples and --seed apply to --method sample only")
    if args.time_limit is not None and args.time_limit <= 0:
        raise MipRegionsError("--time-limit must be positive")
    if args.certify and method == "sample":
        raise MipRegionsError("--certify needs an exact method; sampling gives a lower bound only")
    linear = not args.no_linear and method != "sample"
    if args.graph_out and (args.no_linear or method == "sample"):
        raise MipRegionsError("--graph-out needs an exact method and the linear-region analysis")
    result = count_regions(net, method, time_limit=args.time_limit, regions_out=args.regions_out,
                           keep_regions=args.certify or bool(args.graph_out), linear=linear,
                           connectivity=args.connectivity, **options)
    if args.certify:
        from .certify import certify
        result.checks = certify(net, result)
    if args.graph_out:
        write_graph(net, result, args.graph_out)
    if args.bounds:
        from .bounds import architecture_of, best_bounds, bound_table
        rows = bound_table(net.input_dim, architecture_of(net))
        low, up = best_bounds(rows)
        result.bounds = {"table": [r.to_json() for r in rows],
                         "best_lower": low.to_json() if low else None, "best_upper": up.to_json() if up else None}
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(result.format_human())
        if args.bounds:
            print(format_between(result))
    return 0


def format_between(result) -> str:
    """``lower <= count <= upper`` with the ratios (lower bounds are maxima over weights)."""
    b = result.bounds
    n = result.activation_regions
    lines = []
    low, up = b["best_lower"], b["best_upper"]
    text = f"bounds               {low['value'] if low else '-'} <= {result.count_text} <= {up['value'] if up else '-'}"
    lines.append(text)
    if low:
        lines.append(f"  best lower         {low['value']} ({low['name']}; on the maximum over all weights of this "
                     f"architecture); count / lower = {n / low['value']:.4g}")
    if up:
        lines.append(f"  best upper         {up['value']} ({up['name']}); count / upper = {n / up['value']:.4g}")
    return "\n".join(lines)


def _add_bounds(sub):
    p = sub.add_parser("bounds", help="table of the known upper and lower bounds for an architecture",
                       description="Upper bounds hold for every network of the architecture; lower bounds are "
                                   "on the maximum over all weights. Give a network FILE, or --n0 and --widths "
                                   "(hidden layers; widths with suffix 'id' are identity layers, e.g. 8id,2,8id,2).")
    p.add_argument("file", nargs="?", help="network file (its hidden layers and input dimension are used)")
    p.add_argument("--n0", type=int, help="input dimension")
    p.add_argument("--widths", help="hidden widths, comma-separated, e.g. 4,4,4 or 8id,2,8id,2")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_bounds)


def cmd_bounds(args) -> int:
    from .bounds import architecture_of, bound_table
    if args.file:
        if args.n0 is not None or args.widths:
            raise MipRegionsError("give either a network FILE or --n0 and --widths, not both")
        net = load_network(args.file)
        n0, arch = net.input_dim, architecture_of(net)
    else:
        if args.n0 is None or not args.widths:
            raise MipRegionsError("give a network FILE, or --n0 N and --widths W1,W2,...")
        arch = []
        for part in args.widths.split(","):
            part = part.strip()
            act = "identity" if part.endswith("id") else "relu"
            try:
                arch.append((int(part[:-2] if act == "identity" else part), act))
            except ValueError:
                raise MipRegionsError(f"--widths: cannot read {part!r} (expected an integer, or an integer "
                                      "followed by 'id')") from None
        n0 = args.n0
    rows = bound_table(n0, arch)
    if args.json:
        print(json.dumps({"n0": n0, "hidden_layers": [{"width": m, "activation": a} for m, a in arch],
                          "bounds": [r.to_json() for r in rows]}))
        return 0
    desc = ",".join(f"{m}{'id' if a == 'identity' else ''}" for m, a in arch)
    print(f"architecture  n0 = {n0}, hidden layers {desc} (depth L = {len(arch) + 1} affine maps)")
    print(f"{'bound':<34} {'kind':<26} {'value':>14}  source / conditions")
    for r in rows:
        value = "-" if r.value is None else str(r.value)
        print(f"{r.name:<34} {r.kind:<26} {value:>14}  {r.note}")
    return 0


def _add_build(sub):
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
    from .constructions import montufar, ternary
    from .netfile import write_network
    if args.kind == "montufar":
        net = montufar(args.n0, args.p, args.depth, args.width)
    else:
        net = ternary(args.n0, args.q, args.depth, args.width)
    write_network(net, args.output)
    print(f"wrote {args.output}: {net.describe()}")
    return 0


def _add_ternarize(sub):
    p = sub.add_parser("ternarize", help="turn an integer network into a ternary one computing the same function",
                       description="Replace every non-ternary integer layer by an identity copy layer and a "
                                   "{-1,0,1} layer (the weight-w gadget, eqs. 8-10). 'shared' uses one bank "
                                   "of M copies per source node plus B constants (Fig. 4c); 'edge' uses M "
                                   "copies per edge (Fig. 4b).")
    p.add_argument("input", help="network file with integer weights and biases")
    p.add_argument("-o", "--output", required=True, help="ternary network file to write")
    p.add_argument("--sharing", choices=("shared", "edge"), default="shared",
                   help="copy nodes shared per source node (default) or one set per edge")
    p.set_defaults(func=cmd_ternarize)


def cmd_ternarize(args) -> int:
    from .netfile import write_network
    from .ternarize import ternarize
    net = load_network(args.input)
    try:
        out, report = ternarize(net, args.sharing)
    except MipRegionsError as exc:
        raise MipRegionsError(f"{args.input}: {exc}") from None
    write_network(out, args.output)
    print(f"wrote {args.output}: {out.describe()}")
    print(f"copy nodes per converted layer: shared {report.copy_nodes_shared} "
          f"(total {sum(report.copy_nodes_shared)}), edge by edge {report.copy_nodes_edge} "
          f"(total {sum(report.copy_nodes_edge)})")
    return 0


def _add_show(sub):
    p = sub.add_parser("show", help="describe a network file (layers, widths, ternary or not, domain)")
    p.add_argument("file", help="network file or ONNX model")
    add_domain_options(p)
    p.set_defaults(func=cmd_show)


def cmd_show(args) -> int:
    from .graph import is_ternary, layer_table
    net = load_network(args.file, args)
    print(f"network  {net.describe()}")
    print(f"domain   {net.domain.describe()}")
    print(f"depth    {net.depth} affine maps; {net.num_relu} ReLU units; "
          f"ternary: {'yes' if is_ternary(net) else 'no'}; exact rationals: {'yes' if net.is_exact else 'no'}")
    rows = layer_table(net)
    print(f"{'layer':>5} {'activation':>10} {'width':>6} {'params':>7} {'nonzero W':>9} {'nonzero b':>9} "
          f"{'max|W|':>7} {'ternary':>7}")
    for r in rows:
        print(f"{r['layer']:>5} {r['activation']:>10} {r['width']:>6} {r['parameters']:>7} "
              f"{r['nonzero_weights']:>9} {r['nonzero_biases']:>9} {r['max_abs_weight']:>7g} "
              f"{'yes' if r['ternary'] else 'no':>7}")
    print(f"total parameters {sum(r['parameters'] for r in rows)}, "
          f"nodes {net.input_dim + sum(net.widths)} (inputs {net.input_dim})")
    return 0


def write_graph(net, result, path) -> None:
    """Write the region adjacency graph (node-link JSON, or GraphML for *.graphml)."""
    import networkx as nx
    from .linear_regions import adjacency_graph, map_json
    if result.regions is None or not result.complete:
        raise MipRegionsError("--graph-out needs a complete enumeration with its regions")
    G = adjacency_graph(net, result.regions, result.map_ids)
    for k, label in enumerate(result.lr_labels or []):
        G.nodes[k]["linear_region"] = label
        G.nodes[k]["map"] = map_json(*result.maps[result.map_ids[k]])
    if str(path).endswith(".graphml"):
        for _, data in G.nodes(data=True):
            data["witness"] = json.dumps(data["witness"])
            data["map"] = json.dumps(data.get("map"))
        nx.write_graphml(G, path)
    else:
        with open(path, "w") as fh:
            json.dump(nx.node_link_data(G, edges="edges"), fh)


def _add_plot(sub):
    p = sub.add_parser("plot", help="draw the regions of a network (PNG)",
                       description="n0 = 2: cells coloured by linear region, cell boundaries thin and "
                                   "linear-region boundaries thick. n0 = 1: the output with its breakpoints. "
                                   "n0 > 2: a 2-D slice given by --slice. Needs matplotlib (extra 'plot').")
    p.add_argument("file", help="network file or ONNX model")
    add_domain_options(p)
    p.add_argument("-o", "--output", required=True, help="PNG file to write")
    p.add_argument("--method", choices=("auto", "vertex", "lp", "exact1d", "mip"), default="auto",
                   help="exact engine used to find the regions (default auto)")
    p.add_argument("--connectivity", choices=("touch", "facet"), default="touch",
                   help="linear regions: closures touch (default) or share a facet")
    p.add_argument("--slice", metavar="P:D1:D2",
                   help="for n0 > 2: point and two directions, comma-separated coordinates, e.g. 0,0,0:1,0,0:0,1,0")
    p.add_argument("--extent", metavar="U0,U1,V0,V1", default="-1,1,-1,1",
                   help="with --slice: range of the two slice coordinates (default -1,1,-1,1)")
    p.set_defaults(func=cmd_plot)


def _floats(text, what):
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise MipRegionsError(f"{what}: expected comma-separated numbers, got {text!r}") from None


def cmd_plot(args) -> int:
    from .plot import _pyplot, plot_regions, slice_network
    _pyplot()  # fail early, with the install hint, when matplotlib is missing
    net = load_network(args.file, args)
    if args.slice:
        parts = args.slice.split(":")
        if len(parts) != 3:
            raise MipRegionsError("--slice: expected POINT:D1:D2")
        ext = _floats(args.extent, "--extent")
        if len(ext) != 4 or not (ext[0] < ext[1] and ext[2] < ext[3]):
            raise MipRegionsError("--extent: expected U0,U1,V0,V1 with U0 < U1 and V0 < V1")
        net = slice_network(net, *(_floats(p, "--slice") for p in parts), extent=(ext[:2], ext[2:]))
    elif net.input_dim > 2:
        raise MipRegionsError(f"{args.file}: n0 = {net.input_dim}; give --slice POINT:D1:D2 for a 2-D slice")
    result = count_regions(net, args.method, linear=True, connectivity=args.connectivity)
    plot_regions(net, result, args.output)
    print(f"wrote {args.output}: activation regions {result.activation_regions}, linear regions "
          f"{result.linear_regions}, affine maps {result.affine_maps}")
    return 0


def _add_convert(sub):
    p = sub.add_parser("convert", help="convert between the JSON network format and ONNX",
                       description="IN and OUT are .json (mip-regions network) or .onnx; the direction follows "
                                   "the extensions. ONNX output stores the domain in its metadata; numbers "
                                   "become float32 (integers, hence ternary networks, stay exact).")
    p.add_argument("input", help="IN (.json or .onnx)")
    p.add_argument("output", help="OUT (.json or .onnx)")
    add_domain_options(p)
    p.set_defaults(func=cmd_convert)


def cmd_convert(args) -> int:
    from .netfile import write_network
    net = load_network(args.input, args)
    if str(args.output).lower().endswith(".onnx"):
        from .onnx_io import write_onnx
        write_onnx(net, args.output)
    elif str(args.output).lower().endswith(".json"):
        write_network(net, args.output)
    else:
        raise MipRegionsError(f"{args.output}: the output must end in .json or .onnx")
    print(f"wrote {args.output}: {net.describe()}, domain {net.domain.describe()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every ``mip-regions`` command."""
    parser = argparse.ArgumentParser(prog="mip-regions", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"mip-regions {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_count(sub)
    _add_build(sub)
    _add_ternarize(sub)
    _add_show(sub)
    _add_plot(sub)
    _add_bounds(sub)
    _add_convert(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the console script; user-facing errors exit 2 with one line on stderr."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except MipRegionsError as exc:
        print(f"mip-regions: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mip-regions: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. output piped into head
        return 0


if __name__ == "__main__":
    sys.exit(main())

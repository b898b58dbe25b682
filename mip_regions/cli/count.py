"""``mip-regions count``: count the regions of a network, optionally certify, bound and write the
region adjacency graph.
"""

from __future__ import annotations

import json
import math
import sys
from contextlib import redirect_stdout

from ..counting import METHODS, VERTEX_MAX_DIM, count_regions
from ..errors import MipRegionsError
from ..io.outputs import STDOUT, atomic_write, check_output
from ..report.numbers import int_text
from .bounds import json_value
from . import around, data_lines
from .common import add_domain_options, load_network

PARTIAL = 4   # exit status of a partial result (time limit or Ctrl-C): printed, not complete


def add_parser(sub):
    p = sub.add_parser(
        "count", help="count the activation regions of a network file",
        description="Count the activation regions (full-dimensional cells with a distinct activation "
                    "pattern) of the network in FILE over its domain. A run stopped by --time-limit "
                    "or Ctrl-C reports its count as a lower bound ('at least N'). Exit status: 0 done, "
                    "2 error, 3 NOT certified (--certify), 4 partial result (time limit or Ctrl-C; what "
                    "was found is printed).")
    p.add_argument("file", help="network file (JSON, format mip-regions/network; see README) or ONNX model (.onnx)")
    add_domain_options(p)
    p.add_argument("--method", choices=METHODS, default="auto",
                   help="counting engine: vertex = exact depth-first cell enumeration with the cells' "
                        "vertex sets, no LP (fastest for small n0); lp = the same search with one small LP per "
                        "test (GLPK or HiGHS), for any n0; "
                        "exact1d = breakpoint propagation (n0 = 1), floats with error bounds and exact "
                        "fallback; rational1d = the same entirely in rationals (slow, the reference); "
                        "exact = the lp search entirely in exact "
                        "rational arithmetic (slow, the reference); mip = Serra et al.'s big-M MIP on "
                        "Pyomo + HiGHS, the reference; sample = distinct patterns at random points, a lower "
                        f"bound only; auto (default) = exact1d for n0 = 1, vertex for n0 <= {VERTEX_MAX_DIM}, lp above")
    p.add_argument("--line", nargs=2, metavar=("A", "B"),
                   help="count on the segment from A to B (comma-separated coordinates, numbers may be p/q, "
                        "or a .npy file): the network restricted exactly to x = A + t (B - A), t in [0, 1]")
    p.add_argument("--slice", nargs=3, metavar=("P", "U", "V"),
                   help="count on the plane P + s U + t V, (s, t) in --extent (each comma-separated or .npy)")
    data_lines.add_options(p)
    around.add_options(p)
    p.add_argument("--through", metavar="X.npy",
                   help="count on the plane through three data points (rows 0, 1, 2 of X.npy, or --rows I,J,K), "
                        "at (s, t) = (0,0), (1,0), (0,1), over [-margin, 1 + margin]^2 (--margin, default 0.25)")
    p.add_argument("--rows", metavar="I,J,K", help="with --through: the three rows to use (default 0,1,2)")
    p.add_argument("--margin", type=float, default=0.25, help="with --through: the margin around the points")
    p.add_argument("--extent", metavar="S0,S1,T0,T1", default="-1,1,-1,1",
                   help="with --slice: the range of s and t (default -1,1,-1,1)")
    p.add_argument("--time-limit", type=float, metavar="S",
                   help="stop after S seconds and report what was found as a lower bound")
    p.add_argument("--workers", type=int, metavar="N",
                   help="vertex/lp/exact1d: spread the search over N local worker processes (a Dask "
                        "LocalCluster started for the run; the result is the serial one, region for region). "
                        "Needs the 'parallel' extra (pip install 'mip-regions[parallel]')")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="vertex/lp/exact1d: send the search to an existing Dask cluster, e.g. tcp://host:8786 "
                        "(started with `dask scheduler` and `dask worker ADDRESS`); default: "
                        "$DASK_SCHEDULER_ADDRESS when it is set and --workers is not")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    p.add_argument("--regions-out", metavar="FILE",
                   help="write every region (pattern, interior witness point, margin) as JSON lines, "
                        "streamed while the run goes on; FILE may be a FIFO or >(gzip > f.gz), and - is "
                        "standard output (the report then goes to standard error)")
    p.add_argument("--tighten", choices=("none", "lp"), default="lp",
                   help="mip: big-M bounds from interval arithmetic only, or tightened by LP (default lp)")
    p.add_argument("--no-harvest", action="store_true",
                   help="mip: do not collect the incumbents HiGHS reports during a solve (one pattern per solve)")
    p.add_argument("--lp-solver", choices=("auto", "glpk", "highs"), default="auto",
                   help="lp: LP solver for the cell enumeration (default auto = glpk, about 10x cheaper per "
                        "small LP than HiGHS here; highs = highspy)")
    p.add_argument("--kernel", choices=("auto", "numba", "numpy"), default="auto",
                   help="vertex and lp: 'numba' runs compiled code (vertex: each layer's subtree over "
                        "a cell in one call; lp: the support LPs on a small dual simplex with a checked "
                        "bound); the same regions, several times faster; needs numba (the 'fast' extra); "
                        "'numpy' the uncompiled engine; default auto = numba when installed")
    p.add_argument("--samples", type=int, metavar="N", help="sample: number of points (default 100000)")
    p.add_argument("--seed", type=int, help="sample: random seed (default 0)")
    p.add_argument("--certify", action="store_true",
                   help="prove the count: every region's witness checked in exact rational arithmetic, and "
                        "completeness by a MIP with a no-good cut per region solved to infeasibility (any "
                        "n0; for n0 <= 2 also the cells' exact volumes). A count that fails is printed as "
                        "NOT certified with the missed or bad regions, exit status 3")
    p.add_argument("--repair", action="store_true",
                   help="with --certify: when the proof finds missed regions (or bad witnesses), add them "
                        "(or fix them), redo the analysis and certify again")
    p.add_argument("--connectivity", choices=("touch", "facet"), default="touch",
                   help="linear regions: join same-map cells whose closures touch (default, even at one "
                        "point) or only cells that share a facet")
    p.add_argument("--no-linear", action="store_true",
                   help="skip linear regions and affine maps (the activation count only; regions are then "
                        "not kept in memory, for very long runs)")
    p.add_argument("--graph-out", metavar="FILE",
                   help="write the region adjacency graph (nodes: regions with pattern, witness, map id; "
                        "edges: shared facets) as networkx node-link JSON, or GraphML if FILE ends in .graphml; "
                        "- is standard output (the report then goes to standard error)")
    p.add_argument("--bounds", action="store_true",
                   help="print the count between the best lower and upper bounds of the architecture, "
                        "with the ratio to each")
    p.set_defaults(func=cmd_count)


def _point(text, option):
    """Coordinates from 'x1,x2,...' (numbers or p/q) or a .npy file."""
    from fractions import Fraction
    if str(text).endswith(".npy"):
        import numpy as np
        try:
            values = [float(v) for v in np.load(text).ravel()]
        except (OSError, ValueError, TypeError) as exc:
            raise MipRegionsError(f"{option}: cannot read {text} ({exc})") from None
        bad = [k for k, v in enumerate(values) if not math.isfinite(v)]
        if bad:
            raise MipRegionsError(f"{option}: {text}: coordinate {bad[0]} is {values[bad[0]]} (every "
                                  "coordinate must be a finite number)")
        return values
    try:
        return [Fraction(v.strip()) for v in str(text).split(",")]
    except (ValueError, ZeroDivisionError):
        raise MipRegionsError(f"{option}: expected comma-separated numbers, got {text!r}") from None


def restricted(net, args):
    """The network restricted to --line A B, --slice P U V or --through X.npy (nets/restrict.py)."""
    from ..nets.restrict import line, plane, plane_through
    if sum(map(bool, (args.line, args.slice, args.through))) > 1:
        raise MipRegionsError("give one of --line, --slice and --through")
    if args.through:
        from .plot import three_points
        return plane_through(net, *three_points(args.through, args.rows, net.input_dim), margin=args.margin)
    if args.line:
        return line(net, _point(args.line[0], "--line"), _point(args.line[1], "--line"))
    ext = _point(args.extent, "--extent")
    if len(ext) != 4 or not (ext[0] < ext[1] and ext[2] < ext[3]):
        raise MipRegionsError("--extent: expected S0,S1,T0,T1 with S0 < S1 and T0 < T1")
    P, U, V = (_point(v, "--slice") for v in args.slice)
    return plane(net, P, U, V, extent=((ext[0], ext[1]), (ext[2], ext[3])))


def count_whole_space(args) -> int:
    """``count FILE --domain R``: the three counts over all of R^n0 (n0 = 1: exact1d on the whole
    line, workflows/whole_line.py)."""
    from ..io.netfile import read_network
    from ..workflows.whole_line import whole_line_counts
    if str(args.file).lower().endswith(".onnx"):
        from ..io.onnx_io import read_onnx
        net = read_onnx(args.file, [-1], [1])
    else:
        net = read_network(args.file)
    if net.input_dim > 1:
        return count_whole_space_nd(net, args)
    ar, lr, mp = whole_line_counts(net)
    if args.json:
        print(json.dumps({"network": net.describe(), "domain": "R", "method": "exact1d (whole line)",
                          "activation_regions": ar, "linear_regions": lr, "affine_maps": mp,
                          "count_is": "exact", "connectivity": "touch"}))
        return 0
    print(f"network              {net.describe()}")
    print("domain               R (the whole input line)")
    print("method               exact1d on the whole line (exact rational breakpoint propagation)")
    print(f"activation regions   {ar}   (full-dimensional cells; exact)")
    print(f"linear regions       {lr}   (maximal runs of pieces with one affine map)")
    print(f"affine maps          {mp}   (distinct affine maps over the pieces)")
    return 0


def parallel_options(args, method):
    """(workers, scheduler) for count_regions: --workers N starts a local cluster, --scheduler (or
    $DASK_SCHEDULER_ADDRESS when --workers is not given) names an existing one."""
    import os
    workers, scheduler = args.workers, args.scheduler
    if workers is not None and workers < 1:
        raise MipRegionsError(f"--workers must be at least 1, got {workers}")
    if workers is not None and scheduler:
        raise MipRegionsError("give --workers (a local cluster) or --scheduler (an existing one), not both")
    if workers is None and not scheduler and method in ("vertex", "lp"):
        scheduler = os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if ((workers or 1) > 1 or scheduler) and method not in ("vertex", "lp", "exact1d"):
        raise MipRegionsError(f"--workers/--scheduler work with --method vertex, lp or exact1d, not {method} "
                              "(the exact engine and the MIP engine's solver session run serially)")
    return workers, scheduler


def count_whole_space_nd(net, args) -> int:
    """``count FILE --domain R`` for n0 >= 2: the counts on a box certified to meet every region and
    every adjacency of R^n0 (workflows/whole_space.py), reported as counts over R^n0."""
    from ..workflows.whole_space import count_whole_space
    result, boxed, M, rounds, n_h, rank, n_p = count_whole_space(
        net, args.method, time_limit=args.time_limit, linear=not args.no_linear, connectivity=args.connectivity)
    n0 = net.input_dim
    why = (f"the box [-{M}, {M}]^{n0} holds every minimal face of the arrangement of the {n_h} hyperplanes "
           f"(rank {rank}) of the patterns found in it ({n_p} points, exact), so it meets every region and "
           f"every adjacency of R^{n0} ({rounds} round(s); README, Whole space)")
    if args.json:
        doc = result.to_json()
        doc.update(domain="R", domain_text=f"R^{n0}", certified_box=[-M, M], whole_space_proof=why)
        print(json.dumps(doc))
    else:
        text = result.format_human().replace(result.domain.describe(), f"R^{n0} (all of it; counted on "
                                             f"[-{M}, {M}]^{n0})", 1)
        print(text)
        print(f"whole space          {why}")
    return 0 if not result.partial else PARTIAL


def cmd_count(args) -> int:
    """``mip-regions count``: count, optionally certify and bound, and report."""
    from ..counting import resolve_method
    for option, path in (("--regions-out", args.regions_out), ("--graph-out", args.graph_out)):
        if path:
            check_output(path, option, inputs=[args.file, args.domain_file], allow_stdout=True)
    if args.regions_out and args.graph_out and args.regions_out == args.graph_out:
        raise MipRegionsError("--regions-out and --graph-out name the same file")
    whole = args.domain is not None and args.domain.strip().upper() in ("R", "R^N", "RN")
    many = "--domain R" if whole else "--line-from-data" if args.line_from_data else "--around" if args.around else None
    if many and (args.regions_out or args.graph_out):
        raise MipRegionsError(f"--regions-out and --graph-out are not written with {many} (many counts); "
                              "count one box, line or slice to get its regions")
    if args.domain is not None and args.domain.strip().upper() in ("R", "R^N", "RN"):
        return count_whole_space(args)
    if args.around:
        return around.count_balls(args, load_network)
    if args.line_from_data:
        return data_lines.count_data_lines(args, load_network)
    net = load_network(args.file, args)
    if args.line or args.slice or args.through:
        net = restricted(net, args)
    method = resolve_method(net, args.method)
    options = {}
    if method == "mip":
        options = {"tighten": args.tighten, "harvest": not args.no_harvest}
    elif args.tighten != "lp" or args.no_harvest:
        raise MipRegionsError("--tighten and --no-harvest apply to --method mip only")
    if method == "lp":
        options = {"lp_solver": args.lp_solver, "kernel": args.kernel}
    elif args.lp_solver != "auto":
        raise MipRegionsError("--lp-solver applies to --method lp only")
    if method == "vertex":
        options = {"kernel": args.kernel}
    elif args.kernel != "auto" and method != "lp":
        raise MipRegionsError("--kernel applies to --method vertex and lp only")
    if method == "sample":
        options = {"samples": args.samples, "seed": args.seed}
    elif args.samples is not None or args.seed is not None:
        raise MipRegionsError("--samples and --seed apply to --method sample only")
    if args.time_limit is not None and not (math.isfinite(args.time_limit) and args.time_limit > 0):
        raise MipRegionsError(f"--time-limit must be a positive number of seconds, got {args.time_limit}")
    if args.seed is not None and not 0 <= args.seed < 2 ** 63:
        raise MipRegionsError(f"--seed must be a non-negative integer below 2^63, got {args.seed}")
    if args.samples is not None and args.samples < 1:
        raise MipRegionsError(f"--samples must be at least 1, got {args.samples}")
    if args.certify and method == "sample":
        raise MipRegionsError("--certify needs an exact method; sampling gives a lower bound only")
    if args.repair and not args.certify:
        raise MipRegionsError("--repair applies with --certify only")
    linear = not args.no_linear and method != "sample"
    workers, scheduler = parallel_options(args, method)
    if args.graph_out and (args.no_linear or method == "sample"):
        raise MipRegionsError("--graph-out needs an exact method and the linear-region analysis")
    result = count_regions(net, method, time_limit=args.time_limit, regions_out=args.regions_out,
                           keep_regions=args.certify or bool(args.graph_out), linear=linear,
                           connectivity=args.connectivity, workers=workers, scheduler=scheduler, **options)
    result.notes[:0] = getattr(args, "domain_notes", [])
    status = 0
    if args.certify and result.complete:
        status = run_certify(net, result, args)
    elif args.certify:
        result.notes.append(f"not certified: the run stopped ({result.stop_reason}); its count is a lower bound")
    if args.graph_out:
        try:
            write_graph(net, result, args.graph_out)
        except MipRegionsError as exc:      # the count is done: print it, then say what failed
            result.output_errors.append(f"--graph-out: {exc}")
    if args.bounds:
        from ..analysis.bounds import architecture_of, best_bounds, bound_table
        rows = bound_table(net.input_dim, architecture_of(net))
        low, up = best_bounds(rows)
        result.bounds = {"table": [r.to_json() for r in rows],
                         "best_lower": low.to_json() if low else None, "best_upper": up.to_json() if up else None}
    with redirect_stdout(sys.stderr if STDOUT in (args.regions_out, args.graph_out) else sys.stdout):
        if args.json:      # (on stderr when standard output carries --regions-out - or --graph-out -)
            doc = result.to_json()
            if doc.get("bounds"):      # huge integers become strings, as in `bounds --json`
                b = doc["bounds"]
                doc["bounds"] = {"table": [json_value(dict(r)) for r in b["table"]],
                                 **{k: json_value(dict(b[k])) if b[k] else None for k in ("best_lower", "best_upper")}}
            print(json.dumps(doc))
        else:
            print(result.format_human())
            if args.bounds:
                print(format_between(result))
    for err in result.output_errors:
        print(f"mip-regions: error: {err} (the count above stands)", file=sys.stderr)
    if result.output_errors:
        return 2
    if status == 0 and result.partial:
        return PARTIAL      # printed, but a lower bound or without its analysis: scripts can tell
    return status


def run_certify(net, result, args) -> int:
    """Certify the count (analysis/certify.py); with --repair, add the missed regions and certify
    again. Returns the exit status: 0 when certified, 3 when not."""
    from ..analysis.certify import certify, repair
    cert = certify(net, result)
    if not cert.passed and args.repair and (cert.missed or cert.bad):
        first = cert
        repair(net, result, cert)
        if result.linear_regions is not None:
            from ..analysis.linear_regions import analyse
            analyse(net, result, result.connectivity)
        cert = certify(net, result)
        cert.checks = {**{f"before repair: {k}": v for k, v in first.checks.items()}, **cert.checks}
    result.checks = cert.checks
    result.certificate = cert.to_json(net)
    result.certified = cert.passed
    return 0 if cert.passed else 3


def format_between(result) -> str:
    """``lower <= count <= upper`` with the ratios (lower bounds are maxima over weights)."""
    b = result.bounds
    n = result.activation_regions
    lines = []
    low, up = b["best_lower"], b["best_upper"]
    text = (f"bounds               {int_text(low['value']) if low else '-'} <= {result.count_text} <= "
            f"{int_text(up['value']) if up else '-'}")
    lines.append(text)
    if low:
        lines.append(f"  best lower         {int_text(low['value'])} ({low['name']}; on the maximum over all weights of this "
                     f"architecture); count / lower = {n / low['value']:.4g}")
    if up:
        lines.append(f"  best upper         {int_text(up['value'])} ({up['name']}); count / upper = {n / up['value']:.4g}")
    return "\n".join(lines)


def write_graph(net, result, path) -> None:
    """Write the region adjacency graph (node-link JSON, or GraphML for *.graphml)."""
    import networkx as nx
    from ..analysis.linear_regions import adjacency_graph, map_json
    if result.regions is None or not result.complete:
        raise MipRegionsError("--graph-out needs a complete enumeration with its regions")
    G = adjacency_graph(net, result.regions, result.map_ids)
    for k, label in enumerate(result.lr_labels if result.lr_labels is not None else []):
        G.nodes[k]["linear_region"] = int(label)
        G.nodes[k]["map"] = map_json(*result.maps[result.map_ids[k]])
    if str(path).endswith(".graphml"):
        for _, data in G.nodes(data=True):
            data["witness"] = json.dumps(data["witness"])
            data["map"] = json.dumps(data.get("map"))
        with atomic_write(path, "wb") as fh:
            nx.write_graphml(G, fh)
    else:
        with atomic_write(path) as fh:
            json.dump(nx.node_link_data(G, edges="edges"), fh)

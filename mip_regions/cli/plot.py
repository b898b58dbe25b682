"""``mip-regions plot``: draw the regions of a network (PNG).
"""

from __future__ import annotations

from ..counting import count_regions
from ..errors import MipRegionsError
from ..io.outputs import check_output
from .common import add_domain_options, load_network


def add_parser(sub):
    p = sub.add_parser("plot", help="draw the regions of a network (PNG)",
                       description="n0 = 2: cells coloured by linear region, cell boundaries thin and "
                                   "linear-region boundaries thick. n0 = 1: the output with its breakpoints. "
                                   "n0 > 2: a 2-D slice given by --slice. Needs matplotlib (extra 'plot').")
    p.add_argument("file", help="network file or ONNX model")
    add_domain_options(p)
    p.add_argument("-o", "--output", required=True, help="PNG file to write")
    p.add_argument("--method", choices=("auto", "vertex", "lp", "exact1d", "rational1d", "exact", "mip"), default="auto",
                   help="exact engine used to find the regions (default auto)")
    p.add_argument("--connectivity", choices=("touch", "facet"), default="touch",
                   help="linear regions: closures touch (default) or share a facet")
    p.add_argument("--slice", metavar="P:D1:D2",
                   help="for n0 > 2: point and two directions, comma-separated coordinates, e.g. 0,0,0:1,0,0:0,1,0")
    p.add_argument("--extent", metavar="U0,U1,V0,V1", default="-1,1,-1,1",
                   help="with --slice: range of the two slice coordinates (default -1,1,-1,1)")
    p.add_argument("--through", metavar="X.npy",
                   help="for n0 > 2: the plane through three data points (the first three rows of X.npy, or "
                        "the rows of --rows), at (0,0), (1,0), (0,1), marked and numbered in the picture")
    p.add_argument("--rows", metavar="I,J,K", help="with --through: the three rows to use (default 0,1,2)")
    p.add_argument("--time-limit", type=float, metavar="S",
                   help="stop the count after S seconds and draw the regions found (2-D; a lower bound, "
                        "said in the title; exit status 4)")
    p.add_argument("--margin", type=float, default=0.25,
                   help="with --through: the picture covers [-margin, 1 + margin]^2 (default 0.25)")
    p.set_defaults(func=cmd_plot)


def _floats(text, what):
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise MipRegionsError(f"{what}: expected comma-separated numbers, got {text!r}") from None


def three_points(path, rows, n0):
    """The three rows (default 0, 1, 2) of a .npy data array, as float coordinate lists."""
    import numpy as np
    try:
        X = np.load(path)
    except (OSError, ValueError) as exc:
        raise MipRegionsError(f"--through: cannot read {path} ({exc})") from None
    X = np.asarray(X, dtype=float).reshape(len(X), -1)
    idx = [0, 1, 2]
    if rows:
        try:
            idx = [int(v) for v in rows.split(",")]
        except ValueError:
            raise MipRegionsError(f"--rows: expected three row numbers I,J,K, got {rows!r}") from None
    if len(idx) != 3 or any(not 0 <= i < len(X) for i in idx):
        raise MipRegionsError(f"--through: needs three rows of {path} (it has {len(X)}), got {idx}")
    if X.shape[1] != n0:
        raise MipRegionsError(f"--through: {path} has {X.shape[1]} coordinates per row, the network {n0}")
    pts = X[idx]
    if not np.isfinite(pts).all():
        raise MipRegionsError(f"--through: a NaN or infinite coordinate in rows {idx} of {path}")
    return [p.tolist() for p in pts]


def cmd_plot(args) -> int:
    from ..nets.restrict import plane_through
    from ..report.plot import _pyplot, plot_regions, slice_network
    _pyplot()  # fail early, with the install hint, when matplotlib is missing
    check_output(args.output, "-o", inputs=[args.file, args.domain_file])
    net = load_network(args.file, args)
    marks = None
    if args.through:
        if args.slice:
            raise MipRegionsError("give --slice or --through, not both")
        net = plane_through(net, *three_points(args.through, args.rows, net.input_dim), margin=args.margin)
        marks = [(0, 0), (1, 0), (0, 1)]
    elif args.slice:
        parts = args.slice.split(":")
        if len(parts) != 3:
            raise MipRegionsError("--slice: expected POINT:D1:D2")
        ext = _floats(args.extent, "--extent")
        if len(ext) != 4 or not (ext[0] < ext[1] and ext[2] < ext[3]):
            raise MipRegionsError("--extent: expected U0,U1,V0,V1 with U0 < U1 and V0 < V1")
        net = slice_network(net, *(_floats(p, "--slice") for p in parts), extent=(ext[:2], ext[2:]))
    elif net.input_dim > 2:
        raise MipRegionsError(f"{args.file}: n0 = {net.input_dim}; give --slice POINT:D1:D2 for a 2-D slice")
    result = count_regions(net, args.method, linear=True, connectivity=args.connectivity,
                           time_limit=args.time_limit)
    plot_regions(net, result, args.output, marks=marks)
    if not result.complete:
        print(f"wrote {args.output}: the regions found before the time limit, at least "
              f"{result.activation_regions} activation regions (a lower bound; the rest of the slice is blank)")
        return 4
    print(f"wrote {args.output}: activation regions {result.activation_regions}, linear regions "
          f"{result.linear_regions}, affine maps {result.affine_maps}")
    return 0

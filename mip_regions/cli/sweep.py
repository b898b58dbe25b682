"""``mip-regions sweep``: count a list of network files, or a grid of a builder's parameters,
into one CSV; in parallel (Dask) and resumable (workflows/sweep.py)."""

from __future__ import annotations

import sys

from ..errors import MipRegionsError

EPILOG = """\
examples:
  mip-regions sweep ternary --n0 1,2 --q 2,3 --depth 3,5,7 -o ternary.csv --workers 2
  mip-regions sweep montufar --n0 1,2 --p 2,3 --depth 2,3,4 -o montufar.csv --certify
  mip-regions sweep models/*.json -o models.csv --time-limit 60
  mip-regions sweep nets/*.onnx -o est.csv --method lp --time-limit 120 --estimate
      (exact | MIPBound | sample | upper bounds side by side; see `mip-regions estimate --help`)

A rerun with the same -o skips the rows already in the CSV (rows with an error are tried
again), so a stopped sweep is resumed by running it again."""


def add_parser(sub):
    import argparse
    p = sub.add_parser("sweep", help="count many networks (files or a builder grid) into one CSV, in parallel",
                       description="Count every network of a list of files, or of a grid of builder parameters "
                                   "(montufar, ternary), with the three counts, the best bounds of its "
                                   "architecture, the time, the engine and the certificate status, one CSV row "
                                   "each, appended as they finish.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("items", nargs="+", metavar="BUILDER|FILE",
                   help="'montufar' or 'ternary' (then --n0, --p/--q and --depth give the grid), or network files")
    p.add_argument("--n0", help="grid: input dimensions, comma-separated (e.g. 1,2)")
    p.add_argument("--p", help="grid, montufar: folds per coordinate, comma-separated")
    p.add_argument("--q", help="grid, ternary: folds per coordinate, comma-separated")
    p.add_argument("--depth", help="grid: depths L (number of affine maps), comma-separated; ternary needs odd L")
    p.add_argument("--width", type=int, help="grid: pad every hidden layer to this width")
    p.add_argument("-o", "--output", required=True, help="CSV to write (appended to; a rerun resumes)")
    p.add_argument("--method", default="auto", help="counting engine (as in count; default auto)")
    p.add_argument("--time-limit", type=float, metavar="S", help="per network: stop after S seconds (lower bound)")
    p.add_argument("--connectivity", choices=("touch", "facet"), default="touch",
                   help="linear regions: merge cells that touch (default) or share a facet")
    p.add_argument("--certify", action="store_true", help="also certify each count (count --certify)")
    p.add_argument("--estimate", action="store_true",
                   help="also the columns of `mip-regions estimate`: MIPBound's lower bound (with --confidence), "
                        "regions confirmed, the sampling lower bound, the activation-based and best upper bound "
                        "(its MIPs also limited by --time-limit)")
    p.add_argument("--confidence", type=float, default=0.95, help="with --estimate: MIPBound's confidence")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="networks counted at once in N local processes (a Dask LocalCluster; default 1: here)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="send the rows to an existing Dask cluster")
    p.set_defaults(func=cmd_sweep)


def _ints(text, option):
    try:
        vals = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise MipRegionsError(f"{option}: expected comma-separated integers, got {text!r}") from None
    if not vals:
        raise MipRegionsError(f"{option}: no values")
    return vals


def specs_of(args) -> list[dict]:
    from ..workflows.sweep import BUILDERS, file_specs, grid_specs
    head = args.items[0]
    if head in BUILDERS:
        if len(args.items) > 1:
            raise MipRegionsError(f"sweep {head}: the grid comes from --n0/--{BUILDERS[head]}/--depth, "
                                  f"not from more arguments ({' '.join(args.items[1:])})")
        fold = BUILDERS[head]
        missing = [o for o, v in (("--n0", args.n0), (f"--{fold}", getattr(args, fold)), ("--depth", args.depth))
                   if v is None]
        if missing:
            raise MipRegionsError(f"sweep {head}: give {', '.join(missing)}")
        specs = grid_specs(head, _ints(args.n0, "--n0"), _ints(getattr(args, fold), f"--{fold}"),
                           _ints(args.depth, "--depth"), args.width)
        if head == "ternary" and any(L % 2 == 0 for L in _ints(args.depth, "--depth")):
            print("mip-regions sweep: even depths skipped (the ternary construction needs odd L')", file=sys.stderr)
        return specs
    import os
    for path in args.items:
        if not os.path.isfile(path):
            raise MipRegionsError(f"sweep: {path}: no such file (and not a builder: montufar, ternary)")
    return file_specs(args.items)


def cmd_sweep(args) -> int:
    from ..workflows.sweep import RowWriter, columns, done_ids
    if args.time_limit is not None and not args.time_limit > 0:
        raise MipRegionsError(f"--time-limit must be positive, got {args.time_limit}")
    if args.workers < 1:
        raise MipRegionsError(f"--workers must be at least 1, got {args.workers}")
    if not 0.0 < args.confidence < 1.0:
        raise MipRegionsError(f"--confidence must be strictly between 0 and 1, got {args.confidence}")
    from ..io.outputs import output_kind
    if output_kind(args.output) != "file":
        raise MipRegionsError(f"-o {args.output}: a sweep appends to a CSV file and resumes from it; give a file "
                              "path (not standard output or a stream)")
    specs = specs_of(args)
    cols = columns(args.estimate)
    done = done_ids(args.output, cols)
    todo = [s for s in specs if s["id"] not in done]
    print(f"sweep: {len(specs)} networks, {len(specs) - len(todo)} already in {args.output}, "
          f"{len(todo)} to count", file=sys.stderr)
    writer = RowWriter(args.output, cols)
    opts = dict(method=args.method, time_limit=args.time_limit, certify=args.certify,
                connectivity=args.connectivity,
                estimate={"confidence": args.confidence} if args.estimate else None)
    partial = errors = 0
    try:
        for row in _rows(todo, opts, args.workers, args.scheduler):
            writer.write(row)
            errors += bool(row["error"])
            partial += row["count_is"] == "lower bound"
            print(f"  {row['id']}: " + (f"error: {row['error']}" if row["error"] else
                  f"{row['activation_regions']} activation regions ({row['count_is']}), "
                  f"{row['linear_regions']} linear, {row['seconds']} s"
                  + (f"; MIPBound >= {row['mipbound_lower_bound']}, upper <= {row['upper_bound']}"
                     if args.estimate else "")), file=sys.stderr)
    except KeyboardInterrupt:
        print(f"sweep: interrupted; the finished rows are in {args.output} (run again to resume)", file=sys.stderr)
        return 4
    finally:
        writer.close()
    print(f"sweep: done, {len(todo)} rows written to {args.output}"
          + (f" ({errors} with an error)" if errors else "") + (f" ({partial} lower bounds)" if partial else ""))
    return 2 if errors else 4 if partial else 0


def _rows(todo, opts, workers, scheduler):
    """Rows as they finish: here one after the other, or on a Dask cluster."""
    from ..workflows.sweep import sweep_row
    if workers == 1 and not scheduler:
        for spec in todo:
            yield sweep_row(spec, **opts)
        return
    from ..parallel.dask_count import map_as_completed
    yield from map_as_completed(sweep_row, [((spec,), opts) for spec in todo], workers, scheduler)

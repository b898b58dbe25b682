"""The ``mip-regions`` command line.

Every user-facing error (bad network file, bad option) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__
from .counting import METHODS, count_regions
from .errors import MipRegionsError
from .netfile import read_network

DESCRIPTION = """\
Count the linear regions of ReLU networks exactly.

Counts are over the network's input domain (a box stored in the network file) and count only
full-dimensional cells. 'activation regions' are cells with a distinct activation pattern;
'degenerate patterns' are strict activation patterns that live only on lower-dimensional sets
(Serra's one-sided MIP finds them; they are discarded, never counted).
"""


def _add_count(sub):
    p = sub.add_parser(
        "count", help="count the activation regions of a network file",
        description="Count the activation regions (full-dimensional cells with a distinct activation "
                    "pattern) of the network in FILE over its domain. A run stopped by --time-limit "
                    "or Ctrl-C reports its count as a lower bound ('at least N').")
    p.add_argument("file", help="network file (JSON, format mip-regions/network; see README)")
    p.add_argument("--method", choices=METHODS, default="auto",
                   help="counting engine: mip = Serra et al.'s big-M MIP on Pyomo + HiGHS, the reference "
                        "(default: auto, the fastest exact engine available)")
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
    p.set_defaults(func=cmd_count)


def cmd_count(args) -> int:
    net = read_network(args.file)
    options = {}
    method = args.method
    if method in ("mip", "auto"):
        options = {"tighten": args.tighten, "harvest": not args.no_harvest}
    if args.time_limit is not None and args.time_limit <= 0:
        raise MipRegionsError("--time-limit must be positive")
    result = count_regions(net, method, time_limit=args.time_limit, regions_out=args.regions_out,
                           keep_regions=False, **options)
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(result.format_human())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mip-regions", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"mip-regions {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_count(sub)
    return parser


def main(argv=None) -> int:
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


if __name__ == "__main__":
    sys.exit(main())

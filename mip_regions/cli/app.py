"""The ``mip-regions`` command line: the top-level parser and the entry point.

Every user-facing error (bad network file, bad option) is one line on stderr and exit code 2;
this is the one place where the library's exceptions become exit codes.
"""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..errors import MipRegionsError
from . import bounds, build, convert, count, distance, estimate, plot, quantize, search, show, sweep, ternarize

DESCRIPTION = """\
Count the linear regions of ReLU and maxout networks exactly.

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
  mip-regions quantize net.json -o q.json --bits 3 --distance
  mip-regions search ternary --arch 1-2-2-1
  mip-regions count net.json --workers 2          (the search over 2 processes, Dask)
  mip-regions estimate net.onnx --domain 0:1       (MIPBound + upper bounds, past enumeration)
  mip-regions sweep ternary --n0 1,2 --q 2,3 --depth 3,5 -o sweep.csv
"""


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every ``mip-regions`` command."""
    parser = argparse.ArgumentParser(prog="mip-regions", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"mip-regions {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in (count, estimate, build, ternarize, show, plot, bounds, convert, distance, quantize, search, sweep):
        command.add_parser(sub)
    return parser


VALUE_OPTIONS = ("--domain", "--extent", "--slice")   # values that may start with '-'
MULTI_VALUE = {"count": {"--line": 2, "--slice": 3}}   # options of several values, per command


def _join_negative_values(argv):
    """``--domain -1:1`` -> ``--domain=-1:1``: argparse would read '-1:1' as an option. For the
    options of several values (``count --line A B``), a value such as '-1,2' gets a leading space
    instead (argparse then reads it as a value; the coordinates are stripped)."""
    command = next((a for a in argv if not a.startswith("-")), None)
    multi = MULTI_VALUE.get(command, {})
    out, k = [], 0
    while k < len(argv):
        a = argv[k]
        if a in multi:
            out.append(a)
            for v in argv[k + 1: k + 1 + multi[a]]:
                out.append(" " + v if v.startswith("-") and v[1:2] not in ("-", "") else v)
            k += 1 + multi[a]
            continue
        if a in VALUE_OPTIONS and k + 1 < len(argv) and argv[k + 1].startswith("-") and argv[k + 1][1:2] not in ("-", ""):
            out.append(f"{a}={argv[k + 1]}")
            k += 2
            continue
        out.append(a)
        k += 1
    return out


def main(argv=None) -> int:
    """Entry point of the console script; user-facing errors exit 2 with one line on stderr,
    a partial result (time limit, Ctrl-C) exits 4 after printing what was found."""
    parser = build_parser()
    args = parser.parse_args(_join_negative_values(sys.argv[1:] if argv is None else list(argv)))
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

"""``mip-regions estimate``: bounds on the number of activation regions when the exact count is out
of reach: MIPBound's probabilistic lower bound, the sampling lower bound, the activation-based
and architectural upper bounds, and optionally the exact count (workflows/estimate.py).
"""

from __future__ import annotations

import json
import sys

from ..errors import MipRegionsError
from ..report.numbers import int_text
from .bounds import json_value
from .common import add_domain_options, load_network

PARTIAL = 4   # exit status when Ctrl-C stopped a step (what was found is printed)

EPILOG = """\
what each number promises:
  lower bound   MIPBound (Serra & Ramalingam 2020): with s random parity constraints on the MIP's
                binaries, every one of t trials still had a region (confirmed exactly), so there
                are at least floor(2^(s - a)) regions with probability >= the confidence (over the
                random constraints; a from the confidence and t). Raised to the regions confirmed
                during the run when that is larger (those are certain).
  sample        distinct activation patterns at random points: certain, usually far below.
  upper bound   certain: the smallest of the activation-based bound (the most units of each layer
                active at once, from one MIP per layer: an optimum, or the MIP's dual bound when a
                time limit stopped it, said so) and the architecture's bounds (Serra et al. 2018 ...).
  exact         with --exact-within S: the count, when enumeration finishes in S seconds.

Ctrl-C stops the step that runs; the numbers found before it are printed (exit status 4).

examples:
  mip-regions estimate net.json
  mip-regions estimate net.onnx --domain 0:1 --time-limit 600 --mip-time-limit 60 --json
  mip-regions estimate net.json --confidence 0.99 --trials 20 --seed 3 --exact-within 30
"""


def add_parser(sub):
    p = sub.add_parser("estimate", help="solver-backed bounds when the exact count is out of reach (MIPBound, "
                                        "activation-based upper bound, sampling)",
                       description="Bounds on the number of activation regions (full-dimensional cells) of a "
                                   "ReLU or maxout network over its domain, each labelled certain or probabilistic.",
                       epilog=EPILOG, formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("file", help="network file (JSON or ONNX)")
    add_domain_options(p)
    p.add_argument("--confidence", type=float, default=0.95,
                   help="probability that MIPBound's lower bound holds, strictly between 0 and 1 (default 0.95)")
    p.add_argument("--trials", type=int, default=10,
                   help="parity trials per level; more trials give a smaller slack a (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the parity constraints and of the samples (default 0)")
    p.add_argument("--time-limit", type=float, metavar="S",
                   help="seconds for the activity MIPs and MIPBound together (default: none); the bounds "
                        "reached by then are reported")
    p.add_argument("--mip-time-limit", type=float, metavar="S",
                   help="seconds per MIP (a MIPBound trial that runs out fails; an activity MIP that runs out "
                        "gives its dual bound)")
    p.add_argument("--samples", type=int, default=10_000, help="points for the sampling lower bound (0: skip)")
    p.add_argument("--exact-within", type=float, metavar="S",
                   help="also try the exact count (method auto) for S seconds")
    p.add_argument("--json", action="store_true", help="print the result as JSON (keys lower_bound, confidence, "
                                                       "upper_bound, upper_bound_name, exact, sample_lower_bound, ...)")
    p.set_defaults(func=cmd_estimate)


def cmd_estimate(args) -> int:
    from ..workflows.estimate import estimate
    for name in ("time_limit", "mip_time_limit", "exact_within"):
        v = getattr(args, name)
        if v is not None and not v > 0:
            raise MipRegionsError(f"--{name.replace('_', '-')} must be a positive number of seconds, got {v}")
    net = load_network(args.file, args)
    progress = None if args.json else (lambda text: print("  " + text, file=sys.stderr, flush=True))
    est = estimate(net, confidence=args.confidence, trials=args.trials, seed=args.seed, time_limit=args.time_limit,
                   mip_time_limit=args.mip_time_limit, samples=args.samples, exact_within=args.exact_within,
                   progress=progress)
    est.notes[:0] = getattr(args, "domain_notes", [])
    if args.json:
        doc = est.to_json()
        doc["upper_bounds"] = [json_value(dict(r)) for r in doc["upper_bounds"]]
        print(json.dumps(doc))
    else:
        print(format_estimate(est))
    return PARTIAL if est.interrupted else 0


def format_estimate(est) -> str:
    """The human-readable report of an :class:`~mip_regions.workflows.estimate.Estimate`."""
    mb = est.mipbound or {}
    lines = [f"network       {est.network}", f"domain        {est.domain}"]
    if est.lower_bound is not None:
        if mb.get("s"):
            how = (f"MIPBound: s = {mb['s']} parity constraints, a region in all {mb['trials']} trials of each "
                   f"level, a = {mb['alpha']:.3f}: floor(2^(s - a)) = {mb['lower_bound']}")
        else:
            how = "MIPBound: no level passed, its bound is 0"
        kind = "certain" if est.lower_bound_is == "certain" else f"with probability >= {est.confidence:g}"
        lines.append(f"lower bound   >= {int_text(est.lower_bound)} {kind}  ({how}; {mb['regions_found']} regions "
                     f"confirmed exactly, certain; stopped: {mb['stop_reason']})")
    else:
        lines.append(f"lower bound   none ({mb.get('stop_reason')})")
    if est.sample_lower_bound is not None:
        lines.append(f"sample        >= {est.sample_lower_bound}  (certain; {est.sample_detail['samples']} points)")
    if est.upper_bound is not None:
        lines.append(f"upper bound   <= {int_text(est.upper_bound)}  ({est.upper_bound_name}; certain)")
    for r in est.upper_bounds:
        lines.append(f"              {r['name']:<44} <= {int_text(r['value'])}")
    relu = [a for a in est.activity if a.activation == "relu"]
    if relu:
        lines.append("activity      " + "; ".join(
            f"layer {a.layer}: <= {a.max_active} of {a.width} active ({a.stable_active} always, "
            f"{a.unstable} switch; {a.how})" for a in relu))
    if est.exact_detail is not None:
        d = est.exact_detail
        text = str(d["activation_regions"]) if d["complete"] else \
            f"not finished within the time (at least {d['activation_regions']}: {d['stop_reason']})"
        lines.append(f"exact         {text}  [{d['method']}]")
    for note in est.notes:
        lines.append(f"note          {note}")
    lines.append("seconds       " + ", ".join(f"{k} {v}" for k, v in est.seconds.items()))
    return "\n".join(lines)

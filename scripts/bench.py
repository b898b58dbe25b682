"""Benchmark every engine on a fixed, seeded suite and print one table.

Each (case, engine) runs in a fresh process (so peak memory is its own) with a per-case time
limit; a run that hits the limit shows its count as ">= N". Rates are regions per second;
``rate_vs_lp`` is each engine's rate divided by the lp engine's rate on the same case (ratios from
one run are what to compare; absolute times vary by about 25% between runs). ``rate_vs_peer``
divides by the rate issue 4 quotes for the peer tool (nnenum, star sets on GLPK) on the same kind
of network: 3,080 regions of a random 4-16-16 in 1.2 s, 130,508 of a 6-16-16-16 in 65 s.

``exact_path`` counts the decisions made in exact rational arithmetic (engines/shared/layers.py: a float
decision inside its error band) plus the subtrees handed to the exact engine. The pseudo-engine
``certify`` counts with ``auto`` and then runs ``count --certify``'s proof (exact witnesses + the MIP
no-good completeness proof); its seconds are the proof's alone.

The maxout cases (random rank-2 and rank-3 nets with n0 = 2 and 4, and the 1-D maxout sawtooth
with 3^5 regions) give each engine's rate on maxout units (issue 14).

The ACAS-shaped cases (scripts/acas_like.py: an ONNX file as VNN-COMP writes them, 5 inputs with
Sub/Div normalisation, six hidden layers of 50, seeded random weights) are read through the ONNX
reader and counted over the raw-input boxes mean +- w * range, w = 0.005, 0.01, 0.02 (issue 20).

``--memory`` adds the streaming check: exact1d on Montúfar's 1-D nets with 131,072, 524,288 and
1,048,576 regions, nothing kept per region (``--no-linear``); peak memory must stay flat (within
20%). With ``--linear`` the regions are kept for the analysis: then peak memory grows with the
regions (region_store.py), and the million-region row gives its size.

``--linear`` runs vertex, lp and exact1d with the linear-region analysis (facet connectivity) and
reports its seconds (``linear_s``) next to the enumeration's (issue 21); with ``--memory`` the
1-D nets of 131,072 and 524,288 regions then show the analysis' peak memory too.

Run: python scripts/bench.py [--time-limit S] [--quick] [--memory] [--linear] [--out DIR]   (writes bench.csv, bench.md)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
from pathlib import Path

from mip_regions.report.tables import write_tables


def cases(quick: bool, memory: bool = False):
    from mip_regions.nets.constructions import montufar, ternary
    from acas_like import acas_network
    from mip_regions.nets.maxout_nets import maxout_sawtooth, random_maxout
    from mip_regions.nets.random_nets import random_mlp, random_ternary_mlp
    out = [("random 2-8-8", lambda: random_mlp([2, 8, 8], 0)),
           ("random 2-12-12", lambda: random_mlp([2, 12, 12], 0)),
           ("random 3-10-10", lambda: random_mlp([3, 10, 10], 0)),
           ("random 4-8-8-8", lambda: random_mlp([4, 8, 8, 8], 0)),
           ("random 4-16-16", lambda: random_mlp([4, 16, 16], 0)),
           ("ternary-random 2-8-8", lambda: random_ternary_mlp([2, 8, 8], 0)),
           ("ternary-random 3-8-8-8", lambda: random_ternary_mlp([3, 8, 8, 8], 0)),
           ("montufar 1,3,4", lambda: montufar(1, 3, 4)),
           ("ternary 1,3,5", lambda: ternary(1, 3, 5)),
           ("ternary 2,3,5", lambda: ternary(2, 3, 5)),
           ("montufar 2,3,4", lambda: montufar(2, 3, 4)),
           ("maxout2 2-16-16", lambda: random_maxout([2, 16, 16], 2, 0)),
           ("maxout3 2-10-10", lambda: random_maxout([2, 10, 10], 3, 0)),
           ("maxout2 4-10-10", lambda: random_maxout([4, 10, 10], 2, 0)),
           ("maxout3 4-8-8", lambda: random_maxout([4, 8, 8], 3, 0)),
           ("maxout sawtooth 3,5", lambda: maxout_sawtooth(3, 5)),
           ("acas-like w=0.005", lambda: acas_network(0.005)),
           ("acas-like w=0.01", lambda: acas_network(0.01)),
           ("acas-like w=0.02", lambda: acas_network(0.02))]
    if memory:
        out += [("montufar 1,2,18 (memory)", lambda: montufar(1, 2, 18)),
                ("montufar 1,2,20 (memory)", lambda: montufar(1, 2, 20)),
                ("montufar 1,2,21 (memory)", lambda: montufar(1, 2, 21))]
    if not quick:
        out += [("random 6-16-16-16", lambda: random_mlp([6, 16, 16, 16], 0)),
                ("random 10-10-10-10", lambda: random_mlp([10, 10, 10, 10], 0))]
    return out


ENGINES = ["vertex", "lp", "exact1d", "exact", "mip", "sample", "certify"]
PEER_RATE = {"random 4-16-16": 3080 / 1.2, "random 6-16-16-16": 130508 / 65}   # regions/s, issue 4


ANALYSED = ("vertex", "lp", "exact1d")   # engines timed with the linear-region analysis too


def _run(case, engine, time_limit, quick, memory, q, linear=False):
    import time
    from mip_regions import count_regions
    import mip_regions.engines.exact.net  # noqa: F401  (python-flint's import, ~30 ms, is not the algorithm)
    net = dict(cases(quick, memory))[case]()
    if case.endswith("(memory)") and engine != "exact1d":
        q.put(None)
        return
    if engine == "exact1d" and net.input_dim != 1:
        q.put(None)
        return
    opts = {"samples": 1_000_000} if engine == "sample" else {}
    analyse = linear and engine in ANALYSED
    if analyse:
        opts.update(linear=True, connectivity="facet")
    t = time.perf_counter()
    r = count_regions(net, "auto" if engine == "certify" else engine, time_limit=time_limit,
                      keep_regions=engine == "certify", **opts)
    secs = time.perf_counter() - t
    linear_s = r.stats.get("linear_s", "") if analyse else ""
    if analyse and linear_s != "":
        secs -= linear_s                   # the rate is the enumeration's; the analysis beside it
    complete = r.complete
    exact_path = r.stats.get("exact_decisions", 0) + r.stats.get("exact_subtrees", 0)
    if engine == "certify":
        from mip_regions.analysis.certify import certify
        t = time.perf_counter()
        cert = certify(net, r, time_limit=time_limit)
        secs = time.perf_counter() - t
        complete = "certified" if cert.passed else (
            "NOT certified" if cert.missed or cert.bad else "not decided within the time limit")
    q.put({"regions": r.activation_regions, "complete": complete, "seconds": secs, "linear_s": linear_s,
           "linear_regions": r.linear_regions if analyse else "",
           "exact_path": exact_path if engine not in ("sample", "exact", "exact1d") else "",
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time-limit", type=float, default=30.0, help="per (case, engine) limit in seconds")
    ap.add_argument("--quick", action="store_true", help="leave out the two largest random networks")
    ap.add_argument("--memory", action="store_true",
                    help="add exact1d on 131k- and 524k-region nets (peak memory must stay flat)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of " + ",".join(ENGINES))
    ap.add_argument("--linear", action="store_true",
                    help="also run the linear-region analysis (facet connectivity) for vertex, lp and exact1d, "
                         "with its time in the column linear_s beside the enumeration's seconds")
    ap.add_argument("--out", default="out/bench", help="folder for bench.csv and bench.md")
    ap.add_argument("--speed", action="store_true",
                    help="print issue 17's before/after table instead (scripts/bench_speed.py: regions per "
                         "CPU-second of lp on the digits nets and of vertex on 4-16-16 and 6-16-16-16)")
    args, rest = ap.parse_known_args()
    if args.speed:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_speed import main as speed_main
        speed_main(rest + ["--time-limit", str(args.time_limit)])
        return
    if rest:
        ap.error("unrecognized arguments: " + " ".join(rest))
    engines = args.engines.split(",")
    ctx = mp.get_context("spawn")
    rows = []
    for case, _ in cases(args.quick, args.memory):
        done = {}
        for engine in engines:
            q = ctx.Queue()
            p = ctx.Process(target=_run, args=(case, engine, args.time_limit, args.quick, args.memory, q,
                                               args.linear))
            p.start()
            res = q.get()
            p.join()
            if res is not None:
                done[engine] = res
        rate = {e: r["regions"] / max(r["seconds"], 1e-9) for e, r in done.items()}
        for engine, res in done.items():
            label = ("%d" if res["complete"] else ">= %d") % res["regions"]
            if engine == "sample":
                label = f">= {res['regions']} (estimate)"
            if engine == "certify":
                label = f"{res['regions']} {res['complete']}"
            peer = PEER_RATE.get(case) if engine not in ("sample", "certify") else None
            rows.append({"case": case, "engine": engine, "regions": label,
                         "seconds": round(res["seconds"], 3), "linear_s": res["linear_s"],
                         "linear_regions": res["linear_regions"], "regions_per_s": round(rate[engine], 1),
                         "peak_mb": round(res["peak_mb"], 1), "exact_path": res["exact_path"],
                         "rate_vs_lp": (round(rate[engine] / rate["lp"], 4)
                                        if "lp" in rate and engine not in ("sample", "certify") else ""),
                         "rate_vs_peer": round(rate[engine] / peer, 2) if peer else ""})
            print(" | ".join(str(v) for v in rows[-1].values()), flush=True)
    out = Path(args.out)
    print(write_tables(rows, out, "bench"))
    print(f"\nwritten: {out / 'bench.csv'}, {out / 'bench.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()

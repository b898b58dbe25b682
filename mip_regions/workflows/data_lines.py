"""Regions along data: exact counts on the segments between consecutive data points, and the
density of region boundaries along them (Hanin & Rolnick 2019; issue 29, item 2).

Segment k runs from row k to row k + 1 of X. The network restricted to it exactly
(nets/restrict.line, t in [0, 1]) is counted by the pipeline (counting.count_regions, the
float-filtered ``exact1d`` engine by default), each with its own time limit: a segment that
stops is a labelled lower bound. The density of a segment is (regions - 1) / length, the
boundaries it crosses per unit of input distance (Euclidean); over all segments it is the total
number of crossings over the total length, with its spread over the segments.

Segments are independent: with ``workers`` (or a Dask ``scheduler``) they run in chunks on a
cluster (parallel.map_as_completed, the network sent once to each worker) and come back in any
order; the rows are returned in segment order all the same.
"""

from __future__ import annotations

import time

import numpy as np

from ..errors import MipRegionsError
from ..nets.network import Network

CHUNK = 16     # segments per parallel task: tasks of about a second on a 784-256x4 net


def check_points(X, n0: int, source: str) -> np.ndarray:
    """X as an (m, n0) float array of finite numbers with m >= 2, or a MipRegionsError naming the
    file and the first bad row."""
    X = np.asarray(X, dtype=float)
    X = X.reshape(len(X), -1) if X.ndim >= 1 else X
    if X.ndim != 2 or X.shape[1] != n0 or len(X) < 2:
        raise MipRegionsError(f"--line-from-data: expected an array of at least 2 points with {n0} "
                              f"coordinates each, got shape {np.shape(X)}")
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if len(bad):
        raise MipRegionsError(f"--line-from-data: {source}: row {bad[0]} holds "
                              f"{X[bad[0]][~np.isfinite(X[bad[0]])][0]} ({len(bad)} row(s) with NaN or "
                              "infinite coordinates; every coordinate must be a finite number)")
    return X


def count_segments(net: Network, X: np.ndarray, ks, method: str = "auto", time_limit=None,
                   offset: int = 0) -> list[dict]:
    """The rows of segments ``ks`` (segment k: X[k] -> X[k + 1], reported as offset + k); a
    zero-length segment is skipped."""
    from ..counting import count_regions
    from ..nets.restrict import line
    rows = []
    for k in ks:
        a, b = X[k], X[k + 1]
        if np.array_equal(a, b):
            continue
        t0 = time.perf_counter()
        res = count_regions(line(net, a.tolist(), b.tolist()), method, time_limit=time_limit,
                            keep_regions=False, progress=False)
        length = float(np.linalg.norm(b - a))
        rows.append({"from": offset + int(k), "to": offset + int(k) + 1, "length": length,
                     "activation_regions": res.activation_regions,
                     "boundaries_per_unit_length": (res.activation_regions - 1) / length,
                     "count_is": "exact" if res.complete else "lower bound",
                     "seconds": round(time.perf_counter() - t0, 3)})
        if res.stop_reason and res.stop_reason.startswith("interrupted"):
            raise Interrupted(rows)
    return rows


class Interrupted(Exception):
    """Ctrl-C during a segment: the rows so far (the last one a lower bound)."""

    def __init__(self, rows):
        super().__init__("interrupted")
        self.rows = rows


def segment_rows(net: Network, X: np.ndarray, *, method: str = "auto", time_limit=None, workers=None,
                 scheduler=None, on_rows=None) -> tuple[list[dict], str | None]:
    """(rows, stopped): every segment's row, in segment order, and why the run stopped early
    (Ctrl-C) or None; ``on_rows(rows)`` after each finished chunk (progress). Serial unless
    ``workers`` > 1 or a ``scheduler`` is given."""
    n = len(X) - 1
    if method == "sample":
        raise MipRegionsError("--line-from-data counts exactly; --method sample gives lower bounds only")
    if (workers or 1) <= 1 and not scheduler:
        rows = []
        for k in range(n):
            try:
                new = count_segments(net, X, [k], method, time_limit)
            except Interrupted as stop:     # Ctrl-C: what was counted, the rest not started
                rows += stop.rows
                return rows, f"interrupted (Ctrl-C) after {len(rows)} of {n} segments"
            rows += new
            if on_rows is not None:
                on_rows(new)
        return rows, None
    from ..parallel.dask_count import map_as_completed
    calls = [((X[s: s + CHUNK + 1], range(min(CHUNK, n - s)), method, time_limit, s), {})   # only its rows
             for s in range(0, n, CHUNK)]
    rows = []
    for new in map_as_completed(count_segments, calls, workers=workers, scheduler=scheduler, shared=net):
        rows += new
        if on_rows is not None:
            on_rows(new)
    return sorted(rows, key=lambda r: r["from"]), None


def summary(rows: list[dict], stopped: str | None = None) -> dict:
    """Totals and the density's spread over the segments; a lower bound when a segment stopped
    at its time limit or the run was ``stopped``."""
    counts = [r["activation_regions"] for r in rows]
    dens = np.array([r["boundaries_per_unit_length"] for r in rows]) if rows else np.zeros(0)
    crossings = sum(c - 1 for c in counts)
    per_length = crossings / sum(r["length"] for r in rows) if rows else 0.0
    spread = {"mean": float(dens.mean()), "std": float(dens.std()), "median": float(np.median(dens)),
              "min": float(dens.min()), "max": float(dens.max())} if rows else None
    return {"segments": len(counts), "activation_regions": counts, "total_regions": sum(counts),
            "boundaries_per_unit_length": per_length, "density_over_segments": spread,
            "count_is": "exact" if stopped is None and all(r["count_is"] == "exact" for r in rows)
            else "lower bound", "stopped": stopped}


__all__ = ["check_points", "count_segments", "segment_rows", "summary"]

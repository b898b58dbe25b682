"""One task of a parallel count: the subtree below one route of the depth-first search
(engines/shared/routes.py), run by the ordinary engine in one process, and what it sends back.

A task is a pure function of (network, method, options, route, split rule, time limit), so a
task lost with its worker can be run again anywhere with the same outcome; that is what lets
Dask resubmit it and the count stay exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..engines.dispatch import engine_for, resolve_method, run_deep
from ..engines.shared import Router
from ..nets.network import Network
from ..result import RunContext

PARALLEL_METHODS = ("vertex", "lp")


@dataclass
class TaskResult:
    """What a task sends back: its regions in search order (a RegionStore ``block``), the chunk
    marks (region index, route where a contiguous stretch of the serial order starts), the routes
    it handed out unexplored, its statistics, and whether it finished (``complete``)."""
    route: tuple
    count: int
    block: dict | None
    marks: list
    handed: list
    stats: dict
    complete: bool
    stop_reason: str | None
    seconds: float
    worker: str = ""


def run_route(net: Network, method: str, options: dict, route=(), *, split_depth=None,
              split_after=None, time_limit=None, until=None, keep_regions=True) -> TaskResult:
    """Run ``method`` on the subtree below ``route`` (engines/routes.Router: branches at depth
    >= ``split_depth``, or after ``split_after`` seconds, are handed out, not explored). The
    regions found are exactly those of the serial search below ``route`` that lie in the part
    explored here. ``until``: a wall-clock deadline (time.time()), for tasks that wait in a queue."""
    import os
    import socket
    method = resolve_method(net, method)
    if method not in PARALLEL_METHODS:
        raise ValueError(f"method {method!r} does not run in parallel (choose from {PARALLEL_METHODS})")
    t0 = time.perf_counter()
    if until is not None:
        left = max(0.0, until - time.time())
        time_limit = left if time_limit is None else min(time_limit, left)
    ctx = RunContext(net, method, time_limit=time_limit, keep_regions=keep_regions, progress=False)
    ctx.witnesses = keep_regions
    ctx.router = Router(route, split_depth=split_depth, split_after=split_after)
    run = engine_for(method)
    from ..engines.exact import stop_check
    with stop_check(ctx.expired):       # the exact LPs of the search stop at the time limit too
        run_deep(lambda: run(net, ctx, **options), net, ctx)
    block = ctx.regions.block(0, len(ctx.regions)) if keep_regions else None
    return TaskResult(route=tuple(route), count=ctx.count, block=block, marks=ctx.router.marks,
                      handed=ctx.router.handed, stats=dict(ctx.stats), complete=ctx.stop_reason is None,
                      stop_reason=ctx.stop_reason, seconds=time.perf_counter() - t0,
                      worker=f"{socket.gethostname()}:{os.getpid()}")

"""Which engine runs a count, with which options, and how a depth-first engine is run (deep
recursion in a thread with a large stack; numpy's overflow warnings off). Shared by the serial
entry point (counting.py) and the tasks of a parallel count (parallel/tasks.py)."""

from __future__ import annotations

import threading

import numpy as np

from ..errors import EngineError
from ..nets.network import Network
from ..result import RunContext

METHODS = ("auto", "vertex", "lp", "exact1d", "rational1d", "exact", "mip", "sample")
DETAIL = {
    "vertex": "depth-first cell enumeration with vertex sets, no LP",
    "lp": "depth-first cell enumeration with LPs",
    "exact1d": "breakpoint propagation decided in floats with error bounds, exact fallback, n0 = 1",
    "rational1d": "breakpoint propagation entirely in rational arithmetic, n0 = 1 (slow; the reference)",
    "exact": "depth-first cell enumeration entirely in exact rational arithmetic (slow; the reference)",
    "sample": "distinct patterns at random points: a LOWER BOUND, not a count",
}
OPTIONS = {"mip": {"tighten": "lp", "harvest": True}, "sample": {"samples": 100_000, "seed": 0},
           "lp": {"lp_solver": "auto", "decide": "support", "kernel": "auto"}, "exact1d": {}, "rational1d": {}, "vertex": {"kernel": "auto"}, "exact": {}}


VERTEX_MAX_DIM = 7   # auto: vertex up to here, lp above (scripts/bench.py: vertex sets grow as 2^n0)
VERTEX_HARD_LIMIT = 16   # the box alone has 2^n0 vertices


def resolve_method(net: Network, method: str) -> str:
    """``auto``: exact1d when n0 = 1, vertex for 2 <= n0 <= VERTEX_MAX_DIM, lp above (the MIP
    engine stays the reference)."""
    if method not in METHODS:
        raise EngineError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
    if method == "auto":
        n0 = net.input_dim
        return "exact1d" if n0 == 1 else "vertex" if n0 <= VERTEX_MAX_DIM else "lp"
    if method == "vertex" and net.input_dim > VERTEX_HARD_LIMIT:
        raise EngineError(f"method vertex starts from the box's 2^n0 corners; n0 = {net.input_dim} is "
                          f"more than {VERTEX_HARD_LIMIT} (use --method lp)")
    if method in ("exact1d", "rational1d") and net.input_dim != 1:
        raise EngineError(f"method {method} needs a 1-D input; this network has n0 = {net.input_dim} "
                          "(use --method lp)")
    return method


def engine_for(method):
    """The function that runs ``method``: ``run(net, ctx, **options)``."""
    if method == "mip":
        from .mip import run_mip
        return run_mip
    if method == "lp":
        from .lp import run_lp
        return run_lp
    if method == "vertex":
        from .vertex import run_vertex
        return run_vertex
    if method == "exact1d":
        from .line import run_line
        return run_line
    if method == "rational1d":
        from .exact import run_exact1d
        return run_exact1d
    if method == "exact":
        from .exact import run_exact
        return run_exact
    from .sample import run_sample
    return run_sample


DEEP_SEARCH = ("vertex", "lp", "exact1d", "rational1d", "exact")   # depth-first searches: depth ~ layers + units
STACK_BYTES = 512 * 1024 * 1024                     # thread stack for a deep search
FRAMES_PER_LEVEL = 8                                 # Python frames per layer / per unit, generous


def run_quiet(fn):
    """Run an engine with numpy's overflow warnings off: overflow to inf / nan in the float filters
    (weights near 1e308) falls outside every error band and is decided exactly, so it is no news."""
    with np.errstate(over="ignore", invalid="ignore"):
        fn()


def run_deep(fn, net: Network, ctx: RunContext) -> None:
    """Run a depth-first engine so that depth is not limited by Python's recursion limit: in a
    thread with a 512 MB stack and a recursion limit sized to the network (layers + units).
    Ctrl-C in the main thread stops the search cleanly: the engine sees the stop at its next node,
    a compiled kernel at its next split (``RunContext.stop_flag``), and the regions found so far
    are kept; this thread waits for it. An exception in the engine is re-raised here."""
    import sys
    need = FRAMES_PER_LEVEL * (len(net.layers) + net.num_relu) + 1000
    if need <= sys.getrecursionlimit() - 200:
        run_quiet(fn)
        return
    errors = []

    def target():
        try:
            run_quiet(fn)
        except BaseException as exc:    # re-raised in the calling thread
            errors.append(exc)

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(old_limit, need))
    try:
        try:
            threading.stack_size(STACK_BYTES)
        except (ValueError, RuntimeError):   # a platform without a settable stack: the default
            pass
        worker = threading.Thread(target=target, name="mip-regions-search", daemon=True)
        worker.start()
    finally:
        threading.stack_size(old_stack)
    ctx.in_worker = True     # a Ctrl-C handler now stops the search instead of raising here
    try:
        while worker.is_alive():
            try:
                worker.join(0.1)
            except KeyboardInterrupt:    # no handler of ours (the default one): stop all the same
                ctx.interrupted = True
                ctx.stop("interrupted (Ctrl-C)")
        if errors:
            raise errors[0]
    finally:
        ctx.in_worker = False
        sys.setrecursionlimit(old_limit)

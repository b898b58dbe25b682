"""One entry point for every engine: ``count_regions(network, method=...) -> CountResult``."""

from __future__ import annotations

import signal
import threading

import numpy as np

from .errors import EngineError, MipRegionsError
from .nets.network import Network
from .io.outputs import RegionWriter
from .result import CountResult, RunContext

METHODS = ("auto", "vertex", "lp", "exact1d", "exact", "mip", "sample")
DETAIL = {
    "vertex": "depth-first cell enumeration with vertex sets, no LP",
    "lp": "depth-first cell enumeration with LPs",
    "exact1d": "exact rational breakpoint propagation, n0 = 1",
    "exact": "depth-first cell enumeration entirely in exact rational arithmetic (slow; the reference)",
    "sample": "distinct patterns at random points: a LOWER BOUND, not a count",
}
OPTIONS = {"mip": {"tighten": "lp", "harvest": True}, "sample": {"samples": 100_000, "seed": 0},
           "lp": {"lp_solver": "auto"}, "exact1d": {}, "vertex": {}, "exact": {}}


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
    if method == "exact1d" and net.input_dim != 1:
        raise EngineError(f"method exact1d needs a 1-D input; this network has n0 = {net.input_dim} "
                          "(use --method lp)")
    return method


def _engine(method):
    if method == "mip":
        from .engines.mip import run_mip
        return run_mip
    if method == "lp":
        from .engines.lp import run_lp
        return run_lp
    if method == "vertex":
        from .engines.vertex import run_vertex
        return run_vertex
    if method == "exact1d":
        from .engines.exact1d import run_exact1d
        return run_exact1d
    if method == "exact":
        from .engines.exact import run_exact
        return run_exact
    from .engines.sample import run_sample
    return run_sample


DEEP_SEARCH = ("vertex", "lp", "exact1d", "exact")   # depth-first searches: depth ~ layers + units
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
    Ctrl-C in the main thread stops the search cleanly (the engine sees the stop at its next
    node); an exception in the engine is re-raised here."""
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
    try:
        while worker.is_alive():
            try:
                worker.join(0.1)
            except KeyboardInterrupt:
                ctx.interrupted = True
                ctx.stop("interrupted (Ctrl-C)")
        if errors:
            raise errors[0]
    finally:
        sys.setrecursionlimit(old_limit)


def count_regions(net: Network, method: str = "auto", *, time_limit=None, regions_out=None,
                  keep_regions: bool = True, progress=None, linear: bool = False,
                  connectivity: str = "touch", **options) -> CountResult:
    """Count the activation regions (full-dimensional cells) of ``net`` over its domain.

    Methods: ``vertex`` (exact, DFS over cells held by their vertices, no LP), ``lp`` (exact,
    DFS over cells with LPs), ``exact1d`` (exact, n0 = 1), ``exact`` (the DFS entirely in rational
    arithmetic), ``mip`` (exact, Serra et al.'s MIP, the reference), ``sample`` (lower bound only),
    ``auto``. Every exact method counts the network's exact value (floats as their binary
    rationals) and decides in rational arithmetic where floats cannot (README, Numerics).
    ``time_limit`` (seconds) and Ctrl-C stop the run cleanly: the result then has
    ``complete=False`` and its count is a lower bound. ``regions_out`` streams every region
    as a JSON line while the run goes on. ``linear=True`` also computes ``linear_regions`` and
    ``affine_maps`` (linear_regions.py, ``connectivity`` 'touch' or 'facet') when the run is
    complete (regions are kept compactly for it, region_store.py: no cap). Options: mip ``tighten`` ('none'|'lp'), ``harvest``;
    sample ``samples``, ``seed``. Options that do not apply to the chosen method are an error.
    """
    method = resolve_method(net, method)
    allowed = OPTIONS[method]
    extra = {k: v for k, v in options.items() if v is not None}
    wrong = sorted(set(extra) - set(allowed))
    if wrong:
        raise EngineError(f"option(s) {', '.join(wrong)} do not apply to method {method!r}")
    opts = {**allowed, **extra}
    if method == "mip":
        detail = (f"Pyomo + HiGHS big-M MIP, tighten={opts['tighten']}, "
                  f"harvest={'on' if opts['harvest'] else 'off'}")
    elif method == "sample":
        if int(opts["samples"]) < 1:
            raise EngineError("--samples must be at least 1")
        detail = f"{DETAIL['sample']}; {opts['samples']} points, seed {opts['seed']}"
    elif method == "lp":
        from .engines.margin_lp import resolve_lp_solver
        detail = f"{DETAIL['lp']}, LP solver {resolve_lp_solver(opts['lp_solver'])}"
    else:
        detail = DETAIL[method]
    sink = RegionWriter(net, regions_out) if regions_out else None
    ctx = RunContext(net, method, time_limit=time_limit, sink=sink, keep_regions=keep_regions or linear,
                     progress=progress)
    previous = None
    if threading.current_thread() is threading.main_thread():
        def on_sigint(signum, frame):
            ctx.interrupted = True   # solvers that swallow the interrupt report it through this flag
            raise KeyboardInterrupt
        previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        run = _engine(method)
        if method in DEEP_SEARCH:
            run_deep(lambda: run(net, ctx, **opts), net, ctx)
        else:
            run_quiet(lambda: run(net, ctx, **opts))
    except KeyboardInterrupt:
        ctx.interrupted = True
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        write_error = None
        if sink is not None:
            try:
                sink.close()
            except MipRegionsError as exc:   # the count stands; the file is reported as failed
                write_error = f"--regions-out: {exc}"
    if ctx.interrupted:
        ctx.stop_reason = "interrupted (Ctrl-C)"
    result = ctx.result(degenerate_known=(method == "mip"))
    result.method_detail = detail
    if write_error:
        result.output_errors.append(write_error)
    exact_path = sum(result.stats.get(k, 0) for k in ("exact_decisions", "exact_subtrees"))
    if exact_path and method in ("vertex", "lp", "mip"):
        result.notes.append(f"{exact_path} decision(s) fell inside the floats' error band and were made in exact "
                            "rational arithmetic (README, Numerics)")
    if linear:
        if not result.complete:
            result.notes.append("linear regions and affine maps not computed: the enumeration is incomplete")
        else:
            import time
            from .analysis.linear_regions import AnalysisStopped, analyse
            t0 = time.perf_counter()
            try:
                analyse(net, result, connectivity, deadline=ctx.deadline)
            except (KeyboardInterrupt, AnalysisStopped) as exc:   # the activation count stands
                why = "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else "time limit reached"
                result.linear_regions = result.affine_maps = result.connectivity = None
                result.map_ids = result.maps = result.lr_labels = None
                result.analysis_stopped = why
                result.notes.append(f"linear regions and affine maps not computed: {why} during the analysis "
                                    "(the activation count above is complete)")
            result.stats["linear_s"] = round(time.perf_counter() - t0, 3)
            result.seconds = ctx.elapsed()
        if not keep_regions:
            result.regions = None
    return result

"""The counting pipeline, the one entry point for every engine:
``count_regions(network, method=...) -> CountResult``.

engine (engines/dispatch.py; serially here, or on Dask through parallel/) -> the merged result ->
the linear-region analysis (analysis/linear_regions.py) -> the outputs (io/outputs.py). It sits
above engines/, parallel/ and analysis/ and imports only downward; workflows/, cli/ and scripts
call it, nothing below it does (tests/test_layout.py).
"""

from __future__ import annotations

import signal
import threading
from contextlib import nullcontext

from .engines.dispatch import (DEEP_SEARCH, DETAIL, METHODS, OPTIONS, VERTEX_MAX_DIM,  # noqa: F401
                               engine_for, resolve_method, run_deep, run_quiet)
from .errors import EngineError, MipRegionsError
from .io.outputs import RegionWriter
from .nets.network import Network
from .nets.scaling import balanced
from .result import CountResult, RunContext

FLOAT_FILTERED = ("vertex", "lp", "exact1d")   # the engines that decide in floats first (engines/shared/layers.py)
STOPPABLE_LP = ("vertex", "lp", "exact")   # searches that catch StopSearch raised by an exact LP


def count_regions(net: Network, method: str = "auto", *, time_limit=None, regions_out=None,
                  keep_regions: bool = True, progress=None, linear: bool = False,
                  connectivity: str = "touch", workers: int | None = None, scheduler: str | None = None,
                  **options) -> CountResult:
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
    ``workers`` > 1 or ``scheduler`` (a Dask address) spread the vertex or lp search over
    processes or machines (parallel/dask_count.py); the result is the serial one.
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
        from .engines.lp import resolve_lp_solver
        detail = f"{DETAIL['lp']}, LP solver {resolve_lp_solver(opts['lp_solver'])}"
    else:
        detail = DETAIL[method]
    if (workers is not None and int(workers) > 1) or scheduler:
        return _count_in_parallel(net, method, detail, opts, workers, scheduler, time_limit, regions_out,
                                  keep_regions, progress, linear, connectivity)
    # the float engines see a copy whose units are balanced by powers of two (the same cells and
    # function; no underflow or overflow in a float decision: nets/scaling.py)
    engine_net = (balanced(net) or net) if method in FLOAT_FILTERED else net
    sink = RegionWriter(net, regions_out) if regions_out else None
    ctx = RunContext(net, method, time_limit=time_limit, sink=sink, keep_regions=keep_regions or linear,
                     progress=progress)
    ctx.witnesses = keep_regions or bool(regions_out)   # not when only the analysis keeps them
    previous = None
    if threading.current_thread() is threading.main_thread():
        def on_sigint(signum, frame):
            again = ctx.interrupted
            ctx.interrupted = True   # solvers that swallow the interrupt report it through this flag
            ctx.stop("interrupted (Ctrl-C)")
            if ctx.in_worker and not again:
                return   # a search in its worker thread stops at its next node, keeping its regions
            raise KeyboardInterrupt  # an engine in this thread (mip, sample), or a second Ctrl-C
        previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        run = engine_for(method)
        # the searches that catch StopSearch let their exact LPs stop at the time limit too
        if method in STOPPABLE_LP:
            from .engines.exact import stop_check
            guard = stop_check(ctx.expired)
        else:
            guard = nullcontext()
        with guard:
            if method in DEEP_SEARCH:
                run_deep(lambda: run(engine_net, ctx, **opts), engine_net, ctx)
            else:
                run_quiet(lambda: run(engine_net, ctx, **opts))
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
    return _finish(net, method, result, linear, connectivity, keep_regions, ctx.deadline, ctx.start)


def small_job_note(result) -> str | None:
    """A note when a parallel run was too small to gain (issue 32): the searches' summed time is
    below the run's wall time, or the start-up took half of it, or the first pass in this process
    did the whole search (no task went to a worker)."""
    st = result.stats
    startup, total = float(st.get("startup_s", 0.0)), float(result.seconds)
    if result.method != "exact1d" and st.get("tasks", 1) == 0 and result.complete:
        return (f"the job was too small for the workers: the first pass in this process did the whole search "
                f"(no task was sent); starting the cluster took {startup:.1f} s of {total:.1f} s. Count without "
                "--workers")
    work = float(st.get("task_seconds", total))
    if total > 0 and (work <= total or startup >= 0.5 * total):
        return (f"the job was too small to gain from the workers: the searches took {work:.1f} s in all, the run "
                f"{total:.1f} s (starting the cluster {startup:.1f} s); a serial count would be about as fast or "
                "faster. --workers pays off on counts of a minute or more")
    return None


def _count_in_parallel(net, method, detail, opts, workers, scheduler, time_limit, regions_out, keep_regions,
                       progress, linear, connectivity) -> CountResult:
    """count_regions over a Dask cluster: the merged regions are written and analysed as a serial
    run's are."""
    import time
    from .parallel.dask_count import count_parallel
    start = time.perf_counter()
    engine_net = (balanced(net) or net) if method in FLOAT_FILTERED else net
    result = count_parallel(engine_net, method, workers=workers, scheduler=scheduler, time_limit=time_limit,
                            progress=progress, keep_regions=keep_regions or linear or bool(regions_out),
                            **opts)
    note = small_job_note(result)
    if note:
        result.notes.append(note)
    where = result.stats.get("scheduler", "local")
    where = f"{result.stats.get('workers')} local worker processes" if where == "local" else f"scheduler {where}"
    what = "interval parts" if method == "exact1d" else "subtrees"
    result.method_detail = f"{detail}; {result.stats.get('tasks', 0)} {what} on Dask ({where})"
    if regions_out:
        sink = RegionWriter(net, regions_out)
        for region in result.regions:
            sink(region)
        try:
            sink.close()
        except MipRegionsError as exc:
            result.output_errors.append(f"--regions-out: {exc}")
    deadline = None if time_limit is None else start + float(time_limit)
    return _finish(net, method, result, linear, connectivity, keep_regions, deadline, start)


def _finish(net, method, result, linear, connectivity, keep_regions, deadline, start) -> CountResult:
    """What every count gets after its enumeration: notes, and the linear-region analysis."""
    import time
    exact_path = sum(result.stats.get(k, 0) for k in ("exact_decisions", "exact_subtrees"))
    if exact_path and method in ("vertex", "lp", "mip"):
        result.notes.append(f"{exact_path} decision(s) fell inside the floats' error band and were made in exact "
                            "rational arithmetic (README, Numerics)")
    if linear:
        if not result.complete:
            result.notes.append("linear regions and affine maps not computed: the enumeration is incomplete")
        else:
            from .analysis.linear_regions import AnalysisStopped, analyse
            t0 = time.perf_counter()
            try:
                # on the balanced copy (the same cells and maps) when weights are near the ends of
                # the float range: the analysis decides in floats too (nets/scaling.py)
                analyse(balanced(net) or net, result, connectivity, deadline=deadline)
            except (KeyboardInterrupt, AnalysisStopped) as exc:   # the activation count stands
                why = "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else "time limit reached"
                result.linear_regions = result.affine_maps = result.connectivity = None
                result.map_ids = result.maps = result.lr_labels = None
                result.analysis_stopped = why
                result.notes.append(f"linear regions and affine maps not computed: {why} during the analysis "
                                    "(the activation count above is complete)")
            result.stats["linear_s"] = round(time.perf_counter() - t0, 3)
            result.seconds = time.perf_counter() - start
        if not keep_regions:
            result.regions = None
    return result

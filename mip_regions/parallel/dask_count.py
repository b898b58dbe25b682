"""A count spread over processes or machines with Dask (``distributed``): the depth-first search
cut into subtrees (engines/shared/routes.py), each run as one Dask task (tasks.py), merged back into
the one result type (merge.py).

1. **First pass**, in this process: the search down to depth k only, handing out each branch at
   depth k as a route (k grows until there are about ``TASKS_PER_WORKER`` routes per worker, or
   the first pass has found everything). Regions above the cut are counted here.
2. **Tasks**: every route is submitted to the cluster. A task that has run ``split_after``
   seconds stops descending and hands its unexplored branches back as new routes, which are
   submitted in turn: large subtrees split again on demand, so a long tail does not leave the
   other workers idle.
3. **Merge** as the tasks finish (``distributed.as_completed``).

The cluster is a ``LocalCluster`` started here with ``workers`` single-threaded processes, or an
existing one given by ``scheduler`` (``tcp://host:port``, or ``DASK_SCHEDULER_ADDRESS``), started
the usual way (``dask scheduler``; ``dask worker ADDRESS``). A worker lost mid-run loses only its
running tasks: Dask reruns them elsewhere, and as a task is a pure function of its route, the
count stays exact. A time limit or Ctrl-C cancels what is pending and reports the regions of the
finished tasks as a lower bound.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time

from ..engines.dispatch import OPTIONS, resolve_method
from ..errors import EngineError
from ..nets.network import Network
from ..result import CountResult
from .merge import merge_regions, merge_stats
from .tasks import PARALLEL_METHODS, run_route

TASKS_PER_WORKER = 10
SPLIT_AFTER = 2.0        # seconds a task runs before it hands the rest of its subtree back
MAX_FIRST_DEPTH = 24


def scheduler_address(scheduler: str | None) -> str | None:
    """The cluster to use: ``scheduler``, else $DASK_SCHEDULER_ADDRESS, else None (a local one)."""
    return scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


def local_workers(workers: int | None) -> tuple[int, str | None]:
    """(processes, note): a local cluster gets at most one worker process per core (more only
    share the cores, and a thousand would take minutes to start); the note says when N was cut."""
    want, cores = int(workers or 1), os.cpu_count() or 1
    if want <= cores:
        return want, None
    return cores, f"--workers {want}: this machine has {cores} cores, so {cores} worker processes were started"


def start_client(workers: int | None, scheduler: str | None):
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise EngineError("parallel counts need Dask: pip install 'mip-regions[parallel]' "
                          "(the packages distributed and tqdm)") from exc
    address = scheduler_address(scheduler)
    if address:
        try:
            return Client(address, timeout=20), None
        except (OSError, TimeoutError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    import dask
    # Dask's sampling profiler walks the deep search stacks every 10 ms: about 10% of a task's
    # time (scripts/bench_parallel.py). Off in the cluster started here; for another cluster set
    # DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False where its workers start.
    n, note = local_workers(workers)
    if note:
        print(f"mip-regions: note: {note}", file=sys.stderr)
    try:
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=":0",    # a free port: two runs at once do not clash
                                   silence_logs=logging.ERROR)
    except RuntimeError as exc:     # e.g. "Nanny failed to start."
        raise EngineError(f"the local Dask cluster could not start its {workers} worker processes ({exc}). "
                          "Worker processes are spawned: a script read from stdin cannot be re-imported by "
                          "them, and a script must guard its top level with `if __name__ == '__main__':`") from exc
    return Client(cluster), cluster


def map_as_completed(fn, calls, workers: int | None = None, scheduler: str | None = None, shared=None):
    """Yield ``fn(*args, **kwargs)`` for every ``(args, kwargs)`` in ``calls`` as they finish, run
    on a LocalCluster of ``workers`` processes or the cluster at ``scheduler`` (started and closed
    here). For independent jobs: sweep rows, the networks of an experiment, data segments.
    ``shared``: one object (a network) sent once to every worker and passed as ``fn``'s first
    argument, ``fn(shared, *args, **kwargs)``."""
    from distributed import as_completed
    client, cluster = start_client(workers, scheduler)
    try:
        first = () if shared is None else (client.scatter(shared, broadcast=True, hash=False),)
        futures = [client.submit(fn, *first, *args, pure=False, **kwargs) for args, kwargs in calls]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def first_pass(net: Network, method: str, options: dict, n_workers: int, time_limit):
    """Step 1 (module docstring): the search above the cut, with the routes below it."""
    want = TASKS_PER_WORKER * max(n_workers, 1)
    depth = max(1, math.ceil(math.log2(want)))
    while True:
        probe = run_route(net, method, options, (), split_depth=depth, time_limit=time_limit)
        if len(probe.handed) >= want or not probe.handed or depth >= MAX_FIRST_DEPTH or not probe.complete:
            return probe, depth
        depth += 2


def count_parallel(net: Network, method: str = "auto", *, workers: int | None = None,
                   scheduler: str | None = None, client=None, time_limit=None, progress=None,
                   keep_regions: bool = True, split_after: float = SPLIT_AFTER,
                   **options) -> CountResult:
    """Count the activation regions of ``net`` with the search spread over a Dask cluster
    (module docstring). The result is the serial engine's, region for region: the same count,
    the same patterns in the same order, and for ``vertex`` the same witnesses (lp's witnesses
    are interior points of the same regions, chosen by LPs that may start from other bases).
    ``client``: an existing ``distributed.Client`` (then ``workers``/``scheduler`` are unused)."""
    method = resolve_method(net, method)
    if method not in PARALLEL_METHODS + ("exact1d",):
        raise EngineError(f"method {method!r} runs in one process; --workers/--scheduler work with "
                          f"{', '.join(PARALLEL_METHODS)} and exact1d (the exact engine and the MIP "
                          "engine's solver session run serially)")
    opts = {**OPTIONS[method], **{k: v for k, v in options.items() if v is not None}}
    t0 = time.perf_counter()
    deadline = None if time_limit is None else time.time() + float(time_limit)   # wall clock: tasks
    # may wait in a queue or run on another machine
    own = client is None
    cluster = None
    if own:
        client, cluster = start_client(workers, scheduler)
    startup = time.perf_counter() - t0
    results, stop_reason, n_tasks = [], None, 0
    try:
        n_workers = max(len(client.scheduler_info().get("workers", {})), local_workers(workers)[0])
        if method == "exact1d":      # 1-D: parts of the interval, joined at the cuts (intervals.py)
            from .intervals import count_intervals
            res = count_intervals(net, client, n_workers, time_limit=time_limit, keep_regions=keep_regions)
            res.stats["scheduler"] = (scheduler_address(scheduler) if own else None) or "local"
            res.stats["startup_s"] = round(startup, 3)
            return res
        probe, depth = first_pass(net, method, opts, n_workers, time_limit)
        results.append(probe)
        stop_reason = probe.stop_reason
        if stop_reason is None:     # a first pass stopped by the limit or Ctrl-C: nothing more to run
            stop_reason, n_tasks = _run_tasks(client, net, method, opts, probe.handed, results, deadline,
                                              split_after, keep_regions, progress, stop_reason)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    res = _result(net, method, results, t0, stop_reason, keep_regions, n_tasks, depth, n_workers,
                  None if not own else scheduler_address(scheduler))
    res.stats["startup_s"] = round(startup, 3)
    return res


def _run_tasks(client, net, method, opts, routes, results, deadline, split_after, keep_regions,
               progress, stop_reason):
    """Steps 2 and 3: submit the routes, resubmit what tasks hand back, collect as they finish."""
    from distributed import as_completed
    bar = _progress_bar(len(routes), progress)
    net_f = client.scatter(net, broadcast=True, hash=False)
    submitted = 0

    def submit(route):
        nonlocal submitted
        submitted += 1
        return client.submit(run_route, net_f, method, opts, route, split_after=split_after,
                             until=deadline, keep_regions=keep_regions, pure=False)

    pending = as_completed([submit(r) for r in routes])
    try:
        for fut in pending:
            if fut.status == "error":
                exc = fut.exception()
                raise EngineError(f"a parallel task failed on the cluster: {type(exc).__name__}: {exc}") from exc
            r = fut.result()
            results.append(r)
            if not r.complete:
                stop_reason = stop_reason or r.stop_reason
            if r.handed and stop_reason is None:
                if bar is not None:
                    bar.total += len(r.handed)
                for route in r.handed:
                    pending.add(submit(route))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(regions=sum(x.count for x in results), refresh=False)
    except KeyboardInterrupt:
        stop_reason = "interrupted (Ctrl-C)"
        client.cancel(list(pending.futures))
    finally:
        if bar is not None:
            bar.close()
        client.cancel([net_f])
    return stop_reason, submitted


def _progress_bar(total, progress):
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="subtree", file=sys.stderr, dynamic_ncols=True)


def _result(net, method, results, t0, stop_reason, keep_regions, n_tasks, depth, n_workers, address):
    count = sum(r.count for r in results)
    stats = merge_stats(results)
    stats.update(tasks=n_tasks, first_pass_depth=depth, workers=n_workers, scheduler=address or "local",
                 task_seconds=round(sum(r.seconds for r in results), 3))
    regions = merge_regions(net.num_relu, net.input_dim, results) if keep_regions else None
    return CountResult(network=net.describe(), method=method, domain=net.domain, activation_regions=count,
                       complete=stop_reason is None, seconds=time.perf_counter() - t0,
                       stop_reason=stop_reason, regions=regions, stats=stats)

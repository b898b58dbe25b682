"""One entry point for every engine: ``count_regions(network, method=...) -> CountResult``."""

from __future__ import annotations

from .errors import EngineError
from .network import Network
from .result import CountResult, RegionWriter, RunContext

METHODS = ("auto", "mip")


def resolve_method(net: Network, method: str) -> str:
    """``auto`` picks the fastest exact engine for the network (currently the MIP engine)."""
    if method not in METHODS:
        raise EngineError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
    if method == "auto":
        return "mip"
    return method


def count_regions(net: Network, method: str = "auto", *, time_limit=None, regions_out=None,
                  keep_regions: bool = True, progress=None, **options) -> CountResult:
    """Count the activation regions (full-dimensional cells) of ``net`` over its domain.

    ``time_limit`` (seconds) and Ctrl-C stop the run cleanly: the result then has
    ``complete=False`` and its count is a lower bound. ``regions_out`` streams every region
    as a JSON line while the run goes on. Engine options: mip: ``tighten`` ('none'|'lp'),
    ``harvest`` (bool).
    """
    method = resolve_method(net, method)
    sink = RegionWriter(net, regions_out) if regions_out else None
    label = method
    if method == "mip":
        from .engines.mip import run_mip
        tighten = options.pop("tighten", "lp")
        harvest = options.pop("harvest", True)
        label = "mip"
        detail = f"Pyomo + HiGHS big-M MIP, tighten={tighten}, harvest={'on' if harvest else 'off'}"
        engine = lambda ctx: run_mip(net, ctx, tighten=tighten, harvest=harvest)  # noqa: E731
    if options:
        raise EngineError(f"options {sorted(options)} do not apply to method {method!r}")
    ctx = RunContext(net, label, time_limit=time_limit, sink=sink, keep_regions=keep_regions,
                     progress=progress)
    try:
        engine(ctx)
    except KeyboardInterrupt:
        ctx.stop("interrupted (Ctrl-C)")
    finally:
        if sink is not None:
            sink.close()
    result = ctx.result()
    result.method_detail = detail
    return result

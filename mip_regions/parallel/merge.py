"""Put the tasks of a parallel count back together: one region list in the serial search's
order (engines/shared/routes.py: chunks sorted by the route where each starts) and one set of
statistics, as the result type of a serial run."""

from __future__ import annotations

from ..region_store import RegionStore


def slice_block(block: dict, start: int, stop: int) -> dict:
    """Regions start..stop-1 of a RegionStore block (region_store.RegionStore.block)."""
    return {"bits": block["bits"][start:stop], "witness": block["witness"][start:stop],
            "margin": block["margin"][start:stop], "float_exact": block["float_exact"][start:stop],
            "exact": {k - start: v for k, v in block["exact"].items() if start <= k < stop}}


def chunks(results) -> list[tuple[tuple, object, int, int]]:
    """(route, task result, start, stop) for every contiguous stretch of regions, sorted into
    the serial order."""
    out = []
    for r in results:
        marks = list(r.marks)
        for j, (start, key) in enumerate(marks):
            stop = marks[j + 1][0] if j + 1 < len(marks) else r.count
            if stop > start:
                out.append((key, r, start, stop))
    out.sort(key=lambda c: c[0])
    return out


def merge_regions(n_bits: int, n0: int, results) -> RegionStore:
    """The regions of all tasks in one store, in the order a serial search lists them."""
    store = RegionStore(n_bits, n0)
    for _key, r, start, stop in chunks(results):
        store.extend_block(slice_block(r.block, start, stop))
    return store


def merge_stats(results) -> dict:
    """Sum the tasks' counters (``max_*`` keys: the maximum; text: the first value)."""
    out: dict = {}
    for r in results:
        for k, v in r.stats.items():
            if isinstance(v, str) or k not in out:
                out.setdefault(k, v)
            elif k.startswith("max_"):
                out[k] = max(out[k], v)
            else:
                out[k] += v
    return out

"""The result type shared by every engine, and the run context engines report into.

Counts (REFERENCE.md §0): ``activation_regions`` = A_full (full-dimensional cells with a
distinct activation pattern); ``degenerate_patterns`` = strict patterns an engine met whose set
has no interior (A_strict - A_full for the MIP engine; never added to a count);
``linear_regions`` and ``affine_maps`` are filled in by the linear-region analysis.
A run that was stopped (time limit, Ctrl-C) has ``complete = False`` and its count is a lower
bound ("at least N").
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .nets.network import Box, Network
from .region_store import Region, RegionStore


class StopSearch(Exception):
    """Raised by an engine to unwind its search when :meth:`RunContext.expired` says stop (time
    limit, Ctrl-C); the regions found so far stand, as a lower bound."""




@dataclass
class CountResult:
    """What every engine returns: the counts with their domain and method, ``complete`` (False
    means the count is a lower bound, see ``stop_reason``), the regions when kept, solver
    statistics, and the linear-region analysis, certificate checks and bounds when computed."""

    network: str
    method: str
    domain: Box
    activation_regions: int
    complete: bool
    seconds: float
    degenerate_patterns: int | None = None
    stop_reason: str | None = None
    regions: list[Region] | None = None   # a RegionStore (region_store.py) or a list of Region
    stats: dict = field(default_factory=dict)
    linear_regions: int | None = None
    affine_maps: int | None = None
    connectivity: str | None = None
    checks: dict | None = None
    certified: bool | None = None      # None: not certified (not asked); False: a check failed
    certificate: dict | None = None    # analysis/certify.Certificate.to_json
    bounds: dict | None = None
    method_detail: str = ""
    map_ids: list | None = None        # per region: index of its affine map (linear_regions.analyse)
    maps: list | None = None           # per map index: its (gradient, offset)
    lr_labels: list | None = None      # per region: index of its linear region
    notes: list = field(default_factory=list)
    output_errors: list = field(default_factory=list)   # files that could not be written (the count stands)
    analysis_stopped: str | None = None  # why the linear-region analysis did not finish (count complete)

    @property
    def partial(self) -> bool:
        """True when something asked for was not finished: the count (a lower bound) or the analysis."""
        return not self.complete or self.analysis_stopped is not None

    @property
    def count_text(self) -> str:
        return str(self.activation_regions) if self.complete else f"at least {self.activation_regions}"

    def to_json(self) -> dict:
        out = {
            "network": self.network,
            "method": self.method,
            "domain": self.domain.to_json(),
            "domain_text": self.domain.describe(),
            "activation_regions": self.activation_regions,
            "count_is": "exact" if self.complete else "lower bound",
            "degenerate_patterns": self.degenerate_patterns,
            "linear_regions": self.linear_regions,
            "affine_maps": self.affine_maps,
            "connectivity": self.connectivity,
            "complete": self.complete,
            "stop_reason": self.stop_reason,
            "seconds": round(self.seconds, 6),
            "stats": self.stats,
        }
        if self.notes:
            out["notes"] = self.notes
        if self.output_errors:
            out["output_errors"] = self.output_errors
        if self.analysis_stopped:
            out["analysis_stopped"] = self.analysis_stopped
        if self.checks is not None:
            out["checks"] = self.checks
        if self.certified is not None:
            out["certified"] = self.certified
            out["certificate"] = self.certificate
        if self.bounds is not None:
            out["bounds"] = self.bounds
        return out

    def format_human(self) -> str:
        """The report printed by ``mip-regions count``."""
        lines = [f"network              {self.network}",
                 f"domain               {self.domain.describe()}",
                 f"method               {self.method}" + (f" ({self.method_detail})" if self.method_detail else "")]
        exactness = "exact" if self.complete else f"LOWER BOUND: {self.stop_reason}"
        if self.certified is True:
            exactness += ", certified"
        elif self.certified is False:
            exactness = "NOT certified: a check failed, see below"
        lines.append(f"activation regions   {self.count_text}   (full-dimensional cells; {exactness})")
        if self.linear_regions is not None:
            lines.append(f"linear regions       {self.linear_regions}   "
                         f"(connected pieces with one affine map; connectivity '{self.connectivity}')")
        if self.affine_maps is not None:
            lines.append(f"affine maps          {self.affine_maps}   (distinct affine maps over the cells)")
        if self.degenerate_patterns is not None:
            lines.append(f"degenerate patterns  {self.degenerate_patterns}   "
                         "(strict patterns with no interior: found and discarded, not counted)")
        stats = ", ".join(f"{k} {v}" for k, v in self.stats.items())
        lines.append(f"time                 {self.seconds:.3f} s" + (f"   ({stats})" if stats else ""))
        for note in self.notes:
            lines.append(f"note                 {note}")
        if self.checks:
            for name, text in self.checks.items():
                lines.append(f"check                {name}: {text}")
        if self.certificate:
            lines.append(f"proof                {self.certificate['proof']}")
            for r in self.certificate["missed_regions"]:
                w = r.get("witness_exact", r["witness"])
                lines.append(f"missed region        pattern {r['pattern']}, exact witness ({', '.join(map(str, w))})")
            for b in self.certificate["bad_regions"]:
                lines.append(f"bad region           #{b['index']}: {b['reason']}")
        return "\n".join(lines)


class RunContext:
    """What an engine reports into: regions (streamed to a sink), stop conditions, progress.

    ``time_limit`` in seconds (None: no limit). ``sink`` is a callable taking a :class:`Region`
    (e.g. a JSON-lines writer); ``keep_regions`` keeps them in memory for the result.
    """

    def __init__(self, net: Network, method: str, *, time_limit=None, sink=None, keep_regions=True,
                 progress=None):
        self.net, self.method = net, method
        self.start = time.perf_counter()
        self.deadline = None if time_limit is None else self.start + float(time_limit)
        self.sink, self.keep = sink, keep_regions
        self.regions = RegionStore(net.num_relu, net.input_dim)   # compact, no cap (region_store.py)
        self.count = 0
        self.degenerate = 0
        self.stats: dict = {}
        self.stop_reason: str | None = None
        self.interrupted = False
        self.witnesses = True  # deep witnesses wanted (lp: one Chebyshev LP per region; else any interior point)
        self.router = None     # engines/routes.Router: the subtree a parallel task explores (None: all)
        self.progress = sys.stderr.isatty() if progress is None else progress
        self._next_progress = self.start + 2.0
        self.stop_flag = np.zeros(1, np.int64)   # read by compiled kernels: nonzero = return now
        self.in_worker = False   # the search runs in a worker thread (dispatch.run_deep)

    # -- reporting ------------------------------------------------------------------------
    def add_region(self, bits, witness, margin, exact_witness=None) -> None:
        region = Region(np.asarray(bits, dtype=bool), np.asarray(witness, dtype=float), float(margin),
                        None if exact_witness is None else tuple(exact_witness))
        if self.router is not None and not self.router.emitted(self.count):
            return     # above this run's subtree: counted by the run that owns it (engines/shared/routes.py)
        self.count += 1
        if self.keep:
            self.regions.append(region)
        if self.sink is not None:
            self.sink(region)
        self.tick()

    def add_regions(self, bits: np.ndarray, witnesses: np.ndarray, margins: np.ndarray) -> None:
        """:meth:`add_region` for each row, in order; one step when nothing needs them one by one
        (no sink, no router: a serial run)."""
        if self.sink is not None or self.router is not None:
            for b, w, m in zip(bits, witnesses, margins):
                self.add_region(b, w, m)
            return
        self.count += len(bits)
        if self.keep:
            self.regions.extend(bits, witnesses, margins)
        self.tick()

    def add_block(self, n: int, bits=None, witnesses=None, margins=None) -> None:
        """``n`` consecutive regions of the serial order that all belong to this run (a serial
        run, or a routed one below its route: Router.owns_below), added in one step: one chunk
        mark for a routed run, the rows kept when regions are kept (``bits`` etc. given then)."""
        if n == 0:
            return
        if self.sink is not None:
            for b, w, m in zip(bits, witnesses, margins):
                self.add_region(b, w, m)
            return
        if self.router is not None:
            self.router.emitted(self.count)
        self.count += n
        if self.keep:
            self.regions.extend(bits, witnesses, margins)
        self.tick()

    @property
    def wants_regions(self) -> bool:
        """Does anything need the regions themselves (kept, written, or routed one by one)?"""
        return self.keep or self.sink is not None or self.router is not None

    def add_count(self, n: int) -> None:
        """``n`` regions that nothing needs one by one (:attr:`wants_regions` is False)."""
        self.count += n
        self.tick()

    def add_degenerate(self, n: int = 1) -> None:
        self.degenerate += n

    def bump(self, key: str, n=1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n

    # -- stopping -------------------------------------------------------------------------
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.perf_counter())

    def expired(self) -> bool:
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            self.stop("time limit reached")
            return True
        return self.stop_reason is not None

    def stop(self, reason: str) -> None:
        """End the run (time limit, Ctrl-C): engines see it at their next node, compiled kernels
        through ``stop_flag`` at their next split."""
        self.stop_reason = self.stop_reason or reason
        self.stop_flag[0] = 1

    @contextmanager
    def kernel_watch(self):
        """While a compiled kernel may run, a timer thread raises ``stop_flag`` at the deadline, so
        that a kernel (which cannot read the clock, and releases the GIL) stops within one split
        of it. Ctrl-C raises the flag through :meth:`stop`. Yields the flag."""
        timer = None
        if self.deadline is not None:
            timer = threading.Timer(max(0.0, self.deadline - time.perf_counter()), self._raise_flag)
            timer.daemon = True
            timer.start()
        try:
            yield self.stop_flag
        finally:
            if timer is not None:
                timer.cancel()

    def _raise_flag(self) -> None:
        self.stop_flag[0] = 1

    def tick(self) -> None:
        if not self.progress:
            return
        now = time.perf_counter()
        if now >= self._next_progress:
            self._next_progress = now + 1.0
            secs = now - self.start
            solver = (f"{self.stats['solves']} MIP solves, {self.degenerate} degenerate, "
                      if "solves" in self.stats else
                      f"{self.stats['lps']} LPs, " if "lps" in self.stats else "")
            sys.stderr.write(f"\r[{self.method}] {self.count} regions, {solver}{secs:.0f} s, "
                             f"{self.count / max(secs, 1e-9):.1f} regions/s   ")
            sys.stderr.flush()

    def result(self, *, degenerate_known=True) -> CountResult:
        if self.progress and time.perf_counter() > self.start + 2.0:
            sys.stderr.write("\n")
        return CountResult(
            network=self.net.describe(), method=self.method, domain=self.net.domain,
            activation_regions=self.count, complete=self.stop_reason is None,
            seconds=self.elapsed(), degenerate_patterns=self.degenerate if degenerate_known else None,
            stop_reason=self.stop_reason, regions=self.regions if self.keep else None,
            stats=dict(self.stats))

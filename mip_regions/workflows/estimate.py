"""``estimate``: what can be said about a network's number of activation regions when the exact
count is out of reach, every number solver-backed and labelled by what it promises.

- ``lower_bound``: MIPBound (Serra & Ramalingam 2020; engines/mip/mipbound.py), floor(2^(s - a)),
  true with probability >= ``confidence`` over the random parity constraints; raised to the number
  of regions confirmed exactly during the run when that is larger (those are certain).
- ``sample_lower_bound``: distinct patterns at random points (certain, usually far below).
- ``upper_bound``: the smallest applicable upper bound, certain: the activation-based bound of
  Serra & Ramalingam 2020 (analysis/bounds.activation_bound, on the most units active at once
  per layer from the MIP, engines/mip/max_active.py) and the architecture's bounds
  (analysis/bounds.bound_table: Serra et al. 2018 Thm 1, Montúfar 2017, 2^N, ...).
- ``exact``: with ``exact_within`` seconds, the exact count when enumeration finishes in time.
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass, field

from ..errors import MipRegionsError
from ..nets.network import Network

ACTIVATION_BOUND = "activation-based (Serra & Ramalingam 2020)"


@dataclass
class Estimate:
    """Everything ``estimate`` found; :meth:`to_json` gives the keys of the command's --json."""

    network: str
    n0: int
    domain: str
    confidence: float
    lower_bound: int | None = None
    upper_bound: int | None = None
    upper_bound_name: str | None = None
    exact: int | None = None
    sample_lower_bound: int | None = None
    mipbound: dict | None = None
    activity: list = field(default_factory=list)
    upper_bounds: list = field(default_factory=list)   # [{"name", "value", "note"}], applicable ones
    exact_detail: dict | None = None
    sample_detail: dict | None = None
    seconds: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    interrupted: str | None = None     # the step Ctrl-C stopped (what was found before stands)

    @property
    def lower_bound_is(self) -> str | None:
        """'certain' when the regions confirmed exactly reach the lower bound, else 'probabilistic'
        (MIPBound's floor(2^(s - a)), true with probability >= confidence)."""
        if self.lower_bound is None or not self.mipbound:
            return None
        return "certain" if self.mipbound.get("regions_found", 0) >= self.lower_bound else "probabilistic"

    def to_json(self) -> dict:
        return {"network": self.network, "n0": self.n0, "domain": self.domain,
                "lower_bound": self.lower_bound, "lower_bound_is": self.lower_bound_is, "confidence": self.confidence,
                "upper_bound": self.upper_bound, "upper_bound_name": self.upper_bound_name,
                "exact": self.exact, "sample_lower_bound": self.sample_lower_bound,
                "mipbound": self.mipbound, "activity": [a.to_json() for a in self.activity],
                "upper_bounds": self.upper_bounds, "exact_detail": self.exact_detail,
                "sample_detail": self.sample_detail, "seconds": self.seconds, "notes": self.notes,
                "interrupted": self.interrupted}


def activity_layers(net: Network, activity) -> list[tuple]:
    """The layers of :func:`analysis.bounds.activation_bound` from per-layer activity."""
    out = []
    for a in activity:
        if a.activation == "identity":
            out.append(("identity", a.width))
        elif a.activation == "relu":
            out.append(("relu", a.unstable, a.stable_active, a.max_active))
        else:
            raise MipRegionsError(f"the activation-based bound is for relu and identity layers (layer {a.layer} "
                                  f"is {a.activation})")
    return out


def upper_bounds(net: Network, model=None, *, deadline: float | None = None,
                 mip_time_limit: float | None = None, should_stop=None) -> tuple[list, list, list]:
    """The applicable upper bounds on the activation regions of ``net``, all certain: the
    activation-based bound (when ``model``, a built big-M model of ``net``, is given and every
    hidden layer is relu or identity) first, then the architecture's (bound_table). Returns
    (rows {"name", "value", "note"}, per-layer activity, notes)."""
    from ..analysis.bounds import BoundError, activation_bound, architecture_of, bound_table
    from ..engines.mip import max_active_units
    rows = [{"name": r.name, "value": r.value, "note": r.note}
            for r in bound_table(net.input_dim, architecture_of(net)) if r.kind == "upper" and r.value is not None]
    activity, notes = [], []
    if model is None:
        return rows, activity, notes
    if not all(layer.activation in ("relu", "identity") for layer in net.layers[:-1]):
        notes.append("activation-based bound: not for maxout layers (the maxout bound of Serra et al. 2018 is "
                     "in the table)")
        return rows, activity, notes
    left = None if deadline is None else max(deadline - time.perf_counter(), 0.0)
    activity = max_active_units(net, time_limit=left, layer_time_limit=mip_time_limit, model=model,
                                should_stop=should_stop)
    notes += check_activity(net, activity)
    try:
        value = activation_bound(net.input_dim, activity_layers(net, activity))
    except BoundError as exc:
        notes.append(f"activation-based bound: {exc}")
        return rows, activity, notes
    exact = all(a.exact for a in activity if a.activation == "relu")
    rows.insert(0, {"name": ACTIVATION_BOUND, "value": value,
                    "note": "per layer: units whose sign changes, units always active, most active at once ("
                            + ("MIP optima" if exact else "some layers relaxed, see activity") + ")"})
    return rows, activity, notes


def check_activity(net: Network, activity, points: int = 2_000, seed: int = 0) -> list[str]:
    """A cross-check of the activity MIPs against random points of the domain: a point with more
    active units in a layer than the MIP's A_l would mean the MIP was wrong (its tolerances); that
    layer then falls back to all its units that can switch (valid), and a note says so."""
    import numpy as np
    rng = np.random.default_rng(seed)
    lo, hi = net.domain.lower, net.domain.upper
    pats = net.patterns(lo + (hi - lo) * rng.random((points, net.input_dim)))
    notes = []
    for a in activity:
        if a.activation != "relu":
            continue
        off = net.relu_offset[a.layer]
        seen = int(pats[:, off: off + a.width].sum(axis=1).max())
        if seen > a.max_active:
            notes.append(f"layer {a.layer}: a random point has {seen} active units, the MIP said at most "
                         f"{a.max_active}; the bound uses {a.stable_active + a.unstable} (all that can switch)")
            a.max_active, a.how = a.stable_active + a.unstable, "all units that switch (the MIP disagreed with a point)"
    return notes


def estimate(net: Network, *, confidence: float = 0.95, trials: int = 10, seed: int = 0,
             time_limit: float | None = None, mip_time_limit: float | None = None, samples: int = 10_000,
             exact_within: float | None = None, progress=None) -> Estimate:
    """Run, in this order: the sampling lower bound, the per-layer activity MIPs and the
    activation-based bound, MIPBound, and (with ``exact_within``) the exact count. ``time_limit``
    bounds the activity MIPs and MIPBound together (each MIP also by ``mip_time_limit``);
    the exact attempt has its own ``exact_within`` seconds. ``progress(text)`` gets one line per
    step and per MIPBound level."""
    from ..counting import count_regions
    from ..engines.mip import BigMModel, BuildStopped, run_mipbound, slack
    if not 0.0 < confidence < 1.0:
        raise MipRegionsError(f"--confidence must be strictly between 0 and 1, got {confidence}")
    if trials < 1:
        raise MipRegionsError(f"--trials must be at least 1, got {trials}")
    if samples < 0:
        raise MipRegionsError(f"--samples must be >= 0, got {samples}")
    say = progress or (lambda text: None)
    est = Estimate(net.describe(), net.input_dim, net.domain.describe(), confidence)
    t_all = time.perf_counter()
    deadline = None if time_limit is None else t_all + float(time_limit)

    model, step = None, "sampling"
    interrupted = [False]
    previous = None
    if threading.current_thread() is threading.main_thread():
        def on_sigint(signum, frame):
            interrupted[0] = True      # HiGHS may swallow the exception: the steps also ask the flag
            raise KeyboardInterrupt
        previous = signal.signal(signal.SIGINT, on_sigint)

    def should_stop():
        return interrupted[0]

    try:
        if samples:
            t0 = time.perf_counter()
            res = count_regions(net, "sample", samples=samples, seed=seed, keep_regions=False, progress=False)
            est.sample_lower_bound = res.activation_regions
            est.sample_detail = {"samples": samples, "seed": seed}
            est.seconds["sample"] = round(time.perf_counter() - t0, 3)
            say(f"sample: {res.activation_regions} distinct patterns at {samples} points")

        step = "building the MIP"
        t0 = time.perf_counter()
        try:
            model = BigMModel(net, tighten="lp", deadline=deadline)
        except BuildStopped as exc:
            est.notes.append(f"the MIP was not built: {exc}")
        est.seconds["model"] = round(time.perf_counter() - t0, 3)

        step = "the activity MIPs"
        t0 = time.perf_counter()
        est.upper_bounds, est.activity, notes = upper_bounds(net, model, deadline=deadline,
                                                             mip_time_limit=mip_time_limit, should_stop=should_stop)
        est.notes += notes
        if est.activity:
            est.seconds["activity"] = round(time.perf_counter() - t0, 3)
            say("activity: " + ", ".join(f"layer {a.layer} <= {a.max_active}/{a.width}" for a in est.activity
                                          if a.activation == "relu"))
        if est.upper_bounds:
            best = min(est.upper_bounds, key=lambda r: r["value"])
            est.upper_bound, est.upper_bound_name = best["value"], best["name"]

        step = "MIPBound"
        if model is not None:
            t0 = time.perf_counter()
            left = None if deadline is None else max(deadline - time.perf_counter(), 0.0)

            def level_progress(level, bound, found):
                say(f"MIPBound s = {level.s}: {level.outcomes.count('region')}/{len(level.outcomes)} trials found "
                    f"a region ({level.seconds:.1f} s); bound so far {bound}, {found} regions confirmed")

            mb = run_mipbound(net, confidence=confidence, trials=trials, seed=seed, time_limit=left,
                              mip_time_limit=mip_time_limit, progress=level_progress, model=model,
                              should_stop=should_stop)
            est.mipbound = mb.to_json()
            est.lower_bound = max(mb.lower_bound, mb.regions_found)
            est.seconds["mipbound"] = round(time.perf_counter() - t0, 3)
            if mb.stop_reason and mb.stop_reason.startswith("interrupted"):
                raise KeyboardInterrupt
        else:
            est.mipbound = {"confidence": confidence, "trials": trials, "alpha": slack(confidence, trials),
                            "lower_bound": 0, "stop_reason": "the MIP was not built in time"}

        step = "the exact count"
        if exact_within is not None:
            t0 = time.perf_counter()
            res = count_regions(net, "auto", time_limit=exact_within, keep_regions=False, progress=False)
            est.exact = res.activation_regions if res.complete else None
            est.exact_detail = {"method": res.method, "complete": res.complete,
                                "activation_regions": res.activation_regions, "stop_reason": res.stop_reason}
            est.seconds["exact"] = round(time.perf_counter() - t0, 3)
            say(f"exact: {res.count_text} ({res.method})")
    except KeyboardInterrupt:
        est.interrupted = step
        est.notes.append(f"interrupted (Ctrl-C) during {step}: the numbers found before stand, the rest were "
                         "not computed")
        if est.upper_bound is None:
            from ..analysis.bounds import architecture_of, best_bounds, bound_table
            _, up = best_bounds(bound_table(net.input_dim, architecture_of(net)))
            if up is not None:
                est.upper_bound, est.upper_bound_name = up.value, up.name
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    est.seconds["total"] = round(time.perf_counter() - t_all, 3)
    return est

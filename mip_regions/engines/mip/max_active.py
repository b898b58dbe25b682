"""The most units of each ReLU layer that are active at once over the domain, from the big-M MIP
(the input of Serra & Ramalingam 2020's activation-based upper bound, analysis/bounds.py).

For hidden ReLU layer l, ``A_l = max sum_i z_i`` over the big-M model (mip/bigm_model.py) of the
layers up to l, with the stably active units counted as active. Every point of the domain is
feasible for the model with its own pattern, so the optimum is at least the number of active
units of every region. The model also admits points on cell boundaries (z_i = 1 with h_i = 0:
at x = 0 both relu(x) and relu(-x) may be "active"), so a maximiser is judged exactly
(mip.PatternJudge) and, when it is not a region, cut off and the MIP asked again: an optimum
attained by a region is the maximum over the regions ("MIP optimum", up to the MIP's feasibility
tolerance, as for the count's completeness proof). A MIP stopped by its time limit, or still
meeting boundary maximisers after MAX_ROUNDS cuts, gives floor(its dual bound), a valid
relaxation, and says so.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import TerminationCondition

from ...nets.network import Network
from ...result import RunContext
from .bigm_model import BigMModel, BuildStopped
from .engine import PatternJudge, VerdictCache, cut_off

INT_TOL = 1e-6   # a dual bound of 4.9999999 or 5.0000001 is 5 (the objective is an integer)
MAX_ROUNDS = 200  # maximisers off the regions cut per layer before the dual bound is taken


@dataclass
class LayerActivity:
    """Hidden layer ``layer``: its width, its stably active and unstable units (from the model's
    exact interval/LP bounds) and the most units active at once, with how it was found."""

    layer: int
    activation: str
    width: int
    stable_active: int
    unstable: int
    max_active: int
    how: str          # "MIP optimum", "MIP dual bound (time limit)", "no solve (all stable)", ...
    seconds: float = 0.0

    @property
    def exact(self) -> bool:
        return self.how in ("MIP optimum", "no unstable unit")

    def to_json(self) -> dict:
        return {"layer": self.layer, "activation": self.activation, "width": self.width,
                "stable_active": self.stable_active, "unstable": self.unstable,
                "max_active": self.max_active, "how": self.how, "seconds": round(self.seconds, 3)}


def max_active_units(net: Network, *, time_limit: float | None = None,
                     layer_time_limit: float | None = None, model: BigMModel | None = None,
                     should_stop=None) -> list[LayerActivity]:
    """Per hidden layer (module docstring): relu layers get A_l from ``max sum z`` (one MIP each),
    identity layers report their width, maxout layers their units (each unit always has one
    chosen argument). When the time is up, a layer's A_l falls back to stable + unstable units
    (the trivial bound, said so). ``should_stop()`` True (a swallowed Ctrl-C) raises
    KeyboardInterrupt between layers."""
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + float(time_limit)
    if model is None:
        try:
            model = BigMModel(net, tighten="lp", deadline=deadline)
        except BuildStopped:
            model = None
    if model is not None:
        model.attach()
        verdict = VerdictCache(PatternJudge(net, RunContext(net, "mip", keep_regions=False, progress=False)))
    out = []
    for l, layer in enumerate(net.layers[:-1]):
        if layer.activation != "relu":
            out.append(LayerActivity(l, layer.activation, layer.n_out, 0, 0, layer.n_out,
                                     f"{layer.activation} layer (not bounded by activity)"))
            continue
        if should_stop is not None and should_stop():
            raise KeyboardInterrupt
        off = net.relu_offset[l]
        if model is None:
            out.append(LayerActivity(l, "relu", layer.n_out, 0, layer.n_out, layer.n_out,
                                     "width (the MIP was not built in time)"))
            continue
        stable = int(model.fixed_bits[off: off + layer.n_out].sum())
        ks = [k for k, p in enumerate(model.unstable) if off <= p < off + layer.n_out]
        if not ks:
            out.append(LayerActivity(l, "relu", layer.n_out, stable, 0, stable, "no unstable unit"))
            continue
        ts = time.perf_counter()
        left = None if deadline is None else deadline - ts
        if left is not None and left <= 0:
            out.append(LayerActivity(l, "relu", layer.n_out, stable, len(ks), stable + len(ks),
                                     "stable + unstable units (time limit before this layer)"))
            continue
        cap = left if layer_time_limit is None else (layer_time_limit if left is None else min(left, layer_time_limit))
        best, how = _max_sum(model, verdict, ks, cap)
        out.append(LayerActivity(l, "relu", layer.n_out, stable, len(ks), stable + best, how,
                                 time.perf_counter() - ts))
    return out


def _max_sum(model: BigMModel, verdict: VerdictCache, ks: list[int], time_limit: float | None,
             max_rounds: int = MAX_ROUNDS) -> tuple[int, str]:
    """max sum of the binaries ``ks`` over the regions: (value, how it was found). The MIP also
    admits points on cell boundaries (z_i = 1 with h_i = 0); a maximiser is therefore judged
    exactly, and one that is not a region is cut off (it never is one; cuts serve every later
    question too) and the MIP asked again. An optimum attained by a region is the max over the
    regions; otherwise the last dual bound stands (a valid relaxation)."""
    m = model.m
    saved_expr, saved_sense = m.obj.expr, m.obj.sense
    m.obj.expr = sum(model.z_vars[k] for k in ks)
    m.obj.sense = pyo.maximize
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    n, cuts = len(ks), 0
    try:
        while True:
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                return n, "unstable units (time limit before the MIP)"
            model.opt.config.time_limit = None if left is None else max(left, 0.01)
            res = model.opt.solve(m)
            tc = res.termination_condition
            if tc == TerminationCondition.provenInfeasible:   # every pattern cut: cannot happen on a box
                return 0, "MIP infeasible"
            bound = getattr(res, "objective_bound", None)
            if bound is None or not np.isfinite(bound):
                return n, "unstable units (the MIP gave no bound)"
            value = min(n, max(0, math.floor(float(bound) + INT_TOL)))
            if tc != TerminationCondition.convergenceCriteriaSatisfied or res.incumbent_objective is None:
                return value, f"MIP dual bound ({tc.name}" + (f", after {cuts} cuts)" if cuts else ")")
            vals = res.solution_loader.get_vars(model.z_vars)
            z = np.array([vals[v] for v in model.z_vars]) > 0.5
            if int(z[ks].sum()) < value:       # the gap is not closed: the bound stands
                return value, "MIP dual bound (gap)"
            v = verdict(model.full_bits(z))
            if v == "region":
                return value, "MIP optimum"
            if cuts >= max_rounds:
                return value, f"MIP dual bound (optimum on a cell boundary after {cuts} cuts)"
            cut_off(model, verdict.judge, z, v)
            cuts += 1
    finally:
        m.obj.expr, m.obj.sense = saved_expr, saved_sense

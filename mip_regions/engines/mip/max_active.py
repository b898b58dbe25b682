"""The most units of each ReLU layer that are active at once over the domain, from the big-M MIP
(the input of Serra & Ramalingam 2020's activation-based upper bound, analysis/bounds.py).

For hidden ReLU layer l, ``A_l = max sum_i z_i`` over the big-M model (mip/bigm_model.py) of the
layers up to l, with the stably active units counted as active. Every point of the domain is
feasible for the model with its own pattern, so A_l is at least the number of active units of
every cell; the model also admits points on cell boundaries (z_i = 1 with h_i = 0), which can only
raise A_l, so the bound built on it stays valid. Solved to optimality A_l is exact in that sense;
a MIP stopped by its time limit gives floor(its dual bound), a valid relaxation, and says so.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import TerminationCondition

from ...nets.network import Network
from .bigm_model import BigMModel, BuildStopped

INT_TOL = 1e-6   # a dual bound of 4.9999999 or 5.0000001 is 5 (the objective is an integer)


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
                     layer_time_limit: float | None = None, model: BigMModel | None = None) -> list[LayerActivity]:
    """Per hidden layer (module docstring): relu layers get A_l from ``max sum z`` (one MIP each),
    identity layers report their width, maxout layers their units (each unit always has one
    chosen argument). When the time is up, a layer's A_l falls back to stable + unstable units
    (the trivial bound, said so)."""
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + float(time_limit)
    if model is None:
        try:
            model = BigMModel(net, tighten="lp", deadline=deadline)
        except BuildStopped:
            model = None
    if model is not None:
        model.attach()
    out = []
    for l, layer in enumerate(net.layers[:-1]):
        if layer.activation != "relu":
            out.append(LayerActivity(l, layer.activation, layer.n_out, 0, 0, layer.n_out,
                                     f"{layer.activation} layer (not bounded by activity)"))
            continue
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
        best, how = _max_sum(model, ks, cap)
        out.append(LayerActivity(l, "relu", layer.n_out, stable, len(ks), stable + best, how,
                                 time.perf_counter() - ts))
    return out


def _max_sum(model: BigMModel, ks: list[int], time_limit: float | None) -> tuple[int, str]:
    """max sum of the binaries ``ks`` over the model: (value, how it was found)."""
    m = model.m
    saved_expr, saved_sense = m.obj.expr, m.obj.sense
    m.obj.expr = sum(model.z_vars[k] for k in ks)
    m.obj.sense = pyo.maximize
    model.opt.config.time_limit = None if time_limit is None else max(float(time_limit), 0.01)
    try:
        res = model.opt.solve(m)
    finally:
        m.obj.expr, m.obj.sense = saved_expr, saved_sense
    tc = res.termination_condition
    n = len(ks)
    if tc == TerminationCondition.provenInfeasible:      # no point at all: cannot happen on a box
        return 0, "MIP infeasible"
    bound = getattr(res, "objective_bound", None)
    if bound is None or not np.isfinite(bound):
        return n, "unstable units (the MIP gave no bound)"
    value = min(n, max(0, math.floor(float(bound) + INT_TOL)))
    if tc == TerminationCondition.convergenceCriteriaSatisfied:
        return value, "MIP optimum"
    return value, f"MIP dual bound ({tc.name})"

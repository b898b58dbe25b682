"""The big-M MIP of a ReLU network in Pyomo (Serra, Tjandraatmadja & Ramalingam 2018).

For every ReLU unit i of a hidden layer l, with pre-activation bounds [L_i, U_i] (REFERENCE.md
§6.3, the seed's constraints (1)-(6)):

    W_i h^{l-1} + b_i = h_i - hbar_i,   0 <= h_i <= U_i z_i,   0 <= hbar_i <= -L_i (1 - z_i),
    z_i in {0, 1}

Units with ``U_i <= 0`` are stably inactive (h_i = 0, no binary); units with ``L_i > 0`` are
stably active (h_i = pre-activation, no binary). ``L_i = 0`` keeps its binary: fixing it active
would be wrong when the unit is identically zero on some cell. Identity units are equalities.
The output layer is not modelled (it does not affect patterns).

A maxout unit h = max_j z_j (Serra et al. 2018, ``../shared/seeds/002``): one binary y_j per
argument that can attain the maximum (exactly, U_j >= max_{m != j} L_m; the others are fixed
at 0),

    sum_j y_j = 1,   h >= z_j (all j),   h <= z_j + (U_h - L_j)(1 - y_j),

with U_h = max_j U_j; a unit with a single possible argument is stable (h = z_j, no binary).
Its margin constraints, ``z_j - z_m >= f - (F + U_m - L_j)(1 - y_j)`` for every other m, ask
the chosen argument to beat every other by f.

Counting objective (positive margin, one-sided):  ``max f  s.t.  f <= h_i + (1 - z_i) F`` for
every unstable unit and ``0 <= f <= F``. Any pattern with f* > 0 is a *strict* pattern; the
engine checks each for full dimension separately (shared/cells.py).

The model is built on the normalised network (mip/unit_bounds.py): every unit scaled to [-1, 1] by
its exact interval bound, which changes no pattern and makes the solver's absolute tolerances
relative to each unit. Bounds come from exact interval arithmetic, rounded outward, and, with
``tighten="lp"``, from the LP relaxation of the layers before (two LPs per unit, solved on this
same model with z relaxed to [0, 1]); LP bounds are widened by a tolerance so that they never cut
off a reachable point. Stability (no binary) is decided from the exact bounds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from ...nets.network import Network
from .unit_bounds import normalised_layers

LP_BOUND_EPS = 1e-6   # widening of LP-tightened bounds (absolute + relative)


class BuildStopped(Exception):
    """The time limit was reached while the model was being built."""


@dataclass
class MipSolution:
    """Outcome of one branch-and-bound run of ``max f``."""

    status: str                     # "optimal", "infeasible", "time limit", "interrupted", other
    margin: float | None            # f*
    z: np.ndarray | None            # values of the unstable binaries (0/1)


class BigMModel:
    """Pyomo model of the network's hidden layers plus the margin objective, with a persistent
    HiGHS solver attached. ``unstable`` lists positions (in the network's ReLU order) of units
    with a binary; ``fixed_bits`` holds the pattern bits of the stable ones.
    """

    def __init__(self, net: Network, *, tighten: str = "none", deadline: float | None = None):
        if tighten not in ("none", "lp"):
            raise ValueError("tighten must be 'none' or 'lp'")
        self.net = net
        self.opt = Highs()
        self.opt.config.threads = 1
        self.opt.config.load_solutions = False
        self.opt.config.raise_exception_on_nonoptimal_result = False
        self.opt.config.solver_options = {"mip_heuristic_run_feasibility_jump": False, "output_flag": False}
        m = self.m = pyo.ConcreteModel()
        lo, hi = net.domain.lower, net.domain.upper
        n0 = net.input_dim
        m.x = pyo.Var(range(n0), bounds=lambda _, j: (float(lo[j]), float(hi[j])))
        m.obj = pyo.Objective(expr=0.0, sense=pyo.maximize)
        m.cuts = pyo.ConstraintList()
        self.bounds: list[tuple[np.ndarray, np.ndarray]] = []
        self.z_vars, self.h_active, self.unstable = [], [], []
        self.fixed_bits = np.zeros(net.num_relu, dtype=bool)
        self.lp_solves = 0
        self.deadline = deadline      # perf_counter time: LP tightening stops there (bounds stay valid)
        self.F = 1.0
        m.f = pyo.Var(bounds=(0.0, self.F))
        m.margin = pyo.ConstraintList()
        h_prev = [m.x[j] for j in range(n0)]
        for l, (layer, norm) in enumerate(zip(net.layers[:-1], normalised_layers(net))):
            if deadline is not None and time.perf_counter() >= deadline:
                raise BuildStopped(f"time limit reached while building the MIP (layer {l} of {len(net.layers) - 1})")
            W, b = norm.weights, norm.bias
            pre = [float(b[i]) + sum(float(W[i, k]) * h_prev[k] for k in range(layer.n_in)
                                     if W[i, k] != 0 and not isinstance(h_prev[k], float))
                   for i in range(layer.n_rows)]
            L, U = norm.lower.copy(), norm.upper.copy()
            stable_off, stable_on = norm.stably_off.copy(), norm.stably_on.copy()
            if tighten == "lp" and l > 0:
                L, U, lp_off, lp_on = self._tighten(pre, L, U)
                if layer.activation == "maxout":    # valid outer bounds: U_j < L_m means never
                    stable_off |= np.array(layer.act.never_chosen(list(L), list(U)), dtype=bool)
                else:
                    stable_off |= lp_off
                    stable_on |= lp_on
            self.bounds.append((L, U))
            blk = pyo.Block()
            m.add_component(f"layer{l}", blk)
            blk.eq = pyo.ConstraintList()
            blk.bigm = pyo.ConstraintList()
            if layer.activation == "identity":
                blk.h = pyo.Var(range(layer.n_out), bounds=lambda _, i: (float(L[i]), float(U[i])))
                for i in range(layer.n_out):
                    blk.eq.add(blk.h[i] == pre[i])
                h_prev = [blk.h[i] for i in range(layer.n_out)]
            elif layer.activation == "maxout":
                h_prev = self._maxout_block(blk, l, layer.rank, pre, L, U, stable_off)
            else:
                h_prev = self._relu_block(blk, l, pre, L, U, stable_off, stable_on)

        # the margin objective, on normalised units (h_i in [0, 1]): f <= h_i + (1 - z_i) F.
        # Any F > 0 is valid (z_i = 0 forces h_i = 0, so the constraint is the cap f <= F).
        for h, z in zip(self.h_active, self.z_vars):
            if h is not None:
                m.margin.add(m.f <= h + self.F * (1 - z))
        for z in self.z_vars:
            z.domain = pyo.Binary
        m.obj.expr = m.f
        m.obj.sense = pyo.maximize
        self.unstable = np.array(self.unstable, dtype=int)

    def _relu_block(self, blk, l, pre, L, U, stable_off, stable_on):
        """The big-M constraints of ReLU layer l (module docstring); returns its output variables."""
        n = len(pre)
        off = self.net.relu_offset[l]
        blk.h = pyo.Var(range(n), bounds=lambda _, i: (0.0, max(float(U[i]), 0.0)))
        blk.hbar = pyo.Var(range(n), bounds=lambda _, i: (0.0, max(-float(L[i]), 0.0)))
        blk.z = pyo.Var(range(n), domain=pyo.UnitInterval)
        out = []
        for i in range(n):
            if stable_off[i]:
                blk.h[i].fix(0.0)
                blk.hbar[i].fix(0.0)
                blk.z[i].fix(0)
                out.append(0.0)
                continue
            if stable_on[i]:
                self.fixed_bits[off + i] = True
                blk.hbar[i].fix(0.0)
                blk.z[i].fix(1)
                blk.eq.add(blk.h[i] == pre[i])
            else:
                blk.eq.add(pre[i] == blk.h[i] - blk.hbar[i])
                blk.bigm.add(blk.h[i] <= float(U[i]) * blk.z[i])
                blk.bigm.add(blk.hbar[i] <= -float(L[i]) * (1 - blk.z[i]))
                self.z_vars.append(blk.z[i])
                self.h_active.append(blk.h[i])
                self.unstable.append(off + i)
            out.append(blk.h[i])
        return out

    def _maxout_block(self, blk, l, k, pre, L, U, never):
        """Serra et al.'s maxout constraints of layer l (module docstring); returns its outputs."""
        n = len(pre) // k
        off = self.net.relu_offset[l]
        Uh = [max(float(v) for v in U[u * k: u * k + k]) for u in range(n)]
        Lh = [max(float(v) for v in L[u * k: u * k + k]) for u in range(n)]
        blk.h = pyo.Var(range(n), bounds=lambda _, u: (Lh[u], Uh[u]))
        blk.y = pyo.Var(range(n * k), domain=pyo.UnitInterval)
        for u in range(n):
            cand = [j for j in range(u * k, u * k + k) if not never[j]]
            for j in range(u * k, u * k + k):
                blk.bigm.add(blk.h[u] >= pre[j])
                if j not in cand:
                    blk.y[j].fix(0)
            if len(cand) == 1:               # only one argument can be the maximum: stable
                j = cand[0]
                blk.y[j].fix(1)
                self.fixed_bits[off + j] = True
                blk.eq.add(blk.h[u] == pre[j])
                continue
            blk.eq.add(sum(blk.y[j] for j in cand) == 1)
            for j in cand:
                blk.bigm.add(blk.h[u] <= pre[j] + (Uh[u] - float(L[j])) * (1 - blk.y[j]))
                for mm in range(u * k, u * k + k):
                    if mm != j:
                        big = self.F + float(U[mm]) - float(L[j])
                        self.m.margin.add(pre[j] - pre[mm] >= self.m.f - big * (1 - blk.y[j]))
                self.z_vars.append(blk.y[j])
                self.h_active.append(None)
                self.unstable.append(off + j)
        return [blk.h[u] for u in range(n)]

    def _tighten(self, pre, L, U):
        """LP bounds of each pre-activation over the relaxation of the layers built so far."""
        L, U = L.copy(), U.copy()
        for i, expr in enumerate(pre):
            if self.deadline is not None and time.perf_counter() >= self.deadline:
                break             # the interval bounds stay: valid, only looser
            if isinstance(expr, (int, float)) or expr.polynomial_degree() == 0:
                continue
            for sense in (pyo.maximize, pyo.minimize):
                self.m.obj.expr = expr
                self.m.obj.sense = sense
                res = self.opt.solve(self.m)
                self.lp_solves += 1
                if res.termination_condition != TerminationCondition.convergenceCriteriaSatisfied:
                    continue
                v = float(res.incumbent_objective)
                eps = LP_BOUND_EPS * (1.0 + abs(v))
                if sense == pyo.maximize:
                    U[i] = min(U[i], v + eps)
                else:
                    L[i] = max(L[i], v - eps)
        return L, U, U <= 0, L > 0

    def attach(self) -> None:
        """Pass the model to its highspy instance now (the persistent interface otherwise does it
        on the first solve, and HiGHS then prints its matrix warnings on standard output)."""
        if getattr(self.opt, "_solver_model", None) is None:
            self.opt.set_instance(self.m)

    # -- enumeration interface ----------------------------------------------------------------
    def solve(self, *, time_limit=None) -> MipSolution:
        """One branch-and-bound run of ``max f``; reads the unstable binaries at the optimum."""
        self.opt.config.time_limit = None if time_limit is None else max(float(time_limit), 0.01)
        res = self.opt.solve(self.m)
        tc = res.termination_condition
        if tc == TerminationCondition.provenInfeasible:
            return MipSolution("infeasible", None, None)
        status = {TerminationCondition.convergenceCriteriaSatisfied: "optimal",
                  TerminationCondition.maxTimeLimit: "time limit",
                  TerminationCondition.interrupted: "interrupted"}.get(tc, str(tc))
        if res.incumbent_objective is None:
            return MipSolution(status, None, None)
        z = np.zeros(0)
        if self.z_vars:
            vals = res.solution_loader.get_vars(self.z_vars)
            z = np.array([vals[v] for v in self.z_vars]) > 0.5
        return MipSolution(status, float(res.incumbent_objective), z)

    def add_nogood(self, z: np.ndarray) -> None:
        """Cut off one assignment of the unstable binaries:
        ``sum_{z*=1} (1 - z) + sum_{z*=0} z >= 1``."""
        if not self.z_vars:  # no binaries: the single pattern needs no cut (the loop stops)
            return
        expr = sum((1 - v) if on else v for v, on in zip(self.z_vars, z))
        self.m.cuts.add(expr >= 1)

    def add_prefix_cut(self, bits: np.ndarray, prefix_end: int, unit: int | None = None) -> None:
        """Cut off every assignment that agrees with ``bits`` on the pattern positions before
        ``prefix_end`` (and, with ``unit``, has that unit active):
        ``sum_{j < end, b_j=1} (1 - z_j) + sum_{j < end, b_j=0} z_j [+ (1 - z_unit)] >= 1``.
        Valid when no pattern extending that prefix can be a region or a strict pattern: the
        prefix is not strict, or ``unit`` is identically zero on the prefix's cell (one cut
        instead of one per assignment of the later layers)."""
        terms = [(1 - z) if bits[p] else z for p, z in zip(self.unstable, self.z_vars) if p < prefix_end]
        if unit is not None:
            k = int(np.flatnonzero(self.unstable == unit)[0])
            terms.append(1 - self.z_vars[k])
        self.m.cuts.add(sum(terms) >= 1)

    def full_bits(self, z: np.ndarray) -> np.ndarray:
        """The network pattern (all ReLU units) for an assignment of the unstable binaries."""
        bits = self.fixed_bits.copy()
        bits[self.unstable] = z
        return bits

    def harvest_columns(self):
        """highspy column indices of the unstable binaries and of f (None if unavailable).

        Uses the persistent interface's variable map (a private attribute of Pyomo's HiGHS
        interface); callers fall back to no harvesting when it is missing.
        """
        vmap = getattr(self.opt, "_pyomo_var_to_solver_var_map", None)
        if vmap is None or getattr(self.opt, "_solver_model", None) is None:
            return None
        try:
            return np.array([vmap[id(v)] for v in self.z_vars], dtype=int), vmap[id(self.m.f)]
        except KeyError:
            return None

"""The reference engine: Serra et al.'s MIP enumeration with no-good cuts (Pyomo + HiGHS).

Loop (REFERENCE.md §6.3, "recommended exact procedure"):

1. solve ``max f`` on the big-M model of the normalised network (mip/bigm_model.py);
2. every pattern found (the optimum, and with ``harvest`` every incumbent HiGHS reports through
   its MIP-solution callback during the same solve) is decided exactly (exact/): kept as a
   region if its cell has an interior point (a float margin-LP witness checked in rational
   arithmetic, else the exact margin LP); otherwise the exact one-sided LP tells a degenerate
   pattern (strict, on a lower-dimensional set) from a pattern that is only in the closure of
   the cells (``closure_patterns`` in the stats);
3. each pattern gets a no-good cut; re-solve.

Phase 1 stops when f* <= F_TOL (f is a margin relative to each unit's range, so this is scale
invariant). Cells thinner than that (slivers) are then found by phase 2, :func:`mip_closure`:
the same loop without the margin test, every pattern the MIP admits at f >= 0 decided exactly,
until HiGHS proves the model with all no-good cuts infeasible. That proof is also the
completeness certificate of ``count --certify`` (analysis/certify.py).

HiGHS has no lazy-constraint callback and no solution pool (SOLVER_NOTES.md), so harvesting
incumbents is the only way one solve yields several patterns.
"""

from __future__ import annotations

import time

import numpy as np

from ...nets.network import Network
from ...result import RunContext
from ..exact import ExactNet, exact_cell, exact_strict, to_fraction
from ..shared import cell_checker
from .bigm_model import BigMModel, BuildStopped

F_TOL = 1e-6   # phase 1 keeps patterns with f* > F_TOL * F (MIP feasibility tolerance ~1e-6)


class PatternJudge:
    """Decides, exactly, what a pattern the MIP returned is: a region (with an exact witness), a
    degenerate strict pattern, or a closure pattern; each pattern once."""

    def __init__(self, net: Network, ctx: RunContext):
        self.net, self.ctx = net, ctx
        self.ex = ExactNet(net)
        self.check = cell_checker()
        self.seen: set[bytes] = set()

    def mark_seen(self, bits) -> None:
        self.seen.add(np.packbits(np.asarray(bits, dtype=bool)).tobytes())

    def __call__(self, bits) -> str | None:
        """'region', 'degenerate', 'closure', or None for a pattern already judged."""
        key = np.packbits(bits).tobytes()
        if key in self.seen:
            return None
        self.seen.add(key)
        ctx = self.ctx
        cell = self.check(self.net, bits)
        ctx.bump("cell_lps")
        x, _ = exact_cell(self.ex, bits, hints=[cell.witness] if cell.witness is not None else [])
        if x is not None:
            if not cell.full:
                ctx.bump("exact_decisions")
            witness = np.array([float(v) for v in x])
            ctx.add_region(bits, witness, cell.margin if cell.full else 0.0,
                           exact_witness=[to_fraction(v) for v in x])
            return "region"
        ctx.bump("exact_decisions")
        if exact_strict(self.ex, bits):
            ctx.add_degenerate()           # a real strict pattern on a lower-dimensional set
            return "degenerate"
        ctx.bump("closure_patterns")       # only in the closure of the cells (or a MIP artefact)
        return "closure"

    def zero_active(self, bits):
        """(position, end of its layer prefix) of the first choice that cannot hold on the cell of
        ``bits``'s earlier layers (a relu unit identically zero there but marked active, a maxout
        argument chosen over an identical lower-index one), or None (then only a plain no-good
        applies). Every pattern agreeing with the prefix and making that choice is cut at once."""
        k = self.ex.impossible_choice(bits)
        if k is None:
            return None
        return k, self.net.relu_offset[self.net.relu_units[k][0]]

    def first_non_strict_prefix(self, bits):
        """For a pattern that is not strict: the end (pattern position) of the shortest prefix of
        whole layers that is not strict either, by bisection over the layer ends (a longer prefix
        has a smaller set; the whole pattern, the last end, is known not to be strict)."""
        ends = [self.net.relu_offset[l] + layer.n_bits for l, layer in enumerate(self.net.layers[:-1])
                if layer.n_bits]
        lo, hi = 0, len(ends) - 1            # ends[hi] is not strict
        while lo < hi:
            mid = (lo + hi) // 2
            if exact_strict(self.ex, bits, ends[mid]):
                lo = mid + 1
            else:
                hi = mid
        return ends[hi]


class VerdictCache:
    """A :class:`PatternJudge` that answers again for a pattern it has judged (the searches that ask
    the same model several questions, MIPBound and max_active, meet patterns more than once)."""

    def __init__(self, judge: PatternJudge):
        self.judge = judge
        self.verdicts: dict[bytes, str] = {}

    def __call__(self, bits) -> str:
        key = np.packbits(np.asarray(bits, dtype=bool)).tobytes()
        if key not in self.verdicts:
            v = self.judge(bits)            # None only for a pattern judged elsewhere: not here
            self.verdicts[key] = "region" if v is None else v
        return self.verdicts[key]


def cut_off(model: BigMModel, judge: PatternJudge, z, verdict) -> None:
    """The cut after a judged pattern. When no extension of a prefix of it can be a region or a
    strict pattern, a prefix cut removes every later assignment at once: an identically-zero unit
    marked active, or (for a closure pattern) the shortest layer prefix that is not strict.
    Otherwise the plain no-good."""
    if verdict == "closure":      # a region or a strict pattern has no such prefix
        bits = model.full_bits(z)
        hit = judge.zero_active(bits)
        if hit is not None:
            unit, end = hit
            model.add_prefix_cut(bits, end, unit)
            judge.ctx.bump("prefix_cuts")
            return
        end = judge.first_non_strict_prefix(bits)
        if end < len(bits):
            model.add_prefix_cut(bits, end)
            judge.ctx.bump("prefix_cuts")
            return
    model.add_nogood(z)


def run_mip(net: Network, ctx: RunContext, *, tighten: str = "lp", harvest: bool = True) -> None:
    """Enumerate the activation regions of ``net`` into ``ctx`` with the big-M MIP."""
    t0 = time.perf_counter()
    try:
        model = BigMModel(net, tighten=tighten, deadline=ctx.deadline)
    except BuildStopped as exc:
        ctx.stop(str(exc))
        ctx.stats["build_s"] = round(time.perf_counter() - t0, 3)
        return
    ctx.stats["build_s"] = round(time.perf_counter() - t0, 3)
    ctx.stats["binaries"] = len(model.z_vars)
    if tighten == "lp":
        ctx.stats["bound_lps"] = model.lp_solves
    judge = PatternJudge(net, ctx)
    found = harvester(model, ctx, harvest)
    solve_s = 0.0
    tol = F_TOL * model.F
    while not ctx.expired():
        found.clear()
        t1 = time.perf_counter()
        sol = model.solve(time_limit=ctx.remaining())
        solve_s += time.perf_counter() - t1
        ctx.bump("solves")
        candidates = [z for z, f in found if f > tol]
        if sol.z is not None and sol.margin is not None and sol.margin > tol:
            candidates.append(sol.z)
        new = [(z, v) for z in candidates if (v := judge(model.full_bits(z))) is not None]
        for z, v in new:
            cut_off(model, judge, z, v)
        if _stopped(ctx, sol):
            break
        if sol.status == "infeasible" or sol.margin is None or sol.margin <= tol or not model.z_vars:
            break
        if not new:
            ctx.stop("the solver returned an already-cut pattern (numerical trouble)")
            break
    ctx.stats["solve_s"] = round(solve_s, 3)
    if ctx.stop_reason is None and model.z_vars:
        mip_closure(model, judge, ctx, found)
    ctx.stats["patterns_per_solve"] = round(len(judge.seen) / max(ctx.stats.get("solves", 1), 1), 2)


def harvester(model: BigMModel, ctx: RunContext, harvest: bool) -> list:
    """A list that the MIP-solution callback fills with (z, f) of every incumbent."""
    found: list = []
    cols = model.harvest_columns() if harvest else None
    if harvest and cols is None:
        # the persistent interface creates its highspy instance on the first solve
        model.opt.set_instance(model.m)
        cols = model.harvest_columns()
    if cols is not None:
        zcols, fcol = cols

        def on_solution(event):
            sol = event.data_out.mip_solution
            if sol is None or len(sol) <= fcol:
                return
            found.append((np.asarray(sol)[zcols] > 0.5, float(sol[fcol])))

        model.opt._solver_model.cbMipSolution.subscribe(on_solution)
    ctx.stats["harvest"] = cols is not None
    return found


def _stopped(ctx: RunContext, sol) -> bool:
    if sol.status == "time limit":
        ctx.stop("time limit reached")
        return True
    if sol.status == "interrupted":
        raise KeyboardInterrupt
    if sol.status not in ("optimal", "infeasible"):
        ctx.stop(f"solver status {sol.status}")
        return True
    return False


def mip_closure(model: BigMModel, judge: PatternJudge, ctx: RunContext, found=None) -> bool:
    """Phase 2 / the completeness proof: re-solve the model, whose no-good cuts exclude every
    pattern judged so far, and judge every pattern it returns (any f >= 0), until HiGHS proves it
    infeasible. Returns True when proven (then no full-dimensional cell is missing, up to the
    MIP's feasibility tolerance, which only admits more candidates), False when stopped."""
    found = [] if found is None else found
    model.m.obj.expr = 0.0        # any feasible pattern will do: HiGHS stops at the first one
    t0 = time.perf_counter()
    solves = 0
    proven = False
    while not ctx.expired():
        found.clear()
        sol = model.solve(time_limit=ctx.remaining())
        solves += 1
        candidates = [z for z, _ in found]
        if sol.z is not None:
            candidates.append(sol.z)
        if sol.status == "infeasible":
            proven = True
            break
        if _stopped(ctx, sol):
            break
        new = [(z, v) for z in candidates if (v := judge(model.full_bits(z))) is not None]
        for z, v in new:
            cut_off(model, judge, z, v)
        if not new:
            ctx.stop("the proof MIP returned an already-cut pattern (numerical trouble)")
            break
    ctx.bump("proof_solves", solves)
    ctx.bump("solves", solves)
    ctx.stats["proof_s"] = round(ctx.stats.get("proof_s", 0) + time.perf_counter() - t0, 3)
    return proven

"""MIPBound: a probabilistic lower bound on the number of activation regions from random parity
constraints on the big-M model (Serra & Ramalingam, AAAI 2020, arXiv 1810.03370), the MBound
scheme of Gomes, Sabharwal & Selman (AAAI 2006) for model counting.

The regions are the assignments of the model's unstable binaries (relu indicators z_i, maxout
selections y_j) that have a full-dimensional cell. A random parity (XOR) constraint keeps each
assignment with probability 1/2, independently of its value: each binary enters the constraint
with probability 1/2 and the right-hand side p is a fair coin. Over binaries it is linear with
one integer variable,

    sum_{i in S} z_i - 2 k = p,   k in {0, ..., floor(|S| / 2)}.

With s such constraints an assignment survives with probability exactly 2^-s, so if N regions
exist, P(some region survives) <= N 2^-s (Markov). MBound: if the model with s fresh random
constraints has a region in each of t independent trials, then N >= 2^(s - a) with probability
>= 1 - 2^(-a t). Here s is raised 1, 2, ... while every trial succeeds, and the largest such s is
reported; the levels tried are a union of events, whose error sums to at most
2^(-a t) / (1 - 2^-t), so a is chosen from the confidence c as

    a = -log2((1 - c) (1 - 2^-t)) / t                                   (:func:`slack`)

and the bound is floor(2^(s - a)). "Has a region" is decided exactly: the MIP is asked for a
pattern with positive margin (f >= 2 F_TOL, so only strict patterns), and the pattern is confirmed
full-dimensional in exact arithmetic (mip.PatternJudge); a pattern that is not a region gets a
no-good cut (it never is one) and the MIP is asked again. A MIP that runs out of time counts as a
failed trial, which can only lower the bound. Every region confirmed along the way is a certain
lower bound as well (``regions_found``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from ...nets.network import Network
from ...result import RunContext
from .bigm_model import BigMModel, BuildStopped
from .engine import F_TOL, PatternJudge, VerdictCache, cut_off


def slack(confidence: float, trials: int) -> float:
    """MBound's slack a for ``trials`` trials per level at the given confidence, with the union
    over levels: ``2^(-a t) / (1 - 2^-t) = 1 - c``, so ``a = -log2((1 - c)(1 - 2^-t)) / t``."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    return -math.log2((1.0 - confidence) * (1.0 - 2.0 ** -trials)) / trials


def bound_value(s: int, a: float) -> int:
    """floor(2^(s - a)), the MBound lower bound after s successful levels (0 when s = 0)."""
    if s <= 0:
        return 0
    return math.floor(2.0 ** (s - a))


def random_parity(rng: np.random.Generator, s: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """s random parity constraints over n binaries: rows (s x n, each entry a fair coin) and
    right-hand sides (fair coins). Together, h(z) = A z + b mod 2 is a pairwise independent hash
    (an all-zero row with b = 1 makes the trial infeasible, as it should with probability 2^-n)."""
    return rng.random((s, n)) < 0.5, rng.random(s) < 0.5


def parity_holds(rows: np.ndarray, rhs: np.ndarray, z: np.ndarray) -> bool:
    """Whether the binary vector z satisfies every parity constraint (rows z = rhs mod 2)."""
    return bool(np.all((rows.astype(np.int64) @ np.asarray(z, dtype=np.int64)) % 2 == rhs.astype(np.int64)))


@dataclass
class Level:
    """One level: s constraints, the outcome of each trial ('region', 'none', 'time limit')."""

    s: int
    outcomes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o == "region" for o in self.outcomes)

    def to_json(self) -> dict:
        return {"s": self.s, "outcomes": list(self.outcomes), "seconds": round(self.seconds, 3)}


@dataclass
class MipBoundResult:
    """MIPBound's outcome: ``lower_bound`` = floor(2^(s - a)) holds with probability >= confidence;
    ``regions_found`` regions were confirmed exactly (a certain lower bound)."""

    confidence: float
    trials: int
    alpha: float
    s: int                      # the largest level whose trials all found a region
    lower_bound: int
    regions_found: int
    binaries: int
    levels: list
    seconds: float
    stop_reason: str | None     # why the levels stopped: a failed level, no binaries, time limit
    mip_solves: int = 0

    def to_json(self) -> dict:
        return {"confidence": self.confidence, "trials": self.trials, "alpha": round(self.alpha, 6),
                "s": self.s, "lower_bound": self.lower_bound, "regions_found": self.regions_found,
                "binaries": self.binaries, "mip_solves": self.mip_solves, "seconds": round(self.seconds, 3),
                "stop_reason": self.stop_reason, "levels": [lv.to_json() for lv in self.levels]}


class ParityTrial:
    """Asks the big-M model whether a region satisfies a set of parity constraints."""

    def __init__(self, model: BigMModel, judge: PatternJudge, ctx: RunContext):
        self.model, self.judge, self.ctx = model, judge, ctx
        self.verdict = VerdictCache(judge)
        model.attach()
        m = model.m
        m.obj.expr = 0.0                      # any strict pattern will do: stop at the first
        m.obj.sense = pyo.maximize
        if not hasattr(m, "mipbound_margin"):     # a model asked again keeps its constraint
            m.mipbound_margin = pyo.Constraint(expr=m.f >= 2 * F_TOL * model.F)
        self.solves = 0
        self.last_z: np.ndarray | None = None     # the binaries of the last region found

    def run(self, rows: np.ndarray, rhs: np.ndarray, time_limit: float | None) -> str:
        """'region' (a region satisfies the constraints, confirmed exactly), 'none' (the MIP is
        infeasible) or 'time limit'."""
        model, m = self.model, self.model.m
        z_vars = model.z_vars
        blk = pyo.Block()
        m.add_component("parity", blk)
        blk.k = pyo.Var(range(len(rows)), domain=pyo.NonNegativeIntegers,
                        bounds=lambda _, r: (0, int(rows[r].sum()) // 2))
        blk.c = pyo.ConstraintList()
        try:
            for r, row in enumerate(rows):
                chosen = np.flatnonzero(row)
                if len(chosen) == 0:
                    if rhs[r]:
                        return "none"          # 0 = 1: no assignment survives
                    continue
                blk.c.add(sum(z_vars[i] for i in chosen) - 2 * blk.k[r] == int(rhs[r]))
            deadline = None if time_limit is None else time.perf_counter() + time_limit
            while True:
                left = None if deadline is None else deadline - time.perf_counter()
                if left is not None and left <= 0:
                    return "time limit"
                sol = model.solve(time_limit=left)
                self.solves += 1
                if sol.status == "infeasible":
                    return "none"
                if sol.status == "interrupted":
                    raise KeyboardInterrupt
                if sol.z is None:
                    return "time limit" if sol.status == "time limit" else "none"
                v = self.verdict(model.full_bits(sol.z))
                if v == "region":
                    if not parity_holds(rows, rhs, sol.z):   # the MIP's integrality tolerance
                        return "none"
                    self.last_z = sol.z
                    return "region"
                cut_off(model, self.judge, sol.z, v)   # never a region: cut for every later trial too
                if sol.status == "time limit":
                    return "time limit"
        finally:
            m.del_component("parity")


def run_mipbound(net: Network, *, confidence: float = 0.95, trials: int = 10, seed: int = 0,
                 time_limit: float | None = None, mip_time_limit: float | None = None,
                 max_levels: int | None = None, progress=None, model: BigMModel | None = None,
                 should_stop=None) -> MipBoundResult:
    """MIPBound (module docstring): levels s = 1, 2, ... of ``trials`` random parity trials each,
    until a trial finds no region (or the time runs out); the bound floor(2^(s - a)) of the last
    level that passed holds with probability >= ``confidence``. ``mip_time_limit`` caps each MIP,
    ``time_limit`` the whole run (including the model's construction); ``model`` reuses a built
    big-M model of ``net`` (its objective is replaced, and no-good cuts of non-regions are added).
    ``should_stop()`` is asked before every trial (a Ctrl-C that the solver swallowed): True ends
    the run as interrupted, the levels that passed standing."""
    a = slack(confidence, trials)
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + float(time_limit)
    ctx = RunContext(net, "mip", keep_regions=False, progress=False)
    rng = np.random.default_rng(seed)

    def result(s, levels, reason, binaries=0, solves=0):
        return MipBoundResult(confidence, trials, a, s, bound_value(s, a), ctx.count, binaries, levels,
                              time.perf_counter() - t0, reason, solves)

    if model is None:
        try:
            model = BigMModel(net, tighten="lp", deadline=deadline)
        except BuildStopped as exc:
            return result(0, [], str(exc))
    n = len(model.z_vars)
    judge = PatternJudge(net, ctx)
    trial = ParityTrial(model, judge, ctx)
    if n == 0:     # one pattern at most: no hashing; is it a region?
        outcome = trial.run(np.zeros((0, 0), bool), np.zeros(0, bool), time_limit)
        return result(0, [], "no unstable units: the count is " + ("1" if outcome == "region" else "0"),
                      0, trial.solves)
    levels: list[Level] = []
    s_ok, reason = 0, None
    s_max = n if max_levels is None else min(n, max_levels)
    for s in range(1, s_max + 1):
        level = Level(s)
        levels.append(level)
        ts = time.perf_counter()
        for _ in range(trials):
            left = None if deadline is None else deadline - time.perf_counter()
            if left is not None and left <= 0:
                reason = "time limit reached"
                break
            if should_stop is not None and should_stop():
                reason = "interrupted (Ctrl-C)"
                break
            cap = left if mip_time_limit is None else (mip_time_limit if left is None else min(left, mip_time_limit))
            rows, rhs = random_parity(rng, s, n)
            try:
                outcome = trial.run(rows, rhs, cap)
            except KeyboardInterrupt:     # the levels that passed stand
                reason = "interrupted (Ctrl-C)"
                break
            if should_stop is not None and should_stop():   # this trial's answer may be cut short
                reason = "interrupted (Ctrl-C)"
                break
            level.outcomes.append(outcome)
            if outcome != "region":
                break
        level.seconds = time.perf_counter() - ts
        if progress is not None:
            progress(level, bound_value(s_ok, a), ctx.count)
        if reason is not None:
            break
        if not level.passed:
            reason = f"level s = {s}: a trial found no region" if level.outcomes[-1] == "none" \
                else f"level s = {s}: a MIP hit its time limit"
            break
        s_ok = s
    else:
        reason = f"every level up to s = {s_max} passed" + (" (all binaries constrained)" if s_max == n else "")
    return result(s_ok, levels, reason, n, trial.solves)

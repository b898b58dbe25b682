"""The reference engine: Serra et al.'s MIP enumeration with no-good cuts (Pyomo + HiGHS).

Loop (REFERENCE.md §6.3, "recommended exact procedure"):

1. solve ``max f`` on the big-M model (bigm_model.py); stop when infeasible or f* <= tol;
2. every strict pattern found (the optimum, and with ``harvest`` every improving incumbent
   HiGHS reports through its MIP-solution callback during the same solve) is checked by the
   two-sided margin LP (cells.py): kept as a region if its cell is full-dimensional; otherwise
   a one-sided LP tells a degenerate pattern (strict, on a lower-dimensional set) from a
   pattern that only the MIP's tolerances admitted (``spurious_patterns`` in the stats);
3. each pattern gets a no-good cut; re-solve.

HiGHS has no lazy-constraint callback and no solution pool (SOLVER_NOTES.md), so harvesting
incumbents is the only way one solve yields several patterns.
"""

from __future__ import annotations

import time

import numpy as np

from .bigm_model import BigMModel
from .cells import cell_checker
from ..nets.network import Network
from ..result import RunContext

F_TOL = 1e-6   # a strict pattern needs f* > F_TOL * F (MIP feasibility tolerance ~1e-6 * M)


def run_mip(net: Network, ctx: RunContext, *, tighten: str = "lp", harvest: bool = True) -> None:
    """Enumerate the activation regions of ``net`` into ``ctx`` with the big-M MIP."""
    t0 = time.perf_counter()
    model = BigMModel(net, tighten=tighten)
    ctx.stats["build_s"] = round(time.perf_counter() - t0, 3)
    ctx.stats["binaries"] = len(model.z_vars)
    if tighten == "lp":
        ctx.stats["bound_lps"] = model.lp_solves
    check = cell_checker()
    seen: set[bytes] = set()
    tol = F_TOL * model.F
    found: list[np.ndarray] = []

    cols = model.harvest_columns() if harvest else None
    if harvest and cols is None:
        # the persistent interface creates its highspy instance on the first solve
        model.opt.set_instance(model.m)
        cols = model.harvest_columns()
    if cols is not None:
        zcols, fcol = cols

        def on_solution(event):
            sol = event.data_out.mip_solution
            if sol is None or len(sol) <= fcol or sol[fcol] <= tol:
                return
            found.append(np.asarray(sol)[zcols] > 0.5)

        model.opt._solver_model.cbMipSolution.subscribe(on_solution)
    ctx.stats["harvest"] = cols is not None

    def consider(z: np.ndarray) -> bool:
        key = np.packbits(z).tobytes() if z.size else b""
        if key in seen:
            return False
        seen.add(key)
        bits = model.full_bits(z)
        cell = check(net, bits)
        ctx.bump("cell_lps")
        if cell.full:
            ctx.add_region(bits, cell.witness, cell.margin)
        elif check(net, bits, one_sided=True).full:
            ctx.add_degenerate()           # a real strict pattern on a lower-dimensional set
        else:
            ctx.bump("spurious_patterns")  # MIP tolerance artefact: not even a strict pattern
        return True

    solve_s = 0.0
    while not ctx.expired():
        found.clear()
        t1 = time.perf_counter()
        sol = model.solve(time_limit=ctx.remaining())
        solve_s += time.perf_counter() - t1
        ctx.bump("solves")
        candidates = list(found)
        if sol.z is not None and sol.margin is not None and sol.margin > tol:
            candidates.append(sol.z)
        new = [z for z in candidates if consider(z)]
        for z in new:
            model.add_nogood(z)
        if sol.status == "time limit":
            ctx.stop("time limit reached")
            break
        if sol.status == "interrupted":
            raise KeyboardInterrupt
        if sol.status == "infeasible" or sol.margin is None or sol.margin <= tol or not model.z_vars:
            if sol.status not in ("optimal", "infeasible"):
                ctx.stop(f"solver status {sol.status}")
            break
        if not new:
            ctx.stop("the solver returned an already-cut pattern (numerical trouble)")
            break
    ctx.stats["solve_s"] = round(solve_s, 3)
    ctx.stats["patterns_per_solve"] = round((len(seen)) / max(ctx.stats.get("solves", 1), 1), 2)

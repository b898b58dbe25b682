"""Certificates for a count (``count --certify``), in exact rational arithmetic and by the solver.

* Existence: every region's witness (its exact rational witness when the engine gave one, else
  the exact value of its float64 coordinates) lies strictly inside the box, has the region's
  activation pattern, and every unit that is not identically zero on the cell is strictly away
  from 0 there. A point with all constraints strict proves the cell is full-dimensional (an open
  neighbourhood of it lies in the cell).
* Completeness, in any dimension: one Serra big-M MIP (Pyomo + HiGHS, engines/mip/bigm_model.py)
  carries a no-good cut for every region of the count and is re-solved until HiGHS proves it
  infeasible; every pattern it returns on the way is decided exactly (engines/mip.PatternJudge):
  degenerate or in the closure only (cut it, go on), or a *missed region*, reported with its
  pattern and an exact witness (SOLVER_NOTES.md, "A completeness proof that uses the solver").
  The MIP's tolerances only admit more candidates, and each is decided exactly.
* Completeness, second proof for n0 <= 2: the exact volumes of the cells (interval lengths,
  polygon areas clipped exactly from the box) must add up to the box's volume; cells with
  distinct patterns have disjoint interiors, so a missing region shows as a deficit.

:func:`certify` never raises on a failed check: it returns a :class:`Certificate` with
``passed = False``, the bad and missed regions; ``count --certify`` then prints the count as
"NOT certified" and exits 3, and ``--repair`` applies :func:`repair` and certifies again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..engines.shared import pattern_constraints
from ..errors import MipRegionsError
from ..nets.network import Network
from ..result import CountResult, Region, RunContext
from .geometry import box_bounds, cell_interval, cell_polygon, polygon_area


class CertificationError(MipRegionsError):
    """Certification cannot run on this result (incomplete run, regions not kept)."""


@dataclass
class Certificate:
    """The outcome of :func:`certify`: ``checks`` (name -> text), the regions whose witness failed
    (``bad``: (index, reason)), the full-dimensional cells the count lacks (``missed``: Regions
    with exact witnesses), and the proof used."""

    passed: bool
    checks: dict = field(default_factory=dict)
    bad: list = field(default_factory=list)
    missed: list = field(default_factory=list)
    proof: str = ""

    def to_json(self, net: Network) -> dict:
        return {"passed": self.passed, "proof": self.proof, "checks": self.checks,
                "bad_regions": [{"index": k, "reason": why} for k, why in self.bad],
                "missed_regions": [r.to_json(net) for r in self.missed]}


def witness_of(region: Region) -> list[Fraction]:
    """The region's witness as exact rationals (its exact witness when it has one)."""
    if region.exact_witness is not None:
        return [Fraction(v) for v in region.exact_witness]
    return [Fraction(float(v)) for v in region.witness]


def check_witness(net: Network, bits, witness) -> str | None:
    """None if the (exact) witness proves the region exists, else the reason it does not."""
    lo, hi = box_bounds(net, True)
    x = [Fraction(v) for v in witness]
    if not all(l < v < u for l, v, u in zip(lo, x, hi)):
        return "witness not strictly inside the domain"
    A, c, strict, pos = pattern_constraints(net, bits, exact=True)
    for k in range(len(c)):     # each row a.x + c >= 0 of the pattern's cell (> 0 if strict)
        v = sum((a * xi for a, xi in zip(A[k], x)), Fraction(c[k]))
        if v > 0:
            continue
        what = "ReLU unit" if net.layers[net.relu_units[pos[k]][0]].activation == "relu" else \
            "maxout choice at position"
        if v < 0:
            return f"{what} {pos[k]} has the wrong sign at the witness"
        zero = all(a == 0 for a in A[k]) and c[k] == 0
        if not zero:
            return f"{what} {pos[k]} is exactly 0 at the witness but not identically zero on the cell"
        if strict[k]:
            return (f"ReLU unit {pos[k]} is identically zero on the cell but marked active"
                    if what == "ReLU unit" else
                    f"maxout choice at position {pos[k]} ties with a lower-index identical argument")
    return None


def cell_volume(net: Network, bits) -> Fraction:
    """Exact length (n0 = 1) or area (n0 = 2) of the closed cell of ``bits`` in the box."""
    if net.input_dim == 1:
        left, right = cell_interval(net, bits, exact=True)
        return max(right - left, Fraction(0))
    return Fraction(polygon_area(cell_polygon(net, bits, exact=True)))


def volume_check(net: Network, regions) -> tuple[bool, str]:
    """n0 <= 2: do the cells' exact volumes add up to the box's? (passed, text)."""
    lo, hi = box_bounds(net, True)
    box_vol = (hi[0] - lo[0]) * ((hi[1] - lo[1]) if net.input_dim == 2 else 1)
    total = sum((cell_volume(net, r.bits) for r in regions), start=Fraction(0))
    if total != box_vol:
        return False, (f"FAILED: the cells' volumes add up to {total} = {float(total):.12g}, the "
                       f"domain's volume is {box_vol}; deficit {box_vol - total}")
    return True, f"passed: cell volumes add up exactly to the domain's volume {box_vol}"


def mip_proof(net: Network, regions, *, time_limit=None) -> tuple[bool | None, list, dict]:
    """The solver's completeness proof (module docstring). Returns (proven, missed regions,
    stats); proven is None when the proof was stopped (time limit) before HiGHS decided."""
    from ..engines.mip import BigMModel, PatternJudge, harvester, mip_closure
    ctx = RunContext(net, "certify", time_limit=time_limit, progress=False)
    t0 = time.perf_counter()
    model = BigMModel(net, tighten="lp", deadline=ctx.deadline)
    judge = PatternJudge(net, ctx)
    for r in regions:
        bits = np.asarray(r.bits, dtype=bool)
        judge.mark_seen(bits)
        if len(model.unstable) and np.array_equal(model.full_bits(bits[model.unstable]), bits):
            model.add_nogood(bits[model.unstable])
    if not model.z_vars:      # one possible pattern: the stable units' bits
        judge(model.full_bits(np.zeros(0, dtype=bool)))
        ctx.stats["no_binaries"] = True
        proven = True
    else:
        proven = mip_closure(model, judge, ctx, harvester(model, ctx, True))
        if not proven and ctx.stop_reason and "time limit" in ctx.stop_reason:
            proven = None
    stats = dict(ctx.stats)
    stats["degenerate"] = ctx.degenerate
    stats["proof_total_s"] = round(time.perf_counter() - t0, 3)
    return proven, ctx.regions, stats


def certify(net: Network, result: CountResult, *, mip: bool = True, time_limit=None) -> Certificate:
    """Run the checks on a complete result with its regions in memory (module docstring).
    ``mip=False`` skips the solver's proof (then completeness rests on the exact volumes, n0 <= 2,
    and is not decided for n0 > 2); ``time_limit`` bounds the proof."""
    if result.regions is None:
        raise CertificationError("certification needs the regions in memory")
    if not result.complete:
        raise CertificationError("the run did not complete; a lower bound cannot be certified as a count")
    cert = Certificate(passed=True)
    for k, reg in enumerate(result.regions):
        why = check_witness(net, reg.bits, witness_of(reg))
        if why:
            cert.bad.append((k, why))
    keys = [np.packbits(np.asarray(r.bits, dtype=bool)).tobytes() for r in result.regions]
    if len(set(keys)) != len(keys):
        seen = set()
        for k, key in enumerate(keys):
            if key in seen:
                cert.bad.append((k, "a second region with the same activation pattern"))
            seen.add(key)
    if cert.bad:
        k, why = cert.bad[0]
        cert.checks["existence"] = (f"FAILED for {len(cert.bad)} region(s); first: region {k} "
                                    f"({net.pattern_text(result.regions[k].bits)}): {why}")
    else:
        cert.checks["existence"] = (f"passed: {len(result.regions)} witnesses checked in exact rational "
                                    "arithmetic (strictly inside the box, pattern matches, no unit at 0)")
    if net.input_dim <= 2:
        ok, text = volume_check(net, result.regions)
        cert.checks["volumes"] = text
        cert.passed &= ok
    if not mip:
        cert.checks["completeness"] = "not run (mip=False)" + ("" if net.input_dim <= 2 else ": NOT decided")
        cert.passed &= not cert.bad and net.input_dim <= 2
        cert.proof = "exact witnesses + exact volumes"
        return cert
    proven, missed, stats = mip_proof(net, result.regions, time_limit=time_limit)
    cert.missed = missed
    solves, secs = stats.get("proof_solves", 0), stats["proof_total_s"]
    if proven is None:
        cert.checks["completeness"] = f"NOT decided: the proof MIP was stopped ({solves} solves, {secs} s)"
    elif missed:
        cert.checks["completeness"] = (f"FAILED: the proof MIP found {len(missed)} full-dimensional cell(s) "
                                       f"the count lacks ({solves} solves, {secs} s)")
    elif proven and stats.get("no_binaries"):
        cert.checks["completeness"] = ("passed: every ReLU unit is stable over the box (exact interval "
                                       "bounds), so there is one pattern, and the count has it")
    elif proven:
        cert.checks["completeness"] = (f"passed: the MIP with a no-good cut for each of the {len(result.regions)} "
                                       f"regions is infeasible after {solves} solve(s) ({secs} s); "
                                       f"{stats.get('closure_patterns', 0) + stats.get('degenerate', 0)} "
                                       "lower-dimensional patterns met on the way, each decided exactly")
    else:
        cert.checks["completeness"] = f"NOT decided: {stats}"
    cert.passed &= not cert.bad and not missed and proven is True
    cert.proof = f"exact witnesses + MIP no-good proof, {solves} solves, {secs} s" + (
        " + exact volumes" if net.input_dim <= 2 else "")
    return cert


def repair(net: Network, result: CountResult, cert: Certificate) -> int:
    """Add the missed regions to ``result`` and drop the regions whose witness failed and whose
    cell has no interior (a bad witness of a real region is replaced by an exact one). Returns
    the change in the count."""
    from ..engines.exact import ExactNet, exact_cell, to_fraction
    ex = ExactNet(net)
    before = len(result.regions)
    drop = set()
    for k, _ in cert.bad:
        reg = result.regions[k]
        x, _ = exact_cell(ex, reg.bits)
        if x is None:
            drop.add(k)
        else:
            reg.exact_witness = tuple(to_fraction(v) for v in x)
            reg.witness = np.array([float(v) for v in x])
    keys = set()
    kept = []
    for k, reg in enumerate(result.regions):
        key = np.packbits(np.asarray(reg.bits, dtype=bool)).tobytes()
        if k in drop or key in keys:
            continue
        keys.add(key)
        kept.append(reg)
    kept += cert.missed
    result.regions = kept
    result.activation_regions = len(kept)
    result.notes.append(f"repaired by --repair: {len(cert.missed)} missed region(s) added, "
                        f"{before + len(cert.missed) - len(kept)} removed")
    return len(kept) - before

"""Issue 32, item 2: exact interior decisions at float speed (engines/exact/verified.py). The float
margin LP's answer is proven in rationals or not given: checked against the exact simplex on
random, touching and sliver cells, and at 784 inputs against constructions whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from mip_regions.engines.exact.simplex import interior_point, max_margin, strictly_inside
from mip_regions.engines.exact.verified import certified_interior
from mip_regions.nets.exact_matrices import to_fmpq


def test_small_cells_against_the_exact_simplex():
    rng = np.random.default_rng(0)
    decided = 0
    for trial in range(150):
        n, m = int(rng.integers(2, 7)), int(rng.integers(1, 7))
        A = rng.integers(-3, 4, size=(m, n)).astype(float)
        c = rng.integers(-3, 4, size=m).astype(float)
        if trial % 3 == 0:                      # touching: a row and its negation
            A[-1], c[-1] = -A[0], -c[0]
        rows = [(list(a), ci) for a, ci in zip(A, c)]
        lo, hi = [-1.0] * n, [1.0] * n
        ref = max_margin(rows, lo, hi).interior
        res = certified_interior(rows, lo, hi)
        if res is None:
            continue
        decided += 1
        assert (res[0] == "inside") == ref
        if ref:
            assert strictly_inside(rows, lo, hi, res[1])
    assert decided >= 140


@pytest.mark.parametrize("n", [40, 784])
@pytest.mark.parametrize("gap", [1e-3, 0.0, -(2.0 ** -60), -1e-9])
def test_a_slab_between_two_parallel_rows(n, gap):
    """a.x + c >= 0 and -a.x - c + gap >= 0: an interior exactly when gap > 0. The wide slab and
    the empty or touching ones (gap 0, -2^-60: closer than any float tolerance) are proven by the
    float LP and an exact dual bound at 784 inputs too, with no exact pivoting (which took 35 s
    there)."""
    rng = np.random.default_rng(n)
    a = rng.normal(size=n)
    c = -float(a @ np.full(n, 0.5))             # through the box's centre
    extra = [(list(rng.normal(size=n)), 5.0) for _ in range(8)]   # loose rows around it
    rows = [(list(a), c), (list(-a), -to_fmpq(c) + to_fmpq(gap))] + extra
    lo, hi = [0.0] * n, [1.0] * n
    res = certified_interior(rows, lo, hi)
    assert res is not None and (res[0] == "inside") == (gap > 0)
    if gap > 0:
        assert strictly_inside(rows, lo, hi, res[1])
    assert (interior_point(rows, lo, hi) is not None) == (gap > 0)


@pytest.mark.parametrize("gap", [2.0 ** -40, 2.0 ** -60])
def test_a_slab_thinner_than_the_float_tolerances_is_still_decided_exactly(gap):
    """A slab thinner than HiGHS's tolerances (its float optimum is not exactly inside, and its
    two rows are parallel, so the exact shift is singular): the proof may give up, and then the
    exact simplex decides - correctly (40 inputs: the tableau is cheap here)."""
    rng = np.random.default_rng(3)
    n = 40
    a = rng.normal(size=n)
    c = -float(a @ np.full(n, 0.5))
    rows = [(list(a), c), (list(-a), -to_fmpq(c) + to_fmpq(gap))]
    lo, hi = [0.0] * n, [1.0] * n
    res = certified_interior(rows, lo, hi)
    assert res is None or res[0] == "inside"
    point = interior_point(rows, lo, hi)
    assert point is not None and strictly_inside(rows, lo, hi, point)


def test_a_cell_outside_the_box_is_empty_by_a_dual_bound():
    n = 784
    rows = [([1.0] * n, -(n + 1.0))]            # sum x >= n + 1: beyond the box [0, 1]^n
    assert certified_interior(rows, [0.0] * n, [1.0] * n) == ("empty", None)


def _sliver_cell():
    import json
    from fractions import Fraction
    from pathlib import Path
    d = json.loads((Path(__file__).parent / "data" / "sliver_cell_digits_6_16.json").read_text())

    def q(v):
        return to_fmpq(Fraction(v))       # "p/q" or "p", exactly
    rows = [([q(v) for v in a], q(c)) for a, c in d["rows"]]
    return rows, [q(v) for v in d["lo"]], [q(v) for v in d["hi"]]


def test_a_sliver_below_highs_default_tolerance_is_certified_on_the_retry(monkeypatch):
    """A real sliver (a trained 64-6-16 digits net, margin ~8e-8 < HiGHS's 1e-7 feasibility
    tolerance): with the default tolerance alone its float optimum sits on a box face and no proof
    goes through (the exact simplex took 6 s); the retry at 1e-10 gives a point that is strictly
    inside in exact arithmetic."""
    from mip_regions.engines.exact import verified
    rows, lo, hi = _sliver_cell()
    assert len(rows) == 15 and len(lo) == 64
    monkeypatch.setattr(verified, "TOLERANCES", (None,))
    assert certified_interior(rows, lo, hi) is None
    monkeypatch.undo()
    kind, x = certified_interior(rows, lo, hi)
    assert kind == "inside" and strictly_inside(rows, lo, hi, x)
    y = interior_point(rows, lo, hi)
    assert y is not None and strictly_inside(rows, lo, hi, y)

"""Issue 17, the lp engine's compiled support LPs (engines/lp/dual_simplex.py): the dual simplex against
scipy's HiGHS on random and degenerate LPs, its bound always an upper bound, the row bookkeeping
against a fresh GLPK problem, and the lp engine with kernel='numba' against kernel='numpy' (the
engine before the change): the same regions in the same order; a kernel that lies cannot change
a count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from oracle import ROWS
from scipy.optimize import linprog
from test_lp_support import strictly_inside

from mip_regions.counting import count_regions
from mip_regions.engines.lp import dual_simplex as dense_lp
from mip_regions.engines.shared.compiled import available as compiled_available
from mip_regions.engines.lp.margin import make_margin_lp
from mip_regions.io.netfile import read_network
from mip_regions.nets.constructions import montufar, ternary
from mip_regions.nets.maxout_nets import random_maxout
from mip_regions.nets.random_nets import random_mlp, random_ternary_mlp

pytestmark = pytest.mark.skipif(not compiled_available(), reason="numba not installed")

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
MODELS = sorted(p.name for p in MODELS_DIR.glob("*.json"))


def random_cell(rng, n, m, scale=1.0):
    """m unit-normal rows through points near the centre of [-scale, scale]^n, oriented so the
    centre is inside: a full-dimensional cell."""
    A = rng.normal(size=(m, n))
    A /= np.linalg.norm(A, axis=1)[:, None]
    p = rng.uniform(-0.5, 0.5, size=(m, n)) * scale
    b = np.einsum("ij,ij->i", A, p)
    flip = b > 0                       # keep 0 inside: A x >= b with b <= 0
    A[flip], b[flip] = -A[flip], -b[flip]
    return A, b


def highs_max(A, b, c, lo, hi):
    res = linprog(-c, A_ub=-A, b_ub=-b, bounds=list(zip(lo, hi)), method="highs")
    assert res.status == 0
    return -res.fun


@pytest.mark.parametrize("n,m", [(2, 3), (5, 8), (16, 12), (64, 22), (64, 40), (784, 20)])
def test_dual_simplex_against_highs(n, m):
    rng = np.random.default_rng(n * 100 + m)
    lo, hi = -np.ones(n), np.ones(n)
    for _ in range(25):
        A, b = random_cell(rng, n, m)
        c = rng.normal(size=n)
        status, v, x, bound, _ = dense_lp.dual_simplex(A, b, c, lo, hi, 1e-9, 50 + 4 * (m + n))
        ref = highs_max(A, b, c, lo, hi)
        assert status == dense_lp.OPTIMAL
        assert abs(v - ref) <= 1e-9 * (1 + abs(ref))
        assert ref <= bound <= ref + 1e-9 * (1 + abs(ref))          # an upper bound, and tight
        assert np.all(A @ x - b >= -1e-9) and np.all(x >= lo) and np.all(x <= hi)


@pytest.mark.parametrize("n,m", [(5, 8), (64, 22), (300, 20)])
def test_early_stops_answer_only_what_was_asked(n, m):
    """Issue 32. CUTOFF: the returned bound is a true upper bound (>= HiGHS's maximum) and below
    the cutoff, so "no cut" stands; only asked when the maximum is below the cutoff, it never
    stops otherwise. REACHED: the point is in the closed cell with c.y > target. Both stop
    before the optimum on some of these LPs (they are there to save iterations)."""
    rng = np.random.default_rng(n + m)
    lo, hi = np.zeros(n), np.ones(n)
    cut_early = reached_early = 0
    for _ in range(20):
        A, b = random_cell(rng, n, m, scale=0.5)
        b = b + A @ np.full(n, 0.5)                     # the cell around the box's centre
        c = rng.normal(size=n)
        ref = highs_max(A, b, c, lo, hi)
        _, _, _, _, full = dense_lp.dual_simplex(A, b, c, lo, hi, 1e-9, 50 + 4 * (m + n),
                                                 -np.inf, dense_lp.NO_POINT, np.inf)
        for cutoff in (ref + 0.5 * abs(ref) + 1e-3, ref - 0.1 * abs(ref) - 1e-3):
            st, v, _, bound, it = dense_lp.dual_simplex(A, b, c, lo, hi, 1e-9, 50 + 4 * (m + n),
                                                        cutoff, dense_lp.NO_POINT, np.inf)
            if st == dense_lp.CUTOFF:
                assert ref <= bound + 1e-12 * (1 + abs(ref)) and bound < cutoff
                cut_early += it < full
            else:
                assert st == dense_lp.OPTIMAL
        w = np.full(n, 0.5)                             # interior: the cell's rows hold it
        assert np.all(A @ w - b > 0)
        for frac in (0.2, 0.6, 0.95):
            target = c @ w + frac * (ref - c @ w)
            st, v, y, bound, it = dense_lp.dual_simplex(A, b, c, lo, hi, 1e-9, 50 + 4 * (m + n),
                                                        -np.inf, w, target)
            assert st in (dense_lp.OPTIMAL, dense_lp.REACHED)
            if st == dense_lp.REACHED:
                assert c @ y > target and np.all(A @ y - b >= -1e-9 * (1 + np.abs(b)))
                assert np.all(y >= lo) and np.all(y <= hi) and bound == np.inf
                reached_early += it < full
    assert cut_early > 0 and reached_early > 0


@pytest.mark.parametrize("n,rank,new", [(6, 6, 1), (64, 8, 1), (784, 8, 1), (784, 8, 4)])
def test_warm_start_from_an_ancestor_basis(n, rank, new):
    """Issue 32. The basis a support LP ends with (OPTIMAL, or REACHED part way), handed to the
    same LP on a child cell (the parent's rows first, ``new`` rows after them, which cut the
    parent's maximiser off): the same maximum
    as HiGHS and as a cold start, a bound above it, and fewer iterations than cold in total.
    Rows and objective in the row space of a rank-``rank`` matrix, as at 784 inputs."""
    rng = np.random.default_rng(n + new)
    lo, hi = np.zeros(n), np.ones(n)
    cold = warm = reached = 0
    for _ in range(12):
        W1 = rng.normal(size=(rank, n))
        m0 = 10
        A = rng.normal(size=(m0 + new, rank)) @ W1
        A /= np.linalg.norm(A, axis=1)[:, None]
        centre = np.full(n, 0.5)
        b = A @ centre - rng.uniform(0.05, 2.0, size=m0 + new)   # the centre inside every row
        c = rng.normal(size=rank) @ W1
        x0 = linprog(-c, A_ub=-A[:m0], b_ub=-b[:m0], bounds=list(zip(lo, hi)), method="highs").x
        for i in range(m0, m0 + new):          # the new rows cut the parent's maximiser off
            if A[i] @ x0 > A[i] @ centre:
                A[i] = -A[i]
            b[i] = (A[i] @ x0 + A[i] @ centre) / 2
        ref = highs_max(A, b, c, lo, hi)
        for target in (np.inf, c @ centre + 0.3 * (highs_max(A[:m0], b[:m0], c, lo, hi) - c @ centre)):
            keep = (np.empty(m0, np.int64), np.empty((m0, m0)), np.empty(n))
            st, *_ = dense_lp.dual_simplex(A[:m0], b[:m0], c, lo, hi, 1e-9, 5000, -np.inf,
                                           centre, target, *dense_lp.NO_WARM, *keep)
            assert st in (dense_lp.OPTIMAL, dense_lp.REACHED)
            reached += st == dense_lp.REACHED
            assert set(keep[0]) <= set(range(n + m0)) and np.all(keep[2][keep[0][keep[0] < n]] == 0)
            st_c, v_c, _, bound_c, it_c = dense_lp.dual_simplex(A, b, c, lo, hi, 1e-9, 5000)
            st_w, v_w, x_w, bound_w, it_w = dense_lp.dual_simplex(A, b, c, lo, hi, 1e-9, 5000,
                                                                  -np.inf, dense_lp.NO_POINT,
                                                                  np.inf, *keep, *dense_lp.NO_WARM)
            assert st_c == st_w == dense_lp.OPTIMAL
            tol = 1e-9 * (1 + abs(ref))
            assert abs(v_w - ref) <= tol and abs(v_c - ref) <= tol
            assert ref <= bound_w <= ref + tol
            assert np.all(A @ x_w - b >= -1e-9) and np.all(x_w >= lo) and np.all(x_w <= hi)
            cold += it_c
            warm += it_w
    assert reached > 0 and warm < cold


def test_dual_simplex_on_degenerate_cells():
    """Many rows through one vertex, repeated rows, rows on the box's faces, a fixed variable."""
    rng = np.random.default_rng(7)
    n = 6
    lo, hi = -np.ones(n), np.ones(n)
    A = rng.normal(size=(10, n))
    A /= np.linalg.norm(A, axis=1)[:, None]
    b = A @ np.full(n, 0.3)          # every row through (0.3, ..., 0.3)
    A = np.vstack([A, A[:3], np.eye(n)[:2]])
    b = np.concatenate([b, b[:3], lo[:2]])
    lo2, hi2 = lo.copy(), hi.copy()
    lo2[5] = hi2[5] = 0.25
    solved = 0
    for lo_, hi_ in ((lo, hi), (lo2, hi2)):
        for _ in range(20):
            sign = np.where(rng.random(10) < 0.5, 1.0, -1.0)
            As = np.vstack([A[:10] * sign[:, None], A[10:]])
            bs = np.concatenate([b[:10] * sign, b[10:]])
            c = rng.normal(size=n)
            try:
                ref = highs_max(As, bs, c, lo_, hi_)
            except AssertionError:      # this sign choice leaves the cell empty
                continue
            status, v, _, bound, _ = dense_lp.dual_simplex(As, bs, c, lo_, hi_, 1e-9, 200)
            if status == dense_lp.OPTIMAL:
                solved += 1
                assert bound >= ref - 1e-12 * (1 + abs(ref))
                assert abs(v - ref) <= 1e-8 * (1 + abs(ref))
    assert solved >= 20         # the kernel solves most of them (the rest go to the LP solver)


def test_an_empty_cell_and_the_iteration_cap_are_failures_not_values():
    A = np.array([[1.0, 0.0], [-1.0, 0.0]])
    b = np.array([0.5, 0.2])          # x >= 0.5 and x <= -0.2
    status, *_ = dense_lp.dual_simplex(A, b, np.ones(2), -np.ones(2), np.ones(2), 1e-9, 100)
    assert status == dense_lp.NO_PIVOT
    rng = np.random.default_rng(3)
    A, b = random_cell(rng, 20, 15)
    status, *_ = dense_lp.dual_simplex(A, b, rng.normal(size=20), -np.ones(20), np.ones(20), 1e-9, 1)
    assert status == dense_lp.ITERATIONS


def test_rows_pushed_popped_and_turned_round_match_a_fresh_solver():
    """DenseSupportLP keeps the inner LP's rows up to date only when it needs it: after any
    sequence of push / pop / replace_top, its Chebyshev centre, probe and support values equal
    those of a fresh GLPK problem holding the same rows."""
    rng = np.random.default_rng(11)
    n = 5
    lo, hi = -np.ones(n), np.ones(n)
    lp = dense_lp.DenseSupportLP(lo, hi, make_margin_lp(lo, hi, "glpk"))
    rows = []
    for step in range(60):
        op = rng.integers(3) if rows else 0
        r = rng.normal(size=n)
        r /= np.linalg.norm(r)
        rhs = -abs(rng.normal()) * 0.3
        if op == 0 and len(rows) < 12:
            lp.push(r, rhs)
            rows.append((r, rhs))
        elif op == 1 and rows:
            lp.pop()
            rows.pop()
        elif rows:
            lp.replace_top(r, rhs)
            rows[-1] = (r, rhs)
        fresh = make_margin_lp(lo, hi, "glpk")
        for rr, bb in rows:
            fresh.push(rr, bb)
        c = rng.normal(size=n)
        v, _, bound = lp.support_bound(c)
        assert abs(v - fresh.support(c)[0]) <= 1e-9 and bound >= v - 1e-12
        if step % 3 == 0:
            assert abs(lp.chebyshev()[0] - fresh.chebyshev()[0]) <= 1e-9
            t1, _ = lp.probe(r, -0.1, 1e-7)
            t2, _ = fresh.probe(r, -0.1, 1e-7)
            assert abs(t1 - t2) <= 1e-9


def both(net, **kw):
    fast = count_regions(net, "lp", kernel="numba", **kw)
    slow = count_regions(net, "lp", kernel="numpy", **kw)
    n = fast.activation_regions
    assert n == slow.activation_regions
    assert np.array_equal(fast.regions.bits_block(0, n), slow.regions.bits_block(0, n)), \
        "patterns differ (or their order)"
    assert fast.stats["dense_lps"] > 0 or net.num_relu == 0
    return fast


@pytest.mark.parametrize("row", sorted(ROWS))
def test_oracle_rows(row):
    builder, a_full = ROWS[row][0], ROWS[row][1]
    assert both(builder()).activation_regions == a_full


@pytest.mark.parametrize("name", MODELS)
def test_shipped_models(name):
    both(read_network(MODELS_DIR / name))


@pytest.mark.parametrize("make", [lambda: random_mlp([3, 8, 8], 1), lambda: random_mlp([9, 8, 8], 2),
                                  lambda: random_mlp([12, 10, 6], 5), lambda: random_ternary_mlp([4, 6, 6], 4),
                                  lambda: random_maxout([3, 5, 5], 3, 5), lambda: montufar(2, 3, 3),
                                  lambda: ternary(2, 2, 3)],
                         ids=["3-8-8", "9-8-8", "12-10-6", "ternary 4-6-6", "maxout 3-5-5", "montufar 2,3,3",
                              "ternary construction"])
def test_random_and_degenerate_nets(make):
    net = make()
    fast = both(net)
    for region in list(fast.regions)[:40]:
        assert region.margin > 0 and strictly_inside(net, region)


def test_wide_inputs_like_mnist():
    """Issue 32: 200 inputs on [0, 1]^200 (the kernel's bucketed long step, the early stops, the
    warm starts from an ancestor's basis and the box margins read off lo/hi all at work): the
    same regions in the same order as the engine with GLPK's support LPs, every region's point
    strictly inside."""
    net = random_mlp([200, 5, 6], 11)
    net.domain.lower[:] = 0.0
    net.domain.upper[:] = 1.0
    fast = both(net)
    assert fast.stats["dense_cutoffs"] > 0 and fast.stats["dense_reached"] > 0
    assert 0 < fast.stats["warm_lps"] < fast.stats["dense_lps"]
    for region in list(fast.regions)[::20]:      # the exact check costs ~40 ms at 200 inputs
        assert region.margin > 0 and strictly_inside(net, region)


def test_an_anisotropic_box_searched_in_box_coordinates():
    """Sides of very different lengths: the lp engine searches in u of [-1, 1]^n0 (lp.ANISOTROPY)."""
    net = random_mlp([4, 8, 8], 6)
    net.domain.lower[:] = [-1000.0, -1.0, -0.01, 0.0]
    net.domain.upper[:] = [1000.0, 1.0, 0.01, 5.0]
    both(net)


def test_a_lying_kernel_cannot_change_a_count(monkeypatch):
    """The engine trusts only the checked bound (for 'no cut') and its own interior points (for
    'cut'): a kernel whose values are nonsense makes it slower, not wrong."""
    net = random_mlp([5, 8, 8], 3)
    ref = count_regions(net, "lp", kernel="numpy")
    real = dense_lp.dual_simplex

    def lying(A, b, c, lo, hi, tol, max_iter, *cutoff):
        status, v, _, bound, it = real(A, b, c, lo, hi, tol, max_iter, *cutoff)
        return status, -v - 1.0, lo.copy(), bound, it      # a wrong value and a corner of the box
    monkeypatch.setattr(dense_lp, "dual_simplex", lying)
    res = count_regions(net, "lp", kernel="numba")
    n = ref.activation_regions
    assert res.activation_regions == n
    assert sorted(map(bytes, res.regions.bits_block(0, n))) == sorted(map(bytes, ref.regions.bits_block(0, n)))


def test_a_kernel_that_gives_up_hands_the_lp_to_the_solver(monkeypatch):
    net = random_mlp([5, 8, 8], 3)
    ref = count_regions(net, "lp", kernel="numpy")
    monkeypatch.setattr(dense_lp, "dual_simplex",
                        lambda A, b, c, lo, hi, tol, it, *cutoff: (dense_lp.ITERATIONS, 0.0, lo.copy(), np.inf, it))
    res = count_regions(net, "lp", kernel="numba")
    assert res.stats["dense_handed"] == res.stats["dense_lps"] - res.stats["shrunk_lps"] > 0
    n = ref.activation_regions
    assert res.activation_regions == n
    assert np.array_equal(res.regions.bits_block(0, n), ref.regions.bits_block(0, n))


@pytest.mark.parametrize("warm", [False, True])
def test_support_over_the_shrunk_cell(warm):
    """support_shrunk(c, tau) maximises over the points of margin >= tau: on the triangle
    x >= 0, y >= 0, x + y <= 1 in [-1, 1]^2 (inradius 1 - 1/sqrt 2 = 0.2929) the maximiser of x
    with tau = 0.1 is (1 - 0.1 (1 + sqrt 2), 0.1); tau above the inradius leaves nothing. Warm:
    after the support LP of the same objective, whose basis it starts from."""
    lo, hi = -np.ones(2), np.ones(2)
    lp = dense_lp.DenseSupportLP(lo, hi, make_margin_lp(lo, hi, "glpk"))
    lp.push(np.array([1.0, 0.0]), 0.0)
    lp.push(np.array([0.0, 1.0]), 0.0)
    lp.push(-np.array([1.0, 1.0]) / np.sqrt(2), -1 / np.sqrt(2))
    if warm:
        assert lp.support_bound(np.array([1.0, 0.0]))[0] == pytest.approx(1.0)
        assert lp.kept is not None
    x = lp.support_shrunk(np.array([1.0, 0.0]), 0.1)
    assert np.allclose(x, [1 - 0.1 * (1 + np.sqrt(2)), 0.1])
    assert lp.margin(x) == pytest.approx(0.1)
    assert lp.support_shrunk(np.array([1.0, 0.0]), 0.29) is not None
    assert lp.support_shrunk(np.array([1.0, 0.0]), 0.30) is None


def test_shrunk_support_warm_equals_cold_at_784_inputs():
    """The shrunk support LP started from the support LP's basis (784 inputs, rows of rank 8 as
    on MNIST) reaches the same maximum as from a cold start, in fewer iterations."""
    rng = np.random.default_rng(3)
    n, lo, hi = 784, np.zeros(784), np.ones(784)
    W1 = rng.normal(size=(8, n))
    cold = warm = 0
    for _ in range(8):
        lps = [dense_lp.DenseSupportLP(lo, hi, make_margin_lp(lo, hi, "glpk")) for _ in range(2)]
        rows = rng.normal(size=(12, 8)) @ W1
        for r in rows / np.linalg.norm(rows, axis=1)[:, None]:
            rhs = float(r @ np.full(n, 0.5)) - rng.uniform(0.05, 1.0)
            for lp in lps:
                lp.push(r, rhs)
        c = rng.normal(size=8) @ W1
        lps[1].support_bound(c)
        it0 = [lp.iterations for lp in lps]
        xs = [lp.support_shrunk(c, 0.02) for lp in lps]
        assert xs[0] is not None and xs[1] is not None
        assert abs(c @ xs[0] - c @ xs[1]) <= 1e-9 * (1 + abs(c @ xs[0]))
        assert min(lps[1].margin(xs[1]), lps[0].margin(xs[0])) >= 0.02 - 1e-9
        cold += lps[0].iterations - it0[0]
        warm += lps[1].iterations - it0[1]
    assert warm < cold


def test_compiled_margins_equal_numpy():
    """Issue 32: DenseSupportLP.margin / margins (lp/margins_kernel.py) against RowMargins' numpy
    formulas, with no cut, with cuts, for one point and several, on the box [0, 1]^784."""
    from mip_regions.engines.lp.margin import RowMargins
    rng = np.random.default_rng(5)
    n = 784
    lo, hi = np.zeros(n), np.ones(n)
    lp = dense_lp.DenseSupportLP(lo, hi, make_margin_lp(lo, hi, "auto"))
    X = rng.uniform(0.01, 0.99, size=(5, n))
    for m in (0, 1, 16):
        while lp.used - lp.first < m:
            r = rng.normal(size=n)
            r /= np.linalg.norm(r)
            lp.push(r, float(r @ X[0]) - 1e-3)     # X[0] 1e-3 inside: nearer than the box
        ref = RowMargins.margins(lp, X)
        assert np.allclose(lp.margins(X), ref, rtol=1e-12, atol=1e-12)
        assert abs(lp.margin(X[2]) - RowMargins.margin(lp, X[2])) <= 1e-12
        assert (m == 0) == (ref[0] > 2e-3)       # the cuts count (box margin >= 0.01)


def test_warm_bases_restore_and_budget():
    """lp/warm_bases.py: a cell's bases go when the search leaves it and what they replaced comes
    back; bases beyond the byte budget are not kept, and the bytes held return to 0."""
    from mip_regions.engines.lp.warm_bases import WarmBases
    state = (np.zeros(4, np.int64), np.zeros((4, 4)), np.zeros(10))     # 32 + 128 + 80 bytes
    bases = WarmBases(budget=500)
    bases.enter()
    bases.keep("a", state)
    bases.enter()
    other = tuple(a.copy() for a in state)
    bases.keep("a", other)
    assert bases.get("a") is other and bases.used == 480
    bases.keep("b", state)                  # a third would pass 500 bytes: not kept
    assert bases.get("b") is None and bases.skipped == 1
    bases.leave()
    assert bases.get("a") is state and bases.used == 240
    bases.leave()
    assert bases.get("a") is None and bases.used == 0

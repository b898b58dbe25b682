"""engines/vertex/polytope.py against brute-force vertex enumeration (every d-subset of constraints)."""

from itertools import combinations

import numpy as np
import pytest

from mip_regions.engines.vertex.polytope import box, crossing_edges, split, tight_sets


def brute_vertices(rows, d):
    """Vertices of {x : A x + b >= 0} by solving every d-subset of rows and keeping the feasible
    solutions: the independent oracle (exponential, fine for a handful of rows)."""
    A = np.array([r[0] for r in rows], float)
    b = np.array([r[1] for r in rows], float)
    found = []
    for S in combinations(range(len(rows)), d):
        M = A[list(S)]
        if abs(np.linalg.det(M)) < 1e-9:
            continue
        x = np.linalg.solve(M, -b[list(S)])
        if (A @ x + b >= -1e-9).all() and not any(np.allclose(x, y, atol=1e-9) for y in found):
            found.append(x)
    return np.array(found)


def box_rows(d):
    rows = []
    for k in range(d):
        e = np.eye(d)[k]
        rows += [(e, 0.0), (-e, 1.0)]   # x_k >= 0, x_k <= 1
    return rows


def same_points(P, Q):
    return len(P) == len(Q) and all(np.isclose(Q, p, atol=1e-9).all(axis=1).any() for p in P)


def test_box_corners_and_tight_sets():
    P = box([0, 0, 0], [1, 1, 1], slots=2)
    assert P.V.shape == (8, 3) and P.T.shape == (8, 1)
    assert (P.tight == 3).all()
    # corner (0, 1, 0) is tight at faces x1 = 0 (0), x2 = 1 (3), x3 = 0 (4)
    k = int(np.flatnonzero((P.V == [0, 1, 0]).all(axis=1))[0])
    assert tight_sets(P)[k] == [0, 3, 4]
    assert box([0] * 3, [1] * 3, slots=60).T.shape == (8, 2)   # 66 constraints: two words


def test_cube_cut_through_the_middle_gives_a_hexagon():
    P = box([0, 0, 0], [1, 1, 1], slots=1)
    r = np.ones(3) / np.sqrt(3)
    plus, minus = split(P, P.V @ r - 1.5 / np.sqrt(3), 6, 1e-9)
    assert len(plus.V) == len(minus.V) == 4 + 6   # 4 corners + the hexagon's 6 vertices
    assert np.allclose(np.sort(minus.V.sum(axis=1))[-6:], 1.5)


def test_degenerate_cut_through_three_corners():
    # x1 + x2 + x3 = 1 passes through (1,0,0), (0,1,0), (0,0,1): no new vertex at all
    P = box([0, 0, 0], [1, 1, 1], slots=2)
    g = (P.V.sum(axis=1) - 1) / np.sqrt(3)
    plus, minus = split(P, g, 6, 1e-9)
    assert len(minus.V) == 4 and len(plus.V) == 7
    assert (minus.tight[minus.V.sum(axis=1) == 1] == 4).all()   # non-simple vertices
    # a second cut through one of those degenerate corners: x1 = x2 on the big piece
    g2 = (plus.V[:, 0] - plus.V[:, 1]) / np.sqrt(2)
    a, b = split(plus, g2, 7, 1e-9)
    rows = box_rows(3) + [(np.ones(3), -1.0)]
    assert same_points(a.V, brute_vertices(rows + [(np.array([1.0, -1, 0]), 0.0)], 3))
    assert same_points(b.V, brute_vertices(rows + [(np.array([-1.0, 1, 0]), 0.0)], 3))


def test_a_plane_that_misses_or_touches_is_not_a_cut():
    P = box([0, 0], [1, 1], slots=1)
    assert split(P, P.V[:, 0] + 1.0, 4, 1e-9) == (True, None)
    assert split(P, P.V[:, 0] - 1.0, 4, 1e-9) == (False, None)   # touches the face x1 = 1 only
    assert split(P, 0.0 * P.V[:, 0], 4, 1e-9) == (None, None)


@pytest.mark.parametrize("first_slot", [None, 70])   # 70: the cuts' bits in a second word
@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("d", [2, 3, 4])
def test_random_cut_sequences_match_brute_force(seed, d, first_slot):
    """Integer hyperplanes through the unit cube: many pass through vertices and edges exactly,
    so the degenerate (third-vertex) edge test is exercised; after every cut, both pieces'
    vertex sets must equal the brute-force ones."""
    rng = np.random.default_rng(100 * d + seed)
    P, rows = box(np.zeros(d), np.ones(d), slots=80), box_rows(d)
    slot = 2 * d if first_slot is None else first_slot
    cuts = 0
    for _ in range(200):
        if cuts == 6:
            break
        a = rng.integers(-2, 3, size=d).astype(float)
        if not a.any():
            continue
        c = rng.integers(-8, 9) / 4.0
        n = np.linalg.norm(a)
        out = split(P, (P.V @ a + c) / n, slot, 1e-9)
        if out[1] is None:
            continue
        side = int(rng.integers(2))
        P = out[side]
        s = 1.0 if side == 0 else -1.0
        rows.append((s * a, s * c))
        slot += 1
        cuts += 1
        assert same_points(P.V, brute_vertices(rows, d)), (seed, d, cuts)
        assert [len(s) for s in tight_sets(P)] == P.tight.tolist()
    assert cuts >= 2


def test_crossing_edges_of_a_square():
    P = box([0, 0], [1, 1], slots=0)
    g = P.V[:, 0] - 0.5
    i, j = crossing_edges(P, np.flatnonzero(g > 0), np.flatnonzero(g < 0))
    pairs = {(tuple(P.V[a]), tuple(P.V[b])) for a, b in zip(i, j)}
    assert pairs == {((1.0, 0.0), (0.0, 0.0)), ((1.0, 1.0), (0.0, 1.0))}   # not the diagonals


def test_third_vertex_test_rejects_a_diagonal_of_a_square_face():
    """In 4-D, after the cuts x1 + x2 >= 0, x1 >= 0, x2 >= 0 the first one is redundant but tight
    on the square face x1 = x2 = 0. Two opposite corners of that square then share d - 1 = 3
    tight constraints without being adjacent; the count test alone would put a false vertex at
    the square's centre when x3 + x4 = 0 cuts it."""
    d = 4
    P, rows = box(-np.ones(d), np.ones(d), slots=4), [r for k in range(d) for r in
                                                     [(np.eye(d)[k], 1.0), (-np.eye(d)[k], 1.0)]]
    for slot, a in enumerate([[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]], start=2 * d):
        a = np.array(a, float)
        P = split(P, P.V @ a / np.linalg.norm(a), slot, 1e-9)[0]
        rows.append((a, 0.0))
    a = np.array([0, 0, 1, 1.0])
    plus, minus = split(P, P.V @ a / np.linalg.norm(a), 2 * d + 3, 1e-9)
    assert same_points(plus.V, brute_vertices(rows + [(a, 0.0)], d))
    assert not np.isclose(plus.V, 0.0).all(axis=1).any()   # no point at the square's centre


def test_crossing_edges_in_blocks_equal_the_one_shot_result():
    # a degenerate polytope (cut through vertices) so both the count and third-vertex tests run
    from mip_regions.engines.vertex.polytope import crossing_edges
    P = box([0, 0, 0], [1, 1, 1], 4)
    g = np.array([v[0] + v[1] - 1.0 for v in P.V])
    P, _ = split(P, g, 6, 0.0)
    g = np.array([v[0] - v[2] + 0.3 for v in P.V])       # vertex (0, 1, 1) alone below
    pos, neg = np.flatnonzero(g > 0), np.flatnonzero(g < 0)
    whole = set(zip(*crossing_edges(P, pos, neg)))
    for block in (1, 2, 5, 17):
        assert set(zip(*crossing_edges(P, pos, neg, block=block))) == whole
    assert len(whole) == 3     # (0, 1, 1) has three neighbours in the prism

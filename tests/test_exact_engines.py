"""vertex, lp and exact1d against the oracle table, the MIP engine and exact certificates."""


import numpy as np
import pytest

from mip_regions import EngineError, count_regions
from mip_regions.analysis.certify import certify, check_witness
from mip_regions.nets.constructions import montufar, serra_zigzag, ternary
from mip_regions.nets.random_nets import random_mlp, random_ternary_mlp
from oracle import ROWS


def assert_certified(net, res, mip=True):
    cert = certify(net, res, mip=mip)
    assert cert.passed, cert.checks
    assert cert.checks["existence"].startswith("passed")
    if mip:
        assert cert.checks["completeness"].startswith("passed: ")
    if net.input_dim <= 2:
        assert cert.checks["volumes"].startswith("passed")
    return cert


@pytest.mark.parametrize("row", sorted(ROWS))
@pytest.mark.parametrize("lp_solver", ["glpk", "highs"])
def test_lp_matches_oracle(row, lp_solver):
    build, a_full, *_ = ROWS[row]
    net = build()
    res = count_regions(net, "lp", lp_solver=lp_solver)
    assert res.stats["lp_solver"] == lp_solver
    assert res.complete and res.activation_regions == a_full
    assert res.degenerate_patterns is None  # this engine never sees degenerate patterns
    if net.input_dim <= 2:
        assert_certified(net, res, mip=False)


@pytest.mark.parametrize("row", sorted(ROWS))
def test_vertex_matches_oracle(row):
    build, a_full, *_ = ROWS[row]
    net = build()
    res = count_regions(net, "vertex")
    assert res.complete and res.activation_regions == a_full
    assert res.degenerate_patterns is None
    if net.input_dim <= 2:
        assert_certified(net, res)


@pytest.mark.parametrize("row", sorted(r for r in ROWS if ROWS[r][0]().input_dim == 1))
def test_exact1d_matches_oracle_and_certifies(row):
    build, a_full, *_ = ROWS[row]
    net = build()
    res = count_regions(net, "exact1d")
    assert res.activation_regions == a_full
    assert_certified(net, res)


@pytest.mark.parametrize("depth", [2, 3, 4, 5])
def test_zigzag_attains_prod_n_plus_1(depth):
    assert count_regions(serra_zigzag(depth), "exact1d").activation_regions == 4 ** (depth - 1)
    assert count_regions(serra_zigzag(depth), "lp").activation_regions == 4 ** (depth - 1)
    assert count_regions(serra_zigzag(depth), "vertex").activation_regions == 4 ** (depth - 1)


RANDOM = [("generic", [2, 6, 6], 1), ("generic", [2, 8, 8], 0), ("generic", [3, 5, 5], 2),
          ("ternary", [2, 6, 6], 3), ("ternary", [2, 8, 8], 4), ("ternary", [3, 4, 4], 5),
          ("ternary", [2, 5, 5, 5], 6), ("generic", [1, 6, 6], 7), ("ternary", [1, 6, 6], 8)]


@pytest.mark.parametrize("kind,widths,seed", RANDOM)
def test_engines_agree_with_mip_on_random_networks(kind, widths, seed):
    make = random_mlp if kind == "generic" else random_ternary_mlp
    net = make(widths, seed)
    mip = count_regions(net, "mip")
    lp = count_regions(net, "lp")
    highs = count_regions(net, "lp", lp_solver="highs")
    vertex = count_regions(net, "vertex")
    assert lp.activation_regions == mip.activation_regions == highs.activation_regions == \
        vertex.activation_regions
    # same set of patterns, not just the same number
    assert {r.bits.tobytes() for r in lp.regions} == {r.bits.tobytes() for r in mip.regions} == \
        {r.bits.tobytes() for r in highs.regions} == {r.bits.tobytes() for r in vertex.regions}
    if net.input_dim == 1:
        assert count_regions(net, "exact1d").activation_regions == mip.activation_regions
    if net.input_dim <= 2:
        assert_certified(net, lp)
        assert_certified(net, vertex)


def test_random_ternary_networks_are_degenerate_and_still_agree():
    # ternary nets are full of identically-zero units and coincident hyperplanes
    for seed in range(10, 16):
        net = random_ternary_mlp([2, 6, 6], seed)
        lp, mip, vertex = count_regions(net, "lp"), count_regions(net, "mip"), count_regions(net, "vertex")
        assert lp.activation_regions == mip.activation_regions == vertex.activation_regions
        assert mip.degenerate_patterns > 0  # each of these nets has lower-dimensional strict patterns


def test_certify_detects_a_missing_region_and_a_bad_witness():
    net = montufar(2, 2, 3)
    res = count_regions(net, "lp")
    res.regions = list(res.regions)          # the result's regions are a compact store: edit a copy
    dropped = res.regions.pop()
    cert = certify(net, res)
    assert not cert.passed and "deficit 1/16" in cert.checks["volumes"]
    assert cert.checks["completeness"].startswith("FAILED: the proof MIP found 1 full-dimensional cell")
    assert [r.bits.tobytes() for r in cert.missed] == [dropped.bits.tobytes()]
    assert check_witness(net, dropped.bits, cert.missed[0].exact_witness) is None
    res = count_regions(net, "lp")
    res.regions = list(res.regions)
    res.regions[0].witness = np.array([0.5, 0.5])  # on a fold: units exactly at 0
    cert = certify(net, res)
    assert not cert.passed and cert.bad[0][0] == 0 and cert.checks["existence"].startswith("FAILED")
    assert cert.checks["completeness"].startswith("passed")


def test_sample_is_a_lower_bound_never_a_count():
    net = montufar(2, 3, 3)
    res = count_regions(net, "sample", samples=200, seed=1)
    assert not res.complete and res.activation_regions <= 81
    assert res.to_json()["count_is"] == "lower bound"
    assert "at least" in res.format_human()
    with pytest.raises(EngineError):
        count_regions(net, "sample", tighten="lp")


def test_auto_picks_exact1d_in_1d_vertex_in_low_and_lp_in_high_dimension():
    assert count_regions(ternary(1, 2, 5)).method == "exact1d"
    assert count_regions(ternary(2, 2, 3)).method == "vertex"
    assert count_regions(random_mlp([7, 2], 0)).method == "vertex"
    assert count_regions(random_mlp([8, 2], 0)).method == "lp"
    with pytest.raises(EngineError, match="needs a 1-D input"):
        count_regions(ternary(2, 2, 3), "exact1d")
    with pytest.raises(EngineError, match="n0 = 17 is more than 16"):
        count_regions(random_mlp([17, 2], 0), "vertex")


@pytest.mark.parametrize("widths,seed,regions", [([4, 16, 16], 0, 3286), ([5, 8, 8, 8], 1, 7006),
                                                 ([7, 10, 10], 2, None), ([2, 40, 40], 3, None)])
def test_vertex_and_lp_find_the_same_patterns_on_larger_generic_networks(widths, seed, regions):
    # 5-8-8-8 seed 1 caught GLPK reporting "optimal" for infeasible points after a warm start
    # with a nonbasic free row (margin_lp.GlpkMarginLP.pop): lp then counted 6996, not 7006
    net = random_mlp(widths, seed)
    vertex, lp = count_regions(net, "vertex"), count_regions(net, "lp")
    assert {r.bits.tobytes() for r in vertex.regions} == {r.bits.tobytes() for r in lp.regions}
    assert regions is None or vertex.activation_regions == regions
    assert vertex.activation_regions > 500
    worst = min(r.margin for r in vertex.regions)
    assert worst > 0   # every witness strictly inside its cell


@pytest.mark.parametrize("method", ["lp", "vertex"])
def test_time_limit_gives_lower_bound_and_streams(tmp_path, method):
    out = tmp_path / "r.jsonl"
    res = count_regions(random_mlp([6, 16, 16, 16], 0), method, time_limit=0.3, regions_out=str(out),
                        keep_regions=False)
    assert not res.complete and res.regions is None
    assert len(out.read_text().splitlines()) == res.activation_regions > 0


EDGE = {
    "affine only": (lambda: __import__("mip_regions").network_from_lists(
        [([[1, 2]], [0], "identity")], [0, 0], [1, 1]), 0),
    "dead and constant units": (lambda: __import__("mip_regions").network_from_lists(
        [([[0, 0], [0, 0]], [0, 1], "relu"), ([[1, 1]], [0], "identity")], [0, 0], [1, 1]), 0),
    "identity layers only": (lambda: __import__("mip_regions").network_from_lists(
        [([[1, 0], [0, 1]], [0, 0], "identity"), ([[1, 1]], [0], "identity")], [-1, -1], [1, 1]), 0),
    # the hyperplane x = 0 lies on the domain's face: one degenerate pattern (REFERENCE row 55)
    "hyperplane on the boundary": (lambda: __import__("mip_regions").network_from_lists(
        [([[1]], [0], "relu"), ([[1]], [0], "identity")], [0], [1]), 1),
    "unit dead on the domain": (lambda: __import__("mip_regions").network_from_lists(
        [([[1]], [0], "relu"), ([[1]], [0], "identity")], [-1], [0]), 0),
}


@pytest.mark.parametrize("case", sorted(EDGE))
def test_one_region_edge_cases_in_every_engine(case):
    build, degenerate = EDGE[case]
    net = build()
    for method in ["vertex", "lp", "mip"] + (["exact1d"] if net.input_dim == 1 else []):
        res = count_regions(net, method, linear=True)
        assert (res.activation_regions, res.linear_regions, res.affine_maps) == (1, 1, 1), method
    assert count_regions(net, "mip").degenerate_patterns == degenerate


def test_certify_completeness_in_three_dimensions():
    net = random_mlp([3, 6, 6], 1)
    res = count_regions(net)
    assert res.method == "vertex"
    assert_certified(net, count_regions(net, "lp"))
    assert_certified(net, res)
    dropped = res.regions.pop()
    cert = certify(net, res)
    assert not cert.passed and [r.bits.tobytes() for r in cert.missed] == [dropped.bits.tobytes()]


def _wedge(angle):
    # two lines through the origin at a small angle: two thin wedges in [-1, 1]^2
    from mip_regions import network_from_lists
    return network_from_lists([([[0, 1], [-angle, 1]], [0, 0], "relu"), ([[1, 1]], [0], "identity")],
                              [-1, -1], [1, 1])


@pytest.mark.parametrize("angle", [3e-7, 5e-8, 1e-12, 2.0 ** -60])
def test_thin_wedges_are_counted_exactly_by_every_engine(angle):
    # two lines through the origin at a small angle: four cells, two of them wedges whose width
    # at the mouth is the angle. Above the float band the floats decide; below it the exact path
    # does. Every engine counts 4 and the exact certificates prove all four.
    net = _wedge(angle)
    for method in ("vertex", "lp", "exact", "mip"):
        res = count_regions(net, method, keep_regions=True)
        assert res.activation_regions == 4, method
        assert_certified(net, res)
    assert count_regions(net, "vertex").stats.get("exact_decisions", 0) == (0 if angle > 1e-8 else 2)

"""Exact on every network (issue 13): float networks counted as the rationals they are, scale
invariance, slivers below float resolution, near-coincident hyperplanes, exact affine-map
comparison, and the certificate catching a planted miss. Oracles: the exact rational engine
(``exact``), exact 1-D breakpoints (``exact1d``), exact cell volumes (``certify``, n0 <= 2), closed
forms, and scipy's LP for the exact simplex."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from mip_regions import count_regions, network_from_lists
from mip_regions.analysis.certify import certify
from mip_regions.cli import main
from mip_regions.engines.exact.simplex import max_margin
from mip_regions.io.netfile import dumps_network
from mip_regions.nets.random_nets import random_mlp

ENGINES = {1: ["exact1d", "vertex", "lp", "mip", "exact"], 2: ["vertex", "lp", "mip", "exact"],
           3: ["vertex", "lp", "mip", "exact"], 4: ["vertex", "lp", "mip", "exact"]}


def three_counts(net, method):
    r = count_regions(net, method, linear=True)
    assert r.complete
    return r.activation_regions, r.linear_regions, r.affine_maps


def sliver_1d():
    return network_from_lists([([[1], [1]], [-0.3, -0.30000000000000004], "relu"), ([[1, 1]], [0], "identity")],
                              [0], [1], name="sliver 1-D")


def sliver_2d():
    return network_from_lists([([[1, 1], [1, 1], [1, -1]], [-0.3, -0.30000000000000004, 0], "relu"),
                               ([[1, 1, 1]], [0], "identity")], [-1, -1], [1, 1], name="sliver 2-D")


def test_float_numbers_are_their_exact_binary_rationals():
    net = sliver_1d()
    assert not net.is_exact       # written with floats ...
    (W, b), _ = net.rational_layers()
    assert b == (-Fraction(0.3), -Fraction(0.30000000000000004))   # ... counted as these rationals
    assert b[0] - b[1] == Fraction(1, 2 ** 54)


@pytest.mark.parametrize("method", ["auto", "exact1d", "vertex", "lp", "mip", "exact"])
def test_one_dimensional_sliver_has_three_regions_and_three_maps(method):
    # slopes 0, 1 and 2 on [0, .3], the 2^-54-wide sliver, and the rest: 3, 3 and 3
    assert three_counts(sliver_1d(), method) == (3, 3, 3)


@pytest.mark.parametrize("method", ["auto", "vertex", "lp", "mip", "exact"])
def test_two_dimensional_sliver_has_six_regions(method):
    assert three_counts(sliver_2d(), method)[0] == 6


@pytest.mark.parametrize("net", [sliver_1d(), sliver_2d()], ids=["1d", "2d"])
def test_certify_passes_on_the_slivers(net, tmp_path, capsys):
    path = tmp_path / "net.json"
    path.write_text(dumps_network(net))
    assert main(["count", str(path), "--certify", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["certified"] is True and doc["activation_regions"] == (3 if net.input_dim == 1 else 6)
    assert doc["checks"]["completeness"].startswith("passed: the MIP")
    assert doc["checks"]["volumes"].startswith("passed")


def rescaled(net, s):
    """Layer l (from 0): weights times s, biases times s^(l+1). No pattern changes."""
    return network_from_lists([((layer.weights * s).tolist(), (layer.bias * s ** (l + 1)).tolist(), layer.activation)
                               for l, layer in enumerate(net.layers)],
                              net.domain.lower.tolist(), net.domain.upper.tolist())


def with_constant_unit(net, bias):
    """One more first-layer unit, always active (bias ``bias``), with output weight 0."""
    layers = [(layer.weights.tolist(), layer.bias.tolist(), layer.activation) for layer in net.layers]
    W, b, a = layers[0]
    layers[0] = (W + [[0.0] * net.input_dim], b + [bias], a)
    W1, b1, a1 = layers[1]
    layers[1] = ([row + [0.0] for row in W1], b1, a1)
    return network_from_lists(layers, net.domain.lower.tolist(), net.domain.upper.tolist())


SCALED = {1: random_mlp([1, 4, 4], 3), 2: random_mlp([2, 4, 4], 1), 4: random_mlp([4, 4, 4], 0)}
REFERENCE = {}


def reference(n0):
    if n0 not in REFERENCE:
        REFERENCE[n0] = three_counts(SCALED[n0], "exact")
    return REFERENCE[n0]


def test_scaled_nets_are_not_trivial():
    assert [reference(n0)[0] for n0 in (1, 2, 4)] == [7, 20, 52]


@pytest.mark.parametrize("n0", [1, 2, 4])
@pytest.mark.parametrize("s", [1e-8, 1e-4, 1.0, 1e4, 1e8])
def test_counts_are_invariant_under_layer_rescaling(n0, s):
    net = rescaled(SCALED[n0], s)
    for method in ENGINES[n0]:
        assert three_counts(net, method) == reference(n0), (method, s)


@pytest.mark.parametrize("n0", [1, 2, 4])
@pytest.mark.parametrize("bias", [1e12, 1e13, 1e15])
def test_a_huge_always_active_unit_changes_nothing(n0, bias):
    net = with_constant_unit(SCALED[n0], bias)
    for method in ENGINES[n0]:
        if method == "exact" and n0 == 4:
            continue
        assert three_counts(net, method) == reference(n0), (method, bias)


def near_degenerate(n0, seed, delta):
    """A random float net whose first layer has pairs of hyperplanes at distance ~delta
    (near-coincident) and at angle ~delta (near-parallel), on [-1, 1]^n0."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((3, n0))
    b = rng.standard_normal(3) * 0.3
    W1 = np.vstack([W, W[0], W[1] + delta * rng.standard_normal(n0), W[2]])
    b1 = np.concatenate([b, [b[0] + delta, b[1], b[2] - delta * 0.5]])
    W2 = rng.standard_normal((4, 6))
    b2 = rng.standard_normal(4) * 0.3
    out = rng.standard_normal((1, 4))
    return network_from_lists([(W1.tolist(), b1.tolist(), "relu"), (W2.tolist(), b2.tolist(), "relu"),
                               (out.tolist(), [0.0], "identity")], [-1] * n0, [1] * n0,
                              name=f"near-degenerate n0={n0} seed={seed} delta={delta:g}")


@pytest.mark.parametrize("n0", [2, 3])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("delta", [1e-9, 1e-12, 1e-15])
def test_near_coincident_and_near_parallel_hyperplanes(n0, seed, delta):
    net = near_degenerate(n0, seed, delta)
    ref = count_regions(net, "exact", keep_regions=True)
    patterns = {r.bits.tobytes() for r in ref.regions}
    for method in ("vertex", "lp") + (("mip",) if seed == 0 else ()):
        res = count_regions(net, method, keep_regions=True)
        assert {r.bits.tobytes() for r in res.regions} == patterns, method
        if method != "mip":       # the pairs are below the float band: slivers, decided exactly
            assert res.stats["slivers"] > 0 and res.stats["exact_subtrees"] > 0, method
    cert = certify(net, count_regions(net, "auto", keep_regions=True), mip=(seed == 0))
    assert cert.checks["existence"].startswith("passed")
    assert cert.passed or (n0 > 2 and seed != 0), cert.checks   # n0 > 2 needs the MIP proof
    if n0 == 2:
        assert cert.checks["volumes"].startswith("passed")    # the exact-rational reference agrees


@pytest.mark.parametrize("n0", [1, 2])
def test_maps_that_are_multiples_of_each_other_are_different_maps(n0):
    # F = 2 relu(x1) - relu(-x1): gradient [2, 0] for x1 > 0 and [1, 0] for x1 < 0. A key that
    # divides each map by its largest entry would see one map; exactly there are two.
    first = [[1.0] + [0.0] * (n0 - 1), [-1.0] + [0.0] * (n0 - 1)]
    net = network_from_lists([(first, [0.0, 0.0], "relu"), ([[2.0, -1.0]], [0.0], "identity")],
                             [-1.0] * n0, [1.0] * n0)
    for method in ENGINES[n0]:
        assert three_counts(net, method) == (2, 2, 2), method


@pytest.mark.parametrize("n0", [1, 2, 4])
def test_a_planted_miss_is_caught_and_reported_with_exit_status_3(n0, tmp_path, capsys, monkeypatch):
    net = {1: SCALED[1], 2: SCALED[2], 4: SCALED[4]}[n0]
    path = tmp_path / "net.json"
    path.write_text(dumps_network(net))
    import mip_regions.cli.count as cli_count
    real = cli_count.count_regions

    def drop_one(*args, **kwargs):
        res = real(*args, **kwargs)
        res.regions = list(res.regions)        # a compact store: edit a copy
        res.regions.pop(len(res.regions) // 2)
        res.activation_regions -= 1
        return res

    monkeypatch.setattr(cli_count, "count_regions", drop_one)
    full = reference(n0)[0]
    assert main(["count", str(path), "--certify"]) == 3
    out = capsys.readouterr().out
    assert f"activation regions   {full - 1}   (full-dimensional cells; NOT certified" in out
    assert "FAILED: the proof MIP found 1 full-dimensional cell(s)" in out
    assert out.count("missed region        pattern ") == 1
    assert main(["count", str(path), "--certify", "--repair", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["activation_regions"] == full and doc["certified"] is True
    assert any(k.startswith("before repair: completeness") for k in doc["checks"])


def test_exact_simplex_agrees_with_scipy_on_random_lps():
    from scipy.optimize import linprog
    rng = np.random.default_rng(0)
    for _ in range(150):
        n = int(rng.integers(1, 4))
        m = int(rng.integers(0, 7))
        rows = [(rng.integers(-3, 4, n).tolist(), int(rng.integers(-3, 4))) for _ in range(m)]
        margins = rng.integers(0, 2, m).tolist()
        box_margin = bool(rng.integers(0, 2))
        res = max_margin(rows, [-1] * n, [1] * n, margins=margins, box_margin=box_margin)
        A, b = [], []
        for (a, c), mj in zip(rows, margins):
            s = max(abs(v) for v in a) or 1
            A.append([-v / s for v in a] + [mj]); b.append(c / s)
        for k in range(n):
            for sign in (1, -1):
                e = [0.0] * (n + 1)
                e[k], e[n] = -sign, float(box_margin)
                A.append(e); b.append(1.0)
        A.append([0.0] * n + [1.0]); b.append(1.0)
        sp = linprog([0.0] * n + [-1.0], A_ub=A, b_ub=b, bounds=[(None, None)] * (n + 1))
        # only the sign of t* decides anything; where t* < 0 the two formulations differ (the box
        # rows with margin let x leave the box), so values are compared where t* >= 0
        if sp.status == 2 or -sp.fun < -1e-9:
            assert res.t < 0, (rows, margins)
        else:
            assert abs(-sp.fun - float(res.t)) < 1e-9, (rows, margins)


@pytest.mark.parametrize("a", [1e-6, 1e6])
def test_counts_are_invariant_under_rescaling_the_input_box(a):
    # x' = a x: the box times a, the first layer's weights divided by a; no pattern changes
    base = SCALED[2]
    layers = [(layer.weights.tolist(), layer.bias.tolist(), layer.activation) for layer in base.layers]
    W, b, act = layers[0]
    layers[0] = ((np.asarray(W) / a).tolist(), b, act)
    net = network_from_lists(layers, (base.domain.lower * a).tolist(), (base.domain.upper * a).tolist())
    for method in ENGINES[2]:
        assert three_counts(net, method) == reference(2), method


@pytest.mark.parametrize("seed", range(3))
def test_very_anisotropic_boxes_count_the_same_and_give_exact_witnesses(seed):
    """ACAS-like raw boxes (sides 2e4 and 2e-3): lp searches in box coordinates; counts equal the
    vertex engine's and the unit-box twin's (the input scaled exactly by powers of two), and every
    witness is strictly inside its cell in exact arithmetic, with its margin in x units."""
    from mip_regions.analysis.certify import check_witness
    from mip_regions.nets.random_nets import random_mlp
    base = random_mlp([3, 8, 8], seed)
    s = [2.0 ** 14, 2.0 ** -10, 1.0]                   # x_j = s_j u_j, u in [-1, 1]^3
    W0 = base.layers[0].weights / np.array(s)          # exact: powers of two
    layers = [(W0.tolist(), base.layers[0].bias.tolist(), "relu")] + \
        [(l.weights.tolist(), l.bias.tolist(), l.activation) for l in base.layers[1:]]
    net = network_from_lists(layers, [-v for v in s], s)
    lp, vx = count_regions(net, "lp"), count_regions(net, "vertex")
    assert lp.activation_regions == vx.activation_regions == count_regions(base, "lp").activation_regions
    assert lp.stats.get("exact_decisions", 0) == 0
    for r in lp.regions:
        assert check_witness(net, r.bits, [Fraction(float(v)) for v in r.witness]) is None
        assert 0 < r.margin <= 2.0 ** -10


@pytest.mark.parametrize("switch", [0, 3, 1000])
def test_exact_simplex_pivot_rules_agree_on_degenerate_lps(switch, monkeypatch):
    """Dantzig's rule, switched to Bland's after ``switch`` degenerate pivots in a row (0: Bland
    after the first, 1000: never in practice), gives the same optimum t* on degenerate LPs: many
    rows through one point, repeated rows, rows on box faces."""
    import mip_regions.engines.exact.simplex as el
    from fractions import Fraction
    rng = np.random.default_rng(switch)
    monkeypatch.setattr(el, "DEGENERATE_PIVOTS", switch)
    for _ in range(40):
        n = int(rng.integers(2, 5))
        p = [Fraction(int(v), 4) for v in rng.integers(-2, 3, n)]        # every row through p
        rows = []
        for _ in range(int(rng.integers(3, 9))):
            a = [int(v) for v in rng.integers(-2, 3, n)]
            rows.append((a, -sum(ai * pi for ai, pi in zip(a, p))))
        rows += rows[:2] + [([1] + [0] * (n - 1), 1)]                     # repeats, a box face
        fast = el.max_margin(rows, [-1] * n, [1] * n)
        monkeypatch.setattr(el, "DEGENERATE_PIVOTS", -1)                  # Bland's rule throughout
        ref = el.max_margin(rows, [-1] * n, [1] * n)
        monkeypatch.setattr(el, "DEGENERATE_PIVOTS", switch)
        assert fast.t == ref.t
        hinted = el.max_margin(rows, [-1] * n, [1] * n, start=[float(v) for v in p])
        assert hinted.t == ref.t


def test_exact_lp_pivots_honour_the_search_time_limit(monkeypatch):
    """An exact LP at 784 inputs takes minutes: every pivot asks the running search whether to
    stop (a 784-8-14 count overran its 300 s limit by more than 30 min inside one LP before)."""
    from fractions import Fraction
    from mip_regions.engines.exact import simplex
    from mip_regions.result import StopSearch
    rows = [([Fraction(1), Fraction(1)], Fraction(-1, 2)), ([Fraction(-1), Fraction(2)], Fraction(1, 3))]
    lo, hi = [Fraction(0)] * 2, [Fraction(1)] * 2
    assert simplex.max_margin(rows, lo, hi).t > 0
    with simplex.stop_check(lambda: True):
        with pytest.raises(StopSearch):
            simplex.max_margin(rows, lo, hi)
    assert simplex._STOP_CHECKS == []
    # wiring: the lp and exact searches install their stop check, the mip engine (which does not
    # catch StopSearch) does not
    seen = []
    real = simplex.max_margin

    def spy(*a, **k):
        seen.append(bool(simplex._STOP_CHECKS))
        return real(*a, **k)
    monkeypatch.setattr(simplex, "max_margin", spy)
    net = sliver_2d()                   # a 2^-54-thin cell: the exact LP decides it
    for method in ("lp", "exact", "mip"):
        seen.clear()
        res = count_regions(net, method, progress=False)
        assert res.activation_regions == 6
        assert seen, method                 # the exact LP ran
        assert all(seen) == (method != "mip") and any(seen) == (method != "mip"), method

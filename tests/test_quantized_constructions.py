"""The quantization papers' constructions (issue 15, in part): Ding et al.'s f_s^r and x', the
integer square and product of seed 003, checked in exact arithmetic against the functions they
approximate and counted by the engines."""

from fractions import Fraction as Q

import numpy as np
import pytest

from mip_regions import count_regions
from mip_regions.cli import main
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.quantized_constructions import ding_product, ding_square, int_product, int_square


def f_exact(net, *x):
    return net.exact_preactivations([Q(v) for v in x])[-1][0]


@pytest.mark.parametrize("quantized", [False, True])
@pytest.mark.parametrize("r", range(1, 6))
def test_ding_square_is_the_interpolant_of_x2_with_2r_linear_regions(r, quantized):
    net = ding_square(r, quantized=quantized)
    res = count_regions(net, "exact1d", linear=True)
    assert (res.activation_regions, res.linear_regions, res.affine_maps) == (2 ** r,) * 3
    assert count_regions(net, "vertex").activation_regions == 2 ** r
    for k in range(2 ** r + 1):                   # exact at the breakpoints k / 2^r
        x = Q(k, 2 ** r)
        assert f_exact(net, x) == x * x
    # the sup error of a chord of x^2 over a piece of width h is (h/2)^2, at its midpoint
    mids = [Q(2 * k + 1, 2 ** (r + 1)) for k in range(2 ** r)]
    assert max(f_exact(net, x) - x * x for x in mids) == Q(1, 4 ** (r + 1))
    assert f_exact(net, 0) == 0
    weights = {w for W, _ in net.rational_layers() for row in W for w in row} - {0}
    if quantized:            # Appendix A.1: only the two values 1/2 and -1/2; constant width
        assert weights == {Q(1, 2), Q(-1, 2)} and max(net.widths) == 20 and net.depth == 3 * r + 3
        return

    # the plain variant: every weight is 0 or +- a power of two
    def power_of_two(v):
        v = abs(v)
        return v == 0 or (v.numerator & (v.numerator - 1) == 0 and v.denominator & (v.denominator - 1) == 0)
    assert all(power_of_two(w) for W, _ in net.rational_layers() for row in W for w in row)


@pytest.mark.parametrize("r", [1, 2, 3])
def test_the_quantized_product_is_the_same_function_with_weights_plus_minus_half(r):
    plain, q = ding_product(r), ding_product(r, quantized=True)
    pts = [Q(a, 8) for a in range(-8, 9)]
    assert all(f_exact(plain, x, y) == f_exact(q, x, y) for x in pts for y in pts)
    assert {w for W, _ in q.rational_layers() for row in W for w in row} - {0} == {Q(1, 2), Q(-1, 2)}
    assert count_regions(q, "lp").activation_regions == count_regions(plain, "vertex").activation_regions


@pytest.mark.parametrize("r", [1, 2, 3])
def test_ding_product_error_is_within_the_paper_bound(r):
    net = ding_product(r)
    pts = [Q(a, 8) for a in range(-8, 9)]
    err = max(abs(f_exact(net, x, y) - x * y) for x in pts for y in pts)
    assert 0 < err <= 6 * Q(1, 4 ** (r + 1))
    assert f_exact(net, 0, Q(1, 3)) == 0 and f_exact(net, Q(-1, 5), 0) == 0     # property (i)
    a, b = count_regions(net, "vertex"), count_regions(net, "lp")
    assert a.activation_regions == b.activation_regions > 2 ** r


@pytest.mark.parametrize("m", [1, 2, 5])
def test_integer_square_and_product_are_exact_at_the_integers(m):
    sq, pr = int_square(m), int_product(m)
    assert all(f_exact(sq, k) == k * k for k in range(m + 1))
    assert all(f_exact(pr, a, b) == a * b for a in range(m + 1) for b in range(m + 1))
    assert count_regions(sq, "exact1d").activation_regions == m
    assert np.isin(sq.layers[0].weights, [1]).all()
    assert count_regions(pr, "vertex").activation_regions == count_regions(pr, "lp").activation_regions


def test_build_commands(tmp_path, capsys):
    for kind, arg in (("ding-square", "--r"), ("ding-product", "--r"), ("int-square", "--m"), ("int-product", "--m")):
        assert main(["build", kind, arg, "2", "-o", str(tmp_path / f"{kind}.json")]) == 0
    assert main(["count", str(tmp_path / "ding-square.json")]) == 0
    assert "activation regions   4 " in capsys.readouterr().out
    assert main(["build", "ding-square", "--r", "0", "-o", str(tmp_path / "x.json")]) == 2
    assert main(["build", "ding-square", "--r", "3", "--quantized", "-o", str(tmp_path / "q.json")]) == 0
    assert main(["count", str(tmp_path / "q.json")]) == 0
    assert "activation regions   8 " in capsys.readouterr().out


# -- quantize ------------------------------------------------------------------------------------
from mip_regions.workflows.distance import distance  # noqa: E402
from mip_regions.analysis.quantization import parameter_change, theorem5_bound  # noqa: E402
from mip_regions.nets.quantize import quantize  # noqa: E402
from mip_regions.nets.random_nets import random_mlp  # noqa: E402


@pytest.mark.parametrize("method, param, values", [("bits", 2, 3), ("bits", 3, 7), ("ternary", None, 3),
                                                    ("levels", 4, 4), ("levels", 5, 5)])
def test_quantizers_use_at_most_their_levels_and_the_bound_holds(method, param, values):
    for seed in range(3):
        net = random_mlp([2, 5, 4], seed)
        q = quantize(net, method, param)
        for (W, b), (Wo, bo) in zip(q.rational_layers(), net.rational_layers()):
            assert len({v for row in W for v in row}) <= values
            assert b == bo                                  # biases kept by default
        top = [max(abs(v) for row in W for v in row) for W, _ in net.rational_layers()]
        if method == "bits":                                # rounding error at most half a step
            k = 2 ** (param - 1) - 1
            assert all(c <= float(t / k / 2) * (1 + 1e-12) for c, t in zip(parameter_change(net, q), top))
        d = distance(net, q)
        assert d.sup <= theorem5_bound(net, q)              # Theorem 5 never undercuts the exact value
        res = count_regions(q, "vertex")
        assert res.complete and res.activation_regions == count_regions(q, "lp").activation_regions


def test_twn_rule_by_hand():
    net = network_from_lists([([[Q(1), Q(-3), Q(1, 10)], [Q(2), Q(0), Q(-2)]], [0, 0], "relu"),
                              ([[1, 1]], [0], "identity")], [0] * 3, [1] * 3)
    q = quantize(net, "ternary")
    # mean |w| = 8.1 / 6 = 1.35, Delta = 0.945: kept 1, 3, 2, 2 -> alpha = 2
    assert q.rational_layers()[0][0] == ((Q(2), Q(-2), Q(0)), (Q(2), Q(0), Q(-2)))


def test_quantize_cli_writes_a_net_that_counts_and_certifies(tmp_path, capsys, models_path):
    out = tmp_path / "q.json"
    assert main(["quantize", str(models_path / "random-int_n0-2_4-4_seed-0.json"), "-o", str(out), "--bits", "2",
                 "--distance"]) == 0
    text = capsys.readouterr().out
    assert "Theorem 5 bound" in text and "exact sup distance" in text
    assert main(["count", str(out), "--certify"]) == 0
    assert "completeness: passed" in capsys.readouterr().out
    assert main(["quantize", str(models_path / "random-int_n0-2_4-4_seed-0.json"), "-o", str(out), "--bits", "1"]) == 2


# -- Prop. 3: a weight from lambda values -------------------------------------------------------
from mip_regions.nets.quantized_constructions import ding_weight  # noqa: E402


@pytest.mark.parametrize("t", [1, 2, 4, 7, 9, 16])
@pytest.mark.parametrize("lam", [2, 3, 4, 5])
def test_ding_weight_realises_w_prime_within_the_bounds(t, lam):
    for w in [Q(0), Q(1), Q(-1), Q(3, 10), Q(-7, 9), Q(1, 3), Q(999, 1000), Q(1, 1000), Q(1, 2)]:
        net, wq, st = ding_weight(w, t, lam)
        assert abs(wq - w) <= Q(1, 2 ** (t + 1)) and (wq * 2 ** t).denominator == 1
        for x in [Q(-1), Q(-1, 3), Q(0), Q(2, 7), Q(1)]:       # both signs of x: the gate
            assert f_exact(net, x) == wq * x
        assert len(st["values"]) <= lam and Q(-1, 2) in st["values"] or wq == 0
        assert st["hidden_layers"] <= st["layer_bound"]
        assert st["weights_per_sign"] <= st["weight_bound"]


def test_ding_weight_is_one_linear_region_in_two_activation_regions():
    net, wq, _ = ding_weight(Q(3, 10), 9, 3)
    res = count_regions(net, "exact1d", linear=True)
    assert (res.activation_regions, res.linear_regions, res.affine_maps) == (2, 1, 1)


def test_the_identity_pair_of_lemma_1():
    from mip_regions.nets.quantized_constructions import q_identity
    net = q_identity(3)
    assert all(f_exact(net, x) == x for x in [Q(-3), Q(-1, 7), Q(0), Q(5, 2), Q(3)])
    res = count_regions(net, "exact1d", linear=True)
    assert (res.activation_regions, res.linear_regions, res.affine_maps) == (2, 1, 1)

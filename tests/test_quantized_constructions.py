"""The quantization papers' constructions (issue 15, in part): Ding et al.'s f_s^r and x', the
integer square and product of seed 003, checked in exact arithmetic against the functions they
approximate and counted by the engines."""

from fractions import Fraction as Q

import numpy as np
import pytest

from mip_regions import count_regions
from mip_regions.cli import main
from mip_regions.nets.quantized_constructions import ding_product, ding_square, int_product, int_square


def f_exact(net, *x):
    return net.exact_preactivations([Q(v) for v in x])[-1][0]


@pytest.mark.parametrize("r", range(1, 6))
def test_ding_square_is_the_interpolant_of_x2_with_2r_linear_regions(r):
    net = ding_square(r)
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
    # the plain variant: every weight is 0 or +- a power of two
    def power_of_two(v):
        v = abs(v)
        return v == 0 or (v.numerator & (v.numerator - 1) == 0 and v.denominator & (v.denominator - 1) == 0)
    assert all(power_of_two(w) for W, _ in net.rational_layers() for row in W for w in row)


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

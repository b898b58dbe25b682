"""Weights near the ends of the float range (issue 32, item 3): the float engines run on the
power-of-two balanced network (nets/scaling.py) and count what the exact engines count."""

import numpy as np
import pytest
from oracle import ROWS

from mip_regions.counting import count_regions
from mip_regions.nets.maxout_nets import random_maxout
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.random_nets import random_mlp
from mip_regions.nets.scaling import balanced, needs_balancing


def scaled(net, factors):
    """``net`` with layer l's weights and bias multiplied by factors[l] (floats)."""
    layers = []
    for layer, f in zip(net.layers, factors):
        layers.append(((layer.weights * f).tolist(), (layer.bias * f).tolist(), layer.activation)
                      + ((layer.rank,) if layer.activation == "maxout" else ()))
    return network_from_lists(layers, net.domain.lower.tolist(), net.domain.upper.tolist())


ENGINES = ("vertex", "lp", "auto", "exact", "mip")


@pytest.mark.parametrize("factor", [1e-320, 1e-310, 1e-300, 1e300, 2.0 ** -250])
def test_row54_at_the_ends_of_the_float_range(factor):
    """x, y, x + y on [-1, 1]^2: 6 activation regions, 5 linear regions, at any positive scale
    of the hidden layer (before: 1 region on vertex, lp and auto at 1e-320 and 1e-300)."""
    net = scaled(ROWS[54][0](), [factor, 1])
    for method in ENGINES:
        res = count_regions(net, method, progress=False, linear=True)
        assert (res.activation_regions, res.linear_regions) == (6, 5), (method, factor)


CASES = {
    "mlp 1e-320 | 1": (random_mlp([2, 5, 4], seed=1), [1e-320, 1, 1]),
    "mlp 1 | 1e-300": (random_mlp([2, 5, 4], seed=1), [1, 1e-300, 1]),
    "mlp 1e300 | 1e-300": (random_mlp([2, 5, 4], seed=1), [1e300, 1e-300, 1]),
    "mlp 1e-310 | 1e300 | 1e-5": (random_mlp([3, 4, 4], seed=2), [1e-310, 1e300, 1e-5]),
    "maxout 1e-320": (random_maxout([2, 3, 2], 3, seed=2), [1e-320, 1, 1]),
    "maxout 1e300": (random_maxout([2, 3, 2], 3, seed=2), [1, 1e300, 1]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_float_engines_equal_the_exact_engine(case):
    base, factors = CASES[case]
    net = scaled(base, factors)
    assert needs_balancing(net)
    # the oracle: the exact engine (rational arithmetic only) on the same net (a subnormal product
    # keeps few bits, so the scaled net is not exactly the base net scaled)
    want = count_regions(net, "exact", progress=False, linear=True)
    for method in ("vertex", "lp", "auto", "mip"):
        res = count_regions(net, method, progress=False, linear=method != "mip")
        assert res.activation_regions == want.activation_regions, (case, method)
        if method != "mip":
            assert res.linear_regions == want.linear_regions, (case, method)


def test_balanced_keeps_patterns_and_function():
    net = scaled(random_mlp([3, 6, 5], seed=4), [2.0 ** -250, 2.0 ** 240, 1])
    b = balanced(net)
    rng = np.random.default_rng(0)
    X = -1 + 2 * rng.random((500, 3))
    assert (b.patterns(X) == net.patterns(X)).all()
    assert np.array_equal(b.forward(X), net.forward(X))     # powers of two: the same floats
    for layer in b.layers[:-1]:                               # every hidden row's top entry in [1/2, 1)
        top = np.abs(np.concatenate([layer.weights, layer.bias[:, None]], axis=1)).max(axis=1)
        assert ((top >= 0.5) & (top < 1)).all()


def test_normal_networks_are_left_alone():
    assert balanced(random_mlp([4, 8, 8], seed=0)) is None
    assert balanced(ROWS[52][0]()) is None


def test_a_row_too_wide_for_floats_keeps_exact_weights():
    """A row with 1e250 and 1e-100: balanced, the small entry is below the normal range, so the
    layer keeps exact rational weights (its float is 0); every engine still counts 7."""
    W = [[1e250, 1e-100], [1e-100, -1e250], [1.0, 1.0]]
    net = network_from_lists([(W, [0, 1e-101, -0.5], "relu"), ([[1, 1, 1]], [0], "identity")], [-1, -1], [1, 1])
    b = balanced(net)
    assert b.layers[0].exact_weights is not None and b.layers[0].weights[0, 1] == 0
    for method in ("vertex", "lp", "exact", "mip"):
        assert count_regions(net, method, progress=False).activation_regions == 7, method


def test_one_dimensional_subnormal_net():
    net = network_from_lists([([[1e-320], [-1e-320], [2e-320]], [1e-321, 3e-321, -1e-320], "relu"),
                              ([[1, 1, 1]], [0], "identity")], [-1], [1])
    for method in ("exact1d", "vertex", "lp", "exact"):
        assert count_regions(net, method, progress=False).activation_regions == 4, method


def scaled_wb(net, factors):
    """``net`` with layer l's weights times factors[l][0] and its bias times factors[l][1]."""
    return network_from_lists([((layer.weights * fw).tolist(), (layer.bias * fb).tolist(), layer.activation)
                               for layer, (fw, fb) in zip(net.layers, factors)],
                              net.domain.lower.tolist(), net.domain.upper.tolist())


@pytest.mark.parametrize("factors", [
    # h1 = 2^-1070 h (subnormal, exact: small integers), pre2 = 2^-1030 pre, output 2^-30 out
    [(2.0 ** -1070, 2.0 ** -1070), (2.0 ** 40, 2.0 ** -1030), (2.0 ** 1000, 1)],
    [(1, 1), (2.0 ** 1000, 2.0 ** 1000), (2.0 ** -1000, 1)],
    [(2.0 ** 1000, 2.0 ** 1000), (2.0 ** -1000, 1), (1, 1)],
])
def test_montufar_scaled_by_powers_of_two(factors):
    """Montúfar's 2-D net (row 36: 16 activation regions, 16 linear regions, 12 maps: cells with
    one map that do not touch) with its layers' weights and biases scaled by powers of two so that
    every hidden unit is a positive multiple of the original and the output a positive multiple of
    the original output (exact, even as subnormals: small integers times 2^-1070): the counts, and
    the analysis's touch decisions, are those of row 36."""
    from mip_regions.nets.constructions import montufar
    net = scaled_wb(montufar(2, 2, 3), factors)
    assert needs_balancing(net)
    for method in ("vertex", "lp", "exact", "mip"):
        res = count_regions(net, method, progress=False, linear=True)
        assert (res.activation_regions, res.linear_regions, res.affine_maps) == (16, 16, 12), method


def test_parallel_count_of_a_subnormal_net():
    net = scaled(ROWS[54][0](), [1e-320, 1])
    res = count_regions(net, "vertex", workers=2, progress=False)
    assert res.activation_regions == 6 and res.complete

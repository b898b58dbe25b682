"""The float-filtered 1-D engine (``exact1d``, engines/line) against the all-rational one
(``rational1d``) region for region, on the oracle rows, the paper's constructions, random deep
nets, maxout nets, restricted lines of larger nets, and adversarial nets built so that floats
cannot decide (breakpoints 2^-50 and 2^-60 apart, coincident breakpoints from different layers,
breakpoints on the box's ends, huge, tiny and subnormal weights, non-dyadic rationals)."""

from fractions import Fraction

import numpy as np
import pytest

from mip_regions import count_regions
from mip_regions.analysis.certify import check_witness
from mip_regions.engines.line import pieces_float
from mip_regions.nets.constructions import montufar, serra_zigzag, ternary
from mip_regions.nets.maxout_nets import maxout_sawtooth, random_maxout
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.random_nets import random_mlp, random_ternary_mlp
from mip_regions.nets.restrict import line
from mip_regions.result import RunContext
from oracle import ROWS


def agree(net, *, expect=None):
    """exact1d equals rational1d: the same patterns in the same order, every witness inside its
    region (checked exactly); returns the exact1d result."""
    new = count_regions(net, "exact1d", keep_regions=True, progress=False)
    ref = count_regions(net, "rational1d", keep_regions=True, progress=False)
    assert new.complete and ref.complete
    assert new.activation_regions == ref.activation_regions
    assert [r.bits.tobytes() for r in new.regions] == [r.bits.tobytes() for r in ref.regions]
    for r in new.regions:
        x = r.exact_witness[0] if r.exact_witness is not None else float(r.witness[0])
        assert check_witness(net, r.bits, [x]) is None
    if expect is not None:
        assert new.activation_regions == expect
    return new


def raw_count(net):
    """pieces_float on the network as given (count_regions balances it by powers of two first)."""
    return sum(1 for _ in pieces_float(net, RunContext(net, "exact1d", keep_regions=False, progress=False)))


@pytest.mark.parametrize("row", sorted(r for r in ROWS if ROWS[r][0]().input_dim == 1))
def test_oracle_rows(row):
    build, a_full, *_ = ROWS[row]
    agree(build(), expect=a_full)


@pytest.mark.parametrize("p,depth", [(2, 2), (2, 4), (3, 3), (3, 4), (4, 3)])
def test_montufar_attains_p_to_the_hidden_depth(p, depth):
    agree(montufar(1, p, depth), expect=p ** (depth - 1))


@pytest.mark.parametrize("q,depth", [(2, 3), (2, 5), (3, 3), (3, 5), (2, 7)])
def test_ternary_construction(q, depth):
    ref = count_regions(ternary(1, q, depth), "mip").activation_regions
    agree(ternary(1, q, depth), expect=ref)


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_zigzag(depth):
    agree(serra_zigzag(depth), expect=4 ** (depth - 1))


@pytest.mark.parametrize("widths,seed", [([1, 8, 8, 8], 0), ([1, 16, 16, 16, 16], 1), ([1, 32, 32], 2),
                                         ([1, 5, 5, 5, 5, 5, 5], 3)])
def test_random_deep_nets_decide_in_floats(widths, seed):
    res = agree(random_mlp(widths, seed))
    assert res.stats["float_cuts"] > 0 and res.stats["exact_cuts"] == 0   # nothing for the exact side


@pytest.mark.parametrize("seed", range(4))
def test_random_ternary_nets_are_degenerate_and_agree(seed):
    res = agree(random_ternary_mlp([1, 8, 8, 8], seed))
    assert res.stats["exact_cuts"] > 0    # integer ties everywhere: the exact cut takes them


@pytest.mark.parametrize("rank,seed", [(2, 0), (3, 1), (4, 2)])
def test_random_maxout(rank, seed):
    agree(random_maxout([1, 6, 6], rank, seed))


def test_maxout_sawtooth_and_duplicate_arguments():
    agree(maxout_sawtooth(2, 3))
    # a maxout unit with two identical arguments (a tie everywhere: the lower index wins) and a
    # crossing of two arguments below the maximum (no boundary)
    net = network_from_lists([([[1], [1], [-1], [0], [0], [3]], [0, 0, 0, -5, -6, "1/2"], "maxout", 3),
                              ([[1, 1]], [0], "identity")], [-2], [2])
    agree(net)


def test_identity_layers_between_relu_layers():
    rng = np.random.default_rng(5)
    net = network_from_lists([(rng.standard_normal((6, 1)), rng.standard_normal(6), "relu"),
                              (rng.standard_normal((4, 6)), rng.standard_normal(4), "identity"),
                              (rng.standard_normal((6, 4)), rng.standard_normal(6), "relu"),
                              (rng.standard_normal((1, 6)), [0.0], "identity")], [-3.0], [3.0])
    agree(net)


@pytest.mark.parametrize("seed", range(3))
def test_restricted_lines_of_larger_nets(seed):
    """A line through a 20-input net: the restricted first layer is rational (its stored floats are
    roundings), so the float bounds carry its rounding too."""
    net = random_mlp([20, 24, 24, 24], seed)
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(-1, 1, 20), rng.uniform(-1, 1, 20)
    sub = line(net, a.tolist(), b.tolist())
    first = sub.layers[0]
    assert any(Fraction(float(w)) != e for w, (e,) in zip(first.weights[:, 0], first.exact_weights))
    res = agree(sub)
    assert res.stats["exact_cuts"] == 0


def two_units(b1, b2, lower=0, upper=1):
    """relu(x - b1), relu(x - b2) on [lower, upper]: breakpoints b1 and b2."""
    return network_from_lists([([[1], [1]], [-b1, -b2], "relu"), ([[1, 2]], [0], "identity")],
                              [lower], [upper])


def test_breakpoints_2_to_the_minus_50_apart_are_told_apart_in_floats():
    res = agree(two_units(Fraction(1, 2), Fraction(1, 2) + Fraction(1, 2 ** 50)), expect=3)
    assert res.stats["exact_cuts"] == 0


@pytest.mark.parametrize("gap", [Fraction(1, 2 ** 60), Fraction(1, 3 * 2 ** 70), Fraction(0)])
def test_breakpoints_closer_than_a_float_are_decided_exactly(gap):
    res = agree(two_units(Fraction(1, 3), Fraction(1, 3) + gap), expect=3 if gap else 2)
    assert res.stats["exact_cuts"] > 0
    if gap:     # the middle region is thinner than a float's spacing: its witness is exact
        assert res.regions[1].exact_witness is not None


def test_coincident_breakpoints_from_different_layers():
    """Layer 2's unit relu(relu(x) - 1/3) breaks at x = 1/3, where layer 1's relu(x - 1/3) does:
    on the piece (0, 1/3) the root sits on the piece's end, which only the exact cut can see."""
    third = Fraction(1, 3)
    net = network_from_lists([([[1], [1]], [-third, 0], "relu"), ([[0, 1], [1, 1]], [-third, -1], "relu"),
                              ([[1, 1]], [0], "identity")], [-1], [1])
    agree(net, expect=4)
    for v in (1 / 3, 0.1):       # the same with float breakpoints, equal as floats
        net = network_from_lists([([[1.0], [1.0]], [-v, 0.0], "relu"), ([[0.0, 1.0]], [-v], "relu"),
                                  ([[1.0]], [0.0], "identity")], [-1.0], [1.0])
        agree(net, expect=3)


def test_breakpoints_on_the_ends_of_the_box_make_no_region():
    agree(two_units(0, 1), expect=1)
    agree(network_from_lists([([[1], [0]], [0, 0], "relu"), ([[1, 1]], [0], "identity")], [0], [1]), expect=1)


@pytest.mark.parametrize("scale", [2.0 ** -1070, 2.0 ** -1000, 2.0 ** 1000, 1e-320, 1e-300, 1e300])
def test_huge_tiny_and_subnormal_weights(scale):
    """The first layer times ``scale`` (small integer weights, so a power of two scales them
    exactly, subnormals included) and the second layer's columns divided by it where that stays
    finite (then the same function). Exact on the network as given (the bounds carry underflow; overflow falls
    to the exact side) and as counted (balanced by powers of two)."""
    rng = np.random.default_rng(7)
    W1, b1 = rng.integers(-8, 9, (6, 1)).astype(float), rng.integers(-8, 9, 6).astype(float)
    W2, b2 = rng.standard_normal((5, 6)), rng.standard_normal(5)
    base = network_from_lists([(W1, b1, "relu"), (W2, b2, "relu"), (np.ones((1, 5)), [0.0], "identity")],
                              [-2.0], [2.0])
    want = count_regions(base, "rational1d").activation_regions
    undo = scale >= 2.0 ** -1000        # the second layer's columns can take 1/scale without overflow
    scaled = network_from_lists([(W1 * scale, b1 * scale, "relu"), (W2 / scale if undo else W2, b2, "relu"),
                                 (np.ones((1, 5)), [0.0], "identity")], [-2.0], [2.0])
    ref = count_regions(scaled, "rational1d").activation_regions
    assert count_regions(scaled, "exact1d").activation_regions == ref
    assert raw_count(scaled) == ref
    if np.frexp(scale)[0] == 0.5 and undo:   # a power of two, undone: the same function and count
        assert ref == want
    elif not undo:     # layer 2 sees inputs below 2^-1000: its units are constant, layer 1 alone cuts
        alone = network_from_lists([(W1, b1, "relu"), (np.ones((1, 6)), [0.0], "identity")], [-2.0], [2.0])
        assert ref == count_regions(alone, "rational1d").activation_regions


def test_non_dyadic_rational_weights():
    net = network_from_lists([([["1/3"], ["-2/7"], ["5/11"]], ["-1/9", "1/7", "-2/11"], "relu"),
                              ([["1/3", "1/5", "-1/7"], ["2/3", "-1/5", "1/9"]], ["-1/13", "1/17"], "relu"),
                              ([[1, 1]], [0], "identity")], ["-3/2"], ["5/3"])
    agree(net)


def test_time_limit_gives_a_labelled_lower_bound():
    net = random_mlp([1, 64, 64, 64, 64], 0)
    full = count_regions(net, "exact1d", keep_regions=False)
    stopped = count_regions(net, "exact1d", time_limit=0, keep_regions=False)
    assert not stopped.complete and stopped.activation_regions < full.activation_regions


def test_seeded_fuzz_of_tied_mixed_and_near_coincident_nets():
    """60 seeded nets of five kinds (random float, ternary, maxout, small integers with identity
    layers mixed in, float breakpoints 2^-40..2^-60 apart): exact1d equals rational1d pattern for
    pattern, in order, and the three counts agree."""
    rng = np.random.default_rng(123)
    total, cuts = 0, {"float_cuts": 0, "exact_cuts": 0}
    for trial in range(60):
        kind = trial % 5
        if kind == 0:
            net = random_mlp([1] + list(rng.integers(2, 12, rng.integers(1, 5))), int(rng.integers(10 ** 6)))
        elif kind == 1:
            net = random_ternary_mlp([1] + list(rng.integers(2, 8, rng.integers(1, 4))), int(rng.integers(10 ** 6)))
        elif kind == 2:
            net = random_maxout([1] + list(rng.integers(2, 5, rng.integers(1, 3))), int(rng.integers(2, 4)),
                                int(rng.integers(10 ** 6)))
        elif kind == 3:
            layers, n = [], 1
            for _ in range(int(rng.integers(1, 4))):
                w = int(rng.integers(1, 6))
                act = "identity" if rng.random() < 0.3 else "relu"
                layers.append((rng.integers(-2, 3, (w, n)).tolist(), rng.integers(-2, 3, w).tolist(), act))
                n = w
            net = network_from_lists(layers + [(rng.integers(-2, 3, (1, n)).tolist(), [0], "identity")], [-3], [3])
        else:
            eps, b = float(2.0 ** -rng.integers(40, 60)), rng.standard_normal(2)
            net = network_from_lists([([[1.0], [1.0], [1.0], [-1.0]], [b[0], b[0] + eps, b[1], -b[1]], "relu"),
                                      (rng.standard_normal((3, 4)).tolist(), rng.standard_normal(3).tolist(), "relu"),
                                      ([[1.0, 1.0, 1.0]], [0.0], "identity")], [-3.0], [3.0])
        new = count_regions(net, "exact1d", linear=True, progress=False)
        ref = count_regions(net, "rational1d", linear=True, progress=False)
        assert [r.bits.tobytes() for r in new.regions] == [r.bits.tobytes() for r in ref.regions], trial
        assert (new.linear_regions, new.affine_maps) == (ref.linear_regions, ref.affine_maps), trial
        total += new.activation_regions
        for k in cuts:
            cuts[k] += new.stats[k]
    assert total > 200 and cuts["float_cuts"] > 50 and cuts["exact_cuts"] > 20, (total, cuts)   # both paths

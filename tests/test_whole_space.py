"""Issue 16, counts over all of R^n0 for n0 >= 2 (workflows/whole_space.py): the certified box
against hand counts, an independent exact polygon count on a much larger box, enlargement, the
1-D whole-line counter, and the paper's bound (stated for R^n0) on the ternary constructions."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from mip_regions.workflows.whole_line import whole_line_counts
from mip_regions.workflows.whole_space import whole_space_box
from mip_regions.counting import count_regions
from mip_regions.nets.constructions import ternary
from mip_regions.nets.network import network_from_lists, with_domain

from polygon_oracle import counts as oracle_counts


def net2(rows, biases, out, hidden2=None):
    layers = [(rows, biases, "relu")]
    if hidden2 is not None:
        layers.append((*hidden2, "relu"))
    layers.append(([out], [0], "identity"))
    return network_from_lists(layers, [-1, -1], [1, 1], name="hand")


def three(net, M, conn="touch"):
    r = count_regions(with_domain(net, [-M] * net.input_dim, [M] * net.input_dim), "vertex", linear=True,
                      connectivity=conn)
    return r.activation_regions, r.linear_regions, r.affine_maps


def test_two_coordinate_units_make_four_quadrants():
    net = net2([[1, 0], [0, 1]], [0, 0], [1, 1])
    boxed, M, *_ = whole_space_box(net)
    assert count_regions(boxed, "vertex").activation_regions == 4


def test_far_away_hyperplanes_grow_the_box():
    """Hyperplanes x1 = 100 and x2 = -250: the first box misses them; the fixed point finds them."""
    net = net2([[1, 0], [0, 1], [1, 1]], [-100, 250, 0], [1, 1, 1])
    boxed, M, rounds, n_h, rank, _ = whole_space_box(net)
    assert M > 250 and rounds >= 2 and rank == 2
    r = count_regions(boxed, "vertex", linear=True)
    # three lines, two parallel-free pairs crossing: x1=100, x2=-250, x1+x2=0 in general position: 7
    assert r.activation_regions == 7 == oracle_counts(with_domain(net, [-10 ** 4] * 2, [10 ** 4] * 2))[0]


def test_parallel_hyperplanes_only_rank_one():
    """All normals parallel (rank 1): the regions are strips; minimal faces are lines."""
    net = net2([[1, 1], [1, 1], [-1, -1]], [0, -5, 9], [1, 1, 1])
    boxed, M, rounds, n_h, rank, n_p = whole_space_box(net)
    assert rank == 1 and n_h == 3
    assert count_regions(boxed, "vertex").activation_regions == 4


def test_second_layer_regions_far_from_the_first_box():
    """A second-layer unit that switches only where x1 > 40: found by the second round."""
    net = net2([[1, 0], [0, 1]], [0, 0], [1, 1], hidden2=([[1, 0], [1, 1]], [-40, -3]))
    boxed, M, *_ = whole_space_box(net)
    big = with_domain(net, [-10 ** 4] * 2, [10 ** 4] * 2)
    assert three(net, M) == three(big, 10 ** 4)
    assert count_regions(boxed, "vertex").activation_regions == oracle_counts(big)[0]


@pytest.mark.parametrize("seed", range(5))
def test_certified_box_equals_a_much_larger_box_and_its_enlargements(seed):
    rng = np.random.default_rng(seed)
    W1, b1 = rng.integers(-3, 4, (4, 2)), rng.integers(-6, 7, 4)
    W2, b2 = rng.integers(-2, 3, (3, 4)), rng.integers(-4, 5, 3)
    net = network_from_lists([(W1.tolist(), b1.tolist(), "relu"), (W2.tolist(), b2.tolist(), "relu"),
                              ([[1, -1, 2]], [0], "identity")], [-1, -1], [1, 1], name=f"int {seed}")
    boxed, M, *_ = whole_space_box(net)
    got = three(net, M)
    assert got == three(net, 2 * M) == three(net, 4 * M)
    huge = with_domain(net, [-10 ** 5] * 2, [10 ** 5] * 2)
    assert got[0] == oracle_counts(huge)[0]
    assert three(net, M, "facet")[1] == oracle_counts(huge, "facet")[1]


def test_three_inputs_enlargement_changes_nothing():
    rng = np.random.default_rng(7)
    W1, b1 = rng.integers(-2, 3, (5, 3)), rng.integers(-3, 4, 5)
    net = network_from_lists([(W1.tolist(), b1.tolist(), "relu"), ([[1, 2, -1, 1, 1]], [0], "identity")],
                             [-1] * 3, [1] * 3)
    boxed, M, *_ = whole_space_box(net)
    assert three(net, M) == three(net, 3 * M)


def test_one_input_agrees_with_the_whole_line_counter():
    """The box fixed point on a 1-D net (through the lp engine) against exact1d on all of R."""
    rng = np.random.default_rng(3)
    for _ in range(4):
        W1, b1 = rng.integers(-3, 4, (3, 1)), rng.integers(-5, 6, 3)
        W2, b2 = rng.integers(-2, 3, (2, 3)), rng.integers(-3, 4, 2)
        net = network_from_lists([(W1.tolist(), b1.tolist(), "relu"), (W2.tolist(), b2.tolist(), "relu"),
                                  ([[1, -2]], [0], "identity")], [-1], [1])
        boxed, M, *_ = whole_space_box(net, "lp")
        r = count_regions(boxed, "lp", linear=True)
        assert (r.activation_regions, r.linear_regions, r.affine_maps) == whole_line_counts(net)


@pytest.mark.parametrize("q,L", [(2, 3), (2, 5), (3, 3)])
def test_ternary_construction_over_R2_meets_the_papers_bound(q, L):
    """Eq. (11) is stated for F: R^n0 -> R: the construction has at least q^(n0 (L'-1)/2) linear
    regions over R^2 (and its count on [0, 1]^2 is exactly that)."""
    net = ternary(2, q, L)
    boxed, M, *_ = whole_space_box(net)
    r = count_regions(boxed, "vertex", linear=True)
    bound = q ** (2 * (L - 1) // 2)
    assert r.linear_regions >= bound
    assert count_regions(net, "vertex", linear=True).linear_regions == bound
    assert three(net, M) == three(net, 2 * M)


def test_cli_domain_R_in_two_dimensions(tmp_path):
    from mip_regions.io.netfile import write_network
    net = net2([[1, 0], [0, 1], [1, 1]], [-100, 250, 0], [1, 1, 1])
    path = tmp_path / "n.json"
    write_network(net, path)
    out = subprocess.run([sys.executable, "-m", "mip_regions.cli", "count", str(path), "--domain", "R", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["domain"] == "R" and doc["activation_regions"] == 7 and doc["certified_box"][1] > 250
    text = subprocess.run([sys.executable, "-m", "mip_regions.cli", "count", str(path), "--domain", "R"],
                          capture_output=True, text=True, timeout=120).stdout
    assert "R^2 (all of it" in text and "minimal face" in text

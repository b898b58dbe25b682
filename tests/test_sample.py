"""The sampling lower bound (engines/sample.py): a pattern counts only at a point whose every
decision is clear of its float error band, so every pattern found is a full-dimensional region."""

import numpy as np
import pytest
from oracle import ROWS
from test_exactness import sliver_1d, sliver_2d
from test_scaling import scaled

from mip_regions.counting import count_regions
from mip_regions.engines.sample import clear_patterns, fixed_rows
from mip_regions.nets.maxout_nets import random_maxout
from mip_regions.nets.network import network_from_lists


@pytest.mark.parametrize("row", sorted(ROWS))
def test_never_above_the_exact_count(row):
    build, a_full = ROWS[row][0], ROWS[row][1]
    assert count_regions(build(), "sample", samples=20_000, progress=False).activation_regions <= a_full


@pytest.mark.parametrize("net,want", [(sliver_1d(), 3), (sliver_2d(), 6), (random_maxout([2, 3, 3], 2, seed=0), 9)],
                         ids=["sliver1d", "sliver2d", "maxout"])
def test_slivers_and_maxout_below_the_count(net, want):
    got = count_regions(net, "sample", samples=20_000, progress=False).activation_regions
    assert 1 <= got <= want == count_regions(net, "exact", progress=False).activation_regions


def test_points_on_a_boundary_are_not_counted():
    """|x| on [-1, 1]: x = 0 (both units at 0) is unclear; x = 0.5 and x = 1e-300 are clear (the
    band is relative: 1e-300 is computed exactly, its sign is sure). Row 31 (x - 1/4, x - 1/2,
    3/4 - x): x = 0.25 is on a hyperplane, x = 0.1 is not."""
    net = ROWS[33][0]()
    pats, ok = clear_patterns(net, np.array([[0.0], [1e-300], [0.5]]), [fixed_rows(l) for l in net.layers])
    assert ok.tolist() == [False, True, True]
    assert pats[2].tolist() == [True, False] and pats[1].tolist() == [True, False]
    net = ROWS[31][0]()
    _, ok = clear_patterns(net, np.array([[0.25], [0.1], [0.75]]), [fixed_rows(l) for l in net.layers])
    assert ok.tolist() == [False, True, False]


def test_subnormal_weights_and_repeated_maxout_arguments():
    """row 54 at 1e-320 (the floats underflowed: 1 pattern before) gives its 6 regions; a maxout
    unit whose two arguments are one row (a PReLU slope of 1) is decided everywhere."""
    net = scaled(ROWS[54][0](), [1e-320, 1])
    assert count_regions(net, "sample", samples=20_000, progress=False).activation_regions == 6
    dup = network_from_lists([([[1], [1], [1], [0.5]], [0, 0, 0, 0], "maxout", 2), ([[1, 1]], [0], "identity")],
                             [-1], [1])
    assert fixed_rows(dup.layers[0]).tolist() == [False, True, False, False]
    assert count_regions(dup, "sample", samples=5_000, progress=False).activation_regions == 2

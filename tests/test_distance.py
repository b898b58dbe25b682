"""Exact distances between networks (issue 15, n0 <= 2): closed-form values, self-distance,
and an independent check on random 1-D and 2-D pairs (tests/polygon_oracle.py's cells, clipped
pairwise with its own clipping, and dense exact evaluation)."""

import json
from fractions import Fraction as Q

import numpy as np
import pytest

import polygon_oracle as po
from mip_regions.workflows.distance import distance
from mip_regions.cli import main
from mip_regions.errors import MipRegionsError
from mip_regions.io.netfile import write_network
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.quantized_constructions import ding_square


def test_ding_squares_are_1_over_256_apart():
    d = distance(ding_square(3), ding_square(5), norm="both")
    assert d.sup == Q(1, 256) and d.argmax[0] in {Q(2 * k + 1, 16) for k in range(8)}
    # f_r - x^2 integrates to h^2 / 6 over [0, 1] (h = 2^-r), and f_3 >= f_5 everywhere
    assert d.l1 == Q(1, 6 * 64) - Q(1, 6 * 1024) == Q(5, 2048)


def test_a_network_is_at_distance_zero_from_itself():
    net = ding_square(4)
    d = distance(net, net, norm="both")
    assert d.sup == 0 and d.l1 == 0


def random_net(n0, seed, widths=(4, 3)):
    rng = np.random.default_rng(seed)
    layers, n = [], n0
    for w in widths:
        layers.append((rng.integers(-3, 4, (w, n)).tolist(), rng.integers(-2, 3, w).tolist(), "relu"))
        n = w
    layers.append((rng.integers(-2, 3, (1, n)).tolist(), [int(rng.integers(-1, 2))], "identity"))
    return network_from_lists(layers, [-1] * n0, [1] * n0)


def oracle_sup(a, b):
    """Independent: the oracle's exact polygon cells of each net, intersected with its clipping."""
    best = Q(0)
    for pa, _, (Ga, ca) in po.leaves(a):
        for pb, _, (Gb, cb) in po.leaves(b):
            piece = list(pa)
            for k in range(len(pb)):
                p, q = pb[k], pb[(k + 1) % len(pb)]
                nrm = (-(q[1] - p[1]), q[0] - p[0])
                piece = po._clip(piece, nrm, -(nrm[0] * p[0] + nrm[1] * p[1])) if piece else piece
            for v in piece or []:
                val = abs(sum((Ga[0][j] - Gb[0][j]) * v[j] for j in range(2)) + ca[0] - cb[0])
                best = max(best, val)
    return best


@pytest.mark.parametrize("n0", [1, 2])
@pytest.mark.parametrize("seed", range(3))
def test_random_pairs_against_an_independent_oracle(n0, seed):
    a, b = random_net(n0, seed), random_net(n0, 100 + seed)
    d = distance(a, b, norm="both")
    assert d.sup == oracle_sup(a, b)
    x = [Q(v) for v in d.argmax]
    assert abs(a.exact_preactivations(x)[-1][0] - b.exact_preactivations(x)[-1][0]) == d.sup
    grid = np.linspace(-1, 1, 41)
    pts = [[Q(float(u))] for u in grid] if n0 == 1 else [[Q(float(u)), Q(float(v))] for u in grid for v in grid]
    dense = max(abs(a.exact_preactivations(p)[-1][0] - b.exact_preactivations(p)[-1][0]) for p in pts)
    assert dense <= d.sup
    assert d.l1 >= 0 and (d.l1 > 0) == (d.sup > 0)


def test_cli_and_errors(tmp_path, capsys):
    write_network(ding_square(3), tmp_path / "a.json")
    write_network(ding_square(5), tmp_path / "b.json")
    assert main(["distance", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sup_distance"] == "1/256" and out["output"] == 0
    write_network(random_net(2, 0), tmp_path / "c.json")
    assert main(["distance", str(tmp_path / "a.json"), str(tmp_path / "c.json")]) == 2
    assert "1 and 2 inputs" in capsys.readouterr().err
    with pytest.raises(MipRegionsError, match="L1 distance is implemented for n0 <= 2"):
        distance(random_net(3, 0), random_net(3, 1), norm="l1")


from mip_regions.workflows.distance import _sup_joint  # noqa: E402
from test_maxout import random_maxout  # noqa: E402


@pytest.mark.parametrize("seed", range(3))
def test_the_joint_network_gives_the_clipping_result(seed):
    # relu against maxout, different depths, an identity layer: both methods, exactly the same sup
    pairs = [(random_net(1, seed), random_net(1, 50 + seed, widths=(2, 2, 2))),
             (random_maxout(2, [3, 2], [3, 2], seed), random_net(2, seed, widths=(3,))),
             (network_from_lists([([[1, 0], [0, 1]], [0, 0], "identity"), ([[1, -1], [1, 1]], [0, "1/2"], "relu"),
                                  ([[1, 2]], [0], "identity")], [-1, -1], [1, 1]), random_net(2, 5 + seed))]
    for a, b in pairs:
        assert distance(a, b).sup == _sup_joint(a, b, None).sup


@pytest.mark.parametrize("seed", range(2))
def test_sup_distance_in_three_dimensions(seed):
    a, b = random_net(3, seed), random_net(3, 10 + seed)
    d = distance(a, b)
    x = d.argmax                                       # attained exactly at the point reported
    assert abs(a.exact_preactivations(x)[-1][0] - b.exact_preactivations(x)[-1][0]) == d.sup
    X = np.random.default_rng(seed).uniform(-1, 1, (4000, 3))
    assert np.abs(a.forward(X) - b.forward(X)).max() <= float(d.sup) * (1 + 1e-12)
    assert distance(a, a).sup == 0

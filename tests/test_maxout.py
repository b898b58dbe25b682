"""Maxout networks (issue 14): the format, every engine against an independent exact oracle
(tests/polygon_oracle.py: Fraction polygon clipping, no LP), degenerate cases (identical
arguments, arguments equal on part of the domain, crossings on the box boundary), relu written as
rank-2 maxout, and the MIP."""

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import polygon_oracle
from mip_regions.counting import count_regions
from mip_regions.errors import NetworkError
from mip_regions.io.netfile import dumps_network, network_from_dict, read_network
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.maxout_nets import maxout_sawtooth, relu_as_maxout

GEOMETRIC = ["exact", "vertex", "lp"]


def engines(net):
    return (["exact1d"] if net.input_dim == 1 else []) + GEOMETRIC


def random_maxout(n0, widths, ranks, seed, integer=True):
    rng = np.random.default_rng(seed)
    layers, n = [], n0
    for w, k in zip(widths, ranks):
        rows = w * k if k > 1 else w
        W = rng.integers(-3, 4, (rows, n)).tolist() if integer else rng.normal(size=(rows, n)).tolist()
        b = rng.integers(-2, 3, rows).tolist() if integer else rng.normal(size=rows).tolist()
        layers.append((W, b, "maxout", k) if k > 1 else (W, b, "relu"))
        n = w
    layers.append(([[1] * n], [0], "identity"))
    return network_from_lists(layers, [-1] * n0, [1] * n0, name=f"random maxout {seed}")


def identical_arguments():
    """max(x + y, x + y, x - y): the second argument is the first, never chosen: 2 regions."""
    return network_from_lists([([[1, 1], [1, 1], [1, -1]], [0, 0, 0], "maxout", 3),
                               ([[1]], [0], "identity")], [-1, -1], [1, 1], name="identical")


def equal_on_part():
    """Layer 1: relu(x), relu(y). Layer 2: max(h1, 0, h2 - 1/2): on x <= 0 the first two arguments
    are the same function (0), so the cell is not split there; on x > 0 h1 wins over 0."""
    return network_from_lists([([[1, 0], [0, 1]], [0, 0], "relu"),
                               ([[1, 0], [0, 0], [0, 1]], [0, 0, "-1/2"], "maxout", 3),
                               ([[1]], [0], "identity")], [-1, -1], [1, 1], name="equal on part")


def boundary_crossing():
    """max(x, 1 - x, 2x) on [0, 1/2]: x and 2x cross at x = 0, on the box boundary."""
    return network_from_lists([([[1], [-1], [2]], [0, 1, 0], "maxout", 3), ([[1]], [0], "identity")],
                              [0], ["1/2"], name="boundary")


def rank5_1d():
    """Two rank-5 units (the second has a row identical to an earlier one), then a rank-3 unit
    with a zero row."""
    return network_from_lists([([[1], [-1], [2], [-2], [0], [1], [1], [-1], [3], [0]],
                                [0, 0, -1, -1, "1/3", 0, 0, "1/2", -1, "-1/2"], "maxout", 5),
                               ([[1, -1], [-1, 2], [0, 0]], [0, "1/2", 0], "maxout", 3),
                               ([[1]], [0], "identity")], [-2], [2], name="rank5")


CASES = {
    "identical": (identical_arguments, 2),
    "equal on part": (equal_on_part, 6),
    "boundary": (boundary_crossing, 1 + 1),
    "rank5": (rank5_1d, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_degenerate_maxout_cases_match_the_oracle_in_every_engine(case):
    build, known = CASES[case]
    net = build()
    want = polygon_oracle.counts(net)
    if known is not None:
        assert want[0] == known
    for method in engines(net) + ["mip"]:
        res = count_regions(net, method=method)
        assert res.activation_regions == want[0], method
    res = count_regions(net, method="exact", linear=True)
    assert (res.linear_regions, res.affine_maps) == want[1:]


def test_oracle_values_of_the_degenerate_cases_by_hand():
    # identical: max(x+y, x-y) splits [-1,1]^2 at y = 0 into two cells with maps x+y and x-y
    assert polygon_oracle.counts(identical_arguments()) == (2, 2, 2)
    # boundary: on [0, 1/2], 2x >= x everywhere (tie at 0 only), 1 - x > 2x for x < 1/3
    assert polygon_oracle.counts(boundary_crossing()) == (2, 2, 2)
    # equal on part, per quadrant of the relu layer (args h1, 0, h2 - 1/2):
    # x<=0,y<=0: (0, 0, -1/2), args 0 and 1 tie everywhere, the first wins: 1 cell;
    # x<=0,y>0: (0, 0, y - 1/2): split at y = 1/2: 2; x>0,y<=0: (x, 0, -1/2): 1;
    # x>0,y>0: (x, 0, y - 1/2): split by y = x + 1/2: 2. Total 6.
    assert polygon_oracle.counts(equal_on_part())[0] == 6


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shape", [(2, [3, 2], [3, 2]), (2, [2, 3], [1, 3]), (1, [3, 3], [2, 4]),
                                   (2, [4], [5]), (2, [3, 3], [2, 1])])
@pytest.mark.parametrize("integer", [True, False])
def test_random_maxout_and_mixed_nets_match_the_oracle(seed, shape, integer):
    net = random_maxout(*shape, seed, integer)
    want = polygon_oracle.counts(net)
    got = {m: count_regions(net, method=m, linear=True) for m in engines(net)}
    for m, res in got.items():
        assert res.activation_regions == want[0], m
    assert (got["exact"].linear_regions, got["exact"].affine_maps) == want[1:]


@pytest.mark.parametrize("seed", range(3))
def test_mip_agrees_with_the_oracle_on_maxout(seed):
    net = random_maxout(2, [3, 2], [3, 2], seed, integer=seed % 2 == 0)
    res = count_regions(net, method="mip")
    assert res.activation_regions == polygon_oracle.counts(net)[0]


RELU_MODELS = [pytest.param(p, marks=pytest.mark.slow) if p.name == "montufar_n0-2_p-3_L-4.json" else p
               for p in sorted((Path(__file__).parent.parent / "models").glob("*.json")) if "maxout" not in p.name]


@pytest.mark.parametrize("path", RELU_MODELS, ids=lambda p: p.stem)
def test_relu_written_as_rank2_maxout_counts_the_same(path):
    """Every shipped relu model (montufar 2,3,4, 14 s, only with -m slow) as rank-2 maxout."""
    net = read_network(path)
    mx = relu_as_maxout(net)
    assert mx.num_relu == 2 * net.num_relu
    for method in (["exact1d"] if net.input_dim == 1 else []) + ["vertex", "lp"]:
        a = count_regions(net, method=method, linear=True)
        b = count_regions(mx, method=method, linear=True)
        assert (a.activation_regions, a.linear_regions, a.affine_maps) == \
            (b.activation_regions, b.linear_regions, b.affine_maps), (path.name, method)


def test_patterns_are_one_hot_with_the_lowest_index_on_ties():
    net = identical_arguments()
    pats = net.patterns(np.array([[0.5, 0.5], [0.5, -0.5], [0.0, 0.0]]))
    assert pats.tolist() == [[True, False, False], [False, False, True], [True, False, False]]
    assert net.pattern_text(pats[1]) == "m2"


FILE = {"format": "mip-regions/network", "version": 1, "domain": {"lower": [0], "upper": [1]},
        "layers": [{"activation": "maxout", "rank": 2, "weights": [[1], [-1]], "bias": [0, "1/2"]},
                   {"activation": "identity", "weights": [[1]], "bias": [0]}]}


def test_maxout_file_round_trip():
    net = network_from_dict(FILE)
    assert net.layers[0].n_out == 1 and net.layers[0].rank == 2
    again = network_from_dict(__import__("json").loads(dumps_network(net)))
    assert again.layers[0].rank == 2
    assert count_regions(again, method="exact1d").activation_regions == 2


@pytest.mark.parametrize("change, message", [
    ({"rank": 1}, "rank"), ({"rank": True}, "rank"), ({"rank": "2"}, "rank"),
    ({"rank": 3}, "not a multiple of the rank"), ({"bias": [0]}, "bias"),
    ({"rank": None}, "rank"),
])
def test_bad_maxout_layers_are_rejected_naming_the_field(change, message):
    spec = dict(FILE["layers"][0], **change)
    if change.get("rank", 0) is None:
        del spec["rank"]
    doc = dict(FILE, layers=[spec, FILE["layers"][1]])
    with pytest.raises(NetworkError, match=message) as err:
        network_from_dict(doc, source="f.json")
    assert "layer 0" in str(err.value)


def test_a_rank_on_a_relu_layer_is_rejected():
    doc = dict(FILE, layers=[dict(FILE["layers"][0], activation="relu"), FILE["layers"][1]])
    with pytest.raises(NetworkError, match="only a maxout layer has a rank"):
        network_from_dict(doc)


def test_exact_output_of_maxout_is_the_max():
    net = rank5_1d()
    x = Fraction(1, 3)
    z = net.exact_preactivations([x])
    assert z[0][:5] == [x, -x, 2 * x - 1, -2 * x - 1, Fraction(1, 3)]
    h0, h1 = max(z[0][:5]), max(z[0][5:])
    assert (h0, h1) == (Fraction(1, 3), Fraction(1, 3))
    assert z[1] == [h0 - h1, -h0 + 2 * h1 + Fraction(1, 2), 0]
    # the tie between rows 0 and 4 (both 1/3) goes to the lower index
    assert net.pattern_text(net.patterns(np.array([[1 / 3]]))[0])[:3] == "m0."


@pytest.mark.parametrize("p, depth", [(2, 1), (2, 4), (3, 2), (4, 2), (3, 3)])
def test_maxout_sawtooth_has_p_to_the_depth_regions_in_every_engine(p, depth):
    net = maxout_sawtooth(p, depth)
    for method in ["exact1d", "vertex", "lp"] + (["mip"] if p ** depth <= 16 else []):
        res = count_regions(net, method=method, linear=True)
        assert (res.activation_regions, res.linear_regions, res.affine_maps) == (p ** depth,) * 3, method
    x = np.linspace(0, 1, 1001)[:, None]     # the function is the zigzag composed depth times
    z = x[:, 0]
    for _ in range(depth):
        z = 1 - np.abs((p * z) % 2 - 1)
    assert np.allclose(net.forward(x)[:, 0], z)


def test_maxout_bound_is_montufar_2017_at_rank_2():
    from mip_regions.analysis.bounds import montufar2017, serra2018_maxout
    for n0, widths in [(1, [3, 3]), (2, [4, 4, 4]), (3, [2, 5]), (4, [8, 8, 8]), (2, [6, (3, "identity"), 6])]:
        mx = [(w, "maxout", 2) if isinstance(w, int) else w for w in widths]
        assert serra2018_maxout(n0, mx) == montufar2017(n0, widths)


def test_maxout_bound_by_hand():
    from mip_regions.analysis.bounds import serra2018_maxout, trivial
    # layer 1: 4 rank-3 units = 12 hyperplanes in 2-D: 1 + 12 + 66; layer 2: 3 relu, d = 2: 1 + 3 + 3
    assert serra2018_maxout(2, [(4, "maxout", 3), 3]) == 79 * 7
    assert trivial(2, [(4, "maxout", 3), 3]) == 3 ** 4 * 2 ** 3


@pytest.mark.parametrize("seed", range(6))
def test_maxout_bound_is_never_below_an_exact_count(seed):
    from mip_regions.analysis.bounds import architecture_of, serra2018_maxout
    rng = np.random.default_rng(100 + seed)
    n0 = int(rng.integers(1, 3))
    widths = rng.integers(1, 4, 2).tolist()
    ranks = rng.integers(2, 5, 2).tolist()
    net = random_maxout(n0, widths, ranks, seed, integer=bool(seed % 2))
    count = count_regions(net, method="vertex").activation_regions
    assert count == polygon_oracle.counts(net)[0]
    assert count <= serra2018_maxout(n0, architecture_of(net))


def test_cli_build_show_bounds_and_count_on_maxout(tmp_path, capsys):
    from mip_regions.cli import main
    out = tmp_path / "saw.json"
    assert main(["build", "maxout-sawtooth", "--p", "3", "--depth", "3", "-o", str(out)]) == 0
    assert main(["count", str(out), "--bounds"]) == 0
    text = capsys.readouterr().out
    assert "activation regions   27 " in text and "linear regions       27 " in text
    assert "Serra et al. 2018, maxout" in text
    rnd = tmp_path / "r.json"
    assert main(["build", "maxout-random", "--widths", "2,3,3", "--rank", "3", "-o", str(rnd)]) == 0
    assert main(["show", str(rnd)]) == 0
    text = capsys.readouterr().out
    assert "6 maxout units of rank 3" in text and "maxout3" in text
    assert main(["bounds", "--n0", "2", "--widths", "4,4", "--rank", "2"]) == 0
    assert "121" in capsys.readouterr().out
    assert main(["build", "maxout-random", "--widths", "2,3", "--rank", "1", "-o", str(rnd)]) == 2
    assert "--rank must be >= 2" in capsys.readouterr().err
    assert main(["bounds", "--n0", "2", "--widths", "4mx1"]) == 2
    assert "cannot read '4mx1'" in capsys.readouterr().err


def test_certify_and_facet_linear_regions_on_a_mixed_net(tmp_path, capsys, models_path):
    from mip_regions.cli import main
    f = models_path / "maxout-int_n0-2_rank-2-4_3-2_seed-0.json"
    assert main(["count", str(f), "--method", "lp", "--certify"]) == 0
    text = capsys.readouterr().out
    assert "completeness: passed" in text and "volumes: passed" in text
    assert main(["count", str(f), "--method", "mip", "--connectivity", "facet"]) == 0
    text = capsys.readouterr().out
    assert "activation regions   20 " in text and "linear regions       18 " in text
    assert polygon_oracle.counts(read_network(f), "facet") == (20, 18, 18)

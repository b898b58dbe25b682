"""Graph layer, constructions and ternarize: exact-rational function checks and counts."""

import random
from fractions import Fraction
from pathlib import Path

import pytest

from mip_regions import NetworkError, count_regions, read_network
from mip_regions.nets.constructions import montufar, ternary
from mip_regions.nets.graph import graph_to_network, is_ternary, network_to_graph
from mip_regions.io.netfile import dumps_network
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.ternarize import ternarize, weight_gadget

ROOT = Path(__file__).resolve().parent.parent


def rational_points(n0, k, lo=0, hi=1, seed=0):
    rng = random.Random(seed)
    span = Fraction(hi) - Fraction(lo)
    return [[Fraction(lo) + span * Fraction(rng.randrange(1, 9973), 9973) for _ in range(n0)] for _ in range(k)]


def exact_output(net, x):
    return net.exact_preactivations(x)[-1]


@pytest.mark.parametrize("n0,q,depth", [(1, 2, 3), (1, 2, 5), (1, 3, 7), (2, 2, 5), (2, 3, 3), (3, 2, 5)])
def test_ternary_computes_montufar_exactly(n0, q, depth):
    t, m = ternary(n0, q, depth), montufar(n0, q, (depth + 1) // 2)
    assert is_ternary(t) and not is_ternary(m)
    for x in rational_points(n0, 200, seed=n0 * 100 + q * 10 + depth):
        assert exact_output(t, x) == exact_output(m, x)


def test_ternary_widths_and_padding():
    t = ternary(2, 3, 5)
    assert t.widths == [18, 6, 18, 6, 1]
    assert [l.activation for l in t.layers] == ["identity", "relu", "identity", "relu", "identity"]
    padded = ternary(2, 3, 5, width=20)
    assert padded.widths == [20, 20, 20, 20, 1]
    for x in rational_points(2, 50):
        assert exact_output(padded, x) == exact_output(t, x)


@pytest.mark.parametrize("bad", [dict(depth=4), dict(depth=1), dict(q=0), dict(width=5)])
def test_ternary_rejects_what_the_theorem_excludes(bad):
    args = dict(n0=1, q=2, depth=5) | bad
    with pytest.raises(NetworkError):
        ternary(**args)


def test_graph_round_trip_is_lossless():
    for net in (ternary(2, 2, 5, width=14), montufar(2, 3, 3),
                network_from_lists([([[1, "1/3"]], ["-2/7"], "relu"), ([[2]], [0], "identity")], [0, 0], [1, 1])):
        G = network_to_graph(net)
        back = graph_to_network(G)
        assert dumps_network(back) == dumps_network(net)
    G = network_to_graph(ternary(1, 2, 3))
    consts = [n for n, d in G.nodes(data=True) if d["activation"] == "constant"]
    assert len(consts) == 4 and all(G.nodes[n]["bias"] == 1 and G.in_degree(n) == 0 for n in consts)


def test_graph_validation_errors():
    G = network_to_graph(montufar(1, 2, 3))
    bad = G.copy()
    bad.add_edge((0, 0), (2, 0), weight=1)
    with pytest.raises(NetworkError, match="edges must join consecutive layers"):
        graph_to_network(bad)
    bad = G.copy()
    del bad.edges[(0, 0), (1, 0)]["weight"]
    with pytest.raises(NetworkError, match="has no weight"):
        graph_to_network(bad)
    bad = G.copy()
    bad.add_edge((2, 0), (1, 0), weight=1)
    with pytest.raises(NetworkError, match="cycle"):
        graph_to_network(bad)
    bad = G.copy()
    del bad.nodes[(1, 1)]["layer"]
    with pytest.raises(NetworkError, match="not layered"):
        graph_to_network(bad)


def test_weight_gadget_computes_w_x():
    for w in (-3, -1, 0, 2, 5):
        g = weight_gadget(w, M=5)
        assert is_ternary(g) and g.widths == [5, 1]
        for x in rational_points(1, 5, -1, 1):
            assert exact_output(g, x) == [w * x[0]]
    with pytest.raises(NetworkError):
        weight_gadget(4, M=3)


def int_net():
    return read_network(ROOT / "models/random-int_n0-2_4-4_seed-0.json")


@pytest.mark.parametrize("sharing", ["shared", "edge"])
def test_ternarize_preserves_function_and_count(sharing):
    net = int_net()
    tern, report = ternarize(net, sharing)
    assert is_ternary(tern) and not is_ternary(net)
    for x in rational_points(2, 300, -1, 1, seed=7):
        assert exact_output(tern, x) == exact_output(net, x)
    assert count_regions(tern, "mip").activation_regions == count_regions(net, "mip").activation_regions == 11


def test_ternarize_node_counts_shared_vs_edge():
    net = int_net()
    M = [int(abs(l.weights).max()) for l in net.layers]
    B = [int(abs(l.bias).max()) for l in net.layers]
    _, report = ternarize(net)
    # layer 1: n_in=2, n_out=4; layer 2: n_in=4, n_out=4; output layer: n_in=4, n_out=1
    assert report.copy_nodes_shared == [M[0] * 2 + B[0], M[1] * 4 + B[1], M[2] * 4 + B[2]] == [8, 14, 12]
    assert report.copy_nodes_edge == [M[0] * 8 + B[0] * 4, M[1] * 16 + B[1] * 4, M[2] * 4 + B[2] * 1] == [32, 56, 12]
    assert sum(report.copy_nodes_shared) < sum(report.copy_nodes_edge)


def test_ternarize_rejects_non_integers():
    net = network_from_lists([([[1, "1/2"]], [0], "relu"), ([[1]], [0], "identity")], [0, 0], [1, 1])
    with pytest.raises(NetworkError, match=r"layer 0, field 'weights': weight \[0\]\[1\] = 1/2 is not an integer"):
        ternarize(net)


FAST_MODELS = ["montufar_n0-1_p-2_L-2", "montufar_n0-1_p-2_L-3", "montufar_n0-1_p-2_L-4",
               "montufar_n0-1_p-3_L-2", "montufar_n0-1_p-3_L-3", "montufar_n0-1_p-3_L-4",
               "montufar_n0-2_p-2_L-2", "montufar_n0-2_p-2_L-3", "montufar_n0-2_p-3_L-2",
               "ternary_n0-1_q-2_L-3", "ternary_n0-1_q-2_L-5", "ternary_n0-1_q-3_L-3", "ternary_n0-1_q-3_L-5",
               "ternary_n0-2_q-2_L-3", "ternary_n0-2_q-2_L-5", "ternary_n0-2_q-3_L-3",
               "ternary_n0-1_q-2_L-5_w-8"]


def closed_form(name):
    parts = dict(p.split("-", 1) for p in name.split("_")[1:])
    if name.startswith("maxout-sawtooth"):
        return int(parts["p"]) ** int(parts["L"])
    n0, L = int(parts["n0"]), int(parts["L"])
    if name.startswith("montufar"):
        return int(parts["p"]) ** (n0 * (L - 1))
    return int(parts["q"]) ** (n0 * (L - 1) // 2)


@pytest.mark.parametrize("name", FAST_MODELS)
def test_mip_counts_closed_form_on_shipped_models(name):
    net = read_network(ROOT / "models" / f"{name}.json")
    assert count_regions(net, "mip").activation_regions == closed_form(name)


ALL_MODELS = sorted(p.stem for p in (ROOT / "models").glob("*.json")
                    if not p.stem.startswith(("random-int", "maxout-random", "maxout-int")))


@pytest.mark.parametrize("name", ALL_MODELS)
def test_fast_engine_counts_closed_form_on_every_shipped_model(name):
    net = read_network(ROOT / "models" / f"{name}.json")
    res = count_regions(net)  # exact1d for n0 = 1, vertex otherwise
    assert res.complete and res.activation_regions == closed_form(name)
    assert count_regions(net, "lp").activation_regions == closed_form(name)

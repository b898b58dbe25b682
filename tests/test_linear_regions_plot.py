"""Linear regions, affine maps, the adjacency graph and the pictures."""

import json
import struct
from pathlib import Path

import networkx as nx
import pytest

from mip_regions import count_regions
from mip_regions.cli import main
from mip_regions.nets.constructions import montufar
from mip_regions.analysis.linear_regions import adjacency_graph
from mip_regions.nets.random_nets import random_ternary_mlp
from oracle import ROWS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("row", [31, 32, 33, 34, 36, 37, 38, 39, 41, 42, 47, 53, 54])
@pytest.mark.parametrize("method", ["vertex", "lp", "mip"])
def test_linear_regions_and_maps_match_oracle(row, method):
    build, a_full, _, lr, maps = ROWS[row]
    if method == "mip" and row in (37, 39):
        pytest.skip("too slow for the MIP engine in the default run")
    res = count_regions(build(), method, linear=True)
    assert (res.activation_regions, res.linear_regions, res.affine_maps) == (a_full, lr, maps)
    assert res.connectivity == "touch"


def test_row54_touch_versus_facet():
    net = ROWS[54][0]()
    assert count_regions(net, linear=True, connectivity="touch").linear_regions == 5
    assert count_regions(net, linear=True, connectivity="facet").linear_regions == 6


def test_montufar_adjacency_graph_is_the_4x4_grid():
    net = montufar(2, 2, 3)
    res = count_regions(net, linear=True)
    G = adjacency_graph(net, res.regions, res.map_ids)
    assert G.number_of_nodes() == 16 and G.number_of_edges() == 24
    assert nx.is_isomorphic(G, nx.grid_2d_graph(4, 4))


def test_adjacent_cells_differ_and_ternary_random_has_fewer_linear_regions():
    net = random_ternary_mlp([2, 8, 8], 3)
    res = count_regions(net, linear=True)
    assert (res.activation_regions, res.linear_regions, res.affine_maps) == (11, 8, 8)
    res_f = count_regions(net, linear=True, connectivity="facet")
    G = adjacency_graph(net, res_f.regions, res_f.map_ids)
    assert nx.is_connected(G)  # the cells tile a connected box
    # merging along same-map facets gives the same number here
    assert res_f.linear_regions == 8


def test_count_json_reports_all_three_counts(capsys):
    assert main(["count", str(ROOT / "models/montufar_n0-2_p-2_L-3.json"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["activation_regions"], doc["linear_regions"], doc["affine_maps"], doc["connectivity"]) == \
        (16, 16, 12, "touch")


def test_graph_out_node_link_and_graphml(tmp_path, capsys):
    model = str(ROOT / "models/montufar_n0-2_p-2_L-3.json")
    out = tmp_path / "g.json"
    assert main(["count", model, "--graph-out", str(out)]) == 0
    G = nx.node_link_graph(json.loads(out.read_text()), edges="edges")
    assert nx.is_isomorphic(G, nx.grid_2d_graph(4, 4))
    assert {"pattern", "witness", "map_id", "linear_region", "map"} <= set(G.nodes[0])
    # every node's exact affine map agrees with the network at its witness
    from mip_regions import read_network
    net = read_network(model)
    for _, data in G.nodes(data=True):
        grad, off = data["map"]["gradient"], data["map"]["offset"]
        y = net.forward([data["witness"]])[0]
        assert abs(sum(g * x for g, x in zip(grad[0], data["witness"])) + off[0] - y[0]) < 1e-9
    gml = tmp_path / "g.graphml"
    assert main(["count", model, "--graph-out", str(gml)]) == 0
    assert nx.read_graphml(gml).number_of_edges() == 24


def png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("model,extra", [("montufar_n0-2_p-3_L-3", []), ("ternary_n0-1_q-3_L-5", [])])
def test_plot_writes_a_png_of_the_expected_size(model, extra, tmp_path, capsys):
    out = tmp_path / "regions.png"
    assert main(["plot", str(ROOT / "models" / f"{model}.json"), "-o", str(out)] + extra) == 0
    assert png_size(out) == (700, 600)
    assert "wrote" in capsys.readouterr().out


def test_plot_slice_of_a_3d_network(tmp_path, capsys):
    from mip_regions.io.netfile import write_network
    path = tmp_path / "m3.json"
    write_network(montufar(3, 2, 2), path)
    out = tmp_path / "slice.png"
    assert main(["plot", str(path), "-o", str(out)]) == 2
    assert "give --slice" in capsys.readouterr().err
    assert main(["plot", str(path), "-o", str(out), "--slice", "0.5,0.5,0.5:0.5,0,0:0,0.5,0"]) == 0
    assert png_size(out) == (700, 600)
    # the slice x3 = 0.5 through [0,1]^3 cuts the 8 boxes into 4 squares
    assert "activation regions 4," in capsys.readouterr().out

"""Linear regions at the scale of the enumeration (issue 21): facet connectivity decided only
inside groups of one map, float maps with error bounds deciding which maps need an exact
comparison, compact region storage with no cap, and the results unchanged against the previous
method (the per-region facet graph) and the exact digest grouping."""

import glob
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import oracle
from mip_regions import count_regions
from mip_regions.analysis.linear_regions import adjacency_graph, map_key
from mip_regions.analysis.map_groups import group_by_map, group_by_map_fast
from mip_regions.engines.exact.net import ExactNet
from mip_regions.io.netfile import read_network
from mip_regions.nets.maxout_nets import relu_as_maxout
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.random_nets import random_mlp
from mip_regions.region_store import RegionStore
from mip_regions.result import Region

ROOT = Path(__file__).resolve().parent.parent


def nets():
    out = [(f"row{k}", v[0]) for k, v in sorted(oracle.ROWS.items())]
    out += [(Path(f).stem, lambda f=f: read_network(f)) for f in sorted(glob.glob(str(ROOT / "models" / "*.json")))]
    out += [("relu-as-maxout montufar 2,2,3", lambda: relu_as_maxout(read_network(ROOT / "models" /
                                                                                  "montufar_n0-2_p-2_L-3.json")))]
    out += [("random 3-8-8", lambda: random_mlp([3, 8, 8], 1))]
    return out


def graph_linear_regions(net, res):
    """The previous facet method: the adjacency graph's same-map edges, then components."""
    G = adjacency_graph(net, res.regions, res.map_ids)
    uf = nx.utils.UnionFind(range(len(res.regions)))
    for a, b in G.edges:
        if res.map_ids[a] == res.map_ids[b]:
            uf.union(a, b)
    return len({uf[k] for k in range(len(res.regions))})


@pytest.mark.parametrize("name, build", nets(), ids=[n for n, _ in nets()])
def test_facet_linear_regions_equal_the_adjacency_graph_method(name, build):
    net = build()
    res = count_regions(net, linear=True, connectivity="facet")
    if res.activation_regions > 3000:
        pytest.skip("large: the reference method takes an LP per region and constraint")
    assert res.linear_regions == graph_linear_regions(net, res)


@pytest.mark.parametrize("name, build", nets(), ids=[n for n, _ in nets()])
def test_float_filtered_map_grouping_equals_the_exact_grouping(name, build):
    net = build()
    res = count_regions(net)
    ex = ExactNet(net)
    exact_ids, exact_reps = group_by_map(res.regions, lambda b: map_key(ex, b))
    fast_ids, fast_reps = group_by_map_fast(net, res.regions, lambda b: map_key(ex, b))
    assert np.array_equal(exact_ids, fast_ids) and exact_reps == fast_reps


def test_maps_closer_than_rounding_are_told_apart_exactly():
    # two cells whose maps differ by 2^-52 relative: the float maps cannot be trusted apart, the
    # exact comparison must separate them (3 cells, 3 maps; touching cells with different maps)
    eps = 2.0 ** -52
    net = network_from_lists([([[1], [1]], [0, -0.5], "relu"), ([[1, eps]], [0], "identity")], [-1], [1])
    res = count_regions(net, "exact1d", linear=True)
    assert (res.activation_regions, res.linear_regions, res.affine_maps) == (3, 3, 3)
    same = network_from_lists([([[1], [1]], [0, -0.5], "relu"), ([[1, 0]], [0], "identity")], [-1], [1])
    res = count_regions(same, "exact1d", linear=True)
    assert (res.activation_regions, res.linear_regions, res.affine_maps) == (3, 2, 2)


def test_region_store_round_trip_and_spill(monkeypatch):
    import mip_regions.region_store as rs
    monkeypatch.setattr(rs, "SPILL_BYTES", 10_000)        # force the memory-mapped files early
    rng = np.random.default_rng(0)
    store, kept = RegionStore(13, 3), []
    for k in range(3000):
        r = Region(rng.random(13) < 0.5, rng.random(3), float(k), (k,) if k % 7 == 0 else None)
        store.append(r)
        kept.append(r)
    assert store._dir is not None and isinstance(store._bits, np.memmap)
    assert len(store) == 3000
    for k in (0, 1, 1023, 1024, 2999):
        got = store[k]
        assert np.array_equal(got.bits, kept[k].bits) and np.array_equal(got.witness, kept[k].witness)
        assert got.margin == k and got.exact_witness == kept[k].exact_witness
    assert np.array_equal(store.bits_block(10, 20), np.array([r.bits for r in kept[10:20]]))
    last = store.pop()
    assert len(store) == 2999 and np.array_equal(last.bits, kept[-1].bits)


@pytest.mark.slow   # ~25 s: in `python -m pytest -m slow` (README)
def test_more_than_100000_regions_get_linear_regions_from_the_cli(tmp_path, capsys):
    from mip_regions.cli import main
    from mip_regions.io.netfile import write_network
    from mip_regions.nets.constructions import montufar
    write_network(montufar(1, 2, 18), tmp_path / "m.json")
    assert main(["count", str(tmp_path / "m.json")]) == 0
    out = capsys.readouterr().out
    assert "activation regions   131072 " in out and "linear regions       131072 " in out
    assert "affine maps          131072 " in out


def test_region_store_extend_equals_append():
    """extend (the compiled vertex search's bulk report) stores what append stores, row by row;
    a network without relu bits stores zero pattern bytes either way."""
    rng = np.random.default_rng(1)
    for n_bits in (13, 0):
        bits, wit, marg = rng.random((500, n_bits)) < 0.5, rng.random((500, 3)), rng.random(500)
        a, b = RegionStore(n_bits, 3), RegionStore(n_bits, 3)
        for r in range(500):
            a.append(Region(bits[r], wit[r], float(marg[r])))
        b.extend(bits[:200], wit[:200], marg[:200])
        b.extend(bits[200:], wit[200:], marg[200:])
        assert len(a) == len(b) == 500
        assert np.array_equal(a.block(0, 500)["bits"], b.block(0, 500)["bits"])
        assert np.array_equal(a.block(0, 500)["witness"], wit) and np.array_equal(b.block(0, 500)["margin"], marg)
        if n_bits == 0:
            assert not a.block(0, 500)["bits"].any() and not b.block(0, 500)["bits"].any()

"""Issue 17, the compiled vertex search (engines/vertex/kernel.py): the same regions in the same
order as the numpy search (kernel='numpy', the engine before the change) on every oracle net, the
shipped models, random and degenerate nets; the doubtful decisions handed back and made exactly;
routed subtrees; the kernel's own leaves against hand counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from oracle import ROWS
from polygon_oracle import counts as oracle_counts
from test_lp_support import strictly_inside

from mip_regions.counting import count_regions
from mip_regions.engines.shared import compiled
from mip_regions.engines.vertex import engine as vertex
from mip_regions.engines.vertex import kernel as vertex_kernel
from mip_regions.engines.vertex.polytope import box
from mip_regions.errors import EngineError
from mip_regions.io.netfile import read_network
from mip_regions.nets.constructions import montufar, ternary
from mip_regions.nets.maxout_nets import random_maxout
from mip_regions.nets.random_nets import random_mlp, random_ternary_mlp
from mip_regions.parallel.merge import merge_regions
from mip_regions.parallel.tasks import run_route

pytestmark = pytest.mark.skipif(not compiled.available(), reason="numba not installed")

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
MODELS = sorted(p.name for p in MODELS_DIR.glob("*.json"))


def both(net, **kw):
    """(numba run, numpy run), checked to list the same patterns in the same order, with
    witnesses that agree to rounding and margins that are positive."""
    fast = count_regions(net, "vertex", kernel="numba", **kw)
    slow = count_regions(net, "vertex", kernel="numpy", **kw)
    assert fast.activation_regions == slow.activation_regions
    n = len(fast.regions)
    assert np.array_equal(fast.regions.bits_block(0, n), slow.regions.bits_block(0, n)), \
        "patterns differ (or their order)"
    wf = np.array([r.witness for r in fast.regions]).reshape(n, -1)
    ws = np.array([r.witness for r in slow.regions]).reshape(n, -1)
    scale = float(np.abs(net.domain.upper - net.domain.lower).max())
    assert np.abs(wf - ws).max(initial=0.0) <= 1e-12 * scale
    assert all(r.margin > 0 for r in fast.regions)
    return fast, slow


@pytest.mark.parametrize("row", sorted(ROWS))
def test_oracle_rows(row):
    builder, a_full = ROWS[row][0], ROWS[row][1]
    fast, _ = both(builder())
    assert fast.activation_regions == a_full


@pytest.mark.parametrize("name", MODELS)
def test_shipped_models(name):
    both(read_network(MODELS_DIR / name))


DEGENERATE = {
    # the paper's constructions: coincident hyperplanes, hyperplanes on the box's faces,
    # identically zero units, identity layers; many vertices exactly on hyperplanes
    "montufar 2,3,3": lambda: montufar(2, 3, 3),
    "montufar 3,2,3": lambda: montufar(3, 2, 3),
    "ternary n0=2 q=2 L=3": lambda: ternary(2, 2, 3),
    "ternary n0=3 q=2 L=3": lambda: ternary(3, 2, 3),
    "random ternary 3-6-6": lambda: random_ternary_mlp([3, 6, 6], 4),
    "random ternary 2-8-8-8": lambda: random_ternary_mlp([2, 8, 8, 8], 5),
}


@pytest.mark.parametrize("name", list(DEGENERATE))
def test_degenerate_nets_hand_back_and_stay_exact(name):
    net = DEGENERATE[name]()
    fast, _ = both(net)
    if net.input_dim == 2:
        assert fast.activation_regions == oracle_counts(net)[0]      # the polygon oracle
    for region in list(fast.regions)[:40]:
        assert strictly_inside(net, region)


def test_a_vertex_on_a_hyperplane_is_handed_back():
    """montufar's nets put vertices on hyperplanes: the kernel hands those cells back (counted)."""
    fast = count_regions(montufar(2, 3, 3), "vertex", kernel="numba")
    assert fast.stats.get("kernel_handbacks", 0) > 0
    assert fast.activation_regions == oracle_counts(montufar(2, 3, 3))[0]


@pytest.mark.parametrize("net", [random_mlp([2, 8, 8], 1), random_mlp([3, 8, 8, 8], 2),
                                 random_mlp([5, 10, 10], 2), random_mlp([6, 8, 8, 8], 3),
                                 random_maxout([3, 5, 5], 3, 5)],
                         ids=["2-8-8", "3-8-8-8", "5-10-10", "6-8-8-8", "maxout 3-5-5"])
def test_random_nets(net):
    fast, _ = both(net)
    assert fast.stats.get("kernel_handbacks", 0) == 0 or net.layers[0].act.rows_per_unit > 1
    for region in list(fast.regions)[:40]:
        assert strictly_inside(net, region)


def test_large_cells_go_the_numpy_way(monkeypatch):
    """A cell above KERNEL_MAX_VERTICES (here 6) is searched without the kernel, or handed back
    when a split makes one: still the same regions."""
    net = random_mlp([3, 8, 8], 1)
    ref = count_regions(net, "vertex", kernel="numpy")
    monkeypatch.setattr(vertex, "KERNEL_MAX_VERTICES", 10)
    fast = count_regions(net, "vertex", kernel="numba")
    assert fast.stats.get("kernel_handbacks", 0) > 0
    n = ref.activation_regions
    assert fast.activation_regions == n
    assert np.array_equal(fast.regions.bits_block(0, n), ref.regions.bits_block(0, n))


@pytest.mark.parametrize("net", [random_mlp([3, 8, 8, 8], 2), montufar(2, 3, 3)], ids=["random", "montufar"])
def test_routed_subtrees_replay_the_router(net):
    """Routes cut inside a layer the kernel searched in one call (the leaves' branches are fed
    to the router afterwards): every cut gives the serial regions, witnesses included."""
    ref = count_regions(net, "vertex", kernel="numba")
    n = ref.activation_regions
    for depth, after in ((1, None), (4, None), (2, 0.0)):
        results = [run_route(net, "vertex", {"kernel": "numba"}, (), split_depth=depth)]
        todo = list(results[0].handed)
        while todo:
            r = run_route(net, "vertex", {"kernel": "numba"}, todo.pop(), split_after=after)
            results.append(r)
            todo.extend(r.handed)
        assert len(results) > 2
        assert sum(r.count for r in results) == n
        merged = merge_regions(net.num_relu, net.input_dim, results)
        assert np.array_equal(merged.bits_block(0, n), ref.regions.bits_block(0, n))
        assert np.array_equal(np.array([r.witness for r in merged]), np.array([r.witness for r in ref.regions]))


def test_kernel_leaves_by_hand():
    """The unit square cut by x = 1/2 and y = 1/2 (one layer, the last): four leaves, + before -,
    each with the mean of its vertices and its distance to the nearest face or cut."""
    P = box(np.zeros(2), np.ones(2), 4)
    R = np.array([[1.0, 0.0], [0.0, 1.0]])
    Q = np.array([-0.5, -0.5])
    band = np.full(2, 1e-9)
    out = vertex_kernel.layer_subtree(P.V, P.T, P.tight, R, Q, band, np.arange(2), 4, True,
                                      np.zeros((0, 2)), np.zeros(0), np.zeros(2), np.ones(2), 100,
                                      np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))
    status, nl, bits, cuts, off, X, M = out[:7]
    assert status == vertex_kernel.OK and nl == 4 and out[11] == 3      # 3 splits
    assert bits[:4].tolist() == [[1, 1], [1, 0], [0, 1], [0, 0]]
    assert [cuts[off[j]:off[j + 1]].tolist() for j in range(4)] == [[1, 2], [1, -2], [-1, 2], [-1, -2]]
    assert np.allclose(X[:4], [[0.75, 0.75], [0.75, 0.25], [0.25, 0.75], [0.25, 0.25]])
    assert np.allclose(M[:4], 0.25)


def test_kernel_follows_a_route():
    """follow = (1,): the first split takes its - side only (a parallel task's way down to its
    subtree); below the route both sides again."""
    P = box(np.zeros(2), np.ones(2), 4)
    R = np.array([[1.0, 0.0], [0.0, 1.0]])
    Q = np.array([-0.5, -0.5])
    out = vertex_kernel.layer_subtree(P.V, P.T, P.tight, R, Q, np.full(2, 1e-9), np.arange(2), 4, True,
                                      np.zeros((0, 2)), np.zeros(0), np.zeros(2), np.ones(2), 100,
                                      np.array([1], dtype=np.int64), np.zeros(1, dtype=np.int64))
    status, nl, bits, cuts, off = out[:5]
    assert status == vertex_kernel.OK and nl == 2
    assert bits[:2].tolist() == [[0, 1], [0, 0]]
    assert [cuts[off[j]:off[j + 1]].tolist() for j in range(2)] == [[-1, 2], [-1, -2]]


def test_kernel_hands_back_a_vertex_on_the_hyperplane():
    """x + y = 1 through two corners of the unit square: no float decision may place a vertex on
    a hyperplane, so the kernel returns TROUBLE (vertex.decide decides it exactly)."""
    P = box(np.zeros(2), np.ones(2), 4)
    R = np.array([[1.0, 1.0]]) / np.sqrt(2)
    Q = np.array([-1.0]) / np.sqrt(2)
    out = vertex_kernel.layer_subtree(P.V, P.T, P.tight, R, Q, np.full(1, 1e-9), np.arange(1), 4,
                                      True, np.zeros((0, 2)), np.zeros(0), np.zeros(2), np.ones(2), 100,
                                      np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))
    assert out[0] == vertex_kernel.TROUBLE


def test_kernel_option_errors(monkeypatch):
    net = random_mlp([2, 4, 4], 0)
    with pytest.raises(EngineError, match="kernel must be one of"):
        count_regions(net, "vertex", kernel="cuda")
    monkeypatch.setattr(compiled, "numba", None)
    with pytest.raises(EngineError, match="needs numba"):
        count_regions(net, "vertex", kernel="numba")
    assert count_regions(net, "vertex").activation_regions == \
        count_regions(net, "vertex", kernel="numpy").activation_regions     # auto falls back


def test_cli_kernel_option(tmp_path, capsys):
    from mip_regions.cli import main
    from mip_regions.io.netfile import write_network
    f = tmp_path / "net.json"
    write_network(random_mlp([2, 6, 6], 0), f)
    outs = []
    for k in ("numba", "numpy"):
        assert main(["count", str(f), "--method", "vertex", "--kernel", k, "--json"]) == 0
        outs.append(capsys.readouterr().out)
    import json
    a, b = (json.loads(o) for o in outs)
    assert a["activation_regions"] == b["activation_regions"] > 1
    assert main(["count", str(f), "--method", "mip", "--kernel", "numpy"]) == 2
    assert "--kernel applies to --method vertex and lp only" in capsys.readouterr().err

"""Counting along lines and on planes through the input space (issue 17, part 4): the restricted
network is exact, its count equals an independent count of the full network's cells met by the
line (polygon oracle), a plane through the whole box gives the full count, and a 784-input net
is counted on a line in seconds."""

import json
from fractions import Fraction as Q

import numpy as np
import pytest

import polygon_oracle as po
from mip_regions import count_regions, read_network
from mip_regions.cli import main
from mip_regions.errors import MipRegionsError
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.random_nets import random_mlp
from mip_regions.nets.restrict import line, plane

MODEL = "models/random-int_n0-2_4-4_seed-0.json"


def cells_met_by_segment(net, a, b):
    """Independent: the oracle's exact cells of the 2-D net, each clipped to the segment a-b."""
    count = 0
    for poly, _, _ in po.leaves(net):
        lo, hi = Q(0), Q(1)                     # t in [0, 1], x = a + t (b - a)
        d = [y - x for x, y in zip(a, b)]
        n = len(poly)
        for k in range(n):                      # each edge's inner half-plane, whatever orientation
            p, q = poly[k], poly[(k + 1) % n]
            normal = (-(q[1] - p[1]), q[0] - p[0])
            inner = poly[(k + 2) % n]
            sgn = 1 if normal[0] * (inner[0] - p[0]) + normal[1] * (inner[1] - p[1]) >= 0 else -1
            c0 = sgn * (normal[0] * (a[0] - p[0]) + normal[1] * (a[1] - p[1]))
            c1 = sgn * (normal[0] * d[0] + normal[1] * d[1])
            if c1 > 0:
                lo = max(lo, -c0 / c1)
            elif c1 < 0:
                hi = min(hi, -c0 / c1)
            elif c0 < 0:
                lo, hi = Q(1), Q(0)
        count += hi > lo
    return count


@pytest.mark.parametrize("seed", range(4))
def test_a_line_counts_the_cells_it_crosses(seed):
    net = read_network(MODEL) if seed == 0 else random_mlp([2, 5, 4], seed)
    exact = network_from_lists([(W, b, l.activation) for l, (W, b) in zip(net.layers, net.rational_layers())],
                               *net.exact_domain())
    rng = np.random.default_rng(seed)
    a, b = [Q(int(v), 8) for v in rng.integers(-8, 9, 2)], [Q(int(v), 8) for v in rng.integers(-8, 9, 2)]
    if a == b:
        b = [-v for v in a] if any(a) else [Q(1), Q(1)]
    res = count_regions(line(exact, a, b), "exact1d")
    assert res.activation_regions == cells_met_by_segment(exact, a, b)
    assert count_regions(line(exact, a, b), "vertex").activation_regions == res.activation_regions


def test_a_plane_through_the_whole_box_gives_the_full_count(capsys):
    full = count_regions(read_network(MODEL)).activation_regions
    assert main(["count", MODEL, "--slice", "0,0", "1,0", "0,1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["activation_regions"] == full == 11
    assert main(["count", MODEL, "--line", "-1,-1", "1,1", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["activation_regions"] == cells_met_by_segment(read_network(MODEL), [Q(-1), Q(-1)], [Q(1), Q(1)])


def test_a_784_input_net_on_a_line_in_seconds():
    import time
    net = random_mlp([784, 64, 64], 0, lower=0.0, upper=1.0)
    rng = np.random.default_rng(0)
    a, b = rng.random(784), rng.random(784)
    t = time.perf_counter()
    res = count_regions(line(net, a, b), "exact1d", linear=True)
    assert res.complete and res.activation_regions > 1 and time.perf_counter() - t < 60
    X = a + np.linspace(0, 1, 2001)[:, None] * (b - a)      # the patterns met at dense points
    pats = {p.tobytes() for p in net.patterns(X)}
    assert len(pats) <= res.activation_regions


def test_bad_lines_and_planes_are_named(capsys):
    net = read_network(MODEL)
    with pytest.raises(MipRegionsError, match="length 0"):
        line(net, [0, 0], [0, 0])
    with pytest.raises(MipRegionsError, match="parallel"):
        plane(net, [0, 0], [1, 1], [2, 2])
    assert main(["count", MODEL, "--line", "0,0,0", "1,1,1"]) == 2
    assert "2 coordinates" in capsys.readouterr().err


def test_lines_between_data_points(tmp_path, capsys):
    X = np.random.default_rng(0).uniform(-1, 1, (6, 2))
    np.save(tmp_path / "x.npy", X)
    assert main(["count", MODEL, "--line-from-data", str(tmp_path / "x.npy"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    net = read_network(MODEL)
    want = [count_regions(line(net, a.tolist(), b.tolist()), "exact1d").activation_regions
            for a, b in zip(X[:-1], X[1:])]
    assert d["activation_regions"] == want and d["segments"] == 5
    length = sum(float(np.linalg.norm(b - a)) for a, b in zip(X[:-1], X[1:]))
    assert d["boundaries_per_unit_length"] == pytest.approx(sum(c - 1 for c in want) / length)
    np.save(tmp_path / "bad.npy", np.zeros((3, 5)))
    assert main(["count", MODEL, "--line-from-data", str(tmp_path / "bad.npy")]) == 2
    assert "with 2 coordinates each" in capsys.readouterr().err


def test_segments_csv_and_density_spread(tmp_path, capsys):
    """--segments-out: one row per segment, each count equal to `count --line A B` on it (the
    restriction done independently by the CLI), the density per segment and its spread."""
    import csv
    X = np.random.default_rng(4).uniform(-1, 1, (5, 2))
    X[2] = X[1]                                   # a repeated point: that segment is skipped
    np.save(tmp_path / "x.npy", X)
    out = tmp_path / "seg.csv"
    assert main(["count", MODEL, "--line-from-data", str(tmp_path / "x.npy"), "--segments-out", str(out),
                 "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    rows = list(csv.DictReader(open(out)))
    assert [(int(r["from"]), int(r["to"])) for r in rows] == [(0, 1), (2, 3), (3, 4)]
    for r in rows:
        a, b = X[int(r["from"])], X[int(r["to"])]
        np.save(tmp_path / "a.npy", a)            # .npy: the same float coordinates, exactly
        np.save(tmp_path / "b.npy", b)
        assert main(["count", MODEL, "--line", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--json",
                     "--no-linear"]) == 0
        assert int(r["activation_regions"]) == json.loads(capsys.readouterr().out)["activation_regions"]
        assert float(r["boundaries_per_unit_length"]) == pytest.approx(
            (int(r["activation_regions"]) - 1) / float(np.linalg.norm(b - a)))
    dens = [float(r["boundaries_per_unit_length"]) for r in rows]
    assert d["density_over_segments"]["mean"] == pytest.approx(np.mean(dens))
    assert d["density_over_segments"]["std"] == pytest.approx(np.std(dens))


def test_plane_through_three_data_points(tmp_path, capsys):
    """--through: the plane through three points; the points sit at (0,0), (1,0), (0,1) of the
    slice (their patterns there are the network's at the points), and the count equals --slice
    with P = a, U = b - a, V = c - a over the same extent."""
    from mip_regions.nets.random_nets import random_mlp
    from mip_regions.nets.restrict import plane_through
    from mip_regions.io.netfile import write_network
    net = random_mlp([6, 10, 8], seed=3)
    path = tmp_path / "n.json"
    write_network(net, path)
    X = np.random.default_rng(2).uniform(-1, 1, (4, 6))
    np.save(tmp_path / "x.npy", X)
    sl = plane_through(net, X[1], X[3], X[0], margin=0.5)
    for st, x in (((0, 0), X[1]), ((1, 0), X[3]), ((0, 1), X[0])):
        assert np.array_equal(sl.patterns(np.array([st], float)), net.patterns(x[None, :]))
    assert main(["count", str(path), "--through", str(tmp_path / "x.npy"), "--rows", "1,3,0", "--margin", "0.5",
                 "--json", "--no-linear"]) == 0
    a = json.loads(capsys.readouterr().out)
    for name, v in (("p", X[1]), ("u", X[3] - X[1]), ("v", X[0] - X[1])):
        np.save(tmp_path / f"{name}.npy", v)
    assert main(["count", str(path), "--slice", str(tmp_path / "p.npy"), str(tmp_path / "u.npy"),
                 str(tmp_path / "v.npy"), "--extent=-0.5,1.5,-0.5,1.5", "--json", "--no-linear"]) == 0
    b = json.loads(capsys.readouterr().out)
    assert a["activation_regions"] == b["activation_regions"] > 1
    np.save(tmp_path / "col.npy", np.array([X[0], X[1], 2 * X[1] - X[0]]))      # on one line
    assert main(["count", str(path), "--through", str(tmp_path / "col.npy")]) == 2
    assert "lie on one line" in capsys.readouterr().err


def test_plot_through_three_points_marks_them(tmp_path):
    pytest.importorskip("matplotlib")
    from mip_regions.nets.random_nets import random_mlp
    from mip_regions.io.netfile import write_network
    path = tmp_path / "n.json"
    write_network(random_mlp([5, 8, 6], seed=1), path)
    np.save(tmp_path / "x.npy", np.random.default_rng(0).uniform(-1, 1, (3, 5)))
    assert main(["plot", str(path), "--through", str(tmp_path / "x.npy"), "-o", str(tmp_path / "t.png")]) == 0
    assert (tmp_path / "t.png").stat().st_size > 5000


def test_segments_on_workers_equal_the_serial_rows():
    """--workers 2: the segments run in chunks on a local cluster and come back in segment order,
    the same rows as the serial run (the counts also equal the all-rational engine's)."""
    from mip_regions.workflows import data_lines
    net = random_mlp([3, 8, 8], 2)
    X = np.random.default_rng(2).uniform(-1, 1, (40, 3))
    serial, stopped = data_lines.segment_rows(net, X)
    assert stopped is None and len(serial) == 39
    ref = [count_regions(line(net, a.tolist(), b.tolist()), "rational1d").activation_regions
           for a, b in zip(X[:-1], X[1:])]
    assert [r["activation_regions"] for r in serial] == ref
    old, data_lines.CHUNK = data_lines.CHUNK, 5       # 8 chunks, finishing in any order
    try:
        par, stopped = data_lines.segment_rows(net, X, workers=2)
    finally:
        data_lines.CHUNK = old
    assert stopped is None
    assert [(r["from"], r["activation_regions"]) for r in par] == [(r["from"], r["activation_regions"]) for r in serial]


def test_a_stopped_segment_or_run_is_a_lower_bound():
    from mip_regions.workflows.data_lines import summary
    rows = [{"length": 1.0, "activation_regions": 3, "boundaries_per_unit_length": 2.0, "count_is": "exact"}]
    assert summary(rows)["count_is"] == "exact"
    assert summary(rows, "interrupted (Ctrl-C) after 1 of 5 segments")["count_is"] == "lower bound"
    assert summary(rows + [dict(rows[0], count_is="lower bound")])["count_is"] == "lower bound"


def test_line_from_data_refuses_the_sampling_method(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros((3, 2)) + [[0, 0], [1, 1], [0, 1]])
    assert main(["count", MODEL, "--line-from-data", str(tmp_path / "x.npy"), "--method", "sample"]) == 2
    assert "lower bounds only" in capsys.readouterr().err


def test_plot_stopped_by_its_time_limit_draws_what_it_found(tmp_path, capsys):
    """A slice through a sparse CNN (read from ONNX) stopped by --time-limit: the regions found
    are drawn, the exit status is 4 and the message says it is a lower bound."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("onnx")
    from test_sparse_onnx import small_cnn
    path = small_cnn(tmp_path / "c.onnx")
    np.save(tmp_path / "x.npy", np.random.default_rng(0).uniform(0, 1, (3, 36)))
    out = tmp_path / "t.png"
    assert main(["plot", str(path), "--domain", "0:1", "--through", str(tmp_path / "x.npy"), "--time-limit", "0",
                 "-o", str(out)]) == 4
    assert "lower bound" in capsys.readouterr().out and out.stat().st_size > 3000
    assert main(["plot", str(path), "--domain", "0:1", "--through", str(tmp_path / "x.npy"), "-o", str(out)]) == 0

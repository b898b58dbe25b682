"""``count --around X.npy --radius r`` (issue 29, item 3): exact counts over L-infinity balls."""

import csv
import json

import numpy as np
import pytest

from mip_regions.cli import main
from mip_regions.counting import count_regions
from mip_regions.io.netfile import write_network
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.random_nets import random_mlp
from mip_regions.workflows.balls import ball_box, ball_counts


@pytest.fixture
def net4(tmp_path):
    net = random_mlp([4, 8, 8], seed=0)
    path = tmp_path / "net.json"
    write_network(net, path)
    return net, path


def test_a_ball_inside_one_cell_has_one_region():
    """One hidden layer: the L-infinity distance from x to the hyperplane w.z + b = 0 is
    |w.x + b| / ||w||_1; a radius below the smallest of them leaves x's cell unbroken."""
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((6, 3)), rng.standard_normal(6)
    net = network_from_lists([(W, b, "relu"), (np.ones((1, 6)), [0], "identity")], [-2] * 3, [2] * 3)
    X = rng.uniform(-1.5, 1.5, (20, 3))
    dist = (np.abs(X @ W.T + b) / np.abs(W).sum(axis=1)).min(axis=1)
    for x, d in zip(X, dist):
        assert ball_counts(net, x[None, :], [0.99 * d])[0].activation_regions == 1
        # just past the nearest hyperplane: 2 cells or more
        assert ball_counts(net, x[None, :], [1.01 * d])[0].activation_regions >= 2


def test_one_dimensional_balls_count_their_breakpoints():
    """n0 = 1: the regions in (x - r, x + r) are the breakpoints inside plus one."""
    W, b = [[1], [2], [-1], [4]], [0, -1, 0.5, -3]
    net = network_from_lists([(W, b, "relu"), ([[1, 1, 1, 1]], [0], "identity")], [-4], [4])
    breaks = [0, 0.5, 0.5, 0.75]
    for x, r in [(0.0, 0.1), (0.6, 0.2), (0.0, 1.0), (3.9, 0.5), (-1, 2)]:
        want = len({t for t in breaks if max(-4, x - r) < t < min(4, x + r)}) + 1
        assert ball_counts(net, [[x]], [r])[0].activation_regions == want, (x, r)


def test_a_ball_equal_to_a_box_counts_as_the_box(net4, capsys):
    net, path = net4
    x, r = np.array([0.125, -0.25, 0.375, 0.0]), 0.5          # dyadic: x +- r exact in floats
    np.save(path.parent / "x.npy", x[None, :])
    assert main(["count", str(path), "--around", str(path.parent / "x.npy"), "--radius", str(r), "--json"]) == 0
    ball = json.loads(capsys.readouterr().out)
    box = ",".join(f"{float(a)!r}:{float(b)!r}" for a, b in zip(x - r, x + r))
    assert main(["count", str(path), f"--domain={box}", "--json", "--no-linear"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert ball["balls"][0]["activation_regions"] == whole["activation_regions"] > 1


def test_a_ball_larger_than_the_domain_is_the_domain(net4):
    net, _ = net4
    whole = count_regions(net, "vertex", progress=False).activation_regions
    assert ball_counts(net, [[1, 1, 1, 1]], [2.0])[0].activation_regions == whole == 484


def test_exact_box_arithmetic():
    """x - r is computed exactly (0.1 - 0.3 in floats is -0.19999999999999998)."""
    from fractions import Fraction
    net = random_mlp([1, 3], seed=1)
    lo, hi = ball_box(net, [0.1], 0.3)
    assert lo == [Fraction(0.1) - Fraction(0.3)] and hi == [Fraction(0.1) + Fraction(0.3)]


def test_curves_csv_and_plot(net4, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    _, path = net4
    np.save(tmp_path / "pts.npy", np.random.default_rng(0).uniform(-0.9, 0.9, (3, 4)))
    out, png = tmp_path / "balls.csv", tmp_path / "balls.png"
    rc = main(["count", str(path), "--around", str(tmp_path / "pts.npy"), "--radius", "0.01,0.1,1",
               "--balls-out", str(out), "--balls-plot", str(png)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "radius" in text and "3 of 3 exact" in text
    rows = list(csv.DictReader(open(out)))
    assert len(rows) == 9 and {r["count_is"] for r in rows} == {"exact"}
    for p in range(3):       # regions(r) never decreases: the balls are nested
        vals = [int(r["activation_regions"]) for r in rows if int(r["point"]) == p]
        assert vals == sorted(vals)
    assert png.stat().st_size > 1000


@pytest.mark.parametrize("args,msg", [
    (["--radius", "0"], "--radius: expected positive numbers"),
    ([], "--around needs --radius"),
    (["--radius", "0.1", "--line-from-data", "x.npy"], "not with --line"),
])
def test_bad_options(net4, tmp_path, capsys, args, msg):
    _, path = net4
    np.save(tmp_path / "p.npy", np.zeros((1, 4)))
    assert main(["count", str(path), "--around", str(tmp_path / "p.npy")] + args) == 2
    assert msg in capsys.readouterr().err


def test_points_outside_the_domain_or_of_the_wrong_size(net4, tmp_path, capsys):
    _, path = net4
    np.save(tmp_path / "far.npy", np.full((1, 4), 5.0))
    assert main(["count", str(path), "--around", str(tmp_path / "far.npy"), "--radius", "0.1"]) == 2
    assert "does not meet the domain" in capsys.readouterr().err
    np.save(tmp_path / "short.npy", np.zeros((2, 3)))
    assert main(["count", str(path), "--around", str(tmp_path / "short.npy"), "--radius", "0.1"]) == 2
    assert "expected points with 4 coordinates" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [["--around", "P", "--radius", "0.1"], ["--line-from-data", "P"], ["--domain", "R"]])
def test_regions_out_is_refused_with_many_counts(net4, tmp_path, capsys, extra):
    """It used to be silently ignored."""
    _, path = net4
    np.save(tmp_path / "p.npy", np.zeros((2, 4)))
    extra = [str(tmp_path / "p.npy") if v == "P" else v for v in extra]
    assert main(["count", str(path), "--regions-out", str(tmp_path / "r.jsonl")] + extra) == 2
    assert "are not written with" in capsys.readouterr().err
    assert not (tmp_path / "r.jsonl").exists()

"""Counting over the whole line and the exhaustive ternary search (issue 16, parts for n0 = 1),
against independent computations: breakpoint counting in exact arithmetic written here, and a
vectorised brute force over every ternary network of a one-hidden-layer architecture."""

import itertools
import json
from fractions import Fraction as Q

import numpy as np
import pytest

from mip_regions.workflows.whole_line import search_size, search_ternary, whole_line_counts
from mip_regions.cli import main
from mip_regions.nets.constructions import montufar, ternary
from mip_regions.nets.network import network_from_lists


def independent_counts(net):
    """Over R: every possible breakpoint of every unit (roots of each layer's pre-activations on
    each piece found so far) is collected by refining; then patterns and maps at representative
    points, exactly. Written without the engines: repeated refinement until stable."""
    cuts = set()
    while True:
        pts = sorted(cuts)
        reps = ([pts[0] - 1] if pts else [Q(0)]) + [(a + b) / 2 for a, b in zip(pts, pts[1:])] + \
            ([pts[-1] + 1] if pts else [])
        new = set(cuts)
        for x in reps:         # the affine pre-activations around x: derivative by exact difference
            z0 = net.exact_preactivations([x])
            z1 = net.exact_preactivations([x + Q(1, 10 ** 9)])
            for l0, l1 in zip(z0[:-1], z1[:-1]):
                for u0, u1 in zip(l0, l1):
                    slope = (u1 - u0) * 10 ** 9
                    if slope != 0:
                        root = x - u0 / slope
                        lo = max([p for p in pts if p < x], default=None)
                        hi = min([p for p in pts if p > x], default=None)
                        if (lo is None or root > lo) and (hi is None or root < hi):
                            new.add(root)
        if new == cuts:
            break
        cuts = new
    pts = sorted(cuts)
    reps = ([pts[0] - 1] if pts else [Q(0)]) + [(a + b) / 2 for a, b in zip(pts, pts[1:])] + \
        ([pts[-1] + 1] if pts else [])
    pats, maps = [], []
    for x in reps:
        pats.append(tuple(v > 0 for l in net.exact_preactivations([x])[:-1] for v in l))
        y0, y1 = net.exact_preactivations([x])[-1][0], net.exact_preactivations([x + Q(1, 10 ** 9)])[-1][0]
        s = (y1 - y0) * 10 ** 9
        maps.append((s, y0 - s * x))
    ar = 1 + sum(pats[k] != pats[k - 1] for k in range(1, len(pats)))
    lr = 1 + sum(maps[k] != maps[k - 1] for k in range(1, len(maps)))
    return ar, lr, len(set(maps))


@pytest.mark.parametrize("seed", range(6))
def test_whole_line_counts_match_independent_breakpoint_counting(seed):
    rng = np.random.default_rng(seed)
    layers, n = [], 1
    for w in (3, 2):
        layers.append((rng.integers(-3, 4, (w, n)).tolist(), rng.integers(-3, 4, w).tolist(), "relu"))
        n = w
    layers.append((rng.integers(-2, 3, (1, n)).tolist(), [0], "identity"))
    net = network_from_lists(layers, [0], [1])
    assert whole_line_counts(net) == independent_counts(net)


def test_the_constructions_over_r_are_at_least_the_paper_bound():
    for p, L in ((2, 3), (3, 3), (2, 4)):
        assert whole_line_counts(montufar(1, p, L))[0] >= p ** (L - 1)
    for q, L in ((2, 3), (3, 5)):
        assert whole_line_counts(ternary(1, q, L))[0] >= q ** ((L - 1) // 2)
    assert whole_line_counts(montufar(1, 2, 3)) == independent_counts(montufar(1, 2, 3))


def brute_force_one_layer(n):
    """Every ternary 1-n-1 network at once (numpy): the breakpoints -b/w all lie in {-1, 0, 1}, so
    the four intervals around them carry every pattern and map."""
    units = np.array(list(itertools.product((-1, 0, 1), repeat=2)))         # (w, b)
    outs = np.array(list(itertools.product((-1, 0, 1), repeat=n)))
    best = [0, 0, 0]
    xs = np.array([-2.0, -0.5, 0.5, 2.0])
    for hid in itertools.product(range(9), repeat=n):
        w, b = units[list(hid), 0], units[list(hid), 1]
        act = (np.outer(xs, w) + b) > 0                                     # (4 points, n units)
        ar = 1 + int((act[1:] != act[:-1]).any(axis=1).sum())
        slope = (act * w) @ outs.T                                          # (4, outputs)
        icpt = (act * b) @ outs.T
        change = (slope[1:] != slope[:-1]) | (icpt[1:] != icpt[:-1])
        lr = 1 + change.sum(axis=0)
        maps = [len({(slope[k, o], icpt[k, o]) for k in range(4)}) for o in range(len(outs))]
        best = [max(best[0], ar), max(best[1], int(lr.max())), max(best[2], max(maps))]
    return best


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_search_ternary_equals_an_independent_brute_force(n):
    res = search_ternary([1, n, 1])
    got = [res.best[k][0] for k in ("activation_regions", "linear_regions", "affine_maps")]
    assert got == brute_force_one_layer(n)
    assert res.full_size == 3 ** (3 * n) and res.searched == search_size([1, n, 1])[1] < res.full_size
    for name, (value, layers) in res.best.items():      # each witness attains its maximum
        net = network_from_lists(layers, [-1], [1])
        k = ("activation_regions", "linear_regions", "affine_maps").index(name)
        assert whole_line_counts(net)[k] == value


def test_search_cli_and_count_over_r(tmp_path, capsys):
    assert main(["search", "ternary", "--arch", "1-2-1", "-o", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["maxima"] == {"activation_regions": 3, "linear_regions": 3, "affine_maps": 3}
    assert out["networks_3^P"] == 729 and out["searched"] == 225
    assert main(["count", str(tmp_path / "1-2-1_activation_regions.json"), "--domain", "R"]) == 0
    assert "activation regions   3 " in capsys.readouterr().out
    assert main(["search", "ternary", "--arch", "2-2-2"]) == 2      # one output only
    assert "one output" in capsys.readouterr().err


# -- n0 >= 2 (workflows/ternary_search.py) against an independent brute force ----------------------

def _brute_force_2d(arch):
    """Maxima over ALL 3^P ternary networks of a 2-input architecture, each counted by the exact
    polygon oracle (tests/polygon_oracle.py, no engine code) on [-16, 16]^2: with weights and
    biases in {-1, 0, 1} and at most two hidden layers of width <= 2, every vertex of the cell
    complex lies within |x| <= 4, so this box meets every region of R^2."""
    import itertools
    from polygon_oracle import counts
    from mip_regions.nets.network import network_from_lists
    hidden = arch[1:-1]
    shapes = [(b, a + 1) for a, b in zip(arch[:-2], hidden)]
    n_params = sum(r * c for r, c in shapes) + hidden[-1]
    best = [0, 0, 0]
    for theta in itertools.product((-1, 0, 1), repeat=n_params):
        k, layers = 0, []
        for rows, cols in shapes:
            M = [list(theta[k + i * cols: k + (i + 1) * cols]) for i in range(rows)]
            layers.append(([r[:-1] for r in M], [r[-1] for r in M], "relu"))
            k += rows * cols
        layers.append(([list(theta[k:])], [0], "identity"))
        c = counts(network_from_lists(layers, [-16, -16], [16, 16]))
        best = [max(b, v) for b, v in zip(best, c)]
    return tuple(best)


@pytest.mark.parametrize("arch", [[2, 1, 1], [2, 2, 1], [2, 1, 1, 1]])
def test_search_2d_equals_the_brute_force(arch):
    from mip_regions.workflows.ternary_search import search_ternary_nd
    res = search_ternary_nd(arch)
    got = tuple(res.best[k][0] for k in ("activation_regions", "linear_regions", "affine_maps"))
    assert got == _brute_force_2d(arch)
    assert res.full_size == 3 ** (sum((a + 1) * b for a, b in zip(arch[:-2], arch[1:-1])) + arch[-2])
    assert res.searched < res.full_size / 4          # the reductions
    from polygon_oracle import counts
    from mip_regions.nets.network import network_from_lists
    for k, name in enumerate(("activation_regions", "linear_regions", "affine_maps")):   # witnesses attain it
        value, layers = res.best[name]
        assert counts(network_from_lists(layers, [-16, -16], [16, 16]))[k] == value


def test_input_symmetry_reduction_keeps_one_of_each_orbit():
    from mip_regions.workflows.ternary_search import _input_images, canonical_first_layers
    keep = canonical_first_layers(2, 1)
    # 27 rows (w1, w2, b); the signed permutations of (w1, w2) leave the orbits
    # {0}, {(+-1, 0), (0, +-1)}, {(+-1, +-1)} of the weights, times 3 biases: 9 classes
    assert len(keep) == 9
    assert all(rows == min(_input_images(rows, 2)) for rows in keep)

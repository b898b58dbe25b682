"""Issue 17: the lp engine with the support LP (decide='support', the default) gives the same
regions as the margin LP alone (decide='margin', the engine before the change) and as the vertex
engine, on every oracle net, the shipped models and random nets; its witnesses are interior
points of their regions, and deep ones when witnesses are asked for."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from mip_regions.counting import count_regions
from mip_regions.engines.exact.net import ExactNet
from mip_regions.io.netfile import read_network
from mip_regions.nets.maxout_nets import random_maxout
from mip_regions.nets.random_nets import random_mlp, random_ternary_mlp

from pathlib import Path

from oracle import ROWS

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
MODELS = sorted(p.name for p in MODELS_DIR.glob("*.json"))


def patterns(res):
    n = len(res.regions)
    return {bytes(np.packbits(b)) for b in res.regions.bits_block(0, n)}


def strictly_inside(net, region) -> bool:
    """The witness satisfies its pattern's constraints strictly, in exact arithmetic."""
    ex = ExactNet(net)
    x = [Fraction(float(v)) for v in region.witness]
    lo, hi = net.exact_domain()
    if not all(a < v < b for a, v, b in zip(lo, x, hi)):
        return False
    for _pos, a, c, _strict in ex.pattern_rows(region.bits):
        if a is None:
            continue
        val = sum((Fraction(int(w.p), int(w.q)) * v for w, v in zip(a, x)), Fraction(0)) + Fraction(int(c.p), int(c.q))
        if not any(a) and val == 0:        # a unit that is zero on the whole cell: no constraint
            continue
        if val <= 0:
            return False
    return True


def check(net):
    sup = count_regions(net, "lp", decide="support")
    mar = count_regions(net, "lp", decide="margin")
    ver = count_regions(net, "vertex")
    assert sup.activation_regions == mar.activation_regions == ver.activation_regions
    assert patterns(sup) == patterns(mar) == patterns(ver)
    return sup


@pytest.mark.parametrize("row", sorted(k for k in ROWS if ROWS[k][0]().input_dim <= 3))
def test_oracle_rows(row):
    builder, a_full = ROWS[row][0], ROWS[row][1]
    assert check(builder()).activation_regions == a_full


@pytest.mark.parametrize("name", MODELS)
def test_shipped_models(name):
    check(read_network(MODELS_DIR / name))


@pytest.mark.parametrize("net", [random_mlp([3, 8, 8], 1), random_mlp([5, 10, 10], 2), random_mlp([7, 6, 6], 3),
                                 random_ternary_mlp([4, 6, 6], 4), random_maxout([3, 5, 5], 3, 5)],
                         ids=["3-8-8", "5-10-10", "7-6-6", "ternary 4-6-6", "maxout 3-5-5"])
def test_random_nets_and_interior_witnesses(net):
    res = check(net)
    for region in list(res.regions)[:60]:
        assert region.margin > 0 and strictly_inside(net, region)


def test_witnesses_are_deep_when_asked_and_interior_when_not():
    """Without witnesses asked, a leaf reports its known point farthest from the boundary (no LP);
    with them, the cell's Chebyshev centre joins the candidates: per region (same search, same
    order) the margin can only grow, and every witness is strictly inside, exactly."""
    from mip_regions.engines.lp.engine import run_lp
    from mip_regions.result import RunContext
    net = random_mlp([6, 8, 8], 7)
    runs = {}
    for wanted in (False, True):
        ctx = RunContext(net, "lp", progress=False)
        ctx.witnesses = wanted
        run_lp(net, ctx)
        runs[wanted] = ctx.result()
    quick, deep = runs[False], runs[True]
    assert quick.activation_regions == deep.activation_regions > 50
    assert deep.stats["lps"] > quick.stats["lps"]            # one more LP per region
    for rq, rd in zip(quick.regions, deep.regions):
        assert (rq.bits == rd.bits).all()
        assert 0 < rq.margin <= rd.margin * (1 + 1e-9)
        assert strictly_inside(net, rq) and strictly_inside(net, rd)
    assert np.mean([r.margin for r in deep.regions]) > 1.5 * np.mean([r.margin for r in quick.regions])

"""Regenerate models/ bit for bit from the constructions (run: python scripts/make_models.py).

Naming: <construction>_n0-<n0>_<p|q>-<value>_L-<depth>[_w-<width>].json, depth = number of
affine maps (the ternary paper's convention); see models/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from mip_regions.nets.constructions import montufar, ternary
from mip_regions.nets.maxout_nets import maxout_sawtooth, random_maxout
from mip_regions.io.netfile import dumps_network
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.ternarize import ternarize

MODELS = Path(__file__).resolve().parent.parent / "models"


def instances():
    for n0 in (1, 2):
        for p in (2, 3):
            for depth in (2, 3, 4):
                yield f"montufar_n0-{n0}_p-{p}_L-{depth}.json", montufar(n0, p, depth)
    for n0 in (1, 2):
        for q in (2, 3):
            for depth in (3, 5):
                yield f"ternary_n0-{n0}_q-{q}_L-{depth}.json", ternary(n0, q, depth)
    yield "ternary_n0-1_q-2_L-5_w-8.json", ternary(1, 2, 5, width=8)
    net = random_integer_net()
    yield "random-int_n0-2_4-4_seed-0.json", net
    yield "random-int_n0-2_4-4_seed-0_ternarized.json", ternarize(net, "shared")[0]
    for p, depth in ((2, 3), (4, 2)):   # dyadic breakpoints j/p: the files round-trip through ONNX exactly
        yield f"maxout-sawtooth_p-{p}_L-{depth}.json", maxout_sawtooth(p, depth)
    yield "maxout-random_n0-2_rank-3_3-3_seed-0.json", random_maxout([2, 3, 3], 3, 0)
    yield "maxout-int_n0-2_rank-2-4_3-2_seed-0.json", integer_maxout_net()


def random_integer_net():
    """A 2-4-4-1 ReLU network with integer weights in [-3, 3] and biases in [-2, 2] on [-1, 1]^2."""
    rng = np.random.default_rng(0)
    layers = [(rng.integers(-3, 4, (4, 2)).tolist(), rng.integers(-2, 3, 4).tolist(), "relu"),
              (rng.integers(-3, 4, (4, 4)).tolist(), rng.integers(-2, 3, 4).tolist(), "relu"),
              (rng.integers(-3, 4, (1, 4)).tolist(), [0], "identity")]
    return network_from_lists(layers, [-1, -1], [1, 1], name="random integer 2-4-4-1 seed=0")


def integer_maxout_net():
    """2 -> 3 rank-2 maxout -> 2 rank-4 maxout -> 1, integer weights in [-3, 3], biases in [-2, 2]."""
    rng = np.random.default_rng(0)
    layers = [(rng.integers(-3, 4, (6, 2)).tolist(), rng.integers(-2, 3, 6).tolist(), "maxout", 2),
              (rng.integers(-3, 4, (8, 3)).tolist(), rng.integers(-2, 3, 8).tolist(), "maxout", 4),
              ([[1, -1]], [0], "identity")]
    return network_from_lists(layers, [-1, -1], [1, 1], name="random integer maxout 2-3mx2-2mx4-1 seed=0")


def main(check: bool = False) -> int:
    MODELS.mkdir(exist_ok=True)
    stale = []
    for name, net in instances():
        text = dumps_network(net)
        path = MODELS / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if check and stale:
        print("models out of date:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv))


"""Regenerate models/ bit for bit from the constructions (run: python scripts/make_models.py).

Naming: <construction>_n0-<n0>_<p|q>-<value>_L-<depth>[_w-<width>].json, depth = number of
affine maps (the ternary paper's convention); see models/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mip_regions.constructions import montufar, ternary
from mip_regions.netfile import dumps_network

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

"""Quantize a trained network and measure exactly how far it moved (issue 15).

A 2-8-8-1 ReLU classifier is trained in numpy (seeded, full-batch Adam on two interleaved
moons in [-1.5, 2.5] x [-1, 1.5]). It is then quantized at 2..8 bits and ternary (TWN), and for
each version the table gives: activation regions (exact), the exact sup distance of the logit to
the original over the box (mip-regions distance), seed 003's Theorem 5 bound on it (Eq. 5),
and the test accuracy.

Writes out/paper/quantize_trained.{csv,md,png}. Run: python scripts/quantize_trained.py [--seed S] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from mip_regions import count_regions
from mip_regions.workflows.distance import distance
from mip_regions.analysis.quantization import theorem5_bound
from mip_regions.nets.network import network_from_lists
from mip_regions.nets.quantize import quantize
from mip_regions.report.tables import write_tables

BOX = ([-1.5, -1.0], [2.5, 1.5])


def moons(n, rng):
    t = rng.uniform(0, np.pi, n)
    y = rng.integers(0, 2, n)
    X = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return X + 0.1 * rng.standard_normal(X.shape), y


def train(seed: int, widths=(8, 8), steps=3000):
    """Full-batch Adam on the logistic loss; returns the network over BOX."""
    rng = np.random.default_rng(seed)
    X, y = moons(600, rng)
    sizes = [2, *widths, 1]
    P = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        P += [rng.standard_normal((b, a)) * np.sqrt(2 / a), np.zeros(b)]
    m = [np.zeros_like(p) for p in P]
    v = [np.zeros_like(p) for p in P]
    for step in range(1, steps + 1):
        hs, h = [X], X
        for k in range(0, len(P) - 2, 2):
            h = np.maximum(h @ P[k].T + P[k + 1], 0)
            hs.append(h)
        z = (h @ P[-2].T + P[-1])[:, 0]
        g = (1 / (1 + np.exp(-z)) - y)[:, None] / len(y)      # d loss / d z
        grads = [None] * len(P)
        for k in range(len(P) - 2, -1, -2):
            grads[k], grads[k + 1] = g.T @ hs[k // 2], g.sum(axis=0)
            if k:
                g = (g @ P[k]) * (hs[k // 2] > 0)
        for i, gr in enumerate(grads):                       # Adam
            m[i] = 0.9 * m[i] + 0.1 * gr
            v[i] = 0.999 * v[i] + 0.001 * gr ** 2
            P[i] -= 0.01 * (m[i] / (1 - 0.9 ** step)) / (np.sqrt(v[i] / (1 - 0.999 ** step)) + 1e-8)
    layers = [(P[k].tolist(), P[k + 1].tolist(), "relu") for k in range(0, len(P) - 2, 2)]
    layers.append((P[-2].tolist(), P[-1].tolist(), "identity"))
    return network_from_lists(layers, *BOX, name=f"moons 2-{'-'.join(map(str, widths))}-1 seed={seed}")


def accuracy(net, seed):
    X, y = moons(2000, np.random.default_rng(seed + 1000))
    return float(((net.forward(X)[:, 0] > 0) == (y == 1)).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bits", default="2,3,4,5,6,8", help="bit widths to try, comma-separated")
    ap.add_argument("--out", default="out/paper")
    args = ap.parse_args()
    net = train(args.seed)
    rows = [{"version": "float64 (trained)", "activation_regions": count_regions(net).activation_regions,
             "sup_distance": "0", "sup_distance_float": 0.0, "theorem5_bound": 0.0,
             "accuracy": round(accuracy(net, args.seed), 4)}]
    versions = [(f"{b}-bit", quantize(net, "bits", int(b))) for b in args.bits.split(",")]
    versions.append(("ternary (TWN)", quantize(net, "ternary")))
    for label, q in versions:
        d = distance(net, q)
        rows.append({"version": label, "activation_regions": count_regions(q).activation_regions,
                     "sup_distance": str(d.sup) if len(str(d.sup)) < 40 else f"{float(d.sup):.17g} (exact: long)",
                     "sup_distance_float": float(d.sup), "theorem5_bound": round(theorem5_bound(net, q), 6),
                     "accuracy": round(accuracy(q, args.seed), 4)})
        assert d.sup <= theorem5_bound(net, q), label
        print(rows[-1], flush=True)
    out = Path(args.out)
    print(write_tables(rows, out, "quantize_trained"))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no picture (pip install -e '.[plot]')", file=sys.stderr)
        return 0
    fig, ax = plt.subplots(figsize=(6, 3.5))
    labels = [r["version"] for r in rows[1:]]
    ax.semilogy(labels, [r["sup_distance_float"] for r in rows[1:]], "o-", label="exact sup distance")
    ax.semilogy(labels, [r["theorem5_bound"] for r in rows[1:]], "s--", label="Theorem 5 bound (Eq. 5)")
    ax.set_ylabel("|f - f_Q| over the box")
    ax.legend()
    ax2 = ax.twinx()
    ax2.plot(labels, [r["activation_regions"] for r in rows[1:]], "g^:", label="regions")
    ax2.set_ylabel("activation regions", color="g")
    fig.tight_layout()
    fig.savefig(out / "quantize_trained.png", dpi=120)
    print(f"written: {out}/quantize_trained.(csv|md|png)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

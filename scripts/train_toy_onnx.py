"""Worked example: train a small MLP on a 2-D toy data set with torch, export it to ONNX, count
its regions with mip-regions and save the picture of its regions.

Seeded, CPU only, well under a minute. Needs the extras torch and plot:
    pip install -e '.[torch,plot]' && python scripts/train_toy_onnx.py
Writes out/example/toy_mlp.onnx, regions.png and summary.md.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from mip_regions import count_regions
from mip_regions.io.onnx_io import read_onnx
from mip_regions.report.plot import plot_regions
from mip_regions.io.torch_io import from_torch

DOMAIN = ([-1.5, -1.0], [2.5, 1.5])   # a box around the data


def two_moons(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """The classic two interleaving half circles with Gaussian noise (0.1)."""
    t = rng.uniform(0, np.pi, n)
    upper = np.column_stack([np.cos(t[: n // 2]), np.sin(t[: n // 2])])
    lower = np.column_stack([1 - np.cos(t[n // 2:]), 0.5 - np.sin(t[n // 2:])])
    X = np.vstack([upper, lower]) + 0.1 * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n // 2), np.ones(n - n // 2)])
    return X.astype(np.float32), y.astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/example", help="output folder (default out/example)")
    ap.add_argument("--hidden", type=int, default=12, help="width of the two hidden layers (default 12)")
    ap.add_argument("--steps", type=int, default=400, help="training steps (default 400)")
    args = ap.parse_args()
    import torch
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = two_moons(512, rng)
    model = torch.nn.Sequential(torch.nn.Linear(2, args.hidden), torch.nn.ReLU(),
                                torch.nn.Linear(args.hidden, args.hidden), torch.nn.ReLU(),
                                torch.nn.Linear(args.hidden, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)[:, None]
    for _ in range(args.steps):
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(Xt), yt)
        loss.backward()
        opt.step()
    acc = float(((model(Xt) > 0).float() == yt).float().mean())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = out / "toy_mlp.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (Xt[:1],), str(onnx_path), dynamo=False, input_names=["x"], output_names=["y"])
    net = read_onnx(onnx_path, *DOMAIN)
    net.name = f"two-moons MLP 2-{args.hidden}-{args.hidden}-1 (ONNX)"
    same = from_torch(model, DOMAIN, name=net.name)
    assert all(np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
               for a, b in zip(net.layers, same.layers)), "ONNX import differs from the torch import"
    res = count_regions(net, linear=True)
    plot_regions(net, res, out / "regions.png")
    summary = (f"two moons, 512 points, MLP 2-{args.hidden}-{args.hidden}-1, {args.steps} Adam steps: "
               f"loss {loss.item():.3f}, training accuracy {acc:.3f}\n\n"
               f"domain {net.domain.describe()}: activation regions {res.count_text}, linear regions "
               f"{res.linear_regions}, affine maps {res.affine_maps} (method {res.method}, {res.seconds:.2f} s)\n")
    (out / "summary.md").write_text(summary)
    print(summary)
    print(f"written: {onnx_path}, {out / 'regions.png'}, {out / 'summary.md'}")


if __name__ == "__main__":
    main()

"""Seeded random networks for tests and benchmarks."""

from __future__ import annotations

import numpy as np

from .network import Network, network_from_lists


def random_mlp(widths, seed: int = 0, *, lower=-1.0, upper=1.0, name=None) -> Network:
    """ReLU MLP ``n0 - n1 - ... - 1`` with N(0, 1) weights and biases (float), on [lower, upper]^n0.

    ``widths`` = [n0, n1, ..., n_k]; the output map has one unit.
    """
    rng = np.random.default_rng(seed)
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers.append((rng.standard_normal((b, a)), rng.standard_normal(b), "relu"))
    layers.append((rng.standard_normal((1, widths[-1])), np.zeros(1), "identity"))
    n0 = widths[0]
    return network_from_lists(layers, [lower] * n0, [upper] * n0,
                              name=name or f"random {'-'.join(map(str, widths))} seed={seed}")


def random_ternary_mlp(widths, seed: int = 0, *, lower=-1, upper=1, name=None) -> Network:
    """ReLU MLP with every weight and bias drawn uniformly from {-1, 0, 1} (exact integers)."""
    rng = np.random.default_rng(seed)
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers.append((rng.integers(-1, 2, (b, a)).tolist(), rng.integers(-1, 2, b).tolist(), "relu"))
    layers.append((rng.integers(-1, 2, (1, widths[-1])).tolist(), [0], "identity"))
    n0 = widths[0]
    return network_from_lists(layers, [lower] * n0, [upper] * n0,
                              name=name or f"random ternary {'-'.join(map(str, widths))} seed={seed}")

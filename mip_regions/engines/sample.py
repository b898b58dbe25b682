"""Sampling estimate: distinct activation patterns among N uniform points of the domain.

A point counts only when every decision at it is clear of its float error band: each relu
pre-activation, and each maxout unit's gap between its two largest arguments, exceeds
FILTER times the magnitude |W||h| + |b| that bounds its rounding error (the engines' band,
engines/shared/layers.py; rows decided whatever the point, a zero row or a repeated argument,
are exempt). Then the float pattern is the exact one and the point lies inside its cell, so every
pattern found is a full-dimensional region: the number found is a **certain lower bound** on the
activation-region count, never a count (it misses small regions: 3-43% on random nets with 10^6
samples, SOLVER_NOTES.md). The floats run on the power-of-two balanced network
(nets/scaling.py), so weights near the ends of the float range do not underflow.
"""

from __future__ import annotations

import numpy as np

from ..nets.network import Network
from ..nets.scaling import balanced
from ..result import RunContext
from .shared import FILTER

BATCH = 100_000


def run_sample(net: Network, ctx: RunContext, *, samples: int = 100_000, seed: int = 0) -> None:
    """Sample ``samples`` points (seeded) in batches and report each new pattern once (module
    docstring: only points whose every decision is clear of its error band count)."""
    rng = np.random.default_rng(seed)
    lo, hi = net.domain.lower, net.domain.upper
    fnet = balanced(net) or net
    fixed = [fixed_rows(layer) for layer in fnet.layers]
    seen = set()
    done = unclear = 0
    while done < samples and not ctx.expired():
        k = min(BATCH, samples - done)
        X = lo + (hi - lo) * rng.random((k, net.input_dim))
        pats, ok = clear_patterns(fnet, X, fixed)
        unclear += int((~ok).sum())
        packed = np.packbits(pats, axis=1)
        for j in np.flatnonzero(ok)[np.unique(packed[ok], axis=0, return_index=True)[1]]:
            key = packed[j].tobytes()
            if key not in seen:
                seen.add(key)
                ctx.add_region(pats[j], X[j], 0.0)
        done += k
    ctx.stats["samples"] = done
    ctx.stats["unclear_points"] = unclear
    ctx.stop(f"sampling with {done} points gives a lower bound only")


def fixed_rows(layer) -> np.ndarray:
    """Rows of W whose decision does not depend on the point: an all-zero row (relu: always
    inactive) or a maxout argument identical (weights and bias) to an earlier one of its unit."""
    W, b = layer.weights, layer.bias
    fixed = ~(W != 0).any(axis=1) & (b == 0)
    k = layer.rank
    if layer.activation == "maxout":
        fixed = np.zeros(len(b), dtype=bool)
        for u in range(len(b) // k):
            for j in range(u * k + 1, u * k + k):
                fixed[j] = any(np.array_equal(W[j], W[i]) and b[j] == b[i] for i in range(u * k, j))
    return fixed


def clear_patterns(net: Network, X: np.ndarray, fixed) -> tuple[np.ndarray, np.ndarray]:
    """(patterns, ok): the float patterns at X and, per point, whether every decision is beyond
    FILTER times its magnitude |W||h| + |b| (module docstring)."""
    h, mh = X, np.abs(X)
    cols, ok = [], np.ones(len(X), dtype=bool)
    for layer, fx in zip(net.layers, fixed):
        z = h @ layer.weights.T + layer.bias
        mz = mh @ np.abs(layer.weights).T + np.abs(layer.bias)
        if layer.n_bits:
            ok &= layer.act.clear(z, FILTER * mz, fx)
            cols.append(layer.act.pattern(z))
        h = layer.act.apply(z)
        mh = layer.act.apply(mz) if layer.activation != "relu" else mz
    pats = np.concatenate(cols, axis=1) if cols else np.zeros((len(X), 0), dtype=bool)
    return pats, ok

"""How far quantization moves a network: the per-layer parameter change and the Lipschitz-type
bound of seed 003's Theorem 5, evaluated as a number from its Eq. (5):

    ||f(x) - f^(x)||_2 <= sum_l (prod_{k>l} ||W_k||_2) (||W_l - W^_l||_2 ||h^_{l-1}||_2 + ||b_l - b^_l||_2)
    ||h^_l||_2 <= (prod_{k<=l} ||W^_k||_2) ||x||_2 + sum_{k<=l} (prod_{k<j<=l} ||W^_j||_2) ||b^_k||_2

with the actual spectral norms and ||x||_2 <= the largest norm of a point of the box. The
hybrid argument behind it holds for relu, identity and maxout layers (each is 1-Lipschitz in the
2-norm and does not increase it). It bounds the 2-norm over the outputs, hence the sup distance
(the largest output difference) of ``mip-regions distance``. The norms are float64: the total
is rounded up by a relative 1e-9, far above their rounding.
"""

from __future__ import annotations

import numpy as np


def parameter_change(a, b) -> list[float]:
    """max |theta - Q(theta)| per layer (weights and biases), as floats of the exact differences."""
    out = []
    for (Wa, ba), (Wb, bb) in zip(a.rational_layers(), b.rational_layers()):
        diffs = [abs(x - y) for ra, rb in zip(Wa, Wb) for x, y in zip(ra, rb)] + [abs(x - y) for x, y in zip(ba, bb)]
        out.append(float(max(diffs, default=0)))
    return out


def theorem5_bound(a, b) -> float:
    """Eq. (5) of seed 003 for the networks ``a`` (original) and ``b`` (quantized) over a's box."""
    lo, hi = a.domain.lower, a.domain.upper
    xnorm = float(np.linalg.norm(np.maximum(np.abs(lo), np.abs(hi))))
    Wa = [l.weights for l in a.layers]
    Wq, bq = [l.weights for l in b.layers], [l.bias for l in b.layers]
    spec = [float(np.linalg.norm(W, 2)) for W in Wa]
    specq = [float(np.linalg.norm(W, 2)) for W in Wq]
    hnorm = [xnorm]                       # ||h^_0|| = ||x||
    for l in range(len(Wq)):
        hnorm.append(specq[l] * hnorm[-1] + float(np.linalg.norm(bq[l])))
    total = 0.0
    for l in range(len(Wa)):
        after = float(np.prod(spec[l + 1:])) if l + 1 < len(spec) else 1.0
        dW = float(np.linalg.norm(Wa[l] - Wq[l], 2))
        db = float(np.linalg.norm(a.layers[l].bias - b.layers[l].bias))
        total += after * (dW * hnorm[l] + db)
    return total * (1 + 1e-9)


__all__ = ["parameter_change", "theorem5_bound"]

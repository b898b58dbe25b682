"""The paper's networks as weight matrices (REFERENCE.md §4), all with exact integer weights.

Depth is the number of affine maps (the ternary paper's convention, output map included).
"""

from __future__ import annotations

import numpy as np

from ..errors import NetworkError
from .network import Network, network_from_lists


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise NetworkError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _pad(W, b, width, name):
    """Pad a layer (rows) with identically-zero units up to ``width``."""
    if width is None or width == W.shape[0]:
        return W, b
    if width < W.shape[0]:
        raise NetworkError(f"width {width} is smaller than the {W.shape[0]} units the {name} needs")
    extra = width - W.shape[0]
    return (np.vstack([W, np.zeros((extra, W.shape[1]), dtype=W.dtype)]),
            np.concatenate([b, np.zeros(extra, dtype=b.dtype)]))


def _chain(specs, n0, name):
    """Turn ``[(W, b, act)]`` with possibly padded rows into a network, widening the columns of
    each next layer with zeros to match."""
    layers, prev = [], n0
    for W, b, act in specs:
        if W.shape[1] < prev:
            W = np.hstack([W, np.zeros((W.shape[0], prev - W.shape[1]), dtype=W.dtype)])
        layers.append((W.astype(int).tolist(), b.astype(int).tolist(), act))
        prev = W.shape[0]
    return network_from_lists(layers, [0] * n0, [1] * n0, name=name)


def montufar(n0: int, p: int, depth: int, width: int | None = None) -> Network:
    """Montúfar's folding network, ternary paper eqs. (5)-(7), on [0, 1]^n0.

    ``c = (p, 2p, ..., 2p)``, ``beta = (0, -2, ..., -2(p-1))``, ``s = (1, -1, 1, ...)``:
    layer 1 ``W = c ⊗ I_n0``, ``b = beta ⊗ 1_n0``; layers 2..L-1 ``W = (c s^T) ⊗ I_n0``,
    ``b = beta ⊗ 1``; output (eq. 7) ``W = s^T ⊗ 1_n0^T``. Hidden layers are ReLU of width
    p*n0, padded to ``width`` with identically-zero units. It has exactly ``p^(n0 (depth-1))``
    activation regions on [0,1]^n0 (Prop. 1, eq. 4).
    """
    _check_int("n0", n0, 1)
    _check_int("p", p, 1)
    _check_int("depth", depth, 2)
    c = np.array([p] + [2 * p] * (p - 1))
    beta = -2 * np.arange(p)
    s = np.array([(-1) ** k for k in range(p)])
    I = np.eye(n0, dtype=int)
    specs = [(*_pad(np.kron(c[:, None], I), np.kron(beta, np.ones(n0, dtype=int)), width, "construction"),
              "relu")]
    for _ in range(depth - 2):
        specs.append((*_pad(np.kron(np.outer(c, s), I), np.kron(beta, np.ones(n0, dtype=int)), width,
                            "construction"), "relu"))
    specs.append((np.kron(s, np.ones(n0, dtype=int))[None, :], np.zeros(1, dtype=int), "identity"))
    label = f"montufar n0={n0} p={p} L={depth}" + (f" width={width}" if width else "")
    return _chain(specs, n0, label)


def ternary(n0: int, q: int, depth: int, width: int | None = None) -> Network:
    """The ternary construction, eqs. (12)-(15) (REFERENCE.md §4b), on [0, 1]^n0.

    Odd depth L' >= 3. Odd hidden layers are identity of width 2q(n0+1) (2q copies of each
    coordinate plus 2q constant nodes with bias 1); even hidden layers are ReLU of width q*n0
    with biases realised by the constant nodes; the output is ``s^T ⊗ 1_n0^T``. Every weight
    and bias is in {-1, 0, 1}. It computes montufar(n0, q, (L'+1)/2) and so has
    ``q^(n0 (L'-1)/2)`` activation regions (theorem, eq. 11). ``width`` pads every hidden layer
    to a uniform width n' with identically-zero units.
    """
    _check_int("n0", n0, 1)
    _check_int("q", q, 1)
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 3 or depth % 2 == 0:
        raise NetworkError(f"depth L' must be an odd integer >= 3 (identity and ReLU layers alternate "
                           f"in pairs, plus the output map), got {depth!r}")
    wide = 2 * q * (n0 + 1)
    const = 2 * q * n0  # first constant column in an identity layer
    # layer 1: copies and constants
    W1 = np.vstack([np.kron(np.eye(n0, dtype=int), np.ones((2 * q, 1), dtype=int)),
                    np.zeros((2 * q, n0), dtype=int)])
    b1 = np.concatenate([np.zeros(2 * q * n0, dtype=int), np.ones(2 * q, dtype=int)])
    # even (ReLU) layers: row (i, j) -> (i-1) n0 + j
    We = np.zeros((q * n0, wide), dtype=int)
    for i in range(q):
        for j in range(n0):
            r = i * n0 + j
            if i == 0:
                We[r, 2 * q * j: 2 * q * j + q] = 1
            else:
                We[r, 2 * q * j: 2 * q * (j + 1)] = 1
                We[r, const: const + 2 * i] = -1
    be = np.zeros(q * n0, dtype=int)
    # odd (identity) layers l >= 2: folded coordinate copied 2q times, then constants
    Wo = np.zeros((wide, q * n0), dtype=int)
    for j in range(n0):
        for m in range(q):
            Wo[2 * q * j: 2 * q * (j + 1), m * n0 + j] = (-1) ** m
    bo = b1.copy()
    specs = [(*_pad(W1, b1, width, "construction"), "identity"), (*_pad(We, be, width, "construction"), "relu")]
    for _ in range((depth - 3) // 2):
        specs += [(*_pad(Wo, bo, width, "construction"), "identity"),
                  (*_pad(We, be, width, "construction"), "relu")]
    out = np.array([[(-1) ** m for m in range(q) for _ in range(n0)]])
    specs.append((out, np.zeros(1, dtype=int), "identity"))
    label = f"ternary n0={n0} q={q} L'={depth}" + (f" width={width}" if width else "")
    return _chain(specs, n0, label)


def serra_zigzag(depth: int) -> Network:
    """REFERENCE.md §4d: a 1-D integer network with width 3 per layer and 4^(depth-1) regions
    on [0, 1] (attains Serra et al.'s n0 = 1 bound prod(n_l + 1))."""
    _check_int("depth", depth, 2)
    specs = [(np.array([[6], [3], [-6]]), np.array([-1, -1, 4]), "relu")]
    for _ in range(depth - 2):
        specs.append((np.array([[-12, 18, -6], [-6, 9, -3], [12, -18, 6]]), np.array([23, 11, -20]), "relu"))
    specs.append((np.array([[-2, 3, -1]]), np.array([4]), "identity"))
    return _chain(specs, 1, f"serra zigzag L={depth}")

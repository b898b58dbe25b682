"""The weight-w gadget (ternary paper eqs. 8-10) and integer -> ternary conversion (Fig. 4).

Gadget: one edge of integer weight w, |w| <= M, becomes ``1 -> M -> 1``: M identity nodes
``f_j(x) = x`` (weight 1, bias 0), then ``f(z) = sum_{j <= |w|} sign(w) z_j = w x``.

Whole layers (REFERENCE.md §4c). An integer affine map (W, b) with activation g, |W_ik| <= M,
|b_i| <= B, becomes ``g(V (E h + e))``:

* ``sharing="shared"`` (Fig. 4c): ``E = [I_{n_in} ⊗ 1_M ; 0_{B x n_in}]``, ``e = [0 ; 1_B]``
  (one bank of M copies per source node plus one bank of B constant nodes), and
  ``V[i, (k-1)M + r] = sign(W_ik) [r <= |W_ik|]``, ``V[i, M n_in + r] = sign(b_i) [r <= |b_i|]``:
  ``M n_in + B`` copy nodes.
* ``sharing="edge"`` (Fig. 4b): M copies of the source per edge (i, k) and B constant nodes per
  unit i: ``M n_in n_out + B n_out`` copy nodes.

Both give ``V(E h + e) = W h + b`` exactly, so every ReLU pre-activation, every count and the
function are preserved. Layers that are already ternary are kept as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import NetworkError
from .graph import is_ternary
from .network import Network, network_from_lists

SHARING = ("shared", "edge")


def weight_gadget(w: int, M: int | None = None, lower=-1, upper=1) -> Network:
    """Eqs. (8)-(10): the two-map ternary network ``x -> w x`` through M identity nodes."""
    if isinstance(w, bool) or not isinstance(w, (int, np.integer)):
        raise NetworkError(f"the gadget needs an integer weight, got {w!r}")
    M = abs(int(w)) if M is None else int(M)
    if M < max(abs(int(w)), 1):
        raise NetworkError(f"M = {M} must be at least |w| = {abs(int(w))} and at least 1")
    sign = 1 if w >= 0 else -1
    first = ([[1]] * M, [0] * M, "identity")
    second = ([[sign if r < abs(int(w)) else 0 for r in range(M)]], [0], "identity")
    return network_from_lists([first, second], [lower], [upper], name=f"weight gadget w={w} M={M}")


def _integer_layer(EW, Eb, l):
    """(W, b) of a layer with integer values (exact), as numpy object arrays of Python ints."""
    for i, row in enumerate(EW):
        for k, v in enumerate(row):
            if v.denominator != 1:
                raise NetworkError(f"weight [{i}][{k}] = {v} is not an integer; scale the network "
                                   "(e.g. by the common denominator) before ternarizing", layer=l, field="weights")
    for i, v in enumerate(Eb):
        if v.denominator != 1:
            raise NetworkError(f"bias [{i}] = {v} is not an integer; scale the network before ternarizing",
                               layer=l, field="bias")
    return (np.array([[int(v) for v in row] for row in EW], dtype=object).reshape(len(EW), -1),
            np.array([int(v) for v in Eb], dtype=object))


def estimate_size(net: Network, sharing: str = "shared") -> tuple[int, int]:
    """(units, weights) of the ternarized network, computed from the layers' shapes and largest
    |weight| and |bias| without building it: a converted layer (W, b) of shape n_out x n_in with
    M = max |W_ik|, B = max |b_i| has ``M n_in + B`` (shared) or ``M n_in n_out + B n_out`` (edge)
    copy units, with as many weights again per unit it feeds."""
    units = weights = 0
    for l, (EW, Eb) in enumerate(net.rational_layers()):
        n_out, n_in = len(EW), len(EW[0])
        M = max(1, max((abs(v) for row in EW for v in row), default=0))
        B = max((abs(v) for v in Eb), default=0)
        units += n_out
        if M <= 1 and B <= 1:
            weights += n_out * n_in
            continue
        width = M * n_in + B if sharing == "shared" else M * n_in * n_out + B * n_out
        units += int(width)
        weights += int(width) * n_in + n_out * int(width)
    return units, weights


@dataclass
class TernarizeReport:
    """Copy-node counts of both variants per converted layer, and the variant used."""

    copy_nodes_shared: list[int]    # per converted layer: M n_in + B
    copy_nodes_edge: list[int]      # per converted layer: M n_in n_out + B n_out
    used: str


def _split_layer(W, b, sharing):
    n_out, n_in = W.shape
    M = max(1, max((abs(int(v)) for v in W.flat), default=0))
    B = max((abs(int(v)) for v in b), default=0)
    sgn = lambda v: (v > 0) - (v < 0)  # noqa: E731
    if sharing == "shared":
        width = M * n_in + B
        E = np.zeros((width, n_in), dtype=int)
        for k in range(n_in):
            E[k * M:(k + 1) * M, k] = 1
        e = np.zeros(width, dtype=int)
        e[M * n_in:] = 1
        V = np.zeros((n_out, width), dtype=int)
        for i in range(n_out):
            for k in range(n_in):
                V[i, k * M: k * M + abs(int(W[i, k]))] = sgn(W[i, k])
            V[i, M * n_in: M * n_in + abs(int(b[i]))] = sgn(b[i])
    else:
        width = M * n_in * n_out + B * n_out
        E = np.zeros((width, n_in), dtype=int)
        e = np.zeros(width, dtype=int)
        V = np.zeros((n_out, width), dtype=int)
        for i in range(n_out):
            for k in range(n_in):
                start = (i * n_in + k) * M
                E[start:start + M, k] = 1
                V[i, start:start + abs(int(W[i, k]))] = sgn(W[i, k])
            cstart = M * n_in * n_out + i * B
            e[cstart:cstart + B] = 1
            V[i, cstart:cstart + abs(int(b[i]))] = sgn(b[i])
    return E, e, V, M * n_in + B, M * n_in * n_out + B * n_out


MAX_UNITS = 200_000   # default size guard (10**6 units took 24 s and 690 MB)


def ternarize(net: Network, sharing: str = "shared", *, max_units: int | None = MAX_UNITS
              ) -> tuple[Network, TernarizeReport]:
    """A ternary network computing exactly the same function as the integer network ``net``.

    Each non-ternary layer (W, b, g) becomes an identity copy layer and a ternary layer with
    activation g (module docstring). Returns the network and the copy-node counts of both
    variants per converted layer. Refuses, before building anything, when the result would have
    more than ``max_units`` units (:func:`estimate_size`; None: no limit).
    """
    if sharing not in SHARING:
        raise NetworkError(f"sharing must be one of {', '.join(SHARING)}, got {sharing!r}")
    layers = [_integer_layer(EW, Eb, l) for l, (EW, Eb) in enumerate(net.rational_layers())]
    units, weights = estimate_size(net, sharing)
    if max_units is not None and units > max_units:
        raise NetworkError(f"the ternary network would have {units:,} units and {weights:,} weights, more "
                           f"than the limit of {max_units:,} units (raise it with --max-units)")
    specs, shared, edge = [], [], []
    for l, (layer, (W, b)) in enumerate(zip(net.layers, layers)):
        if all(abs(int(v)) <= 1 for v in W.flat) and all(abs(int(v)) <= 1 for v in b):
            specs.append((W.tolist(), b.tolist(), layer.activation))
            continue
        E, e, V, n_shared, n_edge = _split_layer(W, b, sharing)
        shared.append(n_shared)
        edge.append(n_edge)
        specs.append((E.tolist(), e.tolist(), "identity"))
        specs.append((V.tolist(), [0] * V.shape[0], layer.activation))
    box = net.domain.to_json()
    out = network_from_lists(specs, box["lower"], box["upper"], name=f"ternarized ({sharing}) {net.name or ''}".strip())
    assert is_ternary(out)
    return out, TernarizeReport(shared, edge, sharing)

"""The graph view of a network (networkx), as the ternary paper draws its networks.

A network is a layered ``networkx.DiGraph``:

* node ``(l, i)`` is unit i of layer l; layer 0 holds the inputs (``activation='input'``);
* node attributes: ``layer`` (int), ``index`` (position in its layer), ``activation`` in
  {'input', 'relu', 'identity', 'constant'}, ``bias`` (Fraction when exact, else float);
  a ``constant`` node has no in-edges and outputs its bias (the paper's constant nodes, used to
  realise biases with ternary weights);
* edge attribute ``weight`` (Fraction or float); absent edges are zero weights.

Conversions both ways with :class:`~mip_regions.nets.network.Network` are lossless (exact numbers
kept): an identity unit with no non-zero in-weights and a non-zero bias becomes a constant node,
and a constant node becomes such a unit.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import networkx as nx
import numpy as np

from ..errors import NetworkError
from .network import Box, Network, network_from_lists, stored_values

NODE_ACTIVATIONS = ("input", "relu", "identity", "constant")


def _num(layer_exact, layer_float, idx):
    return layer_exact[idx] if layer_exact is not None else float(layer_float[idx])


def network_to_graph(net: Network) -> nx.DiGraph:
    """The layered DiGraph of ``net``; ``G.graph`` carries the name and the domain."""
    if net.has_maxout:
        raise NetworkError("the graph layer (constructions, ternarize) covers relu and identity units; "
                           "this network has maxout layers", source=net.name)
    G = nx.DiGraph(name=net.name, domain=net.domain)
    for j in range(net.input_dim):
        G.add_node((0, j), layer=0, index=j, activation="input", bias=Fraction(0) if net.is_exact else 0.0)
    for l, layer in enumerate(net.layers, start=1):
        for i in range(layer.n_out):
            row = layer.weights[i]
            bias = _num(layer.exact_bias, layer.bias, i)
            act = layer.activation
            if act == "identity" and not row.any() and bias != 0 and l < net.depth:
                act = "constant"
            G.add_node((l, i), layer=l, index=i, activation=act, bias=bias)
            for k in np.nonzero(row)[0]:
                w = layer.exact_weights[i][k] if layer.exact_weights is not None else float(row[k])
                G.add_edge((l - 1, int(k)), (l, i), weight=w)
    return G


def graph_to_network(G: nx.DiGraph, domain: Box | None = None, name: str | None = None) -> Network:
    """Validate a layered graph and build the :class:`Network` (inverse of :func:`network_to_graph`).

    Errors name the node or edge: not layered (missing/invalid ``layer``), an edge that skips a
    layer or goes backwards, a missing weight, a cycle, a constant node with in-edges.
    """
    if not nx.is_directed_acyclic_graph(G):
        cycle = nx.find_cycle(G)
        raise NetworkError(f"the graph has a cycle through {cycle[0][0]!r}", field="graph")
    domain = domain if domain is not None else G.graph.get("domain")
    if domain is None:
        raise NetworkError("no domain given and the graph carries none", field="domain")
    layers = defaultdict(list)
    for node, data in G.nodes(data=True):
        l = data.get("layer")
        if isinstance(l, bool) or not isinstance(l, (int, np.integer)) or l < 0:
            raise NetworkError(f"node {node!r} has no valid 'layer' attribute (the graph is not layered)",
                               field="graph")
        act = data.get("activation")
        if act not in NODE_ACTIVATIONS:
            raise NetworkError(f"node {node!r} has activation {act!r} (allowed: {', '.join(NODE_ACTIVATIONS)})",
                               field="graph")
        if (l == 0) != (act == "input"):
            raise NetworkError(f"node {node!r}: input nodes are exactly the nodes of layer 0", field="graph")
        if act == "constant" and G.in_degree(node):
            raise NetworkError(f"constant node {node!r} has incoming edges", field="graph")
        layers[int(l)].append(node)
    depth = max(layers) if layers else 0
    missing = [l for l in range(depth + 1) if l not in layers]
    if missing or depth == 0:
        raise NetworkError(f"the graph is not layered: layer(s) {missing or [1]} have no nodes", field="graph")
    order = {l: sorted(nodes, key=lambda n: (G.nodes[n].get("index", 0), str(n))) for l, nodes in layers.items()}
    pos = {n: k for l in order for k, n in enumerate(order[l])}
    for u, v, data in G.edges(data=True):
        lu, lv = G.nodes[u]["layer"], G.nodes[v]["layer"]
        if lv != lu + 1:
            raise NetworkError(f"edge {u!r} -> {v!r} goes from layer {lu} to layer {lv}; "
                               "edges must join consecutive layers", field="graph")
        if "weight" not in data:
            raise NetworkError(f"edge {u!r} -> {v!r} has no weight", field="graph")
    if len(order[0]) != domain.dim:
        raise NetworkError(f"{len(order[0])} input nodes but the domain has {domain.dim} coordinates",
                           field="graph")
    specs = []
    for l in range(1, depth + 1):
        W = [[0] * len(order[l - 1]) for _ in order[l]]
        b = []
        acts = set()
        for i, node in enumerate(order[l]):
            data = G.nodes[node]
            for u in G.predecessors(node):
                W[i][pos[u]] = G.edges[u, node]["weight"]
            b.append(data.get("bias", 0))
            acts.add("identity" if data["activation"] == "constant" else data["activation"])
        if len(acts) > 1:
            raise NetworkError(f"layer {l} mixes activations {sorted(acts)}; a layer has one activation",
                               field="graph")
        specs.append((W, b, acts.pop()))
    return network_from_lists(specs, domain.to_json()["lower"], domain.to_json()["upper"],
                              name=name if name is not None else G.graph.get("name"))


def is_ternary(net: Network) -> bool:
    """True when every weight and bias is in {-1, 0, 1} (the ternary paper's networks)."""
    return all(np.isin(stored_values(layer.weights), (-1.0, 0.0, 1.0)).all()
               and np.isin(layer.bias, (-1.0, 0.0, 1.0)).all() for layer in net.layers)


def layer_table(net: Network) -> list[dict]:
    """Per layer: width, activation, non-zero weights, non-zero biases, max |weight|, ternary or not."""
    rows = []
    for l, layer in enumerate(net.layers, start=1):
        w = stored_values(layer.weights)
        rows.append({"layer": l, "activation": layer.act.label(), "width": layer.n_out,
                     "nonzero_weights": int(np.count_nonzero(w)),
                     "nonzero_biases": int(np.count_nonzero(layer.bias)),
                     "parameters": int(layer.n_rows * layer.n_in + layer.bias.size),
                     "max_abs_weight": float(np.abs(w).max(initial=0)),
                     "ternary": bool(np.isin(w, (-1, 0, 1)).all() and np.isin(layer.bias, (-1, 0, 1)).all())})
    return rows

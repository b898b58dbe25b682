"""ONNX import and export (optional extra ``onnx``).

Import reads a chain of Gemm / MatMul (+ Add) / Relu / Identity / Flatten nodes from the graph
input to its output. Every affine node (Gemm, or MatMul with its following Add) becomes one
layer; a Relu right after it makes that layer ReLU, otherwise it is an identity layer. Weights
must be initializers. Maxout (nets/activations.py) comes in three forms after an affine node:
LeakyRelu(alpha) = max(z, alpha z), rank 2 with rows (w, alpha w) taken exactly (alpha * w as a
rational); Abs = max(z, -z), rank 2 with rows (w, -w); and Reshape to (N, n, k) followed by
ReduceMax over the last axis (keepdims 0, or keepdims 1 and a Flatten/Reshape back to (N, n)),
rank k over consecutive groups of k outputs. Any other operator is an error naming the node,
its op type and what is supported.

Export writes the same chain with Gemm (transB = 1), Relu and, for maxout, Reshape + ReduceMax
nodes, opset 13, and stores the domain and name in the model's metadata so that a round trip
keeps them. Numbers become float32
or float64 (:func:`rounding` says how many would change): integers (and so every ternary
network) survive exactly; on import, a network whose numbers are all integers is read back as an
exact integer network.
"""

from __future__ import annotations

import json

import numpy as np

from ..errors import MipRegionsError, NetworkError
from ..nets.network import Network, network_from_lists

SUPPORTED = ("Gemm", "MatMul", "Add", "Relu", "Identity", "Flatten", "LeakyRelu", "Abs", "Reshape",
             "ReduceMax", "Constant")
DOMAIN_KEY = "mip-regions.domain"
NAME_KEY = "mip-regions.name"


def _onnx():
    try:
        import onnx
    except ImportError:
        raise MipRegionsError("ONNX support needs the onnx package: pip install -e '.[onnx]'") from None
    return onnx


def layers_to_network(specs, lower, upper, name, source=None) -> Network:
    """``[(W, b, activation)]`` with float arrays -> Network; all-integer numbers are kept exact.
    A ReLU or maxout last layer gets an identity output map after it (it must be identity).
    Entries ``(W, b, "maxout", k)`` are maxout layers; ``(W, b, "leaky", alpha)`` becomes rank-2
    maxout with rows (w_i, alpha w_i), biases (b_i, alpha b_i), computed exactly as rationals."""
    specs = [tuple(s) for s in specs]
    if not specs:
        raise NetworkError("no affine layer found", source=source)
    if specs[-1][2] != "identity":
        n = specs[-1][0].shape[0] // (specs[-1][3] if specs[-1][2] == "maxout" else 1)
        specs.append((np.eye(n), np.zeros(n), "identity"))
    numbers = np.concatenate([np.concatenate([s[0].ravel(), s[1].ravel()]) for s in specs])
    integral = bool(np.all(np.isfinite(numbers)) and np.all(numbers == np.round(numbers))
                    and np.all(np.abs(numbers) < 2.0 ** 53))
    conv = (lambda a: [int(v) for v in np.asarray(a).ravel()] if np.ndim(a) == 1 else
            [[int(v) for v in row] for row in np.asarray(a)]) if integral else (lambda a: np.asarray(a, float).tolist())
    layers = []
    for spec in specs:
        W, b, act = spec[:3]
        if act == "leaky":
            from fractions import Fraction
            alpha = Fraction(float(spec[3]))
            rows, bias = [], []
            for row, bb in zip(np.asarray(W, float), np.asarray(b, float)):
                exact = [Fraction(float(v)) for v in row]
                rows += [exact, [alpha * v for v in exact]]
                bias += [Fraction(float(bb)), alpha * Fraction(float(bb))]
            layers.append((rows, bias, "maxout", 2))
        else:
            layers.append((conv(W), conv(b), act) + tuple(spec[3:]))
    # the domain is kept as given (metadata holds exact ints and "p/q" strings)
    return network_from_lists(layers, list(lower), list(upper), name=name, source=source)


def _activate(specs, act, where, src, extra=()):
    """Make the last affine layer ``act`` (the node right after it)."""
    if not specs or specs[-1][2] != "identity" or len(specs[-1]) > 3:
        raise NetworkError(f"{where}: an activation must follow an affine node (Gemm, MatMul + Add)",
                           source=src)
    W, b = specs[-1][0], specs[-1][1]
    if act == "abs":
        n = W.shape[0]
        W2, b2 = np.empty((2 * n, W.shape[1])), np.empty(2 * n)
        W2[0::2], W2[1::2], b2[0::2], b2[1::2] = W, -W, b, -b
        specs[-1] = (W2, b2, "maxout", 2)
    else:
        specs[-1] = (W, b, act) + tuple(extra)


def _bias(b, n: int, where: str, src: str) -> np.ndarray:
    """A bias broadcast to n entries, or a NetworkError naming the node."""
    try:
        return np.broadcast_to(np.asarray(b, dtype=float), (n,)).astype(float)
    except ValueError:
        raise NetworkError(f"{where}: the bias has shape {np.shape(b)}, expected {n} entries", source=src) from None


def read_onnx(path, lower=None, upper=None) -> Network:
    """Import an ONNX MLP. The domain comes from ``lower``/``upper`` or else from the model's
    mip-regions metadata; without either it is an error."""
    onnx = _onnx()
    from onnx import numpy_helper
    src = str(path)
    try:
        model = onnx.load(src)
    except Exception as exc:  # onnx raises several types for unreadable files
        raise NetworkError(f"cannot read ONNX model ({exc})", source=src) from None
    graph = model.graph
    meta = {p.key: p.value for p in model.metadata_props}
    init = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in graph.initializer}
    inputs = [i.name for i in graph.input if i.name not in init]
    if len(inputs) != 1:
        raise NetworkError(f"expected one graph input, found {inputs}", source=src)
    current = inputs[0]
    specs = []
    pending = None     # the (N, n, k) of a Reshape awaiting its ReduceMax; [] after keepdims=1
    for node in graph.node:
        where = f"node {node.name or '(unnamed)'} ({node.op_type})"
        if node.op_type not in SUPPORTED:
            raise NetworkError(f"{where}: operator {node.op_type} is not supported "
                               f"(supported: {', '.join(SUPPORTED)})", source=src)
        if node.op_type == "Constant":
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            if "value" not in attrs:
                raise NetworkError(f"{where}: only tensor-valued Constant nodes are supported", source=src)
            init[node.output[0]] = numpy_helper.to_array(attrs["value"]).astype(np.float64)
            continue
        data_in = [n for n in node.input if n not in init and n]
        if data_in != [current]:
            raise NetworkError(f"{where}: the graph is not a single chain of layers", source=src)
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type in ("Gemm", "MatMul") and (len(node.input) < 2 or node.input[1] not in init):
            raise NetworkError(f"{where}: needs a weight initializer as its second input", source=src)
        if node.op_type in ("Gemm", "MatMul") and init[node.input[1]].ndim != 2:
            raise NetworkError(f"{where}: the weight {node.input[1]!r} has shape {init[node.input[1]].shape}, "
                               "expected a matrix", source=src)
        if node.op_type == "Gemm":
            if attrs.get("transA", 0):
                raise NetworkError(f"{where}: transA = 1 is not supported", source=src)
            W = init[node.input[1]]
            W = W if attrs.get("transB", 0) else W.T
            W = W * attrs.get("alpha", 1.0)
            b = init[node.input[2]] * attrs.get("beta", 1.0) if len(node.input) > 2 and node.input[2] else np.zeros(W.shape[0])
            specs.append((W, _bias(b, W.shape[0], where, src), "identity"))
        elif node.op_type == "MatMul":
            if node.input[0] != current or node.input[1] not in init:
                raise NetworkError(f"{where}: expected x @ W with W an initializer", source=src)
            W = init[node.input[1]].T
            specs.append((W, np.zeros(W.shape[0]), "identity"))
        elif node.op_type == "Add":
            other = [n for n in node.input if n in init]
            if len(other) != 1 or not specs or specs[-1][2] != "identity" or specs[-1][1].any():
                raise NetworkError(f"{where}: Add is supported only as the bias of a MatMul", source=src)
            W, _, _ = specs[-1]
            specs[-1] = (W, _bias(init[other[0]], W.shape[0], where, src), "identity")
        elif node.op_type == "Relu":
            _activate(specs, "relu", where, src)
        elif node.op_type == "LeakyRelu":
            _activate(specs, "leaky", where, src, (float(attrs.get("alpha", 0.01)),))
        elif node.op_type == "Abs":
            _activate(specs, "abs", where, src)
        elif node.op_type == "Reshape":
            shape = [int(v) for v in init.get(node.input[1], np.zeros(0)).ravel()] if len(node.input) > 1 else []
            if pending is not None and len(shape) in (1, 2):     # back to (N, n) after keepdims=1
                pending = None
            elif len(shape) == 3 and specs and specs[-1][2] == "identity" and len(specs[-1]) == 3:
                pending = shape
            else:
                raise NetworkError(f"{where}: Reshape is supported only as the (N, n, k) grouping of "
                                   "a maxout layer before ReduceMax", source=src)
        elif node.op_type == "ReduceMax":
            axes = attrs.get("axes")
            if axes is None and len(node.input) > 1 and node.input[1] in init:
                axes = [int(v) for v in init[node.input[1]].ravel()]
            if pending is None or list(axes or []) not in ([2], [-1]):
                raise NetworkError(f"{where}: ReduceMax is supported only over the last axis of a "
                                   "Reshape to (N, n, k) (a maxout layer)", source=src)
            k = pending[2]
            rows = specs[-1][0].shape[0]
            if k < 2 or rows % k or (pending[1] not in (-1, rows // k)):
                raise NetworkError(f"{where}: cannot group {rows} outputs as (n, k) = {tuple(pending[1:])}",
                                   source=src)
            _activate(specs, "maxout", where, src, (k,))
            pending = [] if attrs.get("keepdims", 1) else None
        if node.op_type == "Flatten" and pending == []:
            pending = None
        current = node.output[0]
    if pending is not None:
        raise NetworkError("the graph ends inside a maxout pattern (Reshape without its ReduceMax)", source=src)
    if lower is None and DOMAIN_KEY in meta:
        try:
            dom = json.loads(meta[DOMAIN_KEY])
            lower, upper = list(dom["lower"]), list(dom["upper"])
        except (ValueError, KeyError, TypeError):
            raise NetworkError(f"the metadata {DOMAIN_KEY!r} is not a JSON object with 'lower' and 'upper' "
                               "lists; give --domain LO:HI or --domain-file FILE", source=src) from None
    if lower is None:
        raise NetworkError("no input domain: give --domain LO:HI or --domain-file FILE", source=src)
    n0 = specs[0][0].shape[1] if specs else 0
    if len(lower) == 1 and n0 > 1:
        lower, upper = list(lower) * n0, list(upper) * n0
    return layers_to_network(specs, lower, upper, meta.get(NAME_KEY) or graph.name or None, source=src)


DTYPES = {"float32": np.float32, "float64": np.float64}


def rounding(net: Network, dtype: str) -> tuple[int, int]:
    """(numbers changed, numbers that overflow to inf) when the network's weights and biases are
    stored as ``dtype`` ('float32' or 'float64'), compared with their exact values."""
    from fractions import Fraction
    changed = overflow = 0
    cast = DTYPES[dtype]
    with np.errstate(over="ignore"):
        for layer, (EW, Eb) in zip(net.layers, net.rational_layers()):
            for stored, exact in ((layer.weights.ravel(), [v for row in EW for v in row]), (layer.bias, Eb)):
                for v, e in zip(np.asarray(stored, dtype=np.float64).astype(cast).tolist(), exact):
                    if not np.isfinite(v):
                        overflow += 1
                    elif Fraction(v) != e:
                        changed += 1
    return changed, overflow


def write_onnx(net: Network, path, dtype: str = "float32") -> None:
    """Export a network as Gemm/Relu ONNX (opset 13) with ``dtype`` ('float32' or 'float64')
    tensors and its domain in the metadata; written atomically (io/outputs.py)."""
    onnx = _onnx()
    from onnx import TensorProto, helper, numpy_helper
    from .outputs import atomic_write
    cast = DTYPES[dtype]
    elem = TensorProto.FLOAT if dtype == "float32" else TensorProto.DOUBLE
    nodes, inits = [], []
    current = "x"
    for l, layer in enumerate(net.layers):
        w, b = f"W{l}", f"b{l}"
        inits += [numpy_helper.from_array(layer.weights.astype(cast), w),
                  numpy_helper.from_array(layer.bias.astype(cast), b)]
        out = f"h{l}"
        nodes.append(helper.make_node("Gemm", [current, w, b], [out], name=f"gemm{l}", transB=1))
        current = out
        if layer.activation == "maxout":
            shape = f"shape{l}"
            inits.append(numpy_helper.from_array(np.array([-1, layer.n_out, layer.rank], dtype=np.int64), shape))
            nodes.append(helper.make_node("Reshape", [current, shape], [f"g{l}"], name=f"group{l}"))
            nodes.append(helper.make_node("ReduceMax", [f"g{l}"], [f"m{l}"], name=f"maxout{l}", axes=[2],
                                          keepdims=0))
            current = f"m{l}"
        if layer.activation == "relu":
            nodes.append(helper.make_node("Relu", [current], [f"r{l}"], name=f"relu{l}"))
            current = f"r{l}"
    nodes.append(helper.make_node("Identity", [current], ["y"], name="output"))
    graph = helper.make_graph(nodes, net.name or "mip-regions network",
                              [helper.make_tensor_value_info("x", elem, ["N", net.input_dim])],
                              [helper.make_tensor_value_info("y", elem, ["N", net.output_dim])],
                              inits)
    model = helper.make_model(graph, producer_name="mip-regions", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    helper.set_model_props(model, {DOMAIN_KEY: json.dumps(net.domain.to_json()), NAME_KEY: net.name or ""})
    onnx.checker.check_model(model)
    with atomic_write(path, "wb") as fh:
        fh.write(model.SerializeToString())

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
from fractions import Fraction

import numpy as np

from ..errors import MipRegionsError, NetworkError
from ..nets.network import Box, Layer, Network, dense_array, dense_weights, network_from_lists

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
    Entries ``(W, b, "maxout", k)`` are maxout layers; ``(W, b, "leaky", alpha)`` and
    ``(W, b, "slope", slopes)`` (LeakyReLU, PReLU) become rank-2 maxout (:func:`_slope_layers`),
    ``(W, b, "clip", lo, hi)`` (ReLU6, Hardtanh) two relu units per output (:func:`_clip_layers`),
    computed exactly as rationals."""
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
        if act in ("leaky", "slope"):
            layers += _slope_layers(W, b, spec[3])
        elif act == "clip":
            layers += _clip_layers(W, b, spec[3], spec[4])
        else:
            layers.append((conv(W), conv(b), act) + tuple(spec[3:]))
    # the domain is kept as given (metadata holds exact ints and "p/q" strings)
    return network_from_lists(layers, list(lower), list(upper), name=name, source=source)


def _slope_layers(W, b, slopes):
    """z -> z for z > 0, a z below: max(z, a z) for a <= 1 (rows (w, a w)), and min(z, a z) =
    -max(-z, -a z) for a > 1 (rows (-w, -a w), then an identity layer of signs), as in the ONNX
    reader (io/onnx_graph.py)."""
    from fractions import Fraction
    W, b = np.asarray(W, float), np.asarray(b, float)
    slopes = np.broadcast_to(np.asarray(slopes, float), (W.shape[0],))
    rows, bias, signs = [], [], []
    for row, bb, a in zip(W, b, slopes):
        a, s = Fraction(float(a)), (1 if a <= 1 else -1)
        exact = [s * Fraction(float(v)) for v in row]
        rows += [exact, [a * v for v in exact]]
        bias += [s * Fraction(float(bb)), a * s * Fraction(float(bb))]
        signs.append(s)
    out = [(rows, bias, "maxout", 2)]
    if any(s < 0 for s in signs):
        n = len(signs)
        out.append(([[signs[i] if i == j else 0 for j in range(n)] for i in range(n)], [0] * n, "identity"))
    return out


def _clip_layers(W, b, lo, hi):
    """Clip(z, lo, hi) = lo + relu(z - lo) - relu(z - hi) (ReLU6: 0, 6; Hardtanh: its min_val,
    max_val): a relu layer of two units per output, then an identity layer [1, -1] with bias lo,
    exact (the ONNX reader folds the same map into the next layer)."""
    from fractions import Fraction
    W, b = np.asarray(W, float), np.asarray(b, float)
    lo, hi = Fraction(float(lo)), Fraction(float(hi))
    if lo > hi:
        raise NetworkError(f"a clip with min {float(lo)} above max {float(hi)}")
    rows, bias = [], []
    for row, bb in zip(W, b):
        exact = [Fraction(float(v)) for v in row]
        rows += [exact, exact]
        bias += [Fraction(float(bb)) - lo, Fraction(float(bb)) - hi]
    n = W.shape[0]
    comb = [[1 if j == 2 * i else -1 if j == 2 * i + 1 else 0 for j in range(2 * n)] for i in range(n)]
    return [(rows, bias, "relu"), (comb, [lo] * n, "identity")]


def read_onnx(path, lower=None, upper=None, notes: list | None = None) -> Network:
    """Import an ONNX model (io/onnx_graph.py says which graphs). The domain comes from
    ``lower``/``upper`` (one interval for every input, or one per input element) or else from the
    model's mip-regions metadata; without either it is an error. ``notes``, a list, receives one
    line per layer saying which nodes were folded into it, and one per dropped node."""
    from .onnx_graph import Tracer
    from .onnx_proto import Unsupported, reader
    src = str(path)
    kept = len(notes) if notes is not None else 0
    for full in (False, True):      # the light reader first (no onnx import, io/onnx_proto.py)
        try:
            rd = reader(full)
        except ImportError:
            _onnx()                 # the install hint
        try:
            model = rd.load(src)
        except Exception as exc:  # protobuf and onnx raise several types for unreadable files
            raise NetworkError(f"cannot read ONNX model ({exc})", source=src) from None
        meta = {p.key: p.value for p in model.metadata_props}
        tracer = Tracer(model, src, notes, rd)
        try:
            layers = tracer.run()
            break
        except Unsupported:         # something only the onnx package reads: read again with it
            if notes is not None:
                del notes[kept:]
    if lower is None and DOMAIN_KEY in meta:
        try:
            dom = json.loads(meta[DOMAIN_KEY])
            lower, upper = list(dom["lower"]), list(dom["upper"])
        except (ValueError, KeyError, TypeError):
            raise NetworkError(f"the metadata {DOMAIN_KEY!r} is not a JSON object with 'lower' and 'upper' "
                               "lists; give --domain LO:HI or --domain-file FILE", source=src) from None
    if lower is None:
        raise NetworkError("no input domain: give --domain LO:HI or --domain-file FILE", source=src)
    n0 = tracer.n0
    if len(lower) == 1 and n0 > 1:
        lower, upper = list(lower) * n0, list(upper) * n0
    if len(lower) != n0 or len(upper) != n0:
        raise NetworkError(f"the domain gives {len(lower)} coordinate(s), the model's input "
                           f"{tracer.input_shape} has {n0} element(s)", source=src)
    return exact_layers_to_network(layers, lower, upper, meta.get(NAME_KEY) or model.graph.name or None,
                                   source=src)


def _numbers(a):
    """Exact Fractions as the simplest exact form: ints if all are integers, floats if all are
    float64 values (so files stay readable), else the Fractions themselves."""
    flat = list(np.asarray(a, dtype=object).ravel())
    if all(v.denominator == 1 for v in flat):
        out = [int(v) for v in flat]
    else:
        fl = [float(v) for v in flat]
        out = fl if all(Fraction(f) == v for f, v in zip(fl, flat)) else flat
    return np.array(out, dtype=object).reshape(np.shape(a)).tolist()


def _is_float_matrix(W) -> bool:
    return hasattr(W, "tocsr") or (isinstance(W, np.ndarray) and W.dtype == np.float64)


def _float_layer(W, b, act, rank, index, source) -> Layer:
    """A Layer of float64 weights (dense or CSR) and an exact bias that is a float64 value."""
    bf = np.array([float(v) for v in np.asarray(b, dtype=object).ravel()])
    bad = [i for i, (f, v) in enumerate(zip(bf, np.asarray(b, dtype=object).ravel())) if Fraction(f) != v]
    if bad:
        raise NetworkError(f"bias entry {bad[0]} is {np.asarray(b).ravel()[bad[0]]}, not a float64 value; a "
                           "layer read as placed floats needs float biases", source=source, layer=index)
    return Layer(W.tocsr() if hasattr(W, "tocsr") else W, bf, act, None, None, rank if act == "maxout" else 1)


def exact_layers_to_network(layers, lower, upper, name, source=None) -> Network:
    """``[(W, b, activation, rank)]`` of exact Fractions (io/onnx_graph.py) -> Network. A layer
    whose W is already float64 (placed constants, io/onnx_sparse.py: dense or scipy.sparse) is
    taken as it is, with its bias as float64 (it must be one exactly)."""
    built = [_float_layer(W, b, act, rank, i, source) if _is_float_matrix(W) else
             _exact_layer(W, b, act, rank, i, source) for i, (W, b, act, rank) in enumerate(layers)]
    return Network(built, Box.from_numbers(list(lower), list(upper), source=source), name, source=source)


def _exact_layer(W, b, act, rank, index, source) -> Layer:
    both = _numbers(np.concatenate([np.asarray(W, dtype=object).reshape(len(b), -1),
                                    np.asarray(b, dtype=object)[:, None]], axis=1))
    return Layer.from_numbers([row[:-1] for row in both], [row[-1] for row in both], act,
                              rank=rank if act == "maxout" else None, index=index, source=source)


DTYPES = {"float32": np.float32, "float64": np.float64}


def rounding(net: Network, dtype: str) -> tuple[int, int]:
    """(numbers changed, numbers that overflow to inf) when the network's weights and biases are
    stored as ``dtype`` ('float32' or 'float64'), compared with their exact values."""
    from fractions import Fraction
    changed = overflow = 0
    cast = DTYPES[dtype]
    with np.errstate(over="ignore"):
        for layer, (EW, Eb) in zip(net.layers, net.rational_layers()):
            for stored, exact in ((np.asarray(dense_array(layer.weights)).ravel(), [v for row in EW for v in row]),
                                  (layer.bias, Eb)):
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
        inits += [numpy_helper.from_array(dense_weights(layer, l, "writing ONNX").astype(cast), w),
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

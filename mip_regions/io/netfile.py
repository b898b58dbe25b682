"""Read and write network files (JSON, ``"format": "mip-regions/network"``, version 1).

Example::

    {"format": "mip-regions/network", "version": 1, "name": "ternary n0=1 q=2 L'=5",
     "input_dim": 1, "domain": {"lower": [0], "upper": [1]},
     "layers": [{"activation": "identity", "weights": [[1], [1]], "bias": [0, 1]},
                {"activation": "relu", "weights": [[1, -1]], "bias": ["1/2"]},
                {"activation": "identity", "weights": [[1]], "bias": [0]}]}

A maxout layer has ``"activation": "maxout", "rank": k`` and k consecutive rows of weights (and
bias entries) per unit: unit j is the maximum of rows j*k ... j*k+k-1 (nets/activations.py).

Numbers are JSON integers, floats or strings "p/q". Every error names the file, the layer
index and the field.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from ..errors import NetworkError
from ..nets.network import Box, Layer, Network, dense_weights, is_sparse

FORMAT = "mip-regions/network"
VERSION = 1
_TOP_KEYS = {"format", "version", "name", "input_dim", "domain", "layers"}
_LAYER_KEYS = {"activation", "weights", "bias", "rank"}


def network_from_dict(data, *, source=None) -> Network:
    """Validate a parsed network document and build the :class:`Network`."""
    if not isinstance(data, dict):
        raise NetworkError("the file must hold a JSON object", source=source)
    if data.get("format", FORMAT) != FORMAT:     # may be omitted in a hand-written file
        raise NetworkError(f"expected {FORMAT!r}, got {data.get('format')!r}", source=source, field="format")
    version = data.get("version", VERSION)     # likewise: omitted means this version
    if isinstance(version, bool) or not isinstance(version, int) or version != VERSION:
        raise NetworkError(f"unsupported version {data.get('version')!r} (this tool reads version {VERSION})",
                           source=source, field="version")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise NetworkError(f"unknown key(s) {sorted(unknown)}", source=source)
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise NetworkError("must be a string", source=source, field="name")
    domain = data.get("domain")
    if domain is None:
        raise NetworkError("missing: the input domain is required, e.g. "
                           '{"lower": [0], "upper": [1]}', source=source, field="domain")
    if not isinstance(domain, dict) or "lower" not in domain or "upper" not in domain:
        raise NetworkError("must be an object with 'lower' and 'upper' lists", source=source, field="domain")
    box = Box.from_numbers(domain["lower"], domain["upper"], source=source)
    n0 = data.get("input_dim")
    if n0 is not None and (isinstance(n0, bool) or not isinstance(n0, int) or n0 != box.dim):
        raise NetworkError(f"is {n0!r} but the domain has {box.dim} coordinates",
                           source=source, field="input_dim")
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise NetworkError("missing or empty: a non-empty list of layers is required",
                           source=source, field="layers")
    built = []
    for i, spec in enumerate(layers):
        if not isinstance(spec, dict):
            raise NetworkError("must be an object with activation, weights and bias", source=source, layer=i)
        for key in ("activation", "weights", "bias"):
            if key not in spec:
                raise NetworkError("missing", source=source, layer=i, field=key)
        unknown = set(spec) - _LAYER_KEYS
        if unknown:
            raise NetworkError(f"unknown key(s) {sorted(unknown)}", source=source, layer=i)
        if isinstance(spec["weights"], dict):
            built.append(_sparse_layer(spec, i, source))
            continue
        built.append(Layer.from_numbers(spec["weights"], spec["bias"], spec["activation"],
                                        rank=spec.get("rank"), index=i, source=source))
    return Network(built, box, name, source=source)


_SPARSE_KEYS = {"sparse", "shape", "indptr", "indices", "data"}


def _sparse_layer(spec, i, source) -> Layer:
    """A layer whose weights are given in CSR form, ``{"sparse": "csr", "shape": [rows, cols],
    "indptr": [...], "indices": [...], "data": [...]}`` (a convolution written by ``convert``):
    float64 values, exact as floats; the bias likewise."""
    import numpy as np
    w = spec["weights"]
    where = dict(source=source, layer=i, field="weights")
    if set(w) != _SPARSE_KEYS or w.get("sparse") != "csr":
        raise NetworkError(f"a sparse weight object needs exactly the keys {sorted(_SPARSE_KEYS)} with "
                           '"sparse": "csr"', **where)
    try:
        rows, cols = (int(v) for v in w["shape"])
        indptr = np.asarray(w["indptr"], dtype=np.int64)
        indices = np.asarray(w["indices"], dtype=np.int64)
        data = np.asarray(w["data"], dtype=np.float64)
        bias = np.asarray(spec["bias"], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise NetworkError(f"the sparse weights or the bias are not numbers ({exc}); a sparse layer holds "
                           "floats (write exact rationals densely)", **where) from None
    problems = [(rows < 1 or cols < 1, f"shape {w['shape']} must be two positive integers"),
                (indptr.shape != (rows + 1,) or indptr[0] != 0 or (np.diff(indptr) < 0).any()
                 or indptr[-1] != len(indices), "indptr must rise from 0 to the number of entries, rows + 1 long"),
                (len(indices) != len(data), f"indices ({len(indices)}) and data ({len(data)}) differ in length"),
                (len(indices) and (indices.min() < 0 or indices.max() >= cols), f"a column index is outside 0..{cols - 1}"),
                (not np.isfinite(data).all(), "data holds a non-finite number"),
                (bias.shape != (rows,), f"the bias has {bias.size} entries, expected {rows}")]
    for bad, text in problems:
        if bad:
            raise NetworkError(text, **where)
    try:
        import scipy.sparse as sp
    except ImportError:
        raise NetworkError("sparse weights need scipy: pip install scipy", **where) from None
    act = spec["activation"]
    rank = spec.get("rank")
    probe = Layer.from_numbers([[0.0]] * (rank or 1), [0.0] * (rank or 1), act, rank=rank, index=i, source=source)
    if rows % probe.rank:
        raise NetworkError(f"has {rows} rows, not a multiple of the rank {probe.rank}", **where)
    return Layer(sp.csr_matrix((data, indices, indptr), shape=(rows, cols)), bias, act, None, None, probe.rank)


TORCH_SUFFIXES = (".pt", ".pth", ".pkl", ".ckpt")


def _no_duplicates(pairs):
    """json object hook: a key given twice is an error (the last one would silently win)."""
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise NetworkError(f"the key {key!r} appears twice in one object")
        obj[key] = value
    return obj


def read_network(path) -> Network:
    """Read a network file; raises :class:`NetworkError` naming the file on any problem (unreadable,
    not UTF-8 text, a torch checkpoint, invalid or too deeply nested JSON, duplicate keys)."""
    path = Path(path)
    src = str(path)
    if path.suffix.lower() in TORCH_SUFFIXES:
        raise NetworkError("this looks like a PyTorch file; mip-regions never unpickles files. Import the "
                           "model in Python with mip_regions.from_torch(module, (lower, upper)), or export "
                           "it to ONNX and count the .onnx file", source=src)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NetworkError(f"cannot read file ({exc.strerror})", source=src) from None
    try:
        text = raw.decode("utf-8-sig")        # a UTF-8 byte-order mark (Windows editors) is skipped
    except UnicodeDecodeError as exc:
        raise NetworkError(f"not UTF-8 text (byte {exc.start}); a network file is JSON in UTF-8"
                           + (" (this looks like a zip or pickle file, e.g. a PyTorch checkpoint: use "
                              "mip_regions.from_torch or export to ONNX)" if raw[:2] in (b"PK", b"\x80\x02")
                              or raw[:1] == b"\x80" else ""), source=src) from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise NetworkError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                           source=src) from None
    except RecursionError:
        raise NetworkError("JSON nested too deeply to be a network file", source=src) from None
    except NetworkError as exc:
        raise NetworkError(str(exc), source=src) from None
    return network_from_dict(data, source=src)


def _enc_number(f: float, e: Fraction | None):
    if e is None:
        return float(f)
    return int(e) if e.denominator == 1 else str(e)


def network_to_dict(net: Network) -> dict:
    """The JSON document of a network; exact numbers are written as ints or "p/q" strings."""
    layers = []
    for l, layer in enumerate(net.layers):
        if is_sparse(layer.weights):
            W = layer.weights.tocsr()
            layers.append({"activation": layer.activation, **layer.act.spec(),
                           "weights": {"sparse": "csr", "shape": list(W.shape), "indptr": W.indptr.tolist(),
                                       "indices": W.indices.tolist(), "data": W.data.tolist()},
                           "bias": [float(v) for v in layer.bias]})
            continue
        dense = dense_weights(layer, l, "writing a network file")
        W = [[_enc_number(dense[r, c], layer.exact_weights[r][c] if layer.exact_weights else None)
              for c in range(layer.n_in)] for r in range(layer.n_rows)]
        b = [_enc_number(layer.bias[r], layer.exact_bias[r] if layer.exact_bias else None)
             for r in range(layer.n_rows)]
        layers.append({"activation": layer.activation, **layer.act.spec(), "weights": W, "bias": b})
    doc = {"format": FORMAT, "version": VERSION}
    if net.name:
        doc["name"] = net.name
    doc.update({"input_dim": net.input_dim, "domain": net.domain.to_json(), "layers": layers})
    return doc


def dumps_network(net: Network) -> str:
    """Serialise deterministically: one layer row per line, so files diff well and regenerate bit for bit."""
    doc = network_to_dict(net)
    head = {k: v for k, v in doc.items() if k != "layers"}
    lines = ["{" + json.dumps(head)[1:-1] + ',', ' "layers": [']
    for i, layer in enumerate(doc["layers"]):
        weights = json.dumps(layer["weights"]) if isinstance(layer["weights"], dict) else \
            "[" + ",\n    ".join(json.dumps(r) for r in layer["weights"]) + "]"
        rank = f', "rank": {layer["rank"]}' if "rank" in layer else ""
        lines.append(f'  {{"activation": {json.dumps(layer["activation"])}{rank},\n'
                     f'   "weights": {weights},\n'
                     f'   "bias": {json.dumps(layer["bias"])}}}' + ("," if i < len(doc["layers"]) - 1 else ""))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def write_network(net: Network, path) -> None:
    """Write a network file (see :func:`dumps_network`), atomically (io/outputs.py)."""
    from .outputs import atomic_write
    text = dumps_network(net)
    with atomic_write(path) as fh:
        fh.write(text)

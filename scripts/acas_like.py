"""An ACAS Xu-shaped ONNX model with seeded random weights, written as the VNN-COMP files are: a
(1, 1, 1, 5) input, input normalisation by Sub and Div nodes, a Flatten, six hidden Gemm + Relu
layers of 50 units, five outputs, and every initializer also listed among the graph inputs.

Run: python scripts/acas_like.py OUT.onnx [--seed S]; bench.py uses :func:`acas_network`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

MEANS = np.array([19791.091, 0.0, 0.0, 650.0, 600.0], np.float32)      # ACAS Xu's normalisation
RANGES = np.array([60261.0, 6.28318530718, 6.28318530718, 1100.0, 1200.0], np.float32)


def write_acas_like(path, seed: int = 0) -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    inits = {"mean": MEANS.reshape(1, 1, 1, 5), "range": RANGES.reshape(1, 1, 1, 5)}
    nodes = [helper.make_node("Sub", ["x", "mean"], ["s"], name="sub"),
             helper.make_node("Div", ["s", "range"], ["d"], name="div"),
             helper.make_node("Flatten", ["d"], ["h0"], name="flatten")]
    n, cur = 5, "h0"
    for k, w in enumerate([50] * 6 + [5]):
        inits[f"W{k}"] = (rng.standard_normal((w, n)) / np.sqrt(n)).astype(np.float32)
        inits[f"b{k}"] = (0.1 * rng.standard_normal(w)).astype(np.float32)
        nodes.append(helper.make_node("Gemm", [cur, f"W{k}", f"b{k}"], [f"g{k}"], name=f"gemm{k}", transB=1))
        cur, n = f"g{k}", w
        if k < 6:
            nodes.append(helper.make_node("Relu", [cur], [f"r{k}"], name=f"relu{k}"))
            cur = f"r{k}"
    nodes.append(helper.make_node("Identity", [cur], ["y"], name="out"))
    tensors = [numpy_helper.from_array(v, k) for k, v in inits.items()]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 1, 5])]
    inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in tensors]
    g = helper.make_graph(nodes, "acas-like", inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
                          tensors)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return Path(path)


def acas_network(half_width: float, seed: int = 0):
    """The model read back over the raw-input box mean +- half_width * range (a box of
    [-w, w]^5 in the normalised coordinates)."""
    import tempfile
    from fractions import Fraction
    from mip_regions.io.onnx_io import read_onnx
    with tempfile.TemporaryDirectory() as d:
        path = write_acas_like(Path(d) / "acas.onnx", seed)
        w = Fraction(half_width)
        lo = [Fraction(float(m)) - w * Fraction(float(r)) for m, r in zip(MEANS, RANGES)]
        hi = [Fraction(float(m)) + w * Fraction(float(r)) for m, r in zip(MEANS, RANGES)]
        return read_onnx(path, lo, hi)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="ONNX file to write")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print(f"wrote {write_acas_like(a.out, a.seed)}")

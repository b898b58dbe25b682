"""Public-benchmark-shaped ONNX files (issue 28): build them, then time ``show`` and a small count
on each as a user would (a fresh process each), with peak memory. Prints one table and writes
it as CSV + Markdown.

Files (seeded random weights, He-scaled; the shapes of VNN-COMP's MNIST benchmarks):
* ``mlp_784_256x4``: Flatten + 4 x (Gemm 256, Relu) + Gemm 10 (mnist-net_256x4's graph);
* ``cnn_mnist``: Conv 5x5 x32 pad 2, Relu, Conv 4x4 x64 stride 2 pad 1, Relu, a Reshape whose
  shape comes from Shape / Gather / Unsqueeze / Concat nodes, Gemm 12544 -> 100, Relu,
  Gemm 100 -> 10, with a dynamic batch dimension (the MNIST CNN of the issue);
* ``matmul_wx``: a hand-written 5-input net, ``MatMul(W, x)`` with the weights on the left and a
  1-D input of shape [5], then Add;
* ``act_prelu``, ``act_clip`` (ReLU6), ``act_hardtanh`` (Clip -1..1), ``act_leaky``: 784-32-10
  nets with each piecewise-linear activation.

The small count: on a line through the input box between two seeded points (``count --line``,
exact1d), so it finishes on every file; its regions are in the table.

Run: python scripts/benchmark_shaped.py [--out scripts/results/shaped] [--keep DIR]
Needs the onnx extra.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _he(rng, shape, fan_in):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def build_models(folder: Path, seed: int = 0) -> dict:
    """Write the files of the module docstring into ``folder``; {name: (path, n0)}."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    out = {}

    def save(name, nodes, inits, inp, outp, n0):
        graph = helper.make_graph(nodes, name, [inp], [outp], [numpy_helper.from_array(v, k) for k, v in inits.items()])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        path = folder / f"{name}.onnx"
        onnx.save(model, str(path))
        out[name] = (path, n0)

    # MLP 784-256x4-10 with Flatten + Gemm
    inits, nodes, prev = {}, [helper.make_node("Flatten", ["x"], ["f"], axis=1)], "f"
    sizes = [784, 256, 256, 256, 256, 10]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        inits[f"W{i}"], inits[f"b{i}"] = _he(rng, (b, a), a), _he(rng, (b,), a)
        nodes.append(helper.make_node("Gemm", [prev, f"W{i}", f"b{i}"], [f"g{i}"], transB=1))
        prev = f"g{i}"
        if i < len(sizes) - 2:
            nodes.append(helper.make_node("Relu", [prev], [f"r{i}"]))
            prev = f"r{i}"
    save("mlp_784_256x4", nodes, inits, helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28]),
         helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, 10]), 784)

    # MNIST CNN with the shape subgraph and a dynamic batch
    inits = {"W1": _he(rng, (32, 1, 5, 5), 25), "B1": _he(rng, (32,), 25),
             "W2": _he(rng, (64, 32, 4, 4), 512), "B2": _he(rng, (64,), 512),
             "W3": _he(rng, (100, 12544), 12544), "B3": _he(rng, (100,), 12544),
             "W4": _he(rng, (10, 100), 100), "B4": _he(rng, (10,), 100),
             "zero": np.array(0, dtype=np.int64), "minus1": np.array([-1], dtype=np.int64)}
    nodes = [helper.make_node("Conv", ["x", "W1", "B1"], ["c1"], pads=[2, 2, 2, 2]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "W2", "B2"], ["c2"], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c2"], ["r2"]),
             helper.make_node("Shape", ["r2"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
             helper.make_node("Reshape", ["r2", "shape"], ["flat"]),
             helper.make_node("Gemm", ["flat", "W3", "B3"], ["g3"], transB=1),
             helper.make_node("Relu", ["g3"], ["r3"]),
             helper.make_node("Gemm", ["r3", "W4", "B4"], ["y"], transB=1)]
    inits["axes0"] = np.array([0], dtype=np.int64)
    save("cnn_mnist", nodes, inits, helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10]), 784)

    # MatMul(W, x) with a 1-D input
    inits = {"W": _he(rng, (8, 5), 5), "b": _he(rng, (8,), 5), "V": _he(rng, (3, 8), 8), "c": _he(rng, (3,), 8)}
    nodes = [helper.make_node("MatMul", ["W", "x"], ["h"]), helper.make_node("Add", ["h", "b"], ["z"]),
             helper.make_node("Relu", ["z"], ["r"]), helper.make_node("MatMul", ["V", "r"], ["o"]),
             helper.make_node("Add", ["o", "c"], ["y"])]
    save("matmul_wx", nodes, inits, helper.make_tensor_value_info("x", TensorProto.FLOAT, [5]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, [3]), 5)

    # one 784-32-10 net per activation
    acts = {"act_prelu": ("PRelu", {"slope": (rng.uniform(0, 0.5, (32,))).astype(np.float32)}, {}),
            "act_clip": ("Clip", {"lo": np.array(0, np.float32), "hi": np.array(6, np.float32)}, {}),
            "act_hardtanh": ("Clip", {"lo": np.array(-1, np.float32), "hi": np.array(1, np.float32)}, {}),
            "act_leaky": ("LeakyRelu", {}, {"alpha": 0.1})}
    for name, (op, extra, attrs) in acts.items():
        inits = {"W": _he(rng, (32, 784), 784), "b": _he(rng, (32,), 784), "V": _he(rng, (10, 32), 32),
                 "c": _he(rng, (10,), 32), **extra}
        nodes = [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Gemm", ["f", "W", "b"], ["z"], transB=1),
                 helper.make_node(op, ["z", *extra], ["a"], **attrs),
                 helper.make_node("Gemm", ["a", "V", "c"], ["y"], transB=1)]
        save(name, nodes, inits, helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28]),
             helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10]), 784)
    return out


def _timed(cmd) -> tuple[float, float, str]:
    """(seconds, peak MB of the child, stdout) of one fresh process."""
    t0 = time.perf_counter()
    wrapper = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr); "
               "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
               "sys.exit(r.returncode)")
    r = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True)
    secs = time.perf_counter() - t0
    peak = next((int(line.split()[1]) / 1024 for line in r.stderr.splitlines() if line.startswith("PEAK")), float("nan"))
    if r.returncode not in (0, 4):
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return secs, peak, r.stdout


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(HERE / "results" / "shaped"))
    ap.add_argument("--keep", help="also keep the .onnx files in this folder")
    args = ap.parse_args(argv)
    tool = [sys.executable, "-m", "mip_regions.cli"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        models = build_models(folder)
        rng = np.random.default_rng(1)
        for name, (path, n0) in models.items():
            dom = ["--domain", "0:1"] if n0 == 784 else ["--domain", "-1:1"]
            show_s, show_mb, _ = _timed([*tool, "show", str(path), *dom])
            lo = 0.0 if n0 == 784 else -1.0
            a, b = rng.uniform(lo, 1, n0), rng.uniform(lo, 1, n0)
            np.save(folder / f"{name}_a.npy", a)
            np.save(folder / f"{name}_b.npy", b)
            count_s, count_mb, out = _timed([*tool, "count", str(path), *dom, "--line", str(folder / f"{name}_a.npy"),
                                             str(folder / f"{name}_b.npy"), "--json", "--no-linear"])
            import json
            regions = json.loads(out)["activation_regions"]
            rows.append({"file": name, "inputs": n0, "show_s": round(show_s, 2), "show_peak_mb": round(show_mb),
                         "line_count_s": round(count_s, 2), "line_regions": regions, "count_peak_mb": round(count_mb)})
            print(rows[-1], flush=True)
    from mip_regions.report.tables import write_tables
    print(write_tables(rows, args.out, "shaped"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

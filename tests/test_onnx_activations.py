"""Every exactly piecewise-linear activation of trained nets (issue 28, item 5): PRelu (per-channel
slopes, including slopes above 1 and below 0), LeakyRelu with alpha > 1, Clip (ReLU6, Hardtanh,
one-sided, opset-6 attributes). Each model: its forward pass equals onnxruntime's, and its count
equals a count from first principles (1-D breakpoints) or the exact engine and the MIP."""


import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="needs the onnx package (pip install -e '.[onnx]')")
ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime (pip install -e '.[onnx]')")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from polygon_oracle import counts as oracle_counts  # noqa: E402

from mip_regions import count_regions  # noqa: E402
from mip_regions.cli import main  # noqa: E402
from mip_regions.io.onnx_io import read_onnx  # noqa: E402


def save(path, nodes, inits, n_in, n_out, opset=13):
    inits = [numpy_helper.from_array(np.asarray(v, dtype=np.float32), k) for k, v in inits.items()]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n_in])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n_out])], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def ort_forward(path, X):
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    s = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    return np.vstack([s.run(None, {"x": x[None, :].astype(np.float32)})[0] for x in X])


def mlp(path, act_nodes, inits, W1, b1, W2, opset=13):
    """x -> Gemm(W1, b1) -> activation nodes ('h' -> 'a') -> Gemm(W2) -> y."""
    nodes = [helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], transB=1)] + act_nodes + \
            [helper.make_node("Gemm", ["a", "W2"], ["y"], transB=1)]
    return save(path, nodes, {"W1": W1, "b1": b1, "W2": W2, **inits}, len(W1[0]), len(W2))


def check_forward(path, net, lo, hi, n=300):
    X = np.random.default_rng(0).uniform(lo, hi, (n, net.input_dim))
    assert np.allclose(net.forward(X), ort_forward(path, X), atol=1e-5)


def pieces_1d(breakpoints, lo, hi):
    """Activation regions of a 1-D net from first principles: the distinct breakpoints inside."""
    return len({b for b in breakpoints if lo < b < hi}) + 1


def test_clip_two_bounds_counts_its_breakpoints(tmp_path):
    """Hardtanh (Clip(-1, 1)) of z = x, 2x + 1, -x + 1/2 on [-4, 4]: breakpoints z = -1 and z = 1
    of each unit, x in {-1, 1}, {-1, 0}, {3/2, -1/2}: 5 distinct (x = -1 twice), 6 regions."""
    W1, b1, W2 = [[1], [2], [-1]], [0, 1, 0.5], [[1, 1, 1]]
    path = mlp(tmp_path / "clip.onnx", [helper.make_node("Clip", ["h", "lo", "hi"], ["a"])],
               {"lo": np.float32(-1), "hi": np.float32(1)}, W1, b1, W2)
    net = read_onnx(path, [-4], [4])
    assert [l.activation for l in net.layers] == ["relu", "identity"] and net.layers[0].n_out == 6
    check_forward(path, net, -4, 4)
    want = pieces_1d([-1, 1, -1, 0, 1.5, -0.5], -4, 4)
    assert want == 6
    for method in ("exact1d", "vertex", "lp", "exact", "mip"):
        assert count_regions(net, method, progress=False).activation_regions == want, method


@pytest.mark.parametrize("bounds,cuts", [((0.0, 6.0), [0, 6, -0.5, 2.5]), ((None, 1.0), [1, 0]),
                                         ((-2.0, None), [-2, -1.5])])
def test_relu6_and_one_sided_clip(tmp_path, bounds, cuts):
    """ReLU6 of z = x, 2x + 1 on [-5, 8] (one piece boundary per bound and unit), and Clip with
    one bound given as an attribute (opsets 6-10) (the other at float32's lowest/highest)."""
    W1, b1, W2 = [[1], [2]], [0, 1], [[1, -1]]
    lo, hi = bounds
    if lo is not None and hi is not None:
        nodes = [helper.make_node("Clip", ["h", "lo", "hi"], ["a"])]
        inits = {"lo": np.float32(lo), "hi": np.float32(hi)}
        path = mlp(tmp_path / "c.onnx", nodes, inits, W1, b1, W2)
    else:
        attrs = {"min": float(lo) if lo is not None else -3.4028234663852886e38,
                 "max": float(hi) if hi is not None else 3.4028234663852886e38}
        nodes = [helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], transB=1),
                 helper.make_node("Clip", ["h"], ["a"], **attrs),
                 helper.make_node("Gemm", ["a", "W2", "b2"], ["y"], transB=1)]
        path = save(tmp_path / "c6.onnx", nodes, {"W1": W1, "b1": b1, "W2": W2, "b2": [0]}, 1, 1, opset=10)
    net = read_onnx(path, [-5], [8])
    check_forward(path, net, -5, 8)
    z_breaks = [v for v in (lo, hi) if v is not None]
    xs = [z for z in z_breaks] + [(z - 1) / 2 for z in z_breaks]      # x for z = x and z = 2x + 1
    assert sorted(xs) == sorted(cuts)
    want = pieces_1d(xs, -5, 8)
    for method in ("exact1d", "lp", "mip"):
        assert count_regions(net, method, progress=False).activation_regions == want, method


def test_prelu_per_unit_slopes_including_above_one_and_negative(tmp_path):
    """PRelu with slopes 0.25, 2 (a min: z for z > 0, 2z below) and -0.5 on 2-D inputs: the forward
    pass equals onnxruntime's; every engine counts what the exact engine counts."""
    W1 = [[1, 2], [-1, 1], [2, -1]]
    b1 = [0.5, 0, -0.25]
    W2 = [[1, -1, 1]]
    path = mlp(tmp_path / "p.onnx", [helper.make_node("PRelu", ["h", "slope"], ["a"])],
               {"slope": np.array([0.25, 2.0, -0.5], np.float32)}, W1, b1, W2)
    net = read_onnx(path, [-1, -1], [1, 1])
    assert net.layers[0].activation == "maxout" and net.layers[0].rank == 2
    check_forward(path, net, -1, 1)
    # three lines through the square, in general position: 7 cells (each unit has 2 pieces);
    # the independent polygon oracle agrees
    want = oracle_counts(net)[0]
    assert want == 7
    for method in ("vertex", "lp", "exact", "mip"):
        assert count_regions(net, method, progress=False).activation_regions == want, method


def test_leaky_relu_with_alpha_above_one_is_a_min(tmp_path):
    path = mlp(tmp_path / "l.onnx", [helper.make_node("LeakyRelu", ["h"], ["a"], alpha=1.5)], {},
               [[1], [-1]], [0.25, 0.5], [[1, 2]])
    net = read_onnx(path, [-2], [2])
    check_forward(path, net, -2, 2)
    assert count_regions(net, "exact1d", progress=False).activation_regions == pieces_1d([-0.25, 0.5], -2, 2)


def test_prelu_slope_of_one_is_a_single_piece(tmp_path):
    """Slope 1: both arguments of the maxout unit are the same row, the unit is linear, no cut."""
    path = mlp(tmp_path / "one.onnx", [helper.make_node("PRelu", ["h", "slope"], ["a"])],
               {"slope": np.array([1.0, 0.5], np.float32)}, [[1], [1]], [0, -1], [[1, 1]])
    net = read_onnx(path, [-3], [3])
    for method in ("exact1d", "lp", "exact", "mip"):
        assert count_regions(net, method, progress=False).activation_regions == 2, method


@pytest.mark.parametrize("op", ["Sigmoid", "Tanh"])
def test_smooth_activations_are_refused_by_name(tmp_path, capsys, op):
    path = mlp(tmp_path / "s.onnx", [helper.make_node(op, ["h"], ["a"], name="smooth")], {},
               [[1], [2]], [0, 1], [[1, 1]])
    assert main(["show", str(path), "--domain=-1:1"]) == 2
    err = capsys.readouterr().err
    assert f"node 1 'smooth' ({op}): operator {op} is not supported" in err


def test_softmax_before_the_end_is_refused(tmp_path, capsys):
    nodes = [helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], transB=1),
             helper.make_node("Softmax", ["h"], ["s"], name="early"),
             helper.make_node("Gemm", ["s", "W2"], ["y"], transB=1)]
    path = save(tmp_path / "sm.onnx", nodes, {"W1": [[1], [2]], "b1": [0, 1], "W2": [[1, 1]]}, 1, 1)
    assert main(["show", str(path), "--domain=-1:1"]) == 2
    assert "Softmax, which is supported only at the end of the graph" in capsys.readouterr().err


def test_clip_with_min_above_max_is_refused(tmp_path, capsys):
    path = mlp(tmp_path / "bad.onnx", [helper.make_node("Clip", ["h", "lo", "hi"], ["a"], name="c")],
               {"lo": np.float32(2), "hi": np.float32(1)}, [[1]], [0], [[1]])
    assert main(["show", str(path), "--domain=-1:1"]) == 2
    assert "min 2.0 is above max 1.0" in capsys.readouterr().err


# -- the same activations as torch modules (nn.PReLU, nn.ReLU6, nn.Hardtanh, nn.LeakyReLU(a > 1)) ----

def _torch_mlp(act, W1, b1, W2):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    m = nn.Sequential(nn.Linear(len(W1[0]), len(W1)), act, nn.Linear(len(W1), len(W2), bias=False)).double()
    with torch.no_grad():
        m[0].weight[:] = torch.tensor(W1, dtype=torch.float64)
        m[0].bias[:] = torch.tensor(b1, dtype=torch.float64)
        m[2].weight[:] = torch.tensor(W2, dtype=torch.float64)
    return m


def _torch_forward(m, X):
    import torch
    with torch.no_grad():
        return m(torch.tensor(X)).numpy()


def test_torch_hardtanh_equals_the_onnx_clip(tmp_path):
    torch = pytest.importorskip("torch")
    from mip_regions.io.torch_io import from_torch
    W1, b1, W2 = [[1], [2], [-1]], [0, 1, 0.5], [[1, 1, 1]]
    m = _torch_mlp(torch.nn.Hardtanh(-1.0, 1.0), W1, b1, W2)
    net = from_torch(m, (-4, 4))
    X = np.random.default_rng(1).uniform(-4, 4, (300, 1))
    assert np.allclose(net.forward(X), _torch_forward(m, X), rtol=0, atol=1e-12)
    path = mlp(tmp_path / "clip.onnx", [helper.make_node("Clip", ["h", "lo", "hi"], ["a"])],
               {"lo": np.float32(-1), "hi": np.float32(1)}, W1, b1, W2)
    twin = read_onnx(path, [-4], [4])
    for method in ("exact1d", "lp", "mip"):
        a = count_regions(net, method, progress=False, linear=method != "mip")
        b = count_regions(twin, method, progress=False, linear=method != "mip")
        assert a.activation_regions == b.activation_regions == 6, method
        assert a.linear_regions == b.linear_regions, method


@pytest.mark.parametrize("kind", ["prelu", "relu6", "leaky"])
def test_torch_prelu_relu6_leaky(kind):
    torch = pytest.importorskip("torch")
    from mip_regions.io.torch_io import from_torch
    nn = torch.nn
    act = {"prelu": nn.PReLU(3), "relu6": nn.ReLU6(), "leaky": nn.LeakyReLU(1.5)}[kind]
    W1, b1, W2 = [[3, 2], [-1, 4], [2, -1]], [0.5, 0, -0.25], [[1, -1, 1]]
    m = _torch_mlp(act, W1, b1, W2)
    if kind == "prelu":
        with torch.no_grad():
            act.weight[:] = torch.tensor([0.25, 2.0, -0.5], dtype=torch.float64)
    net = from_torch(m, (-3, 3))
    X = np.random.default_rng(2).uniform(-3, 3, (300, 2))
    assert np.allclose(net.forward(X), _torch_forward(m, X), rtol=0, atol=1e-12)
    # the independent polygon oracle (Fractions, no engine code); relu6: the 6 lines z_i = 0, 6
    # cross 10 times inside [-3, 3]^2, so 1 + 6 + 10 = 17 cells
    want = oracle_counts(net)
    assert want[0] == {"prelu": 7, "relu6": 17, "leaky": 7}[kind]
    for method in ("vertex", "lp", "exact", "mip"):
        res = count_regions(net, method, progress=False, linear=method != "mip")
        assert res.activation_regions == want[0], method
        if method != "mip":
            assert (res.linear_regions, res.affine_maps) == (want[1], want[2]), method


def test_matmul_with_the_weights_on_the_left_and_a_vector_input(tmp_path):
    """A hand-written net: input of shape [5], MatMul(W, x) + b, Relu, MatMul(w2, h) (it was
    refused: 'operands could not be broadcast together'); forward equals onnxruntime's."""
    rng = np.random.default_rng(5)
    W, b, w2 = rng.integers(-3, 4, (4, 5)), rng.integers(-2, 3, 4), rng.integers(-2, 3, (1, 4))
    inits = [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in (("W", W), ("b", b), ("w2", w2))]
    nodes = [helper.make_node("MatMul", ["W", "x"], ["m"]), helper.make_node("Add", ["m", "b"], ["z"]),
             helper.make_node("Relu", ["z"], ["h"]), helper.make_node("MatMul", ["w2", "h"], ["y"])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(tmp_path / "v.onnx"))
    net = read_onnx(tmp_path / "v.onnx", [-1], [1])
    assert net.input_dim == 5 and np.array_equal(net.layers[0].weights, W)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    s = ort.InferenceSession(str(tmp_path / "v.onnx"), opts, providers=["CPUExecutionProvider"])
    X = rng.uniform(-1, 1, (50, 5))
    ref = np.vstack([s.run(None, {"x": x.astype(np.float32)})[0] for x in X])
    assert np.allclose(net.forward(X), ref, atol=1e-5)
    assert count_regions(net, "lp", progress=False).activation_regions == \
        count_regions(net, "exact", progress=False).activation_regions

"""Maxout through ONNX and torch (issue 14): LeakyRelu (exact rank-2 maxout), Abs, the
Reshape + ReduceMax maxout pattern, convert JSON -> ONNX -> JSON, and torch's LeakyReLU and Maxout."""

from fractions import Fraction

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="ONNX tests need the onnx package (pip install -e '.[onnx]')")

import polygon_oracle  # noqa: E402
from mip_regions import NetworkError, count_regions, read_network  # noqa: E402
from mip_regions.cli import main  # noqa: E402
from mip_regions.io.onnx_io import read_onnx, write_onnx  # noqa: E402

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

W1 = np.array([[1, -1], [2, 1], [0.5, -2], [-1, 0.25], [1, 1], [-0.5, 1]], np.float32)
B1 = np.array([0, 0.5, -0.25, 0, 1, -1], np.float32)


def model(path, act_nodes, n_out, extra_inits=()):
    """x (N, 2) -> Gemm(W1, B1) -> act_nodes -> MatMul(ones) -> y."""
    V = numpy_helper.from_array(np.ones((n_out, 1), np.float32), "V")
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["z"], name="gemm", transB=1)] + act_nodes + \
        [helper.make_node("MatMul", ["h", "V"], ["y"], name="out")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])],
                          [numpy_helper.from_array(W1, "W"), numpy_helper.from_array(B1, "b"), V,
                           *extra_inits])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(path))


def test_leaky_relu_is_exact_rank2_maxout(tmp_path):
    model(tmp_path / "l.onnx", [helper.make_node("LeakyRelu", ["z"], ["h"], name="lr", alpha=0.1)], 6)
    net = read_onnx(tmp_path / "l.onnx", [-1, -1], [1, 1])
    layer = net.layers[0]
    assert (layer.activation, layer.rank, layer.n_out) == ("maxout", 2, 6)
    alpha = Fraction(float(np.float32(0.1)))           # the attribute is a float32
    EW = net.rational_layers()[0][0]            # the exact value, however it is stored
    assert EW[1][0] == alpha * Fraction(float(W1[0, 0]))
    assert EW[0][1] == Fraction(float(W1[0, 1]))
    X = np.random.default_rng(0).uniform(-1, 1, (100, 2))
    z = X @ W1.astype(float).T + B1
    assert np.allclose(net.forward(X)[:, 0], np.where(z > 0, z, float(np.float32(0.1)) * z).sum(axis=1))
    # leaky relu bends exactly where relu does: the same activation regions
    relu = tmp_path / "r.onnx"
    model(relu, [helper.make_node("Relu", ["z"], ["h"], name="r")], 6)
    want = count_regions(read_onnx(relu, [-1, -1], [1, 1]), "vertex").activation_regions
    assert count_regions(net, "vertex").activation_regions == want == polygon_oracle.counts(net)[0]


def test_abs_is_rank2_maxout_of_w_and_minus_w(tmp_path):
    model(tmp_path / "a.onnx", [helper.make_node("Abs", ["z"], ["h"], name="abs")], 6)
    net = read_onnx(tmp_path / "a.onnx", [-1, -1], [1, 1])
    assert net.layers[0].rank == 2 and np.array_equal(net.layers[0].weights[1], -W1[0])
    X = np.random.default_rng(1).uniform(-1, 1, (50, 2))
    assert np.allclose(net.forward(X)[:, 0], np.abs(X @ W1.astype(float).T + B1).sum(axis=1))
    assert count_regions(net, "lp").activation_regions == polygon_oracle.counts(net)[0]


@pytest.mark.parametrize("keepdims", [0, 1])
def test_reshape_reducemax_is_a_maxout_layer(tmp_path, keepdims):
    shape = numpy_helper.from_array(np.array([-1, 2, 3], np.int64), "shape")
    back = numpy_helper.from_array(np.array([-1, 2], np.int64), "back")
    nodes = [helper.make_node("Reshape", ["z", "shape"], ["g"], name="group"),
             helper.make_node("ReduceMax", ["g"], ["m" if keepdims else "h"], name="max", axes=[2],
                              keepdims=keepdims)]
    if keepdims:
        nodes.append(helper.make_node("Reshape", ["m", "back"], ["h"], name="flat"))
    model(tmp_path / "m.onnx", nodes, 2, [shape, back])
    net = read_onnx(tmp_path / "m.onnx", [-1, -1], [1, 1])
    assert (net.layers[0].activation, net.layers[0].rank, net.layers[0].n_out) == ("maxout", 3, 2)
    X = np.random.default_rng(2).uniform(-1, 1, (50, 2))
    z = (X @ W1.astype(float).T + B1).reshape(-1, 2, 3).max(axis=2)
    assert np.allclose(net.forward(X)[:, 0], z.sum(axis=1))
    assert count_regions(net, "vertex").activation_regions == polygon_oracle.counts(net)[0]


def test_reducemax_over_the_feature_axis_is_one_unit_of_rank_6(tmp_path):
    model(tmp_path / "b.onnx", [helper.make_node("ReduceMax", ["z"], ["h"], name="max", axes=[1],
                                                 keepdims=1)], 1)
    net = read_onnx(tmp_path / "b.onnx", [-1, -1], [1, 1])
    assert (net.layers[0].rank, net.layers[0].n_out) == (6, 1)
    assert count_regions(net, "vertex").activation_regions == polygon_oracle.counts(net)[0]


def test_a_weight_that_does_not_fit_is_named(tmp_path):
    model(tmp_path / "b.onnx", [helper.make_node("ReduceMax", ["z"], ["h"], name="max", axes=[1],
                                                 keepdims=1)], 6)      # V has 6 rows, h has 1 column
    with pytest.raises(NetworkError, match=r"node 2 'out' \(MatMul\): the weight has shape \(6, 1\), which "
                                           r"does not fit an input of shape \(1, 1\)"):
        read_onnx(tmp_path / "b.onnx", [-1, -1], [1, 1])


def test_convert_maxout_json_to_onnx_and_back_keeps_counts(tmp_path, models_path):
    src = models_path / "maxout-int_n0-2_rank-2-4_3-2_seed-0.json"
    out, back = tmp_path / "m.onnx", tmp_path / "m.json"
    assert main(["convert", str(src), str(out), "--check"]) == 0
    assert main(["convert", str(out), str(back)]) == 0
    a, b = read_network(src), read_network(back)
    assert [(l.activation, l.rank) for l in a.layers] == [(l.activation, l.rank) for l in b.layers]
    assert count_regions(a, "vertex").activation_regions == count_regions(b, "vertex").activation_regions == 20


def test_float_maxout_round_trip_through_onnx_float64(tmp_path, models_path):
    net = read_network(models_path / "maxout-random_n0-2_rank-3_3-3_seed-0.json")
    write_onnx(net, tmp_path / "f.onnx", dtype="float64")
    again = read_onnx(tmp_path / "f.onnx")
    assert all(np.array_equal(x.weights, y.weights) for x, y in zip(net.layers, again.layers))
    assert count_regions(again, "lp").activation_regions == 16


torch = pytest.importorskip("torch", reason="torch tests need torch (pip install -e '.[torch]')")
from mip_regions.io.torch_io import from_torch, maxout_module  # noqa: E402


def test_torch_leaky_relu_and_maxout_modules():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(2, 6), maxout_module(3), torch.nn.Linear(2, 3),
                            torch.nn.LeakyReLU(0.1), torch.nn.Linear(3, 1))
    net = from_torch(m, (-1, 1))
    assert [(l.activation, l.rank, l.n_out) for l in net.layers] == \
        [("maxout", 3, 2), ("maxout", 2, 3), ("identity", 1, 1)]
    X = np.random.default_rng(0).uniform(-1, 1, (100, 2))
    with torch.no_grad():
        ref = m(torch.tensor(X, dtype=torch.float32)).double().numpy()
    assert np.allclose(net.forward(X), ref, atol=1e-5)
    assert count_regions(net, "vertex").activation_regions == polygon_oracle.counts(net)[0]


def test_torch_maxout_with_a_rank_that_does_not_divide_is_named():
    m = torch.nn.Sequential(torch.nn.Linear(2, 5), maxout_module(2), torch.nn.Linear(2, 1))
    with pytest.raises(NetworkError, match=r"Maxout\): needs an integer rank >= 2 dividing the 5 outputs"):
        from_torch(m, (-1, 1))

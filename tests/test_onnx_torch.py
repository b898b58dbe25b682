"""ONNX and PyTorch import, export and conversion."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="ONNX tests need the onnx package (pip install -e '.[onnx]')")

from mip_regions import NetworkError, count_regions, read_network  # noqa: E402
from mip_regions.cli import main  # noqa: E402
from mip_regions.io.netfile import dumps_network  # noqa: E402
from mip_regions.io.onnx_io import read_onnx, write_onnx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_json_onnx_json_round_trip_is_exact_for_integer_networks(tmp_path):
    for name in ("ternary_n0-2_q-2_L-5", "random-int_n0-2_4-4_seed-0_ternarized"):
        net = read_network(ROOT / "models" / f"{name}.json")
        write_onnx(net, tmp_path / "n.onnx")
        onnx.checker.check_model(onnx.load(tmp_path / "n.onnx"))
        back = read_onnx(tmp_path / "n.onnx")
        assert back.is_exact and dumps_network(back) == dumps_network(net)


def test_cli_convert_and_count_onnx(tmp_path, capsys):
    src = ROOT / "models/ternary_n0-1_q-3_L-5.json"
    out = tmp_path / "t.onnx"
    assert main(["convert", str(src), str(out)]) == 0
    assert main(["count", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert doc["activation_regions"] == 9 and doc["domain"] == {"lower": [0], "upper": [1]}


def gemm_free_model(path, ops):
    from onnx import TensorProto, helper, numpy_helper
    W = numpy_helper.from_array(np.array([[1, -1, 2], [0, 1, 1]], np.float32), "W")
    b = numpy_helper.from_array(np.array([0.5, -1, 0], np.float32), "b")
    V = numpy_helper.from_array(np.array([[1], [1], [-1]], np.float32), "V")
    nodes = [helper.make_node("MatMul", ["x", "W"], ["m"], name="mm"),
             helper.make_node("Add", ["m", "b"], ["a"], name="add"),
             helper.make_node(ops, ["a"], ["r"], name="act"),
             helper.make_node("MatMul", ["r", "V"], ["y"], name="out")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])], [W, b, V])
    onnx.save(helper.make_model(g), str(path))


def test_matmul_add_form_imports(tmp_path):
    gemm_free_model(tmp_path / "m.onnx", "Relu")
    net = read_onnx(tmp_path / "m.onnx", ["-1", "-1"], ["1", "1"])
    assert [l.activation for l in net.layers] == ["relu", "identity"]
    assert net.layers[0].weights.tolist() == [[1, 0], [-1, 1], [2, 1]]
    assert net.layers[0].bias.tolist() == [0.5, -1, 0]
    assert count_regions(net).activation_regions == count_regions(net, "mip").activation_regions


def test_unsupported_operator_is_named(tmp_path, capsys):
    gemm_free_model(tmp_path / "s.onnx", "Sigmoid")
    with pytest.raises(NetworkError, match=r"node 2 'act' \(Sigmoid\): operator Sigmoid is not supported: it "
                                           r"is not piecewise linear, or not read yet \(supported: .*Gemm, "
                                           r"Conv.*Relu, LeakyRelu.*MaxPool"):
        read_onnx(tmp_path / "s.onnx", [0, 0], [1, 1])
    assert main(["count", str(tmp_path / "s.onnx"), "--domain", "0:1"]) == 2
    assert "Sigmoid is not supported" in capsys.readouterr().err


def test_onnx_without_domain_needs_one(tmp_path, capsys):
    gemm_free_model(tmp_path / "m.onnx", "Relu")
    assert main(["count", str(tmp_path / "m.onnx")]) == 2
    assert "no input domain: give --domain LO:HI or --domain-file FILE" in capsys.readouterr().err
    assert main(["count", str(tmp_path / "m.onnx"), "--domain=-1:1", "--no-linear"]) == 0


torch = pytest.importorskip("torch", reason="torch tests need torch (pip install -e '.[torch]')")
from mip_regions.io.torch_io import from_torch  # noqa: E402


def seeded_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(2, 8), torch.nn.ReLU(),
                               torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU()),
                               torch.nn.Identity(), torch.nn.Linear(8, 1))


def test_torch_and_its_onnx_export_give_identical_networks_and_counts(tmp_path):
    model = seeded_model()
    net_t = from_torch(model, (-1.0, 1.0))
    path = tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 2),), str(path), dynamo=False)
    net_o = read_onnx(path, [-1.0, -1.0], [1.0, 1.0])
    assert [l.activation for l in net_t.layers] == [l.activation for l in net_o.layers] == ["relu", "relu", "identity"]
    for a, b in zip(net_t.layers, net_o.layers):
        assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
    # the imported network computes what torch computes
    X = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    with torch.no_grad():
        ref = model(torch.tensor(X, dtype=torch.float32)).numpy()
    assert np.allclose(net_t.forward(X), ref, atol=1e-5)
    ct, co = count_regions(net_t), count_regions(net_o)
    assert ct.activation_regions == co.activation_regions == count_regions(net_t, "mip").activation_regions
    assert ct.activation_regions > 8


def test_unsupported_torch_module_is_named():
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    with pytest.raises(NetworkError, match=r"module 1 \(Tanh\) is not supported \(supported: Linear, ReLU"):
        from_torch(model, (0.0, 1.0))
    with pytest.raises(NetworkError, match="expected torch.nn.Sequential"):
        from_torch(torch.nn.Linear(2, 1), (0.0, 1.0))

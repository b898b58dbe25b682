"""Bad input gets one clear line and exit 2, never a traceback (issue 18, the input cases), and a
partial result is printed and exits 4."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mip_regions import count_regions, network_from_lists
from mip_regions.cli import main

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "ternary_n0-2_q-2_L-5.json"


def doc(weights=None, bias=None, lower=None, upper=None, **top):
    d = {"format": "mip-regions/network", "version": 1,
         "domain": {"lower": lower or [0], "upper": upper or [1]},
         "layers": [{"activation": "relu", "weights": weights or [[1], [1]], "bias": bias or [0, "-1/2"]},
                    {"activation": "identity", "weights": [[1, 1]], "bias": [0]}]}
    d.update(top)
    return d


def write(tmp_path, text, name="net.json"):
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text if isinstance(text, str) else json.dumps(text))
    return p


def error_line(capsys):
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("mip-regions: error: ") and "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("value,field", [
    (10 ** 400, "weights[0]"), ("1" + "0" * 400, "weights[0]"), ("1e400", "weights[0]")])
def test_numbers_too_large_for_a_float_are_rejected_with_the_field(value, field, tmp_path, capsys):
    text = json.dumps(doc()).replace('[[1], [1]]', f'[[{value if isinstance(value, int) else json.dumps(value)}], [1]]')
    path = write(tmp_path, text)
    assert main(["count", str(path)]) == 2
    line = error_line(capsys)
    assert str(path) in line and "layer 0" in line and field in line and "too large" in line


def test_a_domain_bound_too_large(tmp_path, capsys):
    assert main(["count", str(MODEL), "--domain=0:1e400"]) == 2
    line = error_line(capsys)
    assert "--domain" in line and "too large" in line


@pytest.mark.parametrize("content,expect", [
    ('{"format": "mip-regions/network", "name": "caf\u00e9"}'.encode("latin-1"), "not UTF-8"),
    (bytes(range(256)), "not UTF-8"),
])
def test_files_that_are_not_utf8_text(content, expect, tmp_path, capsys):
    assert main(["count", str(write(tmp_path, content))]) == 2
    assert expect in error_line(capsys)


def test_a_torch_file_is_explained_never_unpickled(tmp_path, capsys):
    path = write(tmp_path, b"PK\x03\x04 not really a zip", "model.pt")
    assert main(["show", str(path)]) == 2
    line = error_line(capsys)
    assert "PyTorch" in line and "from_torch" in line and "ONNX" in line


def test_json_nested_very_deep(tmp_path, capsys):
    assert main(["count", str(write(tmp_path, "[" * 100_000 + "]" * 100_000))]) == 2
    assert "nested too deeply" in error_line(capsys)


def test_duplicate_keys_are_rejected(tmp_path, capsys):
    text = json.dumps(doc())[:-1] + ', "layers": []}'
    assert main(["count", str(write(tmp_path, text))]) == 2
    assert "'layers' appears twice" in error_line(capsys)


@pytest.mark.parametrize("version", [True, 1.0, "1"])
def test_version_must_be_the_integer_1(version, tmp_path, capsys):
    assert main(["count", str(write(tmp_path, doc(version=version)))]) == 2
    assert "field 'version'" in error_line(capsys)


@pytest.mark.parametrize("argv,expect", [
    (["--method", "sample", "--seed", "-1"], "--seed"),
    (["--method", "sample", "--samples", "0"], "--samples"),
    (["--time-limit", "nan"], "--time-limit"),
    (["--time-limit", "inf"], "--time-limit"),
    (["--domain="], "--domain: empty"),
    (["--domain=0:1,0:1,0:1"], "--domain: gives 3 coordinate(s)"),
])
def test_bad_options(argv, expect, capsys):
    assert main(["count", str(MODEL)] + argv) == 2
    assert expect in error_line(capsys)


def test_domain_file_with_the_wrong_dimension_names_the_option(tmp_path, capsys):
    box = write(tmp_path, {"lower": [0, 0, 0], "upper": [1, 1, 1]}, "box.json")
    assert main(["count", str(MODEL), "--domain-file", str(box)]) == 2
    line = error_line(capsys)
    assert "--domain-file" in line and str(box) in line and "3 coordinate(s)" in line


def test_a_negative_domain_may_follow_a_space(capsys):
    assert main(["count", str(MODEL), "--domain", "-1:1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["domain"] == {"lower": [-1, -1], "upper": [1, 1]}


def test_a_time_limited_run_prints_what_it_found_and_exits_4(capsys):
    net = ROOT / "models" / "montufar_n0-2_p-3_L-4.json"
    assert main(["count", str(net), "--method", "mip", "--time-limit", "0.5"]) == 4
    out = capsys.readouterr().out
    assert "activation regions   at least" in out and "LOWER BOUND" in out


def test_ctrl_c_in_the_analysis_keeps_the_exact_count(capsys, monkeypatch):
    import mip_regions.analysis.linear_regions as lr

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(lr, "analyse", interrupted)
    assert main(["count", str(MODEL), "--json"]) == 4
    d = json.loads(capsys.readouterr().out)
    assert d["activation_regions"] == 16 and d["count_is"] == "exact"
    assert d["linear_regions"] is None and d["analysis_stopped"] == "interrupted (Ctrl-C)"


def _onnx_model(tmp_path, nodes, inits, meta=None):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    import numpy as np
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1])],
        [numpy_helper.from_array(np.asarray(v, dtype=np.float32), k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    if meta is not None:
        helper.set_model_props(model, {"mip-regions.domain": meta})
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("case", ["gemm_one_input", "bias_length", "matmul_1d", "meta_not_json",
                                  "meta_no_upper", "meta_list"])
def test_malformed_onnx_models(case, tmp_path, capsys):
    pytest.importorskip("onnx")
    from onnx import helper
    W = [[1.0, 2.0], [3.0, 4.0]]
    meta = None
    if case == "gemm_one_input":
        nodes, inits = [helper.make_node("Gemm", ["x"], ["y"])], {}
    elif case == "bias_length":
        nodes, inits = [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1)], {"W": W, "b": [1.0, 2.0, 3.0]}
    elif case == "matmul_1d":
        nodes, inits = [helper.make_node("MatMul", ["x", "W"], ["y"])], {"W": [1.0, 2.0]}
    else:
        nodes, inits = [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1)], {"W": W, "b": [0.0, 0.0]}
        meta = {"meta_not_json": "{not json", "meta_no_upper": '{"lower": [0, 0]}',
                "meta_list": "[0, 1]"}[case]
    path = _onnx_model(tmp_path, nodes, inits, meta)
    for command in ("count", "show"):
        assert main([command, str(path)]) == 2
        line = error_line(capsys)
        assert str(path) in line


@pytest.mark.parametrize("method", ["vertex", "lp", "mip", "exact"])
def test_weights_near_the_float_limit_count_exactly_without_warnings(method, tmp_path, capsys):
    # unit 1 = 1e308 (x1 + x2) overflows every float magnitude; the exact path decides: 4 cells
    d = {"format": "mip-regions/network", "version": 1, "domain": {"lower": [-1, -1], "upper": [1, 1]},
         "layers": [{"activation": "relu", "weights": [[1e308, 1e308], [1, -1]], "bias": [0, 0.5]},
                    {"activation": "relu", "weights": [[1e308, 1e308]], "bias": [1]},
                    {"activation": "identity", "weights": [[1]], "bias": [0]}]}
    path = write(tmp_path, d)
    assert main(["count", str(path), "--method", method, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["activation_regions"] == 4
    assert "Warning" not in err and err == ""


def _deep(n0, width, depth):
    """A first layer of ``width`` hyperplanes, then ``depth - 1`` ReLU layers passing it on."""
    first = [[1] * n0] + [[1] + [-1] * (n0 - 1)] * (width - 1)
    layers = [(first, ["1/2"] + ["1/4"] * (width - 1), "relu")]
    eye = [[1 if i == j else 0 for j in range(width)] for i in range(width)]
    layers += [(eye, [0] * width, "relu")] * (depth - 1) + [([[1] * width], [0], "identity")]
    return network_from_lists(layers, [-1] * n0, [1] * n0)


@pytest.mark.parametrize("n0,width,depth,regions", [(1, 1, 2000, 2), (1, 2, 2000, 3), (2, 2, 500, 4)])
def test_depth_is_not_limited_by_the_recursion_limit(n0, width, depth, regions):
    net = _deep(n0, width, depth)
    for method in (["exact1d"] if n0 == 1 else []) + ["vertex", "lp", "exact"]:
        res = count_regions(net, method)
        assert res.complete and res.activation_regions == regions, method


def test_mip_on_a_deep_chain_stays_linear_in_depth():
    # at x = -1/2 every unit is at 0: 2^depth closure patterns, cut by prefix cuts
    res = count_regions(_deep(1, 1, 40), "mip")
    assert res.complete and res.activation_regions == 2 and res.degenerate_patterns == 0
    assert res.stats["prefix_cuts"] > 0 and res.stats["solves"] < 200


def test_the_vertex_engine_keeps_the_time_limit_inside_one_split():
    from mip_regions.nets.random_nets import random_mlp
    import time
    net = random_mlp([16, 3], 0)          # the box alone has 65,536 corners
    t = time.perf_counter()
    res = count_regions(net, "vertex", time_limit=1)
    assert not res.complete and res.stop_reason == "time limit reached"
    assert time.perf_counter() - t < 10      # was 32 s with --time-limit 2


def test_the_mip_model_build_keeps_the_time_limit(capsys, tmp_path):
    layers = [([[1], [-1]], [0, 0], "relu")] + [([[1, 1], [1, -1]], [0, "1/2"], "relu")] * 1500 + \
        [([[1, 1]], [0], "identity")]
    net = network_from_lists(layers, [-1], [1])
    res = count_regions(net, "mip", time_limit=0.5)
    assert not res.complete and res.stop_reason.startswith("time limit reached while building the MIP")
    assert res.activation_regions == 0


def test_ctrl_c_while_the_command_line_loads_is_one_line(monkeypatch, capsys):
    import importlib.abc
    import sys
    import mip_regions.cli as cli

    class Interrupt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "mip_regions.cli.app":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "mip_regions.cli.app", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Interrupt()] + sys.meta_path)
    assert cli.main(["show", str(MODEL)]) == 130
    assert capsys.readouterr().err.strip() == "mip-regions: interrupted"


def test_the_time_limit_covers_the_facet_analysis(monkeypatch, capsys, tmp_path):
    import time
    import mip_regions.analysis.linear_regions as lr
    from mip_regions.io.netfile import write_network
    from mip_regions.nets.constructions import montufar

    def slow(*args, **kwargs):
        time.sleep(0.2)
        return False

    monkeypatch.setattr(lr, "share_facet", slow)
    write_network(montufar(2, 3, 3), tmp_path / "m.json")      # 81 regions, maps shared by many
    assert main(["count", str(tmp_path / "m.json"), "--connectivity", "facet", "--time-limit", "2",
                 "--json"]) == 4
    d = json.loads(capsys.readouterr().out)
    assert d["activation_regions"] == 81 and d["count_is"] == "exact"
    assert d["linear_regions"] is None and d["analysis_stopped"] == "time limit reached"

"""VNN-LIB input boxes (issue 28, item 4): ``--domain-file prop.vnnlib``."""

from fractions import Fraction

import pytest

from mip_regions.cli import main
from mip_regions.errors import NetworkError
from mip_regions.io.vnnlib import read_vnnlib_box

ACAS_PROP1 = """; ACAS Xu property 1, as VNN-COMP writes it
(declare-const X_0 Real)
(declare-const X_1 Real)
(declare-const X_2 Real)
(declare-const X_3 Real)
(declare-const X_4 Real)

(declare-const Y_0 Real)
(declare-const Y_1 Real)
(declare-const Y_2 Real)
(declare-const Y_3 Real)
(declare-const Y_4 Real)

; Unscaled Input 0: (55947.691, 60760)
(assert (<= X_0 0.679857769))
(assert (>= X_0 0.6))

(assert (<= X_1 0.5))
(assert (>= X_1 -0.5))
(assert (<= X_2 0.5))
(assert (>= X_2 -0.5))
(assert (<= X_3 0.5))
(assert (>= X_3 0.45))
(assert (<= X_4 -0.45))
(assert (>= X_4 -0.5))

; unsafe if COC >= 1500. Output scaling is 373.94992 with a bias of 7.518884: (1500 - 7.518884) / 373.94992 = 3.991125
(assert (>= Y_0 3.991125645861615))
"""


def write(tmp_path, text, name="p.vnnlib"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_acas_property_box_exact_as_written(tmp_path):
    lo, hi, info = read_vnnlib_box(write(tmp_path, ACAS_PROP1))
    assert lo == [Fraction("0.6"), Fraction(-1, 2), Fraction(-1, 2), Fraction("0.45"), Fraction(-1, 2)]
    assert hi == [Fraction("0.679857769"), Fraction(1, 2), Fraction(1, 2), Fraction(1, 2), Fraction("-0.45")]
    assert info == {"inputs": 5, "outputs": 5, "output_assertions": 1}


def test_any_order_scientific_notation_constants_left_and_conjunctions(tmp_path):
    text = """(declare-const X_1 Real) (declare-const X_0 Real)
    (assert (and (<= X_1 1.5E+0) (>= X_1 -5e-1)))  ; two bounds in one assertion
    (assert (<= 0.6 X_0))        ; the constant on the left: X_0 >= 0.6
    (assert (>= 7e-1 X_0))       ; X_0 <= 0.7
    (assert (>= X_0 0.55))       ; looser than 0.6: the tightest holds
    """
    lo, hi, _ = read_vnnlib_box(write(tmp_path, text))
    assert (lo, hi) == ([Fraction(3, 5), Fraction(-1, 2)], [Fraction(7, 10), Fraction(3, 2)])


@pytest.mark.parametrize("text,msg", [
    ("(declare-const X_0 Real)\n(assert (<= X_0 1))\n", "X_0 has no lower bound"),
    ("(declare-const X_0 Real)\n(declare-const X_1 Real)\n(assert (<= X_0 X_1))\n", "line 3: (<= X_0 X_1) is not a bound"),
    ("(declare-const X_0 Real)\n(assert (or (and (<= X_0 1) (>= X_0 0)) (and (<= X_0 3) (>= X_0 2))))\n",
     "line 2: a disjunction of input sets"),
    ("(declare-const X_0 Real)\n(assert (<= X_0 1)\n", "unbalanced '('"),
    ("(declare-const X_0 Real)\n(declare-const X_2 Real)\n", "not X_0 ... X_1"),
    ("(declare-const Y_0 Real)\n(assert (<= Y_0 1))\n", "declares no inputs"),
    ("(declare-const X_0 Real)\n(assert (<= X_0 Y_0))\n", "mixing inputs and outputs"),
])
def test_bad_properties_are_named(tmp_path, text, msg):
    with pytest.raises(NetworkError, match=msg.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        read_vnnlib_box(write(tmp_path, text))


def test_count_with_a_vnnlib_box_equals_the_same_box_given_by_hand(tmp_path, models_path, capsys):
    prop = write(tmp_path, "(declare-const X_0 Real)(declare-const X_1 Real)(declare-const Y_0 Real)\n"
                           "(assert (>= X_0 -0.5)) (assert (<= X_0 0.75)) (assert (>= X_1 -1)) (assert (<= X_1 1e0))\n"
                           "(assert (<= Y_0 0))\n")
    model = str(models_path / "random-int_n0-2_4-4_seed-0.json")
    assert main(["count", model, "--domain-file", str(prop), "--json"]) == 0
    import json
    a = json.loads(capsys.readouterr().out)
    assert main(["count", model, "--domain=-1/2:3/4,-1:1", "--json"]) == 0
    b = json.loads(capsys.readouterr().out)
    assert a["activation_regions"] == b["activation_regions"] and a["domain"] == b["domain"]
    assert any("1 assertion(s) on the outputs are ignored" in n for n in a["notes"])


def test_a_box_of_the_wrong_size_names_the_file(tmp_path, models_path, capsys):
    prop = write(tmp_path, "(declare-const X_0 Real)(assert (>= X_0 0))(assert (<= X_0 1))\n")
    rc = main(["count", str(models_path / "random-int_n0-2_4-4_seed-0.json"), "--domain-file", str(prop)])
    assert rc == 2
    assert "p.vnnlib: gives 1 coordinate(s)" in capsys.readouterr().err


def test_onnx_model_with_a_vnnlib_box(tmp_path, capsys):
    """An ONNX model with a (1, 1, 1, 2) input and its VNN-LIB box; a 1-input box is refused for it
    (a VNN-LIB box is never broadcast, unlike --domain LO:HI)."""
    onnx = pytest.importorskip("onnx")
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    W = numpy_helper.from_array(np.array([[1, -1], [2, 1], [0, 1]], np.float32), "W")
    nodes = [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Gemm", ["f", "W"], ["g"], transB=1),
             helper.make_node("Relu", ["g"], ["y"])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 1, 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], [W])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, str(tmp_path / "m.onnx"))
    good = write(tmp_path, "(declare-const X_0 Real)(declare-const X_1 Real)(assert (>= X_0 -1))(assert (<= X_0 1))"
                           "(assert (>= X_1 -1))(assert (<= X_1 1))\n")
    assert main(["count", str(tmp_path / "m.onnx"), "--domain-file", str(good), "--no-linear"]) == 0
    assert "activation regions   6" in capsys.readouterr().out     # three lines through 0: 6 sectors
    bad = write(tmp_path, "(declare-const X_0 Real)(assert (>= X_0 -1))(assert (<= X_0 1))\n", "one.vnnlib")
    assert main(["count", str(tmp_path / "m.onnx"), "--domain-file", str(bad)]) == 2
    assert "gives 1 coordinate(s)" in capsys.readouterr().err

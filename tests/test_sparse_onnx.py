"""Convolutions read as sparse float layers (io/onnx_sparse.py) equal the exact dense reading,
onnxruntime, and count the same on every engine; exact products of sparse layers; the column
updates of the 1-D engine against the all-rational engine."""

from fractions import Fraction

import numpy as np
import pytest

from mip_regions import count_regions
from mip_regions.nets.network import Layer, Network, is_sparse
from mip_regions.nets.random_nets import random_mlp
from mip_regions.nets.restrict import line, plane_through

onnx = pytest.importorskip("onnx")
sp = pytest.importorskip("scipy.sparse")


def small_cnn(path, seed=0):
    """Conv 3x3 x4 pad 1 on 1x6x6, Relu, Conv 2x2 x3 stride 2, Relu, a Reshape whose shape comes
    from Shape/Gather/Unsqueeze/Concat, Gemm 27 -> 5, Relu, Gemm 5 -> 2; dynamic batch."""
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    f = np.float32
    inits = {"W1": rng.standard_normal((4, 1, 3, 3)).astype(f), "B1": rng.standard_normal(4).astype(f),
             "W2": rng.standard_normal((3, 4, 2, 2)).astype(f), "B2": rng.standard_normal(3).astype(f),
             "W3": rng.standard_normal((5, 27)).astype(f), "B3": rng.standard_normal(5).astype(f),
             "W4": rng.standard_normal((2, 5)).astype(f), "B4": rng.standard_normal(2).astype(f),
             "zero": np.array(0, dtype=np.int64), "minus1": np.array([-1], dtype=np.int64),
             "axes0": np.array([0], dtype=np.int64)}
    nodes = [helper.make_node("Conv", ["x", "W1", "B1"], ["c1"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "W2", "B2"], ["c2"], strides=[2, 2]),
             helper.make_node("Relu", ["c2"], ["r2"]),
             helper.make_node("Shape", ["r2"], ["s"]), helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "axes0"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
             helper.make_node("Reshape", ["r2", "shape"], ["flat"]),
             helper.make_node("Gemm", ["flat", "W3", "B3"], ["g3"], transB=1), helper.make_node("Relu", ["g3"], ["r3"]),
             helper.make_node("Gemm", ["r3", "W4", "B4"], ["y"], transB=1)]
    graph = helper.make_graph(nodes, "small cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


def read_both(path, monkeypatch):
    from mip_regions.io import onnx_structured
    from mip_regions.io.onnx_io import read_onnx
    dense = read_onnx(path, [0.0], [1.0])
    monkeypatch.setattr(onnx_structured, "PLACE_ABOVE", 0)     # every Conv / Gemm on a layer input placed
    placed = read_onnx(path, [0.0], [1.0])
    return dense, placed


def test_placed_convolutions_equal_the_exact_dense_reading(tmp_path, monkeypatch):
    dense, placed = read_both(small_cnn(tmp_path / "c.onnx"), monkeypatch)
    assert is_sparse(placed.layers[0].weights) and is_sparse(placed.layers[1].weights)
    assert not is_sparse(dense.layers[0].weights)
    for a, b in zip(dense.layers, placed.layers):
        Wb = b.weights.toarray() if is_sparse(b.weights) else b.weights
        assert np.array_equal(a.weights, Wb) and np.array_equal(a.bias, b.bias)
        assert (a.activation, a.rank) == (b.activation, b.rank)
    ort = pytest.importorskip("onnxruntime")
    X = np.random.default_rng(1).uniform(0, 1, (7, 36)).astype(np.float32)
    sess = ort.InferenceSession(str(tmp_path / "c.onnx"))
    want = sess.run(None, {"x": X.reshape(7, 1, 6, 6)})[0]
    assert np.allclose(placed.forward(X.astype(float)), want, rtol=1e-4, atol=1e-5)


def test_sparse_layers_count_like_dense_ones(tmp_path, monkeypatch):
    """On a line (exact1d against rational1d on the dense reading) and on a plane through three
    points (vertex and lp on the sparse layers against vertex on the dense ones)."""
    dense, placed = read_both(small_cnn(tmp_path / "c.onnx"), monkeypatch)
    rng = np.random.default_rng(3)
    for _ in range(3):
        a, b = rng.uniform(0, 1, 36).tolist(), rng.uniform(0, 1, 36).tolist()
        ref = count_regions(line(dense, a, b), "rational1d").activation_regions
        assert count_regions(line(placed, a, b), "exact1d").activation_regions == ref
        assert line(placed, a, b).layers[0].exact_weights == line(dense, a, b).layers[0].exact_weights
    p, q, r = (rng.uniform(0, 1, 36).tolist() for _ in range(3))
    want = count_regions(plane_through(dense, p, q, r), "vertex", keep_regions=False).activation_regions
    got = count_regions(plane_through(placed, p, q, r), "vertex", keep_regions=False).activation_regions
    assert got == want > 1
    assert count_regions(plane_through(placed, p, q, r), "lp", keep_regions=False).activation_regions == want


def test_exact_product_of_a_sparse_layer():
    from mip_regions.nets.exact_matrices import exact_product
    rng = np.random.default_rng(0)
    D = rng.standard_normal((40, 25))
    D[rng.random(D.shape) < 0.7] = 0
    D[0, 0], D[1, 1], D[2, 2] = 1e-300, 3e200, 2.0 ** -1070     # wide exponents, a subnormal
    D[5] = 0                                                     # an empty row
    cols = [[Fraction(v) for v in rng.standard_normal(25)], [Fraction(1, 3)] * 25]
    want = [[sum((Fraction(w) * c[i] for i, w in enumerate(row)), Fraction(0)) for c in cols] for row in D]
    assert exact_product(Layer(sp.csr_matrix(D), np.zeros(40), "relu"), cols) == want
    assert exact_product(Layer(D, np.zeros(40), "relu"), cols) == want


def test_a_row_using_one_input_twice_is_not_placed():
    from mip_regions.io.onnx_sparse import Selection, place_matmul
    x = Selection(np.array([[0, 1, 1]]), 3, 0)
    assert place_matmul(x, np.ones((3, 2))) is None
    placed = place_matmul(Selection(np.array([[2, 0, 1]]), 3, 0), np.arange(6.0).reshape(3, 2))
    assert np.array_equal(placed.T, [[2, 4, 0], [3, 5, 1]])


@pytest.fixture(scope="module")
def wide_first_layer():
    net = random_mlp([1, 200, 30, 8], 5, lower=-4.0, upper=4.0)   # 201 regions
    return net, count_regions(net, "rational1d")


@pytest.mark.parametrize("rebuild", [4096, 3])
def test_column_updates_agree_with_the_rational_engine(rebuild, monkeypatch, wide_first_layer):
    """A 200-wide first layer: the next layers' products are updated by columns (and rebuilt every
    ``rebuild`` updates); the count and every pattern equal the all-rational engine's."""
    from mip_regions.engines.line import incremental
    monkeypatch.setattr(incremental, "REBUILD", rebuild)
    net, ref = wide_first_layer
    new = count_regions(net, "exact1d")
    assert new.activation_regions == ref.activation_regions > 200
    assert [r.bits.tobytes() for r in new.regions] == [r.bits.tobytes() for r in ref.regions]


def test_a_huge_sparse_layer_refuses_its_rational_form():
    W = sp.csr_matrix((3000, 2000))
    net = Network([Layer(W, np.zeros(3000), "relu"), Layer(np.ones((1, 3000)), np.zeros(1), "identity")],
                  random_mlp([2000, 1], 0).domain)
    with pytest.raises(Exception, match="sparse 3000 x 2000"):
        net.rational_layers()


def normalised_mlp(path, side, hidden, seed=0, per_pixel=True):
    """(x - mean) / std (per pixel or one scalar), Flatten, Gemm, Relu, Gemm: the usual MNIST net."""
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    f = np.float32
    n = side * side
    mean = rng.uniform(0, 0.5, (1, 1, side, side)).astype(f) if per_pixel else np.array(0.1307, f)
    std = rng.uniform(0.2, 0.4, (1, 1, side, side)).astype(f) if per_pixel else np.array(0.3081, f)
    inits = {"mean": mean, "std": std, "W": (rng.standard_normal((hidden, n)) / np.sqrt(n)).astype(f),
             "b": rng.standard_normal(hidden).astype(f), "V": rng.standard_normal((3, hidden)).astype(f),
             "c": rng.standard_normal(3).astype(f)}
    nodes = [helper.make_node("Sub", ["x", "mean"], ["s"]), helper.make_node("Div", ["s", "std"], ["d"]),
             helper.make_node("Flatten", ["d"], ["f"]), helper.make_node("Gemm", ["f", "W", "b"], ["z"], transB=1),
             helper.make_node("Relu", ["z"], ["r"]), helper.make_node("Gemm", ["r", "V", "c"], ["y"], transB=1)]
    graph = helper.make_graph(nodes, "normalised", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, side, side])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


@pytest.mark.parametrize("per_pixel", [True, False])
def test_an_input_normalisation_folds_exactly_into_the_placed_gemm(tmp_path, monkeypatch, per_pixel):
    """Sub/Div by constants on the input are kept as an elementwise scale and shift, and the Gemm
    after them takes one exact product per weight: the network equals the exact dense reading
    (rational weights, compared exactly) and onnxruntime."""
    path = normalised_mlp(tmp_path / "n.onnx", 5, 7, per_pixel=per_pixel)
    dense, placed = read_both(path, monkeypatch)
    for a, b in zip(dense.layers, placed.layers):
        assert a.exact_weights == b.exact_weights and a.exact_bias == b.exact_bias
        assert np.array_equal(a.weights, b.weights)
    assert placed.layers[0].is_exact and any(v.denominator & (v.denominator - 1)    # w / std: not dyadic,
                                             for row in placed.layers[0].exact_weights for v in row)  # kept exact
    ort = pytest.importorskip("onnxruntime")
    X = np.random.default_rng(2).uniform(0, 1, (4, 25)).astype(np.float32)
    sess = ort.InferenceSession(str(path))
    want = np.concatenate([sess.run(None, {"x": x.reshape(1, 1, 5, 5)})[0] for x in X])
    assert np.allclose(placed.forward(X.astype(float)), want, rtol=1e-4, atol=1e-4)


def test_a_normalised_784_input_mlp_reads_in_seconds(tmp_path):
    import time
    from mip_regions.io.onnx_io import read_onnx
    path = normalised_mlp(tmp_path / "n.onnx", 28, 64)
    t = time.perf_counter()
    net = read_onnx(path, [0.0], [1.0])
    assert time.perf_counter() - t < 30 and net.widths == [64, 3] and net.layers[0].is_exact


def test_a_large_sparse_layer_is_not_exported_densely_to_onnx(tmp_path, monkeypatch):
    from mip_regions.errors import NetworkError
    from mip_regions.io.onnx_io import write_onnx
    from mip_regions.nets import sparse
    _, placed = read_both(small_cnn(tmp_path / "c.onnx"), monkeypatch)
    write_onnx(placed, tmp_path / "small.onnx")                 # small: a dense Gemm
    monkeypatch.setattr(sparse, "SPARSE_EXACT_LIMIT", 100)
    with pytest.raises(NetworkError, match="layer 0.*sparse 144 x 36 matrix"):
        write_onnx(placed, tmp_path / "q.onnx")


def test_sparse_layers_round_trip_through_the_network_file(tmp_path, monkeypatch):
    """convert keeps a convolution sparse: the JSON holds it in CSR form and reads back equal;
    a bad CSR object is refused with the layer and the problem named."""
    import json
    from mip_regions.errors import NetworkError
    from mip_regions.io.netfile import read_network, write_network
    from mip_regions.nets import sparse
    _, placed = read_both(small_cnn(tmp_path / "c.onnx"), monkeypatch)
    monkeypatch.setattr(sparse, "SPARSE_EXACT_LIMIT", 100)      # too big to write densely now
    write_network(placed, tmp_path / "p.json")
    back = read_network(tmp_path / "p.json")
    assert is_sparse(back.layers[0].weights) and is_sparse(back.layers[1].weights)
    for a, b in zip(placed.layers, back.layers):
        Wa = a.weights.toarray() if is_sparse(a.weights) else a.weights
        Wb = b.weights.toarray() if is_sparse(b.weights) else b.weights
        assert np.array_equal(Wa, Wb) and np.array_equal(a.bias, b.bias) and a.activation == b.activation
    doc = json.loads((tmp_path / "p.json").read_text())
    assert doc["layers"][0]["weights"]["sparse"] == "csr"
    doc["layers"][0]["weights"]["indices"][3] = 10_000
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(NetworkError, match="layer 0.*column index is outside 0..35"):
        read_network(tmp_path / "bad.json")


def pooled_cnn(path, order, seed=0):
    """Conv 3x3 x4 pad 1 on 1x6x6, then Relu and MaxPool 2x2 stride 2 in ``order``, Flatten, Gemm 36 -> 3."""
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(seed)
    f = np.float32
    inits = {"W1": rng.standard_normal((4, 1, 3, 3)).astype(f), "B1": rng.standard_normal(4).astype(f),
             "W2": rng.standard_normal((3, 36)).astype(f), "B2": rng.standard_normal(3).astype(f)}
    relu = helper.make_node("Relu", ["c1" if order == "relu first" else "p1"], ["a1" if order == "relu first" else "q1"])
    pool = helper.make_node("MaxPool", ["a1" if order == "relu first" else "c1"], ["q1" if order == "relu first" else "p1"],
                            kernel_shape=[2, 2], strides=[2, 2])
    nodes = [helper.make_node("Conv", ["x", "W1", "B1"], ["c1"], pads=[1, 1, 1, 1]),
             *((relu, pool) if order == "relu first" else (pool, relu)),
             helper.make_node("Flatten", ["q1"], ["f"]), helper.make_node("Gemm", ["f", "W2", "B2"], ["y"], transB=1)]
    graph = helper.make_graph(nodes, "pooled", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


@pytest.mark.parametrize("order", ["relu first", "pool first"])
def test_max_pooling_after_a_placed_convolution(tmp_path, monkeypatch, order):
    """MaxPool on a layer's input (after Relu) or on a placed convolution (before Relu): its
    arguments' rows gathered into a sparse maxout layer, equal to the dense reading, counted the
    same on a line (exact1d on the sparse layers, rational1d on the dense ones)."""
    dense, placed = read_both(pooled_cnn(tmp_path / "p.onnx", order), monkeypatch)
    assert [(l.activation, l.rank) for l in dense.layers] == [(l.activation, l.rank) for l in placed.layers]
    assert any(is_sparse(l.weights) and l.activation == "maxout" for l in placed.layers)
    for a, b in zip(dense.layers, placed.layers):
        Wb = b.weights.toarray() if is_sparse(b.weights) else b.weights
        assert np.array_equal(a.weights, Wb) and np.array_equal(a.bias, b.bias)
    rng = np.random.default_rng(4)
    a, b = rng.uniform(0, 1, 36).tolist(), rng.uniform(0, 1, 36).tolist()
    assert count_regions(line(placed, a, b), "exact1d").activation_regions == \
        count_regions(line(dense, a, b), "rational1d").activation_regions


def test_exact_matmul_equals_numpy_on_fractions():
    """The ONNX reader's dense products (onnx_affine.exact_matmul, one fmpq_mat product) equal
    numpy's object matmul on Fractions in every shape the reader uses."""
    from mip_regions.io.onnx_affine import exact_matmul
    rng = np.random.default_rng(0)

    def frac(*shape):
        return np.array([Fraction(int(a), int(b)) for a, b in rng.integers(1, 9, (int(np.prod(shape)), 2))],
                        dtype=object).reshape(shape)
    for X, Y in [(frac(3, 4), frac(4, 5)), (frac(2, 3, 4), frac(4, 2)), (frac(4,), frac(4, 3)),
                 (frac(3, 4), frac(4,)), (frac(3, 4), frac(2, 4, 5))]:
        got, want = exact_matmul(X, Y), np.matmul(X, Y)
        assert got.shape == want.shape and (got == want).all()


def _naive_preactivations(net, x):
    """The oracle: every layer's pre-activations at x by a plain loop of Fractions over the
    network's exact values, relu / maxout / identity applied by hand."""
    h = [Fraction(v) for v in x]
    out = []
    for layer, (EW, Eb) in zip(net.layers, net.rational_layers()):
        z = [sum((Fraction(w) * v for w, v in zip(row, h)), Fraction(b)) for row, b in zip(EW, Eb)]
        out.append(z)
        k = getattr(layer.act, "rank", 1)
        if layer.act.name == "relu":
            h = [max(v, Fraction(0)) for v in z]
        elif k > 1:
            h = [max(z[u * k:(u + 1) * k]) for u in range(len(z) // k)]
        else:
            h = z
    return out


def test_exact_preactivations_at_many_points_equal_a_loop_of_fractions():
    """exact_preactivations_at (one fmpq_mat product per layer for all points) against the loop
    of Fractions, on float nets with wide exponents, a maxout net and a sparse first layer."""
    from mip_regions.nets.maxout_nets import random_maxout
    rng = np.random.default_rng(3)
    mlp = random_mlp([3, 5, 4, 2], 7)
    mlp.layers[0].weights[0, 0], mlp.layers[1].weights[1, 2] = 1e-300, 3e200
    D = rng.standard_normal((6, 3))
    D[rng.random(D.shape) < 0.5] = 0
    sparse = Network([Layer(sp.csr_matrix(D), rng.standard_normal(6), "relu"),
                      Layer(rng.standard_normal((1, 6)), np.zeros(1), "identity")], mlp.domain)
    for net in (mlp, random_maxout([3, 4, 3], 3, 2), sparse):
        pts = [[Fraction(int(v), 7) for v in rng.integers(-7, 8, 3)] for _ in range(6)] + [[0.1, -2.5, 1e-9]]
        got = net.exact_preactivations_at(pts)
        for j, x in enumerate(pts):
            want = _naive_preactivations(net, x)
            assert [got[l][j] for l in range(len(want))] == want
            assert net.exact_preactivations(x) == want

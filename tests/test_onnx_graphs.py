"""ONNX graphs as the verification community writes them (issue 20), built with onnx.helper:
normalisation nodes, initializers listed among the inputs, 4-D inputs, Conv + BatchNorm + pooling,
Reshape/Transpose chains, exporters' shape arithmetic, a trailing Softmax. Each model is checked
three ways: its layers equal an independently unrolled network (numpy, in this file; constants
chosen so that float64 unrolling is exact), its count equals that twin's, and its forward pass
equals onnxruntime's on random points."""

from fractions import Fraction

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="ONNX tests need the onnx package (pip install -e '.[onnx]')")
ort = pytest.importorskip("onnxruntime", reason="needs onnxruntime (pip install -e '.[onnx]')")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from mip_regions import NetworkError, count_regions  # noqa: E402
from mip_regions.cli import main  # noqa: E402
from mip_regions.io.onnx_io import read_onnx, write_onnx  # noqa: E402
from mip_regions.nets.network import network_from_lists  # noqa: E402

RNG = np.random.default_rng(7)


def save(path, nodes, inits, in_shape, out_shape, *, old_style=False, check=True):
    inits = [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)]
    if old_style:      # older exporters list every initializer among the graph inputs too
        inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in inits]
    g = helper.make_graph(nodes, "g", inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
                          inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def session(path):
    opts = ort.SessionOptions()
    opts.log_severity_level = 3          # no warnings about initializers among the inputs
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def ort_forward(path, X, in_shape):
    """onnxruntime's outputs, one point at a time (the models have a batch of 1, as ACAS Xu's)."""
    s = session(path)
    return np.vstack([s.run(None, {"x": x.reshape((1,) + tuple(in_shape[1:])).astype(np.float32)})[0].reshape(1, -1)
                      for x in X])


def same_network(a, b):
    assert [(l.activation, l.rank) for l in a.layers] == [(l.activation, l.rank) for l in b.layers]
    assert a.rational_layers() == b.rational_layers()


def ints(*shape, lo=-3, hi=4):
    return RNG.integers(lo, hi, shape).astype(np.float32)


# -- 1. normalisation, old-style initializers, a (1, 1, 1, 5) input, Flatten, Gemm transB ------------
def acas_like(path, widths=(8, 8), *, old_style=True, softmax=False):
    mean = np.array([0.5, -0.25, 1, 0, 2], np.float32)
    rng_ = np.array([2, 4, 0.5, 1, 8], np.float32)          # powers of two: the twin is exact in floats
    Ws, bs = [], []
    n = 5
    for w in list(widths) + [3]:
        Ws.append(ints(w, n))
        bs.append(ints(w))
        n = w
    nodes = [helper.make_node("Sub", ["x", "mean"], ["s"], name="sub"),
             helper.make_node("Div", ["s", "range"], ["d"], name="div"),
             helper.make_node("Flatten", ["d"], ["f"], name="flat")]
    cur = "f"
    inits = {"mean": mean.reshape(1, 1, 1, 5), "range": rng_.reshape(1, 1, 1, 5)}
    for k, (W, b) in enumerate(zip(Ws, bs)):
        inits[f"W{k}"], inits[f"b{k}"] = W, b
        nodes.append(helper.make_node("Gemm", [cur, f"W{k}", f"b{k}"], [f"g{k}"], name=f"gemm{k}", transB=1))
        cur = f"g{k}"
        if k < len(Ws) - 1:
            nodes.append(helper.make_node("Relu", [cur], [f"r{k}"], name=f"relu{k}"))
            cur = f"r{k}"
    if softmax:
        nodes.append(helper.make_node("Softmax", [cur], ["sm"], name="softmax", axis=1))
        cur = "sm"
    nodes.append(helper.make_node("Identity", [cur], ["y"], name="out"))
    save(path, nodes, inits, [1, 1, 1, 5], [1, 3], old_style=old_style)
    twin = [(Ws[0] / rng_, bs[0] - Ws[0] @ (mean / rng_), "relu")]
    twin += [(W, b, "relu") for W, b in zip(Ws[1:-1], bs[1:-1])] + [(Ws[-1], bs[-1], "identity")]
    return [(np.asarray(W, float).tolist(), np.asarray(b, float).tolist(), a) for W, b, a in twin]


def test_normalisation_folds_into_the_first_layer_with_old_style_initializers(tmp_path):
    twin = acas_like(tmp_path / "a.onnx")
    lo, hi = [-1, -1, 0, -1, 1], [1, 1, 2, 1, 3]
    net = read_onnx(tmp_path / "a.onnx", lo, hi)
    same_network(net, network_from_lists(twin, lo, hi))
    assert net.input_dim == 5 and net.widths == [8, 8, 3]
    X = RNG.uniform(lo, hi, (200, 5))
    assert np.allclose(net.forward(X), ort_forward(tmp_path / "a.onnx", X, [1, 1, 1, 5]), atol=1e-4)
    assert count_regions(net, "vertex").activation_regions == \
        count_regions(network_from_lists(twin, lo, hi), "lp").activation_regions


def test_a_trailing_softmax_is_dropped_with_a_note(tmp_path, capsys):
    acas_like(tmp_path / "s.onnx", softmax=True)
    notes = []
    net = read_onnx(tmp_path / "s.onnx", [0], [1], notes=notes)
    assert net.widths == [8, 8, 3] and any("dropped the trailing Softmax" in n for n in notes)
    assert main(["show", str(tmp_path / "s.onnx"), "--domain", "0:1"]) == 0
    out = capsys.readouterr().out
    assert "ONNX nodes, as read:" in out and "layer 0 (relu): 'sub' (Sub) + 'div' (Div) + 'flat' (Flatten) + 'gemm0' (Gemm) + node 4 'relu0'" in out


def test_the_acas_shaped_model_counts_like_its_folded_twin(tmp_path):
    twin = acas_like(tmp_path / "acas.onnx", widths=(50,) * 6)
    lo, hi = [-0.02] * 5, [0.02] * 5          # raw input coordinates
    net = read_onnx(tmp_path / "acas.onnx", lo, hi)
    a = count_regions(net, "vertex")
    b = count_regions(network_from_lists(twin, lo, hi), "lp")
    assert a.complete and a.activation_regions == b.activation_regions > 1


def test_non_dyadic_normalisation_is_folded_exactly(tmp_path):
    mean, std = np.float32(0.3), np.float32(0.7)
    W = ints(2, 2)
    nodes = [helper.make_node("Sub", ["x", "m"], ["s"]), helper.make_node("Div", ["s", "sd"], ["d"]),
             helper.make_node("Gemm", ["d", "W"], ["y"], transB=1)]
    save(tmp_path / "n.onnx", nodes, {"m": mean, "sd": std, "W": W}, ["N", 2], ["N", 2])
    net = read_onnx(tmp_path / "n.onnx", [0, 0], [1, 1])
    (EW, Eb), = net.rational_layers()
    m, s = Fraction(float(mean)), Fraction(float(std))
    assert EW[0][0] == Fraction(float(W[0, 0])) / s          # exactly w / std, not a float quotient
    assert Eb[1] == -sum(Fraction(float(w)) for w in W[1]) * m / s


# -- 2. Conv + BatchNormalization + AveragePool / MaxPool, and the exporters' flatten ------------
def conv_matrix(K, H, W_, stride=1, pad=0):
    """Independent unrolling: rows (co, oy, ox) over the inputs (ci, y, x) of a (1, C, H, W) image."""
    co_n, ci_n, kh, kw = K.shape
    oh, ow = (H + 2 * pad - kh) // stride + 1, (W_ + 2 * pad - kw) // stride + 1
    M = np.zeros((co_n, oh, ow, ci_n, H, W_))
    for co in range(co_n):
        for oy in range(oh):
            for ox in range(ow):
                for ci in range(ci_n):
                    for dy in range(kh):
                        for dx in range(kw):
                            y, x = oy * stride - pad + dy, ox * stride - pad + dx
                            if 0 <= y < H and 0 <= x < W_:
                                M[co, oy, ox, ci, y, x] += K[co, ci, dy, dx]
    return M.reshape(co_n * oh * ow, ci_n * H * W_), (co_n, oh, ow)


def conv_net(path, pool):
    K, B = ints(2, 1, 2, 2), ints(2)
    gamma, beta, mu, var = np.array([2, -1], np.float32), np.array([0.5, 1], np.float32), \
        np.array([1, -1], np.float32), np.array([4, 0.25], np.float32)     # eps 0: sqrt exact
    G = ints(1, 2)
    shape_nodes = [helper.make_node("Shape", ["p"], ["shp"]),
                   helper.make_node("Gather", ["shp", "zero"], ["n"], axis=0),
                   helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"]),
                   helper.make_node("Concat", ["n1", "minus1"], ["newshape"], axis=0),
                   helper.make_node("Reshape", ["p", "newshape"], ["f"])]
    nodes = [helper.make_node("Conv", ["x", "K", "B"], ["c"], kernel_shape=[2, 2]),
             helper.make_node("BatchNormalization", ["c", "gamma", "beta", "mu", "var"], ["bn"], epsilon=0.0),
             helper.make_node("Relu", ["bn"], ["r"]),
             helper.make_node(pool, ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             *shape_nodes, helper.make_node("Gemm", ["f", "G"], ["y"], transB=1)]
    inits = {"K": K, "B": B, "gamma": gamma, "beta": beta, "mu": mu, "var": var, "G": G,
             "zero": np.array(0, np.int64), "ax0": np.array([0], np.int64), "minus1": np.array([-1], np.int64)}
    save(path, nodes, inits, [1, 1, 3, 3], [1, 1])
    C, _ = conv_matrix(K.astype(float), 3, 3)            # 8 rows: (co, oy, ox) with oy, ox in {0, 1}
    s = (gamma / np.sqrt(var)).astype(float).repeat(4)
    t = (beta - mu * gamma / np.sqrt(var)).astype(float).repeat(4)
    relu = (C * s[:, None], B.astype(float).repeat(4) * s + t, "relu")
    if pool == "AveragePool":
        P = np.kron(np.eye(2), np.full((1, 4), 0.25))        # each channel's 2x2 window -> one value
        return [relu, (G.astype(float) @ P, np.zeros(1), "identity")]
    return [relu, (np.eye(8), np.zeros(8), "maxout", 4), (G.astype(float), np.zeros(1), "identity")]


@pytest.mark.parametrize("pool", ["AveragePool", "MaxPool"])
def test_conv_batchnorm_pool_unrolls_exactly(tmp_path, pool):
    twin = conv_net(tmp_path / "c.onnx", pool)
    lo, hi = [-1] * 9, [1] * 9
    net = read_onnx(tmp_path / "c.onnx", [-1], [1])
    twin_net = network_from_lists([(np.asarray(s[0]).tolist(), np.asarray(s[1]).tolist(), *s[2:]) for s in twin],
                                  lo, hi)
    same_network(net, twin_net)
    X = RNG.uniform(-1, 1, (100, 9))
    assert np.allclose(net.forward(X), ort_forward(tmp_path / "c.onnx", X, [1, 1, 3, 3]), atol=1e-4)
    assert count_regions(net, "lp").activation_regions == count_regions(twin_net, "lp").activation_regions


# -- 3. Reshape/Transpose chains, MatMul with the constant on the left ------------------------------
def test_reshape_transpose_chain_is_a_column_permutation(tmp_path):
    W, V = ints(4, 6), ints(1, 4)
    nodes = [helper.make_node("Reshape", ["x", "s3"], ["a"]),
             helper.make_node("Transpose", ["a"], ["t"], perm=[0, 2, 1]),
             helper.make_node("Reshape", ["t", "s2"], ["b"]),
             helper.make_node("Gemm", ["b", "W"], ["g"], transB=1), helper.make_node("Relu", ["g"], ["r"]),
             helper.make_node("Gemm", ["r", "V"], ["y"], transB=1)]
    save(tmp_path / "t.onnx", nodes, {"W": W, "V": V, "s3": np.array([1, 2, 3], np.int64),
                                      "s2": np.array([1, 6], np.int64)}, [1, 6], [1, 1])
    perm = np.arange(6).reshape(2, 3).T.ravel()          # b[k] = x[perm[k]]
    P = np.zeros((6, 6))
    P[np.arange(6), perm] = 1
    lo, hi = [-1] * 6, [1] * 6
    twin = network_from_lists([((W.astype(float) @ P).tolist(), [0] * 4, "relu"), (V.tolist(), [0], "identity")],
                              lo, hi)
    net = read_onnx(tmp_path / "t.onnx", lo, hi)
    same_network(net, twin)
    X = RNG.uniform(-1, 1, (50, 6))
    assert np.allclose(net.forward(X), ort_forward(tmp_path / "t.onnx", X, [1, 6]), atol=1e-4)


def test_matmul_with_the_constant_on_the_left(tmp_path):
    W = ints(3, 4)
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0]),
             helper.make_node("MatMul", ["W", "xt"], ["m"]), helper.make_node("Relu", ["m"], ["r"]),
             helper.make_node("Transpose", ["r"], ["y"], perm=[1, 0])]
    save(tmp_path / "l.onnx", nodes, {"W": W}, [1, 4], [1, 3])
    net = read_onnx(tmp_path / "l.onnx", [-1], [1])
    assert np.array_equal(net.layers[0].weights, W) and net.layers[0].activation == "relu"


# -- 4. errors and convert --------------------------------------------------------------------------
def test_an_unsupported_node_is_named_with_its_position(tmp_path, capsys):
    nodes = [helper.make_node("Gemm", ["x", "W"], ["g"], transB=1, name="fc"),
             helper.make_node("Tanh", ["g"], ["y"], name="squash")]
    save(tmp_path / "u.onnx", nodes, {"W": ints(2, 2)}, ["N", 2], ["N", 2])
    assert main(["count", str(tmp_path / "u.onnx"), "--domain=-1:1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "node 1 'squash' (Tanh): operator Tanh is not supported" in err[0]


def test_a_domain_of_the_wrong_length_names_the_option(tmp_path, capsys):
    acas_like(tmp_path / "a.onnx")
    assert main(["count", str(tmp_path / "a.onnx"), "--domain", "0:1,0:1"]) == 2
    err = capsys.readouterr().err
    assert "--domain" in err and "has 5 element(s)" in err


def test_convert_writes_onnx_that_onnxruntime_reads(tmp_path, models_path):
    for name in ("random-int_n0-2_4-4_seed-0", "maxout-int_n0-2_rank-2-4_3-2_seed-0", "ternary_n0-2_q-2_L-5"):
        src = models_path / f"{name}.json"
        assert main(["convert", str(src), str(tmp_path / "m.onnx")]) == 0
        from mip_regions import read_network
        net = read_network(src)
        X = RNG.uniform(net.domain.lower, net.domain.upper, (100, net.input_dim))
        sess = session(tmp_path / "m.onnx")
        got = sess.run(None, {"x": X.astype(np.float32)})[0]
        assert np.allclose(got, net.forward(X), atol=1e-4), name


def test_float64_export_is_read_by_onnxruntime(tmp_path, models_path):
    from mip_regions import read_network
    net = read_network(models_path / "maxout-random_n0-2_rank-3_3-3_seed-0.json")
    write_onnx(net, tmp_path / "f.onnx", dtype="float64")
    sess = session(tmp_path / "f.onnx")
    X = RNG.uniform(-1, 1, (100, 2))
    assert np.allclose(sess.run(None, {"x": X})[0], net.forward(X), atol=1e-12)


def test_a_residual_connection_is_refused_clearly(tmp_path):
    nodes = [helper.make_node("Gemm", ["x", "W"], ["g"], transB=1), helper.make_node("Relu", ["g"], ["r"]),
             helper.make_node("Add", ["r", "x"], ["y"], name="skip")]
    save(tmp_path / "res.onnx", nodes, {"W": ints(2, 2)}, ["N", 2], ["N", 2])
    with pytest.raises(NetworkError, match=r"node 2 'skip' \(Add\): a connection skips a nonlinear layer"):
        read_onnx(tmp_path / "res.onnx", [0], [1])


@pytest.mark.parametrize("attrs", [dict(strides=[2, 2], pads=[1, 1, 1, 1]), dict(dilations=[2, 1], group=2),
                                   dict(auto_pad="SAME_UPPER", strides=[2, 1]), dict(pads=[0, 1, 2, 0])])
def test_conv_attributes_and_pools_match_onnxruntime(tmp_path, attrs):
    group = attrs.get("group", 1)
    K = RNG.standard_normal((4, 2 // group, 2, 2)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "K", "B"], ["c"], kernel_shape=[2, 2], **attrs),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["m"], kernel_shape=[2, 2], pads=[1, 1, 0, 0]),
             helper.make_node("GlobalAveragePool", ["m"], ["p"]),
             helper.make_node("Flatten", ["p"], ["y"])]
    save(tmp_path / "k.onnx", nodes, {"K": K, "B": RNG.standard_normal(4).astype(np.float32)},
         [1, 2, 5, 4], [1, 4])
    net = read_onnx(tmp_path / "k.onnx", [-1], [1])
    X = RNG.uniform(-1, 1, (60, 40))
    assert np.allclose(net.forward(X), ort_forward(tmp_path / "k.onnx", X, [1, 2, 5, 4]), atol=1e-5)


def test_a_maxpool_without_its_kernel_shape_is_named(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("MaxPool", ["r"], ["y"], name="pool")]
    save(tmp_path / "p.onnx", nodes, {}, [1, 1, 2, 2], [1, 1, 1, 1], check=False)   # invalid on purpose
    with pytest.raises(NetworkError, match=r"node 1 'pool' \(MaxPool\): cannot be read: the attribute "
                                           r"'kernel_shape' is missing"):
        read_onnx(tmp_path / "p.onnx", [0], [1])


def _mlp784(path, rng, side=28):
    n0 = side * side
    W1 = (rng.standard_normal((32, n0)) * 0.05).astype(np.float32)
    W2 = (rng.standard_normal((10, 32)) * 0.05).astype(np.float32)
    nodes = [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Gemm", ["f", "W1", "b1"], ["g"], transB=1),
             helper.make_node("Relu", ["g"], ["r"]), helper.make_node("Gemm", ["r", "W2"], ["y"], transB=1)]
    return save(path, nodes, {"W1": W1, "b1": rng.standard_normal(32).astype(np.float32), "W2": W2},
                [1, 1, side, side], [1, 10]), W1, W2


def test_flatten_then_gemm_places_the_weights_without_arithmetic(tmp_path, monkeypatch):
    """A Gemm after a Flatten of the input (VNN-COMP's MNIST MLPs): the product only places the
    weights (io/onnx_affine.unit_sources). The network equals the one the generic rational product
    gives, its first layer is the initializer exactly, and its forward pass is onnxruntime's."""
    from mip_regions.io import onnx_affine
    path, W1, W2 = _mlp784(tmp_path / "m.onnx", np.random.default_rng(3))
    net = read_onnx(path, [0], [1])
    assert np.array_equal(net.layers[0].weights, W1.astype(float))
    assert np.array_equal(net.layers[1].weights, W2.astype(float))
    X = RNG.uniform(0, 1, (10, 784))
    assert np.allclose(net.forward(X), ort_forward(path, X, [1, 1, 28, 28]), atol=1e-5)
    # an 8 x 8 twin through both products: the same network, exactly
    small, _, _ = _mlp784(tmp_path / "s.onnx", np.random.default_rng(4), side=8)
    fast = read_onnx(small, [0], [1])
    monkeypatch.setattr(onnx_affine, "unit_sources", lambda a: None)
    same_network(fast, read_onnx(small, [0], [1]))


def test_selection_products_after_permutations_and_duplicates(tmp_path, monkeypatch):
    """Transpose/Reshape/Gather before a Gemm keep the fast placement (a permutation of the
    inputs); a Concat of the input with itself uses one input twice and takes the generic product.
    Both equal the generic product's network exactly."""
    from mip_regions.io import onnx_affine
    W = ints(3, 12)
    perm = numpy_helper.from_array(np.array([5, 0, 3, 1, 2, 4], np.int64), "idx")
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 1]),
             helper.make_node("Reshape", ["t", "shape"], ["f"]),
             helper.make_node("Concat", ["f", "f"], ["cc"], axis=1),
             helper.make_node("Gemm", ["cc", "W"], ["y"], transB=1)]
    inits = {"shape": np.array([1, 6], np.int64), "W": W}
    save(tmp_path / "dup.onnx", nodes, inits, [1, 2, 3], [1, 3])
    nodes2 = [helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 1]),
              helper.make_node("Reshape", ["t", "shape"], ["f"]),
              helper.make_node("Gather", ["f", "idx"], ["g"], axis=1),
              helper.make_node("Gemm", ["g", "W"], ["y"], transB=1)]
    g = helper.make_graph(nodes2, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
                          [numpy_helper.from_array(np.array([1, 6], np.int64), "shape"),
                           numpy_helper.from_array(W[:, :6], "W"), perm])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "perm.onnx"))
    fast = [read_onnx(tmp_path / name, [-1], [1]) for name in ("dup.onnx", "perm.onnx")]
    for net, name in zip(fast, ("dup.onnx", "perm.onnx")):
        X = RNG.uniform(-1, 1, (20, 6))
        assert np.allclose(net.forward(X), ort_forward(tmp_path / name, X, [1, 2, 3]), atol=1e-4)
    monkeypatch.setattr(onnx_affine, "unit_sources", lambda a: None)
    for net, name in zip(fast, ("dup.onnx", "perm.onnx")):
        same_network(net, read_onnx(tmp_path / name, [-1], [1]))

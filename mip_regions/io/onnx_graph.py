"""Read an ONNX graph as the layers of a Network by tracing it symbolically (io/onnx_affine.py).

Every tensor is a constant (initializers, Constant nodes, and anything computed from constants
only, such as the Shape -> Gather -> Concat -> Reshape chains exporters write for a flatten), or
an exact affine function of the current layer input. Affine nodes fold into that function:
Identity, Dropout, Cast, Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Slice, Split, Gather,
Concat, Add/Sub/Mul/Div/Neg by constants (and Add/Sub of two affine tensors), MatMul and Gemm
with a constant on either side, Conv (any stride, padding, dilation, group), BatchNormalization
(inference), AveragePool and GlobalAveragePool. A nonlinear node ends a layer: Relu (relu),
LeakyRelu, PRelu and Abs (rank-2 maxout: max(z, a z) for a slope a <= 1, -max(-z, -a z) = min(z, a z)
for a > 1), Clip (ReLU6, Hardtanh: lo + relu(z - lo) - relu(z - hi), two relu units per element;
one bound, one unit), Max of several tensors, MaxPool and ReduceMax (maxout, nets/activations.py).
A trailing Softmax, LogSoftmax or ArgMax is dropped with a note: it does not change the
regions of the logits. The graph output is the output map.

The input is the one graph input without an initializer (older exporters also list the
initializers among the inputs); its shape, e.g. (1, 1, 1, 5) or (N, 1, 28, 28), is flattened
in C order to the network's n0 inputs (the first axis is the batch when there are two or more).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..errors import NetworkError
from . import onnx_activations, onnx_structured
from . import onnx_affine as A
from . import onnx_sparse as S
from .onnx_affine import Affine
from .onnx_sparse import FloatAffine, Selection

TENSORS = (Affine, Selection, FloatAffine)

AFFINE_OPS = ("Identity", "Dropout", "Cast", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose",
              "Slice", "Split", "Gather", "Concat", "Add", "Sub", "Mul", "Div", "Neg", "MatMul", "Gemm",
              "Conv", "BatchNormalization", "AveragePool", "GlobalAveragePool", "Constant", "Shape")
NONLINEAR_OPS = ("Relu", "LeakyRelu", "PRelu", "Abs", "Clip", "Max", "MaxPool", "ReduceMax")
DROPPED_OPS = ("Softmax", "LogSoftmax", "ArgMax")
SUPPORTED = AFFINE_OPS + NONLINEAR_OPS + DROPPED_OPS


class _Dropped:
    """The output of a trailing Softmax/LogSoftmax/ArgMax: only the graph output may use it."""

    def __init__(self, inner, note):
        self.inner, self.note = inner, note


class _Stop(Exception):
    pass


def _shape_of_input(vi, src):
    dims = vi.type.tensor_type.shape.dim
    shape = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    if not shape:
        raise NetworkError(f"the graph input {vi.name!r} has no shape", source=src)
    if len(shape) >= 2:
        shape[0] = 1        # the batch axis
    if any(d is None or d < 1 for d in shape):
        raise NetworkError(f"the graph input {vi.name!r} has an unknown or empty dimension {shape}", source=src)
    return tuple(shape)


def _axis(axis, ndim):
    return axis + ndim if axis < 0 else axis


class Tracer:
    """One pass over the nodes (module docstring); ``layers`` holds (W, b, activation, rank)."""

    def __init__(self, model, src, notes, rd):
        self.rd, self.src = rd, src        # rd: the file reader (io/onnx_proto.py)
        self.notes = notes if notes is not None else []
        g = model.graph
        self.values: dict = {t.name: rd.to_array(t) for t in g.initializer}
        inputs = [vi for vi in g.input if vi.name not in self.values]
        if len(inputs) != 1:
            raise NetworkError(f"expected one graph input (besides initializers), found "
                               f"{[vi.name for vi in inputs]}", source=src)
        self.input_shape = _shape_of_input(inputs[0], src)
        self.n0 = int(np.prod(self.input_shape))
        self.values[inputs[0].name] = S.identity(self.input_shape, 0)
        self.base = 0
        self.layers: list = []
        self.pending: list[str] = []      # affine nodes folded into the next layer
        self.weighted = False             # a Gemm/MatMul/Conv is already folded into the layer
        self.graph = g

    # -- helpers ------------------------------------------------------------------------------
    def err(self, where, text):
        raise NetworkError(f"{where}: {text}", source=self.src)

    def const(self, v, where, what):
        if isinstance(v, np.ndarray):
            return v
        self.err(where, f"{what} must be a constant (an initializer or computed from constants)")

    def aff(self, v, where):
        if isinstance(v, _Dropped):
            self.err(where, f"uses the output of a {v.note}, which is supported only at the end of the graph")
        if v.base != self.base:
            self.err(where, "a connection skips a nonlinear layer (e.g. a residual); only chains of layers "
                            "can be read")
        return v

    def emit(self, W, b, act, rank, out_shape, where):
        self.layers.append((W, b, act, rank))
        self.notes.append(f"layer {len(self.layers) - 1} ({act}{rank if act == 'maxout' else ''}): "
                          + " + ".join(self.pending + [where]))
        self.pending = []
        self.base += 1
        self.weighted = False
        return S.identity(out_shape, self.base)

    def new_layer(self, x: Affine, where) -> Affine:
        """Before a second Gemm/MatMul/Conv in one layer: the tensor so far becomes an identity
        layer (as written: e.g. the ternary paper's identity layers keep their weights)."""
        if not self.weighted:
            self.weighted = True
            return x
        W, b = x.rows()
        out = self.emit(W, b, "identity", None, x.shape, "(next weight node)")
        self.weighted = True
        return out

    # -- the pass -------------------------------------------------------------------------------
    def run(self):
        for pos, node in enumerate(self.graph.node):
            op = node.op_type
            where = f"node {pos} {node.name or '(unnamed)'!r} ({op})"
            if op not in SUPPORTED:
                self.err(where, f"operator {op} is not supported: it is not piecewise linear, or not read "
                                f"yet (supported: {', '.join(SUPPORTED)}); export the model with these "
                                "operators, or fold the node away")
            missing = [n for n in node.input if n and n not in self.values]
            if missing:
                self.err(where, f"input {missing[0]!r} is not produced by any earlier node")
            ins = [self.values[n] if n else None for n in node.input]
            attrs = {a.name: self.rd.attribute_value(a) for a in node.attribute}
            try:
                outs = self.node(op, ins, attrs, where, len(node.output))
            except KeyError as exc:
                self.err(where, f"cannot be read: the attribute {exc} is missing")
            except (ValueError, IndexError, TypeError, ZeroDivisionError) as exc:
                self.err(where, f"cannot be read ({exc})")
            if not isinstance(outs, list):
                outs = [outs]
            for name, v in zip(node.output, outs):
                if name:
                    self.values[name] = v
        outputs = [o.name for o in self.graph.output]
        if len(outputs) != 1:
            raise NetworkError(f"expected one graph output, found {outputs}", source=self.src)
        out = self.values.get(outputs[0])
        if isinstance(out, _Dropped):
            self.notes.append(f"dropped the trailing {out.note}: it does not change the regions of the logits")
            out = out.inner
        if not isinstance(out, TENSORS):
            raise NetworkError("the graph output is a constant, not a function of the input", source=self.src)
        out = self.aff(out, "the graph output")
        if isinstance(out, Selection):
            out = out.dense()
        W, b = out.rows()
        self.layers.append((W, b, "identity", None))
        self.notes.append(f"layer {len(self.layers) - 1} (output map): " + " + ".join(self.pending or ["identity"]))
        return self.layers

    def node(self, op, ins, at, where, n_out):
        data = [v for v in ins if isinstance(v, (*TENSORS, _Dropped))]
        if op == "Constant":
            if "value" not in at:
                self.err(where, "only tensor-valued Constant nodes are supported")
            return self.rd.to_array(at["value"])
        if op in ("Identity", "Dropout", "Cast") and isinstance(ins[0], _Dropped):
            return ins[0]          # after a trailing Softmax: still the end of the graph
        if op in DROPPED_OPS:
            if not data:
                self.err(where, "expects an input that depends on the network input")
            return _Dropped(self.aff(data[0], where), op)
        if not data:        # constants only: evaluate
            return A.const_op(op, ins, at)
        if op in NONLINEAR_OPS:
            return self.nonlinear(op, ins, at, where)
        self.pending.append(where.split(" ", 2)[2])      # "'name' (Op)"
        return self.affine(op, ins, at, where, n_out)

    def affine(self, op, ins, at, where, n_out):
        x = next(v for v in ins if isinstance(v, (*TENSORS, _Dropped)))
        if isinstance(x, (Selection, FloatAffine)):
            out = onnx_structured.structured(self, op, ins, at, where, n_out, self.aff(x, where))
            if out is not None:
                return out
            ins = [v.dense() if isinstance(v, (Selection, FloatAffine)) else v for v in ins]
            x = next(v for v in ins if isinstance(v, (*TENSORS, _Dropped)))
        if op in ("Identity", "Dropout", "Cast"):
            if op == "Cast" and at.get("to") not in (1, 10, 11, 16):
                self.err(where, "a Cast to a non-float type is not piecewise linear")
            return [self.aff(x, where), None] if op == "Dropout" and n_out > 1 else self.aff(x, where)
        if op in ("Add", "Sub", "Mul", "Div"):
            a, b = ins[0], ins[1]
            if isinstance(a, Affine) and isinstance(b, Affine):
                if op in ("Mul", "Div"):
                    self.err(where, f"{op} of two input-dependent tensors is not affine")
                return A.add(self.aff(a, where), self.aff(b, where), 1 if op == "Add" else -1)
            if isinstance(a, Affine):
                a = self.aff(a, where)
                K = A.exact(self.const(b, where, "the other operand"))
                if op == "Add":
                    return A.add_const(a, K)
                if op == "Sub":
                    return A.add_const(a, -K)
                if op == "Mul":
                    return A.scale(a, K)
                if any(v == 0 for v in K.ravel()):
                    self.err(where, "division by zero")
                return A.scale(a, np.vectorize(lambda v: 1 / v, otypes=[object])(K))
            b = self.aff(b, where)
            K = A.exact(a)
            if op == "Add":
                return A.add_const(b, K)
            if op == "Sub":
                return A.add_const(b, K, sign=-1)
            if op == "Mul":
                return A.scale(b, K)
            self.err(where, "division by an input-dependent tensor is not affine")
        x = self.aff(x, where)
        if op == "Neg":
            return A.scale(x, np.array(-1))
        if op == "Shape":
            return np.array(x.shape, dtype=np.int64)
        if op in ("Flatten", "Reshape", "Squeeze", "Unsqueeze"):
            return A.reshape(x, onnx_structured.new_shape(self, op, x.shape, ins, at, where))
        if op == "Transpose":
            return A.transpose(x, at.get("perm", list(range(len(x.shape)))[::-1]))
        if op == "Concat":
            ax = _axis(at["axis"], len(x.shape))
            parts = [self.aff(v, where) if isinstance(v, Affine) else A.add_const(A.zeros(v.shape, x), v)
                     for v in ins]
            return Affine(np.concatenate([p.T for p in parts], axis=ax),
                          np.concatenate([p.c for p in parts], axis=ax), x.base)
        if op in ("Slice", "Split"):
            cs = [self.const(v, where, "a parameter") if v is not None else None for v in ins[1:]]
            return A.slice_node(x, cs, at) if op == "Slice" else A.split_node(x, cs, at, n_out)
        if op == "Gather":
            idx = self.const(ins[1], where, "the indices").astype(int)
            ax = _axis(at.get("axis", 0), len(x.shape))
            return Affine(np.take(x.T, idx, axis=ax), np.take(x.c, idx, axis=ax), x.base)
        if op in ("MatMul", "Gemm", "Conv"):
            ins = [self.new_layer(v, where) if isinstance(v, TENSORS) else v for v in ins]
            sel = [v for v in ins if isinstance(v, Selection)]   # a layer just emitted: place, or go dense
            out = onnx_structured.structured(self, op, ins, at, where, n_out, sel[0]) if sel else None
            if out is not None:
                return out
            ins = [v.dense() if isinstance(v, Selection) else v for v in ins]
            x = next(v for v in ins if isinstance(v, Affine))
        if op in ("MatMul", "Gemm"):
            return self.matmul(op, ins, at, where)
        if op == "Conv":
            if len(x.shape) < 3:
                self.err(where, f"expects a (N, C, spatial...) input, got shape {x.shape}")
            W = self.const(ins[1], where, "the weight")
            nd = W.ndim - 2
            kernel = list(at.get("kernel_shape", W.shape[2:]))
            pads = A.pads_of(at, x.shape[2:], kernel, at.get("strides", [1] * nd), at.get("dilations", [1] * nd))
            B = self.const(ins[2], where, "the bias") if len(ins) > 2 and ins[2] is not None else None
            return A.conv(x, W, B, strides=at.get("strides", [1] * nd), pads=pads,
                          dilations=at.get("dilations", [1] * nd), group=at.get("group", 1))
        if op == "BatchNormalization":
            scale_, bias, mean, var = (self.const(v, where, "its parameters").astype(np.float64) for v in ins[1:5])
            s = scale_ / np.sqrt(var + float(at.get("epsilon", 1e-5)))     # float64, the one rounding
            shape = [1, -1] + [1] * (len(x.shape) - 2)
            t = A.exact(bias) - A.exact(mean) * A.exact(s)
            self.notes.append(f"{where}: gamma/sqrt(var+eps) taken as its float64 value (not rational)")
            return A.add_const(A.scale(x, A.exact(s).reshape(shape)), t.reshape(shape))
        if op in ("AveragePool", "GlobalAveragePool"):
            sp = x.shape[2:]
            if op == "GlobalAveragePool":
                return A.average_pool(x, list(sp), strides=[1] * len(sp), pads=[0] * 2 * len(sp),
                                      count_include_pad=True)
            if at.get("ceil_mode", 0):
                self.err(where, "ceil_mode = 1 is not supported")
            k = list(at["kernel_shape"])
            strides = at.get("strides", [1] * len(k))
            return A.average_pool(x, k, strides=strides, pads=A.pads_of(at, sp, k, strides, [1] * len(k)),
                                  count_include_pad=bool(at.get("count_include_pad", 0)))
        self.err(where, f"operator {op} is not supported here")

    def matmul(self, op, ins, at, where):
        if len(ins) < 2 or ins[1] is None:
            self.err(where, "needs two inputs")
        a, b = ins[0], ins[1]
        if op == "MatMul":
            if isinstance(a, Affine) and isinstance(b, np.ndarray):
                if b.ndim < 2 or len(a.shape) < 1:
                    self.err(where, f"the weight has shape {b.shape}, expected a matrix")
                if b.shape[-2] != a.shape[-1]:
                    self.err(where, f"the weight has shape {b.shape}, which does not fit an input of shape "
                                    f"{a.shape}")
                return A.matmul_const(self.aff(a, where), b)
            if isinstance(b, Affine) and isinstance(a, np.ndarray) and a.ndim == 2:
                return A.matmul_const(self.aff(b, where), a, left=True)
            self.err(where, "needs one input-dependent tensor and one constant matrix")
        if not isinstance(a, Affine) or not isinstance(b, np.ndarray) or b.ndim != 2:
            self.err(where, "expects A depending on the input and a constant matrix B")
        a = self.aff(a, where)
        if len(a.shape) != 2:
            self.err(where, f"expects a 2-D input, got shape {a.shape}")
        if at.get("transA", 0):
            a = A.transpose(a, [1, 0])
        B = b.T if at.get("transB", 0) else b
        if B.shape[0] != a.shape[1]:
            self.err(where, f"the weight has shape {b.shape}, which does not fit an input of width {a.shape[1]}")
        out = A.scale(A.matmul_const(a, B), np.array(Fraction(float(at.get("alpha", 1.0)))))
        if len(ins) > 2 and ins[2] is not None:
            C = self.const(ins[2], where, "the bias")
            try:
                np.broadcast_shapes(C.shape, out.shape)
            except ValueError:
                self.err(where, f"the bias has shape {C.shape}, expected {out.shape[1]} entries")
            out = A.add_const(out, A.exact(C) * Fraction(float(at.get("beta", 1.0))))
        return out

    def slope_units(self, x, slopes, where):
        return onnx_activations.slope_units(self, x, slopes, where)

    def clip(self, x, ins, at, where):
        return onnx_activations.clip(self, x, ins, at, where)

    def nonlinear(self, op, ins, at, where):
        x = self.aff(ins[0], where)
        out = onnx_structured.pool(self, x, at, where) if op == "MaxPool" else None
        if out is not None:                    # a large pool: its arguments gathered as sparse rows
            return out
        if isinstance(x, Selection) or (isinstance(x, FloatAffine) and op != "Relu"):
            # the exact dense form: small tensors only (onnx_sparse.DENSE_LIMIT)
            ins = [v.dense() if isinstance(v, (Selection, FloatAffine)) else v for v in ins]
            x = ins[0]
        if op == "Relu":
            W, b = x.rows()
            return self.emit(W, b, "relu", None, x.shape, where)
        if op in ("LeakyRelu", "Abs", "PRelu"):
            if op == "PRelu":
                slope = A.exact(self.const(ins[1], where, "the slope"))
                try:
                    slope = np.broadcast_to(slope, x.shape)
                except ValueError:
                    self.err(where, f"the slope has shape {slope.shape}, which does not broadcast to {x.shape}")
            else:
                f = Fraction(float(at.get("alpha", 0.01))) if op == "LeakyRelu" else Fraction(-1)
                slope = np.full(x.shape, f, dtype=object)
            return self.slope_units(x, slope.reshape(-1), where)
        if op == "Clip":
            return self.clip(x, ins, at, where)
        if op == "Max":
            parts = [self.aff(v, where) for v in ins if v is not None]
            if len(parts) < 2 or any(not isinstance(v, Affine) for v in ins):
                self.err(where, "Max is read as maxout over two or more input-dependent tensors")
            shape = np.broadcast_shapes(*(p.shape for p in parts))
            rows = [A.broadcast(p, shape).rows() for p in parts]
            k = len(rows)
            W = np.stack([r[0] for r in rows], axis=1).reshape(-1, x.n_in)
            b = np.stack([r[1] for r in rows], axis=1).reshape(-1)
            return self.emit(W, b, "maxout", k, shape, where)
        if op == "MaxPool":
            if at.get("ceil_mode", 0):
                self.err(where, "ceil_mode = 1 is not supported")
            k = list(at["kernel_shape"])
            strides, dil = at.get("strides", [1] * len(k)), at.get("dilations", [1] * len(k))
            W, b, rank, shape = A.window_arguments(x, k, strides=strides, dilations=dil,
                                                   pads=A.pads_of(at, x.shape[2:], k, strides, dil))
            if rank == 1:
                self.pending.append("MaxPool (1x1)")
                return Affine(W.reshape(tuple(shape) + (x.n_in,)), b.reshape(shape), x.base)
            return self.emit(W, b, "maxout", rank, shape, where)
        # ReduceMax: the reduced axes move to the end, each group of k = their size is one unit
        axes = at.get("axes")
        if axes is None and len(ins) > 1 and ins[1] is not None:
            axes = [int(v) for v in self.const(ins[1], where, "the axes")]
        nd = len(x.shape)
        axes = sorted(_axis(a, nd) for a in (axes if axes is not None else range(nd)))
        keep = [i for i in range(nd) if i not in axes]
        moved = A.transpose(x, keep + axes)
        k = int(np.prod([x.shape[i] for i in axes]))
        W, b = moved.rows()
        shape = [x.shape[i] if i not in axes else 1 for i in range(nd)] if at.get("keepdims", 1) else \
            [x.shape[i] for i in keep]
        if k == 1:
            self.pending.append("ReduceMax (one element)")
            return A.reshape(moved, shape)
        return self.emit(W, b, "maxout", k, shape, where)


__all__ = ["Tracer", "SUPPORTED"]

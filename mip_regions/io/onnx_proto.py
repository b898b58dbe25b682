"""Reading an ONNX file without importing the onnx package (issue 28, item 6: start-up).

``import onnx`` costs about half a second (its ml_dtypes extension alone about 0.5 s), which is a
third of a small count. Reading a model needs only the protobuf messages, which onnx generates
into ``onnx/onnx_ml_pb2.py`` (it imports google.protobuf and nothing of onnx), and two small
conversions: a TensorProto to a numpy array, and an AttributeProto to its value. This module
loads that generated file directly (locating the installed onnx package without executing it)
and does the two conversions for the tensor types a network file holds. Anything else (external
data, other element types) goes to the onnx package itself: :func:`reader` falls back whenever
the light path cannot answer, so the result is always the onnx package's.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
           9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}
_FIELDS = {1: "float_data", 11: "double_data", 7: "int64_data", 13: "uint64_data", 12: "uint64_data"}
_NAME = "mip_regions._onnx_ml_pb2"


class Unsupported(Exception):
    """The light path cannot read this: use the onnx package."""


def _pb2():
    """The generated protobuf module of the installed onnx, loaded without importing onnx."""
    mod = sys.modules.get("onnx.onnx_ml_pb2") or sys.modules.get(_NAME)
    if mod is not None:
        return mod
    spec = importlib.util.find_spec("onnx")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("onnx")
    path = Path(list(spec.submodule_search_locations)[0]) / "onnx_ml_pb2.py"
    if "onnx" in sys.modules or not path.exists():
        raise Unsupported("onnx is imported already")
    loader = importlib.util.spec_from_file_location(_NAME, path)
    mod = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(mod)
    sys.modules[_NAME] = mod
    return mod


def to_array(t) -> np.ndarray:
    """A TensorProto as a numpy array (raw little-endian data or the typed repeated field)."""
    if t.data_location == 1 or len(t.external_data):
        raise Unsupported("external data")
    dtype = _DTYPES.get(t.data_type)
    if dtype is None:
        raise Unsupported(f"element type {t.data_type}")
    shape = tuple(int(d) for d in t.dims)
    if t.raw_data:
        a = np.frombuffer(t.raw_data, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)
    elif t.data_type in _FIELDS:
        a = np.array(getattr(t, _FIELDS[t.data_type]), dtype=dtype)
    elif t.data_type == 10:      # float16: stored as int32 bit patterns
        a = np.array(t.int32_data, dtype=np.uint16).view(np.float16)
    else:                        # the smaller integer types and bool live in int32_data
        a = np.array(t.int32_data, dtype=np.int64).astype(dtype)
    if a.size != int(np.prod(shape)):
        raise Unsupported("size mismatch")
    return a.reshape(shape)


def attribute_value(a):
    """An AttributeProto's value: float, int, bytes, array (a tensor), or a list of them."""
    kind = a.type
    if kind == 1:
        return a.f
    if kind == 2:
        return a.i
    if kind == 3:
        return a.s
    if kind == 4:
        return a.t               # a TensorProto, as onnx.helper gives it
    if kind == 6:
        return list(a.floats)
    if kind == 7:
        return list(a.ints)
    if kind == 8:
        return list(a.strings)
    raise Unsupported(f"attribute type {kind}")


class _Light:
    def __init__(self):
        self.pb2 = _pb2()

    def load(self, path):
        m = self.pb2.ModelProto()
        with open(path, "rb") as fh:
            m.ParseFromString(fh.read())
        return m

    to_array = staticmethod(to_array)
    attribute_value = staticmethod(attribute_value)


class _Full:
    def __init__(self):
        import onnx
        from onnx import numpy_helper
        self.onnx, self.nh = onnx, numpy_helper

    def load(self, path):
        return self.onnx.load(str(path))

    def to_array(self, t):
        return self.nh.to_array(t)

    def attribute_value(self, a):
        return self.onnx.helper.get_attribute_value(a)


def reader(full: bool = False):
    """The light reader, or the onnx package's when asked or when the light one is unavailable."""
    if not full:
        try:
            return _Light()
        except (ImportError, Unsupported, OSError, AttributeError, TypeError):
            pass
    return _Full()


__all__ = ["reader", "to_array", "attribute_value", "Unsupported"]

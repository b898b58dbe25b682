"""Sparse weight matrices (scipy.sparse; a convolution read from ONNX, io/onnx_sparse.py): what
the rest of the package asks of a layer's weights whatever their storage."""

from __future__ import annotations

import numpy as np

from ..errors import NetworkError

SPARSE_EXACT_LIMIT = 4_000_000   # entries beyond which a sparse layer's rationals are not built


def is_sparse(W) -> bool:
    """A scipy.sparse weight matrix (a convolution read from ONNX, io/onnx_sparse.py)."""
    return hasattr(W, "tocsr")


def stored_values(W) -> np.ndarray:
    """The entries a weight matrix stores: all of a dense one, the nonzeros of a sparse one."""
    return np.asarray(W.data) if is_sparse(W) else np.asarray(W).ravel()


def dense_array(W) -> np.ndarray:
    """A weight matrix as a dense array (a sparse one converted)."""
    return W.toarray() if is_sparse(W) else W


def dense_weights(layer, index: int, what: str) -> np.ndarray:
    """A layer's weights as a dense array; a sparse layer beyond SPARSE_EXACT_LIMIT entries is
    refused with a NetworkError naming the layer and ``what`` needed it."""
    if is_sparse(layer.weights) and layer.n_rows * layer.n_in > SPARSE_EXACT_LIMIT:
        raise NetworkError(f"{what}: a sparse {layer.n_rows} x {layer.n_in} matrix (a "
                           f"convolution); written densely it would have {layer.n_rows * layer.n_in:,} "
                           "entries, which is refused (a network file, `convert NET.json`, keeps it sparse)",
                           layer=index)
    return dense_array(layer.weights)


def check_exact_form(layers) -> None:
    """A NetworkError naming the first sparse layer too large for its exact rational form
    (beyond SPARSE_EXACT_LIMIT entries): the exact engine, mip and certify need that form."""
    for l, layer in enumerate(layers):
        if is_sparse(layer.weights) and layer.n_rows * layer.n_in > SPARSE_EXACT_LIMIT:
            raise NetworkError(f"a sparse {layer.n_rows} x {layer.n_in} matrix: its exact rational form is not "
                               f"built (a dense table of {layer.n_rows * layer.n_in:,} rationals); count along "
                               "a line (--line, --line-from-data) or a slice with the float engines, or on a "
                               "smaller network", layer=l)

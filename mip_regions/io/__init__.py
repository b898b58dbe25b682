"""Readers and writers: file <-> ``Network``.

``netfile`` is the project's JSON network format (read, write, validate with errors naming the
file, layer and field); ``onnx_io`` imports and exports ONNX chains of Gemm/MatMul/Relu;
``torch_io`` imports a ``torch.nn.Sequential``. Readers produce a ``nets.network.Network`` and
nothing else.

Import rule: io/ may import ``nets`` and ``errors`` only; never ``engines``, ``analysis``,
``report`` or ``cli`` (checked by ``tests/test_layout.py``).
Exports: ``read_network``, ``write_network``, ``dumps_network``, ``network_from_dict``.
"""

from .netfile import dumps_network, network_from_dict, read_network, write_network

__all__ = ["read_network", "write_network", "dumps_network", "network_from_dict"]

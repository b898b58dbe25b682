"""Import a ``torch.nn.Sequential`` MLP (optional extra ``torch``).

Supported modules: Linear, ReLU, Identity, Flatten (and nested Sequential). Each Linear is one
layer; a ReLU right after it makes the layer ReLU, otherwise it is an identity layer. The same
rule as the ONNX importer, so a model and its ONNX export import to identical networks.
"""

from __future__ import annotations

import numpy as np

from ..errors import MipRegionsError, NetworkError
from .onnx_io import layers_to_network

SUPPORTED = ("Linear", "ReLU", "Identity", "Flatten", "Sequential")


def _modules(module, prefix=""):
    import torch.nn as nn
    for name, child in module.named_children():
        full = f"{prefix}{name}"
        if isinstance(child, nn.Sequential):
            yield from _modules(child, full + ".")
        else:
            yield full, child


def from_torch(module, domain, name: str | None = None):
    """The project's Network for a ``torch.nn.Sequential`` of Linear/ReLU/Identity/Flatten.

    ``domain`` is ``(lower, upper)``: sequences of length n0, or scalars for a cube.
    """
    try:
        import torch.nn as nn
    except ImportError:
        raise MipRegionsError("torch import needs torch: pip install -e '.[torch]'") from None
    if not isinstance(module, nn.Sequential):
        raise NetworkError(f"expected torch.nn.Sequential, got {type(module).__name__}")
    specs = []
    for full, child in _modules(module):
        kind = type(child).__name__
        if isinstance(child, nn.Linear):
            W = child.weight.detach().cpu().double().numpy()
            b = child.bias.detach().cpu().double().numpy() if child.bias is not None else np.zeros(W.shape[0])
            specs.append((W, b, "identity"))
        elif isinstance(child, nn.ReLU):
            if not specs:
                raise NetworkError(f"module {full} (ReLU): a ReLU before the first Linear is not supported")
            if specs[-1][2] == "identity":
                specs[-1] = (specs[-1][0], specs[-1][1], "relu")
        elif isinstance(child, (nn.Identity, nn.Flatten)):
            continue
        else:
            raise NetworkError(f"module {full} ({kind}) is not supported (supported: {', '.join(SUPPORTED)})")
    n0 = specs[0][0].shape[1] if specs else 0
    lower, upper = domain
    lower = [lower] * n0 if np.isscalar(lower) else list(lower)
    upper = [upper] * n0 if np.isscalar(upper) else list(upper)
    return layers_to_network(specs, lower, upper, name or "torch model")

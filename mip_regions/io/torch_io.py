"""Import a ``torch.nn.Sequential`` MLP (optional extra ``torch``).

Supported modules: Linear, ReLU, LeakyReLU, PReLU, ReLU6, Hardtanh, Identity, Flatten (and nested
Sequential), and a
maxout module: any module named ``Maxout`` with an integer attribute ``rank`` that takes the
maximum over consecutive groups of ``rank`` features (:func:`maxout_module` makes one). Each
Linear is one layer; an activation right after it makes the layer relu, rank-2 maxout
(LeakyReLU, PReLU: max(z, a z) for a slope a <= 1, min(z, a z) = -max(-z, -a z) for a > 1, then an
identity layer of signs) or maxout; ReLU6 and Hardtanh (lo + relu(z - lo) - relu(z - hi)) make
it a relu layer of two units per output followed by an identity layer [1, -1] + lo. Otherwise it
is an identity layer. For Linear/ReLU/LeakyReLU(a <= 1)/maxout models, a model and its ONNX export
import to identical networks; the ONNX reader folds the sign and clip maps into the next layer.
"""

from __future__ import annotations

import numpy as np

from ..errors import MipRegionsError, NetworkError
from .onnx_io import layers_to_network

SUPPORTED = ("Linear", "ReLU", "LeakyReLU", "PReLU", "ReLU6", "Hardtanh", "Maxout", "Identity", "Flatten",
             "Sequential")
_MAXOUT = None


def maxout_module(rank: int):
    """A ``torch.nn.Module`` computing the maxout of rank ``rank`` over consecutive groups of its
    input's last axis: ``x.view(..., n, rank).max(-1)`` (put it after a Linear of n * rank outputs)."""
    global _MAXOUT
    import torch.nn as nn
    if _MAXOUT is None:
        class Maxout(nn.Module):
            def __init__(self, rank: int):
                super().__init__()
                self.rank = int(rank)

            def forward(self, x):
                return x.view(*x.shape[:-1], -1, self.rank).max(dim=-1).values

            def extra_repr(self):
                return f"rank={self.rank}"
        _MAXOUT = Maxout
    return _MAXOUT(rank)


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
        elif isinstance(child, (nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.Hardtanh)) or kind == "Maxout":
            if not specs or specs[-1][2] != "identity" or len(specs[-1]) > 3:
                if isinstance(child, nn.ReLU) and specs and specs[-1][2] == "relu":
                    continue      # ReLU after ReLU changes nothing
                raise NetworkError(f"module {full} ({kind}) must follow a Linear")
            W, b = specs[-1][0], specs[-1][1]
            if isinstance(child, nn.ReLU):
                specs[-1] = (W, b, "relu")
            elif isinstance(child, nn.LeakyReLU):
                specs[-1] = (W, b, "slope", float(child.negative_slope))
            elif isinstance(child, nn.PReLU):
                a = child.weight.detach().cpu().double().numpy().ravel()
                if a.size not in (1, W.shape[0]):
                    raise NetworkError(f"module {full} (PReLU): {a.size} slopes for the {W.shape[0]} outputs of the "
                                       "Linear before it")
                specs[-1] = (W, b, "slope", a)
            elif isinstance(child, nn.Hardtanh):      # ReLU6 is Hardtanh(0, 6)
                specs[-1] = (W, b, "clip", float(child.min_val), float(child.max_val))
            else:
                rank = getattr(child, "rank", None)
                if not isinstance(rank, int) or rank < 2 or W.shape[0] % rank:
                    raise NetworkError(f"module {full} (Maxout): needs an integer rank >= 2 dividing the "
                                       f"{W.shape[0]} outputs of the Linear before it")
                specs[-1] = (W, b, "maxout", rank)
        elif isinstance(child, (nn.Identity, nn.Flatten)):
            continue
        else:
            raise NetworkError(f"module {full} ({kind}) is not supported (supported: {', '.join(SUPPORTED)})")
    n0 = specs[0][0].shape[1] if specs else 0
    lower, upper = domain
    lower = [lower] * n0 if np.isscalar(lower) else list(lower)
    upper = [upper] * n0 if np.isscalar(upper) else list(upper)
    return layers_to_network(specs, lower, upper, name or "torch model")

"""mip-regions: exact counts of the linear regions of ReLU networks.

Data flows one way: file -> io -> Network (nets) -> engine -> CountResult -> analysis ->
report / cli. ``counting.count_regions`` is the one entry point; ``result`` holds the shared result
type and ``errors`` the exception hierarchy.
"""

from .counting import count_regions
from .errors import EngineError, MipRegionsError, NetworkError
from .io.netfile import read_network, write_network
from .io.torch_io import from_torch
from .nets.constructions import montufar, serra_zigzag, ternary
from .nets.network import Box, Layer, Network, network_from_lists
from .result import CountResult

__version__ = "0.1.0"
__all__ = ["Box", "Layer", "Network", "network_from_lists", "read_network", "write_network",
           "count_regions", "CountResult", "from_torch", "montufar", "ternary", "serra_zigzag",
           "ternarize", "MipRegionsError", "NetworkError", "EngineError"]


def __getattr__(name):
    """``ternarize`` is loaded on first use: it needs networkx, which a plain count does not."""
    if name == "ternarize":
        from .nets.ternarize import ternarize
        return ternarize
    raise AttributeError(f"module 'mip_regions' has no attribute {name!r}")

"""mip-regions: exact counts of the linear regions of ReLU networks.

Data flows one way: network file -> Network -> engine -> CountResult -> report.
"""

from .counting import count_regions
from .errors import EngineError, MipRegionsError, NetworkError
from .netfile import read_network, write_network
from .network import Box, Layer, Network, network_from_lists
from .torch_io import from_torch

__version__ = "0.1.0"
__all__ = ["Box", "Layer", "Network", "network_from_lists", "read_network", "write_network",
           "count_regions", "from_torch", "MipRegionsError", "NetworkError", "EngineError"]

"""mip-regions: exact counts of the linear regions of ReLU networks.

Data flows one way: file -> io -> Network (nets) -> engines -> CountResult -> analysis ->
counting (the pipeline) -> workflows -> report / cli. ``counting.count_regions`` is the one entry
point; ``result`` holds the shared result type and ``errors`` the exception hierarchy (README,
Architecture).
"""

from .lazy import lazy_exports

__version__ = "0.1.0"
__all__ = ["Box", "Layer", "Network", "network_from_lists", "read_network", "write_network",
           "count_regions", "CountResult", "from_torch", "montufar", "ternary", "serra_zigzag",
           "ternarize", "MipRegionsError", "NetworkError", "EngineError"]


_LAZY = {   # name -> module: importing the package is instant (numpy, Pyomo, networkx load on use),
            # so a Ctrl-C while the command line starts is caught by cli.main
    "count_regions": "counting", "EngineError": "errors", "MipRegionsError": "errors",
    "NetworkError": "errors", "read_network": "io.netfile", "write_network": "io.netfile",
    "from_torch": "io.torch_io", "montufar": "nets.constructions", "serra_zigzag": "nets.constructions",
    "ternary": "nets.constructions", "Box": "nets.network", "Layer": "nets.network",
    "Network": "nets.network", "network_from_lists": "nets.network", "CountResult": "result",
    "ternarize": "nets.ternarize",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

"""mip-regions: exact counts of the linear regions of ReLU networks.

Data flows one way: file -> io -> Network (nets) -> engine -> CountResult -> analysis ->
report / cli. ``counting.count_regions`` is the one entry point; ``result`` holds the shared result
type and ``errors`` the exception hierarchy.
"""

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


def __getattr__(name):
    """The public names, loaded on first use (``_LAZY``)."""
    if name in _LAZY:
        import importlib
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mip_regions' has no attribute {name!r}")

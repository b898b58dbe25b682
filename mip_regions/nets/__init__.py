"""What a network is, and the networks of the papers.

``network`` is the one network type (layers, box domain, exact rationals beside float64);
``graph`` its networkx view (nodes, weighted edges, constant bias nodes); ``constructions``
the paper's builders (Montúfar eqs. 5-7, the ternary construction eqs. 12-15, Serra's zigzag);
``ternarize`` the weight-w gadget (eqs. 8-10) and integer -> ternary; ``random_nets`` seeded
random MLPs for tests and benchmarks.

Import rule: nets/ may import ``errors`` and itself only; never ``io``, ``engines``,
``analysis``, ``report`` or ``cli`` (checked by ``tests/test_layout.py``).
Exports: ``Network``, ``Layer``, ``Box``, ``network_from_lists``, ``montufar``, ``ternary``.
"""

from .constructions import montufar, ternary
from .network import Box, Layer, Network, network_from_lists

__all__ = ["Network", "Layer", "Box", "network_from_lists", "montufar", "ternary"]

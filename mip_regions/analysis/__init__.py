"""What is computed from a count: linear regions and affine maps (``linear_regions``), the cells'
intervals and polygons (``geometry``), certificates of a count (``certify``), and the known upper
and lower bounds of an architecture (``bounds``).

Import rule: analysis/ may import ``nets``, ``engines`` (their cell machinery), ``result`` and
``errors``; never ``report`` or ``cli`` (checked by ``tests/test_layout.py``).
Modules are imported by name (``from mip_regions.analysis.bounds import bound_table``); nothing is
re-exported here, so importing the bounds does not load the LP solvers.
"""

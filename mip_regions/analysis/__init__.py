"""What is computed from one count: linear regions and affine maps (``linear_regions``,
``map_groups``), the cells' intervals and polygons (``geometry``), certificates of a count
(``certify``), the known upper and lower bounds of an architecture (``bounds``) and the
quantization error tables (``quantization``).

Import rule: analysis/ may import ``nets``, ``engines`` (through the families' front doors),
``result`` and ``errors``; never ``counting``, ``workflows``, ``parallel``, ``report`` or ``cli``
(checked by ``tests/test_layout.py``): what runs counts of its own is a workflow (workflows/).
Modules are imported by name (``from mip_regions.analysis.bounds import bound_table``); nothing is
re-exported here, so importing the bounds does not load the LP solvers.
"""

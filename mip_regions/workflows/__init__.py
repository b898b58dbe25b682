"""Workflows that run many counts themselves, above the counting pipeline (counting.py):
``whole_space`` (the count over R^n0: a box that provably holds every region, certified),
``whole_line`` (the same for n0 = 1, and the exhaustive search of small 1-D ternary nets),
``ternary_search`` (the true maximum over all ternary networks of a small architecture),
``distance`` (the exact distance between two networks, over the common refinement of their
cells) and ``sweep`` (the rows of a sweep of many networks into one resumable CSV).

Import rule: workflows/ may import ``counting`` and everything below it (engines, parallel,
analysis, io, nets, result, errors); never ``report`` or ``cli``, and nothing below the pipeline
imports workflows/ (checked by ``tests/test_layout.py``). Modules are imported by name; nothing
is re-exported here.
"""

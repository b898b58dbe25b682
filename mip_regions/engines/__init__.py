"""Counting engines and their machinery.

Engines (each ``run_*(network, ctx)`` reports regions into a ``result.RunContext``):
``exact1d`` (exact rational breakpoints, n0 = 1), ``vertex`` (DFS over cells held by their
vertices, no LP), ``lp`` (DFS with one reused margin LP), ``mip`` (Serra et al.'s big-M MIP, the
reference) and ``sample`` (a lower bound). Their machinery: ``layers`` (the DFS layer step shared
by the DFS engines), ``polytope`` (vertex/tight-set polytopes), ``cells`` (the affine maps and
constraints of a pattern, the fixed-pattern LP), ``margin_lp`` and ``highs_lp`` (the reused LP on
GLPK or HiGHS), ``unit_bounds`` (exact interval bounds) and ``bigm_model`` (the Pyomo model).

Import rule: engines/ may import ``nets``, ``result``, ``errors`` and itself; never
``analysis``, ``report`` or ``cli`` (checked by ``tests/test_layout.py``). ``counting`` picks
the engine; import engines from there rather than from here.
"""

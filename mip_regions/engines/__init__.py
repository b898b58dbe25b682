"""Counting engines: one subpackage per engine family, each with a front door (its ``__init__``
exports its ``run_*`` and the few names others need; its other modules are its own business).

Every engine is ``run_*(network, ctx, **options)`` and reports regions into a
``result.RunContext``; ``dispatch`` says which one runs a method (and runs a deep search in a
thread with a large stack), ``counting.count_regions`` above engines/ is the entry point.

- ``exact/``: exact rational arithmetic: ExactNet, the exact simplex, the ``exact`` method and
  the subtrees the float engines hand over, the ``rational1d`` method. The bottom of engines/.
- ``line/``: the ``exact1d`` method, 1-D breakpoints in floats with error bounds, exact fallback.
- ``shared/``: what the families share: the float-filtered layer step and its exact fallback
  (``layers``), the cells of patterns (``cells``), routes of a parallel search (``routes``),
  direct HiGHS LPs (``highs_lp``), the compiled-kernel switch (``compiled``).
- ``vertex/``: the ``vertex`` method, cells held by their vertices, no LP.
- ``lp/``: the ``lp`` method, cells held as cuts, decided by points and small LPs.
- ``mip/``: the ``mip`` method, Serra et al.'s big-M MIP (Pyomo + HiGHS), the reference.
- ``sample.py``: the ``sample`` method, distinct patterns at random points (a lower bound only;
  one module, so no folder). ``dispatch.py``: method -> engine.

What "decided" means (every family's ``__init__`` gives its own): a float decision is trusted
only outside an error band relative to the magnitudes of the numbers it is computed from
(shared/layers.py); inside it the decision is made in exact arithmetic. A count is exact on
every network, the float ones included (their numbers are dyadic rationals).

Import rule (tests/test_layout.py): engines/ imports ``nets``, ``result``, ``region_store``,
``errors`` and itself; never ``io``, ``parallel``, ``analysis``, ``counting``, ``workflows``,
``report`` or ``cli``. Inside engines/: ``exact`` imports no other family; ``shared`` imports
``exact``; ``line`` imports ``exact``; ``vertex``, ``lp`` and ``mip`` import ``shared`` and ``exact`` but not each other;
``dispatch`` and ``sample`` sit on top. Code outside a family imports it through its front door.
"""

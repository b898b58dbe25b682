"""Counts past one core and one machine (issue 16): the depth-first searches cut into routed
subtrees (engines/shared/routes.py) run as Dask tasks (tasks.py, dask_count.py) and merged back
in the serial order (merge.py); exact1d in interval parts (intervals.py); ``map_as_completed``
runs independent jobs (the rows of a sweep, workflows/sweep.py) on the same cluster.

Import rule: parallel/ runs engines and merges their results; it imports ``engines``, ``nets``,
``result``, ``region_store`` and ``errors``, never ``analysis``, ``counting`` or anything above
(the pipeline calls it; checked by ``tests/test_layout.py``).

Needs the ``parallel`` extra (``distributed``, ``tqdm``); nothing here is imported by a serial run.
"""

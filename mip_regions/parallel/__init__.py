"""Counts past one core and one machine (issue 16): the depth-first searches cut into routed
subtrees (engines/routes.py) run as Dask tasks (tasks.py, dask_count.py) and merged back in the
serial order (merge.py); sweeps of many networks into one resumable CSV (sweep.py).

Needs the ``parallel`` extra (``distributed``, ``tqdm``); nothing here is imported by a serial run.
"""

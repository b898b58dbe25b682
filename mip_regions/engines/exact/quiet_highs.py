"""A silent single-threaded HiGHS instance: the one constructor every highspy user in engines/
calls (shared/highs_lp.py re-exports it; exact/verified.py uses it for its float LPs).

HiGHS fixes its thread pool for the whole process at the first run; every instance made here
uses ``threads=1`` so that later instances (and Pyomo's) do not fail (SOLVER_NOTES.md).
"""

from __future__ import annotations

import os
import sys

import highspy


def new_highs(**options) -> highspy.Highs:
    """A silent single-threaded HiGHS instance with the given extra options.

    highspy 1.16 prints its banner on stdout when an instance is constructed, before any option
    can be set; stdout is redirected at the file-descriptor level for that moment so that
    ``--json`` output stays clean.
    """
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    for key, value in options.items():
        h.setOptionValue(key, value)
    return h

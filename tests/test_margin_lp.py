"""The reusable margin LP (margin_lp.py) against closed-form Chebyshev radii, on both back ends."""

import numpy as np
import pytest

from mip_regions import EngineError
from mip_regions.engines.margin_lp import make_margin_lp


@pytest.mark.parametrize("solver", ["glpk", "highs"])
def test_probe_gives_the_chebyshev_radius_and_centre(solver):
    lp = make_margin_lp(np.zeros(2), np.ones(2), solver)
    # the strip x1 >= 0.8 of the unit square: largest ball radius 0.1, centre x1 = 0.9
    t, x = lp.probe(np.array([1.0, 0.0]), 0.8, 1e-9)
    assert t == pytest.approx(0.1) and x[0] == pytest.approx(0.9)
    lp.push(np.array([0.0, 1.0]), 0.5)            # and x2 >= 0.5: radius still 0.1
    t, x = lp.probe(np.array([1.0, 0.0]), 0.8, 1e-9)
    assert t == pytest.approx(0.1) and 0.6 <= x[1] <= 0.9
    t, x = lp.probe(np.array([1.0, 0.0]), 1.0, 1e-9)   # x1 >= 1: only a face, t* = 0
    assert x is None and t == pytest.approx(0.0, abs=1e-9)
    lp.pop()
    t, x = lp.probe(np.array([0.0, -1.0]), -0.3, 1e-9)  # x2 <= 0.3 again possible after the pop
    assert t == pytest.approx(0.15)


def test_glpk_point_that_violates_the_rows_is_solved_again_then_refused(monkeypatch):
    lp = make_margin_lp(np.zeros(2), np.ones(2), "glpk")
    real = lp.g.glp_get_col_prim
    bad = {"left": 1}

    def corrupt(prob, j):   # the first point read is garbage, as GLPK once returned
        if bad["left"] and j == 2:
            bad["left"] -= 1
            return 5.0
        return real(prob, j)

    monkeypatch.setattr(lp.g, "glp_get_col_prim", corrupt)
    resets = lp.basis_resets
    t, x = lp.probe(np.array([1.0, 0.0]), 0.8, 1e-9)
    assert t == pytest.approx(0.1) and x[1] <= 1.0 and lp.basis_resets > resets
    bad["left"] = 10**9
    with pytest.raises(EngineError, match="violates the cell's rows"):
        lp.probe(np.array([1.0, 0.0]), 0.8, 1e-9)
    assert lp.used == 4   # the probe row was popped: only the 4 box rows remain

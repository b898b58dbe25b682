"""The reusable margin LP (engines/lp/margin.py) against closed-form Chebyshev radii, on both back ends."""

import numpy as np
import pytest

from mip_regions import EngineError
from mip_regions.engines.lp.margin import make_margin_lp


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
    real = lp._prim
    bad = {"left": 1}

    def corrupt(prob, j):   # the first point read is garbage, as GLPK once returned
        if bad["left"] and j == 2:
            bad["left"] -= 1
            return 5.0
        return real(prob, j)

    monkeypatch.setattr(lp, "_prim", corrupt)
    resets = lp.basis_resets
    t, x = lp.probe(np.array([1.0, 0.0]), 0.8, 1e-9)
    assert t == pytest.approx(0.1) and x[1] <= 1.0 and lp.basis_resets > resets
    bad["left"] = 10**9
    with pytest.raises(EngineError, match="violates the cell's rows"):
        lp.probe(np.array([1.0, 0.0]), 0.8, 1e-9)
    assert lp.used == 4   # the probe row was popped: only the 4 box rows remain


@pytest.mark.parametrize("solver", ["glpk", "highs"])
def test_support_chebyshev_and_margin_against_closed_forms(solver):
    """support: max c.x over the closed cell; chebyshev: the deepest point; margin: the distance
    to the nearest row. Mode switches in both orders keep each answer right."""
    lp = make_margin_lp(np.zeros(2), np.ones(2), solver)
    s2 = np.sqrt(0.5)
    lp.push(np.array([-s2, -s2]), -s2)          # x1 + x2 <= 1: the triangle
    v, x = lp.support(np.array([1.0, 0.0]))
    assert v == pytest.approx(1.0) and x == pytest.approx([1.0, 0.0], abs=1e-9)
    v, x = lp.support(np.array([s2, s2]))       # the whole hypotenuse: value 1/sqrt(2)
    assert v == pytest.approx(s2)
    t, c = lp.chebyshev()                        # inradius of the right triangle with legs 1
    r = 1 - s2
    assert t == pytest.approx(r) and c == pytest.approx([r, r])
    assert lp.margin(c) == pytest.approx(r) and lp.margin(np.array([0.5, 0.5])) == pytest.approx(0.0, abs=1e-12)
    v, x = lp.support(np.array([-1.0, -1.0]))   # back to support after the margin LP
    assert v == pytest.approx(0.0, abs=1e-12)
    t, y = lp.probe(np.array([1.0, 0.0]), 0.5, 1e-9)   # the probe still runs in margin mode
    # x1 >= 0.5 in the triangle: a right triangle with legs 1/2, inradius (1/2)(2 - sqrt 2)/2
    assert t == pytest.approx(0.5 * (2 - np.sqrt(2)) / 2) and y is not None
    assert lp.margin(y) > 0

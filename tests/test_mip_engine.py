"""The MIP reference engine against the oracle table (REFERENCE.md §5) and an exact re-check."""

from fractions import Fraction

import numpy as np
import pytest

from mip_regions import count_regions
from mip_regions.nets.constructions import montufar, ternary
from oracle import ROWS

# rows that run in well under a few seconds each with the MIP engine
FAST = [1, 2, 3, 4, 5, 6, 7, 11, 13, 15, 17, 18, 19, 20, 21, 22, 31, 32, 33, 34, 35, 36, 40, 43,
        47, 52, 53, 54]


@pytest.mark.parametrize("row", FAST)
def test_mip_counts_full_cells_and_degenerate_patterns(row):
    build, a_full, a_strict, _, _ = ROWS[row]
    net = build()
    res = count_regions(net, "mip")
    assert res.complete
    assert res.activation_regions == a_full
    # Serra's one-sided margin finds exactly the strict patterns A_strict; the excess is degenerate
    assert res.degenerate_patterns == a_strict - a_full


@pytest.mark.slow
@pytest.mark.parametrize("row", [9, 12, 37, 38, 39, 41, 42])
def test_mip_slow_rows(row):
    build, a_full, a_strict, _, _ = ROWS[row]
    res = count_regions(build(), "mip")
    assert (res.activation_regions, res.degenerate_patterns) == (a_full, a_strict - a_full)


def test_padded_ternary_row22_counts_4_not_0():
    # dead padding units (pre-activation identically 0) broke two-sided MIPs (REFERENCE §6.3)
    res = count_regions(ternary(1, 2, 5, width=8), "mip")
    assert res.activation_regions == 4


@pytest.mark.parametrize("tighten,harvest", [("none", False), ("none", True), ("lp", False), ("lp", True)])
def test_options_do_not_change_the_count(tighten, harvest):
    res = count_regions(montufar(1, 3, 3), "mip", tighten=tighten, harvest=harvest)
    assert (res.activation_regions, res.degenerate_patterns) == (9, 2)


def test_witnesses_are_interior_points_of_distinct_patterns_exactly():
    net = montufar(2, 2, 3)
    res = count_regions(net, "mip")
    assert len(res.regions) == 16
    seen = set()
    for reg in res.regions:
        x = [Fraction(float(v)) for v in reg.witness]
        assert all(net.domain.exact_lower[j] < x[j] < net.domain.exact_upper[j] for j in range(2))
        pres = net.exact_preactivations(x)
        relu = [v for l, layer in enumerate(net.layers) if layer.activation == "relu" for v in pres[l]]
        bits = tuple(v > 0 for v in relu)
        assert bits == tuple(bool(b) for b in reg.bits)
        assert all(v != 0 for v in relu)  # strictly off the hyperplanes: full-dimensional cell
        assert reg.margin > 0
        seen.add(bits)
    assert len(seen) == 16


def test_time_limit_reports_a_lower_bound():
    res = count_regions(montufar(2, 3, 3), "mip", time_limit=0.3)
    assert not res.complete
    assert res.stop_reason == "time limit reached"
    assert 0 <= res.activation_regions < 81
    assert res.to_json()["count_is"] == "lower bound"
    assert res.format_human().count("at least") == 1


def test_regions_match_one_dimensional_breakpoints():
    # independent oracle: distinct patterns at the midpoints between exact breakpoints
    net = montufar(1, 3, 3)
    res = count_regions(net, "mip")
    xs = np.linspace(0, 1, 20001)[1:-1]
    pats = {tuple(p) for p in net.patterns(xs[:, None])}
    assert res.activation_regions == len(pats) == 9

"""Bound functions against REFERENCE.md §2-§3 hand-checked values, each other, and exact counts."""

import random

import pytest

from mip_regions import count_regions
from mip_regions.analysis.bounds import (BoundError, bound_table, best_bounds, exact_1d, montufar2014_lower,
                                montufar2017, prop1_lower, serra2018, serra2018_lower, serra2018_sum,
                                ternary_lower, ternary_lower_arch, trivial, zaslavsky, architecture_of)
from mip_regions.nets.constructions import montufar, ternary


@pytest.mark.parametrize("n0,widths,serra,mont", [(2, [2, 2], 11, 16), (2, [3, 1, 3], 35, 56),
                                                  (3, [3, 3], 42, 64), (1, [3, 3, 3], 64, 64)])
def test_hand_checked_values(n0, widths, serra, mont):
    assert serra2018(n0, widths) == serra == serra2018_sum(n0, widths)
    assert montufar2017(n0, widths) == mont


def test_bottleneck_effect():
    assert serra2018(4, [2, 8]) == 56 and serra2018(4, [8, 2]) == 652


def test_dp_equals_literal_sum_and_ordering_on_random_architectures():
    rng = random.Random(0)
    for _ in range(300):
        n0 = rng.randint(1, 4)
        widths = [rng.randint(1, 6) for _ in range(rng.randint(1, 4))]
        s = serra2018(n0, widths)
        assert s == serra2018_sum(n0, widths)
        assert s <= montufar2017(n0, widths) <= trivial(n0, widths)


@pytest.mark.parametrize("n0,n", [(1, 5), (2, 4), (3, 7), (2, 1)])
def test_serra_equals_zaslavsky_for_one_layer(n0, n):
    assert serra2018(n0, [n]) == zaslavsky(n0, n)


def test_lower_bounds_and_their_conditions():
    assert prop1_lower(1, 2, 5) == 16 and prop1_lower(2, 6, 3) == 81
    assert ternary_lower(1, 8, 5) == 4 and ternary_lower(2, 12, 5) == 16
    assert montufar2014_lower(2, [4, 4]) == 4 * 11
    assert serra2018_lower(1, [3, 3, 3]) == exact_1d([3, 3, 3]) == 64
    for call in (lambda: ternary_lower(1, 8, 4), lambda: ternary_lower(1, 3, 5), lambda: prop1_lower(2, 1, 3),
                 lambda: serra2018_lower(2, [5, 6]), lambda: montufar2014_lower(3, [2, 4]),
                 lambda: exact_1d([2, 3]), lambda: serra2018(0, [2])):
        with pytest.raises(BoundError):
            call()


def test_identity_layers_only_cap_the_dimension():
    # REFERENCE §6.6 row 22: padded ternary 1,2,5 -> 81; unpadded -> 9
    assert serra2018(1, architecture_of(ternary(1, 2, 5, width=8))) == 81
    assert serra2018(1, architecture_of(ternary(1, 2, 5))) == 9


@pytest.mark.parametrize("net,paper_bound,expected", [
    (montufar(1, 2, 4), "Ternary paper Prop. 1", 8), (montufar(2, 2, 3), "Ternary paper Prop. 1", 16),
    (ternary(1, 3, 5), "Ternary paper theorem (eq. 11)", 9), (ternary(2, 2, 5), "Ternary paper theorem (eq. 11)", 16),
    (ternary(1, 2, 5, width=8), "Ternary paper theorem (eq. 11)", 4)])
def test_constructions_attain_their_paper_bound_below_every_upper_bound(net, paper_bound, expected):
    rows = bound_table(net.input_dim, architecture_of(net))
    low, up = best_bounds(rows)
    count = count_regions(net).activation_regions
    assert count == expected == {r.name: r.value for r in rows}[paper_bound]
    assert count <= up.value and low.value <= up.value
    # lower bounds are on the maximum over weights: Montufar 2014 (fold + arrangement) exceeds the
    # folding-only construction, so a network may lie below the best lower bound
    if net.name == "montufar n0=1 p=2 L=4":
        assert low.name == "Montúfar et al. 2014" and low.value == 12 > count


def test_ternary_arch_bound_matches_uniform_version():
    assert ternary_lower_arch(2, [(12, "identity"), (12, "relu"), (12, "identity"), (12, "relu")]) == \
        ternary_lower(2, 12, 5)


def test_cli_bounds_and_count_bounds(capsys):
    from pathlib import Path
    from mip_regions.cli import main
    import json
    root = Path(__file__).resolve().parent.parent
    assert main(["bounds", "--n0", "2", "--widths", "2,2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    values = {r["name"]: r["value"] for r in doc["bounds"]}
    assert values["Serra et al. 2018, Thm 1"] == 11 and values["Montúfar 2017"] == 16
    assert main(["bounds", str(root / "models/ternary_n0-1_q-2_L-5_w-8.json"), "--json"]) == 0
    values = {r["name"]: r["value"] for r in json.loads(capsys.readouterr().out)["bounds"]}
    assert values["Serra et al. 2018, Thm 1"] == 81 and values["Ternary paper theorem (eq. 11)"] == 4
    assert main(["count", str(root / "models/ternary_n0-2_q-2_L-5.json"), "--bounds"]) == 0
    out = capsys.readouterr().out
    assert "bounds               16 <= 16 <= 121" in out and "count / upper = 0.1322" in out
    assert main(["bounds", "--n0", "2"]) == 2

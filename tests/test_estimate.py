"""``estimate`` (issue 30): MIPBound's probabilistic lower bound, the activation-based upper bound
(Serra & Ramalingam 2020), checked against exact counts from the other engines."""

import json
import random

import numpy as np
import pytest
from oracle import ROWS

from mip_regions.analysis.bounds import BoundError, activation_bound, serra2018
from mip_regions.cli import main
from mip_regions.counting import count_regions
from mip_regions.engines.mip import BigMModel, PatternJudge, run_mipbound, slack
from mip_regions.engines.mip.mipbound import ParityTrial, bound_value, parity_holds, random_parity
from mip_regions.io.netfile import read_network
from mip_regions.nets.constructions import montufar, ternary
from mip_regions.nets.maxout_nets import random_maxout
from mip_regions.nets.random_nets import random_mlp
from mip_regions.result import RunContext
from mip_regions.workflows.estimate import check_activity, estimate, upper_bounds


# -- the activation-based bound, as a formula ---------------------------------------------------

def test_activation_bound_without_activity_is_serra2018():
    """s = 0 and A = u = n_l everywhere: the greedy takes C(n, n - j), j = 0..d, i.e. Theorem 1."""
    rng = random.Random(0)
    for _ in range(300):
        n0 = rng.randint(1, 7)
        arch = [(rng.randint(1, 9), "identity") if rng.random() < 0.2 else rng.randint(1, 9)
                for _ in range(rng.randint(1, 4))]
        layers = [("identity", a[0]) if isinstance(a, tuple) else ("relu", a, 0, a) for a in arch]
        assert activation_bound(n0, layers) == serra2018(n0, arch), (n0, arch)


def test_activation_bound_by_hand():
    # n0 = 1, two layers of 3 units, at most 1 active in the first: the first layer's 4 pieces of a
    # line are 3 with one unit active (dimension 1) and 1 with none (dimension 0): 3 * 4 + 1 = 13
    assert activation_bound(1, [("relu", 3, 0, 1), ("relu", 3, 0, 3)]) == 13
    assert activation_bound(1, [("relu", 3, 0, 3), ("relu", 3, 0, 3)]) == 16 == serra2018(1, [3, 3])
    # a layer that never has an active unit sends everything to dimension 0: one region
    assert activation_bound(5, [("relu", 0, 0, 0), ("relu", 7, 0, 7)]) == 1
    # stably active units keep the dimension without cutting: 2 always-active units, no switch
    assert activation_bound(2, [("relu", 0, 2, 2), ("relu", 4, 0, 4)]) == 11 == serra2018(2, [4])
    # a 1-unit bottleneck: at most 1 + 1 pieces, then a line: 2 + (1 + 4) ... by the recursion
    assert activation_bound(3, [("relu", 5, 0, 1), ("relu", 4, 0, 4)]) == 1 + 5 * 5


def test_activation_bound_only_lowers_with_activity():
    rng = random.Random(1)
    for _ in range(200):
        n0 = rng.randint(1, 6)
        widths = [rng.randint(1, 8) for _ in range(rng.randint(1, 3))]
        full = activation_bound(n0, [("relu", n, 0, n) for n in widths])
        caps = [rng.randint(0, n) for n in widths]
        capped = activation_bound(n0, [("relu", n, 0, a) for n, a in zip(widths, caps)])
        assert capped <= full
        fewer = activation_bound(n0, [("relu", max(n - 1, 0), 0, max(n - 1, 0)) for n in widths])
        assert fewer <= full


@pytest.mark.parametrize("layers", [[("relu", 3, 2, 1)], [("relu", 3, 0, 4)], [("relu", -1, 0, 0)],
                                    [("maxout", 3)]])
def test_activation_bound_refuses_inconsistent_layers(layers):
    with pytest.raises(BoundError):
        activation_bound(2, layers)


# -- per-layer activity and the upper bound against exact counts -------------------------------

def _layer_max_active(net, res):
    bits = np.array([r.bits for r in res.regions], dtype=bool)
    return [int(bits[:, net.relu_offset[l]: net.relu_offset[l] + layer.n_out].sum(axis=1).max())
            for l, layer in enumerate(net.layers[:-1]) if layer.activation == "relu"]


def _upper(net):
    model = BigMModel(net, tighten="lp")
    rows, activity, notes = upper_bounds(net, model)
    return rows, activity, notes


def _random_nets():
    out = []
    for n0 in range(2, 7):
        for seed in range(3):
            out.append(random_mlp([n0, 3 + seed, 6 - seed // 2], seed=10 * n0 + seed))
    return out


@pytest.mark.parametrize("net", _random_nets(), ids=lambda n: n.name)
def test_upper_bound_holds_and_activity_is_attained(net):
    res = count_regions(net, "vertex", progress=False)
    rows, activity, notes = _upper(net)
    assert notes == []
    assert rows[0]["name"].startswith("activation-based")
    for r in rows:
        assert r["value"] >= res.activation_regions, r
    assert rows[0]["value"] <= min(r["value"] for r in rows[1:])
    seen = _layer_max_active(net, res)
    relu = [a for a in activity if a.activation == "relu"]
    for a, s in zip(relu, seen):
        assert a.how == "MIP optimum"
        assert s == a.max_active <= a.stable_active + a.unstable <= a.width   # the max over the regions


@pytest.mark.parametrize("row", sorted(ROWS))
def test_upper_bound_holds_on_the_oracle_rows(row):
    build, a_full = ROWS[row][0], ROWS[row][1]
    rows, _, _ = _upper(build())
    assert min(r["value"] for r in rows) >= a_full


def test_activity_tightens_a_narrow_trained_like_net():
    """A layer whose units cannot all be active at once: two units with opposite signs on one
    input never are; the activation-based bound is then below Serra 2018's."""
    from mip_regions.nets.network import network_from_lists
    W1 = [[1, 0], [-1, 0], [0, 1], [0, -1]]
    net = network_from_lists([(W1, [0, 0, 0, 0], "relu"), ([[1, 1, 1, 1]] * 4, [0, -1, -2, -3], "relu"),
                              ([[1, 1, 1, 1]], [0], "identity")], [-1, -1], [1, 1])
    rows, activity, _ = _upper(net)
    assert activity[0].max_active == 2 and activity[0].how == "MIP optimum"
    exact = count_regions(net, "exact", progress=False).activation_regions
    act, serra = rows[0]["value"], next(r["value"] for r in rows if r["name"].startswith("Serra"))
    assert exact <= act < serra


def test_check_activity_catches_a_wrong_mip_answer():
    net = random_mlp([2, 5, 4], seed=3)
    _, activity, _ = _upper(net)
    activity[0].max_active = 0                     # as if the MIP had been wrong
    notes = check_activity(net, activity)
    assert notes and "layer 0" in notes[0]
    assert activity[0].max_active == activity[0].stable_active + activity[0].unstable


# -- MIPBound ---------------------------------------------------------------------------------------

def test_slack_formula():
    # 2^(-a t) / (1 - 2^-t) = 1 - c
    for c, t in [(0.95, 10), (0.5, 1), (0.99, 3)]:
        a = slack(c, t)
        assert 2 ** (-a * t) / (1 - 2 ** -t) == pytest.approx(1 - c)
    assert bound_value(0, 0.4) == 0 and bound_value(4, 0.432) == 11 and bound_value(10, 0) == 1024
    with pytest.raises(ValueError):
        slack(1.0, 10)


def _enumerate_with_parity(net, rows, rhs):
    """Every region of ``net`` satisfying the parity constraints, by the MIP: a trial, a no-good
    cut on the region found, again, until the MIP has none."""
    model = BigMModel(net, tighten="lp")
    ctx = RunContext(net, "mip", keep_regions=False, progress=False)
    trial = ParityTrial(model, PatternJudge(net, ctx), ctx)
    found = set()
    while True:
        outcome = trial.run(rows, rhs, None)
        if outcome != "region":
            assert outcome == "none"
            return model, found
        key = tuple(model.full_bits(trial.last_z))
        assert key not in found
        found.add(key)
        model.add_nogood(trial.last_z)


@pytest.mark.parametrize("seed", range(4))
def test_parity_constraints_are_exact(seed):
    """The model with parity constraints has exactly the regions whose binaries satisfy them."""
    net = random_mlp([2, 4, 3], seed=seed)
    regions = count_regions(net, "exact", progress=False).regions
    model = BigMModel(net, tighten="lp")
    rng = np.random.default_rng(seed)
    for s in (1, 2, 3):
        rows, rhs = random_parity(rng, s, len(model.z_vars))
        want = {tuple(r.bits) for r in regions if parity_holds(rows, rhs, np.asarray(r.bits)[model.unstable])}
        m2, got = _enumerate_with_parity(net, rows, rhs)
        assert list(m2.unstable) == list(model.unstable)
        assert got == want, (s, len(got), len(want))


def test_parity_on_maxout_binaries():
    net = random_maxout([2, 3, 2], 3, seed=1)
    regions = count_regions(net, "exact", progress=False).regions
    model = BigMModel(net, tighten="lp")
    rows, rhs = random_parity(np.random.default_rng(5), 2, len(model.z_vars))
    want = {tuple(r.bits) for r in regions if parity_holds(rows, rhs, np.asarray(r.bits)[model.unstable])}
    _, got = _enumerate_with_parity(net, rows, rhs)
    assert got == want and len(want) > 0


def _known_nets():
    """Nets with exact counts (engines agree on them in the rest of the suite)."""
    nets = [montufar(2, 3, 3), montufar(1, 3, 3), ternary(2, 3, 3), random_mlp([2, 6, 6], seed=3),
            random_mlp([3, 6, 5], seed=4), random_maxout([2, 3, 3], 2, seed=0)]
    return [(n, count_regions(n, "exact" if n.input_dim <= 2 else "vertex", progress=False).activation_regions)
            for n in nets]


@pytest.mark.slow   # ~25 s: in `python -m pytest -m slow` (README)
def test_mipbound_confidence_binomial():
    """Over 240 seeded runs on nets with known counts, the bound floor(2^(s - a)) exceeds the exact
    count no more often than 1 - c allows (binomial test at level 1e-3); the certain part
    (regions confirmed exactly) never exceeds it. The same runs with the slack dropped (a = 0)
    overshoot far more often: the test can fail."""
    from scipy.stats import binom
    c, t = 0.75, 2
    a = slack(c, t)
    runs = over = over_no_slack = 0
    for net, exact in _known_nets():
        model = BigMModel(net, tighten="lp")   # reused: its only additions are cuts of non-regions
        for seed in range(40):
            r = run_mipbound(net, confidence=c, trials=t, seed=seed, model=model)
            assert r.regions_found <= exact
            assert r.lower_bound == bound_value(r.s, a)
            runs += 1
            over += r.lower_bound > exact
            over_no_slack += 2 ** r.s > exact
    assert runs == 240
    assert binom.sf(over - 1, runs, 1 - c) > 1e-3, (over, runs)
    assert over_no_slack > over
    print(f"runs {runs}, bound above the count {over}, without the slack {over_no_slack}")


@pytest.mark.parametrize("row", [36, 39, 41, 52, 54])
def test_mipbound_certain_part_on_oracle_rows(row):
    build, a_full = ROWS[row][0], ROWS[row][1]
    r = run_mipbound(build(), seed=row)
    assert 1 <= r.regions_found <= a_full
    assert r.levels and r.levels[-1].outcomes                 # at least one trial ran


def test_mipbound_stops_at_its_time_limit():
    net = random_mlp([4, 10, 8], seed=0)
    r = run_mipbound(net, time_limit=0.5, trials=10)
    assert r.seconds < 5
    assert r.stop_reason is not None


def test_no_unstable_units():
    from mip_regions.nets.network import network_from_lists
    net = network_from_lists([([[1, 0], [0, 1]], [5, 5], "relu"), ([[1, 1]], [0], "identity")], [0, 0], [1, 1])
    r = run_mipbound(net)
    assert r.binaries == 0 and r.regions_found == 1 and "count is 1" in r.stop_reason
    e = estimate(net, samples=100)
    assert e.lower_bound == 1 and e.upper_bound >= 1


# -- the workflow and the command ----------------------------------------------------------------

def test_estimate_brackets_the_exact_count():
    net = montufar(2, 3, 3)
    e = estimate(net, exact_within=30, samples=2000, seed=1)
    assert e.exact == 81
    assert e.sample_lower_bound <= 81 <= e.upper_bound
    assert e.mipbound["regions_found"] <= 81
    assert e.upper_bound == min(r["value"] for r in e.upper_bounds)


def test_estimate_cli_json(models_path, capsys):
    rc = main(["estimate", str(models_path / "montufar_n0-2_p-2_L-3.json"), "--json", "--exact-within", "20",
               "--samples", "500", "--seed", "2"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    for key in ("lower_bound", "confidence", "upper_bound", "upper_bound_name", "exact", "sample_lower_bound"):
        assert key in doc
    assert doc["exact"] == 16 and doc["confidence"] == 0.95
    assert doc["lower_bound_is"] == ("certain" if doc["mipbound"]["regions_found"] >= doc["lower_bound"]
                                     else "probabilistic")
    assert isinstance(doc["lower_bound"], int) and isinstance(doc["upper_bound"], int)
    assert doc["sample_lower_bound"] <= 16 <= doc["upper_bound"]
    assert doc["mipbound"]["trials"] == 10 and doc["mipbound"]["levels"]


def test_estimate_cli_text(models_path, capsys):
    rc = main(["estimate", str(models_path / "maxout-random_n0-2_rank-3_3-3_seed-0.json"), "--samples", "200"])
    out = capsys.readouterr()
    assert rc == 0
    assert "lower bound   >= " in out.out and " certain  (MIPBound" in out.out   # the confirmed regions win here
    assert "not for maxout layers" in out.out
    assert "MIPBound s = 1" in out.err


def test_report_labels_the_lower_bound_by_what_it_rests_on():
    from mip_regions.cli.estimate import format_estimate
    from mip_regions.workflows.estimate import Estimate
    e = Estimate("n", 2, "[0, 1]^2", 0.95, lower_bound=12141, upper_bound=10 ** 6, upper_bound_name="u")
    e.mipbound = {"s": 14, "trials": 10, "alpha": 0.432, "lower_bound": 12141, "regions_found": 139,
                  "stop_reason": "level s = 15: a trial found no region"}
    assert "lower bound   >= 12141 with probability >= 0.95  (MIPBound: s = 14" in format_estimate(e)
    e.mipbound.update(lower_bound=11, regions_found=28)
    e.lower_bound = 28
    assert "lower bound   >= 28 certain  (" in format_estimate(e)


@pytest.mark.parametrize("args,msg", [(["--confidence", "1"], "--confidence"), (["--trials", "0"], "--trials"),
                                      (["--time-limit", "0"], "--time-limit"), (["--samples", "-1"], "--samples")])
def test_estimate_cli_errors(models_path, capsys, args, msg):
    rc = main(["estimate", str(models_path / "montufar_n0-2_p-2_L-3.json")] + args)
    assert rc == 2
    assert msg in capsys.readouterr().err


def test_shipped_model_upper_bound(models_path):
    net = read_network(models_path / "random-int_n0-2_4-4_seed-0.json")
    rows, activity, _ = _upper(net)
    exact = count_regions(net, "exact", progress=False).activation_regions
    assert min(r["value"] for r in rows) >= exact


def test_sweep_estimate_columns(tmp_path, capsys):
    import csv
    out = tmp_path / "sweep.csv"
    rc = main(["sweep", "montufar", "--n0", "1,2", "--p", "2", "--depth", "3", "-o", str(out), "--estimate"])
    assert rc == 0
    rows = list(csv.DictReader(open(out)))
    assert [int(r["activation_regions"]) for r in rows] == [4, 16]
    for r in rows:
        exact = int(r["activation_regions"])
        assert int(r["regions_confirmed"]) <= exact <= int(r["upper_bound"]) <= int(r["best_upper_bound"])
        assert int(r["sample_lower_bound"]) <= exact and r["mipbound_confidence"] == "0.95"
        assert r["upper_bound_name"].startswith("activation-based")
    # the same CSV without --estimate is refused with the reason, never mixed
    rc = main(["sweep", "montufar", "--n0", "1", "--p", "2", "--depth", "3", "-o", str(out)])
    assert rc == 2 and "written with --estimate" in capsys.readouterr().err


def test_sigint_prints_what_was_found(tmp_path):
    """Ctrl-C during MIPBound: the levels that passed stand, the upper bounds are printed, exit 4."""
    import signal
    import subprocess
    import sys
    import time
    from mip_regions.io.netfile import write_network
    path = tmp_path / "net.json"
    write_network(random_mlp([6, 14, 14], seed=2), path)
    proc = subprocess.Popen([sys.executable, "-m", "mip_regions.cli", "estimate", str(path), "--json",
                             "--samples", "100"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)
    assert proc.poll() is None, "the estimate ended before the signal"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 4, err
    doc = json.loads(out)
    assert doc["interrupted"] in ("MIPBound", "the activity MIPs")
    assert doc["upper_bound"] > 0 and doc["lower_bound"] is None or doc["lower_bound"] >= 1
    assert any("interrupted (Ctrl-C)" in n for n in doc["notes"])


@pytest.mark.parametrize("n1,n2", [(2, 4), (3, 5), (4, 6), (6, 3)])
def test_upper_bound_holds_on_trained_digits_nets(n1, n2):
    """sklearn MLPs 64-n1-n2-10 trained on the 8x8 digits (scripts/digits_nets.py): narrow layers
    in 64 dimensions, where the activity bound bites; the exact count (lp engine) lies between the
    certain bounds, the activity equals the most active units over the regions."""
    import sys
    from pathlib import Path
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from digits_nets import train_digits
    net, _ = train_digits(n1, n2, seed=0)
    res = count_regions(net, "lp", progress=False)
    est = estimate(net, samples=1000, trials=4, seed=1)
    assert est.sample_lower_bound <= res.activation_regions <= est.upper_bound
    assert est.mipbound["regions_found"] <= res.activation_regions
    act = est.upper_bounds[0]
    assert act["name"].startswith("activation-based") and act["value"] <= serra2018(64, [n1, n2])
    seen = _layer_max_active(net, res)
    assert [a.max_active for a in est.activity if a.activation == "relu"] == seen

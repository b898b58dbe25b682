"""The paper scripts run from a clean checkout and write what README says."""

import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(script, *args):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / script), *args], capture_output=True,
                          text=True, cwd=ROOT)


def test_reproduce_ternary_quick(tmp_path):
    proc = run("reproduce_ternary.py", "--quick", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = list(csv.DictReader(open(tmp_path / "ternary_grid.csv")))
    assert rows and all(r["theorem_holds"] == "True" and r["equality"] == "True" for r in rows)
    assert all(int(r["ternary_count"]) == int(r["montufar_count"]) for r in rows)
    assert (tmp_path / "ternary_grid.md").exists() and (tmp_path / "counts_vs_depth.png").stat().st_size > 1000


def test_remark1(tmp_path):
    proc = run("remark1.py", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {(r["n0"], r["n"], r["L"]): r for r in csv.DictReader(open(tmp_path / "remark1.csv"))}
    # n0 = 1, n = 4, L = 3: general 4^2 = 16; ternary (8, 5): q = 2 -> 2^2 = 4; ternary (32, 3): q = 8 -> 8
    r = rows[("1", "4", "3")]
    assert (r["general_bound"], r["tern_2n_2L-1_bound"], r["tern_2n^2_L_bound"]) == ("16", "4", "8")
    assert r["general_exact"] == "16" and r["tern_2n_2L-1_exact"] == "4" and r["tern_2n^2_L_exact"] == "8"
    assert (tmp_path / "remark1.png").exists()


def test_train_toy_onnx_worked_example(tmp_path):
    import pytest
    pytest.importorskip("torch", reason="the worked example needs torch (pip install -e '.[torch]')")
    pytest.importorskip("matplotlib", reason="the worked example needs matplotlib")
    proc = run("train_toy_onnx.py", "--out", str(tmp_path), "--steps", "100")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "toy_mlp.onnx").exists() and (tmp_path / "regions.png").stat().st_size > 1000
    assert "activation regions" in (tmp_path / "summary.md").read_text()


def test_quantized_constructions_script(tmp_path):
    proc = run("quantized_constructions.py", "--r-max", "2", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = list(csv.DictReader(open(tmp_path / "quantized_constructions.csv")))
    sq = [r for r in rows if r["function"].startswith("f_s")]
    assert [(r["r"], r["activation_regions"], r["linear_regions"], r["exact_sup_error"]) for r in sq] == \
        [("1", "2", "2", "1/16"), ("1", "2", "2", "1/16"), ("2", "4", "4", "1/64"), ("2", "4", "4", "1/64")]
    assert all(r["within"] == "True" for r in rows)
    prop3 = list(csv.DictReader(open(tmp_path / "prop3.csv")))
    assert all(int(r["hidden_layers"]) <= int(r["layer_bound"]) and int(r["values"]) <= int(r["lambda"])
               for r in prop3)


def test_quantize_trained_script(tmp_path):
    proc = run("quantize_trained.py", "--bits", "2,4", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["version"]: r for r in csv.DictReader(open(tmp_path / "quantize_trained.csv"))}
    assert set(rows) == {"float64 (trained)", "2-bit", "4-bit", "ternary (TWN)"}
    assert float(rows["float64 (trained)"]["accuracy"]) > 0.95
    for name in ("2-bit", "4-bit", "ternary (TWN)"):      # the bound never undercuts the exact distance
        assert 0 < float(rows[name]["sup_distance_float"]) <= float(rows[name]["theorem5_bound"])
    assert float(rows["4-bit"]["sup_distance_float"]) < float(rows["2-bit"]["sup_distance_float"])


def test_ternary_maxima_script(tmp_path):
    proc = run("ternary_maxima.py", "--budget", "3000", "--budget-nd", "400", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["arch"]: r for r in csv.DictReader(open(tmp_path / "ternary_maxima.csv"))}
    assert (rows["1-3-1"]["max_activation"], rows["1-3-1"]["serra_upper"]) == ("4", "4")
    assert rows["1-2-1-1"]["max_activation"] == "5" and rows["1-2-1-1"]["max_maps"] == "4"
    assert rows["1-5-1"]["seconds"] == "over budget"
    assert (tmp_path / "witnesses" / "1-2-1-1_activation_regions.json").exists()
    assert rows["2-2-1"]["max_activation"] == "4" == rows["2-2-1"]["serra_upper"]     # two crossing lines
    assert rows["2-2-1"]["paper_lower"] == "1" and rows["2-3-1"]["seconds"] == "over budget"
    assert (tmp_path / "witnesses" / "2-2-1_linear_regions.json").exists()


def test_serra_experiment_small_run_and_resume(tmp_path):
    """Two splits, one seed, a short limit: one CSV row per network with a count checked against
    the lp engine run here, bounds that hold, and a rerun that resumes (counts nothing again)."""
    import pytest
    pytest.importorskip("sklearn")
    args = ["--splits", "1,2", "--seeds", "1", "--time-limit", "20", "--workers", "1", "--out", str(tmp_path)]
    proc = run("serra_experiment.py", *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = list(csv.DictReader(open(tmp_path / "serra_experiment.csv")))
    assert [(r["n1"], r["n2"]) for r in rows] == [("1", "21"), ("2", "20")]
    for r in rows:
        if r["count_is"] == "exact":
            assert 1 <= int(r["regions"]) <= int(r["serra_thm1"]) <= int(r["montufar2017"])
        assert 0 <= float(r["test_error"]) < 0.9
    # 64-1-21: one first-layer unit cuts [0,1]^64 at most once, and then the 21 second-layer
    # units see a 1-D input: at most 2 * 22 regions
    assert int(rows[0]["regions"]) <= 44
    sys.path.insert(0, str(ROOT / "scripts"))
    from digits_nets import train_digits
    from mip_regions import count_regions
    net, _ = train_digits(1, 21, 0)
    assert count_regions(net, "vertex" if net.input_dim <= 7 else "lp").activation_regions == int(rows[0]["regions"])
    assert (tmp_path / "serra_experiment.png").stat().st_size > 1000
    again = run("serra_experiment.py", *args)
    assert again.returncode == 0 and "2 networks already in" in again.stderr and "0 to run" in again.stderr
    assert len(list(csv.DictReader(open(tmp_path / "serra_experiment.csv")))) == 2


def test_exact_share_script(tmp_path):
    """Issue 32, item 2: seed 11 of the 64-6-16 digits net has slivers the exact path decides
    (three of its cells sit below HiGHS's default tolerance); they take a small share of the run."""
    import pytest
    pytest.importorskip("sklearn", reason="the digits nets need scikit-learn")
    proc = run("exact_share.py", "--seeds", "11", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (row,) = list(csv.DictReader(open(tmp_path / "exact_share.csv")))
    assert row["count_is"] == "exact" and int(row["regions"]) > 1000
    assert float(row["exact_share_pct"]) < 10.0, row
    assert (tmp_path / "exact_share.md").exists()

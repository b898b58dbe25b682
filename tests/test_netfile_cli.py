"""Network files: round trip, one clear error line per kind of bad input, and the CLI."""

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from mip_regions.cli import main
from mip_regions.nets.constructions import ternary
from mip_regions.io.netfile import dumps_network, network_from_dict, read_network

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"format": "mip-regions/network", "version": 1, "name": "issue example",
        "input_dim": 1, "domain": {"lower": [0], "upper": [1]},
        "layers": [{"activation": "identity", "weights": [[1], [1]], "bias": [0, 1]},
                   {"activation": "relu", "weights": [[1, -1]], "bias": ["1/2"]},
                   {"activation": "identity", "weights": [[1]], "bias": [0]}]}


def test_example_file_reads_exactly_and_round_trips(tmp_path):
    net = network_from_dict(GOOD)
    assert net.is_exact and net.layers[1].exact_bias == (Fraction(1, 2),)
    assert net.widths == [2, 1, 1] and net.relu_units == [(1, 0)]
    path = tmp_path / "n.json"
    path.write_text(dumps_network(net))
    again = read_network(path)
    assert dumps_network(again) == dumps_network(net)


def test_floats_are_kept_but_not_exact():
    doc = json.loads(json.dumps(GOOD))
    doc["layers"][1]["weights"] = [[0.5, -1]]
    net = network_from_dict(doc)
    assert not net.is_exact and net.layers[1].weights[0, 0] == 0.5


def mutate(fn):
    doc = json.loads(json.dumps(GOOD))
    fn(doc)
    return doc


BAD = {
    "wrong shape": (lambda d: d["layers"][1].update(weights=[[1, -1, 3]]),
                    "layer 1, field 'weights': weights have 3 columns, expected 2"),
    "ragged rows": (lambda d: d["layers"][0].update(weights=[[1], [1, 2]]),
                    "layer 0, field 'weights': row 1 has 2 entries, row 0 has 1"),
    "bias length": (lambda d: d["layers"][0].update(bias=[0]), "layer 0, field 'bias': has 1 entries, expected 2"),
    "non-finite": (lambda d: d["layers"][1].update(bias=[float("inf")]), "layer 1, field 'bias': non-finite number"),
    "unknown activation": (lambda d: d["layers"][1].update(activation="tanh"),
                           "layer 1, field 'activation': unknown activation 'tanh'"),
    "lower >= upper": (lambda d: d.update(domain={"lower": [1], "upper": [1]}),
                       "field 'domain': lower >= upper in coordinate 0"),
    "missing domain": (lambda d: d.pop("domain"), "field 'domain': missing"),
    "output not identity": (lambda d: d["layers"][2].update(activation="relu"),
                            "layer 2, field 'activation': the last layer is the output map"),
    "malformed p/q": (lambda d: d["layers"][1].update(bias=["1/0"]), "layer 1, field 'bias': malformed number '1/0'"),
    "malformed text": (lambda d: d["layers"][1].update(weights=[["one", 1]]),
                       "layer 1, field 'weights[0]': malformed number 'one'"),
    "missing weights": (lambda d: d["layers"][0].pop("weights"), "layer 0, field 'weights': missing"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gives_one_clear_line_and_exit_2(case, tmp_path, capsys):
    fn, expected = BAD[case]
    path = tmp_path / "bad.json"
    doc = mutate(fn)
    # json.dumps writes inf as Infinity, which Python's json reads back as a float
    path.write_text(json.dumps(doc))
    code = main(["count", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"mip-regions: error: {path}: ")
    assert expected in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_invalid_json_and_missing_file(tmp_path, capsys):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    assert main(["count", str(path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["count", str(tmp_path / "nope.json")]) == 2
    assert "cannot read file" in capsys.readouterr().err


def test_cli_count_json_on_a_shipped_model(capsys, tmp_path):
    out = tmp_path / "regions.jsonl"
    assert main(["count", str(ROOT / "models/ternary_n0-1_q-2_L-5_w-8.json"), "--json", "--method", "mip",
                 "--regions-out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["activation_regions"] == 4 and doc["degenerate_patterns"] == 2
    assert doc["complete"] is True and doc["method"] == "mip" and doc["count_is"] == "exact"
    assert doc["domain"] == {"lower": [0], "upper": [1]} and doc["seconds"] > 0
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(lines) == 4 and len({l["pattern"] for l in lines}) == 4
    assert all(0 < l["witness"][0] < 1 and l["margin"] > 0 for l in lines)


def test_console_script_human_report():
    proc = subprocess.run([sys.executable, "-m", "mip_regions.cli", "count",
                           str(ROOT / "models/montufar_n0-1_p-2_L-4.json"), "--method", "mip"],
                          capture_output=True, text=True, check=True)
    assert "activation regions   8   (full-dimensional cells; exact)" in proc.stdout
    assert "degenerate patterns  3" in proc.stdout and "domain               [0, 1]" in proc.stdout


def test_models_are_up_to_date():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts/make_models.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_constructions_file_is_ternary_example():
    net = ternary(1, 2, 5)
    assert net.layers[0].weights[:, 0].tolist() == [1, 1, 1, 1, 0, 0, 0, 0]
    assert net.layers[1].weights.tolist() == [[1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, -1, -1, 0, 0]]


def test_cli_default_method_and_certify(capsys):
    assert main(["count", str(ROOT / "models/ternary_n0-2_q-2_L-5.json"), "--certify", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["method"] == "vertex" and doc["activation_regions"] == 16 and doc["degenerate_patterns"] is None
    assert doc["checks"]["completeness"].startswith("passed")


def test_cli_rejects_options_of_other_methods(capsys):
    path = str(ROOT / "models/ternary_n0-1_q-2_L-3.json")
    assert main(["count", path, "--samples", "10"]) == 2
    assert "--samples and --seed apply to --method sample only" in capsys.readouterr().err
    assert main(["count", path, "--method", "sample", "--certify"]) == 2
    assert main(["count", str(ROOT / "models/ternary_n0-2_q-2_L-3.json"), "--method", "exact1d"]) == 2
    assert "needs a 1-D input" in capsys.readouterr().err

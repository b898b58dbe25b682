"""Outputs, conversions and big numbers never lose or corrupt work (issue 19): output paths checked
before any work, atomic writes, the count printed when only a write failed, convert saying what it
changes and checking what it wrote, the ternarize size guard, huge bounds, and exact1d streaming."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mip_regions import count_regions, network_from_lists
from mip_regions.cli import main
from mip_regions.errors import MipRegionsError
from mip_regions.io.netfile import dumps_network, read_network
from mip_regions.io.outputs import atomic_write, check_output

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "ternary_n0-2_q-2_L-5.json"


def one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mip-regions: error: ") and "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize("option", ["--regions-out", "--graph-out"])
@pytest.mark.parametrize("where", ["missing/dir/out.json", "/proc/x/out.json", "/proc/out.json"])
def test_count_output_paths_are_checked_before_counting(option, where, tmp_path, capsys):
    path = where if where.startswith("/proc") else str(tmp_path / where)
    assert main(["count", str(MODEL), option, path]) == 2
    line = one_error_line(capsys)
    assert option in line and path in line
    assert capsys.readouterr().out == ""          # no count was started


def test_regions_out_on_the_input_file_is_refused_and_the_input_untouched(tmp_path, capsys):
    net = tmp_path / "net.json"
    net.write_text(MODEL.read_text())
    before = net.read_bytes()
    assert main(["count", str(net), "--regions-out", str(net)]) == 2
    assert "is the input file" in one_error_line(capsys)
    assert net.read_bytes() == before


@pytest.mark.parametrize("argv", [
    ["build", "montufar", "--n0", "1", "--p", "2", "--depth", "3", "-o", "{missing}"],
    ["ternarize", str(ROOT / "models/random-int_n0-2_4-4_seed-0.json"), "-o", "{missing}"],
    ["convert", str(MODEL), "{missing}"],
])
def test_output_of_build_ternarize_convert_to_a_missing_directory(argv, tmp_path, capsys):
    missing = str(tmp_path / "nope" / "out.json")
    assert main([a.replace("{missing}", missing) for a in argv]) == 2
    assert "does not exist" in one_error_line(capsys)


def test_a_failed_write_after_the_count_still_prints_the_count(tmp_path, capsys, monkeypatch):
    import mip_regions.cli.count as cli_count

    def broken(*args, **kwargs):
        raise MipRegionsError(f"{tmp_path / 'g.json'}: cannot write (No space left on device)")

    monkeypatch.setattr(cli_count, "atomic_write", broken)
    assert main(["count", str(MODEL), "--graph-out", str(tmp_path / "g.json")]) == 2
    out, err = capsys.readouterr()
    assert "activation regions   16" in out
    assert "No space left" in err and "the count above stands" in err
    assert not (tmp_path / "g.json").exists()


def test_regions_out_failing_mid_run_keeps_the_count_and_leaves_no_half_file(tmp_path, capsys, monkeypatch):
    import mip_regions.io.outputs as outputs

    def full(self, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.AtomicStream, "write", full)
    out = tmp_path / "regions.jsonl"
    assert main(["count", str(MODEL), "--regions-out", str(out)]) == 2
    stdout, err = capsys.readouterr()
    assert "activation regions   16" in stdout
    assert "--regions-out" in err and "No space left on device" in err and "the count above stands" in err
    assert os.listdir(tmp_path) == []


def test_atomic_write_leaves_nothing_behind_on_failure_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as fh:
            fh.write("half")
            raise KeyboardInterrupt
    assert target.read_text() == "old" and sorted(os.listdir(tmp_path)) == ["out.json"]
    with atomic_write(target) as fh:
        fh.write("new")
    assert target.read_text() == "new" and sorted(os.listdir(tmp_path)) == ["out.json"]


def test_check_output_rejects_a_directory(tmp_path):
    with pytest.raises(MipRegionsError, match="is a directory"):
        check_output(tmp_path, "-o")


def test_regions_out_interrupted_by_the_time_limit_is_a_whole_file(tmp_path):
    from mip_regions.nets.random_nets import random_mlp
    out = tmp_path / "regions.jsonl"
    res = count_regions(random_mlp([4, 16, 16], 0), "lp", time_limit=0.05, regions_out=out, keep_regions=False)
    lines = out.read_text().splitlines()
    assert not res.complete and len(lines) == res.activation_regions
    assert all(json.loads(line)["pattern"] for line in lines)
    assert sorted(os.listdir(tmp_path)) == ["regions.jsonl"]


def net_file(tmp_path, layers, lower, upper, name="net.json"):
    path = tmp_path / name
    path.write_text(dumps_network(network_from_lists(layers, lower, upper)))
    return path


def test_convert_picks_float64_when_float32_would_overflow_and_round_trips(tmp_path, capsys):
    pytest.importorskip("onnx")
    src = net_file(tmp_path, [([[1e300], [1.0]], [0.0, -0.5], "relu"), ([[1.0, 1.0]], [0.0], "identity")], [0], [1])
    out = tmp_path / "net.onnx"
    assert main(["convert", str(src), str(out), "--check"]) == 0
    text = capsys.readouterr().out
    assert "float64, every number exact" in text and "the same network, exactly" in text
    assert main(["convert", str(src), str(tmp_path / "x.onnx"), "--dtype", "float32"]) == 2
    assert "too large for float32" in one_error_line(capsys)


def test_convert_refuses_to_round_silently(tmp_path, capsys):
    pytest.importorskip("onnx")
    # 0.1 + 2^-40 is not a float32: float32 merges the two hyperplanes (3 regions -> 2)
    src = net_file(tmp_path, [([[1.0], [1.0]], [-0.1, -(0.1 + 2.0 ** -40)], "relu"),
                              ([[1.0, 1.0]], [0.0], "identity")], [0], [1])
    assert main(["convert", str(src), str(tmp_path / "a.onnx"), "--dtype", "float32"]) == 2
    assert "float32 would round" in one_error_line(capsys)
    assert main(["convert", str(src), str(tmp_path / "b.onnx"), "--dtype", "float32", "--allow-rounding",
                 "--check"]) == 2
    out, err = capsys.readouterr()
    assert "check: activation regions 3 (input), 2 (file)" in out and "rounding changed" in err
    assert main(["convert", str(src), str(tmp_path / "c.onnx"), "--check"]) == 0   # auto: float64
    assert "check: activation regions 3 (input), 3 (file)" in capsys.readouterr().out


@pytest.mark.parametrize("model", sorted(p.name for p in (ROOT / "models").glob("*.json")))
def test_convert_round_trips_the_shipped_models_exactly(model, tmp_path, capsys):
    pytest.importorskip("onnx")
    onnx_path, back = tmp_path / "m.onnx", tmp_path / "back.json"
    assert main(["convert", str(ROOT / "models" / model), str(onnx_path)]) == 0
    assert main(["convert", str(onnx_path), str(back)]) == 0
    assert "the same network, exactly" in capsys.readouterr().out
    a, b = read_network(ROOT / "models" / model), read_network(back)
    assert a.rational_layers() == b.rational_layers() and a.exact_domain() == b.exact_domain()


def test_ternarize_refuses_a_huge_result_before_building_it(tmp_path, capsys):
    src = net_file(tmp_path, [([[10 ** 9]], [0], "relu"), ([[1]], [0], "identity")], [0], [1])
    assert main(["ternarize", str(src), "-o", str(tmp_path / "t.json")]) == 2
    line = one_error_line(capsys)
    assert "1,000,000,002 units" in line and "--max-units" in line
    assert not (tmp_path / "t.json").exists()
    small = net_file(tmp_path, [([[5]], [0], "relu"), ([[1]], [0], "identity")], [0], [1], "small.json")
    assert main(["ternarize", str(small), "-o", str(tmp_path / "t.json"), "--max-units", "3"]) == 2
    assert main(["ternarize", str(small), "-o", str(tmp_path / "t.json")]) == 0


def test_bounds_of_an_mnist_size_mlp_print_without_crashing(capsys):
    widths = ",".join(["1024"] * 16)
    assert main(["bounds", "--n0", "784", "--widths", widths]) == 0
    out = capsys.readouterr().out
    assert "(4,928 digits)" in out and "e+4927" in out
    assert main(["bounds", "--n0", "784", "--widths", widths, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    serra = next(r for r in doc["bounds"] if r["name"].startswith("Serra et al. 2018, Thm 1"))
    assert serra["digits"] == 4928 and len(serra["value"]) == 4928 and serra["value"].isdigit()
    assert main(["bounds", "--n0", "784", "--widths", "1024,1024", "--exact"]) == 0
    assert "digits)" not in capsys.readouterr().out


def test_exact1d_keeps_nothing_per_region_with_no_linear():
    from mip_regions.nets.constructions import montufar
    res = count_regions(montufar(1, 2, 12), "exact1d", keep_regions=False)
    assert res.activation_regions == 2 ** 11 and res.regions is None

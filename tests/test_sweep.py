"""Issue 16, ``sweep``: a builder grid and a file list into one CSV, counts equal to the
closed forms, resumed reruns, and the same rows from 2 Dask workers."""

from __future__ import annotations

import csv

import pytest

from mip_regions.cli import main
from mip_regions.workflows.sweep import COLUMNS, grid_specs, sweep_row


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_grid_counts_are_the_closed_forms_and_rerun_resumes(tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert main(["sweep", "ternary", "--n0", "1,2", "--q", "2,3", "--depth", "3,4,5", "-o", str(out)]) == 0
    got = rows(out)
    assert len(got) == 8        # L = 4 skipped (the construction needs odd depth)
    for r in got:
        spec = dict(kv.split("=") for kv in r["id"].split()[1:])
        n0, q, L = int(spec["n0"]), int(spec["q"]), int(spec["L"])
        assert int(r["activation_regions"]) == q ** (n0 * (L - 1) // 2) == int(r["linear_regions"])
        assert r["count_is"] == "exact" and r["certified"] == "not asked"
        assert int(r["best_lower_bound"]) <= int(r["activation_regions"]) <= int(r["best_upper_bound"])
    # a stopped sweep: keep 3 rows, run again: only the 5 others are counted
    with open(out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(got[:3])
    capsys.readouterr()
    assert main(["sweep", "ternary", "--n0", "1,2", "--q", "2,3", "--depth", "3,5", "-o", str(out)]) == 0
    assert "3 already in" in capsys.readouterr().err
    again = rows(out)
    assert len(again) == 8 and sorted(r["id"] for r in again) == sorted(r["id"] for r in got)


def test_files_with_certificates_and_a_bad_file(tmp_path, models_path):
    models = models_path
    out = tmp_path / "f.csv"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    files = [str(models / "montufar_n0-2_p-2_L-3.json"), str(models / "maxout-sawtooth_p-2_L-3.json"), str(bad)]
    assert main(["sweep", *files, "-o", str(out), "--certify"]) == 2     # one row has an error
    got = {r["id"]: r for r in rows(out)}
    assert got[files[0]]["activation_regions"] == "16" and got[files[0]]["certified"] == "yes"
    assert got[files[1]]["activation_regions"] == "8" and got[files[1]]["certified"] == "yes"
    assert got[str(bad)]["error"] and got[str(bad)]["activation_regions"] == ""


def test_two_workers_give_the_same_rows(tmp_path):
    pytest.importorskip("distributed")
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    args = ["sweep", "montufar", "--n0", "1,2", "--p", "2,3", "--depth", "2,3", "-o"]
    assert main(args + [str(a)]) == 0
    assert main(args + [str(b), "--workers", "2"]) == 0
    strip = lambda rs: sorted(tuple(v for k, v in r.items() if k != "seconds") for r in rs)   # noqa: E731
    assert strip(rows(a)) == strip(rows(b))
    assert len(rows(a)) == 8


def test_errors_name_the_problem(tmp_path, capsys):
    out = str(tmp_path / "e.csv")
    assert main(["sweep", "ternary", "--n0", "1", "--depth", "3", "-o", out]) == 2
    assert "--q" in capsys.readouterr().err
    assert main(["sweep", "montufar", "--n0", "1,x", "--p", "2", "--depth", "3", "-o", out]) == 2
    assert "--n0" in capsys.readouterr().err
    assert main(["sweep", "nosuchfile.json", "-o", out]) == 2
    assert "no such file" in capsys.readouterr().err


def test_time_limit_gives_a_lower_bound_row():
    spec = grid_specs("montufar", [2], [3], [6])[0]      # 3^10 regions: not in 0.2 s
    row = sweep_row(spec, time_limit=0.2)
    assert row["count_is"] == "lower bound" and row["stop_reason"] == "time limit reached"
    assert 0 < row["activation_regions"] < 3 ** 10


def test_sweep_refuses_stdout_and_streams(tmp_path, capsys, monkeypatch):
    """`-o -` used to create a file named '-'; a FIFO would block the resume check."""
    import os
    from mip_regions.cli import main
    monkeypatch.chdir(tmp_path)
    for target in ("-", str(tmp_path / "fifo")):
        if target != "-":
            os.mkfifo(target)
        assert main(["sweep", "montufar", "--n0", "1", "--p", "2", "--depth", "2", "-o", target]) == 2
        assert "a sweep appends to a CSV file" in capsys.readouterr().err
    assert not os.path.exists("-")

"""Issue 31: the compiled kernels honour the time limit and Ctrl-C and keep what they found;
outputs follow symlinks, stream into FIFOs, pipes and standard output, report a full device, and
take the umask's mode; NaN data rows, --workers above the cores, and hand-written JSON nets
(no format/version, a byte-order mark) get clear answers."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from mip_regions import count_regions, network_from_lists
from mip_regions.cli import main
from mip_regions.engines.shared import compiled
from mip_regions.engines.vertex import kernel as vertex_kernel
from mip_regions.engines.vertex.polytope import box
from mip_regions.io.netfile import read_network, write_network
from mip_regions.parallel.dask_count import local_workers

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "montufar_n0-2_p-2_L-2.json"
MODEL_REGIONS = 4      # Montufar n0=2 p=2 L=2 (2-4-1) on [0, 1]^2, as the MIP reference engine counts it
KERNELS = ["numba", "numpy"] if compiled.available() else ["numpy"]


def wide_net(n: int = 3000):
    """A 2-D net with one layer of n ReLUs in general position: about n^2 / 2 regions, a minute's
    work for the compiled kernel, so any limit or Ctrl-C meets it mid-layer."""
    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((n, 2)), rng.standard_normal(n) * 0.5
    return network_from_lists([(W.tolist(), b.tolist(), "relu"), (np.ones((1, n)).tolist(), [0.0], "identity")],
                              [-1, -1], [1, 1])


@pytest.fixture(scope="module")
def wide_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("wide") / "wide3000.json"
    write_network(wide_net(), path)
    count_regions(read_network(MODEL), "vertex")     # the kernels compiled (and cached) before timing
    return path


@pytest.mark.parametrize("kernel", KERNELS)
def test_time_limit_stops_a_wide_layer(kernel):
    """A limit of 0.5 s on a 3,000-unit layer (about 4.5 million regions): a labelled lower bound,
    positive, well before the minute the whole layer takes (it took 58 s before the kernel read
    its stop flag)."""
    t0 = time.perf_counter()
    res = count_regions(wide_net(), "vertex", time_limit=0.5, kernel=kernel, keep_regions=False)
    wall = time.perf_counter() - t0
    assert not res.complete and res.stop_reason == "time limit reached"
    assert res.activation_regions > 0
    assert wall < 10


@pytest.mark.skipif(not compiled.available(), reason="numba not installed")
def test_kernel_returns_stopped_with_its_leaves():
    """A raised stop flag: the kernel returns STOPPED at once, before its first node; a lowered
    one: the same call finishes (the unit square cut by x = 1/2 and y = 1/2, four leaves)."""
    P = box(np.zeros(2), np.ones(2), 4)
    R, Q = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([-0.5, -0.5])
    args = (P.V, P.T, P.tight, R, Q, np.full(2, 1e-9), np.arange(2), 4, True, np.zeros((0, 2)), np.zeros(0),
            np.zeros(2), np.ones(2), 100, np.zeros(0, dtype=np.int64))
    out = vertex_kernel.layer_subtree(*args, np.ones(1, dtype=np.int64))
    assert out[0] == vertex_kernel.STOPPED and out[1] == 0
    out = vertex_kernel.layer_subtree(*args, np.zeros(1, dtype=np.int64))
    assert out[0] == vertex_kernel.OK and out[1] == 4


@pytest.mark.parametrize("kernel", KERNELS)
def test_sigint_keeps_the_regions_found(wide_file, kernel):
    """SIGINT to a running `count`: it answers within seconds with exit 4 and a positive lower
    bound labelled as interrupted (before, the kernel finished its layer first, and the regions
    were lost: "at least 0")."""
    proc = subprocess.Popen([sys.executable, "-m", "mip_regions.cli", "count", str(wide_file), "--no-linear",
                             "--json", "--kernel", kernel], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(4)
    assert proc.poll() is None, "the count ended before the signal"
    proc.send_signal(signal.SIGINT)
    t0 = time.perf_counter()
    out, err = proc.communicate(timeout=30)
    answered = time.perf_counter() - t0
    assert proc.returncode == 4, err
    doc = json.loads(out)
    assert doc["complete"] is False and doc["stop_reason"] == "interrupted (Ctrl-C)"
    assert doc["activation_regions"] > 0
    assert answered < 10


def _count(args, capsys):
    code = main(["count", str(MODEL), "--no-linear", *args])
    return code, capsys.readouterr()


def test_outputs_through_links_fifos_and_stdout(tmp_path, capsys):
    """--regions-out to a plain file, through a symlink (its target written, the link kept), into
    a FIFO and to '-': the same bytes every time."""
    plain = tmp_path / "plain.jsonl"
    assert _count(["--regions-out", str(plain)], capsys)[0] == 0
    expected = plain.read_bytes()
    assert expected.count(b"\n") == MODEL_REGIONS

    target, link = tmp_path / "target.jsonl", tmp_path / "link.jsonl"
    target.write_text("old\n")
    link.symlink_to(target.name)
    assert _count(["--regions-out", str(link)], capsys)[0] == 0
    assert link.is_symlink() and target.read_bytes() == expected

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert _count(["--regions-out", str(fifo)], capsys)[0] == 0
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got == [expected]

    code, out = _count(["--regions-out", "-"], capsys)
    assert code == 0 and out.out.encode() == expected
    assert f"activation regions   {MODEL_REGIONS}" in out.err        # the report moved to standard error


def test_process_substitution(tmp_path):
    """bash's >(...) is a /dev/fd/N pipe: streamed, not refused."""
    out = tmp_path / "ps.jsonl"
    cmd = f"{sys.executable} -m mip_regions.cli count {MODEL} --no-linear --regions-out >(cat > {out})"
    subprocess.run(["bash", "-c", cmd], check=True, capture_output=True, timeout=120)
    for _ in range(50):
        if out.exists() and out.read_bytes().count(b"\n") == MODEL_REGIONS:
            break
        time.sleep(0.1)
    assert out.read_bytes().count(b"\n") == MODEL_REGIONS


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_full_device_is_an_error(capsys):
    code, out = _count(["--regions-out", "/dev/full"], capsys)
    assert code == 2 and "No space left on device" in out.err
    assert f"activation regions   {MODEL_REGIONS}" in out.out                    # the count stands
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)               # the device node is left alone


def test_modes_follow_the_umask(tmp_path, capsys):
    new, old = tmp_path / "new.jsonl", tmp_path / "old.jsonl"
    old.write_text("x\n")
    os.chmod(old, 0o600)
    mask = os.umask(0o027)
    try:
        assert _count(["--regions-out", str(new)], capsys)[0] == 0
        assert _count(["--regions-out", str(old)], capsys)[0] == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(old).st_mode) == 0o600
    assert old.read_bytes() == new.read_bytes()


def test_nan_rows_are_named(tmp_path, capsys):
    X = np.array([[0.1, 0.2], [0.5, np.nan], [0.9, 0.9]])
    f = tmp_path / "rows.npy"
    np.save(f, X)
    code = main(["count", str(MODEL), "--line-from-data", str(f)])
    err = capsys.readouterr().err
    assert code == 2 and "row 1" in err and "nan" in err and "Traceback" not in err
    np.save(f, np.array([0.1, np.inf]))
    code = main(["count", str(MODEL), "--line", str(f), "0.9,0.9"])
    err = capsys.readouterr().err
    assert code == 2 and "coordinate 1 is inf" in err


def test_workers_are_cut_to_the_cores():
    cores = os.cpu_count() or 1
    assert local_workers(1) == (1, None)
    assert local_workers(cores) == (cores, None)
    n, note = local_workers(1000)
    assert n == cores and "1000" in note and f"{cores} cores" in note


def test_hand_written_json_net(tmp_path):
    """No "format", no "version", and a UTF-8 byte-order mark: read, and counted the same."""
    doc = json.loads(MODEL.read_text())
    doc.pop("format")
    doc.pop("version")
    f = tmp_path / "hand.json"
    f.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc).encode())
    assert count_regions(read_network(f), "vertex").activation_regions == MODEL_REGIONS
    doc["version"] = 2
    f.write_text(json.dumps(doc))
    with pytest.raises(Exception, match="unsupported version 2"):
        read_network(f)

"""Issue 16, parallel counts: the search cut into routed subtrees (engines/shared/routes.py) gives the
serial result region for region, in-process (every cut, down to one node per task) and on Dask
(a LocalCluster, a real `dask scheduler` with two `dask worker` processes, a killed worker)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from mip_regions.counting import count_regions
from mip_regions.nets.constructions import montufar, ternary
from mip_regions.nets.maxout_nets import random_maxout
from mip_regions.nets.random_nets import random_mlp, random_ternary_mlp
from mip_regions.parallel.merge import merge_regions
from mip_regions.parallel.tasks import run_route

from oracle import ROWS
from polygon_oracle import counts as oracle_counts

NETS = {
    "random 2-8-8": lambda: random_mlp([2, 8, 8], 1),
    "random 3-8-8-8": lambda: random_mlp([3, 8, 8, 8], 2),
    "ternary 2-6-6": lambda: random_ternary_mlp([2, 6, 6], 3),
    "montufar 2,3,3": lambda: montufar(2, 3, 3),
    "ternary construction n0=2 q=2 L=3": lambda: ternary(2, 2, 3),
    "maxout 2-5-5 rank 3": lambda: random_maxout([2, 5, 5], 3, 4),
    "oracle row 52": ROWS[52][0],
    "oracle row 54": ROWS[54][0],
}


def serial(net, method):
    return count_regions(net, method, linear=True)


def run_split(net, method, *, split_depth=None, split_after=None):
    """All tasks of a cut run one after the other in this process: the first pass to
    ``split_depth``, then every handed-out route, each handing out again after ``split_after``."""
    results = [run_route(net, method, {}, (), split_depth=split_depth)]
    todo = list(results[0].handed)
    while todo:
        r = run_route(net, method, {}, todo.pop(), split_after=split_after)
        results.append(r)
        todo.extend(r.handed)
    return results


def same_regions(a, b, witnesses=True):
    assert len(a) == len(b)
    n = len(a)
    assert np.array_equal(a.bits_block(0, n), b.bits_block(0, n)), "patterns differ (or their order)"
    if witnesses:
        assert np.array_equal(np.array([r.witness for r in a]), np.array([r.witness for r in b]))


@pytest.mark.parametrize("name", list(NETS))
@pytest.mark.parametrize("method", ["vertex", "lp"])
def test_every_cut_gives_the_serial_regions_in_serial_order(name, method):
    """Cuts at depth 1, 3 and 6, and the extreme one: every task hands out every branch below its
    route at once (split_after=0), so each task explores a single node."""
    net = NETS[name]()
    ref = serial(net, method)
    if net.input_dim <= 2:
        assert ref.activation_regions == oracle_counts(net)[0]    # the serial count itself is right
    for depth, after in ((1, None), (3, None), (6, None), (2, 0.0)):
        results = run_split(net, method, split_depth=depth, split_after=after)
        assert all(r.complete for r in results)
        assert sum(r.count for r in results) == ref.activation_regions
        merged = merge_regions(net.num_relu, net.input_dim, results)
        # vertex: the same polytopes, so the same witnesses; lp: the LP bases differ per task
        same_regions(ref.regions, merged, witnesses=(method == "vertex"))
        if after == 0.0 and name.startswith("random"):   # (some others are decided on the exact path)
            assert len(results) > 3


def test_a_route_that_ends_early_finds_nothing_and_hands_nothing():
    """A route below a leaf (a net with one region): the leaf belongs to the run with the shorter
    route, so this run reports nothing."""
    net = random_mlp([2, 1], 0)
    net_one = count_regions(net, "vertex")
    r = run_route(net, "vertex", {}, (5,))
    assert net_one.activation_regions >= 1 and r.count == 0 and r.handed == []


def test_run_route_refuses_a_serial_method():
    with pytest.raises(ValueError, match="does not run in parallel"):
        run_route(montufar(1, 2, 2), "exact1d", {}, ())


distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    import dask
    from distributed import Client, LocalCluster
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.mark.parametrize("name", ["random 3-8-8-8", "ternary 2-6-6", "maxout 2-5-5 rank 3", "oracle row 54"])
@pytest.mark.parametrize("method", ["vertex", "lp"])
def test_local_cluster_gives_the_serial_result(client, name, method):
    from mip_regions.parallel.dask_count import count_parallel
    net = NETS[name]()
    ref = serial(net, method)
    res = count_parallel(net, method, client=client, split_after=0.01)
    assert res.complete and res.activation_regions == ref.activation_regions
    same_regions(ref.regions, res.regions, witnesses=(method == "vertex"))
    from mip_regions.analysis.linear_regions import analyse
    analyse(net, res, "touch")
    assert (res.linear_regions, res.affine_maps) == (ref.linear_regions, ref.affine_maps)


def test_count_regions_with_workers_starts_a_cluster_and_analyses_after_the_merge():
    net = random_mlp([3, 8, 8, 8], 2)
    ref = serial(net, "vertex")
    res = count_regions(net, "vertex", workers=2, linear=True, connectivity="facet")
    ref_f = count_regions(net, "vertex", linear=True, connectivity="facet")
    assert res.activation_regions == ref.activation_regions
    assert (res.linear_regions, res.affine_maps) == (ref_f.linear_regions, ref_f.affine_maps)
    assert "on Dask (2 local worker processes)" in res.method_detail
    assert res.stats["workers"] == 2
    # a job of a fraction of a second: the report says that the workers could not pay off
    assert res.stats["startup_s"] > 0 and res.stats["task_seconds"] < res.seconds
    assert any("too small to gain from the workers" in n for n in res.notes)


def test_small_job_note_rules():
    from mip_regions.counting import small_job_note
    from mip_regions.result import CountResult
    from mip_regions.nets.network import Box
    box = Box.from_numbers([0], [1])

    def res(seconds, **stats):
        return CountResult("n", "vertex", box, 10, True, seconds, stats=stats)
    assert small_job_note(res(100.0, startup_s=2.0, task_seconds=190.0, tasks=40)) is None   # a 1.9x gain
    assert "too small" in small_job_note(res(3.0, startup_s=0.8, task_seconds=2.0, tasks=10))
    assert "did the whole search" in small_job_note(res(1.0, startup_s=0.8, task_seconds=0.1, tasks=0))


def test_a_killed_worker_does_not_change_the_count(client):
    """SIGKILL one worker process while tasks run: Dask reruns its tasks on the other (the nanny
    restarts it), and the count and regions are the serial ones."""
    from mip_regions.parallel.dask_count import count_parallel
    net = random_mlp([4, 12, 12, 12], 5)
    # the uncompiled search (kernel numpy): the compiled one ends before a worker can be killed
    ref = count_regions(net, "vertex", kernel="numpy")
    pids = client.run(os.getpid)
    done = {}

    def work():
        done["res"] = count_parallel(net, "vertex", client=client, split_after=0.02, kernel="numpy")

    t = threading.Thread(target=work)
    t.start()
    time.sleep(max(0.5, ref.seconds / 3))
    assert t.is_alive(), "the run ended before the worker could be killed: take a larger net"
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    t.join(300)
    assert not t.is_alive()
    res = done["res"]
    assert res.complete and res.activation_regions == ref.activation_regions
    same_regions(ref.regions, res.regions)
    client.wait_for_workers(2, timeout=60)


@pytest.fixture()
def real_cluster(tmp_path):
    """`dask scheduler` and two `dask worker` processes, as a user starts them."""
    dask_cli = shutil.which("dask") or os.path.join(os.path.dirname(sys.executable), "dask")
    if not os.path.exists(dask_cli):
        pytest.skip("the dask command is not installed")
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
    procs = [subprocess.Popen([dask_cli, "scheduler", "--port", "0", "--dashboard-address", ":0",
                               "--scheduler-file", str(sched_file)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(300):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        import json
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen([dask_cli, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                           "--no-dashboard"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client
        with Client(address, timeout=30) as c:
            c.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_a_real_scheduler_with_two_workers_gives_the_serial_result(real_cluster, tmp_path):
    net = random_mlp([3, 8, 8, 8], 2)
    ref = serial(net, "vertex")
    res = count_regions(net, "vertex", scheduler=real_cluster, linear=True)
    assert res.activation_regions == ref.activation_regions
    assert (res.linear_regions, res.affine_maps) == (ref.linear_regions, ref.affine_maps)
    same_regions(ref.regions, res.regions)
    assert real_cluster in res.method_detail
    # and through the command line, with the address in the environment
    from mip_regions.io.netfile import write_network
    path = tmp_path / "net.json"
    write_network(net, path)
    out = subprocess.run([sys.executable, "-m", "mip_regions.cli", "count", str(path), "--method", "vertex", "--json"],
                         env={**os.environ, "DASK_SCHEDULER_ADDRESS": real_cluster},
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    import json
    doc = json.loads(out.stdout)
    assert doc["activation_regions"] == ref.activation_regions
    assert doc["stats"]["scheduler"] == real_cluster


def test_a_time_limit_gives_a_labelled_lower_bound(client):
    from mip_regions.parallel.dask_count import count_parallel
    net = random_mlp([5, 16, 16, 16], 0)          # 263,354 regions: about 30 s serially
    res = count_parallel(net, "vertex", client=client, time_limit=1.5, split_after=0.2)
    assert not res.complete and res.stop_reason == "time limit reached"
    assert 0 < res.activation_regions < 263_354
    assert res.count_text.startswith("at least")
    assert len(res.regions) == res.activation_regions


def one_d_nets():
    from mip_regions.nets.network import network_from_lists
    touch = network_from_lists([([[1], [-1]], ["-1/2", "1/2"], "relu"),     # breakpoints at the cut
                                ([[1, 1], [1, 0]], [0, "-1/10"], "relu"),   # point 1/2, where the
                                ([[1, -1]], [0], "identity")], [0], [1],    # unit |x - 1/2| touches 0
                               name="touch at a cut")
    return {"montufar 1,3,4": montufar(1, 3, 4), "random 1-6-6-6": random_mlp([1, 6, 6, 6], 3),
            "ternary 1-8-8": random_ternary_mlp([1, 8, 8], 2), "touch at a cut": touch}


@pytest.mark.parametrize("name", list(one_d_nets()))
def test_exact1d_on_interval_parts_gives_the_serial_regions(client, name):
    """20 parts of the interval joined at the cuts: cuts inside a piece (joined: every net here
    has pieces longer than 1/20) and cuts on a breakpoint (montufar's and the touching unit's at
    1/2: not joined) give the serial regions, in order, each witness inside its region."""
    from mip_regions.parallel.dask_count import count_parallel
    net = one_d_nets()[name]
    ref = serial(net, "exact1d")
    res = count_parallel(net, "exact1d", client=client)
    assert res.complete and res.activation_regions == ref.activation_regions
    same_regions(ref.regions, res.regions, witnesses=False)
    for r in res.regions:     # the witness (a cut point where two parts joined) has the region's pattern
        from mip_regions.analysis.certify import check_witness
        x = r.exact_witness[0] if r.exact_witness is not None else float(r.witness[0])
        assert check_witness(net, r.bits, [x]) is None
    from mip_regions.analysis.linear_regions import analyse
    analyse(net, res, "touch")
    assert (res.linear_regions, res.affine_maps) == (ref.linear_regions, ref.affine_maps)
    assert res.stats["tasks"] == 20


def test_join_at_cut_points():
    from mip_regions.parallel.intervals import join
    from fractions import Fraction as F
    a, b = np.array([True, False]), np.array([False, True])
    parts = [[(a, 0.1, 0.1, None), (b, 0.4, 0.05, None)], [(b, 0.6, 0.05, None), (a, 0.9, 0.1, None)]]
    cuts = [F(0), F(1, 2), F(1)]
    assert [(w, ex) for _, w, _, ex in join(parts, cuts)] == [(0.1, None), (0.5, None), (0.9, None)]
    thirds = [F(0), F(1, 3), F(1)]     # a cut that is no float: the exact cut point is the witness
    assert [ex for *_, ex in join(parts, thirds)] == [None, F(1, 3), None]
    assert len(join(parts, cuts, [False, True])) == 4     # a stopped part reaches no cut

"""The Dask backend: a paper's result on a real distributed.LocalCluster equals the local run, byte for byte."""

import json
import os

import numpy as np
import pytest

from replication import parallel
from replication.audit import run_paper
from replication.data.verify import dataset_problems
from replication.paths import BUILD, DEFAULT_MIRROR
from replication.settings import time_limit_setting

from conftest import OVERRIDES

distributed = pytest.importorskip("distributed")


def _square(x, y):
    return x * x + y


def _result_text(path):
    """The result file's content without the commit it was made at (a test may run on a tree edited since `make`)."""
    data = json.loads(path.read_text())
    data["made"].pop("code")
    return json.dumps(data, sort_keys=True)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c
        for client in parallel._clients.values():  # the clients run_tasks opened, before the cluster goes
            client.close()
        parallel._clients.clear()


def test_tasks_keep_their_order_on_the_cluster(cluster, monkeypatch):
    monkeypatch.setenv(parallel.DASK_ENV, cluster.scheduler_address)
    args = [(i, 10 * i) for i in range(17)]
    assert parallel.run_tasks(_square, args, n_jobs=1) == [_square(*a) for a in args]


def test_without_the_variable_nothing_of_dask_is_imported(monkeypatch):
    monkeypatch.delenv(parallel.DASK_ENV, raising=False)
    code = ("import sys; from replication.parallel import run_tasks; "
            "run_tasks(pow, [(2, 3), (3, 2)], n_jobs=1); "
            "import replication.audit; assert not any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules)")
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], check=True, env={k: v for k, v in os.environ.items()
                                                                   if k != parallel.DASK_ENV})


@pytest.mark.replication
@pytest.mark.skipif(not DEFAULT_MIRROR.is_dir(), reason="needs the data mirror")
def test_paper_result_identical_on_the_cluster(cluster, made, tmp_path, monkeypatch):
    """Every workload runs as in `make` (bootstrap chunks, the multiverse, the coverage study, the paper-level
    reruns) on the cluster; the local run it must equal is the one `make` made, in its own worker processes."""
    local = made("hoffmann2022training")
    for var in OVERRIDES:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(parallel.DASK_ENV, cluster.scheduler_address)
    remote = run_paper("hoffmann2022training", build=tmp_path / "dask", n_jobs=1, time_limit=time_limit_setting(None),
                       data_problems=dataset_problems(BUILD))
    assert local["status"] == remote["status"] == "ok"
    assert _result_text(BUILD / "hoffmann2022training" / "result.json") == \
        _result_text(tmp_path / "dask" / "hoffmann2022training" / "result.json")
    assert np.isfinite(remote["quantities"]["alpha"]["value"])
    specs = {row["spec"] for row in remote["sensitivity"]["rows"]}
    assert remote["coverage"] and len(specs) > 5 and any(row["fit"] == "script" for row in remote["sensitivity"]["rows"])

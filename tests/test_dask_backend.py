"""The Dask backend: papers' results on a real distributed.LocalCluster equal the local run, byte for byte, and
every kind of parallel work reaches the cluster."""

import json
import os
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from replication import parallel
from replication.audit import run_paper
from replication.data.verify import dataset_problems
from replication.fitting import fit_multistart, squared, start_grid
from replication.fitting.groups import GROUP_BATCH, fit_groups
from replication.laws import get_law
from replication.paths import BUILD, DEFAULT_MIRROR
from replication.settings import time_limit_setting
from replication.uncertainty import bootstrap_fit

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


class _Spy:
    """A client that notes the name of every function it is given, so the test knows which workloads it ran."""

    def __init__(self, client, seen: Counter):
        self.client, self.seen = client, seen

    def submit(self, func, *args, **kwargs):
        self.seen[func.__name__] += 1
        return self.client.submit(func, *args, **kwargs)


@pytest.fixture
def spied(cluster, monkeypatch) -> Counter:
    """Work goes to the cluster; the Counter holds how many tasks of each function it was given."""
    seen: Counter = Counter()
    connect = parallel._client
    monkeypatch.setattr(parallel, "_client", lambda address: _Spy(connect(address), seen))
    monkeypatch.setenv(parallel.DASK_ENV, cluster.scheduler_address)
    return seen


# the papers of the test and the workloads they send to the cluster: the IsoFLOP multiverse (Kaplan), the
# paper-level reruns (Yao), bootstrap chunks and the coverage study (Liu); the fit-level multiverse, which no cheap
# paper runs (none has a claim on a main law fit), is run on synthetic data below
PAPERS = ("kaplan2020scaling", "yao2023research", "liu2025superposition")
WORKLOADS = {"_isoflop_task", "variant_rerun", "_refit_chunk", "_one"}


@pytest.mark.replication
@pytest.mark.skipif(not DEFAULT_MIRROR.is_dir(), reason="needs the data mirror")
def test_paper_results_identical_on_the_cluster(made, spied, tmp_path, monkeypatch):
    """Each paper runs as in `make` (same counts, same settings) with its work on the cluster; the local run it
    must equal, byte for byte, is the one `make` made in its own worker processes."""
    local = {key: made(key) for key in PAPERS}
    for var in set(OVERRIDES) - {parallel.DASK_ENV}:
        monkeypatch.delenv(var, raising=False)
    for key in PAPERS:
        remote = run_paper(key, build=tmp_path, n_jobs=1, time_limit=time_limit_setting(None),
                           data_problems=dataset_problems(BUILD))
        assert local[key]["status"] == remote["status"] == "ok", remote.get("error")
        assert _result_text(BUILD / key / "result.json") == _result_text(tmp_path / key / "result.json"), key
    assert WORKLOADS <= set(spied), spied


def test_grouped_fits_and_safeguard_refits_identical_on_the_cluster(spied, monkeypatch):
    """The two workloads no cheap paper sends to the cluster, on synthetic data: fits per group, and the
    safeguard's grid refits (every resample made suspect, so there are several batches of them)."""
    rng = np.random.default_rng(3)
    n_groups = 2 * GROUP_BATCH + 1  # three batches of groups
    x = np.exp(rng.uniform(0, np.log(1e4), 20 * n_groups))
    frame = pd.DataFrame({"g": np.repeat([f"g{i:03d}" for i in range(n_groups)], 20), "x": x,
                          "held": np.tile(np.arange(20) >= 16, n_groups),
                          "y": 2.0 * x**-np.repeat(rng.uniform(0.2, 0.4, n_groups), 20) * np.exp(rng.normal(0, 0.05, x.size))})
    law = get_law("power_law")
    starts = start_grid(law.params, {"a": [0.0, 2.0], "alpha": [0.0, 1.0]})
    X, y = {"x": frame["x"].to_numpy()[:60]}, frame["y"].to_numpy()[:60]
    point = fit_multistart(law, squared("log"), X, y, starts)

    def both():
        groups = fit_groups(frame, ["g"], law, squared("log"), starts, inputs={"x": "x"}, target="y", held_out="held")
        boot = bootstrap_fit(law, squared("log"), X, y, point, starts, n_boot=40, seed=9, outlier_sd=0.0)
        return groups, boot

    remote_groups, remote_boot = both()
    assert spied["_fit_batch"] == 3 and spied["_grid_refits"] >= 2, spied
    monkeypatch.delenv(parallel.DASK_ENV)
    local_groups, local_boot = both()
    pd.testing.assert_frame_equal(remote_groups, local_groups, check_exact=True)
    assert remote_boot.n_grid_refits == local_boot.n_grid_refits == 40
    for field in ("theta", "fun", "converged"):
        np.testing.assert_array_equal(getattr(remote_boot, field), getattr(local_boot, field))


def test_the_fit_level_multiverse_is_identical_on_the_cluster(spied, monkeypatch):
    """A synthetic main fit with a claim on its exponent: every specification refitted on the cluster gives the rows
    the local run gives."""
    from replication.checks.claims import evaluate_claims
    from replication.metadata.paper import Paper
    from replication.robustness import multiverse as mv

    rng = np.random.default_rng(5)
    x = np.repeat(np.geomspace(1.0, 1e3, 8), 4)
    y = 3.0 * x**-0.3 * np.exp(rng.normal(0, 0.02, x.size))
    starts, objective = {"a": [0.0, 2.0], "alpha": [0.1, 0.5]}, {"name": "squared", "space": "log"}
    paper = Paper.model_validate({
        "key": "synthetic2024", "title": "Synthetic", "authors": ["Nobody"], "year": 2024, "status": "replicated",
        "law": {"name": "power_law", "statement": "y = A x^-alpha"},
        "protocol": {"as_reported": "least squares on log y", "objective": objective, "starts": starts,
                     "bootstrap": {"n": 20, "seed": 2}},
        "claims": [{"id": "alpha", "statement": "alpha is 0.3", "source": "synthetic", "provenance": "paper",
                    "quantity": "alpha", "value": 0.3, "rule": "relative", "tolerance": 0.05,
                    "tolerance_reason": "a synthetic claim"}]})
    law, X = get_law("power_law"), {"x": x}
    point = fit_multistart(law, squared("log"), X, y, start_grid(law.params, starts))
    boot = bootstrap_fit(law, squared("log"), X, y, point, start_grid(law.params, starts), n_boot=20, seed=2).theta
    qs, _, _ = mv.fit_quantities(law, point.theta, boot, {}, "")
    quantities = {k: mv.Quantity(v, s) for k, (v, s) in qs.items()}
    recipe = mv.FitRecipe("main", "power_law", {"x": "x"}, "y", objective, starts, {"n": 20, "seed": 2},
                          pd.DataFrame({"x": x, "y": y}), X, y, np.asarray(point.theta))

    def run():
        return mv.run_multiverse(paper, {"main": recipe}, quantities, [], evaluate_claims(paper, quantities, []),
                                 n_jobs=2, protocol_raw={})

    remote = run()
    assert spied["spec_task"] >= 5, spied
    monkeypatch.delenv(parallel.DASK_ENV)
    local = run()
    pd.testing.assert_frame_equal(pd.DataFrame(remote["rows"]), pd.DataFrame(local["rows"]), check_exact=True)
    assert remote["robustness"] == local["robustness"]

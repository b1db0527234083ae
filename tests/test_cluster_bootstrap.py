"""Cluster bootstrap: whole clusters drawn, point draws unchanged, the unit named, and a known-answer SE."""

import numpy as np
import pandas as pd
import pytest

from replication.audit import Audit
from replication.checks.wins import resample_tasks
from replication.errors import DataError
from replication.metadata.paper import Paper
from replication.uncertainty.resample import chunk_sizes, group_codes, resample_weights
from replication.uncertainty.units import bootstrap_groups


def reference_point_weights(n_points, size, seed, chunk_index, n_chunks):
    """The point bootstrap as it was before clusters existed (a literal copy of the earlier draws)."""
    child = np.random.SeedSequence(seed).spawn(n_chunks)[chunk_index]
    rng = np.random.default_rng(child)
    draws = rng.integers(0, n_points, size=(size, n_points))
    counts = np.zeros((size, n_points))
    np.add.at(counts, (np.arange(size)[:, None], draws), 1.0)
    return counts


@pytest.mark.parametrize("n_boot, n_points, seed", [(1200, 37, 5), (17, 240, 20240416)])
def test_point_draws_are_byte_identical_to_before(n_boot, n_points, seed):
    sizes = chunk_sizes(n_boot)
    for i, s in enumerate(sizes):
        new = resample_weights(n_points, s, seed, i, len(sizes))
        old = reference_point_weights(n_points, s, seed, i, len(sizes))
        assert new.tobytes() == old.tobytes()
        assert resample_weights(n_points, s, seed, i, len(sizes), groups=None).tobytes() == old.tobytes()


def test_clusters_are_drawn_whole():
    groups = np.array(["a", "a", "b", "c", "c", "c", "d"])
    W = resample_weights(len(groups), 300, 1, 0, 1, groups=groups)
    codes, n_groups = group_codes(groups)
    assert n_groups == 4
    for g in range(n_groups):
        members = W[:, codes == g]
        assert np.all(members == members[:, :1])  # every member of a cluster has its cluster's count
    cluster_counts = np.stack([W[:, codes == g][:, 0] for g in range(n_groups)], axis=1)
    assert np.all(cluster_counts.sum(axis=1) == n_groups)  # G clusters drawn with replacement
    assert np.all(W.sum(axis=1) == (cluster_counts * np.bincount(codes)).sum(axis=1))


def test_group_codes_follow_first_appearance():
    codes, n = group_codes([7, 3, 7, 1, 3])
    assert n == 3 and codes.tolist() == [0, 1, 0, 2, 1]


def test_cluster_bootstrap_se_of_a_mean_matches_the_between_cluster_se():
    """y = u_cluster + e: the SE of the mean is sd(cluster means) / sqrt(G), which a point bootstrap understates."""
    rng = np.random.default_rng(3)
    G, m = 40, 5
    u = rng.normal(0, 1.0, G)
    y = np.repeat(u, m) + rng.normal(0, 0.2, G * m)
    groups = np.repeat(np.arange(G), m)
    Wc = resample_weights(y.size, 4000, 9, 0, 1, groups=groups)
    Wp = resample_weights(y.size, 4000, 9, 0, 1)
    mean = lambda W: (W @ y) / W.sum(axis=1)
    expected = y.reshape(G, m).mean(axis=1).std(ddof=1) / np.sqrt(G)
    assert np.std(mean(Wc)) == pytest.approx(expected, rel=0.1)
    assert np.std(mean(Wp)) < 0.6 * np.std(mean(Wc))


def test_wrong_number_of_labels_is_an_error():
    with pytest.raises(ValueError, match="group labels"):
        resample_weights(5, 10, 1, 0, 1, groups=[0, 1])


def test_resample_tasks_by_cluster():
    shares = pd.DataFrame({"M1": [1.0, 1.0, 0.0, 0.0], "M2": [0.0, 0.0, 1.0, 1.0]})
    same = resample_tasks(shares, 50, 4)
    assert same.tobytes() == resample_tasks(shares, 50, 4, None).tobytes()
    by = resample_tasks(shares, 500, 4, groups=np.array([0, 0, 1, 1]))  # two clusters: shares are 0, 1/2 or 1
    assert set(np.round(by[:, 0], 12)) <= {0.0, 0.5, 1.0}
    assert np.allclose(by.sum(axis=1), 1.0)


def test_bootstrap_groups_from_declared_columns_and_clear_errors():
    frame = pd.DataFrame({"N": [1, 1, 2, 2, 2], "D": [5, 5, 5, 6, 6], "y": [1.0, 2, 3, 4, 5]})
    labels, unit = bootstrap_groups(frame, {"unit": "configurations", "columns": ["N", "D"]}, "papers/x")
    assert labels.tolist() == [0, 0, 1, 2, 2]
    assert unit == "configurations (N, D), drawn whole"
    assert bootstrap_groups(frame, {"n": 10}, "papers/x") == (None, "data points")
    with pytest.raises(DataError, match="bootstrap.columns"):
        bootstrap_groups(frame, {"unit": "groups", "columns": ["Task"]}, "papers/x")
    with pytest.raises(DataError, match="bootstrap.unit"):
        bootstrap_groups(frame, {"unit": "curves", "columns": ["N"]}, "papers/x")


def test_paper_schema_checks_the_unit():
    base = {"key": "s2024", "title": "S", "authors": ["N"], "year": 2024, "status": "replicated",
            "law": {"name": "power_law", "statement": "y = A x^-alpha"}}
    with pytest.raises(Exception, match="needs columns"):
        Paper.model_validate({**base, "protocol": {"as_reported": "x", "bootstrap": {"n": 5, "unit": "groups"}}})
    ok = Paper.model_validate({**base, "protocol": {"as_reported": "x",
                                                   "bootstrap": {"n": 5, "unit": "groups", "columns": ["g"]}}})
    assert ok.protocol.bootstrap["unit"] == "groups"


def test_audit_fit_honours_the_unit_and_names_it(tmp_path):
    rng = np.random.default_rng(2)
    x = np.repeat(np.geomspace(1, 1e3, 12), 3)  # three runs per configuration, sharing a configuration effect
    y = 5 * x ** -0.3 * np.exp(np.repeat(rng.normal(0, 0.05, 12), 3) + rng.normal(0, 0.01, x.size))
    frame = pd.DataFrame({"x": x, "y": y})
    paper = Paper.model_validate({
        "key": "s2024", "title": "S", "authors": ["N"], "year": 2024, "status": "replicated",
        "law": {"name": "power_law", "statement": "y = A x^-alpha"},
        "protocol": {"as_reported": "x", "objective": {"name": "squared", "space": "log"},
                     "starts": {"a": [0.0, 2.0], "alpha": [0.0, 1.0]},
                     "bootstrap": {"n": 400, "seed": 1, "unit": "configurations", "columns": ["x"]}},
    })
    audit = Audit(paper, tmp_path)
    rec = audit.fit(frame, inputs={"x": "x"}, target="y")
    assert "configurations (x), drawn whole" in rec["bootstrap"]["what"]
    assert rec["bootstrap"]["unit"] == "configurations"
    cluster_se = audit.quantities["alpha"].se
    point = Audit(paper.model_copy(update={"protocol": paper.protocol.model_copy(
        update={"bootstrap": {"n": 400, "seed": 1}})}), tmp_path / "p")
    point_rec = point.fit(frame, inputs={"x": "x"}, target="y")
    assert "over data points" in point_rec["bootstrap"]["what"]
    assert cluster_se > 1.2 * point.quantities["alpha"].se  # shared configuration effects widen the interval

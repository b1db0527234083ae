"""Per-group lines and binned means (checks/trend.py), the strict lookup join (data/join.py), declared table summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from replication.audit import _summarise
from replication.checks.trend import binned_means, lines
from replication.data import lookup
from replication.errors import DataError
from replication.metadata.paper import Summary


def test_lines_match_linregress_per_group_and_skip_small_groups():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"g": ["a"] * 20 + ["b"] * 3, "x": rng.normal(size=23)})
    frame["y"] = 2.0 * frame["x"] + rng.normal(scale=0.1, size=23)
    out = lines(frame, ["g"], "x", "y", min_size=5)
    ref = stats.linregress(frame["x"][:20], frame["y"][:20])
    assert list(out["g"]) == ["a"]
    assert out["slope"].iloc[0] == ref.slope and out["r"].iloc[0] == ref.rvalue and out["n"].iloc[0] == 20


def test_binned_means_octaves_and_minimum():
    frame = pd.DataFrame({"g": "a", "x": [1, 1.5, 2, 3, 3.9, 8], "y": [1.0, 3.0, 2.0, 4.0, 6.0, 9.0]})
    out = binned_means(frame, ["g"], "x", "y", min_size=2)
    assert list(out["bin"]) == [0, 1] and list(out["mean"]) == [2.0, 4.0]
    assert out["log10_centre"].iloc[0] == pytest.approx(np.log10(2**0.5))


def test_lookup_names_the_unmatched_key():
    left = pd.DataFrame({"concept": ["cat", "dog"], "acc": [1, 2]})
    assert list(lookup(left, pd.DataFrame({"concept": ["dog", "cat"], "count": [5, 7]}), "concept", "f")["count"]) == [7, 5]
    with pytest.raises(DataError, match="'dog'"):
        lookup(left, pd.DataFrame({"concept": ["cat"], "count": [7]}), "concept", "counts/x")


def test_table_summaries():
    table = pd.DataFrame({"p": [0.01, 0.2, 0.03], "r": [0.5, 0.4, -0.1]})
    assert _summarise(table, Summary(reduce="share", where="p < {alpha} and r > 0"), {"alpha": 0.05}, "w") == pytest.approx(1 / 3)
    assert _summarise(table, Summary(reduce="min", column="r"), {}, "w") == -0.1
    with pytest.raises(DataError, match="q"):
        _summarise(table, Summary(reduce="max", column="q"), {}, "w")
    with pytest.raises(ValueError, match="where"):
        Summary(reduce="share")


def test_per_group_fit_needs_a_held_out_column():
    from replication.metadata.paper import Fit

    base = {"name": "M1", "approach": "per_group", "data": {"dataset": "d"}, "inputs": {"x": "x"}, "target": "y",
            "group_by": ["task"]}
    with pytest.raises(ValueError, match="held_out"):
        Fit(**base)
    assert Fit(**base, extrapolation={"held_out": "held"}).options == {}


def test_pareto_bins_keeps_improving_bin_minima():
    from replication.data.selection import pareto_bins

    x = np.array([1.0, 1.5, 4.0, 5.0, 16.0, 20.0, 64.0])
    y = np.array([0.9, 0.8, 0.85, 0.7, 0.75, 0.6, 0.5])
    kept = pareto_bins(x, y, flop_unit=1.0)
    assert kept[1] and kept[3] and kept[-1]  # bin minima that improve, and the largest run
    assert not kept[0] and not kept[2] and not kept[4]  # beaten within a bin, or no improvement


def test_match_names_needs_exactly_one_row():
    from replication.data import match_names

    table = pd.DataFrame({"model_name": ["GPT-3 175B", "GPT-3 1.3B", "GPT-3 13B"], "n": ["175B", "1.3B", "13B"]})
    assert match_names(["175b"], table, "model_name", "n", "t") == {"175b": "175B"}
    with pytest.raises(DataError, match="2 rows match '3b'"):
        match_names(["3b"], table, "model_name", "n", "t")

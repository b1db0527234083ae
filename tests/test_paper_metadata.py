"""Every papers/*/paper.yaml loads, and papers without public data are recorded consistently.

A "no public data" paper has no replication script: its audit only lists its claims, each untested (rule
"none", with the reason), and it names no dataset and no fitted law. Replicated papers need a script.
"""

from __future__ import annotations

import pytest

from replication.audit import run_paper
from replication.checks.claims import NOT_TESTABLE
from replication.data.schema import read_yaml
from replication.metadata import load_paper, paper_keys
from replication.paths import PAPERS


def _status(key: str) -> str | None:
    """The declared status, read without validation so that one invalid file fails only its own tests."""
    return read_yaml(PAPERS / key / "paper.yaml").get("status")


KEYS = paper_keys()
NO_DATA = [k for k in KEYS if _status(k) == "no public data"]
REPLICATED = [k for k in KEYS if _status(k) == "replicated"]


def test_papers_found():
    assert KEYS, "no papers/*/paper.yaml found"
    assert NO_DATA and REPLICATED


@pytest.mark.parametrize("key", KEYS)
def test_metadata_loads(key):
    paper = load_paper(key)
    assert paper.key == key
    assert paper.title.strip() and paper.authors and all(a.strip() for a in paper.authors)
    assert 1900 < paper.year < 2100


@pytest.mark.parametrize("key", REPLICATED)
def test_replicated_paper_has_script(key):
    assert (PAPERS / key / "replicate.py").is_file()


@pytest.mark.parametrize("key", NO_DATA)
def test_no_data_paper_record(key):
    paper = load_paper(key)
    assert paper.claims, f"{key}: a no-data paper still records at least one claim"
    assert paper.datasets == [], f"{key}: a no-data paper names no dataset"
    assert paper.law.name == "none"
    for claim in paper.claims:
        assert claim.rule == "none", f"{key}/{claim.id}: a claim without data cannot be tested"
        assert claim.quantity is None
        assert claim.not_testable_reason == "no public data"
        assert claim.provenance == "abstract"


@pytest.mark.parametrize("key", NO_DATA)
def test_no_data_paper_runs_without_script(key, tmp_path):
    # the audit of a no-data paper needs no replicate.py and reports every claim as not testable
    assert not (PAPERS / key / "replicate.py").exists()
    result = run_paper(key, build=tmp_path)
    assert result["status"] == "no public data", result.get("error")
    assert not result["error"] and not result["fits"]
    assert [row["claim"] for row in result["claims"]] == [c.id for c in load_paper(key).claims]
    assert {row["verdict"] for row in result["claims"]} == {NOT_TESTABLE}
    assert (tmp_path / key / "result.json").is_file()


def test_declared_columns_select_rename_and_round():
    import pandas as pd
    from replication.data.shape import select_columns
    from replication.metadata.paper import Table

    decl = Table.model_validate({"caption": "c", "columns": {
        "name": "slug", "a": {"from": "a", "round": 2}, "diff": {"from": "a - b", "significant": 2}}})
    rows = pd.DataFrame({"slug": ["x", "y"], "a": [0.12345, 0.98765], "b": [0.1, 0.9], "unused": [1, 2]})
    out = select_columns(rows, decl.columns, "t")
    assert list(out.columns) == ["name", "a", "diff"]
    assert out["a"].tolist() == [0.12, 0.99]
    assert out["diff"].tolist() == [0.023, 0.088]


def test_declared_column_errors_name_the_column():
    import pandas as pd
    from pydantic import ValidationError
    from replication.data.shape import select_columns
    from replication.errors import DataError
    from replication.metadata.paper import Table

    with pytest.raises(ValidationError, match="not both"):
        Table.model_validate({"caption": "c", "columns": {"a": {"from": "a", "round": 2, "significant": 2}}})
    with pytest.raises(DataError, match="nope"):
        select_columns(pd.DataFrame({"a": [1.0]}), {"b": "nope"}, "papers/x/paper.yaml: tables.t.columns")


def test_declared_pivot_with_extra_rows():
    import pandas as pd
    from replication.data.shape import pivot_rows
    from replication.errors import DataError
    from replication.metadata.paper import Pivot

    rows = pd.DataFrame({"step": ["2", "1", "1", "aside"], "label": ["two", "one", "one", "x"],
                         "series": ["A", "A", "B", "A"], "a": [0.2, 0.1, 0.3, 0.9]})
    pivot = Pivot.model_validate({"index": "step", "keep": ["label"], "columns": "series", "order": ["B", "A"],
                                  "values": {"a": "a"}, "rows": [{"before": "1", "values": {"step": "ref", "r": 1.0}},
                                                                 {"values": {"step": "end"}}]})
    out = pivot_rows(rows, pivot, "t")
    assert out["step"].tolist() == ["ref", "1", "2", "aside", "end"]
    assert out["A a"].tolist()[1:4] == [0.1, 0.2, 0.9] and out["B a"].iloc[1] == 0.3 and pd.isna(out["B a"].iloc[2])
    assert out["label"].tolist()[1:4] == ["one", "two", "x"] and out["r"].iloc[0] == 1.0
    with pytest.raises(DataError, match="no row has step = '9'"):
        pivot_rows(rows, pivot.model_copy(update={"rows": [pivot.rows[0].model_copy(update={"before": "9"})]}), "t")
    with pytest.raises(DataError, match="do not occur"):
        pivot_rows(rows, pivot.model_copy(update={"order": ["C"]}), "t")

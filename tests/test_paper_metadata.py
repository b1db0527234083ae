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

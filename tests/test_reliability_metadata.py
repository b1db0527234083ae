"""Paper metadata, checklists and fits refuse silent nonsense with named errors: empty sources, odd quantity names,
evidence that says nothing, bad bootstrap counts, bad start grids or Huber thresholds, keys that would escape the
tree, too few points for a law, and fits too large for memory."""

import textwrap

import numpy as np
import pytest
import yaml

import replication.audit as audit_mod
import replication.paths as paths_mod
from replication.audit import run_paper
from replication.checklist.answers import load_checklist
from replication.checklist.items import load_definition
from replication.checklist.scaffold import scaffold_paper, unfinished
from replication.errors import FitError, MetadataError
from replication.fitting import fit_multistart, make_objective
from replication.fitting.limits import check_fit_size, fit_memory_bytes
from replication.laws import get_law
from replication.metadata.paper import load_paper

BASE = {
    "key": "meta2099paper", "title": "t", "authors": ["A"], "year": 2099, "status": "replicated", "datasets": [],
    "law": {"name": "chinchilla", "statement": "s"},
    "protocol": {"as_reported": "r", "objective": {"name": "huber", "delta": 1e-3},
                 "starts": {"a": [6.0], "b": [6.0], "e": [0.5], "alpha": [0.3], "beta": [0.3]}, "bootstrap": {"n": 0, "seed": 0}},
    "claims": [{"id": "E", "statement": "E", "quantity": "E", "value": 1.69, "decimals": 2, "source": "Table 3",
                "provenance": "paper"}],
}


@pytest.fixture
def papers(tmp_path, monkeypatch):
    root = tmp_path / "papers"
    root.mkdir()
    monkeypatch.setattr(paths_mod, "PAPERS", root)
    monkeypatch.setattr(audit_mod, "PAPERS", root)
    monkeypatch.delenv("SCALING_AUDIT_N_BOOT", raising=False)

    def write(mutate=None, key="meta2099paper"):
        raw = yaml.safe_load(yaml.safe_dump(BASE))
        raw["key"] = key
        if mutate:
            mutate(raw)
        (root / key).mkdir(exist_ok=True)
        (root / key / "paper.yaml").write_text(yaml.safe_dump(raw))
        (root / key / "replicate.py").write_text("def replicate(audit):\n    audit.add_quantity('E', 1.7)\n")
        return root / key / "paper.yaml"

    return write


def _set(path, value):
    def mutate(raw):
        node = raw
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
    return mutate


@pytest.mark.parametrize("path, value, field, words", [
    (("claims", 0, "source"), "", "claims.0.source", "says nothing"),
    (("claims", 0, "source"), " . ", "claims.0.source", "says nothing"),
    (("claims", 0, "quantity"), "E <b>", "claims.0.quantity", "not a quantity name"),
    (("protocol", "bootstrap", "n"), -5, "protocol.bootstrap", "whole number >= 0"),
    (("protocol", "bootstrap", "n"), "many", "protocol.bootstrap", "whole number >= 0"),
    (("key",), "../../etc", "key", "not usable"),
    (("datasets",), ["../x"], "datasets", "not usable"),
])
def test_bad_paper_fields_are_named(papers, path, value, field, words):
    p = papers(_set(path, value))
    with pytest.raises(MetadataError) as info:
        load_paper("meta2099paper")
    assert info.value.file.endswith("meta2099paper/paper.yaml") and info.value.field == field and words in str(info.value)


@pytest.mark.parametrize("path, value, field", [
    (("protocol", "starts", "a"), {"start": 1, "stop": 5, "step": 0}, "protocol.starts.a"),
    (("protocol", "starts", "a"), {"start": 5, "stop": 1, "step": 1}, "protocol.starts.a"),
    (("protocol", "starts", "a"), ["x"], "protocol.starts.a"),
    (("protocol", "objective", "delta"), -1e-3, "protocol.objective.delta"),
    (("protocol", "objective"), {"name": "hubber"}, "protocol.objective"),
    (("protocol", "starts", "alpah"), [0.3], "protocol.starts.alpah"),
])
def test_bad_protocol_fails_the_paper_naming_the_field(papers, tmp_path, path, value, field):
    papers(_set(path, value))
    result = run_paper("meta2099paper", build=tmp_path / "build")
    assert result["status"] == "failed" and f"field '{field}'" in result["error"] and "Fix:" in result["error"]


def test_unknown_law_names_the_script_line(papers, tmp_path):
    p = papers()
    (p.parent / "replicate.py").write_text(textwrap.dedent("""\
        import pandas as pd

        def replicate(audit):
            audit.fit(pd.DataFrame({"N": [1.0, 2.0], "D": [1.0, 2.0], "L": [1.0, 2.0]}), law="chinchila",
                      inputs={"N": "N", "D": "D"}, target="L")
    """))
    error = run_paper("meta2099paper", build=tmp_path / "build")["error"]
    assert "replicate.py line 4" in error and "unknown law 'chinchila'" in error and "replication/laws/base.py" in error


def test_too_few_points_are_refused_by_the_fit():
    law = get_law("chinchilla")
    X = {"N": np.array([1e8, 1e9, 1e10]), "D": np.array([1e9, 1e10, 1e11])}
    with pytest.raises(FitError, match="3 point\\(s\\) cannot determine 5 parameters"):
        fit_multistart(law, make_objective({"name": "huber", "delta": 1e-3}), X, np.array([3.0, 2.5, 2.2]),
                       np.array([[6.0, 6.0, 0.5, 0.3, 0.3]]))


def test_a_fit_too_large_for_memory_is_refused_up_front(monkeypatch):
    monkeypatch.delenv("SCALING_AUDIT_FIT_MEMORY_GIB", raising=False)
    # the case: 1,000,000 rows from the 4,500-start Chinchilla grid
    assert fit_memory_bytes(1_000_000, 4500, 5) > 300 * 2**30
    with pytest.raises(FitError, match="GiB of working memory, above the limit of 4.0 GiB"):
        check_fit_size(1_000_000, 4500, 5)
    check_fit_size(240, 4500, 5)  # the real Chinchilla fit passes
    monkeypatch.setenv("SCALING_AUDIT_FIT_MEMORY_GIB", "0.001")
    with pytest.raises(FitError, match="above the limit"):
        check_fit_size(240, 4500, 5)
    monkeypatch.setenv("SCALING_AUDIT_FIT_MEMORY_GIB", "lots")
    with pytest.raises(Exception, match="SCALING_AUDIT_FIT_MEMORY_GIB"):
        check_fit_size(240, 4500, 5)


# --- checklists and the scaffold ---------------------------------------------------------------------------------

def _checklist(root, text):
    (root / "meta2099paper" / "checklist.yaml").write_text(text)


@pytest.mark.parametrize("evidence", [".", "-", "  ", "?!"])
def test_evidence_that_says_nothing_is_refused(papers, evidence):
    papers()
    _checklist(paths_mod.PAPERS, f"paper: meta2099paper\nanswers:\n  - {{item: law_form, answer: 'yes', evidence: '{evidence}'}}\n")
    with pytest.raises(MetadataError) as info:
        load_checklist("meta2099paper", load_definition())
    assert info.value.field == "answers[law_form].evidence"


def test_short_real_evidence_is_accepted(papers):
    papers()
    _checklist(paths_mod.PAPERS, "paper: meta2099paper\nanswers:\n  - {item: law_form, answer: 'yes', evidence: 'Sec. 3'}\n")
    assert load_checklist("meta2099paper", load_definition()).answer("law_form").answer == "yes"


def test_a_checklist_entry_that_is_not_a_mapping_is_named(papers):
    papers()
    _checklist(paths_mod.PAPERS, "paper: meta2099paper\nanswers:\n  - [law_form, 'yes']\n")
    with pytest.raises(MetadataError, match="expected a mapping") as info:
        load_checklist("meta2099paper", load_definition())
    assert info.value.field == "answers[0]"


@pytest.mark.parametrize("name, text", [("paper.yaml", "key: x\n\ttitle: tab\n"), ("checklist.yaml", "answers: [unclosed\n")])
def test_unreadable_files_are_listed_not_raised_by_unfinished(papers, name, text):
    p = papers()
    (p.parent / name).write_text(text)
    problems = unfinished("meta2099paper")
    assert any(line.startswith(f"{name}: cannot be read") and "not valid YAML" in line for line in problems)


@pytest.mark.parametrize("key", ["x;id", "../outside", "Upper2024", "a b", ""])
def test_the_scaffold_refuses_unusable_keys(papers, key):
    with pytest.raises(MetadataError, match="not a usable bibtex key"):
        scaffold_paper(key, survey_entry=False)
    assert list(paths_mod.PAPERS.iterdir()) == []

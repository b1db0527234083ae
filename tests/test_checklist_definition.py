"""The checklist definition and per-paper answers: schema errors name the file and the item; the scoring rules."""

import math

import pytest
import yaml

from replication.checklist.answers import load_checklist
from replication.checklist.items import ANSWERS, DEFINITION, STAGES, load_definition
from replication.checklist.scoring import score
from replication.errors import MetadataError
from replication.metadata import paper_keys

RAW = yaml.safe_load(DEFINITION.read_text())


def write_definition(tmp_path, mutate):
    raw = yaml.safe_load(DEFINITION.read_text())
    mutate(raw)
    path = tmp_path / "items.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


# --- the definition file ---------------------------------------------------------------------------

def test_the_project_definition_is_valid_and_covers_every_stage():
    d = load_definition()
    assert [s.id for s in d.stages] == list(STAGES)
    assert all(d.items_in(s) for s in STAGES), "every stage has at least one item"
    assert len(d.ids) == len(set(d.ids)) >= 20
    for it in d.items:
        assert it.ask_authors.endswith("?") or "?" in it.ask_authors, it.id
        assert it.sources.labels(), it.id
    # the items the replication decides, as the issue asks: held-out validation and released points among them
    auto = {it.id: it.automatic.rule for it in d.items if it.automatic}
    assert auto["held_out_validation"] == "held_out_validation" and auto["points_released"] == "points_released"


def _item(raw, item_id):
    return next(it for it in raw["items"] if it["id"] == item_id)


@pytest.mark.parametrize("mutate, field, text", [
    (lambda r: _item(r, "law_form").update(stage="hypotheses"), "items[law_form].stage", "stage must be one of"),
    (lambda r: _item(r, "metric").update(sources={}), "items[metric].sources", "at least one source"),
    (lambda r: _item(r, "metric").update(sources={"neurips": ["error bars"]}), "items[metric].sources.neurips.0", "Input should be"),
    (lambda r: _item(r, "points_released")["automatic"].update(rule="guess"), "items[points_released].automatic.rule", "unknown rule"),
    (lambda r: _item(r, "held_out_validation")["automatic"].pop("max_held_out_are"), "items[held_out_validation].automatic",
     "max_held_out_are"),
    (lambda r: r["items"].append(dict(_item(r, "metric"))), "items[metric].id", "duplicate"),
    (lambda r: _item(r, "metric").update(extra_field=1), "items[metric].extra_field", "Extra inputs"),
    (lambda r: r["stages"].pop(), "stages", "in that order"),
])
def test_definition_errors_name_the_file_and_the_item(tmp_path, mutate, field, text):
    path = write_definition(tmp_path, mutate)
    with pytest.raises(MetadataError) as info:
        load_definition(path)
    assert info.value.field == field
    assert "items.yaml" in info.value.file
    assert text in str(info.value)


# --- per-paper answers ------------------------------------------------------------------------------

@pytest.fixture
def papers(tmp_path):
    root = tmp_path / "papers"
    (root / "demo2024paper").mkdir(parents=True)
    return root


def write_answers(root, answers, paper="demo2024paper"):
    (root / "demo2024paper" / "checklist.yaml").write_text(yaml.safe_dump({"paper": paper, "answers": answers}, sort_keys=False))


def test_missing_checklist_means_every_item_not_assessed(papers):
    c = load_checklist("demo2024paper", load_definition(), root=papers)
    assert not c.exists
    assert {c.answer(i).answer for i in load_definition().ids} == {"not assessed"}


def test_answers_read_with_yaml_booleans_and_default_not_assessed(papers):
    (papers / "demo2024paper" / "checklist.yaml").write_text(
        "paper: demo2024paper\nanswers:\n"
        "  - {item: law_form, answer: yes, evidence: Section 2}\n"  # unquoted yes is a YAML boolean
        "  - {item: training_code, answer: no, evidence: no repository is given}\n"
        "  - {item: metric, answer: Not  Stated, evidence: searched sections 3-5}\n")
    c = load_checklist("demo2024paper", load_definition(), root=papers)
    assert c.answer("law_form").answer == "yes"
    assert c.answer("training_code").answer == "no"
    assert c.answer("metric").answer == "not stated"
    assert c.answer("initialisation").answer == "not assessed"


@pytest.mark.parametrize("answers, paper, field, text", [
    ([{"item": "law_form", "answer": "maybe", "evidence": "x"}], "demo2024paper", "answers[law_form].answer", "Input should be"),
    ([{"item": "law_from", "answer": "yes", "evidence": "x"}], "demo2024paper", "answers[law_from].item", "did you mean 'law_form'"),
    ([{"item": "law_form", "answer": "yes"}], "demo2024paper", "answers[law_form].evidence", "needs evidence"),
    ([{"item": "law_form", "answer": "not stated", "evidence": "  "}], "demo2024paper", "answers[law_form].evidence", "needs evidence"),
    ([{"item": "law_form", "answer": "yes", "evidence": "Sec. 2"}, {"item": "law_form", "answer": "no", "evidence": "Sec. 3"}],
     "demo2024paper", "answers[law_form]", "twice"),
    ([{"item": "law_form", "answer": "yes", "evidence": "Sec. 2", "page": 3}], "demo2024paper", "answers[law_form].page", "Extra"),
    ([], "other2024paper", "paper", "differs from the folder"),
])
def test_answer_errors_name_the_file_and_the_item(papers, answers, paper, field, text):
    write_answers(papers, answers, paper)
    with pytest.raises(MetadataError) as info:
        load_checklist("demo2024paper", load_definition(), root=papers)
    assert info.value.field == field
    assert info.value.file.endswith("demo2024paper/checklist.yaml")
    assert text in str(info.value)


def test_not_assessed_needs_no_evidence(papers):
    write_answers(papers, [{"item": "law_form", "answer": "not assessed"}])
    assert load_checklist("demo2024paper", load_definition(), root=papers).answer("law_form").answer == "not assessed"


def test_every_project_checklist_validates():
    d = load_definition()
    for key in paper_keys():
        load_checklist(key, d)  # raises on any problem


# --- scoring ----------------------------------------------------------------------------------------

def test_score_counts_yes_against_no_and_not_stated():
    s = score(["yes", "yes", "no", "not stated"])
    assert s.value == 0.5 and s.assessed == 4


def test_not_applicable_and_not_assessed_are_left_out():
    base = score(["yes", "no"])
    more = score(["yes", "no", "not applicable", "not assessed", "not assessed"])
    assert more.value == base.value == 0.5
    assert more.assessed == 2 and more.counts["not assessed"] == 2 and more.counts["not applicable"] == 1


def test_not_assessed_never_counts_either_way():
    assert math.isnan(score(["not assessed"] * 5).value)
    assert score(["yes"] + ["not assessed"] * 9).value == 1.0
    assert score(["no"] + ["not assessed"] * 9).value == 0.0
    assert score([]).label() == "n/a (0 assessed)"


def test_score_rejects_unknown_answers():
    with pytest.raises(ValueError, match="not answer values"):
        score(["yes", "partly"])
    assert set(score(list(ANSWERS)).counts) == set(ANSWERS)

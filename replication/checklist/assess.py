"""Every paper's answer to every item, with its source: the replication, the paper's checklist.yaml, or the survey.

Precedence: an answer the replication decides (automatic rules) comes first; otherwise the reviewer's answer in
papers/<key>/checklist.yaml; otherwise the (Mis)Fitting survey sheet's, labelled as such; otherwise "not
assessed". The survey's answer is shown beside the suite's own, and a difference is flagged as a disagreement.
Papers the survey covers but the suite does not audit get the survey's answers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from ..data.schema import Dataset, load_dataset_meta
from ..errors import AuditError
from ..metadata.paper import Paper, load_paper, paper_keys
from ..results import read_result
from .answers import PaperChecklist, load_checklist
from .automatic import RULES, Context
from .items import NOT_ASSESSED, STAGES, Definition, load_definition
from .scoring import Score, score
from .survey import SOURCE_NAME, Survey, SurveyAnswer, check_mapping, load_survey, match_suite, survey_answers

REPLICATION, REVIEWER, SURVEY, NONE = "replication", "checklist.yaml", "survey sheet", "none"
AGREE, DISAGREE = "agree", "disagree"

COLUMNS = ["paper", "in_suite", "stage", "item", "answer", "source", "evidence", "reviewer_answer", "survey_answer",
           "survey_cells", "agreement"]


@dataclass
class Row:
    paper: str
    in_suite: bool
    stage: str
    item: str
    answer: str
    source: str
    evidence: str
    reviewer_answer: str
    survey_answer: str
    survey_cells: str
    agreement: str


@dataclass
class Assessment:
    definition: Definition
    rows: list[Row]
    suite: list[str]
    titles: dict[str, str]
    survey: Survey | None = None
    survey_error: str | None = None
    matches: dict[str, str] = field(default_factory=dict)  # survey key -> suite key
    errors: dict[str, str] = field(default_factory=dict)  # suite key -> problem with its metadata

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(r) for r in self.rows], columns=COLUMNS)

    def paper_rows(self, key: str) -> list[Row]:
        return [r for r in self.rows if r.paper == key]

    @property
    def papers(self) -> list[str]:
        return list(dict.fromkeys(r.paper for r in self.rows))

    def score(self, key: str, stage: str | None = None) -> Score:
        return score([r.answer for r in self.paper_rows(key) if stage is None or r.stage == stage])

    def survey_key(self, key: str) -> str | None:
        return next((s for s, k in self.matches.items() if k == key), None)

    def scores_frame(self) -> pd.DataFrame:
        """One row per paper: overall score, counts of each answer, and the score of every stage."""
        rows = []
        for key in self.papers:
            s = self.score(key)
            row = {"paper": key, "answers_from": "suite" if key in self.suite else SURVEY,
                   "compliance": s.value, "assessed": s.assessed, **{a: n for a, n in s.counts.items()}}
            for stage in STAGES:
                row[f"{stage}"] = self.score(key, stage).value
            rows.append(row)
        return pd.DataFrame(rows)


def _datasets(paper: Paper) -> dict[str, Dataset]:
    out = {}
    for name in paper.datasets:
        try:
            out[name] = load_dataset_meta(name)
        except AuditError:
            continue  # an unreadable dataset record is reported by the replication and verify-data
    return out


def _result(key: str, results: dict[str, dict] | None, build: Path | None) -> dict | None:
    if results is not None and key in results:
        return results[key]
    from .. import paths

    path = Path(build or paths.BUILD) / key / "result.json"
    return read_result(path) if path.exists() else None


def suite_rows(key: str, definition: Definition, paper: Paper | None, checklist: PaperChecklist | None,
               result: dict | None, survey: dict[str, SurveyAnswer]) -> list[Row]:
    """One paper's rows: the replication's answer, else the reviewer's, else the survey's."""
    ctx = Context(paper, result, _datasets(paper)) if paper is not None else None
    rows = []
    for item in definition.items:
        reviewer = checklist.answer(item.id) if checklist is not None else None
        reviewer_answer = reviewer.answer if reviewer is not None else NOT_ASSESSED
        sv = survey.get(item.id)
        survey_answer = sv.answer if sv is not None else NOT_ASSESSED
        decided, prior_source = None, None
        if item.automatic is not None and ctx is not None:
            prior, prior_source = None, None
            if reviewer_answer != NOT_ASSESSED:
                prior, prior_source = reviewer_answer, REVIEWER
            elif survey_answer != NOT_ASSESSED:
                prior, prior_source = survey_answer, SURVEY
            decided = RULES[item.automatic.rule].fn(ctx, item.automatic.params, prior)
        if decided is not None:
            source = REPLICATION + (f" + {prior_source}" if decided.uses_prior and prior_source else "")
            answer, evidence = decided.answer, decided.evidence
            if decided.uses_prior and prior_source:
                evidence = f"paper's answer per {prior_source}: {prior}; {evidence}"
            if reviewer_answer not in (NOT_ASSESSED, answer) and not decided.uses_prior:
                evidence += f" (checklist.yaml says '{reviewer_answer}': {reviewer.evidence})"
        elif reviewer_answer != NOT_ASSESSED:
            answer, source, evidence = reviewer_answer, REVIEWER, reviewer.evidence
        elif survey_answer != NOT_ASSESSED:
            answer, source, evidence = survey_answer, SURVEY, f"{SOURCE_NAME}: {sv.cells}"
        else:
            answer, source, evidence = NOT_ASSESSED, NONE, ""
        own = source != SURVEY and answer != NOT_ASSESSED
        agreement = "" if not own or survey_answer == NOT_ASSESSED else (AGREE if survey_answer == answer else DISAGREE)
        rows.append(Row(key, True, item.stage, item.id, answer, source, evidence, reviewer_answer, survey_answer,
                        sv.cells if sv is not None else "", agreement))
    return rows


def survey_rows(key: str, definition: Definition, survey: dict[str, SurveyAnswer]) -> list[Row]:
    """A paper the suite does not audit: the survey's answers, as published."""
    rows = []
    for item in definition.items:
        sv = survey.get(item.id)
        answer = sv.answer if sv is not None else NOT_ASSESSED
        rows.append(Row(key, False, item.stage, item.id, answer, SURVEY if answer != NOT_ASSESSED else NONE,
                        f"{SOURCE_NAME}: {sv.cells}" if sv is not None else "", NOT_ASSESSED, answer,
                        sv.cells if sv is not None else "", ""))
    return rows


_UNSET = object()


def assess(results: dict[str, dict] | None = None, *, definition: Definition | None = None, survey=_UNSET,
           build: Path | None = None, keys: list[str] | None = None) -> Assessment:
    """Answer every item for every suite paper (and every paper of the survey sheet).

    ``results`` maps paper keys to result records (others are read from build/); ``survey`` is a loaded
    Survey, None to leave it out, or (default) loaded through the dataset loader.
    """
    definition = definition or load_definition()
    survey_error = None
    if survey is _UNSET:
        try:
            survey = load_survey()
        except AuditError as exc:
            survey, survey_error = None, f"the survey sheet could not be loaded: {exc}"
    if survey is not None:
        check_mapping(survey, definition)
    keys = paper_keys() if keys is None else keys
    papers, errors, titles = {}, {}, {}
    for key in keys:
        try:
            papers[key] = load_paper(key)
            titles[key] = papers[key].title
        except AuditError as exc:
            papers[key], errors[key], titles[key] = None, str(exc), key
    matches = match_suite(survey, {k: (p.arxiv if p else None) for k, p in papers.items()}) if survey else {}
    sv_answers = survey_answers(survey, definition) if survey else {}
    by_suite = {suite_key: sv_answers[s] for s, suite_key in matches.items()}
    rows: list[Row] = []
    for key in keys:
        checklist = None
        try:
            checklist = load_checklist(key, definition)
        except AuditError as exc:
            errors[key] = (errors.get(key, "") + " " + str(exc)).strip()
        rows += suite_rows(key, definition, papers[key], checklist, _result(key, results, build), by_suite.get(key, {}))
    if survey is not None:
        for p in sorted(survey.papers, key=lambda p: p.key):
            if p.key not in matches:
                titles[p.key] = p.title
                rows += survey_rows(p.key, definition, sv_answers[p.key])
    return Assessment(definition, rows, list(keys), titles, survey, survey_error, matches, errors)

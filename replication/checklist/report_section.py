"""The checklist's part of the report: tables, the heat map, a section on the overview and on every paper page,
and a review page per paper (report/reviews/<key>.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..report.pages import Page
from ..report.tables import write_table
from ..results import write_text_atomic
from .assess import DISAGREE, SURVEY, Assessment
from .heatmap import heatmap_figure
from .items import ANSWERS, STAGES
from .scoring import DEFINITION as SCORE_DEFINITION
from .survey import DATASET, FILE_KEY, SOURCE_NAME

CAPTION = "Reporting checklist: every paper's answer to every item, with its source"
SCORES_CAPTION = "Reporting checklist: compliance per paper and per stage"
HEATMAP = "figures/checklist/heatmap.png"

PRECEDENCE = (
    "Where each answer comes from: the replication first (items it decides itself from build/<key>/result.json, "
    "the dataset records and paper.yaml), then the reviewer's papers/<key>/checklist.yaml, then the published "
    f"{SOURCE_NAME} (Li, Kudugunta, Zettlemoyer 2025), labelled as such. Where the suite has its own answer and the "
    "survey answers the same item, both are shown and a difference is flagged as a disagreement. Papers the survey "
    "covers but the suite does not audit show the survey's answers."
)


def _pct(v: float) -> str:
    return "" if pd.isna(v) else f"{v:.0%}"


@dataclass
class ChecklistReport:
    assessment: Assessment
    prov: dict

    # -- tables -------------------------------------------------------------------------------
    def table(self) -> pd.DataFrame:
        return self.assessment.frame()

    def scores(self) -> pd.DataFrame:
        df = self.assessment.scores_frame()
        for col in ["compliance", *STAGES]:
            df[col] = df[col].round(3)
        return df

    def write_tables(self, out: Path) -> None:
        write_table(out / "tables", "checklist", self.table(), CAPTION, self.prov)
        write_table(out / "tables", "checklist_scores", self.scores(), SCORES_CAPTION, self.prov)

    # -- page sections ------------------------------------------------------------------------
    def stage_table(self, key: str) -> pd.DataFrame:
        a = self.assessment
        rows = []
        for stage in [None, *STAGES]:
            s = a.score(key, stage)
            rows.append({"stage": "all items" if stage is None else stage.replace("_", " "), "compliance": _pct(s.value),
                         "assessed": s.assessed, **s.counts})
        return pd.DataFrame(rows)

    def answers_table(self, key: str, with_question: bool = False) -> pd.DataFrame:
        d = self.assessment.definition
        rows = []
        for r in self.assessment.paper_rows(key):
            row = {"stage": r.stage.replace("_", " "), "item": r.item}
            if with_question:
                row["question"] = d.item(r.item).question
            row.update({"answer": r.answer, "source": r.source, "evidence": r.evidence,
                        "survey": r.survey_answer if r.source != SURVEY else "(used)",
                        "agreement": r.agreement})
            rows.append(row)
        return pd.DataFrame(rows)

    def paper_section(self, page: Page, key: str) -> None:
        a = self.assessment
        page.heading("Reporting checklist")
        if key in a.errors:
            page.text(f"Checklist metadata problem: {a.errors[key]}")
        s = a.score(key)
        skey = a.survey_key(key)
        page.text(f"Compliance {s.label()}. " + SCORE_DEFINITION)
        page.text(PRECEDENCE + (f" This paper is in the survey as '{skey}'." if skey else " This paper is not in the survey."))
        page.table(self.stage_table(key))
        page.table(self.answers_table(key))
        page.link("Review page (paste-ready answers and questions for the authors)", f"../reviews/{key}.md")

    def overview_section(self, page: Page) -> None:
        a = self.assessment
        d = a.definition
        page.heading("Reporting checklist")
        page.text(f"{len(d.items)} items in {len(d.stages)} stages, defined in replication/checklist/items.yaml; each "
                  "answer is one of " + ", ".join(ANSWERS) + ". " + PRECEDENCE)
        page.text("Compliance score: " + SCORE_DEFINITION)
        if a.survey_error:
            page.text(a.survey_error)
        elif a.survey is not None:
            page.text(f"The {SOURCE_NAME} (datasets/{DATASET}, file {FILE_KEY}, sha256 {a.survey.sha256[:12]}) rates "
                      f"{len(a.survey.papers)} papers ({a.survey.tally_rows} trailing rows of tallies set aside); "
                      f"{len(a.matches)} of them are audited here, matched by citation key or arXiv id. Its codes are "
                      "read as Y = yes, N = no, NS = not stated, NA = not applicable, free text = yes for columns that "
                      "record a detail and not assessed for yes/no columns, an empty cell = not assessed; the "
                      "exceptions are listed per item below.")
        scores = a.scores_frame()
        suite = scores[scores["answers_from"] == "suite"]
        page.heading("Compliance of the audited papers", 3)
        page.table(self._score_view(suite), links={"paper": "papers/{}.md"})
        disagreements = [r for r in a.rows if r.agreement == DISAGREE]
        page.heading("Where the suite and the survey disagree", 3)
        page.table(pd.DataFrame([{"paper": r.paper, "item": r.item, "suite": f"{r.answer} ({r.source})",
                                  "survey": r.survey_answer, "survey cells": r.survey_cells} for r in disagreements]))
        page.figure(HEATMAP, "Answers per paper and item; suite papers in bold above the line, papers only the survey "
                             "covers below; x marks a disagreement between the suite and the survey.")
        others = scores[scores["answers_from"] != "suite"]
        if len(others):
            page.heading("Compliance of the other papers in the survey (survey answers only)", 3)
            page.table(self._score_view(others))
        page.heading("The items", 3)
        page.table(pd.DataFrame([{
            "stage": it.stage.replace("_", " "), "item": it.id, "question": it.question, "yes when": it.yes_when,
            "sources": "; ".join(it.sources.labels()),
            "survey": ", ".join(c.strip() for c in it.survey.columns) + (f" ({it.survey.reading})" if it.survey.reading else "")
            if it.survey else "",
            "decided by": f"replication ({it.automatic.rule})" if it.automatic else "reviewer or survey"}
            for it in d.items]))
        page.text("Citable tables: tables/checklist (one row per paper and item) and tables/checklist_scores, in CSV, "
                  "Markdown and LaTeX; review pages under reviews/.")

    @staticmethod
    def _score_view(df: pd.DataFrame) -> pd.DataFrame:
        view = df[["paper", "compliance", "assessed", *ANSWERS, *STAGES]].copy()
        for col in ["compliance", *STAGES]:
            view[col] = view[col].map(_pct)
        return view.rename(columns={s: s.replace("_", " ") for s in STAGES})

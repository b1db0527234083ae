"""The checklist part of the report: assess every paper, write the tables, the heat map and the review pages."""

from __future__ import annotations

from pathlib import Path

from ..results import write_text_atomic
from .assess import assess
from .heatmap import heatmap_figure
from .report_section import HEATMAP, ChecklistReport
from .review import review_page
from .scaffold import unfinished
from .survey import DATASET, FILE_KEY


def build_checklist(out: Path, results: list[dict], prov: dict) -> ChecklistReport:
    """Assess every paper, write the checklist tables, the heat map and the review pages under ``out``."""

    assessment = assess({r["paper"]: r for r in results})
    prov = dict(prov, data=dict(prov.get("data", {})))
    if assessment.survey is not None:
        prov["data"][f"{DATASET}/{FILE_KEY}"] = assessment.survey.sha256
        prov["data"] = dict(sorted(prov["data"].items()))
    report = ChecklistReport(assessment, prov)
    report.write_tables(out)
    heatmap_figure(out / HEATMAP, assessment)
    by_key = {r["paper"]: r for r in results}
    for key in assessment.suite:
        page = review_page(key, report, by_key.get(key), unfinished(key))
        write_text_atomic(out / "reviews" / f"{key}.md", page.markdown())
    return report

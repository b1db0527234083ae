"""The (Mis)Fitting survey sheet as a published assessment: loaded like any dataset, its codes read as checklist answers.

The sheet (datasets/misfitting/dataset.yaml, file survey_sheet) has two header rows, a stage row over groups of
columns and then the column names, one row per paper, and a few trailing rows of tallies with no citation key,
which are set aside. Cells hold Y / N / NS (not specified) / NA or free text, with spelling variants.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..data.resolve import resolve_file
from ..data.schema import DataFile, load_dataset_meta
from ..data.validate import read_frame, validate_frame
from ..errors import DataError, MetadataError
from .items import NO, NOT_APPLICABLE, NOT_ASSESSED, NOT_STATED, YES, Definition, Item

DATASET, FILE_KEY = "misfitting", "survey_sheet"
CITATION, LINK, TITLE = "citation", "Link ", "Title"
SOURCE_NAME = "(Mis)Fitting survey sheet"

# Spelling variants of the sheet's codes, after removing spaces, dots and a trailing '*'
_CODES = {"Y": "Y", "YES": "Y", "N": "N", "NO": "N", "NS": "NS", "NA": "NA", "N/A": "NA"}
DEFAULT_READING = {"Y": YES, "N": NO, "NS": NOT_STATED, "NA": NOT_APPLICABLE}

_ARXIV = [re.compile(r"^\s*\[(\d{4}\.\d{4,5})(?:v\d+)?\]"), re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", re.I)]


def code_of(cell: str | None) -> str | None:
    """The sheet's code in a cell (Y, N, NS, NA), 'text' for anything else, None for an empty cell."""
    if cell is None or not str(cell).strip():
        return None
    compact = re.sub(r"[\s.]", "", str(cell)).rstrip("*").upper()
    return _CODES.get(compact, "text")


def arxiv_id(text: str | None) -> str | None:
    """An arXiv id from a link ('[2203.15556] Title', an arxiv.org URL) or an id itself; None if there is none."""
    if not text:
        return None
    text = str(text).strip()
    if re.fullmatch(r"(?:arXiv:)?\d{4}\.\d{4,5}(?:v\d+)?", text, re.I):
        return re.search(r"\d{4}\.\d{4,5}", text).group(0)
    for pattern in _ARXIV:
        m = pattern.search(text)
        if m:
            return m.group(1)
    return None


@dataclass(frozen=True)
class SurveyAnswer:
    """The sheet's answer to one item for one paper, with the cells it was read from (verbatim)."""

    answer: str
    cells: str


@dataclass
class SurveyPaper:
    key: str
    title: str
    arxiv: str | None
    cells: dict[str, str | None]


@dataclass
class Survey:
    papers: list[SurveyPaper]
    groups: dict[str, str] = field(default_factory=dict)
    tally_rows: int = 0
    sha256: str = ""

    def paper(self, key: str) -> SurveyPaper | None:
        return next((p for p in self.papers if p.key == key), None)


def read_answer(cell: str | None, item: Item) -> str:
    """One cell read as an answer to ``item`` by its survey mapping (codes, then the default reading)."""
    mapping = item.survey
    if cell is None or not str(cell).strip():
        return NOT_ASSESSED
    raw = " ".join(str(cell).split())
    if raw in mapping.codes:
        return mapping.codes[raw]
    code = code_of(raw)
    if code in mapping.codes:
        return mapping.codes[code]
    if code == "text":
        return mapping.text
    return DEFAULT_READING[code]


def combine(answers: list[str]) -> str:
    """Several columns' answers to one item: yes only if every filled-in column reads yes.

    Columns left empty (not assessed) are ignored; otherwise no beats not stated beats yes, and not applicable
    counts only when every filled-in column says so.
    """
    filled = [a for a in answers if a != NOT_ASSESSED]
    for answer in (NO, NOT_STATED, YES):
        if answer in filled:
            return answer
    return NOT_APPLICABLE if filled else NOT_ASSESSED


def item_answer(paper: SurveyPaper, item: Item) -> SurveyAnswer | None:
    """The sheet's answer to one item for one paper, or None if the item has no survey mapping."""
    if item.survey is None:
        return None
    cols = item.survey.columns
    answer = combine([read_answer(paper.cells.get(c), item) for c in cols])
    cells = "; ".join(f"{c.strip()}: {paper.cells.get(c) or '(empty)'}" for c in cols)
    return SurveyAnswer(answer, " ".join(cells.split()))


def survey_answers(survey: Survey, definition: Definition) -> dict[str, dict[str, SurveyAnswer]]:
    """paper key -> item id -> the sheet's answer, for every mapped item."""
    out = {}
    for p in survey.papers:
        out[p.key] = {it.id: a for it in definition.items if (a := item_answer(p, it)) is not None}
    return out


def check_mapping(survey: Survey, definition: Definition, definition_path: Path | None = None) -> None:
    """Every survey column the definition names must be a column of the sheet."""
    from .items import DEFINITION

    columns = set(survey.groups) if survey.groups else set(survey.papers[0].cells) if survey.papers else set()
    for it in definition.items:
        for c in (it.survey.columns if it.survey else []):
            if c not in columns:
                raise MetadataError(definition_path or DEFINITION, f"items[{it.id}].survey.columns",
                                    f"'{c}' is not a column of the survey sheet", "copy the column name exactly, spaces included")


def parse_survey(frame: pd.DataFrame, groups: dict[str, str], source: str = "survey sheet") -> Survey:
    """Papers from the validated sheet: rows without a citation key are the sheet's tallies and are set aside."""
    for col in (CITATION, LINK, TITLE):
        if col not in frame.columns:
            raise DataError(source, col, "missing column", "use the upstream sheet")
    papers, tallies, seen = [], 0, set()
    for i, row in enumerate(frame.to_dict("records")):
        cells = {str(c): (None if pd.isna(v) or not str(v).strip() else str(v)) for c, v in row.items()}
        key = (cells[CITATION] or "").strip()
        if not key:
            tallies += 1
            continue
        if key in seen:
            raise DataError(source, CITATION, f"citation key '{key}' appears twice (data row {i + 1})", "use the upstream sheet")
        seen.add(key)
        papers.append(SurveyPaper(key, " ".join((cells[TITLE] or "").split()), arxiv_id(cells[LINK]), cells))
    return Survey(papers, groups, tallies)


def group_row(path: Path, spec: DataFile) -> dict[str, str]:
    """column name -> the label of its group in the header rows above (carried across blank cells)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [row for _, row in zip(range(spec.header_row + 1), csv.reader(fh))]
    if spec.header_row < 1 or len(rows) <= spec.header_row:
        return {name: "" for name in (rows[-1] if rows else [])}
    groups, current = {}, ""
    for label, name in zip(rows[spec.header_row - 1], rows[spec.header_row]):
        current = label.strip() or current
        groups[name] = current
    return groups


def load_survey(mirror: Path | None = None, datasets_root: Path | None = None) -> Survey:
    """The survey sheet, resolved and checked by the dataset loader (mirror or pinned download, sha256, columns)."""
    meta = load_dataset_meta(DATASET, datasets_root)
    spec = meta.file(FILE_KEY)
    path = resolve_file(DATASET, spec, mirror=mirror)
    frame = validate_frame(read_frame(path, spec), spec, str(path))
    survey = parse_survey(frame, group_row(path, spec), str(path))
    survey.sha256 = spec.sha256
    return survey


def match_suite(survey: Survey, suite_arxiv: dict[str, str | None]) -> dict[str, str]:
    """survey key -> suite paper key: the same citation key, else the same arXiv id (from the Link column)."""
    by_arxiv = {arxiv_id(a): k for k, a in suite_arxiv.items() if arxiv_id(a)}
    out = {}
    for p in survey.papers:
        if p.key in suite_arxiv:
            out[p.key] = p.key
        elif p.arxiv and p.arxiv in by_arxiv:
            out[p.key] = by_arxiv[p.arxiv]
    return out

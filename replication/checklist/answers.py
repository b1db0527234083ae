"""A paper's own checklist answers (papers/<bibkey>/checklist.yaml), validated against the definition.

A paper without the file, or an item the file leaves out, counts as "not assessed". Every error names the
file and the item.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ..data.schema import read_yaml
from ..errors import MetadataError
from .items import ANSWERS, NOT_ASSESSED, AnswerValue, Definition

FILENAME = "checklist.yaml"
MIN_EVIDENCE_CHARS = 3  # letters or digits: "Sec. 3" passes, "." or "-" does not


class ItemAnswer(BaseModel):
    """One answer: the item, the answer, and where it comes from (required unless the item is not assessed)."""

    model_config = ConfigDict(extra="forbid")
    item: str
    answer: AnswerValue
    evidence: str = ""

    @field_validator("answer", mode="before")
    @classmethod
    def _yaml_booleans(cls, v):
        # YAML 1.1 reads an unquoted yes / no as a boolean
        if v is True:
            return "yes"
        if v is False:
            return "no"
        return " ".join(v.lower().split()) if isinstance(v, str) else v

    @field_validator("evidence", mode="before")
    @classmethod
    def _text(cls, v):
        return "" if v is None else " ".join(str(v).split())

    @model_validator(mode="after")
    def _evidence(self) -> "ItemAnswer":
        if self.answer != NOT_ASSESSED and not self.evidence:
            raise ValueError(f"answer '{self.answer}' needs evidence: where in the paper, or the published assessment it comes from")
        if self.answer != NOT_ASSESSED and sum(ch.isalnum() for ch in self.evidence) < MIN_EVIDENCE_CHARS:
            raise ValueError(f"evidence {self.evidence!r} says nothing: name the section, table, figure or appendix, "
                             "or the published assessment it comes from")
        return self


@dataclass
class PaperChecklist:
    """Every item's answer for one paper (items the file leaves out are "not assessed")."""

    key: str
    path: Path
    exists: bool
    answers: dict[str, ItemAnswer] = field(default_factory=dict)

    def answer(self, item_id: str) -> ItemAnswer:
        return self.answers.get(item_id) or ItemAnswer(item=item_id, answer=NOT_ASSESSED)


def checklist_path(key: str, root: Path | None = None) -> Path:
    from .. import paths

    return (root or paths.PAPERS) / key / FILENAME


def load_checklist(key: str, definition: Definition, root: Path | None = None) -> PaperChecklist:
    """Read and validate papers/<key>/checklist.yaml; a missing file means every item is not assessed."""
    path = checklist_path(key, root)
    if not path.exists():
        return PaperChecklist(key, path, exists=False)
    raw = read_yaml(path)
    extra = sorted(set(raw) - {"paper", "answers"})
    if extra:
        raise MetadataError(path, extra[0], "unknown top-level key", "use only 'paper' and 'answers'")
    if raw.get("paper") != key:
        raise MetadataError(path, "paper", f"paper '{raw.get('paper')}' differs from the folder name '{key}'", "make them equal")
    entries = raw.get("answers") or []
    if not isinstance(entries, list):
        raise MetadataError(path, "answers", "expected a list of {item, answer, evidence}", "write one '- item: ...' entry per item")
    known = set(definition.ids)
    answers: dict[str, ItemAnswer] = {}
    for i, entry in enumerate(entries):
        name = str(entry.get("item", f"#{i + 1}")) if isinstance(entry, dict) else f"#{i + 1}"
        if not isinstance(entry, dict):
            raise MetadataError(path, f"answers[{i}]", f"expected a mapping with item, answer and evidence, got {entry!r}",
                                "write '- item: <id>' followed by answer: and evidence: lines")
        if name not in known:
            close = difflib.get_close_matches(str(name), sorted(known), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "see replication/checklist/items.yaml"
            raise MetadataError(path, f"answers[{name}].item", f"unknown item id '{name}'", hint)
        if name in answers:
            raise MetadataError(path, f"answers[{name}]", "item answered twice", "keep one answer per item")
        try:
            answers[name] = ItemAnswer.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "evidence"  # the only whole-entry rule is the evidence rule
            fix = (f"answer must be one of: {', '.join(ANSWERS)}" if loc == "answer"
                   else "say where in the paper (section, table, appendix) or which published assessment")
            raise MetadataError(path, f"answers[{name}].{loc}", err["msg"].removeprefix("Value error, "), fix) from None
    return PaperChecklist(key, path, exists=True, answers=answers)

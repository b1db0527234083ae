"""The checklist definition (replication/checklist/items.yaml): stages, items and their sources, validated with pydantic.

Every error names the definition file and the item it concerns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..data.schema import read_yaml
from ..errors import MetadataError
from .automatic import RULES

DEFINITION = Path(__file__).with_name("items.yaml")

from .codes import NO, NOT_APPLICABLE, NOT_ASSESSED, NOT_STATED, YES  # noqa: F401  (re-exported)
AnswerValue = Literal["yes", "no", "not stated", "not applicable", "not assessed"]
ANSWERS: tuple[str, ...] = get_args(AnswerValue)

StageId = Literal["hypothesis", "training_setup", "data_extraction", "fitting", "artefacts", "uncertainty"]
STAGES: tuple[str, ...] = get_args(StageId)
MisfittingStage = Literal["hypothesis", "training setup", "data extraction", "fitting"]
NeuripsItem = Literal["reproducibility", "open access", "experimental details", "statistical significance", "compute",
                      "licences"]
ReformsModule = Literal["study goals", "computational reproducibility", "data quality", "preprocessing", "modelling",
                        "data leakage", "metrics and uncertainty", "generalisability and limitations"]
AuditCheck = Literal["refit reproduces", "interval plausible", "extrapolates", "robust to choices", "fit health"]


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: StageId
    title: str


class Sources(BaseModel):
    """What an item answers to; at least one source is required."""

    model_config = ConfigDict(extra="forbid")
    misfitting: list[MisfittingStage] = Field(default_factory=list, description="(Mis)Fitting reporting stage(s)")
    neurips: list[NeuripsItem] = Field(default_factory=list, description="NeurIPS paper-checklist item(s)")
    reforms: list[ReformsModule] = Field(default_factory=list, description="REFORMS module(s)")
    audit: list[AuditCheck] = Field(default_factory=list, description="checks the suite runs on the data")

    @model_validator(mode="after")
    def _some(self) -> "Sources":
        if not (self.misfitting or self.neurips or self.reforms or self.audit):
            raise ValueError("name at least one source (misfitting, neurips, reforms or audit)")
        return self

    def labels(self) -> list[str]:
        return ([f"(Mis)Fitting: {s}" for s in self.misfitting] + [f"NeurIPS: {s}" for s in self.neurips]
                + [f"REFORMS: {s}" for s in self.reforms] + [f"audit: {s}" for s in self.audit])


class SurveyMapping(BaseModel):
    """How the (Mis)Fitting survey sheet answers an item: its column(s) and the reading of its codes."""

    model_config = ConfigDict(extra="forbid")
    columns: list[str] = Field(min_length=1, description="survey columns; several are combined (see survey.py)")
    text: Literal["yes", "not assessed"] = Field(description="answer for free text that is not a code")
    codes: dict[str, AnswerValue] = Field(default_factory=dict, description="codes read otherwise than the default")
    reading: str | None = Field(None, description="why the codes are read this way")


class Automatic(BaseModel):
    """A rule of replication/checklist/automatic.py that answers the item from the replication; extra keys are its parameters."""

    model_config = ConfigDict(extra="allow")
    rule: str
    reason: str | None = None

    @property
    def params(self) -> dict:
        return dict(self.model_extra or {})


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    stage: StageId
    question: str = Field(min_length=10)
    yes_when: str = Field(min_length=5)
    ask_authors: str = Field(min_length=10, description="the question to put to the authors when the answer is missing")
    sources: Sources
    survey: SurveyMapping | None = None
    automatic: Automatic | None = None

    @field_validator("question", "yes_when", "ask_authors")
    @classmethod
    def _one_line(cls, v: str) -> str:
        return " ".join(v.split())


class Definition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stages: list[Stage]
    items: list[Item]

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    @property
    def ids(self) -> list[str]:
        return [it.id for it in self.items]

    def stage_title(self, stage: str) -> str:
        return next(s.title for s in self.stages if s.id == stage)

    def items_in(self, stage: str) -> list[Item]:
        return [it for it in self.items if it.stage == stage]


def _error(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    return ".".join(str(p) for p in err["loc"]), err["msg"]


def load_definition(path: Path | None = None) -> Definition:
    """Read and validate the checklist definition; the first problem is raised naming the file and the item."""

    path = Path(path or DEFINITION)
    raw = read_yaml(path)
    extra = sorted(set(raw) - {"stages", "items"})
    if extra:
        raise MetadataError(path, extra[0], "unknown top-level key", "use only 'stages' and 'items'")
    stages = []
    for i, s in enumerate(raw.get("stages") or []):
        try:
            stages.append(Stage.model_validate(s))
        except ValidationError as exc:
            loc, msg = _error(exc)
            raise MetadataError(path, f"stages[{i}].{loc}", msg, f"stage ids are {', '.join(STAGES)}") from None
    if [s.id for s in stages] != list(STAGES):
        raise MetadataError(path, "stages", f"stages must be {', '.join(STAGES)}, in that order", "list each stage once")
    items, seen = [], set()
    raw_items = raw.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise MetadataError(path, "items", "no items", "list the checklist items under 'items'")
    for i, it in enumerate(raw_items):
        name = it.get("id", f"#{i + 1}") if isinstance(it, dict) else f"#{i + 1}"
        try:
            item = Item.model_validate(it)
        except ValidationError as exc:
            loc, msg = _error(exc)
            fix = f"stage must be one of {', '.join(STAGES)}" if loc == "stage" else "see replication/checklist/items.py"
            raise MetadataError(path, f"items[{name}].{loc}", msg, fix) from None
        if item.id in seen:
            raise MetadataError(path, f"items[{item.id}].id", "duplicate item id", "give every item its own id")
        seen.add(item.id)
        if item.automatic is not None:
            rule = RULES.get(item.automatic.rule)
            if rule is None:
                raise MetadataError(path, f"items[{item.id}].automatic.rule", f"unknown rule '{item.automatic.rule}'",
                                    f"use one of {', '.join(sorted(RULES))}")
            given = {k for k, v in item.automatic.model_dump().items() if v is not None}
            missing = [p for p in rule.params if p not in given]
            if missing:
                raise MetadataError(path, f"items[{item.id}].automatic", f"rule '{rule.name}' needs {missing}",
                                    "add the parameter(s) with a reason")
        items.append(item)
    return Definition(stages=stages, items=items)

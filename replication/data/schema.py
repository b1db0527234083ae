"""The dataset metadata schema (datasets/<name>/dataset.yaml), validated with pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import MetadataError


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    meaning: str
    unit: str = "dimensionless"
    dtype: Literal["float", "int", "str", "bool"] = "float"
    positive: bool = Field(False, description="values must be > 0 (the column is taken under a log)")
    nullable: bool = False


class DataFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(description="short name the replication scripts use")
    upstream_path: str = Field(description="path of the file in the upstream repository")
    mirror_path: str = Field(description="path of the file under the data mirror directory")
    url: str = Field(description="URL of the file at the pinned commit")
    sha256: str
    format: Literal["csv", "csv.gz", "json", "jsonl", "json_record", "json_tree", "parquet", "python_literals",
                    "digitised"] = Field(
        "csv", description="json_record: one JSON object, read as one row with nested keys joined by dots; json_tree: "
        "a nested mapping, one row per leaf (tree_keys); python_literals: literal assignments in a script (literals); "
        "digitised: a vector figure (SVG or PDF) whose points the digitiser reads (see `digitise`)")
    literals: dict[str, str] | None = Field(None, description="python_literals: script variable -> column")
    tree_keys: list[str] | None = Field(None, description="json_tree: a column per key level, outermost first, then the value's")
    digitise: dict | None = Field(None, description="for format digitised: the digitisation spec "
                                                    "(replication/digitise/spec.py: page, panel, x, y, colorbar, series)")
    header_row: int = Field(0, ge=0, description="CSV row (from 0) holding the column names; rows above it label groups of columns")
    codes_verbatim: bool = Field(False, description="keep strings such as NA or N/A as written (answer codes); only empty cells are missing")
    columns: list[Column] = Field(default_factory=list)
    extra_columns: Literal["error", "ignore"] = "error"
    duplicate_rows: Literal["error", "drop"] = "error"
    duplicate_note: str | None = None
    derived_here: str | None = Field(None, description="for files converted by the mirror: from what and how")

    @field_validator("sha256")
    @classmethod
    def _hex(cls, v: str) -> str:
        if len(v) != 64 or any(c not in "0123456789abcdef" for c in v):
            raise ValueError("sha256 must be 64 lower-case hex digits")
        return v


class Upstream(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repository: str
    commit: str
    date: str | None = None


class Dataset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    upstream: Upstream
    licence: str
    redistributable: bool = Field(description="whether the licence lets the project ship the bytes (it never does)")
    citation: str
    papers: list[str] = Field(description="bibtex keys of the papers this data serves")
    released_by: list[str] = Field(default_factory=list, description="bibtex keys of the papers whose authors released these files")
    obtained: Literal["released", "digitised", "transcribed", "derived"]
    how_obtained: str
    caveats: list[str] = Field(default_factory=list)
    files: list[DataFile]

    def file(self, key: str | None = None) -> DataFile:
        if key is None:
            if len(self.files) != 1:
                raise KeyError(f"dataset '{self.name}' has several files; name one of {[f.key for f in self.files]}")
            return self.files[0]
        for f in self.files:
            if f.key == key:
                return f
        raise KeyError(f"dataset '{self.name}' has no file '{key}'; files: {[f.key for f in self.files]}")


def read_yaml(path: Path) -> dict:
    """Parse a YAML mapping, turning syntax errors into a MetadataError naming the file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MetadataError(path, None, "file not found", "create it from the template in the README") from None
    except yaml.YAMLError as exc:
        raise MetadataError(path, None, f"not valid YAML ({exc})", "fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise MetadataError(path, None, "expected a mapping at the top level", "write key: value pairs")
    return data


def validate_model(model: type[BaseModel], data: dict, path: Path):
    """Validate ``data`` against ``model``; the first error names the file and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise MetadataError(path, field, err["msg"], "see the schema in replication/" + model.__module__.split(".", 1)[1].replace(".", "/") + ".py") from None


def load_dataset_meta(name: str, root: Path | None = None) -> Dataset:
    """Read and validate datasets/<name>/dataset.yaml."""
    from ..paths import DATASETS

    path = (root or DATASETS) / name / "dataset.yaml"
    return validate_model(Dataset, read_yaml(path), path)

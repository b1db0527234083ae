"""The dataset metadata schema (datasets/<name>/dataset.yaml), validated with pydantic."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import MetadataError
from ..paths import KEY_RULE, is_key

COMMIT = re.compile(r"[0-9a-f]{40}")


def _relative_inside(v: str) -> str:
    """A relative path with no '..' component, so that it stays inside the folder it is joined to."""
    p = PurePosixPath(v)
    if not v or p.is_absolute() or "\\" in v or ".." in p.parts or v.startswith("~"):
        raise ValueError(f"'{v}' must be a relative path inside the mirror (no leading '/', '~' or '..')")
    return v


def https_url(v: str, what: str) -> str:
    """``v`` if it is an https URL with a host, else the error naming the field (``what``)."""
    parts = urlsplit(v)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"{what} '{v}' must be an https:// URL")
    return v


def usable_keys(values: list[str], what: str) -> list[str]:
    """``values`` if every one is a usable key (folder name), else the error naming the first bad one."""
    bad = [k for k in values if not is_key(k)]
    if bad:
        raise ValueError(f"{what} {bad[0]!r} is not usable: use {KEY_RULE}")
    return values


def pinned_commit(v: str) -> str:
    """``v`` if it is a full 40-hex-digit commit id; a branch, tag or short id is refused (it can move)."""
    if not COMMIT.fullmatch(str(v)):
        raise ValueError(f"commit '{v}' must be the full 40-hex-digit commit id, not a branch, tag or short id")
    return v


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    meaning: str
    unit: str = "dimensionless"
    dtype: Literal["float", "int", "str", "bool"] = "float"
    positive: bool = Field(False, description="values must be > 0 (the column is taken under a log)")
    nullable: bool = False


class ErrorsFrom(BaseModel):
    """Per-point digitisation errors for a file of points someone else read off a figure: those of this suite's
    digitisation of the same figure, matched point by point by figure position (data/digitised.py)."""

    model_config = ConfigDict(extra="forbid")
    dataset: str = Field(description="the dataset record of the suite's digitisation (a file of format digitised)")
    file: str = Field(description="its file key")
    position: tuple[str, str] = Field(description="this file's columns holding each point's figure position (x, y), in "
                                                  "the figure units the digitiser reports (x_fig, y_fig)")
    columns: dict[str, str] = Field(description="this file's column -> the digitised column (x, y or value) whose "
                                                "error it takes, as the same share of the value")
    tolerance: float = Field(0.5, gt=0, description="largest distance (figure units) between matched points")


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
    errors_from: ErrorsFrom | None = Field(None, description="points digitised by others: their per-point errors, from "
                                                             "the suite's digitisation of the same figure")
    header_row: int = Field(0, ge=0, description="CSV row (from 0) holding the column names; rows above it label groups of columns")
    codes_verbatim: bool = Field(False, description="keep strings such as NA or N/A as written (answer codes); only empty cells are missing")
    columns: list[Column] = Field(default_factory=list)
    extra_columns: Literal["error", "ignore"] = "error"
    duplicate_rows: Literal["error", "drop"] = "error"
    duplicate_note: str | None = None
    derived_here: str | None = Field(None, description="for files converted by the mirror: from what and how")
    commit: str | None = Field(None, description="the commit this file is pinned at, when it differs from the upstream's")

    @field_validator("url")
    @classmethod
    def _https(cls, v: str) -> str:
        return https_url(v, "url")

    @field_validator("mirror_path")
    @classmethod
    def _mirror_inside(cls, v: str) -> str:
        return _relative_inside(v)

    @field_validator("commit")
    @classmethod
    def _file_commit(cls, v: str | None) -> str | None:
        return v if v is None else pinned_commit(v)

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

    @field_validator("commit")
    @classmethod
    def _pinned(cls, v: str) -> str:
        return pinned_commit(v)

    @field_validator("repository")
    @classmethod
    def _https_repo(cls, v: str) -> str:
        return https_url(v, "repository")


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

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return usable_keys([v], "dataset name")[0]

    @field_validator("papers", "released_by")
    @classmethod
    def _keys(cls, v: list[str]) -> list[str]:
        return usable_keys(v, "paper key")

    def file(self, key: str | None = None) -> DataFile:
        if key is None:
            if len(self.files) != 1:
                raise KeyError(f"dataset '{self.name}' has several files; name one of {[f.key for f in self.files]}")
            return self.files[0]
        for f in self.files:
            if f.key == key:
                return f
        raise KeyError(f"dataset '{self.name}' has no file '{key}'; files: {[f.key for f in self.files]}")


def _yaml_problem(exc: Exception) -> str:
    """A YAML syntax error on one line: what is wrong, and where (line and column, from 1)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where PyYAML has it: the same documents


def read_yaml(path: Path) -> dict:
    """Parse a YAML mapping, turning syntax errors into a MetadataError naming the file."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_SafeLoader)
    except FileNotFoundError:
        raise MetadataError(path, None, "file not found", "create it from the template in the README") from None
    except yaml.YAMLError as exc:
        raise MetadataError(path, None, f"not valid YAML ({_yaml_problem(exc)})", "fix the YAML syntax (tabs cannot indent)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MetadataError(path, None, f"cannot be read ({type(exc).__name__}: {exc})", "make it a readable UTF-8 text file") from None
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
        raise MetadataError(path, field, err["msg"].removeprefix("Value error, "), "see the schema in replication/" + model.__module__.split(".", 1)[1].replace(".", "/") + ".py") from None


_parsed: dict[tuple, Dataset] = {}  # (path, modification time, size) -> the validated record


def _kept_meta(name: str, root: Path | None = None) -> Dataset:
    """The validated record of datasets/<name>/dataset.yaml, parsed once per process while the file is unchanged
    (the kept record itself: callers here only read it)."""
    from ..paths import DATASETS

    if not is_key(name):
        raise MetadataError(f"datasets/{name!r}", "name", f"{name!r} is not a usable dataset name", f"use {KEY_RULE}")
    path = (root or DATASETS) / name / "dataset.yaml"
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    except OSError:
        key = None
    if key is not None and key in _parsed:
        return _parsed[key]
    meta = validate_model(Dataset, read_yaml(path), path)
    if meta.name != name:
        raise MetadataError(path, "name", f"name '{meta.name}' differs from the folder name '{name}'", "make them equal")
    for i, f in enumerate(meta.files):
        commit = f.commit or meta.upstream.commit
        if commit not in urlsplit(f.url).path.split("/"):
            raise MetadataError(path, f"files.{i}.url", f"url '{f.url}' of file '{f.key}' is not pinned to commit {commit} "
                                "(no path component of the URL is that commit)",
                                "use the URL at the pinned commit, or give the file its own 'commit' if it is pinned at another")
    if key is not None:
        _parsed[key] = meta
    return meta


def load_dataset_meta(name: str, root: Path | None = None) -> Dataset:
    """Read and validate datasets/<name>/dataset.yaml; a copy of the kept record, so callers may change it."""
    return _kept_meta(name, root).model_copy(deep=True)


def dataset_file(name: str, key: str | None = None, root: Path | None = None) -> DataFile:
    """One file's record of datasets/<name>/dataset.yaml (a copy): reading one table need not copy a record of
    hundreds of files."""
    return _kept_meta(name, root).file(key).model_copy(deep=True)


def file_keys(name: str, root: Path | None = None) -> list[str]:
    """The keys of the files datasets/<name>/dataset.yaml records, in its order."""
    return [f.key for f in _kept_meta(name, root).files]

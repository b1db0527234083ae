"""The paper metadata schema (papers/<bibkey>/paper.yaml), validated with pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..data.schema import read_yaml, usable_keys, validate_model
from ..errors import MetadataError
from ..paths import check_key, is_key

QUANTITY = re.compile(r"[A-Za-z_][A-Za-z0-9_.@+-]*")


def _has_words(text: str, n: int = 3) -> bool:
    """Whether ``text`` says something: at least ``n`` letters or digits (not just punctuation or blanks)."""
    return sum(ch.isalnum() for ch in text) >= n

Provenance = Literal["paper", "abstract", "repo", "unverified"]


class Interval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: float
    high: float
    level: float = Field(gt=0, lt=1)
    kind: str = Field("not stated", description="what the paper says the interval is (bootstrap, ...)")


Basis = Literal["same data, same method", "other data or method"]


class Derivation(BaseModel):
    """A formula a claim follows from, over other claims' printed values (checked for internal consistency)."""

    model_config = ConfigDict(extra="forbid")
    formula: str = Field(description="arithmetic in the input names (+ - * / **, exp, log, sqrt); never executed as code")
    inputs: dict[str, str] = Field(description="formula name -> claim id whose printed value (and precision) it takes")
    note: str = ""


class Alternative(BaseModel):
    """The same claim judged on a number from another defensible bootstrap criterion or unit."""

    model_config = ConfigDict(extra="forbid")
    quantity: str
    why: str = Field(description="what differs (criterion, unit) and whether the paper leaves the choice open")
    open: bool = Field(description="true if the paper leaves the choice open (a flip between them is borderline)")


class Claim(BaseModel):
    """One number a paper states, where it states it, and how the audit tests it."""

    model_config = ConfigDict(extra="forbid")
    id: str
    statement: str = Field(description="the claim in the project's own words")
    quantity: str | None = Field(None, description="the replicated quantity it is compared with; none = not testable")
    value: float | None = None
    decimals: int | None = Field(None, description="decimals printed in the source (rounding half-unit)")
    interval: Interval | None = None
    se: float | None = Field(None, description="the standard error the source gives with the value")
    source: str = Field(description="where the paper (or its repository) states it")
    provenance: Provenance
    rule: Literal["interval", "outside", "within_se", "same_method", "rounding", "relative", "at_least", "joint",
                  "none"] = "interval"
    basis: Basis | None = Field(None, description="whether the claimed number re-estimates from the same data by the "
                                "same method as the replication, or comes from other data or another method")
    tolerance: float | None = Field(None, description="for rule 'relative': allowed |relative difference|")
    tolerance_reason: str | None = None
    components: list[str] = Field(default_factory=list, description="for rule 'joint': claim ids tested together")
    not_testable_reason: str | None = None
    follows_from: list[Derivation] = Field(default_factory=list, description="formulas the claim follows from")
    fits: list[str] = Field(default_factory=list, description="the fits the claim's quantity is computed from "
                            "(default: the fit its name's prefix names, else the main fit); their health decides identification")
    alternatives: list[Alternative] = Field(default_factory=list, description="the claim judged on other criteria")

    @model_validator(mode="after")
    def _consistent(self) -> "Claim":
        if self.rule == "relative" and (self.tolerance is None or not self.tolerance_reason):
            raise ValueError(f"claim '{self.id}': rule 'relative' needs tolerance and tolerance_reason")
        if self.rule == "within_se" and self.se is None:
            raise ValueError(f"claim '{self.id}': rule 'within_se' needs se")
        if self.rule == "within_se" and self.basis == "same data, same method":
            raise ValueError(f"claim '{self.id}': a re-estimate from the same data by the same method is judged by rule "
                             "'same_method' (printed digits or optimiser tolerance), not 'within_se'")
        if self.rule == "same_method" and self.basis != "same data, same method":
            raise ValueError(f"claim '{self.id}': rule 'same_method' needs basis: same data, same method")
        if self.rule == "same_method" and self.tolerance is not None and not self.tolerance_reason:
            raise ValueError(f"claim '{self.id}': a same_method tolerance needs tolerance_reason (the optimiser's)")
        if self.rule == "joint" and len(self.components) < 2:
            raise ValueError(f"claim '{self.id}': rule 'joint' needs at least two components")
        if self.rule == "none" and not self.not_testable_reason:
            raise ValueError(f"claim '{self.id}': an untestable claim needs not_testable_reason")
        if self.rule == "outside" and self.value is None:
            raise ValueError(f"claim '{self.id}': rule 'outside' (a claim of disagreement) needs the value said to "
                             "disagree")
        if self.rule not in ("none", "joint") and self.value is None and self.interval is None:
            raise ValueError(f"claim '{self.id}': rule '{self.rule}' needs a value or an interval")
        return self

    @field_validator("source")
    @classmethod
    def _source_given(cls, v: str) -> str:
        if not _has_words(v):
            raise ValueError(f"source {v!r} says nothing: give the section, table, figure or page where it is stated")
        return v

    @field_validator("quantity")
    @classmethod
    def _quantity_name(cls, v: str | None) -> str | None:
        if v is not None and not QUANTITY.fullmatch(v):
            raise ValueError(f"quantity {v!r} is not a quantity name (a letter or '_', then letters, digits and _ . @ + -)")
        return v


class Law(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="registered law the replication fits ('none' when there is no data)")
    statement: str


BOOTSTRAP_UNITS = ("points", "configurations", "groups")


def check_bootstrap_unit(spec: dict[str, Any], where: str) -> None:
    """A bootstrap spec's resampling unit: points (default), or configurations / groups with the columns that define them."""
    unit = spec.get("unit", "points")
    if unit not in BOOTSTRAP_UNITS:
        raise ValueError(f"{where}.unit is {unit!r}; use one of {list(BOOTSTRAP_UNITS)}")
    columns = spec.get("columns")
    if unit == "points" and columns:
        raise ValueError(f"{where}: unit 'points' takes no columns; set unit to 'configurations' or 'groups'")
    if unit != "points" and (not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns)):
        raise ValueError(f"{where}: unit {unit!r} needs columns, a list of the column names whose values define a cluster")


class Protocol(BaseModel):
    """The fitting protocol as the paper reports it, and the choices the replication made."""

    model_config = ConfigDict(extra="forbid")
    as_reported: str
    choices: list[str] = Field(default_factory=list, description="what the replication had to decide, and why")
    objective: dict[str, Any] | None = None
    starts: dict[str, Any] | None = None
    bootstrap: dict[str, Any] = Field(default_factory=lambda: {"n": 1000, "seed": 0})
    extrapolation: dict[str, Any] | None = None
    settings: dict[str, Any] = Field(default_factory=dict, description="paper-specific values, e.g. compute budgets")
    multiverse: dict[str, Any] | None = Field(
        default=None, description="alternative fitting choices to add or exclude, each with a reason "
        "(checked in detail by replication/robustness/specs.py)")

    @model_validator(mode="after")
    def _bootstrap_unit(self) -> "Protocol":
        check_bootstrap_unit(self.bootstrap, "protocol.bootstrap")
        return self

    @field_validator("bootstrap")
    @classmethod
    def _bootstrap(cls, v: dict[str, Any]) -> dict[str, Any]:
        for name in ("n", "seed"):
            if name in v and (isinstance(v[name], bool) or not isinstance(v[name], int) or v[name] < 0):
                raise ValueError(f"bootstrap {name} {v[name]!r} must be a whole number >= 0 (n: 0 means no bootstrap)")
        return v


class FitData(BaseModel):
    """Where a declared fit's points come from: a dataset file and the named preparation step of replicate.py."""

    model_config = ConfigDict(extra="forbid")
    dataset: str
    file: str | None = Field(None, description="file key within the dataset (default: its only file; with several files and no key the preparation step gets None and loads what it needs)")
    prepare: str | None = Field(None, description="name of a function in replicate.py: frame -> prepared frame")
    where: str | None = Field(None, description="pandas query selecting the rows the fit uses, after preparation")


class Fit(BaseModel):
    """One fit a paper runs, declared so that any choice can be swapped without touching code."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="'main' for the paper's principal fit; prefixes its quantities otherwise")
    approach: Literal["law", "isoflop", "per_group"] = Field("law", description="a law L(inputs) fitted to points, "
                                                             "Approach 2, or one light fit per group scored on its "
                                                             "held-out rows (learning-curve benchmarks)")
    data: FitData
    law: str | None = Field(None, description="registered law (approach law; default the paper's law)")
    inputs: dict[str, str] = Field(default_factory=dict, description="law input -> column")
    target: str | None = Field(None, description="column the law predicts (approach law)")
    objective: dict[str, Any] | None = Field(None, description="default: protocol.objective")
    starts: dict[str, Any] | None = Field(None, description="start grid; default: protocol.starts")
    isoflop: dict[str, Any] | None = Field(None, description="approach isoflop: budgets, minimum, fit through minima "
                                           "(see replication/protocols/isoflop.py)")
    bootstrap: dict[str, Any] | None = Field(None, description="n, seed, unit (and columns); default protocol.bootstrap")
    extrapolation: dict[str, Any] | None = Field(None, description="split: {column, threshold} or {held_out}; {} = none")
    derived: dict[str, Any] = Field(default_factory=dict, description="compute_budgets for the allocation, names for "
                                    "the exponent and coefficient of an isoflop power law")
    group_by: str | list[str] | None = Field(None, description="column(s): one fit per value; an isoflop fit's "
                                             "quantities end in .<value>, a law fit is named by its name with "
                                             "{group} replaced by the value")
    unsuffixed: str | None = Field(None, description="the group whose quantities carry no .<value> ending")
    plot_against: str | None = None
    figures: bool = Field(True, description="draw the fit and bootstrap figures (false for many small grouped fits "
                          "whose figures would bury the page)")
    fix: dict[str, Any] | None = Field(None, description="hold parameters of the law at values: {values: {param: "
                                       "value} or a protocol.settings key, name: the fixed law's name, report: "
                                       "[constants to report]}")
    options: dict[str, Any] = Field(default_factory=dict, description="engine options of a per_group fit (keep_min, "
                                    "screen_iter, max_iter)")

    @model_validator(mode="after")
    def _complete(self) -> "Fit":
        if self.approach == "law" and (not self.inputs or not self.target):
            raise ValueError(f"fit '{self.name}': approach 'law' needs inputs and target")
        if self.approach == "law" and self.group_by is not None and "{group}" not in self.name:
            raise ValueError(f"fit '{self.name}': a grouped law fit is named per group; put {{group}} in its name, "
                             "e.g. '{group}' or 'fit_{group}'")
        extra = self.extrapolation or {}
        if self.approach == "per_group" and not (self.inputs and self.target and self.group_by
                                                 and (extra.get("held_out") or extra.get("targets"))):
            raise ValueError(f"fit '{self.name}': approach 'per_group' needs inputs, target, group_by and "
                             "extrapolation.held_out (a boolean column: True = scored, not fitted) or "
                             "extrapolation.targets (a boolean column: rows scored for every group)")
        if self.approach == "isoflop" and not self.isoflop:
            raise ValueError(f"fit '{self.name}': approach 'isoflop' needs an isoflop block (budget, size, minimum ...)")
        if self.bootstrap is not None:
            if "unit" in self.bootstrap and self.bootstrap["unit"] not in BOOTSTRAP_UNITS and self.approach == "law":
                raise ValueError(f"fit '{self.name}': bootstrap.unit {self.bootstrap['unit']!r}; use one of {list(BOOTSTRAP_UNITS)}")
            Protocol._bootstrap(dict(self.bootstrap))
        return self


class Comparison(BaseModel):
    """Approach 2 (a declared isoflop fit) against Approach 3 (a declared law fit with a bootstrap) on the same runs."""

    model_config = ConfigDict(extra="forbid")
    isoflop: str = Field(description="name of the isoflop fit (its minima are recomputed on every resample)")
    law: str = Field(description="name of the law fit whose bootstrap resamples are reused (its a_alloc)")


class Table(BaseModel):
    """A paper table replicate.py computes: its caption, and quantities summarising its rows for the claims."""

    model_config = ConfigDict(extra="forbid")
    caption: str = Field(description="caption; {name} fields are filled from protocol.settings")
    quantities: dict[str, "Summary"] = Field(default_factory=dict, description="quantity name -> summary of a column")
    pivot: "Pivot | None" = Field(None, description="reshape the computed rows first: one row per index value")
    columns: dict[str, "Column | str"] = Field(default_factory=dict, description="output column -> its source (a "
                                               "column or pandas expression) and rounding; only these, in this order")


class Figure(BaseModel):
    """The text of a figure replicate.py draws with an audit helper: caption, title and y-axis label."""

    model_config = ConfigDict(extra="forbid")
    caption: str = Field(description="caption; {name} fields are filled from protocol.settings")
    title: str = ""
    ylabel: str = ""


class Column(BaseModel):
    """One declared table column: its source (a column of the computed rows, or a pandas expression on them) and
    optional rounding to decimals or to significant digits."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    source: str = Field(alias="from", description="a column of the computed rows, or a pandas expression on them")
    round: int | None = Field(None, ge=0, description="decimals kept")
    significant: int | None = Field(None, ge=1, description="significant digits kept")

    @model_validator(mode="after")
    def _one_rounding(self) -> "Column":
        if self.round is not None and self.significant is not None:
            raise ValueError("give round (decimals) or significant (digits), not both")
        return self


class Pivot(BaseModel):
    """Rows to a wide table: one row per value of ``index`` (sorted), the ``keep`` columns from its first row, and
    for each value of ``columns`` (in ``order`` if given) one column per entry of ``values`` named
    '<column value> <value name>'; ``rows`` are extra rows (e.g. reference values) placed before an index value."""

    model_config = ConfigDict(extra="forbid")
    index: str
    keep: list[str] = Field(default_factory=list)
    columns: str
    order: list[str] = Field(default_factory=list, description="the column values in output order (default sorted)")
    values: dict[str, str] = Field(description="value name -> source column")
    rows: list["ExtraRow"] = Field(default_factory=list)


class ExtraRow(BaseModel):
    """A row the data does not give (a reference value), placed before the row of index value ``before`` (or last)."""

    model_config = ConfigDict(extra="forbid")
    before: str | None = None
    values: dict[str, Any]


class Summary(BaseModel):
    """One number summarising a table's rows: reduce a column (min, max, mean, sum), or the share/count of rows
    satisfying a pandas query ``where``."""

    model_config = ConfigDict(extra="forbid")
    reduce: Literal["min", "max", "mean", "sum", "share", "count"]
    column: str | None = Field(None, description="the column reduced (min, max, mean, sum)")
    where: str | None = Field(None, description="pandas query on the table's columns (share, count); {name} fields "
                              "are filled from protocol.settings")

    @model_validator(mode="after")
    def _complete(self) -> "Summary":
        if self.reduce in ("share", "count") and not self.where:
            raise ValueError(f"reduce '{self.reduce}' counts rows satisfying a query; give where, e.g. \"p < 0.05\"")
        if self.reduce not in ("share", "count") and not self.column:
            raise ValueError(f"reduce '{self.reduce}' reduces a column; give column")
        return self


Pivot.model_rebuild()
Table.model_rebuild()


class Paper(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    title: str
    authors: list[str]
    year: int
    arxiv: str | None = None
    venue: str | None = None
    status: Literal["replicated", "no public data", "claims only"]
    datasets: list[str] = Field(default_factory=list)
    law: Law
    protocol: Protocol | None = None
    fits: list[Fit] = Field(default_factory=list, description="every fit the replication runs (Audit.run_fits)")
    consistency: list[Comparison] = Field(default_factory=list, description="Approach 2 against Approach 3")
    tables: dict[str, Table] = Field(default_factory=dict, description="captions and summary quantities of the "
                                     "tables replicate.py adds (Audit.add_table)")
    figures: dict[str, Figure] = Field(default_factory=dict, description="caption, title and y label of the figures "
                                       "replicate.py draws with audit helpers (by file stem)")
    claims: list[Claim] = Field(default_factory=list)
    runs_reported: int | None = Field(None, description="training runs the paper reports, if it says")
    notes: list[str] = Field(default_factory=list)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        return usable_keys([v], "key")[0]

    @field_validator("datasets")
    @classmethod
    def _dataset_names(cls, v: list[str]) -> list[str]:
        return usable_keys(v, "dataset name")

    @model_validator(mode="after")
    def _ids_unique(self) -> "Paper":
        ids = [c.id for c in self.claims]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate claim ids {sorted(dup)}")
        names = [f.name for f in self.fits]
        dup_fits = sorted({n for n in names if names.count(n) > 1})
        if dup_fits:
            raise ValueError(f"duplicate fit names {dup_fits}")
        missing_data = [f"{f.name}: {f.data.dataset}" for f in self.fits if f.data.dataset not in self.datasets]
        if missing_data:
            raise ValueError(f"fit {missing_data[0]} names a dataset not listed under datasets")
        known = set(ids)
        for c in self.claims:
            missing = [x for x in c.components if x not in known]
            if missing:
                raise ValueError(f"claim '{c.id}' names unknown components {missing}")
            for d in c.follows_from:
                missing = [x for x in d.inputs.values() if x not in known]
                if missing:
                    raise ValueError(f"claim '{c.id}': follows_from names unknown claims {missing}")
        return self

    def claim(self, cid: str) -> Claim:
        for c in self.claims:
            if c.id == cid:
                return c
        raise KeyError(cid)


def load_paper(key: str, root: Path | None = None) -> Paper:
    """Read and validate papers/<key>/paper.yaml; the key must match the folder."""
    from ..paths import PAPERS

    check_key(key, "paper key", "papers/<key>")
    path = (root or PAPERS) / key / "paper.yaml"
    paper = validate_model(Paper, read_yaml(path), path)
    if paper.key != key:
        raise MetadataError(path, "key", f"key '{paper.key}' differs from the folder name '{key}'", "make them equal")
    return paper


def paper_keys(root: Path | None = None) -> list[str]:
    """Every paper folder that has a paper.yaml, sorted."""
    from ..paths import PAPERS

    base = root or PAPERS
    return sorted(p.parent.name for p in base.glob("*/paper.yaml"))


def unusable_paper_folders(root: Path | None = None) -> list[str]:
    """Paper folders whose name is not a usable key (they are reported, never run)."""
    from ..paths import PAPERS

    base = root or PAPERS
    return sorted(p.parent.name for p in base.glob("*/paper.yaml") if not is_key(p.parent.name))

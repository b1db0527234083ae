"""The digitisation spec (a calibration file or the `digitise:` block of a dataset record), validated with pydantic.

Positions are figure units: SVG user units of the root viewBox, or PDF points from the page's top-left corner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import MetadataError


class TickSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    position: float = Field(description="where the tick is, in figure units along the axis")
    value: float = Field(description="the tick's value in data units")


class AxisSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scale: Literal["linear", "log"] | None = Field(None, description="None: decided from the ticks")
    ticks: list[TickSpec] = Field(default_factory=list, description="at least two; empty: read from the figure")

    @field_validator("ticks")
    @classmethod
    def _enough(cls, v: list[TickSpec]) -> list[TickSpec]:
        if len(v) == 1:
            raise ValueError("give at least two ticks (or none, to read them from the figure)")
        return v


class DigitiseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page: int = Field(1, ge=1, description="PDF page, from 1")
    panel: tuple[float, float, float, float] | None = Field(None, description="x0, y0, x1, y1 of the plot to read")
    x: AxisSpec = Field(default_factory=AxisSpec)
    y: AxisSpec = Field(default_factory=AxisSpec)
    colorbar: AxisSpec | Literal[False] | None = Field(None, description="False: ignore any colour bar")
    series: dict[str, str] = Field(default_factory=dict, description="rename series: automatic name -> name")
    markers: Literal["auto", "shapes", "fragments"] = Field(
        "auto", description="shapes: one path per marker; fragments: markers flattened into the fragments of their "
                            "overlaps (replication/digitise/fragments.py); auto: fragments when the plot looks so")

    @field_validator("panel")
    @classmethod
    def _ordered(cls, v):
        if v is not None and (v[2] <= v[0] or v[3] <= v[1]):
            raise ValueError("panel must be x0, y0, x1, y1 with x1 > x0 and y1 > y0")
        return v


def load_spec(path: Path) -> DigitiseSpec:
    """Read and validate a calibration file; errors name the file and the field."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise MetadataError(path, None, "calibration file not found", "check the path") from None
    except yaml.YAMLError as exc:
        raise MetadataError(path, None, f"not valid YAML ({exc})", "fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise MetadataError(path, None, "expected a mapping at the top level", "write x:, y: and the other fields")
    try:
        return DigitiseSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise MetadataError(path, field, err["msg"], "see the spec in replication/digitise/spec.py") from None

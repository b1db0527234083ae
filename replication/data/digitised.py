"""Datasets whose points are digitised from a pinned figure file: the record's `digitise` spec is validated and the
figure (already resolved and checked by sha256) is digitised into the points table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError
from .schema import DataFile

# Columns a digitised points table can have (series, x, y always; value where a colour bar maps it).
DIGITISED_COLUMNS = ("series", "x", "y", "value", "x_err", "y_err", "value_err")


def read_digitised(path: Path, spec: DataFile) -> pd.DataFrame:
    """The digitised points of the figure at ``path`` by the record's spec (series, x, y, [value], errors)."""
    from ..digitise import digitise_figure
    from ..digitise.spec import DigitiseSpec
    from pydantic import ValidationError

    try:
        dspec = DigitiseSpec.model_validate(spec.digitise or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = "digitise." + ".".join(str(p) for p in err["loc"])
        raise DataError(f"dataset record of file '{spec.key}'", field, err["msg"],
                        "see the spec in replication/digitise/spec.py") from None
    points = digitise_figure(path, spec=dspec).points
    return points[[c for c in DIGITISED_COLUMNS if c in points.columns]].reset_index(drop=True)

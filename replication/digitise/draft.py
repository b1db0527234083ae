"""A dataset-record draft for a digitised figure: format digitised, the figure's checksum, the spec that read it,
and the columns found; what only the reviewer knows (where the figure is published) is left to fill in."""

from __future__ import annotations

import yaml

from .result import Digitisation
from .spec import DigitiseSpec

TODO = "TO BE FILLED IN"


def record_draft(d: Digitisation, key: str, spec: DigitiseSpec | None) -> str:
    """The text of datasets/<name>/dataset.yaml for the figure just digitised (YAML with a comment header)."""
    dig = {"page": d.page, "panel": [round(float(v), 4) for v in d.panel]}
    if spec is not None:
        extra = spec.model_dump(exclude_defaults=True, exclude={"page", "panel"})
        dig.update(extra)
    units = {"x": "x axis unit", "y": "y axis unit", "value": "colour-bar unit"}
    columns = [{"name": "series", "meaning": "series (marker style) of the point", "dtype": "str"}]
    for c in ("x", "y", "value"):
        if c in d.points.columns:
            columns.append({"name": c, "meaning": f"{TODO}: what the {c} {'axis' if c != 'value' else 'colour'} shows",
                            "unit": f"{TODO}: {units[c]}"})
            columns.append({"name": f"{c}_err", "meaning": f"digitisation error of {c}", "unit": f"{TODO}: {units[c]}"})
    record = {
        "name": f"{key}-figure",
        "title": f"{TODO}: which figure of {key} the points come from",
        "upstream": {"repository": f"{TODO}: where the figure file is published", "commit": f"{TODO}: the commit"},
        "licence": f"{TODO}: the licence of the figure's source",
        "redistributable": False,
        "citation": f"{TODO}: the paper the figure is from",
        "papers": [key],
        "released_by": [],
        "obtained": "digitised",
        "how_obtained": f"Digitised by replication/digitise from {d.figure}, page {d.page}; x {d.x.scale} from "
                        f"{d.x.source}, y {d.y.scale} from {d.y.source}"
                        + (f", values from a {d.colour_bar.calibration.scale} colour bar" if d.colour_bar else "") + ".",
        "caveats": [f"{TODO}: check the series names and the calibration in digitisation.yaml"],
        "files": [{"key": "points", "upstream_path": f"{TODO}: path of {d.figure} upstream",
                   "mirror_path": f"{key}-figure/{d.figure}", "url": f"{TODO}: URL of the figure at the commit",
                   "sha256": d.sha256, "format": "digitised", "digitise": dig, "columns": columns}],
    }
    head = (f"# Draft dataset record for the points digitised from {d.figure} (sha256 {d.sha256}).\n"
            "# Fill in every 'TO BE FILLED IN', move it to datasets/<name>/dataset.yaml, put the figure at\n"
            "# <mirror>/<mirror_path>, list <name> under datasets in the paper's paper.yaml, then run make.\n")
    return head + yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=110)

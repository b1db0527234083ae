"""The `digitise` command (command-line layer): figure in, points.csv and digitisation.yaml out, errors printed with their fix."""

from __future__ import annotations

import sys
from pathlib import Path

from .digitise.errors import DigitiseError
from .errors import AuditError


def _scaffolded(key: str) -> Path:
    """papers/<key>/, scaffolded from the review templates if it does not exist yet."""
    from . import paths
    from .checklist.scaffold import scaffold_paper

    key = paths.check_key(key, "paper key", "make review PAPER=<key> FIGURE=<pdf>")
    folder = paths.PAPERS / key
    if not (folder / "paper.yaml").exists():
        for f in scaffold_paper(key):
            print(f"created {f}")
    return folder


def parse_panel(text: str | None, figure: str) -> tuple[float, float, float, float] | None:
    """X0,Y0,X1,Y1 as four floats; a malformed value names the option and the fix."""
    if text is None:
        return None
    try:
        parts = tuple(float(v) for v in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4 or parts[2] <= parts[0] or parts[3] <= parts[1]:
        raise DigitiseError(figure, f"--panel '{text}' is not X0,Y0,X1,Y1 with X1 > X0 and Y1 > Y0",
                            "give four comma-separated numbers, e.g. --panel 80,20,510,370")
    return parts  # type: ignore[return-value]


def digitise_command(figure: str, page: int | None, panel: str | None, calibration: str | None, out: str | None,
                     paper: str | None = None) -> int:
    """Run the digitiser and write its outputs; 0 on success, 1 with the error on stderr.

    With ``paper``, the outputs go into papers/<paper>/digitised/ (the paper is scaffolded first if it is new),
    with a draft dataset record for the figure."""
    from .digitise import digitise_figure, write_digitisation
    from .digitise.spec import load_spec

    try:
        spec = load_spec(Path(calibration)) if calibration else None
        if paper is not None:
            out = str(_scaffolded(paper) / "digitised")
        d = digitise_figure(figure, page=page, panel=parse_panel(panel, figure), spec=spec)
        points, meta = write_digitisation(d, Path(out or "digitised"))
        if paper is not None:
            from .digitise.draft import record_draft
            from .results import write_text_atomic

            draft = Path(out) / "dataset.draft.yaml"
            write_text_atomic(draft, record_draft(d, paper, spec))
            print(f"draft dataset record written to {draft}")
    except AuditError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = d.points["series"].value_counts().sort_index()
    print(f"{len(d.points)} point(s) in {len(counts)} series: " + ", ".join(f"{k} ({v})" for k, v in counts.items()))
    print(f"x axis {d.x.scale} from {d.x.source} (residual {d.x.residual:.3g}), "
          f"y axis {d.y.scale} from {d.y.source} (residual {d.y.residual:.3g})"
          + (f", colour bar {d.colour_bar.calibration.scale}" if d.colour_bar is not None else ""))
    for w in d.warnings:
        print(f"warning: {w}")
    print(f"wrote {points} and {meta}")
    return 0

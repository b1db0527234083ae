"""The digitiser's error: names the figure, what was not found, and the fix."""

from __future__ import annotations

from ..errors import AuditError, shown_path


class DigitiseError(AuditError):
    """A figure could not be digitised (no axes, no ticks, no markers, bad calibration)."""

    def __init__(self, figure: object, problem: str, fix: str):
        self.figure, self.problem, self.fix = shown_path(figure), problem, fix
        super().__init__(f"{self.figure}: {problem}. Fix: {fix}")

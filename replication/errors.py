"""Errors the suite raises for bad input: each names the file, the field and the fix."""

from __future__ import annotations


def shown_path(path: object) -> str:
    """A path as users should see it: relative to the project root when inside it."""
    from pathlib import Path

    text = str(path)
    if "://" in text or not Path(text).is_absolute():
        return text
    try:
        root = Path(__file__).resolve().parent.parent
        return str(Path(text).resolve().relative_to(root))
    except (ValueError, OSError):
        return text


class AuditError(Exception):
    """Base class for every error the suite reports to a user."""


class DataError(AuditError):
    """A data file is missing, corrupt, or does not match its declared schema."""

    def __init__(self, file: str, field: str | None, problem: str, fix: str):
        self.file, self.field, self.problem, self.fix = shown_path(file), field, problem, fix
        where = f"{self.file}" + (f", field '{field}'" if field else "")
        super().__init__(f"{where}: {problem}. Fix: {fix}")


class MetadataError(AuditError):
    """A metadata file (dataset, paper, checklist) is invalid."""

    def __init__(self, file: str, field: str | None, problem: str, fix: str = "correct the file"):
        self.file, self.field, self.problem, self.fix = shown_path(file), field, problem, fix
        where = f"{self.file}" + (f", field '{field}'" if field else "")
        super().__init__(f"{where}: {problem}. Fix: {fix}")


class FitError(AuditError):
    """A fit could not be carried out (no finite objective, no convergence from any start)."""


class SettingError(AuditError):
    """A setting (command-line option, make variable or environment variable) has an unusable value."""

    def __init__(self, name: str, value: object, problem: str, fix: str):
        self.name, self.value, self.problem, self.fix = name, value, problem, fix
        super().__init__(f"{name}={value!r}: {problem}. Fix: {fix}")


class ResultError(AuditError):
    """A result file (build/<key>/result.json) cannot be read."""

    def __init__(self, file: object, problem: str, fix: str = "run `make` to rebuild it"):
        self.file, self.problem, self.fix = shown_path(file), problem, fix
        super().__init__(f"{self.file}: {problem}. Fix: {fix}")


class TimeLimitExceeded(BaseException):
    """A paper's replication ran past its time limit (a BaseException so that `except Exception` in a script
    cannot swallow it)."""


class UnusableData(AuditError):
    """A paper cannot run because a dataset it uses failed verification (the message quotes that problem)."""

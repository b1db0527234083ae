"""Where the project's folders are, the environment variables that move them, and the one pattern for keys.

Paper keys and dataset names become folder and file names (papers/<key>/, build/<key>/, report/papers/<key>.md,
datasets/<name>/), so every entry point checks them against ``KEY_PATTERN`` before building a path from them.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

from .errors import MetadataError

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "datasets"
PAPERS = ROOT / "papers"
BUILD = Path(os.environ.get("SCALING_AUDIT_BUILD", ROOT / "build"))
REPORT = Path(os.environ.get("SCALING_AUDIT_REPORT", ROOT / "report"))

MIRROR_ENV = "SCALING_AUDIT_MIRROR"
CACHE_ENV = "SCALING_AUDIT_CACHE"
DEFAULT_MIRROR = ROOT.parent / "shared" / "datasets"

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,79}")
KEY_RULE = "lower-case letters, digits, '_' or '-', starting with a letter, at most 80 characters (e.g. smith2024scaling)"


def is_key(text: object) -> bool:
    """Whether ``text`` is a usable paper key or dataset name (safe as a single path component)."""
    return isinstance(text, str) and KEY_PATTERN.fullmatch(text) is not None


def check_key(text: object, what: str = "paper key", where: str = "the command line") -> str:
    """Return ``text`` if it is a usable key; otherwise raise a MetadataError saying where it came from."""
    if not is_key(text):
        raise MetadataError(where, what, f"{text!r} is not a usable {what}", f"use {KEY_RULE}")
    return str(text)


def suggest(name: str, known: list[str]) -> str:
    """A "did you mean" hint for a name that is not among ``known`` ('' when nothing is close)."""
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def mirror_dir() -> Path | None:
    """The data mirror: $SCALING_AUDIT_MIRROR if set (empty disables it), else ../shared/datasets if present."""
    value = os.environ.get(MIRROR_ENV)
    if value is not None:
        return Path(value) if value else None
    return DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None


def cache_dir() -> Path:
    """Where downloaded files are kept: $SCALING_AUDIT_CACHE, else the user cache folder."""
    value = os.environ.get(CACHE_ENV)
    if value:
        return Path(value)
    import pooch

    return Path(pooch.os_cache("scaling-audit"))


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with symbolic links resolved, lies inside ``root`` (also resolved)."""
    try:
        return Path(path).resolve().is_relative_to(Path(root).resolve())
    except OSError:
        return False

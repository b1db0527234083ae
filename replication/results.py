"""Per-paper result files (build/<key>/result.json): written atomically with the user's umask, read by the report."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from .errors import ResultError


def _plain(obj):
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    np = sys.modules.get("numpy")  # a numpy value exists only where numpy is loaded (not imported here for it)
    if np is None:
        return obj
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def current_umask() -> int:
    """The process umask (read by setting and restoring it; there is no read-only call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path: Path, text: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place; the file gets the user's umask
    (mkstemp alone would leave it readable by the owner only)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def unserialisable(obj, where: str = "result") -> str | None:
    """The first place in ``obj`` (after numpy conversion) that JSON cannot hold, e.g. "result.tables.x.rows[0].a
    (a set)"; None when everything can be written."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                return f"{where} (key of type {type(k).__name__})"
            found = unserialisable(v, f"{where}.{k}")
            if found:
                return found
        return None
    if isinstance(obj, list):
        for i, v in enumerate(obj):
            found = unserialisable(v, f"{where}[{i}]")
            if found:
                return found
        return None
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return None
    return f"{where} (a {type(obj).__name__})"


def result_json(result: dict) -> str:
    """The text of a result file; raises ResultError naming the first value JSON cannot hold."""
    plain = _plain(result)
    bad = unserialisable(plain)
    if bad:
        raise ResultError(f"build/{result.get('paper', '?')}/result.json", f"cannot be written: {bad} is not a number, "
                          "string, list or mapping", "record plain values (numbers, strings, lists, dicts) in the script")
    return json.dumps(plain, indent=1, sort_keys=True) + "\n"


def write_result(path: Path, result: dict) -> None:
    """Write a result file atomically (a value JSON cannot hold raises ResultError and writes nothing)."""
    write_text_atomic(path, result_json(result))


def read_result(path: Path) -> dict:
    """Read a result file; a missing, truncated or malformed file raises ResultError naming it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultError(path, "no such result file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultError(path, f"unreadable or corrupt ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise ResultError(path, f"not a result record (a JSON {type(data).__name__}, expected a mapping)")
    return data


def read_paper_result(path: Path, key: str) -> dict:
    """A paper's result file, checked to be that paper's record with a status (else ResultError)."""
    data = read_result(path)
    if data.get("paper") != key or not isinstance(data.get("status"), str):
        raise ResultError(path, f"not the result record of paper '{key}' (its 'paper' or 'status' is missing or wrong)")
    return data

"""How a result was made: the inputs it depends on (hashed), the settings and the code version.

A result is current when the hash of its inputs and its settings equal today's; the git commit is recorded but not
compared, because the library's source is hashed itself (a commit that changes only documentation or reporting
code does not rerun a paper, and an uncommitted edit of the library does).
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
from pathlib import Path

from . import __version__
from . import paths
from .errors import SettingError
from .paths import ROOT
from .settings import COVERAGE_B_ENV, COVERAGE_K_ENV, coverage_b_setting, coverage_k_setting, script_multiverse_setting

# Code that only assembles the report or drives runs never changes a result's numbers.
NOT_RESULT_CODE = ("replication/cli.py", "replication/runner.py", "replication/lock.py", "replication/report/build.py",
                   "replication/report/pages.py", "replication/report/tables.py", "replication/report/cross_paper.py",
                   "replication/report/provenance.py")
NOT_RESULT_DIRS = ("replication/checklist/",)


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def library_files() -> tuple[Path, ...]:
    """The library source a result depends on, plus the package metadata and the pinned environment."""
    files = []
    for p in sorted((ROOT / "replication").rglob("*.py")):
        rel = p.relative_to(ROOT).as_posix()
        if rel not in NOT_RESULT_CODE and not rel.startswith(NOT_RESULT_DIRS) and "__pycache__" not in rel:
            files.append(p)
    files += [p for p in (ROOT / "pyproject.toml", ROOT / "requirements.lock") if p.is_file()]
    return tuple(files)


@functools.lru_cache(maxsize=1)
def library_digest() -> str:
    """One sha256 over the library files (names and contents)."""
    h = hashlib.sha256()
    for p in library_files():
        h.update(p.relative_to(ROOT).as_posix().encode() + b"\0" + _sha(p).encode() + b"\n")
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_version() -> dict:
    """The package version, the git commit and whether tracked files differ from it (None outside a git tree)."""
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=20, check=True)
            return out.stdout
        except (OSError, subprocess.SubprocessError):
            return None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"version": __version__, "commit": commit.strip() if commit else None,
            "dirty": bool(status.strip()) if status is not None else None}


def input_files(key: str, datasets: list[str] | None, papers_root: Path | None = None) -> dict[str, Path]:
    """The paper's own files and the dataset records it uses (every record when its paper.yaml is unreadable)."""
    root = Path(papers_root or paths.PAPERS)
    files = {f"papers/{key}/{n}": root / key / n for n in ("paper.yaml", "replicate.py") if (root / key / n).is_file()}
    names = datasets if datasets is not None else sorted(p.parent.name for p in paths.DATASETS.glob("*/dataset.yaml"))
    for name in names:
        p = paths.DATASETS / name / "dataset.yaml"
        files[f"datasets/{name}/dataset.yaml"] = p
    return files


def fingerprint(key: str, datasets: list[str] | None, data_problems: dict[str, list[str]], n_boot_override: int | None,
                time_limit_s: float, papers_root: Path | None = None) -> dict:
    """Everything a result depends on: input hashes, data verification status, library hash and settings."""
    inputs = {rel: (_sha(p) if p.is_file() else "missing") for rel, p in input_files(key, datasets, papers_root).items()}
    names = datasets if datasets is not None else sorted(data_problems)
    status = {n: ("; ".join(data_problems[n]) or "ok") if n in data_problems else "unregistered" for n in names}
    digest = hashlib.sha256(repr((sorted(inputs.items()), sorted(status.items()), library_digest())).encode()).hexdigest()
    return {"inputs": inputs, "data_status": status, "library_sha256": library_digest(), "inputs_sha256": digest,
            "n_boot_override": n_boot_override, "time_limit_s": time_limit_s,
            "coverage": _coverage_settings(), "script_multiverse": script_multiverse_setting()}


def _coverage_settings() -> list:
    """K and B of the coverage study; the raw values when invalid (the run itself reports the bad setting)."""
    try:
        return [coverage_k_setting(), coverage_b_setting()]
    except SettingError:
        return [os.environ.get(COVERAGE_K_ENV, ""), os.environ.get(COVERAGE_B_ENV, "")]


def out_of_date(result: dict | None, now: dict) -> str | None:
    """Why a result is out of date against today's fingerprint, or None when it is current."""
    if result is None:
        return "no result"
    made = result.get("made")
    if not isinstance(made, dict):
        return "the result does not record how it was made"
    if made.get("inputs_sha256") != now["inputs_sha256"]:
        changed = sorted(k for k in set(made.get("inputs", {})) | set(now["inputs"])
                         if made.get("inputs", {}).get(k) != now["inputs"].get(k))
        if made.get("data_status") != now["data_status"]:
            changed.append("data verification")
        if made.get("library_sha256") != now["library_sha256"]:
            changed.append("library source")
        return "changed: " + (", ".join(changed) or "inputs")
    if made.get("n_boot_override") != now["n_boot_override"]:
        return f"made with bootstrap override {made.get('n_boot_override')}, now {now['n_boot_override']}"
    if made.get("coverage") != now.get("coverage"):
        return f"made with coverage study K, B = {made.get('coverage')}, now {now.get('coverage')}"
    if made.get("script_multiverse", "default") != now.get("script_multiverse", "default"):
        return f"made with the paper-level multiverse '{made.get('script_multiverse', 'default')}', now '{now.get('script_multiverse')}'"
    if result.get("status") == "failed" and made.get("time_limit_s") != now["time_limit_s"]:
        return "failed under another time limit"
    return None

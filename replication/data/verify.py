"""Resolve and checksum every file of every registered dataset, reporting every bad file (not only the first).

A file whose stat (size, modification time, inode) has not changed since it last verified is not hashed again:
the check is cached in build/.data-verified.json, so an incremental run does not re-read every data file.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import AuditError
from .. import paths
from ..paths import is_key
from .resolve import resolve_file
from .schema import load_dataset_meta

CACHE_NAME = ".data-verified.json"


def _stat_key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"


def dataset_problems(build: Path | None = None, quiet: bool = True) -> dict[str, list[str]]:
    """Every registered dataset with the problems of its files (an empty list: every file verified)."""
    from ..results import write_text_atomic

    cache_path = Path(build or paths.BUILD) / CACHE_NAME
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
        cache = cache if isinstance(cache, dict) else {}
    except (OSError, ValueError):
        cache = {}
    new_cache: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    for meta_path in sorted(paths.DATASETS.glob("*/dataset.yaml")):
        name = meta_path.parent.name
        problems[name] = []
        if not is_key(name):
            problems[name].append(f"datasets/{name}: the folder name is not a usable dataset name")
            continue
        try:
            meta = load_dataset_meta(name)
        except AuditError as exc:
            problems[name].append(str(exc))
            continue
        for spec in meta.files:
            try:
                path = _verified(name, spec, cache, new_cache)
                if not quiet:
                    print(f"ok    {name}/{spec.key}  sha256 {spec.sha256[:12]}  ({path})")
            except AuditError as exc:
                problems[name].append(str(exc))
    if new_cache != cache:
        try:
            write_text_atomic(cache_path, json.dumps(new_cache, indent=1, sort_keys=True) + "\n")
        except OSError:
            pass  # the cache only saves time
    return problems


def _verified(name, spec, cache: dict, new_cache: dict) -> Path:
    """The verified path of one file, using the stat cache when the file has not changed."""
    from ..paths import mirror_dir

    mirror = mirror_dir()
    if mirror is not None:
        candidate = Path(mirror) / spec.mirror_path
        if candidate.is_file():
            key = f"{name}/{spec.key}"
            stamp = f"{_stat_key(candidate)}|{spec.sha256}"
            if cache.get(key) == stamp:
                new_cache[key] = stamp
                return candidate
            path = resolve_file(name, spec)
            if path == candidate:
                new_cache[key] = stamp
            return path
    return resolve_file(name, spec)


def verify_all(build: Path | None = None) -> bool:
    """Check every file, print one line per file and one per problem; True when all verified."""
    problems = dataset_problems(build, quiet=False)
    for name, errs in problems.items():
        for e in errs:
            print(f"FAIL  {name}: {e}")
    bad = sorted(n for n, e in problems.items() if e)
    if bad:
        print(f"{len(bad)} dataset(s) with problems: {', '.join(bad)}; only the papers that use them fail")
    return not bad

"""What every table and page carries: project version, code commit and working-tree state, every setting that
overrode a paper's protocol, and the checksums of the data used."""

from __future__ import annotations

import os
import subprocess

from .. import __version__
from ..paths import ROOT

NAME = "scaling-law-audit"  # the distribution's name, as tables and citations give it
N_BOOT_ENV = "SCALING_AUDIT_N_BOOT"
WATCHED = ("papers", "datasets")  # untracked files here change what the suite audits


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def tree_state() -> dict:
    """HEAD's commit and what differs from it: modified tracked files, untracked files under papers/ and datasets/."""
    try:
        head = _git("rev-parse", "HEAD").strip()
        modified = [line[3:] for line in _git("status", "--porcelain", "--untracked-files=no").splitlines() if line]
        untracked = [p for p in _git("ls-files", "--others", "--exclude-standard", "--", *WATCHED).splitlines() if p]
        date = _git("log", "-1", "--format=%cs").strip()
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown", "modified": [], "untracked": [], "date": ""}
    return {"commit": head, "modified": sorted(modified), "untracked": sorted(untracked), "date": date}


def git_commit() -> str:
    """HEAD's commit, suffixed '-dirty' when tracked files differ or papers/ or datasets/ hold untracked files."""
    state = tree_state()
    dirty = state["modified"] or state["untracked"]
    return state["commit"] + ("-dirty" if dirty and state["commit"] != "unknown" else "")


def _recorded(r: dict) -> dict:
    """Settings a result records about how it was made (read defensively: older results have none)."""
    found = {}
    for section in ("settings", "made", "run", "provenance"):
        if isinstance(r.get(section), dict):
            found.update(r[section])
            if isinstance(r[section].get("code"), dict):  # made.code: version, commit, dirty
                found.update({k: v for k, v in r[section]["code"].items() if k == "dirty"})
    for key in ("n_boot_override", "override", "overrides", "dirty", "code_version", "commit"):
        if key in r:
            found[key] = r[key]
    return found


def overrides(results: list[dict]) -> list[str]:
    """Every setting that replaced a paper's protocol: the bootstrap override in the environment or in a result."""
    lines = []
    env = os.environ.get(N_BOOT_ENV, "").strip()
    if env:
        lines.append(f"override: {N_BOOT_ENV}={env} in the environment at build time (bootstrap counts replaced)")
    per = {}
    for r in results:
        rec = _recorded(r)
        value = rec.get("n_boot_override", rec.get("override"))
        if isinstance(rec.get("overrides"), dict):
            value = rec["overrides"].get("n_boot", rec["overrides"].get("n_boot_override", value))
        if value not in (None, "", False, {}):
            per.setdefault(str(value), []).append(str(r.get("paper", "?")))
    for value, papers in sorted(per.items()):
        lines.append(f"override: bootstrap count {value} instead of the protocol's, in the results of {', '.join(sorted(papers))}")
    return lines


def dirty_results(results: list[dict]) -> list[str]:
    """Papers whose result says it was made from a working tree that differed from its commit."""
    return sorted(str(r.get("paper", "?")) for r in results if _recorded(r).get("dirty") is True)


def provenance(results: list[dict]) -> dict:
    """Version, commit, tree state, overrides and data checksums for the report built from ``results``."""
    data = {}
    for r in results:
        for d in r.get("data", []):
            data[f"{d['dataset']}/{d['file']}"] = d["sha256"]
    state = tree_state()
    commit = git_commit()
    return {"version": __version__, "commit": commit, "date": state["date"], "modified": state["modified"],
            "untracked": state["untracked"], "overrides": overrides(results), "dirty_results": dirty_results(results),
            "data": dict(sorted(data.items()))}


def _listing(paths: list[str], limit: int = 8) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def provenance_lines(prov: dict) -> list[str]:
    """The header of every table: what built it, from which tree, with which overrides, from which data."""
    lines = [f"{NAME} {prov['version']}, commit {prov['commit']}"]
    if prov.get("modified"):
        lines.append(f"dirty: {len(prov['modified'])} tracked file(s) differ from the commit: {_listing(prov['modified'])}")
    if prov.get("untracked"):
        lines.append(f"dirty: untracked file(s) under papers/ or datasets/: {_listing(prov['untracked'])}")
    if prov.get("dirty_results"):
        lines.append(f"dirty: results made from a modified tree: {_listing(prov['dirty_results'])}")
    lines += list(prov.get("overrides", []))
    lines += [f"data {name} sha256 {sha}" for name, sha in prov["data"].items()]
    return lines

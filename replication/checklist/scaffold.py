"""Scaffold a new paper folder for review: a paper.yaml skeleton that validates (status "claims only"), a checklist
with every item "not assessed", a replicate.py stub that fails loudly, and a dataset template for digitised points."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path
from string import Template

from ..data.schema import read_yaml
from ..errors import AuditError, MetadataError
from ..paths import KEY_RULE, is_key
from ..results import current_umask
from .answers import FILENAME as CHECKLIST
from .items import Definition, load_definition

PLACEHOLDER = "TO BE FILLED IN"
STUB_MARK = "SCAFFOLD_STUB = True"
DATASET_TEMPLATE = "dataset.template.yaml"
TEMPLATES = Path(__file__).with_name("templates")


def checklist_text(key: str, definition: Definition) -> str:
    """checklist.yaml with every item "not assessed", each preceded by its question as a comment."""
    lines = [f"# papers/{key}/checklist.yaml: one answer per item of replication/checklist/items.yaml.",
             "# answer: yes / no / not stated / not applicable / not assessed (quote \"yes\" and \"no\").",
             "# evidence: where in the paper (section, table, appendix), or the published assessment it comes from;",
             "# required for every answer but \"not assessed\". Items marked [replication] are answered by the suite.",
             f"paper: {key}", "answers:"]
    for stage in definition.stages:
        lines.append(f"  # -- {stage.title}")
        for it in definition.items_in(stage.id):
            mark = " [replication]" if it.automatic else ""
            lines.append(f"  # {it.question}{mark}")
            lines.append(f"  #   yes when: {it.yes_when}")
            lines += [f"  - item: {it.id}", "    answer: not assessed", "    evidence: \"\""]
    return "\n".join(lines) + "\n"


def _survey_entry(key: str):
    """The survey sheet's row for this key, if the sheet is available and rates the paper."""
    try:
        from .survey import load_survey

        return load_survey().paper(key)
    except AuditError:
        return None


def scaffold_paper(key: str, papers_root: Path | None = None, survey_entry=None) -> list[Path]:
    """Create papers/<key>/ from the templates (title and arXiv id from the survey sheet when it rates the paper).

    The folder is assembled in a temporary directory and renamed into place, so it is created whole or not at all.
    """
    from .. import paths

    if not is_key(key):
        raise MetadataError(f"papers/{key!r}", None, f"{key!r} is not a usable bibtex key", f"use {KEY_RULE}")
    root = Path(papers_root or paths.PAPERS)
    folder = root / key
    if folder.exists():
        raise MetadataError(folder, None, "the paper folder already exists", "review it without scaffolding, or pick a new key")
    entry = survey_entry if survey_entry is not None else _survey_entry(key)
    year = re.search(r"(19|20)\d{2}", key)
    values = {
        "key": key,
        "title": json.dumps(entry.title if entry and entry.title else f"{PLACEHOLDER}: the paper's title"),
        "year": year.group(0) if year else "0",
        "arxiv": json.dumps(entry.arxiv) if entry and entry.arxiv else "null",
    }
    definition = load_definition()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        tmp.chmod(0o777 & ~current_umask())  # mkdtemp makes it private; a paper folder is not
        for name in ("paper.yaml", "replicate.py", DATASET_TEMPLATE):
            text = Template((TEMPLATES / f"{name}.tmpl").read_text(encoding="utf-8")).substitute(values)
            (tmp / name).write_text(text, encoding="utf-8")
        (tmp / CHECKLIST).write_text(checklist_text(key, definition), encoding="utf-8")
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [folder / n for n in ("paper.yaml", CHECKLIST, "replicate.py", DATASET_TEMPLATE)]


def unfinished(key: str, papers_root: Path | None = None) -> list[str]:
    """What a scaffolded paper still lacks: placeholders, the replicate.py stub, the unmoved dataset template.

    A file that cannot be read is listed as such (with the error naming it), never raised: one broken paper must
    not stop the report of the others."""
    from .. import paths

    if not is_key(key):
        return [f"papers/{key!r}: the folder name is not a usable key ({KEY_RULE})"]
    folder = Path(papers_root or paths.PAPERS) / key
    out = []
    paper_path = folder / "paper.yaml"
    if paper_path.exists():
        try:
            paper = read_yaml(paper_path)
        except MetadataError as exc:
            out.append(f"paper.yaml: cannot be read: {exc}")
            paper = None
    if paper_path.exists() and paper is not None:
        for field, value in _walk(paper):
            if isinstance(value, str) and PLACEHOLDER in value:
                out.append(f"paper.yaml: {field} is still a placeholder")
        if not paper.get("authors"):
            out.append("paper.yaml: authors is empty")
        if not paper.get("year"):
            out.append("paper.yaml: year is 0")
        if not paper.get("claims"):
            out.append("paper.yaml: no claims yet (each with its source and provenance)")
    script = folder / "replicate.py"
    if script.exists() and STUB_MARK in script.read_text(encoding="utf-8"):
        out.append("replicate.py: still the stub (it raises until the replication is written)")
    if (folder / DATASET_TEMPLATE).exists():
        out.append(f"{DATASET_TEMPLATE}: not yet filled in and moved to datasets/<name>/dataset.yaml "
                   "(delete it if the paper's data are registered otherwise)")
    checklist = folder / CHECKLIST
    if checklist.exists():
        try:
            answers = read_yaml(checklist).get("answers") or []
        except MetadataError as exc:
            out.append(f"{CHECKLIST}: cannot be read: {exc}")
            answers = []
        if isinstance(answers, list) and answers and all(a.get("answer") == "not assessed" for a in answers if isinstance(a, dict)):
            out.append(f"{CHECKLIST}: every item is still 'not assessed'")
    return out


def _walk(node, prefix: str = ""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{prefix}[{i}]")
    else:
        yield prefix, node

"""Citing and installing: LICENSE against pyproject, CITATION.cff, a wheel built from the checkout under the
distribution's own name, environment.yml, the BibTeX entry and the header of every table (commit, dirty state,
overrides), the README's pandas recipe, and the LaTeX tables compiled by pdflatex where Debian's TeX is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

import replication.report.provenance as provenance_mod
from replication import __version__
from replication.paths import ROOT
from replication.report.provenance import NAME, provenance, provenance_lines
from replication.report.tables import bibtex, read_table, write_table

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SHA = "ab" * 32


def test_licence_file_matches_pyproject():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and "LICENSE" in project["license-files"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "Permission is hereby granted, free of charge" in text


def test_distribution_and_command_carry_the_projects_own_name():
    assert PYPROJECT["project"]["name"] == NAME == "scaling-law-audit"
    assert PYPROJECT["project"]["scripts"] == {NAME: "replication.cli:main"}


def test_citation_cff_has_the_required_fields_and_the_current_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert {"message", "title", "authors"} <= set(cff) and cff["authors"]
    assert cff["title"].startswith(NAME) and str(cff["version"]) == __version__ and cff["license"] == "MIT"


def _cffconvert() -> str | None:
    local = ROOT / "build" / ".cffconvert" / "bin" / "cffconvert"
    return str(local) if local.exists() else shutil.which("cffconvert")


@pytest.mark.skipif(_cffconvert() is None, reason="cffconvert not installed (.ci/run installs it in build/.cffconvert)")
def test_cffconvert_accepts_citation_cff(tmp_path):
    ok = subprocess.run([_cffconvert(), "--validate", "-i", str(ROOT / "CITATION.cff")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = tmp_path / "CITATION.cff"
    bad.write_text("cff-version: 1.2.0\ntitle: x\n", encoding="utf-8")  # no message, no authors
    assert subprocess.run([_cffconvert(), "--validate", "-i", str(bad)], capture_output=True).returncode != 0


def test_pip_builds_a_wheel_from_a_checkout(tmp_path):
    """pip install from a checkout works: the wheel has the distribution's name, its command, templates and licence."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "replication", src / "replication", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"),
                           str(src)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("*.whl"))
    assert wheel.name.startswith(f"scaling_law_audit-{__version__}-")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("replication/report/templates/page.html.j2", "replication/report/static/tables.js",
                   "replication/report/static/report.css", "replication/checklist/items.yaml"):
        assert needed in names, needed
    meta = zipfile.ZipFile(wheel)
    entry = meta.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert f"{NAME} = replication.cli:main" in entry
    assert any(n.endswith("licenses/LICENSE") for n in names)


def test_environment_yml_installs_the_locked_packages_and_the_checkout():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["name"] == NAME and "conda-forge" in env["channels"]
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    assert tuple(int(x) for x in python.split("=")[1].split(".")[:2]) >= (3, 11)
    assert "pip" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert "-r requirements.lock" in pip and "-e ." in pip
    locked = {re.split(r"[=<>]", line)[0].lower().replace("_", "-")
              for line in (ROOT / "requirements.lock").read_text().splitlines() if line and not line.startswith("#")}
    wanted = PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"]
    for dep in wanted:
        assert re.split(r"[=<>\[ ]", dep)[0].lower().replace("_", "-") in locked, f"{dep} is not pinned in requirements.lock"


# --- the header every table carries ---------------------------------------------------------------

@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A throwaway git checkout with one committed paper, standing in for the project root."""
    root = tmp_path / "repo"
    (root / "papers" / "a2020x").mkdir(parents=True)
    (root / "papers" / "a2020x" / "paper.yaml").write_text("key: a2020x\n")
    git = lambda *a: subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *a], cwd=root, check=True,  # noqa: E731
                                    capture_output=True)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "one paper")
    monkeypatch.setattr(provenance_mod, "ROOT", root)
    monkeypatch.delenv("SCALING_AUDIT_N_BOOT", raising=False)
    return root


def test_clean_checkout_has_no_dirty_mark(repo):
    commit = provenance_mod.git_commit()
    assert re.fullmatch(r"[0-9a-f]{40}", commit)
    assert not any(line.startswith("dirty") for line in provenance_lines(provenance([])))


def test_untracked_paper_or_dataset_marks_the_tables_dirty(repo):
    (repo / "notes.txt").write_text("scratch")  # untracked elsewhere does not change what is audited
    assert not provenance_mod.git_commit().endswith("-dirty")
    (repo / "papers" / "b2021y").mkdir()
    (repo / "papers" / "b2021y" / "paper.yaml").write_text("key: b2021y\n")
    (repo / "datasets" / "d").mkdir(parents=True)
    (repo / "datasets" / "d" / "dataset.yaml").write_text("name: d\n")
    assert provenance_mod.git_commit().endswith("-dirty")
    lines = provenance_lines(provenance([]))
    assert lines[0].endswith("-dirty")
    untracked = next(line for line in lines if line.startswith("dirty: untracked"))
    assert "papers/b2021y/paper.yaml" in untracked and "datasets/d/dataset.yaml" in untracked


def test_modified_tracked_file_is_named(repo):
    (repo / "papers" / "a2020x" / "paper.yaml").write_text("key: changed\n")
    lines = provenance_lines(provenance([]))
    assert lines[0].endswith("-dirty")
    assert any(line.startswith("dirty: 1 tracked file(s)") and "papers/a2020x/paper.yaml" in line for line in lines)


def test_bootstrap_override_in_the_environment_or_a_result_is_in_the_header(repo, monkeypatch):
    assert not any("override" in line for line in provenance_lines(provenance([{"paper": "p"}])))
    monkeypatch.setenv("SCALING_AUDIT_N_BOOT", "20")
    assert any("SCALING_AUDIT_N_BOOT=20" in line for line in provenance_lines(provenance([])))
    monkeypatch.delenv("SCALING_AUDIT_N_BOOT")
    recorded = [{"paper": "p1", "settings": {"n_boot_override": 50}}, {"paper": "p2", "n_boot_override": 50},
                {"paper": "p3", "settings": {"n_boot_override": None}}]
    line = next(line for line in provenance_lines(provenance(recorded)) if line.startswith("override"))
    assert "bootstrap count 50" in line and "p1, p2" in line and "p3" not in line


def test_results_made_from_a_dirty_tree_or_with_an_override_are_named(repo):
    made = [{"paper": "p1", "made": {"n_boot_override": 20, "code": {"version": "0.1.0", "commit": "c", "dirty": True}}},
            {"paper": "p2", "made": {"n_boot_override": None, "code": {"version": "0.1.0", "commit": "c", "dirty": False}}}]
    lines = provenance_lines(provenance(made))
    assert any(line.startswith("dirty: results made from a modified tree: p1") for line in lines)
    assert any(line.startswith("override: bootstrap count 20") and line.endswith("results of p1") for line in lines)


def test_every_table_file_carries_the_override(tmp_path, monkeypatch, repo):
    monkeypatch.setenv("SCALING_AUDIT_N_BOOT", "20")
    write_table(tmp_path, "t", pd.DataFrame({"a": [1]}), "Cap", provenance([]))
    for ext in ("csv", "md", "tex"):
        assert "SCALING_AUDIT_N_BOOT=20" in (tmp_path / f"t.{ext}").read_text(), ext


# --- BibTeX and reading a table back ----------------------------------------------------------------

PROV = {"version": "1.2.3", "commit": "0123456789abcdef0123456789abcdef01234567-dirty", "date": "2026-03-04",
        "data": {"ds/f": SHA}}


def test_bibtex_names_suite_version_commit_and_table(tmp_path):
    entry = bibtex("ci_width", "Claimed {intervals} 95%", PROV)
    assert entry.startswith("@misc{scaling-law-audit-ci_width-0123456789ab,\n")
    assert entry.count("{") == entry.count("}")
    assert "Version 1.2.3, commit 0123456789abcdef0123456789abcdef01234567-dirty" in entry
    assert "(table ci_width)" in entry and "tables/ci_width.csv" in entry and "year         = {2026}" in entry
    assert "%" not in entry and "{intervals}" not in entry
    write_table(tmp_path, "ci_width", pd.DataFrame({"a": [1]}), "Cap", PROV)
    assert (tmp_path / "ci_width.bib").read_text().endswith(bibtex("ci_width", "Cap", PROV))


def _readme_block(heading: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_recipe_reads_a_table_with_plain_pandas(tmp_path, monkeypatch):
    frame = pd.DataFrame({"paper": ["p1", "p2"], "claimed": [1.69, 0.34], "note": ["see #3", ""]})
    write_table(tmp_path / "report" / "tables", "claims", frame, "Claims", PROV)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(_readme_block("### Reading a table with pandas"), scope)  # noqa: S102 - the README's own example
    df = scope["claims"]
    assert list(df.columns) == ["paper", "claimed", "note"] and df["claimed"].tolist() == [1.69, 0.34]
    assert df["note"].fillna("").tolist() == ["see #3", ""]
    assert read_table(tmp_path / "report" / "tables" / "claims.csv")["paper"].tolist() == ["p1", "p2"]


# --- LaTeX ----------------------------------------------------------------------------------------------

WIDE = pd.DataFrame({
    "paper": ["hoffmann2022training", "besiroglu2024chinchilla"], "claim": ["E_unrounded", "alpha"],
    "statement": ["Fitted irreducible loss E = 1.69 (Approach 3), with a long statement that has to wrap " * 2, "α = 0.35"],
    "quantity": ["E", "alpha"], "claimed": [1.69, 0.35], "replicated": [1.8172, 0.3473], "ci_low": [1.7, float("nan")],
    "ci_high": [1.9, float("nan")], "ci_level": [0.95, float("nan")], "rel_diff": [0.0753, -0.0077],
    "verdict": ["not reproduced", "reproduced"], "rule": ["inside the interval after rounding", "within 5% & rounded"],
    "provenance": ["paper", "unverified"], "source": ["Table 3 (50% level) ~ p.7", "Sec. 4 $x_1$ \\cite{x}"],
    "note": ["", "#1"],
})


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed (.ci/run installs texlive-latex-base)")
def test_latex_tables_compile_with_pdflatex(tmp_path):
    write_table(tmp_path, "claims", pd.concat([WIDE] * 30, ignore_index=True), "Claimed numbers 50% & more", PROV)
    tex = (tmp_path / "claims.tex").read_text()
    packages = re.search(r"% requires (\\usepackage\{[^}]*\})", tex).group(1)
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n" + packages + "\n\\begin{document}\n"
                                      "\\input{claims.tex}\n\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]
    pages = int(re.search(r"Output written on doc\.pdf \((\d+) pages?", done.stdout).group(1))
    assert pages >= 2  # 60 rows break across pages: a longtable, not a float

"""Fault injection: in a throwaway copy of the tree, three papers are broken (a YAML syntax error in paper.yaml, a
replicate.py that never returns, one that calls sys.exit(0)) and one dataset file is corrupted. `make` still
completes the report, fails at the end naming exactly those papers, the report shows exactly those failures, and
every other paper's table rows are byte-identical to a clean run of the same tree.

The copies hold a few cheap papers (two replications and some without public data) so that the test stays quick;
both runs use N_BOOT=10 and leave out the digitiser's validation (DIGITISER_VALIDATION=0), which no paper here needs.
"""

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import replication
from replication.data.schema import load_dataset_meta
from replication.paths import mirror_dir

ROOT = Path(replication.__file__).resolve().parent.parent
KEEP = ["kaplan2020scaling", "dubey2024llama", "bahri2021explaining", "ghorbani2021scaling", "hestness2017deep",
        "henighan2020scaling", "kang2023performance"]
CORRUPTED_DATASET, ITS_PAPER = "llama3-isoflops", "dubey2024llama"
BROKEN = {"bahri2021explaining", "ghorbani2021scaling", "hestness2017deep", ITS_PAPER}

pytestmark = pytest.mark.replication
MIRRORED = ("porian-discrepancies", "llama3-isoflops", "misfitting")  # the data the KEEP papers read


def _tree(dest: Path) -> tuple[Path, Path]:
    """A copy of the project's tracked and new files with only the KEEP papers, and a mirror holding copies of the
    data files they need (copies, since a link out of the mirror is refused)."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    tree = dest / "tree"
    needed = set(MIRRORED)  # dataset records of other papers would send the data check to their (unreachable) URLs
    for rel in files:
        parts = Path(rel).parts
        if parts[0] in ("build", "report", "notebooks", "benchmarks") or (parts[0] == "papers" and parts[1] not in KEEP):
            continue
        if parts[0] == "datasets" and len(parts) > 2 and parts[1] not in needed:
            continue
        src = ROOT / rel
        if src.is_file():
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, tree / rel)
    mirror = dest / "mirror"
    for name in MIRRORED:
        for f in load_dataset_meta(name).files:
            src = mirror_dir() / f.mirror_path
            (mirror / f.mirror_path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, mirror / f.mirror_path)
    return tree, mirror


def _make(tree: Path, mirror: Path) -> subprocess.CompletedProcess:
    venv = ROOT / ".venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCALING_AUDIT_")}
    return subprocess.run(["make", "-o", f"{venv}/.installed", f"VENV={venv}", f"MIRROR={mirror}", "N_BOOT=10",
                           "TIME_LIMIT=4", "JOBS=1", "DIGITISER_VALIDATION=0"], cwd=tree, env=env, capture_output=True, text=True, timeout=900)


def _rows(path: Path) -> list[list[str]]:
    """The data rows of a table (the '#' header lines name the data files used, which differ by design)."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines(keepends=True) if not ln.startswith("#")]
    return list(csv.reader(io.StringIO("".join(lines))))


def _break(tree: Path, mirror: Path) -> None:
    p = tree / "papers"
    (p / "bahri2021explaining" / "paper.yaml").write_text(
        (p / "bahri2021explaining" / "paper.yaml").read_text().replace("\ntitle:", "\n\ttitle:", 1))
    for key, body in (("ghorbani2021scaling", "def replicate(audit):\n    while True:\n        pass\n"),
                      ("hestness2017deep", "import sys\n\ndef replicate(audit):\n    sys.exit(0)\n")):
        yml = p / key / "paper.yaml"
        yml.write_text(yml.read_text().replace("status: no public data", "status: replicated"))
        (p / key / "replicate.py").write_text(body)
    target = mirror / load_dataset_meta(CORRUPTED_DATASET).files[0].mirror_path
    target.write_bytes(target.read_bytes() + b"\n1,2,3\n")


def test_faults_fail_only_their_papers(tmp_path):
    if mirror_dir() is None or shutil.which("make") is None:
        pytest.skip("needs the data mirror and make")
    clean_tree, clean_mirror = _tree(tmp_path / "clean")
    clean = _make(clean_tree, clean_mirror)
    assert clean.returncode == 0, clean.stdout[-3000:] + clean.stderr[-3000:]

    bad_tree, bad_mirror = _tree(tmp_path / "faulty")
    _break(bad_tree, bad_mirror)
    faulty = _make(bad_tree, bad_mirror)
    # make finished the report, then failed naming exactly the broken papers
    assert faulty.returncode != 0
    assert (bad_tree / "report" / "index.html").is_file()
    named = [ln for ln in faulty.stderr.splitlines() if "paper(s) failed:" in ln]
    assert named and set(named[-1].split("failed: ", 1)[1].split(", ")) == BROKEN, faulty.stderr
    assert "ran past the time limit of 4 s" in faulty.stdout and "called sys.exit(0)" in faulty.stdout
    assert f"data  FAIL {CORRUPTED_DATASET}" in faulty.stdout and "sha256 mismatch" in faulty.stdout

    # the report shows exactly those failures, each with a reason naming a file
    index = (bad_tree / "report" / "index.md").read_text()
    failed_rows = [ln for ln in index.splitlines() if "| failed |" in ln]
    assert {k for k in KEEP if any(f"[{k}]" in ln or f"| {k} |" in ln for ln in failed_rows)} == BROKEN, failed_rows
    for key in BROKEN:
        page = (bad_tree / "report" / "papers" / f"{key}.md").read_text()
        assert "papers/" in page or "datasets/" in page

    # every other paper's rows are byte-identical to the clean run
    tables = sorted((clean_tree / "report" / "tables").glob("*.csv"))
    assert tables
    for table in tables:
        good = [r for r in _rows(table) if not r or r[0] not in BROKEN]
        bad = [r for r in _rows(bad_tree / "report" / "tables" / table.name) if not r or r[0] not in BROKEN]
        if table.name.startswith("checklist"):
            continue  # scores across papers include the survey's view of the broken ones
        assert good == bad, table.name
    for table in sorted((clean_tree / "report" / "tables" / "papers").glob("*.csv")):
        if not any(table.name.startswith(k) for k in BROKEN):
            assert _rows(table) == _rows(bad_tree / "report" / "tables" / "papers" / table.name), table.name

"""Files and folders: writes respect the umask, unreadable results are named and shown as failed, a killed build's
temporary folders are removed by the next one, one lock serialises builds of a tree, and `make review` never hands
its PAPER value to a shell."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import replication
import replication.paths as paths_mod
from replication.errors import ResultError
from replication.lock import tree_lock
from replication.report.build import _clean_leftovers, collect
from replication.results import read_paper_result, read_result, write_result, write_text_atomic

ROOT = Path(replication.__file__).resolve().parent.parent


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_atomic_writes_get_the_users_umask(tmp_path, umask_027):
    write_text_atomic(tmp_path / "a.txt", "x")
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o640
    write_result(tmp_path / "r" / "result.json", {"paper": "p", "status": "ok"})
    assert (tmp_path / "r" / "result.json").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("text, words", [('{"paper": "p", "sta', "unreadable or corrupt"), ("[1, 2]", "not a result record"),
                                         ("\udcff", "unreadable")])
def test_unreadable_results_name_the_file(tmp_path, text, words):
    path = tmp_path / "result.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(ResultError, match=words) as info:
        read_result(path)
    assert str(path) in str(info.value) and "Fix: run `make`" in str(info.value)


def test_a_result_of_another_paper_is_refused(tmp_path):
    write_result(tmp_path / "result.json", {"paper": "other", "status": "ok"})
    with pytest.raises(ResultError, match="not the result record of paper 'mine'"):
        read_paper_result(tmp_path / "result.json", "mine")


def test_the_report_shows_a_corrupt_result_as_failed(tmp_path, monkeypatch):
    papers = tmp_path / "papers"
    for key in ("good2099a", "torn2099b", "none2099c"):
        (papers / key).mkdir(parents=True)
        (papers / key / "paper.yaml").write_text("key: x\n")
    monkeypatch.setattr(paths_mod, "PAPERS", papers)
    build = tmp_path / "build"
    write_result(build / "good2099a" / "result.json", {"paper": "good2099a", "status": "ok"})
    (build / "torn2099b").mkdir()
    (build / "torn2099b" / "result.json").write_text('{"paper": "torn2099b", "st')
    rows = {r["paper"]: r for r in collect(build)}
    assert rows["good2099a"]["status"] == "ok" and rows["good2099a"]["claims"] == []
    assert rows["torn2099b"]["status"] == "failed" and "result.json: unreadable or corrupt" in rows["torn2099b"]["error"]
    assert rows["none2099c"]["status"] == "not run"


def test_leftovers_of_a_killed_build_are_removed(tmp_path):
    build, out = tmp_path / "build", tmp_path / "report"
    for leftover in (build / ".tmp" / "report-abc", tmp_path / ".report-old1", tmp_path / "report.old"):
        (leftover / "tables").mkdir(parents=True)
    keep = tmp_path / "report-of-someone-else"
    keep.mkdir()
    _clean_leftovers(build, out)
    assert not (build / ".tmp" / "report-abc").exists() and not (tmp_path / ".report-old1").exists()
    assert not (tmp_path / "report.old").exists() and keep.exists()


def test_a_second_build_waits_for_the_lock(tmp_path):
    code = ("import sys; from replication.lock import tree_lock\n"
            f"with tree_lock({str(tmp_path)!r}, 'report'):\n    print('got the lock', flush=True)\n")
    with tree_lock(tmp_path, "test"):
        with tree_lock(tmp_path, "nested"):  # re-entrant within one process
            pass
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        waiting = proc.stderr.readline()  # blocks until the second process reports that it waits
        assert "holds" in waiting and "waiting for it to finish" in waiting
        assert proc.poll() is None
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.strip() == "got the lock"


@pytest.mark.parametrize("value", ["x;touch {marker}", "$(touch {marker})", "`touch {marker}`", "x' ; touch {marker} ; '"])
def test_make_review_never_runs_the_paper_value(tmp_path, value):
    marker = tmp_path / "pwned"
    paper = value.format(marker=marker)
    proc = subprocess.run(["make", "-s", "review", f"PAPER={paper}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert not marker.exists()
    # refused as a key (or, for "$(...)", expanded by make itself as a variable reference to nothing)
    assert proc.returncode != 0 and ("not a usable paper key" in proc.stderr or "usage: make review" in proc.stdout)

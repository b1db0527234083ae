"""The runner isolates each paper: a script that raises, exits, hangs, returns garbage or records values JSON cannot
hold fails only its own paper, with a one-line reason naming the file and the fix; results know how they were made
and are rerun when that differs from now.

Every test uses a temporary papers folder, an empty datasets folder and a temporary build folder.
"""

import json
import textwrap

import pytest

import replication.audit as audit_mod
import replication.paths as paths_mod
from replication.cli import main
from replication.runner import resolve_keys, run_papers, staleness
from replication.errors import SettingError

PAPER = """\
key: {key}
title: A synthetic paper
authors: [Nobody]
year: 2099
status: replicated
datasets: []
law:
  name: chinchilla
  statement: L(N, D) = E + A / N^alpha + B / D^beta
protocol:
  as_reported: nothing
  objective: {{name: huber, delta: 1.0e-3}}
  bootstrap: {{n: 10, seed: 3}}
claims:
  - {{id: q, statement: a number, quantity: q, value: 1.0, decimals: 1, source: Table 1, provenance: paper}}
"""

GOOD = """\
def replicate(audit):
    audit.add_quantity("q", 1.0)
"""


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A temporary tree; returns add(key, script, paper_yaml=None) and the build folder."""
    papers, datasets, build = tmp_path / "papers", tmp_path / "datasets", tmp_path / "build"
    papers.mkdir(), datasets.mkdir()
    for mod, name, value in ((paths_mod, "PAPERS", papers), (audit_mod, "PAPERS", papers), (paths_mod, "DATASETS", datasets),
                             (paths_mod, "BUILD", build), (audit_mod, "BUILD", build)):
        monkeypatch.setattr(mod, name, value)
    for var in ("SCALING_AUDIT_N_BOOT", "SCALING_AUDIT_JOBS", "SCALING_AUDIT_TIME_LIMIT"):
        monkeypatch.delenv(var, raising=False)

    def add(key, script=GOOD, paper=None):
        (papers / key).mkdir(exist_ok=True)
        (papers / key / "paper.yaml").write_text(paper or PAPER.format(key=key))
        (papers / key / "replicate.py").write_text(textwrap.dedent(script))

    return add, build


def _run(keys, **kw):
    lines = []
    outcomes = run_papers(keys, say=lines.append, **kw)
    return {o.key: o for o in outcomes}, lines


@pytest.mark.parametrize("script, expected", [
    ("import sys\ndef replicate(audit):\n    sys.exit(0)\n", "called sys.exit(0)"),
    ("def replicate(audit):\n    while True:\n        pass\n", "ran past the time limit of 0.5 s"),
    ("def replicate(audit):\n    return object()\n", "returned a object"),
    ("def replicate(audit):\n    audit.add_quantity('q', 1.0)\n    audit.tables['t'] = {'rows': {1, 2}}\n",
     "result.tables.t.rows (a set)"),
    ("def replicate(audit):\n    audit.add_quantity('qq', 1.0)\n", "field 'claims[q].quantity'"),
    ("def replicate(audit):\n    raise ValueError('bad')\n", "replicate.py line 2: ValueError: bad"),
    ("while True:\n    pass\n", "ran past the time limit"),  # hangs at import
])
def test_a_broken_script_fails_its_paper_only(tree, script, expected):
    add, build = tree
    add("good2099a")
    add("bad2099b", script)
    add("good2099c")
    out, lines = _run(None, time_limit=0.5)
    assert out["good2099a"].status == "ok" and out["good2099c"].status == "ok"
    bad = out["bad2099b"]
    assert bad.status == "failed" and expected in bad.error, bad.error
    assert "Fix:" in bad.error and "\n" not in bad.error
    on_disk = json.loads((build / "bad2099b" / "result.json").read_text())
    assert on_disk["status"] == "failed" and on_disk["error"] == bad.error
    # a line as each paper starts and as it ends
    assert any(line.endswith("bad2099b: started (asked for)") for line in lines)
    assert any("bad2099b: FAILED after" in line for line in lines)


def test_unknown_claim_quantity_suggests_the_close_one(tree):
    add, _ = tree
    add("typo2099a", "def replicate(audit):\n    audit.add_quantity('qx', 1.0)\n    audit.add_quantity('zzz', 2.0)\n")
    out, _ = _run(None)
    assert "did you mean 'qx'?" in out["typo2099a"].error


def test_exit_of_a_script_replaces_its_old_result(tree):
    add, build = tree
    add("flaky2099a")
    assert _run(None)[0]["flaky2099a"].status == "ok"
    add("flaky2099a", "import sys\ndef replicate(audit):\n    sys.exit(0)\n")
    out, _ = _run(None, stale_only=True)  # the script changed: stale, rerun, now failed
    assert out["flaky2099a"].status == "failed"
    assert json.loads((build / "flaky2099a" / "result.json").read_text())["status"] == "failed"


def test_stale_only_reruns_exactly_what_changed(tree):
    add, build = tree
    add("a2099x"), add("b2099y")
    first, _ = _run(None, stale_only=True, n_boot=20)
    assert all(o.seconds is not None for o in first.values())
    again, lines = _run(None, stale_only=True, n_boot=20)
    assert all(o.seconds is None for o in again.values()) and "2 paper(s) up to date, 0 to run" in lines[0]
    # a result made with N_BOOT=20 is out of date for a run without the override
    result, why = staleness("a2099x", build, {}, None, 300.0)
    assert "bootstrap override 20" in why
    made = result["made"]
    assert made["n_boot_override"] == 20 and made["seeds"] == {"protocol": 3}
    assert set(made["code"]) == {"version", "commit", "dirty"}
    assert set(made["inputs"]) == {"papers/a2099x/paper.yaml", "papers/a2099x/replicate.py"}
    rerun, _ = _run(None, stale_only=True)
    assert all(o.seconds is not None for o in rerun.values())
    # editing one paper's metadata reruns that paper only
    (paths_mod.PAPERS / "b2099y" / "paper.yaml").write_text(PAPER.format(key="b2099y").replace("A synthetic", "An edited"))
    one, _ = _run(None, stale_only=True)
    assert one["a2099x"].seconds is None and one["b2099y"].seconds is not None
    assert "papers/b2099y/paper.yaml" in one["b2099y"].why


def test_a_corrupt_result_is_rebuilt(tree):
    add, build = tree
    add("c2099z")
    _run(None)
    path = build / "c2099z" / "result.json"
    path.write_text(path.read_text()[:40])  # truncated from outside
    result, why = staleness("c2099z", build, {}, None, 300.0)
    assert result is None and "unreadable result" in why and "build/c2099z/result.json" in why.replace(str(build), "build")
    out, _ = _run(None, stale_only=True)
    assert out["c2099z"].seconds is not None and json.loads(path.read_text())["status"] == "ok"


def test_a_paper_whose_data_failed_verification_fails_without_running(tree, monkeypatch):
    add, _ = tree
    add("d2099w", paper=PAPER.format(key="d2099w").replace("datasets: []", "datasets: [toy-data]"))
    add("e2099v")
    import replication.data.verify as verify

    monkeypatch.setattr(verify, "dataset_problems", lambda build=None, quiet=True: {"toy-data": ["toy.csv: sha256 mismatch"]})
    out, lines = _run(None)
    assert out["d2099w"].status == "failed" and "toy-data failed verification: toy.csv: sha256 mismatch" in out["d2099w"].error
    assert out["e2099v"].status == "ok"
    assert any("data  FAIL toy-data" in line for line in lines)


def test_unknown_key_is_an_error_with_a_suggestion(tree):
    add, _ = tree
    add("hoffmann2099training")
    with pytest.raises(SettingError, match="did you mean 'hoffmann2099training'.*make review PAPER"):
        resolve_keys(["hofman2099training"])
    with pytest.raises(SettingError, match="not a usable key"):
        resolve_keys(["../escape"])


def test_bad_folder_name_is_reported_failed_and_never_run(tree):
    add, _ = tree
    add("ok2099a")
    folder = paths_mod.PAPERS / "bad key: x"
    folder.mkdir()
    (folder / "paper.yaml").write_text("key: x\n")
    (folder / "replicate.py").write_text("raise SystemExit('must never run')\n")
    out, _ = _run(None)
    assert out["ok2099a"].status == "ok"
    assert out["bad key: x"].status == "failed" and "not a usable paper key" in out["bad key: x"].error


def test_cli_run_exits_non_zero_naming_the_failed_paper(tree, capsys):
    add, _ = tree
    add("fine2099a")
    add("broken2099b", "def replicate(audit):\n    raise RuntimeError('x')\n")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "1 paper(s) failed: broken2099b" in err
    assert main(["failures"]) == 1
    assert main(["run", "fine2099a"]) == 0
    assert main(["run", "nope2099"]) == 2
    assert "no such paper" in capsys.readouterr().err


@pytest.mark.parametrize("env, value, message", [
    ("SCALING_AUDIT_N_BOOT", "abc", "N_BOOT (SCALING_AUDIT_N_BOOT)='abc': not a whole number"),
    ("SCALING_AUDIT_N_BOOT", "-5", "must be a whole number >= 0"),
    ("SCALING_AUDIT_JOBS", "0", "JOBS"),
    ("SCALING_AUDIT_TIME_LIMIT", "soon", "TIME_LIMIT"),
])
def test_bad_settings_are_named_errors(tree, monkeypatch, capsys, env, value, message):
    add, _ = tree
    add("fine2099a")
    monkeypatch.setenv(env, value)
    assert main(["run"]) == 2
    assert message in capsys.readouterr().err


def test_negative_n_boot_on_the_command_line_is_refused(tree, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--n-boot", "-5"])
    assert info.value.code == 2 and "negative" in capsys.readouterr().err


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.startswith("scaling-law-audit ")

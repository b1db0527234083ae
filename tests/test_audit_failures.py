"""run_paper records failures as failed results; Audit.fit rejects data it would take the log of a non-positive value of.

Every test uses a temporary papers folder (replication.paths.PAPERS, read by load_paper at call time, and
replication.audit.PAPERS, imported by name for _load_script) and a temporary build folder.
"""

import json
import textwrap

import numpy as np
import pandas as pd
import pytest

import replication.audit as audit_mod
import replication.paths as paths_mod
from replication.audit import Audit, run_paper
from replication.errors import DataError
from replication.metadata.paper import Paper, load_paper

KEY = "synthetic2099failing"

PAPER_YAML = f"""\
key: {KEY}
title: A synthetic paper whose replication fails
authors: [Nobody]
year: 2099
status: replicated
datasets: []
law:
  name: chinchilla
  statement: L(N, D) = E + A / N^alpha + B / D^beta
protocol:
  as_reported: Huber on log loss from a single start.
  objective: {{name: huber, delta: 1.0e-3}}
  starts:
    a: [6.0]
    b: [6.0]
    e: [0.5]
    alpha: [0.3]
    beta: [0.3]
  bootstrap: {{n: 0, seed: 0}}
claims:
  - {{id: E, statement: E as printed, quantity: E, value: 1.69, decimals: 2, source: nowhere, provenance: paper}}
  - {{id: A, statement: A as printed, quantity: A, value: 400, decimals: 0, rule: rounding, source: nowhere, provenance: paper}}
  - {{id: both, statement: together, rule: joint, components: [E, A], source: nowhere, provenance: paper}}
"""


def synthetic_frame(n=24, seed=0):
    """Points from E + A/N^alpha + B/D^beta with E=1.7, A=400, B=410, alpha=0.34, beta=0.28, 0.5% noise."""
    rng = np.random.default_rng(seed)
    N = np.exp(rng.uniform(np.log(1e7), np.log(1e10), n))
    D = np.exp(rng.uniform(np.log(1e9), np.log(1e12), n))
    loss = (1.7 + 400 / N**0.34 + 410 / D**0.28) * np.exp(rng.normal(0, 0.005, n))
    return pd.DataFrame({"Model Size": N, "Tokens": D, "loss": loss})


@pytest.fixture
def papers(tmp_path, monkeypatch):
    """A temporary papers folder used by load_paper and _load_script; returns a writer of replicate.py."""
    root = tmp_path / "papers"
    (root / KEY).mkdir(parents=True)
    (root / KEY / "paper.yaml").write_text(PAPER_YAML)
    monkeypatch.setattr(paths_mod, "PAPERS", root)
    monkeypatch.setattr(audit_mod, "PAPERS", root)
    monkeypatch.delenv(audit_mod.N_BOOT_ENV, raising=False)
    monkeypatch.delenv(audit_mod.JOBS_ENV, raising=False)

    def write_script(body: str):
        (root / KEY / "replicate.py").write_text(textwrap.dedent(body))

    return write_script


def test_the_temporary_paper_is_the_one_loaded(papers):
    paper = load_paper(KEY)
    assert paper.key == KEY and paper.law.name == "chinchilla" and paper.status == "replicated"


def test_run_paper_records_a_raising_script_as_failed(papers, tmp_path):
    papers("""
        def replicate(audit):
            raise RuntimeError("boom from the replication script")
    """)
    build = tmp_path / "build"
    result = run_paper(KEY, build=build)
    assert result["status"] == "failed"
    # one line naming the script and its line, the exception, and where the traceback went
    assert f"papers/{KEY}/replicate.py line 3: RuntimeError: boom from the replication script" in result["error"]
    assert "Fix:" in result["error"] and "\n" not in result["error"]
    assert "boom from the replication script" in (build / KEY / "traceback.txt").read_text()
    path = build / KEY / "result.json"
    assert path.is_file()
    on_disk = json.loads(path.read_text())
    assert on_disk["status"] == "failed"
    assert on_disk["error"] == result["error"]
    assert on_disk["paper"] == KEY
    for field in ("fits", "quantities"):
        assert on_disk[field] == {}
    for field in ("data", "ci_width", "extrapolation", "fit_health", "figures"):
        assert on_disk[field] == []
    # the claims are still listed, each not testable
    assert [c["claim"] for c in on_disk["claims"]] == ["both", "E", "A"]  # a joint claim first, then its components
    assert {c["verdict"] for c in on_disk["claims"]} == {"not testable"}


def test_run_paper_without_replicate_function_fails(papers, tmp_path):
    papers("""
        def something_else(audit):
            pass
    """)
    result = run_paper(KEY, build=tmp_path / "build")
    assert result["status"] == "failed"
    assert f"papers/{KEY}/replicate.py" in result["error"] and "field 'replicate'" in result["error"]
    assert "replicate(audit)" in result["error"]
    assert (tmp_path / "build" / KEY / "result.json").is_file()


def test_run_paper_with_unreadable_metadata_fails(papers, tmp_path):
    (paths_mod.PAPERS / KEY / "paper.yaml").write_text(PAPER_YAML.replace("status: replicated", "status: maybe"))
    papers("""
        def replicate(audit):
            pass
    """)
    result = run_paper(KEY, build=tmp_path / "build")
    assert result["status"] == "failed"
    assert "status" in result["error"]
    assert result["claims"] == []  # no paper, no claims
    assert (tmp_path / "build" / KEY / "result.json").is_file()


def test_run_paper_zero_in_a_logged_column_names_the_column(papers, tmp_path):
    papers("""
        import pandas as pd

        def replicate(audit):
            frame = pd.DataFrame({"Model Size": [1e8, 0.0, 1e9, 3e9, 1e10, 2e8, 5e8],
                                  "Tokens": [1e10, 2e10, 3e10, 4e10, 5e10, 6e10, 7e10],
                                  "loss": [3.0, 2.9, 2.7, 2.5, 2.3, 2.95, 2.8]})
            audit.fit(frame, inputs={"N": "Model Size", "D": "Tokens"}, target="loss")
    """)
    result = run_paper(KEY, build=tmp_path / "build")
    assert result["status"] == "failed"
    assert result["error"].startswith("data for papers/")
    assert "'Model Size'" in result["error"]
    assert "row 2" in result["error"]
    assert "log" in result["error"]
    on_disk = json.loads((tmp_path / "build" / KEY / "result.json").read_text())
    assert on_disk["error"] == result["error"]


def test_run_paper_succeeds_on_good_data(papers, tmp_path):
    """The positive control for the test above: the same script on valid data gives status ok."""
    frame = synthetic_frame()
    frame.to_csv(tmp_path / "points.csv", index=False)
    papers(f"""
        import pandas as pd

        def replicate(audit):
            frame = pd.read_csv({str(tmp_path / "points.csv")!r})
            audit.fit(frame, inputs={{"N": "Model Size", "D": "Tokens"}}, target="loss")
    """)
    result = run_paper(KEY, build=tmp_path / "build")
    assert result["status"] == "ok", result["error"]
    assert result["error"] is None
    assert {"A", "B", "E", "alpha", "beta", "a_alloc", "b_alloc", "G"} <= set(result["quantities"])
    assert result["fits"]["main"]["n_points"] == len(frame)
    assert (tmp_path / "build" / KEY / "result.json").is_file()


# --- Audit.fit data checks -----------------------------------------------------------------------

@pytest.fixture
def audit(papers, tmp_path):
    return Audit(load_paper(KEY), tmp_path / "out")


@pytest.mark.parametrize(
    "column, row, bad",
    [("Model Size", 3, 0.0), ("Model Size", 1, -5.0), ("Tokens", 5, 0.0), ("Tokens", 2, np.nan), ("loss", 4, 0.0)],
)
def test_fit_rejects_non_positive_values_in_logged_columns(audit, column, row, bad):
    frame = synthetic_frame()
    frame.loc[row - 1, column] = bad
    with pytest.raises(DataError) as info:
        audit.fit(frame, inputs={"N": "Model Size", "D": "Tokens"}, target="loss")
    assert info.value.field == column
    assert f"'{column}'" in str(info.value)
    assert f"row {row}" in str(info.value)
    assert audit.fits == {} and audit.quantities == {}


def test_fit_rejects_a_missing_column(audit):
    frame = synthetic_frame().rename(columns={"Tokens": "D"})
    with pytest.raises(DataError) as info:
        audit.fit(frame, inputs={"N": "Model Size", "D": "Tokens"}, target="loss")
    assert info.value.field == "Tokens"


def test_linear_objective_allows_a_zero_target(audit):
    """Only columns the fit takes a log of are checked: with squared residuals on y, a zero target is allowed."""
    frame = synthetic_frame()
    frame.loc[0, "loss"] = 0.0
    record = audit.fit(frame, inputs={"N": "Model Size", "D": "Tokens"}, target="loss",
                       objective={"name": "squared", "space": "linear"})
    assert record["n_points"] == len(frame)
    # but a zero N is still refused, since the law itself takes log N
    frame.loc[0, "Model Size"] = 0.0
    with pytest.raises(DataError, match="Model Size"):
        audit.fit(frame, inputs={"N": "Model Size", "D": "Tokens"}, target="loss",
                  objective={"name": "squared", "space": "linear"})


def test_real_papers_folder_untouched(papers):
    real = paths_mod.ROOT / "papers"
    assert paths_mod.PAPERS != real and audit_mod.PAPERS != real
    assert not (real / KEY).exists()
    assert isinstance(load_paper(KEY), Paper)


# --- script extension points: tables, explicit held-out splits, predictions -----------------------

def test_explicit_held_out_split_and_paper_table_reach_the_result(papers, tmp_path):
    frame = synthetic_frame(30)
    frame["held"] = frame["Model Size"] > frame["Model Size"].quantile(0.8)
    frame.to_pickle(tmp_path / "points.pkl")
    papers(f"""
        import pandas as pd

        def replicate(audit):
            frame = pd.read_pickle({str(tmp_path / "points.pkl")!r})
            audit.fit(frame, inputs={{"N": "Model Size", "D": "Tokens"}}, target="loss",
                      extrapolation={{"held_out": "held", "plot_against": "Model Size"}})
            pred = audit.predict("main", {{"N": frame["Model Size"], "D": frame["Tokens"]}})
            audit.add_table("predictions", pd.DataFrame({{"loss": frame["loss"], "predicted": pred}}), "In-sample predictions")
            audit.add_extrapolation("own", {{"are": 0.5}}, split_column="held", n_fit=24, n_held_out=6, note="script row")
    """)
    result = run_paper(KEY, build=tmp_path / "build")
    assert result["status"] == "ok", result["error"]
    rows = {r["fit"]: r for r in result["extrapolation"]}
    assert rows["main"]["n_held_out"] == int(frame["held"].sum()) and rows["main"]["n_fit"] == int((~frame["held"]).sum())
    assert rows["main"]["are"] < 0.05  # 0.5% noise: the held-out predictions are close
    assert rows["own"]["are"] == 0.5 and rows["own"]["note"] == "script row"
    table = result["tables"]["predictions"]
    assert table["columns"] == ["loss", "predicted"] and len(table["rows"]) == len(frame)
    rel = [abs(r["predicted"] / r["loss"] - 1) for r in table["rows"]]
    assert max(rel) < 0.03


def test_add_table_rejects_a_name_that_cannot_be_a_file(audit):
    from replication.errors import AuditError
    with pytest.raises(AuditError, match="table name"):
        audit.add_table("bad/name", pd.DataFrame({"x": [1]}), "caption")


def test_n_boot_override_replaces_a_positive_count_only(papers, tmp_path):
    """N_BOOT overrides every positive bootstrap count, including 0 (skip), but a count of 0 by design stays 0."""
    paper = load_paper(KEY)
    assert Audit(paper, tmp_path, n_boot=0).n_boot({"n": 4000}) == 0
    assert Audit(paper, tmp_path, n_boot=50).n_boot({"n": 4000}) == 50
    assert Audit(paper, tmp_path, n_boot=50).n_boot({"n": 0}) == 0
    assert Audit(paper, tmp_path).n_boot({"n": 300}) == 300
    assert Audit(paper, tmp_path, n_boot=7).n_boot() == 0  # the synthetic paper's protocol asks for no bootstrap


def test_add_health_uses_the_fit_health_format(audit):
    audit.add_health("grouped", "converged", 3, False, "3 of 4 converged")
    (row,) = audit.health
    assert row["status"] == "warn" and row["check"] == "converged" and row["paper"] == KEY and row["rule"]

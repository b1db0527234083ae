"""Tables (CSV, Markdown, LaTeX), the report build from hand-written result files, and atomic writes."""

import os
import re
import shutil

import numpy as np
import pandas as pd
import pytest

import replication.report.build as build_mod
import replication.report.provenance as provenance_mod
from replication import __version__
from replication.metadata import paper_keys
from replication.report.build import TABLES, build_report
from replication.report.pages import Page
from replication.report.tables import fmt, read_table, to_latex, to_markdown, write_table
from replication.results import read_result, write_result, write_text_atomic

SHA = "0123456789abcdef" * 4
PROV = {"version": "9.9.9", "commit": "cafe1234", "data": {"epoch-chinchilla/points": SHA}}
PROV_LINES = ["scaling-law-audit 9.9.9, commit cafe1234", f"data epoch-chinchilla/points sha256 {SHA}"]


# --- fmt ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value, text",
    [
        (float("nan"), ""),
        (np.float64("nan"), ""),
        (float("inf"), "inf"),
        (-np.inf, "-inf"),
        (True, "yes"),
        (False, "no"),
        (np.bool_(True), "yes"),
        (3, "3"),
        (np.int64(-7), "-7"),
        (0.1234567891, "0.123457"),
        (1234567.0, "1.23457e+06"),
        (2.0, "2"),
        (None, ""),
        ("text", "text"),
    ],
)
def test_fmt(value, text):
    assert fmt(value) == text


# --- write_table / read_table ---------------------------------------------------------------------

@pytest.fixture
def frame():
    return pd.DataFrame({
        "paper": ["p_one", "p_two"],
        "value": [1.5, 0.000125],
        "count": [3, 40],
        "flag": [True, False],
        "missing": [float("nan"), 2.25],
        "note": ["50% of runs", "a_b & c"],
    })


def test_write_table_files_begin_with_provenance(tmp_path, frame):
    write_table(tmp_path, "demo", frame, "Demo table_x", PROV)
    csv = (tmp_path / "demo.csv").read_text().splitlines()
    tex = (tmp_path / "demo.tex").read_text().splitlines()
    md = (tmp_path / "demo.md").read_text()
    assert csv[:2] == [f"# {line}" for line in PROV_LINES]
    assert tex[:2] == [f"% {line}" for line in PROV_LINES]
    assert md.splitlines()[:2] == [f"<!-- {line} -->" for line in PROV_LINES]
    assert "**Demo table_x**" in md


def test_markdown_table_begins_with_provenance(tmp_path, frame):
    """Regression: the Markdown file once carried its provenance at the end, contrary to the docstring."""
    write_table(tmp_path, "demo", frame, "Demo", PROV)
    md = (tmp_path / "demo.md").read_text().splitlines()
    assert PROV_LINES[0] in md[0]


def test_read_table_round_trips(tmp_path, frame):
    write_table(tmp_path, "demo", frame, "Demo", PROV)
    back = read_table(tmp_path / "demo.csv")
    assert list(back.columns) == list(frame.columns)
    assert back["paper"].tolist() == ["p_one", "p_two"]
    assert back["value"].tolist() == [1.5, 0.000125]
    assert back["count"].tolist() == [3, 40]
    assert back["flag"].tolist() == ["yes", "no"]
    assert back["missing"].tolist() == ["", "2.25"]  # nan is written blank and read back blank
    assert back["note"].tolist() == ["50% of runs", "a_b & c"]


def test_read_table_round_trips_commas_and_quotes(tmp_path):
    df = pd.DataFrame({"source": ['Table 2, "main"', "plain"], "x": [1.0, 2.0]})
    write_table(tmp_path, "q", df, "Q", PROV)
    back = read_table(tmp_path / "q.csv")
    assert back["source"].tolist() == ['Table 2, "main"', "plain"]
    assert back["x"].tolist() == [1.0, 2.0]


def test_read_table_round_trips_a_hash_in_a_value(tmp_path):
    """Regression: read_table once parsed with comment='#', so an unquoted '#' in a value cut its row short."""
    df = pd.DataFrame({"source": ["Figure 4 (issue #3)", "plain"], "x": [1.5, 2.0]})
    write_table(tmp_path, "h", df, "H", PROV)
    back = read_table(tmp_path / "h.csv")
    assert back["source"].tolist() == ["Figure 4 (issue #3)", "plain"]
    assert back["x"].tolist() == [1.5, 2.0]


def test_latex_escapes_underscore_and_percent(tmp_path, frame):
    write_table(tmp_path, "demo_t", frame, "Caption with ci_low and 95%", PROV)
    tex = (tmp_path / "demo_t.tex").read_text()
    assert r"\caption{Caption with ci\_low and 95\%}" in tex
    assert r"50\% of runs" in tex
    assert r"a\_b \& c" in tex
    assert r"p\_one" in tex
    body = [re.sub(r"\\label\{[^}]*\}", "", line) for line in tex.splitlines() if not line.startswith("%")]
    for line in body:
        stripped = line.replace(r"\_", "").replace(r"\%", "")
        assert "_" not in stripped and "%" not in stripped, line


def test_latex_structure():
    """A booktabs longtable (it breaks across pages) with one wrapped paragraph column per column."""
    tex = to_latex(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), "Cap", "lab")
    assert r"\begin{longtable}" in tex and r"\end{longtable}" in tex and r"\begin{tabular}" not in tex
    assert r"\label{tab:lab}" in tex and r"\caption{Cap}" in tex
    assert "1 & x \\\\" in tex and "2 & y \\\\" in tex
    assert r"\hline" not in tex
    assert tex.count(r"\toprule") == 2 and tex.count(r"\bottomrule") == 1  # first head and continued head
    assert r"\endfirsthead" in tex and r"\endhead" in tex
    spec = re.search(r"\\begin\{longtable\}\{(.*)\}\n", tex).group(1)
    assert spec.count(r"p{\dimexpr") == 2 and r"\raggedleft" in spec and r"\raggedright" in spec


def test_latex_escapes_backslash():
    """Regression: '\\' was once escaped to '\\textbackslash{}' and then its braces escaped again."""
    tex = to_latex(pd.DataFrame({"a": ["x\\y"]}), "Cap", "lab")
    assert re.search(r"x\\textbackslash(\{\}| )y", tex)


def test_markdown_escapes_pipes_and_blank_nan():
    md = to_markdown(pd.DataFrame({"a": ["x|y"], "b": [float("nan")]}))
    lines = md.splitlines()
    assert lines[0] == "| a | b |"
    assert lines[2] == "| x\\|y |  |"


# --- write_text_atomic ----------------------------------------------------------------------------

def test_write_text_atomic_writes_and_replaces(tmp_path):
    target = tmp_path / "sub" / "f.txt"
    write_text_atomic(target, "one")
    write_text_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.txt"]


def test_write_text_atomic_leaves_no_temp_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_text_atomic(target, 12345)  # neither str nor bytes: the write fails
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]
    assert target.read_text() == "old"

    def boom(*a, **k):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk gone"):
        write_text_atomic(target, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]
    assert target.read_text() == "old"


def test_write_result_round_trips_numpy(tmp_path):
    write_result(tmp_path / "r.json", {"a": np.float64(1.5), "b": np.arange(3), "c": np.bool_(True), "d": (1, 2)})
    assert read_result(tmp_path / "r.json") == {"a": 1.5, "b": [0, 1, 2], "c": True, "d": [1, 2]}


# --- build_report ---------------------------------------------------------------------------------

NAN = float("nan")


def claim_row(key, cid, verdict):
    return {"paper": key, "claim": cid, "quantity": "E", "claimed": 1.69, "replicated": 1.8, "ci_low": 1.7,
            "ci_high": 1.9, "ci_level": 0.95, "rel_diff": 0.065, "verdict": verdict, "rule": "interval",
            "provenance": "repo", "source": "Table_3 (50% level)", "statement": "E", "note": ""}


def ok_result(key):
    return {
        "paper": key, "status": "ok", "error": None,
        "data": [{"dataset": "epoch-chinchilla", "file": "points", "sha256": SHA, "url": "https://example.org/x.csv"}],
        "fits": {}, "quantities": {"E": {"value": 1.8}},
        "claims": [claim_row(key, "E", "not reproduced"), claim_row(key, "E2", "reproduced")],
        "ci_width": [{"paper": key, "claim": "a_interval", "quantity": "a_alloc", "ci_level": 0.8, "claimed_low": 0.454,
                      "claimed_high": 0.455, "claimed_width": 0.001, "claimed_width_max": 0.002, "replicated_low": 0.4,
                      "replicated_high": 0.5, "replicated_width": 0.1, "width_ratio": 0.01, "n_points": 240,
                      "runs_needed": 2.4e6, "runs_reported": 400, "flag": "implausibly narrow",
                      "interval_kind": "bootstrap percentile", "provenance": "repo", "source": "Table 2"}],
        "extrapolation": [{"paper": key, "fit": "main", "split_column": "Training FLOP", "threshold": 1e21, "n_fit": 217,
                           "n_held_out": 23, "are": 0.01, "max_are": 0.03, "rmse_log": 0.012, "in_sample_are": 0.005,
                           "note": ""}],
        "fit_health": [{"paper": key, "fit": "main", "check": "converged", "value": True, "status": "ok", "detail": "",
                        "rule": "r"},
                       {"paper": key, "fit": "main", "check": "hessian_condition", "value": 1e12, "status": "warn",
                        "detail": "eigenvalues", "rule": "r"}],
        "figures": [],
    }


ERROR = "RuntimeError: replicate.py exploded on purpose"


def failed_result(key):
    return {"paper": key, "status": "failed", "error": ERROR, "data": [], "fits": {}, "quantities": {},
            "claims": [], "ci_width": [], "extrapolation": [], "fit_health": [], "figures": []}


@pytest.fixture
def keys():
    ks = paper_keys()
    assert len(ks) >= 2, "the project should have at least two papers"
    return ks


def _pin(mp: pytest.MonkeyPatch) -> None:
    """The commit line is a subprocess call on a tree others edit; pin it so builds are comparable."""
    mp.setattr(provenance_mod, "git_commit", lambda: "pinnedcommit")
    mp.setattr(provenance_mod, "tree_state",
               lambda: {"commit": "pinnedcommit", "modified": [], "untracked": [], "date": "2026-01-02"})
    mp.delenv("SCALING_AUDIT_N_BOOT", raising=False)


@pytest.fixture(autouse=True)
def fixed_commit(monkeypatch):
    _pin(monkeypatch)


def _standard_build(b, keys, n_ok=None):
    """Every paper's result ok (or only the first ``n_ok``; the others not run) except the last one's, which failed."""
    for key in keys[:-1][:n_ok]:
        write_result(b / key / "result.json", ok_result(key))
    write_result(b / keys[-1] / "result.json", failed_result(keys[-1]))
    return b


@pytest.fixture
def build_dir(tmp_path, keys):
    """A small build for the tests of how the report is written (reproducibility, atomicity): two papers ok, the
    last failed, the others not run; every paper's page is still built."""
    return _standard_build(tmp_path / "build", keys, n_ok=2)


N_SHARED_OK = 3  # papers ok in the shared build (the first with a figure); the next is not run; the last failed


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The report of the shared build, built once for the tests that only read it: (report folder, keys)."""
    ks = paper_keys()
    tmp = tmp_path_factory.mktemp("shared_report")
    b = _standard_build(tmp / "build", ks, n_ok=N_SHARED_OK)
    r = ok_result(ks[0])
    r["figures"] = [{"file": "main_fit.png", "caption": "Data against the law"}]
    write_result(b / ks[0] / "result.json", r)
    (b / ks[0] / "figures").mkdir(parents=True)
    (b / ks[0] / "figures" / "main_fit.png").write_bytes(b"\x89PNG fake")
    with pytest.MonkeyPatch.context() as mp:
        _pin(mp)
        out = build_report(build=b, out=tmp / "report")
    return out, ks


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_report_writes_every_file(built):
    out, keys = built
    assert out.name == "report"
    assert (out / "index.md").is_file() and (out / "index.html").is_file()
    for key in keys:
        assert (out / "papers" / f"{key}.md").is_file()
        assert (out / "papers" / f"{key}.html").is_file()
    for name in ("claims", "ci_width", "extrapolation", "fit_health", "profile", "coverage"):
        for ext in ("csv", "md", "tex"):
            assert (out / "tables" / f"{name}.{ext}").is_file(), f"{name}.{ext}"
    assert set(TABLES) == {"claims", "ci_width", "extrapolation", "fit_health", "profile", "coverage", "sensitivity",
                           "robustness", "consistency"}
    coverage = read_table(out / "tables" / "coverage.csv")
    assert list(coverage.columns) == ["paper", "fit", "quantity", "interval_kind", "nominal", "coverage", "coverage_mcse", "k"]


def test_build_report_tables_content(built):
    out, keys = built
    ok_keys = keys[:N_SHARED_OK]
    claims = read_table(out / "tables" / "claims.csv")
    assert list(claims.columns) == TABLES["claims"][1]
    assert claims["paper"].tolist() == [k for k in ok_keys for _ in range(2)]
    assert claims["verdict"].tolist() == ["not reproduced", "reproduced"] * len(ok_keys)
    assert claims["claimed"].tolist() == [1.69] * (2 * len(ok_keys))
    ci = read_table(out / "tables" / "ci_width.csv")
    assert ci["flag"].tolist() == ["implausibly narrow"] * len(ok_keys)
    assert ci["runs_needed"].tolist() == [2.4e6] * len(ok_keys)
    health = read_table(out / "tables" / "fit_health.csv")
    assert list(health.columns) == TABLES["fit_health"][1]
    assert health["status"].tolist() == ["ok", "warn"] * len(ok_keys)
    # provenance: version, pinned commit, and the data checksum from the results
    for name in TABLES:
        head = (out / "tables" / f"{name}.csv").read_text().splitlines()[:2]
        assert head == [f"# scaling-law-audit {__version__}, commit pinnedcommit", f"# data epoch-chinchilla/points sha256 {SHA}"]
        tex = (out / "tables" / f"{name}.tex").read_text()
        assert tex.startswith(f"% scaling-law-audit {__version__}, commit pinnedcommit\n")
        md = (out / "tables" / f"{name}.md").read_text()
        assert f"data epoch-chinchilla/points sha256 {SHA}" in md
    assert r"Table\_3 (50\% level)" in (out / "tables" / "claims.tex").read_text()


def test_build_report_overview_counts_and_links(built):
    out, keys = built
    index = (out / "index.md").read_text()
    for key in keys:
        assert f"[{key}](papers/{key}.md)" in index
    row = next(line for line in index.splitlines() if line.startswith(f"| [{keys[0]}]"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # paper, status, one count per verdict of checks.verdicts.VERDICTS (reproduced, not reproduced, borderline, not
    # identified, internally inconsistent, not testable), narrow intervals, fit-health warnings, verdict, year, title
    assert cells[1] == "ok" and cells[2:10] == ["1", "1", "0", "0", "0", "0", "1", "1"]
    assert cells[10].startswith("1 of 2 testable claims reproduced")
    html = (out / "index.html").read_text()
    assert f'href="papers/{keys[0]}.html"' in html


def test_build_report_shows_a_failed_paper_error(built):
    out, keys = built
    failed = keys[-1]
    index = (out / "index.md").read_text()
    row = next(line for line in index.splitlines() if line.startswith(f"| [{failed}]"))
    assert "failed" in row and ERROR in row
    assert ERROR in (out / "index.html").read_text()
    page = (out / "papers" / f"{failed}.md").read_text()
    assert "## Replication failed" in page
    assert ERROR in page
    assert "Audit status: failed" in page
    assert ERROR in (out / "papers" / f"{failed}.html").read_text()
    # a paper that did not fail has no failure section
    assert "Replication failed" not in (out / "papers" / f"{keys[0]}.md").read_text()


def test_build_report_marks_a_missing_result_not_run(built):
    out, keys = built
    index = (out / "index.md").read_text()
    row = next(line for line in index.splitlines() if line.startswith(f"| [{keys[N_SHARED_OK]}]"))
    assert "not run" in row


def test_build_report_is_reproducible(tmp_path, build_dir):
    out = tmp_path / "report"
    build_report(build=build_dir, out=out)
    first = snapshot(out)
    build_report(build=build_dir, out=out)
    second = snapshot(out)
    assert set(first) == set(second)
    tables = [k for k in first if k.startswith("tables/")]
    assert len([k for k in tables if not k.startswith("tables/checklist")]) == 40  # 10 tables x csv, md, tex, bib  # the checklist's own are tested in test_checklist_review.py
    for k in tables:
        assert first[k] == second[k], k
    for k in first:
        assert first[k] == second[k], k
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "report"]


def test_build_report_failure_leaves_previous_report_intact(tmp_path, built, monkeypatch):
    shared, keys = built  # the previous report: the shared one, copied with its build
    build_dir, out = tmp_path / "build", tmp_path / "report"
    shutil.copytree(shared.parent / "build", build_dir)
    shutil.copytree(shared, out)
    before = snapshot(out)

    # a later build with different results fails midway, after the tables and pages were written
    write_result(build_dir / keys[0] / "result.json", failed_result(keys[0]))

    def broken(*a, **k):
        raise RuntimeError("overview broke")

    monkeypatch.setattr(build_mod, "overview_page", broken)
    with pytest.raises(RuntimeError, match="overview broke"):
        build_report(build=build_dir, out=out)
    assert snapshot(out) == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".report-") or p.name.endswith(".old")]
    assert leftovers == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "report"]


def test_build_report_failure_without_previous_report_leaves_nothing(tmp_path, build_dir, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("overview broke")

    # (a paper page that cannot be rendered no longer stops the build: test_reliability_files covers that)
    monkeypatch.setattr(build_mod, "overview_page", broken)
    with pytest.raises(RuntimeError, match="overview broke"):
        build_report(build=build_dir, out=tmp_path / "report")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]
    assert list((build_dir / ".tmp").iterdir()) == []  # the temporary folder under build/ is gone too


def test_build_report_copies_figures(built):
    out, keys = built
    key = keys[0]
    assert (out / "figures" / key / "main_fit.png").read_bytes() == b"\x89PNG fake"
    page = (out / "papers" / f"{key}.md").read_text()
    assert f"![Data against the law](../figures/{key}/main_fit.png)" in page


# --- Page ----------------------------------------------------------------------------------------

def test_page_renders_markdown_and_escaped_html():
    page = Page("T <1>").heading("H").text("a & b").items(["x", "y"]).table(pd.DataFrame({"k": ["p"], "v": [NAN]}),
                                                                          links={"k": "papers/{}.md"})
    md = page.markdown()
    assert md.startswith("# T \\<1>\n")  # neutralised: no raw HTML from a title
    assert "## H" in md and "- x\n- y" in md and "| [p](papers/p.md) |  |" in md
    html = page.html()
    assert "<h1>T &lt;1&gt;</h1>" in html
    assert "<p>a &amp; b</p>" in html
    assert '<a href="papers/p.html">p</a>' in html


# --- overview verdicts and the cross-paper allocation view ---------------------------------------

def test_verdict_line_counts_claims_and_flags():
    from replication.report.build import verdict_line
    ok = {"status": "ok", "claims": [{"verdict": "reproduced"}, {"verdict": "not reproduced"}, {"verdict": "not testable"}],
          "ci_width": [{"flag": "implausibly narrow"}], "extrapolation": [{"are": 0.021}, {"are": 0.104}],
          "fit_health": [{"status": "warn"}, {"status": "ok"}]}
    line = verdict_line(ok)
    assert line.startswith("1 of 2 testable claims reproduced")
    assert "1 interval(s) implausibly narrow" in line and "2.1% to 10.4%" in line and "1 fit-health warning(s)" in line
    assert verdict_line({"status": "failed", "error": "DataError: x"}) == "replication failed: DataError: x"
    assert verdict_line({"status": "no public data", "claims": [{"verdict": "not testable"}]}).startswith("no public data")


def test_cross_paper_rows_pick_allocation_quantities_and_their_claims():
    from replication.report.cross_paper import cross_paper_rows
    q = lambda v: {"value": v, "intervals": {"0.95": [v - 0.1, v + 0.1]}, "interval_kind": "bootstrap percentile"}
    results = [
        {"paper": "p1", "status": "ok", "quantities": {"a_alloc": q(0.5), "grid.a_alloc": q(0.52), "alpha": q(0.3),
                                                       "tokens_per_param@5.88e+23": q(20.0), "a_alloc.cfg_x": q(0.7)},
         "claims": [{"quantity": "a_alloc", "claimed": 0.46, "provenance": "unverified", "verdict": "not reproduced"}]},
        {"paper": "p2", "status": "failed", "quantities": {"a_alloc": q(0.9)}, "claims": []},
    ]
    rows = cross_paper_rows(results)
    assert list(rows["quantity"]) == ["a_alloc", "a_alloc.cfg_x", "grid.a_alloc", "tokens_per_param@5.88e+23"]
    assert rows.loc[rows["quantity"] == "tokens_per_param@5.88e+23", "budget"].item() == 5.88e23
    main = rows[rows["quantity"] == "a_alloc"].iloc[0]
    assert main["claimed"] == 0.46 and main["verdict"] == "not reproduced" and main["ci_low"] == 0.4
    assert set(rows["paper"]) == {"p1"}  # a failed paper contributes no numbers


def test_sortable_table_gets_the_sort_script_once():
    import pandas as pd
    from replication.report.pages import Page
    page = Page("t").table(pd.DataFrame({"a": [2, 1]}), sortable=True).table(pd.DataFrame({"b": [1]}))
    html = page.html()
    assert html.count('class="sortable"') == 1 and html.count("<script") == 1
    assert 'src="static/tables.js"' in html
    assert "<script" not in Page("u").table(pd.DataFrame({"a": [1]})).html()


def test_page_figures_drawn_by_the_run_are_the_bytes_the_report_would_draw(tmp_path, keys):
    """A paper's claims forest and specification curve drawn by its own run (report/page_figures.py, from the
    result as written) and copied by the report give the same report, byte for byte, as the report drawing them."""
    import json

    from replication.report.page_figures import KEY, draw_page_figures
    from replication.results import result_json

    rows = [{"paper": keys[0], "fit": "main", "spec": s, "changed": s, "quantity": "E", "value": v, "ci_low": v - 0.1,
             "ci_high": v + 0.1, "verdict": "reproduced", "claim": "E", "claimed": 1.8}
            for s, v in (("main", 1.8), ("huber_0.1", 1.7), ("dense_grid", 1.85))]
    plain, drawn = tmp_path / "plain", tmp_path / "drawn"
    for b in (plain, drawn):
        _standard_build(b, keys, n_ok=2)
    r = dict(ok_result(keys[0]), sensitivity={"rows": rows, "robustness": [], "fits": [], "skipped": []})
    write_result(plain / keys[0] / "result.json", r)
    for key, res in ((keys[0], r), (keys[1], ok_result(keys[1]))):
        res = dict(res, **{KEY: draw_page_figures(drawn / key / "figures", json.loads(result_json(res)))})
        write_result(drawn / key / "result.json", res)
    assert r.get(KEY) is None and json.loads((drawn / keys[0] / "result.json").read_text())[KEY] == {
        "claims_forest": "claims_forest.png", "spec_curve": "spec_curve.png"}
    a, b = build_report(build=plain, out=tmp_path / "a"), build_report(build=drawn, out=tmp_path / "b")
    sa, sb = snapshot(a), snapshot(b)
    assert f"figures/{keys[0]}/spec_curve.png" in sa and f"figures/{keys[0]}/claims_forest.png" in sa
    assert sa.keys() == sb.keys() and all(sa[k] == sb[k] for k in sa)

"""Assemble report/ from build/<key>/result.json: tables, an overview, one page per paper, figures.

The report is built in a temporary folder and swapped into place, so a failed build never leaves a
half-written report.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd

from ..checks import claims as claims_check
from ..checks.ci_width import RULE as CI_RULE
from ..checks.fit_health import RULES as HEALTH_RULES
from ..checklist.report_section import build_checklist
from ..data.schema import load_dataset_meta
from ..metadata import load_paper, paper_keys
from ..paths import BUILD, REPORT
from ..results import read_result, write_text_atomic
from .pages import Page
from .provenance import provenance, provenance_lines
from .cross_paper import allocation_figure, cross_paper_rows
from .digitised import digitised_section
from .tables import write_table

TABLES = {
    "claims": ("Claimed numbers against the replication", ["paper", "claim", "statement", "quantity", "claimed", "replicated", "ci_low",
               "ci_high", "ci_level", "rel_diff", "verdict", "rule", "provenance", "source", "note"]),
    "ci_width": ("Claimed confidence intervals against the replication's", ["paper", "claim", "quantity", "ci_level",
                 "claimed_low", "claimed_high", "claimed_width", "claimed_width_max", "replicated_low", "replicated_high",
                 "replicated_width", "width_ratio", "n_points", "runs_needed", "runs_needed_min", "runs_reported", "flag", "interval_kind",
                 "provenance", "source"]),
    "extrapolation": ("Extrapolation to held-out larger runs", ["paper", "fit", "split_column", "threshold", "n_fit",
                      "n_held_out", "are", "max_are", "rmse_log", "in_sample_are", "note"]),
    "fit_health": ("Health of each fit", ["paper", "fit", "check", "value", "status", "detail"]),
}

INTERVALS = (
    "Intervals are bootstrap percentile intervals: the points are resampled with replacement, every resample is "
    "refitted by the paper's criterion, and the interval is the (1-level)/2 and (1+level)/2 quantiles of the refitted "
    "values. They capture the sampling variability of the points under the protocol, not run-to-run training noise "
    "nor the choice of protocol."
)


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in columns:
        if c not in df:
            df[c] = float("nan") if len(df) else pd.Series(dtype=object)
    return df[columns] if len(df) else pd.DataFrame(columns=columns)


def collect(build: Path) -> list[dict]:
    results = []
    for key in paper_keys():
        path = build / key / "result.json"
        if path.exists():
            results.append(read_result(path))
        else:
            results.append({"paper": key, "status": "not run", "error": f"no result at build/{key}/result.json (run make)",
                            "claims": [], "ci_width": [], "extrapolation": [], "fit_health": [], "fits": {}, "data": [],
                            "figures": [], "quantities": {}})
    return results


def build_report(build: Path | None = None, out: Path | None = None) -> Path:
    build, out = Path(build or BUILD), Path(out or REPORT)
    results = collect(build)
    prov = provenance(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=out.parent))
    try:
        tables = {name: _frame([row for r in results for row in r.get(name, [])], cols) for name, (_, cols) in TABLES.items()}
        for name, (caption, _) in TABLES.items():
            write_table(tmp / "tables", name, tables[name], caption, prov)
        for r in results:
            for tname, t in r.get("tables", {}).items():
                write_table(tmp / "tables" / "papers", f"{r['paper']}_{tname}", paper_table(t), t["caption"], prov)
        pages = {r["paper"]: paper_page(r, prov) for r in results}
        checklist = build_checklist(tmp, results, prov)
        for key, page in pages.items():
            checklist.paper_section(page, key)
        for key, page in pages.items():
            write_text_atomic(tmp / "papers" / f"{key}.md", page.markdown())
            write_text_atomic(tmp / "papers" / f"{key}.html", page.html())
        for r in results:
            for fig in r.get("figures", []):
                src = build / r["paper"] / "figures" / fig["file"]
                if src.exists():
                    (tmp / "figures" / r["paper"]).mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, tmp / "figures" / r["paper"] / fig["file"])
        cross = cross_paper_rows(results)
        write_table(tmp / "tables", "allocation", cross, "Compute-optimal allocation across papers: published and replicated", prov)
        if len(cross):
            allocation_figure(tmp / "figures" / "allocation.png", cross)
        index = overview_page(results, tables, prov, cross)
        checklist.overview_section(index)
        digitised_section(tmp, index, pages, prov, build)
        write_text_atomic(tmp / "index.md", index.markdown())
        write_text_atomic(tmp / "index.html", index.html())
        old = None
        if out.exists():
            old = out.with_name(out.name + ".old")
            if old.exists():
                shutil.rmtree(old)
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def paper_table(t: dict) -> pd.DataFrame:
    """A paper-specific table from its result record, columns in the order the script gave."""
    return _frame(t["rows"], t["columns"])


def _verdicts(r: dict) -> dict:
    v = [c["verdict"] for c in r.get("claims", [])]
    return {k: v.count(k) for k in (claims_check.REPRODUCED, claims_check.NOT_REPRODUCED, claims_check.NOT_TESTABLE)}


def verdict_line(r: dict) -> str:
    """One line a reader can quote: what the audit of this paper found."""
    status = r["status"]
    if status == "failed":
        return f"replication failed: {r.get('error') or 'no error recorded'}"
    if status == "not run":
        return "not run yet (run make)"
    v = _verdicts(r)
    tested = v["reproduced"] + v["not reproduced"]
    if status != "ok":
        return f"{status}: {len(r.get('claims', []))} claim(s) registered, none testable here"
    parts = [f"{v['reproduced']} of {tested} testable claims reproduced" if tested else "no testable claim"]
    narrow = sum(c["flag"] == "implausibly narrow" for c in r.get("ci_width", []))
    if narrow:
        parts.append(f"{narrow} interval(s) implausibly narrow")
    ex = [e["are"] for e in r.get("extrapolation", []) if e.get("are") == e.get("are") and e.get("are") is not None]
    if ex:
        parts.append(f"extrapolation error {min(ex):.1%} to {max(ex):.1%}" if len(ex) > 1 else f"extrapolation error {ex[0]:.1%}")
    warn = sum(h["status"] == "warn" for h in r.get("fit_health", []))
    if warn:
        parts.append(f"{warn} fit-health warning(s)")
    return "; ".join(parts)


def overview_page(results: list[dict], tables: dict[str, pd.DataFrame], prov: dict, cross: pd.DataFrame | None = None) -> Page:
    page = Page("scaling-audit report")
    page.text("Each audited paper's stated law refitted from its data by its stated protocol, with every claimed number "
              "checked against the refit. Generated by `make`; do not edit by hand.")
    page.items(provenance_lines(prov))
    rows = []
    for r in results:
        v = _verdicts(r)
        health = [h for h in r.get("fit_health", []) if h["status"] == "warn"]
        flags = [c for c in r.get("ci_width", []) if c["flag"] == "implausibly narrow"]
        try:
            meta = load_paper(r["paper"])
            year, title = meta.year, meta.title
        except Exception:  # the paper's own page shows the metadata error
            year, title = float("nan"), ""
        rows.append({"paper": r["paper"], "year": year, "title": title, "status": r["status"], "verdict": verdict_line(r),
                     "reproduced": v["reproduced"], "not reproduced": v["not reproduced"], "not testable": v["not testable"],
                     "narrow intervals": len(flags), "fit-health warnings": len(health)})
    order = {"failed": 0, "ok": 1, "not run": 2}
    frame = pd.DataFrame(rows)
    frame = frame.sort_values(["status", "paper"], key=lambda c: c.map(lambda x: order.get(x, 3)) if c.name == "status" else c,
                              kind="stable").reset_index(drop=True)
    page.heading("Papers")
    page.text("One line per paper; click a column header (HTML) to sort. Audited papers first, then papers without public data.")
    page.table(frame, links={"paper": "papers/{}.md"}, sortable=True)
    if cross is not None and len(cross):
        page.heading("Compute-optimal allocation across papers")
        page.text("Allocation exponents (N_opt proportional to C^a) and tokens per parameter as the papers state them "
                  "and as replicated here, with the replication's 95% intervals. Table: tables/allocation.csv.")
        page.figure("figures/allocation.png", "Published (crosses) against replicated (dots, 95% intervals) allocation "
                    "exponents and tokens per parameter.")
    page.heading("Tables")
    page.text("Citable tables in CSV, Markdown and LaTeX under tables/: " + ", ".join(f"{n}" for n in TABLES)
              + ", allocation; paper-specific tables under tables/papers/.")
    page.heading("How to read the verdicts")
    page.items([f"{rule}: {text}" for rule, text in claims_check.RULES.items()])
    page.text(INTERVALS)
    page.text("CI width: " + CI_RULE + ".")
    page.heading("Fit-health checks")
    page.items([f"{k}: {v}" for k, v in HEALTH_RULES.items()])
    page.heading("All claims")
    page.table(tables["claims"][["paper", "claim", "statement", "claimed", "replicated", "ci_low", "ci_high", "ci_level", "verdict"]],
               sortable=True)
    return page


def paper_page(r: dict, prov: dict) -> Page:
    key = r["paper"]
    try:
        paper = load_paper(key)
    except Exception as exc:  # the metadata error is the finding
        return Page(key).text(f"Metadata could not be read: {exc}")
    page = Page(f"{paper.title} ({paper.year})")
    page.items([f"Authors: {', '.join(paper.authors)}", f"arXiv: {paper.arxiv or 'none'}", f"Key: {key}",
                f"Audit status: {r['status']}", f"Verdict: {verdict_line(r)}"] + provenance_lines(prov)[:1])
    if paper.arxiv:
        page.links([(f"arXiv:{paper.arxiv}", f"https://arxiv.org/abs/{paper.arxiv}")])
    if r.get("error"):
        page.heading("Replication failed")
        page.text(r["error"])
    page.heading("Stated law")
    page.text(paper.law.statement)
    if paper.protocol:
        page.heading("Protocol as reported")
        page.text(paper.protocol.as_reported)
        if paper.protocol.choices:
            page.heading("Choices made by the replication")
            page.items(paper.protocol.choices)
    if paper.datasets:
        page.heading("Data")
    for name in paper.datasets:
        try:
            meta = load_dataset_meta(name)
        except Exception as exc:
            page.text(f"{name}: metadata unreadable ({exc})")
            continue
        page.items([f"{name}: {meta.title}", f"upstream: {meta.upstream.repository} at commit {meta.upstream.commit}",
                    f"licence: {meta.licence}", f"citation: {meta.citation}", f"obtained: {meta.obtained}; {meta.how_obtained}"]
                   + [f"caveat: {c}" for c in meta.caveats]
                   + [f"file {f.key}: sha256 {f.sha256}" for f in meta.files])
        page.links([(f"{name}: upstream repository at commit {meta.upstream.commit[:12]}",
                     f"{meta.upstream.repository.rstrip('/')}/tree/{meta.upstream.commit}")]
                   + [(f"{name}/{f.key}: pinned file", f.url) for f in meta.files])
    for name, fit in r.get("fits", {}).items():
        page.heading(f"Fit: {name}")
        page.items([f"law: {fit['formula']}", f"criterion: {fit['objective']}",
                    f"{fit['n_points']} points, {fit['n_starts']} starts, optimum {fit['point']['fun']:.10g}"]
                   + ([f"bootstrap: {fit['bootstrap']['n']} resamples (seed {fit['bootstrap']['seed']}), "
                       f"{fit['bootstrap']['grid_refits']} refitted from the full grid by the basin safeguard; "
                       + fit['bootstrap']['what']] if "bootstrap" in fit else ["no bootstrap for this fit"]))
        prefix = "" if name == "main" else f"{name}."
        others = tuple(f"{n}." for n in r.get("fits", {}) if n != "main")
        rows = []
        for qname, q in r.get("quantities", {}).items():
            if (prefix and qname.startswith(prefix)) or (not prefix and not qname.startswith(others)):
                iv = q.get("intervals", {}).get("0.95", [float("nan")] * 2)
                rows.append({"quantity": qname, "value": q["value"], "bootstrap SE": q.get("se", float("nan")),
                             "95% low": iv[0], "95% high": iv[1]})
        page.table(pd.DataFrame(rows))
    for title, name in [("Claims", "claims"), ("Confidence-interval width", "ci_width"),
                        ("Extrapolation", "extrapolation"), ("Fit health", "fit_health")]:
        if name != "claims" and not r.get(name):
            continue
        page.heading(title)
        page.table(_frame(r.get(name, []), [c for c in TABLES[name][1] if c != "paper"]))
    for tname, t in r.get("tables", {}).items():
        page.heading(f"Table: {tname}")
        page.text(f"{t['caption']} (citable as tables/papers/{key}_{tname}.csv, .md, .tex)")
        page.table(paper_table(t))
    if r.get("figures"):
        page.heading("Figures")
        for fig in r["figures"]:
            page.figure(f"../figures/{key}/{fig['file']}", fig["caption"])
    if paper.notes:
        page.heading("Notes")
        page.items(paper.notes)
    return page

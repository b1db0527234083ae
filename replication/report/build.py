"""Assemble report/ from build/<key>/result.json: tables, an overview, one page per paper, figures.

The report is built in a temporary folder under build/ and swapped into place, so a failed build never leaves a
half-written report; folders left by a killed build are removed by the next one, a lock (build/.lock) serialises
concurrent builds of the same tree, and every file gets the user's umask. A missing or unreadable result shows as
a failed paper, never stops the build.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

from ..checks import verdicts
from ..checks.ci_width import RULE as CI_RULE
from ..checks.fit_health import RULES as HEALTH_RULES
from ..checks.coverage_check import COLUMNS as COVERAGE_COLUMNS, RULE as COVERAGE_RULE
from ..checks.profile_agreement import COLUMNS as PROFILE_COLUMNS, RULE as PROFILE_RULE
from ..checklist.build import build_checklist
from ..data.schema import load_dataset_meta
from ..metadata import load_paper, paper_keys
from ..paths import BUILD, REPORT
from ..errors import AuditError
from ..lock import tree_lock
from ..results import current_umask, read_paper_result, write_text_atomic
from .cross_paper import allocation_figure, cross_paper_rows
from .digitised import digitised_section
from .figures import claims_forest_figure
from .page_figures import FOREST, KEY as PAGE_FIGURES, draw_page_figures
from .pages import Page, copy_static
from . import digitisation_page, robustness_section
from .provenance import NAME, provenance, provenance_lines
from .tables import bibtex, write_table

from ..checks.approaches import COLUMNS as CONSISTENCY_COLUMNS, LEVEL as CONSISTENCY_LEVEL, RULE as CONSISTENCY_RULE

TABLES = {
    "claims": ("Claimed numbers against the replication", ["paper", "claim", "statement", "quantity", "claimed", "replicated", "ci_low",
               "ci_high", "ci_level", "ci_low_mcse", "ci_high_mcse", "replicated_mcse", "rel_diff", "verdict", "rule_outcome", "rule",
               "basis", "joint", "identification", "consistency", "sensitivity", "provenance", "unverified", "source", "note",
               "rule_text"]),
    "ci_width": ("Claimed confidence intervals against the replication's", ["paper", "claim", "quantity", "ci_level",
                 "claimed_low", "claimed_high", "claimed_width", "claimed_width_max", "replicated_low", "replicated_high",
                 "replicated_width", "width_ratio", "n_points", "runs_needed", "runs_needed_mcse", "runs_needed_min", "runs_reported", "flag",
                 "replicated_low_mcse", "replicated_high_mcse", "interval_kind", "coverage", "coverage_mcse",
                 "calibrated_width", "provenance", "source"]),
    "extrapolation": ("Extrapolation to held-out larger runs", ["paper", "fit", "split_column", "threshold", "n_fit",
                      "n_held_out", "are", "max_are", "rmse_log", "in_sample_are", "note"]),
    "fit_health": ("Health of each fit", ["paper", "fit", "check", "value", "status", "detail"]),
    "profile": ("Profile intervals of headline quantities beside the bootstrap intervals", PROFILE_COLUMNS),
    "coverage": ("Simulated coverage of the nominal bootstrap intervals of each main fit", COVERAGE_COLUMNS),
    "consistency": ("Approach 2 (IsoFLOP minima) against Approach 3 (the law L(N, D)) on the same runs: the "
                    f"allocation exponent a of N* ~ C^a from each, {CONSISTENCY_LEVEL:.0%} bootstrap percentile "
                    "intervals and the difference a_2 - a_3 with its paired interval from the same resamples; verdict "
                    f"{CONSISTENCY_RULE}", CONSISTENCY_COLUMNS),
    **robustness_section.TABLES,
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


EMPTY = {"claims": [], "ci_width": [], "extrapolation": [], "fit_health": [], "profile": [], "coverage": [], "fits": {}, "data": [], "figures": [],
         "quantities": {}, "tables": {}, "error": None}
TMP_PREFIX = "report-"


def collect(build: Path) -> list[dict]:
    """Every paper's result; a missing one is 'not run', an unreadable one is 'failed' with the reason."""
    results = []
    for key in paper_keys():
        path = build / key / "result.json"
        if not path.exists():
            record = {"paper": key, "status": "not run", "error": f"no result at build/{key}/result.json (run make)"}
        else:
            try:
                record = read_paper_result(path, key)
            except AuditError as exc:
                record = {"paper": key, "status": "failed", "error": str(exc)}
        record.setdefault("error", None)
        for field, empty in EMPTY.items():
            if empty is not None and not isinstance(record.get(field), type(empty)):
                record[field] = type(empty)()
        results.append(record)
    return results


def _temp_root(build: Path, out: Path) -> Path:
    """Where the report is assembled: build/.tmp when it is on the same file system as the report (so the final
    rename is atomic), else beside the report."""
    root = build / ".tmp"
    root.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    return root if os.stat(root).st_dev == os.stat(out.parent).st_dev else out.parent


def _clean_leftovers(build: Path, out: Path) -> None:
    """Remove folders a killed build left behind (called with the lock held, so none is in use)."""
    for parent, prefix in ((build / ".tmp", TMP_PREFIX), (out.parent, "." + TMP_PREFIX), (out.parent, TMP_PREFIX)):
        if parent.is_dir():
            for p in parent.glob(prefix + "*"):
                if p.is_dir() and (parent == build / ".tmp" or p.name.startswith("." + TMP_PREFIX)):
                    shutil.rmtree(p, ignore_errors=True)
    old = out.with_name(out.name + ".old")
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)


def build_report(build: Path | None = None, out: Path | None = None) -> Path:
    """Build the report from the results under ``build`` into ``out``, holding the tree's lock."""
    build, out = Path(build or BUILD), Path(out or REPORT)
    with tree_lock(build, "report"):
        _clean_leftovers(build, out)
        return _build(build, out)


def _build(build: Path, out: Path) -> Path:
    results = collect(build)
    prov = provenance(results)
    root = _temp_root(build, out)
    prefix = TMP_PREFIX if root == build / ".tmp" else "." + TMP_PREFIX
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp makes it private; the report is not
    try:
        tables = {name: _frame([row for r in results for row in _rows(r, name)], cols) for name, (_, cols) in TABLES.items()}
        tables["claims"] = _blank_levels(tables["claims"])
        for name, (caption, _) in TABLES.items():
            write_table(tmp / "tables", name, tables[name], caption, prov)
        for r in results:
            for tname, t in r.get("tables", {}).items():
                write_table(tmp / "tables" / "papers", f"{r['paper']}_{tname}", paper_table(t), t["caption"], prov)
        for r in results:
            for fig in r.get("figures", []):
                src = build / r["paper"] / "figures" / fig["file"]
                if src.exists():
                    (tmp / "figures" / r["paper"]).mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, tmp / "figures" / r["paper"] / fig["file"])
        forests = {r["paper"]: _page_figures(r, build, tmp / "figures" / r["paper"]) for r in results}
        pages = {r["paper"]: _isolated_page(r, prov, forest=bool(forests[r["paper"]]), fig_dir=tmp / "figures")
                 for r in results}
        checklist = build_checklist(tmp, results, prov)
        for key, page in pages.items():
            checklist.paper_section(page, key)
        for key, page in pages.items():
            write_text_atomic(tmp / "papers" / f"{key}.md", page.markdown(root="../"))
            write_text_atomic(tmp / "papers" / f"{key}.html", page.html(root="../"))
        write_reviews_html(tmp, checklist, results)
        cross = cross_paper_rows(results)
        write_table(tmp / "tables", "allocation", cross, ALLOCATION_CAPTION, prov)
        shown_cross = cross
        if len(cross):
            try:
                allocation_figure(tmp / "figures" / "allocation.png", cross)
            except Exception as exc:  # a figure of what the surviving papers give must not stop the report
                print(f"report: the cross-paper allocation figure could not be drawn ({type(exc).__name__}: {exc}); "
                      "its section is left out (tables/allocation.csv is written)", file=sys.stderr)
                shown_cross = None
        forest = claims_forest_figure(tmp / "figures" / "claims_forest.png", tables["claims"].to_dict("records"),
                                      title="Every testable claim: claimed against replicated")
        index = overview_page(results, tables, prov, shown_cross, forest=bool(forest))
        checklist.overview_section(index)
        digitised_section(tmp, index, pages, prov, build,
                          fitted={r["paper"] for r in results if len(digitisation_page.fit_rows(r))})
        index.heading("Provenance")
        index.text("What built this report: the code version and commit (with -dirty and the differing files when the "
                   "working tree differed from the commit), every setting that overrode a paper's protocol, and the "
                   "sha256 of every data file used. Every table carries the same lines as its header.")
        index.items(provenance_lines(prov))
        write_text_atomic(tmp / "index.md", index.markdown(root=""))
        write_text_atomic(tmp / "index.html", index.html())
        tpage = tables_page(tables, cross, results, prov)
        write_text_atomic(tmp / "tables.md", tpage.markdown(root=""))
        write_text_atomic(tmp / "tables.html", tpage.html())
        copy_static(tmp)
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


def _page_figures(r: dict, build: Path, fig_dir: Path) -> str | None:
    """A paper's claims forest and specification curve (report/page_figures.py): copied where its run drew them, else
    drawn here and recorded in ``r`` as a run records them; the forest's file name, or None when there is none."""
    if PAGE_FIGURES not in r:  # a result its run did not finish (a failed paper)
        r[PAGE_FIGURES] = draw_page_figures(fig_dir, r)
        return r[PAGE_FIGURES].get(FOREST)
    for name in r[PAGE_FIGURES].values():
        src = build / r["paper"] / "figures" / str(name)
        if name and src.exists():
            fig_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, fig_dir / str(name))
    return r[PAGE_FIGURES].get(FOREST)


def _rows(r: dict, name: str) -> list[dict]:
    """A result's rows of table ``name`` (the multiverse's two tables come from its record)."""
    return robustness_section.table_rows(r, name) if name in robustness_section.TABLES else r.get(name, [])


def _isolated_page(r: dict, prov: dict, forest: bool = False, fig_dir: Path | None = None) -> Page:
    """A paper's page; if its result cannot be rendered, a page saying so (the other pages are unaffected)."""
    try:
        return paper_page(r, prov, forest=forest, fig_dir=fig_dir)
    except Exception as exc:
        return Page(r["paper"]).text(f"Audit status: failed. The page could not be rendered from build/{r['paper']}/"
                                     f"result.json ({type(exc).__name__}: {exc}); run make to rebuild the result.")


def paper_table(t: dict) -> pd.DataFrame:
    """A paper-specific table from its result record, columns in the order the script gave."""
    return _frame(t["rows"], t["columns"])


def _verdicts(r: dict) -> dict:
    return verdicts.counts(c["verdict"] for c in r.get("claims", []))


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
    undecided = sum(v[k] for k in verdicts.TESTED) - tested
    parts = [f"{v['reproduced']} of {tested} testable claims reproduced" if tested
             else ("no claim reproduced or refuted" if undecided else "no testable claim")]
    parts += [f"{v[k]} {k}" for k in verdicts.VERDICTS if k not in ("reproduced", "not reproduced", "not testable") and v[k]]
    narrow = sum(c["flag"] == "implausibly narrow" for c in r.get("ci_width", []))
    if narrow:
        parts.append(f"{narrow} interval(s) implausibly narrow")
    ex = [e["are"] for e in r.get("extrapolation", []) if e.get("are") == e.get("are") and e.get("are") is not None]
    if ex:
        parts.append(f"extrapolation error {min(ex):.1%} to {max(ex):.1%}" if len(ex) > 1 else f"extrapolation error {ex[0]:.1%}")
    warn = sum(h["status"] in ("warn", "fail") for h in r.get("fit_health", []))
    if warn:
        parts.append(f"{warn} fit-health warning(s)")
    return "; ".join(parts)


FOREST_CAPTION = ("Each testable claim: (replicated - claimed) / |claimed| with the replication's interval, green when "
                  "reproduced and red when not by the claim's rule (printed in the claims table); diamonds mark claims "
                  "the sources do not verify.")
ALLOCATION_CAPTION = "Compute-optimal allocation across papers: published and replicated"
FILTERS = {"claims": ["paper", "verdict", "provenance"], "ci_width": ["paper", "flag", "provenance"],
           "extrapolation": ["paper", "fit"], "fit_health": ["paper", "check", "status"], "allocation": ["paper", "what"],
           "profile": ["paper", "fit", "agreement"], "coverage": ["paper", "fit", "nominal"],
           "sensitivity": ["paper", "fit", "spec", "verdict"], "robustness": ["paper", "verdict_main"]}
TABLE_TITLES = {**{n: c for n, (c, _) in TABLES.items()}, "allocation": ALLOCATION_CAPTION}


def downloads(name: str, prefix: str = "") -> list[tuple[str, str]]:
    """Links to a table's citable files."""
    return [(ext.upper() if ext != "bib" else "BibTeX", f"{prefix}tables/{name}.{ext}") for ext in ("csv", "tex", "md", "bib")]


def _blank_levels(claims: pd.DataFrame) -> pd.DataFrame:
    """A claim without an interval has no interval level: blank ci_level where both bounds are missing."""
    if not len(claims):
        return claims
    claims = claims.copy()
    no_iv = claims["ci_low"].isna() & claims["ci_high"].isna()
    claims["ci_level"] = claims["ci_level"].astype(object).where(~no_iv, float("nan"))
    return claims


def _paper_meta(key: str) -> tuple[object, str]:
    try:
        meta = load_paper(key)
        return meta.year, meta.title
    except Exception:  # the paper's own page shows the metadata error
        return float("nan"), ""


def summary_frame(results: list[dict]) -> pd.DataFrame:
    """One row per paper: its verdict counts, flags and one-line verdict (failed papers first, then audited ones)."""
    rows = []
    for r in results:
        v = _verdicts(r)
        year, title = _paper_meta(r["paper"])
        rows.append({"paper": r["paper"], "status": r["status"], **v,
                     "narrow intervals": sum(c.get("flag") == "implausibly narrow" for c in r.get("ci_width", [])),
                     "fit-health warnings": sum(h.get("status") in ("warn", "fail") for h in r.get("fit_health", [])),
                     "verdict": verdict_line(r), "year": year, "title": title,
                     "verdict kept under every specification": robustness_section.kept_everywhere(r)})
    order = {"failed": 0, "ok": 1, "not run": 2}
    frame = pd.DataFrame(rows)
    return frame.sort_values(["status", "paper"], key=lambda c: c.map(lambda x: order.get(x, 3)) if c.name == "status" else c,
                             kind="stable").reset_index(drop=True)


def overview_page(results: list[dict], tables: dict[str, pd.DataFrame], prov: dict, cross: pd.DataFrame | None = None,
                  forest: bool = False) -> Page:
    """The overview: what holds up (one row per paper), the cross-paper figures, the rules; provenance goes last."""
    page = Page(f"{NAME} report")
    frame = summary_frame(results)
    audited = frame[frame["status"] == "ok"]
    page.text(f"Each audited paper's stated law refitted from its data by its stated protocol, with every claimed number "
              f"checked against the refit. {len(audited)} papers audited, "
              f"{int(audited['reproduced'].sum())} of {int(audited['reproduced'].sum() + audited['not reproduced'].sum())} "
              f"testable claims reproduced; {int((frame['status'] == 'failed').sum())} replication(s) failed. "
              f"Built from {NAME} {prov['version']}, commit {prov['commit']} (provenance at the end). Generated by make; "
              "do not edit by hand.")
    for line in prov.get("overrides", []):
        page.text("Note: " + line + ". Numbers from a reduced bootstrap are for a quick look, not for citing.")
    page.heading("Papers")
    page.text("One row per paper: its claims by verdict, intervals flagged as implausibly narrow and fit-health warnings. "
              "Failed replications first, then audited papers, then papers without public data. Click a header to sort.")
    page.table(frame, links={"paper": "papers/{}.md"}, sortable=True, filters=["status"])
    if forest:
        page.heading("Claims: claimed against replicated")
        page.figure("figures/claims_forest.png", FOREST_CAPTION)
    if cross is not None and len(cross):
        page.heading("Compute-optimal allocation across papers")
        page.text("Allocation exponents (N_opt proportional to C^a) and tokens per parameter as the papers state them "
                  "and as replicated here, with the replication's 95% intervals.")
        page.figure("figures/allocation.png", "Published (crosses) against replicated (dots, 95% intervals) allocation "
                    "exponents and tokens per parameter.")
        page.table(cross, links={"paper": "papers/{}.md"}, sortable=True, downloads=downloads("allocation"))
    page.heading("Tables")
    page.text("Every table, filterable by paper, verdict and provenance, is on the tables page, with its CSV, LaTeX, "
              "Markdown and BibTeX files; paper-specific tables are on the paper pages and under tables/papers/.")
    page.links([("All tables (filter and sort)", "tables.md")] + [(f"{TABLE_TITLES[n]} ({n})", f"tables.md#{n.replace('_', '-')}")
                                                                  for n in [*TABLES, "allocation"]])
    page.heading("How to read the verdicts")
    page.items(verdicts.rule_lines())
    page.text(INTERVALS)
    page.text("CI width: " + CI_RULE + ".")
    page.text("Profile intervals: " + PROFILE_RULE + ". Calibrated coverage: " + COVERAGE_RULE + ".")
    page.text("Robustness (the 'verdict kept under every specification' column): " + robustness_section.RULE + ".")
    page.heading("Fit-health checks")
    page.items([f"{k}: {v}" for k, v in HEALTH_RULES.items()])
    return page


def tables_page(tables: dict[str, pd.DataFrame], cross: pd.DataFrame, results: list[dict], prov: dict) -> Page:
    """Every cross-paper table in full, filterable and sortable, with its files and its BibTeX entry."""
    page = Page(f"{NAME} tables")
    page.text("Each table below is also written as CSV, LaTeX (booktabs longtable), Markdown and BibTeX under tables/. "
              "Every file starts with the same provenance lines; cite the commit they name. Choose values above a "
              "table to filter it, click a header to sort.")
    page.items(provenance_lines(prov)[:1] + [line for line in provenance_lines(prov) if line.startswith(("dirty", "override"))])
    everything = dict(tables, allocation=cross)
    for name, df in everything.items():
        page.heading(name.replace("_", "-"))
        page.text(TABLE_TITLES[name] + f" ({len(df)} rows).")
        page.table(df, links={"paper": "papers/{}.md"}, sortable=True, filters=FILTERS.get(name), downloads=downloads(name))
        page.code(bibtex(name, TABLE_TITLES[name], prov))
    paper_tables = [(r["paper"], tname, t["caption"]) for r in results for tname, t in r.get("tables", {}).items()]
    if paper_tables:
        page.heading("Paper-specific tables")
        page.links([(f"{key}: {caption} ({tname})", f"papers/{key}.md") for key, tname, caption in paper_tables])
    return page


def write_reviews_html(out: Path, checklist, results: list[dict]) -> None:
    """The review pages as HTML beside their Markdown, and an index of them (reviews.md, reviews.html)."""
    from ..checklist.review import review_page
    from ..checklist.scaffold import unfinished

    by_key = {r["paper"]: r for r in results}
    keys = list(checklist.assessment.suite)
    for key in keys:
        page = review_page(key, checklist, by_key.get(key), unfinished(key))
        write_text_atomic(out / "reviews" / f"{key}.html", page.html(root="../"))
    index = Page("Review pages")
    index.text("One page per paper: what is still to fill in, compliance per stage, the items the paper does not state "
               "with a question to put to the authors, and the audit results. The Markdown version of each page is "
               "ready to paste into a review form. Rebuilt by every make; make review PAPER=<key> rebuilds one.")
    index.table(pd.DataFrame([{"paper": k, "title": checklist.assessment.titles.get(k, "")} for k in keys]),
                links={"paper": "reviews/{}.md"}, sortable=True)
    index.heading("Markdown, ready to paste")
    index.files([(f"{k}.md", f"reviews/{k}.md") for k in keys])
    write_text_atomic(out / "reviews.md", index.markdown(root=""))
    write_text_atomic(out / "reviews.html", index.html())


def _fit_rows(r: dict, name: str) -> pd.DataFrame:
    prefix = "" if name == "main" else f"{name}."
    others = tuple(f"{n}." for n in r.get("fits", {}) if n != "main")
    rows = []
    for qname, q in r.get("quantities", {}).items():
        if (prefix and qname.startswith(prefix)) or (not prefix and not qname.startswith(others)):
            iv = q.get("intervals", {}).get("0.95", [float("nan")] * 2)
            mc = q.get("intervals_mcse", {}).get("0.95", [float("nan")] * 2)
            rows.append({"quantity": qname, "value": q["value"], "value MCSE": q.get("mcse", float("nan")),
                         "bootstrap SE": q.get("se", float("nan")), "SE MCSE": q.get("se_mcse", float("nan")),
                         "95% low": iv[0], "low MCSE": mc[0], "95% high": iv[1], "high MCSE": mc[1],
                         "interval": q.get("interval_kind", "")})
    return pd.DataFrame(rows)


HELD_OUT_CLAUSE = "; held-out runs of the extrapolation check in red"


def _caption(fig: dict, r: dict) -> str:
    """A figure's caption, without the mention of held-out runs when its fit held none out."""
    caption = str(fig.get("caption", ""))
    fit = str(fig.get("file", "")).removesuffix("_fit.png")
    held = any(e.get("fit") == fit and (e.get("n_held_out") or 0) > 0 for e in r.get("extrapolation", []))
    return caption.replace(HELD_OUT_CLAUSE, "") if HELD_OUT_CLAUSE in caption and not held else caption


def _profile_text(page: Page, rows: list[dict]) -> None:
    """What the profile intervals are, and each quantity whose profile and bootstrap intervals disagree."""
    page.text("Profile intervals: the criterion minimised with the quantity held fixed, the interval where the "
              "calibrated rise stays below the chi-square(1) quantile (calibration per row). " + PROFILE_RULE[0].upper()
              + PROFILE_RULE[1:] + ".")
    bad = [row for row in rows if row.get("agreement") == "disagree"]
    if bad:
        page.items([f"{row['quantity']} ({row['fit']}): profile {row['profile_low']:.4g} .. {row['profile_high']:.4g}, "
                    f"bootstrap {row['bootstrap_low']:.4g} .. {row['bootstrap_high']:.4g}: they disagree ({row['detail']})"
                    for row in bad])
    else:
        page.text("Every profile interval agrees with its bootstrap interval within Monte Carlo error.")


def _coverage_text(page: Page, rows: list[dict]) -> None:
    """What the coverage study did, and each interval narrower than advertised."""
    k = max((int(row.get("k") or 0) for row in rows), default=0)
    page.text(f"Coverage: {k} datasets drawn from the fitted law with the fit's residuals resampled, each refitted and "
              "bootstrapped like the fit; the share whose percentile interval covers the fitted law's value, with its "
              "Monte Carlo SE. " + COVERAGE_RULE[0].upper() + COVERAGE_RULE[1:] + ". A small K (the default of make) "
              "is a quick look; make robustness K=1000 runs the full study.")
    short = [row for row in rows if row.get("shortfall")]
    if short:
        page.items([f"{row['quantity']} ({row['fit']}): the nominal {row['nominal']:.0%} interval covered the truth in "
                    f"{row['coverage']:.0%} (MCSE {row['coverage_mcse']:.0%}) of {row['k']} simulated datasets; it is "
                    "narrower than advertised"
                    + (f": a calibrated interval would be {row['width_factor']:.2g} times as wide"
                       if row.get("width_factor") == row.get("width_factor") else "")
                    for row in short])
    else:
        page.text("No interval's coverage falls short of its nominal level by more than the rule's margin.")


def paper_page(r: dict, prov: dict, forest: bool = False, fig_dir: Path | None = None) -> Page:
    """One paper's page: metadata, data provenance, fits, claims, checks, tables and figures."""
    key = r["paper"]
    try:
        paper = load_paper(key)
    except Exception as exc:  # the metadata error is the finding
        page = Page(key)
        page.text(f"Metadata could not be read: {exc}")
        return page
    page = Page(f"{paper.title} ({paper.year})")
    page.links([("Back to the overview", "../index.md#papers")])
    page.items([f"Authors: {', '.join(paper.authors)}", f"arXiv: {paper.arxiv or 'none'}", f"Key: {key}",
                f"Audit status: {r['status']}", f"Verdict: {verdict_line(r)}"] + provenance_lines(prov)[:1]
               + [line for line in provenance_lines(prov) if line.startswith(("dirty", "override"))])
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
                    f"{fit['n_points']} points, {fit['n_starts']} starts, optimum {fit['point']['fun']:.6g}"]
                   + ([f"bootstrap: {fit['bootstrap']['n']} resamples (seed {fit['bootstrap']['seed']}), "
                       f"{fit['bootstrap']['grid_refits']} refitted from the full grid by the basin safeguard; "
                       + fit['bootstrap']['what']] if "bootstrap" in fit else ["no bootstrap for this fit"])
                   + ([f"certified optimum: {fit['certified']['summary']}"] if isinstance(fit.get("certified"), dict)
                      and "summary" in fit["certified"] else []))
        page.table(_fit_rows(r, name), sortable=True)
    if forest:
        page.heading("Claims: claimed against replicated")
        page.figure(f"../figures/{key}/claims_forest.png", FOREST_CAPTION)
    for title, name in [("Claims", "claims"), ("Confidence-interval width", "ci_width"),
                        ("Extrapolation", "extrapolation"), ("Approach 2 against Approach 3", "consistency"),
                        ("Fit health", "fit_health"), ("Profile intervals", "profile"), ("Calibrated coverage", "coverage")]:
        if name != "claims" and not r.get(name):
            continue
        page.heading(title)
        if name == "consistency":
            page.text(f"The compute-optimal exponent a of N* ~ C^a from each approach on the same runs, with "
                      f"{CONSISTENCY_LEVEL:.0%} intervals from the same resamples; verdict {CONSISTENCY_RULE}.")
        if name == "profile":
            _profile_text(page, r["profile"])
        if name == "coverage":
            _coverage_text(page, r["coverage"])
        frame = _frame(r.get(name, []), [c for c in TABLES[name][1] if c != "paper"])
        if name == "claims":
            frame = _blank_levels(frame)
        page.table(frame, sortable=len(frame) > 1)
    digitisation_page.paper_section(page, r)
    robustness_section.paper_section(page, r, None if fig_dir is None else fig_dir / key)
    for tname, t in r.get("tables", {}).items():
        page.heading(f"Table: {tname}")
        page.text(t["caption"])
        page.table(paper_table(t), sortable=True, downloads=downloads(f"papers/{key}_{tname}", prefix="../"))
    if r.get("figures"):
        page.heading("Figures")
        for fig in r["figures"]:
            page.figure(f"../figures/{key}/{fig['file']}", _caption(fig, r))
    if paper.notes:
        page.heading("Notes")
        page.items(paper.notes)
    return page

"""What reaches a page from metadata: escaped in HTML, neutralised in Markdown, TeX as plain text, https-only links,
numbers with sensible digits, verdicts coloured; and the paper-page details (blank levels, honest captions)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from replication.report.build import _blank_levels, _caption, summary_frame
from replication.report.pages import Page, cell_class, slug
from replication.report.text import clean, display_number, md_escape, safe_href, tex_to_plain

HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) **bold** _em_'


@pytest.mark.parametrize("href, ok", [
    ("https://github.com/x/y/tree/abc", True), ("papers/p.md", True), ("../figures/p/f.png", True),
    ("index.md#papers", True), ("javascript:alert(1)", False), (" JavaScript:alert(1)", False),
    ("http://example.org/", False), ("data:text/html,<script>", False), ("//evil.example/x", False),
    ("file:///etc/passwd", False), ("https:relative", False), ("java\nscript:x", False), ("", False), (None, False),
    ("vbscript:x", False), ("C:\\x", False),
])
def test_only_https_and_report_paths_become_links(href, ok):
    assert (safe_href(href) is not None) == ok


@pytest.mark.parametrize("text, plain", [
    (r"$L(N,D) = E + \frac{A}{N^{\alpha}} + \frac{B}{D^\beta}$", "L(N,D) = E + A/N^α + B/D^β"),
    (r"$\alpha \approx 0.34$, see \citep{hoffmann2022}", "α ≈ 0.34, see [hoffmann2022]"),
    (r"$C \propto N^{0.5}$ and 50\% of $\mathrm{FLOP}_{opt}$", "C ∝ N^0.5 and 50% of FLOP_opt"),
    ("no markup at all, 5 $ and more", "no markup at all, 5 $ and more"),
])
def test_tex_is_written_as_plain_text(text, plain):
    assert tex_to_plain(text) == plain


def test_markdown_is_neutralised():
    md = md_escape(HOSTILE)
    assert not re.search(r"(?<!\\)<", md) and not re.search(r"(?<!\\)\]\(", md)
    assert "\\<script>" in md and "\\[click\\](javascript:alert(3))" in md and "\\*\\*bold\\*\\*" in md and "\\_em\\_" in md
    assert md_escape("points_released") == "points_released"  # identifiers stay readable
    assert md_escape("# not a heading") == "\\# not a heading" and md_escape("- not a list") == "\\- not a list"
    assert md_escape("1. not a list") == "1\\. not a list" and md_escape("0.08") == "0.08" and md_escape("-3") == "-3"
    assert md_escape("a | b\nc") == "a \\| b c"


def test_page_escapes_html_and_neutralises_markdown_everywhere():
    page = (Page(f"T {HOSTILE}").heading(HOSTILE).text(HOSTILE).items([HOSTILE])
            .links([(HOSTILE, "javascript:alert(4)"), ("http", "http://example.org"), ("ok", "https://example.org/a")])
            .figure("javascript:alert(5)", HOSTILE)
            .table(pd.DataFrame({"paper": ["javascript:alert(6)", "p"], "note": [HOSTILE, "x"]}), links={"paper": "{}"},
                   sortable=True, filters=["note"], downloads=[("csv", "javascript:alert(7)")]))
    html = page.html()
    for bad in ("<script>", "<img src=x", 'href="javascript:', 'src="javascript:', 'href="http:'):
        assert bad not in html, bad
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and 'href="https://example.org/a"' in html
    md = page.markdown()
    assert not re.search(r"(?<!\\)<", md) and "**bold**" not in md
    assert not re.search(r"(?<!\\)\]\((javascript|http):", md)
    assert "[ok](https://example.org/a)" in md
    assert "not linked: only https links are live" in md and "not linked: only https links are live" in html


def test_internal_markdown_links_become_html_links_but_files_stay():
    page = Page("t").link("review", "../reviews/k.md").files([("raw", "reviews/k.md")])
    html = page.html(root="../")
    assert 'href="../reviews/k.html"' in html and 'href="reviews/k.md"' in html
    assert 'href="../static/report.css"' in html and 'href="../index.html#papers"' in html
    assert "[Overview](../index.md)" in page.markdown(root="../") and "[Overview]" not in page.markdown()


@pytest.mark.parametrize("value, text", [
    (5.08696e-08, "5.087×10⁻⁸"), (1.85798e17, "1.858×10¹⁷"), (0.123456, "0.1235"), (12345.6, "12346"),
    (1e6, "1×10⁶"), (-3e-5, "-3×10⁻⁵"), (20, "20"), (np.int64(7), "7"), (10**8, "1×10⁸"), (float("nan"), ""),
    (math.inf, "∞"), (True, "yes"), (0.0, "0"), (None, ""), (r"$\beta$", "β"),
])
def test_numbers_show_four_significant_digits(value, text):
    assert display_number(value) == text


def test_sortable_cells_keep_the_full_value_and_verdicts_are_coloured():
    html = Page("t").table(pd.DataFrame({"claim": ["a", "b"], "value": [5.08696e-08, 2.0],
                                         "verdict": ["reproduced", "not reproduced"]}), sortable=True).html()
    assert 'data-value="5.08696e-08"' in html and "5.087×10⁻⁸" in html
    assert 'class="ok"' in html and 'class="fail"' in html
    assert cell_class("reproduced", 3) == "ok" and cell_class("not reproduced", 0) == ""
    assert cell_class("status", "failed") == "fail" and cell_class("title", "reproduced") == ""


def test_repeated_headings_get_distinct_anchors():
    html = Page("t").heading("Fit: main").heading("Fit: main").html()
    assert 'id="fit-main"' in html and 'id="fit-main-2"' in html
    assert slug("CI width (95%)") == "ci-width-95"


def test_claims_without_an_interval_have_no_level():
    claims = pd.DataFrame({"ci_low": [0.1, np.nan], "ci_high": [0.2, np.nan], "ci_level": [0.95, 0.95]})
    out = _blank_levels(claims)
    assert out["ci_level"].iloc[0] == 0.95 and pd.isna(out["ci_level"].iloc[1])


def test_fit_caption_mentions_held_out_runs_only_when_there_are_some():
    fig = {"file": "main_fit.png", "caption": "Data against the fitted law (main); held-out runs of the extrapolation check in red."}
    with_held = {"extrapolation": [{"fit": "main", "n_held_out": 23}]}
    assert _caption(fig, with_held) == fig["caption"]
    assert _caption(fig, {"extrapolation": []}) == "Data against the fitted law (main)."
    assert _caption(fig, {"extrapolation": [{"fit": "other", "n_held_out": 3}]}) == "Data against the fitted law (main)."


def test_summary_counts_verdicts_per_paper_failed_first():
    results = [{"paper": "zz_ok", "status": "ok", "claims": [{"verdict": "reproduced"}, {"verdict": "not reproduced"},
                                                              {"verdict": "reproduced"}], "fit_health": [{"status": "warn"}],
                "ci_width": [{"flag": "implausibly narrow"}]},
               {"paper": "aa_failed", "status": "failed", "error": "boom", "claims": []}]
    frame = summary_frame(results)
    assert frame["paper"].tolist() == ["aa_failed", "zz_ok"]
    row = frame.iloc[1]
    assert (row["reproduced"], row["not reproduced"], row["narrow intervals"], row["fit-health warnings"]) == (2, 1, 1, 1)
    assert row["verdict"].startswith("2 of 3 testable claims reproduced")


def test_clean_collapses_whitespace_and_newlines():
    assert clean("a\n\n# b\tc") == "a # b c"

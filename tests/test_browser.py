"""The HTML report in a real browser (headless Chromium through Playwright, the system's Chromium, never a
downloaded one): no console errors, every internal link resolves, sortable tables sort by every column, filters
filter, no table column is cut off at 1,400 px, and metadata cannot run a script. Screenshots of the overview and
one paper page are written to build/screenshots/ for a reader to look at.

The report is built in a temporary folder from two papers' results as `make` built them (the others not run).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest

import replication.report.provenance as provenance_mod
from replication.paths import BUILD
from replication.report.build import build_report
from replication.report.pages import Page, copy_static

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra (requirements.lock)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
QUICK = ["hoffmann2022training", "bahri2021explaining"]  # one refitted with a bootstrap, one without public data
WIDTH = 1400


@pytest.fixture(scope="module")
def report(tmp_path_factory, made) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setattr(provenance_mod, "tree_state", lambda: {"commit": "browsertest", "modified": [], "untracked": [], "date": ""})
    root = tmp_path_factory.mktemp("browser")
    for key in QUICK:  # their results as `make` built them
        made(key)
        shutil.copytree(BUILD / key, root / "build" / key)
    out = build_report(build=root / "build", out=root / "report")
    mp.undo()
    return out


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    pg = context.new_page()
    pg.errors = []
    pg.on("console", lambda m: pg.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (pg.errors.append(f"dialog: {d.message}"), d.dismiss()))
    yield pg
    context.close()


def html_pages(report: Path) -> list[Path]:
    return sorted(report.rglob("*.html"))


def test_the_quick_report_has_every_kind_of_page(report):
    names = {str(p.relative_to(report)) for p in html_pages(report)}
    assert {"index.html", "tables.html", "reviews.html", "papers/hoffmann2022training.html",
            "reviews/hoffmann2022training.html"} <= names
    assert (report / "static" / "tables.js").is_file() and (report / "static" / "report.css").is_file()


# what a page shows once loaded at the test's window width: its links and sources, its stylesheets, and any table
# that runs past the right edge with no scroll box to hold it
CUT = """() => {
  const w = window.innerWidth, cut = [];
  if (document.documentElement.scrollWidth > w) cut.push('page is wider than the window: ' + document.documentElement.scrollWidth);
  document.querySelectorAll('table').forEach(t => {
    const r = t.getBoundingClientRect();
    if (r.right <= w + 0.5) return;
    let box = t.parentElement;
    while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
    const ok = box && box.getBoundingClientRect().right <= w + 0.5 && box.scrollWidth >= t.scrollWidth;
    if (!ok) cut.push((t.id || 'table') + ' ends at ' + Math.round(r.right) + ' px with no scroll');
  });
  return cut;
}"""

LINKS = """() => [...document.querySelectorAll('a[href]')].map(a => a.href)
            .concat([...document.querySelectorAll('img[src], link[href], script[src]')].map(e => e.src || e.href))"""


@pytest.fixture(scope="module")
def visited(report, browser) -> dict[str, dict]:
    """Every page of the report loaded once in a real browser: per page (relative path) the errors it raised, its
    stylesheet count, its link and source URLs, and its cut-off tables (CUT)."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    seen = {}
    for path in html_pages(report):
        errors.clear()
        pg.goto(path.as_uri())
        pg.wait_for_load_state("load")
        seen[str(path.relative_to(report))] = {"path": path, "errors": list(errors), "cut": pg.evaluate(CUT),
                                               "stylesheets": pg.evaluate("document.styleSheets.length"),
                                               "links": pg.evaluate(LINKS)}
    context.close()
    return seen


def test_no_console_errors_on_any_page(visited):
    for rel, seen in visited.items():
        assert seen["errors"] == [], f"{rel}: {seen['errors']}"
        assert seen["stylesheets"] >= 1, f"{rel}: stylesheet not loaded"


def _ids(path: Path, cache: dict) -> set[str]:
    if path not in cache:
        import re

        cache[path] = set(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8")))
    return cache[path]


def test_every_internal_link_resolves(report, visited):
    checked, ids = 0, {}
    for rel, seen in visited.items():
        for url in seen["links"]:
            parts = urlsplit(url)
            if parts.scheme == "https":
                continue  # external, and https only (checked in test_report_safety)
            assert parts.scheme == "file", f"{rel}: link {url} is neither https nor in the report"
            target = Path(unquote(parts.path))
            assert target.is_file(), f"{rel}: broken link {url}"
            assert report in target.parents, f"{rel}: link {url} leaves the report"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in _ids(target, ids), f"{rel}: no anchor #{parts.fragment} in {target.name}"
            checked += 1
    assert checked > 100


def test_no_table_column_is_cut_off_at_1400_px(visited):
    for rel, seen in visited.items():
        assert seen["cut"] == [], rel


CHECK = """(t, col) => {
  const keys = [...t.tBodies[0].rows].map(r => { const c = r.cells[col];
    const v = c.getAttribute('data-value'); return v !== null ? {n: parseFloat(v)} : {s: c.textContent.trim()}; });
  const filled = keys.filter(k => k.n !== undefined || k.s !== '');
  const emptyLast = keys.slice(filled.length).every(k => k.n === undefined && k.s === '');
  const cmp = (a, b) => (a.n !== undefined && b.n !== undefined) ? a.n - b.n : (a.n !== undefined ? -1 :
      (b.n !== undefined ? 1 : a.s.localeCompare(b.s, undefined, {numeric: true, sensitivity: 'base'})));
  let ascending = true, descending = true;
  for (let i = 1; i < filled.length; i++) { const c = cmp(filled[i - 1], filled[i]);
    if (c > 0) ascending = false; if (c < 0) descending = false; }
  return {ascending, descending, emptyLast, sort: t.tHead.rows[0].cells[col].getAttribute('aria-sort'),
          content: [...t.tBodies[0].rows].map(r => r.textContent).sort().join('\\n')};
}"""
# every column of a table, clicked twice by the click event on its header button, checked after each click
SWEEP = """(table) => { const check = %s; const t = document.getElementById(table);
  return [...t.tHead.rows[0].cells].map((th, col) => { const b = th.querySelector('button');
    b.click(); const up = check(t, col); b.click(); return {col, up, down: check(t, col)}; }); }""" % CHECK


def _assert_sorted(where: str, col: int, up: dict, down: dict, before: str) -> None:
    assert up["sort"] == "ascending" and up["ascending"] and up["emptyLast"], f"{where} column {col} not sorted ascending"
    assert up["content"] == before, f"{where}: sorting by column {col} lost or changed rows"
    assert down["sort"] == "descending" and down["descending"] and down["emptyLast"], \
        f"{where} column {col} not sorted descending"


@pytest.mark.parametrize("name", ["index.html", "tables.html", "papers/hoffmann2022training.html"])
def test_every_sortable_table_sorts_by_each_column(report, page, name):
    """The first column of each table is clicked with the mouse (its button visible, enabled, not covered), twice;
    then every column in the page itself, by the click event on its button, which runs the same handler."""
    page.goto((report / name).as_uri())
    tables = page.evaluate("() => [...document.querySelectorAll('table.sortable')].map(t => t.id)")
    assert tables, f"{name} has no sortable table"
    for table in tables:
        where = f"{name} #{table}"
        check = f"(table) => ({CHECK})(document.getElementById(table), 0)"
        button = page.locator(f"#{table} thead th").first.locator("button")
        button.click()
        up = page.evaluate(check, table)
        button.click()
        _assert_sorted(where, 0, up, page.evaluate(check, table), up["content"])
        columns = page.evaluate(SWEEP, table)
        assert len(columns) == page.locator(f"#{table} thead th").count()
        for c in columns:
            _assert_sorted(where, c["col"], c["up"], c["down"], up["content"])
    assert page.errors == []


def test_filters_keep_only_the_chosen_rows(report, page):
    page.goto((report / "tables.html").as_uri())
    box = page.locator('.filters[data-table]').first
    table = box.get_attribute("data-table")
    total = page.locator(f"#{table} tbody tr").count()
    claims = pd.read_csv(report / "tables" / "claims.csv", comment=None, skiprows=_header_lines(report / "tables" / "claims.csv"),
                         keep_default_na=False)
    assert total == len(claims)
    headers = [h.strip() for h in page.locator(f"#{table} thead th").all_inner_texts()]
    for column, value in [("verdict", "reproduced"), ("verdict", "not testable"), ("paper", "hoffmann2022training")]:
        box.locator("select").nth(0).select_option("")  # reset
        for i in range(box.locator("select").count()):
            box.locator("select").nth(i).select_option("")
        select = box.locator(f'select[data-column="{headers.index(column)}"]')
        select.select_option(value)
        visible = page.evaluate(f"""() => [...document.querySelectorAll('#{table} tbody tr')].filter(r => !r.hidden)
                                     .map(r => r.cells[{headers.index(column)}].textContent.trim())""")
        expected = int((claims[column] == value).sum())
        assert expected > 0 and len(visible) == expected and set(visible) == {value}, (column, value)
        assert box.locator(".count").inner_text() == f"{expected} of {total} rows"
    # two filters at once: rows must match both
    box.locator(f'select[data-column="{headers.index("verdict")}"]').select_option("not reproduced")
    both = ((claims["paper"] == "hoffmann2022training") & (claims["verdict"] == "not reproduced")).sum()
    assert page.locator(f"#{table} tbody tr:not([hidden])").count() == both
    for i in range(box.locator("select").count()):
        box.locator("select").nth(i).select_option("")
    assert page.locator(f"#{table} tbody tr:not([hidden])").count() == total


def _header_lines(path: Path) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if not line.startswith("# "))


def test_screenshots_of_the_overview_and_a_paper_page(report, page):
    shots = BUILD / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for name, rel in [("overview", "index.html"), ("paper", "papers/hoffmann2022training.html")]:
        page.goto((report / rel).as_uri())
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        assert (shots / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_metadata_cannot_run_a_script_or_make_a_live_foreign_link(tmp_path, page):
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    p = (Page(f"Title {hostile}").text(f"Statement {hostile}").items([hostile])
         .links([("evil", "javascript:alert(3)"), ("plain http", "http://example.org/"), ("fine", "https://example.org/")])
         .table(pd.DataFrame({"paper": ["javascript:alert(4)"], "note": [hostile]}), links={"paper": "{}"}, sortable=True))
    copy_static(tmp_path)
    (tmp_path / "hostile.html").write_text(p.html(), encoding="utf-8")
    page.goto((tmp_path / "hostile.html").as_uri())
    page.wait_for_timeout(100)
    assert page.errors == []
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
    assert [h for h in hrefs if h.startswith(("http:", "https:", "javascript:"))] == ["https://example.org/"]
    assert page.evaluate("document.querySelectorAll('script:not([src]), img[onerror]').length") == 0
    assert hostile in page.locator("main").inner_text()

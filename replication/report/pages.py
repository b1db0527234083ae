"""Pages as a list of blocks (heading, text, list, table, figure, links), rendered to Markdown and, through the
Jinja2 templates beside this module, to HTML.

Every string is treated as data: HTML output is autoescaped, Markdown output is neutralised (``text.md_escape``),
TeX is written as plain text, and only https links or paths inside the report become live links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from .text import clean, display_number, md_escape, safe_href

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

# Where the navigation bar leads, relative to the report root (Markdown files; HTML pages swap .md for .html).
NAV = [("Overview", "index.md"), ("Papers", "index.md#papers"), ("Tables", "tables.md"), ("Reviews", "reviews.md")]

# Cell classes by column: verdicts and statuses are coloured in HTML.
_VALUE_CLASS = {"reproduced": "ok", "ok": "ok", "yes": "ok", "agree": "ok", "not reproduced": "fail", "failed": "fail",
                "fail": "fail", "no": "fail", "disagree": "fail", "implausibly narrow": "fail", "warn": "warn",
                "not testable": "muted", "not run": "muted", "not stated": "warn", "claims only": "muted",
                "no public data": "muted"}
_COUNT_CLASS = {"reproduced": "ok", "not reproduced": "fail", "narrow intervals": "fail", "fit-health warnings": "warn"}
_CLASSED = {"verdict", "status", "flag", "answer", "agreement", "result"}
WIDE_TEXT = 60  # a column holding longer texts gets a minimum width, so its sentences do not wrap word by word


def slug(text: str) -> str:
    """An HTML id for a heading: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", clean(text).lower()).strip("-") or "section"


def _html_href(href: str) -> str:
    """The HTML twin of an internal Markdown link (report pages exist as both)."""
    path, sep, anchor = href.partition("#")
    if "://" not in path and path.endswith(".md"):
        path = path[:-3] + ".html"
    return path + sep + anchor


def cell_class(column: str, value: object) -> str:
    """The CSS class that colours a cell: verdict-like values by their meaning, verdict counts when non-zero."""
    if column in _COUNT_CLASS and isinstance(value, (int, np.integer)) and value > 0:
        return _COUNT_CLASS[column]
    if column in _CLASSED and isinstance(value, str):
        return _VALUE_CLASS.get(value.strip().lower(), "")
    return ""


@dataclass
class Table:
    """A table block: the frame, links per column, and whether HTML readers may sort and filter it."""

    df: pd.DataFrame
    links: dict[str, str]
    sortable: bool
    filters: list[str]
    downloads: list[tuple[str, str]]
    ident: str


@dataclass
class Page:
    title: str
    blocks: list[tuple] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> "Page":
        self.blocks.append(("heading", level, text))
        return self

    def text(self, text: str) -> "Page":
        self.blocks.append(("text", text))
        return self

    def items(self, items: list[str]) -> "Page":
        self.blocks.append(("items", list(items)))
        return self

    def table(self, df: pd.DataFrame, links: dict[str, str] | None = None, sortable: bool = False,
              filters: list[str] | None = None, downloads: list[tuple[str, str]] | None = None) -> "Page":
        """A table; ``links`` maps a column to a URL pattern for its cells; sortable tables sort on a header click and
        offer a choice of values for each column in ``filters`` (HTML); ``downloads`` are (label, href) pairs."""
        n = sum(b[0] == "table" for b in self.blocks)
        self.blocks.append(("table", Table(df, links or {}, sortable or bool(filters),
                                           [c for c in (filters or []) if c in df.columns], list(downloads or []),
                                           f"t{n + 1}")))
        return self

    def links(self, pairs: list[tuple[str, str]]) -> "Page":
        """A list of labelled links (a link that is not https nor inside the report is shown as text)."""
        self.blocks.append(("links", list(pairs)))
        return self

    def files(self, pairs: list[tuple[str, str]]) -> "Page":
        """Links to files to open as they are (a Markdown file stays Markdown in the HTML page)."""
        self.blocks.append(("files", list(pairs)))
        return self

    def figure(self, src: str, caption: str) -> "Page":
        self.blocks.append(("figure", src, caption))
        return self

    def link(self, text: str, href: str) -> "Page":
        self.blocks.append(("link", text, href))
        return self

    def code(self, text: str) -> "Page":
        """A preformatted block (BibTeX entries, commands), shown verbatim."""
        self.blocks.append(("code", text))
        return self

    # -- renderers --------------------------------------------------------------------------
    def markdown(self, root: str | None = None) -> str:
        """The page as Markdown; with ``root`` (the path from the page to the report root) a navigation line follows
        the title (pages meant for pasting elsewhere, such as reviews, go without)."""
        out = [f"# {md_escape(self.title)}", ""]
        if root is not None:
            out += [" · ".join(f"[{label}]({root}{href})" for label, href in NAV), ""]
        for b in self.blocks:
            kind = b[0]
            if kind == "heading":
                out += ["#" * b[1] + " " + md_escape(b[2]), ""]
            elif kind == "text":
                out += [md_escape(b[1]), ""]
            elif kind == "items":
                out += [f"- {md_escape(i)}" for i in b[1]] + [""]
            elif kind == "table":
                out += [_md_table(b[1]), ""]
            elif kind == "figure":
                src = safe_href(b[1])
                out += ([f"![{md_escape(b[2])}]({src})", ""] if src else []) + [f"_{md_escape(b[2])}_", ""]
            elif kind == "link":
                out += [_md_link(b[1], b[2]), ""]
            elif kind in ("links", "files"):
                out += [f"- {_md_link(label, href)}" for label, href in b[1]] + [""]
            elif kind == "code":
                fence = "~~~~" if "```" in b[1] else "```"
                out += [fence, b[1].replace(fence, ""), fence, ""]
        return "\n".join(out).rstrip() + "\n"

    def html(self, root: str = "") -> str:
        """The page as HTML from templates/page.html.j2; ``root`` is the path from the page to the report root."""
        blocks = []
        for b in self.blocks:
            kind = b[0]
            if kind == "heading":
                blocks.append({"kind": kind, "level": b[1], "text": clean(b[2]), "id": slug(b[2])})
            elif kind in ("text", "code"):
                blocks.append({"kind": kind, "text": clean(b[1]) if kind == "text" else b[1]})
            elif kind == "items":
                blocks.append({"kind": kind, "items": [clean(i) for i in b[1]]})
            elif kind == "table":
                blocks.append(_html_table(b[1]))
            elif kind == "figure":
                blocks.append({"kind": kind, "src": safe_href(b[1]), "caption": clean(b[2])})
            elif kind in ("link", "links"):
                pairs = [(b[1], b[2])] if kind == "link" else b[1]
                blocks.append({"kind": kind, "links": [(clean(t), _safe_html_href(h)) for t, h in pairs]})
            elif kind == "files":
                blocks.append({"kind": "links", "links": [(clean(t), safe_href(h)) for t, h in b[1]]})
        ids = [b["id"] for b in blocks if b["kind"] == "heading"]
        for i, b in enumerate(x for x in blocks if x["kind"] == "heading"):
            seen = ids[:i].count(b["id"])
            if seen:  # a repeated heading (one per fit) gets a distinct anchor; the first keeps the plain one
                b["id"] = f"{b['id']}-{seen + 1}"
        nav = [(label, _html_href(root + href)) for label, href in NAV]
        interactive = any(b["kind"] == "table" and b["sortable"] for b in blocks)
        return _environment().get_template("page.html.j2").render(
            title=clean(self.title), blocks=blocks, nav=nav, root=root, script=interactive)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def _safe_html_href(href: str) -> str | None:
    h = safe_href(href)
    return None if h is None else _html_href(h)


def _md_link(text: str, href: str) -> str:
    h = safe_href(href)
    return f"[{md_escape(text)}]({h})" if h else f"{md_escape(text)} ({md_escape(href)}, not linked: only https links are live)"


def _cell_href(pattern: str, value: object) -> str | None:
    return safe_href(pattern.format(value))


def _md_table(t: Table) -> str:
    df = t.df
    if not len(df):
        return "_(no rows)_"
    lines = ["| " + " | ".join(md_escape(c) for c in df.columns) + " |", "|" + "---|" * len(df.columns)]
    for row in df.itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, row):
            text = md_escape(display_number(v))
            href = _cell_href(t.links[col], v) if col in t.links else None
            cells.append(f"[{text}]({href})" if href else text)
        lines.append("| " + " | ".join(cells) + " |")
    if t.downloads:
        lines += ["", "Files: " + ", ".join(_md_link(label, href) for label, href in t.downloads)]
    return "\n".join(lines)


def _sort_key(value: object) -> str | None:
    """The number a sortable column sorts by (the full value, not the rounded text), or None for text."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value):
        return repr(float(value))
    return None


def _html_table(t: Table) -> dict:
    df = t.df
    rows = []
    for row in df.itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, row):
            href = _cell_href(t.links[col], v) if col in t.links else None
            cells.append({"text": display_number(v), "href": _html_href(href) if href else None,
                          "cls": cell_class(str(col), v), "value": _sort_key(v)})
        rows.append(cells)
    columns = [clean(c) for c in df.columns]
    filters = []
    for col in t.filters:
        values = sorted({display_number(v) for v in df[col]} - {""})
        filters.append({"column": columns[list(df.columns).index(col)], "index": list(df.columns).index(col),
                        "values": values})
    numeric = [bool(len(df)) and all(_sort_key(v) is not None or display_number(v) == "" for v in df[c]) for c in df.columns]
    wide = [any(len(row[i]["text"]) > WIDE_TEXT for row in rows) for i in range(len(columns))]
    return {"kind": "table", "id": t.ident, "columns": columns, "numeric": numeric, "wide": wide, "rows": rows,
            "sortable": t.sortable,
            "filters": filters, "downloads": [(clean(label), safe_href(h)) for label, h in t.downloads]}


def copy_static(out: Path) -> None:
    """Put the stylesheet and the table script beside the pages (the report opens offline: no CDN)."""
    from ..results import write_text_atomic

    for f in sorted(STATIC.iterdir()):
        if f.is_file():
            write_text_atomic(out / "static" / f.name, f.read_bytes())

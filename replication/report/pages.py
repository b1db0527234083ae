"""Pages as a list of blocks (heading, text, list, table, figure), rendered to Markdown and to HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from .tables import formatted, to_markdown


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

    def table(self, df: pd.DataFrame, links: dict[str, str] | None = None, sortable: bool = False) -> "Page":
        """A table; ``links`` maps a column to a URL pattern for its cells; sortable tables sort on a header click (HTML)."""
        self.blocks.append(("table", df, links or {}, sortable))
        return self

    def links(self, pairs: list[tuple[str, str]]) -> "Page":
        """A list of labelled links."""
        self.blocks.append(("links", list(pairs)))
        return self

    def figure(self, src: str, caption: str) -> "Page":
        self.blocks.append(("figure", src, caption))
        return self

    def link(self, text: str, href: str) -> "Page":
        self.blocks.append(("link", text, href))
        return self

    # -- renderers --------------------------------------------------------------------------
    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for b in self.blocks:
            kind = b[0]
            if kind == "heading":
                out += ["#" * b[1] + " " + b[2], ""]
            elif kind == "text":
                out += [b[1], ""]
            elif kind == "items":
                out += [f"- {i}" for i in b[1]] + [""]
            elif kind == "table":
                df = b[1].copy()
                for col, pattern in b[2].items():
                    df[col] = [f"[{v}]({pattern.format(v)})" for v in df[col]]
                out += [to_markdown(df) if len(df) else "_(no rows)_", ""]
            elif kind == "figure":
                out += [f"![{b[2]}]({b[1]})", "", f"_{b[2]}_", ""]
            elif kind == "link":
                out += [f"[{b[1]}]({b[2]})", ""]
            elif kind == "links":
                out += [f"- [{label}]({href})" for label, href in b[1]] + [""]
        return "\n".join(out).rstrip() + "\n"

    def html(self) -> str:
        e = html.escape
        out = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{e(self.title)}</title>",
            "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.4}"
            "table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
            "text-align:left;vertical-align:top}th{background:#f3f3f3}img{max-width:100%}"
            ".fail{color:#b00}.ok{color:#070}</style>",
            "</head><body>",
            f"<h1>{e(self.title)}</h1>",
        ]
        for b in self.blocks:
            kind = b[0]
            if kind == "heading":
                out.append(f"<h{b[1]}>{e(b[2])}</h{b[1]}>")
            elif kind == "text":
                out.append(f"<p>{e(b[1])}</p>")
            elif kind == "items":
                out.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b[1]) + "</ul>")
            elif kind == "table":
                out.append(_html_table(b[1], b[2], b[3]))
            elif kind == "figure":
                out.append(f'<figure><img src="{e(b[1])}" alt="{e(b[2])}"><figcaption>{e(b[2])}</figcaption></figure>')
            elif kind == "link":
                out.append(f'<p><a href="{e(b[2])}">{e(b[1])}</a></p>')
            elif kind == "links":
                out.append("<ul>" + "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in b[1]) + "</ul>")
        if any(b[0] == "table" and b[3] for b in self.blocks):
            out.append(SORT_SCRIPT)
        out.append("</body></html>")
        return "\n".join(out) + "\n"


# Click a header of a sortable table to sort by it (numbers numerically); click again to reverse.
SORT_SCRIPT = """<script>
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.style.cursor = "pointer";
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], rows = Array.from(body.rows);
    var dir = th.dataset.dir === "asc" ? -1 : 1; th.dataset.dir = dir === 1 ? "asc" : "desc";
    rows.sort(function (a, b) {
      var x = a.cells[col].innerText, y = b.cells[col].innerText, nx = parseFloat(x), ny = parseFloat(y);
      if (!isNaN(nx) && !isNaN(ny)) return dir * (nx - ny);
      return dir * x.localeCompare(y);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
</script>"""


def _html_table(df: pd.DataFrame, links: dict[str, str], sortable: bool = False) -> str:
    if not len(df):
        return "<p><em>(no rows)</em></p>"
    f = formatted(df)
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in f.columns)
    rows = []
    for row in f.itertuples(index=False):
        cells = []
        for col, v in zip(f.columns, row):
            text = e(str(v))
            if col in links:
                href = links[col].format(v).replace(".md", ".html")
                text = f'<a href="{e(href)}">{text}</a>'
            cells.append(f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cls = ' class="sortable"' if sortable else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"

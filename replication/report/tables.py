"""Citable tables: one DataFrame written as CSV, Markdown and LaTeX, each headed by its provenance."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..results import write_text_atomic
from .provenance import NAME, provenance_lines
from .text import md_escape

SIG = 6  # significant digits printed in tables (full precision stays in build/<key>/result.json)


def fmt(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        if np.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.{SIG}g}"
    return "" if value is None else str(value)


def formatted(df: pd.DataFrame) -> pd.DataFrame:
    return df.apply(lambda col: col.map(fmt)) if len(df) else df.astype(str)


def to_markdown(df: pd.DataFrame) -> str:
    f = formatted(df)
    esc = lambda s: md_escape(s, plain=False)  # noqa: E731
    lines = ["| " + " | ".join(map(esc, f.columns)) + " |", "|" + "---|" * len(f.columns)]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in f.itertuples(index=False)]
    return "\n".join(lines) + "\n"


# LaTeX tables are longtables (they break across pages) with booktabs rules and wrapped text columns, so a
# table with many columns can be set in a paper; the header comment names the packages they need.
LATEX_PACKAGES = r"\usepackage{booktabs,longtable,array}"
_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
        "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}


# Characters pdflatex's default UTF-8 input does not set, written as LaTeX; other characters pass as they are.
_TEX_UNICODE = {
    "α": r"$\alpha$", "β": r"$\beta$", "γ": r"$\gamma$", "δ": r"$\delta$", "ε": r"$\epsilon$", "η": r"$\eta$",
    "θ": r"$\theta$", "κ": r"$\kappa$", "λ": r"$\lambda$", "μ": r"$\mu$", "ν": r"$\nu$", "ρ": r"$\rho$",
    "σ": r"$\sigma$", "τ": r"$\tau$", "φ": r"$\phi$", "χ": r"$\chi$", "ψ": r"$\psi$", "ω": r"$\omega$",
    "Δ": r"$\Delta$", "Σ": r"$\Sigma$", "Ω": r"$\Omega$", "≈": r"$\approx$", "×": r"$\times$", "≤": r"$\leq$",
    "≥": r"$\geq$", "±": r"$\pm$", "≠": r"$\neq$", "∝": r"$\propto$", "∞": r"$\infty$", "→": r"$\to$",
    "·": r"$\cdot$", "√": r"$\surd$", "−": "-", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''",
    "…": r"\ldots{}", "⁰": r"\textsuperscript{0}", "¹": r"\textsuperscript{1}", "²": r"\textsuperscript{2}",
    "³": r"\textsuperscript{3}", "⁴": r"\textsuperscript{4}", "⁵": r"\textsuperscript{5}",
    "⁶": r"\textsuperscript{6}", "⁷": r"\textsuperscript{7}", "⁸": r"\textsuperscript{8}",
    "⁹": r"\textsuperscript{9}", "⁻": r"\textsuperscript{-}", "⁺": r"\textsuperscript{+}", "\u00a0": "~",
}


def _tex_escape(s: str) -> str:
    """Text set literally by LaTeX: its special characters escaped, symbols pdflatex lacks written as macros."""
    return "".join(_TEX.get(ch) or _TEX_UNICODE.get(ch) or (ch if ord(ch) < 0x2000 else "?") for ch in str(s))


def _column_format(f: pd.DataFrame, df: pd.DataFrame) -> str:
    """Column widths as shares of the line, by the longest text in each column (capped); numbers right-aligned."""
    weights = []
    for c in f.columns:
        longest = max([len(str(c))] + [len(v) for v in f[c]])
        weights.append(min(max(longest, 4), 40))
    total = sum(weights)
    spec = []
    for c, w in zip(f.columns, weights):
        numeric = pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        align = r"\raggedleft" if numeric else r"\raggedright"
        spec.append(rf">{{{align}\arraybackslash}}p{{\dimexpr {w / total:.3f}\linewidth-2\tabcolsep\relax}}")
    return "".join(spec)


def to_latex(df: pd.DataFrame, caption: str, label: str) -> str:
    """A booktabs longtable (pandas' Styler) with wrapped columns; values as in the CSV, LaTeX-escaped."""
    f = formatted(df).reset_index(drop=True)
    spec = _column_format(f, df)
    f = f.map(_tex_escape) if len(f) else f
    f.columns = [_tex_escape(c) for c in f.columns]
    body = (f.style.hide(axis="index")
            .to_latex(environment="longtable", hrules=True, column_format=spec, caption=_tex_escape(caption),
                      label=f"tab:{label}"))
    return "\n".join([r"{\scriptsize\setlength{\tabcolsep}{2pt}", body.rstrip("\n"), "}"]) + "\n"


def bibtex(name: str, caption: str, prov: dict) -> str:
    """A BibTeX entry for one table: the suite, its version, the commit the table was built from, and the table."""
    commit = str(prov.get("commit", "unknown"))
    key = re.sub(r"[^A-Za-z0-9_-]", "", f"{NAME}-{name}-{commit[:12]}")
    clean_caption = re.sub(r"[{}\\%]", "", caption)
    fields = [("title", f"{{{NAME}}}: {clean_caption} (table {name})"),
              ("author", f"{{The {NAME} contributors}}"),
              ("howpublished", f"Table tables/{name}.csv of the {NAME} report"),
              ("note", f"Version {prov.get('version', '?')}, commit {commit}")]
    date = str(prov.get("date") or "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        fields += [("year", date[:4]), ("month", str(int(date[5:7])))]
    body = ",\n".join(f"  {k:<12} = {{{v}}}" for k, v in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def write_table(directory: Path, name: str, df: pd.DataFrame, caption: str, prov: dict) -> None:
    """Write <name>.csv, .md, .tex and .bib; the provenance heads each as comment lines (the BibTeX cites it)."""
    head = provenance_lines(prov)
    csv = "".join(f"# {h}\n" for h in head) + formatted(df).to_csv(index=False, lineterminator="\n")
    md = "".join(f"<!-- {h.replace('--', '- -')} -->\n" for h in head) + f"\n**{caption}**\n\n" + to_markdown(df)
    tex = "".join(f"% {h}\n" for h in head) + f"% requires {LATEX_PACKAGES}\n" + to_latex(df, caption, name)
    write_text_atomic(directory / f"{name}.csv", csv)
    write_text_atomic(directory / f"{name}.md", md)
    write_text_atomic(directory / f"{name}.tex", tex)
    write_text_atomic(directory / f"{name}.bib", "".join(f"% {h}\n" for h in head[:1]) + bibtex(name, caption, prov))


def read_table(path: Path) -> pd.DataFrame:
    """Read a table CSV back, skipping the provenance lines at its head (and only those).

    Plain pandas does the same with ``pd.read_csv(path, comment="#")`` as long as no cell starts with '#';
    this reader stops at the first line that is not a comment, so such cells survive.
    """
    import io

    lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if not line.startswith("# ")), len(lines))
    return pd.read_csv(io.StringIO("".join(lines[start:])), keep_default_na=False)

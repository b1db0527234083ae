"""Text that reaches a page: TeX written as plain text, Markdown neutralised, links limited to https or the report.

Every string from metadata (titles, statements, evidence, dataset records) passes through these functions before
it is written into a page, so nothing a metadata file says can become markup, a script or a live foreign link.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

import numpy as np

# TeX macros seen in statements and evidence, written as the characters they stand for.
_MACROS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "eta": "η",
    "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Delta": "Δ", "Sigma": "Σ", "Omega": "Ω",
    "cdot": "·", "times": "×", "approx": "≈", "sim": "~", "propto": "∝", "le": "≤", "leq": "≤", "ge": "≥",
    "geq": "≥", "neq": "≠", "pm": "±", "infty": "∞", "to": "→", "rightarrow": "→", "log": "log", "ln": "ln",
    "exp": "exp", "min": "min", "max": "max", "arg": "arg", "sum": "Σ", "sqrt": "√", "%": "%", "&": "&",
    "_": "_", "#": "#", "$": "$", ",": " ", ";": " ", "!": "", " ": " ", "quad": " ", "qquad": " ",
    "left": "", "right": "", "big": "", "Big": "", "textbackslash": "\\",
}
_WRAPPERS = re.compile(r"\\(?:mathrm|text|textrm|mathit|textit|textbf|mathbf|emph|operatorname|mathcal)\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}")
_MACRO = re.compile(r"\\([A-Za-z]+|[%&_#$,;! ])")
_GROUP = re.compile(r"([_^])\{([^{}]*)\}")
_CITE = re.compile(r"\\(?:cite[tp]?|citep|citet|ref|eqref)\{([^{}]*)\}")
_SUP = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")


def _paren(s: str) -> str:
    return s if re.fullmatch(r"[\w.^α-ω]+", s) else f"({s})"


def tex_to_plain(text: str) -> str:
    """TeX markup (``$...$``, ``\\alpha``, ``\\frac{a}{b}``) written as plain text; other text unchanged."""
    if "\\" not in text and "$" not in text:
        return text
    s = _CITE.sub(lambda m: f"[{m[1]}]", text)
    s = _MACRO.sub(lambda m: _MACROS.get(m[1], m[0]), s)  # known symbols first; \frac and wrappers stay
    for _ in range(4):  # nested groups, wrappers and fractions, innermost first
        s = _GROUP.sub(lambda m: m[1] + _paren(m[2]), s)
        s = _WRAPPERS.sub(r"\1", s)
        s = _FRAC.sub(lambda m: f"{_paren(m[1])}/{_paren(m[2])}", s)
    s = _MACRO.sub(lambda m: m[1], s)
    if len(re.findall(r"(?<!\\)\$", s)) % 2 == 0:  # math delimiters come in pairs; a lone $ is a dollar
        s = re.sub(r"(?<!\\)\$", "", s)
    s = s.replace("{", "").replace("}", "")
    return re.sub(r"[ \t]+", " ", s).strip()


def clean(text: object) -> str:
    """A metadata string for display: TeX as plain text, whitespace (newlines included) collapsed to single spaces."""
    return " ".join(tex_to_plain("" if text is None else str(text)).split())


# Characters that would make markup: backslash, emphasis (underscores only at word edges: identifiers such as
# points_released stay readable), link and image brackets, raw HTML, table cell breaks.
_MD_SPECIAL = re.compile(r"([\\*\[\]<|]|(?<!\w)_|_(?!\w))")


def md_escape(text: object, plain: bool = True) -> str:
    """Text that Markdown shows literally: no emphasis, links, images, raw HTML, headings or table breaks.

    With ``plain`` TeX is first written as plain text; without, the characters are kept as they are (the citable
    Markdown tables keep the CSV's values)."""
    s = clean(text) if plain else " ".join(("" if text is None else str(text)).split())
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = re.sub(r"^([-+#](?=\s|$)|>)", r"\\\1", s)  # a list item, heading or quote at the start of a line
    return re.sub(r"^(\d+)([.)])(?=\s|$)", r"\1\\\2", s)  # a numbered list item


def safe_href(href: object) -> str | None:
    """The link if it is https or a relative path inside the report; None for any other scheme (javascript:, http:)."""
    h = str(href or "").strip()
    if not h or any(ord(c) < 32 for c in h):
        return None
    parts = urlsplit(h)
    if parts.scheme:
        return h if parts.scheme.lower() == "https" and parts.netloc else None
    if h.startswith(("//", "\\")) or ":" in h.split("/")[0]:
        return None
    return h


def display_number(value: object, digits: int = 4) -> str:
    """A number as a reader wants it: ``digits`` significant digits, powers of ten as ×10ⁿ outside [1e-3, 1e6)."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        v = int(value)
        return str(v) if abs(v) < 10**7 else display_number(float(v), digits)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return "∞" if v > 0 else "-∞"
        if v == 0:
            return "0"
        if 1e-3 <= abs(v) < 1e6:
            return f"{v:.0f}" if abs(v) >= 10**digits else f"{v:.{digits}g}"
        mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
        return f"{mantissa}×10{str(int(exponent)).translate(_SUP)}"
    return "" if value is None else clean(value)

"""The import graph of replication/: no cycle between modules, and no module importing a higher layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "replication"
# lowest first; a module belongs to the longest prefix that names it. report/figures.py, optimal_figures.py,
# pages.py and tables.py are drawing and writing helpers used by the audit and the checklist, so they sit below them.
LAYERS = [
    ("base", ["replication", "replication.errors", "replication.paths", "replication.results", "replication.settings",
              "replication.timing", "replication.lock", "replication.fingerprint", "replication.isolation",
              "replication.parallel", "replication.heap", "replication.caches", "replication.lazy"]),
    ("digitise", ["replication.digitise"]),
    ("data", ["replication.data"]),
    ("metadata", ["replication.metadata"]),
    ("laws", ["replication.laws"]),
    ("fitting", ["replication.fitting"]),
    ("uncertainty", ["replication.uncertainty"]),
    ("protocols", ["replication.protocols"]),
    ("checks", ["replication.checks"]),
    ("robustness", ["replication.robustness"]),
    ("drawing", ["replication.report.figures", "replication.report.optimal_figures", "replication.report.pages",
                 "replication.report.tables", "replication.report.text", "replication.report.provenance",
                 "replication.report.spec_curve", "replication.report.page_figures"]),
    ("audit", ["replication.audit"]),
    ("runner", ["replication.runner"]),
    ("checklist", ["replication.checklist"]),
    ("report", ["replication.report"]),
    ("cli", ["replication.cli", "replication.digitise_cli", "replication.__main__"]),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> every replication module it imports (relative imports resolved, `from x import name` of a module too)."""
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    g: dict[str, set[str]] = {}
    for mod, path in modules.items():
        g.setdefault(mod, set())
        package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                if t in modules and t != mod:
                    g[mod].add(t)
    return g


def layer(mod: str) -> int:
    best = max(((len(p), i) for i, (_, prefixes) in enumerate(LAYERS) for p in prefixes
                if mod == p or mod.startswith(p + ".")), default=None)
    if best is None:
        pytest.fail(f"module {mod} is in no layer: add it to LAYERS in tests/test_layers.py")
    return best[1]


def find_cycle(g: dict[str, set[str]]) -> list[str]:
    """One import cycle (as a list of modules), or [] when the graph has none (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str]:
        state[m] = 1
        stack.append(m)
        for n in sorted(g.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        state[m] = 2
        stack.pop()
        return []

    for m in sorted(g):
        if m not in state and (found := visit(m)):
            return found
    return []


KNOWN: set[tuple[str, str]] = set()  # imports allowed to close a cycle: none


def test_no_import_cycles():
    g = {m: {t for t in ts if (m, t) not in KNOWN} for m, ts in import_graph().items()}
    cycle = find_cycle(g)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_no_upward_imports():
    g = import_graph()
    up = [(a, b) for a, bs in g.items() for b in bs if layer(b) > layer(a)]
    assert not up, "imports of a higher layer: " + ", ".join(f"{a} -> {b} ({LAYERS[layer(b)][0]})" for a, b in up)


def test_the_graph_sees_a_known_edge():
    assert "replication.protocols.isoflop" in import_graph()["replication.audit"]

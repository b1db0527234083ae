"""Readers for the file formats beyond CSV and JSON records: Python literals read with ``ast`` (never run),
parquet tables, and nested JSON mappings flattened into long rows."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import DataError
from .schema import DataFile


def read_python_literals(path: Path, spec: DataFile) -> pd.DataFrame:
    """Columns from literal assignments (``name = [...]``) in a Python source file, parsed with ``ast``, never run.

    ``spec.literals`` maps each variable to a column; nested lists are flattened in row-major order and every
    variable must have the same shape. A variable assigned anything but a literal, assigned twice, or missing is
    an error naming the file and the variable.
    """
    wanted = spec.literals or {}
    if not wanted:
        raise DataError(path, "literals", "format python_literals needs the variables to read",
                        "add literals: {variable: column, ...} to the file's record in dataset.yaml")
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as exc:
        raise DataError(path, None, f"is not valid Python source ({exc})", "check the file is the upstream script") from None
    found: dict[str, ast.expr] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in wanted:
                    if target.id in found:
                        raise DataError(path, target.id, f"the variable is assigned more than once (line {node.lineno})",
                                        "read a script that assigns it once, or transcribe the values")
                    found[target.id] = node.value
    columns: dict[str, np.ndarray] = {}
    shape = None
    for name, column in wanted.items():
        if name not in found:
            raise DataError(path, name, "no assignment to this variable in the script",
                            "name one of the script's variables under literals in dataset.yaml")
        try:
            value = _literal(found[name])
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise DataError(path, name, f"the value assigned on line {found[name].lineno} is not a literal",
                            "only literal numbers, strings and lists (and a list repeated as [x] * n) can be read "
                            "as data") from None
        array = np.asarray(value, dtype=object)
        if any(isinstance(v, list) for v in array.reshape(-1)):
            raise DataError(path, name, "the nested lists have rows of different lengths",
                            "read variables whose rows all have the same length")
        if shape is not None and array.shape != shape:
            raise DataError(path, name, f"has shape {array.shape}, but {list(wanted)[0]} has shape {shape}",
                            "read variables of the same shape into one table")
        shape = array.shape
        columns[column] = array.reshape(-1)
    return pd.DataFrame({k: list(v) for k, v in columns.items()})


MAX_VALUES = 10_000_000  # a data literal larger than this is refused (a repeated list could otherwise explode)


def _literal(node: ast.expr):
    """The value of a literal expression: what ast.literal_eval accepts, plus a list repeated by an integer
    (``[1] * 6``), evaluated element by element; anything else (names, calls, attributes) is refused."""
    value, _ = _literal_sized(node)
    return value


def _literal_sized(node: ast.expr) -> tuple[object, int]:
    """A literal's value and how many scalar values it holds once expanded, refusing more than MAX_VALUES."""
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal_sized(e) for e in node.elts]
        size = sum(n for _, n in items)
        if size > MAX_VALUES:
            raise ValueError("literal too large")
        return [v for v, _ in items], size
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for seq, count in ((node.left, node.right), (node.right, node.left)):
            if isinstance(seq, (ast.List, ast.Tuple)) and isinstance(count, ast.Constant) and type(count.value) is int:
                value, size = _literal_sized(seq)
                if count.value < 0 or size * count.value > MAX_VALUES:
                    raise ValueError("repeat count out of range")
                return value * count.value, size * count.value
        raise ValueError("only a list times an integer is read")
    value = ast.literal_eval(node)
    if isinstance(value, (list, tuple, dict, set)):
        raise ValueError("only lists of scalars are read")
    return value, 1


def read_parquet(path: Path, spec: DataFile) -> pd.DataFrame:
    """A parquet table, read with pyarrow."""
    return pd.read_parquet(path, engine="pyarrow")


def read_json_tree(path: Path, spec: DataFile) -> pd.DataFrame:
    """A nested JSON mapping as one row per leaf: its keys, level by level, then the leaf value.

    ``spec.tree_keys`` names the key columns, outermost first; the last name is the leaf value's column. A leaf
    reached after fewer keys leaves the remaining key columns empty; a tree deeper than the names is an error.
    """
    names = spec.tree_keys or []
    if len(names) < 2:
        raise DataError(path, "tree_keys", "format json_tree needs a column for each key level and one for the value",
                        "add tree_keys: [outer_key, ..., value] to the file's record in dataset.yaml")
    with open(path, encoding="utf-8") as fh:
        obj = json.load(fh)
    if not isinstance(obj, dict):
        raise DataError(path, None, f"expected a JSON object at the top level, found {type(obj).__name__}",
                        "use format json for a list of records")
    depth = len(names) - 1
    rows: list[list] = []
    stack: list[tuple[tuple, object]] = [((), obj)]
    while stack:  # iterative walk, in document order
        keys, node = stack.pop()
        if isinstance(node, dict):
            if len(keys) == depth:
                raise DataError(path, names[-1], f"the value under {'/'.join(keys)} is an object: the tree is deeper "
                                f"than the {depth} key level(s) declared", "add a key level to tree_keys")
            stack.extend(((*keys, str(k)), v) for k, v in reversed(list(node.items())))
        else:
            rows.append([*keys, *([None] * (depth - len(keys))), node])
    return pd.DataFrame(rows, columns=names)


READERS: dict[str, Callable[[Path, DataFile], pd.DataFrame]] = {
    "python_literals": read_python_literals,
    "parquet": read_parquet,
    "json_tree": read_json_tree,
}

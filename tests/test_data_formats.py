"""Formats read by replication.data.formats: Python literals (by ast, never run), parquet, nested JSON trees."""

import json

import pandas as pd
import pytest

from replication.data.schema import DataFile
from replication.data.validate import read_frame, validate_frame
from replication.errors import DataError


def _spec(fmt, columns, **extra):
    spec = {"key": "t", "upstream_path": "x", "mirror_path": "toy/x", "url": "https://127.0.0.1:9/x",
            "sha256": "0" * 64, "format": fmt, "columns": columns}
    spec.update(extra)
    return DataFile.model_validate(spec)


LIT_COLUMNS = [{"name": "N", "meaning": "size"}, {"name": "P", "meaning": "streams"}]
SCRIPT = """
import os
def fit(): pass
if __name__ == "__main__":
    open(MARKER, "w").write("ran")
    sizes = [[1e9, 2e9, 3e9], [1.1e9, 2.1e9, 3.1e9]]  # P1, P2
    streams = [[1] * 3, 3 * [2]]
"""


def _script(tmp_path, text):
    path = tmp_path / "fit.py"
    path.write_text(text.replace("MARKER", repr(str(tmp_path / "marker"))))
    return path


def test_literals_are_read_row_major_and_the_script_never_runs(tmp_path):
    path = _script(tmp_path, SCRIPT)
    spec = _spec("python_literals", LIT_COLUMNS, literals={"sizes": "N", "streams": "P"})
    frame = validate_frame(read_frame(path, spec), spec, str(path))
    assert frame["N"].tolist() == [1e9, 2e9, 3e9, 1.1e9, 2.1e9, 3.1e9]
    assert frame["P"].tolist() == [1, 1, 1, 2, 2, 2]
    assert not (tmp_path / "marker").exists()


@pytest.mark.parametrize("value, problem", [
    ("[len('ab')] * 3", "not a literal"),
    ("[x] * 3", "not a literal"),
    ("[1] * n", "not a literal"),
    ("__import__('os').getcwd()", "not a literal"),
    ("[1] * 10**9", "not a literal"),
    ("[[0] * 100000] * 100000", "not a literal"),
    ("[{'a': 1}]", "not a literal"),
])
def test_non_literal_values_are_refused_naming_the_variable(tmp_path, value, problem):
    path = _script(tmp_path, f"sizes = [1, 2, 3]\nstreams = {value}\n")
    spec = _spec("python_literals", LIT_COLUMNS, literals={"sizes": "N", "streams": "P"})
    with pytest.raises(DataError, match=f"field 'streams'.*{problem}"):
        read_frame(path, spec)


def test_missing_twice_assigned_and_misshapen_variables(tmp_path):
    spec = _spec("python_literals", LIT_COLUMNS, literals={"sizes": "N", "streams": "P"})
    with pytest.raises(DataError, match="field 'streams'.*no assignment"):
        read_frame(_script(tmp_path, "sizes = [1]\n"), spec)
    with pytest.raises(DataError, match="field 'sizes'.*more than once"):
        read_frame(_script(tmp_path, "sizes = [1]\nsizes = [2]\nstreams = [1]\n"), spec)
    with pytest.raises(DataError, match="field 'streams'.*shape"):
        read_frame(_script(tmp_path, "sizes = [1, 2]\nstreams = [1]\n"), spec)
    with pytest.raises(DataError, match="field 'sizes'.*different lengths"):
        read_frame(_script(tmp_path, "sizes = [[1, 2], [3]]\nstreams = [1, 2]\n"), spec)
    with pytest.raises(DataError, match="not valid Python"):
        read_frame(_script(tmp_path, "sizes = [1, 2\n"), spec)
    with pytest.raises(DataError, match="field 'literals'"):
        read_frame(_script(tmp_path, "sizes = [1]\n"), _spec("python_literals", LIT_COLUMNS))


def test_literal_values_are_validated_like_any_table(tmp_path):
    path = _script(tmp_path, "sizes = [1e9, -2.0]\nstreams = [1, 2]\n")
    columns = [{"name": "N", "meaning": "size", "positive": True}, {"name": "P", "meaning": "streams"}]
    spec = _spec("python_literals", columns, literals={"sizes": "N", "streams": "P"})
    with pytest.raises(DataError, match="field 'N'.*non-positive"):
        validate_frame(read_frame(path, spec), spec, str(path))


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"model": ["a", "b"], "miou": [0.25, 0.5]}).to_parquet(path)
    spec = _spec("parquet", [{"name": "model", "meaning": "m", "dtype": "str"}, {"name": "miou", "meaning": "score"}])
    frame = validate_frame(read_frame(path, spec), spec, str(path))
    assert frame["miou"].tolist() == [0.25, 0.5]


def test_json_tree_one_row_per_leaf(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"m1": {"full": 50.0, "classwise": {"cat": 40.0, "dog": 60.0}},
                                "m2": {"full": 70.0, "classwise": {"cat": 80.0}}}))
    columns = [{"name": "model", "meaning": "m", "dtype": "str"}, {"name": "part", "meaning": "p", "dtype": "str"},
               {"name": "cls", "meaning": "c", "dtype": "str", "nullable": True}, {"name": "acc", "meaning": "a"}]
    spec = _spec("json_tree", columns, tree_keys=["model", "part", "cls", "acc"])
    frame = validate_frame(read_frame(path, spec), spec, str(path))
    assert frame.fillna("-").values.tolist() == [["m1", "full", "-", 50.0], ["m1", "classwise", "cat", 40.0],
                                                 ["m1", "classwise", "dog", 60.0], ["m2", "full", "-", 70.0],
                                                 ["m2", "classwise", "cat", 80.0]]


def test_json_tree_deeper_than_declared_is_an_error(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"m1": {"cat": {"deep": 1}}}))
    spec = _spec("json_tree", [], tree_keys=["model", "cls", "acc"], extra_columns="ignore")
    with pytest.raises(DataError, match="deeper"):
        read_frame(path, spec)
    path.write_text("[1, 2]")
    with pytest.raises(DataError, match="JSON object"):
        read_frame(path, spec)

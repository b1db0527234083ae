"""The json_record format: one JSON object read as one row, nested keys joined by dots, then validated as usual."""

import json

import pytest

from replication.data.schema import DataFile
from replication.data.validate import read_frame, validate_frame
from replication.errors import DataError


def _spec(**overrides):
    spec = {
        "key": "eval",
        "upstream_path": "evals/run.json",
        "mirror_path": "toy/run.json",
        "url": "https://127.0.0.1:9/0000000000000000000000000000000000000000/run.json",
        "sha256": "0" * 64,
        "format": "json_record",
        "columns": [
            {"name": "name", "meaning": "run", "dtype": "str"},
            {"name": "metrics.icl.task_a", "meaning": "accuracy on task a"},
            {"name": "metrics.icl.task_b", "meaning": "accuracy on task b"},
        ],
    }
    spec.update(overrides)
    return DataFile.model_validate(spec)


def test_nested_object_becomes_one_row_with_dotted_columns(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"name": "m1", "metrics": {"icl": {"task_a": 0.25, "task_b": 0.5}}}))
    frame = validate_frame(read_frame(path, _spec()), _spec(), str(path))
    assert list(frame.columns) == ["name", "metrics.icl.task_a", "metrics.icl.task_b"]
    assert len(frame) == 1
    assert frame.loc[0, "metrics.icl.task_b"] == 0.5


def test_undeclared_nested_key_is_an_error_naming_it(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"name": "m1", "metrics": {"icl": {"task_a": 0.25, "task_b": 0.5, "task_c": 0.1}}}))
    with pytest.raises(DataError, match="metrics.icl.task_c"):
        validate_frame(read_frame(path, _spec()), _spec(), str(path))


def test_a_list_is_not_a_record(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps([{"name": "m1"}]))
    with pytest.raises(DataError, match="one JSON object"):
        read_frame(path, _spec())

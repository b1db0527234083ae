"""Property-based tests (Hypothesis): whatever a data file holds, reading and validating it either gives a table
that meets its declared columns or raises the suite's own DataError, never anything else."""

import json
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from replication.data.schema import DataFile
from replication.data.validate import read_frame, validate_frame
from replication.errors import DataError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

COLUMNS = [{"name": "N", "meaning": "parameters", "positive": True},
           {"name": "loss", "meaning": "loss"},
           {"name": "label", "meaning": "label", "dtype": "str", "nullable": True}]


def spec(fmt="csv", **kw) -> DataFile:
    return DataFile.model_validate({"key": "t", "upstream_path": "t", "mirror_path": "x/t", "url": "https://e.org/t",
                                    "sha256": "0" * 64, "format": fmt, "columns": COLUMNS, **kw})


def read_and_validate(path, s):
    """The table, or None when the suite refused the file with a DataError."""
    try:
        frame = validate_frame(read_frame(path, s), s, str(path))
    except DataError as exc:
        assert str(path) in str(exc) or exc.file  # the error names the file
        return None
    return frame


def check_contract(frame, s):
    """A table that passed validation meets its declared columns."""
    assert {c["name"] for c in COLUMNS} <= set(frame.columns)
    for c in s.columns:
        if c.dtype == "float":
            values = frame[c.name].to_numpy(dtype=float)
            assert not any(math.isinf(v) for v in values)
            if not c.nullable:
                assert not any(math.isnan(v) for v in values)
            if c.positive:
                assert all(v > 0 for v in values if not math.isnan(v))
    if s.duplicate_rows == "error":
        assert not frame.duplicated().any()


@SETTINGS
@given(content=st.binary(max_size=400), header_row=st.integers(0, 2), verbatim=st.booleans(),
       extra=st.sampled_from(["error", "ignore"]), dup=st.sampled_from(["error", "drop"]))
def test_arbitrary_bytes_as_csv(tmp_path, content, header_row, verbatim, extra, dup):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    s = spec(header_row=header_row, codes_verbatim=verbatim, extra_columns=extra, duplicate_rows=dup)
    frame = read_and_validate(path, s)
    if frame is not None:
        check_contract(frame, s)


CELL = st.one_of(st.sampled_from(["", "inf", "-inf", "nan", "NaN", "1e400", "-0", "0", "1e-320", "NA", "N/A", "x", '"',
                                  "1,5", " 3 ", "\t", "True", "1_000", "0x10", "∞"]),
                 st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-10**30, 10**30).map(str),
                 st.text(max_size=6))


@SETTINGS
@given(header=st.lists(st.sampled_from(["N", "loss", "label", "extra", "", "N.1", "loss "]), min_size=1, max_size=5),
       rows=st.lists(st.lists(CELL, min_size=0, max_size=6), max_size=6), sep=st.sampled_from([",", ";", ",,"]),
       extra=st.sampled_from(["error", "ignore"]), dup=st.sampled_from(["error", "drop"]))
def test_structured_csv_with_hostile_cells(tmp_path, header, rows, sep, extra, dup):
    path = tmp_path / "t.csv"
    path.write_text("\n".join([sep.join(header)] + [sep.join(r) for r in rows]) + "\n", encoding="utf-8")
    s = spec(extra_columns=extra, duplicate_rows=dup)
    frame = read_and_validate(path, s)
    if frame is not None:
        check_contract(frame, s)


@SETTINGS
@given(content=st.one_of(st.text(max_size=300), st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), st.text(max_size=5)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=4), children, max_size=4)),
    max_leaves=12).map(json.dumps)),
       fmt=st.sampled_from(["json", "jsonl", "json_record"]))
def test_arbitrary_json_content(tmp_path, content, fmt):
    path = tmp_path / "t.json"
    path.write_text(content, encoding="utf-8")
    s = spec(fmt)
    frame = read_and_validate(path, s)
    if frame is not None:
        check_contract(frame, s)


def test_a_known_good_table_passes():
    """The properties above are not vacuous: a valid file yields its table."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.csv"
        path.write_text("N,loss,label\n1e7,3.2,a\n2e8,2.9,\n")
        frame = read_and_validate(path, spec())
    assert frame is not None and list(frame["N"]) == [1e7, 2e8]
    with pytest.raises(DataError):
        validate_frame(pd.DataFrame({"N": [0.0], "loss": [1.0], "label": ["a"]}), spec(), "inline")

"""Dataset records that could escape the tree or drift from their pin are refused by name; infinite values are
refused with their row; data verification reports every bad file, not just the first."""

import hashlib

import pytest
import yaml

import replication.paths as paths_mod
from replication.data import load_dataset_meta, resolve_file
from replication.data.validate import read_frame, validate_frame
from replication.data.verify import dataset_problems
from replication.errors import DataError, MetadataError

COMMIT = "1" * 40
CSV = b"N,loss\n1e7,3.2\n2e8,2.9\n"


def _record(name="toy-data", **file_overrides):
    f = {"key": "points", "upstream_path": "points.csv", "mirror_path": f"{name}/points.csv",
         "url": f"https://example.org/toy/{COMMIT}/points.csv", "sha256": hashlib.sha256(CSV).hexdigest(),
         "columns": [{"name": "N", "meaning": "parameters", "positive": True}, {"name": "loss", "meaning": "loss"}]}
    f.update(file_overrides)
    return {"name": name, "title": "toy", "upstream": {"repository": "https://example.org/toy", "commit": COMMIT},
            "licence": "none", "redistributable": False, "citation": "none", "papers": ["toy2024"],
            "obtained": "released", "how_obtained": "made up", "files": [f]}


def _write(root, record):
    path = root / record["name"] / "dataset.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(record))
    return path


@pytest.mark.parametrize("overrides, field, words", [
    ({"mirror_path": "/etc/passwd"}, "files.0.mirror_path", "relative path inside the mirror"),
    ({"mirror_path": "toy/../../outside.csv"}, "files.0.mirror_path", "no leading"),
    ({"url": f"http://example.org/toy/{COMMIT}/points.csv"}, "files.0.url", "must be an https:// URL"),
    ({"url": "javascript:alert(1)"}, "files.0.url", "must be an https:// URL"),
    ({"url": "https://example.org/toy/main/points.csv"}, "files.0.url", f"not pinned to commit {COMMIT}"),
    ({"url": f"https://example.org/toy/{'2' * 40}/points.csv"}, "files.0.url", "not pinned"),
    ({"commit": "main"}, "files.0.commit", "40-hex-digit"),
])
def test_unsafe_or_unpinned_file_records_are_refused(tmp_path, overrides, field, words):
    path = _write(tmp_path, _record(**overrides))
    with pytest.raises(MetadataError) as info:
        load_dataset_meta("toy-data", root=tmp_path)
    assert info.value.file == str(path) and info.value.field.startswith(field) and words in str(info.value)


def test_a_file_pinned_at_its_own_commit_is_accepted(tmp_path):
    other = "2" * 40
    _write(tmp_path, _record(url=f"https://example.org/toy/{other}/points.csv", commit=other))
    assert load_dataset_meta("toy-data", root=tmp_path).file().commit == other


@pytest.mark.parametrize("upstream, words", [({"commit": "main"}, "40-hex-digit"), ({"commit": "abc123"}, "40-hex-digit"),
                                             ({"repository": "http://example.org/toy"}, "https")])
def test_upstream_must_be_https_and_pinned(tmp_path, upstream, words):
    record = _record()
    record["upstream"].update(upstream)
    _write(tmp_path, record)
    with pytest.raises(MetadataError, match=words) as info:
        load_dataset_meta("toy-data", root=tmp_path)
    assert info.value.field.startswith("upstream.")


def test_dataset_names_are_checked(tmp_path):
    with pytest.raises(MetadataError, match="not a usable dataset name"):
        load_dataset_meta("../etc", root=tmp_path)
    _write(tmp_path, _record(name="toy-data") | {"name": "toy-data"})
    record = _record()
    record["name"] = "other"
    (tmp_path / "toy-data" / "dataset.yaml").write_text(yaml.safe_dump(record))
    with pytest.raises(MetadataError, match="differs from the folder name"):
        load_dataset_meta("toy-data", root=tmp_path)


def test_a_symbolic_link_out_of_the_mirror_is_refused(tmp_path):
    _write(tmp_path / "datasets", _record())
    outside = tmp_path / "outside.csv"
    outside.write_bytes(CSV)
    mirror = tmp_path / "mirror"
    (mirror / "toy-data").mkdir(parents=True)
    (mirror / "toy-data" / "points.csv").symlink_to(outside)
    spec = load_dataset_meta("toy-data", root=tmp_path / "datasets").file()
    with pytest.raises(DataError, match="outside the mirror") as info:
        resolve_file("toy-data", spec, mirror=mirror, cache=tmp_path / "cache")
    assert info.value.field == "mirror_path"


@pytest.mark.parametrize("value", ["inf", "-inf", "+inf", "Infinity"])
def test_infinite_values_are_refused_with_their_row(tmp_path, value):
    _write(tmp_path, _record())
    spec = load_dataset_meta("toy-data", root=tmp_path).file()
    path = tmp_path / "points.csv"
    path.write_text(f"N,loss\n1e7,3.2\n2e8,{value}\n")
    with pytest.raises(DataError) as info:
        validate_frame(read_frame(path, spec), spec, str(path))
    assert info.value.field == "loss" and "infinite value" in str(info.value) and "data row 2" in str(info.value)


def test_verification_reports_every_bad_file(tmp_path, monkeypatch):
    datasets, mirror = tmp_path / "datasets", tmp_path / "mirror"
    for name in ("good-one", "bad-one", "bad-two"):
        _write(datasets, _record(name=name))
        (mirror / name).mkdir(parents=True)
        (mirror / name / "points.csv").write_bytes(CSV if name == "good-one" else CSV + b"3e9,2.5\n")
    (datasets / "broken-record").mkdir()
    (datasets / "broken-record" / "dataset.yaml").write_text("name: [unclosed\n")
    monkeypatch.setattr(paths_mod, "DATASETS", datasets)
    monkeypatch.setenv("SCALING_AUDIT_MIRROR", str(mirror))
    problems = dataset_problems(tmp_path / "build")
    assert problems["good-one"] == []
    assert "sha256 mismatch" in problems["bad-one"][0] and "sha256 mismatch" in problems["bad-two"][0]
    assert "not valid YAML" in problems["broken-record"][0]
    # the stat cache: a file changed in place is checked again
    (mirror / "good-one" / "points.csv").write_bytes(CSV.replace(b"3.2", b"3.3"))
    assert "sha256 mismatch" in dataset_problems(tmp_path / "build")["good-one"][0]

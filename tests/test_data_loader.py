"""Dataset metadata, verified resolution of the bytes (mirror, cache, download) and frame validation.

Everything runs on a fake datasets root and a fake mirror under tmp_path; the only network used is a
local https server on 127.0.0.1 with a self-signed certificate made by openssl (URLs must be https and pinned
to the record's commit, so the served files live under a folder named by the commit).
"""

import functools
import hashlib
import http.server
import shutil
import ssl
import subprocess
import threading
from pathlib import Path

import pandas as pd
import pytest
import yaml

import replication
from replication.data import load_dataset_meta, resolve_file, sha256_of
from replication.data.validate import read_frame, validate_frame
from replication.errors import DataError, MetadataError

PROJECT_ROOT = Path(replication.__file__).resolve().parent.parent
DATASET = "toy-data"
MIRROR_PATH = f"{DATASET}/points.csv"
COMMIT = "0" * 40
UNREACHABLE = f"https://127.0.0.1:9/{COMMIT}/points.csv"

GOOD_CSV = b"N,D,loss,label\n1e7,1e9,3.2,a\n2e8,4e9,2.9,b\n5e9,1e11,2.1,c\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_spec(sha, url=UNREACHABLE, **overrides):
    spec = {
        "key": "points",
        "upstream_path": "data/points.csv",
        "mirror_path": MIRROR_PATH,
        "url": url,
        "sha256": sha,
        "format": "csv",
        "columns": [
            {"name": "N", "meaning": "parameters", "positive": True},
            {"name": "D", "meaning": "tokens", "positive": True},
            {"name": "loss", "meaning": "final loss", "positive": True},
            {"name": "label", "meaning": "run label", "dtype": "str"},
        ],
    }
    spec.update(overrides)
    return spec


def _meta(files):
    return {
        "name": DATASET,
        "title": "A toy dataset for tests",
        "upstream": {"repository": "https://example.invalid/toy", "commit": COMMIT},
        "licence": "none",
        "redistributable": False,
        "citation": "Nobody (2024). Toy.",
        "papers": ["toy2024"],
        "obtained": "released",
        "how_obtained": "made up for the tests",
        "files": files,
    }


def _write_meta(root: Path, meta: dict) -> Path:
    path = root / DATASET / "dataset.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A fresh datasets root, mirror and cache; the default mirror and cache are never consulted."""
    root, mirror, cache = tmp_path / "datasets", tmp_path / "mirror", tmp_path / "cache"
    for d in (root, mirror, cache):
        d.mkdir()
    monkeypatch.chdir(PROJECT_ROOT)  # error messages show paths relative to the project when inside it
    monkeypatch.setenv("SCALING_AUDIT_MIRROR", "")
    monkeypatch.setenv("SCALING_AUDIT_CACHE", str(cache))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return root, mirror, cache


def _setup(env, data: bytes, sha=None, put_in_mirror=True, **overrides):
    root, mirror, cache = env
    _write_meta(root, _meta([_file_spec(sha or _sha(data), **overrides)]))
    if put_in_mirror:
        target = mirror / MIRROR_PATH
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    spec = load_dataset_meta(DATASET, root=root).file("points")
    return spec, mirror, cache


def _load(env, data: bytes, **overrides):
    spec, mirror, cache = _setup(env, data, **overrides)
    path = resolve_file(DATASET, spec, mirror=mirror, cache=cache)
    return validate_frame(read_frame(path, spec), spec, str(path)), path


# --- metadata ------------------------------------------------------------------------------------

def test_load_dataset_meta_reads_fields(env):
    root = env[0]
    _write_meta(root, _meta([_file_spec(_sha(GOOD_CSV))]))
    meta = load_dataset_meta(DATASET, root=root)
    assert meta.name == DATASET
    spec = meta.file()
    assert spec is meta.file("points")
    assert spec.sha256 == _sha(GOOD_CSV)
    assert [c.name for c in spec.columns] == ["N", "D", "loss", "label"]
    assert spec.columns[0].positive and spec.columns[3].dtype == "str"
    assert spec.extra_columns == "error" and spec.duplicate_rows == "error"
    with pytest.raises(KeyError, match="points"):
        meta.file("nope")


def test_project_dataset_yaml_is_valid():
    """The project's own metadata parses under the schema (no data needed)."""
    meta = load_dataset_meta("epoch-chinchilla")
    assert meta.file("points").mirror_path.startswith("epoch-chinchilla/")


def test_invalid_yaml_names_the_file(env):
    root = env[0]
    path = root / DATASET / "dataset.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("name: toy\nfiles: [unclosed\n  - key: x\n", encoding="utf-8")
    with pytest.raises(MetadataError) as info:
        load_dataset_meta(DATASET, root=root)
    assert info.value.file == str(path)
    assert str(path) in str(info.value)
    assert "YAML" in str(info.value)


def test_missing_metadata_file(env):
    root = env[0]
    with pytest.raises(MetadataError) as info:
        load_dataset_meta("no-such-dataset", root=root)
    assert "no-such-dataset" in str(info.value) and "dataset.yaml" in str(info.value)


def test_non_mapping_yaml(env):
    root = env[0]
    path = root / DATASET / "dataset.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(MetadataError, match="mapping") as info:
        load_dataset_meta(DATASET, root=root)
    assert str(path) in str(info.value)


def test_schema_violation_bad_sha256(env):
    root = env[0]
    path = _write_meta(root, _meta([_file_spec("ABC123")]))
    with pytest.raises(MetadataError) as info:
        load_dataset_meta(DATASET, root=root)
    err = info.value
    assert err.file == str(path)
    assert err.field == "files.0.sha256"
    assert str(path) in str(err) and "files.0.sha256" in str(err)
    assert "64" in str(err)


def test_schema_violation_uppercase_sha256(env):
    root = env[0]
    _write_meta(root, _meta([_file_spec(_sha(GOOD_CSV).upper())]))
    with pytest.raises(MetadataError) as info:
        load_dataset_meta(DATASET, root=root)
    assert info.value.field == "files.0.sha256"


def test_schema_violation_unknown_and_missing_fields(env):
    root = env[0]
    meta = _meta([_file_spec(_sha(GOOD_CSV), colour="blue")])
    path = _write_meta(root, meta)
    with pytest.raises(MetadataError) as info:
        load_dataset_meta(DATASET, root=root)
    assert info.value.field == "files.0.colour" and str(path) in str(info.value)

    meta = _meta([_file_spec(_sha(GOOD_CSV))])
    del meta["licence"]
    _write_meta(root, meta)
    with pytest.raises(MetadataError) as info:
        load_dataset_meta(DATASET, root=root)
    assert info.value.field == "licence"

    meta = _meta([_file_spec(_sha(GOOD_CSV), duplicate_rows="keep")])
    _write_meta(root, meta)
    with pytest.raises(MetadataError) as info:
        load_dataset_meta(DATASET, root=root)
    assert info.value.field == "files.0.duplicate_rows"


# --- resolution: mirror --------------------------------------------------------------------------

def test_good_file_from_mirror(env):
    frame, path = _load(env, GOOD_CSV)
    assert path == env[1] / MIRROR_PATH
    assert list(frame.columns) == ["N", "D", "loss", "label"]
    assert frame["N"].dtype == float
    assert frame["N"].tolist() == [1e7, 2e8, 5e9]
    assert frame["label"].tolist() == ["a", "b", "c"]


def test_mirror_from_environment_variable(env, monkeypatch):
    spec, mirror, cache = _setup(env, GOOD_CSV)
    monkeypatch.setenv("SCALING_AUDIT_MIRROR", str(mirror))
    assert resolve_file(DATASET, spec, cache=cache) == mirror / MIRROR_PATH


def test_checksum_mismatch_in_mirror(env):
    spec, mirror, cache = _setup(env, GOOD_CSV, sha=_sha(GOOD_CSV + b"tampered"))
    with pytest.raises(DataError) as info:
        resolve_file(DATASET, spec, mirror=mirror, cache=cache)
    msg = str(info.value)
    target = mirror / MIRROR_PATH
    assert info.value.file == str(target)
    assert str(target) in msg
    assert "sha256" in msg and _sha(GOOD_CSV) in msg and spec.sha256 in msg
    assert "'points'" in msg and DATASET in msg


def test_missing_file_no_mirror_no_network(env):
    spec, _, cache = _setup(env, GOOD_CSV, put_in_mirror=False)
    with pytest.raises(DataError) as info:
        resolve_file(DATASET, spec, mirror=None, cache=cache)  # env var is '' so no mirror at all
    msg = str(info.value)
    assert info.value.file == MIRROR_PATH
    assert MIRROR_PATH in msg
    assert UNREACHABLE in msg
    assert "SCALING_AUDIT_MIRROR" in msg
    assert not any(cache.iterdir())


def test_missing_file_in_given_mirror_names_the_mirror(env):
    spec, mirror, cache = _setup(env, GOOD_CSV, put_in_mirror=False)
    with pytest.raises(DataError) as info:
        resolve_file(DATASET, spec, mirror=mirror, cache=cache)
    assert str(mirror) in str(info.value) and MIRROR_PATH in str(info.value)


def test_missing_derived_file_says_it_cannot_be_downloaded(env):
    """A file the mirror converted (derived_here) has no upstream copy: no misleading download attempt."""
    spec, mirror, cache = _setup(env, GOOD_CSV, put_in_mirror=False, derived_here="flattened from upstream pickles")
    with pytest.raises(DataError) as info:
        resolve_file(DATASET, spec, mirror=mirror, cache=cache)
    msg = str(info.value)
    assert "cannot be downloaded" in msg and "flattened from upstream pickles" in msg and MIRROR_PATH in msg
    assert UNREACHABLE not in msg and not any(cache.iterdir())


def test_cache_from_environment_variable_used_for_download_attempt(env, tmp_path, monkeypatch):
    spec, _, _ = _setup(env, GOOD_CSV, put_in_mirror=False)
    other = tmp_path / "env-cache"
    monkeypatch.setenv("SCALING_AUDIT_CACHE", str(other))
    with pytest.raises(DataError):
        resolve_file(DATASET, spec)
    assert not other.exists() or not any(p.is_file() and p.stat().st_size for p in other.iterdir())


# --- resolution: download from a local server ----------------------------------------------------

@pytest.fixture
def server(tmp_path, monkeypatch):
    """An https server on 127.0.0.1 (free port) serving tmp_path/'served'/<commit>; yields (dir, base_url)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test server's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # pooch downloads with requests
    root = tmp_path / "served"
    served = root / COMMIT
    served.mkdir(parents=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield served, f"https://127.0.0.1:{httpd.server_address[1]}/{COMMIT}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_download_into_cache_and_verify(env, server):
    served, base = server
    (served / "points.csv").write_bytes(GOOD_CSV)
    spec, mirror, cache = _setup(env, GOOD_CSV, put_in_mirror=False, url=f"{base}/points.csv")
    path = resolve_file(DATASET, spec, mirror=mirror, cache=cache)
    assert path.parent == cache
    assert path.name == f"{DATASET}--points.csv"
    assert path.read_bytes() == GOOD_CSV
    assert sha256_of(path) == spec.sha256
    frame = validate_frame(read_frame(path, spec), spec, str(path))
    assert frame["loss"].tolist() == [3.2, 2.9, 2.1]
    # a second call is served from the cache, even with the server's file gone
    (served / "points.csv").unlink()
    assert resolve_file(DATASET, spec, mirror=mirror, cache=cache) == path


def test_mirror_takes_precedence_over_download(env, server):
    served, base = server
    spec, mirror, cache = _setup(env, GOOD_CSV, url=f"{base}/points.csv")  # nothing served
    assert resolve_file(DATASET, spec, mirror=mirror, cache=cache) == mirror / MIRROR_PATH
    assert not any(cache.iterdir())


def test_download_with_wrong_bytes_is_refused(env, server):
    served, base = server
    (served / "points.csv").write_bytes(GOOD_CSV.replace(b"3.2", b"3.3"))
    url = f"{base}/points.csv"
    spec, mirror, cache = _setup(env, GOOD_CSV, put_in_mirror=False, url=url)
    with pytest.raises(DataError) as info:
        resolve_file(DATASET, spec, mirror=mirror, cache=cache)
    msg = str(info.value)
    assert "127.0.0.1" in info.value.file and "points.csv" in info.value.file
    assert "sha256" in msg and "'points'" in msg and DATASET in msg
    assert f"datasets/{DATASET}/dataset.yaml" in msg
    # nothing unverified is left in the cache under the dataset's name
    assert not (cache / f"{DATASET}--points.csv").exists()


def test_download_refusal_names_the_exact_url(env, server, monkeypatch):
    served, base = server
    (served / "points.csv").write_bytes(GOOD_CSV.replace(b"3.2", b"3.3"))
    url = f"{base}/points.csv"
    spec, mirror, cache = _setup(env, GOOD_CSV, put_in_mirror=False, url=url)
    with pytest.raises(DataError) as info:
        resolve_file(DATASET, spec, mirror=mirror, cache=cache)
    assert info.value.file == url
    assert str(info.value).startswith(url + ":")


def test_download_404_is_a_data_error(env, server):
    _, base = server
    spec, mirror, cache = _setup(env, GOOD_CSV, put_in_mirror=False, url=f"{base}/missing.csv")
    with pytest.raises(DataError) as info:
        resolve_file(DATASET, spec, mirror=mirror, cache=cache)
    assert MIRROR_PATH in str(info.value) and "missing.csv" in str(info.value)


# --- frame validation ----------------------------------------------------------------------------

def _expect_data_error(env, data, field, *fragments, **overrides):
    with pytest.raises(DataError) as info:
        _load(env, data, **overrides)
    err = info.value
    path = str(env[1] / MIRROR_PATH)
    assert err.file == path
    assert path in str(err)
    assert err.field == field
    if field is not None:
        assert f"field '{field}'" in str(err)
    for frag in fragments:
        assert frag in str(err)
    return err


def test_missing_column(env):
    data = b"N,D,label\n1e7,1e9,a\n2e8,4e9,b\n"
    _expect_data_error(env, data, "loss", "missing column")


def test_extra_column(env):
    data = b"N,D,loss,label,seed\n1e7,1e9,3.2,a,1\n2e8,4e9,2.9,b,2\n"
    _expect_data_error(env, data, "seed", "unexpected column")


def test_extra_column_ignored_when_declared(env):
    data = b"N,D,loss,label,seed\n1e7,1e9,3.2,a,1\n2e8,4e9,2.9,b,2\n"
    frame, _ = _load(env, data, extra_columns="ignore")
    assert len(frame) == 2 and frame["loss"].tolist() == [3.2, 2.9]


def test_non_numeric_value(env):
    data = b"N,D,loss,label\n1e7,1e9,3.2,a\n2e8,lots,2.9,b\n"
    _expect_data_error(env, data, "D", "non-numeric", "'lots'", "row 2")


def test_non_positive_value_in_positive_column(env):
    data = b"N,D,loss,label\n1e7,1e9,3.2,a\n2e8,4e9,0,b\n5e9,1e11,2.1,c\n"
    _expect_data_error(env, data, "loss", "non-positive", "row 2")


def test_negative_value_in_positive_column(env):
    data = b"N,D,loss,label\n-1e7,1e9,3.2,a\n"
    _expect_data_error(env, data, "N", "non-positive", "row 1")


def test_empty_value_in_non_nullable_column(env):
    data = b"N,D,loss,label\n1e7,1e9,3.2,a\n2e8,,2.9,b\n"
    _expect_data_error(env, data, "D", "empty value", "row 2")


def test_duplicate_rows_error(env):
    data = b"N,D,loss,label\n1e7,1e9,3.2,a\n2e8,4e9,2.9,b\n1e7,1e9,3.2,a\n"
    _expect_data_error(env, data, None, "1 duplicate row", "row 3", "duplicate_rows: drop")


def test_duplicate_rows_dropped_when_declared(env):
    data = b"N,D,loss,label\n1e7,1e9,3.2,a\n2e8,4e9,2.9,b\n1e7,1e9,3.2,a\n2e8,4e9,2.9,b\n5e9,1e11,2.1,c\n"
    frame, _ = _load(env, data, duplicate_rows="drop", duplicate_note="repeated in the digitisation")
    assert frame["label"].tolist() == ["a", "b", "c"]
    assert frame.index.tolist() == [0, 1, 2]


def test_near_duplicates_are_not_duplicates(env):
    data = b"N,D,loss,label\n1e7,1e9,3.2,a\n1e7,1e9,3.2,b\n"
    frame, _ = _load(env, data)
    assert len(frame) == 2


def test_unparseable_file_names_the_file(env):
    spec, mirror, cache = _setup(env, b"", sha=_sha(b""))
    path = resolve_file(DATASET, spec, mirror=mirror, cache=cache)
    with pytest.raises(DataError) as info:
        read_frame(path, spec)
    assert str(path) in str(info.value) and "csv" in str(info.value)


def test_validate_frame_directly_coerces_numeric_strings(env):
    root = env[0]
    _write_meta(root, _meta([_file_spec(_sha(GOOD_CSV))]))
    spec = load_dataset_meta(DATASET, root=root).file()
    frame = pd.DataFrame({"N": ["1e7", "2e8"], "D": [1e9, 4e9], "loss": [3, 2], "label": ["a", "b"]})
    out = validate_frame(frame, spec, "memory.csv")
    assert out["N"].tolist() == [1e7, 2e8] and out["N"].dtype == float
    assert out["loss"].dtype == float
    # the input frame is not modified
    assert frame["N"].tolist() == ["1e7", "2e8"]


# --- reading a table many times in one process ----------------------------------------------------

def test_load_table_parses_once_verifies_each_time_and_hands_out_copies(env, monkeypatch):
    import os

    import replication.data.tables as data
    import replication.paths
    from replication.data import dataset_file

    root, mirror, _ = env
    _setup(env, GOOD_CSV)
    monkeypatch.setattr(replication.paths, "DATASETS", root)
    parsed = []
    monkeypatch.setattr(data, "read_frame", lambda path, spec: parsed.append(path) or read_frame(path, spec))
    first = data.load_table(DATASET, "points", mirror=mirror)
    first.loc[0, "loss"] = -1.0  # a caller changing its copy changes nobody else's
    second = data.load_table(DATASET, "points", mirror=mirror)
    assert second["loss"].tolist() == [3.2, 2.9, 2.1] and len(parsed) == 1
    spec = dataset_file(DATASET, "points", root=root)
    spec.sha256 = "0" * 64
    assert dataset_file(DATASET, "points", root=root).sha256 == _sha(GOOD_CSV)
    # other bytes in the mirror (a new modification time) are hashed again and refused
    target = mirror / MIRROR_PATH
    stamp = target.stat().st_mtime_ns
    target.write_bytes(GOOD_CSV.replace(b"3.2", b"9.9"))
    os.utime(target, ns=(stamp + 10**9, stamp + 10**9))
    with pytest.raises(DataError, match="sha256 mismatch"):
        data.load_table(DATASET, "points", mirror=mirror)

"""Datasets of format digitised: the figure resolved by checksum from the mirror, digitised by the record's spec,
and checked against the declared columns like any table."""

from __future__ import annotations

import hashlib

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import yaml

from replication import paths
from replication.data import load_table
from replication.errors import DataError
from replication.digitise import DigitiseError

COLUMNS = [{"name": "series", "meaning": "series", "dtype": "str"},
           {"name": "x", "meaning": "x", "positive": True}, {"name": "y", "meaning": "y", "positive": True},
           {"name": "x_err", "meaning": "error of x"}, {"name": "y_err", "meaning": "error of y"}]


def _figure(path):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.loglog([1e2, 1e3, 1e4], [3.0, 2.0, 1.5], "o")
    ax.loglog([3e2, 3e3], [2.5, 1.8], "^")
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "fixed"}):
        fig.savefig(path)
    plt.close(fig)
    return path.read_bytes()


def _register(tmp_path, monkeypatch, data: bytes, digitise: dict | None = None, sha: str | None = None):
    root, mirror = tmp_path / "datasets", tmp_path / "mirror"
    (mirror / "toy-figure").mkdir(parents=True)
    (mirror / "toy-figure" / "figure.svg").write_bytes(data)
    meta = {"name": "toy-figure", "title": "t", "upstream": {"repository": "https://example.invalid/t", "commit": "0" * 40},
            "licence": "none", "redistributable": False, "citation": "c", "papers": [], "obtained": "digitised",
            "how_obtained": "h",
            "files": [{"key": "points", "upstream_path": "figure.svg", "mirror_path": "toy-figure/figure.svg",
                       "url": "https://127.0.0.1:9/" + "0" * 40 + "/figure.svg", "sha256": sha or hashlib.sha256(data).hexdigest(),
                       "format": "digitised", "digitise": digitise or {}, "columns": COLUMNS}]}
    (root / "toy-figure").mkdir(parents=True)
    (root / "toy-figure" / "dataset.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    monkeypatch.setattr(paths, "DATASETS", root)
    monkeypatch.setenv("SCALING_AUDIT_MIRROR", str(mirror))


def test_digitised_points_enter_like_a_table(tmp_path, monkeypatch):
    _register(tmp_path, monkeypatch, _figure(tmp_path / "f.svg"), {"series": {"circle-1f77b4-6": "small"}})
    t = load_table("toy-figure", "points")
    assert sorted(t["series"].unique()) == ["small", "triangle-up-ff7f0e-6"]
    small = t[t["series"] == "small"].sort_values("x")
    np.testing.assert_allclose(small["x"], [1e2, 1e3, 1e4], rtol=1e-6)
    np.testing.assert_allclose(small["y"], [3.0, 2.0, 1.5], rtol=1e-6)


def test_figure_with_another_checksum_is_refused(tmp_path, monkeypatch):
    _register(tmp_path, monkeypatch, _figure(tmp_path / "f.svg"), sha="0" * 64)
    with pytest.raises(DataError, match="sha256 mismatch"):
        load_table("toy-figure", "points")


def test_bad_spec_names_the_field(tmp_path, monkeypatch):
    _register(tmp_path, monkeypatch, _figure(tmp_path / "f.svg"), {"panel": [10, 10, 5, 5]})
    with pytest.raises(DataError, match=r"digitise\.panel"):
        load_table("toy-figure", "points")
    _register(tmp_path / "again", monkeypatch, _figure(tmp_path / "g.svg"), {"y": {"ticks": [{"position": 1, "value": 2}]}})
    with pytest.raises(DataError, match=r"digitise\.y\.ticks"):
        load_table("toy-figure", "points")


def test_unreadable_figure_is_an_error_naming_it(tmp_path, monkeypatch):
    _register(tmp_path, monkeypatch, b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'></svg>")
    with pytest.raises(DigitiseError, match=r"figure\.svg: no axes found"):
        load_table("toy-figure", "points")

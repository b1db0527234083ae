"""The reviewer's path: digitise a figure into a paper's scaffold, with a dataset-record draft that validates."""

from __future__ import annotations

import pytest

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml

from replication import paths
from replication.data.schema import Dataset
from replication.digitise import digitise_figure
from replication.digitise.spec import DigitiseSpec


def _figure(path):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.semilogy([1, 2, 3, 4], [10, 100, 30, 300], "D", color="C2", label="runs")
    ax.legend()
    with plt.rc_context({"pdf.fonttype": 42}):
        fig.savefig(path)
    plt.close(fig)
    return path


def test_digitise_into_a_new_scaffold(tmp_path, monkeypatch, capsys):
    from replication.cli import main

    monkeypatch.setattr(paths, "PAPERS", tmp_path / "papers")
    monkeypatch.setattr("replication.checklist.scaffold._survey_entry", lambda key: None)
    fig = _figure(tmp_path / "fig.pdf")
    assert main(["digitise", str(fig), "--page", "1", "--paper", "smith2024scaling"]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "papers" / "smith2024scaling"
    assert "created" in out and (folder / "paper.yaml").is_file() and (folder / "checklist.yaml").is_file()
    points = pd.read_csv(folder / "digitised" / "points.csv")
    assert points["series"].tolist() == ["runs"] * 4
    assert np.allclose(points["y"], [10.0, 100.0, 30.0, 300.0], rtol=1e-6)
    draft = yaml.safe_load((folder / "digitised" / "dataset.draft.yaml").read_text())
    # the placeholders are refused until filled in (https URL at a 40-hex commit); once filled in, it validates
    with pytest.raises(Exception, match="TO BE FILLED IN"):
        Dataset.model_validate(draft)
    commit = "0123456789abcdef0123456789abcdef01234567"
    draft["upstream"].update(repository="https://github.com/smith/figures", commit=commit)
    draft["files"][0]["url"] = f"https://raw.githubusercontent.com/smith/figures/{commit}/fig.pdf"
    record = Dataset.model_validate(draft)
    spec = record.files[0]
    assert spec.format == "digitised" and spec.digitise["page"] == 1
    again = digitise_figure(fig, spec=DigitiseSpec.model_validate(spec.digitise)).points
    assert np.allclose(again["y"], points["y"], rtol=1e-9)
    # A second figure for the same paper reuses the scaffold.
    assert main(["digitise", str(fig), "--paper", "smith2024scaling"]) == 0
    assert "created" not in capsys.readouterr().out


def test_bad_key_is_refused_before_anything_is_written(tmp_path, monkeypatch, capsys):
    from replication.cli import main

    monkeypatch.setattr(paths, "PAPERS", tmp_path / "papers")
    fig = _figure(tmp_path / "fig.pdf")
    assert main(["digitise", str(fig), "--paper", "../escape"]) != 0
    assert "not a usable paper key" in capsys.readouterr().err
    assert not (tmp_path / "papers").exists() and not (tmp_path / "escape").exists()

"""The forest plot and the specification curve draw one point per claim or specification, and intervals where
both ends are known (their points are drawn as one collection per marker)."""

import numpy as np
from matplotlib.collections import LineCollection, PathCollection

import replication.report.figures as figures_mod
import replication.report.spec_curve as spec_mod
from replication.report.figures import claims_forest_figure
from replication.report.spec_curve import spec_curve_figure


def _drawn(monkeypatch, module):
    """The figures the module saves, kept instead of written."""
    kept = []
    monkeypatch.setattr(module, "_save", lambda fig, path: kept.append(fig) or path.name)
    return kept


def _counts(ax):
    pts = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    lines = sum(len(c.get_segments()) for c in ax.collections if isinstance(c, LineCollection))
    return pts, lines


def test_forest_draws_every_claim_and_its_interval(tmp_path, monkeypatch):
    kept = _drawn(monkeypatch, figures_mod)
    claims = [{"paper": "p", "claim": f"c{i}", "claimed": 1.0, "replicated": 1.0 + 0.05 * i,
               "ci_low": 0.9 if i % 2 else np.nan, "ci_high": 1.2 if i % 2 else np.nan,
               "verdict": "reproduced" if i < 3 else "not reproduced", "provenance": "unverified" if i == 4 else "paper"}
              for i in range(6)] + [{"paper": "p", "claim": "big", "claimed": 1.0, "replicated": 1e6, "verdict": "x"}]
    assert claims_forest_figure(tmp_path / "f.png", claims) == "f.png"
    # seven points (one off the axis, as a triangle), three intervals; the legend's empty handles add no points
    assert _counts(kept[0].axes[0]) == (7, 3)


def test_spec_curve_draws_every_specification(tmp_path, monkeypatch):
    kept = _drawn(monkeypatch, spec_mod)
    rows = [{"quantity": "alpha", "claim": "a", "spec": s, "value": v, "ci_low": v - 0.1 if s != "x" else np.nan,
             "ci_high": v + 0.1, "verdict": "reproduced", "claimed": 0.3}
            for s, v in (("main", 0.3), ("x", 0.35), ("y", 0.2), ("z", 0.5))]
    assert spec_curve_figure(tmp_path / "s.png", rows) == "s.png"
    top, bottom = kept[0].axes[0], kept[0].axes[1]
    assert _counts(top) == (4, 3) and _counts(bottom) == (4, 0)

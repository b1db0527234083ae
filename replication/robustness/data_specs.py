"""Specifications that change the data a fit sees, not how it is fitted: how parameters, compute and tokens are
counted, the unit the bootstrap resamples, and the points before the fit's stated row selection.

A paper declares what its data support under ``protocol.multiverse`` in paper.yaml:

    multiverse:
      counting:                  # the other counting of the same runs, as columns of the fitted data
        N: N_no_emb              # parameters: spec non_embedding_N (total_N where the column is the larger count)
        C: C                     # recorded compute: spec C_6ND refits with D = C / (6 N) instead of the recorded tokens
        D: tokens                # recorded tokens, where the fit derives D from compute: spec recorded_tokens
      resampling:                # further resampling units (single points are always supported)
        configurations: [N, D]
      no_exclusion:              # optional: the rows kept instead of the fit's data.where (default: every prepared row)
        where: usable
        reason: "..."

A fit whose bootstrap draws clusters also gets ``resample_points``. ``no_exclusion`` refits on the rows of the fit's
preparation step before its ``data.where`` selection; a fit that selects its points inside the preparation step is
skipped with what the paper would have to declare. Each specification here changes one such choice; everything else
(criterion, start grid, bootstrap count and seed rule) is the main fit's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from ..errors import MetadataError
from ..metadata.paper import BOOTSTRAP_UNITS
from ..uncertainty.units import bootstrap_groups, unit_name
from .specs import DATA_KEYS, Spec

__all__ = ["DATA_KEYS", "check_data_block", "data_specs", "spec_view", "spec_units", "SAME_RTOL"]

COUNTING_KEYS = ("N", "C", "D")
SAME_RTOL = 1e-9  # an alternative counting within this relative difference on every point is the main fit's own
FIELD = "protocol.multiverse"


class FitRecipe(Protocol):
    """The fields of a multiverse.FitRecipe read here (a dataclass there; views are made with dataclasses.replace)."""

    name: str
    inputs: dict[str, str]
    target: str
    bootstrap: dict
    frame: pd.DataFrame
    X: dict[str, np.ndarray]
    y: np.ndarray
    screened: np.ndarray | None
    prepared: pd.DataFrame | None
    where: str | None
    prepare: str | None


COUNTING_REASONS = {
    "non_embedding_N": ("parameters are counted with or without the embeddings (Kaplan et al. 2020 count them "
                        "without); the fitted exponents depend on the choice"),
    "total_N": ("parameters are counted with or without the embeddings (Hoffmann et al. 2022 count all of them); the "
                "fitted exponents depend on the choice"),
    "C_6ND": ("C = 6 N D is an approximation of the training compute; tokens implied by the recorded compute, "
              "D = C / (6 N), show whether the fit depends on it"),
    "recorded_tokens": "the recorded token counts instead of tokens derived from compute as D = C / (6 N)",
}
RESAMPLING_REASONS = {
    "points": ("single points are the unit most fits resample; set against drawing clusters whole it shows how much "
               "the clustering widens the intervals"),
    "configurations": ("runs that share a configuration are not independent draws; resampling them whole widens the "
                       "intervals where they share errors"),
    "groups": ("points of one group (curve, family, task) are not independent draws; resampling groups whole widens "
               "the intervals where they share errors"),
}
NO_EXCLUSION_REASON = "a law should not depend on which points the protocol leaves out"


def check_data_block(path: Path, block: dict) -> None:
    """The shapes of the counting, resampling and no_exclusion entries, with the field at fault named."""
    counting = block.get("counting", {})
    if not isinstance(counting, dict):
        raise MetadataError(path, f"{FIELD}.counting", f"expected a mapping, got {type(counting).__name__}",
                            "write e.g. counting: {N: N_no_emb, C: C}")
    for key, column in counting.items():
        if key not in COUNTING_KEYS:
            raise MetadataError(path, f"{FIELD}.counting.{key}", "unknown counting", "use N (parameters), C (recorded "
                                "compute) or D (recorded tokens)")
        if not isinstance(column, str) or not column.strip():
            raise MetadataError(path, f"{FIELD}.counting.{key}", f"expected a column name, got {column!r}",
                                "name a column of the fitted data")
    resampling = block.get("resampling", {})
    if not isinstance(resampling, dict):
        raise MetadataError(path, f"{FIELD}.resampling", f"expected a mapping, got {type(resampling).__name__}",
                            "write e.g. resampling: {configurations: [N, D]}")
    for unit, columns in resampling.items():
        if unit not in BOOTSTRAP_UNITS or unit == "points":
            raise MetadataError(path, f"{FIELD}.resampling.{unit}", "unknown resampling unit",
                                f"use one of {[u for u in BOOTSTRAP_UNITS if u != 'points']} (points is always included)")
        if not isinstance(columns, list) or not columns or not all(isinstance(c, str) and c for c in columns):
            raise MetadataError(path, f"{FIELD}.resampling.{unit}", f"expected a list of column names, got {columns!r}",
                                "list the columns whose values define one cluster, e.g. [N, D]")
    rows = block.get("no_exclusion")
    if rows is None:
        return
    if not isinstance(rows, dict) or set(rows) - {"where", "reason"}:
        raise MetadataError(path, f"{FIELD}.no_exclusion", f"expected {{where:, reason:}}, got {rows!r}",
                            "give where: (a row query on the prepared data) and reason:")
    for key in ("where", "reason"):
        if not isinstance(rows.get(key), str) or not rows[key].strip():
            raise MetadataError(path, f"{FIELD}.no_exclusion.{key}", f"no_exclusion needs a {key}",
                                "give where: (the rows kept instead of the fit's data.where) and a one-line reason:")


def _column(recipe: FitRecipe, path: Path, field: str, column: str) -> np.ndarray:
    """A declared column of the fit's points as positive finite floats, or a MetadataError naming the field."""
    if column not in recipe.frame.columns:
        raise MetadataError(path, field, f"fit '{recipe.name}' has no column '{column}'",
                            f"use one of {list(recipe.frame.columns)}")
    try:
        v = recipe.frame[column].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise MetadataError(path, field, f"column '{column}' is not numeric", "name a column of counts") from None
    if not (np.isfinite(v) & (v > 0)).all():
        raise MetadataError(path, field, f"column '{column}' has non-positive or missing values in the fitted points",
                            "name a column of positive counts for every fitted point")
    return v


def _counting_inputs(recipe: FitRecipe, key: str, column: str, path: Path) -> dict[str, np.ndarray]:
    """The fit's inputs under the declared counting: N replaced, or D from recorded compute or recorded tokens."""
    v = _column(recipe, path, f"{FIELD}.counting.{key}", column)
    X = dict(recipe.X)
    if key == "N":
        X["N"] = v
    elif key == "C":
        X["D"] = v / (6.0 * recipe.X["N"])
    else:
        X["D"] = v
    return X


def _counting_name(recipe: FitRecipe, key: str, X: dict[str, np.ndarray], path: Path) -> str:
    """non_embedding_N or total_N from which count is the smaller on every point; C_6ND; recorded_tokens."""
    if key == "C":
        return "C_6ND"
    if key == "D":
        return "recorded_tokens"
    ratio = X["N"] / recipe.X["N"]
    if (ratio <= 1 + SAME_RTOL).all():
        return "non_embedding_N"
    if (ratio >= 1 - SAME_RTOL).all():
        return "total_N"
    raise MetadataError(path, f"{FIELD}.counting.N", "the column is neither at most nor at least the fit's N on every "
                        f"point (ratio {ratio.min():.3g} to {ratio.max():.3g})",
                        "name the other parameter count of the same runs (with or without the embeddings)")


def _counting_specs(recipe: FitRecipe, counting: dict, law_inputs: tuple[str, ...], path: Path) -> list[Spec]:
    """One specification per declared counting whose inputs the law has."""
    out = []
    for key, column in counting.items():
        needs = ("N",) if key == "N" else ("N", "D")
        if not set(needs) <= set(law_inputs):
            out.append(Spec(f"counting_{key}", "counting", f"{key} from column {column}", "",
                            extra={"skip": f"the law has no input {'N' if key == 'N' else 'N and D'} to count anew"}))
            continue
        X = _counting_inputs(recipe, key, column, path)
        name = _counting_name(recipe, key, X, path)
        what = {"non_embedding_N": f"parameters without embeddings (N from column {column})",
                "total_N": f"parameters with embeddings (N from column {column})",
                "C_6ND": f"tokens D = C / (6 N) from the recorded compute (column {column})",
                "recorded_tokens": f"recorded tokens (D from column {column})"}[name]
        out.append(Spec(name, "counting", what, COUNTING_REASONS[name], extra={"counting": {"key": key, "column": column}}))
    return out


def _resampling_specs(recipe: FitRecipe, resampling: dict) -> list[Spec]:
    """resample_points for a fit drawing clusters, and each declared unit other than the fit's own."""
    own = recipe.bootstrap.get("unit", "points")
    units = ([("points", None)] if own != "points" else []) + list(resampling.items())
    out = []
    for unit, columns in units:
        spec = {"unit": unit} if unit == "points" else {"unit": unit, "columns": list(columns)}
        what = f"the bootstrap draws {unit_name(spec)} (the fit draws {unit_name(recipe.bootstrap)})"
        out.append(Spec(f"resample_{unit}", "resampling unit", what, RESAMPLING_REASONS[unit], extra={"resampling": spec}))
    return out


def _no_exclusion_spec(block: dict) -> Spec:
    """Every row of the fit's preparation (or the declared rows) instead of its data.where selection."""
    rows = block.get("no_exclusion") or {}
    where = rows.get("where")
    what = (f"the rows '{where}' of the preparation instead of the fit's selection" if where else
            "every row of the preparation, without the fit's selection (data.where)")
    return Spec("no_exclusion", "points", what, rows.get("reason", NO_EXCLUSION_REASON),
                origin="paper" if rows else "default", extra={"rows": {"where": where}})


def data_specs(recipe: FitRecipe, block: dict, law_inputs: tuple[str, ...], path: Path) -> list[Spec]:
    """The counting, resampling-unit and no_exclusion specifications of one fit."""
    return (_counting_specs(recipe, block.get("counting", {}), law_inputs, path)
            + _resampling_specs(recipe, block.get("resampling", {})) + [_no_exclusion_spec(block)])


def _largest_change(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    """The largest relative difference between two sets of inputs."""
    return max(float(np.max(np.abs(b[k] / a[k] - 1.0))) if len(a[k]) else 0.0 for k in a)


def _rows_view(recipe: FitRecipe, spec: Spec, law_inputs: tuple[str, ...], path: Path) -> FitRecipe | str:
    """The recipe on the prepared rows before the fit's selection (or on the declared rows), or why not."""
    where = spec.extra["rows"]["where"]
    if recipe.prepared is None:
        return ("the fit's row selection is not recorded (a grouped fit, or one the script runs itself): declare it "
                "under fits: in paper.yaml with a data.where selection")
    if recipe.where is None:
        if recipe.prepare is None:
            return "the fit uses every row of its data file: no point is excluded"
        return (f"the fit declares no row selection (data.where): if its preparation step '{recipe.prepare}' drops "
                "rows, let it flag them in a column instead and select on that column with data.where, so this "
                "specification can refit on every row")
    frame = recipe.prepared if where is None else recipe.prepared.query(where)
    if frame.index.equals(recipe.frame.index):
        return (f"the fit's selection (data.where: {recipe.where}) keeps every prepared row" if where is None else
                f"the declared rows ({where}) are the fit's own ({recipe.where})")
    X = {k: frame[c].to_numpy(dtype=float) for k, c in recipe.inputs.items()}
    y = frame[recipe.target].to_numpy(dtype=float)
    logged = [recipe.target] + [recipe.inputs[k] for k in law_inputs if k in recipe.inputs]
    bad = [c for c in logged if not (np.isfinite(frame[c].to_numpy(dtype=float)) & (frame[c].to_numpy(dtype=float) > 0)).all()]
    if bad:
        return f"the rows left out include non-positive or missing values of {bad[0]}, which the fit cannot take"
    return dataclasses.replace(recipe, frame=frame, X=X, y=y)


def spec_view(recipe: FitRecipe, spec: Spec, law_inputs: tuple[str, ...], path: Path) -> tuple[FitRecipe | None, str]:
    """The recipe as the specification sees it (other inputs or rows) and a note; (None, reason) if the data cannot
    support it. Specifications of other kinds see the recipe unchanged."""
    if "skip" in spec.extra:
        return None, spec.extra["skip"]
    if "counting" in spec.extra:
        c = spec.extra["counting"]
        X = _counting_inputs(recipe, c["key"], c["column"], path)
        change = _largest_change(recipe.X, X)
        if change <= SAME_RTOL:
            return None, (f"the alternative counting (column {c['column']}) differs from the fit's inputs by at most "
                          f"{change:.1e} relative on every point: the refit would repeat the main fit")
        return dataclasses.replace(recipe, X=X, screened=None), f"{spec.what}; inputs changed by up to {change:.3g} relative"
    if "rows" in spec.extra:
        view = _rows_view(recipe, spec, law_inputs, path)
        if isinstance(view, str):
            return None, view
        return view, f"{len(view.y)} points instead of {len(recipe.y)}"
    return recipe, ""


def spec_units(view: FitRecipe, spec: Spec, where: str, path: Path) -> tuple[np.ndarray | None, str] | str:
    """Cluster labels and unit name for the specification's bootstrap (its own unit, or the fit's on its rows), or
    why the unit cannot be changed."""
    unit = spec.extra.get("resampling")
    if int(view.bootstrap.get("n", 0)) <= 0:
        return "the fit has no bootstrap (n: 0): there is no resampling unit to change" if unit else (None, "data points")
    if unit is None:
        return bootstrap_groups(view.frame, view.bootstrap, where)
    own = view.bootstrap.get("unit", "points")
    if unit["unit"] == own and unit.get("columns") == view.bootstrap.get("columns"):
        return f"the fit already resamples {unit_name(unit)}"
    missing = [c for c in unit.get("columns", []) if c not in view.frame.columns]
    if missing:
        raise MetadataError(path, f"{FIELD}.resampling.{unit['unit']}",
                            f"fit '{view.name}' has no column '{missing[0]}'", f"use columns of {list(view.frame.columns)}")
    groups, name = bootstrap_groups(view.frame, unit, where)
    if groups is not None and len(np.unique(groups)) == len(groups):
        return f"every cluster of {unit_name(unit)} holds one point: the same draws as resampling points"
    return groups, name


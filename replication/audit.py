"""The audit of one paper: what its replicate.py script calls, and what turns that into a result file.

A replication script defines ``replicate(audit)``; it loads data with ``audit.table``, prepares the
points, and calls ``audit.fit``, which refits the law by the paper's protocol (multi-start search,
bootstrap, derived quantities, extrapolation, fit health, figures). ``run_paper`` then evaluates the
claims and writes build/<key>/result.json, recording a failure as a failed result.
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import __version__
from .checks.certified import certified_check
from .checks.ci_width import ci_width_rows
from .checks.approaches import consistency_row, isoflop_exponent, resampled_exponents
from .checks.claims import evaluate_claims
from .checks.wins import resample_tasks, win_shares
from .checks.extrapolation import extrapolation_errors, fit_and_score, split_by_threshold
from .checks.coverage_check import add_calibrated_width, coverage_rows
from .checks.profile_agreement import line_profile_rows, profile_rows
from .checks.fit_health import fit_health_rows, health_row
from .checks.quantity import Quantity
from .data import dataset_file, load_table
from .data.schema import file_keys
from .data.digitised import matched_errors
from .data.preparations import PREPARATIONS
from .data.schema import read_yaml
from .data.shape import shape_table
from .errors import AuditError, DataError, MetadataError, TimeLimitExceeded, UnusableData
from .fingerprint import code_version, fingerprint
from .fitting import fit_multistart, make_objective, start_grid
from .fitting.groups import fit_groups
from .fitting.hessian import objective_hessian
from .laws import get_law, known_laws
from .laws.allocation import DERIVED, power_law_allocation
from .laws.fixed import fix_params
from .metadata.paper import Paper, load_paper
from .isolation import failure_reason, time_limit as time_limit_of
from .parallel import inline_tasks
from .paths import BUILD, PAPERS, check_key, suggest
from .protocols.isoflop import IsoflopResult, asymptotic_intervals, extrapolate, group_seed, run_isoflop, spec_from
from .report.figures import bootstrap_figure, extrapolation_figure, fit_figure
from .report.page_figures import KEY as PAGE_FIGURES, draw_page_figures
from .report.optimal_figures import Curve, Series, exponent_steps_figure, isoflop_figure, optimum_law_figure
from .robustness.data_specs import check_data_block
from .robustness.consistency_multiverse import KIND as CONSISTENCY_KIND, ConsistencyRun, add_consistency_multiverse
from .robustness.isoflop_multiverse import IsoflopRun, add_isoflop_multiverse
from .robustness.multiverse import FitRecipe, run_multiverse
from .robustness.script_multiverse import add_script_multiverse
from .robustness.script_specs import RERUN_KEEP_STARTS, Variant
from .robustness.specs import read_multiverse
from .results import result_json, write_text_atomic
from .settings import (DEFAULT_TIME_LIMIT, JOBS_ENV, N_BOOT_ENV, coverage_b_setting, coverage_k_setting, jobs_setting,
                       n_boot_setting, time_limit_setting)
from .timing import stage
from .uncertainty.bootstrap import bootstrap_fit
from .uncertainty.coverage import CoverageSpec
from .uncertainty.point_errors import frame_errors
from .uncertainty.units import bootstrap_groups
from .uncertainty.widening import widening_rows

__all__ = ["Audit", "run_paper", "N_BOOT_ENV", "JOBS_ENV"]


class Audit:
    """Collects fits, quantities and checks for one paper while its replication script runs."""

    def __init__(self, paper: Paper, out_dir: Path, n_boot: int | None = None, n_jobs: int = 1,
                 variant: Variant | None = None):
        self.paper = paper
        self.variant = variant  # a paper-level alternative (robustness/script_specs.py): a light rerun, no figures
        self.varied: list[str] = []  # the fits the variant changed
        self.scored: list[tuple] = []  # (error, decimals) of each comparison of per_group fits by wins (Audit.wins)
        self.draws = variant is None  # figures are drawn by the main run only
        self.out_dir = Path(out_dir)
        self.n_boot_override = n_boot
        self.n_jobs = n_jobs
        self.quantities: dict[str, Quantity] = {}
        self.points_fit: dict[str, float] = {}
        self.fits: dict[str, dict] = {}
        self.extrapolation: list[dict] = []
        self.health: list[dict] = []
        self.figures: list[dict] = []
        self.data_used: dict[tuple[str, str], dict] = {}
        self.tables: dict[str, dict] = {}
        self.profiles: list[dict] = []
        self.coverage: list[dict] = []
        self.fitted: dict[str, tuple] = {}
        self.frames: dict[str, pd.DataFrame] = {}
        self.consistency: list[dict] = []
        self._objectives: dict[str, object] = {}
        self.per_group: dict[str, tuple[pd.DataFrame, list[str], str]] = {}
        self.recipes: dict[str, FitRecipe] = {}  # what the multiverse needs to redo each fit
        self.consistency_runs: list[ConsistencyRun] = []  # what the consistency multiverse needs (ungrouped comparisons)
        self.isoflop_runs: list[IsoflopRun] = []  # what the IsoFLOP multiverse needs to redo each Approach-2 fit
        self.grouped: dict[str, dict[str, tuple[IsoflopResult, str]]] = {}  # grouped Approach-2 fit -> group -> (result, quantity suffix)

    # -- data -------------------------------------------------------------------------------
    def table(self, dataset: str, key: str | None = None) -> pd.DataFrame:
        """A validated data table; its checksum and upstream URL are recorded in the result."""
        if dataset not in self.paper.datasets:
            raise AuditError(f"papers/{self.paper.key}/paper.yaml does not list dataset '{dataset}' under datasets")
        spec = dataset_file(dataset, key)
        frame = load_table(dataset, key)
        self.data_used[(dataset, spec.key)] = {"dataset": dataset, "file": spec.key, "sha256": spec.sha256, "url": spec.url}
        source = spec.errors_from
        if source is not None:  # points read off a figure by others: the suite's per-point errors, matched by position
            if source.dataset not in self.paper.datasets:
                raise AuditError(f"papers/{self.paper.key}/paper.yaml does not list dataset '{source.dataset}' under "
                                 f"datasets (datasets/{dataset}/dataset.yaml takes the errors of its points from it)")
            frame = matched_errors(frame, source, f"datasets/{dataset}/dataset.yaml ({spec.key})")
            src = dataset_file(source.dataset, source.file)
            self.data_used[(source.dataset, src.key)] = {"dataset": source.dataset, "file": src.key, "sha256": src.sha256,
                                                         "url": src.url}
        return frame

    def files(self, dataset: str) -> list[str]:
        """The file keys of a dataset the paper lists (for a preparation step that reads several)."""
        if dataset not in self.paper.datasets:
            raise AuditError(f"papers/{self.paper.key}/paper.yaml does not list dataset '{dataset}' under datasets")
        return file_keys(dataset)

    def require_known(self, field: str, names, available) -> None:
        """Every name a paper.yaml field lists (e.g. settings.excluded_runs) must occur in the data."""
        unknown = sorted(set(names) - set(available))
        if unknown:
            raise MetadataError(PAPERS / self.paper.key / "paper.yaml", field, f"names {unknown} not in the data",
                                "correct or remove them")

    # -- quantities -------------------------------------------------------------------------
    def add_quantity(self, name: str, value: float, samples: np.ndarray | None = None, n_points: float | None = None,
                     interval_kind: str = "bootstrap percentile") -> Quantity:
        """Register a replicated quantity (with bootstrap replicates if any) for the claims checks."""
        q = Quantity(float(value), None if samples is None else np.asarray(samples, dtype=float), interval_kind)
        self.quantities[name] = q
        if n_points is not None:
            self.points_fit[name] = float(n_points)
        return q

    def spread(self, name: str, quantities: list[str]) -> Quantity:
        """Largest over smallest value of several quantities (how far alternative analyses disagree); no interval."""
        values = [self.quantities[q].value for q in quantities]
        return self.add_quantity(name, max(values) / min(values))

    def ratio(self, name: str, numerator: str, denominator: str, n_points: float | None = None) -> Quantity:
        """Ratio of two quantities; paired replicates when both come from the same resamples (same seed and unit)."""
        a, b = self.quantities[numerator], self.quantities[denominator]
        paired = None if a.samples is None or b.samples is None else a.samples / b.samples
        return self.add_quantity(name, a.value / b.value, paired, n_points)

    def apply(self, name: str, quantity: str, fn: Callable[[np.ndarray], np.ndarray], n_points: float | None = None) -> Quantity:
        """A function of one quantity (a paper's formula in a fitted constant), applied to its value and to each of its
        replicates, so the result keeps the bootstrap interval."""
        q = self.quantities[quantity]
        return self.add_quantity(name, float(fn(q.value)), None if q.samples is None else fn(q.samples), n_points)

    def local_optima(self, name: str, constants: list[str]) -> pd.DataFrame:
        """The distinct local optima the starts of fit ``name`` reached, best first: the natural ``constants``, the
        criterion and its excess over the best (a criterion with several basins shows here)."""
        law, point = self.fitted[name][:2]
        optima = law.natural_params(point.minima)
        return pd.DataFrame({**{c: optima[c] for c in constants}, "criterion": point.minima_fun,
                             "criterion above best": point.minima_fun - point.minima_fun[0]})

    def samples_figure(self, stem: str, quantities: dict[str, str], caption: str,
                       transform: Callable[[np.ndarray], np.ndarray] = np.asarray, title: str = "") -> None:
        """Histograms of the bootstrap replicates of several quantities (label -> quantity), on a transformed scale
        if given (e.g. np.log10 for constants spanning decades); nothing when they have no replicates."""
        if not self.draws:
            return
        qs = {label: self.quantities[q] for label, q in quantities.items()}
        if any(q.samples is None for q in qs.values()):
            return
        path = self.out_dir / "figures" / f"{stem}.png"
        with stage("figures"):
            bootstrap_figure(path, {k: transform(q.samples) for k, q in qs.items()}, {k: transform(q.value) for k, q in qs.items()},
                             title=title)
        self.add_figure(path, caption)

    def difference(self, name: str, a: str, b: str, lower: float | None = None) -> Quantity:
        """Difference a - b of two quantities; replicates differenced pairwise when both have them (resample i of one
        against resample i of the other). With ``lower`` (a level such as 0.95) and replicates, the lower end of the
        difference's interval is added as <name>_low95, so a claim can ask whether the difference clears the noise."""
        qa, qb = self.quantities[a], self.quantities[b]
        paired = None if qa.samples is None or qb.samples is None else qa.samples - qb.samples
        q = self.add_quantity(name, qa.value - qb.value, paired)
        q.signed = True
        if lower is not None and paired is not None:
            self.add_quantity(f"{name}_low{round(100 * lower)}", q.interval(lower)[0])
        return q

    def quantities_from(self, frame: pd.DataFrame, names: dict[str, str]) -> None:
        """Register columns of a computed table as quantities, one per row and column (names: column -> name
        template filled from the row, e.g. "{fit}.binned_slope"), so claims can test per-row values of a table."""
        for _, row in frame.iterrows():
            fields = {str(k): v for k, v in row.items()}
            for column, template in names.items():
                self.add_quantity(template.format(**fields), row[column])

    def quantity_rows(self, described: dict[str, tuple[str, str, str | None]], quantity: str,
                      column: str = "tokens per parameter", level: float = 0.95) -> pd.DataFrame:
        """One row per fit: its form, data, points, the fit's ``quantity`` with its interval and the claimed value."""
        rows = []
        for name, (form, data, claim) in described.items():
            q = self.quantities[quantity if name == "main" else f"{name}.{quantity}"]
            low, high = q.interval(level)
            rows.append({"fit": name, "form": form, "data": data, "points": self.fits[name]["n_points"], column: q.value,
                         f"{level:.0%} low": low, f"{level:.0%} high": high,
                         "authors' value": self.paper.claim(claim).value if claim else np.nan})
        return pd.DataFrame(rows)

    def constants(self, fits: list[str], level: float | None = None, *, long: bool = False) -> pd.DataFrame:
        """The fitted constants of several fits, one row per fit (fit, points, criterion at the optimum, constants),
        or with ``long`` one row per fit and constant (value, and its interval at ``level`` if given), for a
        paper's table of fitted constants."""
        rows = []
        for name in fits:
            rec, prefix = self.fits[name], "" if name == "main" else f"{name}."
            if not long:
                rows.append({"fit": name, "points": rec["n_points"], "objective": rec["point"]["fun"], **rec["natural"]})
                continue
            for const, value in rec["natural"].items():
                row = {"fit": name, "constant": const, "value": value}
                if level is not None:
                    row[f"{level:.0%} low"], row[f"{level:.0%} high"] = self.quantities[prefix + const].interval(level)
                rows.append(row)
        return pd.DataFrame(rows)

    def add_table(self, name: str, frame: pd.DataFrame, caption: str | None = None, **fields) -> None:
        """A paper-specific results table; the report writes it as report/tables/papers/<key>_<name>.{csv,md,tex}.
        Without a caption the one declared under tables in paper.yaml is used (its {name} fields filled from the
        protocol's settings and ``fields``), and its summary quantities added."""
        if not name.replace("_", "").isalnum():
            raise AuditError(f"table name {name!r} in papers/{self.paper.key}/replicate.py: use letters, digits and _")
        decl = self.paper.tables.get(name)
        if caption is None and decl is None:
            raise MetadataError(PAPERS / self.paper.key / "paper.yaml", f"tables.{name}", "no caption for this table",
                                f"declare tables: {{{name}: {{caption: ...}}}} or pass a caption to add_table")
        settings = self.paper.protocol.settings
        caption = decl.caption.format(**settings, **fields) if caption is None else caption
        frame = shape_table(frame, decl, f"papers/{self.paper.key}/paper.yaml: tables.{name}")
        for quantity, summary in (decl.quantities if decl else {}).items():
            self.add_quantity(quantity, _summarise(frame, summary, settings,
                                                   f"papers/{self.paper.key}/paper.yaml: tables.{name}.quantities.{quantity}"))
        rows = frame.reset_index(drop=True)
        self.tables[name] = {"caption": caption, "columns": [str(c) for c in rows.columns],
                             "rows": [{str(k): _plain(v) for k, v in rec.items()} for rec in rows.to_dict("records")]}

    def add_extrapolation(self, fit: str, errors: dict, *, split_column: str = "", threshold: float = float("nan"),
                          n_fit: int = 0, n_held_out: int = 0, note: str = "") -> None:
        """Record an extrapolation check computed by a paper's own protocol (errors from checks.extrapolation)."""
        row = {"paper": self.paper.key, "fit": fit, "split_column": split_column, "threshold": float(threshold),
               "n_fit": int(n_fit), "n_held_out": int(n_held_out), "note": note}
        row.update({k: float(v) for k, v in errors.items()})
        self.extrapolation.append(row)

    def n_boot(self, spec: dict | None = None) -> int:
        """Bootstrap count for a spec (default: the protocol's): the override (N_BOOT) replaces a positive count,
        and a count of 0 (no bootstrap by design) stays 0."""
        n = int((self.paper.protocol.bootstrap if spec is None else spec).get("n", 0))
        n = self.n_boot_override if n > 0 and self.n_boot_override is not None else n
        return n if self.variant is None else min(n, self.variant.b)

    def add_health(self, fit: str, check: str, value, ok: bool | None, detail: str = "") -> None:
        """A fit-health row for a fit the script ran itself (same format and rules as Audit.fit's)."""
        self.health.append(health_row(self.paper.key, fit, check, value, ok, detail))

    def add_figure(self, path: Path, caption: str) -> None:
        """Register a figure the script wrote under self.out_dir / "figures"."""
        self.figures.append({"file": Path(path).name, "caption": caption})

    def objective_at(self, name: str, theta) -> float:
        """The criterion of fit ``name`` on its own points at other parameters ``theta`` (e.g. published constants),
        to set against its value at the refit's optimum."""
        law, rec = self.fitted[name][0], self.fits[name]
        frame = self.frames[name]
        X, y = self._arrays(frame, rec["inputs"], rec["target"], law, self._objectives[name])
        theta = np.asarray(theta, dtype=float)[None, :]
        return float(self._objectives[name].value(law, theta, X, y, np.ones_like(y))[0])

    def derive(self, name: str, derived: dict) -> None:
        """Declared derived quantities of a law fit: ``log`` {constant: name} adds name = ln(constant) with its
        replicates; ``at`` {inputs: {input: [values]}, name: template} adds the fit's prediction at each value
        (name filled with the input, e.g. "err_at_{x:.0e}") with bootstrap replicates of the prediction."""
        prefix = "" if name == "main" else f"{name}."
        unknown = sorted(set(derived) - {"log", "at"})
        if unknown:
            raise MetadataError(PAPERS / self.paper.key / "paper.yaml", f"fits[{name}].derived.{unknown[0]}",
                                "not a derived quantity of a law fit", "use log or at")
        for const, alias in derived.get("log", {}).items():
            q = self.quantities[prefix + const]
            self.add_quantity(prefix + alias, np.log(q.value), None if q.samples is None else np.log(q.samples),
                              self.fits[name]["n_points"])
        at = derived.get("at")
        if at:
            law, point, boot = self.fitted[name]
            (inp, values), = at["inputs"].items()
            for v in values:
                x = {inp: np.array([v])}
                self.add_quantity(prefix + at["name"].format(**{inp: v}), law.predict(point.theta, x)[0],
                                  None if boot is None else law.predict(boot.theta, x)[:, 0])

    def predict(self, name: str, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Predictions of the fit called ``name`` (its point estimate) at new inputs."""
        law, point = self.fitted[name][:2]
        return law.predict(np.asarray(point.theta, dtype=float).ravel(), {k: np.asarray(v, dtype=float) for k, v in inputs.items()})

    # -- fitting ----------------------------------------------------------------------------
    def fit(
        self,
        frame: pd.DataFrame,
        *,
        inputs: dict[str, str],
        target: str,
        name: str = "main",
        law: str | None = None,
        objective: dict | None = None,
        starts: dict | None = None,
        bootstrap: dict | None = None,
        extrapolation: dict | None = None,
        plot_against: str | None = None,
        figures: bool = True,
    ) -> dict:
        """Refit a law by the protocol (defaults from paper.yaml), bootstrap it, and run the checks on it (and draw its
        figures unless ``figures`` is false)."""
        proto = self.paper.protocol
        law_obj = get_law(law or self.paper.law.name)
        objective, starts = self._varied_choice(name, tuple(law_obj.params), dict(objective or proto.objective),
                                                dict(starts or proto.starts))
        objective_obj = make_objective(objective)
        nest = None if self.variant is None or name not in self.variant.warm else self.variant.nesting(law_obj.name)
        X, y = self._arrays(frame, inputs, target, law_obj, objective_obj)
        if nest is not None:  # the larger law of the family, from the main optimum embedded in it (laws/nesting.py)
            law_obj = get_law(nest.larger)
            self.varied.append(name)
            grid = nest.starts(self.variant.warm[name], X)
        else:
            grid = start_grid(law_obj.params, starts)
        boot_spec = dict(proto.bootstrap if bootstrap is None else bootstrap)
        extra_spec = proto.extrapolation if extrapolation is None else extrapolation
        light = self.variant is not None
        with stage("multi-start"):
            if light and name in self.variant.warm:  # from the main optimum beside the ranked grid
                warm, screen = self.variant.starts_with_optimum(name, grid, nest)
                point = fit_multistart(law_obj, objective_obj, X, y, warm, screen_iter=screen, keep_fraction=0.0,
                                       keep_min=RERUN_KEEP_STARTS, confirm=False)
            else:
                point = fit_multistart(law_obj, objective_obj, X, y, grid)
        certified, certified_row = None, None
        if not light:
            with stage("certified optimum"):
                certified, certified_row = certified_check(self.paper.key, name, law_obj, objective_obj, X, y, point, grid)
        prefix = "" if name == "main" else f"{name}."
        n = len(y)
        natural = {k: float(v) for k, v in law_obj.natural_params(point.theta).items()}
        n_boot = self.n_boot(boot_spec)
        record = {
            "law": law_obj.name,
            "formula": law_obj.formula,
            "objective": objective_obj.description,
            "inputs": inputs,
            "target": target,
            "n_points": n,
            "n_starts": int(grid.shape[0]),
            "point": point.as_dict(),
            "natural": natural,
        }
        if certified is not None:
            record["certified"] = certified
        samples_nat: dict[str, np.ndarray] = {}
        kind = "bootstrap percentile"
        errors = frame_errors(frame, inputs, target)
        perturbed = None
        if n_boot > 0:
            groups, unit = bootstrap_groups(frame, boot_spec, f"papers/{self.paper.key}")
            kind = f"bootstrap percentile over {unit}"
            boot = bootstrap_fit(law_obj, objective_obj, X, y, point, grid, n_boot=n_boot,
                                 seed=int(boot_spec.get("seed", 0)), n_jobs=self.n_jobs, groups=groups, unit=unit)
            samples_nat = {k: np.asarray(v) for k, v in law_obj.natural_params(boot.theta).items()}
            record["bootstrap"] = {
                "n": boot.n,
                "seed": boot.seed,
                "converged": int(boot.converged.sum()),
                "grid_refits": boot.n_grid_refits,
                "basin_changes": boot.n_basin_changes,
                "on_faces": boot.faces,
                "what": boot.description,
                "unit": boot_spec.get("unit", "points"),
            }
            if errors is not None and not light:
                with stage("digitisation error", whole=True):
                    record["digitisation_error"], perturbed = self._digitisation_error(
                        law_obj, objective_obj, X, y, point, grid, errors, boot, groups, unit, prefix)
        for k, v in natural.items():
            self.add_quantity(prefix + k, v, samples_nat.get(k), n, interval_kind=kind)
        derive = DERIVED.get(law_obj.name)
        if derive is not None:
            settings = proto.settings
            dpoint = derive({k: np.asarray(v) for k, v in natural.items()}, settings)
            dsamp = derive(samples_nat, settings) if samples_nat else {}
            for k, v in dpoint.items():
                self.add_quantity(prefix + k, float(v), dsamp.get(k), n, interval_kind=kind)
        if samples_nat and not light:
            with stage("profile intervals"):
                self.profiles += profile_rows(self.paper.key, name, prefix, law_obj, objective_obj, X, y, point,
                                              self.quantities, proto.settings)
        if samples_nat and name == "main" and coverage_k_setting() > 0 and not light:
            with stage("coverage study", whole=True):
                self.coverage += coverage_rows(self.paper.key, name, prefix, law_obj, objective_obj, X, y, point, derive,
                                               proto.settings, self._coverage_spec(boot_spec, prefix), kind,
                                               groups=groups, n_jobs=self.n_jobs)
        H = objective_hessian(law_obj, objective_obj, X, y, point.theta)
        self.health += fit_health_rows(self.paper.key, name, point, grid, H, samples_nat, natural)
        if certified_row is not None:
            self.health.append(certified_row)
        held, held_theta = None, None
        if extra_spec:
            held_grid, held_options = grid, {}
            if light:  # from the rerun fit's ranked starts and the main check's optimum
                held_grid, held_options = self.variant.held_out_starts(name, point, grid, nest)
            with stage("extrapolation refits"):
                held, held_theta = self._extrapolate(name, frame, extra_spec, law_obj, objective_obj, held_grid, X, y,
                                                     **held_options)
        if figures and self.draws:
            with stage("figures"):
                self._figures(name, law_obj, point.theta, X, y, frame, inputs, plot_against, held,
                              {k: samples_nat[k] for k in law_obj.natural_params(point.theta)} if samples_nat else {},
                              natural)
        self.fits[name] = record
        self.fitted[name] = (law_obj, point, boot if n_boot > 0 else None)
        self._objectives[name] = objective_obj
        self.recipes[name] = FitRecipe(name, law_obj.name, inputs, target, objective, starts, dict(boot_spec, n=n_boot), frame, X, y,
                                       np.asarray(point.theta, dtype=float).ravel(),
                                       point.screened if point.screened is not None and point.screened.shape == grid.shape else None,
                                       errors=errors.columns if errors is not None else (), perturbed=perturbed,
                                       held_theta=held_theta)
        return record

    def _varied_choice(self, name: str, params: tuple[str, ...], objective: dict, starts: dict) -> tuple[dict, dict]:
        """A fit's criterion and start axes under the paper-level variant (its own when the variant leaves it)."""
        if self.variant is None:
            return objective, starts
        new_objective, new_starts = self.variant.choice(params, objective, starts)
        if new_objective is not None or new_starts is not None:
            self.varied.append(name)
        return new_objective or objective, new_starts or starts

    def _digitisation_error(self, law, objective, X, y, point, grid, errors, boot, groups, unit, prefix) -> tuple[dict, np.ndarray]:
        """The fit's bootstrap again with every resample's points moved within their digitisation errors (the same
        resamples, refits and safeguard): how much that widens the 95% interval of each fitted and derived number
        (the record), and its replicates (for the multiverse's specification digitisation_error)."""
        pert = bootstrap_fit(law, objective, X, y, point, grid, n_boot=boot.n, seed=boot.seed, n_jobs=self.n_jobs,
                             groups=groups, unit=unit, errors=errors)

        def quantities(theta: np.ndarray) -> dict[str, np.ndarray]:
            nat = {k: np.asarray(v) for k, v in law.natural_params(theta).items()}
            derive = DERIVED.get(law.name)
            if derive is not None:
                nat.update({k: np.asarray(v, dtype=float) for k, v in derive(nat, self.paper.protocol.settings).items()})
            return {prefix + k: v for k, v in nat.items()}

        return {"n": pert.n, "seed": pert.seed, "errors": list(errors.columns), "what": pert.description,
                "grid_refits": pert.n_grid_refits, "converged": int(pert.converged.sum()),
                "rows": widening_rows(quantities(boot.theta), quantities(pert.theta))}, pert.theta

    def _coverage_spec(self, boot_spec: dict, prefix: str) -> CoverageSpec:
        """K and B from the settings; levels 95% and any level a claim on this fit states; the fit's seed."""
        levels = {0.95} | {float(c.interval.level) for c in self.paper.claims if c.interval is not None
                           and (c.quantity or "").startswith(prefix) and (prefix or "." not in (c.quantity or ""))}
        return CoverageSpec(coverage_k_setting(), coverage_b_setting(), tuple(sorted(levels)), int(boot_spec.get("seed", 0)))

    def run_fits(self, steps: dict[str, Callable] | None = None) -> dict[str, object]:
        """Run every fit declared under ``fits`` in paper.yaml, in order; ``steps`` holds the named preparation
        functions of replicate.py (called as step(frame, audit)). Returns fit name -> the fit's record (or IsoflopResult, or a dict of them per group)."""
        steps = steps or {}
        path = PAPERS / self.paper.key / "paper.yaml"
        out: dict[str, object] = {}
        for i, f in enumerate(self.paper.fits):
            frame = self._fit_table(f, i, path)
            law_name = self._declared_law(f, i, path)
            if f.data.prepare:
                step = steps.get(f.data.prepare, PREPARATIONS.get(f.data.prepare))
                if not callable(step):
                    raise MetadataError(path, f"fits[{i}].data.prepare", f"replicate.py has no preparation step "
                                        f"'{f.data.prepare}' and the library none of that name",
                                        suggest(f.data.prepare, sorted(set(steps) | set(PREPARATIONS))) +
                                        "define it in replicate.py and pass it to audit.run_fits")
                frame = step(frame, self)
            prepared = frame
            if f.data.where:
                frame = frame.query(f.data.where)
            self.frames[f.name] = frame
            if f.approach == "per_group":
                out[f.name] = self.fit_per_group(frame, f)
                continue
            if f.approach == "law":
                groups = [(f.name, frame)] if f.group_by is None else \
                    [(f.name.format(group="_".join(map(str, g)) if isinstance(g, tuple) else g), sub) for g, sub in frame.groupby(f.group_by, sort=False)]
                targets = (f.extrapolation or {}).get("targets")
                for name, sub in groups:
                    self.frames[name] = sub
                    out[name] = self.fit(sub, inputs=f.inputs, target=f.target, name=name, law=law_name,
                                         objective=f.objective, starts=f.starts, bootstrap=f.bootstrap,
                                         extrapolation={} if targets else f.extrapolation, plot_against=f.plot_against,
                                         figures=f.figures)
                    if targets:
                        self.score_targets(name, prepared[prepared[targets].to_numpy(dtype=bool)], f.extrapolation)
                    self.derive(name, f.derived)
                    if f.group_by is None:  # the multiverse's no_exclusion refits on the rows before data.where
                        self._record_selection(name, prepared, f.data.where, f.data.prepare)
                continue
            spec = dict(f.isoflop, bootstrap=f.bootstrap or {"n": 0}, extrapolation=f.extrapolation,
                        names=f.derived.get("names", {}))
            if "compute_budgets" in f.derived:
                spec["compute_budgets"] = f.derived["compute_budgets"]
            where = f"{path}: fits[{i}] ({f.name})"
            if f.group_by is None:
                out[f.name] = self.isoflop(frame, spec, name=f.name, where=where)
            else:
                out[f.name] = {g: self.isoflop(sub, spec, name=f.name, group=str(g), where=where,
                                               label="" if str(g) == f.unsuffixed else None)
                               for g, sub in frame.groupby(f.group_by, sort=False)}
                self.grouped[f.name] = {g: (r, "" if str(g) == f.unsuffixed else f".{g}") for g, r in out[f.name].items()}
        for c in self.paper.consistency:
            if "{group}" in c.law:  # a grouped law fit: one comparison per group, on that group's runs
                f = {d.name: d for d in self.paper.fits}.get(c.law)
                for g in ([] if f is None else self.frames[c.law].groupby(f.group_by, sort=False).groups):
                    label = "_".join(map(str, g)) if isinstance(g, tuple) else str(g)
                    self.compare_approaches(c.isoflop, c.law, group=label)
            else:
                self.compare_approaches(c.isoflop, c.law)
        return out

    def _record_selection(self, name: str, prepared: pd.DataFrame, where: str | None, prepare: str | None) -> None:
        """Keep a declared fit's prepared rows and its row selection with its recipe (for the no_exclusion refit)."""
        recipe = self.recipes[name]
        recipe.prepared, recipe.where, recipe.prepare = prepared, where, prepare

    def score_targets(self, name: str, targets: pd.DataFrame, spec: dict) -> dict:
        """Declared extrapolation by target rows (``targets``: a boolean column of the prepared data, rows the fit
        does not use): the fitted law predicts them, one extrapolation row with the in-sample error beside, and the
        held-out ARE as quantity ``spec['quantity']`` if named."""
        rec, runs = self.fits[name], self.frames[name]
        X = {k: targets[c].to_numpy(dtype=float) for k, c in rec["inputs"].items()}
        errors = extrapolation_errors(targets[rec["target"]].to_numpy(dtype=float), self.predict(name, X))
        own = self.predict(name, {k: runs[c].to_numpy(dtype=float) for k, c in rec["inputs"].items()})
        errors["in_sample_are"] = extrapolation_errors(runs[rec["target"]].to_numpy(dtype=float), own)["are"]
        self.add_extrapolation(name, errors, split_column=str(spec.get("column", spec["targets"])), n_fit=len(runs),
                               n_held_out=len(targets), note=str(spec.get("note", "")))
        if spec.get("quantity"):
            self.add_quantity(spec["quantity"], errors["are"])
        return errors

    def fit_per_group(self, frame: pd.DataFrame, f) -> pd.DataFrame:
        """A declared per_group fit (fitting/groups.py): the law fitted to every group on its fit rows and scored on
        its held-out rows by the shared fit_and_score; the mean errors are the fit's extrapolation row."""
        law = get_law(f.law or self.paper.law.name)
        extra, keys = dict(f.extrapolation or {}), [f.group_by] if isinstance(f.group_by, str) else list(f.group_by)
        if extra.get("targets"):  # fixed targets: rows flagged by this column are the held-out rows of every group
            flag = frame[extra["targets"]].to_numpy(dtype=bool)
            shared, rest = frame[flag], frame[~flag]
            frame = pd.concat([pd.concat([sub.assign(_held=False), shared.assign(_held=True, **dict(zip(keys, k)))])
                               for k, sub in rest.groupby(keys, sort=True)])
            extra["held_out"] = "_held"
        objective, starts = self._varied_choice(f.name, tuple(law.params), dict(f.objective or self.paper.protocol.objective),
                                                dict(f.starts or self.paper.protocol.starts))
        warm = None if self.variant is None else self.variant.group_warm.get(f.name)  # each group's main optimum
        if self.variant is not None and self.variant.reuses_groups(f.name, tuple(law.params), dict(f.objective or self.paper.protocol.objective),
                                                                   dict(f.starts or self.paper.protocol.starts)):
            res = self.variant.group_results[f.name].copy()  # the main run's fits: the variant changes none of them
        else:
            res = fit_groups(frame, keys, law, make_objective(objective), start_grid(law.params, starts), inputs=f.inputs,
                             target=f.target, held_out=extra["held_out"], source=f"papers/{self.paper.key}/paper.yaml",
                             n_jobs=self.n_jobs, extra_starts=warm, **f.options)
        self.per_group[f.name] = (res, [f.group_by] if isinstance(f.group_by, str) else list(f.group_by), law.name)
        if extra.get("record", True) is False:  # a sensitivity grid: its cells are a paper table, not one check
            return res
        ok = res["error"] == ""
        n_conv = int(res.loc[ok, "converged"].sum())
        errors = {k: res.loc[ok, k].mean() for k in ("are", "max_are", "rmse_log")}
        errors["in_sample_are"] = float("nan")
        self.add_extrapolation(f.name, errors, split_column=str(extra.get("column", extra["held_out"])),
                               n_fit=int(res["n_fit"].sum()), n_held_out=int(res["n_held_out"].sum()),
                               note=f"{law.name}: mean over {int(ok.sum())} curves of per-curve errors "
                                    f"({n_conv} fits converged, {int((~ok).sum())} failed)")
        self.add_health(f.name, "converged", n_conv, n_conv == len(res),
                        f"{n_conv} of {len(res)} per-curve fits met the stopping test"
                        + ("" if n_conv == len(res) else "; the others stopped at the iteration cap"))
        return res

    def wins(self, fits: list[str], error: str = "rmse_log", decimals: int | None = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Which per_group fit has the lowest held-out ``error`` on each group (truncated to ``decimals``, ties
        shared, a failed fit worst; checks/wins.py), with the share of wins bootstrapped over the protocol's unit.

        Adds quantities <fit>_win_share (with its interval), <fit>_wins and curves; returns the per-group table
        (keys, points, each fit's error, winners), the summary per fit and the share of each group's win per fit.
        """
        self.scored.append((error, decimals))
        if self.variant is not None:  # a scoring alternative of the paper-level multiverse (family_specs.py)
            error, decimals, changed = self.variant.score(error, decimals)
            self.varied += fits if changed else []
        res = [self.per_group[n][0] for n in fits]
        keys = self.per_group[fits[0]][1]
        if any(self.per_group[n][1] != keys or not r[keys].equals(res[0][keys]) for n, r in zip(fits, res)):
            raise AuditError(f"papers/{self.paper.key}: fits {fits} are not over the same groups; wins compare fits of one grouping")
        err = pd.DataFrame({n: r[error].where(r["error"] == "") for n, r in zip(fits, res)})
        shares = win_shares(err, decimals=decimals)
        n_boot, boot_spec = self.n_boot(), self.paper.protocol.bootstrap
        groups, unit = bootstrap_groups(res[0], boot_spec, f"papers/{self.paper.key}/paper.yaml")
        boot = resample_tasks(shares, n_boot, int(boot_spec.get("seed", 0)), groups) if n_boot > 0 else None
        for j, n in enumerate(fits):
            self.add_quantity(f"{n}_win_share", shares[n].mean(), None if boot is None else boot[:, j], len(shares),
                              interval_kind=f"bootstrap over {unit}")
            self.add_quantity(f"{n}_wins", shares[n].sum())
        self.add_quantity("curves", len(shares))
        table = res[0][keys + ["n_fit", "n_held_out"]].copy()
        for n in fits:
            table[f"{n}_{error}"] = err[n]
        table["winner"] = [" ".join(n for n in fits if row[n] > 0) for _, row in shares.iterrows()]
        summary = pd.DataFrame([{"estimator": n, "law": self.per_group[n][2], "curves": int((r["error"] == "").sum()),
                                 "converged": int(r.loc[r["error"] == "", "converged"].sum()),
                                 f"mean_{error}": r.loc[r["error"] == "", error].mean(),
                                 f"median_{error}": r.loc[r["error"] == "", error].median(),
                                 "wins": float(shares[n].sum()), "win_share": float(shares[n].mean())}
                                for n, r in zip(fits, res)])
        return table, summary, shares

    def predict_targets(self, fit: str, targets: pd.DataFrame, observed: str, *, inputs: dict | None = None,
                        run: str = "run", compute: str = "compute", xlabel: str = "training compute 6 N D (FLOP)",
                        note: str = "") -> pd.DataFrame:
        """Predict held-out target runs (rows of ``targets``) with a fitted law, from their own inputs or from given
        ``inputs`` (a chained prediction, e.g. from a predicted loss): one extrapolation row per target, a figure of
        the fitting runs with the targets, and per target its observed and predicted value, relative error in %,
        and its compute over the total compute of the fitting runs."""
        rec, runs = self.fits[fit], self.frames[fit]
        given = {k: np.asarray(v, dtype=float) for k, v in (inputs or {}).items()}
        X = {k: given.get(k, targets[c].to_numpy(dtype=float)) for k, c in rec["inputs"].items()}
        obs, pred = targets[observed].to_numpy(dtype=float), self.predict(fit, X)
        ratio = targets[compute].to_numpy(dtype=float) / runs[compute].sum()
        for j, label in enumerate(targets[run]):
            self.add_extrapolation(fit, extrapolation_errors([obs[j]], [pred[j]]), split_column="run", n_fit=len(runs),
                                   n_held_out=1, note=f"target {label}; {ratio[j]:.0f}x the compute of the fitting runs")
        path = self.out_dir / "figures" / f"{fit}_targets.png"
        own = self.predict(fit, {k: runs[c].to_numpy(dtype=float) for k, c in rec["inputs"].items()})
        if self.draws:
            with stage("figures"):
                fit_figure(path, np.r_[runs[rec["target"]], obs], np.r_[own, pred], np.r_[runs[compute], targets[compute]],
                           xlabel, np.r_[np.zeros(len(runs), bool), np.ones(len(obs), bool)],
                           title=f"{self.paper.key}: {fit}, fitting runs and predicted targets")
            self.add_figure(path, f"{fit}: the runs the law is fitted on and the predicted targets (red), observed "
                            f"against compute with the law's values, and observed against predicted{note}")
        return pd.DataFrame({"target run": list(targets[run]), "compute ratio": ratio, "observed": obs, "predicted": pred,
                             "relative error %": 100 * np.abs(pred - obs) / obs})

    def _declared_law(self, f, i: int, path: Path) -> str | None:
        """The law of a declared fit: its registered law, or that law with the parameters under ``fix`` held at
        values (given, or named from protocol.settings), registered under fix.name (laws/fixed.py)."""
        if not f.fix:
            return f.law
        values = f.fix.get("values")
        if isinstance(values, str):
            if values not in self.paper.protocol.settings:
                raise MetadataError(path, f"fits[{i}].fix.values", f"protocol.settings has no entry '{values}'",
                                    "name a settings entry holding parameter values, or give the values")
            values = self.paper.protocol.settings[values]
        if not isinstance(values, dict) or not f.fix.get("name"):
            raise MetadataError(path, f"fits[{i}].fix", "fix needs values (parameter -> value) and a name",
                                "e.g. fix: {values: {alpha: 0.34}, name: chinchilla_fixed_alpha}")
        return fix_params(get_law(f.law or self.paper.law.name), values, f.fix["name"], report=f.fix.get("report")).name

    def _fit_table(self, f, i: int, path: Path) -> pd.DataFrame | None:
        """The declared file of a fit; None when no file is named, the dataset has several and the preparation step
        loads the ones it needs (with Audit.table)."""
        if f.data.file is None and len(file_keys(f.data.dataset)) > 1:
            if not f.data.prepare:
                keys = file_keys(f.data.dataset)
                raise MetadataError(path, f"fits[{i}].data.file", f"dataset '{f.data.dataset}' has several files",
                                    f"name one of {keys}, or a preparation step that loads them")
            return None
        return self.table(f.data.dataset, f.data.file)

    def compare_approaches(self, isoflop: str, law: str, group: str | None = None) -> dict:
        """A row of the consistency table: Approach 2 (fit ``isoflop``) against Approach 3 (fit ``law``), paired;
        for a grouped law fit (``law`` named with {group}), on the runs of ``group``."""
        path = PAPERS / self.paper.key / "paper.yaml"
        decl = {f.name: f for f in self.paper.fits}
        for field, name in (("isoflop", isoflop), ("law", law)):
            if name not in decl or name not in self.frames:
                raise MetadataError(path, f"consistency.{field}", f"no declared fit '{name}' has run",
                                    suggest(name, sorted(decl)) + "name a fit declared under fits")
        f_law = decl[law]
        if group is not None:
            law = law.format(group=group)
        rec = self.fits.get(law, {}).get("bootstrap")
        prefix = "" if law == "main" else f"{law}."
        if rec is None or f"{prefix}a_alloc" not in self.quantities:
            raise MetadataError(path, "consistency.law", f"fit '{law}' has no bootstrap or no allocation exponent",
                                "compare against a law fit with a bootstrap whose law yields a_alloc")
        frame = self.frames[law]
        iso = {k: v for k, v in decl[isoflop].isoflop.items() if k != "through"}
        spec = spec_from(iso, f"{path}: fits[{isoflop}]")
        boot_spec = dict(self.paper.protocol.bootstrap if f_law.bootstrap is None else f_law.bootstrap)
        groups, _ = bootstrap_groups(frame, boot_spec, f"papers/{self.paper.key}")
        q3 = self.quantities[f"{prefix}a_alloc"]
        samples = resampled_exponents(frame, spec, rec["n"], rec["seed"], groups)
        dataset = f"{f_law.data.dataset}/{f_law.data.file or ''}".rstrip("/")
        if group is not None:
            dataset += f" ({f_law.group_by} {group})"
        a2 = isoflop_exponent(frame, spec)
        row = consistency_row(self.paper.key, dataset,
                              (f"Approach 2 ({isoflop})", f"Approach 3 ({law})"),
                              (a2, samples), (q3.value, q3.samples))
        self.consistency.append(row)
        # for claims: Approach 2's exponent on the law's resamples, and the paired difference (Approach 2 minus 3)
        name = f"consistency.{isoflop}_vs_{f_law.name.format(group='')}".rstrip("_") + ("" if group is None else f".{group}")
        kind = CONSISTENCY_KIND
        if group is None:  # what the consistency multiverse needs to redo Approach 2's side under its alternatives
            self.consistency_runs.append(ConsistencyRun(name, isoflop, law, frame, spec, int(rec["seed"]), groups,
                                                        float(q3.value), np.asarray(q3.samples, dtype=float)))
        self.add_quantity(f"{name}.a", a2, samples, len(frame), interval_kind=kind)
        self.add_quantity(f"{name}.difference", a2 - q3.value, samples - q3.samples, len(frame), interval_kind=kind).signed = True
        return row

    def isoflop(self, frame: pd.DataFrame, spec: dict, *, name: str = "main", group: str | None = None,
                where: str | None = None, label: str | None = None) -> IsoflopResult:
        """Approach 2 by a declared spec (protocols/isoflop.py): minima per budget, the power law through them, its
        bootstrap, the derived allocation at the protocol's compute budgets, and the extrapolation check.

        Quantities are named <name>.<quantity>.<group> (no name for the main fit, no group for an ungrouped one).
        """
        where = where or f"papers/{self.paper.key}/paper.yaml: fits[{name}]"
        decl = dict(spec)
        boot_spec = dict(decl.pop("bootstrap", {"n": 0}))
        extra = decl.pop("extrapolation", None)
        names = decl.pop("names", {})
        budgets = decl.pop("compute_budgets", self.paper.protocol.settings.get("compute_budgets", ()))
        iso = spec_from(decl, where)
        label = group if label is None else label
        prefix, suffix = ("" if name == "main" else f"{name}."), (f".{label}" if label else "")
        what = f"{where}{'' if group is None else f', group {group}'}"
        self.isoflop_runs.append(IsoflopRun(name, group, suffix, frame, iso, dict(boot_spec, n=self.n_boot(boot_spec)),
                                            tuple(float(b) for b in budgets), dict(names)))
        if iso.through:  # the power law through the minima as a law fit of the engine (e.g. compute_optimal)
            result = run_isoflop(frame, replace(iso, through={}), what=what)
            through = dict(iso.through)
            target = "N_star" if "N_star" in result.used else "x_opt"
            self.fit(result.used, name=name, inputs={"C": "budget"}, target=target, bootstrap={"n": 0},
                     extrapolation={}, plot_against="budget", **through)
            return result
        n_boot = self.n_boot(boot_spec)
        result = run_isoflop(frame, iso, n_boot=n_boot, seed=group_seed(boot_spec.get("seed", 0), group),
                             unit=boot_spec.get("unit", "none"), what=what)
        n, kind = result.n_points, result.description
        for k, (v, smp) in result.quantities(budgets, names).items():
            self.add_quantity(f"{prefix}{k}{suffix}", v, smp, n, kind)
        if self.variant is None and result.fit is not None and result.exponent_samples is not None:
            with stage("profile intervals"):  # the line's slope profile beside the bootstrap of the exponents
                def of_slope(a: float) -> dict[str, float]:  # the exponents as result.quantities names them
                    exps = dict(power_law_allocation(0.0, a, (), iso.optimum_of), **({names["exponent"]: a}
                                                                                   if names.get("exponent") else {}))
                    return {f"{prefix}{k}{suffix}": float(v) for k, v in exps.items()}

                self.profiles += line_profile_rows(self.paper.key, name, result.fit, of_slope,
                                                   self.quantities)
        thresholds = [] if not extra else np.atleast_1d(extra["threshold"])
        for threshold in thresholds:
            errors, sub, n_fit, n_held = extrapolate(result, float(threshold))
            self.add_extrapolation(f"{prefix}{extra.get('fit', 'a_alloc')}{suffix}", errors, split_column=iso.budget,
                                   threshold=float(threshold), n_fit=n_fit, n_held_out=n_held,
                                   note=str(extra.get("note", "")).format(exponent=sub.exponent))
        return result

    def power_law_row(self, result: IsoflopResult, quantity: str, *, label: str, key: str = "reproduction",
                      level: float = 0.95, digits: int = 4) -> dict:
        """A table row for an Approach-2 power law: budgets, exponent, its bootstrap and asymptotic intervals."""
        lo, hi = self.quantities[quantity].interval(level)
        alo, ahi = result.fit.exponent_interval(level)
        return {key: label, "quantity": quantity, "budgets": result.fit.n, "a": round(result.fit.exponent, digits),
                f"bootstrap {level:.0%} low": round(lo, digits), f"bootstrap {level:.0%} high": round(hi, digits),
                f"asymptotic {level:.0%} low": round(alo, digits), f"asymptotic {level:.0%} high": round(ahi, digits)}

    def power_law_table(self, name: str, result: IsoflopResult, labels: dict[str, str], level: float = 0.95) -> pd.DataFrame:
        """Rows of an Approach-2 fit's quantities (``labels``: quantity -> label): value, bootstrap and asymptotic
        intervals (the asymptotic ones treat the minima as exact; NaN where a quantity has none)."""
        decl = {f.name: f for f in self.paper.fits}[name]
        aliases = {v: k for k, v in decl.derived.get("names", {}).items()}
        budgets = decl.derived.get("compute_budgets", self.paper.protocol.settings.get("compute_budgets", ()))
        asym = asymptotic_intervals(result.fit, budgets, result.spec.optimum_of, level)
        prefix, rows = "" if name == "main" else f"{name}.", []
        for q, label in labels.items():
            lo, hi = self.quantities[prefix + q].interval(level)
            alo, ahi = asym.get(aliases.get(q, q), (float("nan"), float("nan")))
            rows.append({"quantity": label, "name": q, "value": self.quantities[prefix + q].value,
                         f"bootstrap {level:.0%} low": lo, f"bootstrap {level:.0%} high": hi,
                         f"asymptotic {level:.0%} low": alo, f"asymptotic {level:.0%} high": ahi})
        return pd.DataFrame(rows)

    def group_rows(self, fits: list[str], columns: list[str] = (), quantity: str = "a_alloc",
                   level: float = 0.95) -> pd.DataFrame:
        """One row per group of grouped Approach-2 fits, unrounded, for a declared table: the group, ``columns`` of its
        first point, and per fit its budgets, exponent a, R^2, the bootstrap interval of ``quantity`` and the
        asymptotic interval of a (the first fit's columns unprefixed, the others' prefixed '<fit>.')."""
        path = PAPERS / self.paper.key / "paper.yaml"
        missing = [n for n in fits if n not in self.grouped]
        if missing:
            raise MetadataError(path, f"fits[{missing[0]}]", "not a grouped isoflop fit that has run",
                                suggest(missing[0], sorted(self.grouped)) + "name a fit with approach isoflop and group_by")
        by = {f.name: f.group_by for f in self.paper.fits}[fits[0]]
        rows = []
        for g, (res, _) in self.grouped[fits[0]].items():
            rec = {by: g, **{c: res.used[c].iloc[0] for c in columns}}
            for name in fits:
                r, suffix = self.grouped[name].get(g, (None, ""))
                if r is None:
                    continue
                p = "" if name == fits[0] else f"{name}."
                lo, hi = self.quantities[f"{'' if name == 'main' else name + '.'}{quantity}{suffix}"].interval(level)
                alo, ahi = r.fit.exponent_interval(level)
                rec.update({f"{p}budgets": r.fit.n, f"{p}a": r.fit.exponent, f"{p}r2": r.fit.r2, f"{p}boot_low": lo,
                            f"{p}boot_high": hi, f"{p}asym_low": alo, f"{p}asym_high": ahi})
            rows.append(rec)
        return pd.DataFrame(rows)

    def allocation_rows(self, name: str, level: float = 0.95) -> pd.DataFrame:
        """The allocation N_opt, D_opt and tokens_per_param of every group of a grouped Approach-2 fit at each of its
        compute budgets, with bootstrap intervals ('<quantity> 95% low'), one row per budget and group."""
        decl = {f.name: f for f in self.paper.fits}[name]
        budgets = decl.derived.get("compute_budgets", self.paper.protocol.settings.get("compute_budgets", ()))
        prefix, rows = "" if name == "main" else f"{name}.", []
        for c in (float(b) for b in budgets):
            for g, (_, suffix) in self.grouped[name].items():
                rec = {"budget": c, decl.group_by: g}
                for q in ("N_opt", "D_opt", "tokens_per_param"):
                    quantity = self.quantities[f"{prefix}{q}@{c:.3g}{suffix}"]
                    rec[q] = quantity.value
                    rec[f"{q} {level:.0%} low"], rec[f"{q} {level:.0%} high"] = quantity.interval(level)
                rows.append(rec)
        return pd.DataFrame(rows)

    def steps_figure(self, stem: str, rows: pd.DataFrame, steps: list[str], *, series: str, at: str, label: str,
                     value: str = "a", low: str = "boot_low", high: str = "boot_high", stored: str | None = None,
                     references: dict[str, float] | None = None, order: list[str] | None = None,
                     ylabel: str | None = None, title: str | None = None, caption: str | None = None) -> None:
        """An exponent with its interval along a sequence of configurations (rows whose ``at`` is in ``steps``, in
        that order, labelled by ``label``), one line per value of ``series`` (in ``order`` if given), ``stored`` values
        as open markers and ``references`` as horizontal lines; text not given comes from paper.yaml's figures."""
        if not self.draws:
            return
        caption, title, ylabel = self.figure_text(stem, caption, title, ylabel)
        names = [rows.loc[rows[at] == s, label].iloc[0] for s in steps]
        lines, marks = {}, {}
        for name in order or list(dict.fromkeys(rows[series])):
            m = rows[rows[series] == name].set_index(at).reindex(steps)
            lines[name] = (m[value].to_numpy(dtype=float), m[low].to_numpy(dtype=float), m[high].to_numpy(dtype=float))
            if stored:
                marks[name] = m[stored].to_numpy(dtype=float)
        fig_dir = self.out_dir / "figures"
        with stage("figures"):
            f = exponent_steps_figure(fig_dir / f"{stem}.png", names, lines, references or {}, marks or None,
                                      ylabel=ylabel, title=title)
        self.add_figure(fig_dir / f, caption)

    def budget_table(self, result: IsoflopResult, level: float = 0.95) -> pd.DataFrame:
        """Per-budget quadratic minima of an Approach-2 fit, with each optimum's interval over its bootstrap."""
        x = "D* (tokens)" if result.spec.optimum_of == "D" else "N* (parameters)"
        per = result.minima.loc[result.minima["valid"], ["budget", "n_points", "x_opt", "loss_opt", "c2", "inside_range"]].copy()
        per["c2"] = per["c2"] * np.log(10) ** 2  # curvature per squared decade of x, easier to read
        q = np.nanquantile(result.boot.x_opt, [(1 - level) / 2, (1 + level) / 2], axis=0)
        per[f"{x[:2]} {level:.0%} low"], per[f"{x[:2]} {level:.0%} high"] = q[0], q[1]
        per["resamples without a minimum"] = (~np.isfinite(result.boot.x_opt)).sum(axis=0)
        return per.rename(columns={"budget": "budget (FLOP)", "n_points": "points", "x_opt": x, "loss_opt": f"loss at {x[:2]}",
                                   "c2": "curvature (loss per decade^2)", "inside_range": "minimum inside sampled range"})

    def curves_figure(self, stem: str, name: str, result: IsoflopResult, xlabel: str, ylabel: str, caption: str) -> None:
        """The points of each budget of a quadratic Approach-2 fit with the quadratic in log x and its minimum."""
        if not self.draws:
            return
        spec, curves = result.spec, []
        for (c, g), (_, m) in zip(self.frames[name].groupby(spec.budget, sort=True), result.minima.iterrows()):
            xs = np.geomspace(g[spec.size].min(), g[spec.size].max(), 100)
            u = np.log(xs) - m["centre"]
            curves.append(Curve(f"{c:.0e}", g[spec.size].to_numpy(), g[spec.loss].to_numpy(), xs,
                                m["c0"] + m["c1"] * u + m["c2"] * u**2, m["x_opt"], m["loss_opt"]))
        fig_dir = self.out_dir / "figures"
        f = isoflop_figure(fig_dir / f"{stem}.png", curves, xlabel, ylabel, f"{self.paper.key}: IsoFLOP curves")
        self.add_figure(fig_dir / f, caption)

    def figure_text(self, stem: str, caption: str | None, title: str | None, ylabel: str | None) -> tuple[str, str, str]:
        """Caption, title and y label of a figure: those given, else those declared under figures in paper.yaml."""
        decl = self.paper.figures.get(stem)
        if decl is None and caption is None:
            raise MetadataError(PAPERS / self.paper.key / "paper.yaml", f"figures.{stem}", "no caption for this figure",
                                f"declare figures: {{{stem}: {{caption: ..., title: ..., ylabel: ...}}}} or pass a caption")
        settings = self.paper.protocol.settings
        return (decl.caption.format(**settings) if caption is None else caption,
                decl.title if title is None else title, decl.ylabel if ylabel is None else ylabel)

    def optimum_figure(self, stem: str, lines: list[tuple[str, IsoflopResult]], ylabel: str | None = None,
                       title: str | None = None, caption: str | None = None, *, upto: float | None = None,
                       marks: list | None = None, level: float = 0.95) -> None:
        """Per-budget minima of Approach-2 fits with each power law and its bootstrap band (to ``upto`` if given);
        text not given comes from the figure's declaration in paper.yaml."""
        if not self.draws:
            return
        caption, title, ylabel = self.figure_text(stem, caption, title, ylabel)
        series = []
        for label, res in lines:
            C, x = res.used["budget"].to_numpy(dtype=float), res.used["x_opt"].to_numpy(dtype=float)
            sd = res.used[res.spec.sd].to_numpy(dtype=float) if res.spec.sd else None
            cc = np.geomspace(C.min(), upto or C.max(), 80 if upto else 50)
            band = None
            if res.exponent_samples is not None:
                curves = np.exp(res.log_coef_samples[:, None] + res.exponent_samples[:, None] * np.log(cc))
                q = np.nanquantile(curves, [(1 - level) / 2, (1 + level) / 2], axis=0)
                band = (q[0], q[1])
            series.append(Series(label, C, x, sd, cc, res.fit.predict(cc), band, marks=marks or []))
        fig_dir = self.out_dir / "figures"
        f = optimum_law_figure(fig_dir / f"{stem}.png", series, "compute C (FLOP)", ylabel, title)
        self.add_figure(fig_dir / f, caption)

    def _arrays(self, frame, inputs, target, law, objective):
        missing = [c for c in list(inputs.values()) + [target] if c not in frame.columns]
        if missing:
            raise DataError(f"papers/{self.paper.key}/replicate.py", missing[0], "the fit names a column the data lacks",
                            f"use one of {list(frame.columns)}")
        X = {k: frame[v].to_numpy(dtype=float) for k, v in inputs.items()}
        y = frame[target].to_numpy(dtype=float)
        needs_log = {inputs[k] for k in law.positive_inputs if k in inputs}
        if objective.space == "log":
            needs_log.add(target)
        for col in sorted(needs_log):
            values = frame[col].to_numpy(dtype=float)
            bad = ~(values > 0)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise DataError(f"data for papers/{self.paper.key}", col,
                                f"non-positive or missing value {values[i]!r} in row {i + 1}, but the fit takes its log",
                                "drop or correct the row in the replication script")
        return X, y

    def _extrapolate(self, name, frame, spec, law, objective, grid, X, y, **fit_options):
        """The extrapolation check of a fit: refit without the held-out rows, score them; the held-out mask and the
        check's optimum (None when the split leaves too few points)."""
        if "held_out" in spec:  # an explicit split: a boolean column of the frame, True = held out
            column, threshold = str(spec["held_out"]), float("nan")
            held = frame[column].to_numpy(dtype=bool)
            fit_mask = ~held
        else:
            column, threshold = spec["column"], float(spec["threshold"])
            fit_mask, held = split_by_threshold(frame[column].to_numpy(dtype=float), threshold)
        row = {"paper": self.paper.key, "fit": name, "split_column": column, "threshold": threshold,
               "n_fit": int(fit_mask.sum()), "n_held_out": int(held.sum())}
        theta = None
        if held.sum() == 0 or fit_mask.sum() <= law.n_params:
            row.update(are=float("nan"), max_are=float("nan"), rmse_log=float("nan"), note="split leaves too few points")
        else:
            scored = fit_and_score(law, objective, grid, {k: v[fit_mask] for k, v in X.items()}, y[fit_mask],
                                   {k: v[held] for k, v in X.items()}, y[held], **fit_options)
            theta = np.asarray(scored["_theta"], dtype=float)
            pred = law.predict(scored["_theta"], X)
            row.update({k: scored[k] for k in ("are", "max_are", "rmse_log")}, note="")
            row["in_sample_are"] = scored["in_sample_are"]
            xcol = spec.get("plot_against", column)
            split = f"runs below {threshold:.3g} ({column})" if "held_out" not in spec else f"runs where {column} is false"
            if self.draws:
                with stage("figures"):
                    f = extrapolation_figure(self.out_dir / "figures" / f"{name}_extrapolation.png", frame[xcol].to_numpy(dtype=float),
                                             y, pred, held, xcol, threshold, title=f"{self.paper.key}: {name} extrapolation")
                self.figures.append({"file": f, "caption": f"Extrapolation check ({name}): the law fitted on {split}, "
                                     "relative error on every run; held-out runs in red."})
        self.extrapolation.append(row)
        return held, theta

    def _figures(self, name, law, theta, X, y, frame, inputs, plot_against, held, samples, natural):
        fig_dir = self.out_dir / "figures"
        xcol = plot_against or list(inputs.values())[0]
        f1 = fit_figure(fig_dir / f"{name}_fit.png", y, law.predict(theta, X), frame[xcol].to_numpy(dtype=float), xcol,
                        held, title=f"{self.paper.key}: {law.name} fit ({name})")
        self.figures.append({"file": f1, "caption": f"Data against the fitted law ({name}); held-out runs of the extrapolation check in red."})
        if samples:
            f2 = bootstrap_figure(fig_dir / f"{name}_bootstrap.png", samples, natural, title=f"{name}")
            self.figures.append({"file": f2, "caption": f"Bootstrap distributions of the fitted constants ({name})."})

    # -- result -----------------------------------------------------------------------------
    def result(self) -> dict:
        return {
            "paper": self.paper.key,
            "status": "ok",
            "error": None,
            "version": __version__,
            "data": sorted(self.data_used.values(), key=lambda d: (d["dataset"], d["file"])),
            "fits": self.fits,
            "quantities": {k: q.summary() for k, q in sorted(self.quantities.items())},
            "claims": evaluate_claims(self.paper, self.quantities, self.health),
            "ci_width": add_calibrated_width(ci_width_rows(self.paper, self.quantities, self.points_fit), self.coverage),
            "extrapolation": self.extrapolation,
            "fit_health": self.health,
            "consistency": self.consistency,
            "figures": self.figures,
            "tables": self.tables,
            "profile": self.profiles,
            "coverage": self.coverage,
        }


def _summarise(frame: pd.DataFrame, summary, settings: dict, where: str) -> float:
    """The value of one declared table summary (metadata.paper.Summary) on a computed table."""
    if summary.column is not None and summary.column not in frame.columns:
        raise DataError(where, summary.column, "the summary names a column the table lacks", f"use one of {list(frame.columns)}")
    if summary.reduce in ("share", "count"):
        hits = frame.eval(summary.where.format(**settings)).to_numpy(dtype=bool)
        return float(hits.mean() if summary.reduce == "share" else hits.sum())
    return float(getattr(frame[summary.column], summary.reduce)())


def _plain(v):
    """JSON-friendly scalar for a table cell."""
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def _load_script(key: str) -> Callable[[Audit], None]:
    """The replicate(audit) function of papers/<key>/replicate.py (the key is checked, so the path stays in papers/)."""
    check_key(key)
    path = PAPERS / key / "replicate.py"
    if not path.is_file():
        raise MetadataError(path, None, "the paper has status 'replicated' but no replicate.py",
                            "write papers/<key>/replicate.py with a replicate(audit) function, or change the status")
    spec = importlib.util.spec_from_file_location(f"papers_{key.replace('-', '_')}_replicate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "replicate", None)):
        raise MetadataError(path, "replicate", "defines no replicate(audit) function", "define replicate(audit)")
    return module.replicate


def _check_axes(path: Path, starts: dict) -> None:
    """Each start-grid axis is a list of finite numbers or {start, stop, step} reaching stop in at most 10^6 steps."""
    for name, axis in starts.items():
        field = f"protocol.starts.{name}"
        if isinstance(axis, dict):
            if set(axis) != {"start", "stop", "step"}:
                raise MetadataError(path, field, f"an axis range needs exactly start, stop and step, got {sorted(axis)}",
                                    "write {start: ..., stop: ..., step: ...} or a list of values")
            try:
                a, b, d = (float(axis[k]) for k in ("start", "stop", "step"))
            except (TypeError, ValueError):
                raise MetadataError(path, field, "start, stop and step must be numbers", "write numbers") from None
            if not all(np.isfinite([a, b, d])) or d == 0 or (b - a) / d < 0 or (b - a) / d > 1e6:
                raise MetadataError(path, field, f"step {d:g} does not lead from {a:g} to {b:g} in at most 10^6 steps",
                                    "use a non-zero step of the sign of stop - start")
        elif isinstance(axis, list) and axis:
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in axis):
                raise MetadataError(path, field, "every value must be a finite number", "correct the list")
        else:
            raise MetadataError(path, field, f"expected a list of numbers or a range, got {axis!r}", "correct the axis")


def _preflight(paper: Paper) -> None:
    """Check the protocol's objective and start grid before the script runs, naming the paper.yaml field."""
    path = PAPERS / paper.key / "paper.yaml"
    proto = paper.protocol
    if proto is None:
        return
    if proto.objective is not None:
        delta = proto.objective.get("delta")
        if delta is not None and (isinstance(delta, bool) or not isinstance(delta, (int, float)) or not delta > 0):
            raise MetadataError(path, "protocol.objective.delta", f"delta {delta!r} must be a positive number",
                                "give the Huber threshold, e.g. 1.0e-3")
        try:
            make_objective(proto.objective)
        except (KeyError, TypeError, ValueError) as exc:
            raise MetadataError(path, "protocol.objective", str(exc).strip("'\""), "see replication/fitting/objectives.py") from None
    if proto.multiverse is not None:  # the shape of the multiverse block, before the script runs
        check_data_block(path, read_multiverse(path, {"multiverse": proto.multiverse}))
    if proto.starts is not None:
        _check_axes(path, proto.starts)
        if paper.law.name in known_laws():  # a start axis for no parameter of the law is a typo
            params = list(get_law(paper.law.name).params)
            for name in proto.starts:
                if name not in params:
                    raise MetadataError(path, f"protocol.starts.{name}", f"law '{paper.law.name}' has no parameter '{name}'",
                                        suggest(name, params) + f"its parameters are {', '.join(params)}")


def _unknown_quantities(paper: Paper, quantities: dict) -> None:
    """A claim naming a quantity the replication never produced is a metadata error, with a suggestion."""
    known = sorted(quantities)
    for c in paper.claims:
        if c.quantity is not None and c.quantity not in quantities:
            raise MetadataError(PAPERS / paper.key / "paper.yaml", f"claims[{c.id}].quantity",
                                f"the replication produces no quantity '{c.quantity}'",
                                suggest(c.quantity, known) + f"use one of: {', '.join(known) or '(none)'}")


def _data_problems_of(paper: Paper, data_problems: dict[str, list[str]] | None) -> None:
    """Refuse to run a paper whose datasets failed verification, quoting the first problem."""
    if not data_problems:
        return
    bad = [d for d in paper.datasets if data_problems.get(d)]
    if bad:
        raise UnusableData(f"papers/{paper.key} was not run: dataset(s) {', '.join(bad)} failed verification: "
                           f"{data_problems[bad[0]][0]}")


def _failed(key: str, reason: str, paper: Paper | None) -> dict:
    result = {"paper": key, "status": "failed", "error": reason, "version": __version__,
              "data": [], "fits": {}, "quantities": {}, "claims": [], "ci_width": [],
              "extrapolation": [], "fit_health": [], "figures": [], "tables": {}}
    if paper is not None:
        try:
            result["claims"] = evaluate_claims(paper, {})
        except Exception:  # the claims table is a courtesy here; the failure is already recorded
            result["claims"] = []
    return result


def run_paper(key: str, build: Path | None = None, n_boot: int | None = None, n_jobs: int | None = None,
              time_limit: float | None = None, data_problems: dict[str, list[str]] | None = None) -> dict:
    """Run one paper's audit and write build/<key>/result.json; any failure (bad metadata or data, a script that
    raises, exits, runs past the time limit or records values JSON cannot hold) is written as a failed result with
    a one-line reason, and never propagates."""
    key = check_key(key)
    out_dir = (build or BUILD) / key
    script = PAPERS / key / "replicate.py"
    paper, limit, override = None, DEFAULT_TIME_LIMIT, None
    try:
        override, n_jobs, limit = n_boot_setting(n_boot), jobs_setting(n_jobs), time_limit_setting(time_limit)
        with time_limit_of(limit):
            paper = load_paper(key)
            _data_problems_of(paper, data_problems)
            if paper.status != "replicated":
                result = Audit(paper, out_dir).result()
                result["status"] = paper.status
            else:
                _preflight(paper)
                audit = Audit(paper, out_dir, n_boot=override, n_jobs=n_jobs)
                returned = _load_script(key)(audit)
                if returned is not None:
                    raise MetadataError(script, "replicate", f"replicate(audit) returned a {type(returned).__name__}",
                                        "record results with audit.fit, audit.add_quantity or audit.add_table, and return None")
                _unknown_quantities(paper, audit.quantities)
                result = audit.result()
                with stage("multiverse", whole=True):
                    result["sensitivity"] = run_multiverse(paper, audit.recipes, audit.quantities, audit.health,
                                                           result["claims"], n_jobs, PAPERS / key / "paper.yaml",
                                                           read_yaml(PAPERS / key / "paper.yaml").get("protocol"))
                    add_isoflop_multiverse(result["sensitivity"], paper, audit.isoflop_runs, audit.recipes, audit.quantities,
                                           audit.health, result["claims"], n_jobs, PAPERS / key / "paper.yaml",
                                           read_yaml(PAPERS / key / "paper.yaml").get("protocol"))
                    protocol = read_yaml(PAPERS / key / "paper.yaml").get("protocol")
                    add_script_multiverse(result["sensitivity"], paper, result["claims"], audit.quantities,
                                          audit.health, audit.recipes, audit.per_group,
                                          variant_rerun, n_jobs, PAPERS / key / "paper.yaml",
                                          read_multiverse(PAPERS / key / "paper.yaml", protocol), override,
                                          scored=audit.scored)
                    add_consistency_multiverse(result["sensitivity"], paper, audit.consistency_runs, audit.quantities,
                                               audit.health, result["claims"], PAPERS / key / "paper.yaml", protocol)
            text = result_json(result)  # a value JSON cannot hold fails the paper here, with its place named
        # the page's figures, drawn from the whole result here beside the other papers; report work, so outside the
        # time limit the replication script runs under
        with stage("figures"):
            result[PAGE_FIGURES] = draw_page_figures(out_dir / "figures", json.loads(text))
    except (Exception, SystemExit, TimeLimitExceeded) as exc:  # a failed paper is a finding, not a crash of the whole audit
        reason = failure_reason(exc, key, script, limit)
        out_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out_dir / "traceback.txt", "".join(traceback.format_exception(exc)))
        result = _failed(key, reason, paper)
    else:
        (out_dir / "traceback.txt").unlink(missing_ok=True)
    made = fingerprint(key, paper.datasets if paper is not None else _datasets_of(key), data_problems or {}, override, limit)
    result["made"] = dict(made, code=code_version(), seeds=_seeds(paper, result))
    write_text_atomic(out_dir / "result.json", result_json(result))
    return result


def variant_rerun(key: str, variant: Variant, n_boot: int | None) -> dict:
    """The replication script rerun light under a paper-level variant (robustness/script_multiverse.py), in this
    process: the verdict rows of every claim and the fits the variant changed."""
    paper = load_paper(key)
    if variant.settings:  # changed protocol settings: every fit of the script may see other data
        paper = paper.model_copy(update={"protocol": paper.protocol.model_copy(
            update={"settings": {**paper.protocol.settings, **variant.settings}})})
    try:
        with tempfile.TemporaryDirectory() as tmp, inline_tasks():
            audit = Audit(paper, Path(tmp), n_boot=n_boot, n_jobs=1, variant=variant)
            _load_script(key)(audit)
    except Exception as exc:  # a choice the data cannot take (e.g. a log criterion on zeros) skips that choice only
        return {"error": failure_reason(exc, key, PAPERS / key / "replicate.py", 0), "varied": []}
    varied = list(audit.fits) + list(audit.per_group) if variant.settings else audit.varied
    return {"claims": evaluate_claims(paper, audit.quantities, audit.health), "varied": list(dict.fromkeys(varied))}


def record_failure(key: str, reason: str, build: Path | None = None, data_problems: dict | None = None,
                   override: int | None = None, limit: float = DEFAULT_TIME_LIMIT) -> dict:
    """Write a failed result for a paper whose run could not write one itself (its worker process died)."""
    key = check_key(key)
    try:
        paper = load_paper(key)
    except AuditError:
        paper = None
    result = _failed(key, reason, paper)
    made = fingerprint(key, paper.datasets if paper is not None else _datasets_of(key), data_problems or {}, override, limit)
    result["made"] = dict(made, code=code_version(), seeds=_seeds(paper, result))
    write_text_atomic((build or BUILD) / key / "result.json", result_json(result))
    return result


def _datasets_of(key: str) -> list[str] | None:
    """The datasets a paper lists, or None when its paper.yaml cannot be read."""
    try:
        return load_paper(key).datasets
    except AuditError:
        return None


def _seeds(paper: Paper | None, result: dict) -> dict[str, int]:
    """The bootstrap seed of the protocol and of every fit that ran a bootstrap."""
    seeds = {}
    if paper is not None and paper.protocol is not None and "seed" in paper.protocol.bootstrap:
        seeds["protocol"] = int(paper.protocol.bootstrap["seed"])
    for name, fit in result.get("fits", {}).items():
        if isinstance(fit, dict) and isinstance(fit.get("bootstrap"), dict) and "seed" in fit["bootstrap"]:
            seeds[name] = int(fit["bootstrap"]["seed"])
    return seeds

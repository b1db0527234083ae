"""The audit of one paper: what its replicate.py script calls, and what turns that into a result file.

A replication script defines ``replicate(audit)``; it loads data with ``audit.table``, prepares the
points, and calls ``audit.fit``, which refits the law by the paper's protocol (multi-start search,
bootstrap, derived quantities, extrapolation, fit health, figures). ``run_paper`` then evaluates the
claims and writes build/<key>/result.json, recording a failure as a failed result.
"""

from __future__ import annotations

import importlib.util
import traceback
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import __version__
from .checks.certified import certified_check
from .checks.ci_width import ci_width_rows
from .checks.claims import evaluate_claims
from .checks.extrapolation import extrapolation_errors, split_by_threshold
from .checks.coverage_check import add_calibrated_width, coverage_rows
from .checks.profile_agreement import profile_rows
from .checks.fit_health import fit_health_rows, health_row
from .checks.quantity import Quantity
from .data import load_dataset_meta, load_table
from .data.schema import read_yaml
from .errors import AuditError, DataError, MetadataError, TimeLimitExceeded, UnusableData
from .fingerprint import code_version, fingerprint
from .fitting import fit_multistart, make_objective, start_grid
from .fitting.hessian import objective_hessian
from .laws import get_law, known_laws
from .laws.allocation import DERIVED
from .metadata.paper import Paper, load_paper
from .isolation import failure_reason, time_limit as time_limit_of
from .paths import BUILD, PAPERS, check_key, suggest
from .report.figures import bootstrap_figure, extrapolation_figure, fit_figure
from .robustness.multiverse import FitRecipe, run_multiverse
from .results import result_json, write_text_atomic
from .settings import (DEFAULT_TIME_LIMIT, JOBS_ENV, N_BOOT_ENV, coverage_b_setting, coverage_k_setting, jobs_setting,
                       n_boot_setting, time_limit_setting)
from .timing import stage
from .uncertainty.bootstrap import bootstrap_fit
from .uncertainty.coverage import CoverageSpec
from .uncertainty.units import bootstrap_groups

__all__ = ["Audit", "run_paper", "N_BOOT_ENV", "JOBS_ENV"]


class Audit:
    """Collects fits, quantities and checks for one paper while its replication script runs."""

    def __init__(self, paper: Paper, out_dir: Path, n_boot: int | None = None, n_jobs: int = 1):
        self.paper = paper
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
        self.recipes: dict[str, FitRecipe] = {}  # what the multiverse needs to redo each fit

    # -- data -------------------------------------------------------------------------------
    def table(self, dataset: str, key: str | None = None) -> pd.DataFrame:
        """A validated data table; its checksum and upstream URL are recorded in the result."""
        if dataset not in self.paper.datasets:
            raise AuditError(f"papers/{self.paper.key}/paper.yaml does not list dataset '{dataset}' under datasets")
        spec = load_dataset_meta(dataset).file(key)
        frame = load_table(dataset, key)
        self.data_used[(dataset, spec.key)] = {"dataset": dataset, "file": spec.key, "sha256": spec.sha256, "url": spec.url}
        return frame

    # -- quantities -------------------------------------------------------------------------
    def add_quantity(self, name: str, value: float, samples: np.ndarray | None = None, n_points: float | None = None,
                     interval_kind: str = "bootstrap percentile") -> Quantity:
        """Register a replicated quantity (with bootstrap replicates if any) for the claims checks."""
        q = Quantity(float(value), None if samples is None else np.asarray(samples, dtype=float), interval_kind)
        self.quantities[name] = q
        if n_points is not None:
            self.points_fit[name] = float(n_points)
        return q

    def add_table(self, name: str, frame: pd.DataFrame, caption: str) -> None:
        """A paper-specific results table; the report writes it as report/tables/papers/<key>_<name>.{csv,md,tex}."""
        if not name.replace("_", "").isalnum():
            raise AuditError(f"table name {name!r} in papers/{self.paper.key}/replicate.py: use letters, digits and _")
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
        return self.n_boot_override if n > 0 and self.n_boot_override is not None else n

    def add_health(self, fit: str, check: str, value, ok: bool | None, detail: str = "") -> None:
        """A fit-health row for a fit the script ran itself (same format and rules as Audit.fit's)."""
        self.health.append(health_row(self.paper.key, fit, check, value, ok, detail))

    def add_figure(self, path: Path, caption: str) -> None:
        """Register a figure the script wrote under self.out_dir / "figures"."""
        self.figures.append({"file": Path(path).name, "caption": caption})

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
    ) -> dict:
        """Refit a law by the protocol (defaults from paper.yaml), bootstrap it, and run the checks on it."""
        proto = self.paper.protocol
        law_obj = get_law(law or self.paper.law.name)
        objective_obj = make_objective(objective or proto.objective)
        grid = start_grid(law_obj.params, starts or proto.starts)
        boot_spec = dict(proto.bootstrap if bootstrap is None else bootstrap)
        extra_spec = proto.extrapolation if extrapolation is None else extrapolation
        X, y = self._arrays(frame, inputs, target, law_obj, objective_obj)
        with stage("multi-start"):
            point = fit_multistart(law_obj, objective_obj, X, y, grid)
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
        for k, v in natural.items():
            self.add_quantity(prefix + k, v, samples_nat.get(k), n, interval_kind=kind)
        derive = DERIVED.get(law_obj.name)
        if derive is not None:
            settings = proto.settings
            dpoint = derive({k: np.asarray(v) for k, v in natural.items()}, settings)
            dsamp = derive(samples_nat, settings) if samples_nat else {}
            for k, v in dpoint.items():
                self.add_quantity(prefix + k, float(v), dsamp.get(k), n, interval_kind=kind)
        if samples_nat:
            with stage("profile intervals"):
                self.profiles += profile_rows(self.paper.key, name, prefix, law_obj, objective_obj, X, y, point,
                                              self.quantities, proto.settings)
        if samples_nat and name == "main" and coverage_k_setting() > 0:
            with stage("coverage study"):
                self.coverage += coverage_rows(self.paper.key, name, prefix, law_obj, objective_obj, X, y, point, derive,
                                               proto.settings, self._coverage_spec(boot_spec, prefix), kind,
                                               groups=groups, n_jobs=self.n_jobs)
        H = objective_hessian(law_obj, objective_obj, X, y, point.theta)
        self.health += fit_health_rows(self.paper.key, name, point, grid, H, samples_nat, natural)
        if certified_row is not None:
            self.health.append(certified_row)
        held = None
        if extra_spec:
            with stage("extrapolation refits"):
                held = self._extrapolate(name, frame, extra_spec, law_obj, objective_obj, grid, X, y)
        with stage("figures"):
            self._figures(name, law_obj, point.theta, X, y, frame, inputs, plot_against, held,
                      {k: samples_nat[k] for k in law_obj.natural_params(point.theta)} if samples_nat else {}, natural)
        self.fits[name] = record
        self.fitted[name] = (law_obj, point, boot if n_boot > 0 else None)
        self.recipes[name] = FitRecipe(name, law_obj.name, inputs, target, dict(objective or proto.objective),
                                       dict(starts or proto.starts), dict(boot_spec, n=n_boot), frame, X, y,
                                       np.asarray(point.theta, dtype=float).ravel(),
                                       point.screened if point.screened is not None and point.screened.shape == grid.shape else None)
        return record

    def _coverage_spec(self, boot_spec: dict, prefix: str) -> CoverageSpec:
        """K and B from the settings; levels 95% and any level a claim on this fit states; the fit's seed."""
        levels = {0.95} | {float(c.interval.level) for c in self.paper.claims if c.interval is not None
                           and (c.quantity or "").startswith(prefix) and (prefix or "." not in (c.quantity or ""))}
        return CoverageSpec(coverage_k_setting(), coverage_b_setting(), tuple(sorted(levels)), int(boot_spec.get("seed", 0)))

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

    def _extrapolate(self, name, frame, spec, law, objective, grid, X, y):
        if "held_out" in spec:  # an explicit split: a boolean column of the frame, True = held out
            column, threshold = str(spec["held_out"]), float("nan")
            held = frame[column].to_numpy(dtype=bool)
            fit_mask = ~held
        else:
            column, threshold = spec["column"], float(spec["threshold"])
            fit_mask, held = split_by_threshold(frame[column].to_numpy(dtype=float), threshold)
        row = {"paper": self.paper.key, "fit": name, "split_column": column, "threshold": threshold,
               "n_fit": int(fit_mask.sum()), "n_held_out": int(held.sum())}
        if held.sum() == 0 or fit_mask.sum() <= law.n_params:
            row.update(are=float("nan"), max_are=float("nan"), rmse_log=float("nan"), note="split leaves too few points")
        else:
            sub = fit_multistart(law, objective, {k: v[fit_mask] for k, v in X.items()}, y[fit_mask], grid)
            pred = law.predict(sub.theta, X)
            row.update(extrapolation_errors(y[held], pred[held]), note="")
            row["in_sample_are"] = extrapolation_errors(y[fit_mask], pred[fit_mask])["are"]
            xcol = spec.get("plot_against", column)
            split = f"runs below {threshold:.3g} ({column})" if "held_out" not in spec else f"runs where {column} is false"
            with stage("figures"):
                f = extrapolation_figure(self.out_dir / "figures" / f"{name}_extrapolation.png", frame[xcol].to_numpy(dtype=float),
                                     y, pred, held, xcol, threshold, title=f"{self.paper.key}: {name} extrapolation")
            self.figures.append({"file": f, "caption": f"Extrapolation check ({name}): the law fitted on {split}, "
                                 "relative error on every run; held-out runs in red."})
        self.extrapolation.append(row)
        return held

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
            "figures": self.figures,
            "tables": self.tables,
            "profile": self.profiles,
            "coverage": self.coverage,
        }


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
                with stage("multiverse"):
                    result["sensitivity"] = run_multiverse(paper, audit.recipes, audit.quantities, audit.health,
                                                           result["claims"], n_jobs, PAPERS / key / "paper.yaml",
                                                           read_yaml(PAPERS / key / "paper.yaml").get("protocol"))
            result_json(result)  # a value JSON cannot hold fails the paper here, with its place named
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

"""The numbers of the report's digitisation section, computed once and cached in build/digitised/validation.json
(keyed by the checksums of every input and the method version): agreement of the suite's digitisations with the
third-party ones, the Chinchilla refits on each calibration, and how digitisation error widens the intervals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks.digitised import agreement_rows, calibration_shift
from ..data import load_dataset_meta, load_table, resolve_file
from ..digitise import digitise_figure
from ..digitise.result import Digitisation
from ..digitise.spec import DigitiseSpec
from ..results import write_result
from .digitised_cache import CHINCHILLA_PAPERS, VERSION, cache_key, cache_path, is_current, n_replicates, validation_results

RELEASED, LABELS, CORRECTED = "released (Epoch)", "digitised, label calibration", "digitised, corrected y ticks"
HEADLINE = ["A", "B", "E", "alpha", "beta", "a_alloc", "b_alloc"]


def digitise_record(dataset: str, key: str) -> Digitisation:
    """Digitise one file of a digitised dataset record by its spec (the figure resolved and checked by sha256)."""
    meta = load_dataset_meta(dataset)
    spec = meta.file(key)
    return digitise_figure(resolve_file(dataset, spec), spec=DigitiseSpec.model_validate(spec.digitise or {}))


def _chinchilla(out: dict) -> None:
    labels = digitise_record("chinchilla-figure-4", "points")
    corrected = digitise_record("chinchilla-figure-4", "points_corrected_y")
    released = load_table("epoch-chinchilla", "points").rename(columns={"x": "x_fig", "y": "y_fig"})
    rows, _ = agreement_rows("Chinchilla Figure 4 (Besiroglu et al. points)", labels.points, released,
                                 [("N (parameters)", "y", "Model Size", "y_err"), ("C (FLOP)", "x", "Training FLOP", "x_err"),
                                  ("loss", "value", "loss", "value_err")], tol=0.5)
    out["agreement"] += rows
    out["calibrations"] = {
        "labels_y": [[t.position, t.value, t.label] for t in labels.y.ticks],
        "corrected_y": [[t.position, t.value] for t in corrected.y.ticks],
        "labels_x": [[t.position, t.value, t.label] for t in labels.x.ticks],
        "released_y_map": _released_map(released, "y_fig", "Model Size"),
        "released_x_map": _released_map(released, "x_fig", "Training FLOP"),
        "labels_y_residual": labels.y.residual,
    }

    def ncl(df, n, c, loss):
        return pd.DataFrame({"N": df[n].to_numpy(float), "C": df[c].to_numpy(float), "loss": df[loss].to_numpy(float)})

    sets = {RELEASED: ncl(released, "Model Size", "Training FLOP", "loss"),
            LABELS: ncl(labels.points, "y", "x", "value"), CORRECTED: ncl(corrected.points, "y", "x", "value")}
    shift = calibration_shift(sets, CHINCHILLA_PAPERS, baseline=RELEASED)
    out["shift"] = shift.to_dict(orient="records")
    out["widening"] = _widening()


def _released_map(df: pd.DataFrame, pos: str, value: str) -> list[float]:
    """log10(value) = a + b * position fitted to the released points: the calibration they were made with."""
    b, a = np.polyfit(df[pos].to_numpy(float), np.log10(df[value].to_numpy(float)), 1)
    return [float(a), float(b)]


def _widening() -> list[dict]:
    """95% interval widths of each paper's headline numbers on the released points: bootstrap alone, perturbation
    within the suite's digitisation errors alone, and both together (the errors the papers' fits carry: those of the
    matched digitised points, datasets/epoch-chinchilla/dataset.yaml errors_from)."""
    from ..data.digitised import matched_errors
    from ..data.preparations import chinchilla_points
    from ..fitting.multistart import fit_multistart
    from ..fitting.objectives import make_objective
    from ..fitting.starts import start_grid
    from ..laws.allocation import DERIVED
    from ..laws.base import get_law
    from ..metadata import load_paper
    from ..uncertainty.perturb import perturbation_refits
    from ..uncertainty.point_errors import PointErrors
    from ..uncertainty.widening import widening_rows

    spec = load_dataset_meta("epoch-chinchilla").file("points")
    pts = matched_errors(load_table("epoch-chinchilla", "points"), spec.errors_from, "datasets/epoch-chinchilla/dataset.yaml")
    pts = chinchilla_points(pts).query("fitted")  # the papers' own preparation: 240 points, D and its error
    N, D, loss = (pts[c].to_numpy(float) for c in ("Model Size", "D", "loss"))
    X = {"N": N, "D": D}
    errors = PointErrors({"N": pts["Model Size_err"].to_numpy(float), "D": pts["D_err"].to_numpy(float)},
                         pts["loss_err"].to_numpy(float))
    n = n_replicates()
    rows = []
    for key in CHINCHILLA_PAPERS:
        paper = load_paper(key)
        proto = paper.protocol
        law = get_law(paper.law.name)
        obj = make_objective(proto.objective)
        grid = start_grid(law.params, proto.starts)
        point = fit_multistart(law, obj, X, loss, grid)
        seed = int(proto.bootstrap.get("seed", 0))
        # Every kind is the suite's bootstrap (the same starts, candidates and safeguard), on the same resamples
        # with and without errors, so the comparison isolates what the digitisation error adds.
        kinds = {}
        for kind, e, boot in (("bootstrap", None, True), ("perturbation", errors, False), ("both", errors, True)):
            theta = perturbation_refits(law, obj, X, loss, point, grid, errors=e, n=n, seed=seed, with_bootstrap=boot).theta
            nat = {k: np.asarray(v) for k, v in law.natural_params(theta).items()}
            if DERIVED.get(law.name) is not None:
                nat.update({k: np.asarray(v) for k, v in DERIVED[law.name](nat, proto.settings).items()})
            kinds[kind] = {q: nat[q] for q in HEADLINE if q in nat}
        rows += [{"paper": key, "replicates": n, **r}
                 for r in widening_rows(kinds["bootstrap"], kinds["both"], alone=kinds["perturbation"])]
    return rows


def _llama(out: dict) -> None:
    d = digitise_record("llama3-figure-2", "points")
    ours = d.points[d.points["series"] != "minimum"].copy()
    ours["budget"] = ours["series"].astype(float)
    theirs = load_table("llama3-isoflops", "points").rename(columns={"x_page": "x_fig", "y_page": "y_fig"})
    rows, pairs = agreement_rows("Llama 3 Figure 2 (eric-czech points)", ours, theirs,
                                 [("training tokens", "x", "training_tokens", "x_err"), ("validation loss", "y", "validation_loss", "y_err"),
                                  ("IsoFLOP budget", "budget", "compute_budget", None)], tol=0.5)
    out["agreement"] += rows
    out["widening"] += _llama_widening(pairs)


def _llama_widening(pairs: pd.DataFrame) -> list[dict]:
    """The Llama 3 allocation exponent (D* ~ C^b over the per-budget quadratic minima, as in its replication):
    95% widths over the within-budget bootstrap, over perturbations within the digitiser's errors of the matched
    points, and over both (each replicate one bootstrap resample, the same with and without perturbation)."""
    from ..fitting.isoflop import bootstrap_quadratic_optima, budget_optima
    from ..fitting.loglog import fit_power_law
    from ..metadata import load_paper
    from ..uncertainty.point_errors import perturbed
    from ..uncertainty.widening import widening_rows

    key = "dubey2024llama"
    seed = int(load_paper(key).protocol.bootstrap.get("seed", 0))
    frame = pd.DataFrame({"C": pairs["theirs_compute_budget"].to_numpy(float),
                          "D": pairs["theirs_training_tokens"].to_numpy(float),
                          "L": pairs["theirs_validation_loss"].to_numpy(float)})
    d_err, l_err = pairs["ours_x_err"].to_numpy(float), pairs["ours_y_err"].to_numpy(float)
    n = n_replicates()
    rng = np.random.default_rng(np.random.SeedSequence(seed))

    def moved() -> pd.DataFrame:
        return frame.assign(D=perturbed(frame["D"], d_err, rng, True), L=perturbed(frame["L"], l_err, rng, True))

    def exponent(df: pd.DataFrame) -> float:
        m = budget_optima(df, "C", "D", "L", method="quadratic")
        m = m[m["valid"]]
        return float(fit_power_law(m["C"], m["x_opt"], what="llama3 minima").exponent)

    boot = [float(bootstrap_quadratic_optima(frame, "C", "D", "L", n_boot=1, seed=(seed, b)).exponent[0]) for b in range(n)]
    pert = [exponent(moved()) for _ in range(n)]
    both = [float(bootstrap_quadratic_optima(moved(), "C", "D", "L", n_boot=1, seed=(seed, b)).exponent[0])
            for b in range(n)]
    return [{"paper": key, "replicates": n, **r} for r in widening_rows({"b_alloc": np.array(boot)}, {"b_alloc": np.array(both)},
                                                                       alone={"b_alloc": np.array(pert)})]


def _point_sets(out: dict) -> None:
    """Every file of format digitised in datasets/*/dataset.yaml, digitised: its points and its record."""
    from ..data.schema import load_dataset_meta as meta_of
    from ..digitise.record import digitisation_record
    from ..paths import DATASETS

    for path in sorted(DATASETS.glob("*/dataset.yaml")):
        try:
            meta = meta_of(path.parent.name)
        except Exception:
            continue  # reported by verify-data
        for spec in meta.files:
            if spec.format != "digitised":
                continue
            try:
                d = digitise_record(meta.name, spec.key)
            except Exception as exc:  # one unreadable figure never stops the others
                out["errors"].append(f"{meta.name}/{spec.key}: {exc}")
                continue
            cols = [c for c in ("series", "x", "y", "value", "x_err", "y_err", "value_err") if c in d.points.columns]
            out["point_sets"].append({"dataset": meta.name, "file": spec.key, "figure": spec.upstream_path,
                                      "sha256": spec.sha256, "columns": cols,
                                      "rows": d.points[cols].to_dict(orient="records"),
                                      "record": digitisation_record(d)})


def compute(build: Path, reuse: bool = True) -> dict:
    """Compute the section's numbers (unless ``reuse`` and the cache is current) and write the cache; a failing
    part records its error and the others still run."""
    cache = cache_path(build)
    key = cache_key()
    if reuse and cache.exists():
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
            if cached.get("key") == key:
                return cached
        except (OSError, ValueError):
            pass
    out: dict = {"key": key, "version": VERSION, "point_sets": [], "agreement": [], "shift": [], "widening": [],
                 "errors": []}
    _point_sets(out)
    for name, part in (("Chinchilla Figure 4", _chinchilla), ("Llama 3 Figure 2", _llama)):
        try:
            part(out)
        except Exception as exc:  # one failing validation never stops the other or the report
            out["errors"].append(f"{name}: {type(exc).__name__}: {exc}")
    write_result(cache, out)
    return out


def pool_job(build: Path) -> tuple:
    """This step as a job of the paper pool of `replication run`: (status, error, seconds, stages)."""
    import time

    t0 = time.perf_counter()
    out = compute(build, reuse=False)
    error = "; ".join(out["errors"]) or None
    return ("ok" if error is None else "failed"), error, time.perf_counter() - t0, {}


def main() -> int:
    """`python -m replication.report.digitised_results`: the step `make` runs before the report."""
    from ..paths import BUILD

    current = is_current(BUILD)  # e.g. computed by `replication run` beside the papers, in its worker pool
    out = validation_results(BUILD) if current else compute(BUILD, reuse=False)
    for e in out["errors"]:
        print(f"digitised: {e}")
    print(f"digitised: {len(out['point_sets'])} point set(s), {len(out['agreement'])} validation row(s) "
          f"{'up to date in' if current else '->'} {cache_path(BUILD)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The report's section on digitised data: every digitised point set as a citable table with its provenance, the
digitiser's validation against third-party digitisations, the Chinchilla calibration finding, and how much the
digitisation error widens the intervals (also on each affected paper's page)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from ..results import write_text_atomic
from .digitised_cache import CHINCHILLA_PAPERS, validation_results
from .digitised_results import CORRECTED, HEADLINE, LABELS, RELEASED
from .pages import Page
from .tables import write_table

WHAT = (
    "Points read by the suite's digitiser (replication/digitise) from vector figures (SVG, or PDF pages): marker "
    "centres mapped to data units through each axis's calibration (tick labels read as text, paired with tick marks or "
    "grid lines where drawn; otherwise tick positions given in the dataset record), series grouped by marker style, "
    "values read off a colour bar where the marker colour encodes one. Errors per point: x_err and y_err combine the "
    "marker-centre ambiguity and the calibration residual; value_err bounds the colour-bar quantisation (the value "
    "lies between the nearest bar samples of other colours). Where tick positions are taken from label positions "
    "(no tick marks drawn), the record adds a label-anchoring error of 0.05 em per axis: a shift common to every "
    "point, not part of the per-point errors."
)


def _point_sets(out: Path, prov: dict, sets: list[dict]) -> pd.DataFrame:
    """Write tables/digitised/<dataset>_<file>.{csv,md,tex,yaml}; the summary rows."""
    rows = []
    for ps in sets:
        name, rec = f"{ps['dataset']}_{ps['file']}", ps["record"]
        here = dict(prov, data={**prov.get("data", {}), f"{ps['dataset']}/{ps['file']}": ps["sha256"]})
        cal = rec["calibration"]
        caption = (f"Points digitised from {ps['figure']} (sha256 {ps['sha256']}), page {rec['page']}, panel "
                   f"{', '.join(f'{v:.2f}' for v in rec['panel'])}; x {cal['x']['scale']} from {cal['x']['source']}, "
                   f"y {cal['y']['scale']} from {cal['y']['source']}"
                   + (f", value from a {cal['colour_bar']['scale']} colour bar" if "colour_bar" in cal else "")
                   + f"; record datasets/{ps['dataset']}/dataset.yaml")
        write_table(out / "tables" / "digitised", name, pd.DataFrame(ps["rows"], columns=ps["columns"]), caption, here)
        write_text_atomic(out / "tables" / "digitised" / f"{name}.yaml",
                          yaml.safe_dump(rec, sort_keys=False, allow_unicode=True, width=110))
        rows.append({"table": f"tables/digitised/{name}.csv", "figure": ps["figure"], "sha256": ps["sha256"][:12],
                     "points": len(ps["rows"]), "series": len(rec["points_per_series"]),
                     "x axis": f"{cal['x']['scale']}, {cal['x']['source']}, residual {cal['x']['residual']:.3g}",
                     "y axis": f"{cal['y']['scale']}, {cal['y']['source']}, residual {cal['y']['residual']:.3g}",
                     "colour bar": cal["colour_bar"]["scale"] if "colour_bar" in cal else "",
                     "legend glyphs left out": rec["legend_glyphs_left_out"]})
    return pd.DataFrame(rows)


def _columns(df: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """The columns in reading order (the cache stores them sorted), any others after."""
    if not len(df):
        return df
    return df[[c for c in order if c in df.columns] + [c for c in df.columns if c not in order]]


def _agreement_notes(agreement: pd.DataFrame, cal: dict) -> list[str]:
    """What the agreement numbers mean, in sentences computed from them."""
    notes = []
    c = agreement[agreement["quantity"] == "C (FLOP)"]
    if len(c) and cal.get("released_x_map") and cal.get("labels_x"):
        a, b = cal["released_x_map"]
        first = min(cal["labels_x"], key=lambda t: t[1])
        at = (float(f"{first[1]:e}".split("e")[1]) - a) / b
        notes.append(f"Chinchilla C: every point differs by the same factor (median relative difference "
                     f"{c['median_rel_diff'].iloc[0]:.4f}, largest {c['max_rel_diff'].iloc[0]:.4f}). The figure has no "
                     f"tick marks; the released calibration puts {first[2]} at {at:.3f}, the centre of its label is at "
                     f"{first[0]:.3f}, so the two calibrations differ by a shift of {first[0] - at:+.3f} units, within "
                     "the label-anchoring error the record states (a shift common to every point, not part of x_err).")
    t = agreement[agreement["quantity"] == "training tokens"]
    if len(t):
        notes.append(f"Llama 3: tokens agree to {t['max_rel_diff'].iloc[0]:.1e} relative at most, every budget "
                     "matches; the differences exceed the digitiser's own tiny error (its calibration is on the grid "
                     "lines, the third party's on the tick marks), so the 'within' share is not informative here.")
    return notes


def _pct(v: float) -> str:
    return f"{100 * v:+.1f}%"


def _finding(shift: pd.DataFrame, cal: dict) -> list[str]:
    """The calibration finding in sentences, every number from the refits."""
    lines = []
    if cal:
        label_y = {v: p for p, v, _ in cal["labels_y"]}
        corr_y = {v: p for p, v in cal["corrected_y"]}
        diffs = {v: corr_y[v] - label_y[v] for v in corr_y if v in label_y}
        worst = max(diffs, key=lambda v: abs(diffs[v]))
        a, b = cal["released_y_map"]
        lines.append(
            f"The y-axis labels of the SVG put 100e9 at {label_y.get(1e11, float('nan')):.3f} and 100e6 at "
            f"{label_y.get(1e8, float('nan')):.3f} (log fit residual {cal['labels_y_residual']:.3f}); the points as "
            f"released follow log10(N) = {a:.4f} {b:+.6f} y, which puts them at {(11 - a) / b:.3f} and "
            f"{(8 - a) / b:.3f}. The corrected tick set "
            f"differs from the labels by up to {diffs[worst]:+.3f} units (at {worst:.0e} parameters), which rescales "
            f"log N by {(cal['corrected_y'][0][0] - cal['corrected_y'][-1][0]) / (label_y[1e11] - label_y[1e8]):.4f} "
            "between the two end ticks.")
    move = f"move: {CORRECTED}"
    for key in CHINCHILLA_PAPERS:
        sub = shift[(shift["paper"] == key) & shift["quantity"].isin(HEADLINE)]
        if not len(sub):
            continue
        parts = [f"{r['quantity']} {r[RELEASED]:.4g} -> {r[CORRECTED]:.4g} ({_pct(r[move])})" for _, r in sub.iterrows()]
        lines.append(f"{key}, refitted by its protocol, released points -> corrected y ticks: " + "; ".join(parts) + ".")
    return lines


def digitised_section(out: Path, index: Page, pages: dict[str, Page], prov: dict, build: Path,
                      fitted: set[str] | None = None) -> None:
    """Write the digitised point sets and validation tables into ``out``, and add the section to the pages of the
    papers in the widening table that are not in ``fitted`` (the papers whose pages have it from their own fits)."""
    results = validation_results(build)
    index.heading("Digitised data points")
    index.text(WHAT)
    if results.get("missing"):
        index.text("Not computed for this build: `make` runs `python -m replication.report.digitised_results` "
                   "before the report (it writes build/digitised/validation.json).")
    sets = _point_sets(out, prov, results.get("point_sets", []))
    if len(sets):
        index.table(sets)
    for e in results.get("errors", []):
        index.text(f"Not computed: {e}")
    agreement = _columns(pd.DataFrame(results.get("agreement", [])),
                         ["figure", "quantity", "points_ours", "points_theirs", "matched", "median_rel_diff",
                          "max_rel_diff", "median_abs_diff", "max_abs_diff", "share_within_our_error"])
    if len(agreement):
        write_table(out / "tables", "digitised_validation", agreement,
                    "The digitiser against third-party digitisations, point by point (matched by figure position)", prov)
        index.heading("Validation against third-party digitisations", level=3)
        index.text("Each third-party point is matched to the digitiser's point at the same figure position (within 0.5 "
                   "units); differences are relative (median, largest) and absolute, and the share of matched points "
                   "whose difference is within the digitiser's own error estimate. Table: tables/digitised_validation.csv.")
        index.table(agreement)
        index.items(_agreement_notes(agreement, results.get("calibrations", {})))
    shift = _columns(pd.DataFrame(results.get("shift", [])),
                     ["paper", "quantity", RELEASED, LABELS, CORRECTED, f"move: {LABELS}", f"move: {CORRECTED}"])
    if len(shift):
        write_table(out / "tables", "digitised_calibration_shift", shift,
                    f"Chinchilla Approach 3 refitted on three point sets: {RELEASED}; {LABELS}; {CORRECTED}", prov)
        index.heading("Finding: the Chinchilla y-axis calibration", level=3)
        index.text("Hoffmann et al.'s and Besiroglu et al.'s laws refitted by each paper's protocol (papers/*/paper.yaml; "
                   "the 5 highest-loss points dropped, D = C / 6N) on the 245 points as released by Besiroglu et al., on "
                   "the suite's digitisation with the calibration read from the labels, and on the same digitisation "
                   "with the corrected y-axis ticks of the later re-extraction. Table: "
                   "tables/digitised_calibration_shift.csv (columns 'move' are relative to the released points).")
        index.items(_finding(shift, results.get("calibrations", {})))
        index.table(shift[shift["quantity"].isin(HEADLINE)])
    widening = _columns(pd.DataFrame(results.get("widening", [])),
                        ["paper", "quantity", "replicates", "width_bootstrap", "width_perturbation", "width_both",
                         "widening", "widening_mcse"])
    if len(widening):
        write_table(out / "tables", "digitised_widening", widening,
                    "95% interval widths: point bootstrap, perturbation within digitisation error, and both", prov)
        text = ("Intervals with digitisation error, on the third-party points the papers are fitted on: each "
                "replicate moves every point uniformly within the digitiser's per-point errors of the matched point "
                "(Chinchilla: N, D = C / 6N from the errors of N and C, loss from the colour-bar quantisation; the "
                "label-anchoring shift common to all points is left to the calibration finding of the report's "
                "section on digitised data; Llama 3: tokens and loss, the exponent b of D* ~ C^b over the per-budget "
                "quadratic minima, the within-budget bootstrap), alone or on the same bootstrap resamples as the "
                "bootstrap column; Chinchilla replicates are refitted by the suite's bootstrap, exactly as its "
                "resamples (the same starts, candidates and safeguard), so the comparison isolates the digitisation "
                "error. 'widening' is the relative change of the 95% width from the bootstrap alone, widening_mcse its "
                "Monte Carlo standard error (the replicate pairs redrawn with replacement).")
        index.heading("Digitisation error in the intervals", level=3)
        index.text(text + " Table: tables/digitised_widening.csv.")
        index.table(widening)
        for key in sorted(set(widening["paper"]) - set(fitted or ())):
            # the paper pages are already written: add the section and write them again (a paper whose own fits
            # carry the errors has the section from its result, with every replicate of its bootstrap)
            if key in pages:
                pages[key].heading("Digitisation error in the intervals")
                pages[key].text(text)
                pages[key].table(widening[widening["paper"] == key])
                write_text_atomic(out / "papers" / f"{key}.md", pages[key].markdown(root="../"))
                write_text_atomic(out / "papers" / f"{key}.html", pages[key].html(root="../"))

"""Command line: run paper audits, verify data, build the report, list papers, review a paper."""

from __future__ import annotations

import argparse
from pathlib import Path
import sys


def _count(text: str) -> int:
    """argparse type: a whole number >= 0 (a negative bootstrap count is an error, not 'no bootstrap')."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; give a count >= 0 (0 skips every bootstrap)")
    return value


def _workers(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError("give at least 1 worker")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("give seconds >= 0 (0 disables the limit)")
    return value


def parser() -> argparse.ArgumentParser:
    """The argument parser (one sub-command per action)."""
    from . import __version__

    p = argparse.ArgumentParser(prog="scaling-law-audit", description=__doc__)
    p.add_argument("--version", action="version", version=f"scaling-law-audit {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="audit papers (writes build/<key>/result.json); exits 1 if one failed")
    p_run.add_argument("keys", nargs="*", help="paper keys (default: every paper)")
    p_run.add_argument("--stale", action="store_true", help="run only papers whose result is missing or out of date")
    p_run.add_argument("--n-boot", type=_count, default=None, help="override the bootstrap count (e.g. for quick runs)")
    p_run.add_argument("--jobs", type=_workers, default=None, help="worker processes for bootstrap chunks")
    p_run.add_argument("--time-limit", type=_seconds, default=None, help="seconds one paper may take (default 300; 0: none)")
    p_run.add_argument("--stamp", default=None, help=argparse.SUPPRESS)  # make: the report-inputs digest file
    sub.add_parser("report", help="build report/ from the results in build/")
    sub.add_parser("list", help="list papers: metadata, result, status, whether out of date")
    sub.add_parser("failures", help="name every failed paper (exit 1 if any)")
    sub.add_parser("verify-data", help="resolve every dataset file and check its sha256")
    p_review = sub.add_parser("review", help="scaffold papers/<key>/ if new, validate it, write report/reviews/<key>.md")
    p_review.add_argument("key", help="the paper's bibtex key")
    p_dig = sub.add_parser("digitise", help="read the points of a vector figure (SVG or PDF page) into DIR/points.csv")
    p_dig.add_argument("figure", help="the figure file (.svg or .pdf), or a WebPlotDigitizer project (.json)")
    p_dig.add_argument("--page", type=int, default=None, help="PDF page, from 1")
    p_dig.add_argument("--panel", default=None, help="X0,Y0,X1,Y1: the plot to read, in figure units")
    p_dig.add_argument("--calibration", default=None, help="YAML file with ticks (position, value) per axis")
    p_dig.add_argument("--out", default=None, help="output folder (default: ./digitised)")
    p_dig.add_argument("--paper", default=None, help="write into papers/<key>/digitised/ (scaffolding the paper if new)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .errors import AuditError

    try:
        return _dispatch(args)
    except AuditError as exc:  # bad settings or keys: one line, no traceback
        print(f"scaling-law-audit {args.command}: {exc}", file=sys.stderr)
        return 2


def _report_jobs(build: Path) -> dict:
    """The report's out-of-date work that `run --stale` can do beside the papers: name -> job of the build folder."""
    from .report.digitised_cache import POOL_JOB, stale

    return {POOL_JOB: _digitisation_validation} if stale(build) else {}


def _digitisation_validation(build: Path) -> tuple:
    """The digitiser's validation as a job of the paper pool (its numerical stack imported in the worker only)."""
    from .report.digitised_results import pool_job

    return pool_job(build)


def _dispatch(args) -> int:
    if args.command == "run":
        from .runner import main_run

        return main_run(args.keys, args.stale, args.n_boot, args.jobs, args.time_limit, args.stamp, extra=_report_jobs)
    if args.command == "report":
        import time

        from . import paths, timing
        from .report.build import build_report

        t0 = time.perf_counter()
        path = build_report()
        timing.write_record(paths.BUILD / "timings.json", report=time.perf_counter() - t0)
        print(f"report written to {path}")
        return 0
    if args.command == "list":
        return _list()
    if args.command == "failures":
        from .runner import all_outcomes, failure_lines

        lines = failure_lines(all_outcomes())
        for line in lines:
            print(line, file=sys.stderr)
        if lines:
            print("the report shows each failure; fix them and run make again", file=sys.stderr)
        return 1 if lines else 0
    if args.command == "review":
        from .checklist.review import review_command
        from .paths import check_key

        return review_command(check_key(args.key, "paper key", "make review PAPER=<key>"))
    if args.command == "digitise":
        from .digitise_cli import digitise_command
        from .paths import check_key

        return digitise_command(args.figure, page=args.page, panel=args.panel, calibration=args.calibration,
                                out=args.out, paper=None if args.paper is None else check_key(args.paper, "paper key", "make review PAPER=<key> FIGURE=<pdf>"))
    if args.command == "verify-data":
        from .data.verify import verify_all

        return 0 if verify_all() else 1
    return 2


def _list() -> int:
    """One line per paper: metadata status, result status, whether the result is out of date."""
    from .data.verify import dataset_problems
    from .errors import AuditError
    from .metadata import load_paper, paper_keys
    from .paths import BUILD, is_key
    from .runner import staleness
    from .settings import n_boot_setting, time_limit_setting

    problems = dataset_problems()
    override, limit = n_boot_setting(), time_limit_setting()
    print(f"{'paper':32s} {'metadata':16s} {'result':16s} {'current':8s} title / problem")
    for key in paper_keys():
        if not is_key(key):
            print(f"{key!r:32s} {'bad folder name':16s}")
            continue
        try:
            p = load_paper(key)
            meta, title = p.status, f"{p.year} {p.title}"
        except AuditError as exc:
            meta, title = "INVALID", str(exc)
        result, why = staleness(key, BUILD, problems, override, limit)
        state = result["status"] if result else ("none" if why == "no result yet" else "unreadable")
        current = "-" if result is None else ("yes" if why is None else "no")
        print(f"{key:32s} {meta:16s} {state:16s} {current:8s} {title}" + (f"  [{why}]" if why and result else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

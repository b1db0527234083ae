"""Command line: run paper audits, verify data, build the report, review a paper."""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scaling-audit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="audit one or more papers (writes build/<key>/result.json)")
    p_run.add_argument("keys", nargs="*", help="paper keys (default: every paper)")
    p_run.add_argument("--n-boot", type=int, default=None, help="override the bootstrap count (e.g. for quick runs)")
    p_run.add_argument("--jobs", type=int, default=None, help="worker processes for bootstrap chunks")
    sub.add_parser("report", help="build report/ from the results in build/")
    sub.add_parser("list", help="list papers and their status")
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
    args = parser.parse_args(argv)

    if args.command == "run":
        from .audit import run_paper
        from .metadata import paper_keys

        # A failed paper is recorded in its result and shown in the report; the others still run, so the
        # exit status stays 0 and `make` goes on to build the report.
        failed = 0
        for key in args.keys or paper_keys():
            t0 = time.perf_counter()
            result = run_paper(key, n_boot=args.n_boot, n_jobs=args.jobs)
            took = time.perf_counter() - t0
            status = result["status"]
            print(f"{key}: {status} ({took:.1f} s)" + (f" -- {result['error']}" if result.get("error") else ""))
            failed += status == "failed"
        if failed:
            print(f"{failed} paper(s) failed; see the report")
        return 0
    if args.command == "report":
        from .report.build import build_report

        path = build_report()
        print(f"report written to {path}")
        return 0
    if args.command == "list":
        from .metadata import load_paper, paper_keys

        for key in paper_keys():
            p = load_paper(key)
            print(f"{key:32s} {p.year}  {p.status:16s} {p.title}")
        return 0
    if args.command == "review":
        from .checklist.review import review_command

        return review_command(args.key)
    if args.command == "digitise":
        from .digitise_cli import digitise_command

        return digitise_command(args.figure, page=args.page, panel=args.panel, calibration=args.calibration,
                                out=args.out, paper=args.paper)
    if args.command == "verify-data":
        from .data.verify import verify_all

        return 0 if verify_all() else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""The ``wsa-eval`` command line.

Exit codes (for pipelines): 0 success, 1 success with warnings, 2 errors (bad input). It
never prompts.

Commands available now:

* ``wsa-eval check data.csv --unit pfa --time year --outcome immediate_custody
  [--first-treated COL | --treated-unit NAME --start YEAR]``: the panel checks as a table.
* ``wsa-eval example gm --out DIR``: reproduces the Greater Manchester case study.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

import pandas as pd

from . import __version__
from .errors import WsaEvalError

EXIT_OK, EXIT_WARN, EXIT_ERROR = 0, 1, 2


def _read_table(path: str) -> pd.DataFrame:
    try:
        if path.lower().endswith((".xlsx", ".xls")):
            return pd.read_excel(path)
        return pd.read_csv(path)
    except FileNotFoundError:
        raise WsaEvalError(f"File not found: {path}") from None
    except Exception as exc:  # parser errors: say which file
        raise WsaEvalError(f"Could not read {path} as CSV: {exc}") from None


def _cmd_check(args: argparse.Namespace) -> int:
    from .panel import validate_panel

    data = _read_table(args.data)
    kw = {}
    if args.first_treated:
        kw["first_treated"] = args.first_treated
    if args.treated_unit:
        if args.start is None:
            raise WsaEvalError("--treated-unit needs --start (the first treated period).")
        kw["treated_units"] = args.treated_unit
        kw["start"] = args.start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = validate_panel(data, unit=args.unit, time=args.time, outcome=args.outcome,
                                balanced=not args.allow_unbalanced, raise_on_error=False, **kw)
    print(report.summary())
    if not report.ok:
        print("\nResult: the data fail the checks marked 'error' above. Fix them and run again.")
        return EXIT_ERROR
    if report.has_warnings:
        print("\nResult: the data pass, with warnings to read above.")
        return EXIT_WARN
    print("\nResult: the data pass every check.")
    return EXIT_OK


def _cmd_example(args: argparse.Namespace) -> int:
    from .casestudy import run_greater_manchester

    result = run_greater_manchester(out=args.out, reps=args.reps, random_state=args.seed,
                                    alpha=args.alpha, progress=not args.no_progress)
    print(result.headline_text())
    return EXIT_WARN if result.warnings else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wsa-eval",
        description="Evaluate a Whole System Approach or diversion scheme for women from a CSV "
                    "of areas by year. Exit codes: 0 ok, 1 warnings, 2 errors.",
    )
    p.add_argument("--version", action="version", version=f"wsa_eval {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="check a data file before analysis",
                       description="Check a CSV of areas by period: duplicates, missing or "
                                   "non-numeric values, missing years, treatment timing.")
    c.add_argument("data", help="CSV file, one row per area and period")
    c.add_argument("--unit", required=True, help="column naming the area (e.g. pfa)")
    c.add_argument("--time", required=True, help="column with the period (e.g. year)")
    c.add_argument("--outcome", required=True, help="column with the outcome to evaluate")
    c.add_argument("--first-treated", help="column with each area's first treated year "
                                           "(0 or empty = never treated)")
    c.add_argument("--treated-unit", help="name of the treated area (with --start)")
    c.add_argument("--start", type=float, help="first treated period of --treated-unit")
    c.add_argument("--allow-unbalanced", action="store_true",
                   help="accept areas missing some periods (reported as a warning)")
    c.set_defaults(func=_cmd_check)

    e = sub.add_parser("example", help="run a worked example",
                       description="Reproduce a worked example with the data shipped in "
                                   "wsa_eval.")
    e.add_argument("name", choices=["gm"], help="gm: the Greater Manchester custody claim")
    e.add_argument("--out", default="gm_report", help="folder for the report (default gm_report)")
    e.add_argument("--seed", type=int, default=2014, help="random seed (default 2014)")
    e.add_argument("--reps", type=int, default=500, help="bootstrap/placebo repetitions")
    e.add_argument("--alpha", type=float, default=0.05, help="1 - confidence level")
    e.add_argument("--no-progress", action="store_true", help="hide progress bars")
    e.set_defaults(func=_cmd_example)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except WsaEvalError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

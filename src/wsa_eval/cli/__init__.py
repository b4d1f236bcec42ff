"""The ``wsa-eval`` command line.

Exit codes (for pipelines): 0 success, 1 success with warnings, 2 errors (bad input). It
never prompts. Progress bars appear only when stderr is a terminal. Text is wrapped to the
terminal's width (at most 100 columns; 80 when output goes to a file or a pipe).

Commands (one module each):

* ``wsa-eval check data.csv --unit pfa --time year --outcome immediate_custody
  [--first-treated COL | --treated-unit NAME --start YEAR]``, or ``wsa-eval check
  study.toml``: the panel checks (:mod:`.check`).
* ``wsa-eval init [PATH]``: writes a commented configuration template (:mod:`.init`).
* ``wsa-eval run config.toml --out DIR``: validates the configuration and the data, runs the
  designs, writes ``report.html``, ``report.md``, ``results.json``, ``tables/*.csv`` and
  ``figures/*.png`` into ``DIR`` and prints the headline (:mod:`.run`).
* ``wsa-eval example gm --out DIR``: reproduces the Greater Manchester case study
  (:mod:`.example`).

``run`` and ``example`` refuse an output folder that already holds files unless given
``--force``, and write into a temporary folder moved into place only when everything
succeeded. Common flags: ``--seed``, ``--reps``, ``--alpha``, ``--no-progress``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import WsaEvalError
from ._output import error_text, print_error

EXIT_OK, EXIT_WARN, EXIT_ERROR = 0, 1, 2

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_WARN", "EXIT_ERROR"]


def _add_common(p: argparse.ArgumentParser, defaults: bool) -> None:
    p.add_argument("--seed", type=int, default=2014 if defaults else None,
                   help="random seed; the same seed gives the same numbers"
                        + (" (default 2014)" if defaults else " (overrides [study] seed)"))
    p.add_argument("--reps", type=int, default=200 if defaults else None,
                   help="bootstrap / placebo repetitions where a design resamples (more = "
                        "slower, steadier; the claim check uses every placebo area, exactly)"
                        + (" (default 200)" if defaults else "; overrides [study] reps"))
    p.add_argument("--alpha", type=float, default=0.05 if defaults else None,
                   help="1 - confidence level: 0.05 gives 95%% intervals"
                        + ("" if defaults else "; overrides [study] alpha"))
    p.add_argument("--no-progress", action="store_true",
                   help="hide progress bars (they are shown only on a terminal anyway)")
    p.add_argument("--force", action="store_true",
                   help="replace the --out folder if it already has files")


def _add_check(sub: argparse._SubParsersAction) -> None:
    from .check import cmd_check

    c = sub.add_parser(
        "check", help="check a data file (or a configuration's data) before analysis",
        description="Check a table of areas by period: duplicates, missing or non-numeric "
                    "values, suppressed cells, missing periods, unit names spelt two ways, "
                    "treatment timing. Give a data file with the column flags, or a "
                    "configuration file (.toml) to make exactly the checks `wsa-eval run` "
                    "makes. Exit codes: 0 ok, 1 warnings, 2 errors.")
    c.add_argument("data", help="CSV (comma, semicolon or tab separated) or Excel file, one "
                                "row per area and period; or a configuration file (.toml)")
    c.add_argument("--unit", help="column naming the area (e.g. pfa)")
    c.add_argument("--time", help="column with the period: a year (2014), financial year "
                                  "(2015/16), quarter (2019 Q1) or month (2019-03)")
    c.add_argument("--outcome", help="column with the outcome to evaluate")
    c.add_argument("--first-treated", help="column with each area's first treated period "
                                           "(0 or empty = never treated)")
    c.add_argument("--treated-unit", help="name of the treated area (with --start)")
    c.add_argument("--start", help="first treated period of --treated-unit (as a number, or "
                                   "as the data spell it, e.g. 2016/17)")
    c.add_argument("--exclude", action="append", default=[], metavar="AREA",
                   help="leave an area out of the checks (may be repeated)")
    c.add_argument("--allow-unbalanced", action="store_true",
                   help="accept areas missing some periods (reported as a warning)")
    cnt = c.add_mutually_exclusive_group()
    cnt.add_argument("--outcome-is-count", dest="outcome_is_count", action="store_true",
                     default=None, help="the outcome counts people (must be whole numbers, "
                                        "not negative)")
    cnt.add_argument("--outcome-is-not-count", dest="outcome_is_count", action="store_false",
                     help="the outcome is not a count of people (default: inferred; whole "
                          "numbers are read as a count)")
    c.add_argument("--scale", choices=["log", "level"],
                   help="the claim check's scale: log (percentage changes; zeros and "
                        "negative values are errors) or level (default: zeros and negative "
                        "values are a warning, since the claim check uses log unless told)")
    c.set_defaults(func=cmd_check)


def build_parser() -> argparse.ArgumentParser:
    from .example import cmd_example
    from .init import cmd_init
    from .run import cmd_run

    p = argparse.ArgumentParser(
        prog="wsa-eval",
        description="Evaluate a Whole System Approach or diversion scheme for women from a CSV "
                    "of areas by year. Exit codes: 0 ok, 1 warnings, 2 errors.",
    )
    p.add_argument("--version", action="version", version=f"wsa_eval {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    _add_check(sub)

    i = sub.add_parser(
        "init", help="write a commented configuration template",
        description="Write a configuration template (TOML) with every design explained in "
                    "comments. Edit it, then run `wsa-eval check FILE` and `wsa-eval run FILE "
                    "--out DIR`. An existing file is never overwritten unless you add --force.")
    i.add_argument("path", nargs="?", default="wsa-eval.toml",
                   help="file to write (default wsa-eval.toml; a folder gets wsa-eval.toml)")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.set_defaults(func=cmd_init)

    r = sub.add_parser(
        "run", help="run an evaluation from a configuration file and write the report",
        description="Check the configuration and the data, run the designs it names, and "
                    "write report.html (one file, figures inside), report.md, results.json, "
                    "tables/*.csv and figures/*.png into --out. Prints the headline. Nothing "
                    "is written if anything fails. Exit codes: 0 ok, 1 finished with "
                    "warnings (read them), 2 error (the message says what to fix).",
        epilog="Start from a template: wsa-eval init my-study.toml")
    r.add_argument("config", help="configuration file (TOML), e.g. from `wsa-eval init`")
    r.add_argument("--out", required=True, help="folder for the report (must be new or "
                                                "empty unless --force)")
    _add_common(r, defaults=False)
    r.set_defaults(func=cmd_run)

    e = sub.add_parser("example", help="run a worked example",
                       description="Reproduce a worked example with the data shipped in "
                                   "wsa_eval.")
    e.add_argument("name", choices=["gm"], help="gm: the Greater Manchester custody claim")
    e.add_argument("--out", default="gm_report",
                   help="folder for the report (default gm_report; must be new or empty "
                        "unless --force)")
    _add_common(e, defaults=True)
    e.set_defaults(func=cmd_example)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except WsaEvalError as exc:
        print_error(error_text(exc, getattr(args, "advice_style", None)))
        return EXIT_ERROR
    except Exception as exc:  # a bug, not the user's input: still exit 2, no traceback wall
        import os
        import traceback

        if os.environ.get("WSA_EVAL_DEBUG"):
            traceback.print_exc()
        print_error(f"unexpected {type(exc).__name__}: {exc}. This is probably a bug in "
                    "wsa_eval: please report it with the command you ran (set "
                    "WSA_EVAL_DEBUG=1 to see the details).")
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

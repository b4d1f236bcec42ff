"""``wsa-eval check``: the panel checks, as ``run`` and Python make them.

Two forms:

* ``wsa-eval check data.csv --unit pfa --time year --outcome custody [timing flags]``: the
  checks of :func:`wsa_eval.panel.validate_panel` with the flags as its arguments;
* ``wsa-eval check study.toml``: the checks ``wsa-eval run study.toml`` makes before
  estimating, design by design, without estimating.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

from ..errors import WsaEvalError
from ._output import CHECK_STYLE, print_panel_report, run_style, say

EXIT_OK, EXIT_WARN, EXIT_ERROR = 0, 1, 2


def cmd_check(args: argparse.Namespace) -> int:
    if str(args.data).lower().endswith(".toml"):
        return _check_config(args)
    args.advice_style = CHECK_STYLE
    return _check_file(args)


def _check_file(args: argparse.Namespace) -> int:
    from ..io import read_table
    from ..panel import validate_panel

    for flag in ("unit", "time", "outcome"):
        if getattr(args, flag) is None:
            raise WsaEvalError(f"check {args.data} needs --unit, --time and --outcome (the "
                               "columns naming the area, the period and the outcome); "
                               f"--{flag} is missing.")
    table = read_table(args.data)
    data = table.data
    _need_flag_columns(data, args, Path(args.data).name)
    kw: dict = {}
    if args.first_treated:
        kw["first_treated"] = args.first_treated
    if args.treated_unit:
        if args.start is None:
            raise WsaEvalError("--treated-unit needs --start (the first treated period).")
        kw["treated"] = args.treated_unit
        kw["start"] = args.start
    elif args.start is not None:
        raise WsaEvalError("--start needs --treated-unit (the area treated from then).")
    if args.exclude:
        missing = [a for a in args.exclude if a not in set(data[args.unit])] \
            if args.unit in data.columns else []
        if missing:
            raise WsaEvalError(f"--exclude names area(s) not in the {args.unit!r} column: "
                               f"{', '.join(map(repr, missing))}.")
        if args.unit in data.columns:
            data = data[~data[args.unit].isin(args.exclude)]
    log_outcome = {None: None, "log": True, "level": False}[args.scale]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = validate_panel(data, unit=args.unit, time=args.time, outcome=args.outcome,
                                balanced=not args.allow_unbalanced, raise_on_error=False,
                                outcome_is_count=args.outcome_is_count,
                                log_outcome=log_outcome, **kw)
    for note in table.notes:
        say(note)
    print_panel_report(report, CHECK_STYLE, f"Panel checks: {Path(args.data).name}")
    return _verdict([report])


def _need_flag_columns(data: Any, args: argparse.Namespace, name: str) -> None:
    """Every column named by a flag exists, else an error naming the flag."""
    from ..errors import ColumnError, format_examples
    from ._inputs import column_hint

    cols = [str(c) for c in data.columns]
    for flag in ("unit", "time", "outcome", "first_treated"):
        col = getattr(args, flag)
        if col is not None and col not in data.columns:
            raise ColumnError(
                f"Column {col!r} (--{flag.replace('_', '-')}) is not in {name}."
                f"{column_hint(col, cols)} The file has the columns "
                f"{format_examples(cols, 20)}.")


def _check_config(args: argparse.Namespace) -> int:
    from ..config import load_config
    from .run import prepare_inputs

    cfg = load_config(args.data)
    args.advice_style = run_style(cfg.designs[0] if len(cfg.designs) == 1 else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inputs, notes = prepare_inputs(cfg)
    for note in notes:
        say(note)
    if not inputs:
        say(f"{Path(args.data).name} has no panel design to check (only [reoffending]).")
        return EXIT_OK
    for design, inp in inputs.items():
        print_panel_report(inp.report, run_style(design),
                           f"Panel checks for [{design}]: {inp.file.name}")
        say()
    return _verdict([inp.report for inp in inputs.values()])


def _verdict(reports: list) -> int:
    if not all(r.ok for r in reports):
        say("\nResult: the data fail the checks marked ERROR above. Fix them and run again.")
        return EXIT_ERROR
    if any(r.has_warnings for r in reports):
        say("\nResult: the data pass, with warnings to read above.")
        return EXIT_WARN
    say("\nResult: the data pass every check.")
    return EXIT_OK

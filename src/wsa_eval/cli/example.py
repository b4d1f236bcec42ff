"""``wsa-eval example gm --out DIR``: the Greater Manchester case study."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from ..errors import WsaEvalWarning
from ._output import say


def cmd_example(args: argparse.Namespace) -> int:
    from ..casestudy import run_greater_manchester
    from ._outdir import check_output_folder, staged_output

    out = Path(args.out)
    check_output_folder(out, args.force)
    progress = False if args.no_progress else None  # None: bars only on a terminal
    with staged_output(out) as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", WsaEvalWarning)  # kept in result.warnings, said below
        result = run_greater_manchester(out=folder, reps=args.reps, random_state=args.seed,
                                        alpha=args.alpha, progress=progress)
    say(result.headline_text(), hang="  ")
    for w in result.warnings:
        say(f"Warning: {w}", hang="  ")
    say(f"Report written to {out / 'report.html'}.")
    return 1 if result.warnings else 0

"""``wsa-eval example gm --out DIR``: the Greater Manchester case study."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._output import say


def cmd_example(args: argparse.Namespace) -> int:
    from ..casestudy import run_greater_manchester
    from ._outdir import check_output_folder, staged_output

    out = Path(args.out)
    check_output_folder(out, args.force)
    progress = False if args.no_progress else None  # None: bars only on a terminal
    with staged_output(out) as folder:
        result = run_greater_manchester(out=folder, reps=args.reps, random_state=args.seed,
                                        alpha=args.alpha, progress=progress)
    say(result.headline_text(), hang="  ")
    say(f"Report written to {out / 'report.html'}.")
    return 1 if result.warnings else 0

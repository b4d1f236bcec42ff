"""``wsa-eval run CONFIG --out DIR``: check the configuration and its data, run the designs,
write the report. Nothing is written unless everything succeeds."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

from ..errors import WsaEvalWarning
from ._output import run_style, say

EXIT_OK, EXIT_WARN = 0, 1


def prepare_inputs(cfg: Any) -> tuple[dict[str, Any], list[str]]:
    """Read the panel file once and check it for every panel design (as ``check CONFIG``
    does); returns the inputs by design and notes on how the file was read."""
    from ..config import PANEL_DESIGNS
    from ._inputs import need_columns, prepare_panel_design, read_config_table

    designs = [d for d in cfg.designs if d in PANEL_DESIGNS]
    if not designs:
        return {}, []
    df, file, notes = read_config_table(cfg, "data")
    dc = cfg["data"]
    need_columns(df, {k: dc[k] for k in ("unit", "time", "outcome")}, file, "data")
    return {d: prepare_panel_design(d, cfg, df, file) for d in designs}, notes


def cmd_run(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ._designs import run_panel_design, run_reoffending
    from ._outdir import check_output_folder, staged_output
    from ._report_out import headline_lines, warning_messages, write_outputs

    cfg = load_config(args.config, overrides={"seed": args.seed, "reps": args.reps,
                                              "alpha": args.alpha})
    args.advice_style = run_style(cfg.designs[0] if len(cfg.designs) == 1 else None)
    out = Path(args.out)
    check_output_folder(out, args.force)
    progress = False if args.no_progress else None  # None: bars only on a terminal
    results: list[Any] = []
    designs_of: list[str] = []
    included: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", WsaEvalWarning)
        inputs, read_notes = prepare_inputs(cfg)
        included += read_notes
        for design in cfg.designs:
            if design in inputs:
                res, inc = run_panel_design(inputs[design], cfg, progress)
            else:
                res, inc = run_reoffending(cfg, progress)
            results += res
            designs_of += [design] * len(res)
            included += inc
    warn_msgs = warning_messages(caught, results, cfg["study"]["threshold"])
    is_count = (any(inp.report.outcome_is_count for inp in inputs.values())
                if inputs else None)
    with staged_output(out) as folder:
        write_outputs(folder, cfg, Path(args.config).name, results, designs_of, included,
                      warn_msgs, outcome_is_count=is_count)
    for line in headline_lines(results, designs_of):
        say(line, hang="  ")
    for w in warn_msgs:
        say(f"Warning: {w}", hang="  ")
    say(f"Report written to {out / 'report.html'} (and report.md, results.json, tables/, "
        "figures/).")
    return EXIT_WARN if warn_msgs else EXIT_OK

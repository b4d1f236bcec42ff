"""``wsa-eval init [PATH]``: write the commented configuration template."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import WsaEvalError
from ._output import say


def cmd_init(args: argparse.Namespace) -> int:
    from ..config import TEMPLATE

    path = Path(args.path)
    if path.is_dir():
        path = path / "wsa-eval.toml"
    if path.exists() and not args.force:
        raise WsaEvalError(f"{path} already exists. Choose another file name, or add --force "
                           "to overwrite it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE, encoding="utf-8")
    say(f"Wrote {path}. Edit it (data file, column names, design), then check the data "
        f"with:\n  wsa-eval check {path}\nand run the evaluation with:\n"
        f"  wsa-eval run {path} --out results")
    return 0

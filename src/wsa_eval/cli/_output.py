"""What the command line prints: text wrapped to the terminal, errors with their advice
phrased for the command line or the configuration file, and the table of panel checks."""

from __future__ import annotations

import shutil
import sys
import textwrap
from typing import Any, TextIO

from ..errors import AdviceStyle, FlagStyle, TomlStyle, WsaEvalError

#: lines are never wider than this, however wide the terminal (long lines are hard to read)
MAX_WIDTH = 100

#: how ``wsa-eval check`` spells a change of setting: its flags, else the configuration line
#: that ``wsa-eval run`` would need
CHECK_STYLE = FlagStyle(
    {("outcome_is_count", False): "--outcome-is-not-count",
     ("outcome_is_count", True): "--outcome-is-count",
     ("balanced", False): "--allow-unbalanced",
     "exclude": "--exclude"},
    # the scale is chosen in the configuration of `wsa-eval run` (check's --scale only
    # checks for it), and control groups exist only there
    fallback=TomlStyle({"scale": "claim", "control_group": "staggered"}),
)


def run_style(design: str | None) -> AdviceStyle:
    """How ``wsa-eval run`` spells a change: a line of the configuration file."""
    sections: dict[str, Any] = {"outcome_is_count": "data", "scale": "claim",
                                "control_group": "staggered"}
    if design is not None:
        sections["exclude"] = design
    return TomlStyle(sections)


def width(stream: TextIO | None = None) -> int:
    """The width to wrap to: one less than the terminal's (or $COLUMNS; 80 when not a
    terminal), so that no line ends in the last column; at most MAX_WIDTH."""
    cols = shutil.get_terminal_size(fallback=(80, 24)).columns
    return max(40, min(cols - 1, MAX_WIDTH))


def wrap(text: str, indent: str = "", hang: str | None = None, limit: int | None = None
         ) -> str:
    """Each line of ``text`` wrapped to the terminal; a line starting with ``- `` (after
    spaces) hangs its continuation under its text."""
    w = limit or width()
    out = []
    for line in text.splitlines() or [""]:
        if not line.strip():
            out.append("")
            continue
        lead = line[: len(line) - len(line.lstrip())]
        body = line.lstrip()
        first = indent + lead
        rest = hang if hang is not None else first
        if body.startswith("- "):
            rest = first + "  "
        out.append(textwrap.fill(body, width=w, initial_indent=first, subsequent_indent=rest,
                                 break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)


def say(text: str = "", file: TextIO | None = None, **kw: Any) -> None:
    print(wrap(text, **kw), file=file or sys.stdout)


def error_text(exc: BaseException, style: AdviceStyle | None) -> str:
    if isinstance(exc, WsaEvalError):
        return exc.render(style)
    return str(exc)


def print_error(message: str) -> None:
    say(f"Error: {message}", file=sys.stderr, hang="  ")


_STATUS = {"ok": "ok", "warning": "WARNING", "error": "ERROR"}


def print_panel_report(report: Any, style: AdviceStyle, title: str) -> None:
    """The header and the checks of a PanelReport, one wrapped paragraph per check."""
    say(title)
    say("=" * min(len(title), width()))
    header = report._summary_header()
    pad = max(len(k) for k, _ in header) + 2
    for k, v in header:
        say(f"{k + ':':<{pad}}{v}", hang=" " * pad)
    say()
    say("Checks:")
    for (check, status), msg in zip(report.checks[["check", "status"]].itertuples(
            index=False), report.messages(style)):
        tag = f"  {_STATUS.get(status, status):<8} "
        say(f"{check}: {msg}" if msg else check, indent=tag, hang=" " * len(tag))

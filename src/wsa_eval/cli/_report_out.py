"""``wsa-eval run``: the report, results.json and the headline printed at the end.

Everything that turns results into files lives here, in one place, so that the report API
can change without touching how the inputs are read and checked (:mod:`._inputs`) or how
the designs are run (:mod:`._designs`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__

EXIT_OK, EXIT_WARN = 0, 1


def _headline(design: str, r: Any) -> str:
    from ..interpret import fmt_number, verdict

    if hasattr(r, "headline_text"):
        return f"[{design}] {r.headline_text()}"
    level = f"{100 * (1 - r.alpha):.0f}%"
    v = verdict(r.estimate, r.ci_low, r.ci_high, r.p_value, r.alpha)
    return (f"[{design}] {r.method}: {v}. Estimate {fmt_number(r.estimate)} "
            f"({level} CI {fmt_number(r.ci_low)} to {fmt_number(r.ci_high)}; "
            f"p = {fmt_number(r.p_value)}).")


def _versions() -> dict:
    import platform

    import numpy
    import scipy

    return {"wsa_eval": __version__, "python": platform.python_version(),
            "numpy": numpy.__version__, "pandas": pd.__version__, "scipy": scipy.__version__}


def warning_messages(caught: list, results: list, threshold: int) -> list[str]:
    """The warnings to show: those raised while running, and those stored on results."""
    from ..disclosure import Policy, scrub_free_text
    from ..errors import WsaEvalWarning

    policy = Policy(threshold)
    return list(dict.fromkeys(scrub_free_text(m, policy) for m in (
        [str(w.message) for w in caught if issubclass(w.category, WsaEvalWarning)]
        + [w for r in results for w in getattr(r, "warnings", ())])))


def write_outputs(folder: Path, cfg: Any, config_name: str, results: list, designs_of: list,
                  included: list[str], warn_msgs: list[str],
                  outcome_is_count: bool | None = None) -> None:
    """Write report.html, report.md, results.json, tables/ and figures/ into ``folder``
    (``outcome_is_count``: the panel checks' decision, see ``PanelReport``)."""
    import matplotlib

    matplotlib.use("Agg")

    from ..reporting import build, write

    st = cfg["study"]
    thr = st["threshold"]
    outcome = cfg["data"]["outcome"].replace("_", " ") if "data" in cfg else None
    header = {"Area": st["area"] or "-", "Data": st["data_source"] or "user data",
              "Configuration": config_name, "Seed": st["seed"],
              "Repetitions": st["reps"]}
    if "data" in cfg:
        header["Data file"] = cfg.path("data").name
    safe = build(results, title=st["title"], scheme=st["scheme"],
                 outcome_label=None if cfg.designs[0] == "reoffending" else outcome,
                 outcome_is_count=outcome_is_count, header=header, included=included,
                 threshold=thr)
    entries = [dict(e, design=d) for e, d in zip(safe.results, designs_of)]
    write(safe, folder, extra={
        "results": entries,
        "warnings": warn_msgs,
        "config": {k: dict(v) for k, v in cfg.sections.items()},
        "versions": _versions(),
        "exit_code": EXIT_WARN if warn_msgs else EXIT_OK})


def headline_lines(results: list, designs_of: list) -> list[str]:
    return [_headline(d, r) for d, r in zip(designs_of, results)
            if hasattr(r, "estimate") or hasattr(r, "primary_row")]

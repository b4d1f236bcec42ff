"""``wsa-eval run``: the report, results.json and the headline printed at the end.

Everything that turns results into files lives here, in one place, so that the report API
can change without touching how the inputs are read and checked (:mod:`._inputs`) or how
the designs are run (:mod:`._designs`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__

EXIT_OK, EXIT_WARN = 0, 1


def _headline(design: str, r: Any) -> str:
    from ..interpret import fmt_number
    from ..report import result_verdict

    if hasattr(r, "headline_text"):
        return f"[{design}] {r.headline_text()}"
    level = f"{100 * (1 - r.alpha):.0f}%"
    return (f"[{design}] {r.method}: {result_verdict(r)}. Estimate {fmt_number(r.estimate)} "
            f"({level} CI {fmt_number(r.ci_low)} to {fmt_number(r.ci_high)}; "
            f"p = {fmt_number(r.p_value)}).")


def _headline_numbers(design: str, r: Any, threshold: int) -> dict:
    from ..report import result_verdict, scrub_counts

    keys = ("estimate", "se", "ci_low", "ci_high", "p_value", "alpha", "estimand")
    out = {"design": design, "method": r.method, "verdict": result_verdict(r)}
    out.update({k: getattr(r, k) for k in keys if hasattr(r, k)})
    for k in ("raw_change", "comparison_change", "claimed_change"):
        if hasattr(r, k):
            out[k] = getattr(r, k)
    if hasattr(r, "primary_row"):
        p = r.primary_row
        out.update({k: p[k] for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value",
                                      "change", "change_ci_low", "change_ci_high",
                                      "min_p_value")})
    for k in ("n_treated", "n_comparison"):
        v = getattr(r, k, None)
        if v is not None:
            out[k] = f"<{threshold}" if 0 < int(v) < threshold else int(v)
    out["warnings"] = [scrub_counts(w, threshold) for w in getattr(r, "warnings", ())]
    return out


def _versions() -> dict:
    import platform

    import numpy
    import scipy

    return {"wsa_eval": __version__, "python": platform.python_version(),
            "numpy": numpy.__version__, "pandas": pd.__version__, "scipy": scipy.__version__}


def warning_messages(caught: list, results: list, threshold: int) -> list[str]:
    """The warnings to show: those raised while running, and those stored on results."""
    from ..errors import WsaEvalWarning
    from ..report import scrub_counts

    return list(dict.fromkeys(scrub_counts(m, threshold) for m in (
        [str(w.message) for w in caught if issubclass(w.category, WsaEvalWarning)]
        + [w for r in results for w in getattr(r, "warnings", ())])))


def write_outputs(folder: Path, cfg: Any, config_name: str, results: list, designs_of: list,
                  included: list[str], warn_msgs: list[str]) -> None:
    """Write report.html, report.md, results.json, tables/ and figures/ into ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..report import _json_default, build_content, write_report

    st = cfg["study"]
    thr = st["threshold"]
    outcome = cfg["data"]["outcome"].replace("_", " ") if "data" in cfg else None
    header = {"Area": st["area"] or "-", "Data": st["data_source"] or "user data",
              "Configuration": config_name, "Seed": st["seed"],
              "Repetitions": st["reps"]}
    if "data" in cfg:
        header["Data file"] = cfg.path("data").name
    content = build_content(results, title=st["title"], scheme=st["scheme"],
                            outcome=None if cfg.designs[0] == "reoffending" else outcome,
                            header=header, included=included, threshold=thr)
    try:
        write_report(content, folder / "report.html", threshold=thr,
                     figure_dir=folder / "figures", tables_dir=folder / "tables")
        summary = {
            "headline": content.headline,
            "results": [_headline_numbers(d, r, thr) for d, r in zip(designs_of, results)
                        if hasattr(r, "estimate") or hasattr(r, "primary_row")],
            "warnings": warn_msgs,
            "spec": [dict(r.spec or {}) for r in results],
            "config": {k: dict(v) for k, v in cfg.sections.items()},
            "versions": _versions(),
            "exit_code": EXIT_WARN if warn_msgs else EXIT_OK,
        }
        (folder / "results.json").write_text(json.dumps(summary, indent=2,
                                                        default=_json_default) + "\n")
    finally:
        for _, fig in content.figures:
            plt.close(fig)


def headline_lines(results: list, designs_of: list) -> list[str]:
    return [_headline(d, r) for d, r in zip(designs_of, results)
            if hasattr(r, "estimate") or hasattr(r, "primary_row")]

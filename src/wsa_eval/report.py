"""Self-contained evaluation reports: one HTML file with embedded figures, plus a Markdown twin.

The layout follows the project's report design for analysts who are not statisticians:
header, headline in fixed vocabulary, what you can and cannot say, figures with plain
labels, how sure we are, a traffic-light table of checks, who is included, and a technical
appendix with full tables, the specification and how to cite.

Disclosure control: any column of counts of individuals (see :data:`COUNT_COLUMNS`, or
name them with ``count_columns``) has values from 1 to ``threshold - 1`` replaced by
``"<threshold"`` in every table the report writes (default threshold 5).
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__

__all__ = ["ReportContent", "write_report", "suppress_small_counts", "COUNT_COLUMNS", "CITATION"]

#: columns treated as counts of individuals wherever they appear
COUNT_COLUMNS: tuple[str, ...] = (
    "n", "count", "n_people", "n_women", "n_treated", "n_comparison", "n_at_risk", "n_events",
    "n_reoffenders", "n_reoffences", "n_censored",
)

CITATION = (
    "wsa_eval developers (2026). wsa_eval: evaluating Whole System Approaches and diversion "
    f"schemes for women in the criminal justice system, version {__version__}. "
    "See CITATION.cff for the methods papers to cite."
)

STATUS_COLOURS = {"green": "#2e7d32", "amber": "#ef8f00", "red": "#c62828", "grey": "#757575"}


def suppress_small_counts(
    table: pd.DataFrame, threshold: int = 5, count_columns: Iterable[str] | None = None
) -> pd.DataFrame:
    """Replace counts of individuals from 1 to ``threshold - 1`` by ``"<threshold"``.

    Zero is kept (it discloses nothing about an individual); missing stays missing.
    Returns a new frame; the input is not modified.
    """
    cols = set(COUNT_COLUMNS if count_columns is None else count_columns)
    out = table.copy()
    for c in out.columns:
        if c in cols and pd.api.types.is_numeric_dtype(out[c]):
            v = out[c]
            small = v.notna() & (v > 0) & (v < threshold)
            if small.any():
                out[c] = v.astype(object)
                out.loc[small, c] = f"<{threshold}"
    return out


@dataclass
class ReportContent:
    """Everything a report shows, filled in by the result that writes it."""

    title: str
    headline: str
    header: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""
    can_say: Sequence[str] = ()
    cannot_say: Sequence[str] = ()
    figures: Sequence[tuple[str, Any]] = ()  # (caption, matplotlib Figure)
    how_sure: Sequence[str] = ()
    checks: pd.DataFrame | None = None  # columns: check, status (green/amber/red), detail
    included: Sequence[str] = ()
    tables: Sequence[tuple[str, pd.DataFrame]] = ()
    spec: Mapping[str, Any] = field(default_factory=dict)
    citation: str = CITATION


def _fig_png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _fmt_table(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].map(lambda x: "" if pd.isna(x) else f"{x:.4g}")
    return out


def _md_table(df: pd.DataFrame) -> str:
    df = _fmt_table(df)
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |")
    return "\n".join(lines)


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def write_report(
    content: ReportContent,
    path: str | Path,
    *,
    threshold: int = 5,
    count_columns: Iterable[str] | None = None,
) -> tuple[Path, Path]:
    """Write ``path`` (``.html``; the Markdown twin beside it as ``.md`` with PNGs in a
    ``<name>_figures`` folder). Returns the two paths. Tables are disclosure-controlled.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        path = path.with_suffix(".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    md_path = path.with_suffix(".md")
    fig_dir = path.parent / f"{path.stem}_figures"
    pngs = [(cap, _fig_png(fig)) for cap, fig in content.figures]
    if pngs:
        fig_dir.mkdir(exist_ok=True)
    tables = [(name, suppress_small_counts(t, threshold, count_columns))
              for name, t in content.tables]
    checks = content.checks if content.checks is not None else pd.DataFrame(
        columns=["check", "status", "detail"])
    e = html.escape

    # ---------------------------------------------------------------- HTML
    h: list[str] = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(content.title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:920px;margin:2em auto;"
        "line-height:1.45;color:#222}table{border-collapse:collapse;margin:.6em 0}"
        "td,th{border:1px solid #ccc;padding:3px 8px;font-size:.9em}th{background:#f3f3f3}"
        ".headline{font-size:1.35em;font-weight:600;padding:.6em;border-left:6px solid #345;"
        "background:#f5f7fa}.dot{display:inline-block;width:.9em;height:.9em;border-radius:50%;"
        "margin-right:.4em;vertical-align:middle}figure{margin:1em 0}figcaption{font-size:.9em;"
        "color:#555}</style></head><body>",
        f"<h1>{e(content.title)}</h1>",
        "<table>" + "".join(f"<tr><th style='text-align:left'>{e(str(k))}</th><td>{e(str(v))}"
                            "</td></tr>" for k, v in content.header.items()) + "</table>",
        "<h2>Headline</h2>",
        f"<p class='headline'>{e(content.headline)}</p>",
    ]
    if content.summary:
        h.append(f"<p>{e(content.summary)}</p>")
    h.append("<h2>What you can say</h2><ul>" + "".join(f"<li>{e(s)}</li>"
                                                        for s in content.can_say) + "</ul>")
    h.append("<h2>What you cannot say</h2><ul>" + "".join(f"<li>{e(s)}</li>"
                                                           for s in content.cannot_say) + "</ul>")
    if pngs:
        h.append("<h2>Pictures</h2>")
        for cap, png in pngs:
            b64 = base64.b64encode(png).decode()
            h.append(f"<figure><img alt='{e(cap)}' style='max-width:100%' "
                     f"src='data:image/png;base64,{b64}'><figcaption>{e(cap)}</figcaption></figure>")
    h.append("<h2>How sure we are</h2><ul>" + "".join(f"<li>{e(s)}</li>"
                                                       for s in content.how_sure) + "</ul>")
    h.append("<h2>Checks</h2><table><tr><th>Check</th><th>Result</th><th>Detail</th></tr>")
    for row in checks.itertuples(index=False):
        colour = STATUS_COLOURS.get(str(row.status), STATUS_COLOURS["grey"])
        h.append(f"<tr><td>{e(str(row.check))}</td><td><span class='dot' style='background:"
                 f"{colour}'></span>{e(str(row.status))}</td><td>{e(str(row.detail))}</td></tr>")
    h.append("</table>")
    h.append("<h2>Who is included</h2><ul>" + "".join(f"<li>{e(s)}</li>"
                                                       for s in content.included) + "</ul>")
    h.append("<h2>Technical appendix</h2>")
    for name, t in tables:
        h.append(f"<h3>{e(name)}</h3>" + _fmt_table(t).to_html(index=False, border=0,
                                                               escape=True))
    h.append("<h3>Specification</h3><pre>" + e(json.dumps(content.spec, indent=2,
                                                          default=_json_default)) + "</pre>")
    h.append(f"<h3>How to cite</h3><p>{e(content.citation)}</p>")
    h.append(f"<p style='color:#777;font-size:.8em'>Written by wsa_eval {__version__}. Counts "
             f"of individuals below {threshold} are shown as &lt;{threshold}.</p></body></html>")
    path.write_text("\n".join(h), encoding="utf-8")

    # ---------------------------------------------------------------- Markdown
    m: list[str] = [f"# {content.title}", ""]
    m += [f"- **{k}**: {v}" for k, v in content.header.items()]
    m += ["", "## Headline", "", f"**{content.headline}**", ""]
    if content.summary:
        m += [content.summary, ""]
    m += ["## What you can say", ""] + [f"- {s}" for s in content.can_say]
    m += ["", "## What you cannot say", ""] + [f"- {s}" for s in content.cannot_say]
    if pngs:
        m += ["", "## Pictures", ""]
        for i, (cap, png) in enumerate(pngs, 1):
            name = f"figure_{i}.png"
            (fig_dir / name).write_bytes(png)
            m += [f"![{cap}]({fig_dir.name}/{name})", "", f"*{cap}*", ""]
    m += ["", "## How sure we are", ""] + [f"- {s}" for s in content.how_sure]
    m += ["", "## Checks", "", _md_table(checks.rename(columns=str.capitalize))]
    m += ["", "## Who is included", ""] + [f"- {s}" for s in content.included]
    m += ["", "## Technical appendix", ""]
    for name, t in tables:
        m += [f"### {name}", "", _md_table(t), ""]
    m += ["### Specification", "", "```json",
          json.dumps(content.spec, indent=2, default=_json_default), "```", "",
          "### How to cite", "", content.citation, "",
          f"*Written by wsa_eval {__version__}. Counts of individuals below {threshold} are "
          f"shown as <{threshold}.*", ""]
    md_path.write_text("\n".join(m), encoding="utf-8")
    return path, md_path

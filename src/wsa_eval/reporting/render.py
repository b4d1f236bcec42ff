"""HTML and Markdown from a disclosure-controlled document (they never see raw counts)."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .._format import fmt_cell, human_label
from .._version import __version__
from ..disclosure import SafeTable
from .safe import SafeDocument

__all__ = ["to_html", "to_markdown", "spec_rows"]

STATUS = {"green": ("#2e7d32", "good"), "amber": ("#ef8f00", "caution"),
          "red": ("#c62828", "problem"), "grey": ("#757575", "not applicable")}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:960px;margin:2em auto;
padding:0 1em;line-height:1.5;color:#222;overflow-wrap:anywhere}
h1{font-size:1.7em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;max-width:100%}
td,th{border:1px solid #ccc;padding:3px 7px;font-size:.88em;vertical-align:top;
overflow-wrap:break-word;word-break:normal}
th{background:#f3f3f3;text-align:left;hyphens:manual}.tw{overflow-x:auto;max-width:100%}td.num{text-align:right;white-space:nowrap}
.headline{font-size:1.3em;font-weight:600;padding:.6em .8em;border-left:6px solid #345;
background:#f5f7fa;margin-bottom:.3em}
.reason{margin:.3em 0 .8em 0}.dot{display:inline-block;width:.85em;height:.85em;
border-radius:50%;margin-right:.4em;vertical-align:middle}
figure{margin:1.2em 0}figure img{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#555}.small{color:#666;font-size:.85em}
.disclosure{background:#fff8e1;border-left:4px solid #ef8f00;padding:.4em .7em;font-size:.9em}
"""


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def spec_rows(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A specification as (setting, value) rows in words (no snake_case, no True/False)."""
    rows = [("Method", str(spec.get("method", "")))]
    for k, v in dict(spec.get("arguments", {}) or {}).items():
        rows.append((human_label(str(k)), _spec_value(v)))
    seed = spec.get("seed")
    rows.append(("Random seed", "none (the method draws no random numbers)" if seed is None
                 else (str(seed) if not isinstance(seed, Mapping)
                       else "generator state recorded in results.json")))
    if spec.get("data_hash"):
        rows.append(("Fingerprint of the input data", str(spec["data_hash"])))
    rows.append(("wsa_eval version", str(spec.get("wsa_eval_version", __version__))))
    return rows


def _spec_value(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(_spec_value(x) for x in v) if v else "none"
    if isinstance(v, Mapping):
        return "; ".join(f"{human_label(str(k))}: {_spec_value(x)}" for k, x in v.items())
    if isinstance(v, float):
        return fmt_cell(v)
    return str(v)


def _is_num(s: str) -> bool:
    t = s.replace(",", "").replace("%", "").replace("–", "").strip()
    try:
        float(t)
        return True
    except ValueError:
        return s.startswith("<") and s[1:].isdigit()


def _html_table(df: pd.DataFrame) -> str:
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = "".join(f"<td class='num'>{e(str(x))}</td>" if _is_num(str(x))
                        else f"<td>{e(str(x))}</td>" for x in row)
        body.append(f"<tr>{cells}</tr>")
    # in a scrolling box: a table too wide for the page scrolls by itself, and header words
    # are never split (a column is at least as wide as its longest header word)
    return (f"<div class='tw'><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _ul(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in items) + "</ul>"


def _checks_frame(doc: SafeDocument) -> pd.DataFrame:
    return doc.checks.rename(columns={"check": "Check", "status": "Result",
                                      "detail": "Detail"})


def to_html(doc: SafeDocument) -> str:
    """One self-contained HTML page (figures embedded as PNG data)."""
    e = html.escape
    h = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
         "<meta name='viewport' content='width=device-width, initial-scale=1'>",
         f"<title>{e(doc.title)}</title><style>{CSS}</style></head><body>",
         f"<h1>{e(doc.title)}</h1>",
         "<table>" + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>"
                             for k, v in doc.header.items()) + "</table>",
         f"<p class='disclosure'>{e(doc.disclosure)}</p>", "<h2>Headline</h2>"]
    if doc.verdict:
        h.append(f"<p class='headline'>{e(_cap(doc.verdict))}</p>")
        h.append(f"<p class='reason'><b>Why:</b> {e(doc.reason)}</p>")
        if doc.advice:
            h.append("<p><b>What would help:</b></p>" + _ul(doc.advice))
    h += [f"<p>{e(s)}</p>" for s in doc.summary]
    for title, label, reason in doc.others:
        h.append(f"<p><b>{e(title)}:</b> {e(label)}. {e(reason)}</p>")
    h.append("<h2>What you can say</h2>" + _ul(doc.can_say))
    h.append("<h2>What you cannot say</h2>" + _ul(doc.cannot_say))
    if doc.figures:
        h.append("<h2>Pictures</h2>")
        for f in doc.figures:
            b64 = base64.b64encode(f.png).decode()
            h.append(f"<figure><img alt='{e(f.caption)}' src='data:image/png;base64,{b64}'>"
                     f"<figcaption>{e(f.caption)}</figcaption></figure>")
    h.append("<h2>How sure we are</h2>" + _ul(doc.how_sure))
    h.append("<h2>Checks</h2><table><thead><tr><th>Check</th><th>Result</th><th>Detail</th>"
             "</tr></thead><tbody>")
    for row in doc.checks.itertuples(index=False):
        colour, word = STATUS.get(str(row.status), STATUS["grey"])
        h.append(f"<tr><td>{e(str(row.check))}</td><td style='white-space:nowrap'>"
                 f"<span class='dot' style='background:{colour}'></span>{e(word)}</td>"
                 f"<td>{e(str(row.detail))}</td></tr>")
    h.append("</tbody></table>")
    h.append("<h2>Who is included</h2>" + _ul(doc.included))
    h.append("<h2>Technical appendix</h2>")
    for t in doc.tables:
        h.append(f"<h3>{e(t.source.title)}</h3>" + _html_table(t.display))
    h.append("<h3>Specification</h3>")
    for name, spec in doc.specs.items():
        h.append(f"<p><b>{e(name)}</b></p>" + _html_table(
            pd.DataFrame(spec_rows(spec), columns=["Setting", "Value"])))
    h.append(f"<h3>How to cite</h3><p>{e(doc.citation)}</p>")
    h.append(f"<p class='small'>Written by wsa_eval {__version__}. {e(doc.disclosure)}</p>")
    h.append("</body></html>")
    return "\n".join(h)


def _md_table(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |")
    return "\n".join(lines)


def to_markdown(doc: SafeDocument, figure_paths: Sequence[str]) -> str:
    """The Markdown twin (figures as files beside it)."""
    m = [f"# {doc.title}", ""] + [f"- **{k}**: {v}" for k, v in doc.header.items()]
    m += ["", f"> {doc.disclosure}", "", "## Headline", ""]
    if doc.verdict:
        m += [f"**{_cap(doc.verdict)}**", "", f"Why: {doc.reason}", ""]
        if doc.advice:
            m += ["What would help:", ""] + [f"- {a}" for a in doc.advice] + [""]
    m += [s + "\n" for s in doc.summary]
    m += [f"**{t}:** {lab}. {why}\n" for t, lab, why in doc.others]
    m += ["## What you can say", ""] + [f"- {s}" for s in doc.can_say]
    m += ["", "## What you cannot say", ""] + [f"- {s}" for s in doc.cannot_say]
    if doc.figures:
        m += ["", "## Pictures", ""]
        for f, p in zip(doc.figures, figure_paths):
            m += [f"![{f.caption}]({p})", "", f"*{f.caption}*", ""]
    m += ["", "## How sure we are", ""] + [f"- {s}" for s in doc.how_sure]
    checks = doc.checks.assign(status=[STATUS.get(str(s), STATUS["grey"])[1]
                                       for s in doc.checks["status"]])
    m += ["", "## Checks", "", _md_table(checks.rename(
        columns={"check": "Check", "status": "Result", "detail": "Detail"}))]
    m += ["", "## Who is included", ""] + [f"- {s}" for s in doc.included]
    m += ["", "## Technical appendix", ""]
    for t in doc.tables:
        m += [f"### {t.source.title}", "", _md_table(t.display), ""]
    m += ["### Specification", ""]
    for name, spec in doc.specs.items():
        m += [f"**{name}**", "", _md_table(pd.DataFrame(spec_rows(spec),
                                                         columns=["Setting", "Value"])), ""]
    m += ["### How to cite", "", doc.citation, "",
          f"*Written by wsa_eval {__version__}. {doc.disclosure}*", ""]
    return "\n".join(m)


def table_records(t: SafeTable, marker: str) -> list[dict[str, Any]]:
    """Rows for JSON/CSV: numbers as numbers, suppressed cells as the marker, NaN as None."""
    out = []
    cols = list(t.display.columns[-len(t.values.columns):]) if len(t.values.columns) else []
    for i in range(len(t.values)):
        row = {}
        for label, col in zip(cols, t.values.columns):
            if bool(t.mask.iloc[i][col]):
                row[label] = marker
                continue
            x = t.values.iloc[i][col]
            if isinstance(x, (bool,)) or type(x).__name__ == "bool_":
                row[label] = "yes" if bool(x) else "no"
            elif isinstance(x, float) and math.isnan(x):
                row[label] = None
            elif hasattr(x, "item"):
                row[label] = x.item()
            else:
                row[label] = x if isinstance(x, (int, float, str, bool)) or x is None \
                    else str(x)
        out.append(row)
    return out

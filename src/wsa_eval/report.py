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
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__

__all__ = [
    "ReportContent", "write_report", "suppress_small_counts", "scrub_counts", "COUNT_COLUMNS",
    "CITATION", "report", "report_results", "build_content", "result_verdict",
]

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


_PEOPLE = (r"(?:people|persons?|women|woman|men|man|individuals?|offenders?|girls?|boys?|"
           r"reoffenders?)")
_COUNT_RE = re.compile(
    r"\b(\d+)(\s+of\s+)(\d+)(?=\s+(?:\w+\s+){0,2}" + _PEOPLE + r"\b)"
    r"|\b(\d+)(?=\s+(?:\w+\s+){0,2}" + _PEOPLE + r"\b)"
    r"|(\bn\s*=\s*)(\d+)\b", re.IGNORECASE)


def scrub_counts(text: str, threshold: int = 5) -> str:
    """Replace counts of individuals from 1 to ``threshold - 1`` in free text.

    A count is a whole number followed (within two words) by a word for people
    (``"3 treated women"``, ``"2 of 40 people"``) or written ``n = 3``; it becomes
    ``"fewer than 5"`` (``"n = <5"``). Other numbers (years, percentages) are left alone.
    """
    def small(x: str) -> bool:
        return 0 < int(x) < threshold

    def repl(m: re.Match) -> str:
        if m.group(1) is not None:
            a, sep, b = m.group(1), m.group(2), m.group(3)
            a = f"fewer than {threshold}" if small(a) else a
            b = f"fewer than {threshold}" if small(b) else b
            return f"{a}{sep}{b}"
        if m.group(4) is not None:
            return f"fewer than {threshold}" if small(m.group(4)) else m.group(4)
        return f"{m.group(5)}<{threshold}" if small(m.group(6)) else m.group(0)

    return _COUNT_RE.sub(repl, str(text))


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


def _fig_png(fig: Any, threshold: int = 5) -> bytes:
    from matplotlib.text import Text

    fig.canvas.draw()  # tick labels exist only once drawn; they are redrawn from formatters
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t.get_text() for t in axis.get_ticklabels()]
            new = [scrub_counts(x, threshold) for x in labels]
            if new != labels:
                axis.set_ticks(axis.get_ticklocs(), labels=new)
    for t in fig.findobj(Text):  # disclosure control of every label drawn
        txt = t.get_text()
        if txt:
            new = scrub_counts(txt, threshold)
            if new != txt:
                t.set_text(new)
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
    figure_dir: str | Path | None = None,
    tables_dir: str | Path | None = None,
) -> tuple[Path, Path]:
    """Write ``path`` (``.html``; the Markdown twin beside it as ``.md`` with PNGs in a
    ``<name>_figures`` folder, or ``figure_dir``). Returns the two paths.

    Disclosure control: count columns of every table are suppressed (:func:`suppress_small_counts`)
    and counts of individuals in the text and in figure labels are replaced
    (:func:`scrub_counts`). ``tables_dir``: also write each table as a (suppressed) CSV there.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        path = path.with_suffix(".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    md_path = path.with_suffix(".md")
    fig_dir = Path(figure_dir) if figure_dir is not None else (
        path.parent / f"{path.stem}_figures")
    pngs = [(scrub_counts(cap, threshold), _fig_png(fig, threshold))
            for cap, fig in content.figures]
    if pngs:
        fig_dir.mkdir(parents=True, exist_ok=True)
    tables = [(name, suppress_small_counts(t, threshold, count_columns))
              for name, t in content.tables]
    if tables_dir is not None:
        tdir = Path(tables_dir)
        tdir.mkdir(parents=True, exist_ok=True)
        for i, (name, t) in enumerate(tables, 1):
            slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:50] or "table"
            t.to_csv(tdir / f"{i:02d}_{slug}.csv", index=False)
    checks = content.checks if content.checks is not None else pd.DataFrame(
        columns=["check", "status", "detail"])
    scrub = (lambda x: scrub_counts(x, threshold))  # noqa: E731
    checks = checks.assign(detail=[scrub(d) for d in checks["detail"]])
    content = ReportContent(
        title=content.title, headline=content.headline,
        header={k: scrub(v) for k, v in content.header.items()},
        summary=scrub(content.summary), can_say=[scrub(x) for x in content.can_say],
        cannot_say=[scrub(x) for x in content.cannot_say], figures=content.figures,
        how_sure=[scrub(x) for x in content.how_sure], checks=checks,
        included=[scrub(x) for x in content.included], tables=content.tables,
        spec=content.spec, citation=content.citation)
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
            rel = os.path.relpath(fig_dir / name, md_path.parent).replace(os.sep, "/")
            m += [f"![{cap}]({rel})", "", f"*{cap}*", ""]
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


# ------------------------------------------------------------------------------------------
# A report for any list of results
# ------------------------------------------------------------------------------------------
def _is_claim(r: Any) -> bool:
    return hasattr(r, "attributable") and hasattr(r, "primary_row")


def _is_reoffending(r: Any) -> bool:
    return hasattr(r, "statements") and hasattr(r, "effects") and "verdict" in r.effects


def _is_effect(r: Any) -> bool:
    return all(hasattr(r, a) for a in ("estimate", "ci_low", "ci_high", "p_value", "alpha"))


def result_verdict(result: Any) -> str | None:
    """The fixed-vocabulary verdict of a result (None for results without an effect)."""
    from .interpret import verdict

    if _is_claim(result):
        return result.verdict
    if _is_reoffending(result):
        return str(result.effects["verdict"].iloc[0])
    if _is_effect(result):
        return verdict(result.estimate, result.ci_low, result.ci_high, result.p_value,
                       result.alpha)
    return None


def _row(check: str, status: str, detail: str) -> dict[str, str]:
    return {"check": check, "status": status, "detail": detail}


def _effect_checks(r: Any, threshold: int) -> list[dict[str, str]]:
    from .interpret import (
        caution_few_donors,
        caution_pre_fit,
        caution_pretrend,
        caution_small_cohort,
    )

    rows = []
    diag = dict(getattr(r, "diagnostics", {}) or {})
    name = f"{r.method}: "
    if "pre_period_rmse" in diag:
        eff = r.to_frame()
        pre = eff[~eff["post"].astype(bool)] if "post" in eff else eff.iloc[:0]
        level = float(pre["treated"].abs().mean()) if "treated" in pre and len(pre) else math.nan
        if level == level:
            status, text = caution_pre_fit(float(diag["pre_period_rmse"]), level)
            rows.append(_row(name + "pre-period fit", status, text))
    if "n_comparison_units" in diag:
        n = int(diag["n_comparison_units"])
        text = caution_few_donors(n, alpha=r.alpha)
        status = "green" if text is None else ("red" if 1 / (n + 1) > r.alpha else "amber")
        rows.append(_row(name + "number of comparison areas", status,
                         text or f"{n} comparison areas."))
    neff = getattr(r, "n_effective_donors", math.nan)
    if isinstance(neff, float) and neff == neff:
        rows.append(_row(name + "effective number of comparison areas",
                         "green" if neff >= 5 else ("amber" if neff >= 2 else "red"),
                         f"{neff:.1f}: the weights are spread over about this many areas."))
    pt = diag.get("pretrend_test")
    if isinstance(pt, Mapping):
        status, text = caution_pretrend(float(pt.get("p_value", math.nan)), alpha=r.alpha)
        rows.append(_row(name + "pre-trend test", status, text))
    if _is_reoffending(r):
        n_t = int(r.n_treated or 0)
        text = caution_small_cohort(n_t, threshold=threshold)
        rows.append(_row(name + "size of the supported group", "green" if text is None else
                         "red", text or f"{n_t} people with complete follow-up."))
    return rows


def _warning_rows(r: Any) -> list[dict[str, str]]:
    return [_row(f"{r.method}: warning", "amber", w) for w in getattr(r, "warnings", ())]


def _reoffending_figure(r: Any, threshold: int) -> Any:
    """Treated against comparison group on the four measures, labelled with group sizes."""
    import matplotlib.pyplot as plt

    from .interpret import count_words

    eff = r.to_frame()
    fig, axes = plt.subplots(1, len(eff), figsize=(3.0 * len(eff), 3.6))
    axes = np.atleast_1d(axes)
    for ax, (_, row) in zip(axes, eff.iterrows()):
        lab_t = f"supported\n(n = {count_words(row['n_treated'], threshold)})"
        lab_c = f"comparison\n(n = {count_words(row['n_comparison'], threshold)})"
        ax.bar([0, 1], [row["treated_value"], row["comparison_value"]], color=["C0", "0.6"])
        lo = row["comparison_value"] + row["ci_low"]
        hi = row["comparison_value"] + row["ci_high"]
        ax.vlines(0, lo, hi, color="k", lw=1.5)
        ax.set_xticks([0, 1])
        ax.set_xticklabels([lab_t, lab_c], fontsize=8)
        pct = row["unit"] == "percentage points"
        ax.set_title(str(row["term"]).replace(" (percentage points)", "").replace(" (", "\n("),
                     fontsize=8)
        ax.set_ylabel("% of people" if pct else str(row["unit"]), fontsize=8)
    fig.suptitle("Supported group against the comparison group (line: interval for the "
                 "supported group)", fontsize=9)
    fig.tight_layout()
    return fig


def _figures(r: Any, threshold: int) -> list[tuple[str, Any]]:
    import matplotlib.pyplot as plt

    out = []
    if _is_claim(r):
        for kind, cap in (("paths", f"{r.treated}: actual and estimated without the scheme"),
                          ("gap", "Difference from the estimate without the scheme, by year"),
                          ("placebo", "Placebo check: each comparison area given the scheme "
                                      "in turn (treated area highlighted)"),
                          ("methods", "Claimed, raw and attributable change by method")):
            fig, ax = plt.subplots(figsize=(7, 4))
            r.plot(kind=kind, ax=ax)
            out.append((cap, fig))
        return out
    if _is_reoffending(r):
        return [("Proven reoffending: supported and comparison groups",
                 _reoffending_figure(r, threshold))]
    if not getattr(type(r), "_plot_kinds", None):
        return out
    fig, ax = plt.subplots(figsize=(7, 4.2))
    r.plot(ax=ax)
    caps = {"trajectories": "Treated area and its weighted comparison, by year",
            "event_study": "Estimated effect by years since the scheme started (event study)",
            "love": "Balance of the groups before and after matching or weighting",
            "effects": "Estimated effects with confidence intervals"}
    out.append((f"{r.method}: " + caps.get(str(type(r)._default_plot),
                                           "estimated effects"), fig))
    return out


def _how_sure(r: Any) -> list[str]:
    from .interpret import (
        fmt_number,
        mde_sentence,
        placebo_rank_sentence,
        smallest_p_sentence,
    )

    level = f"{100 * (1 - r.alpha):.0f}%"
    if _is_claim(r):
        p = r.primary_row
        n = int(p["n_placebos"])
        return [
            placebo_rank_sentence(n - int(p["rank"]) + 1, n,
                                  direction="down" if p["estimate"] < 0 else "up",
                                  area=str(r.treated), p_value=float(p["p_value"])),
            smallest_p_sentence(n),
            f"{level} confidence interval for the change attributable to the scheme: "
            f"{100 * p['change_ci_low']:+.0f}% to {100 * p['change_ci_high']:+.0f}%.",
            mde_sentence(float(p["std_error"]), units=" (log points)", alpha=r.alpha),
        ]
    out = [f"{r.method}: estimate {fmt_number(r.estimate)} ({level} confidence interval "
           f"{fmt_number(r.ci_low)} to {fmt_number(r.ci_high)}; p = {fmt_number(r.p_value)})."]
    if r.inference:
        out.append(f"Uncertainty was measured by {r.inference}.")
    out.append(mde_sentence(r.se, alpha=r.alpha))
    n_co = (getattr(r, "diagnostics", {}) or {}).get("n_comparison_units")
    if n_co:
        out.append(smallest_p_sentence(int(n_co)))
    return out


def _tables(r: Any) -> list[tuple[str, pd.DataFrame]]:
    if _is_claim(r):
        return [("Change attributable to the scheme, by method", r.attributable),
                ("Robustness", r.robustness),
                ("Paths by year (log scale when scale = log)", r.paths)]
    try:
        t = r.to_frame()
    except NotImplementedError:
        return []
    return [(r.method, t)] if isinstance(t, pd.DataFrame) and len(t) else []


def build_content(
    results: Sequence[Any],
    *,
    title: str | None = None,
    scheme: str = "the scheme",
    outcome: str | None = None,
    header: Mapping[str, Any] | None = None,
    included: Sequence[str] = (),
    extra_checks: Sequence[Mapping[str, str]] = (),
    extra_cannot_say: Sequence[str] = (),
    threshold: int = 5,
) -> ReportContent:
    """Assemble the report sections for ``results`` (the first with an effect is primary)."""
    from .interpret import can_cannot_say, claim_sentences, effect_sentence, headline_sentence

    results = list(results)
    if not results:
        from .errors import SpecificationError

        raise SpecificationError("report() needs at least one result.")
    primary = next((r for r in results if result_verdict(r) is not None), results[0])
    v = result_verdict(primary)
    what = outcome or "the outcome"
    if _is_claim(primary):
        what = outcome or primary.outcome.replace("_", " ")
        summary = " ".join(claim_sentences(primary))
    elif _is_reoffending(primary):
        what = outcome or "proven reoffending"
        summary = " ".join(primary.statements)
    elif v is not None:
        summary = headline_sentence(v, what=what, estimate=primary.estimate,
                                    ci_low=primary.ci_low, ci_high=primary.ci_high,
                                    alpha=primary.alpha) + " " + effect_sentence(primary)
    else:
        summary = primary.interpret()
    can, cannot = can_cannot_say(v or "", what=what, scheme=scheme)
    figures: list[tuple[str, Any]] = []
    checks: list[dict[str, str]] = []
    how: list[str] = []
    tables: list[tuple[str, pd.DataFrame]] = []
    inc = list(included)
    for r in results:
        figures += _figures(r, threshold)
        tables += _tables(r)
        if _is_claim(r):
            from .casestudy import claim_checks

            checks += claim_checks(r).to_dict("records")
            inc.append(f"Comparison areas ({len(r.donors)}): {', '.join(map(str, r.donors))}.")
            if r.excluded:
                inc.append(f"Left out of the comparison ({len(r.excluded)}): "
                           f"{', '.join(map(str, r.excluded))}.")
        elif _is_effect(r):
            checks += _effect_checks(r, threshold)
        elif hasattr(r, "balanced"):
            checks.append(_row(r.method, "green" if r.balanced else "amber", r.interpret()))
        checks += _warning_rows(r)
        if _is_effect(r) or _is_claim(r):
            how += _how_sure(r)
        if r is not primary and _is_effect(r):
            rv = result_verdict(r)
            can.append(f"{r.method}: {rv}.")
    hdr = {"Outcome": what, "Scheme": scheme}
    hdr.update(dict(header or {}))
    hdr.setdefault("wsa_eval version", __version__)
    hdr.setdefault("Seed", (primary.spec or {}).get("seed"))
    spec = {f"{i + 1}. {r.method}": dict(r.spec or {}) for i, r in enumerate(results)}
    return ReportContent(
        title=title or f"Did {scheme} change {what}?",
        headline=(v[0].upper() + v[1:]) if v else primary.method,
        header=hdr, summary=summary, can_say=can, cannot_say=cannot + list(extra_cannot_say),
        figures=figures, how_sure=how,
        checks=pd.DataFrame(list(checks) + list(extra_checks),
                            columns=["check", "status", "detail"]),
        included=list(dict.fromkeys(inc)), tables=tables, spec=spec,
    )


def report(
    results: Any,
    path: str | Path,
    *,
    title: str | None = None,
    scheme: str = "the scheme",
    outcome: str | None = None,
    header: Mapping[str, Any] | None = None,
    included: Sequence[str] = (),
    extra_cannot_say: Sequence[str] = (),
    threshold: int = 5,
    figure_dir: str | Path | None = None,
    tables_dir: str | Path | None = None,
) -> tuple[Path, Path]:
    """Write the guided report (HTML with embedded figures + Markdown twin) for results.

    ``results``: one result or a list (``EffectResult`` and subclasses, ``ClaimResult``,
    the reoffending, balance and matching results). The headline is the fixed-vocabulary
    verdict of the first result with an effect; figures are each result's default plot;
    tables come from ``to_frame()``. Counts of individuals below ``threshold`` are hidden in
    every table, sentence and figure label. Returns the HTML and Markdown paths.
    """
    import matplotlib.pyplot as plt

    res = list(results) if isinstance(results, (list, tuple)) else [results]
    content = build_content(res, title=title, scheme=scheme, outcome=outcome, header=header,
                            included=included, extra_cannot_say=extra_cannot_say,
                            threshold=threshold)
    try:
        return write_report(content, path, threshold=threshold, figure_dir=figure_dir,
                            tables_dir=tables_dir)
    finally:
        for _, fig in content.figures:
            plt.close(fig)


#: the same function under a name that cannot be confused with the module
report_results = report

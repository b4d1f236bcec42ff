"""Disclosure control applied to a whole document, once: what comes out is all any writer
(HTML, Markdown, CSV, JSON, PNG) ever sees."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..content import Figure, Text, Verdict
from ..disclosure import (
    Policy,
    SafeTable,
    SuppressionLog,
    render_text,
    safe_mapping,
    scrub_free_text,
    suppress_table,
)
from .document import Document

__all__ = ["SafeDocument", "SafeFigure", "make_safe"]


@dataclass(frozen=True)
class SafeFigure:
    """A rendered figure: PNG bytes, caption, and the (suppressed) data it was drawn from."""

    caption: str
    png: bytes
    name: str
    data: SafeTable
    note: str


@dataclass(frozen=True)
class SafeDocument:
    title: str
    header: Mapping[str, str]
    verdict: str | None
    reason: str
    advice: tuple[str, ...]
    summary: tuple[str, ...]
    can_say: tuple[str, ...]
    cannot_say: tuple[str, ...]
    figures: tuple[SafeFigure, ...]
    how_sure: tuple[str, ...]
    checks: pd.DataFrame
    included: tuple[str, ...]
    tables: tuple[SafeTable, ...]
    specs: Mapping[str, Any]
    headline_numbers: Mapping[str, Any]
    others: tuple[tuple[str, str, str], ...]
    results: tuple[Mapping[str, Any], ...]
    disclosure: str
    threshold: int
    citation: str


def _texts(items: Any, policy: Policy, log: SuppressionLog, where: str) -> tuple[str, ...]:
    out = []
    for t in items:
        s = render_text(t, policy, log, where)
        if s:
            out.append(s)
    return tuple(out)


def _one(t: Text | str, policy: Policy, log: SuppressionLog, where: str) -> str:
    return render_text(t, policy, log, where) or ""


def render_figure(fig: Figure, policy: Policy, log: SuppressionLog) -> SafeFigure:
    """Draw ``fig`` from its suppressed data (gaps where values are withheld)."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text as MplText

    safe = suppress_table(fig.data, policy)
    n = safe.n_suppressed
    log.add("figure_points", n, fig.caption)
    note = (f"Gaps: values based on, or revealing, fewer than {policy.threshold} people are "
            "not shown." if n else "")
    mfig, ax = plt.subplots(figsize=fig.size)
    try:
        fig.draw(ax, safe.values)
        if note:
            mfig.text(0.01, 0.005, note, fontsize=7, color="0.35", ha="left", va="bottom")
        mfig.canvas.draw()
        for t in mfig.findobj(MplText):  # a safety net for labels: never the mechanism
            s = t.get_text()
            if s and scrub_free_text(s, policy) != s:
                t.set_text(scrub_free_text(s, policy))
        buf = io.BytesIO()
        mfig.tight_layout(rect=(0, 0.03 if note else 0, 1, 1))
        mfig.savefig(buf, format="png", dpi=110)
    finally:
        plt.close(mfig)
    caption = scrub_free_text(fig.caption, policy).rstrip(".") + "." + (
        f" {note}" if note else "")
    return SafeFigure(caption, buf.getvalue(), fig.name or "figure", safe, note)


def make_safe(doc: Document, policy: Policy) -> SafeDocument:
    """Apply disclosure control to every table, sentence, figure and number of ``doc``."""
    log = SuppressionLog()
    v: Verdict | None = doc.verdict
    tables = tuple(suppress_table(t, policy, log) for t in doc.tables)
    figures = tuple(render_figure(f, policy, log) for f in doc.figures)
    checks = pd.DataFrame(
        [(c.check, c.status, _one(c.detail, policy, log, "checks")) for c in doc.checks],
        columns=["check", "status", "detail"])
    return SafeDocument(
        title=scrub_free_text(doc.title, policy),
        header={str(k): scrub_free_text(str(x), policy) for k, x in doc.header.items()},
        verdict=v.label if v else None,
        reason=_one(v.reason, policy, log, "verdict") if v else "",
        advice=_texts(v.advice, policy, log, "verdict") if v else (),
        summary=_texts(doc.summary, policy, log, "summary"),
        can_say=_texts(doc.can_say, policy, log, "can say"),
        cannot_say=_texts(doc.cannot_say, policy, log, "cannot say"),
        figures=figures, how_sure=_texts(doc.how_sure, policy, log, "how sure"),
        checks=checks, included=_texts(doc.included, policy, log, "included"),
        tables=tables, specs=doc.specs,
        headline_numbers=safe_mapping(doc.headline_numbers, policy),
        others=tuple((title, ov.label, _one(ov.reason, policy, log, title))
                     for title, ov in doc.others),
        results=tuple({"title": sec.title,
                       "verdict": sec.verdict.label if sec.verdict else None,
                       **safe_mapping(sec.headline_numbers, policy)}
                      for sec in doc.sections),
        disclosure=log.statement(policy), threshold=policy.threshold, citation=doc.citation)

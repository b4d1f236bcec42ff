"""Assemble the sections of several results into one report document (typed, before
disclosure control)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._version import __version__
from ..content import Check, Context, Figure, Section, Table, Text, Verdict
from ..errors import SpecificationError

__all__ = ["Document", "assemble", "CITATION"]

CITATION = (
    "wsa_eval developers (2026). wsa_eval: evaluating Whole System Approaches and diversion "
    f"schemes for women in the criminal justice system, version {__version__}. "
    "See CITATION.cff for the methods papers to cite."
)


@dataclass(frozen=True)
class Document:
    """Everything one report shows, still typed (counts not yet suppressed)."""

    title: str
    header: Mapping[str, Any]
    verdict: Verdict | None
    summary: tuple[Text | str, ...]
    can_say: tuple[Text | str, ...]
    cannot_say: tuple[Text | str, ...]
    figures: tuple[Figure, ...]
    how_sure: tuple[Text | str, ...]
    checks: tuple[Check, ...]
    included: tuple[Text | str, ...]
    tables: tuple[Table, ...]
    specs: Mapping[str, Any]
    headline_numbers: Mapping[str, Any] = field(default_factory=dict)
    others: tuple[tuple[str, Verdict], ...] = ()
    sections: tuple[Section, ...] = ()
    citation: str = CITATION


def _sections(results: Sequence[Any], context: Context) -> list[Section]:
    out = []
    for r in results:
        make = getattr(r, "report_content", None)
        if make is None:
            raise SpecificationError(
                f"{type(r).__name__} cannot go into a report: it has no report_content(). "
                "Pass wsa_eval results (estimators' outputs, check_claim, ...).")
        sec = make(context)
        if not isinstance(sec, Section):
            raise SpecificationError(f"{type(r).__name__}.report_content() must return a "
                                     "wsa_eval.content.Section.")
        out.append(sec)
    return out


def assemble(results: Sequence[Any], context: Context, *, title: str | None = None,
             header: Mapping[str, Any] | None = None, included: Sequence[str] = (),
             cannot_say: Sequence[str] = (), data_source: str | None = None,
             seed: Any = None) -> Document:
    """One document from the results' sections; the first section with a verdict leads."""
    results = list(results)
    if not results:
        raise SpecificationError("report() needs at least one result.")
    secs = _sections(results, context)
    lead = next((s for s in secs if s.verdict is not None), secs[0])
    hdr: dict[str, Any] = {"Scheme": context.scheme}
    hdr.update(lead.header)
    if context.outcome_label:
        hdr["Outcome"] = context.outcome_label
    if data_source:
        hdr["Data"] = data_source
    hdr.update(dict(header or {}))
    hdr.setdefault("wsa_eval version", __version__)
    if seed is not None:
        hdr.setdefault("Seed", seed)
    others = tuple((s.title, s.verdict) for s in secs if s is not lead and s.verdict)

    def cat(attr: str) -> tuple:
        """The sections' items in order, each distinct item once."""
        out: list = []
        for sec in secs:
            for x in getattr(sec, attr):
                if x not in out:
                    out.append(x)
        return tuple(out)

    return Document(
        title=title or lead.title, header=hdr, verdict=lead.verdict,
        summary=lead.summary + tuple(x for s in secs if s is not lead for x in s.summary),
        can_say=cat("can_say"), cannot_say=cat("cannot_say") + tuple(cannot_say),
        figures=cat("figures"), how_sure=cat("how_sure"), checks=cat("checks"),
        included=cat("included") + tuple(included), tables=cat("tables"),
        specs={f"{i + 1}. {s.title}": dict(s.spec) for i, s in enumerate(secs)},
        headline_numbers=dict(lead.headline_numbers), others=others, sections=tuple(secs))

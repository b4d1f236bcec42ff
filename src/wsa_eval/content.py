"""What a result puts in a report: the report-content protocol.

Every result describes its own report content with :meth:`Result.report_content`, which
returns a :class:`Section`: a verdict (if the result has one), sentences, tables, figures,
checks and notes. The content is *typed* so that disclosure control can be applied once,
where results become report content (:mod:`wsa_eval.disclosure`), to every form a number
takes:

* a count of people is a :class:`Count`, never a bare number in a sentence;
* a number computed from counts (a rate, a percentage change of two counts, a log) is a
  :class:`Value` that names the counts it reveals (``reveals=``);
* a table is a :class:`Table` that declares which columns count people (``counts``), which
  columns reveal them (``reveals``: a log, a rate, a gap from a shown estimate), totals
  (``total_row``) and cumulative columns (``sequence``: an at-risk count whose differences
  are counts);
* a figure is a :class:`Figure`: its data (a :class:`Table`) and a function that draws
  them, so the figure is drawn from the disclosure-controlled data and never sees a
  suppressed value.

The report layer renders sections from any result without knowing the estimator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = [
    "Count", "Value", "Text", "Table", "Figure", "Check", "Verdict", "Section",
    "Context", "REDUCTION", "INCREASE", "INCONCLUSIVE", "text",
]

REDUCTION = "evidence of a reduction"
INCREASE = "evidence of an increase"
INCONCLUSIVE = "inconclusive: not enough evidence either way"


@dataclass(frozen=True)
class Count:
    """A count of people (``what``: the noun, e.g. ``"women"``)."""

    value: float
    what: str = "people"


@dataclass(frozen=True)
class Value:
    """A number for a sentence, formatted by ``kind``.

    ``kind``: ``"pct"`` (a fraction shown as a percentage, ``-0.58`` -> ``"58%"`` with
    ``signed=False``), ``"pct_signed"`` (``"-58%"``), ``"pp"`` (percentage points),
    ``"p"`` (a p-value), ``"num"`` (2-3 significant figures), ``"int"``.
    ``reveals``: the counts this number would disclose if shown (e.g. a percentage change
    between two counts reveals both); it is withheld when any of them is suppressed.
    """

    value: float
    kind: str = "num"
    unit: str = ""
    reveals: tuple[Count, ...] = ()


@dataclass(frozen=True)
class Text:
    """A sentence with typed values: ``Text("{n} women reoffended", {"n": Count(3)})``.

    ``fallback`` is used instead when any value in the sentence must be withheld
    (a suppressed :class:`Count` is written "fewer than 5" in place; a :class:`Value` that
    reveals a suppressed count withholds the whole sentence, replaced by ``fallback`` or
    dropped). ``reveals``: counts the sentence as a whole rests on (e.g. rates of a small
    group): it is withheld when any of them is suppressed.
    """

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)
    fallback: str | None = None
    reveals: tuple[Count, ...] = ()


def text(template: str, fallback: str | None = None, **values: Any) -> Text:
    """Shorthand: ``text("{n} of {m} women", n=Count(3), m=Count(40))``."""
    return Text(template, dict(values), fallback)


@dataclass(frozen=True, eq=False)
class Table:
    """A table with its disclosure declarations and presentation.

    Attributes
    ----------
    title : str
    frame : DataFrame
        The values (raw; never pre-formatted).
    counts : mapping column -> noun
        Columns that count people.
    reveals : mapping column -> count column (or tuple of count columns)
        Columns that would disclose the count column(s) of the same row (a log or a rate of
        it, its difference from a shown estimate): suppressed wherever it is.
    shares : mapping column -> denominator column
        Count columns that are a part of the denominator count of the same row (people who
        reoffended among people followed up): the rest (``denominator - part``) is a count
        too, so the part is suppressed when either is small.
    scale : mapping column -> column or number
        Count columns holding a mean over several units: the count is ``value * scale``.
    total_row : label, optional
        Index label of a row that totals the others; a suppressed part gets a
        complementary suppression so it cannot be recovered by subtraction.
    sequence : tuple of columns
        Cumulative counts (people at risk) whose differences between rows are counts:
        rows are merged until each difference is zero or at least the threshold.
    external : mapping column or (row position, column) -> tuple of Count
        Cells that reveal counts shown nowhere in the table (a percentage change between two
        years' counts): suppressed when any of those counts is.
    known_total : tuple of count columns
        Count columns whose total is known elsewhere (all the events, all the people): a
        single suppressed cell gets a complementary suppression.
    hidden : tuple of columns
        Columns used only for disclosure control (e.g. the number of people behind a rate),
        never shown.
    labels, units, kinds : mappings by column
        Human column labels, units ("%", "people") and number kinds (see :class:`Value`).
    appendix : bool
        Show in the technical appendix (default) or in the body.
    """

    title: str
    frame: pd.DataFrame
    counts: Mapping[str, str] = field(default_factory=dict)
    reveals: Mapping[str, Any] = field(default_factory=dict)
    shares: Mapping[str, str] = field(default_factory=dict)
    scale: Mapping[str, Any] = field(default_factory=dict)
    total_row: Any = None
    sequence: tuple[str, ...] = ()
    external: Mapping[Any, tuple[Count, ...]] = field(default_factory=dict)
    known_total: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    appendix: bool = True
    name: str = ""


@dataclass(frozen=True, eq=False)
class Figure:
    """A figure drawn from (disclosure-controlled) data.

    ``draw(ax, frame)`` draws ``data.frame`` after suppression (suppressed cells are NaN:
    lines break, bars are missing) and returns nothing. Every text the figure shows is
    made by ``draw`` from that frame or from ``caption``.
    """

    caption: str
    data: Table
    draw: Callable[[Any, pd.DataFrame], None]
    name: str = ""
    size: tuple[float, float] = (7.0, 4.0)


@dataclass(frozen=True)
class Check:
    """One row of the traffic-light table: ``status`` is green, amber, red or grey."""

    check: str
    status: str
    detail: Text | str


@dataclass(frozen=True)
class Verdict:
    """The fixed-vocabulary headline and the true reason for it.

    ``label``: one of :data:`REDUCTION`, :data:`INCREASE`, :data:`INCONCLUSIVE`.
    ``reason``: why, in plain words, consistent with the numbers shown (e.g. that the
    design cannot reach the 5% level with so few comparison areas).
    ``code``: a short machine-readable reason (``"significant"``, ``"floor_above_alpha"``,
    ``"interval_includes_zero"``, ``"placebos_as_large"``, ``"no_estimate"``).
    """

    label: str
    reason: Text | str = ""
    code: str = ""
    advice: tuple[Text | str, ...] = ()


@dataclass(frozen=True, eq=False)
class Section:
    """The report content of one result."""

    title: str
    verdict: Verdict | None = None
    summary: tuple[Text | str, ...] = ()
    can_say: tuple[Text | str, ...] = ()
    cannot_say: tuple[Text | str, ...] = ()
    how_sure: tuple[Text | str, ...] = ()
    checks: tuple[Check, ...] = ()
    included: tuple[Text | str, ...] = ()
    tables: tuple[Table, ...] = ()
    figures: tuple[Figure, ...] = ()
    header: Mapping[str, Any] = field(default_factory=dict)
    spec: Mapping[str, Any] = field(default_factory=dict)
    headline_numbers: Mapping[str, Value | Count] = field(default_factory=dict)


def finite(x: Any) -> bool:
    """True for a real, finite number."""
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def as_tuple(items: Sequence[Any] | None) -> tuple[Any, ...]:
    return tuple(items or ())


@dataclass(frozen=True)
class Context:
    """What the person writing the report knows that a result does not.

    ``scheme``: the scheme's name in words; ``outcome_label``: the outcome in words
    (default: derived from the column name); ``outcome_is_count``: whether the outcome
    counts people (None: as the result recorded it, else inferred from whole numbers);
    ``area``: the treated area's name for sentences.
    """

    scheme: str = "the scheme"
    outcome_label: str | None = None
    outcome_is_count: bool | None = None
    area: str | None = None

"""Start years of the roll-out, with their uncertainty.

The start-date table (:func:`wsa_eval.datasets.load_wsa_start_dates`) lists, per area,
events of different kinds -- pilots, launches, funding -- each with a date as precise as
known and a graded strength of evidence. A scheme's effect on a yearly count can begin in
the year it started or, when it started late in the year (or the date is only a year), in
the next. So each event with evidence at least ``min_strength`` gives the plausible first
treated years ``{Y}`` (a date in January-June) or ``{Y, Y+1}`` (July-December, or a date
known only to the year), and an area's plausible set is the union over its events. The
primary choice is the earliest plausible year (the first time the scheme could act), the
rule of notebook 2 and of ``treated_areas``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import ColumnError, SpecificationError, format_examples

__all__ = ["start_year_options"]

_STRENGTH = {"low": 0, "medium": 1, "high": 2}


def _years_of(date: Any, precision: Any) -> list[int]:
    s = "" if date is None or (isinstance(date, float) and date != date) else str(date).strip()
    m = re.match(r"^(\d{4})(?:-(\d{2}))?", s)
    if not m:
        return []
    y = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    if month is None or str(precision).strip().lower() == "year":
        return [y, y + 1]
    return [y] if month <= 6 else [y, y + 1]


def start_year_options(start_dates: pd.DataFrame | Mapping[Any, Any], *,
                       min_strength: str = "medium", unit: str = "pfa") -> pd.DataFrame:
    """Each area's plausible first treated years, graded.

    Parameters
    ----------
    start_dates : DataFrame or mapping
        A table like :func:`~wsa_eval.datasets.load_wsa_start_dates` (columns ``unit``,
        ``date``, ``evidence_strength``, optionally ``date_precision``, ``event``), or a
        mapping ``{area: year}`` / ``{area: [years]}`` (taken as given, evidence unknown).
    min_strength : {"low", "medium", "high"}
        Events with weaker evidence are ignored (rows graded ``none`` always are).
    unit : str
        The area column of the table.

    Returns
    -------
    DataFrame
        One row per area: ``unit`` (the area), ``years`` (tuple of plausible first treated
        years, sorted), ``primary`` (the earliest), ``n_events``, ``events`` (the events
        behind them, in words, with date, precision and evidence).
    """
    if isinstance(start_dates, Mapping):
        rows = []
        for area, v in start_dates.items():
            ys = sorted({int(x) for x in (v if isinstance(v, (list, tuple, set)) else [v])})
            if not ys:
                raise SpecificationError(f"start_dates gives no year for {area!r}.")
            rows.append({"unit": area, "years": tuple(ys), "primary": ys[0], "n_events": 1,
                         "events": "given"})
        return pd.DataFrame(rows, columns=["unit", "years", "primary", "n_events", "events"])
    if not isinstance(start_dates, pd.DataFrame):
        raise SpecificationError("start_dates must be a table like load_wsa_start_dates() or a "
                                 "mapping {area: year}.")
    need = [c for c in (unit, "date", "evidence_strength") if c not in start_dates.columns]
    if need:
        raise ColumnError(f"start_dates lacks column(s) {format_examples(need)}; it has "
                          f"{format_examples([str(c) for c in start_dates.columns], 20)}.")
    if min_strength not in _STRENGTH:
        raise SpecificationError(f"min_strength must be 'low', 'medium' or 'high', not "
                                 f"{min_strength!r}.")
    rows = []
    for area, grp in start_dates.groupby(unit, sort=True):
        years: set[int] = set()
        words = []
        for _, r in grp.iterrows():
            s = _STRENGTH.get(str(r["evidence_strength"]).strip().lower(), -1)
            if s < _STRENGTH[min_strength]:
                continue
            ys = _years_of(r["date"], r.get("date_precision"))
            if not ys:
                continue
            years |= set(ys)
            words.append(f"{r.get('event', 'event')} ({r['date']}, "
                         f"{r.get('date_precision', '?')} precision, "
                         f"{r['evidence_strength']} evidence)")
        if years:
            ys = sorted(years)
            rows.append({"unit": area, "years": tuple(ys), "primary": ys[0],
                         "n_events": len(words), "events": "; ".join(words)})
    return pd.DataFrame(rows, columns=["unit", "years", "primary", "n_events", "events"])

"""Person-level records to an area x period panel, ready for the area-level methods.

:func:`area_panel` counts records (or distinct people) by area and period in the engine,
returns one row per area and period -- every area in every period, zero where nothing was
recorded -- and, given ONS mid-year population estimates, the rate per 100,000 residents.
The result is a small pandas frame in the layout :func:`wsa_eval.check_claim`,
:func:`wsa_eval.synth.sdid` and :func:`wsa_eval.did.callaway_santanna` take (``unit`` = the
area column, ``time`` = the period column, ``outcome`` = ``count`` or ``rate``; with
``first_treated`` a column of each area's first treated period, 0 for never).

Periods are whole numbers that sort in time order: ``year`` (2019), ``quarter`` (20191 for
January-March 2019) or ``month`` (201901). Population rates use the population of the
period's calendar year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnError, SpecificationError, format_examples
from ._backend import quote as q
from ._inputs import date_reader, open_sources, require

__all__ = ["area_panel", "PERIODS"]

PERIODS = ("year", "quarter", "month")


def _period_sql(period: str) -> str:
    if period == "year":
        return "YEAR(__date)"
    if period == "quarter":
        return "YEAR(__date) * 10 + QUARTER(__date)"
    return "YEAR(__date) * 100 + MONTH(__date)"


def _all_periods(lo: int, hi: int, period: str) -> list[int]:
    if period == "year":
        return list(range(lo, hi + 1))
    step = 4 if period == "quarter" else 12
    div = 10 if period == "quarter" else 100
    out = []
    y, k = divmod(lo, div)
    while y * div + k <= hi:
        out.append(y * div + k)
        k += 1
        if k > step:
            y, k = y + 1, 1
    return out


def area_panel(
    records: Any,
    *,
    area: str,
    date: str,
    period: str = "year",
    person: str | None = None,
    population: Any = None,
    first_treated: Mapping[Any, int] | None = None,
    areas: Sequence[Any] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> pd.DataFrame:
    """Counts (and rates) of person-level records by area and period.

    Parameters
    ----------
    records : DataFrame, path, DuckDB relation, ibis table or Spark DataFrame
        One row per record (an offence, a caution, an arrest), with ``area`` and ``date``.
    area, date : str
        The area column (e.g. police force area) and the date that places a record in a
        period (dates, text dates in one format, or day numbers since 1970-01-01).
    period : {"year", "quarter", "month"}
        Period length; the period column is named after it.
    person : str, optional
        Count distinct people in each area and period instead of records.
    population : DataFrame, path or table, optional
        ONS mid-year population estimates with columns ``area`` (the same name), ``year``
        and ``population``; adds ``population`` and ``rate`` (per 100,000 residents).
    first_treated : mapping area -> period, optional
        The first treated period of each treated area; adds ``first_treated`` (0 = never).
    areas : list, optional
        Every area to include (default: those in the records and the population).
    start, end : int, optional
        First and last period to include (default: those of the records).

    Returns
    -------
    DataFrame
        ``area, <period>, count`` (+ ``population, rate``, + ``first_treated``), one row per
        area and period, sorted.
    """
    if period not in PERIODS:
        raise SpecificationError(f"period must be one of {PERIODS}, not {period!r}.")
    (src,) = open_sources({"records": records})
    require(src, {"area": area, "date": date, "person": person})
    b = src.backend
    day_sql, _ = date_reader(src, date, "date", as_date=True)
    view = b.native_view(f"SELECT {b.nq(area)} AS __area, {day_sql} AS __date"
                         + (f", {b.nq(person)} AS __person" if person else "")
                         + f" FROM {b.nq(src.view)}", "panel")
    n_what = "COUNT(DISTINCT __person)" if person else "COUNT(*)"
    counts = b.fetch(f"""
        SELECT __area AS area, {_period_sql(period)} AS period, {n_what} AS count
        FROM {q(view)} GROUP BY __area, {_period_sql(period)}""")
    bad = counts["period"].isna()
    if bad.any():
        raise ColumnError(
            f"date={date!r} in {src.label} has {int(counts.loc[bad, 'count'].sum())} missing or "
            "unreadable value(s); drop those rows first.")
    if counts["area"].isna().any():
        raise ColumnError(f"area={area!r} in {src.label} has missing values; drop those rows "
                          "or give them an area first.")
    counts["period"] = counts["period"].astype(np.int64)
    lo = int(counts["period"].min()) if start is None else int(start)
    hi = int(counts["period"].max()) if end is None else int(end)
    pop = None
    if population is not None:
        (psrc,) = open_sources({"population": population})
        require(psrc, {"area": area, "year": "year", "population": "population"})
        pop = psrc.backend.fetch(f"SELECT {q(area)} AS area, CAST(year AS BIGINT) AS year, "
                                 f"CAST(population AS DOUBLE) AS population FROM {psrc.ref}")
        dup = pop.duplicated(["area", "year"])
        if dup.any():
            d = pop.loc[dup]
            raise SpecificationError(
                "population has more than one row for area and year "
                f"{format_examples(d['area'].astype(str) + ' ' + d['year'].astype(str))}.")
    if areas is None:
        found = set(counts["area"].tolist()) | (set(pop["area"]) if pop is not None else set())
        areas = sorted(found)
    grid = pd.MultiIndex.from_product([list(areas), _all_periods(lo, hi, period)],
                                      names=["area", "period"]).to_frame(index=False)
    out = grid.merge(counts[["area", "period", "count"]], on=["area", "period"], how="left")
    out["count"] = out["count"].fillna(0).astype(np.int64)
    if pop is not None:
        div = {"year": 1, "quarter": 10, "month": 100}[period]
        out["year"] = out["period"] // div
        out = out.merge(pop, on=["area", "year"], how="left")
        missing = out["population"].isna()
        if missing.any():
            m = out.loc[missing, ["area", "year"]].drop_duplicates()
            raise SpecificationError(
                "population has no estimate for area and year "
                f"{format_examples(m['area'].astype(str) + ' ' + m['year'].astype(str))}.")
        out["rate"] = out["count"] / out["population"] * 100_000
        out = out.drop(columns="year")
    if first_treated is not None:
        unknown = [a for a in first_treated if a not in set(areas)]
        if unknown:
            raise SpecificationError(f"first_treated names areas not in the panel: "
                                     f"{format_examples(unknown)}.")
        out["first_treated"] = out["area"].map(dict(first_treated)).fillna(0).astype(np.int64)
    out = out.rename(columns={"area": area, "period": period})
    return out.sort_values([area, period], kind="stable").reset_index(drop=True)

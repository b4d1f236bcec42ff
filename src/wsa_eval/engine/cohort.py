"""The Ministry of Justice proven-reoffending cohort, in SQL (DuckDB or Spark).

The definitions are those of :mod:`wsa_eval.survival.cohort` (MoJ, *Guide to proven
reoffending statistics*): each person enters at her earliest index event; an offence counts
when it is committed on days ``1..follow_up_days`` after the index date (day 0 too with
``include_index_day``) and proven within ``follow_up_days + waiting_days``; people whose
follow-up and waiting period are not complete by ``data_end`` are censored at
``min(follow_up_days, days to data_end - waiting_days)`` and counted only if the offence is
proven by ``data_end``; the binary and frequency measures leave them out.

How it runs (one pass over the offence rows):

1. ``base``: each person's index day, completeness flag and censoring day (four columns),
   from the index events with the impossible rows removed (missing id, missing or
   unreadable date, index date after ``data_end``) and one row per person: the earliest;
   ties are broken by the other columns, so the choice does not depend on row order (the
   window that picks it runs only when someone has several rows).
2. ``agg``: the offences left-joined to ``base`` on the person id and grouped by person:
   the number of proven reoffences, the first day, and the counts of impossible rows (an
   unknown person, a missing date, proven before committed).
3. ``persons``: a *view* of the kept index events left-joined to ``agg``, with the output
   columns of the pandas builder (``reoffended``, ``n_reoffences``, ``days_to_first``,
   ``event``, ``time``, ``n_censored``, ``follow_up_complete``, ``follow_up_days_observed``).
   Being a view, it reads only the columns a later step asks for (Kaplan-Meier by group
   reads three); it is in no particular order (sort when fetching).

Everything stays in the engine; only the measures and the counts of dropped rows come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnError, DataFormatError, SpecificationError, format_examples
from ._backend import quote as q
from ._inputs import Source, date_reader, open_sources, require

__all__ = ["EngineCohort", "build_cohort", "OUTPUT_COLUMNS"]

#: the columns the cohort adds (as :data:`wsa_eval.survival.cohort.OUTPUT_COLUMNS`)
OUTPUT_COLUMNS = ("reoffended", "n_reoffences", "days_to_first", "event", "time", "n_censored",
                  "follow_up_complete", "follow_up_days_observed")


@dataclass
class EngineCohort:
    """What :func:`build_cohort` found: the persons table (kept in the engine) and the small
    summaries that come back to Python."""

    backend: Any
    table: str  # name of the temporary persons table
    persons: Any  # DuckDB relation or Spark DataFrame of that table
    measures: pd.DataFrame
    dropped: pd.DataFrame  # table, reason, rows, examples
    n_people: int
    n_incomplete: int
    offence_rows_read: int
    offence_rows_dropped: int


def _scalar_day(x: Any, kind: str) -> int:
    if kind == "day":
        if isinstance(x, (int, np.integer)) or (isinstance(x, float) and float(x).is_integer()):
            return int(x)
        raise SpecificationError(
            "data_end must be a day number (an integer) because the dates are day numbers.")
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        raise SpecificationError(
            f"data_end={x!r} is a number, but the dates are dates: give a date such as "
            "'2021-12-31'.")
    try:
        ts = pd.Timestamp(x)
    except (TypeError, ValueError) as exc:
        raise SpecificationError(f"data_end={x!r} is not a date.") from exc
    if pd.isna(ts):
        raise SpecificationError("data_end is missing; give the last date the data cover.")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(np.datetime64(ts, "D").astype(np.int64))


def _check_ids(ie: Source, off: Source, person: str) -> None:
    a, b = ie.kind(person), off.kind(person)
    numeric = ("integer", "float")
    if (a in numeric) != (b in numeric):
        raise ColumnError(
            f"person={person!r} is {ie.types[person]} in {ie.label} but {off.types[person]} in "
            f"{off.label}: the ids cannot be matched. Give both the same type.")


def _counts(backend: Any, sql: str) -> dict[str, int]:
    row = backend.fetch(sql).iloc[0]
    return {k: int(v) if pd.notna(v) else 0 for k, v in row.items()}


def _examples(backend: Any, sql: str) -> str:
    vals = backend.fetch(sql + " LIMIT 5").iloc[:, 0].tolist()
    return format_examples(vals)


def build_cohort(
    index_events: Any,
    offences: Any,
    *,
    person: str,
    index_date: str,
    offence_date: str,
    proven_date: str,
    data_end: Any,
    follow_up_days: int,
    waiting_days: int,
    include_index_day: bool,
    errors: str,
) -> EngineCohort:
    """Build the cohort in the engine (see the module docstring); inputs are checked first."""
    ie, off = open_sources({"index_events": index_events, "offences": offences})
    require(ie, {"person": person, "index_date": index_date})
    require(off, {"person": person, "offence_date": offence_date, "proven_date": proven_date})
    clash = [c for c in OUTPUT_COLUMNS if c in ie.types]
    if clash:
        raise SpecificationError(
            f"index_events already has column(s) {format_examples(clash)}, which the result "
            "adds; rename them first.")
    _check_ids(ie, off, person)
    b = ie.backend
    ie_day, ie_kind = date_reader(ie, index_date, "index_date")
    od_day, od_kind = date_reader(off, offence_date, "offence_date")
    pv_day, pv_kind = date_reader(off, proven_date, "proven_date")
    if len({ie_kind, od_kind, pv_kind}) > 1:
        raise SpecificationError(
            "Index dates and offence dates must both be dates or both be day numbers.")
    end = _scalar_day(data_end, ie_kind)
    F, W = int(follow_up_days), int(waiting_days)
    lo = 0 if include_index_day else 1
    P = q(person)
    nq = b.nq
    ie_t = b.native_view(f"SELECT *, {ie_day} AS __wsa_day FROM {nq(ie.view)}", "ie")
    off_t = b.native_view(f"SELECT {nq(person)} AS __p, {od_day} AS __od, {pv_day} AS __pv "
                          f"FROM {nq(off.view)}", "off")
    drops: list[dict[str, Any]] = []
    rows, base_name, n = _index_step(b, ie_t, P, end, F, W, [c for c in ie.types if c != person],
                                     drops)
    if errors == "raise" and drops:
        _raise(b, drops)
    agg_name, oc = _offence_step(b, off_t, base_name, P, end, F, W, lo, ie_t, drops)
    if errors == "raise" and drops:
        _raise(b, drops)
    complete = f"({end} - s.__wsa_day >= {F + W})"
    cens = f"LEAST(GREATEST({end} - s.__wsa_day - {W}, 0), {F})"
    nh = "COALESCE(a.n_hit, 0)"
    persons_name, persons = b.view(f"""
        SELECT {', '.join('s.' + q(col) for col in ie.types)},
          CASE WHEN {complete} THEN (CASE WHEN {nh} > 0 THEN 1 ELSE 0 END) END
            AS reoffended,
          CASE WHEN {complete} THEN {nh} END AS n_reoffences,
          CAST(a.first_day AS DOUBLE) AS days_to_first,
          CASE WHEN {nh} > 0 THEN 1 ELSE 0 END AS event,
          CAST(COALESCE(a.first_day, CASE WHEN {complete} THEN {F} ELSE {cens} END) AS DOUBLE)
            AS time,
          CASE WHEN {nh} > 0 THEN 0 ELSE 1 END AS n_censored,
          {complete} AS follow_up_complete,
          CASE WHEN {complete} THEN {F} ELSE {cens} END AS follow_up_days_observed
        FROM {rows} AS s
        LEFT JOIN (SELECT __p, n_hit, first_day FROM {q(agg_name)} WHERE __p IS NOT NULL)
          AS a ON s.{P} = a.__p""", "persons")
    m = _counts(b, f"""
        SELECT COUNT(*) AS n,
          SUM(CASE WHEN s.__complete THEN 1 ELSE 0 END) AS n_c,
          SUM(CASE WHEN s.__complete AND a.n_hit > 0 THEN 1 ELSE 0 END) AS n_r,
          SUM(CASE WHEN s.__complete THEN COALESCE(a.n_hit, 0) ELSE 0 END) AS total
        FROM {q(base_name)} AS s
        LEFT JOIN (SELECT __p, n_hit FROM {q(agg_name)} WHERE __p IS NOT NULL) AS a
          ON s.{P} = a.__p""")
    mean_first = b.fetch(f"""
        SELECT AVG(CAST(a.first_day AS DOUBLE)) AS v FROM {q(base_name)} AS s
        JOIN {q(agg_name)} AS a ON s.{P} = a.__p
        WHERE a.__p IS NOT NULL AND s.__complete""")["v"].iloc[0]
    n_c, n_r, total = m["n_c"], m["n_r"], m["total"]
    measures = pd.DataFrame({
        "measure": ["cohort_size", "cohort_size_complete", "reoffenders",
                    "proven_reoffending_rate", "proven_reoffences",
                    "reoffences_per_offender", "reoffences_per_reoffender",
                    "mean_days_to_first_reoffence"],
        "value": [m["n"], n_c, n_r, n_r / n_c if n_c else np.nan, total,
                  total / n_c if n_c else np.nan, total / n_r if n_r else np.nan,
                  float(mean_first) if n_r and pd.notna(mean_first) else np.nan],
        "description": [
            "people with a usable index event",
            "people whose follow-up year and waiting period are complete by data_end",
            "people (complete follow-up) with at least one proven reoffence",
            "binary measure: reoffenders / cohort_size_complete",
            "proven reoffences committed in the follow-up (complete follow-up)",
            "frequency: proven reoffences per person in the cohort",
            "frequency: proven reoffences per reoffender",
            "days from the index date to the first proven reoffence, among reoffenders",
        ],
    })
    dropped = pd.DataFrame(
        [{"table": r["table"], "reason": r["reason"], "rows": int(r["rows"]),
          "examples": _examples(b, r["sql"])} for r in drops],
        columns=["table", "reason", "rows", "examples"])
    n_off_drop = int(dropped.loc[dropped["table"] == "offences", "rows"].sum())
    return EngineCohort(backend=b, table=persons_name, persons=persons, measures=measures,
                        dropped=dropped, n_people=m["n"], n_incomplete=m["n"] - n_c,
                        offence_rows_read=oc["n_off"], offence_rows_dropped=n_off_drop)


def _index_step(b: Any, ie_t: str, P: str, end: int, F: int, W: int, carried: list[str],
                drops: list[dict[str, Any]]) -> tuple[str, str, int]:
    """Index events: count the impossible rows, keep one row per person (the earliest; a
    window only when someone has several), and store each person's day numbers.

    Returns ``(SQL source of the kept rows, name of the key table, number of people)``."""
    ok = f"{P} IS NOT NULL AND __wsa_day IS NOT NULL AND __wsa_day <= {end}"
    c = _counts(b, f"""
        SELECT COUNT(*) AS n_in,
          SUM(CASE WHEN {P} IS NULL THEN 1 ELSE 0 END) AS miss_id,
          SUM(CASE WHEN {P} IS NOT NULL AND __wsa_day IS NULL THEN 1 ELSE 0 END) AS bad_day,
          SUM(CASE WHEN {P} IS NOT NULL AND __wsa_day > {end} THEN 1 ELSE 0 END) AS late
        FROM {q(ie_t)}""")
    for key, reason, cond in (
            ("miss_id", "have a missing person id", f"{P} IS NULL"),
            ("bad_day", "have a missing or unreadable index date",
             f"{P} IS NOT NULL AND __wsa_day IS NULL"),
            ("late", "have an index date after data_end",
             f"{P} IS NOT NULL AND __wsa_day > {end}")):
        if c[key]:
            drops.append({"table": "index_events", "reason": reason, "rows": c[key],
                          "sql": f"SELECT {P} FROM {q(ie_t)} WHERE {cond}"})
    # each person's earliest usable index day, completeness and censoring day
    complete = f"({end} - MIN(__wsa_day) >= {F + W})"
    base_name, _ = b.materialise(f"""
        SELECT {P}, MIN(__wsa_day) AS __base, {complete} AS __complete,
          CASE WHEN {complete} THEN {F}
               ELSE LEAST(GREATEST({end} - MIN(__wsa_day) - {W}, 0), {F}) END AS __cens,
          COUNT(*) AS __rows
        FROM {q(ie_t)} WHERE {ok} GROUP BY {P}""", "base")
    k = _counts(b, f"SELECT COUNT(*) AS n, SUM(__rows) AS rows FROM {q(base_name)}")
    n = k["n"]
    if n == 0:
        raise DataFormatError("No usable index events remain after dropping impossible rows.")
    if k["rows"] > n:
        drops.append({"table": "index_events", "reason":
                      "repeat a person already in the cohort (the earliest index event is kept)",
                      "rows": k["rows"] - n,
                      "sql": f"SELECT {P} FROM {q(base_name)} WHERE __rows > 1"})
        # the earliest row; ties broken by the other columns (not by row order)
        tie = "".join(", " + q(col) for col in carried)
        kept, _ = b.materialise(f"""
            SELECT * FROM (
              SELECT *, ROW_NUMBER() OVER (PARTITION BY {P} ORDER BY __wsa_day{tie}) AS __rn
              FROM {q(ie_t)} WHERE {ok}) AS s
            WHERE __rn = 1""", "kept")
        rows = f"(SELECT * FROM {q(kept)})"
    else:
        rows = f"(SELECT * FROM {q(ie_t)} WHERE {ok})"
    return rows, base_name, n


def _offence_step(b: Any, off_t: str, base_name: str, P: str, end: int, F: int, W: int,
                  lo: int, ie_t: str, drops: list[dict[str, Any]]) -> tuple[str, dict]:
    """Offences, one pass: grouped by person *for the proven reoffences only* (every other
    row falls into one group, the NULL key, which costs a cache-resident update), with the
    counts of impossible rows summed along; then the dropped rows by reason."""
    d = "(o.__od - b.__base)"
    matched = "b.__base IS NOT NULL"
    hit = (f"({matched} AND o.__od IS NOT NULL AND o.__pv IS NOT NULL "
           f"AND o.__pv >= o.__od AND {d} >= {lo} AND {d} <= {F} "
           f"AND o.__pv - b.__base <= {F + W} "
           f"AND (b.__complete OR ({d} <= b.__cens AND o.__pv <= {end})))")
    key = f"CASE WHEN {hit} THEN o.__p END"
    agg_name, _ = b.materialise(f"""
        SELECT {key} AS __p, COUNT(*) AS n_hit, MIN({d}) AS first_day,
          SUM(CASE WHEN {matched} THEN 0 ELSE 1 END) AS n_unmatched,
          SUM(CASE WHEN {matched} AND o.__od IS NULL THEN 1 ELSE 0 END) AS n_bad_od,
          SUM(CASE WHEN {matched} AND o.__od IS NOT NULL AND o.__pv IS NULL THEN 1 ELSE 0 END)
            AS n_bad_pv,
          SUM(CASE WHEN {matched} AND o.__od IS NOT NULL AND o.__pv IS NOT NULL
                   AND o.__pv < o.__od THEN 1 ELSE 0 END) AS n_before
        FROM {q(off_t)} AS o
        LEFT JOIN {q(base_name)} AS b ON o.__p = b.{P}
        GROUP BY {key}""", "agg")
    oc = _counts(b, f"""
        SELECT SUM(n_hit) AS n_off, SUM(n_unmatched) AS unmatched, SUM(n_bad_od) AS bad_od,
          SUM(n_bad_pv) AS bad_pv, SUM(n_before) AS before FROM {q(agg_name)}""")
    # offences of unknown people: of a person whose index events were all dropped, or not
    gone = (f"(SELECT DISTINCT {P} AS __p FROM {q(ie_t)} WHERE {P} IS NOT NULL) AS i "
            f"WHERE i.__p NOT IN (SELECT {P} FROM {q(base_name)})")
    oc["was"] = oc["unknown"] = 0
    if oc["unmatched"]:
        oc["was"] = _counts(b, f"""
            SELECT COUNT(*) AS was FROM {q(off_t)} AS o
            JOIN (SELECT i.__p FROM {gone}) AS g ON o.__p = g.__p""")["was"]
        oc["unknown"] = oc["unmatched"] - oc["was"]
    base = f"{q(off_t)} AS o LEFT JOIN {q(base_name)} AS b ON o.__p = b.{P}"
    for k, reason, cond in (
            ("was", "belong to a person whose index event was dropped",
             f"NOT {matched} AND o.__p IN (SELECT i.__p FROM {gone})"),
            ("unknown", "have a person id with no index event",
             f"NOT {matched} AND (o.__p IS NULL OR o.__p NOT IN (SELECT i.__p FROM {gone}))"),
            ("bad_od", "have a missing or unreadable offence date",
             f"{matched} AND o.__od IS NULL"),
            ("bad_pv", "have a missing or unreadable proven date",
             f"{matched} AND o.__od IS NOT NULL AND o.__pv IS NULL"),
            ("before", "are proven before the offence was committed",
             f"{matched} AND o.__pv < o.__od")):
        if oc[k]:
            drops.append({"table": "offences", "reason": reason, "rows": oc[k],
                          "sql": f"SELECT o.__p FROM {base} WHERE {cond}"})
    return agg_name, oc


def _raise(b: Any, drops: list[dict[str, Any]]) -> None:
    r = drops[0]
    raise DataFormatError(
        f"{r['table']}: {r['rows']} row(s) {r['reason']} (person "
        f"{_examples(b, r['sql'])}). Fix or remove them, or call with errors='drop' to drop "
        "and report them.")


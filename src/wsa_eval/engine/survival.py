"""Sufficient statistics of the survival estimators, computed by the engine.

Kaplan-Meier, the log-rank test, the Aalen-Johansen cumulative incidence, Gray's test and the
restricted mean survival time depend on person-level data only through the number of people
who enter, have each kind of event, or are censored at each time within each group (and
stratum): the table of counts by ``(group, [entry], time, event)``. The Cox partial
likelihood with covariates that take few values depends on the data only through the counts
by ``(strata, covariate pattern, [cluster], [entry], time, event)``: people in one cell share
their risk score, their risk sets and (for the robust variance) their score residual. The
engine computes these tables with one ``GROUP BY`` and sends only them back; the estimators
in :mod:`wsa_eval.survival` treat the counts as frequency weights, which reproduces the
person-level answers exactly (see ``wsa_eval.survival._cox_collapsed`` for the Efron
derivation).

Checks on the values (missing or negative times, event codes, entry not before exit,
weights) are made on the collapsed table, which holds every distinct value, so they cost
no second pass; a covariate with too many distinct values to collapse is refused first,
from an approximate distinct count, naming the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnError, SpecificationError, format_examples
from ._backend import quote as q
from ._inputs import Source, check_kind, open_sources, require

__all__ = ["Collapsed", "collapse", "MAX_LEVELS"]

#: a covariate with more distinct values than this is treated as continuous (not collapsed)
MAX_LEVELS = 200


@dataclass
class Collapsed:
    """A table of counts by the key columns, in pandas (small)."""

    cells: pd.DataFrame  # key columns + "time" [+ "entry"] + "event" + "n" [+ "w"]
    label: str  # the input, for messages
    engine: str  # "duckdb" or "spark"
    n: int  # people (rows of the input)
    keys: tuple[str, ...]  # the grouping columns other than time / entry / event
    string_keys: tuple[str, ...]  # keys that are text (for dummy coding)
    levels: dict[str, list[Any]]  # text covariates: their sorted levels (cells hold codes)


def _cell_error(src: Source, col: str, arg: str, what: str, values: Sequence[Any]) -> None:
    raise ColumnError(
        f"Column {col!r} ({arg}) in {src.label} has {what}"
        + (f" (e.g. {format_examples(list(values))})" if len(values) else "") + ".")


def _check_levels(src: Source, covariates: Sequence[str], max_levels: int,
                  what: str, limits: dict[str, int]) -> None:
    cols = list(covariates) + list(limits)
    if not cols:
        return
    sel = ", ".join(f"APPROX_COUNT_DISTINCT({q(c)}) AS {q('k' + str(i))}"
                    for i, c in enumerate(cols))
    found = dict(zip(cols, src.backend.fetch(f"SELECT {sel} FROM {src.ref}").iloc[0]))
    for c in covariates:
        if found[c] > max_levels:
            raise SpecificationError(
                f"Covariate {c!r} in {src.label} has about {int(found[c]):,} distinct values: "
                f"it looks continuous, and {what} on the engine needs covariates with at most "
                f"{max_levels} values (people sharing a covariate pattern are counted "
                "together). Band it first (e.g. age in five-year groups), raise max_levels, "
                "or fit on a pandas DataFrame.")
    for c, lim in limits.items():
        if found[c] > lim:
            raise SpecificationError(
                f"Column {c!r} in {src.label} has about {int(found[c]):,} levels: on the engine "
                f"it may have at most {lim:,} (its people are counted together by covariate "
                "pattern and time). Use a coarser column, or fit on a pandas DataFrame.")


def collapse(
    data: Any,
    *,
    duration: str,
    event: str,
    entry: str | None = None,
    weights: str | None = None,
    by: Sequence[str] = (),
    roles: dict[str, str] | None = None,
    event_codes: bool = False,
    covariates: Sequence[str] = (),
    max_levels: int = MAX_LEVELS,
    what: str = "this estimator",
    limits: dict[str, int] | None = None,
) -> Collapsed:
    """Counts of people by ``by`` columns, entry, time and event (one GROUP BY).

    ``roles`` names each ``by`` column's argument for messages (``{"area": "group"}``);
    ``covariates`` (a subset of ``by``) must be numbers, flags or text and have at most
    ``max_levels`` distinct values; ``limits`` caps the levels of other columns (a cluster).
    ``event_codes``: the event column holds integer cause
    codes (competing risks) instead of 0/1.
    """
    (src,) = open_sources({"data": data})
    by = list(by)
    roles = dict(roles or {})
    named: dict[str, list[str]] = {}
    for c in by:
        named.setdefault(roles.get(c, "group"), []).append(c)
    require(src, {"duration": duration, "event": event, "entry": entry, "weights": weights,
                  **named})
    check_kind(src, duration, "duration", "number")
    check_kind(src, event, "event", "number or flag")
    if entry is not None:
        check_kind(src, entry, "entry", "number")
    if weights is not None:
        check_kind(src, weights, "weights", "number")
    for c in covariates:
        if src.kind(c) not in ("integer", "float", "boolean", "string"):
            raise ColumnError(
                f"Covariate {c!r} in {src.label} has type {src.types[c]}: covariates must be "
                "numbers, 0/1 flags or text categories.")
    _check_levels(src, list(covariates), max_levels, what, dict(limits or {}))
    ev_sql = (f"CAST({q(event)} AS BIGINT)" if src.kind(event) == "boolean"
              else q(event))
    keys = [q(c) for c in by] + ([f"{q(entry)} AS entry"] if entry else []) + [
        f"{q(duration)} AS time", f"{ev_sql} AS event"]
    group = [q(c) for c in by] + ([q(entry)] if entry else []) + [q(duration), ev_sql]
    aggs = ["COUNT(*) AS n"]
    if weights is not None:
        w = q(weights)
        aggs += [f"SUM({w}) AS w", f"MIN({w}) AS wmin", f"SUM(CASE WHEN {w} IS NULL THEN 1 "
                 "ELSE 0 END) AS wnull", f"MAX(CASE WHEN {w} <> FLOOR({w}) THEN 1 ELSE 0 END) "
                 "AS wfrac"]
    b = src.backend
    sql = f"SELECT {', '.join(keys + aggs)} FROM {src.ref} GROUP BY {', '.join(group)}"
    text = [c for c in covariates if src.kind(c) == "string"]
    levels: dict[str, list[Any]] = {}
    if text:  # text categories come back as integer codes (no strings to convert)
        name, _ = b.materialise(sql, "cells")
        for c in text:
            levels[c] = b.fetch(f"SELECT DISTINCT {q(c)} AS v FROM {q(name)} ORDER BY 1")[
                "v"].tolist()
            if any(pd.isna(v) for v in levels[c]):
                _cell_error(src, c, roles.get(c, "covariates"), "missing values; drop those "
                            "rows or give them a level first", [])
        cols = [_code_sql(c, levels[c]) if c in text else q(c) for c in by]
        rest = [a.split(" AS ")[-1] for a in keys[len(by):] + aggs]
        sql = f"SELECT {', '.join(cols + rest)} FROM {q(name)}"
        order = ", ".join([q(c) for c in by] + (["entry"] if entry else []) + ["time", "event"])
    else:
        order = ", ".join(group)
    # sorted in the engine: the same order on any backend
    cells = b.fetch(f"SELECT * FROM ({sql}) AS c ORDER BY {order}" if text else
                    f"{sql} ORDER BY {order}")
    _check_cells(src, cells, duration, event, entry, weights, by, roles, event_codes)
    str_keys = tuple(c for c in by if src.kind(c) == "string")
    return Collapsed(cells=cells, label=src.label, engine=b.name, n=int(cells["n"].sum()),
                     keys=tuple(by), string_keys=str_keys, levels=levels)


def _code_sql(col: str, levels: list[Any]) -> str:
    """``CASE col WHEN level_0 THEN 0 ... END AS col`` (levels sorted; at most max_levels)."""
    lit = ["'" + str(v).replace("'", "''") + "'" for v in levels]
    whens = " ".join(f"WHEN {v} THEN {k}" for k, v in enumerate(lit))
    return f"CASE {q(col)} {whens} END AS {q(col)}"


def _check_cells(src: Source, cells: pd.DataFrame, duration: str, event: str,
                 entry: str | None, weights: str | None, by: list[str],
                 roles: dict[str, str], event_codes: bool) -> None:
    if cells.shape[0] == 0:
        raise SpecificationError(f"{src.label} has no rows.")
    t = cells["time"].to_numpy(dtype=float, na_value=np.nan)
    miss = np.isnan(t)
    if miss.any():
        _cell_error(src, duration, "duration",
                    f"{int(cells['n'][miss].sum())} missing value(s); drop or impute them first",
                    [])
    if np.isinf(t).any():
        _cell_error(src, duration, "duration", "infinite values", [])
    if (t < 0).any():
        _cell_error(src, duration, "duration", "negative values: durations must be zero or "
                    "more (time from the start of follow-up)", sorted(set(t[t < 0]))[:5])
    e = cells["event"]
    if e.isna().any():
        _cell_error(src, event, "event", f"{int(cells['n'][e.isna()].sum())} missing value(s); "
                    "code each row 1 (event seen) or 0 (censored)", [])
    ev = e.to_numpy(dtype=float)
    if event_codes:
        if not np.all(ev == np.round(ev)):
            _cell_error(src, event, "event", "values that are not integer codes "
                        "(0 = censored, 1, 2, ... = causes)", sorted(set(ev[ev != np.round(ev)])))
    elif not np.all((ev == 0) | (ev == 1)):
        _cell_error(src, event, "event", "values other than 0 (censored) and 1 (event); for "
                    "competing events use the competing-risks functions",
                    sorted(set(ev[(ev != 0) & (ev != 1)])))
    if entry is not None:
        en = cells["entry"].to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(en).any():
            _cell_error(src, entry, "entry", "missing values", [])
        if (en < 0).any():
            _cell_error(src, entry, "entry", "negative values", [])
        if (en >= t).any():
            raise ColumnError(
                f"Column {entry!r} (entry/start) in {src.label} must be before {duration!r} "
                f"(exit/stop) on every row, but it is not on {int(cells['n'][en >= t].sum())} "
                "row(s).")
    if weights is not None:
        if (cells["wnull"] > 0).any():
            _cell_error(src, weights, "weights", "missing values", [])
        if (cells["wmin"] <= 0).any():
            _cell_error(src, weights, "weights", "values of zero or less; drop those rows "
                        "instead", [])
    for c in by:
        miss = cells[c].isna()
        if miss.any():
            _cell_error(src, c, roles.get(c, "group"),
                        f"{int(cells['n'][miss].sum())} missing value(s); drop those rows or "
                        "give them a level first", [])

"""The Ministry of Justice proven-reoffending measures, built from person and offence records.

Definitions (Ministry of Justice, *Proven reoffending statistics: definitions and
measurement* / *Guide to proven reoffending statistics*, editions of 2016-2019, gov.uk):

* **Cohort and index date.** Each person enters once, at an *index event*: a caution, a
  non-custodial court order, release from custody, or (for an evaluation) referral to a
  scheme. The MoJ takes a person's first event in the cohort period; here, if a person has
  several rows in ``index_events`` the earliest is kept and the others are reported as
  dropped.
* **Proven reoffence.** An offence *committed* in the one-year follow-up period after the
  index date and *proven* -- by a caution, reprimand, warning or court conviction -- within
  that year or a further six-month *waiting period* (which lets offences committed late in the
  year reach court). ``follow_up_days`` (365) and ``waiting_days`` (183, six months) are
  configurable. Offences committed on the index day itself are not counted unless
  ``include_index_day=True`` (they are usually part of the index matter).
* **Binary measure**: the proportion of the cohort with at least one proven reoffence.
  **Frequency measures**: proven reoffences per offender (per person in the cohort) and per
  reoffender. **Time to first proven reoffence**: days from the index date to the date the
  first proven reoffence was committed.
* **Complete follow-up.** A person's measures are complete when ``data_end`` (the last date
  the offence data cover) is on or after ``index date + follow_up_days + waiting_days``. The
  binary and frequency measures are defined only for them: for others ``reoffended`` and
  ``n_reoffences`` are missing (``<NA>``) and the summary measures leave them out, as the MoJ
  cohort does.
* **Time-to-event coding (for survival analysis).** ``time`` is in days since the index
  date. Complete follow-up: the event is the first proven reoffence (``time`` = its day) or
  censoring at ``follow_up_days``. Incomplete follow-up: the person is censored at
  ``c = min(follow_up_days, days from index to data_end - waiting_days)`` (floored at 0), so
  that every offence committed by day ``c`` has had at least the waiting period to be proven;
  an event is counted when the first offence committed on days ``1..c`` is proven by
  ``data_end``.

Scale: offence records are processed in chunks (a DataFrame is sliced; a CSV path is read with
``chunksize``; an iterator of DataFrames is consumed as it comes), dates become ``int64`` day
numbers, and each chunk is joined to the index events by looking person ids up in the sorted
id array (``numpy.searchsorted``); counts and first days are accumulated per person with
``bincount`` / ``minimum.at``. Memory is O(people + chunk), never people x offences.

Impossible records (missing dates, an offence proven before it was committed, an index date
after ``data_end``, an offence for a person with no index event, duplicate index events) are
dropped and listed in ``result.dropped`` with a reason, with a :class:`DataWarning`
(``errors="drop"``, the default), or raise a :class:`DataFormatError` (``errors="raise"``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_choice, hash_frame, require_columns, require_frame
from ..errors import DataFormatError, DataWarning, SpecificationError, format_examples
from ..results import make_spec
from ._jdl_results import ProvenReoffendingResult

__all__ = ["proven_reoffending", "OUTPUT_COLUMNS"]

_MISSING = np.iinfo(np.int64).min
OUTPUT_COLUMNS = ("reoffended", "n_reoffences", "days_to_first", "event", "time", "censored",
                  "follow_up_complete", "follow_up_days_observed")


# ------------------------------------------------------------------------------------------
# day numbers
# ------------------------------------------------------------------------------------------
def _kind(s: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return "day"
    return "text"


def _to_days(s: pd.Series, kind: str) -> np.ndarray:
    """int64 day numbers; ``_MISSING`` where the value is missing or unreadable."""
    if kind == "text":
        s = pd.to_datetime(s, errors="coerce")
        kind = "date"
    if kind == "date":
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        v = s.to_numpy(dtype="datetime64[ns]")
        nat = np.isnat(v)
        out = v.astype("datetime64[D]").astype(np.int64)
        out[nat] = _MISSING
        return out
    v = s.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(v) | (v != np.round(v))
    out = np.where(bad, 0, v).astype(np.int64)
    out[bad] = _MISSING
    return out


def _scalar_day(x: Any, kind: str, what: str) -> int:
    if kind == "day":
        if isinstance(x, (int, np.integer)) or (isinstance(x, float) and x == int(x)):
            return int(x)
        raise SpecificationError(
            f"{what} must be a day number (an integer) because the dates are day numbers.")
    try:
        ts = pd.Timestamp(x)
    except (TypeError, ValueError) as exc:
        raise SpecificationError(f"{what}={x!r} is not a date.") from exc
    if pd.isna(ts):
        raise SpecificationError(f"{what} is missing; give the last date the data cover.")
    return int(np.datetime64(ts.tz_localize(None) if ts.tzinfo else ts, "D").astype(np.int64))


# ------------------------------------------------------------------------------------------
# offence chunks
# ------------------------------------------------------------------------------------------
def _offence_chunks(offences: Any, cols: list[str], chunksize: int) -> Iterator[pd.DataFrame]:
    if isinstance(offences, pd.DataFrame):
        require_columns(offences, {"offence columns": cols})
        for start in range(0, len(offences), chunksize):
            yield offences.iloc[start:start + chunksize]
        return
    if isinstance(offences, (str, os.PathLike)):
        try:
            reader = pd.read_csv(offences, usecols=cols, chunksize=chunksize)
        except ValueError as exc:
            head = pd.read_csv(offences, nrows=0).columns
            raise DataFormatError(
                f"The offence file {str(offences)!r} needs columns {format_examples(cols)}; "
                f"it has {format_examples(list(head), 20)}."
            ) from exc
        yield from reader
        return
    if isinstance(offences, Iterable):
        for i, chunk in enumerate(offences):
            if not isinstance(chunk, pd.DataFrame):
                raise SpecificationError(
                    f"offences chunk {i} is a {type(chunk).__name__}, not a DataFrame.")
            require_columns(chunk, {"offence columns": cols})
            yield chunk
        return
    raise SpecificationError(
        "offences must be a DataFrame, a CSV path, or an iterable of DataFrames (chunks); "
        f"got {type(offences).__name__}.")


class _Lookup:
    """Person id -> row of the sorted index table.

    Integer ids: a direct table when the id range is compact (at most 8 x the number of
    people), else ``numpy.searchsorted`` on the sorted ids with the queries sorted first (which
    keeps the binary searches cache-friendly). Other ids: a hash lookup (``pandas.Index``).
    """

    def __init__(self, ids: np.ndarray):
        self.numeric = ids.dtype.kind in "iuf"
        self.ids = ids
        self.table = None
        if ids.dtype.kind in "iu" and len(ids):
            lo, hi = int(ids[0]), int(ids[-1])
            if hi - lo + 1 <= 8 * len(ids) + 1024:
                self.lo = lo
                self.table = np.full(hi - lo + 1, -1, dtype=np.int64)
                self.table[ids - lo] = np.arange(len(ids))
        if not self.numeric:
            self.index = pd.Index(ids)

    def __call__(self, x: pd.Series) -> np.ndarray:
        if self.numeric and pd.api.types.is_numeric_dtype(x):
            v = x.to_numpy(dtype=float, na_value=np.nan) if x.isna().any() else x.to_numpy()
            if self.table is not None and v.dtype.kind in "iu":
                k = v.astype(np.int64) - self.lo
                inside = (k >= 0) & (k < len(self.table))
                out = np.full(len(k), -1, dtype=np.int64)
                out[inside] = self.table[k[inside]]
                return out
            o = np.argsort(v, kind="stable")
            pos = np.minimum(np.searchsorted(self.ids, v[o]), len(self.ids) - 1)
            out = np.empty(len(v), dtype=np.int64)
            out[o] = np.where(self.ids[pos] == v[o], pos, -1)
            return out
        if self.numeric:  # text ids against numeric index ids: try to read them as numbers
            return self(pd.to_numeric(x, errors="coerce"))
        return self.index.get_indexer(x.astype(object).to_numpy())


# ------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------
def proven_reoffending(
    index_events: pd.DataFrame,
    offences: pd.DataFrame | str | os.PathLike | Iterable[pd.DataFrame],
    *,
    person: str = "person_id",
    index_date: str = "index_date",
    offence_date: str = "offence_date",
    proven_date: str = "proven_date",
    data_end: Any,
    follow_up_days: int = 365,
    waiting_days: int = 183,
    include_index_day: bool = False,
    errors: str = "drop",
    chunksize: int = 2_000_000,
) -> ProvenReoffendingResult:
    """Build the MoJ proven-reoffending measures for a cohort (see the module docstring).

    Parameters
    ----------
    index_events : DataFrame
        One row per person: ``person`` id and ``index_date`` (dates, text dates, or integer day
        numbers). Other columns (treatment, covariates) are carried into the result.
    offences : DataFrame, CSV path, or iterable of DataFrames
        One row per offence: ``person``, ``offence_date`` (committed) and ``proven_date``
        (caution or conviction). Read chunk by chunk; only these three columns are used.
    data_end : date or int
        The last date the offence data cover (the extract date).
    follow_up_days, waiting_days : int
        The follow-up year and the waiting period (defaults 365 and 183 days).
    include_index_day : bool
        Count offences committed on the index date itself (default False).
    errors : {"drop", "raise"}
        Drop impossible records and report them (``result.dropped`` + a DataWarning), or raise.
    chunksize : int
        Offence rows processed at a time.

    Returns
    -------
    ProvenReoffendingResult
        ``persons`` (one row per person, sorted by person id: the index columns plus
        ``reoffended``, ``n_reoffences``, ``days_to_first``, ``event``, ``time``,
        ``censored``, ``follow_up_complete``, ``follow_up_days_observed``), ``measures`` and
        ``dropped``.
    """
    from ..engine import is_engine_input
    if is_engine_input(index_events) or (is_engine_input(offences) and not (
            isinstance(index_events, pd.DataFrame) and isinstance(offences, (str, os.PathLike))
            and str(offences).lower().endswith((".csv", ".csv.gz")))):
        from ._engine_results import cohort_engine  # the engine builds the cohort in SQL
        return cohort_engine(index_events, offences, person=person, index_date=index_date,
                             offence_date=offence_date, proven_date=proven_date,
                             data_end=data_end, follow_up_days=follow_up_days,
                             waiting_days=waiting_days, include_index_day=include_index_day,
                             errors=errors)
    check_choice("errors", errors, ("drop", "raise"))
    require_frame(index_events, "index_events")
    require_columns(index_events, {"person": person, "index_date": index_date})
    for name, v in (("follow_up_days", follow_up_days), ("waiting_days", waiting_days),
                    ("chunksize", chunksize)):
        if not isinstance(v, (int, np.integer)) or v < (1 if name != "waiting_days" else 0):
            raise SpecificationError(f"{name} must be a positive whole number of days, not {v!r}.")
    clash = [c for c in OUTPUT_COLUMNS if c in index_events.columns]
    if clash:
        raise SpecificationError(
            f"index_events already has column(s) {format_examples(clash)}, which the result "
            "adds; rename them first.")
    F, W = int(follow_up_days), int(waiting_days)
    kind = _kind(index_events[index_date])
    if kind == "text":
        kind = "date"
    end = _scalar_day(data_end, kind, "data_end")

    # ---- index events --------------------------------------------------------------------
    drops: list[pd.DataFrame] = []

    def _drop(table: str, rows: np.ndarray, persons: Any, reason: str) -> None:
        if len(rows) == 0:
            return
        if errors == "raise":
            raise DataFormatError(
                f"{table}: {len(rows)} row(s) {reason} (rows {format_examples(list(rows))}; "
                f"person {format_examples(list(pd.Series(persons).iloc[:5]))}). Fix or remove "
                "them, or call with errors='drop' to drop and report them.")
        drops.append(pd.DataFrame({"table": table, "row": rows, "person": persons,
                                   "reason": reason}))

    ie = index_events
    idx_day = _to_days(ie[index_date], _kind(ie[index_date]))
    pid = ie[person]
    n_in = len(ie)
    rows = np.arange(n_in)
    keep = np.ones(n_in, dtype=bool)
    miss_id = pid.isna().to_numpy()
    _drop("index_events", rows[miss_id], pid[miss_id].to_numpy(), "have a missing person id")
    keep &= ~miss_id
    bad = keep & (idx_day == _MISSING)
    _drop("index_events", rows[bad], pid[bad].to_numpy(), "have a missing or unreadable index date")
    keep &= ~bad
    bad = keep & (idx_day > end)
    _drop("index_events", rows[bad], pid[bad].to_numpy(), "have an index date after data_end")
    keep &= ~bad
    # duplicates: keep the earliest index event per person. Sorting by (id, day) also gives
    # the sorted id array the offence look-up needs.
    pv_ids = pid.to_numpy()
    if pv_ids.dtype.kind in "iuf":
        key = pv_ids
    else:
        key = pd.factorize(pid, sort=True)[0]
    order = np.lexsort((idx_day, key))
    order = order[keep[order]]
    ks = key[order]
    dup = np.zeros(len(order), dtype=bool)
    dup[1:] = ks[1:] == ks[:-1]
    _drop("index_events", order[dup], pv_ids[order[dup]],
          "repeat a person already in the cohort (the earliest index event is kept)")
    keep[order[dup]] = False
    dropped_ids = pd.Index(pid[~keep & ~miss_id].unique())

    sel = order[~dup]  # sorted by person id
    ids = pv_ids[sel]
    base = idx_day[sel]
    n = len(sel)
    if n == 0:
        raise DataFormatError("No usable index events remain after dropping impossible rows.")
    look = _Lookup(ids)
    avail = end - base  # days from index to data_end
    complete = avail >= F + W
    cens_day = np.where(complete, F, np.clip(avail - W, 0, F)).astype(np.int64)
    any_incomplete = bool((~complete).any())
    lo = 0 if include_index_day else 1

    # ---- offences, chunk by chunk ---------------------------------------------------------
    counts = np.zeros(n, dtype=np.int64)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    off_kind = None
    offset = 0
    n_off = 0
    lookup_dropped = _Lookup(np.sort(dropped_ids.to_numpy())) if len(dropped_ids) else None
    for chunk in _offence_chunks(offences, [person, offence_date, proven_date], chunksize):
        m = len(chunk)
        if m == 0:
            continue
        r = np.arange(offset, offset + m)
        offset += m
        n_off += m
        if off_kind is None and chunk[offence_date].notna().any():
            off_kind = _kind(chunk[offence_date])
            if (off_kind == "day") != (kind == "day"):
                raise SpecificationError(
                    "Index dates and offence dates must both be dates or both be day numbers.")
        pos = look(chunk[person])
        od = _to_days(chunk[offence_date], _kind(chunk[offence_date]))
        pv = _to_days(chunk[proven_date], _kind(chunk[proven_date]))
        ok = pos >= 0
        if not ok.all():
            who = chunk[person].to_numpy()
            if lookup_dropped is not None:
                was = (~ok) & (lookup_dropped(chunk[person]) >= 0)
                _drop("offences", r[was], who[was], "belong to a person whose index event was "
                      "dropped")
                unk = (~ok) & ~was
            else:
                unk = ~ok
            _drop("offences", r[unk], who[unk], "have a person id with no index event")
        bad = ok & (od == _MISSING)
        if bad.any():
            _drop("offences", r[bad], chunk[person].to_numpy()[bad],
                  "have a missing or unreadable offence date")
        ok &= ~bad
        bad = ok & (pv == _MISSING)
        if bad.any():
            _drop("offences", r[bad], chunk[person].to_numpy()[bad],
                  "have a missing or unreadable proven date")
        ok &= ~bad
        bad = ok & (pv < od)
        if bad.any():
            _drop("offences", r[bad], chunk[person].to_numpy()[bad],
                  "are proven before the offence was committed")
        ok &= ~bad
        if not ok.all():
            pos, od, pv = pos[ok], od[ok], pv[ok]
        b = base[pos]
        d = od - b
        hit = (d >= lo) & (d <= F) & (pv - b <= F + W)
        if any_incomplete:  # shorter windows for people whose follow-up is cut short
            inc = hit & ~complete[pos]
            if inc.any():
                pi = pos[inc]
                hit[inc] = (d[inc] <= cens_day[pi]) & (pv[inc] <= end)
        ph, dh = pos[hit], d[hit]
        counts += np.bincount(ph, minlength=n)
        np.minimum.at(first, ph, dh)
    early: list[str] = []
    if n_off == 0:
        msg = ("No offence rows were read, so nobody in the cohort has a proven reoffence. "
               "Check that the offence data were passed correctly.")
        warnings.warn(msg, DataWarning, stacklevel=2)
        early.append(msg)

    # ---- per-person frame -----------------------------------------------------------------
    event = counts > 0
    out = index_events.iloc[sel].reset_index(drop=True).copy()
    reo = pd.array(np.where(event, 1, 0), dtype="Int64")
    reo[~complete] = pd.NA
    nre = pd.array(counts, dtype="Int64")
    nre[~complete] = pd.NA
    out["reoffended"] = reo
    out["n_reoffences"] = nre
    out["days_to_first"] = np.where(event, first, np.nan).astype(float)
    out["event"] = event.astype(np.int64)
    out["time"] = np.where(event, first, cens_day).astype(float)
    out["censored"] = (~event).astype(np.int64)
    out["follow_up_complete"] = complete
    out["follow_up_days_observed"] = cens_day

    dropped = (pd.concat(drops, ignore_index=True) if drops else
               pd.DataFrame({"table": [], "row": [], "person": [], "reason": []}))
    warns: list[str] = early
    if dropped.shape[0]:
        by = dropped.groupby(["table", "reason"]).size()
        msg = ("Dropped impossible records: " + "; ".join(
            f"{k} {t} row(s) that {rsn}" for (t, rsn), k in by.items())
            + ". See result.dropped for the rows.")
        warnings.warn(msg, DataWarning, stacklevel=2)
        warns.append(msg)
    n_inc = int((~complete).sum())
    if n_inc:
        msg = (f"{n_inc} of {n} people have less than {F} + {W} days between their index date "
               "and data_end: their follow-up is incomplete, so they are left out of the "
               "reoffending rate and frequency and censored in the time to first reoffence.")
        warnings.warn(msg, DataWarning, stacklevel=2)
        warns.append(msg)

    cc = counts[complete]
    ev = event[complete]
    n_c = int(complete.sum())
    n_r = int(ev.sum())
    measures = pd.DataFrame({
        "measure": ["cohort_size", "cohort_size_complete", "reoffenders",
                    "proven_reoffending_rate", "proven_reoffences",
                    "reoffences_per_offender", "reoffences_per_reoffender",
                    "mean_days_to_first_reoffence"],
        "value": [n, n_c, n_r, n_r / n_c if n_c else np.nan, int(cc.sum()),
                  cc.sum() / n_c if n_c else np.nan, cc.sum() / n_r if n_r else np.nan,
                  float(first[complete & event].mean()) if n_r else np.nan],
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
    spec = make_spec(
        "proven_reoffending",
        dict(person=person, index_date=index_date, offence_date=offence_date,
             proven_date=proven_date, data_end=str(data_end), follow_up_days=F,
             waiting_days=W, include_index_day=include_index_day, errors=errors,
             chunksize=chunksize,
             offences=(str(offences) if isinstance(offences, (str, os.PathLike)) else
                       type(offences).__name__)),
        data_hash=hash_frame(index_events),
    )
    return ProvenReoffendingResult(
        method="MoJ proven reoffending measures (one-year follow-up, six-month waiting period)",
        spec=spec,
        warnings=tuple(warns),
        diagnostics={"offence_rows_read": n_off, "offence_rows_dropped":
                     int((dropped["table"] == "offences").sum()) if len(dropped) else 0},
        persons=out,
        measures=measures,
        dropped=dropped,
        follow_up_days=F,
        waiting_days=W,
    )

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
OUTPUT_COLUMNS = ("reoffended", "n_reoffences", "days_to_first", "event", "time",
                  "n_censored", "follow_up_complete", "follow_up_days_observed")


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
# steps
# ------------------------------------------------------------------------------------------
class _Drops:
    """Impossible records: listed with a reason (``errors="drop"``) or refused."""

    def __init__(self, errors: str):
        self.errors = errors
        self.frames: list[pd.DataFrame] = []

    def __call__(self, table: str, rows: np.ndarray, persons: Any, reason: str) -> None:
        if len(rows) == 0:
            return
        if self.errors == "raise":
            raise DataFormatError(
                f"{table}: {len(rows)} row(s) {reason} (rows {format_examples(list(rows))}; "
                f"person {format_examples(list(pd.Series(persons).iloc[:5]))}). Fix or remove "
                "them, or call with errors='drop' to drop and report them.")
        self.frames.append(pd.DataFrame({"table": table, "row": rows, "person": persons,
                                         "reason": reason}))

    def frame(self) -> pd.DataFrame:
        return (pd.concat(self.frames, ignore_index=True) if self.frames else
                pd.DataFrame({"table": [], "row": [], "person": [], "reason": []}))


def _check_arguments(index_events: pd.DataFrame, person: str, index_date: str, errors: str,
                     follow_up_days: Any, waiting_days: Any, chunksize: Any) -> None:
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


class _Cohort:
    """The usable index events, one per person, sorted by person id: ``sel`` (their rows in
    ``index_events``), ``ids``, ``base`` (index day numbers), the look-ups of kept and dropped
    ids, and each person's follow-up (``complete``, ``cens_day``)."""

    def __init__(self, ie: pd.DataFrame, person: str, index_date: str, end: int, F: int, W: int,
                 drop: _Drops):
        idx_day = _to_days(ie[index_date], _kind(ie[index_date]))
        pid = ie[person]
        rows = np.arange(len(ie))
        keep = np.ones(len(ie), dtype=bool)
        miss_id = pid.isna().to_numpy()
        drop("index_events", rows[miss_id], pid[miss_id].to_numpy(), "have a missing person id")
        keep &= ~miss_id
        for bad, reason in ((idx_day == _MISSING, "have a missing or unreadable index date"),
                            (idx_day > end, "have an index date after data_end")):
            bad = keep & bad
            drop("index_events", rows[bad], pid[bad].to_numpy(), reason)
            keep &= ~bad
        # duplicates: keep the earliest index event per person. Sorting by (id, day) also
        # gives the sorted id array the offence look-up needs.
        pv_ids = pid.to_numpy()
        key = pv_ids if pv_ids.dtype.kind in "iuf" else pd.factorize(pid, sort=True)[0]
        order = np.lexsort((idx_day, key))
        order = order[keep[order]]
        ks = key[order]
        dup = np.zeros(len(order), dtype=bool)
        dup[1:] = ks[1:] == ks[:-1]
        drop("index_events", order[dup], pv_ids[order[dup]],
             "repeat a person already in the cohort (the earliest index event is kept)")
        keep[order[dup]] = False
        dropped_ids = pd.Index(pid[~keep & ~miss_id].unique())
        self.sel = order[~dup]
        if len(self.sel) == 0:
            raise DataFormatError("No usable index events remain after dropping impossible rows.")
        self.ids = pv_ids[self.sel]
        self.base = idx_day[self.sel]
        self.look = _Lookup(self.ids)
        self.look_dropped = (_Lookup(np.sort(dropped_ids.to_numpy())) if len(dropped_ids)
                             else None)
        avail = end - self.base  # days from index to data_end
        self.complete = avail >= F + W
        self.cens_day = np.where(self.complete, F, np.clip(avail - W, 0, F)).astype(np.int64)

    @property
    def n(self) -> int:
        return len(self.sel)


def _unusable_offences(chunk: pd.DataFrame, r: np.ndarray, pos: np.ndarray, od: np.ndarray,
                       pv: np.ndarray, person: str, cohort: _Cohort, drop: _Drops
                       ) -> np.ndarray:
    """Report the offence rows that cannot be used; return the mask of usable rows."""
    ok = pos >= 0
    who = chunk[person].to_numpy()
    if not ok.all():
        was = np.zeros(len(ok), dtype=bool)
        if cohort.look_dropped is not None:
            was = (~ok) & (cohort.look_dropped(chunk[person]) >= 0)
            drop("offences", r[was], who[was],
                 "belong to a person whose index event was dropped")
        unk = (~ok) & ~was
        drop("offences", r[unk], who[unk], "have a person id with no index event")
    for bad, reason in ((od == _MISSING, "have a missing or unreadable offence date"),
                        (pv == _MISSING, "have a missing or unreadable proven date"),
                        (pv < od, "are proven before the offence was committed")):
        bad = ok & bad
        if bad.any():
            drop("offences", r[bad], who[bad], reason)
        ok &= ~bad
    return ok


def _count_offences(offences: Any, cols: list[str], chunksize: int, cohort: _Cohort,
                    kind: str, end: int, F: int, W: int, lo: int, drop: _Drops
                    ) -> tuple[np.ndarray, np.ndarray, int]:
    """Proven reoffences per person and the day of the first, chunk by chunk:
    ``(counts, first_day, offence_rows_read)``."""
    person, offence_date, proven_date = cols
    n = cohort.n
    counts = np.zeros(n, dtype=np.int64)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    any_incomplete = bool((~cohort.complete).any())
    off_kind, offset = None, 0
    for chunk in _offence_chunks(offences, cols, chunksize):
        m = len(chunk)
        if m == 0:
            continue
        r = np.arange(offset, offset + m)
        offset += m
        if off_kind is None and chunk[offence_date].notna().any():
            off_kind = _kind(chunk[offence_date])
            if (off_kind == "day") != (kind == "day"):
                raise SpecificationError(
                    "Index dates and offence dates must both be dates or both be day numbers.")
        pos = cohort.look(chunk[person])
        od = _to_days(chunk[offence_date], _kind(chunk[offence_date]))
        pv = _to_days(chunk[proven_date], _kind(chunk[proven_date]))
        ok = _unusable_offences(chunk, r, pos, od, pv, person, cohort, drop)
        if not ok.all():
            pos, od, pv = pos[ok], od[ok], pv[ok]
        b = cohort.base[pos]
        d = od - b
        hit = (d >= lo) & (d <= F) & (pv - b <= F + W)
        if any_incomplete:  # shorter windows for people whose follow-up is cut short
            inc = hit & ~cohort.complete[pos]
            if inc.any():
                pi = pos[inc]
                hit[inc] = (d[inc] <= cohort.cens_day[pi]) & (pv[inc] <= end)
        ph, dh = pos[hit], d[hit]
        counts += np.bincount(ph, minlength=n)
        np.minimum.at(first, ph, dh)
    return counts, first, offset


def _person_frame(index_events: pd.DataFrame, cohort: _Cohort, counts: np.ndarray,
                  first: np.ndarray) -> pd.DataFrame:
    """One row per person: the index columns and the measures (see the module docstring)."""
    event = counts > 0
    complete = cohort.complete
    out = index_events.iloc[cohort.sel].reset_index(drop=True).copy()
    reo = pd.array(np.where(event, 1, 0), dtype="Int64")
    reo[~complete] = pd.NA
    nre = pd.array(counts, dtype="Int64")
    nre[~complete] = pd.NA
    out["reoffended"] = reo
    out["n_reoffences"] = nre
    out["days_to_first"] = np.where(event, first, np.nan).astype(float)
    out["event"] = event.astype(np.int64)
    out["time"] = np.where(event, first, cohort.cens_day).astype(float)
    out["n_censored"] = (~event).astype(np.int64)
    out["follow_up_complete"] = complete
    out["follow_up_days_observed"] = cohort.cens_day
    return out


_MEASURES = (
    ("cohort_size", "people with a usable index event"),
    ("cohort_size_complete",
     "people whose follow-up year and waiting period are complete by data_end"),
    ("reoffenders", "people (complete follow-up) with at least one proven reoffence"),
    ("proven_reoffending_rate", "binary measure: reoffenders / cohort_size_complete"),
    ("proven_reoffences", "proven reoffences committed in the follow-up (complete follow-up)"),
    ("reoffences_per_offender", "frequency: proven reoffences per person in the cohort"),
    ("reoffences_per_reoffender", "frequency: proven reoffences per reoffender"),
    ("mean_days_to_first_reoffence",
     "days from the index date to the first proven reoffence, among reoffenders"),
)


def _measures(counts: np.ndarray, first: np.ndarray, complete: np.ndarray) -> pd.DataFrame:
    """The MoJ headline measures over the people with complete follow-up."""
    event = counts > 0
    cc, ev = counts[complete], event[complete]
    n_c, n_r, total = int(complete.sum()), int(ev.sum()), int(cc.sum())
    values = [len(counts), n_c, n_r, n_r / n_c if n_c else np.nan, total,
              total / n_c if n_c else np.nan, total / n_r if n_r else np.nan,
              float(first[complete & event].mean()) if n_r else np.nan]
    return pd.DataFrame({"measure": [m for m, _ in _MEASURES], "value": values,
                         "description": [d for _, d in _MEASURES]})


def _cohort_warnings(n_off: int, dropped: pd.DataFrame, complete: np.ndarray, F: int,
                     W: int) -> list[str]:
    """Plain-English warnings (also emitted as DataWarnings by the caller)."""
    out = []
    if n_off == 0:
        out.append("No offence rows were read, so nobody in the cohort has a proven reoffence. "
                   "Check that the offence data were passed correctly.")
    if dropped.shape[0]:
        by = dropped.groupby(["table", "reason"]).size()
        out.append("Dropped impossible records: " + "; ".join(
            f"{k} {t} row(s) that {rsn}" for (t, rsn), k in by.items())
            + ". See result.dropped for the rows.")
    n_inc = int((~complete).sum())
    if n_inc:
        out.append(f"{n_inc} of {len(complete)} people have less than {F} + {W} days between "
                   "their index date and data_end: their follow-up is incomplete, so they are "
                   "left out of the reoffending rate and frequency and censored in the time to "
                   "first reoffence.")
    return out


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
        ``n_censored`` (1 when the person is censored: ``1 - event``; the glossary's name,
        formerly ``censored``), ``follow_up_complete``, ``follow_up_days_observed``),
        ``measures`` and ``dropped``.

    Notes
    -----
    The definitions are the Ministry of Justice's (see the module docstring). Offence
    records must cover every person up to ``data_end``; a person with an offence not in the
    data counts as not reoffending. The time-to-event coding assumes that follow-up cut
    short by ``data_end`` is unrelated to reoffending (independent censoring).

    References
    ----------
    Ministry of Justice (2016-2019). *Proven reoffending statistics: definitions and
    measurement*; *Guide to proven reoffending statistics*. gov.uk.

    Examples
    --------
    Four people (made up): person 1 reoffends twice within the year, person 3's offence is
    committed after it, person 4's follow-up is cut short by the end of the data:

    >>> import warnings
    >>> import pandas as pd
    >>> from wsa_eval.survival import proven_reoffending
    >>> idx = pd.DataFrame({"person_id": [1, 2, 3, 4], "index_date": pd.to_datetime(
    ...     ["2019-01-10", "2019-02-01", "2019-03-15", "2020-06-01"])})
    >>> off = pd.DataFrame({
    ...     "person_id": [1, 1, 3, 4],
    ...     "offence_date": pd.to_datetime(["2019-03-01", "2019-11-20", "2020-05-01",
    ...                                     "2020-07-01"]),
    ...     "proven_date": pd.to_datetime(["2019-04-02", "2020-05-05", "2020-06-01",
    ...                                    "2020-09-01"])})
    >>> with warnings.catch_warnings():  # person 4's follow-up is incomplete
    ...     warnings.simplefilter("ignore")
    ...     r = proven_reoffending(idx, off, data_end="2021-03-31")
    >>> print(r.persons[["person_id", "reoffended", "n_reoffences", "time", "event"]]
    ...       .to_string(index=False))
     person_id  reoffended  n_reoffences  time  event
             1           1             2  50.0      1
             2           0             0 365.0      0
             3           0             0 365.0      0
             4        <NA>          <NA>  30.0      1
    >>> print(f"{r.measure('proven_reoffending_rate'):.3f}")
    0.333
    """
    _check_arguments(index_events, person, index_date, errors, follow_up_days, waiting_days,
                     chunksize)
    F, W = int(follow_up_days), int(waiting_days)
    kind = _kind(index_events[index_date])
    kind = "date" if kind == "text" else kind
    end = _scalar_day(data_end, kind, "data_end")
    drop = _Drops(errors)
    cohort = _Cohort(index_events, person, index_date, end, F, W, drop)
    counts, first, n_off = _count_offences(
        offences, [person, offence_date, proven_date], chunksize, cohort, kind, end, F, W,
        0 if include_index_day else 1, drop)
    dropped = drop.frame()
    warns = _cohort_warnings(n_off, dropped, cohort.complete, F, W)
    for msg in warns:
        warnings.warn(msg, DataWarning, stacklevel=2)
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
        persons=_person_frame(index_events, cohort, counts, first),
        measures=_measures(counts, first, cohort.complete),
        dropped=dropped,
        follow_up_days=F,
        waiting_days=W,
    )

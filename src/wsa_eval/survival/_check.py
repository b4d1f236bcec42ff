"""Input checks for individual-level survival data (one row per person or per episode).

:func:`prepare_survival` is the first step of every function in ``km``, ``logrank``, ``cox``
and ``rmst``. It reads the named columns into numpy arrays without modifying the caller's
frame and raises the library's errors with a message that names the column and the rows
(index labels) at fault: negative or missing durations, events that are not 0/1, entry times
not before the exit time, non-positive weights, non-numeric covariates (with a hint to make
dummy columns), missing values anywhere in the columns used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._utils import hash_frame, require_columns, require_frame
from ..errors import ColumnError, SpecificationError, format_examples

__all__ = ["SurvivalData", "prepare_survival", "used_columns", "sorted_codes", "hash_columns",
           "hash_in_background"]


def _integer_codes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes for whole-number values in a modest range (e.g. day counts) by a counting
    table, or None when ``x`` is not like that."""
    n = x.shape[0]
    if n == 0:
        return None
    lo, hi = float(x.min()), float(x.max())
    if not (abs(lo) < 2.0**52 and abs(hi) < 2.0**52 and hi - lo <= max(2 * n, 1 << 16)):
        return None
    shifted = x - lo  # exact for whole numbers of this size
    ii = shifted.astype(np.int64)
    if not np.array_equal(ii, shifted):
        return None
    present = np.bincount(ii, minlength=int(hi - lo) + 1) > 0
    table = np.cumsum(present) - 1
    return table[ii], np.flatnonzero(present) + lo


def sorted_codes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` with sorted float uniques, as ``np.unique(x, return_inverse=True)``
    swapped, but faster on millions of rows: a counting table for whole numbers in a modest
    range (day-resolution times), else hashing (``pandas.factorize``). ``x`` holds finite
    numbers (checked upstream); -0.0 counts as 0.0."""
    x = np.asarray(x, dtype=float)
    found = _integer_codes(x)
    if found is not None:
        return found
    codes, uniq = pd.factorize(x + 0.0, sort=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniq, dtype=float)


def used_columns(*parts: Any) -> list[str]:
    """The distinct column names among the arguments (for hashing only what was used)."""
    out: list[str] = []
    for p in parts:
        if p is None:
            continue
        for c in [p] if isinstance(p, str) else list(p):
            if c not in out:
                out.append(c)
    return out


def hash_columns(data: pd.DataFrame, columns: list[str]) -> str:
    """``hash_frame(data[columns])`` without building the sub-frame (no copy of the data)."""
    if len(set(columns)) == len(columns) and all(
            isinstance(data[c], pd.Series) and isinstance(data[c].dtype, np.dtype)
            and data[c].dtype.kind in "biufcmM" for c in columns):
        h = hashlib.sha1()
        h.update(",".join(map(str, columns)).encode())
        for c in columns:  # the bytes hash_frame feeds, column by column
            arr = np.ascontiguousarray(data[c].to_numpy())
            h.update(arr.dtype.str.encode())
            h.update(arr.view(np.uint8))
        return h.hexdigest()[:16]
    return hash_frame(data[columns])


def hash_in_background(data: pd.DataFrame, columns: list[str]) -> Callable[[], str]:
    """Start :func:`hash_columns` in a thread (hashlib releases the GIL on large buffers, so
    it overlaps the fit on a second core); call the returned function for the hash."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(hash_columns, data, columns)
    pool.shutdown(wait=False)
    return future.result


@dataclass(frozen=True)
class SurvivalData:
    """Arrays read from the caller's frame (row order kept)."""

    time: np.ndarray  # float, >= 0
    event: np.ndarray  # bool
    entry: np.ndarray | None  # float, < time; None when no left truncation / start column
    weights: np.ndarray | None  # float, > 0; None when not given (unit weights)
    X: np.ndarray | None  # (n, p) float, column-major (centred when asked: see x_mean)
    covariates: tuple[str, ...]
    group: np.ndarray | None  # integer codes into group_levels
    group_levels: tuple[Any, ...]
    strata: np.ndarray | None  # integer codes
    strata_levels: tuple[Any, ...]
    cluster: np.ndarray | None  # integer codes
    n_clusters: int
    index: pd.Index
    x_mean: np.ndarray | None = None  # column means subtracted from X (centre=True)

    @property
    def n(self) -> int:
        return int(self.time.shape[0])


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    bad = list(index[np.asarray(mask)])
    return f"row(s) with index {format_examples(bad)}"


def _numeric(data: pd.DataFrame, col: str, arg: str) -> np.ndarray:
    s = data[col]
    if isinstance(s, pd.DataFrame):
        raise ColumnError(f"{arg}={col!r}: the data has more than one column named {col!r}.")
    if s.dtype == bool:
        return s.to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(s.dtype):
        raise ColumnError(
            f"{arg}={col!r} must be a numeric column, but it has type {s.dtype} "
            f"(e.g. {format_examples(list(s.dropna().unique()[:3]))})."
        )
    values = s.to_numpy(dtype=float, na_value=np.nan)
    if np.isfinite(np.add.reduce(values)):  # one pass: a finite sum has no NaN or inf
        return values
    miss = np.isnan(values)
    if miss.any():
        raise ColumnError(
            f"Column {col!r} ({arg}) has {int(miss.sum())} missing value(s) in "
            f"{_rows(data.index, miss)}. Drop or impute those rows first "
            f"(e.g. data.dropna(subset=[{col!r}]))."
        )
    inf = np.isinf(values)
    if inf.any():
        raise ColumnError(
            f"Column {col!r} ({arg}) has infinite value(s) in {_rows(data.index, inf)}."
        )
    return values


def _codes(data: pd.DataFrame, col: str, arg: str) -> tuple[np.ndarray, tuple[Any, ...]]:
    s = data[col]
    miss = s.isna().to_numpy()
    if miss.any():
        raise ColumnError(
            f"Column {col!r} ({arg}) has {int(miss.sum())} missing value(s) in "
            f"{_rows(data.index, miss)}. Drop those rows or give them a level first."
        )
    if s.dtype.kind in "iuf" and isinstance(s.dtype, np.dtype):
        values = s.to_numpy()
        found = _integer_codes(np.asarray(values, dtype=float))
        if found is not None:  # whole numbers in a modest range: a counting table
            return found[0], tuple(found[1].astype(s.dtype).tolist())
    codes, levels = pd.factorize(s, sort=True)
    return codes.astype(np.int64), tuple(levels.tolist())


def _read_time(data: pd.DataFrame, duration: str, allow_zero: bool) -> np.ndarray:
    idx = data.index
    time = _numeric(data, duration, "duration")
    neg = time < 0
    if neg.any():
        raise ColumnError(
            f"Column {duration!r} (duration) has negative values in {_rows(idx, neg)}: "
            "durations must be zero or more (time from the start of follow-up)."
        )
    if not allow_zero:
        zero = time <= 0
        if zero.any():
            raise ColumnError(
                f"Column {duration!r} (duration) has values of zero in {_rows(idx, zero)}."
            )
    return time


def _read_event(data: pd.DataFrame, event: str) -> np.ndarray:
    idx = data.index
    ev_raw = data[event]
    if ev_raw.isna().any():
        miss = ev_raw.isna().to_numpy()
        raise ColumnError(
            f"Column {event!r} (event) has {int(miss.sum())} missing value(s) in "
            f"{_rows(idx, miss)}. Code each row 1 (event seen) or 0 (censored)."
        )
    if ev_raw.dtype == bool:
        return ev_raw.to_numpy(dtype=bool)
    if not pd.api.types.is_numeric_dtype(ev_raw.dtype):
        raise ColumnError(
            f"Column {event!r} (event) must be coded 1 (event) / 0 (censored), but it has "
            f"type {ev_raw.dtype} (values like {format_examples(list(ev_raw.unique()[:3]))})."
        )
    vals = ev_raw.to_numpy(dtype=float)
    ev = vals == 1.0
    bad = ~ev & (vals != 0.0)
    if bad.any():
        raise ColumnError(
            f"Column {event!r} (event) must be 0 (censored) or 1 (event), but "
            f"{_rows(idx, bad)} have other values "
            f"({format_examples(sorted(set(vals[bad].tolist())))}). For competing "
            "events use the competing-risks functions."
        )
    return ev


def _read_entry(data: pd.DataFrame, entry: str, duration: str, time: np.ndarray
                ) -> np.ndarray:
    idx = data.index
    ent = _numeric(data, entry, "entry")
    negent = ent < 0
    if negent.any():
        raise ColumnError(
            f"Column {entry!r} (entry) has negative values in {_rows(idx, negent)}."
        )
    late = ent >= time
    if late.any():
        raise ColumnError(
            f"Column {entry!r} (entry/start) must be before {duration!r} (exit/stop) on "
            f"every row, but it is not in {_rows(idx, late)}."
        )
    return ent


def _read_weights(data: pd.DataFrame, weights: str) -> np.ndarray:
    w = _numeric(data, weights, "weights")
    nonpos = w <= 0
    if nonpos.any():
        raise ColumnError(
            f"Column {weights!r} (weights) must be positive, but {_rows(data.index, nonpos)} "
            "have weights of zero or less; drop those rows instead."
        )
    return w


def _read_covariates(data: pd.DataFrame, cov: list[str], centre: bool
                     ) -> tuple[np.ndarray, np.ndarray | None]:
    """The covariates as one column-major copy (centred when asked) and their means."""
    if len(cov) == 0:
        raise SpecificationError("covariates is empty: name at least one numeric column.")
    if len(set(cov)) != len(cov):
        raise SpecificationError(f"covariates lists a column twice: {cov}.")
    for c in cov:
        s = data[c]
        if isinstance(s, pd.DataFrame):
            raise ColumnError(f"covariates: the data has more than one column named {c!r}.")
        if not (pd.api.types.is_numeric_dtype(s.dtype) or s.dtype == bool):
            raise ColumnError(
                f"Covariate {c!r} is not numeric (type {s.dtype}). Covariates must be "
                "numeric columns: make 0/1 dummy columns for a categorical variable, e.g. "
                f"pd.get_dummies(data, columns=[{c!r}], drop_first=True, dtype=float)."
            )
    X = np.empty((data.shape[0], len(cov)), order="F")
    x_mean = np.empty(len(cov))
    for j, c in enumerate(cov):
        col = data[c].to_numpy(dtype=float, na_value=np.nan)
        total = float(np.add.reduce(col))
        if not np.isfinite(total):  # a sum is finite only if every value is
            _numeric(data, c, "covariates")  # raises with the rows named
            total = float(np.add.reduce(col / col.shape[0])) * col.shape[0]
        x_mean[j] = total / col.shape[0]
        if centre:
            np.subtract(col, x_mean[j], out=X[:, j])
        else:
            X[:, j] = col
    return X, (x_mean if centre else None)


def _read_strata(data: pd.DataFrame, strata_cols: list[str]) -> tuple[np.ndarray, tuple]:
    if len(strata_cols) == 1:
        return _codes(data, strata_cols[0], "strata")
    for c in strata_cols:
        _codes(data, c, "strata")  # checks each column (missing values named)
    combo = pd.MultiIndex.from_arrays([data[c].to_numpy() for c in strata_cols])
    codes, levels = pd.factorize(combo, sort=True)
    return codes.astype(np.int64), tuple(levels.tolist())


def prepare_survival(
    data: Any,
    *,
    duration: str,
    event: str,
    entry: str | None = None,
    weights: str | None = None,
    covariates: Sequence[str] | None = None,
    group: str | None = None,
    strata: str | Sequence[str] | None = None,
    cluster: str | None = None,
    allow_zero_time: bool = True,
    centre: bool = False,
) -> SurvivalData:
    """Read and check the survival columns; raise the library's errors on bad input.

    Columns are read without copying where pandas allows (numeric float64 columns); the
    covariates are copied once, column by column, into a column-major array (centred at
    their means with ``centre=True``, the means kept in ``x_mean``). ``weights`` is None
    when no weights column is given.
    """
    data = require_frame(data)
    for arg, val in (("duration", duration), ("event", event)):
        if not isinstance(val, str):
            raise SpecificationError(f"{arg} must be a column name (a string), not {val!r}.")
    if isinstance(covariates, str):
        covariates = [covariates]
    cov = list(covariates) if covariates is not None else None
    strata_cols = [strata] if isinstance(strata, str) else (list(strata) if strata else None)
    require_columns(data, {"duration": duration, "event": event, "entry": entry,
                           "weights": weights, "covariates": cov, "group": group,
                           "strata": strata_cols, "cluster": cluster})
    time = _read_time(data, duration, allow_zero_time)
    X, x_mean = (None, None) if cov is None else _read_covariates(data, cov, centre)
    g, g_levels = (None, ()) if group is None else _codes(data, group, "group")
    st, st_levels = (None, ()) if not strata_cols else _read_strata(data, strata_cols)
    cl, cl_levels = (None, ()) if cluster is None else _codes(data, cluster, "cluster")
    return SurvivalData(
        time=time,
        event=_read_event(data, event),
        entry=None if entry is None else _read_entry(data, entry, duration, time),
        weights=None if weights is None else _read_weights(data, weights),
        X=X,
        covariates=tuple(cov or ()),
        group=g,
        group_levels=g_levels,
        strata=st,
        strata_levels=st_levels,
        cluster=cl,
        n_clusters=len(cl_levels),
        index=data.index,
        x_mean=x_mean,
    )

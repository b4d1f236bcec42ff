"""Checks on the outcome, covariate and weight columns.

The outcome may be a count of people (women sentenced to custody): then it is a
non-negative whole number, and reports must hide its small values. Whether it is a count is
declared (``outcome_is_count=True/False``) or inferred: a column of whole numbers is a count
unless more than 5% of its values are negative (a change or a score). The decision is
stated in the checks table and kept on the report (``report.outcome_is_count``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import Advice, format_examples
from ._report import pairs
from ._values import marker_summary, read_numbers, text_hint

#: share of negative values above which a whole-number column is not inferred to be a count
NEGATIVE_SHARE = 0.05


def _not_count(y: str) -> Advice:
    return Advice("outcome_is_count", False, when=f"if {y!r} is not a count of people")


def check_outcomes(state: Any, spec: Any) -> None:
    for y in spec.outcomes:
        markers = _read_outcome(state, spec, y)
        if markers is not False:
            _outcome_values(state, spec, y, markers)


def _plain_numbers(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _read_outcome(state: Any, spec: Any, y: str) -> np.ndarray | None | bool:
    """Read the outcome's cells as numbers; returns the mask of cells holding shorthand
    markers (reported already), None when there are none, or False when text makes reading
    impossible."""
    df, checks, unit, time = state.df, state.checks, spec.unit, spec.time
    if _plain_numbers(df[y]):
        return None
    r = read_numbers(df[y])
    if r.text.any():
        b = df.loc[r.text]
        vals = list(dict.fromkeys(map(str, b[y])))
        checks.error("numeric outcome", f"The outcome column {y!r} has text that is not a "
                     f"number ({format_examples(vals, 3)}) at (unit, period) "
                     f"{pairs(b, unit, time, labels=state.labels)}.{text_hint(vals)}")
        return False
    if r.converted:
        state.df = df = df.assign(**{y: r.values})
    n_thousands = int(r.thousands.sum())
    if n_thousands:
        ex = _example(r)
        checks.ok("thousands separators", f"Read {n_thousands} value(s) of {y!r} written with "
                  f"thousands separators as numbers ({ex}).")
    if r.noted.notna().any():
        from ._values import NOTES

        notes = r.noted.dropna().value_counts()
        words = ", ".join(f"[{k}] {NOTES[k]} ({n})" for k, n in notes.items())
        checks.warn("shorthand notes", f"Read {int(notes.sum())} value(s) of {y!r} that carry "
                    f"GOV.UK shorthand notes as numbers: {words}, at (unit, period) "
                    f"{pairs(df.loc[r.noted.notna()], unit, time, labels=state.labels)}. "
                    "Provisional or estimated figures may change in a later edition.")
    if not r.converted:
        return None  # numbers already: no markers
    markers = r.marker_cells
    if markers.any():
        _suppressed(state, spec, y, markers, r.markers)
        if spec.missing_outcome == "drop":  # their rows are gone
            return None
    return markers.to_numpy()


def _example(r: Any) -> str:
    """An example of a converted value: ``'1,234' as 1234``."""
    i = r.thousands[r.thousands].index[0]
    v = r.values[i]
    return f"{r.source[i]!r} as {int(v) if float(v).is_integer() else v}"


def _suppressed(state: Any, spec: Any, y: str, markers: pd.Series, which: pd.Series) -> None:
    df, unit, time = state.df, spec.unit, spec.time
    units = list(pd.unique(df.loc[markers, unit]))
    where = pairs(df.loc[markers], unit, time, labels=state.labels)
    msg = (f"The outcome column {y!r} has statistical shorthand in place of numbers: "
           f"{marker_summary(which)}, at (unit, period) {where}. These figures were withheld "
           "(suppressed) or are not available, so they are missing; wsa_eval does not guess "
           "them. What you can do: ask the data's owner for the figures (for example under "
           "a data-sharing agreement); use a wider area or a longer period in which nothing "
           "is suppressed; or leave these units out.")
    advice = [Advice("exclude", units, when="to leave these units out")]
    if spec.missing_outcome == "drop":
        state.checks.warn("suppressed outcome", msg + " Their rows are dropped.")
        state.drop(markers.to_numpy(), f"suppressed or unavailable {y!r}")
    else:
        state.checks.error("suppressed outcome", msg, advice)


def _outcome_values(state: Any, spec: Any, y: str, markers: np.ndarray | None) -> None:
    """Missing, infinite, count and log-scale checks on a numeric outcome."""
    df, checks, unit, time, labels = state.df, state.checks, spec.unit, spec.time, state.labels
    vals = df[y].to_numpy()
    if vals.dtype.kind in "iub":  # integers: finite, never missing, whole
        _after_missing(state, spec, y, vals)
        return
    vals = vals.astype(float, copy=False)
    inf = np.isinf(vals)
    if inf.any():
        checks.error("finite outcome", f"The outcome column {y!r} is infinite at (unit, "
                     f"period) {pairs(df.loc[inf], unit, time, labels=labels)}.")
    na = np.isnan(vals)
    if markers is not None:
        na &= ~markers
    if na.any():
        where = pairs(df.loc[na], unit, time, labels=labels)
        if spec.missing_outcome == "drop":
            checks.warn("missing outcome", f"Dropped {int(na.sum())} row(s) with no value "
                        f"of {y!r}, at (unit, period) {where}.")
            state.drop(na, f"missing outcome {y!r}")
            vals = state.df[y].to_numpy(dtype=float)
        else:
            checks.error("missing outcome", f"The outcome column {y!r} is missing at (unit, "
                         f"period) {where}. Fill or remove these rows.")
            return
    if markers is not None and markers.any() and spec.missing_outcome != "drop":
        return
    _after_missing(state, spec, y, vals)


def _after_missing(state: Any, spec: Any, y: str, vals: np.ndarray) -> None:
    negative_reported = _count(state, spec, y, vals)
    if spec.log_outcome is not False:
        _log_scale(state, spec, y, vals, negative_reported)


def _count(state: Any, spec: Any, y: str, vals: np.ndarray) -> bool:
    """Decide whether ``y`` counts people and check it; True when negative values were
    reported as impossible counts. ``vals`` has no missing values (one pass each over
    millions of rows: the sign, and for floats the fractions)."""
    df, checks, unit, time, labels = state.df, state.checks, spec.unit, spec.time, state.labels
    if vals.dtype.kind in "iub":
        frac, n_fin = None, len(vals)
    else:
        fin = np.isfinite(vals)
        with np.errstate(invalid="ignore"):
            frac = fin & (vals != np.round(vals))
        n_fin = int(np.count_nonzero(fin))
    neg = vals < 0
    share_neg = float(np.count_nonzero(neg)) / n_fin if n_fin else 0.0
    has_frac = frac is not None and bool(frac.any())
    if spec.outcome_is_count is None:
        is_count = n_fin > 0 and not has_frac and share_neg <= NEGATIVE_SHARE
        why = "inferred: whole numbers" if is_count else (
            "inferred: it has fractions" if has_frac else
            f"inferred: {100 * share_neg:.0f}% of its values are negative")
    else:
        is_count = bool(spec.outcome_is_count)
        why = "as declared with outcome_is_count"
    if not is_count:
        checks.ok(f"outcome {y!r}", f"{y!r} is read as a measurement, not a count of people "
                  f"({why}).")
        return False
    state.count_outcomes.append(y)
    reported = bool(neg.any())
    if reported:
        b = df.loc[neg]
        checks.error("negative count", f"The outcome {y!r} is read as a count of people "
                     f"({why}), but it is negative at (unit, period) "
                     f"{pairs(b, unit, time, labels=labels)} (values "
                     f"{format_examples(sorted(set(b[y].tolist()))[:5], quote=False)}). A count "
                     "cannot be negative: correct these values in the data.", [_not_count(y)])
    if has_frac:
        b = df.loc[frac]
        checks.error("fractional count", f"The outcome {y!r} is declared a count of people, "
                     f"but it has fractions at (unit, period) "
                     f"{pairs(b, unit, time, labels=labels)} (values "
                     f"{format_examples(b[y].tolist()[:3], quote=False)}). A count is a whole "
                     "number: correct these values.", [_not_count(y)])
    if not reported and not has_frac:
        advice = [_not_count(y)] if spec.outcome_is_count is None else []
        checks.ok(f"outcome {y!r}", f"{y!r} is read as a count of people ({why}).", advice)
    return reported


def _log_scale(state: Any, spec: Any, y: str, vals: np.ndarray, negative_reported: bool
               ) -> None:
    df, unit, time, labels = state.df, spec.unit, spec.time, state.labels
    bad = (vals == 0) if negative_reported else (vals <= 0)
    if not bad.any():
        return
    b = df.loc[bad]
    kinds = "zero" if (b[y] == 0).all() else ("negative" if (b[y] < 0).all()
                                               else "zero or negative")
    where = pairs(b, unit, time, labels=labels)
    advice = [Advice("scale", "level", when="to analyse the outcome in its own units instead")]
    if spec.log_outcome:
        state.checks.error("log scale", f"The outcome {y!r} is {kinds} at (unit, period) "
                           f"{where}; such values cannot be analysed on the log scale (as "
                           "percentage changes).", advice)
    else:
        state.checks.warn("log scale", f"The outcome {y!r} is {kinds} at (unit, period) "
                          f"{where}. The claim check analyses outcomes on the log scale (as "
                          "percentage changes) unless told otherwise, and cannot use such "
                          "values there.", advice)


def check_covariates(state: Any, spec: Any) -> None:
    for x in spec.covariates:
        if _plain_numbers(state.df[x]):
            _missing_covariate(state, spec, x)
            continue
        r = read_numbers(state.df[x])
        if r.text.any():
            vals = list(dict.fromkeys(map(str, state.df.loc[r.text, x])))
            state.checks.error("numeric covariate", f"The covariate {x!r} is not numeric "
                               f"(it has {format_examples(vals, 3)}); turn categories into 0/1 "
                               "columns first.")
            continue
        state.df = state.df.assign(**{x: r.values})
        _missing_covariate(state, spec, x)


def _missing_covariate(state: Any, spec: Any, x: str) -> None:
    na = state.df[x].isna().to_numpy()
    if na.any():
        where = pairs(state.df.loc[na], spec.unit, spec.time, labels=state.labels)
        state.checks.warn("missing covariate", f"Dropped {int(na.sum())} row(s) with no "
                          f"value of the covariate {x!r}, at (unit, period) {where}.")
        state.drop(na, f"missing covariate {x!r}")


def check_weights(state: Any, spec: Any) -> None:
    w_col = spec.weights
    if w_col is None:
        return
    r = read_numbers(state.df[w_col])
    w = r.values
    bad = w.isna() | (w < 0) | ~np.isfinite(w.fillna(0))
    if bad.any():
        where = pairs(state.df.loc[bad], spec.unit, spec.time, labels=state.labels)
        state.checks.error("weights", f"The weights column {w_col!r} must be non-negative "
                           f"numbers; it is not at (unit, period) {where}.")
    elif r.converted:
        state.df = state.df.assign(**{w_col: w})

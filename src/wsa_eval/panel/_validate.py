"""Panel validation: the first step of every estimator, of ``wsa-eval check`` and of
``wsa-eval run`` (one function, so the three agree).

:func:`validate_panel` copies the caller's data, checks it and returns a
:class:`PanelReport` holding the cleaned copy, the table of checks, and every row it dropped
with the reason. Problems that make estimation impossible raise a :class:`PanelError`
(a ``ValueError``) whose message names the column, unit or period at fault; problems an
estimator can live with become :class:`DataWarning` warnings and rows in ``report.checks``.
Advice to change a setting travels as :class:`~wsa_eval.errors.Advice`, so each interface
phrases it its own way.

Treatment timing can be given three ways:

* ``first_treated``: a column with each unit's first treated period; ``0``, ``NaN`` or
  ``inf`` mean never treated (the convention of R's ``did`` package);
* ``treatment``: a 0/1 column of treatment status by unit and period (must not switch off);
* ``treated`` and ``start``: the treated unit label(s) and their first treated period
  (the synthetic-control convention).

(The vocabulary is that of :mod:`wsa_eval.glossary`; the old spellings ``treated=`` for the
0/1 column and ``treated_units=`` for the labels work for one release with a FutureWarning.)

What is read rather than refused (each stated in the checks table): periods written as
financial years, quarters or months (:mod:`._periods`); numbers with thousands separators
and GOV.UK shorthand such as ``[c]`` (:mod:`._values`). What is refused that pandas would
take: unit names differing only in capitals or spaces (:mod:`._units`), periods differing
only by float noise, and an outcome that is a count of people but negative or fractional.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._utils import check_choice, require_columns, require_frame
from ..errors import ColumnError, DataWarning, SpecificationError
from ..results import make_spec
from ._fast import duplicated_pairs, sort_panel, unit_groups
from ._outcome import check_covariates, check_outcomes, check_weights
from ._periods import fmt_close, missing_grid_periods, near_duplicate_periods, read_periods
from ._report import Checks, PanelReport, StopChecks, fmt_t, fmt_u, pairs
from ._timing import (
    check_cohorts,
    cohorts_from_first_treated,
    cohorts_from_labels,
    cohorts_from_treatment,
)
from ._units import (
    MAX_UNITS_FOR_SPELLING,
    complementary_names,
    describe_groups,
    same_name_groups,
    suggest,
)


@dataclass
class _Spec:
    """The arguments of one validation, checked."""

    unit: str
    time: str
    outcomes: list[str]
    covariates: list[str]
    first_treated: str | None
    treatment: str | None
    treated: Any
    start: Any
    weights: str | None
    control_group: str
    balanced: bool
    missing_outcome: str
    always_treated: str
    anticipation: int
    min_pre_periods: int
    outcome_is_count: bool | None
    log_outcome: bool | None


@dataclass
class _State:
    """The working copy and what the checks found so far."""

    df: pd.DataFrame
    checks: Checks = field(default_factory=Checks)
    dropped: list[pd.DataFrame] = field(default_factory=list)
    balanced: bool | None = None
    cohorts: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    count_outcomes: list[str] = field(default_factory=list)
    labels: dict[float, str] = field(default_factory=dict)
    period_kind: str = "number"
    _groups: Any = None  # (number of rows, unit_groups(...)) for the current df

    def drop(self, mask: np.ndarray, reason: str) -> None:
        if mask.any():
            d = self.df.loc[mask].copy()
            d["reason"] = reason
            self.dropped.append(d)
            self.df = self.df.loc[~mask]
            self._groups = None

    def unit_groups(self, unit: str) -> Any:
        """:func:`unit_groups` of the unit column, computed once per version of ``df``
        (one hashing pass over millions of rows is the main cost of validation)."""
        if self._groups is None or self._groups[0] != len(self.df):
            self._groups = (len(self.df), unit_groups(self.df[unit]))
        return self._groups[1]

    def label(self, t: Any) -> str:
        lab = self.labels.get(float(t)) if self.labels else None
        return lab if lab is not None else fmt_t(t)


def validate_panel(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str | Sequence[str],
    first_treated: str | None = None,
    treatment: str | None = None,
    treated: Any = None,
    start: Any = None,
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    control_group: Literal["either", "never_treated", "not_yet_treated", "none"] = "either",
    balanced: bool = True,
    missing_outcome: Literal["error", "drop"] = "error",
    always_treated: Literal["drop", "error"] = "drop",
    anticipation: int = 0,
    min_pre_periods: int = 1,
    outcome_is_count: bool | None = None,
    log_outcome: bool | None = False,
    raise_on_error: bool = True,
    warn: bool = True,
    treated_units: Any = None,
) -> PanelReport:
    """Check a panel (or repeated cross-section) before estimation.

    Parameters
    ----------
    data : DataFrame
        One row per unit and period (per person and period for repeated cross-sections with
        ``balanced=False``). Never modified.
    unit, time : str
        Columns identifying the unit (area, person) and the period. Periods are numbers
        (the year) or text read as financial years (``"2015/16"`` -> 2015), quarters
        (``"2019 Q1"`` -> 2019.0, ``"2019 Q2"`` -> 2019.25) or months (``"2019-03"`` ->
        2019 + 2/12); the numbering is stated in ``report.checks``.
    outcome : str or list of str
        Outcome column(s); numbers (thousands separators such as ``"1,234"`` are read;
        GOV.UK shorthand such as ``"[c]"`` is reported as suppressed) and finite.
    first_treated, treatment, treated, start
        Treatment timing (give at most one of the three forms; see the module docstring):
        a first-treated-period column, a 0/1 treatment column, or unit label(s) with
        ``start`` (a period, as a number or as the data spell it, or a dict unit ->
        period). ``treated_units`` is the old name of ``treated``.
    covariates : list of str, optional
        Numeric covariate columns. Rows with a missing covariate are dropped and reported.
    weights : str, optional
        A column of non-negative analytic weights (e.g. population).
    control_group : {"either", "never_treated", "not_yet_treated", "none"}
        Which comparison units the estimator needs; an error is raised when none exist.
    balanced : bool
        If True (default) every unit must be observed in every period; if False an
        unbalanced panel is accepted with a warning.
    missing_outcome : {"error", "drop"}
        Whether a missing outcome is an error (default) or its row is dropped and reported.
    always_treated : {"drop", "error"}
        Units already treated in the first observed period (no pre-period to compare with):
        dropped with a warning (as R's ``did`` does) or an error.
    anticipation : int
        Number of periods before treatment in which units may already respond.
    min_pre_periods : int
        Each treatment cohort needs at least this many periods before ``g - anticipation``.
    outcome_is_count : bool or None
        Whether the outcome counts people (reports then hide small values). None (default)
        infers it: a column of whole numbers is a count, unless more than 5% of its values
        are negative (then it reads as a change or a score). A count must not be negative
        or fractional. The decision is ``report.outcome_is_count``.
    log_outcome : bool or None
        True: the outcome will be analysed on the log scale (``check_claim``'s
        ``scale="log"``), so zeros and negative values are errors (with advice to use the
        level scale). None: the scale is not decided yet (the command line's ``check``), so
        they are warnings. False (default): not checked.
    raise_on_error : bool
        If False, return the report with failed checks instead of raising (for the
        command line's ``check``).
    warn : bool
        Emit :class:`DataWarning` for each warning (default True).

    Returns
    -------
    PanelReport

    Raises
    ------
    ColumnError
        A named column is missing.
    PanelError
        Any check fails with an error; ``exc.problems`` lists them all.

    Examples
    --------
    The shipped police-force-area panel (edition A), with Greater Manchester's WSA from 2014:

    >>> import wsa_eval as we
    >>> df = we.datasets.load_pfa_custody()
    >>> df = df[df["edition"] == "A"]
    >>> checks = we.validate_panel(df, unit="pfa", time="year", outcome="immediate_custody",
    ...                            treated="Greater Manchester", start=2014)
    >>> checks.outcome_is_count
    True

    A misspelt column is named, with the nearest match:

    >>> we.validate_panel(df, unit="pfa", time="year", outcome="custody")
    Traceback (most recent call last):
    ...
    wsa_eval.errors.ColumnError: Column 'custody' (outcome=) is not in the data. ...
    """
    treatment, treated = _timing_arguments(data, unit, treatment, treated, treated_units)
    spec = _arguments(data, unit=unit, time=time, outcome=outcome, first_treated=first_treated,
                      treatment=treatment, treated=treated, start=start, covariates=covariates,
                      weights=weights, control_group=control_group, balanced=balanced,
                      missing_outcome=missing_outcome, always_treated=always_treated,
                      anticipation=anticipation, min_pre_periods=min_pre_periods,
                      outcome_is_count=outcome_is_count, log_outcome=log_outcome)
    state = _State(df=_working_copy(data, spec))
    try:
        _run_checks(state, spec, raise_on_error)
        report = _report(state, spec, stopped=False)
    except StopChecks:
        report = _report(state, spec, stopped=True)
    if warn:
        for m in report.warnings:
            warnings.warn(m, DataWarning, stacklevel=2)
    return report


def _run_checks(state: _State, spec: _Spec, raise_on_error: bool) -> None:
    """Every check in order; stops (raising, or with StopChecks) where later checks would
    assume earlier errors fixed."""
    _identifiers(state, spec)
    state.checks.finish(raise_on_error)
    _duplicates(state, spec)
    check_outcomes(state, spec)
    check_covariates(state, spec)
    check_weights(state, spec)
    state.checks.finish(raise_on_error)
    _time_grid(state, spec)
    _balance(state, spec)
    _timing(state, spec, raise_on_error)
    state.checks.finish(raise_on_error)


def _timing_arguments(data: Any, unit: str, treatment: Any, treated: Any,
                      treated_units: Any) -> tuple[Any, Any]:
    """Map the old spellings onto ``treatment`` (0/1 column) and ``treated`` (labels)."""
    from .._compat import warn_renamed

    if treated_units is not None:
        if treated is not None:
            raise SpecificationError("Give treated= only (treated_units= is its old name).")
        warn_renamed("validate_panel", "treated_units", "'treated'", stacklevel=4)
        treated = treated_units
    if (treatment is None and isinstance(treated, str) and isinstance(data, pd.DataFrame)
            and treated in data.columns
            and not (unit in data.columns and (data[unit] == treated).any())):
        warn_renamed("validate_panel", "treated (naming a 0/1 column)", "'treatment'",
                     stacklevel=4)
        treatment, treated = treated, None
    return treatment, treated


def _arguments(data: Any, *, unit: str, time: str, outcome: Any, first_treated: Any,
               treatment: Any, treated: Any, start: Any, covariates: Any, weights: Any,
               control_group: str, balanced: bool, missing_outcome: str,
               always_treated: str, anticipation: int, min_pre_periods: int,
               outcome_is_count: Any, log_outcome: Any) -> _Spec:
    """Check the arguments (not the data) and that every named column exists."""
    require_frame(data)
    check_choice("control_group", control_group,
                 ("either", "never_treated", "not_yet_treated", "none"))
    check_choice("missing_outcome", missing_outcome, ("error", "drop"))
    check_choice("always_treated", always_treated, ("drop", "error"))
    if outcome_is_count not in (None, True, False):
        raise SpecificationError(f"outcome_is_count must be True, False or None (infer), not "
                                 f"{outcome_is_count!r}.")
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    covariates = list(covariates or [])
    given = [x is not None for x in (first_treated, treatment, treated)]
    if sum(given) > 1:
        raise SpecificationError(
            "Give treatment timing one way only: first_treated=, treatment= or treated= "
            "with start=."
        )
    if treated is not None and start is None:
        raise SpecificationError("treated= needs start= (the first treated period).")
    named = {"unit": unit, "time": time, "outcome": outcomes, "first_treated": first_treated,
             "treatment": treatment, "covariates": covariates, "weights": weights}
    _columns_with_hints(data, named)
    require_columns(data, named)
    for name, col in (("unit", unit), ("time", time)):
        if outcomes.count(col) or col in covariates:
            raise SpecificationError(f"Column {col!r} is used both as {name} and as a variable.")
    return _Spec(unit=unit, time=time, outcomes=outcomes, covariates=covariates,
                 first_treated=first_treated, treatment=treatment, treated=treated,
                 start=start, weights=weights, control_group=control_group,
                 balanced=bool(balanced), missing_outcome=missing_outcome,
                 always_treated=always_treated, anticipation=int(anticipation),
                 min_pre_periods=int(min_pre_periods), outcome_is_count=outcome_is_count,
                 log_outcome=None if log_outcome is None else bool(log_outcome))


def _columns_with_hints(data: pd.DataFrame, named: dict[str, Any]) -> None:
    """A missing column that matches one in the data up to capitals or spaces (a header
    'custody ' with a trailing space) gets a 'did you mean'."""
    cols = list(data.columns)
    for arg, want in named.items():
        for c in [want] if isinstance(want, str) or want is None else want:
            if c is None or c in cols:
                continue
            hint = suggest(c, [x for x in cols if isinstance(x, str)])
            if hint:
                raise ColumnError(f"Column {c!r} ({arg}=) is not in the data.{hint} The data "
                                  f"has the columns {', '.join(map(repr, cols[:20]))}.")


def _working_copy(data: pd.DataFrame, spec: _Spec) -> pd.DataFrame:
    keep = [spec.unit, spec.time, *spec.outcomes, *spec.covariates]
    keep += [c for c in (spec.first_treated, spec.treatment, spec.weights) if c is not None]
    extra = [c for c in data.columns if c not in keep]
    return data[list(dict.fromkeys(keep)) + extra].copy()


# ------------------------------------------------------------------------------------------
# identifiers: missing ids, the period column, unit names
# ------------------------------------------------------------------------------------------
def _identifiers(state: _State, spec: _Spec) -> None:
    df, checks, unit, time = state.df, state.checks, spec.unit, spec.time
    for name, col in (("unit", unit), ("time", time)):
        n_na = int(df[col].isna().sum())
        if n_na:
            checks.error(f"missing {name}",
                         f"{n_na} row(s) have no value in the {name} column {col!r}.")
    reading = read_periods(df[time], time)
    if reading.values is None:
        checks.error("time type", reading.error)
        return
    if reading.converted:
        state.df = df = df.assign(**{time: reading.values})
    if reading.kind != "number":
        state.labels, state.period_kind = reading.labels, reading.kind
        checks.ok("periods", reading.note)
    ids_ok = df[unit].notna() & df[time].notna()
    if not ids_ok.all():
        state.df = df = df.loc[ids_ok]
    close = near_duplicate_periods(np.sort(df[time].unique()))
    if close:
        shown = "; ".join(fmt_close(a, b) for a, b in close[:3])
        checks.error("near-duplicate periods", f"The time column {time!r} has periods that "
                     f"differ only by rounding noise: {shown}"
                     f"{' and more' if len(close) > 3 else ''}. They are almost surely the "
                     "same period: round the column (e.g. to whole years) so that each "
                     "period is written one way.")
    _unit_names(state, spec)


def _unit_names(state: _State, spec: _Spec) -> None:
    col = state.df[spec.unit]
    if col.dtype.kind not in "OSU" and not isinstance(col.dtype, pd.StringDtype):
        return
    grouped = state.unit_groups(spec.unit)
    if grouped is None:  # categorical: its categories are the names
        names = list(col.dtype.categories) if isinstance(col.dtype, pd.CategoricalDtype) \
            else list(pd.unique(col))
        groups = same_name_groups(names, lambda n: int((col == n).sum()))
    else:
        codes, _, uniq = grouped
        groups = same_name_groups(list(uniq), lambda n: int(
            np.count_nonzero(codes == uniq.get_loc(n))))
    if groups:
        state.checks.error("unit names", describe_groups(groups, spec.unit))
    else:
        state.checks.ok("unit names")


def _duplicates(state: _State, spec: _Spec) -> None:
    df, unit, time = state.df, spec.unit, spec.time
    dup = duplicated_pairs(df, unit, time)
    if dup.any():
        d = df.loc[dup, [unit, time]].drop_duplicates()
        state.checks.error(
            "duplicate rows",
            f"{int(dup.sum())} rows share a unit and period with another row, at (unit, "
            f"period) {pairs(d, unit, time, labels=state.labels)}. Keep one row per unit "
            f"and period (aggregate or remove the duplicates).",
        )
    else:
        state.checks.ok("duplicate rows")


# ------------------------------------------------------------------------------------------
# time grid and balance
# ------------------------------------------------------------------------------------------
def _time_grid(state: _State, spec: _Spec) -> None:
    times = np.sort(state.df[spec.time].unique())
    if len(times) <= 2:
        return
    gaps = missing_grid_periods(times, state.period_kind)
    if gaps is None:
        state.checks.ok("gaps in time")
        return
    missing, step = gaps
    if missing:
        where = (f"No unit is observed in period(s) "
                 f"{', '.join(missing[:5])}{' and more' if len(missing) > 5 else ''}: the ")
    else:
        where = f"The smallest step between periods is {step:.6g}, but "
    state.checks.warn("gaps in time", f"{where}periods are not evenly spaced. Estimators "
                      "compare each period with the one before it in the data.")


def _balance(state: _State, spec: _Spec) -> None:
    df, unit, time = state.df, spec.unit, spec.time
    times = np.sort(df[time].unique())
    # no duplicate (unit, period) pairs remain here, so the row count is the period count
    grouped = state.unit_groups(unit)
    if grouped is None:
        counts = df.groupby(unit, sort=False, observed=True)[time].size()
    else:
        codes, _, uniq = grouped
        counts = pd.Series(np.bincount(codes, minlength=len(uniq)), index=uniq)
    state.balanced = bool((counts == len(times)).all())
    if state.balanced:
        state.checks.ok("balanced panel")
        return
    short = counts[counts < len(times)]
    some = df.loc[df[unit].isin(short.index[:200]), [unit, time]]
    seen = {u: set(t) for u, t in some.groupby(unit, sort=False)[time]}
    examples = []
    for u in short.index[:3]:
        miss = [state.label(t) for t in times if t not in seen[u]]
        shown = ", ".join(miss[:4]) + (f" and {len(miss) - 4} more" if len(miss) > 4 else "")
        examples.append(f"{fmt_u(u)} (missing {shown})")
    msg = (f"{len(short)} unit(s) are not observed in every period: "
           f"{'; '.join(examples)}{' and more' if len(short) > 3 else ''}.")
    split = complementary_names(seen) if len(counts) <= MAX_UNITS_FOR_SPELLING else []
    if split:
        names = "; ".join(f"{a!r} (did you mean {b!r}?)" for a, b in split[:5])
        state.checks.error("unit names", f"Some units look like one unit spelt two ways: "
                           f"{names}. Their periods do not overlap, so together they would "
                           "make one unit. Spell each unit one way.")
    if spec.balanced:
        state.checks.error("balanced panel", msg + " This estimator needs a balanced panel: "
                           "fill the missing unit-periods or drop those units.")
    else:
        state.checks.warn("balanced panel", msg)


# ------------------------------------------------------------------------------------------
# treatment timing
# ------------------------------------------------------------------------------------------
def _timing(state: _State, spec: _Spec, raise_on_error: bool) -> None:
    df, checks = state.df, state.checks
    if spec.treated is not None:
        cohorts = cohorts_from_labels(df, spec.unit, spec.treated, spec.start, checks,
                                      state.labels, spec.time)
    elif spec.first_treated is not None:
        cohorts = cohorts_from_first_treated(df, spec.unit, spec.time, spec.first_treated,
                                             checks, state.labels,
                                             state.unit_groups(spec.unit))
    elif spec.treatment is not None:
        cohorts = cohorts_from_treatment(df, spec.unit, spec.time, spec.treatment, checks,
                                         state.labels)
    else:
        return
    if cohorts is None:  # an error row says why
        checks.finish(raise_on_error)
        return
    checks.finish(raise_on_error)
    cohorts.index.name = spec.unit
    times = np.sort(df[spec.time].unique())
    cohorts, to_drop = check_cohorts(
        cohorts, times, checks, label=state.label, anticipation=spec.anticipation,
        always_treated=spec.always_treated, control_group=spec.control_group,
        min_pre_periods=spec.min_pre_periods)
    if to_drop:
        state.drop(state.df[spec.unit].isin(to_drop).to_numpy(),
                   "treated before the first observed period")
    state.cohorts = cohorts


def _report(state: _State, spec: _Spec, stopped: bool) -> PanelReport:
    df = state.df
    if not stopped:
        df = sort_panel(df, spec.unit, spec.time)
        df.index = pd.RangeIndex(len(df))  # this function's own copy: no data copy needed
    dropped = (pd.concat(state.dropped, ignore_index=True) if state.dropped
               else pd.DataFrame(columns=[*df.columns, "reason"]))
    tcol = df[spec.time]
    times = (np.sort(tcol.dropna().unique()) if pd.api.types.is_numeric_dtype(tcol)
             else np.array([]))
    columns = {"unit": spec.unit, "time": spec.time, "outcome": spec.outcomes,
               "first_treated": spec.first_treated, "treatment": spec.treatment,
               "covariates": spec.covariates, "weights": spec.weights}
    return PanelReport(
        method="Panel checks",
        spec=make_spec("validate_panel", columns),  # draws no random numbers: seed None
        data=df,
        checks=state.checks.frame(),
        dropped=dropped,
        cohorts=state.cohorts,
        units=np.asarray(pd.unique(df[spec.unit])),
        times=times,
        balanced=state.balanced,
        columns=columns,
        count_outcomes=tuple(state.count_outcomes),
        period_labels=dict(state.labels),
        details=state.checks.details,
        warnings=tuple(state.checks.warnings),
    )

"""Panel validation: the first step of every estimator.

:func:`validate_panel` copies the caller's data, checks it and returns a
:class:`PanelReport` holding the cleaned copy, the table of checks, and every row it dropped
with the reason. Problems that make estimation impossible raise a :class:`PanelError`
(a ``ValueError``) whose message names the column, unit or period at fault; problems an
estimator can live with become :class:`DataWarning` warnings and rows in ``report.checks``.

Treatment timing can be given three ways:

* ``first_treated``: a column with each unit's first treated period; ``0``, ``NaN`` or
  ``inf`` mean never treated (the convention of R's ``did`` package);
* ``treatment``: a 0/1 column of treatment status by unit and period (must not switch off);
* ``treated`` and ``start``: the treated unit label(s) and their first treated period
  (the synthetic-control convention).

(The vocabulary is that of :mod:`wsa_eval.glossary`; the old spellings ``treated=`` for the
0/1 column and ``treated_units=`` for the labels work for one release with a FutureWarning.)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from ._utils import check_choice, require_columns, require_frame
from .errors import (
    DataWarning,
    PanelError,
    SpecificationError,
    format_examples,
)
from .results import Result, result_dataclass

__all__ = ["validate_panel", "PanelReport", "never_treated_mask"]

NEVER = np.inf  # internal code for never treated in the cohort Series


@result_dataclass
class PanelReport(Result):
    """What :func:`validate_panel` found.

    Attributes
    ----------
    data : DataFrame
        A cleaned copy of the input: rows dropped as reported, sorted by unit then time,
        with a fresh RangeIndex. The caller's frame is never modified.
    checks : DataFrame
        One row per check: ``check``, ``status`` (``ok`` / ``warning`` / ``error``),
        ``message``.
    dropped : DataFrame
        The rows removed (original columns plus ``reason``).
    cohorts : Series
        First treated period by unit (``inf`` for never treated); empty when no treatment
        timing was given.
    units, times : ndarray
        Sorted unique units and periods after cleaning.
    balanced : bool
        Whether every unit is observed in every period.
    """

    data: pd.DataFrame
    checks: pd.DataFrame
    dropped: pd.DataFrame
    cohorts: pd.Series
    units: np.ndarray
    times: np.ndarray
    balanced: bool
    columns: dict[str, Any] = field(default_factory=dict)

    _plot_kinds: ClassVar[dict[str, str]] = {"timing": ".plotting:timing_plot"}
    _default_plot: ClassVar[str | None] = "timing"

    @property
    def ok(self) -> bool:
        """True when no check failed with an error."""
        return not (self.checks["status"] == "error").any()

    @property
    def has_warnings(self) -> bool:
        return bool((self.checks["status"] == "warning").any())

    @property
    def never_treated(self) -> list[Any]:
        return list(self.cohorts.index[np.isinf(self.cohorts.to_numpy(dtype=float))])

    def to_frame(self) -> pd.DataFrame:
        return self.checks.copy()

    def _summary_header(self) -> list[tuple[str, Any]]:
        h: list[tuple[str, Any]] = [
            ("Rows", self.data.shape[0]),
            ("Units", len(self.units)),
            ("Periods", f"{len(self.times)} ({_fmt_t(self.times[0])} to {_fmt_t(self.times[-1])})"
             if len(self.times) else "0"),
            ("Balanced", "yes" if self.balanced else "no"),
            ("Rows dropped", self.dropped.shape[0]),
        ]
        if len(self.cohorts):
            g = self.cohorts.to_numpy(dtype=float)
            h.append(("Never-treated units", int(np.isinf(g).sum())))
            fin = pd.Series(g[np.isfinite(g)]).value_counts().sort_index()
            h.append(("Treatment cohorts", ", ".join(f"{_fmt_t(k)} ({v})" for k, v in fin.items())
                      or "none"))
        return h

    def _summary_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Checks", self.checks)]

    def interpret(self) -> str:
        n_err = int((self.checks["status"] == "error").sum())
        n_warn = int((self.checks["status"] == "warning").sum())
        if n_err:
            return f"The panel fails {n_err} check(s); fix them before estimating."
        if n_warn:
            return f"The panel passes, with {n_warn} warning(s) to read."
        return "The panel passes every check."


def _fmt_t(t: Any) -> str:
    if isinstance(t, (float, np.floating)) and float(t).is_integer():
        return str(int(t))
    return str(t)


def never_treated_mask(g: np.ndarray) -> np.ndarray:
    """True where a first-treated code means never treated (0, NaN or inf)."""
    g = np.asarray(g, dtype=float)
    return np.isnan(g) | np.isinf(g) | (g == 0)


class _Checks:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []

    def ok(self, check: str, message: str = "") -> None:
        self.rows.append((check, "ok", message))

    def warn(self, check: str, message: str) -> None:
        self.rows.append((check, "warning", message))

    def error(self, check: str, message: str) -> None:
        self.rows.append((check, "error", message))

    @property
    def errors(self) -> list[str]:
        return [m for _, s, m in self.rows if s == "error"]

    @property
    def warnings(self) -> list[str]:
        return [m for _, s, m in self.rows if s == "warning"]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["check", "status", "message"])


def _pairs(frame: pd.DataFrame, unit: str, time: str, limit: int = 5) -> str:
    return format_examples(
        [f"({_fmt_u(u)}, {_fmt_t(t)})" for u, t in zip(frame[unit], frame[time])], limit,
        quote=False,
    )


def _fmt_u(u: Any) -> str:
    if isinstance(u, (float, np.floating)) and float(u).is_integer():
        return str(int(u))
    return repr(u) if isinstance(u, str) else str(u)


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
    raise_on_error: bool = True,
    warn: bool = True,
    treated_units: Any = None,
) -> PanelReport:
    """Check a panel (or repeated cross-section) before estimation.

    Parameters
    ----------
    data : DataFrame
        One row per unit and period (per person and period for repeated cross-sections with
        ``balanced=False`` and no ``unit`` duplicates check; see below). Never modified.
    unit, time : str
        Columns identifying the unit (area, person) and the period (e.g. year, numeric).
    outcome : str or list of str
        Outcome column(s); must be numeric and finite.
    first_treated, treatment, treated, start
        Treatment timing (give at most one of the three forms; see the module docstring):
        a first-treated-period column, a 0/1 treatment column, or unit label(s) with
        ``start``. ``treated_units`` is the old name of ``treated``.
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
    """
    treatment, treated = _timing_arguments(data, unit, treatment, treated, treated_units)
    args = dict(unit=unit, time=time, outcome=outcome, first_treated=first_treated,
                treated=treatment, treated_units=treated, start=start, covariates=covariates,
                weights=weights, control_group=control_group, balanced=balanced,
                missing_outcome=missing_outcome, always_treated=always_treated,
                anticipation=anticipation, min_pre_periods=min_pre_periods,
                raise_on_error=raise_on_error)
    try:
        report = _validate(data, **args)
    except _StopChecks as stop:
        report = PanelReport(
            method="Panel checks",
            data=data.copy(),
            checks=stop.checks.frame(),
            dropped=pd.DataFrame(columns=[*data.columns, "reason"]),
            cohorts=pd.Series(dtype=float),
            units=np.asarray(pd.unique(data[unit])) if unit in data.columns else np.array([]),
            times=np.sort(data[time].dropna().unique()) if time in data.columns else np.array([]),
            balanced=False,
            warnings=tuple(stop.checks.warnings),
        )
    if warn:
        for m in report.warnings:
            warnings.warn(m, DataWarning, stacklevel=2)
    return report


def _timing_arguments(data: Any, unit: str, treatment: Any, treated: Any,
                      treated_units: Any) -> tuple[Any, Any]:
    """Map the old spellings onto ``treatment`` (0/1 column) and ``treated`` (labels)."""
    from ._compat import warn_renamed

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


def _validate(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str | Sequence[str],
    first_treated: str | None,
    treated: str | None,
    treated_units: Any,
    start: Any,
    covariates: Sequence[str] | None,
    weights: str | None,
    control_group: str,
    balanced: bool,
    missing_outcome: str,
    always_treated: str,
    anticipation: int,
    min_pre_periods: int,
    raise_on_error: bool,
) -> PanelReport:
    require_frame(data)
    for name, val in (("control_group", control_group), ("missing_outcome", missing_outcome),
                      ("always_treated", always_treated)):
        allowed = {"control_group": ("either", "never_treated", "not_yet_treated", "none"),
                   "missing_outcome": ("error", "drop"), "always_treated": ("drop", "error")}
        check_choice(name, val, allowed[name])
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    covariates = list(covariates or [])
    given = [x is not None for x in (first_treated, treated, treated_units)]
    if sum(given) > 1:
        raise SpecificationError(
            "Give treatment timing one way only: first_treated=, treatment= or treated= "
            "with start=."
        )
    if treated_units is not None and start is None:
        raise SpecificationError("treated= needs start= (the first treated period).")
    require_columns(
        data,
        {
            "unit": unit,
            "time": time,
            "outcome": outcomes,
            "first_treated": first_treated,
            "treatment": treated,
            "covariates": covariates,
            "weights": weights,
        },
    )
    for name, col in (("unit", unit), ("time", time)):
        if outcomes.count(col) or col in covariates:
            raise SpecificationError(f"Column {col!r} is used both as {name} and as a variable.")

    checks = _Checks()
    keep = [unit, time, *outcomes, *covariates]
    for c in (first_treated, treated, weights):
        if c is not None:
            keep.append(c)
    extra = [c for c in data.columns if c not in keep]
    df = data[list(dict.fromkeys(keep)) + extra].copy()
    dropped: list[pd.DataFrame] = []

    def drop(mask: np.ndarray, reason: str) -> None:
        nonlocal df
        if mask.any():
            d = df.loc[mask].copy()
            d["reason"] = reason
            dropped.append(d)
            df = df.loc[~mask]

    # -- identifiers ---------------------------------------------------------------------
    for name, col in (("unit", unit), ("time", time)):
        n_na = int(df[col].isna().sum())
        if n_na:
            checks.error(f"missing {name}",
                         f"{n_na} row(s) have no value in the {name} column {col!r}.")
    if not pd.api.types.is_numeric_dtype(df[time]) or pd.api.types.is_bool_dtype(df[time]):
        checks.error(
            "time type",
            f"The time column {time!r} must be numeric (e.g. the year as 2014), "
            f"not {df[time].dtype}. Convert dates to years or period numbers first.",
        )
        _finish(checks, raise_on_error)
    ids_ok = df[unit].notna() & df[time].notna()
    if not ids_ok.all():
        df = df.loc[ids_ok]

    # -- duplicates ----------------------------------------------------------------------
    dup = _duplicated_pairs(df, unit, time)
    if dup.any():
        d = df.loc[dup, [unit, time]].drop_duplicates()
        checks.error(
            "duplicate rows",
            f"{int(dup.sum())} rows share a unit and period with another row, at (unit, "
            f"period) {_pairs(d, unit, time)}. Keep one row per unit and period "
            f"(aggregate or remove the duplicates).",
        )
    else:
        checks.ok("duplicate rows")

    # -- outcomes ------------------------------------------------------------------------
    for y in outcomes:
        col = df[y]
        if pd.api.types.is_bool_dtype(col):
            df[y] = col.astype(float)
            col = df[y]
        if not pd.api.types.is_numeric_dtype(col):
            num = pd.to_numeric(col, errors="coerce")
            bad = num.isna() & col.notna()
            if bad.any():
                b = df.loc[bad]
                vals = format_examples(list(dict.fromkeys(map(str, b[y]))), 3)
                checks.error(
                    "numeric outcome",
                    f"The outcome column {y!r} has text that is not a number ({vals}) at (unit, "
                    f"period) {_pairs(b, unit, time)}.",
                )
                continue
            df[y] = num
            col = num
        inf = np.isinf(col.to_numpy(dtype=float))
        if inf.any():
            checks.error("finite outcome", f"The outcome column {y!r} is infinite at (unit, "
                         f"period) {_pairs(df.loc[inf], unit, time)}.")
        na = col.isna().to_numpy()
        if na.any():
            where = _pairs(df.loc[na], unit, time)
            if missing_outcome == "drop":
                checks.warn("missing outcome", f"Dropped {int(na.sum())} row(s) with no value "
                            f"of {y!r}, at (unit, period) {where}.")
                drop(na, f"missing outcome {y!r}")
            else:
                checks.error("missing outcome", f"The outcome column {y!r} is missing at (unit, "
                             f"period) {where}. Fill or remove these rows.")
        else:
            checks.ok(f"outcome {y!r}")

    # -- covariates ----------------------------------------------------------------------
    for x in covariates:
        if not pd.api.types.is_numeric_dtype(df[x]) and not pd.api.types.is_bool_dtype(df[x]):
            checks.error("numeric covariate", f"The covariate {x!r} is not numeric "
                         f"({df[x].dtype}); turn categories into 0/1 columns first.")
            continue
        na = df[x].isna().to_numpy()
        if na.any():
            checks.warn("missing covariate", f"Dropped {int(na.sum())} row(s) with no value of "
                        f"the covariate {x!r}, at (unit, period) {_pairs(df.loc[na], unit, time)}.")
            drop(na, f"missing covariate {x!r}")
    if weights is not None:
        w = pd.to_numeric(df[weights], errors="coerce")
        bad = w.isna() | (w < 0) | ~np.isfinite(w.fillna(0))
        if bad.any():
            checks.error("weights", f"The weights column {weights!r} must be non-negative "
                         f"numbers; it is not at (unit, period) {_pairs(df.loc[bad], unit, time)}.")

    if checks.errors:
        _finish(checks, raise_on_error)

    # -- time grid and balance -----------------------------------------------------------
    times = np.sort(df[time].unique())
    units_all = pd.unique(df[unit])
    if len(times) > 2:
        steps = np.diff(times.astype(float))
        step = steps.min()
        if step > 0 and not np.allclose(steps, step):
            full = np.arange(times[0], times[-1] + step / 2, step)
            gaps = [t for t in full if not np.isclose(times.astype(float), t).any()]
            checks.warn("gaps in time", f"No unit is observed in period(s) "
                        f"{format_examples([_fmt_t(g) for g in gaps], quote=False)}: the "
                        "periods are not evenly spaced. Estimators compare each period with "
                        "the one before it in the data.")
        else:
            checks.ok("gaps in time")
    # no duplicate (unit, period) pairs remain here, so the row count is the period count
    groups = _unit_groups(df[unit])
    if groups is None:
        counts = df.groupby(unit, sort=False)[time].size()
    else:
        counts = pd.Series(np.bincount(groups[0], minlength=len(groups[2])), index=groups[2])
    is_balanced = bool((counts == len(times)).all())
    if not is_balanced:
        short = counts[counts < len(times)]
        examples = []
        for u in short.index[:3]:
            seen = set(df.loc[df[unit] == u, time])
            miss = [_fmt_t(t) for t in times if t not in seen]
            examples.append(f"{_fmt_u(u)} (missing {format_examples(miss, 4, quote=False)})")
        msg = (f"{len(short)} unit(s) are not observed in every period: "
               f"{'; '.join(examples)}{' and more' if len(short) > 3 else ''}.")
        if balanced:
            checks.error("balanced panel", msg + " This estimator needs a balanced panel: fill "
                         "the missing unit-periods or drop those units.")
        else:
            checks.warn("balanced panel", msg)
    else:
        checks.ok("balanced panel")

    # -- treatment timing ----------------------------------------------------------------
    cohorts = pd.Series(dtype=float)
    if treated_units is not None:
        tu = [treated_units] if np.isscalar(treated_units) else list(treated_units)
        missing_tu = [u for u in tu if u not in set(units_all)]
        if missing_tu:
            checks.error("treated unit", f"Treated unit(s) {format_examples(missing_tu)} do not "
                         f"appear in the {unit!r} column. Units in the data include "
                         f"{format_examples(list(units_all), 8)}.")
            _finish(checks, raise_on_error)
        starts = start if isinstance(start, dict) else {u: start for u in tu}
        cohorts = pd.Series(NEVER, index=pd.Index(units_all, name=unit), dtype=float)
        for u in tu:
            cohorts[u] = float(starts[u])
    elif first_treated is not None:
        g = pd.to_numeric(df[first_treated], errors="coerce")
        bad = g.isna() & df[first_treated].notna()
        if bad.any():
            checks.error("first_treated", f"The first_treated column {first_treated!r} must be a "
                         f"period number (0 or empty for never treated); it is not at (unit, "
                         f"period) {_pairs(df.loc[bad], unit, time)}.")
            _finish(checks, raise_on_error)
        never = never_treated_mask(g.to_numpy())
        if isinstance(g.dtype, np.dtype) and groups is not None:
            # numpy rather than Series.where / groupby (slow on millions of rows in pandas 2)
            if never.any():
                g = pd.Series(np.where(never, NEVER, g.to_numpy(dtype=float)), index=g.index,
                              name=g.name)
        else:
            g = g.where(~never, NEVER)
            groups = None
        if (g < 0).any():
            checks.error("first_treated", f"Negative first treated period at (unit, period) "
                         f"{_pairs(df.loc[g < 0], unit, time)}.")
        # g has no NaN here (never treated is inf): compare each row with its unit's first
        if groups is None:
            first_g = g.groupby(df[unit], sort=False).transform("first")
            differs = (g != first_g).to_numpy()
        else:
            codes, first_pos, uniq = groups
            first_vals = g.to_numpy()[first_pos]
            differs = g.to_numpy() != first_vals[codes]
        varying = list(pd.unique(df[unit].to_numpy()[differs]))
        if varying:
            checks.error("first_treated constant", f"The first treated period must be the same in "
                         f"every row of a unit; it varies for unit(s) {format_examples(varying)}.")
            _finish(checks, raise_on_error)
        if groups is None:
            cohorts = g.groupby(df[unit], sort=False).first()
        else:
            cohorts = pd.Series(first_vals, index=uniq, name=g.name)
    elif treated is not None:
        d = pd.to_numeric(df[treated], errors="coerce")
        okd = d.isin([0, 1])
        if not okd.all():
            checks.error("treated", f"The treatment column {treated!r} must be 0 or 1; it is not "
                         f"at (unit, period) {_pairs(df.loc[~okd], unit, time)}.")
            _finish(checks, raise_on_error)
        tmp = pd.DataFrame({"u": df[unit].to_numpy(), "t": df[time].to_numpy(),
                            "d": d.to_numpy()}).sort_values(["u", "t"], kind="stable")
        off = tmp.groupby("u", sort=False)["d"].diff() < 0
        if off.any():
            o = tmp.loc[off]
            checks.error("treatment switches off", f"Treatment in {treated!r} goes from 1 back to "
                         f"0 for unit(s) at (unit, period) "
                         f"{_pairs(o, 'u', 't')}. "
                         "These estimators assume treatment, once started, stays on "
                         "(staggered adoption).")
            _finish(checks, raise_on_error)
        first = tmp.loc[tmp.d == 1].groupby("u", sort=False)["t"].min()
        cohorts = pd.Series(NEVER, index=pd.Index(pd.unique(tmp.u), name=unit), dtype=float)
        cohorts.loc[first.index] = first.to_numpy(dtype=float)

    if len(cohorts):
        cohorts.index.name = unit
        gv = cohorts.to_numpy(dtype=float)
        t0, t_last = float(times[0]), float(times[-1])
        late = np.isfinite(gv) & (gv > t_last)
        late_starts = np.unique(gv[late])
        if late.any():
            checks.warn("treated after the data end", f"Unit(s) "
                        f"{format_examples(list(cohorts.index[late]))} are first treated after the "
                        "last period in the data; they are used as never treated.")
            cohorts[late] = NEVER
            gv = cohorts.to_numpy(dtype=float)
        always = np.isfinite(gv) & (gv - anticipation <= t0)
        if always.any():
            names = list(cohorts.index[always])
            msg = (f"Unit(s) {format_examples(names)} are treated from the first observed period "
                   f"({_fmt_t(t0)}{' allowing for anticipation' if anticipation else ''}), so "
                   "there is no pre-period to compare them with.")
            if always_treated == "error":
                checks.error("treated before the data start", msg)
            else:
                checks.warn("treated before the data start", msg + " They are dropped.")
                drop(df[unit].isin(names).to_numpy(), "treated before the first observed period")
                cohorts = cohorts[~always]
                gv = cohorts.to_numpy(dtype=float)
        n_never = int(np.isinf(gv).sum())
        fin = np.unique(gv[np.isfinite(gv)])
        if len(fin) == 0:
            why = ""
            if len(late_starts):
                why = (f" The treated unit(s) start in "
                       f"{format_examples(map(_fmt_t, late_starts), quote=False)}, "
                       f"after the last period in the data ({_fmt_t(t_last)}).")
            checks.error("treated units", "No unit is ever treated in the data." + why)
        if control_group in ("never_treated",) and n_never == 0:
            checks.error("comparison units", "There are no never-treated units to compare with. "
                         "Use control_group='not_yet_treated' or add never-treated units.")
        elif control_group in ("either", "not_yet_treated") and n_never == 0 and len(fin) <= 1:
            checks.error("comparison units", "There are no never-treated units and no "
                         "not-yet-treated units (every treated unit starts in the same period): "
                         "nothing to compare with.")
        elif control_group == "not_yet_treated" and n_never == 0:
            checks.warn("comparison units", f"No never-treated units: the last cohort "
                        f"({_fmt_t(fin[-1])}) has no comparison after it is treated.")
        else:
            checks.ok("comparison units", f"{n_never} never-treated unit(s).")
        for gg in fin:
            n_pre = int((times < gg - anticipation).sum())
            if n_pre < min_pre_periods:
                us = list(cohorts.index[gv == gg])
                checks.error("pre-periods", f"Cohort first treated in {_fmt_t(gg)} (unit(s) "
                             f"{format_examples(us)}) has {n_pre} period(s) before treatment"
                             f"{' and anticipation' if anticipation else ''}; at least "
                             f"{min_pre_periods} needed.")
    _finish(checks, raise_on_error)

    if not _sorted_by(df, unit, time):
        df = df.sort_values([unit, time], kind="stable")
    df.index = pd.RangeIndex(len(df))  # df is this function's own copy: no data copy needed
    dropped_df = (pd.concat(dropped, ignore_index=True) if dropped
                  else pd.DataFrame(columns=[*df.columns, "reason"]))
    units = np.asarray(pd.unique(df[unit]))
    times = np.sort(df[time].unique())
    return PanelReport(
        method="Panel checks",
        data=df,
        checks=checks.frame(),
        dropped=dropped_df,
        cohorts=cohorts,
        units=units,
        times=times,
        balanced=is_balanced,
        columns={"unit": unit, "time": time, "outcome": outcomes, "first_treated": first_treated,
                 "treatment": treated, "covariates": covariates, "weights": weights},
        warnings=tuple(checks.warnings),
    )


def _unit_groups(col: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index] | None:
    """Group codes of a unit column in order of first appearance, each unit's first row and
    the units as an index (what ``groupby(unit, sort=False)`` uses), with one hashing pass;
    None for a categorical column (left to pandas, which also lists unused categories)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return None
    codes, uniq = pd.factorize(col, sort=False)
    if len(codes) == 0 or codes.min() < 0:
        return None
    # codes number units by first appearance, so a unit's first row is where the running
    # maximum of the codes goes up
    top = np.maximum.accumulate(codes)
    first_pos = np.flatnonzero(np.r_[True, top[1:] > top[:-1]])
    return codes, first_pos, pd.Index(uniq, name=col.name)


def _duplicated_pairs(df: pd.DataFrame, unit: str, time: str) -> pd.Series:
    """``df.duplicated([unit, time], keep=False)``, through one integer key (much faster on
    millions of rows)."""
    if _sorted_by(df, unit, time):  # strictly increasing time within each unit
        return pd.Series(False, index=df.index)
    u, uu = pd.factorize(df[unit], sort=False)
    t, tu = pd.factorize(df[time], sort=False)
    key = u.astype(np.int64) * max(len(tu), 1) + t
    cells = len(uu) * max(len(tu), 1)
    if cells <= 4 * len(key) + 1024:  # dense unit x period grid: count each cell once
        return pd.Series(np.bincount(key, minlength=cells)[key] > 1, index=df.index)
    return pd.Series(key, index=df.index).duplicated(keep=False)


def _sorted_by(df: pd.DataFrame, unit: str, time: str) -> bool:
    """True when rows are already sorted by unit, then strictly by time within a unit."""
    if isinstance(df[unit].dtype, pd.CategoricalDtype):
        return False  # pandas sorts categories by their declared order
    u = df[unit].to_numpy()
    t = df[time].to_numpy()
    if len(u) < 2:
        return True
    try:
        same = u[1:] == u[:-1]
        return bool(np.all((u[1:] > u[:-1]) | (same & (t[1:] > t[:-1]))))
    except TypeError:  # mixed types: let pandas decide
        return False


def _finish(checks: _Checks, raise_on_error: bool) -> None:
    errs = checks.errors
    if errs and raise_on_error:
        if len(errs) == 1:
            raise PanelError(errs[0], errs)
        msg = f"The panel fails {len(errs)} checks:\n" + "\n".join(f"  - {e}" for e in errs)
        raise PanelError(msg, errs)
    if errs:
        # the caller asked for a report despite errors: stop the checks that assume them fixed
        raise _StopChecks(checks)


class _StopChecks(Exception):
    def __init__(self, checks: _Checks):
        self.checks = checks


"""Treatment timing: the cohort (first treated period) of every unit, from one of the three
forms ``validate_panel`` accepts, and the checks on it (treated after the data end or from
the first period, comparison units left, periods before treatment)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import Advice, SpecificationError, format_examples
from ._fast import unit_groups
from ._periods import period_number
from ._report import NEVER, Checks, pairs
from ._units import suggest


def never_treated_mask(g: np.ndarray) -> np.ndarray:
    """True where a first-treated code means never treated (0, NaN or inf)."""
    g = np.asarray(g, dtype=float)
    return np.isnan(g) | np.isinf(g) | (g == 0)


def cohorts_from_labels(df: pd.DataFrame, unit: str, treated: Any, start: Any,
                        checks: Checks, labels: dict, time: str) -> pd.Series | None:
    """Cohorts from treated unit label(s) and ``start`` (a period or a dict unit -> period);
    None (with an error row) when a label is not in the data."""
    units_all = pd.unique(df[unit])
    tu = [treated] if np.isscalar(treated) else list(treated)
    known = set(units_all)
    missing = [u for u in tu if u not in known]
    if missing:
        hint = suggest(missing[0], list(units_all))
        checks.error("treated unit", f"Treated unit(s) {format_examples(missing)} do not "
                     f"appear in the {unit!r} column.{hint} Units in the data include "
                     f"{format_examples(list(units_all), 8)}.")
        return None
    starts = start if isinstance(start, dict) else {u: start for u in tu}
    cohorts = pd.Series(NEVER, index=pd.Index(units_all, name=unit), dtype=float)
    for u in tu:
        if u not in starts:
            raise SpecificationError(f"start= has no period for the treated unit {u!r}.")
        cohorts[u] = period_number(starts[u], labels, time)
    return cohorts


def cohorts_from_first_treated(df: pd.DataFrame, unit: str, time: str, first_treated: str,
                               checks: Checks, labels: dict, groups: Any = None
                               ) -> pd.Series | None:
    """Cohorts from a first-treated column (0, empty or inf = never treated); ``groups``
    is ``unit_groups(df[unit])`` when already computed."""
    col = df[first_treated]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        g = col
    else:
        g = _first_treated_periods(col, labels, time)
    bad = g.isna() & col.notna()
    if bad.any():
        checks.error("first_treated", f"The first_treated column {first_treated!r} must be a "
                     f"period (0 or empty for never treated); it is not at (unit, period) "
                     f"{pairs(df.loc[bad], unit, time, labels=labels)}.")
        return None
    if groups is None:
        groups = unit_groups(df[unit])
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
                     f"{pairs(df.loc[g < 0], unit, time, labels=labels)}.")
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
        return None
    if groups is None:
        return g.groupby(df[unit], sort=False).first()
    return pd.Series(first_vals, index=uniq, name=g.name)


def _first_treated_periods(col: pd.Series, labels: dict, time: str) -> pd.Series:
    """A text first-treated column read with the time column's period numbering."""
    out = {}
    for v in pd.unique(col.dropna()):
        text = str(v).strip()
        if text.lower() in ("", "0", "never", "inf"):
            out[v] = 0.0
            continue
        try:
            out[v] = period_number(text, labels, time)
        except SpecificationError:
            out[v] = np.nan
    return col.map(out).astype(float)


def cohorts_from_treatment(df: pd.DataFrame, unit: str, time: str, treatment: str,
                           checks: Checks, labels: dict) -> pd.Series | None:
    """Cohorts from a 0/1 treatment column, which must not switch off."""
    d = pd.to_numeric(df[treatment], errors="coerce")
    okd = d.isin([0, 1])
    if not okd.all():
        checks.error("treated", f"The treatment column {treatment!r} must be 0 or 1; it is not "
                     f"at (unit, period) {pairs(df.loc[~okd], unit, time, labels=labels)}.")
        return None
    tmp = pd.DataFrame({"u": df[unit].to_numpy(), "t": df[time].to_numpy(),
                        "d": d.to_numpy()}).sort_values(["u", "t"], kind="stable")
    off = tmp.groupby("u", sort=False)["d"].diff() < 0
    if off.any():
        checks.error("treatment switches off", f"Treatment in {treatment!r} goes from 1 back "
                     f"to 0 for unit(s) at (unit, period) "
                     f"{pairs(tmp.loc[off], 'u', 't', labels=labels)}. "
                     "These estimators assume treatment, once started, stays on "
                     "(staggered adoption).")
        return None
    first = tmp.loc[tmp.d == 1].groupby("u", sort=False)["t"].min()
    cohorts = pd.Series(NEVER, index=pd.Index(pd.unique(tmp.u), name=unit), dtype=float)
    cohorts.loc[first.index] = first.to_numpy(dtype=float)
    return cohorts


def check_cohorts(cohorts: pd.Series, times: np.ndarray, checks: Checks, *, label: Any,
                  anticipation: int, always_treated: str, control_group: str,
                  min_pre_periods: int) -> tuple[pd.Series, list[Any]]:
    """Checks on the cohorts; returns the cohorts kept and the units treated from the first
    period that are to be dropped."""
    gv = cohorts.to_numpy(dtype=float)
    t0, t_last = float(times[0]), float(times[-1])
    late = np.isfinite(gv) & (gv > t_last)
    late_starts = np.unique(gv[late])
    if late.any():
        checks.warn("treated after the data end", f"Unit(s) "
                    f"{format_examples(list(cohorts.index[late]))} are first treated after the "
                    "last period in the data; they are used as never treated.")
        cohorts = cohorts.copy()
        cohorts[late] = NEVER
        gv = cohorts.to_numpy(dtype=float)
    to_drop: list[Any] = []
    always = np.isfinite(gv) & (gv - anticipation <= t0)
    if always.any():
        names = list(cohorts.index[always])
        msg = (f"Unit(s) {format_examples(names)} are treated from the first observed period "
               f"({label(t0)}{' allowing for anticipation' if anticipation else ''}), so "
               "there is no pre-period to compare them with.")
        if always_treated == "error":
            checks.error("treated before the data start", msg)
        else:
            checks.warn("treated before the data start", msg + " They are dropped.")
            to_drop = names
            cohorts = cohorts[~always]
            gv = cohorts.to_numpy(dtype=float)
    n_never = int(np.isinf(gv).sum())
    fin = np.unique(gv[np.isfinite(gv)])
    if len(fin) == 0:
        why = ""
        if len(late_starts):
            why = (f" The treated unit(s) start in "
                   f"{format_examples([label(s) for s in late_starts], quote=False)}, "
                   f"after the last period in the data ({label(t_last)}).")
        checks.error("treated units", "No unit is ever treated in the data." + why)
    _comparison_units(checks, control_group, n_never, fin, label)
    for gg in fin:
        n_pre = int((times < gg - anticipation).sum())
        if n_pre < min_pre_periods:
            us = list(cohorts.index[gv == gg])
            checks.error("pre-periods", f"Cohort first treated in {label(gg)} (unit(s) "
                         f"{format_examples(us)}) has {n_pre} period(s) before treatment"
                         f"{' and anticipation' if anticipation else ''}; at least "
                         f"{min_pre_periods} needed.")
    return cohorts, to_drop


def _comparison_units(checks: Checks, control_group: str, n_never: int, fin: np.ndarray,
                      label: Any) -> None:
    if control_group == "never_treated" and n_never == 0:
        checks.error("comparison units", "There are no never-treated units to compare with; "
                     "add never-treated units, or compare with units treated later.",
                     [Advice("control_group", "not_yet_treated",
                             when="to compare with units treated later")])
    elif control_group in ("either", "not_yet_treated") and n_never == 0 and len(fin) <= 1:
        checks.error("comparison units", "There are no never-treated units and no "
                     "not-yet-treated units (every treated unit starts in the same period): "
                     "nothing to compare with.")
    elif control_group == "not_yet_treated" and n_never == 0:
        checks.warn("comparison units", f"No never-treated units: the last cohort "
                    f"({label(fin[-1])}) has no comparison after it is treated.")
    else:
        checks.ok("comparison units", f"{n_never} never-treated unit(s).")





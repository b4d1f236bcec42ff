"""Survival estimators on engine inputs (Parquet/CSV paths, DuckDB relations, ibis tables,
Spark frames): the engine counts, the existing pure maths estimates.

Each function here is what a user function (:func:`~wsa_eval.survival.km.kaplan_meier`,
:func:`~wsa_eval.survival.logrank.logrank`, ...) hands an engine input to. The engine
(:mod:`wsa_eval.engine.survival`) returns the table of counts by ``(group, [entry], time,
event)``; the counts enter the pure functions of this package as frequency weights, which
reproduce the person-level sums exactly (every sum in Kaplan-Meier, Greenwood, the log-rank
statistic and its variance, the Aalen-Johansen estimator and cmprsk's variance, and Gray's
test is a sum over people that groups by time and group). Only the number of people ``n``
of a curve is set from the counts (a weighted curve counts rows).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import check_alpha, check_choice, hash_frame
from ..engine.survival import collapse
from ..errors import DataWarning, EstimationError, SpecificationError
from ..results import make_spec
from ._competing_data import code_events
from ._jdl_results import CumulativeIncidenceResult, GrayTestResult
from ._results import KaplanMeierResult, LogRankResult
from .cif import CONF_TYPES as CIF_CONF_TYPES
from .cif import aalen_johansen, cif_limits
from .gray import gray_statistic
from .km import CONF_TYPES, _curve_table, _median_row, km_curve
from .logrank import logrank_stats

__all__ = ["kaplan_meier_engine", "logrank_engine", "cumulative_incidence_engine",
           "gray_test_engine", "sorted_levels"]


def sorted_levels(values: pd.Series) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Integer codes and sorted levels (as the pandas path's ``factorize(sort=True)``)."""
    codes, levels = pd.factorize(values, sort=True)
    return codes.astype(np.int64), tuple(levels.tolist())


def _frequencies(cells: pd.DataFrame, weights: str | None) -> np.ndarray:
    """People (or summed whole-number weights) per cell."""
    if weights is None:
        return cells["n"].to_numpy(dtype=float)
    if (cells["wfrac"] > 0).any():
        raise SpecificationError(
            f"weights={weights!r} has non-integer values. On the engine, weights must be whole "
            "numbers (frequencies): the robust variance that non-integer weights need is built "
            "person by person. Fit on a pandas DataFrame for inverse-probability weights.")
    return cells["w"].to_numpy(dtype=float)


def _engine_args(col: Any) -> dict[str, Any]:
    return {"engine": col.engine, "data": col.label}


def kaplan_meier_engine(data: Any, *, duration: str, event: str, group: str | None = None,
                        weights: str | None = None, entry: str | None = None,
                        alpha: float = 0.05, conf_type: str = "log-log") -> KaplanMeierResult:
    """:func:`~wsa_eval.survival.km.kaplan_meier` from the engine's counts."""
    alpha = check_alpha(alpha)
    check_choice("conf_type", conf_type, CONF_TYPES)
    col = collapse(data, duration=duration, event=event, entry=entry, weights=weights,
                   by=[group] if group is not None else [], roles={group: "group"})
    cells = col.cells
    freq = _frequencies(cells, weights)
    t = cells["time"].to_numpy(dtype=float)
    ev = cells["event"].to_numpy(dtype=float) == 1
    en = None if entry is None else cells["entry"].to_numpy(dtype=float)
    if group is None:
        codes, levels = np.zeros(len(cells), dtype=np.int64), ("all",)
    else:
        codes, levels = sorted_levels(cells[group])
    curves = {}
    for k, lev in enumerate(levels):
        m = codes == k
        c = km_curve(t[m], ev[m], freq[m], None if en is None else en[m])
        curves[lev] = replace(c, n=int(cells["n"].to_numpy()[m].sum()))
    frames = [_curve_table(c, lev if group is not None else None, alpha, conf_type)
              for lev, c in curves.items()]
    medians = [_median_row(c, lev, alpha, conf_type) for lev, c in curves.items()]
    flat = [str(lev) for lev, c in curves.items() if c.time.shape[0] == 0]
    warns = []
    if flat:
        warns.append(
            (f"Group(s) {', '.join(map(repr, flat))} of {group!r} have no events: "
             if group is not None
             else f"Column {event!r} has no events (all rows censored): ")
            + "the curve stays at 1 (flat), as R's survfit draws it; its table row is at "
            "the last follow-up time.")
        warnings.warn(warns[-1], DataWarning, stacklevel=3)
    med = pd.DataFrame(medians)
    if group is None:
        med = med.drop(columns="group")
    spec = make_spec(
        "kaplan_meier",
        dict(duration=duration, event=event, group=group, weights=weights, entry=entry,
             alpha=alpha, conf_type=conf_type, **_engine_args(col)),
        data_hash=hash_frame(cells))
    return KaplanMeierResult(
        method="Kaplan-Meier (1958) with Greenwood (1926) standard errors",
        spec=spec, warnings=tuple(warns), table=pd.concat(frames, ignore_index=True),
        medians=med, curves=curves, group=group, alpha=alpha, conf_type=conf_type)


def logrank_engine(data: Any, *, duration: str, event: str, group: str,
                   strata: Any = None, weights: str | None = None,
                   alpha: float = 0.05) -> LogRankResult:
    """:func:`~wsa_eval.survival.logrank.logrank` from the engine's counts."""
    if group is None:
        raise SpecificationError("logrank needs a group column to compare.")
    st_cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
    col = collapse(data, duration=duration, event=event, weights=weights,
                   by=[group, *st_cols], roles={group: "group", **{s: "strata" for s in st_cols}})
    cells = col.cells
    freq = _frequencies(cells, weights)
    g, levels = sorted_levels(cells[group])
    G = len(levels)
    if G < 2:
        raise SpecificationError(
            f"Column {group!r} has a single level ({levels[0]!r}): nothing to compare.")
    ev = cells["event"].to_numpy(dtype=float) == 1
    if not ev.any():
        raise EstimationError(f"Column {event!r} has no events: the test is not defined.")
    s = None
    if st_cols:
        s = pd.MultiIndex.from_frame(cells[st_cols]).factorize(sort=True)[0] if len(
            st_cols) > 1 else sorted_levels(cells[st_cols[0]])[0]
        s = np.asarray(s, dtype=np.int64)
    obs, exp, var = logrank_stats(cells["time"].to_numpy(dtype=float), ev, g, G, freq, s)
    diff = obs - exp
    keep = np.arange(1, G)
    sub = var[np.ix_(keep, keep)]
    chi2 = float(diff[keep] @ np.linalg.pinv(sub) @ diff[keep])
    df = int(np.linalg.matrix_rank(sub))
    n_g = np.bincount(g, weights=freq, minlength=G)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({
            "group": list(levels), "n": n_g, "observed": obs, "expected": exp,
            "(O-E)^2/E": diff**2 / exp, "(O-E)^2/V": diff**2 / np.diag(var)})
    spec = make_spec("logrank", dict(duration=duration, event=event, group=group,
                                     strata=strata, weights=weights, alpha=alpha,
                                     **_engine_args(col)), data_hash=hash_frame(cells))
    return LogRankResult(
        method="Log-rank test" + (" (stratified)" if strata is not None else ""),
        spec=spec, statistic=chi2, df=df, p_value=float(stats.chi2.sf(chi2, df)),
        table=table, variance=var, group=group, strata=strata, alpha=alpha)


def _competing_cells(data: Any, duration: str, event: str, by: list[str], roles: dict,
                     event_of_interest: int, censor_code: int):
    col = collapse(data, duration=duration, event=event, by=by, roles=roles,
                   event_codes=True)
    cells = col.cells
    e = cells["event"].to_numpy(dtype=np.int64)
    status = code_events(e, event, event_of_interest, censor_code)
    return col, cells, status


def cumulative_incidence_engine(data: Any, *, duration: str, event: str,
                                event_of_interest: int = 1, group: str | None = None,
                                censor_code: int = 0, alpha: float = 0.05,
                                conf_type: str = "log-log") -> CumulativeIncidenceResult:
    """:func:`~wsa_eval.survival.cif.cumulative_incidence` from the engine's counts."""
    alpha = check_alpha(alpha)
    check_choice("conf_type", conf_type, CIF_CONF_TYPES)
    col, cells, status = _competing_cells(data, duration, event,
                                          [group] if group is not None else [],
                                          {group: "group"}, event_of_interest, censor_code)
    t = cells["time"].to_numpy(dtype=float)
    freq = cells["n"].to_numpy(dtype=float)
    labels = cells[group].to_numpy() if group is not None else np.zeros(len(t), dtype=int)
    groups = pd.unique(labels)
    try:
        groups = np.sort(groups)
    except TypeError:
        pass
    frames = []
    for g in groups:
        m = labels == g
        tt, F, var, nr, ne = aalen_johansen(t[m], status[m], freq[m])
        se = np.sqrt(var)
        lo, hi = cif_limits(F, se, alpha, conf_type)
        frames.append(pd.DataFrame({
            "group": g if group is not None else "all",
            "time": np.concatenate(([0.0], tt)),
            "estimate": np.concatenate(([0.0], F)),
            "std_error": np.concatenate(([0.0], se)),
            "ci_low": np.concatenate(([0.0], lo)),
            "ci_high": np.concatenate(([0.0], hi)),
            "n_at_risk": np.concatenate(([float(freq[m].sum())], nr)),
            "n_events": np.concatenate(([0.0], ne))}))
    test = None
    if group is not None and len(groups) > 1:
        test = gray_statistic(t, status, labels, None, 0.0, weights=freq)
    spec = make_spec(
        "cumulative_incidence",
        dict(duration=duration, event=event, event_of_interest=event_of_interest, group=group,
             censor_code=censor_code, alpha=alpha, conf_type=conf_type, **_engine_args(col)),
        data_hash=hash_frame(cells))
    return CumulativeIncidenceResult(
        method="Aalen-Johansen cumulative incidence (Aalen & Johansen 1978; cmprsk variance)",
        spec=spec, table=pd.concat(frames, ignore_index=True), gray=test,
        event_of_interest=event_of_interest, alpha=alpha, group_column=group,
        time_column=duration)


def gray_test_engine(data: Any, *, duration: str, event: str, event_of_interest: int = 1,
                     group: str, strata: str | None = None, rho: float = 0.0,
                     censor_code: int = 0) -> GrayTestResult:
    """:func:`~wsa_eval.survival.gray.gray_test` from the engine's counts."""
    if group is None:
        raise SpecificationError("gray_test needs group=... (the column defining the groups).")
    if not np.isfinite(rho):
        raise SpecificationError("rho must be a finite number (0 is the usual choice).")
    by = [group] + ([strata] if strata is not None else [])
    col, cells, status = _competing_cells(data, duration, event, by,
                                          {group: "group", strata: "strata"},
                                          event_of_interest, censor_code)
    st = cells[strata].to_numpy() if strata is not None else None
    res = gray_statistic(cells["time"].to_numpy(dtype=float), status,
                         cells[group].to_numpy(), st, float(rho),
                         weights=cells["n"].to_numpy(dtype=float))
    spec = make_spec(
        "gray_test",
        dict(duration=duration, event=event, event_of_interest=event_of_interest, group=group,
             strata=strata, rho=rho, censor_code=censor_code, **_engine_args(col)),
        data_hash=hash_frame(cells))
    return GrayTestResult(method="Gray (1988) K-sample test of cumulative incidence", spec=spec,
                          event_of_interest=event_of_interest, **res)

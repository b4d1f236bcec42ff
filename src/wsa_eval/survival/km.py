"""Kaplan-Meier estimator with Greenwood standard errors.

Kaplan & Meier (1958) product-limit estimator ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)`` at
the distinct event times ``t_j`` with ``d_j`` events among ``n_j`` at risk; Greenwood's (1926)
variance ``var(log S(t)) = sum_{t_j <= t} d_j / (n_j (n_j - d_j))``. Confidence intervals as
R's ``survfit`` (``conf.type`` "log-log" (default here), "log" or "plain"); the median and its
interval as R's ``print.survfit`` (the first time the curve, or its lower / upper limit, is at
or below one half, averaging with the next event time when the curve sits exactly on 0.5).
See Therneau & Grambsch (2000, sec. 2.1).

Assumptions: censoring independent of the event time given the group; with ``entry`` (delayed
entry, left truncation) a person is at risk only on ``(entry, duration]``. Case ``weights``
count in ``n_j`` and ``d_j`` (as R); non-integer weights switch the variance to the
infinitesimal jackknife, as R's ``survfit`` does by default.

Speed: the times are coded once (hashing) and counted by group with ``bincount``;
cumulative sums, no loop over times.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_alpha, check_choice, hash_frame
from ..engine.survival import collapse
from ..errors import DataWarning
from ..results import make_spec
from ._check import prepare_survival, used_columns
from ._engine_common import engine_args, frequencies, sorted_levels
from ._km_core import KMCurve, confidence_limits, first_below_half, grouped_curves, km_curve
from ._results import KaplanMeierResult

__all__ = ["kaplan_meier", "km_curve", "KMCurve", "confidence_limits", "CONF_TYPES"]

CONF_TYPES = ("log-log", "log", "plain")


def _curve_table(c: KMCurve, lev: Any, alpha: float, conf_type: str) -> pd.DataFrame:
    """One curve's rows of the result table: its event times, or for a curve without
    events one row at the last follow-up time (S = 1, as R's survfit there)."""
    if c.time.shape[0]:
        t, nr, ne, s, v = c.time, c.n_at_risk, c.n_events, c.surv, c.var_log
    else:
        t = np.array([c.tmax])
        nr, ne, s, v = c.at_risk(t), np.zeros(1), np.ones(1), np.zeros(1)
    lo, hi = confidence_limits(s, v, alpha, conf_type)
    with np.errstate(invalid="ignore"):
        se = s * np.sqrt(v)
    censored, entered = c.interval_counts(t, ne)
    f = pd.DataFrame({"time": t, "n_at_risk": nr, "n_events": ne, "n_censored": censored,
                      "estimate": s, "std_error": se, "ci_low": lo, "ci_high": hi})
    if entered is not None:
        f.insert(2, "n_entered", entered)
    if lev is not None:
        f.insert(0, "group", lev)
    return f


def _median_row(c: KMCurve, lev: Any, alpha: float, conf_type: str) -> dict[str, Any]:
    lo, hi = confidence_limits(c.surv, c.var_log, alpha, conf_type)
    return {"group": lev, "median": first_below_half(c.time, c.surv),
            "ci_low": first_below_half(c.time, lo), "ci_high": first_below_half(c.time, hi),
            "n": c.n, "n_events": float(c.n_events.sum())}


def _tables(curves: dict, group: str | None, event: str, alpha: float, conf_type: str,
            stacklevel: int) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The estimate table, the medians and the flat-curve warning of fitted curves (shared
    by the pandas and the engine paths)."""
    table = pd.concat([_curve_table(c, lev if group is not None else None, alpha, conf_type)
                       for lev, c in curves.items()], ignore_index=True)
    med = pd.DataFrame([_median_row(c, lev, alpha, conf_type) for lev, c in curves.items()])
    if group is None:
        med = med.drop(columns="group")
    flat = [str(lev) for lev, c in curves.items() if c.time.shape[0] == 0]
    warns = []
    if flat:
        warns.append(
            (f"Group(s) {', '.join(map(repr, flat))} of {group!r} have no events: "
             if group is not None
             else f"Column {event!r} has no events (all rows censored): ")
            + "the curve stays at 1 (flat), as R's survfit draws it; its table row is at "
            "the last follow-up time.")
        warnings.warn(warns[-1], DataWarning, stacklevel=stacklevel)
    return table, med, warns


def kaplan_meier(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    group: str | None = None,
    weights: str | None = None,
    entry: str | None = None,
    alpha: float = 0.05,
    conf_type: str = "log-log",
) -> KaplanMeierResult:
    """Kaplan-Meier survival curves with Greenwood standard errors, as R ``survfit``.

    Parameters
    ----------
    data : DataFrame
        One row per person (not modified).
    duration, event : str
        Follow-up time (>= 0) and the event indicator (1 = event seen, 0 = censored).
    group : str, optional
        A column whose levels get separate curves.
    weights : str, optional
        Positive case weights, counted in ``n_j`` and ``d_j``. As R's ``survfit``: with
        whole-number weights the variance is Greenwood's (weights as frequencies); with
        non-integer weights (e.g. inverse-probability weights) it is the infinitesimal
        jackknife (robust) variance ``sum_i (w_i * influence_i)^2``.
    entry : str, optional
        Delayed-entry time (< duration): a person is at risk only after it.
    alpha : float
        1 - confidence level of the pointwise intervals and the median's interval.
    conf_type : {"log-log", "log", "plain"}
        Interval scale, as R ``conf.type``.

    Returns
    -------
    KaplanMeierResult
        ``to_frame()`` has one row per distinct event time (and group); a group without
        events (or data without any) has a flat curve at 1, as R's ``survfit`` draws it,
        shown by one row at its last follow-up time (with a DataWarning); ``survival_at``,
        ``median``, ``at_risk`` and ``plot`` (curves with numbers at risk under the axis).
        The table's ``n_censored`` counts the people censored from each event time until
        the next (the last row: from its time on), so that ``n_at_risk`` falls by
        ``n_events + n_censored`` from one row to the next; with ``entry``, ``n_entered``
        counts the people who entered after the previous event time (R's ``survfit`` lists
        both at every time).

    Notes
    -----
    Assumes censoring independent of the time to the event, given the group (people whose
    follow-up ends early are like those still followed); with ``entry``, that people are
    at risk only on ``(entry, duration]`` (left truncation). A curve describes a group; a
    comparison needs :func:`logrank` or :func:`cox`, and a causal reading comparable groups.

    References
    ----------
    Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete observations.
    *Journal of the American Statistical Association* 53, 457-481.
    Greenwood, M. (1926). The natural duration of cancer. *Reports on Public Health and
    Medical Subjects* 33, HMSO.
    Therneau, T. M. & Grambsch, P. M. (2000). *Modeling Survival Data*, sec. 2.1. Springer.

    Examples
    --------
    Weeks to re-arrest of 432 men released from prison, with (``fin = 1``) or without
    financial aid (Rossi, Berk & Lenihan 1980):

    >>> from wsa_eval.datasets import load_rossi
    >>> from wsa_eval.survival import kaplan_meier
    >>> km = kaplan_meier(load_rossi(), duration="week", event="arrest", group="fin")
    >>> s = km.survival_at([26, 52])
    >>> print(s[["group", "time", "n_at_risk", "estimate", "ci_low", "ci_high"]].round(3)
    ...       .to_string(index=False))
     group  time  n_at_risk  estimate  ci_low  ci_high
         0  26.0      187.0     0.852   0.797    0.893
         0  52.0      154.0     0.694   0.628    0.751
         1  26.0      194.0     0.898   0.849    0.932
         1  52.0      168.0     0.778   0.716    0.828

    Fewer than half were re-arrested within the year, so the medians are not reached:

    >>> print(km.median().to_string(index=False))
     group  median  ci_low  ci_high   n  n_events
         0     NaN     NaN      NaN 216      66.0
         1     NaN     NaN      NaN 216      48.0
    """
    from ..engine import is_engine_input
    if is_engine_input(data):  # a path, DuckDB, ibis or Spark table: the engine counts
        return kaplan_meier_engine(data, duration=duration, event=event, group=group,
                                   weights=weights, entry=entry, alpha=alpha,
                                   conf_type=conf_type)
    alpha = check_alpha(alpha)
    check_choice("conf_type", conf_type, CONF_TYPES)
    sd = prepare_survival(data, duration=duration, event=event, group=group, weights=weights,
                          entry=entry)
    robust = weights is not None and bool(np.any(sd.weights != np.round(sd.weights)))
    if group is None:
        codes = np.zeros(sd.n, dtype=np.int64)
        levels: tuple[Any, ...] = ("all",)
    else:
        codes, levels = sd.group, sd.group_levels
    fast = sd.entry is None and not robust
    if fast:
        found = grouped_curves(sd.time, sd.event, None if weights is None else sd.weights,
                                codes, len(levels))
    curves = {}
    for k, lev in enumerate(levels):
        if fast:
            curves[lev] = found[k]
        else:
            m = slice(None) if len(levels) == 1 else codes == k
            curves[lev] = km_curve(sd.time[m], sd.event[m],
                                   None if sd.weights is None else sd.weights[m],
                                   None if sd.entry is None else sd.entry[m], robust=robust)
    table, med, warns = _tables(curves, group, event, alpha, conf_type, stacklevel=3)
    spec = make_spec(
        "kaplan_meier",
        dict(duration=duration, event=event, group=group, weights=weights, entry=entry,
             alpha=alpha, conf_type=conf_type),
        data_hash=hash_frame(data[used_columns(duration, event, group, weights, entry)]),
    )
    method = ("Kaplan-Meier (1958) with infinitesimal-jackknife standard errors (non-integer "
              "weights)" if robust else
              "Kaplan-Meier (1958) with Greenwood (1926) standard errors")
    return KaplanMeierResult(
        method=method,
        spec=spec,
        warnings=tuple(warns),
        table=table,
        medians=med,
        curves=curves,
        group=group,
        alpha=alpha,
        conf_type=conf_type,
    )


# ------------------------------------------------------------------------------------------
# engine inputs (see wsa_eval.survival._engine_common)
# ------------------------------------------------------------------------------------------
def kaplan_meier_engine(data: Any, *, duration: str, event: str, group: str | None = None,
                        weights: str | None = None, entry: str | None = None,
                        alpha: float = 0.05, conf_type: str = "log-log") -> KaplanMeierResult:
    """:func:`~wsa_eval.survival.km.kaplan_meier` from the engine's counts."""
    alpha = check_alpha(alpha)
    check_choice("conf_type", conf_type, CONF_TYPES)
    col = collapse(data, duration=duration, event=event, entry=entry, weights=weights,
                   by=[group] if group is not None else [], roles={group: "group"})
    cells = col.cells
    freq = frequencies(cells, weights)
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
    table, med, warns = _tables(curves, group, event, alpha, conf_type, stacklevel=4)
    spec = make_spec(
        "kaplan_meier",
        dict(duration=duration, event=event, group=group, weights=weights, entry=entry,
             alpha=alpha, conf_type=conf_type, **engine_args(col)),
        data_hash=hash_frame(cells))
    return KaplanMeierResult(
        method="Kaplan-Meier (1958) with Greenwood (1926) standard errors",
        spec=spec, warnings=tuple(warns), table=table,
        medians=med, curves=curves, group=group, alpha=alpha, conf_type=conf_type)

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
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import check_alpha, check_choice, hash_frame
from ..engine.survival import collapse
from ..errors import DataWarning
from ..results import make_spec
from ._check import prepare_survival, sorted_codes, used_columns
from ._engine_common import engine_args, frequencies, sorted_levels
from ._results import KaplanMeierResult

__all__ = ["kaplan_meier", "km_curve", "KMCurve", "CONF_TYPES"]

CONF_TYPES = ("log-log", "log", "plain")


@dataclass(frozen=True)
class KMCurve:
    """One product-limit curve at its distinct event times (plus what the plot needs)."""

    time: np.ndarray
    n_at_risk: np.ndarray
    n_events: np.ndarray
    surv: np.ndarray
    var_log: np.ndarray  # variance of log S (Greenwood, or infinitesimal jackknife)
    censor_times: np.ndarray
    durations: np.ndarray  # the group's exit times (row order)
    entries: np.ndarray | None  # the group's entry times, None without delayed entry
    weights: np.ndarray
    n: int
    tmax: float

    def at_risk(self, t: np.ndarray) -> np.ndarray:
        """Weighted number at risk at times ``t`` (``entry < t <= duration``).

        Uses the weight totals by distinct duration (and entry) time, so the cost is in
        the number of distinct times, not of rows.
        """
        t = np.asarray(t, dtype=float)
        u, tot = self._exit_totals
        n = tot[np.searchsorted(u, t, side="left")]  # duration >= t
        if self.entries is not None:
            ue, tote = self._entry_totals
            n = n - tote[np.searchsorted(ue, t, side="left")]  # entry >= t: not yet in
        return n

    @staticmethod
    def _totals(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inv, u = sorted_codes(x)
        cnt = np.bincount(inv, weights=w, minlength=u.shape[0])
        return u, np.concatenate([np.cumsum(cnt[::-1])[::-1], [0.0]])

    @property
    def _exit_totals(self) -> tuple[np.ndarray, np.ndarray]:
        if "_ex" not in self.__dict__:
            object.__setattr__(self, "_ex", self._totals(self.durations, self.weights))
        return self.__dict__["_ex"]

    @property
    def _entry_totals(self) -> tuple[np.ndarray, np.ndarray]:
        if "_en" not in self.__dict__:
            object.__setattr__(self, "_en", self._totals(self.entries, self.weights))
        return self.__dict__["_en"]

    def step(self, t: np.ndarray, values: np.ndarray, before: float) -> np.ndarray:
        """Right-continuous step function of ``values`` at times ``t`` (``before`` first)."""
        i = np.searchsorted(self.time, np.asarray(t, dtype=float), side="right")
        return np.concatenate([[before], values])[i]


def _ij_var_log(tj: np.ndarray, nj: np.ndarray, dj: np.ndarray, time: np.ndarray,
                event: np.ndarray, w: np.ndarray, ent: np.ndarray) -> np.ndarray:
    """Infinitesimal-jackknife variance of log S at each event time (R ``survfit`` robust).

    Row i's influence on ``log S(t)`` is ``sum_{t_j <= t, E_i < t_j <= T_i} c_j -
    delta_i 1[T_i <= t] / (n_j(i) - d_j(i))`` with ``c_j = d_j / (n_j (n_j - d_j))``; the
    variance ``sum_i w_i^2 infl_i(t)^2`` is built from sorted cumulative sums, ``O(n log n)``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(nj > dj, dj / (nj * (nj - dj)), np.inf)
        q = np.where(nj > dj, 1.0 / (nj - dj), np.inf)
    C0 = np.concatenate([[0.0], np.cumsum(c)])

    def C(x: np.ndarray) -> np.ndarray:  # sum of c_j over t_j <= x
        return C0[np.searchsorted(tj, x, side="right")]

    w2 = w * w
    ce = C(ent)
    jq = np.searchsorted(tj, time, side="left")
    own = np.where(event, q[np.minimum(jq, len(tj) - 1)], 0.0)
    with np.errstate(invalid="ignore"):
        final = (C(time) - ce - own) ** 2
    # rows that have left by t_j (T_i <= t_j): constant contribution
    o = np.argsort(time, kind="stable")
    cf = np.concatenate([[0.0], np.cumsum((w2 * final)[o])])
    left = cf[np.searchsorted(time[o], tj, side="right")]
    # rows still at risk after t_j (T_i > t_j) and entered before t_j (E_i < t_j)
    def above(key: np.ndarray, vals: np.ndarray, side: str) -> np.ndarray:
        oo = np.argsort(key, kind="stable")
        cs = np.concatenate([[0.0], np.cumsum(vals[oo])])
        return cs[-1] - cs[np.searchsorted(key[oo], tj, side=side)]

    s0 = above(time, w2, "right") - above(ent, w2, "left")
    s1 = above(time, w2 * ce, "right") - above(ent, w2 * ce, "left")
    s2 = above(time, w2 * ce * ce, "right") - above(ent, w2 * ce * ce, "left")
    Ct = C0[1:]
    with np.errstate(invalid="ignore"):
        return left + Ct * Ct * s0 - 2 * Ct * s1 + s2


def _product_limit(curve: KMCurve, robust: bool, event: np.ndarray | None = None
                   ) -> KMCurve:
    """Fill in numbers at risk, survival and the variance of log S for ``curve``."""
    tj, dj = curve.time, curve.n_events
    nj = curve.at_risk(tj)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(nj > 0, 1.0 - dj / nj, 1.0)
        surv = np.cumprod(frac)
        inc = np.where(nj > dj, dj / (nj * (nj - dj)), np.inf)
    var_log = np.cumsum(inc)
    if robust and tj.shape[0]:
        time, w, ent = curve.durations, curve.weights, curve.entries
        var_log = _ij_var_log(tj, nj, dj, time, event, w,
                              np.full_like(time, -np.inf) if ent is None else ent)
    out = replace(curve, n_at_risk=nj, surv=surv, var_log=var_log)
    object.__setattr__(out, "_ex", curve._exit_totals)  # keep the cached totals
    return out


def km_curve(time: np.ndarray, event: np.ndarray, weights: np.ndarray | None = None,
             entry: np.ndarray | None = None, robust: bool = False) -> KMCurve:
    """Product-limit estimate for one group (pure numpy).

    ``robust``: infinitesimal-jackknife variance (what R uses for non-integer weights)
    instead of Greenwood's.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    w = np.ones_like(time) if weights is None else np.asarray(weights, dtype=float)
    ent = None if entry is None else np.asarray(entry, dtype=float)
    inv, tj = sorted_codes(time[event])
    dj = np.bincount(inv, weights=w[event], minlength=tj.shape[0])
    curve = KMCurve(
        time=tj, n_at_risk=np.zeros(0), n_events=dj, surv=np.zeros(0), var_log=np.zeros(0),
        censor_times=np.unique(time[~event]), durations=time, entries=ent, weights=w,
        n=int(time.shape[0]), tmax=float(time.max()),
    )
    return _product_limit(curve, robust, event)


def _grouped_curves(time: np.ndarray, event: np.ndarray, weights: np.ndarray | None,
                    codes: np.ndarray, n_groups: int) -> list[KMCurve]:
    """Greenwood curves of every group from one pass of counts (no delayed entry).

    The times are coded once against the sorted distinct times of all rows; per group the
    weight totals by time (every row, and event rows) come from one ``bincount`` each, in
    row order, so the sums equal those of :func:`km_curve` run group by group. A group
    without events gets a flat curve (no event times, S = 1 throughout), as R's ``survfit``.
    """
    tcode, grid = sorted_codes(time)
    u = grid.shape[0]
    key = tcode if n_groups == 1 else codes * u + tcode
    size = n_groups * u
    rows = np.bincount(key, minlength=size).reshape(n_groups, u)
    ev_rows = np.bincount(key, weights=event, minlength=size).reshape(n_groups, u)
    if weights is None:
        w_all, w_ev = rows.astype(float), ev_rows
    else:
        w_all = np.bincount(key, weights=weights, minlength=size).reshape(n_groups, u)
        w_ev = np.bincount(key, weights=weights * event,
                           minlength=size).reshape(n_groups, u)
    out: list[KMCurve] = []
    for g in range(n_groups):
        has_ev = ev_rows[g] > 0
        m = slice(None) if n_groups == 1 else codes == g
        durations = time[m]
        w = (np.broadcast_to(1.0, durations.shape) if weights is None  # read-only ones
             else weights[m])
        present = rows[g] > 0
        cnt = w_all[g][present]
        curve = KMCurve(
            time=grid[has_ev], n_at_risk=np.zeros(0), n_events=w_ev[g][has_ev],
            surv=np.zeros(0), var_log=np.zeros(0),
            censor_times=grid[rows[g] - ev_rows[g] > 0], durations=durations, entries=None,
            weights=w, n=int(durations.shape[0]), tmax=float(grid[present][-1]),
        )
        object.__setattr__(curve, "_ex", (grid[present], np.concatenate(
            [np.cumsum(cnt[::-1])[::-1], [0.0]])))
        out.append(_product_limit(curve, False))
    return out


def confidence_limits(surv: np.ndarray, var_log: np.ndarray, alpha: float,
                      conf_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits as R ``survfit`` (NaN where R gives NA: S = 0, or S = 1 for log-log)."""
    z = stats.norm.ppf(1 - alpha / 2)
    se = np.sqrt(var_log)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log-log":
            s = np.where((surv > 0) & (surv < 1), surv, np.nan)
            ll = np.log(-np.log(s))
            half = z * se / np.log(s)
            lo = np.exp(-np.exp(ll - half))
            hi = np.exp(-np.exp(ll + half))
        elif conf_type == "log":
            s = np.where(surv > 0, surv, np.nan)
            lo = np.exp(np.log(s) - z * se)
            hi = np.minimum(np.exp(np.log(s) + z * se), 1.0)
        else:
            sse = surv * se
            lo = np.maximum(surv - z * sse, 0.0)
            hi = np.minimum(surv + z * sse, 1.0)
            bad = ~np.isfinite(sse)
            lo[bad] = np.nan
            hi[bad] = np.nan
    return np.minimum(lo, hi), np.maximum(lo, hi)


def first_below_half(time: np.ndarray, y: np.ndarray) -> float:
    """R ``print.survfit``'s median rule (``minmin``): NaN when the curve never reaches 0.5."""
    tol = np.sqrt(np.finfo(float).eps)
    keep = ~np.isnan(y) & (y < 0.5 + tol)
    if not keep.any():
        return float("nan")
    x, yy = time[keep], y[keep]
    if abs(yy[0] - 0.5) < tol and (yy < yy[0]).any():
        return float((x[0] + x[np.flatnonzero(yy < yy[0])[0]]) / 2)
    return float(x[0])


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
    f = pd.DataFrame({"time": t, "n_at_risk": nr, "n_events": ne, "estimate": s,
                      "std_error": se, "ci_low": lo, "ci_high": hi})
    if lev is not None:
        f.insert(0, "group", lev)
    return f


def _median_row(c: KMCurve, lev: Any, alpha: float, conf_type: str) -> dict[str, Any]:
    lo, hi = confidence_limits(c.surv, c.var_log, alpha, conf_type)
    return {"group": lev, "median": first_below_half(c.time, c.surv),
            "ci_low": first_below_half(c.time, lo), "ci_high": first_below_half(c.time, hi),
            "n": c.n, "n_events": float(c.n_events.sum())}


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
        found = _grouped_curves(sd.time, sd.event, None if weights is None else sd.weights,
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
        warnings.warn(warns[-1], DataWarning, stacklevel=2)
    table = pd.concat(frames, ignore_index=True)
    med = pd.DataFrame(medians)
    if group is None:
        med = med.drop(columns="group")
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
             alpha=alpha, conf_type=conf_type, **engine_args(col)),
        data_hash=hash_frame(cells))
    return KaplanMeierResult(
        method="Kaplan-Meier (1958) with Greenwood (1926) standard errors",
        spec=spec, warnings=tuple(warns), table=pd.concat(frames, ignore_index=True),
        medians=med, curves=curves, group=group, alpha=alpha, conf_type=conf_type)

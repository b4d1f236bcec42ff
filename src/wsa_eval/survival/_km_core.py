"""The Kaplan-Meier product-limit curve of one group (pure numpy), its confidence limits and
R's median rule: the core that :func:`~wsa_eval.survival.km.kaplan_meier`, the competing-risks
estimators, the proportional-hazards test, the RMST and the reoffending effects share.

Kaplan & Meier (1958): ``S(t) = prod_{t_j <= t} (1 - d_j / n_j)`` at the distinct event times
``t_j`` with ``d_j`` events among ``n_j`` at risk. Greenwood's (1926) variance
``var(log S(t)) = sum_{t_j <= t} d_j / (n_j (n_j - d_j))``, or with non-integer case weights the
infinitesimal-jackknife (robust) variance that R's ``survfit`` uses. Limits on the "log-log",
"log" or "plain" scale as R's ``conf.type``. See Therneau & Grambsch (2000, sec. 2.1).

Kept apart from :mod:`~wsa_eval.survival.km` (the user function and its result) so that result
classes and other estimators use it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from ._check import sorted_codes

__all__ = ["KMCurve", "km_curve", "grouped_curves", "confidence_limits", "first_below_half"]


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

    def exits_from(self, t: np.ndarray) -> np.ndarray:
        """Weight of the rows whose exit (duration) is at or after each time in ``t``."""
        u, tot = self._exit_totals
        return tot[np.searchsorted(u, np.asarray(t, dtype=float), side="left")]

    def entries_from(self, t: np.ndarray) -> np.ndarray:
        """Weight of the rows that enter at or after each time in ``t`` (0 without entry)."""
        t = np.asarray(t, dtype=float)
        if self.entries is None:
            return np.zeros(t.shape[0])
        u, tot = self._entry_totals
        return tot[np.searchsorted(u, t, side="left")]

    def interval_counts(self, t: np.ndarray, d: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray | None]:
        """Censored and entered people around the sorted times ``t`` with ``d`` events.

        ``n_censored[j]``: rows leaving without the event from ``t[j]`` until the next time
        (the last: from ``t[-1]`` on); ``n_entered[j]`` (None without delayed entry): rows
        entering after the previous time and by ``t[j]`` (the first: every entry before
        ``t[0]``). So ``n_at_risk[j + 1] = n_at_risk[j] - n_events[j] - n_censored[j] +
        n_entered[j + 1]``.
        """
        t = np.asarray(t, dtype=float)
        ex = np.append(self.exits_from(t), 0.0)
        censored = ex[:-1] - ex[1:] - np.asarray(d, dtype=float)
        if self.entries is None:
            return censored, None
        en = self.entries_from(t)
        total = float(np.sum(self.weights))
        entered = np.concatenate([[total], en[:-1]]) - en
        return censored, entered

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


def grouped_curves(time: np.ndarray, event: np.ndarray, weights: np.ndarray | None,
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
